/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Requirements a package states about the installed firmware, in the LVFS vocabulary. */
#include <errno.h>
#include <fnmatch.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/requires-internal.h"

static const char *const compare_names[] = {
        [SF_COMPARE_EQ] = "eq",     [SF_COMPARE_NE] = "ne",       [SF_COMPARE_LT] = "lt",
        [SF_COMPARE_LE] = "le",     [SF_COMPARE_GT] = "gt",       [SF_COMPARE_GE] = "ge",
        [SF_COMPARE_GLOB] = "glob", [SF_COMPARE_REGEX] = "regex",
};

const char *sf_compare_to_string(enum sf_compare c)
{
        if ((unsigned)c < sizeof(compare_names) / sizeof(*compare_names))
                return compare_names[c];
        return "invalid";
}

int sf_compare_from_string(const char *s, enum sf_compare *ret)
{
        if (!s || !ret)
                return -EINVAL;
        for (unsigned i = 0; i < sizeof(compare_names) / sizeof(*compare_names); i++)
                if (strcmp(s, compare_names[i]) == 0) {
                        *ret = (enum sf_compare)i;
                        return 0;
                }
        return -EBADMSG;
}

int sf_requirements_new(sf_requirements **ret)
{
        sf_requirements *reqs;

        if (!ret)
                return -EINVAL;
        reqs = calloc(1, sizeof(*reqs));
        if (!reqs)
                return -ENOMEM;
        *ret = reqs;
        return 0;
}

void sf_requirements_free(sf_requirements *reqs)
{
        if (!reqs)
                return;
        for (size_t i = 0; i < reqs->n; i++) {
                free(reqs->items[i].version);
                free(reqs->items[i].description);
        }
        free(reqs);
}

size_t sf_requirements_count(const sf_requirements *reqs)
{
        return reqs ? reqs->n : 0;
}

int sf_requirements_add(sf_requirements *reqs, enum sf_requirement_kind kind,
                        enum sf_compare compare, const char *version, const char *description)
{
        struct sf_requirement *req;

        if (!reqs || !description || (unsigned)compare > SF_COMPARE_REGEX ||
            (unsigned)kind > SF_REQUIREMENT_NOT_APPLICABLE)
                return -EINVAL;
        if (version && strlen(version) > SF_REQUIREMENT_PATTERN_MAX)
                return -ENAMETOOLONG;
        if (kind == SF_REQUIREMENT_FIRMWARE && (!version || !*version))
                return -EINVAL;
        if (reqs->n == SF_REQUIREMENTS_MAX)
                return -E2BIG;
        req = &reqs->items[reqs->n];
        *req = (struct sf_requirement){.kind = kind, .compare = compare};
        req->version = strdup(version ? version : "");
        req->description = strdup(description);
        if (!req->version || !req->description) {
                free(req->version);
                free(req->description);
                return -ENOMEM;
        }
        reqs->n++;
        return 0;
}

/* A package's pattern reaches regcomp only if it is small once compiled. glibc expands a bounded
 * repetition by copying its operand ("(a{100}){100}" is 10,000 nodes) and builds its automaton
 * from the copies, and stacked duplication symbols ("0+++...", undefined in POSIX EREs) make its
 * automaton grow without bound: either takes gigabytes for a pattern of a few hundred bytes. So
 * the pattern is measured first: each atom counts one, a group the sum of its contents, a
 * repetition multiplies what it repeats by its upper bound (unbounded ones count twice), and the
 * total must stay under REGEX_MAX_COST. Back-references (exponential matching) and stacked
 * duplication symbols are refused outright; LVFS patterns use none of them. */
#define REGEX_MAX_LEN   512
#define REGEX_MAX_COST  4096
#define REGEX_MAX_DEPTH 16

static bool is_dup(char c)
{
        return c == '*' || c == '+' || c == '?' || c == '{';
}

/* Reads a bound "{n}", "{n,}" or "{n,m}" at *p; its upper bound (or 2 when unbounded) in *ret. */
static int parse_bound(const char **p, unsigned long *ret)
{
        const char *s = *p + 1;
        unsigned long lo = 0, hi;
        bool digits = false;

        for (; *s >= '0' && *s <= '9'; s++, digits = true)
                if ((lo = lo * 10 + (unsigned long)(*s - '0')) > 255)
                        return -EBADMSG; /* RE_DUP_MAX is 255 in POSIX */
        hi = lo;
        if (*s == ',') {
                s++;
                if (*s == '}')
                        hi = lo < 2 ? 2 : lo;
                else
                        for (hi = 0; *s >= '0' && *s <= '9'; s++, digits = true)
                                if ((hi = hi * 10 + (unsigned long)(*s - '0')) > 255)
                                        return -EBADMSG;
        }
        if (*s != '}' || !digits)
                return -EBADMSG;
        *p = s + 1;
        *ret = hi ? hi : 1;
        return 0;
}

