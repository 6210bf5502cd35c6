/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* UBI images: the on-flash format of the kernel's include/uapi/mtd/ubi-media.h, checked as the
 * kernel's drivers/mtd/ubi/io.c (validate_ec_hdr, validate_vid_hdr) and vtbl.c (vtbl_check) check
 * it at attach; docs/ubi.md lists the fields. All header fields are big-endian. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "package/ubi.h"
#include "proto/firehose.h"
#include "util/cleanup.h"
#include "util/endian.h"
#include "util/strutil.h"

#define VID_COMPAT_REJECT 5
#define LAYOUT_EBS        2
#define FASTMAP_SB_VOL_ID 0x7fffeffeu
#define FASTMAP_VOL_ID    0x7fffeffdu

/* One eraseblock that holds a LEB, as scanned. */
struct scan_leb {
        uint32_t vol_id, lnum, peb, used_ebs, data_pad;
        uint64_t sqnum;
        uint8_t vol_type;
        bool data_ok; /* a static LEB's or a copy's data matches its data_crc */
        uint32_t data_len;
        uint8_t sha256[32];
};

struct sf_ubi_scan {
        uint32_t peb_size;
        bool strict, have_geometry;
        uint32_t vid_hdr_offset, data_offset, image_seq;
        struct sf_ubi counts;
        struct scan_leb *lebs;
        size_t n_lebs, cap_lebs;
        uint8_t *vtbl[LAYOUT_EBS]; /* the newest copy of each layout LEB */
        uint64_t vtbl_sqnum[LAYOUT_EBS];
};

/* UBI's CRC-32 is the reflected 0xEDB88320 one started at 0xFFFFFFFF and not inverted at the end
 * (UBI_CRC32_INIT): zlib's crc32() inverted. */
static uint32_t ubi_crc32(const uint8_t *p, size_t len)
{
        return ~sf_firehose_crc32(p, len);
}

static bool all_ff(const uint8_t *p, size_t len)
{
        for (size_t i = 0; i < len; i++)
                if (p[i] != 0xFF)
                        return false;
        return true;
}

int sf_ubi_scan_new(uint32_t peb_size, bool strict, struct sf_ubi_scan **ret)
{
        struct sf_ubi_scan *s;

        if (peb_size < 16 * 1024 || peb_size > 16 * 1024 * 1024 || (peb_size & (peb_size - 1)))
                return -EINVAL;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->peb_size = s->counts.peb_size = peb_size;
        s->strict = strict;
        *ret = s;
        return 0;
}

void sf_ubi_scan_free(struct sf_ubi_scan *s)
{
        if (!s)
                return;
        free(s->lebs);
        for (int i = 0; i < LAYOUT_EBS; i++)
                free(s->vtbl[i]);
        free(s);
}

/* A damaged eraseblock: an error in a strict scan, counted otherwise. */
static int corrupt(struct sf_ubi_scan *s, struct sf_error *err, uint32_t peb, const char *what)
{
        s->counts.n_corrupt++;
        if (s->strict)
                return sf_error_set(err, -EBADMSG, "UBI image: eraseblock %u: %s", peb, what);
        return 0;
}

/* The EC header: magic, version, CRC, and offsets every eraseblock of the image shares.
 * 1: valid; 0: counted as corrupt; <0: error. */
