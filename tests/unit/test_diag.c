/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DIAG/QCDM HDLC codec. Every fixture is a literal copied from the protocol reference (section 4)
 * or derived from one by hand, never produced by the encoder under test. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/diag.h"

#define N_ELEMENTS(a) (sizeof(a) / sizeof(*(a)))
#define BYTES(...)    ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})
#define SENTINEL      0xA5

/* Protocol reference 4.3, "Worked examples" and "Escaping examples". */
struct example {
        const char *name;
        const uint8_t *payload;
        size_t payload_len;
        uint16_t crc;
        bool leading_flag;
        const uint8_t *frame;
        size_t frame_len;
};

static const struct example examples[] = {
        {"EDL reboot", BYTES(0x4b, 0x65, 0x01, 0x00), 0x0F54, false,
         BYTES(0x4b, 0x65, 0x01, 0x00, 0x54, 0x0f, 0x7e)},
        {"ext build id, leading flag", BYTES(0x7c), 0x4993, true,
         BYTES(0x7e, 0x7c, 0x93, 0x49, 0x7e)},
        {"ext build id, no leading flag", BYTES(0x7c), 0x4993, false,
         BYTES(0x7c, 0x93, 0x49, 0x7e)},
        {"version info", BYTES(0x00), 0xF078, false, BYTES(0x00, 0x78, 0xf0, 0x7e)},
        {"DLOAD", BYTES(0x3a), 0x6EA1, false, BYTES(0x3a, 0xa1, 0x6e, 0x7e)},
        {"EFS2 header", BYTES(0x4b, 0x13, 0x00, 0x00), 0x408D, false,
         BYTES(0x4b, 0x13, 0x00, 0x00, 0x8d, 0x40, 0x7e)},
        {"escape 7d", BYTES(0x7d), 0x581A, false, BYTES(0x7d, 0x5d, 0x1a, 0x58, 0x7e)},
        {"escape 7e 00", BYTES(0x7e, 0x00), 0x6593, false,
         BYTES(0x7d, 0x5e, 0x00, 0x93, 0x65, 0x7e)},
        {"escape inside CRC", BYTES(0x2a), 0x7E20, false, BYTES(0x2a, 0x20, 0x7d, 0x5e, 0x7e)},
};

/* Protocol reference 4.5: the real 0x7C reply from fgsect/scat, CRC stripped. */
static const uint8_t scat_build_id[] = {
        0x7c, 0x01, 0x00, 0x00, 0xf2, 0x0c, 0x00, 0x00, 0x4e, 0x01, 0x00,
        0x00, 0x52, 0x4d, 0x35, 0x30, 0x30, 0x51, 0x47, 0x4c, 0x41, 0x42,
        0x52, 0x31, 0x31, 0x41, 0x30, 0x36, 0x4d, 0x34, 0x47, 0x00, 0x00,
};

/* The same reply framed. Its CRC (0xAB44) is not in the reference: it was computed with an
 * independent Python implementation of 4.2 that reproduces every CRC of 4.3. */
static const uint8_t scat_build_id_frame[] = {
        0x7c, 0x01, 0x00, 0x00, 0xf2, 0x0c, 0x00, 0x00, 0x4e, 0x01, 0x00, 0x00,
        0x52, 0x4d, 0x35, 0x30, 0x30, 0x51, 0x47, 0x4c, 0x41, 0x42, 0x52, 0x31,
        0x31, 0x41, 0x30, 0x36, 0x4d, 0x34, 0x47, 0x00, 0x00, 0x44, 0xab, 0x7e,
};

/* Protocol reference 4.5: the real 0x00 reply from scat. */
static const uint8_t scat_version_info[] = {
        0x00, 0x4e, 0x6f, 0x76, 0x20, 0x20, 0x32, 0x20, 0x32, 0x30, 0x32, 0x31, 0x32, 0x32,
        0x3a, 0x31, 0x33, 0x3a, 0x31, 0x32, 0x4f, 0x63, 0x74, 0x20, 0x31, 0x32, 0x20, 0x32,
        0x30, 0x32, 0x31, 0x30, 0x32, 0x3a, 0x30, 0x30, 0x3a, 0x30, 0x30, 0x73, 0x64, 0x78,
        0x35, 0x35, 0x2e, 0x63, 0x70, 0x2a, 0x09, 0xff, 0x64, 0x00, 0x30, 0x00, 0xcf,
};

static void test_crc(void **state)
{
        static const char check[] = "123456789";

        (void)state;
        assert_int_equal(sf_diag_crc16((const uint8_t *)check, strlen(check)), 0x906E);
        for (size_t i = 0; i < N_ELEMENTS(examples); i++) {
                const struct example *e = &examples[i];
                uint16_t crc = sf_diag_crc16(e->payload, e->payload_len);

                if (crc != e->crc)
                        print_error("row '%s': crc 0x%04x\n", e->name, crc);
                assert_int_equal(crc, e->crc);
        }
}

