/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A generated package folder as a zip, the way vendors ship them: libarchive's zip writer,
 * entries in name order, fixed times and owners, so the same folder gives the same bytes. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mkpkg.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#define ZIP_CHUNK   65536
#define ZIP_MTIME   1577836800 /* 2020-01-01: no build time in the output */
#define ZIP_MAX_DIR 8

struct zipper {
        struct archive *a;
        struct archive_entry *e;
        struct sf_error *err;
        const char *zip;
        uint8_t *buf;
};

static int zip_fail(struct zipper *z, const char *what)
{
        return sf_error_set(z->err, -EIO, "mkpkg: %s: %s: %s", z->zip, what,
                            archive_error_string(z->a) ? archive_error_string(z->a) : "failed");
}

static int put_header(struct zipper *z, const char *name, const struct stat *st)
{
        archive_entry_clear(z->e);
        archive_entry_set_pathname(z->e, name);
        archive_entry_set_filetype(z->e, S_ISDIR(st->st_mode) ? AE_IFDIR : AE_IFREG);
        archive_entry_set_perm(z->e, S_ISDIR(st->st_mode) ? 0755 : 0644);
        archive_entry_set_size(z->e, S_ISDIR(st->st_mode) ? 0 : st->st_size);
        archive_entry_set_mtime(z->e, ZIP_MTIME, 0);
        if (archive_write_header(z->a, z->e) != ARCHIVE_OK)
                return zip_fail(z, name);
        return 0;
}

static int put_data(struct zipper *z, const char *path, const char *name)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return sf_error_set(z->err, -errno, "mkpkg: %s: %s", path, strerror(errno));
        while ((n = read(fd, z->buf, ZIP_CHUNK)) > 0)
                if (archive_write_data(z->a, z->buf, (size_t)n) != n)
                        return zip_fail(z, name);
        if (n < 0)
                return sf_error_set(z->err, -errno, "mkpkg: %s: %s", path, strerror(errno));
        return 0;
}

/* dir/rel and everything under it, as prefix/rel. */
static int put_tree(struct zipper *z, const char *dir, const char *rel, const char *prefix,
                    unsigned depth)
{
        _cleanup_free_ char *path = sf_asprintf("%s%s%s", dir, *rel ? "/" : "", rel);
        struct dirent **list = NULL;
        int n, r = 0;

        if (!path)
                return -ENOMEM;
        if (depth > ZIP_MAX_DIR)
                return sf_error_set(z->err, -ELOOP, "mkpkg: %s: nested too deep", path);
        n = scandir(path, &list, NULL, alphasort);
        if (n < 0)
                return sf_error_set(z->err, -errno, "mkpkg: %s: %s", path, strerror(errno));
        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *child = NULL, *full = NULL, *name = NULL;
                struct stat st;

                if (r < 0 || list[i]->d_name[0] == '.') {
                        free(list[i]);
                        continue;
                }
                child = sf_asprintf("%s%s%s", rel, *rel ? "/" : "", list[i]->d_name);
                free(list[i]);
                full = child ? sf_asprintf("%s/%s", dir, child) : NULL;
                name = child ? sf_asprintf("%s%s%s", prefix, *prefix ? "/" : "", child) : NULL;
                if (!name || !full)
                        r = -ENOMEM;
                else if (lstat(full, &st) < 0)
                        r = sf_error_set(z->err, -errno, "mkpkg: %s: %s", full, strerror(errno));
                else if (S_ISDIR(st.st_mode) && (r = put_header(z, name, &st)) >= 0)
                        r = put_tree(z, dir, child, prefix, depth + 1);
                else if (S_ISREG(st.st_mode) && (r = put_header(z, name, &st)) >= 0)
                        r = put_data(z, full, name);
        }
        free(list);
        return r;
}

static int put_top(struct zipper *z, const char *top)
{
        struct stat st = {.st_mode = S_IFDIR | 0755};

        return top && *top ? put_header(z, top, &st) : 0;
}

int sim_pkg_zip(const char *dir, const char *zip, const char *top, struct sf_error *err)
{
        struct zipper z = {.err = err, .zip = zip};
        int r;

        z.a = archive_write_new();
        z.e = archive_entry_new();
        z.buf = malloc(ZIP_CHUNK);
        if (!z.a || !z.e || !z.buf)
                r = -ENOMEM;
        else if (archive_write_set_format_zip(z.a) != ARCHIVE_OK ||
                 archive_write_zip_set_compression_deflate(z.a) != ARCHIVE_OK ||
                 archive_write_open_filename(z.a, zip) != ARCHIVE_OK)
                r = zip_fail(&z, "cannot create");
        else
                r = put_top(&z, top);
        if (r >= 0)
                r = put_tree(&z, dir, "", top ? top : "", 0);
        if (r >= 0 && archive_write_close(z.a) != ARCHIVE_OK)
                r = zip_fail(&z, "cannot finish");
        archive_write_free(z.a);
        archive_entry_free(z.e);
        free(z.buf);
        if (r < 0)
                unlink(zip);
        return r;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
}

int sim_mkpkg_zip(const struct sim_mkpkg_options *o, bool flat, struct sf_error *err)
{
        struct sim_mkpkg_options folder;
        _cleanup_free_ char *tmp = NULL, *pkg = NULL;
        struct stat st;
        int r;

        if (!o || !o->out || !o->version)
                return sf_error_set(err, -EINVAL, "mkpkg: a version and an output are required");
        folder = *o;
        if (lstat(o->out, &st) == 0)
                return sf_error_set(err, -EEXIST, "mkpkg: %s already exists", o->out);
        tmp = sf_asprintf("%s.tmp-XXXXXX", o->out);
        if (!tmp || !mkdtemp(tmp))
                return sf_error_set(err, -errno, "mkpkg: a folder next to %s: %s", o->out,
                                    strerror(errno));
        pkg = sf_asprintf("%s/%s", tmp, o->version);
        folder.out = pkg;
        r = pkg ? sim_mkpkg(&folder, err) : -ENOMEM;
        if (r >= 0)
                r = sim_pkg_zip(pkg, o->out, flat ? NULL : o->version, err);
        nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        return r;
}
