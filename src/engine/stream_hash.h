/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Each image hashed again as it is sent (stream_hash.c): a file changed on disk after the
 * package was checked stops the flash at the end of that image, before the next one. Internal. */
#ifndef SF_ENGINE_STREAM_HASH_H
#define SF_ENGINE_STREAM_HASH_H

#include <stdint.h>

#include "package/layout.h"
#include "util/cleanup.h"
#include "util/strutil.h"

struct sf_stream_hash;

/* For one program op: its SHA-256 (file bytes, then padding) is compared with want_sha256, the
 * digest planned for it, and, when the op sends its file whole and the package was verified,
 * the MD5 of the bytes with the md5.txt entry checked before the module was touched. */
int sf_stream_hash_new(const struct sf_layout *l, const struct sf_layout_op *op,
                       const uint8_t want_sha256[32], struct sf_stream_hash **ret);
void sf_stream_hash_free(struct sf_stream_hash *h);
SF_DEFINE_CLEANUP(struct sf_stream_hash, sf_stream_hash_free)
/* Bytes of the file, as they are sent. */
int sf_stream_hash_update(struct sf_stream_hash *h, const uint8_t *buf, size_t n);
/* After the last byte: the padding (pad_bytes of pad) added, the digests compared. -EIO naming
 * the file when what was sent is not what was checked. */
int sf_stream_hash_check(struct sf_stream_hash *h, uint64_t pad_bytes, uint8_t pad,
                         struct sf_error *err);

#endif