static void test_encode_examples(void **state)
{
        (void)state;
        for (size_t i = 0; i < N_ELEMENTS(examples); i++) {
                const struct example *e = &examples[i];
                uint8_t out[32];
                size_t len = 0;
                int r;

                r = sf_diag_encode(e->payload, e->payload_len, e->leading_flag, out, sizeof(out),
                                   &len);
                if (r != 0 || len != e->frame_len || memcmp(out, e->frame, len) != 0)
                        print_error("row '%s': r=%d len=%zu\n", e->name, r, len);
                assert_int_equal(r, 0);
                assert_int_equal(len, e->frame_len);
                assert_memory_equal(out, e->frame, e->frame_len);
        }
}

static void test_encode_exact_space(void **state)
{
        (void)state;
        for (size_t i = 0; i < N_ELEMENTS(examples); i++) {
                const struct example *e = &examples[i];
                uint8_t out[32], untouched[32];
                size_t len = 777;
                int r;

                memset(out, SENTINEL, sizeof(out));
                memset(untouched, SENTINEL, sizeof(untouched));
                r = sf_diag_encode(e->payload, e->payload_len, e->leading_flag, out,
                                   e->frame_len - 1, &len);
                if (r != -ENOBUFS || len != 777)
                        print_error("row '%s': r=%d len=%zu\n", e->name, r, len);
                assert_int_equal(r, -ENOBUFS);
                assert_int_equal(len, 777);
                assert_memory_equal(out, untouched, sizeof(out));

                r = sf_diag_encode(e->payload, e->payload_len, e->leading_flag, out, e->frame_len,
                                   &len);
                if (r != 0)
                        print_error("row '%s': exact size r=%d\n", e->name, r);
                assert_int_equal(r, 0);
                assert_int_equal(len, e->frame_len);
        }
}

static void test_encode_limits(void **state)
{
        static uint8_t payload[SF_DIAG_MAX_PAYLOAD + 1];
        static uint8_t frame[SF_DIAG_FRAME_MAX(SF_DIAG_MAX_PAYLOAD)];
        static uint8_t back[SF_DIAG_MAX_PAYLOAD];
        size_t len = 0, back_len = 0;

        (void)state;
        assert_int_equal(sf_diag_encode(payload, 0, false, frame, sizeof(frame), &len), -EINVAL);
        assert_int_equal(
                sf_diag_encode(payload, sizeof(payload), false, frame, sizeof(frame), &len),
                -EMSGSIZE);

        /* Worst case: every byte escaped. It fits the documented bound and comes back whole. */
        memset(payload, SF_DIAG_FLAG, sizeof(payload));
        assert_int_equal(
                sf_diag_encode(payload, SF_DIAG_MAX_PAYLOAD, true, frame, sizeof(frame), &len), 0);
        assert_true(len <= sizeof(frame));
        assert_true(len >= 2 * SF_DIAG_MAX_PAYLOAD + 4);
        assert_int_equal(sf_diag_decode(frame, len, back, sizeof(back), &back_len), 0);
        assert_int_equal(back_len, SF_DIAG_MAX_PAYLOAD);
        assert_memory_equal(back, payload, SF_DIAG_MAX_PAYLOAD);
}

static void test_decode_examples(void **state)
{
        (void)state;
        for (size_t i = 0; i < N_ELEMENTS(examples); i++) {
                const struct example *e = &examples[i];
                uint8_t out[32];
                size_t len = 0;
                int r;

                r = sf_diag_decode(e->frame, e->frame_len, out, sizeof(out), &len);
                if (r != 0 || len != e->payload_len || memcmp(out, e->payload, len) != 0)
                        print_error("row '%s': r=%d len=%zu\n", e->name, r, len);
                assert_int_equal(r, 0);
                assert_int_equal(len, e->payload_len);
                assert_memory_equal(out, e->payload, e->payload_len);

                /* The closing flag is optional too (a splitter may have eaten it). */
                r = sf_diag_decode(e->frame, e->frame_len - 1, out, sizeof(out), &len);
                if (r != 0 || len != e->payload_len)
                        print_error("row '%s' without closing flag: r=%d\n", e->name, r);
                assert_int_equal(r, 0);
                assert_memory_equal(out, e->payload, e->payload_len);

                /* Exactly the payload's size is enough; one byte less is not, and then the
                 * output stays untouched. */
                assert_int_equal(sf_diag_decode(e->frame, e->frame_len, out, e->payload_len, &len),
                                 0);
                memset(out, SENTINEL, sizeof(out));
                len = 777;
                r = sf_diag_decode(e->frame, e->frame_len, out, e->payload_len - 1, &len);
                if (r != -ENOBUFS)
                        print_error("row '%s' short buffer: r=%d\n", e->name, r);
                assert_int_equal(r, -ENOBUFS);
                assert_int_equal(len, 777);
                assert_int_equal(out[0], SENTINEL);
        }
}

struct bad_frame {
        const char *name;
        const uint8_t *frame;
        size_t len;
        int error;
};

