/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* safeflash history [IMEI|SERIAL]: what firmware did this module have, and when? */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "safeflash/history.h"

static const struct cli_option options[] = {
        {0},
};

static const char *when(int64_t t, char *buf, size_t size)
{
        time_t tt = (time_t)t;
        struct tm tm;

        if (!t)
                return "-";
        gmtime_r(&tt, &tm);
        strftime(buf, size, "%Y-%m-%d %H:%M:%SZ", &tm);
        return buf;
}

static void print_modules(const sf_history_report *r)
{
        char t[32];

        printf("%-16s %-12s %-10s %s\n", "IMEI", "CHIP SERIAL", "MODEL", "LAST SEEN");
        for (size_t i = 0; i < sf_history_report_n_modules(r); i++) {
                const struct sf_history_module *m = sf_history_report_module(r, i);
                char serial[16] = "-";
                if (m->has_chip_serial)
                        snprintf(serial, sizeof(serial), "0x%08x", m->chip_serial);
                printf("%-16s %-12s %-10s %s\n", m->imei ? m->imei : "-", serial,
                       m->model ? m->model : "-", when(m->last_seen, t, sizeof(t)));
        }
}

static void print_module(const sf_history_report *r, const char *lkg)
{
        char t[32];

        print_modules(r);
        printf("\nLast known good firmware: %s\n\nInstalls:\n", lkg ? lkg : "unknown");
        for (size_t i = 0; i < sf_history_report_n_installs(r); i++) {
                const struct sf_history_install *in = sf_history_report_install(r, i);
                printf("  %s  %s -> %s\n", when(in->installed_at, t, sizeof(t)),
                       in->from_version ? in->from_version : "?", in->to_version);
        }
        printf("\nSessions:\n");
        for (size_t i = 0; i < sf_history_report_n_sessions(r); i++) {
                const struct sf_history_session *s = sf_history_report_session(r, i);
                printf("  #%lld %s  %-7s %-11s %s -> %s%s%s\n", (long long)s->id,
                       when(s->started_at, t, sizeof(t)), sf_history_kind_to_string(s->kind),
                       sf_history_outcome_to_string(s->outcome),
                       s->from_version ? s->from_version : "?", s->to_version ? s->to_version : "?",
                       s->error ? "\n      " : "", s->error ? s->error : "");
                if (s->log_path)
                        printf("      log: %s\n", s->log_path);
        }
        printf("\nBackups:\n");
        for (size_t i = 0; i < sf_history_report_n_backups(r); i++) {
                const struct sf_history_backup *b = sf_history_report_backup(r, i);
                printf("  %s  %s%s\n", when(b->created_at, t, sizeof(t)), b->path,
                       b->verified ? " (verified)" : "");
        }
}

static void json_sessions(struct json *j, const sf_history_report *r)
{
        json_arr_open(j, "sessions");
        for (size_t i = 0; i < sf_history_report_n_sessions(r); i++) {
                const struct sf_history_session *s = sf_history_report_session(r, i);
                json_obj_open(j, NULL);
                json_int(j, "id", s->id);
                json_str(j, "kind", sf_history_kind_to_string(s->kind));
                json_str(j, "outcome", sf_history_outcome_to_string(s->outcome));
                json_str(j, "from", s->from_version);
                json_str(j, "to", s->to_version);
                json_str(j, "error", s->error);
                json_str(j, "log", s->log_path);
                json_int(j, "started_at", s->started_at);
                json_arr_open(j, "steps");
                for (size_t k = 0; k < s->n_steps; k++) {
                        json_obj_open(j, NULL);
                        json_str(j, "name", s->steps[k].name);
                        json_str(j, "state", sf_history_step_state_to_string(s->steps[k].state));
                        json_str(j, "detail", s->steps[k].detail);
                        json_obj_close(j);
                }
                json_arr_close(j);
                json_obj_close(j);
        }
        json_arr_close(j);
}

static void print_json(const sf_history_report *r, const char *lkg)
{
        struct json j;

        json_begin(&j, stdout);
        json_obj_open(&j, NULL);
        json_arr_open(&j, "modules");
        for (size_t i = 0; i < sf_history_report_n_modules(r); i++) {
                const struct sf_history_module *m = sf_history_report_module(r, i);
                char serial[16];
                snprintf(serial, sizeof(serial), "0x%08x", m->chip_serial);
                json_obj_open(&j, NULL);
                json_str(&j, "imei", m->imei);
                json_str(&j, "chip_serial", m->has_chip_serial ? serial : NULL);
                json_str(&j, "model", m->model);
                json_int(&j, "last_seen", m->last_seen);
                json_obj_close(&j);
        }
        json_arr_close(&j);
        json_str(&j, "last_known_good", lkg);
        json_sessions(&j, r);
        json_obj_close(&j);
        json_end(&j);
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
        struct sf_error err = {0};
        sf_history *h = NULL;
        sf_history_report *r = NULL;
        char *lkg = NULL;
        int c, ret;

        while ((c = cli_getopt(cmd, argc, argv)) != -1)
                if (c == '?')
                        return EXIT_USAGE;
        if (argc - optind > 1)
                return cli_usage_error(cmd, "expected at most one IMEI or chip serial");
        ret = sf_history_open(NULL, &h, &err);
        if (ret >= 0 && optind < argc) {
                ret = sf_history_module_report(h, argv[optind], &r, &err);
                if (ret >= 0)
                        sf_history_last_known_good(h, argv[optind], &lkg, NULL, NULL, NULL);
        } else if (ret >= 0) {
                ret = sf_history_modules(h, 0, 1000, &r, &err);
        }
        if (ret < 0) {
                fprintf(stderr, "safeflash history: %s\n", err.message);
                sf_history_close(h);
                return ret == -ENOENT ? EXIT_NO_DEVICE : ret == -EINVAL ? EXIT_USAGE : EXIT_FAILED;
        }
        if (cli.json)
                print_json(r, lkg);
        else if (optind < argc)
                print_module(r, lkg);
        else
                print_modules(r);
        free(lkg);
        sf_history_report_free(r);
        sf_history_close(h);
        return EXIT_OK;
}

const struct cli_command cmd_history = {
        .name = "history",
        .args = "[IMEI|SERIAL]",
        .summary = "every module safeflash touched; for one: firmware, sessions, backups",
        .details =
                "Without an argument, the modules in the history ($XDG_STATE_HOME/safeflash/\n"
                "history.db). With an IMEI or a chip serial (0x0cf94c64): the firmware it had and\n"
                "when, every session with its steps and log, its backups, and the last known good\n"
                "firmware. Exit status 4 when the module is not in the history.\n",
        .options = options,
        .run = run,
};
