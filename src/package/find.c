/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which files of a package folder or zip make the package (quectel.md section 4): the folder
 * among update/firehose, update and the root that holds rawprogram XMLs, its Firehose
 * programmer, and the rawprogram and patch XMLs to parse — never by directory order. */
#include <errno.h>
#include <fnmatch.h>
#include <string.h>

#include "package/layout-internal.h"
#include "package/source.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#define MAX_CANDIDATES 64 /* of each kind, in one folder */

enum cand {
        CAND_NONE = -1,
        CAND_PROGRAMMER,
        CAND_RAW,         /* rawprogram_*.xml: one file, NAND style */
        CAND_RAW_FACTORY, /* the same, *_factory.xml */
        CAND_RAW_LUN,     /* rawprogram0.xml … rawprogram9.xml */
        CAND_PATCH,       /* patch_*.xml */
        CAND_PATCH_LUN,   /* patch0.xml … patch9.xml */
        CAND_COUNT,
};

static enum cand classify(const char *name)
{
        /* QFirehose's list (quectel.md 4.5), but every match counts, not the first. */
        static const char *const programmers[] = {
                "prog_nand_firehose_*.mbn", "prog_emmc_firehose_*.mbn", "prog_firehose_*.mbn",
                "prog_firehose_*.elf",      "firehose-prog*.mbn",       "prog_*.mbn",
                "xbl_s_devprg_ns*.melf",
        };
        static const struct {
                const char *pattern;
                enum cand kind;
        } xmls[] = {
                {"rawprogram[0-9].xml", CAND_RAW_LUN},
                {"rawprogram_*.xml", CAND_RAW},
                {"firehose-rawprogram*.xml", CAND_RAW},
                {"patch[0-9].xml", CAND_PATCH_LUN},
                {"patch_*.xml", CAND_PATCH},
                {"patch-*.xml", CAND_PATCH},
        };

        for (size_t i = 0; i < sizeof(programmers) / sizeof(*programmers); i++)
                if (fnmatch(programmers[i], name, FNM_CASEFOLD) == 0)
                        return CAND_PROGRAMMER;
        for (size_t i = 0; i < sizeof(xmls) / sizeof(*xmls); i++) {
                if (fnmatch(xmls[i].pattern, name, FNM_CASEFOLD) != 0)
                        continue;
                if (xmls[i].kind == CAND_RAW && sf_endswith_ci(name, strlen(name), "_factory.xml"))
                        return CAND_RAW_FACTORY;
                return xmls[i].kind;
        }
        return CAND_NONE;
}

struct folder {
        const char *rel; /* "update/firehose", "update", "" */
        struct sf_strv c[CAND_COUNT];
};

static void folder_done(struct folder *f)
{
        for (size_t i = 0; i < CAND_COUNT; i++)
                sf_strv_done(&f->c[i]);
}

static const char *folder_name(const struct folder *f)
{
        return *f->rel ? f->rel : "the package root";
}

struct scan {
        struct folder *f;
        const struct sf_layout *l;
        struct sf_error *err;
};

static int scan_one(void *userdata, const char *name)
{
        struct scan *sc = userdata;
        enum cand k = classify(name);
        int r;

        if (k == CAND_NONE)
                return 0;
        r = sf_strv_push(&sc->f->c[k], name, MAX_CANDIDATES);
        if (r == -E2BIG)
                return sf_error_set(sc->err, r, "%s/%s: more than %d candidate files of a kind",
                                    sc->l->pkg_dir, sc->f->rel, MAX_CANDIDATES);
        return r;
}

static int scan_folder(const struct sf_layout *l, struct folder *f, struct sf_error *err)
{
        struct scan sc = {.f = f, .l = l, .err = err};
        int r;

        r = sf_source_list(l->src, f->rel, scan_one, &sc, err);
        if (r < 0)
                return r;
        /* Directory order must never decide anything. */
        for (size_t i = 0; i < CAND_COUNT; i++)
                sf_strv_sort(&f->c[i]);
        return 0;
}