static int check_ec(struct sf_ubi_scan *s, const uint8_t *h, uint32_t peb, struct sf_error *err)
{
        uint32_t vid = sf_be32(h + 16), data = sf_be32(h + 20), seq = sf_be32(h + 24);
        int r;

        if (sf_be32(h) != SF_UBI_EC_MAGIC)
                return corrupt(s, err, peb, "no EC header (magic \"UBI#\")");
        if (ubi_crc32(h, 60) != sf_be32(h + 60))
                return corrupt(s, err, peb, "EC header CRC mismatch");
        if (h[4] != SF_UBI_VERSION)
                return sf_error_set(err, -EPROTO, "UBI image: eraseblock %u: UBI version %u, not 1",
                                    peb, h[4]);
        if (!s->have_geometry) {
                if (vid < SF_UBI_HDR_SIZE || vid > s->peb_size - 2 * SF_UBI_HDR_SIZE ||
                    data < vid + SF_UBI_HDR_SIZE || data > s->peb_size - SF_UBI_HDR_SIZE ||
                    (data & 7))
                        return sf_error_set(err, -EPROTO,
                                            "UBI image: eraseblock %u: VID header at %u and data at %u "
                                            "do not fit a %u-byte eraseblock",
                                            peb, vid, data, s->peb_size);
                s->vid_hdr_offset = vid;
                s->data_offset = data;
                s->have_geometry = true;
        } else if (vid != s->vid_hdr_offset || data != s->data_offset) {
                r = corrupt(s, err, peb, "offsets differ from the other eraseblocks'");
                return r < 0 ? r : 0;
        }
        if (seq && s->image_seq && seq != s->image_seq) {
                r = corrupt(s, err, peb, "image sequence number differs (part of another image)");
                return r < 0 ? r : 0;
        }
        if (seq)
                s->image_seq = seq;
        return 1;
}

static uint32_t leb_size(const struct sf_ubi_scan *s)
{
        return s->peb_size - s->data_offset;
}

/* validate_vid_hdr()'s rules, for a header whose magic and CRC are good, in eraseblocks with leb
 * bytes of data. */
static const char *vid_problem(uint32_t leb, const uint8_t *v)
{
        uint8_t type = v[5], copy = v[6], compat = v[7];
        uint32_t vol_id = sf_be32(v + 8), lnum = sf_be32(v + 12), data_size = sf_be32(v + 20);
        uint32_t used_ebs = sf_be32(v + 24), data_pad = sf_be32(v + 28), data_crc = sf_be32(v + 32);

        if (v[4] != SF_UBI_VERSION)
                return "VID header of another UBI version";
        if ((type != SF_UBI_VOL_DYNAMIC && type != SF_UBI_VOL_STATIC) || copy > 1)
                return "bad volume type or copy flag";
        if (vol_id >= SF_UBI_MAX_VOLUMES && vol_id < SF_UBI_INTERNAL_VOL_START)
                return "volume id out of range";
        if (vol_id < SF_UBI_INTERNAL_VOL_START && compat != 0)
                return "compatibility flags on a user volume";
        if (vol_id == SF_UBI_LAYOUT_VOL_ID && (compat != VID_COMPAT_REJECT || lnum >= LAYOUT_EBS))
                return "bad volume-table eraseblock";
        if (data_pad >= leb || data_size > leb - data_pad)
                return "data size or padding larger than the eraseblock";
        if (type == SF_UBI_VOL_STATIC) {
                if (used_ebs == 0 || lnum >= used_ebs || data_size == 0)
                        return "static LEB past its volume's end";
                if (lnum < used_ebs - 1 && data_size != leb - data_pad)
                        return "static LEB not full before the last";
        } else {
                if (used_ebs != 0 || (!copy && (data_size != 0 || data_crc != 0)) ||
                    (copy && data_size == 0))
                        return "dynamic LEB with static fields";
        }
        return NULL;
}

static int sha256(const uint8_t *p, size_t len, uint8_t out[32])
{
        unsigned int n = 32;

        return EVP_Digest(p, len, out, &n, EVP_sha256(), NULL) ? 0 : -ENOMEM;
}

static int keep_vtbl(struct sf_ubi_scan *s, uint32_t lnum, uint64_t sqnum, const uint8_t *data)
{
        size_t len = leb_size(s);

        if (s->vtbl[lnum] && sqnum < s->vtbl_sqnum[lnum])
                return 0;
        if (len > (size_t)SF_UBI_MAX_VOLUMES * SF_UBI_VTBL_RECORD)
                len = (size_t)SF_UBI_MAX_VOLUMES * SF_UBI_VTBL_RECORD;
        if (!s->vtbl[lnum] && !(s->vtbl[lnum] = malloc((size_t)SF_UBI_MAX_VOLUMES *
                                                       SF_UBI_VTBL_RECORD)))
                return -ENOMEM;
        memset(s->vtbl[lnum], 0xFF, (size_t)SF_UBI_MAX_VOLUMES * SF_UBI_VTBL_RECORD);
        memcpy(s->vtbl[lnum], data, len);
        s->vtbl_sqnum[lnum] = sqnum;
        return 0;
}

