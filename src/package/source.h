/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Where a package's files come from: a package folder, or a zip of one read in place (never
 * extracted). One small ops table with two backends, so that the layout, md5.txt and the
 * flashing engine read a package the same way whatever holds it.
 *
 * Names are package-relative and '/'-separated ("update/firehose/patch_p4K_b256K.xml"), with no
 * "." or ".." and no leading '/'. Files are read front to back; a reader holds a bounded buffer
 * whatever the file's size.
 *
 * A zip is checked as a whole when it is opened: every entry name must be relative and stay
 * inside (no absolute names, drive letters or ".." components; '\' counts as a separator, as
 * in the folder reader), only files and folders (no symlinks, hard links or devices), no name
 * twice, no encrypted entry, every size declared and at most SF_SOURCE_ENTRY_MAX, at most
 * SF_SOURCE_MAX_ENTRIES entries and 1 MiB of names, at most 16 folders deep. A zip whose entries
 * all sit in one top folder
 * ("EC25EFAR06A19M4G_20.201.20.201/update/…") is read from inside that folder. "__MACOSX/"
 * (Finder's resource forks) is checked like the rest, then ignored. Reading an entry yields
 * exactly its declared size, or an error (a corrupt or truncated archive, more data than
 * declared, a bad CRC).
 *
 * Errors (negative errno, with a message naming the package and the entry): -EBADMSG a hostile,
 * corrupt or truncated zip; -E2BIG too many entries; -EFBIG an entry over the cap; -ENOENT no
 * such file; -EACCES a name or symlink leading outside; -EINVAL not a regular file;
 * -EOPNOTSUPP an encrypted entry. */
#ifndef SF_PACKAGE_SOURCE_H
#define SF_PACKAGE_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "safeflash/common.h"
#include "util/cleanup.h"

#define SF_SOURCE_MAX_ENTRIES 4096
#define SF_SOURCE_ENTRY_MAX   (UINT64_C(16) << 30) /* 16 GiB: more than any partition */
#define SF_SOURCE_NAME_MAX    1024                 /* bytes of a package-relative name */

struct sf_source;
struct sf_source_file;

enum sf_source_kind {
        SF_SOURCE_FOLDER,
        SF_SOURCE_ZIP,
};

/* A folder, or a regular file that is a zip (by its content, not its name). -ENOTDIR for
 * anything else. */
int sf_source_open(const char *path, struct sf_source **ret, struct sf_error *err);
void sf_source_free(struct sf_source *s);

enum sf_source_kind sf_source_kind(const struct sf_source *s);
/* The path as the caller gave it: names files in messages. */
const char *sf_source_path(const struct sf_source *s);
/* The realpath of the folder or the zip file. */
const char *sf_source_root(const struct sf_source *s);
/* The package's own folder name: the folder's, or the zip's top folder; NULL for a zip whose
 * files sit at its root. */
const char *sf_source_folder_name(const struct sf_source *s);

/* The file name (normalized: no "." or "..", '/' separators) resolves to: for a folder, the
 * name of the file wherever symlinks lead as long as it stays inside; for a zip, the name
 * itself. *ret_name is allocated. *why says what went wrong. */
int sf_source_lookup(const struct sf_source *s, const char *name, char **ret_name,
                     uint64_t *ret_size, const char **why);

/* fn is called with the name of each file or folder directly inside folder dir ("" for the
 * package root), in no particular order; names starting with '.' are left out. A missing dir
 * is not an error; a folder symlink leading outside the package is (-EACCES). fn returning
 * < 0 stops the walk with that error. */
typedef int (*sf_source_list_fn)(void *userdata, const char *name);
int sf_source_list(const struct sf_source *s, const char *dir, sf_source_list_fn fn, void *userdata,
                   struct sf_error *err);

/* Open a file by the name sf_source_lookup() gave. */
int sf_source_open_file(const struct sf_source *s, const char *name, struct sf_source_file **ret,
                        struct sf_error *err);
/* Its size: the folder's file's now, or the zip entry's declared size. */
uint64_t sf_source_file_size(const struct sf_source_file *f);
/* Up to len bytes; 0 at the end. */
ssize_t sf_source_read(struct sf_source_file *f, void *buf, size_t len, struct sf_error *err);
/* Exactly len bytes, or -EBADMSG when the file ends first. */
int sf_source_read_exact(struct sf_source_file *f, void *buf, size_t len, struct sf_error *err);
/* Read past n bytes. */
int sf_source_skip(struct sf_source_file *f, uint64_t n, struct sf_error *err);
void sf_source_file_free(struct sf_source_file *f);
SF_DEFINE_CLEANUP(struct sf_source_file, sf_source_file_free)

/* A whole file of at most max bytes, NUL-terminated (not counted in *ret_len). -EFBIG above. */
int sf_source_read_all(const struct sf_source *s, const char *name, size_t max, char **ret_buf,
                       size_t *ret_len, struct sf_error *err);

/* ---- Backends (source-dir.c, source-zip.c) ---- */

struct sf_source_ops {
        int (*lookup)(const struct sf_source *s, const char *name, char **ret_name,
                      uint64_t *ret_size, const char **why);
        int (*list)(const struct sf_source *s, const char *dir, sf_source_list_fn fn,
                    void *userdata, struct sf_error *err);
        int (*open_file)(const struct sf_source *s, const char *name, struct sf_source_file **ret,
                         struct sf_error *err);
        ssize_t (*read)(struct sf_source_file *f, void *buf, size_t len, struct sf_error *err);
        void (*close)(struct sf_source_file *f);
        void (*done)(struct sf_source *s);
};

struct sf_source {
        const struct sf_source_ops *ops;
        enum sf_source_kind kind;
        char *path;
        char *root;
        char *folder_name;
        void *impl;
};

struct sf_source_file {
        const struct sf_source *src;
        char *name; /* package-relative, for messages */
        uint64_t size;
        uint64_t pos;
        void *impl;
};

int sf_source_dir_open(struct sf_source *s, struct sf_error *err);
int sf_source_zip_open(struct sf_source *s, struct sf_error *err);
/* Does this file start like a zip (a local header, or the end record of an empty one)? */
bool sf_source_looks_like_zip(int fd);

#endif
