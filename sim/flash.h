/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The module's flash, kept in a file so it survives a restart of the simulator as a real module
 * survives a power cycle. NAND: pages grouped in erase blocks, erased bytes read 0xFF. The file
 * stores every byte inverted, so a sparse (never written) region reads as erased NAND and a
 * 512 MiB module costs only what was written. */
#ifndef SIM_FLASH_H
#define SIM_FLASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_flash {
        int fd;
        uint32_t page_size;       /* bytes per page / sector (4096 for p4K NAND) */
        uint32_t pages_per_block; /* 64 for b256K */
        uint64_t num_pages;
        bool nand;                               /* program only erased pages; erase whole blocks */
        uint64_t bytes_programmed, bytes_erased; /* statistics, for the timing model */
};

/* Open (creating if needed) the backing file with this geometry. */
int sim_flash_open(struct sim_flash *f, const char *path, uint32_t page_size,
                   uint32_t pages_per_block, uint64_t num_pages, bool nand);
void sim_flash_close(struct sim_flash *f);

uint64_t sim_flash_size(const struct sim_flash *f);

/* Erase [page, page+n): NAND widens it to whole blocks. -ERANGE past the end. */
int sim_flash_erase(struct sim_flash *f, uint64_t page, uint64_t n);
/* Write whole pages. On NAND a page must be erased first (-EIO otherwise, as a real program
 * operation would fail). */
int sim_flash_program(struct sim_flash *f, uint64_t page, const uint8_t *data, uint64_t n_pages);
/* Write bytes at a byte offset regardless of state (patches, test set-up). */
int sim_flash_write_raw(struct sim_flash *f, uint64_t offset, const uint8_t *data, size_t len);
int sim_flash_read(struct sim_flash *f, uint64_t offset, uint8_t *out, size_t len);

#endif