/* The bytes of a LEB that count: a static LEB's data_size; a dynamic LEB's data without its
 * trailing 0xFF (what UBI reads back as unwritten). */
static uint32_t leb_data_len(const uint8_t *v, const uint8_t *data, uint32_t leb)
{
        uint32_t len;

        if (v[5] == SF_UBI_VOL_STATIC)
                return sf_be32(v + 20);
        len = leb - sf_be32(v + 28);
        while (len > 0 && data[len - 1] == 0xFF)
                len--;
        return len;
}

static int add_leb(struct sf_ubi_scan *s, const uint8_t *peb, const uint8_t *v, uint32_t index,
                   struct sf_error *err)
{
        const uint8_t *data = peb + s->data_offset;
        uint32_t data_size = sf_be32(v + 20);
        struct scan_leb *l;

        if (s->n_lebs == s->cap_lebs) {
                size_t cap = s->cap_lebs ? 2 * s->cap_lebs : 64;
                struct scan_leb *n = realloc(s->lebs, cap * sizeof(*n));
                if (!n)
                        return -ENOMEM;
                s->lebs = n;
                s->cap_lebs = cap;
        }
        l = &s->lebs[s->n_lebs];
        *l = (struct scan_leb){.vol_id = sf_be32(v + 8), .lnum = sf_be32(v + 12), .peb = index,
                               .used_ebs = sf_be32(v + 24), .data_pad = sf_be32(v + 28),
                               .sqnum = sf_be64(v + 40), .vol_type = v[5], .data_ok = true};
        if (l->vol_type == SF_UBI_VOL_STATIC || v[6]) {
                l->data_ok = ubi_crc32(data, data_size) == sf_be32(v + 32);
                if (!l->data_ok && corrupt(s, err, index, "data CRC mismatch") < 0)
                        return -EBADMSG;
        }
        l->data_len = leb_data_len(v, data, leb_size(s));
        s->n_lebs++;
        return sha256(data, l->data_len, l->sha256);
}

int sf_ubi_scan_peb(struct sf_ubi_scan *s, const uint8_t *peb, size_t len, struct sf_error *err)
{
        uint32_t index = s->counts.n_pebs;
        const uint8_t *v;
        uint32_t vol_id;
        const char *bad;
        int r;

        if (len != s->peb_size)
                return sf_error_set(err, -EINVAL, "UBI image: eraseblock %u has %zu bytes, not %u",
                                    index, len, s->peb_size);
        if (index >= SF_UBI_MAX_PEBS)
                return sf_error_set(err, -E2BIG, "UBI image: more than %u eraseblocks",
                                    SF_UBI_MAX_PEBS);
        s->counts.n_pebs++;
        if (all_ff(peb, len)) {
                s->counts.n_erased++;
                return 0;
        }
        r = check_ec(s, peb, index, err);
        if (r <= 0)
                return r;
        v = peb + s->vid_hdr_offset;
        if (all_ff(v, SF_UBI_HDR_SIZE)) {
                s->counts.n_free++;
                return 0;
        }
        if (sf_be32(v) != SF_UBI_VID_MAGIC)
                return corrupt(s, err, index, "no VID header (magic \"UBI!\")");
        if (ubi_crc32(v, 60) != sf_be32(v + 60))
                return corrupt(s, err, index, "VID header CRC mismatch");
        bad = vid_problem(leb_size(s), v);
        if (bad)
                return sf_error_set(err, -EPROTO, "UBI image: eraseblock %u: %s", index, bad);
        vol_id = sf_be32(v + 8);
        if (vol_id == SF_UBI_LAYOUT_VOL_ID)
                return keep_vtbl(s, sf_be32(v + 12), sf_be64(v + 40), peb + s->data_offset);
        if (vol_id >= SF_UBI_INTERNAL_VOL_START) {
                s->counts.n_internal++;
                return 0;
        }
        return add_leb(s, peb, v, index, err);
}

