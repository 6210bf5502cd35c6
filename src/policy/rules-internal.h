/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef SF_POLICY_RULES_INTERNAL_H
#define SF_POLICY_RULES_INTERNAL_H

#include <stdbool.h>

#include "safeflash/policy.h"

#define SF_RULE_NAME_MAX    64
#define SF_RULE_PATTERN_MAX 128
#define SF_RULE_MAX_LIFTS   16
#define SF_RULES_MAX        4096

enum sf_rule_action {
        SF_RULE_FORBID,
        SF_RULE_ALLOW,
};

struct sf_rule {
        enum sf_rule_action action;
        char name[SF_RULE_NAME_MAX];
        char from[SF_RULE_PATTERN_MAX]; /* glob on the canonical installed version */
        char to[SF_RULE_PATTERN_MAX];   /* glob on the canonical package version */
        bool both_ways;
        enum sf_override override; /* forbid: FORCE or NONE */
        unsigned n_lifts;          /* allow: rule ids it lifts */
        char lifts[SF_RULE_MAX_LIFTS][SF_RULE_NAME_MAX];
        char *why;
        char *advice;
        char *reference; /* "source =" in the file: where the fact comes from */
        char *origin;    /* FILE:LINE of the rule's header */
};

struct sf_rules {
        struct sf_rule *items;
        size_t n, cap;
};

/* Does rule r apply to a move from `from` to `to` (canonical version strings)? */
bool sf_rule_matches(const struct sf_rule *r, const char *from, const char *to);

#endif
