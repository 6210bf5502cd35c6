/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A backup's manifest.json (written by efs.c), read back for a restore: a small, bounded
 * reader of the fields safeflash itself writes, nothing more (manifest.c). Internal. */
#ifndef SF_ENGINE_MANIFEST_H
#define SF_ENGINE_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "engine/job.h"

struct sf_manifest_part {
        char name[17], file[32], sha256[65];
        uint64_t lun, start, count, sector_size;
};

struct sf_manifest {
        uint64_t chip_serial;
        struct sf_manifest_part part[SF_EFS_MAX_REGIONS];
        size_t n;
};

/* doc: len bytes, NUL-terminated at doc[len]. 0, or -ENOKEY (no chip serial), -ENOENT (no
 * partition), -EBADMSG (partition m->n + 1 malformed: a field missing or out of range, a file
 * name that is not a plain name, a SHA-256 that is not 64 hex digits, too many partitions). */
int sf_manifest_parse(const char *doc, size_t len, struct sf_manifest *m);

#endif
