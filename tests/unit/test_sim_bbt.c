/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The simulated NAND's bad blocks and the programmer's mapping around them, against expectations
 * written by hand from the Qualcomm NAND programmer's rules (docs/sim-transport.md, "bad
 * blocks"): a command spans blocks start_sector/ppb .. last_sector/ppb; logical block L is the
 * (L - start)-th good block from the start; past the last one it is out of good blocks. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firehose_dev.h"
#include "nand_bbt.h"

#define PPB   4u  /* pages per block, small to keep the arithmetic by hand */
#define PAGE  4096u
#define NBLK  32u

struct out {
        char *msg[256];
        size_t len[256];
        size_t n;
};

static int capture(void *ctx, const uint8_t *buf, size_t len)
{
        struct out *o = ctx;

        assert_true(o->n < 256);
        o->msg[o->n] = malloc(len + 1);
        memcpy(o->msg[o->n], buf, len);
        o->msg[o->n][len] = '\0';
        o->len[o->n++] = len;
        return 0;
}

static const struct sim_firehose_config cfg = {.memory_name = "nand",
                                               .max_payload_to_target = 8192,
                                               .max_payload_from_target = 8192,
                                               .target_name = "9x07",
                                               .quiet_boot = true};

struct rig {
        char path[64];
        struct sim_flash flash;
        struct sim_firehose fh;
        struct out o;
};

static void rig_up(struct rig *g)
{
        int fd;

        memset(g, 0, sizeof(*g));
        strcpy(g->path, "/tmp/sf-bbt-XXXXXX");
        fd = mkstemp(g->path);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(sim_flash_open(&g->flash, g->path, PAGE, PPB, NBLK * PPB, true), 0);
        assert_int_equal(sim_bbt_open(&g->flash, g->path), 0);
        assert_int_equal(sim_firehose_init(&g->fh, &g->flash, &cfg, capture, &g->o), 0);
}

static void rig_down(struct rig *g)
{
        char bbt[80];

        sim_firehose_done(&g->fh);
        sim_flash_close(&g->flash);
        snprintf(bbt, sizeof(bbt), "%s.bbt", g->path);
        unlink(g->path);
        unlink(bbt);
        for (size_t i = 0; i < g->o.n; i++)
                free(g->o.msg[i]);
}

/* Forget what the programmer said so far. */
static void forget(struct rig *g)
{
        for (size_t i = 0; i < g->o.n; i++)
                free(g->o.msg[i]);
        g->o.n = 0;
}

/* Everything the programmer said, in one string. */
static const char *said(struct rig *g)
{
        static char all[65536];

        all[0] = '\0';
        for (size_t i = 0; i < g->o.n; i++)
                if (g->o.len[i] < 2000 && strlen(all) + g->o.len[i] < sizeof(all))
                        strcat(all, g->o.msg[i]);
        return all;
}

static void command(struct rig *g, const char *verb, unsigned start, unsigned count,
                    unsigned last)
{
        char doc[512];

        snprintf(doc, sizeof(doc),
                 "<?xml version=\"1.0\" ?><data><%s SECTOR_SIZE_IN_BYTES=\"%u\" "
                 "PAGES_PER_BLOCK=\"%u\" num_partition_sectors=\"%u\" "
                 "physical_partition_number=\"0\" start_sector=\"%u\" last_sector=\"%u\" />"
                 "</data>",
                 verb, PAGE, PPB, count, start, last);
        assert_int_equal(sim_firehose_input(&g->fh, (const uint8_t *)doc, strlen(doc)), 0);
}

static void fill(uint8_t *p, unsigned pages)
{
        for (unsigned i = 0; i < pages; i++)
                memset(p + (size_t)i * PAGE, 0x10 + i, PAGE);
}

/* Physical page `page` holds logical page `want` of fill(). */
static void page_holds(struct rig *g, unsigned page, int want)
{
        uint8_t buf[PAGE];

        assert_int_equal(sim_flash_read(&g->flash, (uint64_t)page * PAGE, buf, PAGE), 0);
        for (unsigned i = 0; i < PAGE; i++)
                if (buf[i] != (uint8_t)(want < 0 ? 0xFF : 0x10 + want))
                        fail_msg("page %u byte %u: %02x, want logical page %d", page, i, buf[i],
                                 want);
}