uint32_t sf_ubi_scan_damaged(const struct sf_ubi_scan *s)
{
        return s->counts.n_corrupt;
}

void sf_ubi_free(struct sf_ubi *u)
{
        if (!u)
                return;
        for (size_t i = 0; i < u->n_volumes; i++)
                free(u->volumes[i].lebs);
        free(u->volumes);
        free(u);
}

/* vtbl_check()'s rules for one record; NULL when it is good. An empty slot is all zeros with the
 * CRC of zeros. */
static const char *record_problem(const uint8_t *r, uint32_t leb, bool *ret_empty)
{
        uint32_t reserved = sf_be32(r), align = sf_be32(r + 4), pad = sf_be32(r + 8);
        uint16_t name_len = sf_be16(r + 14);

        *ret_empty = false;
        if (ubi_crc32(r, SF_UBI_VTBL_RECORD - 4) != sf_be32(r + SF_UBI_VTBL_RECORD - 4))
                return "CRC mismatch";
        if (reserved == 0) {
                for (size_t i = 0; i < SF_UBI_VTBL_RECORD - 4; i++)
                        if (r[i])
                                return "an empty slot that is not blank";
                *ret_empty = true;
                return NULL;
        }
        if (reserved > SF_UBI_MAX_PEBS)
                return "more reserved eraseblocks than a flash can have";
        if (align == 0 || align > leb || pad != leb % align)
                return "alignment and data padding disagree";
        if ((r[12] != SF_UBI_VOL_DYNAMIC && r[12] != SF_UBI_VOL_STATIC) || r[13] > 1)
                return "bad volume type or update marker";
        if (name_len == 0 || name_len > SF_UBI_VOL_NAME_MAX || r[16] == 0 ||
            strnlen((const char *)r + 16, name_len + 1u) != name_len)
                return "bad name";
        return NULL;
}

static int parse_vtbl(const uint8_t *t, uint32_t leb, struct sf_ubi *u, struct sf_error *err)
{
        size_t slots = leb / SF_UBI_VTBL_RECORD;
        bool empty;

        if (slots > SF_UBI_MAX_VOLUMES)
                slots = SF_UBI_MAX_VOLUMES;
        u->volumes = calloc(slots, sizeof(*u->volumes));
        if (!u->volumes)
                return -ENOMEM;
        for (size_t i = 0; i < slots; i++) {
                const uint8_t *r = t + i * SF_UBI_VTBL_RECORD;
                const char *bad = record_problem(r, leb, &empty);
                struct sf_ubi_volume *v = &u->volumes[u->n_volumes];

                if (bad)
                        return sf_error_set(err, -EBADMSG, "UBI volume table: record %zu: %s", i, bad);
                if (empty)
                        continue;
                *v = (struct sf_ubi_volume){.id = (uint32_t)i, .type = r[12], .upd_marker = r[13],
                                            .flags = r[144], .reserved_pebs = sf_be32(r),
                                            .alignment = sf_be32(r + 4), .data_pad = sf_be32(r + 8)};
                memcpy(v->name, r + 16, sf_be16(r + 14));
                for (size_t j = 0; j < u->n_volumes; j++)
                        if (strcmp(u->volumes[j].name, v->name) == 0)
                                return sf_error_set(err, -EBADMSG,
                                                    "UBI volume table: two volumes named \"%s\"",
                                                    v->name);
                u->n_volumes++;
        }
        return 0;
}

/* The table from the newest layout LEB whose records are all good, as the kernel falls back to
 * the second copy when the first is damaged. */
