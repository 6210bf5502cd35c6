/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The simulated module's UBI reader. Headers are big-endian; their CRC-32 is the reflected
 * 0xEDB88320 one seeded with 0xFFFFFFFF and not inverted at the end (UBI_CRC32_INIT). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto/firehose.h"
#include "nand_bbt.h"
#include "ubi.h"
#include "util/endian.h"

#define EC_MAGIC     0x55424923u
#define VID_MAGIC    0x55424921u
#define HDR          64
#define LAYOUT_ID    0x7fffefffu
#define VTBL_RECORD  172
#define VTBL_SLOTS   128

struct found {
        uint32_t vol_id, lnum, used_ebs, data_size;
        uint64_t sqnum, page;
};

struct scan {
        uint32_t vid_off, data_off, block_bytes;
        struct found *e;
        size_t n;
};

static uint32_t ubi_crc(const uint8_t *p, size_t len)
{
        return ~sf_firehose_crc32(p, len);
}

static bool header_ok(const uint8_t *h, uint32_t magic)
{
        return sf_be32(h) == magic && ubi_crc(h, HDR - 4) == sf_be32(h + HDR - 4);
}

bool sim_ubi_present(struct sim_flash *f, const struct sim_partition *p)
{
        uint8_t ec[HDR];

        return p->pages &&
               sim_bbt_read(f, p->start_page, (uint64_t)p->start_page + p->pages - 1, 0, ec, HDR) >= 0 &&
               header_ok(ec, EC_MAGIC);
}

/* Every eraseblock of the partition with a good EC and VID header. */
static int scan_partition(struct sim_flash *f, const struct sim_partition *p, struct scan *s)
{
        uint32_t ppb = f->pages_per_block;
        uint8_t ec[HDR], vid[HDR];

        *s = (struct scan){.block_bytes = ppb * f->page_size};
        s->e = calloc(p->pages / ppb + 1, sizeof(*s->e));
        if (!s->e)
                return -ENOMEM;
        for (uint64_t page = p->start_page; page + ppb <= (uint64_t)p->start_page + p->pages;
             page += ppb) {
                uint64_t off = page * f->page_size;
                if (sim_bbt_is_bad(f, page / ppb)) /* not an eraseblock of UBI's */
                        continue;
                if (sim_flash_read(f, off, ec, HDR) < 0 || !header_ok(ec, EC_MAGIC))
                        continue;
                s->vid_off = sf_be32(ec + 16);
                s->data_off = sf_be32(ec + 20);
                if (s->vid_off > s->block_bytes - HDR || s->data_off >= s->block_bytes ||
                    sim_flash_read(f, off + s->vid_off, vid, HDR) < 0 || !header_ok(vid, VID_MAGIC))
                        continue;
                s->e[s->n++] = (struct found){.vol_id = sf_be32(vid + 8), .lnum = sf_be32(vid + 12),
                                              .data_size = sf_be32(vid + 20),
                                              .used_ebs = sf_be32(vid + 24),
                                              .sqnum = sf_be64(vid + 40), .page = page};
        }
        return s->n ? 0 : -EBADMSG;
}

/* The newest copy of a LEB, or NULL. */
static const struct found *newest(const struct scan *s, uint32_t vol_id, uint32_t lnum)
{
        const struct found *best = NULL;

        for (size_t i = 0; i < s->n; i++)
                if (s->e[i].vol_id == vol_id && s->e[i].lnum == lnum &&
                    (!best || s->e[i].sqnum > best->sqnum))
                        best = &s->e[i];
        return best;
}

/* The id of the volume named name in the volume table; its type in *is_static. */
static int lookup(struct sim_flash *f, const struct scan *s, const char *name, uint32_t *ret_id,
                  bool *is_static)
{
        const struct found *l = newest(s, LAYOUT_ID, 0);
        uint8_t rec[VTBL_RECORD];
        size_t len = strlen(name);

        if (!l)
                l = newest(s, LAYOUT_ID, 1);
        if (!l)
                return -EBADMSG;
        for (uint32_t i = 0; i < VTBL_SLOTS && (i + 1) * VTBL_RECORD <= s->block_bytes - s->data_off;
             i++) {
                if (sim_flash_read(f, l->page * f->page_size + s->data_off + i * VTBL_RECORD, rec,
                                   sizeof(rec)) < 0)
                        return -EIO;
                if (ubi_crc(rec, VTBL_RECORD - 4) != sf_be32(rec + VTBL_RECORD - 4))
                        return -EBADMSG;
                if (sf_be32(rec) && sf_be16(rec + 14) == len && memcmp(rec + 16, name, len) == 0) {
                        *ret_id = i;
                        *is_static = rec[12] == 2;
                        return 0;
                }
        }
        return -ENOENT;
}

static int map_volume(const struct scan *s, struct sim_ubi_volume *v)
{
        const struct found *first = newest(s, v->id, 0);
        uint32_t n = 0;

        if (!first)
                return -EUCLEAN;
        if (v->is_static)
                n = first->used_ebs;
        else
                while (newest(s, v->id, n))
                        n++;
        v->leb_page = calloc(n ? n : 1, sizeof(*v->leb_page));
        if (!v->leb_page)
                return -ENOMEM;
        for (uint32_t i = 0; i < n; i++) {
                const struct found *e = newest(s, v->id, i);
                if (!e)
                        return -EUCLEAN;
                v->leb_page[i] = e->page;
                if (v->is_static && i + 1 == n)
                        v->bytes = (uint64_t)i * v->leb_size + e->data_size;
        }
        v->n_lebs = n;
        if (!v->is_static)
                v->bytes = (uint64_t)n * v->leb_size;
        return 0;
}

int sim_ubi_find(struct sim_flash *f, const struct sim_partition *p, const char *name,
                 struct sim_ubi_volume *ret)
{
        struct sim_ubi_volume v = {0};
        struct scan s;
        int r = scan_partition(f, p, &s);

        if (r >= 0)
                r = lookup(f, &s, name, &v.id, &v.is_static);
        if (r >= 0) {
                v.leb_size = s.block_bytes - s.data_off;
                v.data_offset = s.data_off;
                r = map_volume(&s, &v);
        }
        free(s.e);
        if (r < 0) {
                sim_ubi_volume_done(&v);
                return r;
        }
        *ret = v;
        return 0;
}

void sim_ubi_volume_done(struct sim_ubi_volume *v)
{
        free(v->leb_page);
        v->leb_page = NULL;
}

int sim_ubi_read(struct sim_flash *f, const struct sim_ubi_volume *v, uint64_t off, uint8_t *buf,
                 size_t len)
{
        if (off > v->bytes || len > v->bytes - off)
                return -ERANGE;
        while (len) {
                uint64_t leb = off / v->leb_size, in = off % v->leb_size;
                size_t n = len < v->leb_size - in ? len : (size_t)(v->leb_size - in);
                int r = sim_flash_read(f, v->leb_page[leb] * f->page_size + v->data_offset + in, buf,
                                       n);
                if (r < 0)
                        return r;
                buf += n;
                off += n;
                len -= n;
        }
        return 0;
}
