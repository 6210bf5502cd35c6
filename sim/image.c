/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "image.h"
#include "proto/firehose.h"
#include "util/endian.h"

static const char magic[8] = "SFSIMIMG";
static const char mibib_magic[8] = "SFSIMPTB";

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

void sim_image_header_encode(const struct sim_image_header *h, uint8_t out[SIM_IMAGE_HEADER_LEN])
{
        memset(out, 0, SIM_IMAGE_HEADER_LEN);
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

static void add(struct sim_layout *l, const char *name, uint32_t *page, uint32_t pages)
{
        struct sim_partition *p = &l->parts[l->n++];

        snprintf(p->name, sizeof(p->name), "%s", name);
        p->start_page = *page;
        p->pages = pages;
        *page += pages;
}

void sim_layout_for_baseline(unsigned baseline, uint64_t total_pages, struct sim_layout *ret)
{
        struct sim_layout l = {0};
        uint32_t page = 0, rest;
        bool new_layout = baseline >= 8;

        /* The EC25-E layout of the reference (4 KiB pages): sbl 0x0, mibib 0x280000,
         * efs2 0x500000 (0x1600000 long), sys_rev 0x1B00000, rawdata 0x2000000, tz 0x2300000,
         * rpm 0x2440000, aboot 0x25C0000; then boot, recovery, modem, system. */
        add(&l, "sbl", &page, 640);
        add(&l, "mibib", &page, 640);
        add(&l, "efs2", &page, new_layout ? 7680 : 5632);
        add(&l, "sys_rev", &page, 1280);
        add(&l, "rawdata", &page, 768);
        add(&l, "tz", &page, 320);
        add(&l, "rpm", &page, 384);
        add(&l, "aboot", &page, 256);
        add(&l, "boot", &page, 2560);
        add(&l, "recovery", &page, 2560);
        add(&l, "modem", &page, new_layout ? 18432 : 16384);
        add(&l, "recoveryfs", &page, 10240);
        rest = total_pages > page ? (uint32_t)(total_pages - page) : 0;
        add(&l, "system", &page, rest / 4 * 3 / 64 * 64);
        rest = total_pages > page ? (uint32_t)(total_pages - page) : 0;
        add(&l, "usrdata", &page, rest);
        *ret = l;
}

const struct sim_partition *sim_layout_find(const struct sim_layout *l, const char *name)
{
        for (unsigned i = 0; i < l->n; i++)
                if (strcmp(l->parts[i].name, name) == 0)
                        return &l->parts[i];
        return NULL;
}

size_t sim_mibib_encode(const struct sim_layout *l, uint8_t *out, size_t size)
{
        size_t need = SIM_IMAGE_HEADER_LEN + 12 + (size_t)l->n * 24;
        struct sim_image_header h = {.kind = SIM_IMAGE_OTHER};
        uint8_t *t;

        if (size < need)
                return 0;
        t = out + SIM_IMAGE_HEADER_LEN;
        memcpy(t, mibib_magic, 8);
        sf_put_le32(t + 8, l->n);
        for (unsigned i = 0; i < l->n; i++) {
                put_str(t + 12 + 24 * i, l->parts[i].name, 16);
                sf_put_le32(t + 12 + 24 * i + 16, l->parts[i].start_page);
                sf_put_le32(t + 12 + 24 * i + 20, l->parts[i].pages);
        }
        h.layout_id = sf_firehose_crc32(t, 12 + (size_t)l->n * 24);
        snprintf(h.version, sizeof(h.version), "MIBIB");
        sim_image_header_encode(&h, out);
        return need;
}

int sim_mibib_decode(const uint8_t *buf, size_t len, struct sim_layout *ret)
{
        struct sim_layout l = {0};
        const uint8_t *t = buf + SIM_IMAGE_HEADER_LEN;
        uint32_t n;

        if (len < SIM_IMAGE_HEADER_LEN + 12 || memcmp(t, mibib_magic, 8) != 0)
                return -EPROTO;
        n = sf_le32(t + 8);
        if (n == 0 || n > SIM_MAX_PARTS || len - SIM_IMAGE_HEADER_LEN - 12 < (size_t)n * 24)
                return -EPROTO;
        for (uint32_t i = 0; i < n; i++) {
                if (get_str(t + 12 + 24 * i, 16, l.parts[i].name) < 0)
                        return -EPROTO;
                l.parts[i].start_page = sf_le32(t + 12 + 24 * i + 16);
                l.parts[i].pages = sf_le32(t + 12 + 24 * i + 20);
        }
        l.n = n;
        *ret = l;
        return 0;
}

uint32_t sim_layout_id(const struct sim_layout *l)
{
        uint8_t buf[SIM_IMAGE_HEADER_LEN + 12 + SIM_MAX_PARTS * 24];

        if (sim_mibib_encode(l, buf, sizeof(buf)) == 0)
                return 0;
        return sf_le32(buf + 32);
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