static const struct bad_frame bad_frames[] = {
        {"CRC low byte off by one", BYTES(0x4b, 0x65, 0x01, 0x00, 0x54, 0x0e, 0x7e), -EBADMSG},
        {"payload byte changed", BYTES(0x4b, 0x65, 0x01, 0x01, 0x54, 0x0f, 0x7e), -EBADMSG},
        {"CRC big-endian", BYTES(0x4b, 0x65, 0x01, 0x00, 0x0f, 0x54, 0x7e), -EBADMSG},
        {"CRC not complemented", BYTES(0x7c, 0x6c, 0xb6, 0x7e), -EBADMSG},
        {"escape not undone", BYTES(0x5d, 0x1a, 0x58, 0x7e), -EBADMSG},
        {"unescaped 7e taken as leading flag", BYTES(0x7e, 0x00, 0x93, 0x65, 0x7e), -EBADMSG},
        {"truncated frame", BYTES(0x4b, 0x65, 0x01, 0x54, 0x0f, 0x7e), -EBADMSG},
        {"two bytes only", BYTES(0x7c, 0x93, 0x7e), -EPROTO},
        {"two bytes, both flags", BYTES(0x7e, 0x93, 0x49, 0x7e), -EPROTO},
        {"escaped pair counts as one byte", BYTES(0x7d, 0x5d, 0x1a, 0x7e), -EPROTO},
        {"one byte", BYTES(0x7c), -EPROTO},
        {"flag only", BYTES(0x7e), -EPROTO},
        {"empty frame", BYTES(0x7e, 0x7e), -EPROTO},
        {"nothing", NULL, 0, -EPROTO},
        {"flag inside", BYTES(0x7c, 0x7e, 0x93, 0x49, 0x7e), -EPROTO},
        {"unescaped 7e inside CRC", BYTES(0x2a, 0x20, 0x7e, 0x7e), -EPROTO},
        {"dangling escape", BYTES(0x7c, 0x93, 0x49, 0x7d, 0x7e), -EPROTO},
        {"dangling escape, no flag", BYTES(0x7c, 0x93, 0x49, 0x7d), -EPROTO},
        {"escape then flag", BYTES(0x7c, 0x93, 0x49, 0x7d, 0x7e, 0x7e), -EPROTO},
        {"escape alone", BYTES(0x7d), -EPROTO},
};

static void test_decode_bad(void **state)
{
        (void)state;
        for (size_t i = 0; i < N_ELEMENTS(bad_frames); i++) {
                const struct bad_frame *b = &bad_frames[i];
                uint8_t out[32], untouched[32];
                size_t len = 777;
                int r;

                memset(out, SENTINEL, sizeof(out));
                memset(untouched, SENTINEL, sizeof(untouched));
                r = sf_diag_decode(b->frame, b->len, out, sizeof(out), &len);
                if (r != b->error || len != 777)
                        print_error("row '%s': r=%d (want %d) len=%zu\n", b->name, r, b->error,
                                    len);
                assert_int_equal(r, b->error);
                assert_int_equal(len, 777);
                assert_memory_equal(out, untouched, sizeof(out));
        }
}

static void test_decode_needless_escape(void **state)
{
        /* HDLC lets a sender escape any byte: 7d 5c is 7c. */
        static const uint8_t frame[] = {0x7d, 0x5c, 0x93, 0x49, 0x7e};
        uint8_t out[4];
        size_t len = 0;

        (void)state;
        assert_int_equal(sf_diag_decode(frame, sizeof(frame), out, sizeof(out), &len), 0);
        assert_int_equal(len, 1);
        assert_int_equal(out[0], 0x7c);
}

static void check_builder(const char *name, int r, const uint8_t *out, size_t len,
                          const struct example *e)
{
        if (r != 0 || len != e->frame_len || memcmp(out, e->frame, len) != 0)
                print_error("builder '%s': r=%d len=%zu\n", name, r, len);
        assert_int_equal(r, 0);
        assert_int_equal(len, e->frame_len);
        assert_memory_equal(out, e->frame, e->frame_len);
}

static void test_builders(void **state)
{
        uint8_t out[16];
        size_t len = 0;
        int r;

        (void)state;
        r = sf_diag_build_edl_reboot(out, sizeof(out), &len);
        check_builder("edl reboot", r, out, len, &examples[0]);
        r = sf_diag_build_edl_reboot_echo(out, sizeof(out), &len);
        check_builder("edl reboot echo", r, out, len, &examples[0]);
        r = sf_diag_build_ext_build_id_req(true, out, sizeof(out), &len);
        check_builder("ext build id, flag", r, out, len, &examples[1]);
        r = sf_diag_build_ext_build_id_req(false, out, sizeof(out), &len);
        check_builder("ext build id", r, out, len, &examples[2]);
        r = sf_diag_build_version_info_req(false, out, sizeof(out), &len);
        check_builder("version info", r, out, len, &examples[3]);

        len = 777;
        assert_int_equal(sf_diag_build_edl_reboot(out, 6, &len), -ENOBUFS);
        assert_int_equal(len, 777);
}

struct reply_row {
        const char *name;
        const uint8_t *payload;
        size_t len;
        uint8_t expected_cmd;
        int result;
};

