/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Sahara codec against the byte examples of the protocol reference (section 2.14 and 2.6), typed
 * in from the document, never produced by our own encoder. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "proto/sahara.h"

struct fixture {
        const char *name;
        uint8_t bytes[48];
        size_t len;
        struct sf_sahara_packet pkt;
};

/* clang-format off */
static const struct fixture fixtures[] = {
        {"HELLO v2 mode 0",
         {0x01,0,0,0, 0x30,0,0,0, 0x02,0,0,0, 0x01,0,0,0, 0x00,0x04,0,0, 0,0,0,0,
          0,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,0}, 48,
         {.cmd = SF_SAHARA_HELLO, .length = 0x30,
          .u.hello = {.version = 2, .version_compatible = 1, .max_cmd_len_or_status = 0x400, .mode = 0}}},
        {"HELLO_RESP v2 mode 0",
         {0x02,0,0,0, 0x30,0,0,0, 0x02,0,0,0, 0x01,0,0,0, 0,0,0,0, 0,0,0,0,
          0,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,0}, 48,
         {.cmd = SF_SAHARA_HELLO_RESP, .length = 0x30,
          .u.hello = {.version = 2, .version_compatible = 1, .mode = 0}}},
        {"HELLO_RESP command mode",
         {0x02,0,0,0, 0x30,0,0,0, 0x02,0,0,0, 0x01,0,0,0, 0,0,0,0, 0x03,0,0,0,
          0,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,0}, 48,
         {.cmd = SF_SAHARA_HELLO_RESP, .length = 0x30,
          .u.hello = {.version = 2, .version_compatible = 1, .mode = 3}}},
        {"READ_DATA 13 0 0x34",
         {0x03,0,0,0, 0x14,0,0,0, 0x0d,0,0,0, 0,0,0,0, 0x34,0,0,0}, 20,
         {.cmd = SF_SAHARA_READ_DATA, .length = 0x14, .u.read = {13, 0, 0x34}}},
        {"READ_DATA_64 13 0x1000 0x1000",
         {0x12,0,0,0, 0x20,0,0,0, 0x0d,0,0,0, 0,0,0,0, 0x00,0x10,0,0, 0,0,0,0,
          0x00,0x10,0,0, 0,0,0,0}, 32,
         {.cmd = SF_SAHARA_READ_DATA_64, .length = 0x20, .u.read = {13, 0x1000, 0x1000}}},
        {"END_OF_IMAGE_TX 13 success",
         {0x04,0,0,0, 0x10,0,0,0, 0x0d,0,0,0, 0,0,0,0}, 16,
         {.cmd = SF_SAHARA_END_OF_IMAGE, .length = 0x10, .u.end_of_image = {13, 0}}},
        {"END_OF_IMAGE_TX 13 auth failure",
         {0x04,0,0,0, 0x10,0,0,0, 0x0d,0,0,0, 0x21,0,0,0}, 16,
         {.cmd = SF_SAHARA_END_OF_IMAGE, .length = 0x10, .u.end_of_image = {13, 0x21}}},
        {"DONE", {0x05,0,0,0, 0x08,0,0,0}, 8, {.cmd = SF_SAHARA_DONE, .length = 8}},
        {"DONE_RESP complete", {0x06,0,0,0, 0x0c,0,0,0, 0x01,0,0,0}, 12,
         {.cmd = SF_SAHARA_DONE_RESP, .length = 12, .u.done_resp = {1}}},
        {"CMD_READY", {0x0b,0,0,0, 0x08,0,0,0}, 8, {.cmd = SF_SAHARA_CMD_READY, .length = 8}},
        {"EXECUTE serial", {0x0d,0,0,0, 0x0c,0,0,0, 0x01,0,0,0}, 12,
         {.cmd = SF_SAHARA_EXECUTE, .length = 12, .u.execute = {1, 0}}},
        {"EXECUTE_RESP serial 4 bytes", {0x0e,0,0,0, 0x10,0,0,0, 0x01,0,0,0, 0x04,0,0,0}, 16,
         {.cmd = SF_SAHARA_EXECUTE_RESP, .length = 16, .u.execute = {1, 4}}},
        {"EXECUTE_DATA serial", {0x0f,0,0,0, 0x0c,0,0,0, 0x01,0,0,0}, 12,
         {.cmd = SF_SAHARA_EXECUTE_DATA, .length = 12, .u.execute = {1, 0}}},
        {"EXECUTE_RESP hwid 8 bytes", {0x0e,0,0,0, 0x10,0,0,0, 0x02,0,0,0, 0x08,0,0,0}, 16,
         {.cmd = SF_SAHARA_EXECUTE_RESP, .length = 16, .u.execute = {2, 8}}},
        {"SWITCH_MODE 0", {0x0c,0,0,0, 0x0c,0,0,0, 0,0,0,0}, 12,
         {.cmd = SF_SAHARA_SWITCH_MODE, .length = 12, .u.switch_mode = {0}}},
        {"RESET", {0x07,0,0,0, 0x08,0,0,0}, 8, {.cmd = SF_SAHARA_RESET, .length = 8}},
        /* Section 2.3: MEMORY_DEBUG 8 table_addr (u32), 12 table_length (u32), and the rest. */
        {"MEMORY_DEBUG table at 0x08600000, 104 bytes",
         {0x09,0,0,0, 0x10,0,0,0, 0x00,0x00,0x60,0x08, 0x68,0,0,0}, 16,
         {.cmd = SF_SAHARA_MEMORY_DEBUG, .length = 16, .u.memory = {0x08600000, 104}}},
        {"MEMORY_READ 0x80000000 512 KiB",
         {0x0a,0,0,0, 0x10,0,0,0, 0x00,0x00,0x00,0x80, 0x00,0x00,0x08,0x00}, 16,
         {.cmd = SF_SAHARA_MEMORY_READ, .length = 16, .u.memory = {0x80000000, 0x80000}}},
        {"MEMORY_DEBUG_64 table at 0x1_4000_0000, 128 bytes",
         {0x10,0,0,0, 0x18,0,0,0, 0x00,0x00,0x00,0x40,0x01,0,0,0, 0x80,0,0,0,0,0,0,0}, 24,
         {.cmd = SF_SAHARA_MEMORY_DEBUG_64, .length = 24, .u.memory = {0x140000000, 128}}},
        {"MEMORY_READ_64 0x1_4000_0000 128 bytes",
         {0x11,0,0,0, 0x18,0,0,0, 0x00,0x00,0x00,0x40,0x01,0,0,0, 0x80,0,0,0,0,0,0,0}, 24,
         {.cmd = SF_SAHARA_MEMORY_READ_64, .length = 24, .u.memory = {0x140000000, 128}}},
};
/* clang-format on */

