/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* safeflash update PACKAGE: the safe path (sf_update_run): identify the running module,
 * decide with the policy (nothing is written on a refusal), back up what cannot be replaced,
 * switch to EDL, flash, wait for the module to boot, and call it a success only when it reports
 * the package's version and still has its IMEI. Every step is recorded in the history. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define MAX_EXTRA_RULES 16

enum {
        OPT_ALLOW_OLDER = 0x100,
        OPT_ALLOW_BRANCH,
        OPT_ALLOW_REINSTALL,
        OPT_FORCE,
        OPT_YES,
        OPT_RULES,
        OPT_ALL,
        OPT_NO_WAIT,
};

static const struct cli_option options[] = {
        {"device", required_argument, 'd', "DEV",
         "the module: 1-1, usb:BUS:ADDR or a port path; repeat it to update several at once"},
        {"all", no_argument, OPT_ALL, NULL, "update every running module on the bus, at once"},
        {"allow-older", no_argument, OPT_ALLOW_OLDER, NULL,
         "accept a lower release on the same line"},
        {"allow-branch-switch", no_argument, OPT_ALLOW_BRANCH, NULL,
         "accept another sub-version branch"},
        {"allow-reinstall", no_argument, OPT_ALLOW_REINSTALL, NULL, "accept the installed version"},
        {"force", no_argument, OPT_FORCE, NULL,
         "lift every refusal that is not absolute (dangerous)"},
        {"yes", no_argument, OPT_YES, NULL, "do not ask for confirmation when an override is used"},
        {"rules", required_argument, OPT_RULES, "FILE", "also apply the rules in FILE"},
        {"no-wait", no_argument, OPT_NO_WAIT, NULL,
         "when another safeflash works on the module, exit 4 naming its PID instead of waiting"},
        {0},
};

struct update {
        const char *package;
        const char *devices[SF_UPDATE_MAX_MODULES];
        size_t n_devices;
        bool all;
        unsigned flags;
        bool yes;
        bool no_wait;
        const char *extra[MAX_EXTRA_RULES];
        size_t n_extra;
        struct sf_rules_source src[SF_RULES_MAX_SOURCES];
        size_t n_src;
        struct json j;
};

static int parse_args(const struct cli_command *cmd, int argc, char **argv, struct update *u)
{
        int c;

        while ((c = cli_getopt(cmd, argc, argv)) != -1) {
                switch (c) {
                case 'd':
                        if (u->n_devices == SF_UPDATE_MAX_MODULES)
                                return cli_usage_error(cmd, "at most %d modules at once",
                                                       SF_UPDATE_MAX_MODULES);
                        u->devices[u->n_devices++] = optarg;
                        break;
                case OPT_ALL:
                        u->all = true;
                        break;
                case OPT_NO_WAIT:
                        u->no_wait = true;
                        break;
                case OPT_ALLOW_OLDER:
                        u->flags |= SF_POLICY_ALLOW_OLDER;
                        break;
                case OPT_ALLOW_BRANCH:
                        u->flags |= SF_POLICY_ALLOW_BRANCH_SWITCH;
                        break;
                case OPT_ALLOW_REINSTALL:
                        u->flags |= SF_POLICY_ALLOW_REINSTALL;
                        break;
                case OPT_FORCE:
                        u->flags |= SF_POLICY_FORCE;
                        break;
                case OPT_YES:
                        u->yes = true;
                        break;
                case OPT_RULES:
                        if (u->n_extra == MAX_EXTRA_RULES)
                                return cli_usage_error(cmd, "at most %d --rules files",
                                                       MAX_EXTRA_RULES);
                        u->extra[u->n_extra++] = optarg;
                        break;
                default:
                        return EXIT_USAGE;
                }
        }
        if (u->all && u->n_devices)
                return cli_usage_error(cmd, "--all or -d, not both");
        if (argc - optind != 1)
                return cli_usage_error(cmd, "expected exactly one PACKAGE");
        u->package = argv[optind];
        return 0;
}

/* The verdict, shown before anything else happens. */
static void on_verdict(void *userdata, const struct sf_version *from, const struct sf_version *to,
                       const sf_package *pkg, const sf_report *rep)
{
        struct update *u = userdata;

        if (cli.json) {
                json_obj_open(&u->j, "policy");
                cli_json_verdict(&u->j, from, to, pkg, rep, u->src, u->n_src);
                json_obj_close(&u->j);
        } else {
                cli_print_verdict(from, to, pkg, rep);
                fflush(stdout); /* before any progress or error on stderr */
        }
}

/* An override was needed: a person confirms, or --yes does. */
static bool on_confirm(void *userdata, const sf_report *rep)
{
        char answer[16] = "";

        (void)userdata;
        (void)rep;
        if (!isatty(STDIN_FILENO))
                return false; /* nobody to ask: the error says how to confirm */
        fprintf(stderr, "An override lifts the refusals above. Type 'yes' to write anyway: ");
        return fgets(answer, sizeof(answer), stdin) && strcmp(answer, "yes\n") == 0;
}

