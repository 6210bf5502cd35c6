/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The rawprogram and patch XMLs (protocols.md sections 3.7, 3.10, 3.11): each <program>,
 * <erase> and DISK <patch>, its attributes checked and its image confined to the package and
 * fitted to its partition. Every error names the file and the line. */
#include <errno.h>
#include <expat.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "package/layout-internal.h"
#include "package/source.h"
#include "proto/firehose.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#define MAX_ATTRS 64
#define TEXT_MAX  1024

static void free_const(const void *p)
{
        free((void *)p);
}

void sf_layout_op_done(struct sf_layout_op *op)
{
        free_const(op->start_text);
        free_const(op->label);
        free_const(op->filename);
        free_const(op->path);
}

void sf_layout_patch_done(struct sf_layout_patch *p)
{
        free_const(p->start_text);
        free_const(p->value);
        free_const(p->what);
}

/* ---- XML documents: expat with the guards of util/xml.c, plus line numbers ---- */

struct doc {
        XML_Parser parser;
        struct sf_layout *l;
        const char *name; /* in messages */
        const char *rel;  /* package-relative, owned by l->xml */
        char dir[PATH_MAX];
        const char *root_el;
        char el[65]; /* the current child of the root, for messages */
        int (*element)(struct doc *d, const char *el, const char **attrs);
        struct sf_error *err;
        int error;
        unsigned depth;
};

