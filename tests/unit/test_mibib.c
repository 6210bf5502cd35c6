/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The NAND partition table. The fixture is written byte by byte from docs/mibib.md (magics,
 * 28-byte entries, the EFS2 entry of the EC25-E layout: block 20, 88 blocks), not produced by an
 * encoder of ours. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "proto/mibib.h"

#define PAGE 4096

static uint8_t block[2 * PAGE];

/* clang-format off */
static const uint8_t header[16] = {0xAC, 0x9F, 0x56, 0xFE, 0x7A, 0x12, 0x7F, 0xCD, 0x04, 0, 0, 0, 0x01, 0, 0, 0};
static const uint8_t table[16 + 3 * 28] = {
        0xAA, 0x73, 0xEE, 0x55, 0xDB, 0xBD, 0x5E, 0xE3, 0x04, 0, 0, 0, 0x03, 0, 0, 0,
        /* "0:SBL", block 0, 10 blocks */
        '0', ':', 'S', 'B', 'L', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  0, 0, 0, 0,  10, 0, 0, 0,  0xFF, 0x01, 0xFF, 0x00,
        /* "0:MIBIB", block 10, 10 blocks */
        '0', ':', 'M', 'I', 'B', 'I', 'B', 0, 0, 0, 0, 0, 0, 0, 0, 0,  10, 0, 0, 0,  10, 0, 0, 0,  0xFF, 0x01, 0xFF, 0x00,
        /* "0:EFS2", block 20, 88 blocks; attr3 0xFF: never upgraded by name */
        '0', ':', 'E', 'F', 'S', '2', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  20, 0, 0, 0,  88, 0, 0, 0,  0xFF, 0x01, 0xFF, 0x00,
};
/* clang-format on */

static void build(void)
{
        memset(block, 0xff, sizeof(block));
        memcpy(block, header, sizeof(header));
        memcpy(block + PAGE, table, sizeof(table));
}

static void test_parse(void **state)
{
        struct sf_mibib m;
        const struct sf_mibib_part *efs;

        (void)state;
        build();
        assert_int_equal(sf_mibib_parse(block, sizeof(block), PAGE, &m), 0);
        assert_int_equal(m.version, 4);
        assert_int_equal(m.age, 1);
        assert_int_equal(m.n, 3);
        efs = sf_mibib_find(&m, "efs2");
        assert_non_null(efs);
        assert_string_equal(efs->name, "EFS2");
        assert_int_equal(efs->offset, 20);
        assert_int_equal(efs->length, 88);
        assert_int_equal(efs->attr3, 0xFF);
        assert_non_null(sf_mibib_find(&m, "0:MIBIB"));
        assert_null(sf_mibib_find(&m, "modemst1"));
}

static void test_bad(void **state)
{
        struct sf_mibib m;

        (void)state;
        build();
        assert_int_equal(sf_mibib_parse(block, PAGE, PAGE, &m), -EPROTO); /* table page missing */
        block[0] ^= 1;
        assert_int_equal(sf_mibib_parse(block, sizeof(block), PAGE, &m), -EPROTO);
        build();
        block[PAGE + 12] = 33; /* more entries than allowed */
        assert_int_equal(sf_mibib_parse(block, sizeof(block), PAGE, &m), -E2BIG);
        build();
        block[PAGE + 16 + 28 + 2] = 0x01; /* a control byte in a name */
        assert_int_equal(sf_mibib_parse(block, sizeof(block), PAGE, &m), -EPROTO);
        build();
        memset(block + PAGE + 16, 0, 16); /* an empty name */
        assert_int_equal(sf_mibib_parse(block, sizeof(block), PAGE, &m), -EPROTO);
        build();
        memset(block + PAGE + 16, 'A', 16); /* 16 bytes, no terminator: allowed */
        assert_int_equal(sf_mibib_parse(block, sizeof(block), PAGE, &m), 0);
        assert_int_equal(strlen(m.parts[0].name), 16);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse),
                cmocka_unit_test(test_bad),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
