/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Little-endian access to wire bytes, and a bounds-checked cursor. Never cast wire bytes to a
 * struct: read and write every field through these. */
#ifndef SF_UTIL_ENDIAN_H
#define SF_UTIL_ENDIAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline uint16_t sf_le16(const uint8_t *p)
{
        return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static inline uint32_t sf_le32(const uint8_t *p)
{
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t sf_le64(const uint8_t *p)
{
        return (uint64_t)sf_le32(p) | (uint64_t)sf_le32(p + 4) << 32;
}

static inline void sf_put_le16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
}

static inline void sf_put_le32(uint8_t *p, uint32_t v)
{
        for (int i = 0; i < 4; i++)
                p[i] = (uint8_t)(v >> (8 * i));
}

static inline void sf_put_le64(uint8_t *p, uint64_t v)
{
        sf_put_le32(p, (uint32_t)v);
        sf_put_le32(p + 4, (uint32_t)(v >> 32));
}

/* Big-endian fields, as UBI's on-flash headers have them. */
static inline uint32_t sf_be32(const uint8_t *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline uint64_t sf_be64(const uint8_t *p)
{
        return (uint64_t)sf_be32(p) << 32 | (uint64_t)sf_be32(p + 4);
}

static inline uint16_t sf_be16(const uint8_t *p)
{
        return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

/* A read cursor: every take checks the remaining length first; after a failed take the cursor
 * stays failed, so a parser can check once at the end. */
struct sf_cursor {
        const uint8_t *p;
        size_t len, off;
        bool bad;
};

static inline struct sf_cursor sf_cursor_init(const uint8_t *p, size_t len)
{
        return (struct sf_cursor){.p = p, .len = len};
}

static inline bool sf_cursor_has(struct sf_cursor *c, size_t n)
{
        if (c->bad || n > c->len - c->off) {
                c->bad = true;
                return false;
        }
        return true;
}

static inline uint32_t sf_cursor_u32(struct sf_cursor *c)
{
        uint32_t v;

        if (!sf_cursor_has(c, 4))
                return 0;
        v = sf_le32(c->p + c->off);
        c->off += 4;
        return v;
}

static inline uint64_t sf_cursor_u64(struct sf_cursor *c)
{
        uint64_t v;

        if (!sf_cursor_has(c, 8))
                return 0;
        v = sf_le64(c->p + c->off);
        c->off += 8;
        return v;
}

static inline const uint8_t *sf_cursor_bytes(struct sf_cursor *c, size_t n)
{
        const uint8_t *v;

        if (!sf_cursor_has(c, n))
                return NULL;
        v = c->p + c->off;
        c->off += n;
        return v;
}

#endif
