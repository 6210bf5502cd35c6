/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* safeflash info [-d DEV]: who a module is, and where each fact came from. */
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "safeflash/device.h"

static const struct cli_option options[] = {
        {"device", required_argument, 'd', "DEV", "the module: 1-1, usb:BUS:ADDR or a port path"},
        {0},
};

static void json_field(struct json *j, const char *key, const char *value,
                       enum sf_identity_source from)
{
        json_obj_open(j, key);
        json_str(j, "value", from ? value : NULL);
        json_str(j, "source", sf_identity_source_to_string(from));
        json_obj_close(j);
}

static void print_json(const struct sf_device *d, const struct sf_identity *id)
{
        char hex[80];
        struct json j;

        json_begin(&j, stdout);
        json_obj_open(&j, NULL);
        json_str(&j, "device", d->name);
        json_str(&j, "mode", sf_device_mode_to_string(id->mode));
        json_field(&j, "model", id->model, id->model_from);
        json_field(&j, "revision", id->revision, id->revision_from);
        json_field(&j, "firmware", id->version, id->version_from);
        json_field(&j, "imei", id->imei, id->imei_from);
        json_field(&j, "secure_boot", id->secure_boot > 0 ? "on" : "off", id->secure_boot_from);
        if (id->has_chip) {
                json_obj_open(&j, "chip");
                snprintf(hex, sizeof(hex), "0x%08x", id->chip_serial);
                json_str(&j, "serial", hex);
                snprintf(hex, sizeof(hex), "0x%08x%04x%04x", id->msm_id, id->oem_id, id->model_id);
                json_str(&j, "hw_id", hex);
                for (int i = 0; i < 32; i++)
                        snprintf(hex + 2 * i, 3, "%02x", id->pk_hash[i]);
                json_str(&j, "pk_hash", hex);
                json_str(&j, "source", "sahara");
                json_obj_close(&j);
        }
        json_bool(&j, "firehose_running", id->firehose_running);
        json_str(&j, "note", id->note[0] ? id->note : NULL);
        json_obj_close(&j);
        json_end(&j);
}

static void line(const char *label, const char *value, enum sf_identity_source from)
{
        if (from)
                printf("%-12s %s  (%s)\n", label, value, sf_identity_source_to_string(from));
}

static void print_text(const struct sf_device *d, const struct sf_identity *id)
{
        printf("%-12s %s, %s (%04x:%04x)\n", "Device", d->name, sf_device_mode_to_string(id->mode),
               d->vid, d->pid);
        line("Model", id->model, id->model_from);
        line("Firmware", id->version, id->version_from);
        line("IMEI", id->imei, id->imei_from);
        line("Secure boot", id->secure_boot > 0 ? "on" : "off", id->secure_boot_from);
        if (id->has_chip) {
                printf("%-12s 0x%08x  (sahara)\n", "Chip serial", id->chip_serial);
                printf("%-12s 0x%08x%04x%04x (MSM_ID 0x%08x)  (sahara)\n", "HW ID", id->msm_id,
                       id->oem_id, id->model_id, id->msm_id);
                printf("%-12s ", "PK hash");
                for (int i = 0; i < 32; i++)
                        printf("%02x", id->pk_hash[i]);
                printf("  (sahara)\n");
        }
        if (id->firehose_running)
                printf("%-12s a Firehose programmer is already running\n", "State");
        if (id->note[0])
                printf("%-12s %s\n", "Note", id->note);
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
        const char *spec = NULL;
        struct sf_error err = {0};
        struct sf_identity id;
        struct sf_device d;
        int c, r;

        while ((c = cli_getopt(cmd, argc, argv)) != -1) {
                if (c != 'd')
                        return EXIT_USAGE;
                spec = optarg;
        }
        if (optind != argc)
                return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
        r = sf_device_find(spec, &d, &err);
        if (r < 0) {
                fprintf(stderr, "safeflash info: %s\n", err.message);
                return r == -ENOTUNIQ ? EXIT_USAGE : EXIT_NO_DEVICE;
        }
        r = sf_device_identify(&d, &id, &err);
        if (r < 0) {
                fprintf(stderr, "safeflash info: %s\n", err.message);
                return EXIT_FAILED;
        }
        if (cli.json)
                print_json(&d, &id);
        else
                print_text(&d, &id);
        return EXIT_OK;
}

const struct cli_command cmd_info = {
        .name = "info",
        .args = "[-d DEV]",
        .summary = "who a module is: model, firmware, IMEI, chip serial, HW ID, secure boot",
        .details =
                "A running module is asked over AT (over DIAG when it has no AT port); a module\n"
                "in EDL in Sahara command mode, which uploads nothing. Every field says where it\n"
                "came from. The IMEI is checked with its Luhn digit; a version read while the\n"
                "module is still starting (…00.000) is read again.\n",
        .options = options,
        .run = run,
};
