/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* safeflash update PACKAGE: the safe path. Identify the running module, decide with the policy
 * (nothing is written on a refusal), back up what cannot be replaced, switch to EDL, flash,
 * wait for the module to boot, and call it a success only when it reports the package's version
 * and still has its IMEI. Every step is recorded in the history as it happens. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "safeflash/device.h"
#include "safeflash/flash.h"
#include "safeflash/history.h"

#define MAX_EXTRA_RULES 16
#define BOOT_WAIT_S     60

enum {
        OPT_ALLOW_OLDER = 0x100,
        OPT_ALLOW_BRANCH,
        OPT_ALLOW_REINSTALL,
        OPT_FORCE,
        OPT_YES,
        OPT_RULES,
};

static const struct cli_option options[] = {
        {"device", required_argument, 'd', "DEV", "the module: 1-1, usb:BUS:ADDR or a port path"},
        {"allow-older", no_argument, OPT_ALLOW_OLDER, NULL,
         "accept a lower release on the same line"},
        {"allow-branch-switch", no_argument, OPT_ALLOW_BRANCH, NULL,
         "accept another sub-version branch"},
        {"allow-reinstall", no_argument, OPT_ALLOW_REINSTALL, NULL, "accept the installed version"},
        {"force", no_argument, OPT_FORCE, NULL,
         "lift every refusal that is not absolute (dangerous)"},
        {"yes", no_argument, OPT_YES, NULL, "do not ask for confirmation when an override is used"},
        {"rules", required_argument, OPT_RULES, "FILE", "also apply the rules in FILE"},
        {0},
};

struct update {
        const char *package, *device;
        unsigned flags;
        bool yes;
        const char *extra[MAX_EXTRA_RULES];
        size_t n_extra;
        struct sf_device dev;
        struct sf_identity before, after;
        sf_package *pkg;
        sf_history *hist;
        int64_t module_id, session_id;
        char state_dir[PATH_MAX - 128], log_path[PATH_MAX], backup_dir[PATH_MAX];
};