static bool has_rawprogram(const struct folder *f)
{
        return f->c[CAND_RAW].n + f->c[CAND_RAW_FACTORY].n + f->c[CAND_RAW_LUN].n > 0;
}

/* The one folder among update/firehose, update and the root that holds rawprogram XMLs. */
static int choose_folder(const struct sf_layout *l, struct folder *f, size_t n, struct folder **ret,
                         struct sf_error *err)
{
        struct folder *found = NULL;

        for (size_t i = 0; i < n; i++) {
                if (!has_rawprogram(&f[i]))
                        continue;
                if (found)
                        return sf_error_set(err, -ENOTUNIQ, "%s: rawprogram XMLs in both %s and %s",
                                            l->pkg_dir, folder_name(found), folder_name(&f[i]));
                found = &f[i];
        }
        if (!found)
                return sf_error_set(err, -ENOENT,
                                    "%s: no rawprogram XML in update/firehose, update or the "
                                    "package root",
                                    l->pkg_dir);
        *ret = found;
        return 0;
}

/* name is one of the folder's candidates: by file name or package-relative path. */
static bool names(const struct folder *f, const char *cand, const char *want)
{
        size_t n = strlen(f->rel);

        if (strcmp(cand, want) == 0)
                return true;
        return n && strncmp(want, f->rel, n) == 0 && want[n] == '/' &&
               strcmp(want + n + 1, cand) == 0;
}

static const char *pick(const struct folder *f, const struct sf_strv *s, const char *want)
{
        for (size_t i = 0; i < s->n; i++)
                if (names(f, s->v[i], want))
                        return s->v[i];
        return NULL;
}

static int choose_programmer(struct sf_layout *l, const struct folder *f,
                             const struct sf_layout_options *opt, struct sf_error *err)
{
        const struct sf_strv *c = &f->c[CAND_PROGRAMMER];
        const char *p = NULL, *why = NULL;
        char list[256];
        int r;

        if (opt->programmer) {
                p = pick(f, c, opt->programmer);
                if (!p)
                        return sf_error_set(err, -ENOENT,
                                            "%s: programmer %s is not one of those in %s (%s)",
                                            l->pkg_dir, opt->programmer, folder_name(f),
                                            sf_strv_join(c, list, sizeof(list)));
        } else if (c->n == 0) {
                return sf_error_set(err, -ENOENT,
                                    "%s: no Firehose programmer (prog_*.mbn, …) in %s", l->pkg_dir,
                                    folder_name(f));
        } else if (c->n > 1) {
                return sf_error_set(
                        err, -ENOTUNIQ, "%s: more than one Firehose programmer in %s: %s; name one",
                        l->pkg_dir, folder_name(f), sf_strv_join(c, list, sizeof(list)));
        } else {
                p = c->v[0];
        }
        r = sf_layout_confine(l, f->rel, p, &l->programmer, &l->programmer_size, &why);
        if (r < 0)
                return sf_error_set(err, r, "%s: programmer %s: %s", l->pkg_dir, p, why);
        return 0;
}

/* The single-file (NAND) style: exactly one update XML, or an allowed factory one. */
static int choose_single(const struct sf_layout *l, const struct folder *f,
                         const struct sf_layout_options *opt, const char **ret,
                         struct sf_error *err)
{
        const struct sf_strv *upd = &f->c[CAND_RAW], *fac = &f->c[CAND_RAW_FACTORY];
        char list[256];
        const char *p;