static const struct reply_row reply_rows[] = {
        {"expected", BYTES(0x7c, 0x01), 0x7c, 0},
        {"BAD_CMD echoing the request", BYTES(0x13, 0x7c, 0x93, 0x49), 0x7c, -EOPNOTSUPP},
        {"BAD_PARM", BYTES(0x14, 0x4b, 0x65, 0x01, 0x00), 0x4b, -EINVAL},
        {"BAD_LEN", BYTES(0x15, 0x00), 0x00, -EMSGSIZE},
        {"BAD_MODE", BYTES(0x18), 0x7c, -EPERM},
        {"BAD_SEC_MODE", BYTES(0x47, 0x7c), 0x7c, -EACCES},
        {"unsolicited log packet", BYTES(0x10, 0x00, 0x12), 0x7c, -ENOMSG},
        {"reply to something else", BYTES(0x00), 0x7c, -ENOMSG},
        {"empty", NULL, 0, 0x7c, -EPROTO},
};

static void test_check_reply(void **state)
{
        (void)state;
        for (size_t i = 0; i < N_ELEMENTS(reply_rows); i++) {
                const struct reply_row *row = &reply_rows[i];
                int r = sf_diag_check_reply(row->payload, row->len, row->expected_cmd);

                if (r != row->result)
                        print_error("row '%s': r=%d (want %d)\n", row->name, r, row->result);
                assert_int_equal(r, row->result);
        }
}

static const struct reply_row echo_rows[] = {
        {"echo", BYTES(0x4b, 0x65, 0x01, 0x00), 0x4b, 0},
        {"echo with a byte more", BYTES(0x4b, 0x65, 0x01, 0x00, 0x00), 0x4b, -EPROTO},
        {"other subsystem-0x65 command", BYTES(0x4b, 0x65, 0x02, 0x00), 0x4b, -EPROTO},
        {"short echo", BYTES(0x4b, 0x65, 0x01), 0x4b, -EPROTO},
        {"other subsystem", BYTES(0x4b, 0x13, 0x00, 0x00), 0x4b, -ENOMSG},
        {"bare subsys byte", BYTES(0x4b), 0x4b, -ENOMSG},
        {"BAD_CMD", BYTES(0x13, 0x4b, 0x65, 0x01, 0x00), 0x4b, -EOPNOTSUPP},
        {"BAD_SEC_MODE", BYTES(0x47, 0x4b, 0x65, 0x01, 0x00), 0x4b, -EACCES},
        {"unrelated", BYTES(0x7c), 0x4b, -ENOMSG},
        {"empty", NULL, 0, 0x4b, -EPROTO},
};

static void test_edl_reboot_echo(void **state)
{
        (void)state;
        for (size_t i = 0; i < N_ELEMENTS(echo_rows); i++) {
                const struct reply_row *row = &echo_rows[i];
                int r = sf_diag_parse_edl_reboot_echo(row->payload, row->len);

                if (r != row->result)
                        print_error("row '%s': r=%d (want %d)\n", row->name, r, row->result);
                assert_int_equal(r, row->result);
        }
}

static void test_ext_build_id_scat(void **state)
{
        struct sf_diag_build_id id;
        uint8_t payload[64];
        size_t len = 0;

        (void)state;
        memset(&id, SENTINEL, sizeof(id));
        assert_int_equal(sf_diag_parse_ext_build_id(scat_build_id, sizeof(scat_build_id), &id), 0);
        assert_int_equal(id.version, 1);
        assert_int_equal(id.msm_hw_version, 0x00000CF2);
        assert_int_equal(id.mobile_model, 0x14E);
        assert_string_equal(id.revision, "RM500QGLABR11A06M4G");
        assert_string_equal(id.model, "");

        /* The framed reply decodes to the same payload. */
        assert_int_equal(sf_diag_decode(scat_build_id_frame, sizeof(scat_build_id_frame), payload,
                                        sizeof(payload), &len),
                         0);
        assert_int_equal(len, sizeof(scat_build_id));
        assert_memory_equal(payload, scat_build_id, sizeof(scat_build_id));
}

static void test_ext_build_id_reply_builder(void **state)
{
        struct sf_diag_build_id id = {
                .version = 1,
                .msm_hw_version = 0x00000CF2,
                .mobile_model = 0x14E,
                .revision = "RM500QGLABR11A06M4G",
                .model = "",
        };
        uint8_t frame[128];
        size_t len = 0;

        (void)state;
        /* What the simulator sends must be the real module's bytes. */
        assert_int_equal(sf_diag_build_ext_build_id_reply(&id, frame, sizeof(frame), &len), 0);
        assert_int_equal(len, sizeof(scat_build_id_frame));
        assert_memory_equal(frame, scat_build_id_frame, sizeof(scat_build_id_frame));

        len = 777;
        assert_int_equal(sf_diag_build_ext_build_id_reply(&id, frame, 10, &len), -ENOBUFS);
        assert_int_equal(len, 777);

        memset(id.revision, 'A', sizeof(id.revision));
        assert_int_equal(sf_diag_build_ext_build_id_reply(&id, frame, sizeof(frame), &len),
                         -EINVAL);
        strcpy(id.revision, "RM500\n");
        assert_int_equal(sf_diag_build_ext_build_id_reply(&id, frame, sizeof(frame), &len),
                         -EINVAL);
        strcpy(id.revision, "RM500");
        memset(id.model, 'M', sizeof(id.model));
        assert_int_equal(sf_diag_build_ext_build_id_reply(&id, frame, sizeof(frame), &len),
                         -EINVAL);
        assert_int_equal(len, 777);
}

