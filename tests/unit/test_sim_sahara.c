/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The simulator's boot ROM (Sahara device side). Its packets are compared with the byte examples
 * of the protocol reference (section 2.14), typed in from the document. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "proto/sahara.h"
#include "sahara_dev.h"
#include "util/endian.h"

/* clang-format off */
static const uint8_t HELLO_V2[48] = {0x01,0,0,0, 0x30,0,0,0, 0x02,0,0,0, 0x01,0,0,0, 0x00,0x04,0,0};
static const uint8_t HELLO_RESP_MODE0[48] = {0x02,0,0,0, 0x30,0,0,0, 0x02,0,0,0, 0x01,0,0,0};
static const uint8_t HELLO_RESP_MODE3[48] = {0x02,0,0,0, 0x30,0,0,0, 0x02,0,0,0, 0x01,0,0,0, 0,0,0,0, 0x03,0,0,0};
static const uint8_t READ_DATA_HDR[20] = {0x03,0,0,0, 0x14,0,0,0, 0x0d,0,0,0, 0,0,0,0, 0x34,0,0,0};
static const uint8_t DONE[8] = {0x05,0,0,0, 0x08,0,0,0};
static const uint8_t DONE_RESP_COMPLETE[12] = {0x06,0,0,0, 0x0c,0,0,0, 0x01,0,0,0};
static const uint8_t EOT_SUCCESS[16] = {0x04,0,0,0, 0x10,0,0,0, 0x0d,0,0,0, 0,0,0,0};
static const uint8_t EOT_AUTH[16] = {0x04,0,0,0, 0x10,0,0,0, 0x0d,0,0,0, 0x21,0,0,0};
static const uint8_t CMD_READY[8] = {0x0b,0,0,0, 0x08,0,0,0};
static const uint8_t EXEC_SERIAL[12] = {0x0d,0,0,0, 0x0c,0,0,0, 0x01,0,0,0};
static const uint8_t EXEC_RESP_SERIAL[16] = {0x0e,0,0,0, 0x10,0,0,0, 0x01,0,0,0, 0x04,0,0,0};
static const uint8_t EXEC_DATA_SERIAL[12] = {0x0f,0,0,0, 0x0c,0,0,0, 0x01,0,0,0};
static const uint8_t SERIAL_REPLY[4] = {0x64,0x4c,0xf9,0x0c};
static const uint8_t EXEC_RESP_HWID[16] = {0x0e,0,0,0, 0x10,0,0,0, 0x02,0,0,0, 0x08,0,0,0};
static const uint8_t HWID_REPLY[8] = {0x00,0x00,0x00,0x00,0xe1,0x80,0x04,0x00};
static const uint8_t SWITCH_MODE0[12] = {0x0c,0,0,0, 0x0c,0,0,0, 0,0,0,0};
static const uint8_t RESET[8] = {0x07,0,0,0, 0x08,0,0,0};
/* clang-format on */

/* What the device sent: a queue of messages. */
struct outbox {
        uint8_t msg[64][256];
        size_t len[64];
        size_t n, pos;
};

static int capture(void *ctx, const uint8_t *buf, size_t len)
{
        struct outbox *o = ctx;

        assert_true(o->n < 64 && len <= 256);
        memcpy(o->msg[o->n], buf, len);
        o->len[o->n++] = len;
        return 0;
}

static void expect(struct outbox *o, const uint8_t *bytes, size_t len)
{
        assert_true(o->pos < o->n);
        assert_int_equal(o->len[o->pos], len);
        assert_memory_equal(o->msg[o->pos], bytes, len);
        o->pos++;
}

static struct sim_chip ec25_chip(void)
{
        struct sim_chip c = {.serial = 0x0cf94c64,
                             .msm_id = 0x000480E1,
                             .sahara_version = 2,
                             .max_chunk = 4096,
                             .sbl_version = 1};
        return c;
}

/* A programmer: ELF32, phdr 0 covers the headers, phdr 1 the hash segment, phdr 2 the code. */
struct prog {
        uint8_t *bytes;
        size_t len;
        uint8_t root_hash[32];
};

static void sha256(const uint8_t *p, size_t n, uint8_t *out)
{
        unsigned l = 32;
        EVP_Digest(p, n, out, &l, EVP_sha256(), NULL);
}

