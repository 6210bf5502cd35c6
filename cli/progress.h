/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef SF_CLI_PROGRESS_H
#define SF_CLI_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "safeflash/flash.h"

/* The phases whose done/total are bytes (the others count steps). */
bool cli_phase_counts_bytes(enum sf_phase ph);
/* Bytes a second and seconds left of a phase that has run for SECONDS; -1 when not known yet
 * (a phase that counts steps, or less than a second of it). */
void cli_progress_rate(const struct sf_progress *p, double seconds, double *ret_rate,
                       double *ret_left);
/* The bar line: "[####      ]  45%  program  modem  31.2/82.1 MB  4.0 MB/s  0:13 left", cut to
 * fit COLUMNS (0: no limit). */
void cli_progress_line(char *buf, size_t n, const struct sf_progress *p, double seconds,
                       int columns);
/* A phase as one line of a log: "program (82.1 MB)". */
void cli_progress_summary(char *buf, size_t n, const struct sf_progress *p);

#endif
