/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "image.h"
#include "proto/firehose.h"
#include "proto/mibib.h"
#include "util/endian.h"

static const char magic[8] = "SFSIMIMG";

static void put_str(uint8_t *p, const char *s, size_t n)
{
        size_t l = strnlen(s, n);
        memcpy(p, s, l);
        memset(p + l, 0, n - l);
}

/* A string field must be NUL-terminated inside its width and printable. */
static int get_str(const uint8_t *p, size_t n, char *out)
{
        size_t l = strnlen((const char *)p, n);

        if (l == n)
                return -EPROTO;
        for (size_t i = 0; i < l; i++)
                if (p[i] < 0x20 || p[i] > 0x7e)
                        return -EPROTO;
        memcpy(out, p, l);
        out[l] = '\0';
        return 0;
}

/* A NAND SBL starts with the 80-byte MBN header that NAND boot images carry (its code word and
 * magic first): bkerler/edl's firehose.py get_gpt() tells NAND storage by that code word in sector 0
 * before it looks for the MIBIB. The simulator's own fields follow it. */
#define MBN80_CODEWORD 0x844BDCD1u
#define MBN80_MAGIC    0x73D71034u
#define MBN80_LEN      80u
#define MBN80_SBL1_ID  21u /* the image id enumeration's SBL1 */

static void put_mbn80(uint8_t *out, uint32_t payload_len)
{
        uint32_t size = SIM_IMAGE_HEADER_LEN - MBN80_LEN + payload_len;

        sf_put_le32(out, MBN80_CODEWORD);
        sf_put_le32(out + 4, MBN80_MAGIC);
        sf_put_le32(out + 8, MBN80_SBL1_ID);
        sf_put_le32(out + 12, 0xFFFFFFFFu); /* reserved */
        sf_put_le32(out + 16, 0xFFFFFFFFu);
        sf_put_le32(out + 20, MBN80_LEN);   /* image_src: the code follows the header */
        sf_put_le32(out + 24, 0x08005000u); /* image_dest_ptr */
        sf_put_le32(out + 28, size);        /* image_size */
        sf_put_le32(out + 32, size);        /* code_size: no signature, no certificates */
        sf_put_le32(out + 36, 0x08005000u + size);
}

void sim_image_header_encode(const struct sim_image_header *h, uint8_t out[SIM_IMAGE_HEADER_LEN])
{
        memset(out, 0, SIM_IMAGE_HEADER_LEN);
        if (h->mbn80) {
                put_mbn80(out, h->payload_len);
                out += MBN80_LEN;
        }
        memcpy(out, magic, 8);
        sf_put_le32(out + 8, h->kind);
        sf_put_le32(out + 12, h->baseline);
        sf_put_le32(out + 16, h->board_mask);
        sf_put_le32(out + 20, h->msm_id);
        put_str(out + 24, h->memory, 8);
        sf_put_le32(out + 32, h->layout_id);
        put_str(out + 36, h->prefix, 16);
        put_str(out + 52, h->version, 64);
        sf_put_le32(out + 116, h->payload_crc);
        put_str(out + 120, h->imei, 16);
        memcpy(out + 136, h->calibration, 32);
        sf_put_le32(out + 168, h->payload_len);
}

int sim_image_header_decode(const uint8_t *buf, size_t len, struct sim_image_header *ret)
{
        struct sim_image_header h = {0};

        if (len >= SIM_IMAGE_HEADER_LEN && sf_le32(buf) == MBN80_CODEWORD &&
            sf_le32(buf + 4) == MBN80_MAGIC) {
                buf += MBN80_LEN; /* a NAND SBL's: the fields follow its MBN header */
                h.mbn80 = true;
        }
        if (len < SIM_IMAGE_HEADER_LEN || memcmp(buf, magic, 8) != 0)
                return -EPROTO;
        h.kind = sf_le32(buf + 8);
        h.baseline = sf_le32(buf + 12);
        h.board_mask = sf_le32(buf + 16);
        h.msm_id = sf_le32(buf + 20);
        h.layout_id = sf_le32(buf + 32);
        h.payload_crc = sf_le32(buf + 116);
        if (get_str(buf + 24, 8, h.memory) < 0 || get_str(buf + 36, 16, h.prefix) < 0 ||
            get_str(buf + 52, 64, h.version) < 0 || get_str(buf + 120, 16, h.imei) < 0)
                return -EPROTO;
        memcpy(h.calibration, buf + 136, 32);
        h.payload_len = sf_le32(buf + 168);
        *ret = h;
        return 0;
}

