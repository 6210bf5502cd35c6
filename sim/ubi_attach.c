/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the module's Linux does to a UBI partition when it boots, so that a partition read back
 * from a module that ran is never the image that was flashed (docs/sim-transport.md, "UBI at
 * boot"). Each step is the kernel's:
 *   - attach (drivers/mtd/ubi/attach.c): every eraseblock's EC header is read; one whose image
 *     sequence number differs from the others' makes the attach fail ("bad image sequence
 *     number"): a leftover of another image in a partition that was not erased before;
 *   - erased eraseblocks get an EC header with the mean erase counter (wl.c, erase_worker);
 *   - the first attach grows the autoresize volume to the free eraseblocks and clears its flag
 *     (vtbl.c, autoresize()), less the eraseblocks UBI keeps for bad blocks (20 per 1024,
 *     CONFIG_MTD_UBI_BEB_LIMIT) and for wear levelling (1, WL_RESERVED_PEBS); the volume table is
 *     written again, both copies, to other eraseblocks with new sequence numbers;
 *   - the read-write file system writes (fs/ubifs: an empty volume is formatted at the first mount,
 *     then written as the module runs): LEBs of usrfs are written to free eraseblocks, the old
 *     copies erased;
 *   - wear levelling moves a LEB now and then to another eraseblock, with copy_flag, data_size and
 *     data_crc set and a new sequence number (eba.c, ubi_eba_copy_leb()), a dynamic LEB trimmed of
 *     its trailing 0xFF and aligned to a page; the old eraseblock is erased. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nand_bbt.h"
#include "proto/firehose.h"
#include "ubi.h"
#include "util/endian.h"

#define HDR         64
#define EC_MAGIC    0x55424923u
#define VID_MAGIC   0x55424921u
#define LAYOUT_ID   0x7fffefffu
#define VTBL_RECORD 172
#define VTBL_LEN    (128 * VTBL_RECORD)
#define AUTORESIZE  0x01

enum peb_state { PEB_ERASED, PEB_FREE, PEB_USED, PEB_DAMAGED, PEB_BAD };

struct peb {
        enum peb_state state;
        uint64_t ec, sqnum;
        uint32_t vol_id, lnum, data_size;
        uint8_t vol_type;
};

struct attach {
        struct sim_flash *f;
        uint64_t first_page;
        uint32_t ppb, block_bytes, vid_off, data_off, image_seq;
        uint32_t n;
        struct peb *peb;
        uint64_t max_sqnum, mean_ec;
        uint8_t *buf; /* one eraseblock */
};

static uint32_t ubi_crc(const uint8_t *p, size_t len)
{
        return ~sf_firehose_crc32(p, len);
}

static bool sealed(const uint8_t *h, uint32_t magic)
{
        return sf_be32(h) == magic && ubi_crc(h, HDR - 4) == sf_be32(h + HDR - 4);
}

static void put_be32(uint8_t *p, uint32_t v)
{
        for (int i = 0; i < 4; i++)
                p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void put_be64(uint8_t *p, uint64_t v)
{
        put_be32(p, (uint32_t)(v >> 32));
        put_be32(p + 4, (uint32_t)v);
}

static uint64_t block_page(const struct attach *a, uint32_t i)
{
        return a->first_page + (uint64_t)i * a->ppb;
}

static bool all_ff(const uint8_t *p, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (p[i] != 0xFF)
                        return false;
        return true;
}

/* Every eraseblock's headers; -EUCLEAN with why when the attach must fail. */
static int scan(struct attach *a, char *why, size_t n)
{
        uint8_t ec[HDR], vid[HDR];
        uint64_t ec_sum = 0, ec_n = 0;

        for (uint32_t i = 0; i < a->n; i++) {
                struct peb *p = &a->peb[i];
                uint64_t off = block_page(a, i) * a->f->page_size;
                if (sim_bbt_is_bad(a->f, block_page(a, i) / a->ppb)) {
                        p->state = PEB_BAD; /* MTD's table: not an eraseblock of UBI's */
                        continue;
                }
                if (sim_flash_read(a->f, off, ec, HDR) < 0)
                        return -EIO;
                if (all_ff(ec, HDR)) {
                        p->state = PEB_ERASED;
                        continue;
                }
                if (!sealed(ec, EC_MAGIC)) {
                        p->state = PEB_DAMAGED;
                        continue;
                }
                if (!a->vid_off) {
                        a->vid_off = sf_be32(ec + 16);
                        a->data_off = sf_be32(ec + 20);
                        if (a->vid_off > a->block_bytes - HDR || a->data_off >= a->block_bytes)
                                return -EUCLEAN;
                }
                if (sf_be32(ec + 24) && a->image_seq && sf_be32(ec + 24) != a->image_seq) {
                        snprintf(why, n, "bad image sequence number %u in eraseblock %u, "
                                 "expected %u", sf_be32(ec + 24), i, a->image_seq);
                        return -EUCLEAN;
                }
                if (sf_be32(ec + 24))
                        a->image_seq = sf_be32(ec + 24);
                p->ec = sf_be64(ec + 8);
                ec_sum += p->ec;
                ec_n++;
                if (sim_flash_read(a->f, off + a->vid_off, vid, HDR) < 0)
                        return -EIO;
                p->state = all_ff(vid, HDR) ? PEB_FREE : sealed(vid, VID_MAGIC) ? PEB_USED
                                                                              : PEB_DAMAGED;
                if (p->state != PEB_USED)
                        continue;
                p->vol_type = vid[5];
                p->vol_id = sf_be32(vid + 8);
                p->lnum = sf_be32(vid + 12);
                p->data_size = sf_be32(vid + 20);
                p->sqnum = sf_be64(vid + 40);
                if (p->sqnum > a->max_sqnum)
                        a->max_sqnum = p->sqnum;
        }
        a->mean_ec = ec_n ? ec_sum / ec_n : 0;
        return a->vid_off ? 0 : -ENODATA;
}

/* Erase eraseblock i and write its EC header (erase counter ec): a free eraseblock. */
static int make_free(struct attach *a, uint32_t i, uint64_t ec)
{
        uint8_t *page = a->buf;
        int r = sim_flash_erase(a->f, block_page(a, i), a->ppb);

        if (r < 0)
                return r;
        memset(page, 0xFF, a->f->page_size);
        memset(page, 0, HDR);
        put_be32(page, EC_MAGIC);
        page[4] = 1;
        put_be64(page + 8, ec);
        put_be32(page + 16, a->vid_off);
        put_be32(page + 20, a->data_off);
        put_be32(page + 24, a->image_seq);
        put_be32(page + 60, ubi_crc(page, HDR - 4));
        r = sim_flash_program(a->f, block_page(a, i), page, 1);
        a->peb[i] = (struct peb){.state = PEB_FREE, .ec = ec};
        return r;
}

/* A free eraseblock to write to: one with an EC header, else an erased one given one. */
static int take_free(struct attach *a, uint32_t *ret)
{
        for (int pass = 0; pass < 2; pass++)
                for (uint32_t i = 0; i < a->n; i++)
                        if (a->peb[i].state == (pass ? PEB_ERASED : PEB_FREE)) {
                                int r = pass ? make_free(a, i, a->mean_ec) : 0;
                                *ret = i;
                                return r;
                        }
        return -ENOSPC;
}

/* Write LEB lnum of volume vol_id (len bytes of data) to a free eraseblock; the eraseblock that
 * held it before, if any (old), is erased. copy: a wear-levelling copy, whose data_size and
 * data_crc say what was copied. */
static int write_leb(struct attach *a, uint32_t vol_id, uint8_t vol_type, uint32_t lnum,
                     const uint8_t *data, uint32_t len, bool copy, uint32_t used_ebs, int64_t old)
{
        uint32_t i, ppage = a->f->page_size, pages = (a->data_off + len + ppage - 1) / ppage;
        uint8_t *b = a->buf, *vid;
        int r = take_free(a, &i);

        if (r < 0)
                return r;
        r = sim_flash_read(a->f, block_page(a, i) * ppage, b, HDR); /* its EC header */
        if (r < 0)
                return r;
        memset(b + HDR, 0xFF, a->block_bytes - HDR);
        vid = b + a->vid_off;
        memset(vid, 0, HDR);
        put_be32(vid, VID_MAGIC);
        vid[4] = 1;
        vid[5] = vol_type;
        vid[6] = copy;
        vid[7] = vol_id == LAYOUT_ID ? 5 : 0;
        put_be32(vid + 8, vol_id);
        put_be32(vid + 12, lnum);
        if (copy || vol_type == 2) {
                put_be32(vid + 20, len);
                put_be32(vid + 32, ubi_crc(data, len));
        }
        put_be32(vid + 24, used_ebs);
        put_be64(vid + 40, ++a->max_sqnum);
        put_be32(vid + 60, ubi_crc(vid, HDR - 4));
        memcpy(b + a->data_off, data, len);
        r = sim_flash_erase(a->f, block_page(a, i), a->ppb);
        if (r >= 0)
                r = sim_flash_program(a->f, block_page(a, i), b, pages);
        if (r < 0)
                return r;
        a->peb[i] = (struct peb){.state = PEB_USED, .ec = a->peb[i].ec, .vol_id = vol_id,
                                 .lnum = lnum, .vol_type = vol_type, .sqnum = a->max_sqnum,
                                 .data_size = copy || vol_type == 2 ? len : 0};
        return old >= 0 ? make_free(a, (uint32_t)old, a->peb[old].ec + 1) : 0;
}

/* The eraseblock holding the newest copy of a LEB, or -1. */
static int64_t holder(const struct attach *a, uint32_t vol_id, uint32_t lnum)
{
        int64_t best = -1;

        for (uint32_t i = 0; i < a->n; i++)
                if (a->peb[i].state == PEB_USED && a->peb[i].vol_id == vol_id &&
                    a->peb[i].lnum == lnum && (best < 0 || a->peb[i].sqnum > a->peb[best].sqnum))
                        best = i;
        return best;
}

static uint32_t n_bad(const struct attach *a)
{
        uint32_t n = 0;

        for (uint32_t i = 0; i < a->n; i++)
                n += a->peb[i].state == PEB_BAD;
        return n;
}

/* The first attach: the autoresize volume takes the free eraseblocks; the table is written again. */
static int autoresize(struct attach *a)
{
        int64_t t = holder(a, LAYOUT_ID, 0);
        uint32_t slots = (a->block_bytes - a->data_off) / VTBL_RECORD, others = 0, grow = 128;
        uint8_t *vt;
        int r = 0;

        if (t < 0)
                return -EUCLEAN;
        slots = slots < 128 ? slots : 128;
        vt = malloc(VTBL_LEN);
        if (!vt)
                return -ENOMEM;
        memset(vt, 0, VTBL_LEN);
        r = sim_flash_read(a->f, block_page(a, (uint32_t)t) * a->f->page_size + a->data_off, vt,
                           (size_t)slots * VTBL_RECORD);
        for (uint32_t s = 0; r >= 0 && s < slots; s++) {
                uint8_t *rec = vt + s * VTBL_RECORD;
                if (rec[144] & AUTORESIZE)
                        grow = s;
                else
                        others += sf_be32(rec);
        }
        if (r >= 0 && grow < slots) {
                uint8_t *rec = vt + grow * VTBL_RECORD;
                /* bad eraseblocks count against the reserve (wl.c, ubi_calculate_reserved) */
                uint32_t bad = n_bad(a), limit = (a->n * 20 + 1023) / 1024;
                uint32_t beb = limit > bad ? limit - bad : 0, used = 2 + 1 + beb + others;
                uint32_t good = a->n - bad;
                if (good > used && good - used > sf_be32(rec))
                        put_be32(rec, good - used);
                rec[144] &= (uint8_t)~AUTORESIZE;
                put_be32(rec + VTBL_RECORD - 4, ubi_crc(rec, VTBL_RECORD - 4));
                for (uint32_t copy = 0; r >= 0 && copy < 2; copy++)
                        r = write_leb(a, LAYOUT_ID, 1, copy, vt, slots * VTBL_RECORD, false, 0,
                                      holder(a, LAYOUT_ID, copy));
        }
        free(vt);
        return r;
}

/* The id of the volume named name, from the newest table: -ENOENT when there is none. */
static int volume_id(struct attach *a, const char *name, uint32_t *ret)
{
        int64_t t = holder(a, LAYOUT_ID, 0);
        uint8_t rec[VTBL_RECORD];
        size_t len = strlen(name);

        for (uint32_t s = 0; t >= 0 && s < 128 && (s + 1) * VTBL_RECORD <= a->block_bytes - a->data_off;
             s++) {
                if (sim_flash_read(a->f, block_page(a, (uint32_t)t) * a->f->page_size + a->data_off +
                                           s * VTBL_RECORD,
                                   rec, sizeof(rec)) < 0)
                        return -EIO;
                if (sf_be32(rec) && sf_be16(rec + 14) == len && memcmp(rec + 16, name, len) == 0) {
                        *ret = s;
                        return 0;
                }
        }
        return -ENOENT;
}

/* The read-write file system at work: formatted at the first mount (LEB 0), then its LEB 1 written
 * at every boot (a boot counter: what the module's own data changing looks like). Returns the
 * count of boots, 0 without usrfs. */
static int64_t run_usrfs(struct attach *a)
{
        char text[64];
        uint32_t id;
        int64_t old, boots = 1;
        int r;

        if (volume_id(a, "usrfs", &id) < 0)
                return 0;
        if (holder(a, id, 0) < 0) {
                snprintf(text, sizeof(text), "UBIFS (simulated): formatted at first mount\n");
                r = write_leb(a, id, 1, 0, (const uint8_t *)text, (uint32_t)strlen(text), false, 0,
                              -1);
                if (r < 0)
                        return r;
        }
        old = holder(a, id, 1);
        if (old >= 0) {
                r = sim_flash_read(a->f, block_page(a, (uint32_t)old) * a->f->page_size + a->data_off,
                                   (uint8_t *)text, sizeof(text) - 1);
                text[sizeof(text) - 1] = '\0';
                if (r < 0 || sscanf(text, "boots %lld", (long long *)&boots) != 1)
                        boots = 0;
                boots++;
        }
        snprintf(text, sizeof(text), "boots %lld\n", (long long)boots);
        r = write_leb(a, id, 1, 1, (const uint8_t *)text, (uint32_t)strlen(text), false, 0, old);
        return r < 0 ? r : boots;
}

/* Wear levelling: the LEB in the lowest eraseblock that holds data of a volume other than usrfs
 * and the table moves to a free eraseblock. */
static int wear_level(struct attach *a, uint32_t usrfs)
{
        for (uint32_t i = 0; i < a->n; i++) {
                struct peb p = a->peb[i];
                uint32_t len;
                int r;
                if (p.state != PEB_USED || p.vol_id == LAYOUT_ID || p.vol_id == usrfs ||
                    p.vol_id >= LAYOUT_ID)
                        continue;
                r = sim_flash_read(a->f, block_page(a, i) * a->f->page_size, a->buf, a->block_bytes);
                if (r < 0)
                        return r;
                len = p.vol_type == 2 ? p.data_size : a->block_bytes - a->data_off;
                if (p.vol_type != 2) {
                        while (len && a->buf[a->data_off + len - 1] == 0xFF)
                                len--;
                        len = (len + a->f->page_size - 1) / a->f->page_size * a->f->page_size;
                }
                {
                        uint8_t *data = malloc(len ? len : 1);
                        uint32_t used_ebs = sf_be32(a->buf + a->vid_off + 24);
                        if (!data)
                                return -ENOMEM;
                        memcpy(data, a->buf + a->data_off, len);
                        r = write_leb(a, p.vol_id, p.vol_type, p.lnum, data, len, true, used_ebs, i);
                        free(data);
                }
                return r;
        }
        return 0;
}

int sim_ubi_attach(struct sim_flash *f, const struct sim_partition *part, char *why, size_t n)
{
        struct attach a = {.f = f, .first_page = part->start_page, .ppb = f->pages_per_block,
                           .block_bytes = f->pages_per_block * f->page_size,
                           .n = part->pages / f->pages_per_block};
        uint32_t usrfs = UINT32_MAX;
        int64_t boots;
        int r;

        a.peb = calloc(a.n ? a.n : 1, sizeof(*a.peb));
        a.buf = malloc(a.block_bytes);
        r = !a.peb || !a.buf ? -ENOMEM : scan(&a, why, n);
        if (r == -ENODATA)
                r = 0; /* no UBI here */
        else if (r >= 0) {
                r = autoresize(&a);
                for (uint32_t i = 0; r >= 0 && i < a.n; i++)
                        if (a.peb[i].state == PEB_ERASED)
                                r = make_free(&a, i, a.mean_ec);
                boots = r >= 0 ? run_usrfs(&a) : r;
                r = boots < 0 ? (int)boots : 0;
                if (r >= 0 && boots % 4 == 3) {
                        (void)volume_id(&a, "usrfs", &usrfs);
                        r = wear_level(&a, usrfs);
                }
        }
        free(a.peb);
        free(a.buf);
        if (r < 0 && r != -EUCLEAN)
                snprintf(why, n, "UBI attach failed: %s", strerror(-r));
        return r;
}