static int read_vtbl(struct sf_ubi_scan *s, struct sf_ubi *u, struct sf_error *err)
{
        int first = !s->vtbl[0] || (s->vtbl[1] && s->vtbl_sqnum[1] > s->vtbl_sqnum[0]);
        int r = -ENODATA;

        for (int k = 0; k < LAYOUT_EBS; k++) {
                int i = k ? !first : first;
                if (!s->vtbl[i])
                        continue;
                for (size_t j = 0; j < u->n_volumes; j++)
                        free(u->volumes[j].lebs);
                free(u->volumes);
                u->volumes = NULL;
                u->n_volumes = 0;
                r = parse_vtbl(s->vtbl[i], leb_size(s), u, err);
                if (r != -EBADMSG || s->strict)
                        return r;
        }
        if (r == -ENODATA)
                return sf_error_set(err, -EBADMSG, "UBI image: no volume table (layout volume)");
        return r;
}

static int cmp_leb(const void *a, const void *b)
{
        const struct scan_leb *x = a, *y = b;

        if (x->vol_id != y->vol_id)
                return x->vol_id < y->vol_id ? -1 : 1;
        if (x->lnum != y->lnum)
                return x->lnum < y->lnum ? -1 : 1;
        if (x->sqnum != y->sqnum)
                return x->sqnum > y->sqnum ? -1 : 1; /* newest first */
        return 0;
}

static struct sf_ubi_volume *volume_mut(struct sf_ubi *u, uint32_t id)
{
        for (size_t i = 0; i < u->n_volumes; i++)
                if (u->volumes[i].id == id)
                        return &u->volumes[i];
        return NULL;
}

const struct sf_ubi_volume *sf_ubi_volume_by_id(const struct sf_ubi *u, uint32_t id)
{
        return volume_mut((struct sf_ubi *)u, id);
}

/* The copy of a LEB that UBI reads: the newest whose data is intact; [*i, *end) are its copies. */
static const struct scan_leb *pick_copy(const struct sf_ubi_scan *s, size_t i, size_t *end)
{
        const struct scan_leb *pick = NULL;
        size_t j = i;

        for (; j < s->n_lebs && s->lebs[j].vol_id == s->lebs[i].vol_id &&
               s->lebs[j].lnum == s->lebs[i].lnum;
             j++)
                if (!pick && s->lebs[j].data_ok)
                        pick = &s->lebs[j];
        *end = j;
        return pick ? pick : &s->lebs[i];
}