/* attr3 of a partition entry: whether a package may replace it by name (docs/mibib.md 2.2). The
 * partition table and the device-unique EFS2 may not. */
#define ATTR3_BY_NAME 0x00
#define ATTR3_KEEP    0xFF

static void add(struct sim_layout *l, const char *name, uint32_t *page, uint32_t pages,
                uint8_t attr3)
{
        struct sim_partition *p = &l->parts[l->n++];

        snprintf(p->name, sizeof(p->name), "%s", name);
        p->start_page = *page;
        p->pages = pages;
        p->attr[0] = 0xFF; /* attr1: default (not read-only) */
        p->attr[1] = 0x01; /* attr2: main + spare ECC, as in the EG25 list */
        p->attr[2] = attr3;
        p->attr[3] = 0; /* which_flash: the only flash */
        *page += pages;
}

void sim_layout_for_baseline(unsigned baseline, uint64_t total_pages, struct sim_layout *ret)
{
        const uint32_t ppb = SIM_MIBIB_PAGES_PER_BLOCK;
        struct sim_layout l = {0};
        uint32_t page = 0, rest;
        bool new_layout = baseline >= 8;

        /* The EC25-E layout of the reference (4 KiB pages, 64 per block): SBL 0x0, MIBIB
         * 0x280000, EFS2 0x500000 (0x1600000 long: block 20, 88 blocks), sys_rev 0x1B00000,
         * RAWDATA 0x2000000, TZ 0x2300000, RPM 0x2440000, aboot 0x25C0000; then boot, recovery,
         * modem, recoveryfs, system, usrdata. Names as docs/mibib.md section 4 writes them. */
        add(&l, "SBL", &page, 640, ATTR3_BY_NAME);
        add(&l, "MIBIB", &page, 640, ATTR3_KEEP);
        add(&l, "EFS2", &page, new_layout ? 7680 : 5632, ATTR3_KEEP);
        add(&l, "sys_rev", &page, 1280, ATTR3_BY_NAME);
        add(&l, "RAWDATA", &page, 768, ATTR3_BY_NAME);
        add(&l, "TZ", &page, 320, ATTR3_BY_NAME);
        add(&l, "RPM", &page, 384, ATTR3_BY_NAME);
        add(&l, "aboot", &page, 256, ATTR3_BY_NAME);
        add(&l, "boot", &page, 2560, ATTR3_BY_NAME);
        add(&l, "recovery", &page, 2560, ATTR3_BY_NAME);
        add(&l, "modem", &page, new_layout ? 18432 : 16384, ATTR3_BY_NAME);
        add(&l, "recoveryfs", &page, 10240, ATTR3_BY_NAME);
        /* system and usrdata share the rest in whole blocks: the MIBIB counts in blocks */
        rest = total_pages > page ? (uint32_t)(total_pages - page) : 0;
        add(&l, "system", &page, rest / 4 * 3 / ppb * ppb, ATTR3_BY_NAME);
        rest = total_pages > page ? (uint32_t)(total_pages - page) : 0;
        add(&l, "usrdata", &page, rest / ppb * ppb, ATTR3_BY_NAME);
        *ret = l;
}

const struct sim_partition *sim_layout_find(const struct sim_layout *l, const char *name)
{
        if (name[0] && name[1] == ':') /* the flash-device prefix, "0:" */
                name += 2;
        for (unsigned i = 0; i < l->n; i++)
                if (strcasecmp(l->parts[i].name, name) == 0)
                        return &l->parts[i];
        return NULL;
}

/* ---- MIBIB (docs/mibib.md) ---- */

