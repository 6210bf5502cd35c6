/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The simulated NAND's bad blocks, and how the programmer (and the module's SBL and Linux) map
 * around them.
 *
 * The table lives next to the flash file ("<flash>.bbt": one bad block number a line), so the
 * bad blocks survive a restart of the simulator as they survive a power cycle of a real module
 * (on real NAND the marker is in the block's spare area). Factory bad blocks are placed from the
 * chip serial, so the same module always has the same ones.
 *
 * The mapping is the Qualcomm NAND programmer's (docs/sim-transport.md, "bad blocks"): a command
 * covers the eraseblocks start_pba = min_sector / pages_per_block .. last_pba = max_sector /
 * pages_per_block; logical block L is the (L - start_pba)-th good block counting from
 * start_pba; past last_pba the partition is out of good blocks. */
#ifndef SIM_NAND_BBT_H
#define SIM_NAND_BBT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flash.h"

/* Blocks the boot chain reads at fixed places and so never bad here: SBL in blocks 0..9, MIBIB in
 * block 10 (the real PBL and SBL scan for good copies; the simulator does not model that scan). */
#define SIM_BBT_BOOT_BLOCKS 11u

/* Load the table kept next to path (none: no bad blocks). */
int sim_bbt_open(struct sim_flash *f, const char *path);
/* A flash that has never had its factory bad blocks: n of them, placed from the chip serial,
 * none in [0, reserved) (the blocks the boot chain reads at fixed places). Once placed they stay:
 * a table already there is kept whatever n is. */
int sim_bbt_factory(struct sim_flash *f, uint32_t serial, unsigned n, uint64_t reserved);
bool sim_bbt_is_bad(const struct sim_flash *f, uint64_t block);
unsigned sim_bbt_count(const struct sim_flash *f);
/* A block went bad: marked, and the table saved. */
int sim_bbt_mark_bad(struct sim_flash *f, uint64_t block);
/* Logical block lblock of a command spanning blocks [start_pba, last_pba]: its physical block.
 * -ENOSPC: out of good blocks. -ERANGE: lblock below start_pba. */
int sim_bbt_map(const struct sim_flash *f, uint64_t start_pba, uint64_t last_pba,
                uint64_t lblock, uint64_t *ret_pba);
/* Good blocks in [first, last]. */
uint64_t sim_bbt_good(const struct sim_flash *f, uint64_t first, uint64_t last);
/* Read len bytes at byte off of the region of pages [first_page, last_page] as a reader that skips
 * bad blocks sees it (the programmer, SBL's and Linux's NAND drivers). -ENOSPC past its good
 * blocks. */
int sim_bbt_read(struct sim_flash *f, uint64_t first_page, uint64_t last_page, uint64_t off,
                 uint8_t *buf, size_t len);
/* The same region written regardless of state (the factory's programming). */
int sim_bbt_write(struct sim_flash *f, uint64_t first_page, uint64_t last_page, uint64_t off,
                  const uint8_t *buf, size_t len);

/* One programmer command's mapping: its io options. */
struct sim_nand_io {
        uint64_t base;       /* the flash page of the LUN's sector 0 */
        uint64_t min, max;   /* min_sector (start_sector) and max_sector (last_sector, else the
                              * command's own last sector), in sectors (pages) of the LUN */
        bool failing;        /* a block of this program is to go bad (the wear fault) */
        uint64_t fail_block, fail_off;
        uint64_t went_bad;   /* blocks that went bad in this command, and the last of them */
        uint64_t last_bad;
        bool erased_any;     /* the last block this command erased before writing into it */
        uint64_t erased_block;
};

/* The flash page that sector `sector` of the LUN is for this command; -ENOSPC: out of good blocks. */
int sim_nand_io_page(const struct sim_flash *f, const struct sim_nand_io *io, uint64_t sector,
                     uint64_t *ret_page);
/* The real programmer's refusal when sector maps past the good blocks. */
void sim_nand_io_out_of_good(const struct sim_flash *f, const struct sim_nand_io *io,
                             uint64_t sector, char *text, size_t size);
/* Program one page at sector (pages_left of this command from it on), as the real programmer
 * does: each block erased before its first page goes in (which must be the block's first page:
 * -EINVAL otherwise); a block that goes bad on the way (f->wear_nth) is marked, its pages so far
 * copied to the next good block, and the page programmed there. -ENOSPC out of good blocks. */
int sim_nand_io_program(struct sim_flash *f, struct sim_nand_io *io, uint64_t sector,
                        uint64_t pages_left, const uint8_t *data);

#endif
