/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GUID partition table parser (src/proto/gpt.h). Every field is read through the
 * little-endian helpers; nothing the device sends is trusted before it is checked. */
#include <errno.h>
#include <string.h>

#include "proto/firehose.h"
#include "proto/gpt.h"
#include "util/endian.h"

#define HEADER_MIN 92

int sf_gpt_parse_header(const uint8_t *s, size_t sector_size, struct sf_gpt_header *ret)
{
        uint8_t copy[512];
        uint32_t size;
        struct sf_gpt_header h;

        if (!s || sector_size < 512 || memcmp(s, "EFI PART", 8) != 0)
                return -EPROTO;
        size = sf_le32(s + 12);
        if (size < HEADER_MIN || size > sizeof(copy) || size > sector_size)
                return -EPROTO;
        memcpy(copy, s, size);
        memset(copy + 16, 0, 4); /* the CRC is computed with its own field zeroed */
        if (sf_firehose_crc32(copy, size) != sf_le32(s + 16))
                return -EPROTO;
        h = (struct sf_gpt_header){.my_lba = sf_le64(s + 24),
                                   .alternate_lba = sf_le64(s + 32),
                                   .first_usable = sf_le64(s + 40),
                                   .last_usable = sf_le64(s + 48),
                                   .entries_lba = sf_le64(s + 72),
                                   .n_entries = sf_le32(s + 80),
                                   .entry_size = sf_le32(s + 84),
                                   .entries_crc32 = sf_le32(s + 88)};
        if (h.entry_size < 128 || h.entry_size > 4096 || h.entry_size % 128 || h.n_entries == 0 ||
            h.n_entries > SF_GPT_MAX_ENTRIES ||
            (uint64_t)h.n_entries * h.entry_size > SF_GPT_MAX_ARRAY || h.entries_lba < 2)
                return -EPROTO; /* a package's template leaves last_usable to DISK patches */
        *ret = h;
        return 0;
}

size_t sf_gpt_array_bytes(const struct sf_gpt_header *h, size_t sector_size)
{
        size_t n = (size_t)h->n_entries * h->entry_size;

        return sector_size ? (n + sector_size - 1) / sector_size * sector_size : n;
}

static bool name_is(const uint8_t *e, const char *name)
{
        size_t i;

        for (i = 0; i < SF_GPT_NAME_MAX && name[i]; i++)
                if (sf_le16(e + 56 + 2 * i) != (uint8_t)name[i])
                        return false;
        return !name[i] && (i == SF_GPT_NAME_MAX || sf_le16(e + 56 + 2 * i) == 0);
}

static const uint8_t unused_type[16];

/* The highest first LBA of the used entries: a template's last partition starts there. */
static uint64_t last_start(const struct sf_gpt_header *h, const uint8_t *array)
{
        uint64_t top = 0;

        for (uint32_t i = 0; i < h->n_entries; i++) {
                const uint8_t *e = array + (size_t)i * h->entry_size;
                if (memcmp(e, unused_type, 16) != 0 && sf_le64(e + 32) > top)
                        top = sf_le64(e + 32);
        }
        return top;
}

static int find_entry(const struct sf_gpt_header *h, const uint8_t *array, size_t len,
                      const char *name, bool check_crc, uint64_t *ret_first, uint64_t *ret_last)
{
        size_t need = (size_t)h->n_entries * h->entry_size;

        if (!array || len < need || (check_crc && sf_firehose_crc32(array, need) != h->entries_crc32))
                return -EPROTO;
        for (uint32_t i = 0; i < h->n_entries; i++) {
                const uint8_t *e = array + (size_t)i * h->entry_size;
                uint64_t first = sf_le64(e + 32), last = sf_le64(e + 40);
                if (memcmp(e, unused_type, 16) == 0 || !name_is(e, name))
                        continue;
                /* Only a template's last partition may end before it starts: the patches give
                 * its end. Any other such entry is damaged. */
                if (last < first && (check_crc || first != last_start(h, array)))
                        return -EPROTO;
                if (last < first)
                        last = UINT64_MAX;
                *ret_first = first;
                *ret_last = last;
                return 0;
        }
        return -ENOENT;
}

int sf_gpt_find(const struct sf_gpt_header *h, const uint8_t *array, size_t len, const char *name,
                uint64_t *ret_first, uint64_t *ret_last)
{
        return find_entry(h, array, len, name, true, ret_first, ret_last);
}

int sf_gpt_find_template(const struct sf_gpt_header *h, const uint8_t *array, size_t len,
                         const char *name, uint64_t *ret_first, uint64_t *ret_last)
{
        return find_entry(h, array, len, name, false, ret_first, ret_last);
}