/* A DER SEQUENCE wrapping text (the identity OUs live in the attestation certificate). */
static size_t fake_cert(uint8_t *out, const char *text)
{
        size_t n = strlen(text);
        out[0] = 0x30;
        out[1] = 0x82;
        out[2] = (uint8_t)(n >> 8);
        out[3] = (uint8_t)n;
        memcpy(out + 4, text, n);
        return n + 4;
}

static void put_phdr(uint8_t *p, uint32_t type, uint32_t off, uint32_t size, uint32_t flags)
{
        sf_put_le32(p, type);
        sf_put_le32(p + 4, off);
        sf_put_le32(p + 16, size);
        sf_put_le32(p + 20, size);
        sf_put_le32(p + 24, flags);
}

static struct prog make_programmer(const char *hw_id_ou, bool with_hash)
{
        struct prog g = {.len = 0x2000 + 0x2800};
        uint8_t *b = calloc(1, g.len), *seg = b + 0x1000, *chain;
        size_t off;

        memcpy(b,
               "\x7f"
               "ELF\x01\x01\x01",
               7);
        sf_put_le16(b + 42, 0x20);
        sf_put_le16(b + 44, 3);
        sf_put_le32(b + 28, 0x34);
        put_phdr(b + 0x34, 0, 0, 0x94, 0x07000000);
        put_phdr(b + 0x54, 0, 0x1000, 0x800, with_hash ? 0x02000000 : 0);
        put_phdr(b + 0x74, 1, 0x2000, 0x2800, 0x5);
        for (size_t i = 0; i < 0x2800; i++)
                b[0x2000 + i] = (uint8_t)(i * 7);
        sf_put_le32(seg + 4, 3);       /* MBN v3 */
        sf_put_le32(seg + 20, 3 * 32); /* code_size: the hash table */
        sf_put_le32(seg + 28, 64);     /* signature */
        chain = seg + 40 + 96 + 64;
        off = fake_cert(chain, hw_id_ou);
        off += fake_cert(chain + off, "attestation CA");
        sf_put_le32(seg + 36, (uint32_t)(off + fake_cert(chain + off, "OEM root CA")));
        sha256(chain + off, strlen("OEM root CA") + 4, g.root_hash);
        sha256(b, 0x94, seg + 40);
        sha256(b + 0x2000, 0x2800, seg + 40 + 64);
        g.bytes = b;
        return g;
}

/* Serve every READ_DATA from the programmer, in pieces of `piece` bytes, until something else
 * arrives; returns that message's index. */
static size_t serve(struct sim_sahara *s, struct outbox *o, const struct prog *g, size_t piece)
{
        for (;;) {
                struct sf_sahara_packet p;
                assert_true(o->pos < o->n);
                assert_int_equal(sf_sahara_parse(o->msg[o->pos], o->len[o->pos], &p), 0);
                if (p.cmd != SF_SAHARA_READ_DATA && p.cmd != SF_SAHARA_READ_DATA_64)
                        return o->pos;
                o->pos++;
                assert_int_equal(p.u.read.image_id, 13);
                assert_true(p.u.read.offset + p.u.read.length <= g->len);
                assert_true(p.u.read.length <= 4096);
                for (uint64_t k = 0; k < p.u.read.length; k += piece) {
                        uint64_t n = p.u.read.length - k < piece ? p.u.read.length - k : piece;
                        assert_int_equal(sim_sahara_input(s, g->bytes + p.u.read.offset + k, n), 0);
                }
        }
}

static void boot_with(struct sim_chip *chip, const struct prog *g, size_t piece,
                      const uint8_t *want_eot, enum sim_sahara_outcome want)
{
        struct outbox o = {0};
        struct sim_sahara s;

        sim_sahara_init(&s, chip, capture, &o);
        assert_int_equal(sim_sahara_start(&s), 0);
        expect(&o, HELLO_V2, 48);
        assert_int_equal(sim_sahara_input(&s, HELLO_RESP_MODE0, 48), 0);
        if (!chip->read_data_64) {
                assert_memory_equal(o.msg[o.pos], READ_DATA_HDR, 20);
        } else {
                struct sf_sahara_packet p;
                assert_int_equal(sf_sahara_parse(o.msg[o.pos], o.len[o.pos], &p), 0);
                assert_int_equal(p.cmd, SF_SAHARA_READ_DATA_64);
                assert_int_equal(p.u.read.length, 0x34);
        }
        serve(&s, &o, g, piece);
        expect(&o, want_eot, 16);
        if (want_eot[12] == 0) {
                assert_int_equal(sim_sahara_input(&s, DONE, 8), 0);
                expect(&o, DONE_RESP_COMPLETE, 12);
        }
        assert_int_equal(s.outcome, want);
        sim_sahara_done(&s);
}

