/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A package's flashing half (quectel.md section 4), as one object: loaded from a folder or zip
 * (or parsed from buffers), summed up, and read through its accessors. The parts live beside it:
 * find.c, confine.c, rawprogram.c, factory.c, md5.c. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "package/layout-internal.h"
#include "package/path.h"
#include "package/source.h"
#include "util/cleanup.h"
#include "util/strutil.h"

void sf_layout_free(struct sf_layout *l)
{
        if (!l)
                return;
        for (size_t i = 0; i < l->n_ops; i++)
                sf_layout_op_done(&l->ops[i]);
        for (size_t i = 0; i < l->n_patches; i++)
                sf_layout_patch_done(&l->patches[i]);
        for (size_t i = 0; i < l->n_xml; i++) {
                free(l->xml[i].rel);
                free(l->xml[i].path);
        }
        for (size_t i = 0; i < l->n_md5; i++)
                free(l->md5[i].path);
        free(l->md5);
        free(l->used);
        free(l->ops);
        free(l->patches);
        sf_strv_done(&l->reasons);
        free(l->programmer);
        free(l->root);
        free(l->pkg_dir);
        sf_source_free(l->src);
        free(l);
}
SF_DEFINE_CLEANUP(struct sf_layout, sf_layout_free)

/* What the operations add up to: the bytes to write, the storage, the factory reasons. */
static int finish(struct sf_layout *l, struct sf_error *err)
{
        bool ppb = false;

        l->total = 0;
        for (size_t i = 0; i < l->n_ops; i++) {
                const struct sf_layout_op *op = &l->ops[i];

                ppb |= op->has_pages_per_block;
                if (op->data_bytes > UINT64_MAX - l->total)
                        return sf_error_set(err, -EFBIG, "%s: more than 2^64 bytes to write",
                                            l->pkg_dir);
                l->total += op->data_bytes;
        }
        if (l->name_says_nand || ppb)
                l->storage = SF_LAYOUT_STORAGE_NAND;
        else if (l->n_ops && l->ops[0].sector_size == 4096)
                l->storage = SF_LAYOUT_STORAGE_UFS;
        else if (l->n_ops && l->ops[0].sector_size == 512)
                l->storage = SF_LAYOUT_STORAGE_EMMC;
        return sf_layout_add_factory_reasons(l);
}

/* ---- Loading ---- */

static int layout_new(const char *pkg_dir, const char *root, struct sf_layout **ret)
{
        struct sf_layout *l = calloc(1, sizeof(*l));

        if (!l)
                return -ENOMEM;
        l->pkg_dir = strdup(pkg_dir);
        l->root = strdup(root);
        if (!l->pkg_dir || !l->root) {
                sf_layout_free(l);
                return -ENOMEM;
        }
        *ret = l;
        return 0;
}

static int open_root(const char *pkg_dir, struct sf_layout **ret, struct sf_error *err)
{
        struct sf_source *src = NULL;
        int r;

        r = sf_source_open(pkg_dir, &src, err);
        if (r < 0)
                return r;
        r = layout_new(pkg_dir, sf_source_root(src), ret);
        if (r < 0) {
                sf_source_free(src);
                return r;
        }
        (*ret)->src = src;
        return 0;
}

static int parse_all(struct sf_layout *l, const struct sf_strv *raw, const struct sf_strv *patch,
                     struct sf_error *err)
{
        int r = 0;

        for (size_t i = 0; r >= 0 && i < raw->n; i++)
                r = sf_layout_parse_xml_file(l, raw->v[i], false, err);
        for (size_t i = 0; r >= 0 && i < patch->n; i++)
                r = sf_layout_parse_xml_file(l, patch->v[i], true, err);
        if (r >= 0 && l->n_ops == 0)
                r = sf_error_set(err, -ENODATA, "%s: %s has no <program> or <erase>", l->pkg_dir,
                                 raw->v[0]);
        return r;
}

int sf_layout_load(const char *pkg_dir, const struct sf_layout_options *opt, struct sf_layout **ret,
                   struct sf_error *err)
{
        static const struct sf_layout_options defaults = {0};
        _cleanup_(sf_layout_freep) struct sf_layout *l = NULL;
        struct sf_strv raw = {0}, patch = {0};
        int r;

        if (!pkg_dir || !ret)
                return -EINVAL;
        if (!opt)
                opt = &defaults;
        r = open_root(pkg_dir, &l, err);
        if (r < 0)
                return r;
        r = sf_layout_find_files(l, opt, &raw, &patch, err);
        if (r >= 0)
                r = parse_all(l, &raw, &patch, err);
        sf_strv_done(&raw);
        sf_strv_done(&patch);
        if (r >= 0)
                r = finish(l, err);
        if (r >= 0 && !opt->no_verify)
                r = sf_layout_md5_read(l, err);
        if (r >= 0 && !opt->no_verify)
                r = sf_layout_md5_cover(l, err);
        if (r < 0)
                return r;
        l->verify_skipped = opt->no_verify;
        *ret = TAKE_PTR(l);
        return 0;
}

