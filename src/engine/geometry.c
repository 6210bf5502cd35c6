/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every line of the package inside the module's storage, checked before the first write: the
 * size of each LUN (NAND: the whole flash, its good blocks and the bad ones the programmer
 * listed) from the programmer's getstorageinfo. A package
 * made for a module with more storage is refused with nothing erased, instead of failing
 * half-way with the boot chain already gone. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>

#include "engine/geometry.h"
#include "session/firehose_host.h"
#include "util/strutil.h"

#define MAX_LUNS 8

/* The LUN's size in the op's sectors (NAND pages), or 0 when the programmer does not say. */
static uint64_t lun_sectors(struct sf_job *j, const struct sf_layout_op *op)
{
        bool nand = sf_layout_storage(j->layout) == SF_LAYOUT_STORAGE_NAND;
        uint64_t blocks = 0;
        struct sf_error e = {0};

        if (sf_fh_storage_blocks(&j->fh, op->lun, &blocks, &e) < 0) {
                sf_job_say(j, SF_LOG_WARNING,
                           "the programmer does not tell the size of LUN %u (%s): the package's "
                           "lines are not checked against it",
                           op->lun, e.message);
                return 0;
        }
        if (!nand) /* eMMC/UFS: total_blocks counts the LUN's sectors */
                return blocks;
        /* NAND: total_blocks counts the good blocks (devprg_storage_nand_get_info()); the flash
         * is that and the bad ones, known from the programmer's scan (bad_blocks.c) */
        if (!sf_job_bbt_known(j)) {
                sf_job_say(j, SF_LOG_WARNING,
                           "the programmer did not list the NAND's bad blocks: the package's "
                           "lines are not checked against the size of the flash");
                return 0;
        }
        blocks += sf_job_bbt_count(j);
        if (!op->has_pages_per_block || blocks > UINT64_MAX / op->pages_per_block)
                return 0;
        return blocks * op->pages_per_block;
}

static int outside(const struct sf_layout_op *op, uint64_t sectors, struct sf_error *err)
{
        return sf_error_set(err, -EPERM,
                            "%s line %lu: %s%s%s at sectors %" PRIu64 "+%" PRIu64
                            " lies past the end of the module's storage (LUN %u: %" PRIu64
                            " sectors of %u bytes, %" PRIu64
                            " MiB): the package is made for a module with more storage; "
                            "nothing was written",
                            op->xml, op->line, sf_layout_op_kind_to_string(op->kind),
                            op->label && *op->label ? " " : "", op->label ? op->label : "",
                            op->start, op->num_sectors, op->lun, sectors, op->sector_size,
                            sectors / (1024 * 1024 / op->sector_size));
}

int sf_geometry_check(struct sf_job *j, struct sf_error *err)
{
        uint64_t size[MAX_LUNS] = {0};
        bool asked[MAX_LUNS] = {false};

        for (size_t i = 0; i < sf_layout_op_count(j->layout); i++) {
                const struct sf_layout_op *op = sf_layout_op(j->layout, i);
                uint64_t s;
                if (op->lun >= MAX_LUNS || !op->has_start || !op->has_num_sectors)
                        continue;
                if (!asked[op->lun]) {
                        asked[op->lun] = true;
                        size[op->lun] = lun_sectors(j, op);
                }
                s = size[op->lun];
                /* Preflight refused ranges that wrap: start + count is exact. */
                if (s && (op->start >= s || op->num_sectors > s - op->start))
                        return outside(op, s, err);
        }
        return 0;
}

/* NAND: every image inside its partition's good blocks (bad_blocks.c knows them). */
static int does_not_fit(const struct sf_layout_op *op, uint64_t good, struct sf_error *err)
{
        const uint64_t ppb = op->pages_per_block;

        return sf_error_set(err, -EPERM,
                            "%s: the image needs %" PRIu64 " blocks but its partition (blocks "
                            "%" PRIu64 "..%" PRIu64 ") has only %" PRIu64 " good blocks: the "
                            "module's NAND has bad blocks there; nothing was written",
                            op->label && *op->label ? op->label : op->filename,
                            (op->start % ppb + op->write_sectors + ppb - 1) / ppb, op->start / ppb,
                            op->last_sector / ppb, (good + op->start % ppb) / ppb);
}

int sf_job_check_good_blocks(struct sf_job *j, struct sf_error *err)
{
        bool warned = false;

        for (size_t i = 0; i < sf_layout_op_count(j->layout); i++) {
                const struct sf_layout_op *op = sf_layout_op(j->layout, i);
                uint64_t good;
                int r;
                if (op->kind != SF_LAYOUT_OP_PROGRAM || !op->path)
                        continue;
                r = sf_job_good_pages(j, op, &good);
                if (r == -ENODATA && !warned) {
                        warned = true;
                        sf_job_say(j, SF_LOG_WARNING,
                                   "the programmer did not list the NAND's bad blocks (it was "
                                   "running already): whether each image fits its partition's "
                                   "good blocks is not checked before writing");
                }
                if (r < 0)
                        continue;
                if (op->write_sectors > good)
                        return does_not_fit(op, good, err);
        }
        if (sf_job_bbt_known(j) && j->bbt.n)
                sf_job_say(j, SF_LOG_INFO, "the NAND has %" PRIu32 " bad block(s)", j->bbt.n);
        return 0;
}