static int attach_leb(struct sf_ubi_volume *v, const struct scan_leb *l, struct sf_error *err)
{
        struct sf_ubi_leb *n;

        if (l->vol_type != v->type || l->lnum >= v->reserved_pebs || l->data_pad != v->data_pad)
                return sf_error_set(err, -EBADMSG,
                                    "UBI image: LEB %u of volume %u (%s) disagrees with the volume "
                                    "table (type, size or padding)",
                                    l->lnum, v->id, v->name);
        if (v->type == SF_UBI_VOL_STATIC) {
                if (v->n_lebs && l->used_ebs != v->used_ebs)
                        return sf_error_set(err, -EBADMSG,
                                            "UBI image: static volume %u (%s): LEBs disagree on "
                                            "its length",
                                            v->id, v->name);
                v->used_ebs = l->used_ebs;
        }
        n = realloc(v->lebs, (v->n_lebs + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        v->lebs = n;
        v->lebs[v->n_lebs++] = (struct sf_ubi_leb){.lnum = l->lnum, .peb = l->peb,
                                                   .sqnum = l->sqnum, .data_len = l->data_len};
        memcpy(v->lebs[v->n_lebs - 1].sha256, l->sha256, 32);
        v->data_bytes += l->data_len;
        return 0;
}

static int attach_lebs(struct sf_ubi_scan *s, struct sf_ubi *u, struct sf_error *err)
{
        if (s->n_lebs)
                qsort(s->lebs, s->n_lebs, sizeof(*s->lebs), cmp_leb);
        for (size_t i = 0, end; i < s->n_lebs; i = end) {
                const struct scan_leb *l = pick_copy(s, i, &end);
                struct sf_ubi_volume *v = volume_mut(u, l->vol_id);
                int r;

                if (end - i > 1 && s->lebs[i].sqnum == s->lebs[i + 1].sqnum)
                        return sf_error_set(err, -EBADMSG,
                                            "UBI image: eraseblocks %u and %u both hold LEB %u of "
                                            "volume %u with sequence number %llu",
                                            s->lebs[i].peb, s->lebs[i + 1].peb, l->lnum, l->vol_id,
                                            (unsigned long long)l->sqnum);
                if (!v)
                        return sf_error_set(err, -EBADMSG,
                                            "UBI image: eraseblock %u holds volume %u, which the "
                                            "volume table does not have",
                                            l->peb, l->vol_id);
                r = attach_leb(v, l, err);
                if (r < 0)
                        return r;
                s->counts.n_stale += (uint32_t)(end - i - 1);
        }
        return 0;
}

/* A static volume is whole: LEBs 0 .. used_ebs-1, all present. */
static int check_static(const struct sf_ubi_scan *s, const struct sf_ubi *u, struct sf_error *err)
{
        for (size_t i = 0; i < u->n_volumes; i++) {
                const struct sf_ubi_volume *v = &u->volumes[i];
                if (v->type != SF_UBI_VOL_STATIC || !v->n_lebs || v->n_lebs == v->used_ebs)
                        continue;
                if (s->strict)
                        return sf_error_set(err, -EBADMSG,
                                            "UBI image: static volume %u (%s) has %zu of its %u LEBs",
                                            v->id, v->name, v->n_lebs, v->used_ebs);
        }
        return 0;
}

int sf_ubi_scan_finish(struct sf_ubi_scan *scan, struct sf_ubi **ret, struct sf_error *err)
{
        _cleanup_(sf_ubi_scan_freep) struct sf_ubi_scan *s = scan;
        _cleanup_(sf_ubi_freep) struct sf_ubi *u = NULL;
        int r;

        if (!s->have_geometry)
                return sf_error_set(err, -ENODATA, "not a UBI image: no eraseblock has a UBI header");
        u = calloc(1, sizeof(*u));
        if (!u)
                return -ENOMEM;
        *u = s->counts;
        u->volumes = NULL;
        u->vid_hdr_offset = s->vid_hdr_offset;
        u->data_offset = s->data_offset;
        u->leb_size = leb_size(s);
        u->image_seq = s->image_seq;
        r = read_vtbl(s, u, err);
        if (r >= 0)
                r = attach_lebs(s, u, err);
        if (r >= 0)
                r = check_static(s, u, err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(u);
        return 0;
}

int sf_ubi_parse(const uint8_t *buf, size_t len, uint32_t peb_size, struct sf_ubi **ret,
                 struct sf_error *err)
{
        _cleanup_(sf_ubi_scan_freep) struct sf_ubi_scan *s = NULL;
        int r = sf_ubi_scan_new(peb_size, true, &s);

        if (r < 0)
                return sf_error_set(err, r, "UBI image: bad eraseblock size %u", peb_size);
        if (len % peb_size)
                return sf_error_set(err, -EBADMSG,
                                    "UBI image: %zu bytes is not a whole number of %u-byte eraseblocks",
                                    len, peb_size);
        for (size_t off = 0; off < len; off += peb_size) {
                r = sf_ubi_scan_peb(s, buf + off, peb_size, err);
                if (r < 0)
                        return r;
        }
        return sf_ubi_scan_finish(TAKE_PTR(s), ret, err);
}

bool sf_ubi_volume_is_module_data(const struct sf_ubi_volume *v)
{
        static const char *const rw_names[] = {"usrfs", "usrdata", "usr_data", "cache", "persist"};

        if (v->type != SF_UBI_VOL_DYNAMIC)
                return false;
        if (v->flags & SF_UBI_VTBL_AUTORESIZE)
                return true;
        for (size_t i = 0; i < sizeof(rw_names) / sizeof(rw_names[0]); i++)
                if (strcmp(v->name, rw_names[i]) == 0)
                        return true;
        return false;
}

const char *sf_ubi_match_to_string(enum sf_ubi_match m)
{
        switch (m) {
        case SF_UBI_SAME:
                return "same";
        case SF_UBI_CHANGED:
                return "changed";
        case SF_UBI_UNKNOWN:
                return "unknown";
        }
        return "?";
}

/* The next LEB at or after *i that holds data (a dynamic LEB of only 0xFF reads as unmapped). */
static const struct sf_ubi_leb *next_leb(const struct sf_ubi_volume *v, size_t *i)
{
        for (; *i < v->n_lebs; (*i)++)
                if (v->type == SF_UBI_VOL_STATIC || v->lebs[*i].data_len)
                        return &v->lebs[(*i)++];
        return NULL;
}

/* The LEBs of a volume the module does not change: the same numbers, the same data. */
static enum sf_ubi_match compare_lebs(const struct sf_ubi_volume *a, const struct sf_ubi_volume *b,
                                      char *why, size_t n)
{
        size_t i = 0, j = 0;

        if (a->type == SF_UBI_VOL_STATIC && a->used_ebs != b->used_ebs) {
                snprintf(why, n, "volume %s: %u LEBs in the image, %u on the flash", a->name,
                         a->used_ebs, b->used_ebs);
                return SF_UBI_CHANGED;
        }
        for (;;) {
                const struct sf_ubi_leb *x = next_leb(a, &i), *y = next_leb(b, &j);
                if (!x && !y)
                        return SF_UBI_SAME;
                if (!x || !y || x->lnum != y->lnum || x->data_len != y->data_len ||
                    memcmp(x->sha256, y->sha256, 32) != 0) {
                        snprintf(why, n, "volume %s: LEB %u differs", a->name,
                                 x && y ? (x->lnum < y->lnum ? x->lnum : y->lnum) : x ? x->lnum : y->lnum);
                        return SF_UBI_CHANGED;
                }
        }
}

static enum sf_ubi_match compare_volume(const struct sf_ubi_volume *a, const struct sf_ubi_volume *b,
                                        char *why, size_t n)
{
        if (!b) {
                snprintf(why, n, "volume %s (id %u) is not on the flash", a->name, a->id);
                return SF_UBI_CHANGED;
        }
        if (strcmp(a->name, b->name) != 0 || a->type != b->type || a->alignment != b->alignment) {
                snprintf(why, n, "volume %u: \"%s\" in the image, \"%s\" on the flash (or its type "
                         "or alignment differs)", a->id, a->name, b->name);
                return SF_UBI_CHANGED;
        }
        if (b->upd_marker) {
                snprintf(why, n, "volume %s: an update of it was interrupted", a->name);
                return SF_UBI_CHANGED;
        }
        if (sf_ubi_volume_is_module_data(a))
                return SF_UBI_SAME;
        if (a->reserved_pebs != b->reserved_pebs || a->data_pad != b->data_pad ||
            a->flags != b->flags) {
                snprintf(why, n, "volume %s: its size in the volume table differs (%u eraseblocks in "
                         "the image, %u on the flash)", a->name, a->reserved_pebs, b->reserved_pebs);
                return SF_UBI_CHANGED;
        }
        return compare_lebs(a, b, why, n);
}

/* "; usrfs, cache: the module's data, kept" for the volumes not compared. */
static void name_module_data(const struct sf_ubi *image, char *why, size_t n)
{
        size_t len = strlen(why);
        bool any = false;

        for (size_t i = 0; i < image->n_volumes && len < n; i++) {
                if (!sf_ubi_volume_is_module_data(&image->volumes[i]))
                        continue;
                snprintf(why + len, n - len, "%s%s", any ? ", " : "; ", image->volumes[i].name);
                len = strlen(why);
                any = true;
        }
        if (any && len < n)
                snprintf(why + len, n - len, ": the module's data, kept");
}

enum sf_ubi_match sf_ubi_compare(const struct sf_ubi *image, const struct sf_ubi *flash, char *why,
                                 size_t why_size)
{
        char scratch[8];
        enum sf_ubi_match m;

        if (!why || !why_size) {
                why = scratch;
                why_size = sizeof(scratch);
        }
        why[0] = '\0';
        for (size_t i = 0; i < flash->n_volumes; i++)
                if (!sf_ubi_volume_by_id(image, flash->volumes[i].id)) {
                        snprintf(why, why_size, "the flash has volume %s (id %u), which the image "
                                 "does not", flash->volumes[i].name, flash->volumes[i].id);
                        return SF_UBI_CHANGED;
                }
        for (size_t i = 0; i < image->n_volumes; i++) {
                const struct sf_ubi_volume *a = &image->volumes[i];
                m = compare_volume(a, sf_ubi_volume_by_id(flash, a->id), why, why_size);
                if (m != SF_UBI_SAME)
                        return m;
        }
        if (flash->n_corrupt) {
                snprintf(why, why_size, "%u eraseblocks on the flash are damaged", flash->n_corrupt);
                return SF_UBI_UNKNOWN;
        }
        snprintf(why, why_size, "%zu volumes as the image has them", image->n_volumes);
        name_module_data(image, why, why_size);
        return SF_UBI_SAME;
}

static const struct sf_ubi_leb *image_leb(const struct sf_ubi_volume *v, uint32_t lnum)
{
        for (size_t i = 0; i < v->n_lebs; i++)
                if (v->lebs[i].lnum == lnum)
                        return &v->lebs[i];
        return NULL;
}

int sf_ubi_peb_differs(const struct sf_ubi *image, const uint8_t *peb, size_t len, char *why,
                       size_t why_size)
{
        uint32_t leb = image->peb_size - image->data_offset, data_len;
        const uint8_t *v = peb + image->vid_hdr_offset, *data = peb + image->data_offset;
        const struct sf_ubi_volume *vol;
        const struct sf_ubi_leb *want;
        uint8_t sum[32];

        /* Only an intact eraseblock of this image's geometry tells anything. */
        if (len != image->peb_size || sf_be32(peb) != SF_UBI_EC_MAGIC ||
            ubi_crc32(peb, 60) != sf_be32(peb + 60) || sf_be32(peb + 16) != image->vid_hdr_offset ||
            sf_be32(peb + 20) != image->data_offset || sf_be32(v) != SF_UBI_VID_MAGIC ||
            ubi_crc32(v, 60) != sf_be32(v + 60) || v[4] != SF_UBI_VERSION || vid_problem(leb, v))
                return 0;
        vol = sf_ubi_volume_by_id(image, sf_be32(v + 8));
        if (!vol || sf_ubi_volume_is_module_data(vol))
                return 0; /* the volume table, UBI's own, the module's data: no evidence */
        if ((v[5] == SF_UBI_VOL_STATIC || v[6]) && ubi_crc32(data, sf_be32(v + 20)) != sf_be32(v + 32))
                return 0; /* damaged: the whole scan decides */
        want = image_leb(vol, sf_be32(v + 12));
        data_len = leb_data_len(v, data, leb);
        if (v[5] == vol->type && (v[5] != SF_UBI_VOL_STATIC || sf_be32(v + 24) == vol->used_ebs)) {
                if (!want && vol->type == SF_UBI_VOL_DYNAMIC && data_len == 0)
                        return 0; /* unmapped in the image, all 0xFF here */
                if (want && want->data_len == data_len) {
                        int r = sha256(data, data_len, sum);
                        if (r < 0)
                                return r;
                        if (memcmp(sum, want->sha256, sizeof(sum)) == 0)
                                return 0;
                }
        }
        if (why && why_size)
                snprintf(why, why_size, "volume %s: LEB %u differs", vol->name, sf_be32(v + 12));
        return 1;
}
