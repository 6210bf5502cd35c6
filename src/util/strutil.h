/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef SF_UTIL_STRUTIL_H
#define SF_UTIL_STRUTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "safeflash/common.h"

/* Copy at most n bytes of src into dst (size dstsz), always NUL-terminated.
 * Returns -ENAMETOOLONG (and copies nothing) when it would not fit. */
int sf_strlcpy_n(char *dst, size_t dstsz, const char *src, size_t n);
int sf_strlcpy(char *dst, size_t dstsz, const char *src);

bool sf_startswith(const char *s, const char *prefix);
bool sf_endswith_ci(const char *s, size_t len, const char *suffix);

/* Remove leading and trailing ASCII white space in place; returns s. */
char *sf_strstrip(char *s);

/* Fill err (may be NULL) with a formatted message; returns code, so callers can
 * `return sf_error_set(err, -EINVAL, "...")`. */
int sf_error_set(struct sf_error *err, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* printf into a freshly allocated string; NULL when out of memory. */
char *sf_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Read a whole regular file of at most max bytes (plus a terminating NUL, not counted in
 * *ret_len). -EFBIG when it is larger. */
int sf_read_file(const char *path, size_t max, char **ret_buf, size_t *ret_len);
/* fopen() for a file that may hold an IMEI or a chip serial: created 0600 (an existing file
 * keeps its mode), close-on-exec; append or truncate. NULL with errno on failure. */
FILE *sf_fopen_private(const char *path, bool append);

#endif
