/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Everything about a package that needs no module, checked once, before the module is touched:
 * the layout read (paths confined), factory content refused, every file against md5.txt, every
 * line's sector range computed with checked arithmetic, and every line inside the partition
 * that the package's own partition table gives it (NAND: the MIBIB image it writes at page
 * 640; UFS/eMMC: the GPT image it writes at sector 0 of each LUN, gpt_main0.bin...). The engine
 * then takes this package, not a path. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "engine/preflight.h"
#include "package/layout.h"
#include "package/source.h"
#include "proto/gpt.h"
#include "proto/mibib.h"
#include "safeflash/flash.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#define MIBIB_PAGE 640 /* block 10 of MDM9x07 NAND (docs/mibib.md) */

struct sf_flash_package {
        struct sf_layout *layout;
};

const struct sf_layout *sf_flash_package_layout(const sf_flash_package *p)
{
        return p->layout;
}

/* Whatever makes a package unusable is invalid input (exit 2); factory content stays a
 * refusal (-EPERM), and failures of this machine stay failures. */
int sf_preflight_package_error(int r)
{
        switch (r) {
        case -EACCES:
        case -E2BIG:
        case -ENOTUNIQ:
        case -ENODATA:
        case -ENOTDIR:
        case -EOPNOTSUPP:
        case -ELOOP:
                return -EBADMSG;
        default:
                return r;
        }
}

/* An op's sectors as [first, first + count): false when it gives no plain range. Checked: a
 * range that runs past 2^64 (or whose bytes do) is an error, never a wrapped small number. */
static int op_range(const struct sf_layout_op *op, uint64_t *first, uint64_t *count,
                    struct sf_error *err)
{
        if (!op->has_start || !op->has_num_sectors)
                return 0;
        if (op->num_sectors > UINT64_MAX - op->start ||
            op->num_sectors > UINT64_MAX / op->sector_size)
                return sf_error_set(err, -EBADMSG,
                                    "%s line %lu: sectors %" PRIu64 "+%" PRIu64
                                    " run past the end of any storage (the range wraps)",
                                    op->xml, op->line, op->start, op->num_sectors);
        *first = op->start;
        *count = op->num_sectors;
        return 1;
}

