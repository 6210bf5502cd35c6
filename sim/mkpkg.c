/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The package generator: see mkpkg.h. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "mkpkg-internal.h"
#include "mkpkg.h"
#include "proto/firehose.h"
#include "proto/mbn.h"
#include "safeflash/version.h"
#include "util/cleanup.h"
#include "util/endian.h"
#include "util/strutil.h"

#define PAGE            4096u
#define PAGES_PER_BLOCK 64u
#define CHUNK           (64u * 1024) /* images are streamed in pieces of this size */
#define MIB             (1024ull * 1024)

#define CHAIN_AREA    6144u /* three 2 KiB certificate slots, as in Qualcomm-signed images */
#define SIGNATURE_LEN 256u  /* the size of an RSA-2048 signature */
#define MBN_V3_LEN    40u
#define PROG_SEGMENTS 4u /* code, rodata, data, bss */
#define PROG_PHDRS    (2u + PROG_SEGMENTS)
#define HASH_TABLE    (PROG_PHDRS * 32u)
#define HASH_SEG_OFF  0x1000u
#define HASH_SEG_LEN  (MBN_V3_LEN + HASH_TABLE + SIGNATURE_LEN + CHAIN_AREA)
#define LOAD_BASE     0x08000000u
#define PROG_SW_ID    3u /* Qualcomm's software ID of programmers (ENPRG, NPRG, Firehose) */
#define VALID_FROM    "20200101000000Z"
#define VALID_UNTIL   "20400101000000Z"

#define MIBIB_FILE      "partition_complete_p4K_b256K.mbn"
#define PROGRAMMER_FILE "prog_nand_firehose_9x07.mbn"
#define UPDATE_XML      "rawprogram_nand_p4K_b256K_update.xml"
#define FACTORY_XML     "rawprogram_nand_p4K_b256K_factory.xml"
#define TEXT_MAX        SIM_TEXT_MAX
#define MAX_FILES       64u /* files under update/ */

SF_DEFINE_CLEANUP(EVP_PKEY, EVP_PKEY_free)
SF_DEFINE_CLEANUP(X509, X509_free)
SF_DEFINE_CLEANUP(EVP_MD_CTX, EVP_MD_CTX_free)

/* Images that carry a sim_image_header, with their realistic and small sizes (bytes). */
struct image_spec {
        const char *file; /* under update/ */
        uint32_t kind;
        const char *part; /* the partition that caps its size; NULL: not programmed */
        uint64_t size, small_size;
        bool scaled;  /* a large UBI image, which scale_percent applies to */
        bool factory; /* only in factory packages */
};

static const struct image_spec images[] = {
        {.file = "sbl1.mbn",
         .kind = SIM_IMAGE_SBL,
         .part = "sbl",
         .size = 299628,
         .small_size = 9000},
        {.file = "tz.mbn",
         .kind = SIM_IMAGE_TZ,
         .part = "tz",
         .size = 1034916,
         .small_size = 12345},
        {.file = "rpm.mbn",
         .kind = SIM_IMAGE_RPM,
         .part = "rpm",
         .size = 198404,
         .small_size = 7000},
        {.file = "appsboot.mbn",
         .kind = SIM_IMAGE_ABOOT,
         .part = "aboot",
         .size = 405508,
         .small_size = 10000},
        {.file = "mdm9607-perf-boot.img",
         .kind = SIM_IMAGE_BOOT,
         .part = "boot",
         .size = 5349376,
         .small_size = 16384},
        {.file = "NON-HLOS.ubi",
         .kind = SIM_IMAGE_MODEM,
         .part = "modem",
         .size = 28 * MIB,
         .small_size = 24576,
         .scaled = true},
        {.file = "mdm-perf-recovery-image-mdm9607-perf.ubi",
         .kind = SIM_IMAGE_OTHER,
         .part = "recoveryfs",
         .size = 8 * MIB,
         .small_size = 12288,
         .scaled = true},
        {.file = "mdm9607-perf-sysfs.ubi",
         .kind = SIM_IMAGE_SYSFS,
         .part = "system",
         .size = 30 * MIB,
         .small_size = 28672,
         .scaled = true},
        {.file = "oemapp.ubi", .kind = SIM_IMAGE_OTHER, .size = 2 * MIB, .small_size = 8192},
        {.file = "cefs.mbn",
         .kind = SIM_IMAGE_EFS,
         .part = "efs2",
         .size = 1826816,
         .small_size = 12288,
         .factory = true},
};
#define N_IMAGES (sizeof(images) / sizeof(*images))

/* What the rawprogram XMLs write, in layout order. */
struct program_spec {
        const char *label;
        const char *file; /* under update/ */
        bool factory;
};

