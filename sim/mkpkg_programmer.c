/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The simulated programmers, signed: see mkpkg_programmer.h. */
#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "mkpkg_core.h"
#include "mkpkg_programmer.h"
#include "proto/mbn.h"
#include "safeflash/version.h"
#include "util/cleanup.h"
#include "util/endian.h"
#include "util/strutil.h"

#define PAGE          4096u
#define CHAIN_AREA    SIM_PKG_CHAIN_AREA
#define SIGNATURE_LEN 256u /* the size of an RSA-2048 signature */
#define MBN_V3_LEN    40u
#define PROG_SEGMENTS 4u /* code, rodata, data, bss */
#define PROG_PHDRS    (2u + PROG_SEGMENTS)
#define HASH_TABLE    (PROG_PHDRS * 32u)
#define HASH_SEG_OFF  0x1000u
#define HASH_SEG_LEN  (MBN_V3_LEN + HASH_TABLE + SIGNATURE_LEN + CHAIN_AREA)
/* MBN v7 (SDX55 and later): the 40-byte header, then the common metadata (six u32: major,
 * minor, software id, secondary software id, hash table algorithm, measurement register), the
 * QTI metadata (none here), the OEM metadata ("OEM metadata 2.0", 224 bytes), a SHA-384 hash
 * table, the QTI signature and chain (none: not dual-signed), the OEM signature and chain. Sizes
 * and order as Stephan Gerhold's qtestsign writes them after coreboot's mbn_tools.py. */
#define MBN_V7_COMMON_MD 24u
#define MBN_V7_OEM_MD    224u
#define MBN_V7_SHA384    3u /* hash_table_algorithm: SHA-384 */
#define HASH_TABLE_V7    (PROG_PHDRS * 48u)
#define HASH_SEG_LEN_V7                                                                            \
        (MBN_V3_LEN + MBN_V7_COMMON_MD + MBN_V7_OEM_MD + HASH_TABLE_V7 + SIGNATURE_LEN + CHAIN_AREA)
#define LOAD_BASE   0x08000000u
#define PROG_SW_ID  3u /* Qualcomm's software ID of programmers (ENPRG, NPRG, Firehose) */
#define VALID_FROM  "20200101000000Z"
#define VALID_UNTIL "20400101000000Z"

SF_DEFINE_CLEANUP(EVP_PKEY, EVP_PKEY_free)
SF_DEFINE_CLEANUP(X509, X509_free)

/* Programmers: the loadable segments' sizes (the last is bss: memory only) and ELF flags. */
struct segment_spec {
        uint32_t size, small_size, flags;
};

struct programmer_spec {
        const char *file; /* under update/ */
        struct segment_spec seg[PROG_SEGMENTS];
};

static const struct programmer_spec programmers[] = {
        {"firehose/" SIM_PKG_NAND_PROGRAMMER,
         {{331412, 3000, 5}, {61840, 900, 4}, {14096, 400, 6}, {0x18000, 0x2000, 6}}},
        {"NPRG9x07.mbn",
         {{236108, 3000, 5}, {38212, 900, 4}, {9020, 400, 6}, {0x10000, 0x1000, 6}}},
        {"ENPRG9x07.mbn",
         {{241324, 3100, 5}, {38996, 900, 4}, {9020, 400, 6}, {0x10000, 0x1000, 6}}},
};
#define N_PROGRAMMERS (sizeof(programmers) / sizeof(*programmers))

static const char *const segment_names[PROG_SEGMENTS] = {"code", "rodata", "data", "bss"};

/* The two signers: the OEM whose root secure-boot personas fuse, and a stranger. */
struct root_spec {
        const char *tag; /* names the key seeds */
        const char *country, *org, *root_cn, *ca_cn, *leaf_cn;
};

static const struct root_spec roots[2] = {
        {"oem", "CN", "Quectel Wireless Solutions (simulated)", "Quectel OEM Root CA (simulated)",
         "Quectel Attestation CA (simulated)", "Quectel Firehose Attestation (simulated)"},
        {"foreign", "US", "Another OEM (simulated)", "Foreign OEM Root CA (simulated)",
         "Foreign Attestation CA (simulated)", "Foreign Firehose Attestation (simulated)"},
};