#define N_FIXTURES (sizeof(fixtures) / sizeof(*fixtures))

static void test_parse_fixtures(void **state)
{
        (void)state;
        for (size_t i = 0; i < N_FIXTURES; i++) {
                struct sf_sahara_packet p;
                const struct fixture *f = &fixtures[i];
                int r = sf_sahara_parse(f->bytes, f->len, &p);
                if (r != 0 || memcmp(&p, &f->pkt, sizeof(p)) != 0)
                        print_error("fixture '%s' parsed differently (r=%d)\n", f->name, r);
                assert_int_equal(r, 0);
                assert_memory_equal(&p, &f->pkt, sizeof(p));
        }
}

static void test_build_fixtures(void **state)
{
        (void)state;
        for (size_t i = 0; i < N_FIXTURES; i++) {
                uint8_t out[64];
                const struct fixture *f = &fixtures[i];
                int r = sf_sahara_build(&f->pkt, out, sizeof(out));
                if (r != (int)f->len || memcmp(out, f->bytes, f->len) != 0)
                        print_error("fixture '%s' built differently (r=%d)\n", f->name, r);
                assert_int_equal(r, (int)f->len);
                assert_memory_equal(out, f->bytes, f->len);
        }
}

/* A device that lies: the length field, the transfer size and the command must all agree. */
static void test_malformed(void **state)
{
        static const uint8_t done_resp[] = {0x06, 0, 0, 0, 0x0c, 0, 0, 0, 0x01, 0, 0, 0};
        static const uint8_t lying[] = {0x03, 0, 0, 0, 0xff, 0xff, 0,    0, 0x0d, 0,
                                        0,    0, 0, 0, 0,    0,    0x34, 0, 0,    0};
        static const uint8_t unknown[] = {0x99, 0, 0, 0, 0x08, 0, 0, 0};
        static const uint8_t xml[] = "<?xml version=\"1.0\" ?>";
        uint8_t big[64] = {0x06, 0, 0, 0, 0x0c, 0, 0, 0, 1};
        struct sf_sahara_packet p;

        (void)state;
        assert_int_equal(sf_sahara_parse(done_resp, 7, &p), -EPROTO);
        assert_int_equal(sf_sahara_parse(done_resp, 4, &p), -EPROTO);
        assert_int_equal(sf_sahara_parse(done_resp, 0, &p), -EPROTO);
        assert_int_equal(sf_sahara_parse(lying, sizeof(lying), &p), -EPROTO);
        assert_int_equal(sf_sahara_parse(unknown, sizeof(unknown), &p), -EPROTO);
        assert_int_equal(sf_sahara_parse(xml, sizeof(xml) - 1, &p), -EPROTO);
        /* Two packets coalesced into one transfer are refused too. */
        memcpy(big + 12, done_resp, sizeof(done_resp));
        assert_int_equal(sf_sahara_parse(big, 24, &p), -EPROTO);
        assert_int_equal(sf_sahara_parse(NULL, 8, &p), -EINVAL);
}

