/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* safeflash flash PACKAGE [-d DEV]: write a package to a module already in EDL. */
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "safeflash/flash.h"

enum {
        OPT_NO_VERIFY = 0x100,
        OPT_WRITE_ALL,
        OPT_NO_RESET,
        OPT_SESSION_LOG,
        OPT_BACKUP,
        OPT_FORCE,
        OPT_NO_BACKUP,
        OPT_NO_WAIT,
        OPT_PLAN,
};

static const struct cli_option options[] = {
        {"device", required_argument, 'd', "DEV",
         "usb (the only EDL device), a port such as 1-3, usb:BUS:ADDR, or a serial node such "
         "as /dev/ttyUSB0"},
        {"plan", no_argument, OPT_PLAN, NULL,
         "write nothing: say per partition whether the module already holds the package's "
         "content (same, changed or unknown, and why), then restart the module"},
        {"dry-run", no_argument, OPT_PLAN, NULL, "the same as --plan"},
        {"write-all", no_argument, OPT_WRITE_ALL, NULL,
         "write every partition, even those that already hold the package's content"},
        {"no-reset", no_argument, OPT_NO_RESET, NULL,
         "stay in the programmer afterwards (the boot is not checked)"},
        {"no-wait", no_argument, OPT_NO_WAIT, NULL,
         "EXPERT: do not wait for the module to boot (the result says 'boot not checked'), "
         "nor for another safeflash working on it (exit 4 naming its PID)"},
        {"session-log", required_argument, OPT_SESSION_LOG, "FILE",
         "record the session's traffic (XML in full) in FILE"},
        {"backup", required_argument, OPT_BACKUP, "DIR",
         "back up the module's EFS (IMEI, calibration) into DIR instead of the state folder"},
        {"no-backup", no_argument, OPT_NO_BACKUP, NULL,
         "DANGEROUS: do not back up the module's EFS first (it says so)"},
        {"no-verify", no_argument, OPT_NO_VERIFY, NULL,
         "DANGEROUS: do not check the package against its md5.txt"},
        {"force", no_argument, OPT_FORCE, NULL,
         "write even when nothing tells which chip the module is (a boot ROM without Sahara "
         "command mode, a programmer that does not name the chip)"},
        {0},
};

static const char *result_of(const struct sf_run_result *res, int r)
{
        if (r < 0)
                return sf_update_outcome_to_string(res->outcome);
        return res->boot_checked ? "success" : "boot not checked";
}

static void print_json(const struct sf_expert_options *o, const struct sf_run_result *res, int r,
                       const struct sf_error *err)
{
        const struct sf_flash_result *f = &res->flash;
        struct json j;

        json_begin(&j, stdout);
        json_obj_open(&j, NULL);
        cli_json_run_as(&j, o->flash.plan_only && r >= 0 ? "plan" : result_of(res, r), res, r,
                        err);
        json_str(&j, "package", o->flash.package);
        json_bool(&j, "boot_checked", res->boot_checked);
        json_bool(&j, "identified", f->identified);
        json_str(&j, "chip_evidence", f->chip_evidence[0] ? f->chip_evidence : NULL);
        json_int(&j, "msm_id", f->msm_id);
        json_bool(&j, "programmer_was_running", f->programmer_was_running);
        json_int(&j, "partitions_written", f->partitions_written);
        json_int(&j, "partitions_skipped", f->partitions_skipped);
        json_int(&j, "partitions_verified", f->partitions_verified);
        json_bool(&j, "reset", f->reset);
        json_bool(&j, "backed_up", f->backed_up);
        json_bool(&j, "plan_only", o->flash.plan_only);
        json_obj_close(&j);
        json_end(&j);
}

/* After a failure: what doctor sees of the module now. */
static void print_doctor(const struct sf_run_result *res)
{
        struct sf_diagnosis d;

        if (!res->device[0] || sf_doctor_run(res->device, NULL, &d, NULL) < 0)
                return;
        fprintf(stderr, "Doctor:   %s\nWhy:      %s\nNext:     %s\n", d.summary, d.cause, d.next);
}