static const struct program_spec programs[] = {
        {"sbl", "sbl1.mbn", false},
        {"mibib", "firehose/" MIBIB_FILE, false},
        {"efs2", "cefs.mbn", true},
        {"tz", "tz.mbn", false},
        {"rpm", "rpm.mbn", false},
        {"aboot", "appsboot.mbn", false},
        {"boot", "mdm9607-perf-boot.img", false},
        {"recovery", "mdm9607-perf-boot.img", false},
        {"modem", "NON-HLOS.ubi", false},
        {"recoveryfs", "mdm-perf-recovery-image-mdm9607-perf.ubi", false},
        {"system", "mdm9607-perf-sysfs.ubi", false},
};
#define N_PROGRAMS (sizeof(programs) / sizeof(*programs))

/* Programmers: the loadable segments' sizes (the last is bss: memory only) and ELF flags. */
struct segment_spec {
        uint32_t size, small_size, flags;
};

struct programmer_spec {
        const char *file; /* under update/ */
        struct segment_spec seg[PROG_SEGMENTS];
};

static const struct programmer_spec programmers[] = {
        {"firehose/" PROGRAMMER_FILE,
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
struct chain {
        uint8_t area[CHAIN_AREA]; /* attestation, attestation CA, root, then 0xFF */
};

/* What every programmer of one package shares. */
struct signing {
        struct chain chain;
        bool small;
        const char *version; /* seeds the filler */
};

struct mkpkg {
        const struct sim_mkpkg_options *o;
        struct sf_error *err;
        struct sf_version v;
        struct sim_layout layout;
        struct sim_image_header tmpl; /* every image's header but kind and payload */
        struct signing sign;
        uint64_t sizes[N_IMAGES];
        uint8_t *mibib; /* SIM_MIBIB_LEN bytes: the partition table block */
        char update[PATH_MAX], firehose[PATH_MAX];
        uint8_t *chunk; /* CHUNK bytes */
        char *text;     /* TEXT_MAX bytes */
};

static void mkpkg_free(struct mkpkg *m)
{
        if (!m)
                return;
        free(m->chunk);
        free(m->text);
        free(m->mibib);
        free(m);
}
SF_DEFINE_CLEANUP(struct mkpkg, mkpkg_free)

static uint64_t align_up(uint64_t n, uint64_t a)
{
        return (n + a - 1) / a * a;
}

uint64_t sim_pkg_seed_for(const char *file, const char *what, const char *version)
{
        char s[320];

        snprintf(s, sizeof(s), "%s:%s:%s", file, what, version);
        return sim_seed(s);
}

static int sha256(const void *p, size_t n, uint8_t out[32])
{
        unsigned len = 32;

        return EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) ? 0 : -EIO;
}

/* ---- Files ---- */

int sim_pkg_path_join(char *out, size_t size, const char *dir, const char *name)
{
        int n = snprintf(out, size, "%s/%s", dir, name);

        return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int sim_pkg_file_error(struct sf_error *err, int r, const char *path)
{
        return sf_error_set(err, r, "%s: %s", path, strerror(-r));
}

int sim_pkg_pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
        const uint8_t *p = buf;

        while (len > 0) {
                ssize_t n = pwrite(fd, p, len, (off_t)off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return n < 0 ? -errno : -EIO;
                p += n;
                len -= (size_t)n;
                off += (uint64_t)n;
        }
        return 0;
}

int sim_pkg_create_file(const char *path, int *ret_fd)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

        if (fd < 0)
                return -errno;
        *ret_fd = fd;
        return 0;
}

int sim_pkg_close_file(int *fd)
{
        int f = *fd;

        *fd = -1;
        return close(f) < 0 ? -errno : 0;
}

int sim_pkg_write_new_file(const char *path, const void *buf, size_t len, struct sf_error *err)
{
        _cleanup_close_ int fd = -1;
        int r;

        r = sim_pkg_create_file(path, &fd);
        if (r >= 0)
                r = sim_pkg_pwrite_all(fd, buf, len, 0);
        if (r >= 0)
                r = sim_pkg_close_file(&fd);
        return r < 0 ? sim_pkg_file_error(err, r, path) : 0;
}

/* Create dir, or accept it when it is an empty directory. */
int sim_pkg_make_empty_dir(const char *path, struct sf_error *err)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        if (mkdir(path, 0755) == 0)
                return 0;
        if (errno != EEXIST)
                return sim_pkg_file_error(err, -errno, path);
        d = opendir(path);
        if (!d)
                return sf_error_set(err, -EEXIST, "%s: exists and is not a directory", path);
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        return sf_error_set(err, -EEXIST, "%s: not empty (holds %s)", path,
                                            de->d_name);
        return 0;
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
static int make_attestation(const struct root_spec *rs, const struct identity *id, X509 *ca,
                            EVP_PKEY *ca_key, X509 **ret_cert)
{
        char ou[7][40];
        const char *rdns[] = {
                "C",   rs->country, "ST",  "Shanghai", "L",   "Shanghai",  "O",   rs->org, "OU",
                ou[0], "OU",        ou[1], "OU",       ou[2], "OU",        ou[3], "OU",    ou[4],
                "OU",  ou[5],       "OU",  ou[6],      "CN",  rs->leaf_cn, NULL};
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
        snprintf(ou[4], sizeof(ou[4]), "05 %08X SW_SIZE", MBN_V3_LEN + HASH_TABLE);
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

static int build_chain(const struct root_spec *rs, const struct identity *id, struct chain *ret)
{
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *root_key = NULL, *ca_key = NULL;
        _cleanup_(X509_freep) X509 *root = NULL, *ca = NULL, *leaf = NULL;
        size_t off = 0;
        int r;

        memset(ret->area, 0xff, sizeof(ret->area));
        r = make_root(rs, &root_key, &root);
        if (r >= 0)
                r = make_ca(rs, root, root_key, &ca_key, &ca);
        if (r >= 0)
                r = make_attestation(rs, id, ca, ca_key, &leaf);
        if (r >= 0)
                r = append_der(leaf, ret->area, sizeof(ret->area), &off);
        if (r >= 0)
                r = append_der(ca, ret->area, sizeof(ret->area), &off);
        if (r >= 0)
                r = append_der(root, ret->area, sizeof(ret->area), &off);
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
static size_t plan_programmer(const struct programmer_spec *spec, bool small,
                              struct sf_elf_phdr ph[PROG_PHDRS])
{
        uint64_t off = HASH_SEG_OFF + HASH_SEG_LEN;

        ph[0] = (struct sf_elf_phdr){.type = SF_ELF_PT_NULL,
                                     .flags = 0x07000000,
                                     .filesz = SF_ELF32_EHDR_LEN + PROG_PHDRS * SF_ELF32_PHDR_LEN};
        ph[1] = (struct sf_elf_phdr){.type = SF_ELF_PT_NULL,
                                     .flags = 0x02200000,
                                     .offset = HASH_SEG_OFF,
                                     .vaddr = LOAD_BASE + HASH_SEG_OFF,
                                     .paddr = LOAD_BASE + HASH_SEG_OFF,
                                     .filesz = HASH_SEG_LEN,
                                     .memsz = align_up(HASH_SEG_LEN, PAGE),
                                     .align = PAGE};
        for (unsigned i = 0; i < PROG_SEGMENTS; i++) {
                const struct segment_spec *s = &spec->seg[i];
                uint32_t size = small ? s->small_size : s->size;
                bool bss = i == PROG_SEGMENTS - 1;
                uint64_t addr = LOAD_BASE + align_up(off, PAGE);

                off = bss ? off : align_up(off, PAGE);
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

/* MBN v3 header, hash table (headers and segments final), signature, certificate chain. */
static int put_hash_segment(uint8_t *b, const struct sf_elf_phdr *ph, const struct signing *sg,
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
        for (unsigned i = 0; i < PROG_PHDRS; i++)
                if (i != 1 && sha256(b + ph[i].offset, ph[i].filesz, table + 32 * i) < 0)
                        return -EIO;
        /* Nothing verifies the signature: deterministic bytes of the right size. */
        sim_fill(table + HASH_TABLE, SIGNATURE_LEN,
                 sim_pkg_seed_for(file, "signature", sg->version), 0);
        memcpy(table + HASH_TABLE + SIGNATURE_LEN, sg->chain.area, CHAIN_AREA);
        return 0;
}

static int build_programmer(const struct signing *sg, const struct programmer_spec *spec,
                            uint8_t **ret, size_t *ret_len)
{
        struct sf_elf_phdr ph[PROG_PHDRS];
        size_t len = plan_programmer(spec, sg->small, ph);
        _cleanup_free_ uint8_t *b = calloc(1, len);
        int r;

        if (!b)
                return -ENOMEM;
        put_elf_headers(b, ph);
        for (unsigned i = 0; i < PROG_SEGMENTS; i++)
                sim_fill(b + ph[2 + i].offset, ph[2 + i].filesz,
                         sim_pkg_seed_for(spec->file, segment_names[i], sg->version), 0);
        r = put_hash_segment(b, ph, sg, spec->file);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(b);
        *ret_len = len;
        return 0;
}

static int write_programmer(const struct signing *sg, const struct programmer_spec *spec,
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

static int setup_signing(const struct sim_mkpkg_options *o, const char *version,
                         struct signing *ret, struct sf_error *err)
{
        struct identity id = {.msm_id = o->msm_id ? o->msm_id : SIM_MKPKG_DEFAULT_MSM_ID,
                              .oem_id = o->oem_id,
                              .model_id = o->model_id};
        int r;

        r = build_chain(&roots[o->foreign_root ? 1 : 0], &id, &ret->chain);
        if (r < 0)
                return sf_error_set(err, r, "mkpkg: cannot make the certificate chain (%s)",
                                    r == -EIO ? "OpenSSL failed" : strerror(-r));
        ret->small = o->small;
        ret->version = version;
        return 0;
}

/* ---- Version and plan ---- */

int sim_pkg_parse_version(const char *s, struct sf_version *v, struct sf_error *err)
{
        int r = sf_version_parse(s, v);

        if (r == -EBADMSG)
                return sf_error_set(err, -EINVAL,
                                    "mkpkg: '%s' is not a Quectel firmware version: %s", s,
                                    v->error);
        if (r < 0)
                return sf_error_set(err, -EINVAL,
                                    "mkpkg: '%.40s…' is not a Quectel firmware version", s);
        if (v->baseline < 0)
                return sf_error_set(err, -EINVAL, "mkpkg: '%s' names no baseline", s);
        return 0;
}

static const struct image_spec *find_image(const char *file, size_t *ret_index)
{
        for (size_t i = 0; i < N_IMAGES; i++)
                if (strcmp(images[i].file, file) == 0) {
                        *ret_index = i;
                        return &images[i];
                }
        return NULL;
}

static uint64_t file_size(const struct mkpkg *m, const char *file)
{
        size_t i;

        if (strcmp(file, "firehose/" MIBIB_FILE) == 0)
                return SIM_MIBIB_LEN;
        return find_image(file, &i) ? m->sizes[i] : 0;
}

static uint64_t image_size(const struct mkpkg *m, const struct image_spec *im)
{
        const struct sim_partition *p = im->part ? sim_layout_find(&m->layout, im->part) : NULL;
        uint64_t size = m->o->small ? im->small_size : im->size;
        uint64_t cap = p ? (uint64_t)p->pages * PAGE : UINT64_MAX;
        uint32_t scale = m->o->scale_percent ? m->o->scale_percent : 100;

        if (im->scaled && scale != 100) {
                size = align_up(size * scale / 100, PAGE);
                size = size < PAGE ? PAGE : size > cap ? cap : size;
        }
        if (im->kind == SIM_IMAGE_MODEM && m->o->modem_bytes)
                size = m->o->modem_bytes;
        return size;
}

/* Every image's size; every programmed file must fit its partition. */
static int plan_sizes(struct mkpkg *m)
{
        if (m->o->modem_bytes && m->o->modem_bytes < PAGE)
                return sf_error_set(m->err, -EINVAL,
                                    "mkpkg: a modem image of %" PRIu64 " bytes is under one page",
                                    m->o->modem_bytes);
        for (size_t i = 0; i < N_IMAGES; i++)
                m->sizes[i] = image_size(m, &images[i]);
        /* Encoded now, so a layout the MIBIB cannot express fails before anything is written. */
        if (sim_mibib_encode(&m->layout, m->mibib, SIM_MIBIB_LEN) != SIM_MIBIB_LEN)
                return sf_error_set(m->err, -EINVAL,
                                    "mkpkg: the R%02d layout does not fit a MIBIB (whole blocks, "
                                    "short names)",
                                    m->v.baseline);
        for (size_t i = 0; i < N_PROGRAMS; i++) {
                const struct sim_partition *p = sim_layout_find(&m->layout, programs[i].label);
                uint64_t size = file_size(m, programs[i].file);
                if (!p)
                        return sf_error_set(m->err, -EINVAL, "mkpkg: the R%02d layout has no %s",
                                            m->v.baseline, programs[i].label);
                if (align_up(size, PAGE) / PAGE > p->pages)
                        return sf_error_set(m->err, -EFBIG,
                                            "mkpkg: %s (%" PRIu64
                                            " bytes) does not fit %s (%" PRIu32 " pages)",
                                            programs[i].file, size, programs[i].label, p->pages);
        }
        return 0;
}

/* The header every image of the package shares; -EINVAL when the version does not fit it. */
static int fill_template(struct mkpkg *m)
{
        struct sim_image_header *h = &m->tmpl;

        *h = (struct sim_image_header){0};
        h->baseline = (uint32_t)m->v.baseline;
        h->board_mask = sim_board_mask_for_baseline((unsigned)m->v.baseline);
        h->msm_id = m->o->msm_id ? m->o->msm_id : SIM_MKPKG_DEFAULT_MSM_ID;
        h->layout_id = sim_layout_id(&m->layout);
        if (sf_strlcpy(h->memory, sizeof(h->memory), m->v.memory) < 0 ||
            sf_strlcpy(h->prefix, sizeof(h->prefix), m->v.prefix) < 0 ||
            sf_strlcpy(h->version, sizeof(h->version), m->v.canonical) < 0)
                return sf_error_set(m->err, -EINVAL,
                                    "mkpkg: '%s' does not fit the simulator's image header "
                                    "(prefix, memory code or version too long)",
                                    m->v.raw);
        return 0;
}

static int mkpkg_new(const struct sim_mkpkg_options *o, struct sf_error *err, struct mkpkg **ret)
{
        _cleanup_(mkpkg_freep) struct mkpkg *m = calloc(1, sizeof(*m));
        int r;

        if (!m)
                return -ENOMEM;
        m->o = o;
        m->err = err;
        m->chunk = malloc(CHUNK);
        m->text = malloc(TEXT_MAX);
        m->mibib = malloc(SIM_MIBIB_LEN);
        if (!m->chunk || !m->text || !m->mibib)
                return -ENOMEM;
        r = sim_pkg_parse_version(o->version, &m->v, err);
        if (r < 0)
                return r;
        sim_layout_for_baseline((unsigned)m->v.baseline,
                                o->total_pages ? o->total_pages : SIM_MKPKG_DEFAULT_TOTAL_PAGES,
                                &m->layout);
        r = fill_template(m);
        if (r >= 0)
                r = plan_sizes(m);
        if (r < 0)
                return r;
        r = setup_signing(o, m->v.canonical, &m->sign, err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

/* ---- Images ---- */

/* Stream the payload (CRC as it goes), then put the header in front. */
static int stream_image(const struct sim_image_header *tmpl, uint32_t kind, uint64_t seed,
                        uint64_t size, uint8_t *chunk, int fd)
{
        struct sim_image_header h = *tmpl;
        uint8_t hdr[SIM_IMAGE_HEADER_LEN];
        uint64_t payload = size - SIM_IMAGE_HEADER_LEN;
        uint32_t crc = 0;
        int r;

        for (uint64_t off = 0; off < payload;) {
                size_t n = payload - off < CHUNK ? (size_t)(payload - off) : CHUNK;
                sim_fill(chunk, n, seed, off);
                crc = sf_firehose_crc32_update(crc, chunk, n);
                r = sim_pkg_pwrite_all(fd, chunk, n, SIM_IMAGE_HEADER_LEN + off);
                if (r < 0)
                        return r;
                off += n;
        }
        h.kind = kind;
        h.payload_crc = crc;
        h.payload_len = (uint32_t)payload;
        sim_image_header_encode(&h, hdr);
        return sim_pkg_pwrite_all(fd, hdr, sizeof(hdr), 0);
}

int sim_pkg_write_image(const char *path, const struct sim_image_header *tmpl, uint32_t kind,
                        uint64_t seed, uint64_t size, uint8_t *chunk, struct sf_error *err)
{
        _cleanup_close_ int fd = -1;
        int r = size < SIM_IMAGE_HEADER_LEN || size - SIM_IMAGE_HEADER_LEN > UINT32_MAX ? -EINVAL
                                                                                        : 0;

        if (r >= 0)
                r = sim_pkg_create_file(path, &fd);
        if (r >= 0)
                r = stream_image(tmpl, kind, seed, size, chunk, fd);
        if (r >= 0)
                r = sim_pkg_close_file(&fd);
        return r < 0 ? sim_pkg_file_error(err, r, path) : 0;
}

static int write_image(struct mkpkg *m, const struct image_spec *im, uint64_t size)
{
        char path[PATH_MAX];
        int r;

        r = sim_pkg_path_join(path, sizeof(path), m->update, im->file);
        if (r < 0)
                return sim_pkg_file_error(m->err, r, m->update);
        return sim_pkg_write_image(path, &m->tmpl, im->kind,
                                   sim_pkg_seed_for(im->file, "payload", m->v.canonical), size,
                                   m->chunk, m->err);
}

static int write_images(struct mkpkg *m)
{
        for (size_t i = 0; i < N_IMAGES; i++) {
                int r;
                if (images[i].factory && !m->o->factory)
                        continue;
                r = write_image(m, &images[i], m->sizes[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The MIBIB block (one copy: one erase block, which the rawprogram line then covers exactly), in
 * both places it ships. */
static int write_mibib(struct mkpkg *m)
{
        char path[PATH_MAX];
        int r;

        r = sim_pkg_path_join(path, sizeof(path), m->firehose, MIBIB_FILE);
        if (r >= 0)
                r = sim_pkg_write_new_file(path, m->mibib, SIM_MIBIB_LEN, m->err);
        if (r >= 0)
                r = sim_pkg_path_join(path, sizeof(path), m->update, "partition.mbn");
        if (r >= 0)
                r = sim_pkg_write_new_file(path, m->mibib, SIM_MIBIB_LEN, m->err);
        return r == -ENAMETOOLONG ? sim_pkg_file_error(m->err, r, m->update) : r;
}

static int write_programmers(struct mkpkg *m)
{
        for (size_t i = 0; i < N_PROGRAMMERS; i++) {
                char path[PATH_MAX];
                int r = sim_pkg_path_join(path, sizeof(path), m->update, programmers[i].file);
                if (r < 0)
                        return sim_pkg_file_error(m->err, r, m->update);
                r = write_programmer(&m->sign, &programmers[i], path, m->err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- Text files ---- */

static struct sim_text text_init(struct mkpkg *m)
{
        return (struct sim_text){.buf = m->text, .cap = TEXT_MAX};
}

void sim_text_add(struct sim_text *t, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (t->overflow)
                return;
        va_start(ap, fmt);
        n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t)n >= t->cap - t->len)
                t->overflow = true;
        else
                t->len += (size_t)n;
}

int sim_pkg_write_text(const char *dir, const char *name, const struct sim_text *t,
                       struct sf_error *err)
{
        char path[PATH_MAX];
        int r = sim_pkg_path_join(path, sizeof(path), dir, name);

        if (r < 0)
                return sim_pkg_file_error(err, r, dir);
        if (t->overflow)
                return sf_error_set(err, -E2BIG, "%s: longer than %zu bytes", path, t->cap);
        return sim_pkg_write_new_file(path, t->buf, t->len, err);
}

static int write_text(struct mkpkg *m, const char *dir, const char *name, const struct sim_text *t)
{
        return sim_pkg_write_text(dir, name, t, m->err);
}

/* The file name as the XML next to the programmer names it: Windows-style, relative. */
static void xml_filename(const char *file, char *buf, size_t size)
{
        if (sf_startswith(file, "firehose/"))
                snprintf(buf, size, "%s", file + strlen("firehose/"));
        else
                snprintf(buf, size, "..\\%s", file);
}

static int write_rawprogram(struct mkpkg *m, bool factory, const char *name)
{
        struct sim_text t = text_init(m);

        sim_text_add(&t, "<?xml version=\"1.0\" ?>\n<data>\n"
                         "  <!--NOTE: This is an ** Autogenerated file **-->\n"
                         "  <!--NOTE: Sector size is 4096bytes-->\n");
        for (size_t i = 0; i < N_PROGRAMS; i++) {
                const struct program_spec *ps = &programs[i];
                const struct sim_partition *p = sim_layout_find(&m->layout, ps->label);
                uint64_t pages = align_up(file_size(m, ps->file), PAGE) / PAGE;
                char fn[128];
                if (ps->factory && !factory)
                        continue;
                xml_filename(ps->file, fn, sizeof(fn));
                sim_text_add(&t,
                             "  <erase PAGES_PER_BLOCK=\"%u\" SECTOR_SIZE_IN_BYTES=\"%u\" "
                             "num_partition_sectors=\"%" PRIu32
                             "\" physical_partition_number=\"0\" "
                             "start_sector=\"%" PRIu32 "\" />\n",
                             PAGES_PER_BLOCK, PAGE, p->pages, p->start_page);
                sim_text_add(&t,
                             "  <program PAGES_PER_BLOCK=\"%u\" SECTOR_SIZE_IN_BYTES=\"%u\" "
                             "filename=\"%s\" label=\"%s\" last_sector=\"%" PRIu32 "\" "
                             "num_partition_sectors=\"%" PRIu64
                             "\" physical_partition_number=\"0\" "
                             "start_sector=\"%" PRIu32 "\" />\n",
                             PAGES_PER_BLOCK, PAGE, fn, ps->label, p->start_page + p->pages - 1,
                             pages, p->start_page);
        }
        sim_text_add(&t, "</data>\n");
        return write_text(m, m->firehose, name, &t);
}

static int write_patch(struct mkpkg *m)
{
        struct sim_text t = text_init(m);

        sim_text_add(&t, "<?xml version=\"1.0\" ?>\n<patches>\n"
                         "  <!--NOTE: This is an ** Autogenerated file **-->\n"
                         "  <!--NOTE: NAND has no partition table to patch: no DISK patches-->\n"
                         "</patches>\n");
        return write_text(m, m->firehose, "patch_p4K_b256K.xml", &t);
}

static const char *image_for(const char *part)
{
        for (size_t i = 0; i < N_PROGRAMS; i++)
                if (strcasecmp(programs[i].label, part) == 0) { /* "sbl" names "SBL" */
                        const char *slash = strrchr(programs[i].file, '/');
                        return slash ? slash + 1 : programs[i].file;
                }
        return NULL;
}

static int write_partition_nand(struct mkpkg *m)
{
        struct sim_text t = text_init(m);

        sim_text_add(&t, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<nandboot>\n"
                         "  <magic_numbers>\n"
                         "    <usr_part_magic1>0xAA7D1B9A</usr_part_magic1>\n"
                         "    <usr_part_magic2>0x1F7D48BC</usr_part_magic2>\n"
                         "  </magic_numbers>\n"
                         "  <partition_version length=\"4\">0x4</partition_version>\n"
                         "  <partitions>\n");
        for (unsigned i = 0; i < m->layout.n; i++) {
                const struct sim_partition *p = &m->layout.parts[i];
                const char *img = image_for(p->name);
                /* What the MIBIB's user table (page 2) holds: the same names, sizes and flags,
                 * the fourth flag 0xFF meaning sizes in KiB. */
                sim_text_add(&t,
                             "    <partition>\n"
                             "      <name length=\"16\" type=\"string\">0:%s</name>\n"
                             "      <size_kb length=\"4\">%" PRIu32 "</size_kb>\n"
                             "      <pad_kb length=\"4\">0</pad_kb>\n"
                             "      <which_flash>%u</which_flash>\n"
                             "      <attr>0x%02X</attr>\n      <attr>0x%02X</attr>\n"
                             "      <attr>0x%02X</attr>\n      <attr>0xFF</attr>\n",
                             p->name, p->pages * (PAGE / 1024), p->attr[3], p->attr[0], p->attr[1],
                             p->attr[2]);
                if (img)
                        sim_text_add(&t, "      <img_name type=\"string\">%s</img_name>\n", img);
                sim_text_add(&t, "    </partition>\n");
        }
        sim_text_add(&t, "  </partitions>\n</nandboot>\n");
        return write_text(m, m->update, "partition_nand.xml", &t);
}

static void contents_build(struct sim_text *t, const char *name, const char *role,
                           const char *build_id, const char *file)
{
        sim_text_add(
                t,
                "    <build>\n      <name>%s</name>\n      <role>%s</role>\n"
                "      <chipset>mdm9607</chipset>\n      <build_id>%s</build_id>\n"
                "      <windows_root_path "
                "cmm_root_path_var=\"%s_BUILD_ROOT\">.\\</windows_root_path>\n"
                "      <linux_root_path cmm_root_path_var=\"%s_BUILD_ROOT\">./</linux_root_path>\n"
                "      <image_dir>update</image_dir>\n"
                "      <download_file storage_type=\"nand\" minimized=\"true\">\n"
                "        <file_name>%s</file_name>\n        <file_path>update/</file_path>\n"
                "      </download_file>\n    </build>\n",
                name, role, build_id, role, role, file);
}

static int write_contents(struct mkpkg *m, const char *root)
{
        struct sim_text t = text_init(m);

        sim_text_add(&t, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<contents>\n"
                         "  <product_info>\n"
                         "    <product_name>MDM9607.LE.1.0</product_name>\n"
                         "    <hlos_type cmm_var=\"HLOS_TYPE\">LE</hlos_type>\n"
                         "    <chipid cmm_var=\"CHIPID\" flavor=\"default\">MDM9607</chipid>\n"
                         "  </product_info>\n  <builds_flat>\n"
                         "    <build>\n      <name>common</name>\n      <role>common</role>\n"
                         "      <chipset>mdm9607</chipset>\n"
                         "      <build_id>MDM9607.LE.1.0-00130-NBOOT.NEFS.PROD-1</build_id>\n"
                         "      <device_programmer storage_type=\"nand\" minimized=\"true\">\n"
                         "        <file_name>" PROGRAMMER_FILE "</file_name>\n"
                         "        <file_path>update/firehose/</file_path>\n"
                         "      </device_programmer>\n"
                         "      <download_file storage_type=\"nand\" minimized=\"true\">\n"
                         "        <file_name>" UPDATE_XML "</file_name>\n"
                         "        <file_path>update/firehose/</file_path>\n"
                         "      </download_file>\n    </build>\n");
        contents_build(&t, "boot", "BOOT", "BOOT.BF.3.1.2-00053-M9607LAAAANAZB-1", "sbl1.mbn");
        contents_build(&t, "tz", "TZ", "TZ.BF.4.0.5-00100-M9607AAAAANAZT-1", "tz.mbn");
        contents_build(&t, "rpm", "RPM", "RPM.BF.2.2-00210-M9607AAAARNAZR-1", "rpm.mbn");
        contents_build(&t, "modem", "MODEM", "MPSS.JO.2.0.2.c1-00033-M9607GENPACKTEST-1",
                       "NON-HLOS.ubi");
        contents_build(&t, "apps", "APPS", "LE.UM.1.1.1-00115-9x07", "mdm9607-perf-sysfs.ubi");
        sim_text_add(&t, "  </builds_flat>\n</contents>\n");
        return write_text(m, root, "contents.xml", &t);
}

static int write_xmls(struct mkpkg *m)
{
        int r;

        r = write_rawprogram(m, false, UPDATE_XML);
        if (r >= 0 && m->o->factory)
                r = write_rawprogram(m, true, FACTORY_XML);
        if (r >= 0)
                r = write_patch(m);
        if (r >= 0)
                r = write_partition_nand(m);
        if (r >= 0)
                r = write_contents(m, m->o->out);
        return r;
}

/* ---- md5.txt ---- */

struct file_list {
        char path[MAX_FILES][128]; /* relative to update/, '/'-separated */
        unsigned n;
};

static int list_files(const char *root, const char *rel, unsigned depth, struct file_list *l)
{
        _cleanup_closedir_ DIR *d = NULL;
        char dir[PATH_MAX], full[PATH_MAX], sub[128];
        struct dirent *de;
        struct stat st;

        if ((rel[0] ? snprintf(dir, sizeof(dir), "%s/%s", root, rel)
                    : snprintf(dir, sizeof(dir), "%s", root)) >= (int)sizeof(dir))
                return -ENAMETOOLONG;
        d = opendir(dir);
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                int r;
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (sim_pkg_path_join(full, sizeof(full), dir, de->d_name) < 0 ||
                    snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", de->d_name) >=
                            (int)sizeof(sub))
                        return -ENAMETOOLONG;
                if (lstat(full, &st) < 0)
                        return -errno;
                if (S_ISDIR(st.st_mode) && depth < 4) {
                        r = list_files(root, sub, depth + 1, l);
                        if (r < 0)
                                return r;
                } else if (S_ISREG(st.st_mode)) {
                        if (l->n == MAX_FILES)
                                return -E2BIG;
                        memcpy(l->path[l->n++], sub, sizeof(sub));
                }
        }
        return 0;
}

static int compare_paths(const void *a, const void *b)
{
        return strcmp(a, b);
}

static int md5_file(uint8_t *chunk, const char *path, char hex[33])
{
        _cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *c = EVP_MD_CTX_new();
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        uint8_t d[EVP_MAX_MD_SIZE];
        unsigned dl = 0;

        if (fd < 0)
                return -errno;
        if (!c || !EVP_DigestInit_ex(c, EVP_md5(), NULL))
                return -EIO;
        for (;;) {
                ssize_t n = read(fd, chunk, CHUNK);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                if (!EVP_DigestUpdate(c, chunk, (size_t)n))
                        return -EIO;
        }
        if (!EVP_DigestFinal_ex(c, d, &dl) || dl != 16)
                return -EIO;
        for (unsigned i = 0; i < 16; i++)
                snprintf(hex + 2 * i, 3, "%02x", d[i]);
        return 0;
}

/* Fill t with md5.txt's lines for every file under update/, sorted. */
static int md5_lines(const char *update, uint8_t *chunk, struct file_list *l, struct sim_text *t,
                     struct sf_error *err)
{
        int r = list_files(update, "", 0, l);

        if (r < 0)
                return sim_pkg_file_error(err, r, update);
        qsort(l->path, l->n, sizeof(l->path[0]), compare_paths);
        for (unsigned i = 0; i < l->n; i++) {
                char path[PATH_MAX], hex[33];
                r = sim_pkg_path_join(path, sizeof(path), update, l->path[i]);
                if (r >= 0)
                        r = md5_file(chunk, path, hex);
                if (r < 0)
                        return sim_pkg_file_error(err, r, l->path[i]);
                for (char *c = l->path[i]; *c; c++)
                        *c = *c == '/' ? '\\' : *c;
                sim_text_add(t, "D:\\update\\%s:%s\n", l->path[i], hex);
        }
        return 0;
}

/* md5.txt: every file under update/, sorted, as "D:\update\<path with \>:<md5>". */
int sim_pkg_write_md5(const char *root, struct sf_error *err)
{
        _cleanup_free_ struct file_list *l = calloc(1, sizeof(*l));
        _cleanup_free_ uint8_t *chunk = malloc(CHUNK);
        _cleanup_free_ char *buf = malloc(TEXT_MAX);
        struct sim_text t = {.buf = buf, .cap = TEXT_MAX};
        char update[PATH_MAX];
        int r;

        if (!l || !chunk || !buf)
                return sf_error_set(err, -ENOMEM, "mkpkg: out of memory");
        r = sim_pkg_path_join(update, sizeof(update), root, "update");
        if (r < 0)
                return sim_pkg_file_error(err, r, root);
        r = md5_lines(update, chunk, l, &t, err);
        return r < 0 ? r : sim_pkg_write_text(root, "md5.txt", &t, err);
}

/* ---- Entry points ---- */

static int make_dirs(struct mkpkg *m)
{
        int r;

        r = sim_pkg_path_join(m->update, sizeof(m->update), m->o->out, "update");
        if (r >= 0)
                r = sim_pkg_path_join(m->firehose, sizeof(m->firehose), m->update, "firehose");
        if (r < 0)
                return sim_pkg_file_error(m->err, r, m->o->out);
        r = sim_pkg_make_empty_dir(m->o->out, m->err);
        if (r >= 0)
                r = sim_pkg_make_empty_dir(m->update, m->err);
        if (r >= 0)
                r = sim_pkg_make_empty_dir(m->firehose, m->err);
        return r;
}

bool sim_mkpkg_is_ufs(const char *version)
{
        static const char *const models[] = {"RM500Q", "RM502Q", "RG500Q"};

        for (size_t i = 0; version && i < sizeof(models) / sizeof(*models); i++)
                if (strncasecmp(version, models[i], strlen(models[i])) == 0)
                        return true;
        return false;
}

int sim_mkpkg(const struct sim_mkpkg_options *o, struct sf_error *err)
{
        _cleanup_(mkpkg_freep) struct mkpkg *m = NULL;
        int r;

        if (!o || !o->version || !o->out || !o->out[0])
                return sf_error_set(err, -EINVAL,
                                    "mkpkg: a version and an output directory are required");
        if (sim_mkpkg_is_ufs(o->version))
                return sim_mkpkg_ufs(o, err);
        r = mkpkg_new(o, err, &m);
        if (r == -ENOMEM)
                return sf_error_set(err, r, "mkpkg: out of memory");
        if (r >= 0)
                r = make_dirs(m);
        if (r >= 0)
                r = write_images(m);
        if (r >= 0)
                r = write_mibib(m);
        if (r >= 0)
                r = write_programmers(m);
        if (r >= 0)
                r = write_xmls(m);
        if (r >= 0)
                r = sim_pkg_write_md5(m->o->out, m->err);
        return r;
}

int sim_mkpkg_programmer(const struct sim_mkpkg_options *o, const char *path, struct sf_error *err)
{
        struct sf_version v = {0};
        _cleanup_free_ struct signing *sg = calloc(1, sizeof(*sg));
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
        r = setup_signing(o, v.canonical, sg, err);
        if (r < 0)
                return r;
        return write_programmer(sg, &programmers[0], path, err);
}
