/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Skip-unchanged for UBI images on NAND. A module that has booted never holds the bytes that were
 * flashed: Linux UBI wrote EC headers into the erased eraseblocks, grew the autoresize volume,
 * moved LEBs for wear levelling, and the module wrote its own data into usrfs (docs/ubi.md). So a
 * partition whose package image is UBI is compared as UBI: the volumes the image defines, LEB by
 * LEB, against the partition read back whole (the image's extent and the rest of the partition the
 * line names, where UBI may have moved LEBs). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/job.h"
#include "package/source.h"
#include "package/ubi.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#define READ_PEBS 4 /* eraseblocks read back per command, when the partition has no bad block */

static uint32_t peb_size(const struct sf_layout_op *op)
{
        return (op->has_pages_per_block ? op->pages_per_block : 64) * op->sector_size;
}

/* The package's image, scanned strictly: -ENOMSG when it is no UBI image at all. */
static int scan_image(struct sf_job *j, const struct sf_layout_op *op, uint8_t *buf,
                      struct sf_ubi **ret, struct sf_error *err)
{
        _cleanup_(sf_source_file_freep) struct sf_source_file *f = NULL;
        struct sf_ubi_scan *s = NULL;
        uint32_t peb = peb_size(op);
        int r;

        if (op->data_bytes < peb || op->data_bytes % peb)
                return -ENOMSG;
        r = sf_job_open_image(j, op, &f, err);
        if (r >= 0)
                r = sf_ubi_scan_new(peb, true, &s);
        for (uint64_t done = 0; r >= 0 && done < op->data_bytes; done += peb) {
                r = sf_source_read_exact(f, buf, peb, err);
                if (r >= 0 && done == 0 && memcmp(buf, "UBI#", 4) != 0)
                        r = -ENOMSG;
                if (r >= 0)
                        r = sf_ubi_scan_peb(s, buf, peb, err);
        }
        if (r < 0) {
                sf_ubi_scan_free(s);
                return r;
        }
        return sf_ubi_scan_finish(s, ret, err);
}

/* Read count eraseblocks from eraseblock first of the op's partition into buf (pages of them
 * when pages is not 0). */
static int read_pebs(struct sf_job *j, const struct sf_layout_op *op, uint64_t first,
                     uint64_t count, uint64_t pages, uint8_t *buf, struct sf_error *err)
{
        uint64_t ppp = peb_size(op) / op->sector_size, at;
        char start[24], last[24];
        struct sf_fh_range rg = sf_job_range(op, last, sizeof(last));
        int r = sf_job_map_sector(j, op, first * ppp, &at); /* around bad blocks */

        if (r < 0)
                return sf_error_set(err, r, "%s: eraseblock %" PRIu64 " is past its good blocks",
                                    op->label, first);
        snprintf(start, sizeof(start), "%" PRIu64, at);
        rg.start_sector = start;
        rg.num_sectors = pages ? pages : count * ppp;
        return sf_fh_read(&j->fh, &rg, buf, err);
}

/* Past the image, an eraseblock matters only when it may hold a LEB of a compared volume (or of
 * the volume table): its headers say so, and only then is it read whole. An eraseblock that is
 * erased, free (EC header only), or holds the module's own data is not read further. */
static bool worth_reading(const struct sf_ubi *image, const uint8_t *hdr, uint32_t vid_off)
{
        const uint8_t *vid = hdr + vid_off;
        const struct sf_ubi_volume *v;
        uint32_t id;
        bool vid_erased = true;

        for (size_t i = 0; i < SF_UBI_HDR_SIZE; i++)
                vid_erased &= vid[i] == 0xFF;
        if (vid_erased)
                return memcmp(hdr, "UBI#", 4) != 0 && hdr[0] != 0xFF; /* damaged: let the scan see */
        if (memcmp(vid, "UBI!", 4) != 0)
                return true;
        id = (uint32_t)vid[8] << 24 | (uint32_t)vid[9] << 16 | (uint32_t)vid[10] << 8 | vid[11];
        v = sf_ubi_volume_by_id(image, id);
        return id == SF_UBI_LAYOUT_VOL_ID || (v && !sf_ubi_volume_is_module_data(v)) ||
               (!v && id < SF_UBI_INTERNAL_VOL_START);
}

