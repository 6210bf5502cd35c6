/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* safeflash check --from VERSION --to VERSION|PACKAGE: the verdict only; writes nothing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "config.h"
#include "safeflash/flash.h"
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

/* The package itself, as update and flash would judge it before touching a module: every file
 * against md5.txt, paths, factory content, lines against its own partition table. */
static int check_package(const char *path)
{
        struct sf_error err = {0};
        sf_flash_package *p = NULL;
        int r = sf_flash_package_open(path, 0, NULL, NULL, &p, &err);

        sf_flash_package_free(p);
        if (r >= 0)
                return 0;
        if (r == -ENOENT) { /* no firmware to write in it (a version descriptor), or a file lost */
                fprintf(stderr,
                        "safeflash check: note: %s: only its version and requirements are judged: "
                        "%s\n",
                        path, err.message[0] ? err.message : strerror(-r));
                return 0;
        }
        fprintf(stderr, "safeflash check: %s: the package cannot be installed: %s\n", path,
                err.message[0] ? err.message : strerror(-r));
        return cli_exit_for(r);
}

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
                return check_package(to);
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
        struct sf_rules_source src[SF_RULES_MAX_SOURCES];
        struct json j;
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
        if (r != 0) {
                sf_package_free(pkg);
                return r;
        }
        if (sf_rules_new(&rules) < 0 || cli_load_rules(a.extra, a.n_extra, rules, src, &n_src) < 0)
                goto out;
        r = sf_policy_evaluate(&from, &to, rules, pkg ? sf_package_requirements(pkg) : NULL,
                               a.flags, &rep);
        if (r < 0) {
                fprintf(stderr, "safeflash check: cannot evaluate: %s\n", strerror(-r));
                ret = EXIT_FAILED;
                goto out;
        }
        if (cli.json) {
                json_begin(&j, stdout);
                json_obj_open(&j, NULL);
                cli_json_verdict(&j, &from, &to, pkg, rep, src, n_src);
                json_obj_close(&j);
                json_end(&j);
        } else {
                cli_print_verdict(&from, &to, pkg, rep);
        }
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
                "A PACKAGE is a folder, or a zip of one (read in place, never unpacked); its\n"
                "version is read from its metainfo, contents.xml, folder name and zip file name,\n"
                "which must agree. A zip with unsafe entries (absolute or '..' paths, links,\n"
                "duplicates, encryption) is invalid input (exit 2).\n\n"
                "Example (the EC25-E of the user story):\n"
                "  safeflash check --from EC25EFAR06A17M4G_20.200.20.200 \\\n"
                "                  --to EC25EFAR08A01M4G_01.001.01.001      # refused, exit 3\n",
        .options = options,
        .run = run,
};
