/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Quectel firmware version strings: see docs/versions.md for the grammar. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "safeflash/version.h"
#include "util/strutil.h"

/* Package-name endings removed before parsing, longest first so ".TAR.BZ2" wins over ".BZ2". */
static const char *const package_suffixes[] = {
        "-TOOLCHAIN.TAR.GZ", ".TAR.BZ2", ".TAR.GZ", ".TAR.XZ", ".ZIP", ".7Z", "_SDK",
};

static bool is_upper(char c)
{
        return c >= 'A' && c <= 'Z';
}

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

static bool is_hexish(char c)
{
        return is_digit(c) || (c >= 'A' && c <= 'F');
}

static bool all_digits(const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (!is_digit(s[i]))
                        return false;
        return true;
}

static int two_digits(const char *s)
{
        return (s[0] - '0') * 10 + (s[1] - '0');
}

static int fail(struct sf_version *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct sf_version *v, const char *fmt, ...)
{
        va_list ap;

        v->form = SF_VERSION_FORM_UNKNOWN;
        va_start(ap, fmt);
        vsnprintf(v->error, sizeof(v->error), fmt, ap);
        va_end(ap);
        return -EBADMSG;
}

/* "_2025": a year appended to a package name. */
static bool ends_with_year(const char *s, size_t len)
{
        return len > 5 && s[len - 5] == '_' && all_digits(s + len - 4, 4) &&
               (sf_startswith(s + len - 4, "19") || sf_startswith(s + len - 4, "20"));
}

/* Remove package suffixes from the end of v->canonical, recording them in v->suffix. */
static int strip_suffixes(struct sf_version *v)
{
        size_t len = strlen(v->canonical);
        size_t cut = len;
        bool again = true;

        while (again) {
                again = false;
                for (size_t i = 0; i < sizeof(package_suffixes) / sizeof(*package_suffixes); i++) {
                        size_t sl = strlen(package_suffixes[i]);
                        if (cut > sl && sf_endswith_ci(v->canonical, cut, package_suffixes[i])) {
                                cut -= sl;
                                again = true;
                        }
                }
                if (ends_with_year(v->canonical, cut)) {
                        cut -= 5;
                        again = true;
                }
        }
        if (cut == len)
                return 0;
        if (sf_strlcpy(v->suffix, sizeof(v->suffix), v->canonical + cut) < 0)
                return fail(v, "package suffix '%s' is too long", v->canonical + cut);
        v->canonical[cut] = '\0';
        return 0;
}

/* Find "R" 2DIGIT "A" 2DIGIT in the main version; returns its index or -1. */
static int find_baseline(const char *main, size_t len)
{
        for (size_t i = 0; i + 6 <= len; i++)
                if (main[i] == 'R' && all_digits(main + i + 1, 2) && main[i + 3] == 'A' &&
                    all_digits(main + i + 4, 2))
                        return (int)i;
        return -1;
}

/* After Rnn Ann: [Vnn] [memory] [one stray letter]. */
static int parse_main_tail(struct sf_version *v, const char *s, size_t len)
{
        size_t p = 0;

        if (len - p >= 3 && s[p] == 'V' && all_digits(s + p + 1, 2)) {
                v->edition = two_digits(s + p + 1);
                p += 3;
        }
        if (len - p >= 3 && is_upper(s[p]) && is_digit(s[p + 1])) {
                size_t q = p + 1;
                while (q < len && is_digit(s[q]))
                        q++;
                if (q < len && s[q] == 'G' && q + 1 - p < sizeof(v->memory)) {
                        memcpy(v->memory, s + p, q + 1 - p);
                        v->memory[q + 1 - p] = '\0';
                        p = q + 1;
                } else if (q == len && q - p == 3 && s[p] == 'M') {
                        /* EG912U (Unisoc) ends in "M08": a memory code without the G. */
                        memcpy(v->memory, s + p, 3);
                        v->memory[3] = '\0';
                        p = q;
                }
        }
        if (v->memory[0] && len - p == 1 && is_upper(s[p])) {
                v->trailing = s[p];
                p++;
        }
        if (p != len)
                return fail(v, "unexpected '%.*s' after the release number", (int)(len - p), s + p);
        return 0;
}