struct identity {
        uint32_t msm_id;
        uint16_t oem_id, model_id;
};

/* The certificate chain area of a hash segment. */
static int sha256(const void *p, size_t n, uint8_t out[32])
{
        unsigned len = 32;

        return EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) ? 0 : -EIO;
}

static int sha384(const void *p, size_t n, uint8_t out[48])
{
        unsigned len = 48;

        return EVP_Digest(p, n, out, &len, EVP_sha384(), NULL) ? 0 : -EIO;
}

/* SDX55-family chips take v7 programmers with SHA-384 hash tables; MDM9x07 ones v3/SHA-256. */
static bool chip_wants_v7(uint32_t msm_id)
{
        return msm_id == SIM_MKPKG_SDX55_MSM_ID;
}

/* ---- Certificates ---- */

/* An Ed25519 key from a fixed seed, so every run signs alike. */
static int seeded_key(const char *tag, const char *role, EVP_PKEY **ret)
{
        char label[96];
        uint8_t seed[32];
        EVP_PKEY *k;

        snprintf(label, sizeof(label), "safeflash-sim %s %s key", tag, role);
        if (sha256(label, strlen(label), seed) < 0)
                return -EIO;
        k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof(seed));
        if (!k)
                return -EIO;
        *ret = k;
        return 0;
}

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
        X509V3_CTX ctx;
        X509_EXTENSION *e;
        int ok;

        X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
        e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
        if (!e)
                return -EIO;
        ok = X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
        return ok ? 0 : -EIO;
}

struct cert_spec {
        long serial;
        const char *const *rdns; /* type, value, type, value, …, NULL */
        const char *basic_constraints, *key_usage;
};

static int set_subject(X509 *x, const char *const *rdns)
{
        X509_NAME *name = X509_get_subject_name(x);

        for (size_t i = 0; rdns[i]; i += 2)
                if (!X509_NAME_add_entry_by_txt(name, rdns[i], MBSTRING_UTF8,
                                                (const unsigned char *)rdns[i + 1], -1, -1, 0))
                        return -EIO;
        return 0;
}

/* A certificate for key, signed by issuer_key; self-signed when issuer is NULL. Fixed serial and
 * validity, deterministic signature: the same bytes on every run. */
static int make_cert(const struct cert_spec *spec, EVP_PKEY *key, X509 *issuer,
                     EVP_PKEY *issuer_key, X509 **ret)
{
        _cleanup_(X509_freep) X509 *x = X509_new();
        X509 *signer;

        if (!x)
                return -ENOMEM;
        signer = issuer ? issuer : x;
        if (!X509_set_version(x, X509_VERSION_3) ||
            !ASN1_INTEGER_set(X509_get_serialNumber(x), spec->serial) ||
            !ASN1_TIME_set_string_X509(X509_getm_notBefore(x), VALID_FROM) ||
            !ASN1_TIME_set_string_X509(X509_getm_notAfter(x), VALID_UNTIL) ||
            set_subject(x, spec->rdns) < 0 ||
            !X509_set_issuer_name(x, X509_get_subject_name(signer)) || !X509_set_pubkey(x, key))
                return -EIO;
        if (add_ext(x, signer, NID_basic_constraints, spec->basic_constraints) < 0 ||
            add_ext(x, signer, NID_key_usage, spec->key_usage) < 0 ||
            add_ext(x, signer, NID_subject_key_identifier, "hash") < 0 ||
            add_ext(x, signer, NID_authority_key_identifier, "keyid:always") < 0)
                return -EIO;
        if (X509_sign(x, issuer_key, NULL) <= 0)
                return -EIO;
        *ret = TAKE_PTR(x);
        return 0;
}