static void print_result(const struct sf_expert_options *o, const struct sf_run_result *res,
                         int r, const struct sf_error *err)
{
        const struct sf_flash_result *f = &res->flash;

        if (cli.json) {
                print_json(o, res, r, err);
                return;
        }
        if (r < 0) {
                cli_print_failure("flash", res, err);
                if (res->outcome == SF_UPDATE_FAILED)
                        print_doctor(res);
                return;
        }
        if (o->flash.plan_only) {
                printf("Plan for %s (nothing was written):\n", o->flash.package);
                cli_print_plan(stdout, f);
                printf("%s\n", o->flash.no_reset ? "The module stays in its programmer."
                                                 : "The module was restarted.");
                return;
        }
        printf("Written %u partition(s), %u already up to date, %u verified.\n",
               f->partitions_written, f->partitions_skipped, f->partitions_verified);
        cli_print_plan(stdout, f);
        if (res->backup_dir[0])
                printf("EFS backup (verified): %s\n", res->backup_dir);
        if (res->boot_checked)
                printf("The module runs %s with IMEI %s%s.\n", res->after.version, res->after.imei,
                       f->restored ? " (EFS restored from its backup)" : "");
        else
                printf("Boot not checked (%s): run 'safeflash doctor' to see whether the module "
                       "runs the new firmware.\n",
                       o->flash.no_reset ? "--no-reset" : "--no-wait");
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
        struct sf_expert_options o = {0};
        struct sf_flash_options *fo = &o.flash;
        struct sf_run_result res = {0};
        struct sf_error err = {0};
        const char *device = NULL;
        int c, r;

        while ((c = cli_getopt(cmd, argc, argv)) != -1) {
                switch (c) {
                case 'd':
                        device = strcmp(optarg, "usb") == 0 ? NULL : optarg;
                        break;
                case OPT_WRITE_ALL:
                        fo->write_all = true;
                        break;
                case OPT_PLAN:
                        fo->plan_only = true;
                        break;
                case OPT_NO_RESET:
                        fo->no_reset = true;
                        break;
                case OPT_NO_WAIT:
                        o.no_wait = true;
                        break;
                case OPT_SESSION_LOG:
                        fo->session_log = optarg;
                        break;
                case OPT_NO_VERIFY:
                        fo->no_verify = true;
                        break;
                case OPT_BACKUP:
                        fo->backup_dir = optarg;
                        break;
                case OPT_NO_BACKUP:
                        o.no_backup = true;
                        break;
                case OPT_FORCE:
                        fo->force_unidentified = true;
                        break;
                default:
                        return EXIT_USAGE;
                }
        }
        if (argc - optind != 1)
                return cli_usage_error(cmd, "expected exactly one PACKAGE");
        if (o.no_backup && fo->backup_dir)
                return cli_usage_error(cmd, "--backup and --no-backup contradict each other");
        fo->package = argv[optind];
        fo->session_log = fo->session_log ? fo->session_log : cli.log_path;
        cli_run_options(&o.run, device);
        o.run.lock_no_wait = o.no_wait;
        cli_progress_init();
        r = sf_expert_flash_run(&o, &res, &err);
        cli_progress_end();
        print_result(&o, &res, r, &err);
        return cli_exit_for(r);
}

const struct cli_command cmd_flash = {
        .name = "flash",
        .args = "PACKAGE",
        .summary = "write a firmware package to a module already in EDL (expert path)",
        .details =
                "PACKAGE is a package folder or a zip of one, read in place (nothing is\n"
                "unpacked); a zip with unsafe entries is refused (exit 2) before the module is\n"
                "touched.\n\n"
                "The module must be in emergency download mode (05c6:9008). safeflash checks the\n"
                "package (every file against md5.txt, in full), reads the chip's identity in\n"
                "Sahara command mode and refuses a programmer built or signed for another chip\n"
                "(exit 3) before sending it; refuses factory packages that would wipe the\n"
                "calibration; skips partitions that already hold the package's content; verifies\n"
                "every partition it writes; and restarts the module. Loading a programmer alone\n"
                "is never reported as a flash.\n\n"
                "Before anything is written it backs up the module's EFS (IMEI, calibration),\n"
                "verified and recorded in the history (--no-backup skips it and says so). Then it\n"
                "waits for the module to come back: it succeeds (exit 0) only when the module runs\n"
                "the package's firmware with the IMEI it had; a module that stays in EDL or\n"
                "crashes into memory-debug mode is a failure (exit 1), with what 'safeflash\n"
                "doctor' sees. With --no-wait (or --no-reset) the result is 'boot not checked',\n"
                "never success.\n\n"
                "--plan (or --dry-run) writes nothing and makes no backup: it shows per\n"
                "partition 'same', 'changed' or 'unknown' and why (for a UBI image, which\n"
                "volume differs; a read-write volume such as usrfs is the module's own data and\n"
                "is kept, not compared), then restarts the module.\n\n"
                "This does not check whether the firmware may go onto this module: 'safeflash\n"
                "update' does (it asks the running module its version first).\n",
        .options = options,
        .run = run,
};
