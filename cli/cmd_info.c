/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* safeflash info [-d DEV] [--hash-imei]: who a module is, and where each fact came from. */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "cli.h"
#include "safeflash/device.h"

enum {
        OPT_HASH_IMEI = 0x100,
};

static const struct cli_option options[] = {
        {"device", required_argument, 'd', "DEV", "the module: 1-1, usb:BUS:ADDR or a port path"},
        {"hash-imei", no_argument, OPT_HASH_IMEI, NULL,
         "show the SHA-256 of the IMEI (hex) instead of the IMEI"},
        {0},
};

#define IMEI_SHA256_SIZE (2 * 32 + 1)

/* The hex SHA-256 of the IMEI's digits: a fleet server can group and match modules by it
 * without holding the IMEI. */
static int hash_imei(const char *imei, char ret[static IMEI_SHA256_SIZE])
{
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;

        if (!EVP_Digest(imei, strlen(imei), md, &len, EVP_sha256(), NULL) || len != 32)
                return -EIO;
        for (unsigned i = 0; i < len; i++)
                snprintf(ret + 2 * i, 3, "%02x", md[i]);
        return 0;
}

static void json_field(struct json *j, const char *key, const char *value,
                       enum sf_identity_source from)
{
        json_obj_open(j, key);
        json_str(j, "value", from ? value : NULL);
        json_str(j, "source", sf_identity_source_to_string(from));
        json_obj_close(j);
}

/* The facts a fleet server groups by, flat: one object of strings, named as Mender inventory
 * attributes (mender-inventory-safeflash prints them as they are). */
static void json_inventory(struct json *j, const struct sf_identity *id, const char *imei_sha)
{
        json_obj_open(j, "inventory");
        json_str(j, "modem_model", id->model_from ? id->model : NULL);
        json_str(j, "modem_firmware", id->version_from ? id->version : NULL);
        if (imei_sha)
                json_str(j, "modem_imei_sha256", id->imei_from ? imei_sha : NULL);
        else
                json_str(j, "modem_imei", id->imei_from ? id->imei : NULL);
        json_obj_close(j);
}

/* imei_sha: the IMEI's SHA-256 in hex, shown instead of the IMEI; NULL shows the IMEI. */
static void print_json(const struct sf_device *d, const struct sf_identity *id,
                       const char *imei_sha)
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
        if (imei_sha)
                json_field(&j, "imei_sha256", imei_sha, id->imei_from);
        else
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
        json_inventory(&j, id, imei_sha);
        json_obj_close(&j);
        json_end(&j);
}

static void line(const char *label, const char *value, enum sf_identity_source from)
{
        if (from)
                printf("%-12s %s  (%s)\n", label, value, sf_identity_source_to_string(from));
}

static void print_text(const struct sf_device *d, const struct sf_identity *id,
                       const char *imei_sha)
{
        printf("%-12s %s, %s (%04x:%04x)\n", "Device", d->name, sf_device_mode_to_string(id->mode),
               d->vid, d->pid);
        line("Model", id->model, id->model_from);
        line("Firmware", id->version, id->version_from);
        if (imei_sha)
                line("IMEI SHA-256", imei_sha, id->imei_from);
        else
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
        char imei_sha[IMEI_SHA256_SIZE] = "";
        bool hashed = false;
        int c, r;

        while ((c = cli_getopt(cmd, argc, argv)) != -1) {
                if (c == 'd')
                        spec = optarg;
                else if (c == OPT_HASH_IMEI)
                        hashed = true;
                else
                        return EXIT_USAGE;
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
        if (hashed && id.imei_from && hash_imei(id.imei, imei_sha) < 0) {
                fprintf(stderr, "safeflash info: cannot compute the SHA-256 of the IMEI\n");
                return EXIT_FAILED;
        }
        if (cli.json)
                print_json(&d, &id, hashed ? imei_sha : NULL);
        else
                print_text(&d, &id, hashed ? imei_sha : NULL);
        return EXIT_OK;
}

const struct cli_command cmd_info = {
        .name = "info",
        .args = "[-d DEV] [--hash-imei]",
        .summary = "who a module is: model, firmware, IMEI, chip serial, HW ID, secure boot",
        .details =
                "A running module is asked over AT (over DIAG when it has no AT port); a module\n"
                "in EDL in Sahara command mode, which uploads nothing. Every field says where it\n"
                "came from. The IMEI is checked with its Luhn digit; a version read while the\n"
                "module is still starting (…00.000) is read again.\n\n"
                "With --json, \"inventory\" repeats model, firmware and IMEI as flat strings\n"
                "named as fleet inventory attributes (modem_model, modem_firmware, modem_imei).\n"
                "--hash-imei replaces the IMEI everywhere by the hex SHA-256 of its 15 digits\n"
                "(imei_sha256, modem_imei_sha256), for servers that must not hold IMEIs.\n",
        .options = options,
        .run = run,
};
