/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* safeflash list: modules on the bus, their state and ports. */
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "safeflash/device.h"

static const struct cli_option options[] = {
        {0},
};

static void print_json(const struct sf_device *list, size_t n)
{
        struct json j;
        char id[16];

        json_begin(&j, stdout);
        json_arr_open(&j, NULL);
        for (size_t i = 0; i < n; i++) {
                const struct sf_device *d = &list[i];
                json_obj_open(&j, NULL);
                json_str(&j, "device", d->name);
                json_str(&j, "mode", sf_device_mode_to_string(d->mode));
                snprintf(id, sizeof(id), "%04x:%04x", d->vid, d->pid);
                json_str(&j, "usb_id", id);
                json_int(&j, "bus", d->bus);
                json_int(&j, "address", d->address);
                json_str(&j, "at_port", d->at_port[0] ? d->at_port : NULL);
                json_str(&j, "dm_port", d->dm_port[0] ? d->dm_port : NULL);
                json_str(&j, "edl_port", d->edl_port[0] ? d->edl_port : NULL);
                json_obj_close(&j);
        }
        json_arr_close(&j);
        json_end(&j);
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
        struct sf_device *list = NULL;
        struct sf_error err = {0};
        size_t n = 0;
        int c;

        while ((c = cli_getopt(cmd, argc, argv)) != -1)
                if (c == '?')
                        return EXIT_USAGE;
        if (optind != argc)
                return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
        if (sf_device_list(&list, &n, &err) < 0) {
                fprintf(stderr, "safeflash list: %s\n", err.message);
                return EXIT_FAILED;
        }
        if (cli.json) {
                print_json(list, n);
        } else if (n == 0) {
                printf("No Quectel module, EDL, memory-debug or fastboot device found.\n");
        } else {
                printf("%-8s %-13s %-10s %s\n", "DEVICE", "MODE", "USB ID", "PORTS");
                for (size_t i = 0; i < n; i++) {
                        const struct sf_device *d = &list[i];
                        printf("%-8s %-13s %04x:%04x  %s%s%s%s%s%s\n", d->name,
                               sf_device_mode_to_string(d->mode), d->vid, d->pid,
                               d->at_port[0] ? "at " : "", d->at_port, d->dm_port[0] ? "  dm " : "",
                               d->dm_port, d->edl_port[0] ? "edl " : "", d->edl_port);
                }
        }
        sf_device_list_free(list);
        return n ? EXIT_OK : EXIT_NO_DEVICE;
}

const struct cli_command cmd_list = {
        .name = "list",
        .args = "",
        .summary = "list modules: state (normal, EDL, memory-debug, fastboot), USB id, ports",
        .details =
                "Devices are read from sysfs, through sd-device. Exit status 4\n"
                "when there is none.\n",
        .options = options,
        .run = run,
};
