/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A package's md5.txt (quectel.md section 4): its lines parsed, each path confined, every file
 * the flash uses tied to its entry; then the hashing that checks them. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "package/layout-internal.h"
#include "package/source.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#define HASH_CHUNK (1024 * 1024)

static void md_ctx_freep(EVP_MD_CTX **p)
{
        EVP_MD_CTX_free(*p);
}

static int unhex(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        c = (char)tolower((unsigned char)c);
        return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int sf_layout_md5_parse_line(const char *line, size_t len, char *ret_path, size_t path_size,
                             uint8_t ret_digest[16])
{
        const char *colon, *start, *drive;
        uint8_t digest[16];
        size_t plen, i;

        if ((!line && len) || !ret_path || !ret_digest)
                return -EINVAL;
        if (len && line[len - 1] == '\r')
                len--;
        for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
                ;
        if (i == len)
                return 1;
        if (memchr(line, '\0', len))
                return -EBADMSG;
        colon = memrchr(line, ':', len);
        if (!colon || (size_t)(line + len - colon - 1) != 32)
                return -EBADMSG;
        for (i = 0; i < 16; i++) {
                int hi = unhex(colon[1 + 2 * i]), lo = unhex(colon[2 + 2 * i]);
                if (hi < 0 || lo < 0)
                        return -EBADMSG;
                digest[i] = (uint8_t)(hi << 4 | lo);
        }
        /* "D:\update\sbl1.mbn": anything up to the first ":\" is where the generator ran. */
        drive = memmem(line, (size_t)(colon - line), ":\\", 2);
        start = drive ? drive + 2 : line;
        plen = (size_t)(colon - start);
        if (plen == 0)
                return -EBADMSG;
        if (plen >= path_size)
                return -ENAMETOOLONG;
        for (i = 0; i < plen; i++)
                ret_path[i] = start[i] == '\\' ? '/' : start[i];
        ret_path[plen] = '\0';
        memcpy(ret_digest, digest, sizeof(digest));
        return 0;
}

static int md5_add(struct sf_layout *l, const char *name, unsigned long line, const char *text,
                   size_t len, struct sf_error *err)
{
        char rel[PATH_MAX];
        uint8_t digest[16];
        const char *why = NULL;
        char *path = NULL;
        int r;

        r = sf_layout_md5_parse_line(text, len, rel, sizeof(rel), digest);
        if (r == 1)
                return 0;
        if (r < 0)
                return sf_error_set(err, -EBADMSG, "%s:%lu: not \"PATH:<32 hex digits>\"", name,
                                    line);
        r = sf_layout_confine(l, "", rel, &path, NULL, &why);
        if (r == -ENOENT)
                return sf_error_set(err, r, "%s:%lu: lists %s, which is not in the package", name,
                                    line, rel);
        if (r < 0)
                return sf_error_set(err, r, "%s:%lu: %s: %s", name, line, rel, why);
        for (size_t i = 0; i < l->n_md5; i++) {
                if (strcmp(l->md5[i].path, path) != 0)
                        continue;
                free(path);
                if (memcmp(l->md5[i].digest, digest, sizeof(digest)) == 0)
                        return 0;
                return sf_error_set(err, -EBADMSG, "%s:%lu: %s again, with another digest", name,
                                    line, rel);
        }
        r = sf_grow(&l->md5, &l->cap_md5, l->n_md5, sizeof(*l->md5), SF_LAYOUT_MD5_ENTRIES);
        if (r < 0) {
                free(path);
                return sf_error_set(err, r, "%s: more than %d entries", name,
                                    SF_LAYOUT_MD5_ENTRIES);
        }
        l->md5[l->n_md5].path = path;
        memcpy(l->md5[l->n_md5].digest, digest, sizeof(digest));
        l->md5[l->n_md5++].line = line;
        return 0;
}

int sf_layout_md5_read(struct sf_layout *l, struct sf_error *err)
{
        _cleanup_free_ char *name = NULL, *path = NULL, *buf = NULL;
        const char *why = NULL, *p, *end;
        unsigned long line = 0;
        size_t len;
        int r;

        name = sf_asprintf("%s/md5.txt", l->pkg_dir);
        if (!name)
                return -ENOMEM;
        r = sf_layout_confine(l, "", "md5.txt", &path, NULL, &why);
        if (r == -ENOENT)
                return sf_error_set(err, r, "%s: missing; it is required to verify the package",
                                    name);
        if (r < 0)
                return sf_error_set(err, r, "%s: %s", name, why);
        r = sf_source_read_all(l->src, sf_layout_relative(l, path), SF_LAYOUT_MD5_MAX, &buf, &len,
                               err);
        if (r == -EFBIG)
                return sf_error_set(err, r, "%s: larger than 1 MiB", name);
        if (r < 0)
                return r;
        for (p = buf, end = buf + len; p < end;) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

                r = md5_add(l, name, ++line, p, n, err);
                if (r < 0)
                        return r;
                p += n + 1;
        }
        return 0;
}

static size_t md5_find(const struct sf_layout *l, const char *path)
{
        for (size_t i = 0; i < l->n_md5; i++)
                if (strcmp(l->md5[i].path, path) == 0)
                        return i;
        return SIZE_MAX;
}

/* A file the flash uses: it must be listed (required) or is checked when listed. */
static int use(struct sf_layout *l, const char *path, uint64_t size, bool required,
               struct sf_error *err)
{
        size_t m = md5_find(l, path);
        int r;

