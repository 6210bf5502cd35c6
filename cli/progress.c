/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Progress for people and for programs: a bar on a terminal (phase, partition, bytes, rate,
 * time left; at most 10 redraws a second, cleared before any log line), one line per phase
 * otherwise, JSON lines on stderr with --json. */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "progress.h"

static struct {
        bool tty, drawn;
        long long last_ms, phase_ms; /* last drawn or sent; the current phase's start */
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

static int columns(void)
{
        struct winsize ws;

        return ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 ? ws.ws_col : 0;
}

/* rate (bytes a second) and seconds_left once known; unit says what done and total count. */
static void json_event(const struct sf_progress *p, double seconds)
{
        double rate, left;

        fprintf(stderr, "{\"event\": \"progress\", \"phase\": \"%s\", \"item\": ",
                sf_phase_to_string(p->phase));
        json_write_string(stderr, p->item ? p->item : "");
        fprintf(stderr, ", \"done\": %llu, \"total\": %llu, \"overall\": %.4f, \"unit\": \"%s\"",
                (unsigned long long)p->done, (unsigned long long)p->total, p->overall,
                cli_phase_counts_bytes(p->phase) ? "bytes" : "steps");
        cli_progress_rate(p, seconds, &rate, &left);
        if (rate >= 0)
                fprintf(stderr, ", \"rate\": %.0f", rate);
        if (left >= 0)
                fprintf(stderr, ", \"seconds_left\": %.1f", left);
        fputs("}\n", stderr);
}

void cli_on_progress(void *userdata, const struct sf_progress *p)
{
        long long t = now_ms();
        bool new_phase = !ui.started || p->phase != ui.phase;
        char line[512];

        (void)userdata;
        ui.started = true;
        ui.phase = p->phase;
        if (new_phase)
                ui.phase_ms = t;
        if (cli.json) {
                if (new_phase || t - ui.last_ms >= 500 || p->done == p->total) {
                        json_event(p, (double)(t - ui.phase_ms) / 1000);
                        ui.last_ms = t;
                }
                return;
        }
        if (!ui.tty) {
                if (new_phase) {
                        cli_progress_summary(line, sizeof(line), p);
                        fprintf(stderr, "safeflash: %s\n", line);
                }
                return;
        }
        if (ui.last_ms && t - ui.last_ms < 100)
                return; /* at most 10 redraws a second, a new phase included */
        ui.last_ms = t;
        cli_progress_line(line, sizeof(line), p, (double)(t - ui.phase_ms) / 1000, columns());
        fprintf(stderr, "\r\033[K%s", line);
        ui.drawn = true;
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
