/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Rules files: see docs/rules.md for the format. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "policy/rules-internal.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#define RULES_FILE_MAX  (1024 * 1024)
#define RULES_LINE_MAX  1024
#define RULES_FILES_MAX 256

static void rule_done(struct sf_rule *r)
{
        free(r->why);
        free(r->advice);
        free(r->reference);
        free(r->origin);
        memset(r, 0, sizeof(*r));
}

int sf_rules_new(sf_rules **ret)
{
        sf_rules *rules;

        if (!ret)
                return -EINVAL;
        rules = calloc(1, sizeof(*rules));
        if (!rules)
                return -ENOMEM;
        *ret = rules;
        return 0;
}

void sf_rules_free(sf_rules *rules)
{
        if (!rules)
                return;
        for (size_t i = 0; i < rules->n; i++)
                rule_done(&rules->items[i]);
        free(rules->items);
        free(rules);
}

size_t sf_rules_count(const sf_rules *rules)
{
        return rules ? rules->n : 0;
}

bool sf_rule_matches(const struct sf_rule *r, const char *from, const char *to)
{
        if (fnmatch(r->from, from, FNM_CASEFOLD) == 0 && fnmatch(r->to, to, FNM_CASEFOLD) == 0)
                return true;
        return r->both_ways && fnmatch(r->from, to, FNM_CASEFOLD) == 0 &&
               fnmatch(r->to, from, FNM_CASEFOLD) == 0;
}

/* Parsing state of one file. */
struct parser {
        const char *name;
        unsigned line;
        struct sf_error *err;
        struct sf_rule cur; /* the section being read */
        bool in_section;
        unsigned cur_line;   /* its header line */
        unsigned seen;       /* keys seen in it, as a bit set */
        struct sf_rule *out; /* rules completed so far in this file */
        size_t n_out, cap_out;
};

