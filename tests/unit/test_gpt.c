/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The GPT parser. The header and entries are laid out field by field from the UEFI
 * specification (chapter 5: "EFI PART", revision 1.0, 92-byte header, CRC32 over the header with
 * its CRC field zeroed, 128-byte entries with a UTF-16LE name at offset 56), and the CRC32
 * check value of the standard ("123456789" -> 0xCBF43926) is checked first. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "proto/firehose.h"
#include "proto/gpt.h"

#define SS 512
#define N  4

static uint8_t hdr[SS];
static uint8_t arr[N * 128];

static void put32(uint8_t *p, uint32_t v)
{
        for (int i = 0; i < 4; i++)
                p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
        for (int i = 0; i < 8; i++)
                p[i] = (uint8_t)(v >> (8 * i));
}

static void entry(int i, const char *name, uint64_t first, uint64_t last)
{
        uint8_t *e = arr + i * 128;

        memset(e, 0xA5, 16); /* a type GUID: anything but zero */
        put64(e + 32, first);
        put64(e + 40, last);
        for (size_t k = 0; name[k]; k++)
                e[56 + 2 * k] = (uint8_t)name[k];
}

/* A valid table: modemst1 34..801, fsg 802..1569, an unused slot, "modemst" 1570..1600. */
static void build(void)
{
        memset(hdr, 0, sizeof(hdr));
        memset(arr, 0, sizeof(arr));
        entry(0, "modemst1", 34, 801);
        entry(1, "fsg", 802, 1569);
        entry(3, "modemst", 1570, 1600);
        memcpy(hdr, "EFI PART", 8);
        put32(hdr + 8, 0x00010000);
        put32(hdr + 12, 92);
        put64(hdr + 24, 1);
        put64(hdr + 32, 99999);
        put64(hdr + 40, 34);
        put64(hdr + 48, 99966);
        put64(hdr + 72, 2);
        put32(hdr + 80, N);
        put32(hdr + 84, 128);
        put32(hdr + 88, sf_firehose_crc32(arr, sizeof(arr)));
        put32(hdr + 16, sf_firehose_crc32(hdr, 92));
}

static void test_crc_check_value(void **state)
{
        (void)state;
        assert_int_equal(sf_firehose_crc32((const uint8_t *)"123456789", 9), 0xCBF43926u);
}

static void test_find(void **state)
{
        struct sf_gpt_header h;
        uint64_t first = 0, last = 0;

        (void)state;
        build();
        assert_int_equal(sf_gpt_parse_header(hdr, SS, &h), 0);
        assert_int_equal(h.entries_lba, 2);
        assert_int_equal(h.alternate_lba, 99999);
        assert_int_equal(sf_gpt_array_bytes(&h, SS), 512);
        assert_int_equal(sf_gpt_find(&h, arr, sizeof(arr), "modemst1", &first, &last), 0);
        assert_int_equal(first, 34);
        assert_int_equal(last, 801);
        assert_int_equal(sf_gpt_find(&h, arr, sizeof(arr), "fsg", &first, &last), 0);
        assert_int_equal(first, 802);
        assert_int_equal(sf_gpt_find(&h, arr, sizeof(arr), "modemst", &first, &last), 0);
        assert_int_equal(first, 1570); /* a prefix of another name is not that name */
        assert_int_equal(sf_gpt_find(&h, arr, sizeof(arr), "fsc", &first, &last), -ENOENT);
        assert_int_equal(sf_gpt_find(&h, arr, sizeof(arr), "modemst2", &first, &last), -ENOENT);
}

/* A package's template: its CRCs are not checked, and only its last partition (the highest first
 * LBA) may end before it starts (the DISK patches give its end); such an entry anywhere else is
 * a damaged table, never "any line fits". */
static void test_template_open_end(void **state)
{
        struct sf_gpt_header h;
        uint64_t first = 0, last = 0;

        (void)state;
        build();
        assert_int_equal(sf_gpt_parse_header(hdr, SS, &h), 0);
        entry(3, "modemst", 1570, 0);
        arr[0] ^= 0xFF; /* the array's CRC no longer holds: a template's need not */
        assert_int_equal(sf_gpt_find_template(&h, arr, sizeof(arr), "modemst", &first, &last), 0);
        assert_int_equal(first, 1570);
        assert_true(last == UINT64_MAX);
        assert_int_equal(sf_gpt_find_template(&h, arr, sizeof(arr), "fsg", &first, &last), 0);
        assert_int_equal(last, 1569);
        assert_int_equal(sf_gpt_find(&h, arr, sizeof(arr), "modemst", &first, &last), -EPROTO);
        entry(1, "fsg", 802, 0); /* in the middle: damaged */
        assert_int_equal(sf_gpt_find_template(&h, arr, sizeof(arr), "fsg", &first, &last), -EPROTO);
}

static void test_bad(void **state)
{
        struct sf_gpt_header h;
        uint64_t first, last;

        (void)state;
        build();
        hdr[40] ^= 1; /* the header's CRC no longer matches */
        assert_int_equal(sf_gpt_parse_header(hdr, SS, &h), -EPROTO);
        build();
        memcpy(hdr, "EFI PARS", 8);
        assert_int_equal(sf_gpt_parse_header(hdr, SS, &h), -EPROTO);
        build();
        put32(hdr + 84, 100); /* entries must be a multiple of 128 bytes */
        put32(hdr + 16, 0);
        put32(hdr + 16, sf_firehose_crc32(hdr, 92));
        assert_int_equal(sf_gpt_parse_header(hdr, SS, &h), -EPROTO);
        build();
        put32(hdr + 80, 100000); /* too many entries */
        put32(hdr + 16, 0);
        put32(hdr + 16, sf_firehose_crc32(hdr, 92));
        assert_int_equal(sf_gpt_parse_header(hdr, SS, &h), -EPROTO);
        build();
        put32(hdr + 12, 600); /* a header larger than its sector */
        assert_int_equal(sf_gpt_parse_header(hdr, SS, &h), -EPROTO);
        build();
        assert_int_equal(sf_gpt_parse_header(hdr, SS, &h), 0);
        arr[32] ^= 1; /* the array's CRC no longer matches */
        assert_int_equal(sf_gpt_find(&h, arr, sizeof(arr), "fsg", &first, &last), -EPROTO);
        build();
        assert_int_equal(sf_gpt_find(&h, arr, sizeof(arr) - 1, "fsg", &first, &last), -EPROTO);
        entry(0, "modemst1", 801, 34); /* ends before it starts */
        put32(hdr + 88, sf_firehose_crc32(arr, sizeof(arr)));
        put32(hdr + 16, 0);
        put32(hdr + 16, sf_firehose_crc32(hdr, 92));
        assert_int_equal(sf_gpt_parse_header(hdr, SS, &h), 0);
        assert_int_equal(sf_gpt_find(&h, arr, sizeof(arr), "modemst1", &first, &last), -EPROTO);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_crc_check_value),
                cmocka_unit_test(test_find),
                cmocka_unit_test(test_bad),
                cmocka_unit_test(test_template_open_end),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
