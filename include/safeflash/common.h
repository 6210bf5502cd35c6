/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Definitions shared by every public safeflash header. */
#ifndef SAFEFLASH_COMMON_H
#define SAFEFLASH_COMMON_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define SF_EXPORT __attribute__((visibility("default")))
#else
#define SF_EXPORT
#endif

/* Human-readable detail of the last failure of a call that takes one. Functions return a negative
 * errno; when they fail and were given a non-NULL sf_error they also describe the failure here
 * (for a file, naming the file and line). */
#define SF_ERROR_MAX 512
struct sf_error {
        char message[SF_ERROR_MAX];
};

/* The library's version, "MAJOR.MINOR.PATCH". */
SF_EXPORT const char *sf_library_version(void);

#ifdef __cplusplus
}
#endif

#endif
