/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A package's files, whatever holds them: see source.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "package/source.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#define READ_ALL_CHUNK 65536

bool sf_source_looks_like_zip(int fd)
{
        uint8_t magic[4];

        if (pread(fd, magic, sizeof(magic), 0) != (ssize_t)sizeof(magic))
                return false;
        return magic[0] == 'P' && magic[1] == 'K' &&
               ((magic[2] == 3 && magic[3] == 4) || (magic[2] == 5 && magic[3] == 6));
}

static int open_kind(const char *path, struct sf_source *s, struct sf_error *err)
{
        _cleanup_close_ int fd = -1;
        struct stat st;

        if (stat(path, &st) < 0)
                return sf_error_set(err, -errno, "%s: %s", path, strerror(errno));
        if (S_ISDIR(st.st_mode)) {
                s->kind = SF_SOURCE_FOLDER;
                return 0;
        }
        if (!S_ISREG(st.st_mode))
                return sf_error_set(err, -ENOTDIR, "%s: not a package folder or zip", path);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return sf_error_set(err, -errno, "%s: %s", path, strerror(errno));
        if (!sf_source_looks_like_zip(fd))
                return sf_error_set(err, -ENOTDIR, "%s: not a package directory or zip", path);
        s->kind = SF_SOURCE_ZIP;
        return 0;
}

int sf_source_open(const char *path, struct sf_source **ret, struct sf_error *err)
{
        struct sf_source *s;
        int r;

        if (!path || !ret)
                return -EINVAL;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->path = strdup(path);
        r = s->path ? open_kind(path, s, err) : -ENOMEM;
        if (r >= 0 && !(s->root = realpath(path, NULL)))
                r = sf_error_set(err, -errno, "%s: %s", path, strerror(errno));
        if (r >= 0)
                r = s->kind == SF_SOURCE_FOLDER ? sf_source_dir_open(s, err)
                                                : sf_source_zip_open(s, err);
        if (r < 0) {
                sf_source_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

void sf_source_free(struct sf_source *s)
{
        if (!s)
                return;
        if (s->ops && s->ops->done)
                s->ops->done(s);
        free(s->folder_name);
        free(s->root);
        free(s->path);
        free(s);
}

enum sf_source_kind sf_source_kind(const struct sf_source *s)
{
        return s->kind;
}

const char *sf_source_path(const struct sf_source *s)
{
        return s ? s->path : NULL;
}

const char *sf_source_root(const struct sf_source *s)
{
        return s ? s->root : NULL;
}

const char *sf_source_folder_name(const struct sf_source *s)
{
        return s ? s->folder_name : NULL;
}

int sf_source_lookup(const struct sf_source *s, const char *name, char **ret_name,
                     uint64_t *ret_size, const char **why)
{
        return s->ops->lookup(s, name, ret_name, ret_size, why);
}

int sf_source_list(const struct sf_source *s, const char *dir, sf_source_list_fn fn, void *userdata,
                   struct sf_error *err)
{
        return s->ops->list(s, dir, fn, userdata, err);
}

int sf_source_open_file(const struct sf_source *s, const char *name, struct sf_source_file **ret,
                        struct sf_error *err)
{
        if (!s || !name || !ret)
                return -EINVAL;
        return s->ops->open_file(s, name, ret, err);
}

uint64_t sf_source_file_size(const struct sf_source_file *f)
{
        return f ? f->size : 0;
}

ssize_t sf_source_read(struct sf_source_file *f, void *buf, size_t len, struct sf_error *err)
{
        ssize_t n = len ? f->src->ops->read(f, buf, len, err) : 0;

        if (n > 0)
                f->pos += (uint64_t)n;
        return n;
}

int sf_source_read_exact(struct sf_source_file *f, void *buf, size_t len, struct sf_error *err)
{
        size_t got = 0;

        while (got < len) {
                ssize_t n = sf_source_read(f, (uint8_t *)buf + got, len - got, err);

                if (n < 0)
                        return (int)n;
                if (n == 0)
                        return sf_error_set(err, -EBADMSG, "%s/%s: shorter than expected",
                                            f->src->path, f->name);
                got += (size_t)n;
        }
        return 0;
}

int sf_source_skip(struct sf_source_file *f, uint64_t n, struct sf_error *err)
{
        uint8_t buf[8192];

        while (n > 0) {
                size_t k = n < sizeof(buf) ? (size_t)n : sizeof(buf);
                int r = sf_source_read_exact(f, buf, k, err);

                if (r < 0)
                        return r;
                n -= k;
        }
        return 0;
}

void sf_source_file_free(struct sf_source_file *f)
{
        if (!f)
                return;
        f->src->ops->close(f);
        free(f->name);
        free(f);
}

int sf_source_read_all(const struct sf_source *s, const char *name, size_t max, char **ret_buf,
                       size_t *ret_len, struct sf_error *err)
{
        _cleanup_(sf_source_file_freep) struct sf_source_file *f = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r;

        r = sf_source_open_file(s, name, &f, err);
        if (r < 0)
                return r;
        if (f->size > max)
                return sf_error_set(err, -EFBIG, "%s/%s: larger than %zu bytes", s->path, name,
                                    max);
        len = (size_t)f->size;
        buf = malloc(len + 1);
        if (!buf)
                return -ENOMEM;
        r = sf_source_read_exact(f, buf, len, err);
        if (r >= 0)
                r = (int)sf_source_read(f, buf + len, 1, err); /* the end: a zip checks its CRC */
        if (r > 0)
                r = sf_error_set(err, -EBADMSG, "%s/%s: changed while it was read", s->path, name);
        if (r < 0)
                return r;
        buf[len] = '\0';
        *ret_buf = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}