static int make_root(const struct root_spec *rs, EVP_PKEY **ret_key, X509 **ret_cert)
{
        const char *rdns[] = {"C",           rs->country, "O",         rs->org, "OU",
                              "Secure Boot", "CN",        rs->root_cn, NULL};
        const struct cert_spec spec = {.serial = 0x51554543, /* "QUEC" */
                                       .rdns = rdns,
                                       .basic_constraints = "critical,CA:TRUE",
                                       .key_usage = "critical,keyCertSign,cRLSign"};
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *key = NULL;
        int r;

        r = seeded_key(rs->tag, "root", &key);
        if (r >= 0)
                r = make_cert(&spec, key, NULL, key, ret_cert);
        if (r < 0)
                return r;
        *ret_key = TAKE_PTR(key);
        return 0;
}

static int make_ca(const struct root_spec *rs, X509 *root, EVP_PKEY *root_key, EVP_PKEY **ret_key,
                   X509 **ret_cert)
{
        const char *rdns[] = {"C", rs->country, "O", rs->org, "CN", rs->ca_cn, NULL};
        const struct cert_spec spec = {.serial = 2,
                                       .rdns = rdns,
                                       .basic_constraints = "critical,CA:TRUE,pathlen:0",
                                       .key_usage = "critical,keyCertSign,cRLSign"};
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *key = NULL;
        int r;

        r = seeded_key(rs->tag, "attestation CA", &key);
        if (r >= 0)
                r = make_cert(&spec, key, root, root_key, ret_cert);
        if (r < 0)
                return r;
        *ret_key = TAKE_PTR(key);
        return 0;
}

/* The attestation certificate: the identity lives in its OU attributes. */
static int make_attestation(const struct root_spec *rs, const struct identity *id, bool v7,
                            X509 *ca, EVP_PKEY *ca_key, X509 **ret_cert)
{
        char ou[7][40];
        const char *rdns[] = {
                "C",   rs->country, "ST",  "Shanghai", "L",   "Shanghai",  "O",   rs->org, "OU",
                ou[0], "OU",        ou[1], "OU",       ou[2], "OU",        ou[3], "OU",    ou[4],
                "OU",  ou[5],       "OU",  ou[6],      "CN",  rs->leaf_cn, NULL};
        /* v7 names its hash algorithm in the common metadata, not in a "07 … SHA256" OU */
        if (v7) {
                rdns[20] = "CN";
                rdns[21] = rs->leaf_cn;
                rdns[22] = NULL;
        }
        const struct cert_spec spec = {.serial = 3,
                                       .rdns = rdns,
                                       .basic_constraints = "critical,CA:FALSE",
                                       .key_usage = "critical,digitalSignature"};
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *key = NULL;
        int r;

        snprintf(ou[0], sizeof(ou[0]), "01 %016" PRIX64 " SW_ID", (uint64_t)PROG_SW_ID);
        snprintf(ou[1], sizeof(ou[1]), "02 %08" PRIX32 "%04X%04X HW_ID", id->msm_id,
                 (unsigned)id->oem_id, (unsigned)id->model_id);
        snprintf(ou[2], sizeof(ou[2]), "03 %016" PRIX64 " DEBUG", (uint64_t)0);
        snprintf(ou[3], sizeof(ou[3]), "04 %04X OEM_ID", (unsigned)id->oem_id);
        snprintf(ou[4], sizeof(ou[4]), "05 %08X SW_SIZE",
                 v7 ? MBN_V3_LEN + MBN_V7_COMMON_MD + MBN_V7_OEM_MD + HASH_TABLE_V7
                    : MBN_V3_LEN + HASH_TABLE);
        snprintf(ou[5], sizeof(ou[5]), "06 %04X MODEL_ID", (unsigned)id->model_id);
        snprintf(ou[6], sizeof(ou[6]), "07 0001 SHA256");
        r = seeded_key(rs->tag, "attestation", &key);
        if (r >= 0)
                r = make_cert(&spec, key, ca, ca_key, ret_cert);
        return r;
}

/* Append x's DER at *off in area. */
static int append_der(X509 *x, uint8_t *area, size_t size, size_t *off)
{
        int n = i2d_X509(x, NULL);
        uint8_t *p = area + *off;

        if (n <= 0)
                return -EIO;
        if ((size_t)n > size - *off)
                return -E2BIG;
        if (i2d_X509(x, &p) != n)
                return -EIO;
        *off += (size_t)n;
        return 0;
}

