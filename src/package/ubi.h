/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* UBI images, as a package ships them (`NON-HLOS.ubi`, `system.ubi`) and as a module's NAND holds
 * them after Linux attached them: a parser of the on-flash format (the kernel's
 * include/uapi/mtd/ubi-media.h: EC header "UBI#", VID header "UBI!", the volume table in the layout
 * volume 0x7fffefff; docs/ubi.md), and the comparison that says whether a partition read back from
 * a module holds what an image defines.
 *
 * The parser reads one physical eraseblock (PEB) at a time, so a partition read back from a module
 * is never held whole: per logical eraseblock (LEB) it keeps a SHA-256 of its data, not the data. */
#ifndef SF_PACKAGE_UBI_H
#define SF_PACKAGE_UBI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "safeflash/common.h"
#include "util/cleanup.h"

#define SF_UBI_EC_MAGIC        0x55424923u /* "UBI#" */
#define SF_UBI_VID_MAGIC       0x55424921u /* "UBI!" */
#define SF_UBI_VERSION         1
#define SF_UBI_HDR_SIZE        64
#define SF_UBI_LAYOUT_VOL_ID   0x7fffefffu
#define SF_UBI_INTERNAL_VOL_START 0x7fffefffu /* vol_id >= this: UBI's own volumes */
#define SF_UBI_MAX_VOLUMES     128
#define SF_UBI_VTBL_RECORD     172
#define SF_UBI_VOL_NAME_MAX    127
#define SF_UBI_VOL_DYNAMIC     1
#define SF_UBI_VOL_STATIC      2
#define SF_UBI_VTBL_AUTORESIZE 0x01
#define SF_UBI_MAX_PEBS        65536 /* 16 GiB of 256 KiB eraseblocks */

/* One logical eraseblock, as the newest copy of it (highest sqnum) holds it. */
struct sf_ubi_leb {
        uint32_t lnum;
        uint32_t peb;        /* index of the eraseblock in the image */
        uint64_t sqnum;
        uint32_t data_len;   /* static: data_size; dynamic: the data without its trailing 0xFF */
        uint8_t sha256[32];  /* of those data_len bytes */
};

struct sf_ubi_volume {
        uint32_t id;
        uint8_t type;        /* SF_UBI_VOL_DYNAMIC or SF_UBI_VOL_STATIC */
        uint8_t flags;       /* the volume table's: SF_UBI_VTBL_AUTORESIZE */
        uint8_t upd_marker;  /* an update of this volume was interrupted */
        char name[SF_UBI_VOL_NAME_MAX + 1];
        uint32_t reserved_pebs, alignment, data_pad;
        uint32_t used_ebs;   /* static volumes: from the VID headers; 0 when no LEB is present */
        uint64_t data_bytes; /* the sum of the LEBs' data_len */
        size_t n_lebs;
        struct sf_ubi_leb *lebs; /* by lnum */
};

struct sf_ubi {
        uint32_t peb_size, vid_hdr_offset, data_offset, leb_size, image_seq;
        uint32_t n_pebs;     /* eraseblocks read */
        uint32_t n_erased;   /* all 0xFF: never written, or erased */
        uint32_t n_free;     /* an EC header and no VID header: erased by UBI, ready for use */
        uint32_t n_corrupt;  /* a header with a bad magic or CRC, or data that fails its CRC */
        uint32_t n_internal; /* UBI's own eraseblocks other than the volume table (fastmap) */
        uint32_t n_stale;    /* older copies of a LEB, superseded by a higher sqnum */
        size_t n_volumes;
        struct sf_ubi_volume *volumes; /* by id */
};

struct sf_ubi_scan;

/* A scan of PEBs of peb_size bytes (a power of two from 16 KiB to 16 MiB). strict: any corrupt
 * eraseblock is an error (-EBADMSG), as for an image a package ships; a module's flash may hold
 * some (a power cut during an erase), counted in n_corrupt. */