/* The partition read back and scanned leniently: the image's own eraseblocks whole, READ_PEBS a
 * command; past them only the headers, and whole only what worth_reading() picks. What no UBI
 * could attach leaves *ret NULL with the reason in why (*verdict: changed). So does an eraseblock
 * of the image's own that already decides, before anything past the image is read: a LEB with
 * other data (sf_ubi_peb_differs: changed) or a damaged one (unknown). Only the reading fails. */
static int scan_flash(struct sf_job *j, const struct sf_layout_op *op, const struct sf_ubi *image,
                      uint64_t extent, uint8_t *buf, struct sf_ubi **ret,
                      enum sf_ubi_match *verdict, char *why, size_t why_size,
                      struct sf_error *err)
{
        uint32_t peb = peb_size(op), ppp = peb / op->sector_size;
        uint64_t pebs = extent / ppp, whole = (op->data_bytes + peb - 1) / peb;
        uint64_t hdr_pages = image->vid_hdr_offset / op->sector_size + 1;
        _cleanup_(sf_ubi_scan_freep) struct sf_ubi_scan *s = NULL;
        struct sf_error perr = {{0}};
        int r = sf_ubi_scan_new(peb, false, &s), bad = 0;

        for (uint64_t i = 0; r >= 0 && !bad && i < pebs && i < whole; i += READ_PEBS) {
                uint64_t n = whole - i < READ_PEBS ? whole - i : READ_PEBS;
                r = read_pebs(j, op, i, n, 0, buf, err);
                for (uint64_t k = 0; r >= 0 && !bad && k < n; k++) {
                        /* A volume rewritten since: changed, whatever lies past the image. */
                        int d = sf_ubi_peb_differs(image, buf + k * peb, peb, why, why_size);
                        if (d)
                                return d < 0 ? d : 0;
                        bad = sf_ubi_scan_peb(s, buf + k * peb, peb, &perr);
                        /* A damaged eraseblock (or no UBI): never the same, whatever follows. */
                        if (!bad && sf_ubi_scan_damaged(s)) {
                                snprintf(why, why_size, "eraseblock %" PRIu64 " holds no intact "
                                         "UBI headers (damaged, or not UBI)", i + k);
                                *verdict = SF_UBI_UNKNOWN;
                                return 0;
                        }
                }
        }
        for (uint64_t i = whole; r >= 0 && !bad && i < pebs; i++) {
                r = read_pebs(j, op, i, 1, hdr_pages, buf, err);
                if (r >= 0 && worth_reading(image, buf, image->vid_hdr_offset))
                        r = read_pebs(j, op, i, 1, 0, buf, err);
                else
                        continue;
                if (r >= 0)
                        bad = sf_ubi_scan_peb(s, buf, peb, &perr);
        }
        if (r < 0)
                return r;
        if (!bad)
                bad = sf_ubi_scan_finish(TAKE_PTR(s), ret, &perr);
        if (bad == -ENOMEM)
                return bad;
        if (bad < 0)
                snprintf(why, why_size, "%s", bad == -ENODATA ? "no UBI on the flash" : perr.message);
        return 0;
}

/* The partition as it streams in: each eraseblock gathered whole, then scanned. */
struct flash_scan {
        const struct sf_ubi *image;
        struct sf_ubi_scan *s;
        uint8_t *buf;
        uint32_t peb;
        size_t fill;
        uint64_t index, whole; /* the eraseblock being gathered; the image's own */
        int bad;               /* what ended the scan (the stream is drained to its end) */
        struct sf_error perr;
};

static int take_piece(void *userdata, const uint8_t *p, size_t n)
{
        struct flash_scan *f = userdata;

        while (n > 0 && !f->bad) {
                size_t k = f->peb - f->fill < n ? f->peb - f->fill : n;
                memcpy(f->buf + f->fill, p, k);
                f->fill += k;
                p += k;
                n -= k;
                if (f->fill < f->peb)
                        break;
                /* past the image, only what worth_reading() picks */
                if (f->index < f->whole ||
                    worth_reading(f->image, f->buf, f->image->vid_hdr_offset))
                        f->bad = sf_ubi_scan_peb(f->s, f->buf, f->peb, &f->perr);
                f->fill = 0;
                f->index++;
        }
        return f->bad == -ENOMEM ? -ENOMEM : f->bad ? 1 : 0;
}