        if (opt->rawprogram) {
                p = pick(f, upd, opt->rawprogram);
                if (!p && (p = pick(f, fac, opt->rawprogram)) && !opt->allow_factory)
                        return sf_error_set(err, -EPERM,
                                            "%s: %s is a factory rawprogram (it overwrites EFS, "
                                            "calibration and IMEI); factory content not allowed",
                                            l->pkg_dir, p);
                if (!p)
                        return sf_error_set(err, -ENOENT, "%s: %s is not a rawprogram XML in %s",
                                            l->pkg_dir, opt->rawprogram, folder_name(f));
        } else if (upd->n > 1) {
                return sf_error_set(
                        err, -ENOTUNIQ, "%s: more than one update rawprogram in %s: %s; name one",
                        l->pkg_dir, folder_name(f), sf_strv_join(upd, list, sizeof(list)));
        } else if (upd->n == 1) {
                p = upd->v[0];
        } else if (!opt->allow_factory) {
                return sf_error_set(err, -EPERM,
                                    "%s: only factory rawprogram XMLs (%s): they overwrite EFS, "
                                    "calibration and IMEI; not chosen unless factory content is "
                                    "allowed",
                                    l->pkg_dir, sf_strv_join(fac, list, sizeof(list)));
        } else if (fac->n > 1) {
                return sf_error_set(
                        err, -ENOTUNIQ, "%s: more than one factory rawprogram in %s: %s; name one",
                        l->pkg_dir, folder_name(f), sf_strv_join(fac, list, sizeof(list)));
        } else {
                p = fac->v[0];
        }
        *ret = p;
        return 0;
}

static int push_rel(struct sf_strv *s, const struct folder *f, const char *name)
{
        _cleanup_free_ char *rel = sf_asprintf("%s%s%s", f->rel, *f->rel ? "/" : "", name);

        return rel ? sf_strv_push(s, rel, SF_LAYOUT_MAX_XML) : -ENOMEM;
}

/* Fill raw and patch with the package-relative XMLs to parse, in order. */
static int choose_xmls(struct sf_layout *l, const struct folder *f,
                       const struct sf_layout_options *opt, struct sf_strv *raw,
                       struct sf_strv *patch, struct sf_error *err)
{
        const struct sf_strv *luns = &f->c[CAND_RAW_LUN], *patches = &f->c[CAND_PATCH];
        const char *single = NULL;
        char list[256];
        int r = 0;

        l->has_factory_xml = f->c[CAND_RAW_FACTORY].n > 0;
        if (luns->n) {
                if (f->c[CAND_RAW].n + f->c[CAND_RAW_FACTORY].n || opt->rawprogram)
                        return sf_error_set(err, -ENOTUNIQ,
                                            "%s: both per-LUN (%s) and single rawprogram XMLs in "
                                            "%s, or a rawprogram named for a per-LUN set",
                                            l->pkg_dir, luns->v[0], folder_name(f));
                for (size_t i = 0; r >= 0 && i < luns->n; i++)
                        r = push_rel(raw, f, luns->v[i]);
                for (size_t i = 0; r >= 0 && i < f->c[CAND_PATCH_LUN].n; i++)
                        r = push_rel(patch, f, f->c[CAND_PATCH_LUN].v[i]);
                return r;
        }
        r = choose_single(l, f, opt, &single, err);
        if (r < 0)
                return r;
        r = push_rel(raw, f, single);
        if (r < 0)
                return r;
        if (patches->n > 1)
                return sf_error_set(err, -ENOTUNIQ, "%s: more than one patch XML in %s: %s",
                                    l->pkg_dir, folder_name(f),
                                    sf_strv_join(patches, list, sizeof(list)));
        return patches->n ? push_rel(patch, f, patches->v[0]) : 0;
}

int sf_layout_find_files(struct sf_layout *l, const struct sf_layout_options *opt,
                         struct sf_strv *raw, struct sf_strv *patch, struct sf_error *err)
{
        struct folder f[3] = {{.rel = "update/firehose"}, {.rel = "update"}, {.rel = ""}};
        struct folder *chosen = NULL;
        int r = 0;

        for (size_t i = 0; r >= 0 && i < 3; i++)
                r = scan_folder(l, &f[i], err);
        if (r >= 0)
                r = choose_folder(l, f, 3, &chosen, err);
        if (r >= 0)
                r = choose_programmer(l, chosen, opt, err);
        if (r >= 0)
                r = choose_xmls(l, chosen, opt, raw, patch, err);
        for (size_t i = 0; i < 3; i++)
                folder_done(&f[i]);
        return r;
}