/* The certificate chain area of a hash segment: attestation, attestation CA, root, then 0xFF. */
static int build_chain(const struct root_spec *rs, const struct identity *id, bool v7,
                       uint8_t area[CHAIN_AREA])
{
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *root_key = NULL, *ca_key = NULL;
        _cleanup_(X509_freep) X509 *root = NULL, *ca = NULL, *leaf = NULL;
        size_t off = 0;
        int r;

        memset(area, 0xff, CHAIN_AREA);
        r = make_root(rs, &root_key, &root);
        if (r >= 0)
                r = make_ca(rs, root, root_key, &ca_key, &ca);
        if (r >= 0)
                r = make_attestation(rs, id, v7, ca, ca_key, &leaf);
        if (r >= 0)
                r = append_der(leaf, area, CHAIN_AREA, &off);
        if (r >= 0)
                r = append_der(ca, area, CHAIN_AREA, &off);
        if (r >= 0)
                r = append_der(root, area, CHAIN_AREA, &off);
        return r;
}

int sim_oem_root_hash(uint8_t ret[32])
{
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *key = NULL;
        _cleanup_(X509_freep) X509 *root = NULL;
        uint8_t der[2048], digest[32];
        size_t len = 0;
        int r;

        if (!ret)
                return -EINVAL;
        r = make_root(&roots[0], &key, &root);
        if (r >= 0)
                r = append_der(root, der, sizeof(der), &len);
        if (r >= 0)
                r = sha256(der, len, digest);
        if (r < 0)
                return r;
        memcpy(ret, digest, sizeof(digest));
        return 0;
}

/* ---- Programmers ---- */

/* ELF32: phdr 0 covers the headers, phdr 1 is the hash segment, then the loadable segments, each
 * at a page-aligned offset. Returns the file size. */
static size_t plan_programmer(const struct programmer_spec *spec, bool small, bool v7,
                              struct sf_elf_phdr ph[PROG_PHDRS])
{
        uint32_t seg_len = v7 ? HASH_SEG_LEN_V7 : HASH_SEG_LEN;
        uint64_t off = HASH_SEG_OFF + seg_len;

        ph[0] = (struct sf_elf_phdr){.type = SF_ELF_PT_NULL,
                                     .flags = 0x07000000,
                                     .filesz = SF_ELF32_EHDR_LEN + PROG_PHDRS * SF_ELF32_PHDR_LEN};
        ph[1] = (struct sf_elf_phdr){.type = SF_ELF_PT_NULL,
                                     .flags = 0x02200000,
                                     .offset = HASH_SEG_OFF,
                                     .vaddr = LOAD_BASE + HASH_SEG_OFF,
                                     .paddr = LOAD_BASE + HASH_SEG_OFF,
                                     .filesz = seg_len,
                                     .memsz = sim_pkg_align_up(seg_len, PAGE),
                                     .align = PAGE};
        for (unsigned i = 0; i < PROG_SEGMENTS; i++) {
                const struct segment_spec *s = &spec->seg[i];
                uint32_t size = small ? s->small_size : s->size;
                bool bss = i == PROG_SEGMENTS - 1;
                uint64_t addr = LOAD_BASE + sim_pkg_align_up(off, PAGE);

                off = bss ? off : sim_pkg_align_up(off, PAGE);
                ph[2 + i] = (struct sf_elf_phdr){.type = SF_ELF_PT_LOAD,
                                                 .flags = s->flags,
                                                 .offset = off,
                                                 .vaddr = addr,
                                                 .paddr = addr,
                                                 .filesz = bss ? 0 : size,
                                                 .memsz = size,
                                                 .align = PAGE};
                off += bss ? 0 : size;
        }
        return (size_t)off;
}

