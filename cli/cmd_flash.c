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
};

static const struct cli_option options[] = {
        {"device", required_argument, 'd', "DEV",
         "usb (the only EDL device), a port such as 1-3, usb:BUS:ADDR, or a serial node such "
         "as /dev/ttyUSB0"},
        {"write-all", no_argument, OPT_WRITE_ALL, NULL,
         "write every partition, even those that already hold the package's content"},
        {"no-reset", no_argument, OPT_NO_RESET, NULL, "stay in the programmer afterwards"},
        {"session-log", required_argument, OPT_SESSION_LOG, "FILE",
         "record the session's traffic (XML in full) in FILE"},
        {"backup", required_argument, OPT_BACKUP, "DIR",
         "first copy the module's EFS2 (IMEI, calibration) into DIR, verified"},
        {"no-verify", no_argument, OPT_NO_VERIFY, NULL,
         "DANGEROUS: do not check the package against its md5.txt"},
        {"force", no_argument, OPT_FORCE, NULL,
         "write even when nothing tells which chip the module is (a boot ROM without Sahara "
         "command mode, a programmer that does not name the chip)"},
        {0},
};

static void print_result(const struct sf_flash_options *o, const struct sf_flash_result *res, int r,
                         const struct sf_error *err)
{
        struct json j;

        if (!cli.json) {
                if (r < 0)
                        fprintf(stderr, "safeflash flash: %s\n", err->message);
                else
                        printf("Written %u partition(s), %u already up to date, %u verified%s.\n",
                               res->partitions_written, res->partitions_skipped,
                               res->partitions_verified,
                               res->reset ? "; the module is restarting" : "");
                return;
        }
        json_begin(&j, stdout);
        json_obj_open(&j, NULL);
        json_str(&j, "result", r < 0 ? "failed" : "flashed");
        json_str(&j, "error", r < 0 ? err->message : NULL);
        json_str(&j, "package", o->package);
        json_bool(&j, "identified", res->identified);
        json_int(&j, "chip_serial", res->chip_serial);
        json_int(&j, "msm_id", res->msm_id);
        json_str(&j, "chip_evidence", res->chip_evidence[0] ? res->chip_evidence : NULL);
        json_bool(&j, "programmer_was_running", res->programmer_was_running);
        json_int(&j, "partitions_written", res->partitions_written);
        json_int(&j, "partitions_skipped", res->partitions_skipped);
        json_int(&j, "partitions_verified", res->partitions_verified);
        json_int(&j, "bytes_written", (long long)res->bytes_written);
        json_bool(&j, "reset", res->reset);
        json_bool(&j, "backed_up", res->backed_up);
        json_str(&j, "backup_sha256", res->backed_up ? res->backup_sha256 : NULL);
        json_obj_close(&j);
        json_end(&j);
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
        struct sf_flash_options o = {.progress = cli_on_progress, .log = cli_on_log};
        struct sf_flash_result res = {0};
        struct sf_error err = {0};
        int c, r;

        while ((c = cli_getopt(cmd, argc, argv)) != -1) {
                switch (c) {
                case 'd':
                        o.device = optarg;
                        break;
                case OPT_WRITE_ALL:
                        o.write_all = true;
                        break;
                case OPT_NO_RESET:
                        o.no_reset = true;
                        break;
                case OPT_SESSION_LOG:
                        o.session_log = optarg;
                        break;
                case OPT_NO_VERIFY:
                        o.no_verify = true;
                        break;
                case OPT_BACKUP:
                        o.backup_dir = optarg;
                        break;
                case OPT_FORCE:
                        o.force_unidentified = true;
                        break;
                default:
                        return EXIT_USAGE;
                }
        }
        if (argc - optind != 1)
                return cli_usage_error(cmd, "expected exactly one PACKAGE");
        o.package = argv[optind];
        o.session_log = o.session_log ? o.session_log : cli.log_path;
        cli_progress_init();
        r = sf_flash_run(&o, &res, &err);
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
                "This does not check whether the firmware may go onto this module: 'safeflash\n"
                "update' does (it asks the running module its version first).\n",
        .options = options,
        .run = run,
};
