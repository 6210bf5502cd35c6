/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host's view of NAND bad blocks (src/engine/bad_blocks.c), against expectations written by
 * hand from the Qualcomm NAND programmer's rules: its scan logs "block:%x is bad" and "Bad Block
 * Check %d%% complete" (nand_update_bbt()); a command from start_sector to last_sector maps its
 * logical block L to the (L - start)-th good block from its first block, and past the last good
 * one it is out of good blocks (nand_get_pba_from_lba(), whose comment gives the example used
 * below: blocks 3, 5 and 6 bad, lba-pba 0-0, 1-1, 2-2, 3-4, 4-7, 5-8, 6-9). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "engine/job.h"

#define PPB 64u

static void scan(struct sf_job *j)
{
        static const char *const lines[] = {
                "[232] Bad Block Check 0% complete",
                "[222] block:3 is bad",
                "[222] block:5 is bad",
                "block:zz is bad",          /* not a number: not a bad block */
                "[222] block:6 is bad",
                "[41] block 9 is marked as bad", /* not the scan's text */
        };

        for (size_t i = 0; i < sizeof(lines) / sizeof(*lines); i++)
                sf_job_bbt_note(j, lines[i]);
}

static void test_scan_log(void **state)
{
        static struct sf_job j;

        (void)state;
        memset(&j, 0, sizeof(j));
        sf_job_bbt_note(&j, "[222] block:3 is bad");
        assert_false(sf_job_bbt_known(&j)); /* no progress line yet: not the whole scan */
        memset(&j, 0, sizeof(j));
        scan(&j);
        assert_true(sf_job_bbt_known(&j));
        assert_int_equal(sf_job_bbt_count(&j), 3);
}

static void test_map(void **state)
{
        /* the programmer's own example: a partition of blocks 0..9, 3, 5 and 6 bad */
        static const uint64_t pba[] = {0, 1, 2, 4, 7, 8, 9};
        static struct sf_job j;
        uint64_t at = 0;

        (void)state;
        memset(&j, 0, sizeof(j));
        assert_int_equal(sf_job_map_range(&j, 0, 10 * PPB - 1, PPB, 0, &at), -ENODATA);
        scan(&j);
        for (uint64_t lba = 0; lba < 7; lba++) {
                assert_int_equal(sf_job_map_range(&j, 0, 10 * PPB - 1, PPB, lba * PPB + 5, &at),
                                 0);
                assert_int_equal(at, pba[lba] * PPB + 5);
        }
        assert_int_equal(sf_job_map_range(&j, 0, 10 * PPB - 1, PPB, 7 * PPB, &at), -ENOSPC);
        /* a range from block 4: its logical block 1 is block 7 (5 and 6 bad) */
        assert_int_equal(sf_job_map_range(&j, 4 * PPB, 10 * PPB - 1, PPB, PPB, &at), 0);
        assert_int_equal(at, 7 * PPB);
        /* a range from block 2 to 4: 2 good blocks, the third is out of good blocks */
        assert_int_equal(sf_job_map_range(&j, 2 * PPB, 5 * PPB - 1, PPB, 2 * PPB, &at), -ENOSPC);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_scan_log),
                cmocka_unit_test(test_map),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
