/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "proto/mbn.h"
#include "util/endian.h"

/* [off, off+len) inside [0, size), without overflow. */
static bool fits(uint64_t off, uint64_t len, uint64_t size)
{
        return off <= size && len <= size - off;
}

int sf_elf_parse_header(const uint8_t *buf, size_t len, uint64_t file_size,
                        struct sf_elf_header *ret)
{
        struct sf_elf_header h = {0};
        size_t need;

        if (!buf || !ret)
                return -EINVAL;
        if (len < 16 ||
            memcmp(buf,
                   "\x7f"
                   "ELF",
                   4) != 0 ||
            buf[5] != 1 /* little-endian */)
                return -EPROTO;
        if (buf[4] != 1 && buf[4] != 2)
                return -EPROTO;
        h.is64 = buf[4] == 2;
        need = h.is64 ? SF_ELF64_EHDR_LEN : SF_ELF32_EHDR_LEN;
        if (len < need || file_size < need)
                return -EPROTO;
        h.machine = sf_le16(buf + 18);
        if (h.is64) {
                h.entry = sf_le64(buf + 24);
                h.phoff = sf_le64(buf + 32);
                h.phentsize = sf_le16(buf + 54);
                h.phnum = sf_le16(buf + 56);
        } else {
                h.entry = sf_le32(buf + 24);
                h.phoff = sf_le32(buf + 28);
                h.phentsize = sf_le16(buf + 42);
                h.phnum = sf_le16(buf + 44);
        }
        if (h.phentsize != (h.is64 ? SF_ELF64_PHDR_LEN : SF_ELF32_PHDR_LEN))
                return -EPROTO;
        if (h.phnum == 0 || h.phnum > SF_ELF_MAX_PHDRS)
                return -EPROTO;
        if (!fits(h.phoff, (uint64_t)h.phnum * h.phentsize, file_size))
                return -EPROTO;
        *ret = h;
        return 0;
}

size_t sf_elf_phdrs_size(const struct sf_elf_header *h)
{
        return (size_t)h->phnum * h->phentsize;
}

static void parse_phdr(bool is64, const uint8_t *p, struct sf_elf_phdr *ph)
{
        if (is64) {
                ph->type = sf_le32(p);
                ph->flags = sf_le32(p + 4);
                ph->offset = sf_le64(p + 8);
                ph->vaddr = sf_le64(p + 16);
                ph->paddr = sf_le64(p + 24);
                ph->filesz = sf_le64(p + 32);
                ph->memsz = sf_le64(p + 40);
                ph->align = sf_le64(p + 48);
        } else {
                ph->type = sf_le32(p);
                ph->offset = sf_le32(p + 4);
                ph->vaddr = sf_le32(p + 8);
                ph->paddr = sf_le32(p + 12);
                ph->filesz = sf_le32(p + 16);
                ph->memsz = sf_le32(p + 20);
                ph->flags = sf_le32(p + 24);
                ph->align = sf_le32(p + 28);
        }
}

int sf_elf_parse_phdrs(const struct sf_elf_header *h, const uint8_t *buf, size_t len,
                       uint64_t file_size, struct sf_elf_phdr *ret)
{
        struct sf_elf_phdr tmp[SF_ELF_MAX_PHDRS];

        if (!h || !buf || !ret || h->phnum > SF_ELF_MAX_PHDRS)
                return -EINVAL;
        if (len < sf_elf_phdrs_size(h))
                return -EPROTO;
        for (size_t i = 0; i < h->phnum; i++) {
                parse_phdr(h->is64, buf + i * h->phentsize, &tmp[i]);
                if (tmp[i].filesz && !fits(tmp[i].offset, tmp[i].filesz, file_size))
                        return -EPROTO;
        }
        memcpy(ret, tmp, sizeof(*ret) * h->phnum);
        return 0;
}

int sf_elf_find_hash_segment(const struct sf_elf_phdr *ph, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (ph[i].type == SF_ELF_PT_NULL &&
                    SF_MBN_SEGMENT_TYPE(ph[i].flags) == SF_MBN_SEGMENT_HASH && ph[i].filesz)
                        return (int)i;
        return -ENOENT;
}

/* Version 7: header, metadata (common, QTI, OEM), hash table, QTI signature and chain, OEM
 * signature and chain. */
static int parse_v7(const uint8_t *seg, size_t seg_len, struct sf_mbn_header *m)
{
        uint64_t off = 40;

        for (int i = 0; i < 3; i++)
                off += sf_le32(seg + 8 + 4 * i); /* common, QTI, OEM metadata */
        m->metadata_size = sf_le32(seg + 16);
        m->qti_metadata_size = sf_le32(seg + 12);
        m->code_size = sf_le32(seg + 20);
        m->hash_table_off = off;
        if (!fits(off, m->code_size, seg_len))
                return -EPROTO;
        off += m->code_size;
        for (int i = 0; i < 2; i++) { /* the QTI signature and chain, not checked here */
                uint32_t n = sf_le32(seg + 24 + 4 * i);
                if (!fits(off, n, seg_len))
                        return -EPROTO;
                off += n;
        }
        m->signature_size = sf_le32(seg + 32);
        m->signature_off = off;
        if (!fits(off, m->signature_size, seg_len))
                return -EPROTO;
        off += m->signature_size;
        m->cert_chain_size = sf_le32(seg + 36);
        m->cert_chain_off = off;
        return fits(off, m->cert_chain_size, seg_len) ? 0 : -EPROTO;
}

int sf_mbn_parse_header(const uint8_t *seg, size_t seg_len, struct sf_mbn_header *ret)
{
        return sf_mbn_parse_header_n(seg, seg_len, 0, ret);
}