/* The scat reply's 12-byte header, for hand-made variants. */
#define HDR 0x7c, 0x01, 0x00, 0x00, 0xf2, 0x0c, 0x00, 0x00, 0x4e, 0x01, 0x00, 0x00

struct build_id_row {
        const char *name;
        const uint8_t *payload;
        size_t len;
        int result;
        const char *revision;
        const char *model;
};

static const struct build_id_row build_id_rows[] = {
        {"model absent", BYTES(HDR, 'R', 'M', 0x00), 0, "RM", ""},
        {"model present", BYTES(HDR, 'R', 'M', 0x00, 'E', 'C', '2', '5', 0x00), 0, "RM", "EC25"},
        {"trailing bytes", BYTES(HDR, 'R', 0x00, 'M', 0x00, 0xff, 0x01), 0, "R", "M"},
        {"empty revision", BYTES(HDR, 0x00), 0, "", ""},
        {"header cut short",
         BYTES(0x7c, 0x01, 0x00, 0x00, 0xf2, 0x0c, 0x00, 0x00, 0x4e, 0x01, 0x00), -EPROTO, NULL,
         NULL},
        {"header only", BYTES(HDR), -EPROTO, NULL, NULL},
        {"revision unterminated", BYTES(HDR, 'R', 'M', '5', '0', '0'), -EPROTO, NULL, NULL},
        {"model unterminated", BYTES(HDR, 'R', 'M', 0x00, 'E', 'C'), -EPROTO, NULL, NULL},
        {"control byte in revision", BYTES(HDR, 'R', 0x1b, 'M', 0x00, 0x00), -EPROTO, NULL, NULL},
        {"high byte in revision", BYTES(HDR, 'R', 0xc3, 0x00, 0x00), -EPROTO, NULL, NULL},
        {"DEL in model", BYTES(HDR, 'R', 0x00, 0x7f, 0x00), -EPROTO, NULL, NULL},
        {"BAD_CMD", BYTES(0x13, 0x7c), -EOPNOTSUPP, NULL, NULL},
        {"BAD_LEN", BYTES(0x15, 0x7c), -EMSGSIZE, NULL, NULL},
        {"BAD_SEC_MODE", BYTES(0x47, 0x7c), -EACCES, NULL, NULL},
        {"another reply", BYTES(0x00, 0x01), -ENOMSG, NULL, NULL},
        {"empty", NULL, 0, -EPROTO, NULL, NULL},
};

static void test_ext_build_id_table(void **state)
{
        (void)state;
        for (size_t i = 0; i < N_ELEMENTS(build_id_rows); i++) {
                const struct build_id_row *row = &build_id_rows[i];
                struct sf_diag_build_id id, untouched;
                int r;

                memset(&id, SENTINEL, sizeof(id));
                memset(&untouched, SENTINEL, sizeof(untouched));
                r = sf_diag_parse_ext_build_id(row->payload, row->len, &id);
                if (r != row->result)
                        print_error("row '%s': r=%d (want %d)\n", row->name, r, row->result);
                assert_int_equal(r, row->result);
                if (r < 0) {
                        assert_memory_equal(&id, &untouched, sizeof(id));
                        continue;
                }
                assert_string_equal(id.revision, row->revision);
                assert_string_equal(id.model, row->model);
        }
}

/* Strings exactly at and one past their buffers' capacity. */
static void test_ext_build_id_lengths(void **state)
{
        static const uint8_t hdr[] = {HDR};
        uint8_t p[sizeof(hdr) + SF_DIAG_REVISION_MAX + SF_DIAG_MODEL_MAX + 2];
        struct sf_diag_build_id id;
        size_t off;

        (void)state;
        memcpy(p, hdr, sizeof(hdr));
        for (size_t n = SF_DIAG_REVISION_MAX - 1; n <= SF_DIAG_REVISION_MAX; n++) {
                memset(p + sizeof(hdr), 'R', n);
                p[sizeof(hdr) + n] = 0;
                p[sizeof(hdr) + n + 1] = 0;
                int r = sf_diag_parse_ext_build_id(p, sizeof(hdr) + n + 2, &id);
                if (r != (n < SF_DIAG_REVISION_MAX ? 0 : -ENAMETOOLONG))
                        print_error("revision of %zu bytes: r=%d\n", n, r);
                assert_int_equal(r, n < SF_DIAG_REVISION_MAX ? 0 : -ENAMETOOLONG);
                if (r == 0)
                        assert_int_equal(strlen(id.revision), n);
        }
        for (size_t n = SF_DIAG_MODEL_MAX - 1; n <= SF_DIAG_MODEL_MAX; n++) {
                off = sizeof(hdr);
                p[off++] = 'R';
                p[off++] = 0;
                memset(p + off, 'M', n);
                off += n;
                p[off++] = 0;
                int r = sf_diag_parse_ext_build_id(p, off, &id);
                if (r != (n < SF_DIAG_MODEL_MAX ? 0 : -ENAMETOOLONG))
                        print_error("model of %zu bytes: r=%d\n", n, r);
                assert_int_equal(r, n < SF_DIAG_MODEL_MAX ? 0 : -ENAMETOOLONG);
                if (r == 0)
                        assert_int_equal(strlen(id.model), n);
        }
}