        for (size_t i = 0; i < l->n_used; i++)
                if (strcmp(l->used[i].path, path) == 0)
                        return 0;
        if (m == SIZE_MAX && required)
                return sf_error_set(err, -ENODATA, "%s/md5.txt: no md5.txt entry for %s",
                                    l->pkg_dir, sf_layout_relative(l, path));
        if (m == SIZE_MAX)
                return 0;
        r = sf_grow(&l->used, &l->cap_used, l->n_used, sizeof(*l->used), SIZE_MAX / 2);
        if (r < 0)
                return r;
        l->used[l->n_used++] = (struct used_file){.path = path, .size = size, .md5 = m};
        return 0;
}

int sf_layout_md5_cover(struct sf_layout *l, struct sf_error *err)
{
        int r;

        r = use(l, l->programmer, l->programmer_size, true, err);
        for (size_t i = 0; r >= 0 && i < l->n_ops; i++)
                if (l->ops[i].path)
                        r = use(l, l->ops[i].path, l->ops[i].file_size, true, err);
        for (size_t i = 0; r >= 0 && i < l->n_xml; i++)
                if (l->xml[i].path)
                        r = use(l, l->xml[i].path, l->xml[i].size, false, err);
        return r;
}

static void hex(const uint8_t d[16], char out[33])
{
        for (size_t i = 0; i < 16; i++)
                snprintf(out + 2 * i, 3, "%02x", d[i]);
}

struct hashing {
        EVP_MD_CTX *ctx;
        uint8_t *buf;
        uint64_t done, total;
        sf_progress_fn progress;
        void *userdata;
};

static int hash_file(const struct sf_layout *l, const struct used_file *u, struct hashing *h,
                     uint8_t digest[16], struct sf_error *err)
{
        const char *rel = sf_layout_relative(l, u->path);
        _cleanup_(sf_source_file_freep) struct sf_source_file *f = NULL;
        unsigned int dlen = 0;
        int r;

        r = sf_layout_open_file(l, u->path, &f, err);
        if (r < 0)
                return r;
        if (sf_source_file_size(f) != u->size)
                return sf_error_set(err, -EBADMSG, "%s: changed since the package was read", rel);
        if (!EVP_DigestInit_ex(h->ctx, EVP_md5(), NULL))
                return sf_error_set(err, -EOPNOTSUPP, "%s: MD5 is not available", rel);
        for (uint64_t left = u->size; left > 0;) {
                ssize_t n = sf_source_read(f, h->buf, left < HASH_CHUNK ? left : HASH_CHUNK, err);

                if (n < 0)
                        return (int)n;
                if (n == 0)
                        return sf_error_set(err, -EBADMSG, "%s: changed since the package was read",
                                            rel);
                if (!EVP_DigestUpdate(h->ctx, h->buf, (size_t)n))
                        return sf_error_set(err, -EIO, "%s: MD5 failed", rel);
                left -= (uint64_t)n;
                h->done += (uint64_t)n;
                if (h->progress)
                        h->progress(h->userdata, h->done, h->total);
        }
        /* The end, too: a zip then checks the entry's CRC, a folder's file has not grown. */
        r = (int)sf_source_read(f, h->buf, 1, err);
        if (r < 0)
                return r;
        if (r > 0)
                return sf_error_set(err, -EBADMSG, "%s: changed since the package was read", rel);
        if (!EVP_DigestFinal_ex(h->ctx, digest, &dlen) || dlen != 16)
                return sf_error_set(err, -EIO, "%s: MD5 failed", rel);
        return 0;
}

int sf_layout_verify(struct sf_layout *l, sf_progress_fn progress, void *userdata,
                     struct sf_error *err)
{
        _cleanup_(md_ctx_freep) EVP_MD_CTX *ctx = NULL;
        _cleanup_free_ uint8_t *buf = NULL;
        struct hashing h = {.progress = progress, .userdata = userdata};
        uint8_t digest[16];
        char want[33], have[33];
        int r;

        if (!l)
                return -EINVAL;
        if (l->verify_skipped)
                return sf_error_set(err, -ENODATA, "%s: loaded without md5.txt (no_verify)",
                                    l->pkg_dir);
        for (size_t i = 0; i < l->n_used; i++)
                h.total = l->used[i].size > UINT64_MAX - h.total ? UINT64_MAX
                                                                 : h.total + l->used[i].size;
        ctx = EVP_MD_CTX_new();
        buf = malloc(HASH_CHUNK);
        if (!ctx || !buf)
                return -ENOMEM;
        h.ctx = ctx;
        h.buf = buf;
        if (progress)
                progress(userdata, 0, h.total);
        for (size_t i = 0; i < l->n_used; i++) {
                const struct md5_entry *m = &l->md5[l->used[i].md5];

                r = hash_file(l, &l->used[i], &h, digest, err);
                if (r < 0)
                        return r;
                if (memcmp(digest, m->digest, sizeof(digest)) == 0)
                        continue;
                hex(m->digest, want);
                hex(digest, have);
                return sf_error_set(err, -EBADMSG,
                                    "%s: MD5 mismatch: md5.txt line %lu says %s, the file is %s",
                                    sf_layout_relative(l, l->used[i].path), m->line, want, have);
        }
        l->verified = true;
        return 0;
}

int sf_layout_file_md5(const struct sf_layout *l, const char *path, uint8_t out[16])
{
        if (!l || !path || !l->verified)
                return -ENODATA;
        for (size_t i = 0; i < l->n_used; i++)
                if (l->used[i].md5 != SIZE_MAX && strcmp(l->used[i].path, path) == 0) {
                        memcpy(out, l->md5[l->used[i].md5].digest, 16);
                        return 0;
                }
        return -ENODATA;
}
