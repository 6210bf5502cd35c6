/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Progress for people and for programs: a bar on a terminal (at most 10 redraws a second,
 * cleared before any log line), phase lines otherwise, JSON lines on stderr with --json. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static struct {
        bool tty, drawn;
        long long last_ms;
        enum sf_phase phase;
        bool started;
} ui;

static long long now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cli_progress_init(void)
{
        memset(&ui, 0, sizeof(ui));
        ui.tty = isatty(STDERR_FILENO) && !cli.json;
}

static void clear_bar(void)
{
        if (ui.drawn) {
                fputs("\r\033[K", stderr);
                ui.drawn = false;
        }
}

void cli_progress_end(void)
{
        clear_bar();
        fflush(stderr);
}

static void json_event(const struct sf_progress *p)
{
        fprintf(stderr, "{\"event\": \"progress\", \"phase\": \"%s\", \"item\": ",
                sf_phase_to_string(p->phase));
        json_write_string(stderr, p->item ? p->item : "");
        fprintf(stderr, ", \"done\": %llu, \"total\": %llu, \"overall\": %.4f}\n",
                (unsigned long long)p->done, (unsigned long long)p->total, p->overall);
}

void cli_on_progress(void *userdata, const struct sf_progress *p)
{
        long long t = now_ms();
        bool new_phase = !ui.started || p->phase != ui.phase;

        (void)userdata;
        ui.started = true;
        ui.phase = p->phase;
        if (cli.json) {
                if (new_phase || t - ui.last_ms >= 500 || p->done == p->total) {
                        json_event(p);
                        ui.last_ms = t;
                }
                return;
        }
        if (!ui.tty) {
                if (new_phase)
                        fprintf(stderr, "safeflash: %s\n", sf_phase_to_string(p->phase));
                return;
        }
        if (!new_phase && t - ui.last_ms < 100)
                return; /* at most 10 redraws a second */
        ui.last_ms = t;
        {
                int width = 30, fill = (int)(p->overall * width + 0.5);
                fprintf(stderr, "\r\033[K[%.*s%*s] %3d%% %-8s %s", fill,
                        "##############################", width - fill, "",
                        (int)(p->overall * 100 + 0.5), sf_phase_to_string(p->phase),
                        p->item ? p->item : "");
                ui.drawn = true;
        }
}

void cli_on_log(void *userdata, enum sf_log_level level, const char *text)
{
        (void)userdata;
        if (level == SF_LOG_DEBUG && cli.verbose < 2)
                return;
        if (level == SF_LOG_INFO && cli.verbose < 1)
                return;
        clear_bar();
        if (cli.json) {
                fprintf(stderr, "{\"event\": \"log\", \"level\": \"%s\", \"text\": ",
                        level == SF_LOG_WARNING ? "warning"
                        : level == SF_LOG_INFO  ? "info"
                                                : "debug");
                json_write_string(stderr, text);
                fputs("}\n", stderr);
        } else
                fprintf(stderr, "safeflash: %s%s\n", level == SF_LOG_WARNING ? "warning: " : "",
                        text);
}
