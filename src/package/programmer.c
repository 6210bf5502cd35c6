/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "package/programmer.h"
#include "proto/mbn.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#define HASH_SEG_MAX (1u * 1024 * 1024)

/* len bytes at off of the image, or -EPROTO when they are not all there. */
static int read_at(const uint8_t *img, size_t size, uint64_t off, uint8_t *buf, size_t len)
{
        if (off > size || len > size - off)
                return -EPROTO;
        memcpy(buf, img + off, len);
        return 0;
}

static void identity(struct sf_programmer_info *p, const uint8_t *seg,
                     const struct sf_mbn_header *m)
{
        struct sf_mbn_cert certs[SF_MBN_MAX_CERTS];
        struct sf_mbn_identity id;
        unsigned len = 32;
        size_t n = 0;

        if (sf_mbn_split_certs(seg + m->cert_chain_off, m->cert_chain_size, certs, &n) < 0 || !n)
                return;
        p->n_certs = (unsigned)n;
        p->has_root = EVP_Digest(certs[n - 1].der, certs[n - 1].len, p->root_hash, &len,
                                 EVP_sha256(), NULL) == 1;
        len = 48;
        p->has_root = p->has_root && EVP_Digest(certs[n - 1].der, certs[n - 1].len,
                                                p->root_hash384, &len, EVP_sha384(), NULL) == 1;
        if (sf_mbn_cert_identity(certs[0].der, certs[0].len, &id) == 0) {
                p->has_identity = true;
                p->msm_id = id.msm_id;
                p->oem_id = id.oem_id;
                p->model_id = id.model_id;
        }
}

int sf_programmer_inspect(const char *name, const uint8_t *img, size_t size,
                          struct sf_programmer_info *ret, struct sf_error *err)
{
        struct sf_programmer_info p = {.size = size};
        _cleanup_free_ uint8_t *seg = NULL;
        struct sf_elf_phdr ph[SF_ELF_MAX_PHDRS];
        uint8_t head[SF_ELF64_EHDR_LEN], table[SF_ELF_MAX_PHDRS * SF_ELF64_PHDR_LEN];
        size_t head_len = size < sizeof(head) ? size : sizeof(head);
        struct sf_elf_header eh;
        struct sf_mbn_header m;
        int hi;

        if (size > SF_PROGRAMMER_MAX)
                return sf_error_set(err, -EFBIG, "%s: too large for a programmer", name);
        if (read_at(img, size, 0, head, head_len) < 0 ||
            sf_elf_parse_header(head, head_len, p.size, &eh) < 0 ||
            read_at(img, size, eh.phoff, table, sf_elf_phdrs_size(&eh)) < 0 ||
            sf_elf_parse_phdrs(&eh, table, sf_elf_phdrs_size(&eh), p.size, ph) < 0)
                return sf_error_set(err, -EPROTO, "%s: not an ELF programmer image", name);
        p.is64 = eh.is64;
        hi = sf_elf_find_hash_segment(ph, eh.phnum);
        if (hi < 0 || ph[hi].filesz > HASH_SEG_MAX)
                return sf_error_set(err, -EPROTO, "%s: no hash segment: not a signed image", name);
        seg = malloc(ph[hi].filesz ? ph[hi].filesz : 1);
        if (!seg)
                return -ENOMEM;
        if (read_at(img, size, ph[hi].offset, seg, ph[hi].filesz) < 0 ||
            sf_mbn_parse_header_n(seg, ph[hi].filesz, eh.phnum, &m) < 0)
                return sf_error_set(err, -EPROTO, "%s: malformed MBN header", name);
        p.mbn_version = m.version;
        p.digest_len = m.digest_len;
        identity(&p, seg, &m);
        *ret = p;
        return 0;
}

/* PK hashes that unfused parts report: the chip then runs any programmer that fits it. The one
 * known here is the EC25-E's with secure boot disabled (the project's protocol reference). */
static const uint8_t unfused_pk_hashes[][32] = {
        {0xcc, 0x31, 0x53, 0xa8, 0x02, 0x93, 0x93, 0x9b, 0x90, 0xd0, 0x2d,
         0x3b, 0xf8, 0xb2, 0x3e, 0x02, 0x92, 0xe4, 0x52, 0xfe, 0xf6, 0x62,
         0xc7, 0x49, 0x98, 0x42, 0x1a, 0xda, 0xd4, 0x2a, 0x38, 0x0f},
};

bool sf_programmer_chip_is_unfused(const struct sf_chip_identity *chip)
{
        static const uint8_t zero[32];

        if (chip->pk_hash_len < 32 || memcmp(chip->pk_hash, zero, 32) == 0)
                return true;
        for (size_t i = 0; i < sizeof(unfused_pk_hashes) / sizeof(*unfused_pk_hashes); i++)
                if (memcmp(chip->pk_hash, unfused_pk_hashes[i], 32) == 0)
                        return true;
        return false;
}

static bool all_zero(const uint8_t *b, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (b[i])
                        return false;
        return true;
}

int sf_programmer_check(const struct sf_programmer_info *p, const struct sf_chip_identity *chip,
                        bool secure, struct sf_error *err)
{
        if (chip->has_hwid && p->has_identity && p->msm_id != chip->msm_id)
                return sf_error_set(err, -EPERM,
                                    "the programmer is built for chip MSM_ID 0x%08x, this module "
                                    "is 0x%08x: it would be refused or never answer",
                                    p->msm_id, chip->msm_id);
        if (chip->has_hwid && p->has_identity && p->oem_id && p->oem_id != chip->oem_id)
                return sf_error_set(err, -EPERM,
                                    "the programmer is signed for OEM 0x%04x, this module belongs "
                                    "to OEM 0x%04x",
                                    p->oem_id, chip->oem_id);
        /* A 48-byte PK hash is the root's SHA-384 (v6+, 5G chips), a 32-byte one its SHA-256. */
        if (secure && chip->pk_hash_len >= 32 && !all_zero(chip->pk_hash, chip->pk_hash_len) &&
            (!p->has_root ||
             memcmp(chip->pk_hash_len == 48 ? p->root_hash384 : p->root_hash, chip->pk_hash,
                    chip->pk_hash_len == 48 ? 48 : 32) != 0))
                return sf_error_set(err, -EPERM,
                                    "secure boot is on and the programmer is signed by another "
                                    "root key than the one fused in this module");
        if (chip->has_hwid && !p->has_identity)
                return sf_error_set(err, -EPERM,
                                    "the programmer carries no chip identity to check against "
                                    "this module");
        return 0;
}