static void test_version_info_scat(void **state)
{
        struct sf_diag_version_info v, untouched;
        uint8_t bad[sizeof(scat_version_info)];

        (void)state;
        assert_int_equal(
                sf_diag_parse_version_info(scat_version_info, sizeof(scat_version_info), &v), 0);
        assert_string_equal(v.compile_date, "Nov  2 2021");
        assert_string_equal(v.compile_time, "22:13:12");
        assert_string_equal(v.release_date, "Oct 12 2021");
        assert_string_equal(v.release_time, "02:00:00");
        assert_string_equal(v.model_dir, "sdx55.cp");
        assert_int_equal(v.scm, 0x2a);
        assert_int_equal(v.mob_cai_rev, 0x09);
        assert_int_equal(v.mob_model, 0xff);
        assert_int_equal(v.mob_firmware_rev, 0x0064);
        assert_int_equal(v.slot_cycle_index, 0x30);
        assert_int_equal(v.msm_ver, 0x00);

        /* Through msm_ver is enough; one byte less is not. */
        assert_int_equal(sf_diag_parse_version_info(scat_version_info, 54, &v), 0);
        memset(&v, SENTINEL, sizeof(v));
        memset(&untouched, SENTINEL, sizeof(untouched));
        assert_int_equal(sf_diag_parse_version_info(scat_version_info, 53, &v), -EPROTO);
        assert_memory_equal(&v, &untouched, sizeof(v));

        /* A NUL ends a field early; a control byte is refused. */
        memcpy(bad, scat_version_info, sizeof(bad));
        bad[4] = 0x00;
        assert_int_equal(sf_diag_parse_version_info(bad, sizeof(bad), &v), 0);
        assert_string_equal(v.compile_date, "Nov");
        bad[40] = 0x0a;
        assert_int_equal(sf_diag_parse_version_info(bad, sizeof(bad), &v), -EPROTO);

        assert_int_equal(sf_diag_parse_version_info((const uint8_t[]){0x13, 0x00}, 2, &v),
                         -EOPNOTSUPP);
}

static void test_cmd_to_string(void **state)
{
        static const struct {
                unsigned int cmd;
                const char *name;
        } rows[] = {
                {0x00, "VERSION_INFO"}, {0x13, "BAD_CMD"},      {0x14, "BAD_PARM"},
                {0x15, "BAD_LEN"},      {0x18, "BAD_MODE"},     {0x26, "NV_READ"},
                {0x3a, "DLOAD"},        {0x47, "BAD_SEC_MODE"}, {0x4b, "SUBSYS"},
                {0x7c, "EXT_BUILD_ID"}, {0x10, "unknown"},      {0x17c, "unknown"},
        };

        (void)state;
        for (size_t i = 0; i < N_ELEMENTS(rows); i++) {
                const char *s = sf_diag_cmd_to_string(rows[i].cmd);

                if (strcmp(s, rows[i].name) != 0)
                        print_error("row 0x%x: '%s'\n", rows[i].cmd, s);
                assert_string_equal(s, rows[i].name);
        }
}

/* ---- streaming reader ---- */

#define MAX_EVENTS 32

struct event {
        int r;
        size_t len;
        uint8_t payload[64];
};

struct events {
        size_t n;
        struct event e[MAX_EVENTS];
};

static void drain(struct sf_diag_reader *r, struct events *ev)
{
        for (;;) {
                struct event e = {0};

                e.r = sf_diag_reader_next(r, e.payload, sizeof(e.payload), &e.len);
                if (e.r == 0)
                        return;
                assert_true(ev->n < MAX_EVENTS);
                if (e.r < 0)
                        e.len = 0;
                ev->e[ev->n++] = e;
        }
}

/* Feed everything, in the given pieces, and collect what comes out. */
static void feed_all(struct sf_diag_reader *r, const uint8_t *data, size_t n, size_t piece,
                     struct events *ev)
{
        while (n > 0) {
                size_t chunk = n < piece ? n : piece;
                size_t took = sf_diag_reader_feed(r, data, chunk);

                data += took;
                n -= took;
                drain(r, ev);
        }
}

struct expect {
        int r;
        const uint8_t *payload;
        size_t len;
};

static void check_events(const char *what, size_t at, const struct events *ev,
                         const struct expect *want, size_t n_want)
{
        if (ev->n != n_want)
                print_error("%s (split %zu): %zu events, want %zu\n", what, at, ev->n, n_want);
        assert_int_equal(ev->n, n_want);
        for (size_t i = 0; i < n_want; i++) {
                const struct event *e = &ev->e[i];

                if (e->r != want[i].r || e->len != want[i].len ||
                    (e->len && memcmp(e->payload, want[i].payload, e->len) != 0))
                        print_error("%s (split %zu): event %zu r=%d len=%zu, want r=%d len=%zu\n",
                                    what, at, i, e->r, e->len, want[i].r, want[i].len);
                assert_int_equal(e->r, want[i].r);
                assert_int_equal(e->len, want[i].len);
                if (e->len)
                        assert_memory_equal(e->payload, want[i].payload, e->len);
        }
}

