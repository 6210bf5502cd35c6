/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The package reader's flashing half: which programmer and which rawprogram/patch XMLs a
 * package folder, or a zip of one (package/source.h), holds (quectel.md section 4), the operations
 * they describe, with every file confined to the package and checked against its partition, and the
 * package's md5.txt.
 *
 * Nothing here depends on directory order: candidates are sorted by name, and more than one
 * candidate where one is needed is an error unless the caller names one.
 *
 * Errors (negative errno, with a message naming the file and, inside an XML or md5.txt, the
 * line): -EBADMSG malformed XML, attribute, or md5.txt line, or an MD5 mismatch; -ENOENT a
 * missing programmer, XML, image, md5.txt, or a file md5.txt lists; -ENODATA a used file without
 * an md5.txt entry; -EACCES a path that is absolute or leaves the package (also through a
 * symlink); -ENOTUNIQ several candidates where one is needed; -EPERM only factory XMLs and
 * factory content not allowed; -EFBIG an image larger than its partition, or an XML over
 * SF_LAYOUT_XML_MAX; -E2BIG over one of the caps below; -ENAMETOOLONG a filename over
 * SF_LAYOUT_FILENAME_MAX; -EOPNOTSUPP <read>, <ufs> or sparse images; -ENOTDIR pkg_dir is not a
 * folder; -ENODATA also when the rawprogram XMLs hold no operation.
 *
 * XML files are parsed with expat under the guards of util/xml.c (no DOCTYPE, no entities,
 * size cap) but by a small driver of their own, because every error must name its line. */
#ifndef SF_PACKAGE_LAYOUT_H
#define SF_PACKAGE_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "safeflash/common.h"

#define SF_LAYOUT_MAX_OPS      1024 /* operations, and DISK patches, per package */
#define SF_LAYOUT_MAX_XML      64   /* candidate XML files in the chosen folder */
#define SF_LAYOUT_XML_MAX      (4 * 1024 * 1024)
#define SF_LAYOUT_FILENAME_MAX 255 /* filename attribute, in bytes */
#define SF_LAYOUT_MD5_MAX      (1024 * 1024)
#define SF_LAYOUT_MD5_ENTRIES  4096
#define SF_LAYOUT_MAX_REASONS  32 /* factory reasons kept; the first ones found */

typedef void (*sf_progress_fn)(void *userdata, uint64_t done, uint64_t total);

struct sf_layout;
struct sf_source_file;

struct sf_layout_options {
        /* Choose this programmer when there are several: its file name, or its path relative to
         * the package. It must be one of the candidates. */
        const char *programmer;
        /* Choose this rawprogram XML (file name or package-relative path) among several
         * single-file (NAND-style) candidates. */
        const char *rawprogram;
        /* A *_factory.xml may be chosen: when it is the only candidate, or when named by
         * rawprogram. Without it, a package offering only factory XMLs is refused (-EPERM). */
        bool allow_factory;
        /* Do not require or read md5.txt; the layout then says verification_skipped. */
        bool no_verify;
};

enum sf_layout_op_kind {
        SF_LAYOUT_OP_ERASE,
        SF_LAYOUT_OP_PROGRAM,
};
const char *sf_layout_op_kind_to_string(enum sf_layout_op_kind k);

enum sf_layout_storage {
        SF_LAYOUT_STORAGE_UNKNOWN,
        SF_LAYOUT_STORAGE_NAND,
        SF_LAYOUT_STORAGE_EMMC,
        SF_LAYOUT_STORAGE_UFS,
};
/* "unknown", "nand", "emmc", "ufs": the names Firehose <configure MemoryName=…> uses. */
const char *sf_layout_storage_to_string(enum sf_layout_storage s);

/* One <program> or <erase>, in file order (files in name order). */
struct sf_layout_op {
        enum sf_layout_op_kind kind;
        uint32_t sector_size;   /* SECTOR_SIZE_IN_BYTES: a power of two, 512..65536 */
        uint32_t lun;           /* physical_partition_number, 0 when absent */
        const char *start_text; /* start_sector as written (send it verbatim); NULL when an
                                 * erase gives none (the whole partition or LUN) */
        bool has_start;         /* start_text is a plain number ("640" or "640."): start */
        uint64_t start;
        bool has_num_sectors; /* num_partition_sectors is given (always, for a program) */
        uint64_t num_sectors;
        bool has_pages_per_block;
        uint32_t pages_per_block;
        bool has_last_sector;
        uint64_t last_sector;
        const char *label;    /* "" when absent */
        const char *filename; /* as written; NULL for an erase */
        const char *path;     /* the package's root (folder or zip) joined with the file's
                               * symlink-free name; NULL for an erase. sf_layout_open_file() */
        uint64_t file_size;
        uint64_t file_sector_offset;
        uint64_t data_bytes; /* bytes of the file to send: file_size - offset, ≤ the partition */
        /* Sectors a program sends: the file's, rounded up to a sector (a NAND page), not the
         * line's num_partition_sectors, which real NAND packages set to the partition's size
         * (qdl and QFirehose send the file's; protocols.md 3.7). The rest of the partition is
         * erased, never written with padding. */
        uint64_t write_sectors;
        const char *xml;     /* package-relative path of the XML it comes from */
        unsigned long line;
};