static void test_build_errors(void **state)
{
        struct sf_sahara_packet p = {.cmd = SF_SAHARA_READ_DATA, .u.read = {13, 1ull << 32, 4}};
        uint8_t out[64];

        (void)state;
        assert_int_equal(sf_sahara_build(&p, out, sizeof(out)), -ERANGE);
        p.cmd = 0x77;
        assert_int_equal(sf_sahara_build(&p, out, sizeof(out)), -EINVAL);
        p.cmd = SF_SAHARA_HELLO;
        assert_int_equal(sf_sahara_build(&p, out, 47), -ENOBUFS);
}

static void test_names(void **state)
{
        (void)state;
        assert_string_equal(sf_sahara_cmd_to_string(SF_SAHARA_READ_DATA_64), "READ_DATA_64");
        assert_string_equal(sf_sahara_cmd_to_string(0x99), "unknown");
        assert_string_equal(sf_sahara_mode_to_string(2), "memory-debug");
        /* The right numbering: 0x21 is the hash-table authentication failure. */
        assert_non_null(strstr(sf_sahara_status_to_string(0x21), "HASH_TABLE_AUTH_FAILURE"));
        assert_non_null(strstr(sf_sahara_status_to_string(0x1F), "EXEC_CMD_UNSUPPORTED"));
        assert_string_equal(sf_sahara_status_to_string(0x28), "HW_BULK_TRANSFER_ERROR");
        assert_string_equal(sf_sahara_status_to_string(0x29), "unknown status");
        assert_string_equal(sf_sahara_exec_to_string(3), "OEM_PK_HASH_READ");
        for (uint32_t c = 1; c <= 0x13; c++)
                assert_true(sf_sahara_packet_length(c) >= 8);
        assert_int_equal(sf_sahara_packet_length(0x14), 0);
}

/* Memory-debug tables typed from the reference's entry layouts (section 2.12):
 * 32-bit: u32 save_pref, u32 mem_base, u32 length, char desc[20], char filename[20] (52 B);
 * 64-bit: u64 save_pref, u64 mem_base, u64 length, char desc[20], char filename[20] (64 B). */
/* clang-format off */
static const uint8_t table32[2 * 52] = {
        /* save_pref 1, base 0x08601000, length 0x1000 */
        0x01,0,0,0, 0x00,0x10,0x60,0x08, 0x00,0x10,0,0,
        'C','r','a','s','h',' ','l','o','g',0, 0,0,0,0,0,0,0,0,0,0,
        'C','R','A','S','H','L','O','G','.','B','I','N',0,0, 0,0,0,0,0,0,
        /* save_pref 0, base 0x80000000, length 0x40000; both names use all 20 bytes */
        0x00,0,0,0, 0x00,0x00,0x00,0x80, 0x00,0x00,0x04,0x00,
        'D','D','R',' ','C','S','0',' ','r','e','g','i','o','n',' ','o','f',' ','4','M',
        'A','B','C','D','E','F','G','H','I','J','K','L','M','N','O','P','Q','R','S','T',
};
static const uint8_t table64[64] = {
        /* save_pref 1, base 0x1_4000_0000, length 0x1_0000_0000 */
        0x01,0,0,0,0,0,0,0, 0x00,0x00,0x00,0x40,0x01,0,0,0, 0x00,0x00,0x00,0x00,0x01,0,0,0,
        'D','D','R',0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
        'D','D','R','C','S','0','.','B','I','N',0,0,0,0,0,0,0,0,0,0,
};
/* clang-format on */

