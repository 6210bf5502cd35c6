/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The simulated NAND's bad-block table: see nand_bbt.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nand_bbt.h"

static uint64_t n_blocks(const struct sim_flash *f)
{
        return f->num_pages / f->pages_per_block;
}

static int ensure_table(struct sim_flash *f)
{
        if (!f->bad)
                f->bad = calloc(n_blocks(f) ? n_blocks(f) : 1, 1);
        return f->bad ? 0 : -ENOMEM;
}

static int save(const struct sim_flash *f)
{
        char tmp[4096];
        FILE *fp;
        int r = 0;

        if (!f->bbt_path)
                return 0;
        snprintf(tmp, sizeof(tmp), "%s.tmp", f->bbt_path);
        fp = fopen(tmp, "we");
        if (!fp)
                return -errno;
        for (uint64_t b = 0; f->bad && b < n_blocks(f); b++)
                if (f->bad[b] && fprintf(fp, "%" PRIu64 "\n", b) < 0)
                        r = -EIO;
        if (fclose(fp) != 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, f->bbt_path) < 0)
                r = -errno;
        return r;
}

int sim_bbt_open(struct sim_flash *f, const char *path)
{
        char line[64];
        FILE *fp;
        int r = 0;

        if (!f->nand)
                return 0;
        f->bbt_path = malloc(strlen(path) + 5);
        if (!f->bbt_path)
                return -ENOMEM;
        strcpy(f->bbt_path, path);
        strcat(f->bbt_path, ".bbt");
        fp = fopen(f->bbt_path, "re");
        if (!fp)
                return errno == ENOENT ? 0 : -errno;
        r = ensure_table(f);
        while (r == 0 && fgets(line, sizeof(line), fp)) {
                char *end;
                uint64_t b = strtoull(line, &end, 10);
                if (end == line || b >= n_blocks(f))
                        r = -EBADMSG;
                else
                        f->bad[b] = 1;
        }
        fclose(fp);
        return r;
}

int sim_bbt_factory(struct sim_flash *f, uint32_t serial, unsigned n, uint64_t reserved)
{
        uint64_t x = 0x9E3779B97F4A7C15ull ^ serial, blocks = n_blocks(f);
        int r;

        if (!f->nand || n == 0 || f->bad)
                return 0; /* none asked for, or placed already (they never move) */
        if (reserved >= blocks || n > (blocks - reserved) / 2)
                return -EINVAL;
        r = ensure_table(f);
        for (unsigned placed = 0; r == 0 && placed < n;) {
                uint64_t b;
                x ^= x << 13; /* xorshift64: the same serial, the same blocks */
                x ^= x >> 7;
                x ^= x << 17;
                b = reserved + x % (blocks - reserved);
                if (!f->bad[b]) {
                        f->bad[b] = 1;
                        placed++;
                }
        }
        return r < 0 ? r : save(f);
}

bool sim_bbt_is_bad(const struct sim_flash *f, uint64_t block)
{
        return f->bad && block < n_blocks(f) && f->bad[block];
}

unsigned sim_bbt_count(const struct sim_flash *f)
{
        unsigned n = 0;

        for (uint64_t b = 0; f->bad && b < n_blocks(f); b++)
                n += f->bad[b];
        return n;
}

int sim_bbt_mark_bad(struct sim_flash *f, uint64_t block)
{
        int r;

        if (block >= n_blocks(f))
                return -ERANGE;
        r = ensure_table(f);
        if (r < 0)
                return r;
        f->bad[block] = 1;
        return save(f);
}

int sim_bbt_map(const struct sim_flash *f, uint64_t start_pba, uint64_t last_pba,
                uint64_t lblock, uint64_t *ret_pba)
{
        uint64_t want, seen = 0;

        if (lblock < start_pba)
                return -ERANGE;
        want = lblock - start_pba;
        if (last_pba >= n_blocks(f))
                last_pba = n_blocks(f) - 1;
        for (uint64_t b = start_pba; b <= last_pba; b++) {
                if (sim_bbt_is_bad(f, b))
                        continue;
                if (seen++ == want) {
                        *ret_pba = b;
                        return 0;
                }
        }
        return -ENOSPC;
}

uint64_t sim_bbt_good(const struct sim_flash *f, uint64_t first, uint64_t last)
{
        uint64_t n = 0;

        for (uint64_t b = first; b <= last && b < n_blocks(f); b++)
                n += !sim_bbt_is_bad(f, b);
        return n;
}

/* Bytes [off, off+len) of the region of pages [first_page, last_page], blocks mapped around the
 * bad ones; read into buf, or written from it (regardless of state, as the factory does). */
static int region_io(struct sim_flash *f, uint64_t first_page, uint64_t last_page, uint64_t off,
                     uint8_t *buf, size_t len, bool write)
{
        const uint64_t ppb = f->pages_per_block, block_bytes = ppb * f->page_size;
        const uint64_t start_pba = first_page / ppb, last_pba = last_page / ppb;
        /* the region's byte off, counted from the start of its first block */
        const uint64_t pos = first_page % ppb * f->page_size + off;
        size_t done = 0;

        while (done < len) {
                uint64_t pba, in = (pos + done) % block_bytes;
                size_t n = block_bytes - in < len - done ? (size_t)(block_bytes - in) : len - done;
                int r = sim_bbt_map(f, start_pba, last_pba, start_pba + (pos + done) / block_bytes,
                                    &pba);
                if (r == 0)
                        r = write ? sim_flash_write_raw(f, pba * block_bytes + in, buf + done, n)
                                  : sim_flash_read(f, pba * block_bytes + in, buf + done, n);
                if (r < 0)
                        return r;
                done += n;
        }
        return 0;
}