static int perr(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(struct parser *p, const char *fmt, ...)
{
        char msg[SF_ERROR_MAX];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        return sf_error_set(p->err, -EBADMSG, "%s:%u: %s", p->name, p->line, msg);
}

static bool valid_name(const char *s)
{
        if (!*s || strlen(s) >= SF_RULE_NAME_MAX || !isalnum((unsigned char)s[0]))
                return false;
        for (; *s; s++)
                if (!isalnum((unsigned char)*s) && !strchr("._/-", *s))
                        return false;
        return true;
}

static bool valid_pattern(const char *s)
{
        if (!*s || strlen(s) >= SF_RULE_PATTERN_MAX)
                return false;
        for (; *s; s++)
                if (!isalnum((unsigned char)*s) && !strchr("._-*?[]!", *s))
                        return false;
        return true;
}

enum key {
        KEY_FROM,
        KEY_TO,
        KEY_BOTH_WAYS,
        KEY_WHY,
        KEY_ADVICE,
        KEY_SOURCE,
        KEY_OVERRIDE,
        KEY_LIFTS,
        N_KEYS,
};

static const char *const key_names[N_KEYS] = {
        [KEY_FROM] = "from",         [KEY_TO] = "to",         [KEY_BOTH_WAYS] = "both-ways",
        [KEY_WHY] = "why",           [KEY_ADVICE] = "advice", [KEY_SOURCE] = "source",
        [KEY_OVERRIDE] = "override", [KEY_LIFTS] = "lifts",
};

static int finish_section(struct parser *p)
{
        struct sf_rule *grown;
        unsigned line = p->line;
        int r = 0;

        if (!p->in_section)
                return 0;
        p->line = p->cur_line;
        if (!(p->seen & (1u << KEY_FROM)) || !(p->seen & (1u << KEY_TO)))
                r = perr(p, "rule '%s' needs both 'from' and 'to'", p->cur.name);
        else if (!(p->seen & (1u << KEY_WHY)))
                r = perr(p, "rule '%s' needs 'why' (the reason shown to the user)", p->cur.name);
        else if (p->cur.action == SF_RULE_ALLOW && p->cur.n_lifts == 0)
                r = perr(p, "allow rule '%s' needs 'lifts' (the rule ids it lifts)", p->cur.name);
        for (size_t i = 0; r >= 0 && i < p->n_out; i++)
                if (strcmp(p->out[i].name, p->cur.name) == 0)
                        r = perr(p, "rule '%s' is defined twice in this file", p->cur.name);
        p->line = line;
        if (r < 0)
                return r;
        if (p->n_out == p->cap_out) {
                size_t cap = p->cap_out ? p->cap_out * 2 : 8;
                if (cap > SF_RULES_MAX)
                        return perr(p, "more than %d rules", SF_RULES_MAX);
                grown = realloc(p->out, cap * sizeof(*grown));
                if (!grown)
                        return -ENOMEM;
                p->out = grown;
                p->cap_out = cap;
        }
        p->cur.origin = sf_asprintf("%s:%u", p->name, p->cur_line);
        if (!p->cur.origin)
                return -ENOMEM;
        p->out[p->n_out++] = p->cur;
        memset(&p->cur, 0, sizeof(p->cur));
        p->in_section = false;
        return 0;
}

static int parse_header(struct parser *p, char *s)
{
        size_t len = strlen(s);
        char *name;
        int r;

        if (s[len - 1] != ']')
                return perr(p, "section header must end with ']'");
        s[len - 1] = '\0';
        s = sf_strstrip(s + 1);
        name = strpbrk(s, " \t");
        if (!name)
                return perr(p, "section header must be [forbid NAME] or [allow NAME]");
        *name++ = '\0';
        name = sf_strstrip(name);
        r = finish_section(p);
        if (r < 0)
                return r;
        if (strcmp(s, "forbid") == 0)
                p->cur.action = SF_RULE_FORBID;
        else if (strcmp(s, "allow") == 0)
                p->cur.action = SF_RULE_ALLOW;
        else
                return perr(p, "unknown action '%s' (expected forbid or allow)", s);
        if (!valid_name(name))
                return perr(p, "invalid rule name '%s' (letters, digits, . _ / -; at most %d)",
                            name, SF_RULE_NAME_MAX - 1);
        strcpy(p->cur.name, name);
        p->cur.override = SF_OVERRIDE_FORCE;
        p->in_section = true;
        p->cur_line = p->line;
        p->seen = 0;
        return 0;
}

static int parse_lifts(struct parser *p, char *v)
{
        for (char *tok = strtok(v, " \t,"); tok; tok = strtok(NULL, " \t,")) {
                if (!valid_name(tok))
                        return perr(p, "invalid rule id '%s' in 'lifts'", tok);
                if (p->cur.n_lifts == SF_RULE_MAX_LIFTS)
                        return perr(p, "'lifts' names more than %d rule ids", SF_RULE_MAX_LIFTS);
                strcpy(p->cur.lifts[p->cur.n_lifts++], tok);
        }
        return p->cur.n_lifts ? 0 : perr(p, "'lifts' is empty");
}

static int set_text(struct parser *p, char **field, const char *v)
{
        if (!*v)
                return perr(p, "empty value");
        *field = strdup(v);
        return *field ? 0 : -ENOMEM;
}

static int parse_value(struct parser *p, enum key k, char *v)
{
        switch (k) {
        case KEY_FROM:
        case KEY_TO:
                if (!valid_pattern(v))
                        return perr(p, "invalid version pattern '%s'", v);
                strcpy(k == KEY_FROM ? p->cur.from : p->cur.to, v);
                return 0;
        case KEY_BOTH_WAYS:
                if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0)
                        p->cur.both_ways = true;
                else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0)
                        p->cur.both_ways = false;
                else
                        return perr(p, "both-ways must be yes or no, not '%s'", v);
                return 0;
        case KEY_WHY:
                return set_text(p, &p->cur.why, v);
        case KEY_ADVICE:
                return set_text(p, &p->cur.advice, v);
        case KEY_SOURCE:
                return set_text(p, &p->cur.reference, v);
        case KEY_OVERRIDE:
                if (p->cur.action != SF_RULE_FORBID)
                        return perr(p, "'override' belongs to forbid rules");
                if (strcmp(v, "force") == 0)
                        p->cur.override = SF_OVERRIDE_FORCE;
                else if (strcmp(v, "none") == 0)
                        p->cur.override = SF_OVERRIDE_NONE;
                else
                        return perr(p, "override must be force or none, not '%s'", v);
                return 0;
        case KEY_LIFTS:
                if (p->cur.action != SF_RULE_ALLOW)
                        return perr(p, "'lifts' belongs to allow rules");
                return parse_lifts(p, v);
        case N_KEYS:
                break;
        }
        return perr(p, "internal error");
}

static int parse_assignment(struct parser *p, char *s)
{
        char *eq = strchr(s, '=');
        char *key, *value;

        if (!eq)
                return perr(p, "expected 'key = value', a [section] or a comment");
        *eq = '\0';
        key = sf_strstrip(s);
        value = sf_strstrip(eq + 1);
        if (!p->in_section)
                return perr(p, "'%s' outside a [forbid NAME] or [allow NAME] section", key);
        for (unsigned k = 0; k < N_KEYS; k++) {
                if (strcmp(key, key_names[k]) != 0)
                        continue;
                if (p->seen & (1u << k))
                        return perr(p, "'%s' given twice in rule '%s'", key, p->cur.name);
                p->seen |= 1u << k;
                return parse_value(p, (enum key)k, value);
        }
        return perr(p, "unknown key '%s'", key);
}