static int check_ranges(const struct sf_layout *l, struct sf_error *err)
{
        for (size_t i = 0; i < sf_layout_op_count(l); i++) {
                uint64_t first, count;
                int r = op_range(sf_layout_op(l, i), &first, &count, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The package's own MIBIB (the image it programs at page 640), parsed; 0 when it has none. */
static int own_mibib(const struct sf_layout *l, struct sf_mibib *m, uint32_t *ppb,
                     struct sf_error *err)
{
        for (size_t i = 0; i < sf_layout_op_count(l); i++) {
                const struct sf_layout_op *op = sf_layout_op(l, i);
                _cleanup_(sf_source_file_freep) struct sf_source_file *f = NULL;
                _cleanup_free_ uint8_t *buf = NULL;
                size_t len = 2 * (size_t)op->sector_size;
                if (op->kind != SF_LAYOUT_OP_PROGRAM || !op->path || !op->has_start ||
                    op->start != MIBIB_PAGE || op->lun != 0 || !op->has_pages_per_block)
                        continue;
                buf = malloc(len);
                if (!buf)
                        return -ENOMEM;
                if (op->data_bytes < len || sf_layout_open_file(l, op->path, &f, err) < 0 ||
                    sf_source_skip(f, op->file_sector_offset * op->sector_size, err) < 0 ||
                    sf_source_read_exact(f, buf, len, err) < 0 ||
                    sf_mibib_parse(buf, len, op->sector_size, m) < 0)
                        return sf_error_set(err, -EBADMSG,
                                            "%s line %lu: %s is not a readable partition table",
                                            op->xml, op->line, op->filename);
                *ppb = op->pages_per_block;
                return 1;
        }
        return 0;
}

static void part_range(const struct sf_mibib_part *p, uint32_t ppb, uint64_t *first,
                       uint64_t *end)
{
        *first = (uint64_t)p->offset * ppb;
        *end = p->length == UINT32_MAX ? UINT64_MAX : *first + (uint64_t)p->length * ppb;
}

/* The partition a line belongs to: the one its label names, else (an erase names none) the
 * one holding its first sector. */
static const struct sf_mibib_part *owner(const struct sf_mibib *m, uint32_t ppb,
                                         const struct sf_layout_op *op, uint64_t first)
{
        if (op->label && *op->label)
                return sf_mibib_find(m, op->label);
        for (unsigned k = 0; k < m->n; k++) {
                uint64_t a, b;
                part_range(&m->parts[k], ppb, &a, &b);
                if (first >= a && first < b)
                        return &m->parts[k];
        }
        return NULL;
}

/* NAND: every line inside the partition the package's own table gives it. */
static int check_own_table(const struct sf_layout *l, struct sf_error *err)
{
        struct sf_mibib m;
        uint32_t ppb = 0;
        int r = own_mibib(l, &m, &ppb, err);

        for (size_t i = 0; r > 0 && i < sf_layout_op_count(l); i++) {
                const struct sf_layout_op *op = sf_layout_op(l, i);
                const struct sf_mibib_part *p;
                uint64_t first, count, a, b;
                if (op->lun != 0 || op_range(op, &first, &count, err) <= 0 ||
                    !(p = owner(&m, ppb, op, first)))
                        continue;
                part_range(p, ppb, &a, &b);
                if (first >= a && count <= b - first)
                        continue;
                return sf_error_set(err, -EBADMSG,
                                    "%s line %lu: %s %s at sectors %" PRIu64 "+%" PRIu64
                                    ", but the package's own partition table puts %s at sectors "
                                    "%" PRIu64 "+%" PRIu64
                                    ": the package contradicts itself (damaged or mixed from "
                                    "two packages); nothing was written",
                                    op->xml, op->line, sf_layout_op_kind_to_string(op->kind),
                                    op->label && *op->label ? op->label : "(no label)", first,
                                    count, p->name, a,
                                    b == UINT64_MAX ? UINT64_MAX - a : b - a);
        }
        return r < 0 ? r : 0;
}

/* A contradiction between a line and the package's own table. */
static int contradiction(const struct sf_layout_op *op, uint64_t first, uint64_t count,
                         const char *part, const char *table, uint64_t a, uint64_t n,
                         struct sf_error *err)
{
        return sf_error_set(err, -EBADMSG,
                            "%s line %lu: %s %s at sectors %" PRIu64 "+%" PRIu64
                            " (LUN %" PRIu32 "), but the package's own partition table (%s) puts "
                            "%s at sectors %" PRIu64 "+%" PRIu64
                            ": the package contradicts itself (damaged or mixed from two "
                            "packages); nothing was written",
                            op->xml, op->line, sf_layout_op_kind_to_string(op->kind),
                            op->label && *op->label ? op->label : "(no label)", first, count,
                            op->lun, table, part, a, n);
}

/* The package's own GPT of a LUN (the image it programs at sector 0 there): its header and
 * entry array; 0 when it has none, -EBADMSG when that image is no readable GPT. */
static int own_gpt(const struct sf_layout *l, uint32_t lun, struct sf_gpt_header *h,
                   uint8_t **ret_array, size_t *ret_len, const char **ret_file,
                   struct sf_error *err)
{
        for (size_t i = 0; i < sf_layout_op_count(l); i++) {
                const struct sf_layout_op *op = sf_layout_op(l, i);
                _cleanup_(sf_source_file_freep) struct sf_source_file *f = NULL;
                _cleanup_free_ uint8_t *head = NULL;
                size_t ss = op->sector_size, len;
                if (op->kind != SF_LAYOUT_OP_PROGRAM || !op->path || !op->has_start ||
                    op->start != 0 || op->lun != lun || ss < 512 || op->data_bytes < 2 * ss)
                        continue;
                head = malloc(2 * ss);
                if (!head)
                        return -ENOMEM;
                if (sf_layout_open_file(l, op->path, &f, err) < 0 ||
                    sf_source_skip(f, op->file_sector_offset * ss, err) < 0 ||
                    sf_source_read_exact(f, head, 2 * ss, err) < 0 ||
                    sf_gpt_parse_header(head + ss, ss, h) < 0 || h->entries_lba < 2 ||
                    (len = sf_gpt_array_bytes(h, ss)) == 0 || h->entries_lba > op->data_bytes / ss ||
                    len > op->data_bytes - h->entries_lba * ss ||
                    sf_source_skip(f, (h->entries_lba - 2) * ss, err) < 0 ||
                    !(*ret_array = malloc(len)) ||
                    sf_source_read_exact(f, *ret_array, len, err) < 0)
                        return sf_error_set(err, -EBADMSG,
                                            "%s line %lu: %s at sector 0 of LUN %" PRIu32
                                            " is not a readable partition table (GPT)",
                                            op->xml, op->line, op->filename, lun);
                *ret_len = len;
                *ret_file = op->filename;
                return 1;
        }
        return 0;
}

/* UFS/eMMC: every labelled line inside the partition of that name in its LUN's GPT, as the
 * package itself writes it. Lines whose label the table does not have (PrimaryGPT...) pass. */
static int check_own_gpt_lun(const struct sf_layout *l, uint32_t lun, struct sf_error *err)
{
        _cleanup_free_ uint8_t *array = NULL;
        struct sf_gpt_header h;
        const char *file = NULL;
        size_t len = 0;
        int r = own_gpt(l, lun, &h, &array, &len, &file, err);

        for (size_t i = 0; r > 0 && i < sf_layout_op_count(l); i++) {
                const struct sf_layout_op *op = sf_layout_op(l, i);
                uint64_t first, count, a, b;
                if (op->lun != lun || !op->label || !*op->label ||
                    op_range(op, &first, &count, err) <= 0)
                        continue;
                r = sf_gpt_find_template(&h, array, len, op->label, &a, &b);
                if (r == -ENOENT) {
                        r = 1;
                        continue;
                }
                if (r < 0)
                        return sf_error_set(err, -EBADMSG, "%s: a damaged partition table", file);
                r = 1;
                if (first < a || first > b || count > b - first + 1)
                        return contradiction(op, first, count, op->label, file, a,
                                             b == UINT64_MAX ? UINT64_MAX - a : b - a + 1, err);
        }
        return r < 0 ? r : 0;
}

static int check_own_gpt(const struct sf_layout *l, struct sf_error *err)
{
        uint32_t max_lun = 0;

        if (sf_layout_storage(l) == SF_LAYOUT_STORAGE_NAND)
                return 0;
        for (size_t i = 0; i < sf_layout_op_count(l); i++)
                if (sf_layout_op(l, i)->lun > max_lun)
                        max_lun = sf_layout_op(l, i)->lun;
        for (uint32_t lun = 0; lun <= max_lun && lun < 64; lun++) {
                int r = check_own_gpt_lun(l, lun, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

uint64_t sf_flash_package_efs_bytes(const sf_flash_package *p)
{
        struct sf_mibib m;
        const struct sf_mibib_part *efs;
        uint32_t ppb = 0;
        uint64_t page = 0;

        if (own_mibib(p->layout, &m, &ppb, NULL) <= 0 || !(efs = sf_mibib_find(&m, "EFS2")) ||
            efs->length == UINT32_MAX)
                return 0;
        for (size_t i = 0; i < sf_layout_op_count(p->layout) && !page; i++)
                if (sf_layout_op(p->layout, i)->has_pages_per_block)
                        page = sf_layout_op(p->layout, i)->sector_size;
        return (uint64_t)efs->length * ppb * page;
}

int sf_flash_package_open(const char *path, unsigned flags,
                          void (*progress)(void *userdata, uint64_t done, uint64_t total),
                          void *userdata, sf_flash_package **ret, struct sf_error *err)
{
        struct sf_layout_options lo = {.allow_factory = flags & SF_FLASH_PACKAGE_ALLOW_FACTORY,
                                       .no_verify = flags & SF_FLASH_PACKAGE_NO_VERIFY};
        _cleanup_free_ sf_flash_package *p = calloc(1, sizeof(*p));
        int r;

        if (!p)
                return -ENOMEM;
        if (!path)
                return sf_error_set(err, -EINVAL, "no package given");
        r = sf_layout_load(path, &lo, &p->layout, err);
        if (r < 0)
                return sf_preflight_package_error(r);
        if (sf_layout_factory_reason_count(p->layout) && !lo.allow_factory)
                r = sf_error_set(err, -EPERM,
                                 "%s is factory content (%s): it would erase the module's "
                                 "calibration and IMEI",
                                 path, sf_layout_factory_reason(p->layout, 0));
        if (r >= 0 && !lo.no_verify)
                r = sf_preflight_package_error(sf_layout_verify(p->layout, progress, userdata, err));
        if (r >= 0)
                r = check_ranges(p->layout, err);
        if (r >= 0)
                r = check_own_table(p->layout, err);
        if (r >= 0)
                r = check_own_gpt(p->layout, err);
        if (r < 0) {
                sf_layout_free(p->layout);
                return r;
        }
        *ret = TAKE_PTR(p);
        return 0;
}

void sf_flash_package_free(sf_flash_package *p)
{
        if (!p)
                return;
        sf_layout_free(p->layout);
        free(p);
}
