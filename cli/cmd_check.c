/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* safeflash check --from VERSION --to VERSION|PACKAGE: the verdict only; writes nothing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "config.h"
#include "safeflash/package.h"
#include "safeflash/policy.h"

#define MAX_EXTRA_RULES 16

enum {
        OPT_FROM = 0x100,
        OPT_TO,
        OPT_ALLOW_OLDER,
        OPT_ALLOW_BRANCH,
        OPT_ALLOW_REINSTALL,
        OPT_FORCE,
        OPT_RULES,
};

static const struct cli_option options[] = {
        {"from", required_argument, OPT_FROM, "VERSION", "the firmware installed on the module"},
        {"to", required_argument, OPT_TO, "VERSION|PACKAGE",
         "the firmware to install: a version or a package folder"},
        {"allow-older", no_argument, OPT_ALLOW_OLDER, NULL,
         "accept a lower release or sub-version on the same line"},
        {"allow-branch-switch", no_argument, OPT_ALLOW_BRANCH, NULL,
         "accept another sub-version branch (main number)"},
        {"allow-reinstall", no_argument, OPT_ALLOW_REINSTALL, NULL,
         "accept the version already installed"},
        {"force", no_argument, OPT_FORCE, NULL,
         "lift every refusal that is not absolute (dangerous)"},
        {"rules", required_argument, OPT_RULES, "FILE",
         "also apply the rules in FILE (repeatable)"},
        {0},
};

struct check_args {
        const char *from, *to;
        unsigned flags;
        const char *extra[MAX_EXTRA_RULES];
        size_t n_extra;
};

struct rules_source {
        char path[512];
        size_t count;
};

static const char *env_or(const char *name, const char *fallback)
{
        const char *v = getenv(name);
        return v && *v ? v : fallback;
}

static int load_dir(sf_rules *rules, const char *dir, struct rules_source *src)
{
        struct sf_error err = {0};
        size_t before = sf_rules_count(rules);
        int r = sf_rules_load_dir(rules, dir, &err);

        if (r < 0) {
                fprintf(stderr, "safeflash check: %s\n",
                        err.message[0] ? err.message : strerror(-r));
                return r;
        }
        snprintf(src->path, sizeof(src->path), "%.*s", (int)sizeof(src->path) - 1, dir);
        src->count = sf_rules_count(rules) - before;
        return 0;
}

/* Rules in order: the database shipped with safeflash, the site's, the user's, --rules. */
static int load_rules(const struct check_args *a, sf_rules *rules, struct rules_source *src,
                      size_t *n_src)
{
        const char *xdg = getenv("XDG_CONFIG_HOME");
        const char *home = getenv("HOME");
        char dirs[3][512];
        size_t n = 0;
        int r;

        snprintf(dirs[0], sizeof(dirs[0]), "%s/rules", env_or("SAFEFLASH_DATADIR", SF_DATADIR));
        snprintf(dirs[1], sizeof(dirs[1]), "%s/rules.d",
                 env_or("SAFEFLASH_SYSCONFDIR", SF_SYSCONFDIR));
        if (xdg && *xdg)
                snprintf(dirs[2], sizeof(dirs[2]), "%s/safeflash/rules.d", xdg);
        else
                snprintf(dirs[2], sizeof(dirs[2]), "%s/.config/safeflash/rules.d",
                         home ? home : "/nonexistent");
        for (size_t i = 0; i < 3; i++) {
                r = load_dir(rules, dirs[i], &src[n++]);
                if (r < 0)
                        return r;
        }
        if (src[0].count == 0)
                fprintf(stderr,
                        "safeflash check: warning: no rules database in %s; only the "
                        "built-in rules apply\n",
                        dirs[0]);
        for (size_t i = 0; i < a->n_extra; i++) {
                struct sf_error err = {0};
                size_t before = sf_rules_count(rules);
                r = sf_rules_load_file(rules, a->extra[i], &err);
                if (r < 0) {
                        fprintf(stderr, "safeflash check: %s\n",
                                err.message[0] ? err.message : strerror(-r));
                        return r;
                }
                snprintf(src[n].path, sizeof(src[n].path), "%s", a->extra[i]);
                src[n++].count = sf_rules_count(rules) - before;
        }
        *n_src = n;
        return 0;
}

