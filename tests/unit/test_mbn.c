/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* 5G programmers: the MBN v7 hash segment with SHA-384 entries (SDX55/SDX62), checked like v5/v6.
 * The segment is typed in from the v7 layout documented in proto/mbn.h (the sizes bkerler/edl's
 * fhloaderparse.py reads at +8..+28), the ELF around it from protocols.md section 8.1. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "package/programmer.h"
#include "proto/mbn.h"
#include "session/sahara_host.h"

static void le32(uint8_t *p, uint32_t v)
{
        for (int i = 0; i < 4; i++)
                p[i] = (uint8_t)(v >> (8 * i));
}

static void le16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
}

/* A DER SEQUENCE around text: the chain splitter and the OU scanner only look at that much. */
static size_t cert(uint8_t *out, const char *text)
{
        size_t n = strlen(text);

        out[0] = 0x30;
        out[1] = 0x82;
        out[2] = (uint8_t)(n >> 8);
        out[3] = (uint8_t)n;
        memcpy(out + 4, text, n);
        return n + 4;
}

#define SEG_OFF 0x1000
#define SEG_LEN 0x400
/* v7: header 40, common metadata 24, QTI metadata 0, OEM metadata 8, hash table 3 x 48,
 * QTI signature 0, QTI chain 0, OEM signature 16, then the OEM chain. */
#define TABLE_OFF (40 + 24 + 0 + 8)
#define SIG_OFF   (TABLE_OFF + 3 * 48)
#define CHAIN_OFF (SIG_OFF + 16)

static const char ROOT[] = "OEM root CA (SHA384)";

/* An ELF32 programmer: phdr 0 the headers, phdr 1 the hash segment, phdr 2 the code. */
static uint8_t *programmer(size_t *len)
{
        uint8_t *b = calloc(1, 0x2000), *seg = b + SEG_OFF;
        size_t off;

        memcpy(b, "\x7f" "ELF\x01\x01\x01", 7);
        le32(b + 28, 0x34); /* phoff */
        le16(b + 42, 0x20); /* phentsize */
        le16(b + 44, 3);    /* phnum */
        le32(b + 0x34 + 4, 0);
        le32(b + 0x34 + 16, 0x94);
        le32(b + 0x34 + 24, 0x07000000);
        le32(b + 0x54 + 4, SEG_OFF);
        le32(b + 0x54 + 16, SEG_LEN);
        le32(b + 0x54 + 24, 0x02000000); /* hash segment */
        le32(b + 0x74, 1);
        le32(b + 0x74 + 4, 0x1800);
        le32(b + 0x74 + 16, 0x800);
        le32(seg + 4, 7);
        le32(seg + 8, 24);     /* common metadata */
        le32(seg + 12, 0);     /* QTI metadata */
        le32(seg + 16, 8);     /* OEM metadata */
        le32(seg + 20, 3 * 48); /* hash table: SHA-384 per segment */
        le32(seg + 24, 0);     /* QTI signature */
        le32(seg + 28, 0);     /* QTI chain */
        le32(seg + 32, 16);    /* OEM signature */
        off = cert(seg + CHAIN_OFF, "02 000C30E100000000 HW_ID 04 0000 OEM_ID");
        off += cert(seg + CHAIN_OFF + off, "attestation CA");
        off += cert(seg + CHAIN_OFF + off, ROOT);
        le32(seg + 36, (uint32_t)off);
        *len = 0x2000;
        return b;
}

static void test_v7_header(void **state)
{
        size_t len;
        uint8_t *b = programmer(&len);
        struct sf_mbn_header m;

        (void)state;
        assert_int_equal(sf_mbn_parse_header_n(b + SEG_OFF, SEG_LEN, 3, &m), 0);
        assert_int_equal(m.version, 7);
        assert_int_equal(m.digest_len, 48);
        assert_int_equal(m.hash_table_off, TABLE_OFF);
        assert_int_equal(m.code_size, 144);
        assert_int_equal(m.signature_off, SIG_OFF);
        assert_int_equal(m.signature_size, 16);
        assert_int_equal(m.cert_chain_off, CHAIN_OFF);
        /* A chain that runs past the segment is refused. */
        le32(b + SEG_OFF + 36, SEG_LEN);
        assert_int_equal(sf_mbn_parse_header_n(b + SEG_OFF, SEG_LEN, 3, &m), -EPROTO);
        /* Version 4 is no known layout. */
        le32(b + SEG_OFF + 4, 4);
        assert_int_equal(sf_mbn_parse_header_n(b + SEG_OFF, SEG_LEN, 3, &m), -EPROTO);
        free(b);
}

static void test_v7_programmer_check(void **state)
{
        struct sf_chip_identity chip = {.has_hwid = true, .msm_id = 0x000C30E1, .pk_hash_len = 48};
        struct sf_programmer_info p;
        struct sf_error err = {0};
        uint8_t root[64];
        unsigned n = 48;
        size_t len, rl = cert(root, ROOT);
        uint8_t *b = programmer(&len);

        (void)state;
        assert_int_equal(sf_programmer_inspect("prog_firehose_sdx55.mbn", b, len, &p, &err), 0);
        assert_int_equal(p.mbn_version, 7);
        assert_int_equal(p.digest_len, 48);
        assert_true(p.has_identity);
        assert_int_equal(p.msm_id, 0x000C30E1);
        /* Secure boot on with a SHA-384 PK hash: the root's SHA-384 must be it. */
        assert_int_equal(EVP_Digest(root, rl, chip.pk_hash, &n, EVP_sha384(), NULL), 1);
        assert_int_equal(sf_programmer_check(&p, &chip, true, &err), 0);
        chip.pk_hash[47] ^= 1;
        assert_int_equal(sf_programmer_check(&p, &chip, true, &err), -EPERM);
        assert_non_null(strstr(err.message, "another root key"));
        chip.pk_hash[47] ^= 1;
        chip.msm_id = 0x000480E1;
        assert_int_equal(sf_programmer_check(&p, &chip, true, &err), -EPERM);
        free(b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_v7_header),
                cmocka_unit_test(test_v7_programmer_check),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