#define MIBIB_MAGIC1      0xFE569FACu
#define MIBIB_MAGIC2      0xCD7F127Au
#define PTABLE_MAGIC1     0x55EE73AAu
#define PTABLE_MAGIC2     0xE35EBDDBu
#define USER_MAGIC1       0xAA7D1B9Au
#define USER_MAGIC2       0x1F7D48BCu
#define CRC_MAGIC1        0x9D41BEA1u
#define CRC_MAGIC2        0xF1DED2EAu
#define MIBIB_VERSION     4u
#define MIBIB_AGE         1u /* one copy, as Biktorgj's builder writes it */
#define CRC_PAGE_VERSION  1u
#define ENTRY_LEN         28u
#define TABLE_SLOTS       32u /* Qualcomm's generator; every reader accepts 32 */
#define TABLE_LEN         (16u + TABLE_SLOTS * ENTRY_LEN) /* 912 */
#define FLAG4_SIZES_IN_KB 0xFFu

static_assert(SIM_MAX_PARTS <= TABLE_SLOTS, "every partition must fit the table");

/* The name field: "0:" (the first flash) and the name, NUL-padded; -EINVAL when too long. */
static int put_entry_name(uint8_t *e, const char *name)
{
        char buf[17];
        int n = snprintf(buf, sizeof(buf), "0:%s", name);

        if (n < 3 || n > 16)
                return -EINVAL;
        put_str(e, buf, 16);
        return 0;
}

/* The system table's entry: offset and length in erase blocks. */
static int put_system_entry(uint8_t *e, const struct sim_partition *p)
{
        const uint32_t ppb = SIM_MIBIB_PAGES_PER_BLOCK;

        if (p->start_page % ppb || p->pages % ppb)
                return -EINVAL;
        sf_put_le32(e + 16, p->start_page / ppb);
        sf_put_le32(e + 20, p->pages / ppb);
        memcpy(e + 24, p->attr, 4);
        return put_entry_name(e, p->name);
}

/* The user table's entry (partition.mbn's): the size in KiB, no bad-block padding. */
static int put_user_entry(uint8_t *e, const struct sim_partition *p)
{
        sf_put_le32(e + 16, p->pages * (SIM_MIBIB_PAGE_SIZE / 1024));
        sf_put_le16(e + 20, 0);
        sf_put_le16(e + 22, p->attr[3]);
        memcpy(e + 24, p->attr, 3);
        e[27] = FLAG4_SIZES_IN_KB;
        return put_entry_name(e, p->name);
}

/* One table page: magics, version, numparts, the entries, zero slots up to 32, then erased.
 * The used length (16 + 28 n), or -EINVAL. */
static int put_table(uint8_t page[SIM_MIBIB_PAGE_SIZE], uint32_t magic1, uint32_t magic2,
                     const struct sim_layout *l,
                     int (*put)(uint8_t *e, const struct sim_partition *p))
{
        if (l->n > SIM_MAX_PARTS)
                return -EINVAL;
        memset(page, 0xFF, SIM_MIBIB_PAGE_SIZE);
        memset(page, 0, TABLE_LEN);
        sf_put_le32(page, magic1);
        sf_put_le32(page + 4, magic2);
        sf_put_le32(page + 8, MIBIB_VERSION);
        sf_put_le32(page + 12, l->n);
        for (unsigned i = 0; i < l->n; i++)
                if (put(page + 16 + i * ENTRY_LEN, &l->parts[i]) < 0)
                        return -EINVAL;
        return (int)(16 + l->n * ENTRY_LEN);
}

/* CRC-32 as Qualcomm's partition_tool computes the CRC page's: polynomial 0x04C11DB7 processed
 * MSB-first, no reflection, initial 0, no final XOR. Bitwise: it runs over 12 KiB per table. */
static uint32_t crc32_msb(uint32_t crc, const uint8_t *p, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                crc ^= (uint32_t)p[i] << 24;
                for (int b = 0; b < 8; b++)
                        crc = crc & 0x80000000u ? crc << 1 ^ 0x04C11DB7u : crc << 1;
        }
        return crc;
}