static int parse_line(struct parser *p, char *s)
{
        s = sf_strstrip(s);
        if (!*s || *s == '#' || *s == ';')
                return 0;
        if (*s == '[')
                return parse_header(p, s);
        return parse_assignment(p, s);
}

static void parser_done(struct parser *p)
{
        rule_done(&p->cur);
        for (size_t i = 0; i < p->n_out; i++)
                rule_done(&p->out[i]);
        free(p->out);
}

/* Add the file's rules; a rule named like an earlier one (from an earlier file) replaces it. */
static int merge(sf_rules *rules, struct parser *p)
{
        size_t need = rules->n + p->n_out;

        if (need > SF_RULES_MAX)
                return sf_error_set(p->err, -E2BIG, "%s: more than %d rules in all", p->name,
                                    SF_RULES_MAX);
        if (need > rules->cap) {
                struct sf_rule *grown = realloc(rules->items, need * sizeof(*grown));
                if (!grown)
                        return -ENOMEM;
                rules->items = grown;
                rules->cap = need;
        }
        for (size_t i = 0; i < p->n_out; i++) {
                size_t j;
                for (j = 0; j < rules->n; j++)
                        if (strcmp(rules->items[j].name, p->out[i].name) == 0)
                                break;
                if (j < rules->n)
                        rule_done(&rules->items[j]);
                else
                        rules->n++;
                rules->items[j] = p->out[i];
        }
        p->n_out = 0;
        return 0;
}

int sf_rules_load_buffer(sf_rules *rules, const char *name, const char *buf, size_t len,
                         struct sf_error *err)
{
        struct parser p = {.name = name, .err = err};
        char line[RULES_LINE_MAX + 1];
        size_t pos = 0;
        int r = 0;

        if (!rules || !name || (!buf && len))
                return -EINVAL;
        while (pos < len && r >= 0) {
                const char *nl = memchr(buf + pos, '\n', len - pos);
                size_t ll = nl ? (size_t)(nl - (buf + pos)) : len - pos;

                p.line++;
                if (ll > RULES_LINE_MAX)
                        r = perr(&p, "line longer than %d bytes", RULES_LINE_MAX);
                else if (memchr(buf + pos, '\0', ll))
                        r = perr(&p, "NUL byte in a rules file");
                else {
                        memcpy(line, buf + pos, ll);
                        line[ll] = '\0';
                        r = parse_line(&p, line);
                }
                pos += ll + 1;
        }
        if (r >= 0)
                r = finish_section(&p);
        if (r >= 0)
                r = merge(rules, &p);
        parser_done(&p);
        return r < 0 ? r : 0;
}

int sf_rules_load_file(sf_rules *rules, const char *path, struct sf_error *err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r;

        if (!rules || !path)
                return -EINVAL;
        r = sf_read_file(path, RULES_FILE_MAX, &buf, &len);
        if (r == -EFBIG)
                return sf_error_set(err, r, "%s: larger than %d bytes", path, RULES_FILE_MAX);
        if (r < 0)
                return sf_error_set(err, r, "%s: %s", path, strerror(-r));
        return sf_rules_load_buffer(rules, path, buf, len, err);
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
}

/* The "*.rules" names in dir, sorted. */
static int list_rules_files(const char *dir, char ***ret, size_t *ret_n, struct sf_error *err)
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        char **names = NULL;
        size_t n = 0;
        struct dirent *de;

        if (!d)
                return errno == ENOENT ? 0
                                       : sf_error_set(err, -errno, "%s: %s", dir, strerror(errno));
        while ((de = readdir(d))) {
                size_t len = strlen(de->d_name);
                char **grown;
                if (de->d_name[0] == '.' || !sf_endswith_ci(de->d_name, len, ".rules"))
                        continue;
                if (n == RULES_FILES_MAX) {
                        free_names(names, n);
                        return sf_error_set(err, -E2BIG, "%s: more than %d rules files", dir,
                                            RULES_FILES_MAX);
                }
                grown = realloc(names, (n + 1) * sizeof(*names));
                if (!grown || !(grown[n] = strdup(de->d_name))) {
                        free_names(grown ? grown : names, n);
                        return -ENOMEM;
                }
                names = grown;
                n++;
        }
        if (n)
                qsort(names, n, sizeof(*names), cmp_str);
        *ret = names;
        *ret_n = n;
        return 0;
}

int sf_rules_load_dir(sf_rules *rules, const char *dir, struct sf_error *err)
{
        char **names = NULL;
        size_t n = 0;
        int r;

        if (!rules || !dir)
                return -EINVAL;
        r = list_rules_files(dir, &names, &n, err);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                _cleanup_free_ char *path = sf_asprintf("%s/%s", dir, names[i]);
                r = path ? sf_rules_load_file(rules, path, err) : -ENOMEM;
        }
        free_names(names, n);
        return r < 0 ? r : 0;
}
