/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Qualcomm NAND partition table in the MIBIB block (docs/mibib.md): a pure parser. */
#ifndef SF_PROTO_MIBIB_H
#define SF_PROTO_MIBIB_H

#include <stddef.h>
#include <stdint.h>

#define SF_MIBIB_MAX_PARTS 32

struct sf_mibib_part {
        char name[17];   /* without the "0:" device prefix, as written ("EFS2", "sys_rev") */
        uint32_t offset; /* erase blocks from the start of the flash */
        uint32_t length; /* erase blocks; 0xFFFFFFFF: to the end of the flash */
        uint8_t attr1, attr2, attr3, which_flash;
};

struct sf_mibib {
        uint32_t version, age;
        unsigned n;
        struct sf_mibib_part parts[SF_MIBIB_MAX_PARTS];
};

/* Parse one MIBIB block read from flash (or a partition_complete_*.mbn file): the header page
 * (magics 0xFE569FAC 0xCD7F127A, version 4), then the system partition table on the next page
 * (0x55EE73AA 0xE35EBDDB). -EPROTO for anything else; -E2BIG for more than 32 entries. */
int sf_mibib_parse(const uint8_t *block, size_t len, size_t page_size, struct sf_mibib *ret);

/* The partition of that name (case-insensitive, "0:" prefix optional), or NULL. */
const struct sf_mibib_part *sf_mibib_find(const struct sf_mibib *m, const char *name);

#endif