size_t sim_mibib_encode(const struct sim_layout *l, uint8_t *out, size_t size)
{
        const size_t ps = SIM_MIBIB_PAGE_SIZE;
        uint8_t *crc_page = out + 3 * ps;

        if (size < SIM_MIBIB_LEN)
                return 0;
        memset(out, 0xFF, SIM_MIBIB_LEN);
        sf_put_le32(out, MIBIB_MAGIC1);
        sf_put_le32(out + 4, MIBIB_MAGIC2);
        sf_put_le32(out + 8, MIBIB_VERSION);
        sf_put_le32(out + 12, MIBIB_AGE);
        if (put_table(out + ps, PTABLE_MAGIC1, PTABLE_MAGIC2, l, put_system_entry) < 0 ||
            put_table(out + 2 * ps, USER_MAGIC1, USER_MAGIC2, l, put_user_entry) < 0)
                return 0;
        sf_put_le32(crc_page, CRC_MAGIC1);
        sf_put_le32(crc_page + 4, CRC_MAGIC2);
        sf_put_le32(crc_page + 8, CRC_PAGE_VERSION);
        sf_put_le32(crc_page + 12, crc32_msb(0, out, 3 * ps));
        return SIM_MIBIB_LEN;
}

uint32_t sim_layout_id(const struct sim_layout *l)
{
        uint8_t page[SIM_MIBIB_PAGE_SIZE];
        int n = put_table(page, PTABLE_MAGIC1, PTABLE_MAGIC2, l, put_system_entry);

        return n < 0 ? 0 : sf_firehose_crc32(page, (size_t)n);
}

/* An entry the host's parser read, as a partition of the simulator's layout. */
static int from_mibib_part(const struct sf_mibib_part *mp, struct sim_partition *p)
{
        const uint32_t ppb = SIM_MIBIB_PAGES_PER_BLOCK;

        if (strlen(mp->name) >= sizeof(p->name) || mp->offset > UINT32_MAX / ppb)
                return -EPROTO;
        memset(p, 0, sizeof(*p));
        memcpy(p->name, mp->name, strlen(mp->name));
        p->start_page = mp->offset * ppb;
        if (mp->length == UINT32_MAX) /* "grow": to the end of the flash, whose size is not here */
                p->pages = UINT32_MAX - p->start_page;
        else if (mp->length <= (UINT32_MAX - p->start_page) / ppb)
                p->pages = mp->length * ppb;
        else
                return -EPROTO;
        p->attr[0] = mp->attr1;
        p->attr[1] = mp->attr2;
        p->attr[2] = mp->attr3;
        p->attr[3] = mp->which_flash;
        return 0;
}

int sim_mibib_decode(const uint8_t *buf, size_t len, struct sim_layout *ret, uint32_t *ret_id)
{
        const size_t ps = SIM_MIBIB_PAGE_SIZE;
        struct sim_layout l = {0};
        struct sf_mibib m;
        int r;

        r = sf_mibib_parse(buf, len, ps, &m);
        if (r < 0)
                return r == -E2BIG ? r : -EPROTO;
        if (m.version != MIBIB_VERSION || sf_le32(buf + ps + 8) != MIBIB_VERSION)
                return -EPROTO;
        if (m.n > SIM_MAX_PARTS)
                return -E2BIG;
        for (unsigned i = 0; i < m.n; i++)
                if (from_mibib_part(&m.parts[i], &l.parts[i]) < 0)
                        return -EPROTO;
        l.n = m.n;
        if (ret_id) /* the bytes as written: a table the encoder would not write differs */
                *ret_id = sf_firehose_crc32(buf + ps, 16 + (size_t)m.n * ENTRY_LEN);
        *ret = l;
        return 0;
}

uint32_t sim_board_mask_for_baseline(unsigned baseline)
{
        if (baseline >= 8)
                return 1u << 2;
        if (baseline == 7)
                return 1u << 1 | 1u << 2;
        return 1u << 1;
}

uint64_t sim_seed(const char *s)
{
        uint64_t h = 1469598103934665603ull; /* FNV-1a */

        for (; *s; s++)
                h = (h ^ (uint8_t)*s) * 1099511628211ull;
        return h;
}

void sim_fill(uint8_t *buf, size_t len, uint64_t seed, uint64_t offset)
{
        /* splitmix64 over 8-byte words: random-looking, reproducible, seekable */
        for (size_t i = 0; i < len; i++) {
                uint64_t w = (offset + i) / 8, z = seed + (w + 1) * 0x9e3779b97f4a7c15ull;
                z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
                z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
                z ^= z >> 31;
                buf[i] = (uint8_t)(z >> (8 * ((offset + i) % 8)));
        }
}
