/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The update policy: may this firmware go onto a module running that firmware?
 *
 * Pure: no I/O except loading rules files. The answer is a report: a verdict and the findings
 * that led to it, each with a stable rule id, the evidence (both versions, decoded) and advice. */
#ifndef SAFEFLASH_POLICY_H
#define SAFEFLASH_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "safeflash/common.h"
#include "safeflash/version.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sf_verdict {
        SF_VERDICT_ALLOWED = 0,    /* may be installed (maybe thanks to an override given) */
        SF_VERDICT_NEEDS_OVERRIDE, /* refused as asked; allowed only with the override named */
        SF_VERDICT_REFUSED,        /* refused; no flag lifts it */
};

enum sf_severity {
        SF_SEVERITY_INFO = 0,
        SF_SEVERITY_WARNING, /* worth knowing, does not stop the update */
        SF_SEVERITY_BLOCK,   /* stops the update unless its override is given */
};

/* What lifts a blocking finding. */
enum sf_override {
        SF_OVERRIDE_NONE = 0, /* nothing: a hard refusal */
        SF_OVERRIDE_FORCE,
        SF_OVERRIDE_ALLOW_OLDER,
        SF_OVERRIDE_ALLOW_BRANCH_SWITCH,
        SF_OVERRIDE_ALLOW_REINSTALL,
};

/* Flags for sf_policy_evaluate(): the overrides the user gave. */
enum {
        SF_POLICY_ALLOW_OLDER = 1u << 0,
        SF_POLICY_ALLOW_BRANCH_SWITCH = 1u << 1,
        SF_POLICY_ALLOW_REINSTALL = 1u << 2,
        SF_POLICY_FORCE = 1u << 3,
};

struct sf_finding {
        const char *rule_id; /* stable: "baseline-change", or a rules-file rule's name */
        const char *source;  /* "built-in", "FILE:LINE", "package requirement" */
        enum sf_severity severity;
        enum sf_override override;
        bool overridden;       /* blocking, but lifted by a flag or an allow rule */
        const char *lifted_by; /* what lifted it ("--allow-older", "rule NAME at FILE:LINE") */
        const char *message;   /* one line, with both decoded values */
        const char *advice;    /* what to do instead; may be NULL */
};

/* Rules from rules files (docs/rules.md). Opaque. */
typedef struct sf_rules sf_rules;

SF_EXPORT int sf_rules_new(sf_rules **ret);
SF_EXPORT void sf_rules_free(sf_rules *rules);
/* Parse one rules file. A malformed file is an error naming the file and line (-EBADMSG);
 * nothing of a malformed file is kept. */
SF_EXPORT int sf_rules_load_file(sf_rules *rules, const char *path, struct sf_error *err);
SF_EXPORT int sf_rules_load_buffer(sf_rules *rules, const char *name, const char *buf, size_t len,
                                   struct sf_error *err);
/* Every "*.rules" file of dir, in name order. A missing directory is not an error. */
SF_EXPORT int sf_rules_load_dir(sf_rules *rules, const char *dir, struct sf_error *err);
SF_EXPORT size_t sf_rules_count(const sf_rules *rules);

/* Where the rules in force came from, in the order they were merged. */
struct sf_rules_source {
        char path[512];
        size_t count; /* rules it contributed */
};
#define SF_RULES_MAX_SOURCES 19 /* the database, the site's, the user's, 16 extra files */

/* The rules in force, merged in order: the database shipped with safeflash
 * ($SAFEFLASH_DATADIR or the installed data dir, rules/), the site's (/etc/safeflash/rules.d,
 * or $SAFEFLASH_SYSCONFDIR/rules.d), the user's ($XDG_CONFIG_HOME/safeflash/rules.d), then the
 * extra files. src (room for SF_RULES_MAX_SOURCES) says where each came from; src[0].count
 * is 0 when the database is missing, which the caller should say. A malformed file fails the
 * whole load with its file and line. */
SF_EXPORT int sf_rules_load_standard(sf_rules *rules, const char *const *extra, size_t n_extra,
                                     struct sf_rules_source *src, size_t *ret_n,
                                     struct sf_error *err);

/* Requirements a package carries (LVFS metainfo <requires>). Opaque. */
typedef struct sf_requirements sf_requirements;

enum sf_compare {
        SF_COMPARE_EQ = 0,
        SF_COMPARE_NE,
        SF_COMPARE_LT,
        SF_COMPARE_LE,
        SF_COMPARE_GT,
        SF_COMPARE_GE,
        SF_COMPARE_GLOB,
        SF_COMPARE_REGEX,
};

enum sf_requirement_kind {
        SF_REQUIREMENT_FIRMWARE = 0, /* the module's installed firmware version */
        SF_REQUIREMENT_UNSUPPORTED, /* a requirement safeflash cannot check (bootloader, GUID…) */
        SF_REQUIREMENT_NOT_APPLICABLE, /* about another tool (<id>org.freedesktop.fwupd</id>) */
};

SF_EXPORT int sf_requirements_new(sf_requirements **ret);
SF_EXPORT void sf_requirements_free(sf_requirements *reqs);
/* version is the pattern for GLOB/REGEX (at most 1024 characters). description says what the
 * requirement was, for the report ("<firmware compare=\"ge\" version=\"…\"/>"). */
SF_EXPORT int sf_requirements_add(sf_requirements *reqs, enum sf_requirement_kind kind,
                                  enum sf_compare compare, const char *version,
                                  const char *description);
SF_EXPORT size_t sf_requirements_count(const sf_requirements *reqs);
SF_EXPORT int sf_compare_from_string(const char *s, enum sf_compare *ret);

/* The result of an evaluation. Opaque. */
typedef struct sf_report sf_report;

/* Decide whether `to` may be installed over `from`. rules and reqs may be NULL. flags are
 * SF_POLICY_*. */
SF_EXPORT int sf_policy_evaluate(const struct sf_version *from, const struct sf_version *to,
                                 const sf_rules *rules, const sf_requirements *reqs, unsigned flags,
                                 sf_report **ret);
SF_EXPORT void sf_report_free(sf_report *report);
SF_EXPORT enum sf_verdict sf_report_verdict(const sf_report *report);
SF_EXPORT size_t sf_report_count(const sf_report *report);
SF_EXPORT const struct sf_finding *sf_report_get(const sf_report *report, size_t i);
/* The overrides that would lift every blocking finding (SF_POLICY_* flags), meaningful when the
 * verdict is SF_VERDICT_NEEDS_OVERRIDE. */
SF_EXPORT unsigned sf_report_needed_overrides(const sf_report *report);
/* Find a finding by rule id; NULL when absent. */
SF_EXPORT const struct sf_finding *sf_report_find(const sf_report *report, const char *rule_id);

SF_EXPORT const char *sf_verdict_to_string(enum sf_verdict v);
SF_EXPORT const char *sf_severity_to_string(enum sf_severity s);
SF_EXPORT const char *sf_override_to_string(enum sf_override o);
SF_EXPORT const char *sf_compare_to_string(enum sf_compare c);

#ifdef __cplusplus
}
#endif

#endif
