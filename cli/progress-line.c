/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The words of a progress line: what a person watching a long write wants to know (phase,
 * partition, bytes done of total, rate, time left), and the same figures for --json. */
#include <stdio.h>
#include <string.h>

#include "progress.h"

bool cli_phase_counts_bytes(enum sf_phase ph)
{
        /* The others count steps: partitions compared, erased or verified, patches, the reset. */
        return ph == SF_PHASE_PACKAGE || ph == SF_PHASE_UPLOAD || ph == SF_PHASE_BACKUP ||
               ph == SF_PHASE_PROGRAM;
}

void cli_progress_rate(const struct sf_progress *p, double seconds, double *ret_rate,
                       double *ret_left)
{
        double rate = -1, left = -1;

        /* A rate needs a second of data; a time left needs a rate. */
        if (cli_phase_counts_bytes(p->phase) && seconds >= 1.0 && p->done > 0) {
                rate = (double)p->done / seconds;
                if (p->total >= p->done)
                        left = (double)(p->total - p->done) / rate;
        }
        *ret_rate = rate;
        *ret_left = left;
}

static void format_time(char *buf, size_t n, double seconds)
{
        unsigned long s = (unsigned long)(seconds + 0.5);

        if (s >= 3600)
                snprintf(buf, n, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
        else
                snprintf(buf, n, "%lu:%02lu", s / 60, s % 60);
}

/* "31.2/82.1 MB  4.0 MB/s  0:13 left", or "3/10" for a phase that counts steps. */
static void format_amounts(char *buf, size_t n, const struct sf_progress *p, double seconds)
{
        double rate, left;
        char t[16] = "-:--";

        if (!p->total) {
                buf[0] = '\0';
                return;
        }
        if (!cli_phase_counts_bytes(p->phase)) {
                snprintf(buf, n, "%llu/%llu", (unsigned long long)p->done,
                         (unsigned long long)p->total);
                return;
        }
        cli_progress_rate(p, seconds, &rate, &left);
        if (left >= 0)
                format_time(t, sizeof(t), left);
        if (rate >= 0)
                snprintf(buf, n, "%.1f/%.1f MB  %.1f MB/s  %s left", (double)p->done / 1e6,
                         (double)p->total / 1e6, rate / 1e6, t);
        else
                snprintf(buf, n, "%.1f/%.1f MB  -.- MB/s  %s left", (double)p->done / 1e6,
                         (double)p->total / 1e6, t);
}

void cli_progress_line(char *buf, size_t n, const struct sf_progress *p, double seconds,
                       int columns)
{
        enum { BAR = 20 };
        char amounts[96];
        double overall = p->overall < 0 ? 0 : p->overall > 1 ? 1 : p->overall;
        int fill = (int)(overall * BAR + 0.5);

        format_amounts(amounts, sizeof(amounts), p, seconds);
        snprintf(buf, n, "[%.*s%*s] %3d%%  %-8s %-10s %s", fill, "####################",
                 BAR - fill, "", (int)(overall * 100 + 0.5), sf_phase_to_string(p->phase),
                 p->item ? p->item : "", amounts);
        /* Never wider than the terminal: a wrapped line cannot be redrawn in place. */
        if (columns > 1 && strlen(buf) >= (size_t)columns)
                buf[columns - 1] = '\0';
}

void cli_progress_summary(char *buf, size_t n, const struct sf_progress *p)
{
        if (cli_phase_counts_bytes(p->phase) && p->total)
                snprintf(buf, n, "%s (%.1f MB)", sf_phase_to_string(p->phase),
                         (double)p->total / 1e6);
        else
                snprintf(buf, n, "%s", sf_phase_to_string(p->phase));
}
