/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A package folder: files confined to it whatever symlinks say. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "package/source.h"
#include "util/cleanup.h"
#include "util/strutil.h"

struct dir_file {
        int fd;
};

static bool inside(const char *root, const char *path)
{
        size_t n = strlen(root);

        if (n == 1 && root[0] == '/')
                return path[0] == '/' && path[1] != '\0';
        return strncmp(path, root, n) == 0 && path[n] == '/';
}

static const char *relative(const struct sf_source *s, const char *real)
{
        size_t n = strlen(s->root);

        return real + n + (n > 1);
}

static int dir_lookup(const struct sf_source *s, const char *name, char **ret_name,
                      uint64_t *ret_size, const char **why)
{
        _cleanup_free_ char *full = NULL, *real = NULL;
        struct stat st;
        int r;

        full = sf_asprintf("%s/%s", s->root, name);
        if (!full) {
                *why = "out of memory";
                return -ENOMEM;
        }
        real = realpath(full, NULL);
        if (!real) {
                r = -errno;
                *why = r == -ENOENT || r == -ENOTDIR ? "no such file in the package"
                       : r == -ELOOP                 ? "symlink loop"
                                                     : "cannot be resolved";
                return r == -ENOTDIR ? -ENOENT : r;
        }
        if (!inside(s->root, real)) {
                *why = "a symlink leads outside the package";
                return -EACCES;
        }
        if (stat(real, &st) < 0) {
                *why = "cannot be read";
                return -errno;
        }
        if (!S_ISREG(st.st_mode)) {
                *why = "not a regular file";
                return -EINVAL;
        }
        *ret_name = strdup(relative(s, real));
        if (!*ret_name) {
                *why = "out of memory";
                return -ENOMEM;
        }
        if (ret_size)
                *ret_size = (uint64_t)st.st_size;
        return 0;
}

static int dir_list(const struct sf_source *s, const char *dir, sf_source_list_fn fn,
                    void *userdata, struct sf_error *err)
{
        _cleanup_free_ char *path = NULL, *real = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r;

        path = sf_asprintf("%s%s%s", s->root, *dir ? "/" : "", dir);
        if (!path)
                return -ENOMEM;
        real = realpath(path, NULL);
        if (!real)
                return 0;
        if (strcmp(real, s->root) != 0 && !inside(s->root, real))
                return sf_error_set(err, -EACCES, "%s/%s: a symlink leads outside the package",
                                    s->path, dir);
        d = opendir(real);
        if (!d)
                return errno == ENOTDIR
                               ? 0
                               : sf_error_set(err, -errno, "%s: %s", path, strerror(errno));
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                r = fn(userdata, de->d_name);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int dir_open_file(const struct sf_source *s, const char *name, struct sf_source_file **ret,
                         struct sf_error *err)
{
        _cleanup_free_ struct sf_source_file *f = calloc(1, sizeof(*f));
        _cleanup_free_ struct dir_file *df = calloc(1, sizeof(*df));
        _cleanup_free_ char *path = sf_asprintf("%s/%s", s->root, name);
        _cleanup_close_ int fd = -1;
        struct stat st;

        if (!f || !df || !path)
                return -ENOMEM;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
        if (fd < 0 || fstat(fd, &st) < 0)
                return sf_error_set(err, -errno, "%s/%s: %s", s->path, name, strerror(errno));
        if (!S_ISREG(st.st_mode))
                return sf_error_set(err, -EINVAL, "%s/%s: not a regular file", s->path, name);
        f->name = strdup(name);
        if (!f->name)
                return -ENOMEM;
        df->fd = fd;
        fd = -1;
        f->src = s;
        f->size = (uint64_t)st.st_size;
        f->impl = TAKE_PTR(df);
        *ret = TAKE_PTR(f);
        return 0;
}

static ssize_t dir_read(struct sf_source_file *f, void *buf, size_t len, struct sf_error *err)
{
        struct dir_file *df = f->impl;

        for (;;) {
                ssize_t n = read(df->fd, buf, len);

                if (n >= 0)
                        return n;
                if (errno != EINTR)
                        return sf_error_set(err, -errno, "%s/%s: %s", f->src->path, f->name,
                                            strerror(errno));
        }
}

static void dir_close(struct sf_source_file *f)
{
        struct dir_file *df = f->impl;

        if (df && df->fd >= 0)
                close(df->fd);
        free(df);
}

static const struct sf_source_ops dir_ops = {
        .lookup = dir_lookup,
        .list = dir_list,
        .open_file = dir_open_file,
        .read = dir_read,
        .close = dir_close,
};

int sf_source_dir_open(struct sf_source *s, struct sf_error *err)
{
        const char *base = strrchr(s->root, '/');

        s->ops = &dir_ops;
        s->folder_name = strdup(base && base[1] ? base + 1 : s->root);
        return s->folder_name ? 0 : -ENOMEM;
}
