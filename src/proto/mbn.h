/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The programmer image: an ELF32/ELF64 file whose hash segment carries an MBN header, a hash
 * table (one digest per program header), a signature and a certificate chain. Pure parsing of
 * bytes the caller provides; layouts from the protocol reference, section 8. */
#ifndef SF_PROTO_MBN_H
#define SF_PROTO_MBN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SF_ELF32_EHDR_LEN 0x34
#define SF_ELF64_EHDR_LEN 0x40
#define SF_ELF32_PHDR_LEN 0x20
#define SF_ELF64_PHDR_LEN 0x38
#define SF_ELF_MAX_PHDRS  64

#define SF_ELF_PT_NULL 0
#define SF_ELF_PT_LOAD 1
/* Qualcomm's segment type lives in bits 24-26 of p_flags; 2 is the hash segment. */
#define SF_MBN_SEGMENT_TYPE(flags) (((flags) >> 24) & 0x7)
#define SF_MBN_SEGMENT_HASH        2

struct sf_elf_phdr {
        uint32_t type;
        uint32_t flags;
        uint64_t offset;
        uint64_t vaddr;
        uint64_t paddr;
        uint64_t filesz;
        uint64_t memsz;
        uint64_t align;
};

struct sf_elf_header {
        bool is64;
        uint16_t machine;
        uint64_t entry;
        uint64_t phoff;
        uint16_t phentsize;
        uint16_t phnum;
};

/* The ELF header, from the first bytes of the file (at least 0x34 or 0x40 of them). Checks the
 * magic, class, little-endian data, the program-header entry size and count, and that the table
 * lies inside file_size. -EPROTO when it is not such an ELF. */
int sf_elf_parse_header(const uint8_t *buf, size_t len, uint64_t file_size,
                        struct sf_elf_header *ret);

/* Size in bytes of the program header table. */
size_t sf_elf_phdrs_size(const struct sf_elf_header *h);

/* Parse the program header table (len >= sf_elf_phdrs_size); every segment must lie inside
 * file_size. Fills ret[0..h->phnum). */
int sf_elf_parse_phdrs(const struct sf_elf_header *h, const uint8_t *buf, size_t len,
                       uint64_t file_size, struct sf_elf_phdr *ret);

/* Index of the hash segment, -ENOENT when there is none. */
int sf_elf_find_hash_segment(const struct sf_elf_phdr *ph, size_t n);

struct sf_mbn_header {
        uint32_t version;    /* 3, 5, 6 or 7 */
        uint32_t header_len; /* 40 or 48 */
        uint32_t digest_len; /* of each hash-table entry: 32 (SHA-256) or 48 (SHA-384) */
        uint32_t image_size;
        uint32_t code_size; /* hash table bytes */
        uint32_t signature_size;
        uint32_t cert_chain_size;
        uint32_t qti_metadata_size; /* v6 */
        uint32_t metadata_size;     /* v6 */
        /* Offsets inside the hash segment, checked to lie within it. */
        uint64_t hash_table_off;
        uint64_t signature_off;
        uint64_t cert_chain_off;
};

/* Parse the MBN header at the start of a hash segment of seg_len bytes. -EPROTO when the
 * version is not 3/5/6/7 or the parts do not fit the segment.
 *
 * Version 7 (SDX55/SDX62 programmers): ten u32, +8 common metadata size, +12 QTI metadata size,
 * +16 OEM metadata size, +20 hash table size, +24 QTI signature size, +28 QTI certificate chain
 * size, +32 OEM signature size, +36 OEM certificate chain size; after the header the three
 * metadata blocks, the hash table, the QTI signature and chain, then the OEM signature and chain
 * (the ones signature_off and cert_chain_off point at). The sizes at +8..+24 are the ones
 * bkerler/edl's fhloaderparse.py adds up to find the signature. Its hash entries are SHA-384
 * (48 bytes) when the table holds 48 bytes per segment (digest_len; n_segments is the ELF's
 * program header count, 0 when unknown: then 32, or 48 for v7). */
int sf_mbn_parse_header_n(const uint8_t *seg, size_t seg_len, unsigned n_segments,
                          struct sf_mbn_header *ret);
int sf_mbn_parse_header(const uint8_t *seg, size_t seg_len, struct sf_mbn_header *ret);

#define SF_MBN_MAX_CERTS 4

struct sf_mbn_cert {
        const uint8_t *der; /* points into the chain */
        size_t len;
};

/* Split a certificate chain into its DER certificates (outer SEQUENCEs, stopping at 0xFF
 * padding or the end). The first is the attestation certificate, the last the root. -EPROTO
 * for a malformed or truncated certificate, -E2BIG for more than SF_MBN_MAX_CERTS. */
int sf_mbn_split_certs(const uint8_t *chain, size_t len, struct sf_mbn_cert *ret, size_t *ret_n);

/* The identity an attestation certificate carries in its OU attributes, e.g.
 * "02 000480E100000000 HW_ID": -ENOENT when it has none. */
struct sf_mbn_identity {
        uint32_t msm_id;
        uint16_t oem_id;
        uint16_t model_id;
        uint64_t sw_id;
};
int sf_mbn_cert_identity(const uint8_t *der, size_t len, struct sf_mbn_identity *ret);

#endif