/* Quectel product families, as they appear at the start of a version (hyphen removed). */
static const char *const known_models[] = {
        "AG35",   "AG590E", "BG95M3", "BG96",   "EC20",   "EC21",   "EC25",   "EG06",   "EG18",
        "EG25",   "EG91",   "EG912U", "EG95",   "EM05",   "EM06",   "EM060K", "EM061K", "EM12",
        "EM120R", "EM160R", "EM20",   "EP06",   "RG255C", "RG500Q", "RG520N", "RM500Q", "RM502Q",
        "RM520N", "RM551E",
};

static void split_prefix(struct sf_version *v)
{
        size_t best = 0, rest;

        for (size_t i = 0; i < sizeof(known_models) / sizeof(*known_models); i++) {
                size_t ml = strlen(known_models[i]);
                if (ml > best && sf_startswith(v->prefix, known_models[i]))
                        best = ml;
        }
        if (best == 0 || best >= sizeof(v->model))
                return;
        memcpy(v->model, v->prefix, best);
        v->model[best] = '\0';
        rest = strlen(v->prefix) - best;
        if (rest >= sizeof(v->region) + 2)
                return;
        if (rest >= 2) {
                memcpy(v->region, v->prefix + best, rest - 2);
                v->region[rest - 2] = '\0';
                strcpy(v->variant, v->prefix + best + rest - 2);
        } else {
                strcpy(v->region, v->prefix + best);
        }
}

static int parse_main(struct sf_version *v, const char *main, size_t len)
{
        int i;

        /* '-' and '.' are allowed in the input only for package suffixes and sub-versions. */
        for (size_t k = 0; k < len; k++)
                if (!is_upper(main[k]) && !is_digit(main[k]))
                        return fail(v, "unexpected '%c' in the main version '%.*s'", main[k],
                                    (int)len, main);
        i = find_baseline(main, len);

        if (i < 0)
                return fail(v, "no baseline and release (R<nn>A<nn>) in '%.*s'", (int)len, main);
        if (i == 0)
                return fail(v, "no model prefix before R%.2s", main + 1);
        if (sf_strlcpy_n(v->prefix, sizeof(v->prefix), main, (size_t)i) < 0)
                return fail(v, "model prefix is too long");
        split_prefix(v);
        v->baseline = two_digits(main + i + 1);
        v->release = two_digits(main + i + 4);
        return parse_main_tail(v, main + i + 6, len - (size_t)i - 6);
}

/* One dot-separated sub-version group: "20", "A0", "001V01". want_main selects 2 hex-like
 * characters, otherwise 3 digits. Returns the group's edition (-1 none) or -EBADMSG. */
static int parse_group(const char *s, size_t len, bool want_main, char main_out[3], int *minor_out)
{
        size_t n = want_main ? 2 : 3;
        int edition = -1;

        if (len != n && len != n + 3)
                return -EBADMSG;
        for (size_t i = 0; i < n; i++)
                if (want_main ? !is_hexish(s[i]) : !is_digit(s[i]))
                        return -EBADMSG;
        if (len == n + 3) {
                if (s[n] != 'V' || !all_digits(s + n + 1, 2))
                        return -EBADMSG;
                edition = two_digits(s + n + 1);
        }
        if (want_main) {
                main_out[0] = s[0];
                main_out[1] = s[1];
                main_out[2] = '\0';
        } else {
                *minor_out = (s[0] - '0') * 100 + two_digits(s + 1);
        }
        return edition;
}

