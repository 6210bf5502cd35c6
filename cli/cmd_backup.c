/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* safeflash backup --package PACKAGE [-d DEV]: a verified copy of what cannot be replaced. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
        OPT_PACKAGE = 0x100,
};

static const struct cli_option options[] = {
        {"device", required_argument, 'd', "DEV", "the module: 1-1, usb:BUS:ADDR or a port path"},
        {"package", required_argument, OPT_PACKAGE, "PACKAGE",
         "a package for this module: its programmer reads the flash (nothing of it is written)"},
        {0},
};

static int run(const struct cli_command *cmd, int argc, char **argv)
{
        const char *device = NULL, *package = NULL;
        struct sf_run_options o = {0};
        struct sf_run_result res;
        struct sf_error err = {0};
        int c, r;

        while ((c = cli_getopt(cmd, argc, argv)) != -1) {
                if (c == 'd')
                        device = optarg;
                else if (c == OPT_PACKAGE)
                        package = optarg;
                else
                        return EXIT_USAGE;
        }
        if (optind != argc || !package)
                return cli_usage_error(cmd, "expected --package PACKAGE and no other argument");
        cli_run_options(&o, device);
        cli_progress_init();
        r = sf_backup_run(&o, package, &res, &err);
        cli_progress_end();
        if (cli.json) {
                cli_json_run_document(stdout, &res, r, &err);
        } else if (r < 0) {
                cli_print_failure("backup", &res, &err);
        } else {
                printf("EFS of %s backed up to %s (%llu bytes, sha256 %s), read back and "
                       "verified\n",
                       res.device, res.backup_dir, (unsigned long long)res.flash.backup_bytes,
                       res.flash.backup_sha256);
        }
        return cli_exit_for(r);
}

const struct cli_command cmd_backup = {
        .name = "backup",
        .args = "--package PACKAGE [-d DEV]",
        .summary = "back up the module's EFS (IMEI, RF calibration), verified",
        .details =
                "A running module is switched to EDL over DIAG (one in EDL is used as it is); the\n"
                "package's programmer, checked against the chip first, reads EFS where the\n"
                "module's own partition table puts it. The copy is written with fsync, read back\n"
                "and compared, with a manifest (chip serial, IMEI, place, SHA-256), into\n"
                "$XDG_STATE_HOME/safeflash/backups/IMEI/, and recorded in the history. The module\n"
                "is then reset; a module that was running must come back with the same IMEI.\n"
                "Nothing is written to the module.\n",
        .options = options,
        .run = run,
};