/* Literal frames from the reference, back to back, with empty frames and a leading flag. */
static const uint8_t stream[] = {
        0x7e, 0x7c, 0x93, 0x49, 0x7e,                   /* 0x7C request, leading flag */
        0x4b, 0x65, 0x01, 0x00, 0x54, 0x0f, 0x7e,       /* EDL reboot */
        0x7e, 0x7e,                                     /* empty frames */
        0x7d, 0x5e, 0x00, 0x93, 0x65, 0x7e,             /* escaped 7e 00 */
        0x2a, 0x20, 0x7d, 0x5e, 0x7e,                   /* escape inside the CRC */
        0x7c, 0x01, 0x00, 0x00, 0xf2, 0x0c, 0x00, 0x00, /* scat 0x7C reply */
        0x4e, 0x01, 0x00, 0x00, 0x52, 0x4d, 0x35, 0x30, 0x30, 0x51, 0x47, 0x4c, 0x41, 0x42,
        0x52, 0x31, 0x31, 0x41, 0x30, 0x36, 0x4d, 0x34, 0x47, 0x00, 0x00, 0x44, 0xab, 0x7e,
};

static const struct expect stream_expect[] = {
        {1, BYTES(0x7c)}, {1, BYTES(0x4b, 0x65, 0x01, 0x00)},        {1, BYTES(0x7e, 0x00)},
        {1, BYTES(0x2a)}, {1, scat_build_id, sizeof(scat_build_id)},
};

static void test_reader_one_feed(void **state)
{
        static struct sf_diag_reader r;
        struct events ev = {0};

        (void)state;
        sf_diag_reader_init(&r);
        feed_all(&r, stream, sizeof(stream), sizeof(stream), &ev);
        check_events("one feed", 0, &ev, stream_expect, N_ELEMENTS(stream_expect));
}

static void test_reader_every_split(void **state)
{
        static struct sf_diag_reader r;

        (void)state;
        for (size_t at = 0; at <= sizeof(stream); at++) {
                struct events ev = {0};

                sf_diag_reader_init(&r);
                feed_all(&r, stream, at, sizeof(stream), &ev);
                feed_all(&r, stream + at, sizeof(stream) - at, sizeof(stream), &ev);
                check_events("two feeds", at, &ev, stream_expect, N_ELEMENTS(stream_expect));
        }
        for (size_t piece = 1; piece <= 8; piece++) {
                struct events ev = {0};

                sf_diag_reader_init(&r);
                feed_all(&r, stream, sizeof(stream), piece, &ev);
                check_events("pieces", piece, &ev, stream_expect, N_ELEMENTS(stream_expect));
        }
}

/* Garbage before, between and inside frames: each bad frame is reported once and the frames
 * after it still come through. */
static const uint8_t noisy[] = {
        0x01, 0x02, 0x03, 0x7e,                   /* junk: CRC fails */
        0x00, 0x78, 0xf0, 0x7e,                   /* version info request */
        0xff, 0x7e,                               /* too short */
        0x7e, 0x7e, 0x7e,                         /* empty frames */
        0x4b, 0x65, 0x01, 0x00, 0x54, 0x0e, 0x7e, /* bad CRC */
        0x3a, 0x7d, 0x7e,                         /* dangling escape */
        0x4b, 0x13, 0x00, 0x00, 0x8d, 0x40, 0x7e, /* EFS2 header */
        0x4b, 0x65, 0x01, 0x00, 0x54, 0x0f, 0x7e, /* EDL reboot */
        0x3a, 0xa1,                               /* incomplete: waits for more */
};

static const struct expect noisy_expect[] = {
        {-EBADMSG, NULL, 0},
        {1, BYTES(0x00)},
        {-EPROTO, NULL, 0},
        {-EBADMSG, NULL, 0},
        {-EPROTO, NULL, 0},
        {1, BYTES(0x4b, 0x13, 0x00, 0x00)},
        {1, BYTES(0x4b, 0x65, 0x01, 0x00)},
};

static void test_reader_garbage(void **state)
{
        static struct sf_diag_reader r;
        struct events ev = {0};

        (void)state;
        for (size_t piece = 1; piece <= sizeof(noisy); piece++) {
                memset(&ev, 0, sizeof(ev));
                sf_diag_reader_init(&r);
                feed_all(&r, noisy, sizeof(noisy), piece, &ev);
                check_events("garbage", piece, &ev, noisy_expect, N_ELEMENTS(noisy_expect));
        }
        /* The incomplete frame completes with the rest of its bytes. */
        memset(&ev, 0, sizeof(ev));
        feed_all(&r, (const uint8_t[]){0x6e, 0x7e}, 2, 2, &ev);
        check_events("completion", 0, &ev, (const struct expect[]){{1, BYTES(0x3a)}}, 1);
}

