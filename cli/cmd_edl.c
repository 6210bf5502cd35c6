/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* safeflash edl [-d DEV]: switch a running module to emergency download mode. */
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "safeflash/device.h"

static const struct cli_option options[] = {
        {"device", required_argument, 'd', "DEV", "the module: 1-1, usb:BUS:ADDR or a port path"},
        {0},
};

static int run(const struct cli_command *cmd, int argc, char **argv)
{
        const char *spec = NULL;
        struct sf_error err = {0};
        struct sf_device d, edl;
        struct json j;
        int c, r;

        while ((c = cli_getopt(cmd, argc, argv)) != -1) {
                if (c != 'd')
                        return EXIT_USAGE;
                spec = optarg;
        }
        if (optind != argc)
                return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
        r = sf_device_find(spec, &d, &err);
        if (r == 0)
                r = sf_device_enter_edl(&d, &edl, &err);
        if (r < 0) {
                fprintf(stderr, "safeflash edl: %s\n", err.message);
                return r == -ENODEV ? EXIT_NO_DEVICE : r == -ENOTUNIQ ? EXIT_USAGE : EXIT_FAILED;
        }
        if (cli.json) {
                json_begin(&j, stdout);
                json_obj_open(&j, NULL);
                json_str(&j, "device", edl.name);
                json_str(&j, "mode", sf_device_mode_to_string(edl.mode));
                json_int(&j, "bus", edl.bus);
                json_int(&j, "address", edl.address);
                json_obj_close(&j);
                json_end(&j);
        } else {
                printf("%s is in emergency download mode (05c6:9008) as usb:%u:%u\n", edl.name,
                       edl.bus, edl.address);
        }
        return EXIT_OK;
}

const struct cli_command cmd_edl = {
        .name = "edl",
        .args = "[-d DEV]",
        .summary = "switch a running module to emergency download mode (over DIAG)",
        .details =
                "Sends the DIAG reboot-to-EDL command on the module's DM port, waits for its\n"
                "acceptance and for the module to come back as 05c6:9008 (up to 30 s). Nothing\n"
                "is written. 'safeflash flash' then works on it; 'safeflash update' does all of\n"
                "this itself.\n",
        .options = options,
        .run = run,
};