int sim_bbt_read(struct sim_flash *f, uint64_t first_page, uint64_t last_page, uint64_t off,
                 uint8_t *buf, size_t len)
{
        return region_io(f, first_page, last_page, off, buf, len, false);
}

int sim_bbt_write(struct sim_flash *f, uint64_t first_page, uint64_t last_page, uint64_t off,
                  const uint8_t *buf, size_t len)
{
        return region_io(f, first_page, last_page, off, (uint8_t *)buf, len, true);
}

int sim_nand_io_page(const struct sim_flash *f, const struct sim_nand_io *io, uint64_t sector,
                     uint64_t *ret_page)
{
        const uint64_t ppb = f->pages_per_block;
        uint64_t pba;
        int r;

        if (!f->nand) {
                *ret_page = io->base + sector;
                return 0;
        }
        r = sim_bbt_map(f, io->min / ppb, io->max / ppb, sector / ppb, &pba);
        if (r == 0)
                *ret_page = io->base + pba * ppb + sector % ppb;
        return r;
}

/* The text the real programmer logs (nand_get_pba_from_lba()): its "total blocks" is the last
 * block of the command's range and its "Gblocks" the first block plus the good ones it counted,
 * both block numbers of the flash, as is "lba", the block asked for. */
void sim_nand_io_out_of_good(const struct sim_flash *f, const struct sim_nand_io *io,
                             uint64_t sector, char *text, size_t size)
{
        const uint64_t ppb = f->pages_per_block, first = io->min / ppb, last = io->max / ppb;

        snprintf(text, size, "ERROR: out of good blocks, total blocks:%" PRIx64 " Gblocks:%" PRIx64
                 " lba:%" PRIx64, last, first + sim_bbt_good(f, first, last), sector / ppb);
}

/* The block of `page` went bad while its page at offset off was programmed: marked, and its
 * pages before off moved to the next good block of the command, erased first. */
static int relocate(struct sim_flash *f, struct sim_nand_io *io, uint64_t sector, uint64_t page,
                    uint64_t *ret_page)
{
        const uint64_t ppb = f->pages_per_block, off = page % ppb, old = page / ppb;
        uint8_t *buf = malloc(f->page_size);
        uint64_t np;
        int r = buf ? sim_bbt_mark_bad(f, old) : -ENOMEM;

        if (r == 0)
                r = sim_nand_io_page(f, io, sector, &np);
        if (r == 0)
                r = sim_flash_erase(f, np - off, ppb);
        for (uint64_t i = 0; r == 0 && i < off; i++) {
                r = sim_flash_read(f, (page - off + i) * f->page_size, buf, f->page_size);
                if (r == 0)
                        r = sim_flash_program(f, np - off + i, buf, 1);
        }
        free(buf);
        io->went_bad++;
        io->last_bad = old;
        *ret_page = np;
        return r;
}

/* Before its first page goes in, a block is erased: the programmer erases the blocks a write
 * covers, and the first write into a block must start at its first page (devprg_storage_nand_
 * write(): "first write on a block should start with first page"). -EINVAL when it does not. */
static int erase_before_write(struct sim_flash *f, struct sim_nand_io *io, uint64_t page)
{
        const uint64_t ppb = f->pages_per_block, block = page / ppb;
        int r;

        if (io->erased_any && block <= io->erased_block)
                return 0;
        if (page % ppb)
                return -EINVAL;
        r = sim_flash_erase(f, block * ppb, ppb);
        if (r == 0) {
                io->erased_any = true;
                io->erased_block = block;
        }
        return r;
}

int sim_nand_io_program(struct sim_flash *f, struct sim_nand_io *io, uint64_t sector,
                        uint64_t pages_left, const uint8_t *data)
{
        const uint64_t ppb = f->pages_per_block;
        uint64_t page, off;
        int r = sim_nand_io_page(f, io, sector, &page);

        if (r < 0 || !f->nand)
                return r < 0 ? r : sim_flash_program(f, page, data, 1);
        r = erase_before_write(f, io, page);
        if (r < 0)
                return r;
        off = page % ppb;
        if (off == 0 && f->wear_nth && ++f->blocks_begun == f->wear_nth) {
                /* fails half-way through what this command writes into it */
                uint64_t in = pages_left < ppb ? pages_left : ppb;
                io->failing = true;
                io->fail_block = page / ppb;
                io->fail_off = in / 2;
        }
        if (io->failing && page / ppb == io->fail_block && off == io->fail_off) {
                io->failing = false;
                r = relocate(f, io, sector, page, &page);
                if (r < 0)
                        return r;
                io->erased_block = page / ppb; /* relocate() erased it */
        }
        return sim_flash_program(f, page, data, 1);
}