static void test_map(void **state)
{
        struct rig g;
        uint64_t pba = 0;

        (void)state;
        rig_up(&g);
        assert_int_equal(sim_bbt_mark_bad(&g.flash, 3), 0);
        assert_int_equal(sim_bbt_mark_bad(&g.flash, 5), 0);
        /* a partition of blocks 2..7: logical 2, 3, 4, 5 are physical 2, 4, 6, 7 */
        assert_int_equal(sim_bbt_map(&g.flash, 2, 7, 2, &pba), 0);
        assert_int_equal(pba, 2);
        assert_int_equal(sim_bbt_map(&g.flash, 2, 7, 3, &pba), 0);
        assert_int_equal(pba, 4);
        assert_int_equal(sim_bbt_map(&g.flash, 2, 7, 4, &pba), 0);
        assert_int_equal(pba, 6);
        assert_int_equal(sim_bbt_map(&g.flash, 2, 7, 5, &pba), 0);
        assert_int_equal(pba, 7);
        assert_int_equal(sim_bbt_map(&g.flash, 2, 7, 6, &pba), -ENOSPC);
        assert_int_equal(sim_bbt_good(&g.flash, 2, 7), 4);
        /* a command starting at block 4 counts from there: logical 4 is 4, 5 is 6 */
        assert_int_equal(sim_bbt_map(&g.flash, 4, 7, 5, &pba), 0);
        assert_int_equal(pba, 6);
        rig_down(&g);
}

static void test_program_read_around_bad(void **state)
{
        static uint8_t data[3 * PPB * PAGE], back[3 * PPB * PAGE];
        struct rig g;
        size_t pos = 0;

        (void)state;
        rig_up(&g);
        assert_int_equal(sim_bbt_mark_bad(&g.flash, 3), 0);
        fill(data, 3 * PPB);
        command(&g, "erase", 8, 6 * PPB, 31);
        command(&g, "program", 8, 3 * PPB, 31);
        assert_int_equal(sim_firehose_input(&g.fh, data, sizeof(data)), 0);
        assert_null(strstr(said(&g), "NAK"));
        /* logical blocks 2, 3, 4 at physical 2, 4, 5; bad block 3 untouched */
        page_holds(&g, 8, 0);
        page_holds(&g, 12, -1);
        page_holds(&g, 16, PPB);
        page_holds(&g, 20 + 3, 3 * PPB - 1);
        /* read back from the same start: the bytes sent */
        forget(&g);
        command(&g, "read", 8, 3 * PPB, 31);
        for (size_t i = 0; i < g.o.n; i++)
                if (g.o.len[i] == 8192 && !strstr(g.o.msg[i], "<?xml")) {
                        memcpy(back + pos, g.o.msg[i], 8192);
                        pos += 8192;
                }
        assert_int_equal(pos, sizeof(back));
        assert_memory_equal(back, data, sizeof(data));
        rig_down(&g);
}

/* No erase command: the programmer erases each block before its first write, around the bad
 * ones, so what the blocks held before does not matter. */
static void test_program_without_erase(void **state)
{
        static uint8_t data[2 * PPB * PAGE], old[2 * PPB * PAGE];
        struct rig g;

        (void)state;
        rig_up(&g);
        assert_int_equal(sim_bbt_mark_bad(&g.flash, 3), 0);
        memset(old, 0x00, sizeof(old));
        command(&g, "program", 8, 2 * PPB, 31);
        assert_int_equal(sim_firehose_input(&g.fh, old, sizeof(old)), 0);
        fill(data, 2 * PPB);
        command(&g, "program", 8, 2 * PPB, 31);
        assert_int_equal(sim_firehose_input(&g.fh, data, sizeof(data)), 0);
        assert_null(strstr(said(&g), "NAK"));
        for (unsigned i = 0; i < PPB; i++) {
                page_holds(&g, 8 + i, (int)i);
                page_holds(&g, 16 + i, (int)(PPB + i));
        }
        page_holds(&g, 12, -1); /* the bad block: never touched */
        rig_down(&g);
}

static void test_out_of_good_blocks(void **state)
{
        struct rig g;

        (void)state;
        rig_up(&g);
        assert_int_equal(sim_bbt_mark_bad(&g.flash, 3), 0);
        assert_int_equal(sim_bbt_mark_bad(&g.flash, 5), 0);
        /* blocks 2..7 hold 4 good ones: 5 blocks do not fit. A read sends every byte asked
         * for (zeros once out of good blocks) and then NAKs, giving no reason: USB logs are off
         * during a read (handle_read()) */
        command(&g, "read", 8, 5 * PPB, 31);
        assert_non_null(strstr(said(&g), "rawmode=\"true\""));
        assert_non_null(strstr(said(&g), "value=\"NAK\""));
        assert_null(strstr(said(&g), "out of good blocks"));
        {
                size_t bytes = 0;
                for (size_t i = 0; i < g.o.n; i++)
                        if (!strstr(g.o.msg[i], "<?xml"))
                                bytes += g.o.len[i];
                assert_int_equal(bytes, 5 * PPB * PAGE);
        }
        forget(&g);
        command(&g, "getsha256digest", 8, 5 * PPB, 31);
        assert_non_null(strstr(said(&g), "out of good blocks, total blocks:7 Gblocks:6 lba:6"));
        assert_non_null(strstr(said(&g), "value=\"NAK\""));
        /* the real text: "total blocks" the range's last block, "Gblocks" its first block plus
         * the good ones counted, "lba" the block asked for (nand_get_pba_from_lba()). With
         * last_sector at the command's own end: blocks 2..6, 3 good */
        forget(&g);
        command(&g, "getsha256digest", 8, 5 * PPB, 8 + 5 * PPB - 1);
        assert_non_null(strstr(said(&g), "total blocks:6 Gblocks:5 lba:6"));
        rig_down(&g);
}