static void test_reader_overlong(void **state)
{
        static struct sf_diag_reader r;
        static uint8_t junk[2 * SF_DIAG_READER_CAP + 100];
        static const uint8_t tail[] = {
                0x4b, 0x65, 0x01, 0x00, 0x54, 0x0f, 0x7e, /* ends the over-long frame */
                0x7c, 0x93, 0x49, 0x7e,                   /* the next frame counts */
        };
        struct events ev = {0};
        uint8_t out[16];
        size_t len = 0;

        (void)state;
        memset(junk, 0x11, sizeof(junk));
        sf_diag_reader_init(&r);

        /* Only the cap is taken; the reader then refuses to hold more of that frame. */
        assert_int_equal(sf_diag_reader_feed(&r, junk, sizeof(junk)), SF_DIAG_READER_CAP);
        assert_int_equal(sf_diag_reader_feed(&r, junk, 1), 0);
        assert_int_equal(sf_diag_reader_next(&r, out, sizeof(out), &len), -EMSGSIZE);
        /* More of the same frame is dropped silently, and never reported twice. */
        feed_all(&r, junk, sizeof(junk), 4096, &ev);
        assert_int_equal(ev.n, 0);

        feed_all(&r, tail, sizeof(tail), sizeof(tail), &ev);
        check_events("after over-long", 0, &ev, (const struct expect[]){{1, BYTES(0x7c)}}, 1);
}

static void test_reader_largest_frame(void **state)
{
        static struct sf_diag_reader r;
        static uint8_t payload[SF_DIAG_MAX_PAYLOAD];
        static uint8_t frame[SF_DIAG_FRAME_MAX(SF_DIAG_MAX_PAYLOAD)];
        static uint8_t out[SF_DIAG_MAX_PAYLOAD];
        size_t frame_len = 0, len = 0;

        (void)state;
        /* The worst case the encoder allows passes the reader even after a partial frame has
         * been consumed from the buffer. */
        memset(payload, SF_DIAG_ESCAPE, sizeof(payload));
        assert_int_equal(
                sf_diag_encode(payload, sizeof(payload), true, frame, sizeof(frame), &frame_len),
                0);
        sf_diag_reader_init(&r);
        assert_int_equal(sf_diag_reader_feed(&r, (const uint8_t[]){0x00, 0x78, 0xf0, 0x7e}, 4), 4);
        assert_int_equal(sf_diag_reader_next(&r, out, sizeof(out), &len), 1);
        assert_int_equal(sf_diag_reader_feed(&r, frame, frame_len), frame_len);
        assert_int_equal(sf_diag_reader_next(&r, out, sizeof(out), &len), 1);
        assert_int_equal(len, sizeof(payload));
        assert_memory_equal(out, payload, sizeof(payload));
        assert_int_equal(sf_diag_reader_next(&r, out, sizeof(out), &len), 0);
}

static void test_reader_small_output(void **state)
{
        static struct sf_diag_reader r;
        static const uint8_t two[] = {
                0x4b, 0x65, 0x01, 0x00, 0x54, 0x0f, 0x7e, 0x7c, 0x93, 0x49, 0x7e,
        };
        uint8_t out[2];
        size_t len = 777;

        (void)state;
        sf_diag_reader_init(&r);
        assert_int_equal(sf_diag_reader_feed(&r, two, sizeof(two)), sizeof(two));
        /* A frame too big for the caller is dropped; the stream goes on. */
        assert_int_equal(sf_diag_reader_next(&r, out, sizeof(out), &len), -ENOBUFS);
        assert_int_equal(len, 777);
        assert_int_equal(sf_diag_reader_next(&r, out, sizeof(out), &len), 1);
        assert_int_equal(len, 1);
        assert_int_equal(out[0], 0x7c);
        assert_int_equal(sf_diag_reader_next(&r, out, sizeof(out), &len), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_crc),
                cmocka_unit_test(test_encode_examples),
                cmocka_unit_test(test_encode_exact_space),
                cmocka_unit_test(test_encode_limits),
                cmocka_unit_test(test_decode_examples),
                cmocka_unit_test(test_decode_bad),
                cmocka_unit_test(test_decode_needless_escape),
                cmocka_unit_test(test_builders),
                cmocka_unit_test(test_check_reply),
                cmocka_unit_test(test_edl_reboot_echo),
                cmocka_unit_test(test_ext_build_id_scat),
                cmocka_unit_test(test_ext_build_id_reply_builder),
                cmocka_unit_test(test_ext_build_id_table),
                cmocka_unit_test(test_ext_build_id_lengths),
                cmocka_unit_test(test_version_info_scat),
                cmocka_unit_test(test_cmd_to_string),
                cmocka_unit_test(test_reader_one_feed),
                cmocka_unit_test(test_reader_every_split),
                cmocka_unit_test(test_reader_garbage),
                cmocka_unit_test(test_reader_overlong),
                cmocka_unit_test(test_reader_largest_frame),
                cmocka_unit_test(test_reader_small_output),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