static int parse_sub(struct sf_version *v, const char *s, size_t len)
{
        size_t start = 0;
        unsigned g = 0;

        while (start <= len) {
                const char *dot = memchr(s + start, '.', len - start);
                size_t glen = dot ? (size_t)(dot - (s + start)) : len - start;
                bool want_main = (g % 2) == 0;
                int ed;

                if (g == 4)
                        return fail(v, "sub-version '%.*s' has more than four groups", (int)len, s);
                ed = parse_group(s + start, glen, want_main, g < 2 ? v->modem_main : v->ap_main,
                                 g < 2 ? &v->modem_minor : &v->ap_minor);
                if (ed == -EBADMSG)
                        return fail(v, "sub-version group '%.*s' is not %s", (int)glen, s + start,
                                    want_main ? "two characters 0-9/A-F" : "three digits");
                if (ed >= 0) {
                        if (v->sub_edition >= 0 && v->sub_edition != ed)
                                return fail(v, "sub-version groups carry different editions");
                        v->sub_edition = ed;
                }
                g++;
                start += glen + 1;
        }
        if (g < 2)
                return fail(v, "sub-version '%.*s' has no minor number", (int)len, s);
        v->n_groups = g;
        return 0;
}

static bool is_beta_date(const char *s, size_t len)
{
        return (len == 8 || (len == 9 && is_upper(s[8]))) && all_digits(s, 8);
}

static int add_tag(struct sf_version *v, const char *s, size_t len)
{
        if (len == 0)
                return fail(v, "empty '_' group");
        for (size_t i = 0; i < len; i++)
                if (!is_upper(s[i]) && !is_digit(s[i]) && s[i] != '_')
                        return fail(v, "tag '%.*s' has an unexpected character", (int)len, s);
        if (v->n_tags == SF_VERSION_MAX_TAGS)
                return fail(v, "more than %d tags", SF_VERSION_MAX_TAGS);
        if (sf_strlcpy_n(v->tags[v->n_tags], SF_VERSION_TAG_MAX, s, len) < 0)
                return fail(v, "tag '%.*s' is too long", (int)len, s);
        v->n_tags++;
        return 0;
}

/* The '_'-separated groups after the main version: tags, then at most one sub-version. */
static int parse_groups(struct sf_version *v, const char *s)
{
        while (*s) {
                const char *end = strchr(s, '_');
                size_t len = end ? (size_t)(end - s) : strlen(s);
                int r;

                if (v->n_groups > 0)
                        return fail(v, "unexpected '%.*s' after the sub-version", (int)len, s);
                if (memchr(s, '.', len)) {
                        r = parse_sub(v, s, len);
                } else if (len == 4 && memcmp(s, "BETA", 4) == 0 && end &&
                           is_beta_date(end + 1, strcspn(end + 1, "_"))) {
                        /* "BETA_20200428F" is one tag that contains the separator. */
                        len += 1 + strcspn(end + 1, "_");
                        end = s[len] ? s + len : NULL;
                        r = add_tag(v, s, len);
                } else {
                        r = add_tag(v, s, len);
                }
                if (r < 0)
                        return r;
                if (!end)
                        break;
                s = end + 1;
                if (!*s)
                        return fail(v, "trailing '_'");
        }
        return 0;
}

static void classify(struct sf_version *v)
{
        if (v->n_groups == 0)
                v->form = SF_VERSION_FORM_REVISION;
        else if (v->n_groups < 4)
                v->form = SF_VERSION_FORM_TRUNCATED;
        else if (strcmp(v->ap_main, "00") == 0 && v->ap_minor == 0)
                v->form = SF_VERSION_FORM_TRANSIENT;
        else
                v->form = SF_VERSION_FORM_FULL;
}

static int parse_canonical(struct sf_version *v)
{
        const char *s = v->canonical;
        const char *us;
        int r;

        for (const char *p = s; *p; p++)
                if (!is_upper(*p) && !is_digit(*p) && *p != '_' && *p != '.' && *p != '-')
                        return fail(v, "unexpected character 0x%02x", (unsigned char)*p);
        r = strip_suffixes(v);
        if (r < 0)
                return r;
        us = strchr(s, '_');
        r = parse_main(v, s, us ? (size_t)(us - s) : strlen(s));
        if (r < 0)
                return r;
        if (us) {
                if (!us[1])
                        return fail(v, "trailing '_'");
                r = parse_groups(v, us + 1);
                if (r < 0)
                        return r;
        }
        classify(v);
        return 0;
}