static void test_programmer_pulled_and_started(void **state)
{
        struct sim_chip chip = ec25_chip();
        struct prog g = make_programmer("02 000480E100000000 HW_ID", true);

        (void)state;
        boot_with(&chip, &g, 4096, EOT_SUCCESS, SIM_SAHARA_PROGRAMMER_STARTED);
        /* Host data split into odd pieces is a byte stream to the device. */
        boot_with(&chip, &g, 7, EOT_SUCCESS, SIM_SAHARA_PROGRAMMER_STARTED);
        chip.secure_boot = true;
        memcpy(chip.pk_hash, g.root_hash, 32);
        boot_with(&chip, &g, 4096, EOT_SUCCESS, SIM_SAHARA_PROGRAMMER_STARTED);
        free(g.bytes);
}

static void test_authentication_refusals(void **state)
{
        struct sim_chip chip = ec25_chip();
        struct prog g = make_programmer("02 000480E100000000 HW_ID", true);
        struct prog other = make_programmer("02 009600E100000000 HW_ID", true);
        struct prog nohash = make_programmer("02 000480E100000000 HW_ID", false);
        static const uint8_t EOT_HASH_MISMATCH[16] = {4, 0, 0, 0, 0x10, 0, 0, 0, 13, 0, 0, 0, 0x22};
        static const uint8_t EOT_NO_HASH[16] = {4, 0, 0, 0, 0x10, 0, 0, 0, 13, 0, 0, 0, 0x23};
        static const uint8_t EOT_IMAGE_AUTH[16] = {4, 0, 0, 0, 0x10, 0, 0, 0, 13, 0, 0, 0, 0x25};

        (void)state;
        /* Unfused chip, programmer for another chip: accepted, then it never answers. */
        boot_with(&chip, &other, 4096, EOT_SUCCESS, SIM_SAHARA_PROGRAMMER_HUNG);
        boot_with(&chip, &nohash, 4096, EOT_NO_HASH, SIM_SAHARA_RUNNING);
        chip.secure_boot = true;
        memset(chip.pk_hash, 0x5a, 32);
        boot_with(&chip, &g, 4096, EOT_AUTH, SIM_SAHARA_RUNNING);
        memcpy(chip.pk_hash, other.root_hash, 32);
        boot_with(&chip, &other, 4096, EOT_IMAGE_AUTH, SIM_SAHARA_RUNNING);
        g.bytes[0x2100] ^= 1; /* a modified programmer */
        boot_with(&chip, &g, 4096, EOT_HASH_MISMATCH, SIM_SAHARA_RUNNING);
        free(g.bytes);
        free(other.bytes);
        free(nohash.bytes);
}

