/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The policy verdict as commands show it (check, update), and the rules they load. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "safeflash/package.h"
#include "safeflash/policy.h"

/* The rules in force (sf_rules_load_standard), saying what went wrong or is missing. */
int cli_load_rules(const char *const *extra, size_t n_extra, sf_rules *rules,
                   struct sf_rules_source *src, size_t *n_src)
{
        struct sf_error err = {0};
        int r = sf_rules_load_standard(rules, extra, n_extra, src, n_src, &err);

        if (r < 0) {
                fprintf(stderr, "safeflash: %s\n", err.message[0] ? err.message : strerror(-r));
                return r;
        }
        if (src[0].count == 0)
                fprintf(stderr,
                        "safeflash: warning: no rules database in %s; only the "
                        "built-in rules apply\n",
                        src[0].path);
        return 0;
}

static void print_flags(FILE *f, unsigned flags)
{
        if (flags & SF_POLICY_FORCE) {
                fputs(" --force", f);
                return;
        }
        if (flags & SF_POLICY_ALLOW_OLDER)
                fputs(" --allow-older", f);
        if (flags & SF_POLICY_ALLOW_BRANCH_SWITCH)
                fputs(" --allow-branch-switch", f);
        if (flags & SF_POLICY_ALLOW_REINSTALL)
                fputs(" --allow-reinstall", f);
}

static const char *mark(const struct sf_finding *f)
{
        if (f->severity == SF_SEVERITY_BLOCK)
                return f->overridden ? "LIFTED" : "BLOCK ";
        return f->severity == SF_SEVERITY_WARNING ? "warn  " : "info  ";
}

void cli_print_verdict(const struct sf_version *from, const struct sf_version *to,
                       const sf_package *pkg, const sf_report *rep)
{
        enum sf_verdict v = sf_report_verdict(rep);
        char a[160], b[160];

        cli_version_summary(from, a, sizeof(a));
        cli_version_summary(to, b, sizeof(b));
        printf("Installed  %s\n           %s\n", from->raw, a);
        printf("Package    %s\n           %s\n", to->raw, b);
        if (pkg)
                printf("           from %s (version read from its %s)\n", sf_package_path(pkg),
                       sf_package_version_source_to_string(sf_package_version_source(pkg)));
        printf("\n");
        for (size_t i = 0; i < sf_report_count(rep); i++) {
                const struct sf_finding *f = sf_report_get(rep, i);
                printf("  %s %s [%s]\n         %s\n", mark(f), f->rule_id, f->source, f->message);
                if (f->overridden)
                        printf("         lifted by %s\n", f->lifted_by);
                else if (f->advice && f->severity == SF_SEVERITY_BLOCK)
                        printf("         advice: %s\n", f->advice);
        }
        if (v == SF_VERDICT_ALLOWED) {
                bool lifted = false;
                for (size_t i = 0; i < sf_report_count(rep); i++)
                        lifted |= sf_report_get(rep, i)->overridden;
                printf("\nALLOWED%s\n",
                       lifted ? ", because of the overrides given: read the lifted "
                                "refusals above before going on"
                              : "");
        } else if (v == SF_VERDICT_NEEDS_OVERRIDE) {
                printf("\nREFUSED: this firmware must not be installed on this module as it is.\n"
                       "Only");
                print_flags(stdout, sf_report_needed_overrides(rep));
                printf(" would override this; do so only if the vendor told you to.\n");
        } else {
                printf("\nREFUSED: a rule forbids this outright; no option overrides it.\n");
        }
}

void cli_json_verdict(struct json *j, const struct sf_version *from, const struct sf_version *to,
                      const sf_package *pkg, const sf_report *rep,
                      const struct sf_rules_source *src, size_t n_src)
{
        unsigned needed = sf_report_needed_overrides(rep);

        json_str(j, "verdict", sf_verdict_to_string(sf_report_verdict(rep)));
        cli_json_version(j, "from", from);
        cli_json_version(j, "to", to);
        if (pkg) {
                json_obj_open(j, "package");
                json_str(j, "path", sf_package_path(pkg));
                json_str(j, "version_source",
                         sf_package_version_source_to_string(sf_package_version_source(pkg)));
                json_obj_close(j);
        }
        json_arr_open(j, "needed_overrides");
        if (needed & SF_POLICY_FORCE)
                json_str(j, NULL, "force");
        if (needed & SF_POLICY_ALLOW_OLDER)
                json_str(j, NULL, "allow-older");
        if (needed & SF_POLICY_ALLOW_BRANCH_SWITCH)
                json_str(j, NULL, "allow-branch-switch");
        if (needed & SF_POLICY_ALLOW_REINSTALL)
                json_str(j, NULL, "allow-reinstall");
        json_arr_close(j);
        json_arr_open(j, "findings");
        for (size_t i = 0; i < sf_report_count(rep); i++) {
                const struct sf_finding *f = sf_report_get(rep, i);
                json_obj_open(j, NULL);
                json_str(j, "rule", f->rule_id);
                json_str(j, "source", f->source);
                json_str(j, "severity", sf_severity_to_string(f->severity));
                json_str(j, "override", sf_override_to_string(f->override));
                json_bool(j, "overridden", f->overridden);
                json_str(j, "lifted_by", f->lifted_by);
                json_str(j, "message", f->message);
                json_str(j, "advice", f->advice);
                json_obj_close(j);
        }
        json_arr_close(j);
        json_arr_open(j, "rules_sources");
        for (size_t i = 0; i < n_src; i++) {
                json_obj_open(j, NULL);
                json_str(j, "path", src[i].path);
                json_int(j, "rules", (long long)src[i].count);
                json_obj_close(j);
        }
        json_arr_close(j);
}

/* --to names a package when it is an existing path or looks like one. */
