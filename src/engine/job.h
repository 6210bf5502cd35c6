/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One run of the engine (job.c), shared by its steps: the flashing (flash.c) and the
 * device-unique partitions kept safe around it (efs.c). Internal. */
#ifndef SF_ENGINE_JOB_H
#define SF_ENGINE_JOB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "package/layout.h"
#include "package/ubi.h"
#include "proto/mibib.h"
#include "safeflash/flash.h"
#include "session/firehose_host.h"
#include "session/sahara_host.h"

/* Where a device-unique partition lives on the module (NAND: EFS2 from the MIBIB; eMMC/UFS:
 * modemst1, modemst2, fsg, fsc from the GPT of their LUN). */
struct sf_efs_region {
        char name[17];
        uint32_t lun, sector_size;
        uint64_t start, count; /* sectors (NAND: pages) */
        uint64_t disk_sectors; /* of its LUN, from the GPT; 0 when unknown (NAND) */
};
#define SF_EFS_MAX_REGIONS 8

/* The NAND's bad blocks, from the programmer's scan log (bad_blocks.c). */
#define SF_JOB_BBT_MAX 512
struct sf_job_bbt {
        bool seen;     /* the scan's progress was logged: the list below is complete */
        bool overflow; /* more than SF_JOB_BBT_MAX: not kept, unknown */
        uint32_t n;
        uint32_t bad[SF_JOB_BBT_MAX];
};

struct sf_job {
        const struct sf_flash_options *o;
        struct sf_flash_result res;
        const struct sf_layout *layout; /* of o->verified, or of own_pkg */
        sf_flash_package *own_pkg;      /* opened here when the caller gave a path only */
        struct sf_transport *t;
        struct sf_firehose_host fh;
        struct sf_chip_identity chip;
        uint8_t *prog; /* the programmer's bytes (at most SF_PROGRAMMER_MAX) */
        size_t prog_size;
        bool *skip;          /* per op: content already on the flash */
        uint8_t (*want)[32]; /* per program op: SHA-256 of what it writes */
        uint64_t phase_done, phase_total;
        enum sf_phase phase;
        const char *item;
        FILE *session;
        /* The module's device-unique partitions, from its own partition tables. */
        struct sf_efs_region efs[SF_EFS_MAX_REGIONS];
        size_t n_efs;
        bool identify_after; /* no command mode, nothing known: ask the running programmer */
        bool efs_from_package; /* the module's table unreadable: EFS2 from the package's */
        /* NAND: the module's own partition table (its MIBIB), as read before the first write. */
        bool have_module_table;
        uint32_t module_table_ppb; /* pages per eraseblock, to place its partitions in pages */
        struct sf_mibib module_table;
        struct sf_job_bbt bbt;
};

void sf_job_say(struct sf_job *j, enum sf_log_level lvl, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* The progress callback, with the phase's share of the whole run. */
void sf_job_report(struct sf_job *j);
void sf_job_enter(struct sf_job *j, enum sf_phase ph, uint64_t total);
void sf_job_advance(void *userdata, uint64_t bytes);
/* What the package pads an image with: erased NAND reads 0xff. */
uint8_t sf_job_pad_byte(const struct sf_job *j);
struct sf_fh_range sf_job_range(const struct sf_layout_op *op, char *count, size_t size);
int sf_job_readback_digest(struct sf_job *j, const struct sf_layout_op *op, uint8_t out[32],
                           struct sf_error *err);
int sf_job_open_image(const struct sf_job *j, const struct sf_layout_op *op,
                      struct sf_source_file **ret, struct sf_error *err);

/* ubi_same.c: the op's image checked as UBI (every header and data CRC), as sf_job_ubi_same()
 * checks it first: 0 when it is a sound UBI image, -ENOMSG when it is none, -EBADMSG when it is a
 * damaged one. */
int sf_job_ubi_check_image(struct sf_job *j, const struct sf_layout_op *op, struct sf_error *err);

/* ubi_same.c: whether a NAND partition holds what the op's UBI image defines (docs/ubi.md), the
 * partition (extent pages from the op's start) read back; why says which volume differs, or what
 * is kept. -ENOMSG when the image is no UBI image (or the storage not NAND): compare the bytes
 * instead; -EBADMSG when the package's image is a damaged UBI image. */
int sf_job_ubi_same(struct sf_job *j, const struct sf_layout_op *op, uint64_t extent,
                    enum sf_ubi_match *ret, char *why, size_t why_size, struct sf_error *err);

/* plan.c: the plan's verdict on one program op, kept in the result and logged. */
void sf_job_plan_note(struct sf_job *j, const struct sf_layout_op *op, enum sf_flash_verdict v,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* bad_blocks.c: the NAND's bad blocks, learned from the programmer's log lines (every line goes
 * through sf_job_bbt_note). Known once its scan was seen, and then exact. */
void sf_job_bbt_note(struct sf_job *j, const char *text);
bool sf_job_bbt_known(const struct sf_job *j);
uint64_t sf_job_bbt_count(const struct sf_job *j);
/* The pages a NAND op may use from its start, as the programmer maps it (start_sector to
 * last_sector, bad blocks skipped). -ENOMSG: not a NAND op with a last_sector; -ENODATA: the bad
 * blocks are unknown. */
int sf_job_good_pages(const struct sf_job *j, const struct sf_layout_op *op, uint64_t *ret);
/* The same for a range of pages [start, last] of pages_per_block ppb. */
int sf_job_map_range(const struct sf_job *j, uint64_t start, uint64_t last, uint32_t ppb,
                     uint64_t offset, uint64_t *ret);
/* Where the page `offset` pages into a NAND op (as a program from its start put it) is: a read
 * from that sector, with the op's last_sector, maps from there the way the op's own program did
 * (the page's block is good, and the good blocks after it are the op's next ones). Not NAND: the
 * op's start plus offset. -ENODATA: the bad blocks are unknown; -ENOSPC: past its good blocks. */
int sf_job_map_sector(const struct sf_job *j, const struct sf_layout_op *op, uint64_t offset,
                      uint64_t *ret);

/* chip.c: which chip, when the boot ROM refuses Sahara command mode. */
struct sf_programmer_info;
/* Before the upload: the chip known from before EDL (checked against the programmer), or the
 * check deferred until the programmer runs (identify_after). */
int sf_job_chip_without_command_mode(struct sf_job *j, const struct sf_programmer_info *prog,
                                     struct sf_error *err);
/* After the programmer started: its banner's chip serial, or a refusal (-EPERM) unless
 * force_unidentified. Nothing has been written yet. */
int sf_job_chip_from_programmer(struct sf_job *j, struct sf_error *err);

#endif