/* One <patch filename="DISK">, in file order. */
struct sf_layout_patch {
        uint32_t sector_size;
        uint32_t lun;
        const char *start_text; /* an expression, sent verbatim */
        uint64_t byte_offset;
        uint32_t size_in_bytes; /* 1..8 */
        const char *value;      /* a number, a NUM_DISK_SECTORS expression or CRC32(…) */
        const char *what;       /* "" when absent */
        const char *xml;
        unsigned long line;
};

/* Read pkg_dir, a package folder or zip (opt may be NULL for the defaults). Hashes nothing:
 * see sf_layout_verify(). */
int sf_layout_load(const char *pkg_dir, const struct sf_layout_options *opt, struct sf_layout **ret,
                   struct sf_error *err);
void sf_layout_free(struct sf_layout *l);

/* Hash the programmer, every image the operations use, and each chosen XML md5.txt lists, in
 * 1 MiB chunks, and compare all 32 hex digits. progress (may be NULL) sees bytes hashed so far
 * of the total. A file whose size changed since sf_layout_load() is an error. -ENODATA when the
 * layout was loaded with no_verify. */
int sf_layout_verify(struct sf_layout *l, sf_progress_fn progress, void *userdata,
                     struct sf_error *err);

const char *sf_layout_root(const struct sf_layout *l); /* realpath of the folder or zip */
/* Open a file of the package for reading, by its path (an op's path, the programmer). */
int sf_layout_open_file(const struct sf_layout *l, const char *path, struct sf_source_file **ret,
                        struct sf_error *err);
size_t sf_layout_op_count(const struct sf_layout *l);
const struct sf_layout_op *sf_layout_op(const struct sf_layout *l, size_t i); /* NULL past end */
size_t sf_layout_patch_count(const struct sf_layout *l);
const struct sf_layout_patch *sf_layout_patch(const struct sf_layout *l, size_t i);
/* The chosen rawprogram XMLs, then the patch XMLs, package-relative, in the order parsed. */
size_t sf_layout_xml_count(const struct sf_layout *l);
const char *sf_layout_xml(const struct sf_layout *l, size_t i);
const char *sf_layout_programmer(const struct sf_layout *l); /* absolute; NULL from buffers */
uint64_t sf_layout_programmer_size(const struct sf_layout *l);
/* "nand" when the rawprogram's name says so or PAGES_PER_BLOCK appears; otherwise UFS for
 * 4096-byte sectors and eMMC for 512. */
enum sf_layout_storage sf_layout_storage(const struct sf_layout *l);
/* Sum of data_bytes over the programs. */
uint64_t sf_layout_total_bytes(const struct sf_layout *l);
/* The folder also holds a *_factory.xml (chosen or not). */
bool sf_layout_has_factory_xml(const struct sf_layout *l);
/* Why the chosen content is factory content (quectel.md rule R6); none for a clean update. The
 * reader only reports; policy decides. */
size_t sf_layout_factory_reason_count(const struct sf_layout *l);
const char *sf_layout_factory_reason(const struct sf_layout *l, size_t i);
/* The MD5 md5.txt gives for a file the flash uses (an op's path, the programmer), once
 * sf_layout_verify() has checked it: 0, or -ENODATA (not verified, or not listed). */
int sf_layout_file_md5(const struct sf_layout *l, const char *path, uint8_t out[16]);
/* sf_layout_verify() succeeded. */
bool sf_layout_verified(const struct sf_layout *l);
/* Loaded with no_verify: nothing was or can be checked against md5.txt. Say so loudly. */
bool sf_layout_verification_skipped(const struct sf_layout *l);

/* ---- Entry points for fuzzing and tests ---- */

/* Parse a rawprogram and a patch document (either may be NULL) from memory, as if they were
 * pkg_dir/xml_rel and pkg_dir/<its folder>/patch.xml. pkg_dir is used as given, not resolved;
 * file lookups happen under it (a directory with no files makes every image lookup fail with
 * -ENOENT). The result has no programmer and no md5.txt; its factory reasons, storage guess and
 * totals are computed as for sf_layout_load(). */
int sf_layout_parse_buffers(const char *pkg_dir, const char *xml_rel, const char *rawprogram,
                            size_t rawprogram_len, const char *patch, size_t patch_len,
                            struct sf_layout **ret, struct sf_error *err);

/* One md5.txt line, without its '\n' (a trailing '\r' is allowed). Returns 0 with the
 * '/'-separated path relative to the package (not yet confined) and the digest; 1 for a blank
 * line (ret_ untouched); -EBADMSG when malformed; -ENAMETOOLONG when the path does not fit. */
int sf_layout_md5_parse_line(const char *line, size_t len, char *ret_path, size_t path_size,
                             uint8_t ret_digest[16]);

#endif