static void test_command_mode(void **state)
{
        struct sim_chip chip = ec25_chip();
        struct outbox o = {0};
        struct sim_sahara s;
        static const uint8_t exec_bogus[12] = {0x0d, 0, 0, 0, 0x0c, 0, 0, 0, 0x06, 0, 0, 0};
        static const uint8_t EOT_UNSUPPORTED[16] = {4, 0, 0, 0, 0x10, 0, 0, 0, 13, 0, 0, 0, 0x1f};
        static const uint8_t exec_hwid[12] = {0x0d, 0, 0, 0, 0x0c, 0, 0, 0, 0x02, 0, 0, 0};
        static const uint8_t exec_data_hwid[12] = {0x0f, 0, 0, 0, 0x0c, 0, 0, 0, 0x02, 0, 0, 0};

        (void)state;
        sim_sahara_init(&s, &chip, capture, &o);
        sim_sahara_start(&s);
        expect(&o, HELLO_V2, 48);
        sim_sahara_input(&s, HELLO_RESP_MODE3, 48);
        expect(&o, CMD_READY, 8);
        sim_sahara_input(&s, EXEC_SERIAL, 12);
        expect(&o, EXEC_RESP_SERIAL, 16);
        sim_sahara_input(&s, EXEC_DATA_SERIAL, 12);
        expect(&o, SERIAL_REPLY, 4);
        sim_sahara_input(&s, exec_hwid, 12);
        expect(&o, EXEC_RESP_HWID, 16);
        sim_sahara_input(&s, exec_data_hwid, 12);
        expect(&o, HWID_REPLY, 8);
        sim_sahara_input(&s, exec_bogus, 12);
        expect(&o, EOT_UNSUPPORTED, 16);
        sim_sahara_input(&s, SWITCH_MODE0, 12);
        expect(&o, HELLO_V2, 48);
        sim_sahara_input(&s, HELLO_RESP_MODE0, 48);
        expect(&o, READ_DATA_HDR, 20);
        sim_sahara_input(&s, RESET, 8);
        assert_int_equal(o.len[o.pos], 8);
        assert_int_equal(o.msg[o.pos][0], SF_SAHARA_RESET_RESP);
        assert_int_equal(s.outcome, SIM_SAHARA_RESET);
        sim_sahara_done(&s);
}

/* Quirk done-pending: DONE_RESP with image_tx_status 0 (protocols.md 2.3, 2.9), and the
 * programmer starts all the same. */
static void test_done_pending(void **state)
{
        static const uint8_t DONE_RESP_PENDING[12] = {0x06, 0, 0, 0, 0x0c, 0, 0, 0, 0, 0, 0, 0};
        struct sim_chip chip = ec25_chip();
        struct prog g = make_programmer("02 000480E100000000 HW_ID", true);
        struct outbox o = {0};
        struct sim_sahara s;

        (void)state;
        chip.done_pending = true;
        sim_sahara_init(&s, &chip, capture, &o);
        sim_sahara_start(&s);
        expect(&o, HELLO_V2, 48);
        sim_sahara_input(&s, HELLO_RESP_MODE0, 48);
        serve(&s, &o, &g, 4096);
        expect(&o, EOT_SUCCESS, 16);
        assert_int_equal(sim_sahara_input(&s, DONE, 8), 0);
        expect(&o, DONE_RESP_PENDING, 12);
        assert_int_equal(s.outcome, SIM_SAHARA_PROGRAMMER_STARTED);
        sim_sahara_done(&s);
        free(g.bytes);
}

/* Quirk no-command-mode: END_OF_IMAGE_TX with an error in answer to HELLO_RESP mode 3
 * (protocols.md 2.10); the boot ROM then still takes a HELLO_RESP for an upload. Quirk
 * sahara-v3: HELLO version 3, MSM_HW_ID_READ unsupported (0x1F), READ_CHIP_ID_V3 answered
 * with MSM_ID at +36, OEM_ID at +40, MODEL_ID at +42. */