int sf_regex_measure(const char *pattern)
{
        unsigned long sum[REGEX_MAX_DEPTH + 1] = {0}, last = 0;
        const char *p = pattern;
        int depth = 0;
        bool after_dup = false, have_atom = false;

        if (strlen(pattern) > REGEX_MAX_LEN)
                return -E2BIG;
        while (*p) {
                if (is_dup(*p)) {
                        unsigned long times = 2;

                        if (after_dup || !have_atom)
                                return -EBADMSG;
                        if (*p == '{') {
                                if (parse_bound(&p, &times) < 0)
                                        return -EBADMSG;
                        } else {
                                times = *p == '?' ? 1 : 2;
                                p++;
                        }
                        /* the atom counted once already; now it counts `times` times */
                        sum[depth] += last * times - last;
                        if (sum[depth] > REGEX_MAX_COST)
                                return -E2BIG;
                        after_dup = true;
                        continue;
                }
                after_dup = false;
                have_atom = true;
                switch (*p) {
                case '\\':
                        if (p[1] >= '1' && p[1] <= '9')
                                return -EBADMSG;
                        if (p[1] == '\0')
                                return -EBADMSG;
                        p += 2;
                        last = 1;
                        break;
                case '[':
                        /* a bracket expression: "]" first (after an optional "^") is literal;
                         * "[:class:]", "[=x=]" and "[.x.]" inside it end at their own ":]" */
                        p++;
                        if (*p == '^')
                                p++;
                        if (*p == ']')
                                p++;
                        while (*p && *p != ']') {
                                if (*p == '[' && (p[1] == ':' || p[1] == '=' || p[1] == '.')) {
                                        const char *end = strchr(p + 2, p[1]);

                                        while (end && end[1] != ']')
                                                end = strchr(end + 1, p[1]);
                                        if (!end)
                                                return -EBADMSG;
                                        p = end + 2;
                                } else
                                        p++;
                        }
                        if (*p != ']')
                                return -EBADMSG;
                        p++;
                        last = 1;
                        break;
                case '(':
                        if (depth == REGEX_MAX_DEPTH)
                                return -E2BIG;
                        sum[++depth] = 1;
                        have_atom = false;
                        p++;
                        continue;
                case ')':
                        if (depth == 0)
                                return -EBADMSG;
                        last = sum[depth--];
                        p++;
                        break;
                case '|':
                        have_atom = false;
                        last = 0;
                        p++;
                        sum[depth]++;
                        continue;
                case '^':
                case '$':
                        have_atom = false;
                        last = 0;
                        p++;
                        sum[depth]++;
                        continue;
                default:
                        p++;
                        last = 1;
                        break;
                }
                sum[depth] += last;
                if (sum[depth] > REGEX_MAX_COST)
                        return -E2BIG;
        }
        if (depth != 0)
                return -EBADMSG;
        return (int)sum[0];
}

static int check_regex(const char *pattern, const char *s)
{
        regex_t re;
        int r;

        r = sf_regex_measure(pattern);
        if (r < 0)
                return r;
        if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB | REG_ICASE) != 0)
                return -EBADMSG;
        r = regexec(&re, s, 0, NULL, 0) == 0;
        regfree(&re);
        return r;
}

static int check_order(const struct sf_requirement *req, const struct sf_version *installed,
                       char *why, size_t why_size)
{
        struct sf_version want;
        int cmp, r;

        if (sf_version_parse(req->version, &want) < 0) {
                snprintf(why, why_size, "the required version '%s' is not a Quectel version",
                         req->version);
                return 0;
        }
        r = sf_version_compare(installed, &want, &cmp);
        if (r == -EDOM) {
                snprintf(why, why_size,
                         "'%s' and '%s' are not of the same line and cannot be ordered",
                         installed->canonical, want.canonical);
                return 0;
        }
        if (r < 0)
                return r;
        switch (req->compare) {
        case SF_COMPARE_LT:
                return cmp < 0;
        case SF_COMPARE_LE:
                return cmp <= 0;
        case SF_COMPARE_GT:
                return cmp > 0;
        case SF_COMPARE_GE:
                return cmp >= 0;
        default:
                return -EINVAL;
        }
}

int sf_requirement_check(const struct sf_requirement *req, const struct sf_version *installed,
                         char *why, size_t why_size)
{
        int r;

        if (why_size)
                why[0] = '\0';
        switch (req->compare) {
        case SF_COMPARE_EQ:
                return strcasecmp(installed->canonical, req->version) == 0;
        case SF_COMPARE_NE:
                return strcasecmp(installed->canonical, req->version) != 0;
        case SF_COMPARE_GLOB:
                return fnmatch(req->version, installed->canonical, FNM_CASEFOLD) == 0;
        case SF_COMPARE_REGEX:
                r = check_regex(req->version, installed->canonical);
                if (r == -EBADMSG)
                        snprintf(why, why_size,
                                 "the pattern is not a valid regular expression (or uses "
                                 "back-references or stacked repetitions)");
                else if (r == -E2BIG)
                        snprintf(why, why_size,
                                 "the pattern is too large (over %d characters, or repetitions "
                                 "that expand past %d parts)",
                                 REGEX_MAX_LEN, REGEX_MAX_COST);
                return r < 0 ? 0 : r;
        case SF_COMPARE_LT:
        case SF_COMPARE_LE:
        case SF_COMPARE_GT:
        case SF_COMPARE_GE:
                return check_order(req, installed, why, why_size);
        }
        return -EINVAL;
}
