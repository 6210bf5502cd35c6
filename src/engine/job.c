/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One run of the engine: what its steps (flash, EFS backup and restore, verify) share — the
 * phase and its progress, the log, an op's image and its read-back digest. */
#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/job.h"
#include "package/source.h"
#include "util/cleanup.h"
#include "util/strutil.h"

/* Share of the whole run each phase takes, for one progress figure. */
static const double weights[] = {
        [SF_PHASE_PACKAGE] = 0.05, [SF_PHASE_IDENTIFY] = 0.01, [SF_PHASE_UPLOAD] = 0.02,
        [SF_PHASE_PREPARE] = 0.04, [SF_PHASE_BACKUP] = 0.06,   [SF_PHASE_ERASE] = 0.06,
        [SF_PHASE_PROGRAM] = 0.64, [SF_PHASE_VERIFY] = 0.09,   [SF_PHASE_PATCH] = 0.01,
        [SF_PHASE_RESET] = 0.02,   [SF_PHASE_DONE] = 0.0,
};

const char *sf_phase_to_string(enum sf_phase p)
{
        static const char *const names[] = {"package", "identify", "upload",  "prepare",
                                            "backup",  "erase",    "program", "verify",
                                            "patch",   "reset",    "done"};
        return (unsigned)p < sizeof(names) / sizeof(*names) ? names[p] : "invalid";
}

