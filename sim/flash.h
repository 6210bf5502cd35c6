/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The module's flash, kept in a file so it survives a restart of the simulator as a real module
 * survives a power cycle.
 *
 * NAND: one address space of pages grouped in erase blocks; erased bytes read 0xFF. The file
 * stores every byte inverted, so a sparse (never written) region reads as erased NAND and a
 * 512 MiB module costs only what was written.
 *
 * UFS: logical units (LUNs), each its own run of 4096-byte sectors starting at sector 0, laid one
 * after another in the file; any sector can be rewritten, and unmapped (never written, erased)
 * sectors read 0x00, so the file stores bytes as they are. One extra sector after the last LUN
 * holds the device attributes that survive a power cycle: bBootLunEn, which
 * <setbootablestoragedrive> sets and the boot ROM reads. */
#ifndef SIM_FLASH_H
#define SIM_FLASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_FLASH_MAX_LUNS 8

struct sim_flash {
        int fd;
        uint32_t page_size;       /* bytes per page / sector (4096 for p4K NAND and for UFS) */
        uint32_t pages_per_block; /* 64 for b256K NAND; 1 on UFS */
        uint64_t num_pages;       /* every LUN together */
        bool nand;                /* program only erased pages; erase whole blocks */
        unsigned n_luns;          /* 1 on NAND */
        uint64_t lun_first[SIM_FLASH_MAX_LUNS]; /* where each LUN starts, in pages of the file */
        uint64_t lun_pages[SIM_FLASH_MAX_LUNS];
        bool provisioned;  /* UFS: the attribute sector has been written (by the factory) */
        uint32_t boot_lun; /* UFS bBootLunEn: 0 boot disabled, 1 boot LU A (LUN 1), 2 B (LUN 2) */
        uint64_t bytes_programmed, bytes_erased; /* statistics, for the timing model */
        uint8_t *bad;    /* NAND: 1 per bad block (nand_bbt.c); NULL when none was ever marked */
        char *bbt_path;  /* where the bad-block table is kept */
        uint64_t wear_nth;     /* fault: the wear_nth block programmed goes bad (1 the first) */
        uint64_t blocks_begun; /* blocks the programmer has begun to program */
};

/* Open (creating if needed) a NAND backing file with this geometry. */
int sim_flash_open(struct sim_flash *f, const char *path, uint32_t page_size,
                   uint32_t pages_per_block, uint64_t num_pages, bool nand);
/* Open (creating if needed) a UFS backing file: n_luns LUNs of lun_sectors[i] sectors each. */
int sim_flash_open_ufs(struct sim_flash *f, const char *path, uint32_t sector_size,
                       const uint64_t *lun_sectors, unsigned n_luns);
void sim_flash_close(struct sim_flash *f);

uint64_t sim_flash_size(const struct sim_flash *f);

/* Sectors in a LUN (NUM_DISK_SECTORS); 0 when there is no such LUN. */
uint64_t sim_flash_lun_sectors(const struct sim_flash *f, unsigned lun);
/* The page of the file that sector `sector` of `lun` is, checked so that [sector, sector+n)
 * lies inside the LUN: -ENXIO no such LUN, -ERANGE past its end. */
int sim_flash_lun_page(const struct sim_flash *f, unsigned lun, uint64_t sector, uint64_t n,
                       uint64_t *ret_page);
/* UFS: set bBootLunEn (0, 1 or 2) and keep it across restarts; -EINVAL for another value,
 * -EOPNOTSUPP on NAND. Marks the device provisioned. */
int sim_flash_set_boot_lun(struct sim_flash *f, uint32_t value);

/* Erase [page, page+n): NAND widens it to whole blocks. -ERANGE past the end. */
int sim_flash_erase(struct sim_flash *f, uint64_t page, uint64_t n);
/* Write whole pages. On NAND a page must be erased first (-EIO otherwise, as a real program
 * operation would fail). */
int sim_flash_program(struct sim_flash *f, uint64_t page, const uint8_t *data, uint64_t n_pages);
/* Write bytes at a byte offset regardless of state (patches, test set-up). */
int sim_flash_write_raw(struct sim_flash *f, uint64_t offset, const uint8_t *data, size_t len);
int sim_flash_read(struct sim_flash *f, uint64_t offset, uint8_t *out, size_t len);

#endif