static void test_debug_table(void **state)
{
        struct sf_sahara_debug_region r[4];
        size_t n = 99;

        (void)state;
        assert_int_equal(sf_sahara_debug_entry_len(false), 52);
        assert_int_equal(sf_sahara_debug_entry_len(true), 64);
        assert_int_equal(sf_sahara_parse_debug_table(table32, sizeof(table32), false, r, 4, &n), 0);
        assert_int_equal(n, 2);
        assert_int_equal(r[0].save_pref, 1);
        assert_int_equal(r[0].base, 0x08601000);
        assert_int_equal(r[0].length, 0x1000);
        assert_string_equal(r[0].desc, "Crash log");
        assert_string_equal(r[0].filename, "CRASHLOG.BIN");
        assert_int_equal(r[1].save_pref, 0);
        assert_int_equal(r[1].base, 0x80000000);
        assert_int_equal(r[1].length, 0x40000);
        assert_string_equal(r[1].desc, "DDR CS0 region of 4M"); /* 20 bytes, no NUL */
        assert_string_equal(r[1].filename, "ABCDEFGHIJKLMNOPQRST");
        assert_int_equal(sf_sahara_parse_debug_table(table64, sizeof(table64), true, r, 4, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(r[0].base, 0x140000000ull);
        assert_int_equal(r[0].length, 0x100000000ull);
        assert_string_equal(r[0].desc, "DDR");
        assert_string_equal(r[0].filename, "DDRCS0.BIN");
        /* The same 64 bytes read as the 32-bit form: not a whole number of 52-byte entries. */
        assert_int_equal(sf_sahara_parse_debug_table(table64, sizeof(table64), false, r, 4, &n),
                         -EPROTO);
        assert_int_equal(sf_sahara_parse_debug_table(table32, 104, true, r, 4, &n), -EPROTO);
        assert_int_equal(sf_sahara_parse_debug_table(table32, 51, false, r, 4, &n), -EPROTO);
        /* More entries than the caller has room for. */
        assert_int_equal(sf_sahara_parse_debug_table(table32, 104, false, r, 1, &n), -E2BIG);
        /* An empty table holds no regions. */
        n = 99;
        assert_int_equal(sf_sahara_parse_debug_table(table32, 0, false, r, 4, &n), 0);
        assert_int_equal(n, 0);
}

static void test_debug_table_ranges(void **state)
{
        struct sf_sahara_debug_region r[1];
        uint8_t e32[52] = {0}, e64[64] = {0};
        size_t n;

        (void)state;
        /* 32-bit: base 0xfffff000 + 0x1000 ends exactly at 4 GiB: fine; + 0x1001 wraps. */
        e32[4] = 0x00, e32[5] = 0xf0, e32[6] = 0xff, e32[7] = 0xff;
        e32[8] = 0x00, e32[9] = 0x10;
        assert_int_equal(sf_sahara_parse_debug_table(e32, 52, false, r, 1, &n), 0);
        e32[8] = 0x01;
        assert_int_equal(sf_sahara_parse_debug_table(e32, 52, false, r, 1, &n), -EPROTO);
        /* 64-bit: base 2^64 - 16 with a length of 17 wraps. */
        memset(e64 + 8, 0xff, 8);
        e64[8] = 0xf0;
        e64[16] = 17;
        assert_int_equal(sf_sahara_parse_debug_table(e64, 64, true, r, 1, &n), -EPROTO);
        e64[16] = 16;
        assert_int_equal(sf_sahara_parse_debug_table(e64, 64, true, r, 1, &n), 0);
        assert_int_equal(r[0].length, 16);
}

static void test_memory_read_requests(void **state)
{
        /* Section 2.3: MEMORY_READ 8 addr (u32), 12 length (u32); _64 the same as u64. */
        static const uint8_t rd32[16] = {0x0a, 0,    0,    0,    0x10, 0,    0, 0,
                                         0x00, 0x10, 0x60, 0x08, 0x00, 0x10, 0, 0};
        static const uint8_t rd64[24] = {0x11, 0, 0, 0, 0x18, 0, 0,    0, 0x00, 0x10, 0x60, 0x08,
                                         0,    0, 0, 0, 0x00, 0, 0x08, 0, 0,    0,    0,    0};
        uint8_t out[32];

        (void)state;
        assert_int_equal(sf_sahara_build_memory_read(false, 0x08601000, 0x1000, out, sizeof(out)),
                         16);
        assert_memory_equal(out, rd32, 16);
        assert_int_equal(sf_sahara_build_memory_read(true, 0x08601000, 0x80000, out, sizeof(out)),
                         24);
        assert_memory_equal(out, rd64, 24);
        /* A 32-bit request cannot carry a 64-bit address or length. */
        assert_int_equal(sf_sahara_build_memory_read(false, 1ull << 32, 16, out, sizeof(out)),
                         -ERANGE);
        assert_int_equal(sf_sahara_build_memory_read(false, 0, 1ull << 32, out, sizeof(out)),
                         -ERANGE);
        assert_int_equal(sf_sahara_build_memory_read(true, 0, 16, out, 23), -ENOBUFS);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_fixtures),
                cmocka_unit_test(test_build_fixtures),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_build_errors),
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_debug_table),
                cmocka_unit_test(test_debug_table_ranges),
                cmocka_unit_test(test_memory_read_requests),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