void sf_job_say(struct sf_job *j, enum sf_log_level lvl, const char *fmt, ...)
{
        char text[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        if (j->t)
                sf_transport_note(j->t, "%s", text);
        if (j->o->log)
                j->o->log(j->o->userdata, lvl, text);
}

void sf_job_report(struct sf_job *j)
{
        struct sf_progress p = {
                .phase = j->phase, .item = j->item, .done = j->phase_done, .total = j->phase_total};
        double before = 0;

        if (!j->o->progress)
                return;
        for (int i = 0; i < (int)j->phase; i++)
                before += weights[i];
        p.overall = before + (j->phase_total ? weights[j->phase] * (double)j->phase_done /
                                                       (double)j->phase_total
                                             : 0);
        j->o->progress(j->o->userdata, &p);
}

void sf_job_enter(struct sf_job *j, enum sf_phase ph, uint64_t total)
{
        j->phase = ph;
        j->phase_done = 0;
        j->phase_total = total;
        j->item = NULL;
        sf_job_report(j);
}

void sf_job_advance(void *userdata, uint64_t bytes)
{
        struct sf_job *j = userdata;

        j->phase_done += bytes;
        sf_job_report(j);
}

struct sf_fh_range sf_job_range(const struct sf_layout_op *op, char *count, size_t size)
{
        struct sf_fh_range r = {.sector_size = op->sector_size,
                                .lun = op->lun,
                                .start_sector = op->start_text ? op->start_text : "0",
                                .num_sectors = op->kind == SF_LAYOUT_OP_PROGRAM
                                                       ? op->write_sectors
                                                       : op->num_sectors,
                                .pages_per_block =
                                        op->has_pages_per_block ? op->pages_per_block : 0,
                                .label = op->label && *op->label ? op->label : NULL};

        if (op->has_last_sector && count) {
                snprintf(count, size, "%" PRIu64, op->last_sector);
                r.last_sector = count;
        }
        return r;
}

uint8_t sf_job_pad_byte(const struct sf_job *j)
{
        return sf_layout_storage(j->layout) == SF_LAYOUT_STORAGE_NAND ? 0xff : 0x00;
}

/* An op's image, positioned at the first byte it writes. */
int sf_job_open_image(const struct sf_job *j, const struct sf_layout_op *op,
                      struct sf_source_file **ret, struct sf_error *err)
{
        _cleanup_(sf_source_file_freep) struct sf_source_file *f = NULL;
        int r;

        r = sf_layout_open_file(j->layout, op->path, &f, err);
        if (r >= 0 && sf_source_file_size(f) != op->file_size)
                r = sf_error_set(err, -EBADMSG, "%s: changed since the package was read",
                                 op->filename);
        if (r >= 0)
                r = sf_source_skip(f, op->file_sector_offset * op->sector_size, err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(f);
        return 0;
}

static int hash_piece(void *userdata, const uint8_t *buf, size_t n)
{
        return EVP_DigestUpdate(userdata, buf, n) ? 0 : -EIO;
}

/* The op's pages in one <read> from its start, streamed: lines up whatever the bad blocks. */
static int stream_digest(struct sf_job *j, const struct sf_layout_op *op, EVP_MD_CTX *ctx,
                         struct sf_error *err)
{
        char start[24], last[24];
        struct sf_fh_range rg = sf_job_range(op, last, sizeof(last));

        snprintf(start, sizeof(start), "%" PRIu64, op->start);
        rg.start_sector = start;
        rg.num_sectors = op->write_sectors;
        return sf_fh_read_stream(&j->fh, &rg, hash_piece, ctx, err);
}

/* The op's pages in 1 MiB reads, each where the program from the op's start put it. */
static int pieces_digest(struct sf_job *j, const struct sf_layout_op *op, uint64_t first,
                         uint8_t *buf, EVP_MD_CTX *ctx, struct sf_error *err)
{
        const uint64_t per = (1 << 20) / op->sector_size;
        int r = 0;

        for (uint64_t s = 0; r == 0 && s < op->write_sectors; s += per) {
                char start[24], last[24];
                struct sf_fh_range rg = sf_job_range(op, last, sizeof(last));
                uint64_t at = first + s;
                int m = op->has_start ? sf_job_map_sector(j, op, s, &at) : 0;
                if (m < 0 && m != -ENODATA)
                        r = sf_error_set(err, m, "%s: past its partition's good blocks",
                                         op->label);
                snprintf(start, sizeof(start), "%" PRIu64, m < 0 ? first + s : at);
                rg.start_sector = start;
                rg.num_sectors = op->write_sectors - s < per ? op->write_sectors - s : per;
                if (r == 0)
                        r = sf_fh_read(&j->fh, &rg, buf, err);
                if (r == 0)
                        EVP_DigestUpdate(ctx, buf, rg.num_sectors * op->sector_size);
        }
        return r;
}

/* Read back and hash, for programmers without getsha256digest, in bounded pieces. A NAND
 * programmer maps a read from its own start_sector around bad blocks, so each piece starts where
 * the program from the op's start put that page (sf_job_map_sector); with the bad blocks unknown
 * (a programmer that was running already) all in one streamed <read> from the op's start. */
int sf_job_readback_digest(struct sf_job *j, const struct sf_layout_op *op, uint8_t out[32],
                           struct sf_error *err)
{
        _cleanup_free_ uint8_t *buf = malloc(1 << 20);
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        unsigned len = 32;
        uint64_t first = op->start, disk = 0;
        int r = !buf || !ctx ? -ENOMEM : 0;

        /* A start relative to the disk's end (NUM_DISK_SECTORS-5.): the programmer's size. */
        if (r == 0 && !op->has_start &&
            (!op->start_text || sf_fh_storage_blocks(&j->fh, op->lun, &disk, NULL) < 0 ||
             sf_firehose_eval_sector(op->start_text, disk, &first) < 0))
                r = sf_error_set(err, -EOPNOTSUPP,
                                 "cannot read back %s: its start is an expression the "
                                 "programmer gives no disk size for",
                                 op->label);
        if (r == 0 && !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
                r = -EIO;
        if (r == 0 && op->has_start && sf_job_map_sector(j, op, 0, &disk) == -ENODATA)
                r = stream_digest(j, op, ctx, err); /* bad blocks unknown: one <read> */
        else if (r == 0)
                r = pieces_digest(j, op, first, buf, ctx, err);
        if (r == 0)
                EVP_DigestFinal_ex(ctx, out, &len);
        EVP_MD_CTX_free(ctx);
        return r;
}
