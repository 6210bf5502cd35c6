/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* NAND bad blocks as the host learns them, without getsha256digest (real MDM9x07 NAND programmers
 * have none): the Qualcomm NAND programmer scans the flash when a command first opens its storage
 * and logs every bad block ("block:%x is bad") with its progress every 100 blocks ("Bad Block
 * Check %d%% complete", logged so that the host does not time out: devprg_storage_nand.c,
 * nand_update_bbt()). The host keeps that list from the log lines, at no cost in commands, and
 * from it knows each partition's good blocks the way the programmer maps a command: from its
 * start_sector to its last_sector, bad blocks skipped (docs/sim-transport.md, "NAND bad
 * blocks"). A programmer already running (an earlier session saw its scan) leaves it unknown. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "engine/job.h"
#include "util/strutil.h"

void sf_job_bbt_note(struct sf_job *j, const char *text)
{
        struct sf_job_bbt *t = &j->bbt;
        const char *p;
        char *end;
        unsigned long long b;

        if (strstr(text, "Bad Block Check")) {
                t->seen = true;
                return;
        }
        p = strstr(text, "block:");
        if (!p || !strstr(p, " is bad"))
                return;
        errno = 0;
        b = strtoull(p + 6, &end, 16);
        if (end == p + 6 || errno || strncmp(end, " is bad", 7) != 0 || b > UINT32_MAX)
                return;
        if (t->n == SF_JOB_BBT_MAX) {
                t->overflow = true; /* then unknown: not a list to trust */
                return;
        }
        t->bad[t->n++] = (uint32_t)b;
}

bool sf_job_bbt_known(const struct sf_job *j)
{
        return j->bbt.seen && !j->bbt.overflow;
}

uint64_t sf_job_bbt_count(const struct sf_job *j)
{
        return j->bbt.n;
}

static bool is_bad(const struct sf_job *j, uint64_t block)
{
        for (uint32_t i = 0; i < j->bbt.n; i++)
                if (j->bbt.bad[i] == block)
                        return true;
        return false;
}

/* The op's blocks as the programmer maps them: start_sector / ppb .. last_sector / ppb. */
static int op_blocks(const struct sf_job *j, const struct sf_layout_op *op, uint64_t *first,
                     uint64_t *last)
{
        if (sf_layout_storage(j->layout) != SF_LAYOUT_STORAGE_NAND || !op->has_start ||
            !op->has_pages_per_block || op->pages_per_block == 0 || !op->has_last_sector ||
            op->last_sector < op->start)
                return -ENOMSG;
        *first = op->start / op->pages_per_block;
        *last = op->last_sector / op->pages_per_block;
        return 0;
}

int sf_job_good_pages(const struct sf_job *j, const struct sf_layout_op *op, uint64_t *ret)
{
        uint64_t first, last, good = 0;
        int r = op_blocks(j, op, &first, &last);

        if (r < 0)
                return r;
        if (!sf_job_bbt_known(j))
                return -ENODATA;
        for (uint64_t b = first; b <= last; b++)
                good += !is_bad(j, b);
        /* the op starts op->start % ppb pages into its first block */
        good *= op->pages_per_block;
        *ret = good > op->start % op->pages_per_block ? good - op->start % op->pages_per_block : 0;
        return 0;
}

int sf_job_map_range(const struct sf_job *j, uint64_t start, uint64_t last, uint32_t ppb,
                     uint64_t offset, uint64_t *ret)
{
        uint64_t want = (start % ppb + offset) / ppb, seen = 0; /* the logical block, from 0 */

        if (!sf_job_bbt_known(j))
                return -ENODATA;
        for (uint64_t b = start / ppb; b <= last / ppb; b++) {
                if (is_bad(j, b))
                        continue;
                if (seen++ == want) {
                        *ret = b * ppb + (start + offset) % ppb;
                        return 0;
                }
        }
        return -ENOSPC;
}

int sf_job_map_sector(const struct sf_job *j, const struct sf_layout_op *op, uint64_t offset,
                      uint64_t *ret)
{
        uint64_t first, last;

        if (op_blocks(j, op, &first, &last) < 0) {
                *ret = op->start + offset;
                return 0;
        }
        return sf_job_map_range(j, op->start, op->last_sector, op->pages_per_block, offset, ret);
}
