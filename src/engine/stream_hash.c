// SPDX-License-Identifier: LGPL-2.1-or-later
/* Each image hashed again as it is sent: what reaches the module is what was checked. */
#include <errno.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine/stream_hash.h"

struct sf_stream_hash {
        EVP_MD_CTX *sha, *md5; /* md5 NULL: no md5.txt entry covers exactly these bytes */
        uint8_t want_sha[32], want_md5[16];
        const char *name;
};

void sf_stream_hash_free(struct sf_stream_hash *h)
{
        if (!h)
                return;
        EVP_MD_CTX_free(h->sha);
        EVP_MD_CTX_free(h->md5);
        free(h);
}

int sf_stream_hash_new(const struct sf_layout *l, const struct sf_layout_op *op,
                       const uint8_t want_sha256[32], struct sf_stream_hash **ret)
{
        _cleanup_(sf_stream_hash_freep) struct sf_stream_hash *h = calloc(1, sizeof(*h));
        bool whole = op->file_sector_offset == 0 && op->data_bytes == op->file_size;

        if (!h)
                return -ENOMEM;
        h->name = op->filename;
        memcpy(h->want_sha, want_sha256, 32);
        h->sha = EVP_MD_CTX_new();
        if (!h->sha || !EVP_DigestInit_ex(h->sha, EVP_sha256(), NULL))
                return -ENOMEM;
        if (whole && sf_layout_file_md5(l, op->path, h->want_md5) == 0) {
                h->md5 = EVP_MD_CTX_new();
                if (!h->md5 || !EVP_DigestInit_ex(h->md5, EVP_md5(), NULL))
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(h);
        return 0;
}

int sf_stream_hash_update(struct sf_stream_hash *h, const uint8_t *buf, size_t n)
{
        if (!EVP_DigestUpdate(h->sha, buf, n) || (h->md5 && !EVP_DigestUpdate(h->md5, buf, n)))
                return -EIO;
        return 0;
}

static int mismatch(const struct sf_stream_hash *h, const char *what, struct sf_error *err)
{
        return sf_error_set(err, -EIO,
                            "%s changed on disk after the package was checked (%s of the bytes "
                            "sent differs); the flash stopped after it: run 'safeflash recover'",
                            h->name, what);
}

int sf_stream_hash_check(struct sf_stream_hash *h, uint64_t pad_bytes, uint8_t pad,
                         struct sf_error *err)
{
        uint8_t block[4096], sha[32], md5[16];
        unsigned len = 0;

        memset(block, pad, sizeof(block));
        if (h->md5 && (!EVP_DigestFinal_ex(h->md5, md5, &len) || len != 16))
                return -EIO;
        if (h->md5 && memcmp(md5, h->want_md5, 16) != 0)
                return mismatch(h, "the MD5 md5.txt gives", err);
        for (uint64_t left = pad_bytes; left > 0;) {
                size_t n = left < sizeof(block) ? (size_t)left : sizeof(block);
                if (!EVP_DigestUpdate(h->sha, block, n))
                        return -EIO;
                left -= n;
        }
        if (!EVP_DigestFinal_ex(h->sha, sha, &len) || len != 32)
                return -EIO;
        if (memcmp(sha, h->want_sha, 32) != 0)
                return mismatch(h, "the SHA-256 planned", err);
        return 0;
}