static void put_elf_headers(uint8_t *b, const struct sf_elf_phdr *ph)
{
        static const uint8_t ident[16] = {0x7f, 'E', 'L', 'F', 1 /* ELF32 */, 1 /* LE */, 1};

        memcpy(b, ident, sizeof(ident));
        sf_put_le16(b + 16, 2);  /* ET_EXEC */
        sf_put_le16(b + 18, 40); /* EM_ARM */
        sf_put_le32(b + 20, 1);
        sf_put_le32(b + 24, (uint32_t)ph[2].vaddr); /* entry: the code segment */
        sf_put_le32(b + 28, SF_ELF32_EHDR_LEN);     /* phoff; no section headers */
        sf_put_le32(b + 36, 0x05000000);            /* ARM EABI version 5 */
        sf_put_le16(b + 40, SF_ELF32_EHDR_LEN);
        sf_put_le16(b + 42, SF_ELF32_PHDR_LEN);
        sf_put_le16(b + 44, PROG_PHDRS);
        sf_put_le16(b + 46, 0x28);
        for (unsigned i = 0; i < PROG_PHDRS; i++) {
                uint8_t *p = b + SF_ELF32_EHDR_LEN + i * SF_ELF32_PHDR_LEN;
                sf_put_le32(p, ph[i].type);
                sf_put_le32(p + 4, (uint32_t)ph[i].offset);
                sf_put_le32(p + 8, (uint32_t)ph[i].vaddr);
                sf_put_le32(p + 12, (uint32_t)ph[i].paddr);
                sf_put_le32(p + 16, (uint32_t)ph[i].filesz);
                sf_put_le32(p + 20, (uint32_t)ph[i].memsz);
                sf_put_le32(p + 24, ph[i].flags);
                sf_put_le32(p + 28, (uint32_t)ph[i].align);
        }
}

/* The hash table (dlen bytes an entry: SHA-256 or SHA-384) at table, then the signature and the
 * certificate chain after it. The hash segment's own entry, and those of segments without bytes
 * (bss), stay zero. */
static int put_table_and_chain(uint8_t *b, const struct sf_elf_phdr *ph,
                               const struct sim_signing *sg, const char *file, uint8_t *table,
                               unsigned dlen)
{
        uint8_t *sig = table + PROG_PHDRS * dlen;

        for (unsigned i = 0; i < PROG_PHDRS; i++) {
                uint8_t *d = table + dlen * i;
                if (i != 1 && ph[i].filesz &&
                    (dlen == 48 ? sha384(b + ph[i].offset, ph[i].filesz, d)
                                : sha256(b + ph[i].offset, ph[i].filesz, d)) < 0)
                        return -EIO;
        }
        /* Nothing verifies the signature: deterministic bytes of the right size. */
        sim_fill(sig, SIGNATURE_LEN, sim_pkg_seed_for(file, "signature", sg->version), 0);
        memcpy(sig + SIGNATURE_LEN, sg->chain, CHAIN_AREA);
        return 0;
}

/* MBN v3 header, hash table (headers and segments final), signature, certificate chain. */
static int put_hash_segment(uint8_t *b, const struct sf_elf_phdr *ph, const struct sim_signing *sg,
                            const char *file)
{
        uint8_t *seg = b + ph[1].offset, *table = seg + MBN_V3_LEN;
        uint32_t dest = (uint32_t)ph[1].vaddr + MBN_V3_LEN;

        sf_put_le32(seg + 4, 3); /* header version; image_id, image_src stay 0 */
        sf_put_le32(seg + 12, dest);
        sf_put_le32(seg + 16, HASH_TABLE + SIGNATURE_LEN + CHAIN_AREA);
        sf_put_le32(seg + 20, HASH_TABLE);
        sf_put_le32(seg + 24, dest + HASH_TABLE);
        sf_put_le32(seg + 28, SIGNATURE_LEN);
        sf_put_le32(seg + 32, dest + HASH_TABLE + SIGNATURE_LEN);
        sf_put_le32(seg + 36, CHAIN_AREA);
        return put_table_and_chain(b, ph, sg, file, table, 32);
}

/* v7: header, common metadata, OEM metadata (zero: its fields are not modelled), SHA-384 hash
 * table, OEM signature, OEM chain. */