int sf_ubi_scan_new(uint32_t peb_size, bool strict, struct sf_ubi_scan **ret);
void sf_ubi_scan_free(struct sf_ubi_scan *s);
SF_DEFINE_CLEANUP(struct sf_ubi_scan, sf_ubi_scan_free)

/* The next PEB of the image (len == peb_size). -EBADMSG / -EPROTO with err filled for what no
 * UBI image may hold: headers that disagree (offsets, image sequence), a LEB past its volume,
 * two copies of one LEB with the same sqnum, more than SF_UBI_MAX_PEBS. */
int sf_ubi_scan_peb(struct sf_ubi_scan *s, const uint8_t *peb, size_t len, struct sf_error *err);
/* How many of the eraseblocks scanned so far a lenient scan counted as damaged (n_corrupt): a
 * flash with any never compares as the same (sf_ubi_compare). */
uint32_t sf_ubi_scan_damaged(const struct sf_ubi_scan *s);

/* The image as scanned: the volume table checked record by record (CRC, sizes, names unique),
 * every LEB belonging to a volume of the table with its type, no LEB past reserved_pebs, static
 * volumes whole (used_ebs LEBs, each but the last full). -ENODATA when no eraseblock held a UBI
 * header. The scan is used up either way. */
int sf_ubi_scan_finish(struct sf_ubi_scan *s, struct sf_ubi **ret, struct sf_error *err);

void sf_ubi_free(struct sf_ubi *u);
SF_DEFINE_CLEANUP(struct sf_ubi, sf_ubi_free)

/* The whole of buf (a multiple of peb_size) through a strict scan. */
int sf_ubi_parse(const uint8_t *buf, size_t len, uint32_t peb_size, struct sf_ubi **ret,
                 struct sf_error *err);

const struct sf_ubi_volume *sf_ubi_volume_by_id(const struct sf_ubi *u, uint32_t id);

/* Whether a volume holds the module's own data, which the module changes as it runs: a dynamic
 * volume that the image marks autoresize, or that is named as Quectel's read-write volumes are
 * (usrfs, usrdata, usr_data, cache, persist). Its contents are never compared; its presence,
 * name, type and alignment are. */
bool sf_ubi_volume_is_module_data(const struct sf_ubi_volume *v);

enum sf_ubi_match {
        SF_UBI_SAME,    /* every volume the image defines is on the flash as the image has it */
        SF_UBI_CHANGED, /* a volume differs: why says which and how */
        SF_UBI_UNKNOWN, /* the flash cannot tell (corrupt eraseblocks, an interrupted update) */
};
const char *sf_ubi_match_to_string(enum sf_ubi_match m);

/* Does the flash (a partition read back and scanned leniently) hold what the image defines?
 * Compared: the set of volumes (id, name, type, alignment); for every volume that is not the
 * module's data, its table record (reserved_pebs, data_pad, flags) and its LEBs' data byte for byte
 * (by SHA-256; a dynamic LEB that is all 0xFF counts as unmapped, as UBI reads it). Not compared:
 * EC headers, erase counters, the image sequence, sqnums, which eraseblock holds a LEB, free
 * eraseblocks. why (may be NULL) gets one line. */
enum sf_ubi_match sf_ubi_compare(const struct sf_ubi *image, const struct sf_ubi *flash, char *why,
                                 size_t why_size);

/* One eraseblock of a module's flash, read back from inside the image's own extent, against the
 * image: 1 (why says which LEB) when it is an intact LEB of a volume that the image defines and
 * the module does not change (not the module's data, not the volume table) whose data or size is
 * not the image's. A flash holds such a LEB only when the module's UBI wrote other contents to
 * that volume after the image was flashed (flashing writes the image's data, and UBI's own moves
 * copy it unchanged), so the partition may be taken as changed without reading the rest: at worst a
 * partition is rewritten that a later write had set back, never is a changed one skipped.
 * 0 when the eraseblock tells nothing (erased, free, damaged, another volume's, the same data);
 * <0 on error. */
int sf_ubi_peb_differs(const struct sf_ubi *image, const uint8_t *peb, size_t len, char *why,
                       size_t why_size);
#endif
