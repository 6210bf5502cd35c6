/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The package-writer core both package writers use: see mkpkg_core.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mkpkg_core.h"
#include "proto/firehose.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#define CHUNK     SIM_PKG_CHUNK
#define TEXT_MAX  SIM_TEXT_MAX
#define MAX_FILES 64u /* files under update/ */

SF_DEFINE_CLEANUP(EVP_MD_CTX, EVP_MD_CTX_free)

uint64_t sim_pkg_seed_for(const char *file, const char *what, const char *version)
{
        char s[320];

        snprintf(s, sizeof(s), "%s:%s:%s", file, what, version);
        return sim_seed(s);
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

/* ---- Text files ---- */

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