static void test_no_command_mode_and_v3(void **state)
{
        static const uint8_t EOT_HOST_MODE[16] = {4, 0, 0, 0, 0x10, 0, 0, 0, 13, 0, 0, 0, 0x18};
        static const uint8_t HELLO_V3[48] = {0x01, 0, 0, 0, 0x30, 0, 0, 0, 0x03, 0, 0, 0,
                                             0x01, 0, 0, 0, 0x00, 0x04, 0, 0};
        static const uint8_t EOT_UNSUPPORTED[16] = {4, 0, 0, 0, 0x10, 0, 0, 0, 13, 0, 0, 0, 0x1f};
        static const uint8_t exec_hwid[12] = {0x0d, 0, 0, 0, 0x0c, 0, 0, 0, 0x02, 0, 0, 0};
        static const uint8_t exec_v3[12] = {0x0d, 0, 0, 0, 0x0c, 0, 0, 0, 0x0a, 0, 0, 0};
        static const uint8_t exec_data_v3[12] = {0x0f, 0, 0, 0, 0x0c, 0, 0, 0, 0x0a, 0, 0, 0};
        struct sim_chip chip = ec25_chip();
        struct outbox o = {0};
        struct sim_sahara s;

        (void)state;
        chip.no_command_mode = true;
        sim_sahara_init(&s, &chip, capture, &o);
        sim_sahara_start(&s);
        expect(&o, HELLO_V2, 48);
        sim_sahara_input(&s, HELLO_RESP_MODE3, 48);
        expect(&o, EOT_HOST_MODE, 16);
        sim_sahara_input(&s, HELLO_RESP_MODE0, 48);
        expect(&o, READ_DATA_HDR, 20);
        sim_sahara_done(&s);

        chip = ec25_chip();
        chip.sahara_version = 3;
        o = (struct outbox){0};
        sim_sahara_init(&s, &chip, capture, &o);
        sim_sahara_start(&s);
        expect(&o, HELLO_V3, 48);
        sim_sahara_input(&s, HELLO_RESP_MODE3, 48);
        expect(&o, CMD_READY, 8);
        sim_sahara_input(&s, exec_hwid, 12);
        expect(&o, EOT_UNSUPPORTED, 16);
        sim_sahara_input(&s, exec_v3, 12);
        assert_true(o.pos < o.n && o.len[o.pos] == 16 && o.msg[o.pos][0] == 0x0e &&
                    o.msg[o.pos][8] == 0x0a && o.msg[o.pos][12] >= 44);
        o.pos++;
        sim_sahara_input(&s, exec_data_v3, 12);
        assert_true(o.pos < o.n && o.len[o.pos] >= 44);
        assert_memory_equal(o.msg[o.pos], SERIAL_REPLY, 4);
        assert_memory_equal(o.msg[o.pos] + 36, "\xe1\x80\x04\x00", 4); /* MSM_ID 0x000480E1 */
        sim_sahara_done(&s);
}

static void test_read_data_64_and_garbage(void **state)
{
        struct sim_chip chip = ec25_chip();
        struct prog g = make_programmer("02 000480E100000000 HW_ID", true);
        struct outbox o = {0};
        struct sim_sahara s;
        struct sf_sahara_packet p;
        static const uint8_t garbage[8] = {0x41, 0x54, 0x0d, 0x0a, 0xff, 0xff, 0xff, 0xff};

        (void)state;
        chip.read_data_64 = true;
        boot_with(&chip, &g, 4096, EOT_SUCCESS, SIM_SAHARA_PROGRAMMER_STARTED);
        /* Foreign bytes (an AT probe) where a packet is expected: refused, not a crash. */
        chip.read_data_64 = false;
        sim_sahara_init(&s, &chip, capture, &o);
        sim_sahara_start(&s);
        expect(&o, HELLO_V2, 48);
        assert_int_equal(sim_sahara_input(&s, garbage, sizeof(garbage)), 0);
        assert_int_equal(sf_sahara_parse(o.msg[o.pos], o.len[o.pos], &p), 0);
        assert_int_equal(p.cmd, SF_SAHARA_END_OF_IMAGE);
        assert_int_equal(p.u.end_of_image.status, 0x05);
        o.pos++;
        /* and the device still answers a proper HELLO_RESP afterwards */
        sim_sahara_input(&s, HELLO_RESP_MODE0, 48);
        expect(&o, READ_DATA_HDR, 20);
        sim_sahara_done(&s);
        free(g.bytes);
}