int sf_version_parse(const char *s, struct sf_version *ret)
{
        struct sf_version v = {.edition = -1, .modem_minor = -1, .ap_minor = -1, .sub_edition = -1};
        size_t len;

        if (!s || !ret)
                return -EINVAL;
        while (isspace((unsigned char)*s))
                s++;
        len = strlen(s);
        while (len > 0 && isspace((unsigned char)s[len - 1]))
                len--;
        if (len > SF_VERSION_MAX_LEN)
                return -ENAMETOOLONG;
        memcpy(v.raw, s, len);
        v.raw[len] = '\0';
        for (size_t i = 0; i < len; i++)
                v.canonical[i] = (char)toupper((unsigned char)s[i]);
        v.canonical[len] = '\0';

        if (len == 0)
                fail(&v, "empty version");
        else
                (void)parse_canonical(&v);
        *ret = v;
        return v.form == SF_VERSION_FORM_UNKNOWN ? -EBADMSG : 0;
}

const char *sf_version_form_to_string(enum sf_version_form form)
{
        switch (form) {
        case SF_VERSION_FORM_UNKNOWN:
                return "unknown";
        case SF_VERSION_FORM_REVISION:
                return "revision";
        case SF_VERSION_FORM_FULL:
                return "full";
        case SF_VERSION_FORM_TRUNCATED:
                return "truncated";
        case SF_VERSION_FORM_TRANSIENT:
                return "transient";
        }
        return "invalid";
}

bool sf_version_tag_is_beta(const char *tag)
{
        return tag && sf_startswith(tag, "BETA");
}

/* Is every OEM/market tag of a also in b? */
static bool tags_subset(const struct sf_version *a, const struct sf_version *b)
{
        for (unsigned i = 0; i < a->n_tags; i++) {
                bool found = false;
                if (sf_version_tag_is_beta(a->tags[i]))
                        continue;
                for (unsigned j = 0; j < b->n_tags && !found; j++)
                        found = strcmp(a->tags[i], b->tags[j]) == 0;
                if (!found)
                        return false;
        }
        return true;
}

bool sf_version_same_tags(const struct sf_version *a, const struct sf_version *b)
{
        return tags_subset(a, b) && tags_subset(b, a);
}

static int cmp_int(int a, int b)
{
        return (a > b) - (a < b);
}

int sf_version_compare(const struct sf_version *a, const struct sf_version *b, int *ret_cmp)
{
        int c;

        if (!a || !b || !ret_cmp)
                return -EINVAL;
        if (a->form == SF_VERSION_FORM_UNKNOWN || b->form == SF_VERSION_FORM_UNKNOWN)
                return -EDOM;
        if (strcmp(a->prefix, b->prefix) != 0 || a->baseline != b->baseline ||
            strcmp(a->memory, b->memory) != 0 || !sf_version_same_tags(a, b))
                return -EDOM;
        if ((a->n_groups == 0) != (b->n_groups == 0))
                return -EDOM;
        if (a->n_groups > 0 && strcmp(a->modem_main, b->modem_main) != 0)
                return -EDOM;
        if (a->n_groups >= 3 && b->n_groups >= 3 && strcmp(a->ap_main, b->ap_main) != 0)
                return -EDOM;

        c = cmp_int(a->release, b->release);
        if (c == 0 && a->n_groups > 0)
                c = cmp_int(a->modem_minor, b->modem_minor);
        if (c == 0 && a->n_groups == 4 && b->n_groups == 4)
                c = cmp_int(a->ap_minor, b->ap_minor);
        else if (c == 0 && a->n_groups != b->n_groups)
                return -EDOM; /* equal as far as both go, but one is truncated */
        *ret_cmp = c;
        return 0;
}

void sf_version_format_sub(const struct sf_version *v, char *buf, size_t size)
{
        if (size == 0)
                return;
        buf[0] = '\0';
        if (v->n_groups >= 4)
                snprintf(buf, size, "%s.%03d.%s.%03d", v->modem_main, v->modem_minor, v->ap_main,
                         v->ap_minor);
        else if (v->n_groups == 3)
                snprintf(buf, size, "%s.%03d.%s", v->modem_main, v->modem_minor, v->ap_main);
        else if (v->n_groups == 2)
                snprintf(buf, size, "%s.%03d", v->modem_main, v->modem_minor);
}
