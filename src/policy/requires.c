/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Requirements a package states about the installed firmware, in the LVFS vocabulary. */
#include <errno.h>
#include <fnmatch.h>
#include <regex.h>
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

static int check_regex(const char *pattern, const char *s)
{
        regex_t re;
        int r;

        /* Back-references make matching exponential; LVFS patterns have no use for them. */
        for (const char *p = strchr(pattern, '\\'); p; p = strchr(p + 2, '\\'))
                if (p[1] >= '1' && p[1] <= '9')
                        return -EBADMSG;
                else if (p[1] == '\0')
                        break;
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
                                 "back-references)");
                return r == -EBADMSG ? 0 : r;
        case SF_COMPARE_LT:
        case SF_COMPARE_LE:
        case SF_COMPARE_GT:
        case SF_COMPARE_GE:
                return check_order(req, installed, why, why_size);
        }
        return -EINVAL;
}
