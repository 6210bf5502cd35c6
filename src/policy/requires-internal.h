/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef SF_POLICY_REQUIRES_INTERNAL_H
#define SF_POLICY_REQUIRES_INTERNAL_H

#include <stdbool.h>

#include "safeflash/policy.h"

#define SF_REQUIREMENT_PATTERN_MAX 1024
#define SF_REQUIREMENTS_MAX        64

struct sf_requirement {
        enum sf_requirement_kind kind;
        enum sf_compare compare;
        char *version;
        char *description;
};

struct sf_requirements {
        struct sf_requirement items[SF_REQUIREMENTS_MAX];
        size_t n;
};

/* Does the installed version satisfy req? 1 yes, 0 no (with why), negative errno on failure. */
int sf_requirement_check(const struct sf_requirement *req, const struct sf_version *installed,
                         char *why, size_t why_size);

/* The size of pattern once glibc has compiled it, in parts (>= 0), or -EBADMSG (back-references,
 * stacked repetitions, unbalanced groups, a bad bound) or -E2BIG (too long, too large). */
int sf_regex_measure(const char *pattern);

#endif