int sf_layout_parse_buffers(const char *pkg_dir, const char *xml_rel, const char *rawprogram,
                            size_t rawprogram_len, const char *patch, size_t patch_len,
                            struct sf_layout **ret, struct sf_error *err)
{
        _cleanup_(sf_layout_freep) struct sf_layout *l = NULL;
        char rel[PATH_MAX], dir[PATH_MAX];
        _cleanup_free_ char *patch_rel = NULL;
        const char *why = NULL;
        int r;

        if (!pkg_dir || !xml_rel || !ret || (!rawprogram && rawprogram_len) ||
            (!patch && patch_len))
                return -EINVAL;
        r = sf_path_normalize("", xml_rel, rel, sizeof(rel), &why);
        if (r < 0)
                return sf_error_set(err, r, "%s: %s", xml_rel, why);
        r = layout_new(pkg_dir, pkg_dir, &l);
        if (r < 0)
                return r;
        if (rawprogram)
                r = sf_layout_parse_xml(l, rel, NULL, rawprogram_len, rawprogram, rawprogram_len,
                                        false, err);
        sf_layout_dir_of(rel, dir, sizeof(dir));
        patch_rel = sf_asprintf("%s%spatch.xml", dir, *dir ? "/" : "");
        if (!patch_rel)
                return -ENOMEM;
        if (r >= 0 && patch)
                r = sf_layout_parse_xml(l, patch_rel, NULL, patch_len, patch, patch_len, true, err);
        if (r >= 0)
                r = finish(l, err);
        if (r < 0)
                return r;
        l->verify_skipped = true;
        *ret = TAKE_PTR(l);
        return 0;
}

/* ---- Accessors ---- */

const char *sf_layout_op_kind_to_string(enum sf_layout_op_kind k)
{
        switch (k) {
        case SF_LAYOUT_OP_ERASE:
                return "erase";
        case SF_LAYOUT_OP_PROGRAM:
                return "program";
        }
        return "unknown";
}

const char *sf_layout_storage_to_string(enum sf_layout_storage s)
{
        switch (s) {
        case SF_LAYOUT_STORAGE_NAND:
                return "nand";
        case SF_LAYOUT_STORAGE_EMMC:
                return "emmc";
        case SF_LAYOUT_STORAGE_UFS:
                return "ufs";
        case SF_LAYOUT_STORAGE_UNKNOWN:
                break;
        }
        return "unknown";
}

const char *sf_layout_root(const struct sf_layout *l)
{
        return l ? l->root : NULL;
}

size_t sf_layout_op_count(const struct sf_layout *l)
{
        return l ? l->n_ops : 0;
}

const struct sf_layout_op *sf_layout_op(const struct sf_layout *l, size_t i)
{
        return l && i < l->n_ops ? &l->ops[i] : NULL;
}

size_t sf_layout_patch_count(const struct sf_layout *l)
{
        return l ? l->n_patches : 0;
}

const struct sf_layout_patch *sf_layout_patch(const struct sf_layout *l, size_t i)
{
        return l && i < l->n_patches ? &l->patches[i] : NULL;
}

size_t sf_layout_xml_count(const struct sf_layout *l)
{
        return l ? l->n_xml : 0;
}

const char *sf_layout_xml(const struct sf_layout *l, size_t i)
{
        return l && i < l->n_xml ? l->xml[i].rel : NULL;
}

const char *sf_layout_programmer(const struct sf_layout *l)
{
        return l ? l->programmer : NULL;
}

uint64_t sf_layout_programmer_size(const struct sf_layout *l)
{
        return l ? l->programmer_size : 0;
}

enum sf_layout_storage sf_layout_storage(const struct sf_layout *l)
{
        return l ? l->storage : SF_LAYOUT_STORAGE_UNKNOWN;
}

uint64_t sf_layout_total_bytes(const struct sf_layout *l)
{
        return l ? l->total : 0;
}

bool sf_layout_has_factory_xml(const struct sf_layout *l)
{
        return l && l->has_factory_xml;
}

size_t sf_layout_factory_reason_count(const struct sf_layout *l)
{
        return l ? l->reasons.n : 0;
}

const char *sf_layout_factory_reason(const struct sf_layout *l, size_t i)
{
        return l && i < l->reasons.n ? l->reasons.v[i] : NULL;
}

bool sf_layout_verified(const struct sf_layout *l)
{
        return l && l->verified;
}

bool sf_layout_verification_skipped(const struct sf_layout *l)
{
        return l && l->verify_skipped;
}
