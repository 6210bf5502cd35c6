/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* safeflash recover [-d DEV] (PACKAGE | --library DIR): bring a module stuck in EDL back. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
        OPT_LIBRARY = 0x100,
        OPT_NO_WAIT,
};

static const struct cli_option options[] = {
        {"device", required_argument, 'd', "DEV", "the module: 1-1, usb:BUS:ADDR or a port path"},
        {"library", required_argument, OPT_LIBRARY, "DIR",
         "a folder of packages: the one of the module's last known good firmware is used"},
        {"no-wait", no_argument, OPT_NO_WAIT, NULL,
         "when another safeflash works on the module, exit 4 naming its PID instead of waiting"},
        {0},
};

static int run(const struct cli_command *cmd, int argc, char **argv)
{
        const char *device = NULL, *library = NULL, *package = NULL;
        struct sf_run_options o = {0};
        struct sf_run_result res;
        struct sf_error err = {0};
        int c, r;

        while ((c = cli_getopt(cmd, argc, argv)) != -1) {
                if (c == 'd')
                        device = optarg;
                else if (c == OPT_LIBRARY)
                        library = optarg;
                else if (c == OPT_NO_WAIT)
                        o.lock_no_wait = true;
                else
                        return EXIT_USAGE;
        }
        if (argc - optind > 1 || (argc - optind == 1) == (library != NULL))
                return cli_usage_error(cmd, "expected a PACKAGE or --library DIR (one of them)");
        if (optind < argc)
                package = argv[optind];
        cli_run_options(&o, device);
        cli_progress_init();
        r = sf_recover_run(&o, package, library, &res, &err);
        cli_progress_end();
        if (cli.json) {
                cli_json_run_document(stdout, &res, r, &err);
        } else if (r < 0) {
                cli_print_failure("recover", &res, &err);
        } else {
                printf("Recovered %s: it runs %s with IMEI %s%s\n", res.device, res.after.version,
                       res.after.imei, res.flash.restored ? " (EFS restored from its backup)" : "");
        }
        return cli_exit_for(r);
}

const struct cli_command cmd_recover = {
        .name = "recover",
        .args = "[-d DEV] (PACKAGE | --library DIR)",
        .summary = "bring a module stuck in EDL back, with its IMEI",
        .details =
                "For a module in emergency download mode (05c6:9008). Its chip serial, read in\n"
                "Sahara command mode, finds it in the history; with --library, the package of the\n"
                "firmware it last ran well is looked up there by version (a clear message names\n"
                "the version to obtain when it is missing). A PACKAGE given instead must be one\n"
                "the policy allows from that firmware. What remains of its EFS is backed up\n"
                "first; the package is flashed and verified; the module must boot. If it boots\n"
                "without its IMEI, its latest verified EFS backup is written back. Success means\n"
                "it runs the package's version with its own IMEI.\n"
                "A programmer left running is reset first (one left inside a <program> by a\n"
                "killed run is first fed the zeros it waits for, up to 60 s); a module that then\n"
                "boots its firmware is recovered without writing anything.\n"
                "A chip the history knows no firmware of, with no PACKAGE named, is restarted\n"
                "from its boot ROM first, nothing written: a whole flash boots its own firmware.\n"
                "A boot ROM that refuses Sahara command mode tells no serial: give the PACKAGE;\n"
                "its programmer names the chip, and what the history knows of it (last good\n"
                "firmware, IMEI, backup) is checked before anything is written.\n",
        .options = options,
        .run = run,
};