static int parse_args(const struct cli_command *cmd, int argc, char **argv, struct check_args *a)
{
        int c;

        while ((c = cli_getopt(cmd, argc, argv)) != -1) {
                switch (c) {
                case OPT_FROM:
                        a->from = optarg;
                        break;
                case OPT_TO:
                        a->to = optarg;
                        break;
                case OPT_ALLOW_OLDER:
                        a->flags |= SF_POLICY_ALLOW_OLDER;
                        break;
                case OPT_ALLOW_BRANCH:
                        a->flags |= SF_POLICY_ALLOW_BRANCH_SWITCH;
                        break;
                case OPT_ALLOW_REINSTALL:
                        a->flags |= SF_POLICY_ALLOW_REINSTALL;
                        break;
                case OPT_FORCE:
                        a->flags |= SF_POLICY_FORCE;
                        break;
                case OPT_RULES:
                        if (a->n_extra == MAX_EXTRA_RULES)
                                return cli_usage_error(cmd, "at most %d --rules files",
                                                       MAX_EXTRA_RULES);
                        a->extra[a->n_extra++] = optarg;
                        break;
                default:
                        return EXIT_USAGE;
                }
        }
        if (optind != argc)
                return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
        if (!a->from)
                return cli_usage_error(cmd, "--from VERSION is required");
        if (!a->to)
                return cli_usage_error(cmd, "--to VERSION|PACKAGE is required");
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

static void print_text(const struct sf_version *from, const struct sf_version *to,
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

static void print_json(const struct sf_version *from, const struct sf_version *to,
                       const sf_package *pkg, const sf_report *rep, const struct rules_source *src,
                       size_t n_src)
{
        unsigned needed = sf_report_needed_overrides(rep);
        struct json j;

        json_begin(&j, stdout);
        json_obj_open(&j, NULL);
        json_str(&j, "verdict", sf_verdict_to_string(sf_report_verdict(rep)));
        cli_json_version(&j, "from", from);
        cli_json_version(&j, "to", to);
        if (pkg) {
                json_obj_open(&j, "package");
                json_str(&j, "path", sf_package_path(pkg));
                json_str(&j, "version_source",
                         sf_package_version_source_to_string(sf_package_version_source(pkg)));
                json_obj_close(&j);
        }
        json_arr_open(&j, "needed_overrides");
        if (needed & SF_POLICY_FORCE)
                json_str(&j, NULL, "force");
        if (needed & SF_POLICY_ALLOW_OLDER)
                json_str(&j, NULL, "allow-older");
        if (needed & SF_POLICY_ALLOW_BRANCH_SWITCH)
                json_str(&j, NULL, "allow-branch-switch");
        if (needed & SF_POLICY_ALLOW_REINSTALL)
                json_str(&j, NULL, "allow-reinstall");
        json_arr_close(&j);
        json_arr_open(&j, "findings");
        for (size_t i = 0; i < sf_report_count(rep); i++) {
                const struct sf_finding *f = sf_report_get(rep, i);
                json_obj_open(&j, NULL);
                json_str(&j, "rule", f->rule_id);
                json_str(&j, "source", f->source);
                json_str(&j, "severity", sf_severity_to_string(f->severity));
                json_str(&j, "override", sf_override_to_string(f->override));
                json_bool(&j, "overridden", f->overridden);
                json_str(&j, "lifted_by", f->lifted_by);
                json_str(&j, "message", f->message);
                json_str(&j, "advice", f->advice);
                json_obj_close(&j);
        }
        json_arr_close(&j);
        json_arr_open(&j, "rules_sources");
        for (size_t i = 0; i < n_src; i++) {
                json_obj_open(&j, NULL);
                json_str(&j, "path", src[i].path);
                json_int(&j, "rules", (long long)src[i].count);
                json_obj_close(&j);
        }
        json_arr_close(&j);
        json_obj_close(&j);
        json_end(&j);
}

/* --to names a package when it is an existing path or looks like one. */
static int resolve_target(const char *to, sf_package **ret_pkg, struct sf_version *ret_v)
{
        struct sf_error err = {0};
        struct stat st;
        int r;

        if (stat(to, &st) == 0 || strchr(to, '/')) {
                r = sf_package_open(to, ret_pkg, &err);
                if (r < 0) {
                        fprintf(stderr, "safeflash check: %s\n",
                                err.message[0] ? err.message : strerror(-r));
                        return EXIT_USAGE;
                }
                *ret_v = *sf_package_version(*ret_pkg);
                return 0;
        }
        r = sf_version_parse(to, ret_v);
        if (r == -ENAMETOOLONG) {
                fprintf(stderr, "safeflash check: --to: version longer than %d characters\n",
                        SF_VERSION_MAX_LEN);
                return EXIT_USAGE;
        }
        return 0;
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
        struct check_args a = {0};
        struct rules_source src[3 + MAX_EXTRA_RULES];
        struct sf_version from, to;
        sf_package *pkg = NULL;
        sf_rules *rules = NULL;
        sf_report *rep = NULL;
        size_t n_src = 0;
        int r, ret = EXIT_USAGE;

        r = parse_args(cmd, argc, argv, &a);
        if (r != 0)
                return r;
        if (sf_version_parse(a.from, &from) == -ENAMETOOLONG)
                return cli_usage_error(cmd, "--from: version longer than %d characters",
                                       SF_VERSION_MAX_LEN);
        r = resolve_target(a.to, &pkg, &to);
        if (r != 0)
                return r;
        if (sf_rules_new(&rules) < 0 || load_rules(&a, rules, src, &n_src) < 0)
                goto out;
        r = sf_policy_evaluate(&from, &to, rules, pkg ? sf_package_requirements(pkg) : NULL,
                               a.flags, &rep);
        if (r < 0) {
                fprintf(stderr, "safeflash check: cannot evaluate: %s\n", strerror(-r));
                ret = EXIT_FAILED;
                goto out;
        }
        if (cli.json)
                print_json(&from, &to, pkg, rep, src, n_src);
        else
                print_text(&from, &to, pkg, rep);
        ret = sf_report_verdict(rep) == SF_VERDICT_ALLOWED ? EXIT_OK : EXIT_REFUSED;
out:
        sf_report_free(rep);
        sf_rules_free(rules);
        sf_package_free(pkg);
        return ret;
}

const struct cli_command cmd_check = {
        .name = "check",
        .args = "--from VERSION --to VERSION|PACKAGE",
        .summary = "decide whether firmware may be installed over another; writes nothing",
        .details =
                "The verdict comes from safeflash's built-in rules (same hardware prefix, memory\n"
                "code and baseline; same sub-version branch; no downgrade; no reinstall), the\n"
                "rules database shipped with safeflash, site rules in " SF_SYSCONFDIR "/rules.d/\n"
                "and $XDG_CONFIG_HOME/safeflash/rules.d/ (*.rules, see docs/rules.md), and the\n"
                "requirements a package states in its *.metainfo.xml.\n\n"
                "A PACKAGE is a folder; its version is read from its metainfo, contents.xml and\n"
                "folder name, which must agree.\n\n"
                "Example (the EC25-E of the user story):\n"
                "  safeflash check --from EC25EFAR06A17M4G_20.200.20.200 \\\n"
                "                  --to EC25EFAR08A01M4G_01.001.01.001      # refused, exit 3\n",
        .options = options,
        .run = run,
};