/* A partition whose bad blocks are unknown (the programmer was running already: its scan log went
 * to an earlier session), read back in one <read> from its start_sector, streamed: the programmer
 * maps a read from its own start around bad blocks, so eraseblock-sized reads from the middle
 * might not line up. Only the image's own eraseblocks, which surely fit (they were written
 * there), scanned as scan_flash() does. */
static int stream_flash(struct sf_job *j, const struct sf_layout_op *op, const struct sf_ubi *image,
                        uint64_t extent, uint8_t *buf, struct sf_ubi **ret,
                        enum sf_ubi_match *verdict, char *why, size_t why_size,
                        struct sf_error *err)
{
        uint32_t peb = peb_size(op), ppp = peb / op->sector_size;
        struct flash_scan f = {.image = image, .buf = buf, .peb = peb,
                               .whole = (op->data_bytes + peb - 1) / peb};
        char start[24], last[24];
        struct sf_fh_range rg = sf_job_range(op, last, sizeof(last));
        int r = sf_ubi_scan_new(peb, false, &f.s);

        (void)verdict; /* only the image's own eraseblocks are read: the scan decides */
        extent = extent < f.whole * ppp ? extent : f.whole * ppp;
        snprintf(start, sizeof(start), "%" PRIu64, op->start);
        rg.start_sector = start;
        rg.num_sectors = extent / ppp * ppp;
        if (r >= 0)
                r = sf_fh_read_stream(&j->fh, &rg, take_piece, &f, err);
        if (r >= 0 && !f.bad)
                f.bad = sf_ubi_scan_finish(TAKE_PTR(f.s), ret, &f.perr);
        sf_ubi_scan_free(f.s);
        if (r < 0)
                return r;
        if (f.bad == -ENOMEM)
                return f.bad;
        if (f.bad < 0)
                snprintf(why, why_size, "%s",
                         f.bad == -ENODATA ? "no UBI on the flash" : f.perr.message);
        return 0;
}

int sf_job_ubi_check_image(struct sf_job *j, const struct sf_layout_op *op, struct sf_error *err)
{
        _cleanup_(sf_ubi_freep) struct sf_ubi *image = NULL;
        _cleanup_free_ uint8_t *buf = NULL;
        int r;

        if (sf_layout_storage(j->layout) != SF_LAYOUT_STORAGE_NAND || !op->has_start ||
            op->file_sector_offset)
                return -ENOMSG;
        buf = malloc(peb_size(op));
        if (!buf)
                return -ENOMEM;
        r = scan_image(j, op, buf, &image, err);
        return r >= 0 || r == -ENOMSG || r == -ENOMEM ? r : -EBADMSG;
}

int sf_job_ubi_same(struct sf_job *j, const struct sf_layout_op *op, uint64_t extent,
                    enum sf_ubi_match *ret, char *why, size_t why_size, struct sf_error *err)
{
        _cleanup_(sf_ubi_freep) struct sf_ubi *image = NULL, *flash = NULL;
        _cleanup_free_ uint8_t *buf = NULL;
        enum sf_ubi_match verdict = SF_UBI_CHANGED; /* when nothing on the flash is UBI */
        uint64_t good;
        int r;

        if (sf_layout_storage(j->layout) != SF_LAYOUT_STORAGE_NAND || !op->has_start ||
            op->file_sector_offset)
                return -ENOMSG;
        buf = malloc((size_t)peb_size(op) * READ_PEBS);
        if (!buf)
                return -ENOMEM;
        r = scan_image(j, op, buf, &image, err);
        if (r < 0)
                return r == -ENOMSG || r == -ENOMEM ? r : -EBADMSG; /* a bad image: the package's */
        extent = extent > op->num_sectors ? extent : op->num_sectors;
        /* Bad blocks known (or none): eraseblock by eraseblock, each read where the program put
         * it, no further than the good blocks. Unknown: one stream from the start. */
        if (sf_job_good_pages(j, op, &good) == 0 && good < extent)
                extent = good;
        r = (sf_job_map_sector(j, op, 0, &good) == -ENODATA ? stream_flash : scan_flash)(
                j, op, image, extent, buf, &flash, &verdict, why, why_size, err);
        if (r < 0)
                return r;
        if (!flash) {
                *ret = verdict;
                return 0;
        }
        *ret = sf_ubi_compare(image, flash, why, why_size);
        return 0;
}
