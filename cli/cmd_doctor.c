/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* safeflash doctor [-d DEV]: what state is this module in, why, and what to do next. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct cli_option options[] = {
        {"device", required_argument, 'd', "DEV", "the module: 1-1, usb:BUS:ADDR or a port path"},
        {0},
};

static void print_json(const struct sf_diagnosis *d)
{
        struct json j;

        json_begin(&j, stdout);
        json_obj_open(&j, NULL);
        json_str(&j, "state", sf_doctor_state_to_string(d->state));
        json_str(&j, "device", d->dev.name[0] ? d->dev.name : NULL);
        json_str(&j, "mode", d->dev.name[0] ? sf_device_mode_to_string(d->dev.mode) : NULL);
        json_str(&j, "firmware", d->id.version[0] ? d->id.version : NULL);
        json_str(&j, "imei", d->id.imei_from ? d->id.imei : NULL);
        if (d->id.has_chip) {
                char serial[16];
                snprintf(serial, sizeof(serial), "0x%08x", d->id.chip_serial);
                json_str(&j, "chip_serial", serial);
        } else {
                json_null(&j, "chip_serial");
        }
        json_bool(&j, "known", d->known);
        json_str(&j, "last_known_good", d->last_good[0] ? d->last_good : NULL);
        json_str(&j, "last_session", d->last_session[0] ? d->last_session : NULL);
        json_str(&j, "summary", d->summary);
        json_str(&j, "cause", d->cause);
        json_str(&j, "next", d->next);
        json_obj_close(&j);
        json_end(&j);
}

static void print_text(const struct sf_diagnosis *d)
{
        printf("Module:   %s%s\n", d->dev.name[0] ? d->dev.name : "-",
               d->dev.name[0] ? "" : " (none found)");
        printf("State:    %s\n", d->summary);
        if (d->id.has_chip)
                printf("Chip:     serial 0x%08x, MSM_ID 0x%08x, OEM_ID 0x%04x\n", d->id.chip_serial,
                       d->id.msm_id, d->id.oem_id);
        if (d->last_good[0])
                printf("Last known good firmware: %s\n", d->last_good);
        if (d->last_session[0])
                printf("Last session: %s\n", d->last_session);
        printf("Why:      %s\n", d->cause);
        printf("Next:     %s\n", d->next);
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
        const char *device = NULL;
        struct sf_diagnosis d;
        struct sf_error err = {0};
        int c, r;

        while ((c = cli_getopt(cmd, argc, argv)) != -1) {
                if (c != 'd')
                        return EXIT_USAGE;
                device = optarg;
        }
        if (optind != argc)
                return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
        r = sf_doctor_run(device, NULL, &d, &err);
        if (r < 0) {
                fprintf(stderr, "safeflash doctor: %s\n", err.message);
                return cli_exit_for(r);
        }
        if (cli.json)
                print_json(&d);
        else
                print_text(&d);
        return d.state == SF_DOCTOR_NO_MODULE ? EXIT_NO_DEVICE : EXIT_OK;
}

const struct cli_command cmd_doctor = {
        .name = "doctor",
        .args = "[-d DEV]",
        .summary = "what state is this module in, why, and what to do next",
        .details =
                "Reads what the module says (AT in normal mode, the boot ROM's command mode in\n"
                "EDL, uploading nothing) and what the history remembers of it (its last known\n"
                "good firmware, its last session and where that stopped), and names the state,\n"
                "its likely cause and the next command: healthy; running without an IMEI; a\n"
                "session that never ended; stuck in EDL (05c6:9008) because its boot chain does\n"
                "not start; a Firehose programmer already loaded (a \"Sahara only\" run: nothing\n"
                "was written); crashed into memory-debug mode (05c6:900e: collect the RAM dump);\n"
                "fastboot. Writes nothing. Exit 0 when a module was diagnosed, 4 when none.\n",
        .options = options,
        .run = run,
};
