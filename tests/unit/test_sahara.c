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
        static const uint8_t lying[] = {0x03, 0, 0, 0, 0xff, 0xff, 0, 0, 0x0d, 0, 0, 0,
                                        0,    0, 0, 0, 0x34, 0,    0, 0};
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

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_fixtures), cmocka_unit_test(test_build_fixtures),
                cmocka_unit_test(test_malformed),      cmocka_unit_test(test_build_errors),
                cmocka_unit_test(test_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