static int put_hash_segment_v7(uint8_t *b, const struct sf_elf_phdr *ph,
                               const struct sim_signing *sg, const char *file)
{
        uint8_t *seg = b + ph[1].offset, *md = seg + MBN_V3_LEN;
        uint8_t *table = md + MBN_V7_COMMON_MD + MBN_V7_OEM_MD;

        sf_put_le32(seg + 4, 7);
        sf_put_le32(seg + 8, MBN_V7_COMMON_MD);
        sf_put_le32(seg + 12, 0); /* QTI metadata */
        sf_put_le32(seg + 16, MBN_V7_OEM_MD);
        sf_put_le32(seg + 20, HASH_TABLE_V7);
        sf_put_le32(seg + 24, 0); /* QTI signature */
        sf_put_le32(seg + 28, 0); /* QTI certificate chain */
        sf_put_le32(seg + 32, SIGNATURE_LEN);
        sf_put_le32(seg + 36, CHAIN_AREA);
        sf_put_le32(md + 8, PROG_SW_ID);
        sf_put_le32(md + 16, MBN_V7_SHA384);
        return put_table_and_chain(b, ph, sg, file, table, 48);
}

static int build_programmer(const struct sim_signing *sg, const struct programmer_spec *spec,
                            uint8_t **ret, size_t *ret_len)
{
        struct sf_elf_phdr ph[PROG_PHDRS];
        size_t len = plan_programmer(spec, sg->small, sg->v7, ph);
        _cleanup_free_ uint8_t *b = calloc(1, len);
        int r;

        if (!b)
                return -ENOMEM;
        put_elf_headers(b, ph);
        for (unsigned i = 0; i < PROG_SEGMENTS; i++)
                sim_fill(b + ph[2 + i].offset, ph[2 + i].filesz,
                         sim_pkg_seed_for(spec->file, segment_names[i], sg->version), 0);
        r = sg->v7 ? put_hash_segment_v7(b, ph, sg, spec->file)
                   : put_hash_segment(b, ph, sg, spec->file);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(b);
        *ret_len = len;
        return 0;
}

static int write_programmer(const struct sim_signing *sg, const struct programmer_spec *spec,
                            const char *path, struct sf_error *err)
{
        _cleanup_free_ uint8_t *b = NULL;
        size_t len;
        int r;

        r = build_programmer(sg, spec, &b, &len);
        if (r < 0)
                return sf_error_set(err, r, "%s: cannot build the programmer: %s", path,
                                    strerror(-r));
        return sim_pkg_write_new_file(path, b, len, err);
}

int sim_pkg_signing_setup(const struct sim_mkpkg_options *o, const char *version,
                          struct sim_signing *ret, struct sf_error *err)
{
        struct identity id = {.msm_id = o->msm_id ? o->msm_id : SIM_MKPKG_DEFAULT_MSM_ID,
                              .oem_id = o->oem_id,
                              .model_id = o->model_id};
        int r;

        ret->v7 = chip_wants_v7(id.msm_id);
        r = build_chain(&roots[o->foreign_root ? 1 : 0], &id, ret->v7, ret->chain);
        if (r < 0)
                return sf_error_set(err, r, "mkpkg: cannot make the certificate chain (%s)",
                                    r == -EIO ? "OpenSSL failed" : strerror(-r));
        ret->small = o->small;
        ret->version = version;
        return 0;
}

int sim_pkg_write_programmers(const struct sim_signing *sg, const char *update,
                              struct sf_error *err)
{
        for (size_t i = 0; i < N_PROGRAMMERS; i++) {
                char path[PATH_MAX];
                int r = sim_pkg_path_join(path, sizeof(path), update, programmers[i].file);
                if (r < 0)
                        return sim_pkg_file_error(err, r, update);
                r = write_programmer(sg, &programmers[i], path, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int sim_mkpkg_programmer(const struct sim_mkpkg_options *o, const char *path, struct sf_error *err)
{
        struct sf_version v = {0};
        _cleanup_free_ struct sim_signing *sg = calloc(1, sizeof(*sg));
        int r;

        if (!o || !path)
                return sf_error_set(err, -EINVAL, "mkpkg: options and a path are required");
        if (!sg)
                return -ENOMEM;
        if (o->version) {
                r = sim_pkg_parse_version(o->version, &v, err);
                if (r < 0)
                        return r;
        }
        r = sim_pkg_signing_setup(o, v.canonical, sg, err);
        if (r < 0)
                return r;
        return write_programmer(sg, &programmers[0], path, err);
}