static int parse_args(const struct cli_command *cmd, int argc, char **argv, struct update *u)
{
        int c;

        while ((c = cli_getopt(cmd, argc, argv)) != -1) {
                switch (c) {
                case 'd':
                        u->device = optarg;
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
        if (argc - optind != 1)
                return cli_usage_error(cmd, "expected exactly one PACKAGE");
        u->package = argv[optind];
        return 0;
}

static void mkdir_p(const char *path)
{
        char buf[PATH_MAX];

        snprintf(buf, sizeof(buf), "%s", path);
        for (char *p = buf + 1; *p; p++)
                if (*p == '/') {
                        *p = '\0';
                        mkdir(buf, 0700);
                        *p = '/';
                }
        mkdir(buf, 0700);
}

/* $XDG_STATE_HOME/safeflash (logs/, backups/), next to the history. */
static int state_paths(struct update *u, struct sf_error *err)
{
        const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
        char stamp[32], sub[PATH_MAX];
        time_t now = time(NULL);
        struct tm tm;

        if (xdg && xdg[0] == '/')
                snprintf(u->state_dir, sizeof(u->state_dir), "%s/safeflash", xdg);
        else if (home && home[0] == '/')
                snprintf(u->state_dir, sizeof(u->state_dir), "%s/.local/state/safeflash", home);
        else
                return cli_error(err, -ENOENT, "no XDG_STATE_HOME or HOME for the history");
        gmtime_r(&now, &tm);
        strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
        for (const char *d = "logs\0backups\0"; *d; d += strlen(d) + 1) {
                snprintf(sub, sizeof(sub), "%.3900s/%s", u->state_dir, d);
                mkdir_p(u->state_dir);
                if (mkdir(sub, 0700) < 0 && errno != EEXIST)
                        return cli_error(err, -errno, "%s: %s", sub, strerror(errno));
        }
        snprintf(u->log_path, sizeof(u->log_path), "%.3900s/logs/%.31s-%.15s.log", u->state_dir,
                 stamp, u->before.imei);
        snprintf(sub, sizeof(sub), "%.3900s/backups/%.15s", u->state_dir, u->before.imei);
        mkdir(sub, 0700);
        snprintf(u->backup_dir, sizeof(u->backup_dir), "%.3950s/%.31s", sub, stamp);
        return 0;
}

static int record_identity(struct update *u, const struct sf_identity *id, struct sf_error *err)
{
        struct sf_history_identity h = {.source = SF_HISTORY_SOURCE_AT,
                                        .imei = id->imei,
                                        .model = id->model,
                                        .firmware = id->version};

        return sf_history_identity_record(u->hist, &h, &u->module_id, err);
}

static int step(struct update *u, const char *name, enum sf_history_step_state st,
                const char *detail)
{
        struct sf_error err = {0};
        int r = sf_history_session_step(u->hist, u->session_id, name, st, detail, &err);

        if (r < 0)
                fprintf(stderr, "safeflash update: history: %s\n", err.message);
        return r;
}

/* The running module and what it says it runs. */
static int identify(struct update *u, struct sf_error *err)
{
        int r = sf_device_find(u->device, &u->dev, err);

        if (r < 0)
                return r;
        if (u->dev.mode != SF_DEVICE_MODE_NORMAL)
                return cli_error(err, -ENODEV,
                                 "%s is in %s mode: update needs the running module (it asks "
                                 "it what it runs); see 'safeflash doctor', or 'safeflash "
                                 "flash' for a module in EDL",
                                 u->dev.name, sf_device_mode_to_string(u->dev.mode));
        r = sf_device_identify(&u->dev, &u->before, err);
        if (r < 0)
                return r;
        if (!u->before.imei_from)
                return cli_error(err, -EPERM,
                                 "the module reports no valid IMEI: its EFS may "
                                 "already be damaged; nothing was written");
        return 0;
}

/* The policy on the module's own version: 0 allowed, EXIT_REFUSED or EXIT_USAGE otherwise. */
static int decide(struct update *u, sf_report **ret_rep, struct json *j)
{
        struct cli_rules_source src[CLI_MAX_RULES_SOURCES];
        struct sf_version from, to;
        struct sf_error err = {0};
        sf_rules *rules = NULL;
        sf_report *rep = NULL;
        size_t n_src = 0;
        int r;

        if (sf_package_open(u->package, &u->pkg, &err) < 0) {
                fprintf(stderr, "safeflash update: %s\n", err.message);
                return EXIT_USAGE;
        }
        sf_version_parse(u->before.version, &from);
        to = *sf_package_version(u->pkg);
        r = sf_rules_new(&rules);
        if (r >= 0)
                r = cli_load_rules(u->extra, u->n_extra, rules, src, &n_src);
        if (r >= 0)
                r = sf_policy_evaluate(&from, &to, rules, sf_package_requirements(u->pkg), u->flags,
                                       &rep);
        sf_rules_free(rules);
        if (r < 0)
                return EXIT_USAGE;
        if (cli.json) {
                json_obj_open(j, "policy");
                cli_json_verdict(j, &from, &to, u->pkg, rep, src, n_src);
                json_obj_close(j);
        } else {
                cli_print_verdict(&from, &to, u->pkg, rep);
                fflush(stdout); /* before any progress or error on stderr */
        }
        *ret_rep = rep;
        return sf_report_verdict(rep) == SF_VERDICT_ALLOWED ? 0 : EXIT_REFUSED;
}

/* An override was needed: a person confirms, or --yes does. */
static bool confirmed(const struct update *u, const sf_report *rep)
{
        char answer[16] = "";
        bool lifted = false;

        for (size_t i = 0; i < sf_report_count(rep); i++)
                lifted |= sf_report_get(rep, i)->overridden;
        if (!lifted || u->yes)
                return true;
        if (!isatty(STDIN_FILENO)) {
                fprintf(stderr, "safeflash update: an override is in use: confirm with --yes\n");
                return false;
        }
        fprintf(stderr, "An override lifts the refusals above. Type 'yes' to write anyway: ");
        return fgets(answer, sizeof(answer), stdin) && strcmp(answer, "yes\n") == 0;
}

struct progress_ctx {
        struct update *u;
        enum sf_phase phase;
        bool started;
};

/* Progress for the person, and each phase as a history step as it happens. */
static void on_progress(void *userdata, const struct sf_progress *p)
{
        struct progress_ctx *c = userdata;

        if (!c->started || p->phase != c->phase) {
                if (c->started)
                        step(c->u, sf_phase_to_string(c->phase), SF_HISTORY_STEP_DONE, NULL);
                if (p->phase != SF_PHASE_DONE)
                        step(c->u, sf_phase_to_string(p->phase), SF_HISTORY_STEP_STARTED, NULL);
                c->phase = p->phase;
                c->started = true;
        }
        cli_on_progress(NULL, p);
}

static void sleep_ms(int ms)
{
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
        nanosleep(&ts, NULL);
}

/* After the reset: the module comes back running, on the same port or as the only module. */
static int wait_boot(struct update *u, struct sf_error *err)
{
        for (int i = 0; i < BOOT_WAIT_S * 10; i++) {
                struct sf_device d;
                if (sf_device_find(u->dev.name, &d, NULL) == 0 && d.mode == SF_DEVICE_MODE_NORMAL &&
                    d.at_port[0])
                        return sf_device_identify(&d, &u->after, err);
                if (sf_device_find(u->dev.name, &d, NULL) == 0 &&
                    (d.mode == SF_DEVICE_MODE_EDL || d.mode == SF_DEVICE_MODE_MEMORY_DEBUG) &&
                    i > 50)
                        return cli_error(err, -EIO, "the module did not boot: it is in %s mode",
                                         sf_device_mode_to_string(d.mode));
                sleep_ms(100);
        }
        return cli_error(err, -ETIMEDOUT, "the module did not come back within %d s", BOOT_WAIT_S);
}

static void record_backup(struct update *u, const struct sf_flash_result *res)
{
        struct sf_history_backup_partition part = {
                .name = "EFS2", .size = res->backup_bytes, .sha256 = res->backup_sha256};
        struct sf_history_backup b = {.module_id = u->module_id,
                                      .session_id = u->session_id,
                                      .path = u->backup_dir,
                                      .verified = true,
                                      .partitions = &part,
                                      .n_partitions = 1};
        struct sf_error err = {0};
        int64_t id;

        if (sf_history_backup_record(u->hist, &b, &id, &err) < 0)
                fprintf(stderr, "safeflash update: history: %s\n", err.message);
}

/* Switch, flash (with the backup first), and wait for the module to run the new firmware. */
static int apply(struct update *u, struct sf_flash_result *res, struct sf_error *err)
{
        struct progress_ctx pc = {.u = u};
        struct sf_flash_options o = {.package = u->package,
                                     .session_log = u->log_path,
                                     .backup_dir = u->backup_dir,
                                     .progress = on_progress,
                                     .log = cli_on_log,
                                     .userdata = &pc};
        struct sf_device edl;
        char spec[64];
        int r;

        step(u, "switch-to-edl", SF_HISTORY_STEP_STARTED, u->dev.dm_port);
        r = sf_device_enter_edl(&u->dev, &edl, err);
        step(u, "switch-to-edl", r < 0 ? SF_HISTORY_STEP_FAILED : SF_HISTORY_STEP_DONE,
             r < 0 ? err->message : NULL);
        if (r < 0)
                return r;
        snprintf(spec, sizeof(spec), "usb:%u:%u", edl.bus, edl.address);
        o.device = spec;
        cli_progress_init();
        r = sf_flash_run(&o, res, err);
        cli_progress_end();
        if (res->identified) { /* bind the chip to the module: its IMEI and its fused serial */
                struct sf_history_identity h = {.source = SF_HISTORY_SOURCE_SAHARA,
                                                .has_chip_serial = true,
                                                .chip_serial = res->chip_serial,
                                                .has_hw_id = true,
                                                .hw_id = (uint64_t)res->msm_id << 32 |
                                                         (uint64_t)res->oem_id << 16,
                                                .imei = u->before.imei};
                struct sf_error e = {0};
                if (sf_history_identity_record(u->hist, &h, &u->module_id, &e) < 0)
                        fprintf(stderr, "safeflash update: history: %s\n", e.message);
        }
        if (res->backed_up)
                record_backup(u, res);
        if (r < 0) {
                step(u, sf_phase_to_string(pc.phase), SF_HISTORY_STEP_FAILED, err->message);
                return r;
        }
        step(u, "boot", SF_HISTORY_STEP_STARTED, NULL);
        r = wait_boot(u, err);
        step(u, "boot", r < 0 ? SF_HISTORY_STEP_FAILED : SF_HISTORY_STEP_DONE,
             r < 0 ? err->message : u->after.version);
        return r;
}

/* Success is the module running the package's version, with its IMEI. */
static int check_result(struct update *u, struct sf_error *err)
{
        struct sf_version want = *sf_package_version(u->pkg), got;

        sf_version_parse(u->after.version, &got);
        if (strcmp(got.canonical, want.canonical) != 0)
                return cli_error(err, -EIO, "the module runs %s, not the package's %s",
                                 u->after.version, want.canonical);
        if (strcmp(u->after.imei, u->before.imei) != 0)
                return cli_error(err, -EIO, "the module's IMEI changed from %s to '%s'",
                                 u->before.imei, u->after.imei);
        return 0;
}

static int open_history(struct update *u, struct sf_error *err)
{
        struct sf_version to;
        int r = sf_history_open(NULL, &u->hist, err);

        if (r < 0)
                return r;
        r = record_identity(u, &u->before, err);
        if (r < 0)
                return r;
        to = *sf_package_version(u->pkg);
        return sf_history_session_begin(u->hist, u->module_id, SF_HISTORY_KIND_UPDATE, u->package,
                                        u->before.version, to.canonical, u->log_path,
                                        &u->session_id, err);
}

static void finish_json(struct json *j, struct update *u, const char *result,
                        const struct sf_flash_result *res, const struct sf_error *err)
{
        json_str(j, "result", result);
        json_str(j, "error", err && err->message[0] ? err->message : NULL);
        json_str(j, "firmware_before", u->before.version);
        json_str(j, "firmware_after", u->after.version[0] ? u->after.version : NULL);
        json_str(j, "imei", u->before.imei);
        json_str(j, "backup", res && res->backed_up ? u->backup_dir : NULL);
        json_str(j, "session_log", u->log_path[0] ? u->log_path : NULL);
        json_obj_close(j);
        json_end(j);
}

static int end_session(struct update *u, enum sf_history_outcome o, const char *error)
{
        struct sf_error err = {0};

        if (u->hist && u->session_id &&
            sf_history_session_end(u->hist, u->session_id, o, error, &err) < 0)
                fprintf(stderr, "safeflash update: history: %s\n", err.message);
        return 0;
}

static int exit_for(int r)
{
        return r == -ENODEV || r == -ENOTUNIQ ? EXIT_NO_DEVICE
               : r == -EPERM                  ? EXIT_REFUSED
                                              : EXIT_FAILED;
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
        struct update u = {0};
        struct sf_flash_result res = {0};
        struct sf_error err = {0};
        sf_report *rep = NULL;
        struct json j;
        int r, ret;

        r = parse_args(cmd, argc, argv, &u);
        if (r != 0)
                return r;
        r = identify(&u, &err);
        if (r < 0) {
                fprintf(stderr, "safeflash update: %s\n", err.message);
                return exit_for(r);
        }
        if (cli.json) {
                json_begin(&j, stdout);
                json_obj_open(&j, NULL);
                json_str(&j, "device", u.dev.name);
        }
        ret = decide(&u, &rep, &j);
        if (ret == 0 && !confirmed(&u, rep))
                ret = EXIT_REFUSED;
        r = ret == EXIT_USAGE ? 0 : state_paths(&u, &err);
        if (r >= 0 && ret != EXIT_USAGE)
                r = open_history(&u, &err);
        if (r < 0) {
                /* Invariant: every session is recorded as it happens, or it does not happen. */
                fprintf(stderr, "safeflash update: history: %s: nothing was written\n",
                        err.message);
                ret = EXIT_FAILED;
        } else if (ret == EXIT_REFUSED) {
                end_session(&u, SF_HISTORY_OUTCOME_REFUSED, "refused by the policy");
                if (!cli.json)
                        printf("Nothing was written.\n");
        } else if (ret == 0) {
                r = apply(&u, &res, &err);
                if (r >= 0)
                        r = check_result(&u, &err);
                if (r >= 0)
                        sf_history_install_record(u.hist, u.session_id, u.before.version,
                                                  u.after.version, sf_package_fingerprint(u.pkg),
                                                  NULL);
                end_session(&u, r < 0 ? SF_HISTORY_OUTCOME_FAILED : SF_HISTORY_OUTCOME_SUCCESS,
                            r < 0 ? err.message : NULL);
                ret = r < 0 ? exit_for(r) : EXIT_OK;
                if (!cli.json && r < 0)
                        fprintf(stderr,
                                "safeflash update: %s\nSession log: %s\nRun 'safeflash "
                                "doctor' to see what state the module is in.\n",
                                err.message, u.log_path);
                else if (!cli.json)
                        printf("Updated %s: %s -> %s; IMEI %s kept; EFS2 backup in %s\n",
                               u.dev.name, u.before.version, u.after.version, u.before.imei,
                               u.backup_dir);
        }
        if (cli.json)
                finish_json(&j, &u,
                            ret == 0              ? "updated"
                            : ret == EXIT_REFUSED ? "refused"
                                                  : "failed",
                            &res, &err);
        sf_report_free(rep);
        sf_package_free(u.pkg);
        sf_history_close(u.hist);
        return ret;
}

const struct cli_command cmd_update = {
        .name = "update",
        .args = "PACKAGE [-d DEV]",
        .summary = "update a running module safely: check, back up, flash, confirm, record",
        .details =
                "In this order: ask the module what it runs (AT); decide with the policy whether "
                "the\n"
                "package may go onto it (a refusal writes nothing, exits 3 and says why and what\n"
                "to do instead); switch it to EDL over DIAG; check the package and the programmer\n"
                "against the chip; back up EFS2 (IMEI, RF calibration), verified and fsynced,\n"
                "before the first write; flash; wait for the module to boot; and call it a\n"
                "success only when it reports the package's version and still has its IMEI.\n"
                "Every step is recorded in the history ($XDG_STATE_HOME/safeflash/history.db)\n"
                "as it happens, with a session log under $XDG_STATE_HOME/safeflash/logs/.\n",
        .options = options,
        .run = run,
};