/* SHA-384 tables hold 48 bytes per segment. */
static uint32_t digest_len(const struct sf_mbn_header *m, unsigned n_segments)
{
        if (n_segments && m->code_size == 48u * n_segments)
                return 48;
        if (n_segments && m->code_size == 32u * n_segments)
                return 32;
        return m->version == 7 ? 48 : 32;
}

int sf_mbn_parse_header_n(const uint8_t *seg, size_t seg_len, unsigned n_segments,
                          struct sf_mbn_header *ret)
{
        struct sf_mbn_header m = {0};
        uint64_t off;

        if (!seg || !ret)
                return -EINVAL;
        if (seg_len < 40)
                return -EPROTO;
        m.version = sf_le32(seg + 4);
        if (m.version == 7) {
                m.header_len = 40;
                if (parse_v7(seg, seg_len, &m) < 0)
                        return -EPROTO;
                m.digest_len = digest_len(&m, n_segments);
                *ret = m;
                return 0;
        }
        if (m.version != 3 && m.version != 5 && m.version != 6)
                return -EPROTO;
        m.header_len = m.version == 6 ? 48 : 40;
        if (seg_len < m.header_len)
                return -EPROTO;
        m.image_size = sf_le32(seg + 16);
        m.code_size = sf_le32(seg + 20);
        m.signature_size = sf_le32(seg + 28);
        m.cert_chain_size = sf_le32(seg + 36);
        if (m.version == 6) {
                m.qti_metadata_size = sf_le32(seg + 40);
                m.metadata_size = sf_le32(seg + 44);
        }
        /* header, [v6: QTI metadata, OEM metadata], hash table, signature, certificate chain */
        off = (uint64_t)m.header_len + m.qti_metadata_size + m.metadata_size;
        m.hash_table_off = off;
        if (!fits(off, m.code_size, seg_len))
                return -EPROTO;
        off += m.code_size;
        m.signature_off = off;
        if (!fits(off, m.signature_size, seg_len))
                return -EPROTO;
        off += m.signature_size;
        m.cert_chain_off = off;
        if (!fits(off, m.cert_chain_size, seg_len))
                return -EPROTO;
        m.digest_len = digest_len(&m, n_segments);
        *ret = m;
        return 0;
}

/* The total length (header + content) of the DER element at p, or 0 when malformed. */
static size_t der_element_len(const uint8_t *p, size_t avail)
{
        size_t hdr, content = 0;
        unsigned n;

        if (avail < 2)
                return 0;
        if (!(p[1] & 0x80)) {
                hdr = 2;
                content = p[1];
        } else {
                n = p[1] & 0x7f;
                if (n == 0 || n > 4 || avail < 2 + (size_t)n)
                        return 0;
                for (unsigned i = 0; i < n; i++)
                        content = content << 8 | p[2 + i];
                hdr = 2 + n;
        }
        if (content > avail - hdr)
                return 0;
        return hdr + content;
}

int sf_mbn_split_certs(const uint8_t *chain, size_t len, struct sf_mbn_cert *ret, size_t *ret_n)
{
        struct sf_mbn_cert certs[SF_MBN_MAX_CERTS];
        size_t off = 0, n = 0;

        if (!chain || !ret || !ret_n)
                return -EINVAL;
        while (off < len && chain[off] != 0xff && chain[off] != 0x00) {
                size_t el;
                if (chain[off] != 0x30) /* SEQUENCE */
                        return -EPROTO;
                el = der_element_len(chain + off, len - off);
                if (el == 0)
                        return -EPROTO;
                if (n == SF_MBN_MAX_CERTS)
                        return -E2BIG;
                certs[n].der = chain + off;
                certs[n].len = el;
                n++;
                off += el;
        }
        memcpy(ret, certs, n * sizeof(*certs));
        *ret_n = n;
        return 0;
}

static int hexval(uint8_t c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

/* Find "NN <ndigits hex> NAME" in the certificate bytes; the value into *ret. */
static bool find_ou(const uint8_t *der, size_t len, const char *tag, size_t ndigits,
                    const char *name, uint64_t *ret)
{
        size_t nl = strlen(name), need = 3 + ndigits + 1 + nl;

        for (size_t i = 0; len >= need && i <= len - need; i++) {
                uint64_t v = 0;
                size_t k;
                if (memcmp(der + i, tag, 2) != 0 || der[i + 2] != ' ' ||
                    der[i + 3 + ndigits] != ' ' || memcmp(der + i + 4 + ndigits, name, nl) != 0)
                        continue;
                for (k = 0; k < ndigits && hexval(der[i + 3 + k]) >= 0; k++)
                        v = v << 4 | (uint64_t)hexval(der[i + 3 + k]);
                if (k == ndigits) {
                        *ret = v;
                        return true;
                }
        }
        return false;
}

int sf_mbn_cert_identity(const uint8_t *der, size_t len, struct sf_mbn_identity *ret)
{
        struct sf_mbn_identity id = {0};
        uint64_t hw = 0, v = 0;

        if (!der || !ret)
                return -EINVAL;
        if (!find_ou(der, len, "02", 16, "HW_ID", &hw))
                return -ENOENT;
        /* HW_ID has the layout of Sahara's MSM_HW_ID: MSM_ID, OEM_ID, MODEL_ID. */
        id.msm_id = (uint32_t)(hw >> 32);
        id.oem_id = (uint16_t)(hw >> 16);
        id.model_id = (uint16_t)hw;
        if (find_ou(der, len, "04", 4, "OEM_ID", &v))
                id.oem_id = (uint16_t)v;
        if (find_ou(der, len, "06", 4, "MODEL_ID", &v))
                id.model_id = (uint16_t)v;
        if (find_ou(der, len, "01", 16, "SW_ID", &v))
                id.sw_id = v;
        *ret = id;
        return 0;
}
