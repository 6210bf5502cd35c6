/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the commands built on the safe paths share (update, backup, restore, recover): exit
 * status from an error, the result as text or JSON. */
#include <errno.h>
#include <string.h>

#include "cli.h"

int cli_exit_for(int r)
{
        switch (r) {
        case 0:
                return EXIT_OK;
        case -EINVAL:
        case -EBADMSG:
        case -ENOENT:
        case -EFBIG:
        case -ENAMETOOLONG:
        case -ELOOP:
        case -ENOTUNIQ: /* several modules, and -d did not say which */
                return EXIT_USAGE;
        case -EPERM:
                return EXIT_REFUSED;
        case -ENODEV:
        case -EBUSY: /* another safeflash works on the module */
                return EXIT_NO_DEVICE;
        default:
                return EXIT_FAILED;
        }
}

void cli_run_options(struct sf_run_options *o, const char *device)
{
        o->device = device;
        o->progress = cli_on_progress;
        o->log = cli_on_log;
}

/* The result's fields, into the JSON object being written. */
void cli_json_run_as(struct json *j, const char *result, const struct sf_run_result *res, int r,
                     const struct sf_error *err)
{
        const struct sf_identity *b = &res->before, *a = &res->after;

        json_str(j, "result", result ? result : sf_update_outcome_to_string(res->outcome));
        json_str(j, "error", r < 0 && err->message[0] ? err->message : NULL);
        json_str(j, "device", res->device[0] ? res->device : NULL);
        json_str(j, "firmware_before", b->version[0] ? b->version : NULL);
        json_str(j, "firmware_after", a->version[0] ? a->version : NULL);
        json_str(j, "imei", b->imei_from ? b->imei : NULL);
        json_str(j, "imei_after", a->imei_from ? a->imei : NULL);
        if (res->flash.identified || b->has_chip) {
                char serial[16];
                snprintf(serial, sizeof(serial), "0x%08x",
                         res->flash.identified ? res->flash.chip_serial : b->chip_serial);
                json_str(j, "chip_serial", serial);
        } else {
                json_null(j, "chip_serial");
        }
        json_str(j, "backup", res->backup_dir[0] ? res->backup_dir : NULL);
        json_str(j, "backup_sha256", res->flash.backed_up ? res->flash.backup_sha256 : NULL);
        json_bool(j, "restored", res->flash.restored);
        json_int(j, "bytes_written", (long long)res->flash.bytes_written);
        json_str(j, "session_log", res->session_log[0] ? res->session_log : NULL);
        json_int(j, "session", (long long)res->session_id);
        cli_json_plan(j, &res->flash);
}

void cli_json_plan(struct json *j, const struct sf_flash_result *f)
{
        json_arr_open(j, "plan");
        for (unsigned i = 0; i < f->plan_items; i++) {
                json_obj_open(j, NULL);
                json_str(j, "partition", f->plan[i].partition);
                json_str(j, "verdict", sf_flash_verdict_to_string(f->plan[i].verdict));
                json_str(j, "why", f->plan[i].why);
                json_obj_close(j);
        }
        json_arr_close(j);
}

void cli_print_plan(FILE *out, const struct sf_flash_result *f)
{
        for (unsigned i = 0; i < f->plan_items; i++)
                fprintf(out, "  %-12s %-8s %s\n", f->plan[i].partition,
                        sf_flash_verdict_to_string(f->plan[i].verdict), f->plan[i].why);
}

void cli_json_run(struct json *j, const struct sf_run_result *res, int r,
                  const struct sf_error *err)
{
        cli_json_run_as(j, NULL, res, r, err);
}

void cli_json_run_document(FILE *f, const struct sf_run_result *res, int r,
                           const struct sf_error *err)
{
        struct json j;

        json_begin(&j, f);
        json_obj_open(&j, NULL);
        cli_json_run(&j, res, r, err);
        json_obj_close(&j);
        json_end(&j);
}

/* A failure, for a person: what happened, where the log is, what to run next. */
void cli_print_failure(const char *command, const struct sf_run_result *res,
                       const struct sf_error *err)
{
        fprintf(stderr, "safeflash %s: %s\n", command, err->message);
        if (res->session_log[0])
                fprintf(stderr, "Session log: %s\n", res->session_log);
        if (res->backup_dir[0])
                fprintf(stderr, "EFS backup (verified): %s\n", res->backup_dir);
        if (res->outcome == SF_UPDATE_FAILED)
                fprintf(stderr, "Run 'safeflash doctor' to see what state the module is in.\n");
}
