/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* safeflash restore BACKUP --package PACKAGE [-d DEV] [--force]: EFS back onto its module. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
        OPT_PACKAGE = 0x100,
        OPT_FORCE,
};

static const struct cli_option options[] = {
        {"device", required_argument, 'd', "DEV", "the module: 1-1, usb:BUS:ADDR or a port path"},
        {"package", required_argument, OPT_PACKAGE, "PACKAGE",
         "a package for this module: its programmer writes the backup"},
        {"force", no_argument, OPT_FORCE, NULL,
         "DANGEROUS: write a backup taken from another module (clones its IMEI)"},
        {0},
};

static int run(const struct cli_command *cmd, int argc, char **argv)
{
        const char *device = NULL, *package = NULL;
        struct sf_run_options o = {0};
        struct sf_run_result res;
        struct sf_error err = {0};
        bool force = false;
        int c, r;

        while ((c = cli_getopt(cmd, argc, argv)) != -1) {
                if (c == 'd')
                        device = optarg;
                else if (c == OPT_PACKAGE)
                        package = optarg;
                else if (c == OPT_FORCE)
                        force = true;
                else
                        return EXIT_USAGE;
        }
        if (argc - optind != 1 || !package)
                return cli_usage_error(cmd, "expected one BACKUP folder and --package PACKAGE");
        cli_run_options(&o, device);
        cli_progress_init();
        r = sf_restore_run(&o, argv[optind], package, force, &res, &err);
        cli_progress_end();
        if (cli.json) {
                cli_json_run_document(stdout, &res, r, &err);
        } else if (r < 0) {
                if (res.outcome == SF_UPDATE_REFUSED || res.outcome == SF_UPDATE_NOT_STARTED)
                        fprintf(stderr, "safeflash restore: %s\n", err.message);
                else
                        cli_print_failure("restore", &res, &err);
        } else {
                printf("EFS restored onto %s from %s and verified%s%s\n", res.device, argv[optind],
                       res.after.imei_from ? "; it reports IMEI " : "",
                       res.after.imei_from ? res.after.imei : "");
        }
        return cli_exit_for(r);
}

const struct cli_command cmd_restore = {
        .name = "restore",
        .args = "BACKUP --package PACKAGE [-d DEV] [--force]",
        .summary = "write an EFS backup (IMEI, calibration) back onto its module",
        .details =
                "BACKUP is a folder written by 'safeflash backup' or 'safeflash update'. It goes\n"
                "only onto the module it came from: the chip serial read in Sahara command mode,\n"
                "and the IMEI when the module still reports one, must be the backup's (--force\n"
                "overrides: that clones another module's identity). The backup must fit the\n"
                "module's EFS exactly and match its SHA-256 before anything is written; after\n"
                "writing, the module's digest of EFS must be the backup's. A running module must\n"
                "then come back with the backup's IMEI.\n",
        .options = options,
        .run = run,
};
