/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GUID partition tables (UEFI specification, chapter 5), as eMMC and UFS modules keep them on
 * each LUN: a pure parser, for finding where the device-unique partitions (modemst1, modemst2,
 * fsg, fsc) are before anything is written. */
#ifndef SF_PROTO_GPT_H
#define SF_PROTO_GPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SF_GPT_MAX_ENTRIES 1024
#define SF_GPT_MAX_ARRAY   (256 * 1024) /* bytes of partition entries */
#define SF_GPT_NAME_MAX    36           /* UTF-16 code units in an entry's name */

struct sf_gpt_header {
        uint64_t my_lba, alternate_lba, first_usable, last_usable;
        uint64_t entries_lba;
        uint32_t n_entries, entry_size, entries_crc32;
};

/* The header in one sector (LBA 1): signature "EFI PART", a header size from 92 to the sector,
 * its CRC32, an entry size that is a multiple of 128 up to 4096, at most SF_GPT_MAX_ENTRIES
 * entries in at most SF_GPT_MAX_ARRAY bytes, starting past the header. -EPROTO otherwise.
 * The usable range and the backup's place are not checked: a package's template leaves them
 * for the device to fill in (DISK patches). */
int sf_gpt_parse_header(const uint8_t *sector, size_t sector_size, struct sf_gpt_header *ret);

/* Bytes of the entry array (n_entries * entry_size), rounded up to whole sectors. */
size_t sf_gpt_array_bytes(const struct sf_gpt_header *h, size_t sector_size);

/* The entry named name (ASCII, compared case-sensitively with its UTF-16LE name) in the array
 * (len bytes, whose CRC32 must be the header's): its first and last LBA. -ENOENT when absent,
 * -EPROTO for a damaged array or an entry whose last LBA is before its first. */
int sf_gpt_find(const struct sf_gpt_header *h, const uint8_t *array, size_t len, const char *name,
                uint64_t *ret_first, uint64_t *ret_last);
/* The same in a package's GPT image, a template whose CRCs (and the last partition's end) the
 * package's DISK patches fill in on the device: the array's CRC32 is not checked, and the entry
 * that starts after every other and whose last LBA is before its first runs to the end of the
 * disk (*ret_last UINT64_MAX); any other entry whose last LBA is before its first is -EPROTO. */
int sf_gpt_find_template(const struct sf_gpt_header *h, const uint8_t *array, size_t len,
                         const char *name, uint64_t *ret_first, uint64_t *ret_last);

#endif