static int fail(struct doc *d, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int fail(struct doc *d, int code, const char *fmt, ...)
{
        char msg[SF_ERROR_MAX];
        va_list ap;

        if (d->error)
                return d->error;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        d->error = code;
        sf_error_set(d->err, code, "%s:%lu: %s", d->name,
                     (unsigned long)XML_GetCurrentLineNumber(d->parser), msg);
        XML_StopParser(d->parser, XML_FALSE);
        return code;
}

/* Devices match attribute names in any case, so a second spelling must not hide a value. */
static const char *attr(const char **attrs, const char *name)
{
        for (size_t i = 0; attrs[i] && attrs[i + 1]; i += 2)
                if (strcasecmp(attrs[i], name) == 0)
                        return attrs[i + 1];
        return NULL;
}

static int check_attrs(struct doc *d, const char **attrs)
{
        size_t n = 0;

        while (attrs[2 * n])
                n++;
        if (n > MAX_ATTRS)
                return fail(d, -E2BIG, "more than %d attributes", MAX_ATTRS);
        for (size_t i = 0; i < n; i++)
                for (size_t j = i + 1; j < n; j++)
                        if (strcasecmp(attrs[2 * i], attrs[2 * j]) == 0)
                                return fail(d, -EBADMSG, "attribute %.64s given twice",
                                            attrs[2 * i]);
        return 0;
}

static void XMLCALL on_start(void *data, const XML_Char *el, const XML_Char **attrs)
{
        struct doc *d = data;

        if (d->error)
                return;
        d->depth++;
        if (d->depth == 1) {
                if (strcmp(el, d->root_el) != 0)
                        fail(d, -EBADMSG, "the root element is <%.64s>, expected <%s>", el,
                             d->root_el);
                return;
        }
        if (d->depth > 2) {
                fail(d, -EBADMSG, "unexpected <%.64s> inside <%.64s>", el, d->el);
                return;
        }
        snprintf(d->el, sizeof(d->el), "%s", el);
        if (check_attrs(d, attrs) == 0)
                d->element(d, el, attrs);
}

static void XMLCALL on_end(void *data, const XML_Char *el)
{
        struct doc *d = data;

        if (d->depth > 0)
                d->depth--;
}

static void XMLCALL on_doctype(void *data, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
        fail(data, -EBADMSG, "DOCTYPE declarations are not accepted");
}

static void XMLCALL on_entity(void *data, const XML_Char *name, int is_param, const XML_Char *value,
                              int value_len, const XML_Char *base, const XML_Char *sysid,
                              const XML_Char *pubid, const XML_Char *notation)
{
        fail(data, -EBADMSG, "entity declarations are not accepted");
}

static int doc_parse(struct doc *d, const char *buf, size_t len)
{
        enum XML_Status st;

        if (len > SF_LAYOUT_XML_MAX)
                return sf_error_set(d->err, -EFBIG, "%s: larger than %d bytes", d->name,
                                    SF_LAYOUT_XML_MAX);
        d->parser = XML_ParserCreate(NULL);
        if (!d->parser)
                return -ENOMEM;
        XML_SetUserData(d->parser, d);
        XML_SetElementHandler(d->parser, on_start, on_end);
        XML_SetStartDoctypeDeclHandler(d->parser, on_doctype);
        XML_SetEntityDeclHandler(d->parser, on_entity);
        XML_SetParamEntityParsing(d->parser, XML_PARAM_ENTITY_PARSING_NEVER);
        st = XML_Parse(d->parser, buf ? buf : "", (int)len, XML_TRUE);
        if (st == XML_STATUS_ERROR && !d->error) {
                d->error = -EBADMSG;
                sf_error_set(d->err, -EBADMSG, "%s:%lu: malformed XML: %s", d->name,
                             (unsigned long)XML_GetCurrentLineNumber(d->parser),
                             XML_ErrorString(XML_GetErrorCode(d->parser)));
        }
        XML_ParserFree(d->parser);
        d->parser = NULL;
        return d->error;
}

/* ---- Attributes ---- */

/* A strictly decimal attribute: 1 present, 0 absent and optional, < 0 reported. */
static int get_u64(struct doc *d, const char **attrs, const char *name, bool required,
                   uint64_t *ret)
{
        const char *v = attr(attrs, name);

        if (!v)
                return required ? fail(d, -EBADMSG, "<%s> without %s", d->el, name) : 0;
        if (sf_firehose_parse_u64(v, ret) < 0)
                return fail(d, -EBADMSG, "%s=\"%.64s\" is not a decimal number", name, v);
        return 1;
}

static int get_sector_size(struct doc *d, const char **attrs, uint32_t *ret)
{
        uint64_t v;
        int r;

        r = get_u64(d, attrs, "SECTOR_SIZE_IN_BYTES", true, &v);
        if (r < 0)
                return r;
        if (v < 512 || v > 65536 || (v & (v - 1)))
                return fail(d, -EBADMSG,
                            "SECTOR_SIZE_IN_BYTES=%llu is not a power of two from 512 to 65536",
                            (unsigned long long)v);
        *ret = (uint32_t)v;
        return 0;
}

static int get_lun(struct doc *d, const char **attrs, uint32_t *ret)
{
        uint64_t v = 0;
        int r;

        r = get_u64(d, attrs, "physical_partition_number", false, &v);
        if (r < 0)
                return r;
        if (v > UINT32_MAX)
                return fail(d, -EBADMSG, "physical_partition_number out of range");
        *ret = (uint32_t)v;
        return 0;
}

/* A sector expression: a plain number ("640", "640.") or NUM_DISK_SECTORS±N. */
static int sector_expr(const char *s, bool *ret_plain, uint64_t *ret_value)
{
        static const char var[] = "NUM_DISK_SECTORS";
        uint64_t v;

        if (strncmp(s, var, sizeof(var) - 1) == 0) {
                if (sf_firehose_eval_sector(s, UINT64_C(1) << 63, &v) < 0)
                        return -EINVAL;
                *ret_plain = false;
                return 0;
        }
        if (sf_firehose_eval_sector(s, 0, &v) < 0)
                return -EINVAL;
        *ret_plain = true;
        *ret_value = v;
        return 0;
}

/* A copy of an optional text attribute ("" when absent), at most max bytes. */
static int get_text(struct doc *d, const char **attrs, const char *name, size_t max,
                    const char **ret)
{
        const char *v = attr(attrs, name);
        char *c;

        if (v && strlen(v) > max)
                return fail(d, -EBADMSG, "%s longer than %zu bytes", name, max);
        c = strdup(v ? v : "");
        if (!c)
                return fail(d, -ENOMEM, "out of memory");
        *ret = c;
        return 0;
}

static int get_start(struct doc *d, const char **attrs, bool required, struct sf_layout_op *op)
{
        const char *v = attr(attrs, "start_sector");

        if (!v)
                return required ? fail(d, -EBADMSG, "<%s> without start_sector", d->el) : 0;
        if (sector_expr(v, &op->has_start, &op->start) < 0)
                return fail(d, -EBADMSG,
                            "start_sector=\"%.64s\" is neither a number nor NUM_DISK_SECTORS-N.",
                            v);
        return get_text(d, attrs, "start_sector", TEXT_MAX, &op->start_text);
}

/* ---- <program> and <erase> ---- */

static int parse_geometry(struct doc *d, const char **attrs, bool program, struct sf_layout_op *op)
{
        uint64_t v;
        int r;

        r = get_sector_size(d, attrs, &op->sector_size);
        if (r < 0)
                return r;
        r = get_lun(d, attrs, &op->lun);
        if (r < 0)
                return r;
        r = get_u64(d, attrs, "num_partition_sectors", program, &op->num_sectors);
        if (r < 0)
                return r;
        op->has_num_sectors = r > 0;
        if (op->num_sectors > UINT64_MAX / op->sector_size)
                return fail(d, -EBADMSG,
                            "num_partition_sectors x SECTOR_SIZE_IN_BYTES does not fit 64 bits");
        r = get_start(d, attrs, program, op);
        if (r < 0)
                return r;
        r = get_u64(d, attrs, "PAGES_PER_BLOCK", false, &v);
        if (r < 0)
                return r;
        if (r > 0 && (v == 0 || v > UINT32_MAX))
                return fail(d, -EBADMSG, "PAGES_PER_BLOCK out of range");
        op->has_pages_per_block = r > 0;
        op->pages_per_block = (uint32_t)v;
        r = get_u64(d, attrs, "last_sector", false, &op->last_sector);
        if (r < 0)
                return r;
        op->has_last_sector = r > 0;
        return get_text(d, attrs, "label", SF_LAYOUT_FILENAME_MAX, &op->label);
}

/* Resolve the image and check that it fits its partition. *ret_reserve: nothing to write. */
static int parse_file(struct doc *d, const char **attrs, struct sf_layout_op *op, bool *ret_reserve)
{
        const char *fn = attr(attrs, "filename"), *sparse = attr(attrs, "sparse");
        const char *why = NULL;
        uint64_t part = op->num_sectors * op->sector_size, skip;
        char *path = NULL;
        int r;

        if (sparse && strcasecmp(sparse, "true") == 0)
                return fail(d, -EOPNOTSUPP, "\"%.255s\": sparse images are not supported yet",
                            fn ? fn : "");
        r = get_u64(d, attrs, "file_sector_offset", false, &op->file_sector_offset);
        if (r < 0)
                return r;
        *ret_reserve = !fn || !*fn;
        if (*ret_reserve)
                return 0;
        if (strlen(fn) > SF_LAYOUT_FILENAME_MAX)
                return fail(d, -ENAMETOOLONG, "filename longer than %d bytes",
                            SF_LAYOUT_FILENAME_MAX);
        op->filename = strdup(fn);
        if (!op->filename)
                return fail(d, -ENOMEM, "out of memory");
        r = sf_layout_confine(d->l, d->dir, fn, &path, &op->file_size, &why);
        if (r < 0)
                return fail(d, r, "filename \"%s\": %s", fn, why);
        op->path = path;
        if (op->file_sector_offset > op->file_size / op->sector_size)
                return fail(d, -EBADMSG, "\"%s\": file_sector_offset is past the end of the file",
                            fn);
        skip = op->file_sector_offset * op->sector_size;
        op->data_bytes = op->file_size - skip;
        if (op->data_bytes > part)
                return fail(d, -EFBIG,
                            "\"%s\" (%llu bytes) does not fit its partition (%llu sectors of %u "
                            "bytes: %llu bytes)",
                            fn, (unsigned long long)op->data_bytes,
                            (unsigned long long)op->num_sectors, op->sector_size,
                            (unsigned long long)part);
        return 0;
}

static int add_op(struct doc *d, const char **attrs, enum sf_layout_op_kind kind)
{
        struct sf_layout *l = d->l;
        struct sf_layout_op op = {.kind = kind, .xml = d->rel};
        bool program = kind == SF_LAYOUT_OP_PROGRAM, reserve = false;
        int r;

        op.line = (unsigned long)XML_GetCurrentLineNumber(d->parser);
        r = parse_geometry(d, attrs, program, &op);
        if (r >= 0 && program)
                r = parse_file(d, attrs, &op, &reserve);
        if (r >= 0 && !reserve) {
                r = sf_grow(&l->ops, &l->cap_ops, l->n_ops, sizeof(op), SF_LAYOUT_MAX_OPS);
                if (r < 0)
                        r = fail(d, r, "more than %d operations", SF_LAYOUT_MAX_OPS);
        }
        if (r < 0 || reserve) {
                sf_layout_op_done(&op);
                return r;
        }
        l->ops[l->n_ops++] = op;
        return 0;
}

static int rawprogram_element(struct doc *d, const char *el, const char **attrs)
{
        if (strcmp(el, "program") == 0)
                return add_op(d, attrs, SF_LAYOUT_OP_PROGRAM);
        if (strcmp(el, "erase") == 0)
                return add_op(d, attrs, SF_LAYOUT_OP_ERASE);
        if (strcmp(el, "read") == 0)
                return fail(d, -EOPNOTSUPP, "<read>: a read-back list, not an update package");
        if (strcmp(el, "ufs") == 0)
                return fail(d, -EOPNOTSUPP, "<ufs>: UFS provisioning, not an update package");
        return fail(d, -EBADMSG, "unexpected <%.64s> in a rawprogram file", el);
}

/* ---- <patch> ---- */

static int patch_value(struct doc *d, const char **attrs, const char **ret)
{
        const char *v = attr(attrs, "value");
        uint64_t a, b;
        bool plain;

        if (!v)
                return fail(d, -EBADMSG, "<patch> without value");
        if (strncmp(v, "CRC32(", 6) == 0 ? sf_firehose_parse_crc32(v, UINT64_C(1) << 63, &a, &b)
                                         : sector_expr(v, &plain, &a))
                return fail(d, -EBADMSG, "value=\"%.64s\" is not a number or an expression", v);
        return get_text(d, attrs, "value", TEXT_MAX, ret);
}

static int parse_patch(struct doc *d, const char **attrs, struct sf_layout_patch *p)
{
        struct sf_layout_op geo = {0};
        uint64_t size;
        int r;

        r = get_sector_size(d, attrs, &p->sector_size);
        if (r >= 0)
                r = get_lun(d, attrs, &p->lun);
        if (r >= 0)
                r = get_start(d, attrs, true, &geo);
        p->start_text = geo.start_text;
        if (r >= 0)
                r = get_u64(d, attrs, "byte_offset", true, &p->byte_offset);
        if (r >= 0)
                r = get_u64(d, attrs, "size_in_bytes", true, &size);
        if (r < 0)
                return r;
        if (size < 1 || size > 8)
                return fail(d, -EBADMSG, "size_in_bytes=%llu is not 1 to 8",
                            (unsigned long long)size);
        p->size_in_bytes = (uint32_t)size;
        r = patch_value(d, attrs, &p->value);
        if (r < 0)
                return r;
        return get_text(d, attrs, "what", TEXT_MAX, &p->what);
}

static int patch_element(struct doc *d, const char *el, const char **attrs)
{
        struct sf_layout *l = d->l;
        struct sf_layout_patch p = {.xml = d->rel};
        const char *fn;
        int r;

        if (strcmp(el, "patch") != 0)
                return fail(d, -EBADMSG, "unexpected <%.64s> in a patch file", el);
        fn = attr(attrs, "filename");
        if (!fn)
                return fail(d, -EBADMSG, "<patch> without filename");
        if (strcmp(fn, "DISK") != 0)
                return 0; /* patches a host file before programming: no host does that */
        p.line = (unsigned long)XML_GetCurrentLineNumber(d->parser);
        r = parse_patch(d, attrs, &p);
        if (r >= 0) {
                r = sf_grow(&l->patches, &l->cap_patches, l->n_patches, sizeof(p),
                            SF_LAYOUT_MAX_OPS);
                if (r < 0)
                        r = fail(d, r, "more than %d patches", SF_LAYOUT_MAX_OPS);
        }
        if (r < 0) {
                sf_layout_patch_done(&p);
                return r;
        }
        l->patches[l->n_patches++] = p;
        return 0;
}

int sf_layout_parse_xml(struct sf_layout *l, const char *rel, char *path, uint64_t size,
                        const char *buf, size_t len, bool patch, struct sf_error *err)
{
        _cleanup_free_ char *name = NULL;
        struct xml_file *x;
        struct doc d = {
                .l = l,
                .root_el = patch ? "patches" : "data",
                .element = patch ? patch_element : rawprogram_element,
                .err = err,
        };

        if (l->n_xml == SF_LAYOUT_MAX_XML) {
                free(path);
                return sf_error_set(err, -E2BIG, "%s: more than %d XML files", l->pkg_dir,
                                    SF_LAYOUT_MAX_XML);
        }
        x = &l->xml[l->n_xml];
        x->path = path;
        x->size = size;
        x->rel = strdup(rel);
        l->n_xml++;
        name = sf_asprintf("%s/%s", l->pkg_dir, rel);
        if (!x->rel || !name)
                return -ENOMEM;
        d.name = name;
        d.rel = x->rel;
        sf_layout_dir_of(rel, d.dir, sizeof(d.dir));
        if (!patch && strcasestr(rel, "nand"))
                l->name_says_nand = true;
        return doc_parse(&d, buf, len);
}

int sf_layout_parse_xml_file(struct sf_layout *l, const char *rel, bool patch, struct sf_error *err)
{
        _cleanup_free_ char *path = NULL, *buf = NULL;
        const char *why = NULL;
        uint64_t size;
        size_t len;
        int r;

        r = sf_layout_confine(l, "", rel, &path, &size, &why);
        if (r < 0)
                return sf_error_set(err, r, "%s/%s: %s", l->pkg_dir, rel, why);
        r = sf_source_read_all(l->src, sf_layout_relative(l, path), SF_LAYOUT_XML_MAX, &buf, &len,
                               err);
        if (r == -EFBIG)
                return sf_error_set(err, r, "%s/%s: larger than %d bytes", l->pkg_dir, rel,
                                    SF_LAYOUT_XML_MAX);
        if (r < 0)
                return r;
        return sf_layout_parse_xml(l, rel, TAKE_PTR(path), size, buf, len, patch, err);
}