static void report(const struct sf_run_result *res, int r, const struct sf_error *err)
{
        if (r == -EPERM && res->outcome == SF_UPDATE_REFUSED) {
                if (strncmp(err->message, "refused by the policy", 21) != 0)
                        fprintf(stderr, "safeflash update: %s\n", err->message);
                printf("Nothing was written.\n");
        } else if (r < 0) {
                cli_print_failure("update", res, err);
        } else {
                printf("Updated %s: %s -> %s; IMEI %s kept; EFS backup in %s\n", res->device,
                       res->before.version, res->after.version, res->before.imei, res->backup_dir);
                if (res->flash.plan_items)
                        printf("Partitions:\n");
                cli_print_plan(stdout, &res->flash);
        }
}

/* --all: every module that runs its firmware (the update asks each what it runs). */
static int running_modules(struct update *u)
{
        static char names[SF_UPDATE_MAX_MODULES][32];
        struct sf_device *list = NULL;
        struct sf_error err = {0};
        size_t n = 0;

        if (sf_device_list(&list, &n, &err) < 0) {
                fprintf(stderr, "safeflash update: %s\n", err.message);
                return EXIT_FAILED;
        }
        for (size_t i = 0; i < n && u->n_devices < SF_UPDATE_MAX_MODULES; i++)
                if (list[i].mode == SF_DEVICE_MODE_NORMAL) {
                        snprintf(names[u->n_devices], sizeof(names[0]), "%s", list[i].name);
                        u->devices[u->n_devices] = names[u->n_devices];
                        u->n_devices++;
                }
        sf_device_list_free(list);
        if (u->n_devices == 0) {
                fprintf(stderr, "safeflash update: no running module found (see 'safeflash "
                                "list', and 'safeflash doctor' for one that is stuck)\n");
                return EXIT_NO_DEVICE;
        }
        return 0;
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
        struct update u = {0};
        struct sf_update_options o = {.on_verdict = on_verdict, .confirm = on_confirm};
        struct sf_run_result res;
        struct sf_error err = {0};
        sf_rules *rules = NULL;
        int r;

        r = parse_args(cmd, argc, argv, &u);
        if (r != 0)
                return r;
        if (sf_rules_new(&rules) < 0 ||
            cli_load_rules(u.extra, u.n_extra, rules, u.src, &u.n_src) < 0) {
                sf_rules_free(rules);
                return EXIT_USAGE;
        }
        if (u.all && (r = running_modules(&u)) != 0) {
                sf_rules_free(rules);
                return r;
        }
        cli_run_options(&o.run, u.n_devices ? u.devices[0] : NULL);
        o.run.userdata = &u;
        o.run.lock_no_wait = u.no_wait;
        o.package = u.package;
        o.policy_flags = u.flags;
        o.rules = rules;
        o.assume_yes = u.yes;
        if (u.all || u.n_devices > 1) {
                r = cli_update_many(&o, u.devices, u.n_devices);
                sf_rules_free(rules);
                return r;
        }
        if (cli.json) {
                json_begin(&u.j, stdout);
                json_obj_open(&u.j, NULL);
        }
        cli_progress_init();
        r = sf_update_run(&o, &res, &err);
        cli_progress_end();
        sf_rules_free(rules);
        if (cli.json) {
                cli_json_run(&u.j, &res, r, &err);
                json_obj_close(&u.j);
                json_end(&u.j);
        } else {
                report(&res, r, &err);
        }
        return cli_exit_for(r);
}

const struct cli_command cmd_update = {
        .name = "update",
        .args = "PACKAGE [-d DEV]",
        .summary = "update a running module safely: check, back up, flash, confirm, record",
        .details =
                "In this order: ask the module what it runs (AT); decide with the policy whether\n"
                "the package may go onto it (a refusal writes nothing, exits 3 and says why and\n"
                "what to do instead); switch it to EDL over DIAG; check the package and the\n"
                "programmer against the chip, and that the package keeps EFS where the module\n"
                "has it; back up EFS (IMEI, RF calibration), verified and fsynced, before the\n"
                "first write; flash; wait for the module to boot; and call it a success only\n"
                "when it reports the package's version and still has its IMEI. Every step is\n"
                "recorded in the history ($XDG_STATE_HOME/safeflash/history.db) as it happens,\n"
                "with a session log under $XDG_STATE_HOME/safeflash/logs/.\n\n"
                "Several modules (-d A -d B ..., or --all): each is updated by a worker process "
                "of\n"
                "its own, at the same time; one line of progress each, then each module's result.\n"
                "One module's failure stops no other. Exit 0 when all succeeded, the common "
                "status\n"
                "when all ended alike, 1 otherwise. An override needs --yes there.\n",
        .options = options,
        .run = run,
};
