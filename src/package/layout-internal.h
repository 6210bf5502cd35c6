/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The layout's insides, shared by the files that build it: layout.c (the object, loading),
 * confine.c (paths), find.c (which files make the package), rawprogram.c (the XMLs),
 * factory.c (why content is factory content) and md5.c (md5.txt, hashing). */
#ifndef SF_PACKAGE_LAYOUT_INTERNAL_H
#define SF_PACKAGE_LAYOUT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "package/layout.h"
#include "util/strv.h"

struct xml_file {
        char *rel;  /* package-relative */
        char *path; /* realpath; NULL for documents parsed from memory */
        uint64_t size;
};

struct md5_entry {
        char *path; /* realpath */
        uint8_t digest[16];
        unsigned long line;
};

/* A file whose bytes go to the device (or an XML md5.txt happens to list). */
struct used_file {
        const char *path;
        uint64_t size;
        size_t md5; /* index into md5, or SIZE_MAX */
};

struct sf_layout {
        char *pkg_dir;         /* as the caller gave it: names files in messages */
        char *root;            /* realpath of the folder or zip */
        struct sf_source *src; /* NULL for documents parsed from memory */
        char *programmer;
        uint64_t programmer_size;
        struct sf_layout_op *ops;
        size_t n_ops, cap_ops;
        struct sf_layout_patch *patches;
        size_t n_patches, cap_patches;
        struct xml_file xml[SF_LAYOUT_MAX_XML];
        size_t n_xml;
        bool name_says_nand;
        struct sf_strv reasons;
        struct md5_entry *md5;
        size_t n_md5, cap_md5;
        struct used_file *used;
        size_t n_used, cap_used;
        enum sf_layout_storage storage;
        uint64_t total;
        bool has_factory_xml, verified, verify_skipped;
};

/* confine.c */
/* A regular file named by name relative to the package folder dir, wherever symlinks lead, as
 * long as it stays inside the package: *ret_path is the root joined with its resolved name
 * (ret_size may be NULL). *why says what went wrong. */
int sf_layout_confine(const struct sf_layout *l, const char *dir, const char *name, char **ret_path,
                      uint64_t *ret_size, const char **why);
/* path relative to the package root (path itself when it is not inside). */
const char *sf_layout_relative(const struct sf_layout *l, const char *path);
/* The folder part of a package-relative path ("" at the root). */
void sf_layout_dir_of(const char *rel, char *out, size_t size);

/* find.c: fill raw and patch with the package-relative XMLs to parse, in order, and choose the
 * programmer. */
int sf_layout_find_files(struct sf_layout *l, const struct sf_layout_options *opt,
                         struct sf_strv *raw, struct sf_strv *patch, struct sf_error *err);

/* rawprogram.c: parse one rawprogram (or patch) document into l's ops (patches); rel
 * (package-relative) names it and decides where its files are. path (owned from then on) and
 * size are the file's, NULL and the length for a document from memory. */
int sf_layout_parse_xml(struct sf_layout *l, const char *rel, char *path, uint64_t size,
                        const char *buf, size_t len, bool patch, struct sf_error *err);
int sf_layout_parse_xml_file(struct sf_layout *l, const char *rel, bool patch,
                             struct sf_error *err);
void sf_layout_op_done(struct sf_layout_op *op);
void sf_layout_patch_done(struct sf_layout_patch *p);

/* factory.c: why the chosen XMLs and operations are factory content (quectel.md rule R6). */
int sf_layout_add_factory_reasons(struct sf_layout *l);

/* md5.c: read md5.txt, then tie every file the flash uses to its entry. */
int sf_layout_md5_read(struct sf_layout *l, struct sf_error *err);
int sf_layout_md5_cover(struct sf_layout *l, struct sf_error *err);

#endif