static void test_wear(void **state)
{
        static uint8_t data[3 * PPB * PAGE];
        struct rig g;

        (void)state;
        rig_up(&g);
        g.flash.wear_nth = 2; /* the second block programmed goes bad */
        fill(data, 3 * PPB);
        command(&g, "erase", 8, 6 * PPB, 31);
        command(&g, "program", 8, 3 * PPB, 31);
        assert_int_equal(sim_firehose_input(&g.fh, data, sizeof(data)), 0);
        /* block 3 failed at its page 2 (half of 4): marked, pages 0..1 copied to block 4 */
        assert_true(sim_bbt_is_bad(&g.flash, 3));
        assert_int_equal(sim_bbt_count(&g.flash), 1);
        assert_non_null(strstr(said(&g), "skip bad block 3 and continue with next good block"));
        assert_null(strstr(said(&g), "NAK"));
        for (unsigned i = 0; i < PPB; i++) {
                page_holds(&g, 8 + i, (int)i);
                page_holds(&g, 16 + i, (int)(PPB + i));
                page_holds(&g, 20 + i, (int)(2 * PPB + i));
        }
        rig_down(&g);
}

/* The first storage command scans the flash and logs every bad block (nand_update_bbt()), once
 * per programmer; getstorageinfo's total_blocks counts the good ones. */
static void test_scan_log(void **state)
{
        struct sim_firehose_config loud = cfg;
        struct rig g;

        (void)state;
        loud.quiet_boot = false;
        rig_up(&g);
        sim_firehose_done(&g.fh);
        assert_int_equal(sim_firehose_init(&g.fh, &g.flash, &loud, capture, &g.o), 0);
        assert_int_equal(sim_bbt_mark_bad(&g.flash, 3), 0);
        assert_int_equal(sim_bbt_mark_bad(&g.flash, 0x1a), 0);
        command(&g, "read", 8, 1, 31);
        assert_non_null(strstr(said(&g), "Bad Block Check 0% complete"));
        assert_non_null(strstr(said(&g), "block:3 is bad"));
        assert_non_null(strstr(said(&g), "block:1a is bad"));
        forget(&g);
        assert_int_equal(sim_firehose_input(&g.fh, (const uint8_t *)"<?xml version=\"1.0\" ?>"
                                            "<data><getstorageinfo physical_partition_number="
                                            "\"0\" /></data>", 83), 0);
        assert_null(strstr(said(&g), "is bad"));
        {
                const char *t = strstr(said(&g), "total_blocks");
                assert_non_null(t);
                t = strchr(t, ':');
                assert_non_null(t);
                assert_int_equal(strncmp(t, ":30,", 4), 0); /* 32 blocks, 2 bad */
        }
        rig_down(&g);
}

static void test_factory_persists(void **state)
{
        struct rig g;
        uint8_t first[NBLK];

        (void)state;
        rig_up(&g);
        assert_int_equal(sim_bbt_factory(&g.flash, 0x1234, 5, 11), 0);
        assert_int_equal(sim_bbt_count(&g.flash), 5);
        for (unsigned b = 0; b < NBLK; b++) {
                first[b] = sim_bbt_is_bad(&g.flash, b);
                assert_false(b < 11 && first[b]);
        }
        sim_flash_close(&g.flash);
        /* across a restart: the same blocks, whatever is asked now */
        assert_int_equal(sim_flash_open(&g.flash, g.path, PAGE, PPB, NBLK * PPB, true), 0);
        assert_int_equal(sim_bbt_open(&g.flash, g.path), 0);
        assert_int_equal(sim_bbt_factory(&g.flash, 0x1234, 9, 11), 0);
        for (unsigned b = 0; b < NBLK; b++)
                assert_int_equal(sim_bbt_is_bad(&g.flash, b), first[b]);
        rig_down(&g);
        /* a new flash with the same serial: the same blocks again */
        rig_up(&g);
        assert_int_equal(sim_bbt_factory(&g.flash, 0x1234, 5, 11), 0);
        for (unsigned b = 0; b < NBLK; b++)
                assert_int_equal(sim_bbt_is_bad(&g.flash, b), first[b]);
        rig_down(&g);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_map),
                cmocka_unit_test(test_program_read_around_bad),
                cmocka_unit_test(test_program_without_erase),
                cmocka_unit_test(test_out_of_good_blocks),
                cmocka_unit_test(test_wear),
                cmocka_unit_test(test_scan_log),
                cmocka_unit_test(test_factory_persists),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