/* A crashed chip (05c6:900e): HELLO mode 2, a memory table, regions readable, the crash log. */
static void test_memory_debug(void **state)
{
        struct sim_chip chip = ec25_chip();
        struct outbox o = {0};
        struct sim_sahara s;
        struct sf_sahara_packet p;
        uint8_t req[24];
        struct sf_sahara_packet rd = {.cmd = SF_SAHARA_MEMORY_READ};
        static const uint8_t hello_resp_mode2[48] = {0x02, 0,    0, 0, 0x30, 0, 0, 0, 0x02, 0,   0,
                                                     0,    0x01, 0, 0, 0,    0, 0, 0, 0,    0x02};
        int n;

        (void)state;
        chip.memory_debug = true;
        sim_sahara_init(&s, &chip, capture, &o);
        s.crash_log = "the modem image is damaged";
        sim_sahara_start(&s);
        assert_int_equal(sf_sahara_parse(o.msg[0], o.len[0], &p), 0);
        assert_int_equal(p.u.hello.mode, 2); /* HELLO byte 20 = 02 */
        o.pos = 1;
        sim_sahara_input(&s, hello_resp_mode2, 48);
        assert_int_equal(sf_sahara_parse(o.msg[o.pos], o.len[o.pos], &p), 0);
        assert_int_equal(p.cmd, SF_SAHARA_MEMORY_DEBUG);
        o.pos++;
        rd.u.memory = p.u.memory;
        n = sf_sahara_build(&rd, req, sizeof(req));
        sim_sahara_input(&s, req, (size_t)n);
        assert_int_equal(o.len[o.pos], p.u.memory.length);
        assert_int_equal(o.len[o.pos], 2 * 52); /* two 52-byte entries */
        assert_memory_equal(o.msg[o.pos] + 12, "Crash log", 9);
        rd.u.memory.addr = sf_le32(o.msg[o.pos] + 4);
        rd.u.memory.length = 256;
        o.pos++;
        n = sf_sahara_build(&rd, req, sizeof(req));
        sim_sahara_input(&s, req, (size_t)n);
        assert_non_null(strstr((const char *)o.msg[o.pos], "the modem image is damaged"));
        o.pos++;
        /* Outside every region: refused (0x19), not a crash of the simulator. */
        rd.u.memory.addr = 0x1000;
        n = sf_sahara_build(&rd, req, sizeof(req));
        sim_sahara_input(&s, req, (size_t)n);
        assert_int_equal(sf_sahara_parse(o.msg[o.pos], o.len[o.pos], &p), 0);
        assert_int_equal(p.u.end_of_image.status, 0x19);
        sim_sahara_done(&s);
}

/* A chip with 64-bit Sahara (SDX55): MEMORY_DEBUG_64, and its table in the 64-bit entry layout
 * (u64 save_pref, u64 mem_base, u64 length, desc[20], filename[20]; reference 2.12). */
static void test_memory_debug_64(void **state)
{
        static const uint8_t hello_resp_mode2[48] = {0x02, 0,    0, 0, 0x30, 0, 0, 0, 0x02, 0,   0,
                                                     0,    0x01, 0, 0, 0,    0, 0, 0, 0,    0x02};
        /* MEMORY_READ_64 of 128 bytes at 0x08600000, typed from section 2.3 */
        static const uint8_t read_table[24] = {0x11, 0, 0, 0, 0x18, 0, 0, 0, 0, 0, 0x60, 0x08,
                                               0,    0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0,    0};
        struct sim_chip chip = ec25_chip();
        struct outbox o = {0};
        struct sim_sahara s;
        struct sf_sahara_packet p;
        const uint8_t *e;

        (void)state;
        chip.memory_debug = true;
        chip.read_data_64 = true;
        sim_sahara_init(&s, &chip, capture, &o);
        sim_sahara_start(&s);
        o.pos = 1;
        sim_sahara_input(&s, hello_resp_mode2, 48);
        assert_int_equal(sf_sahara_parse(o.msg[o.pos], o.len[o.pos], &p), 0);
        assert_int_equal(p.cmd, SF_SAHARA_MEMORY_DEBUG_64);
        assert_int_equal(p.u.memory.length, 2 * 64);
        o.pos++;
        sim_sahara_input(&s, read_table, sizeof(read_table));
        assert_int_equal(o.len[o.pos], 128);
        e = o.msg[o.pos] + 64; /* the second entry: the DDR region */
        assert_int_equal(sf_le64(e), 1);
        assert_int_equal(sf_le64(e + 8), 0x80000000);
        assert_int_equal(sf_le64(e + 16), 256 * 1024);
        assert_memory_equal(e + 24, "DDR CS0", 8);
        assert_memory_equal(e + 44, "DDRCS0.BIN", 11);
        sim_sahara_done(&s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_programmer_pulled_and_started),
                cmocka_unit_test(test_authentication_refusals),
                cmocka_unit_test(test_command_mode),
                cmocka_unit_test(test_done_pending),
                cmocka_unit_test(test_no_command_mode_and_v3),
                cmocka_unit_test(test_read_data_64_and_garbage),
                cmocka_unit_test(test_memory_debug),
                cmocka_unit_test(test_memory_debug_64),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
