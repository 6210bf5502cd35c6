/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A package's programmer, rawprogram and patch XMLs, and md5.txt (quectel.md section 4,
 * protocols.md sections 3.7, 3.10, 3.11). */
#include <ctype.h>
#include <errno.h>
#include <expat.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "package/layout.h"
#include "package/source.h"
#include "proto/firehose.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#define HASH_CHUNK     (1024 * 1024)
#define MAX_ATTRS      64
#define MAX_CANDIDATES 64 /* of each kind, in one folder */
#define TEXT_MAX       1024

struct strv {
        char **v;
        size_t n, cap;
};

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
        struct strv reasons;
        struct md5_entry *md5;
        size_t n_md5, cap_md5;
        struct used_file *used;
        size_t n_used, cap_used;
        enum sf_layout_storage storage;
        uint64_t total;
        bool has_factory_xml, verified, verify_skipped;
};

static void free_const(const void *p)
{
        free((void *)p);
}

static void strv_done(struct strv *s)
{
        for (size_t i = 0; i < s->n; i++)
                free(s->v[i]);
        free(s->v);
        *s = (struct strv){0};
}

/* Grow *array (of n elements of size) so that one more fits; at most max elements. */
static int grow(void *array, size_t *cap, size_t n, size_t size, size_t max)
{
        void **p = array;
        size_t c;
        void *q;

        if (n < *cap)
                return 0;
        if (n >= max)
                return -E2BIG;
        c = *cap ? *cap * 2 : 16;
        if (c > max)
                c = max;
        q = realloc(*p, c * size);
        if (!q)
                return -ENOMEM;
        *p = q;
        *cap = c;
        return 0;
}

static int strv_push(struct strv *s, const char *str, size_t max)
{
        char *c;
        int r;

        r = grow(&s->v, &s->cap, s->n, sizeof(*s->v), max);
        if (r < 0)
                return r;
        c = strdup(str);
        if (!c)
                return -ENOMEM;
        s->v[s->n++] = c;
        return 0;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "a, b, c" into buf, cut short when it does not fit. */
static const char *strv_join(const struct strv *s, char *buf, size_t size)
{
        size_t len = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < s->n && len < size; i++) {
                int n = snprintf(buf + len, size - len, "%s%s", i ? ", " : "", s->v[i]);
                if (n < 0)
                        break;
                len += (size_t)n;
        }
        return buf;
}

static void op_done(struct sf_layout_op *op)
{
        free_const(op->start_text);
        free_const(op->label);
        free_const(op->filename);
        free_const(op->path);
}

static void patch_done(struct sf_layout_patch *p)
{
        free_const(p->start_text);
        free_const(p->value);
        free_const(p->what);
}

void sf_layout_free(struct sf_layout *l)
{
        if (!l)
                return;
        for (size_t i = 0; i < l->n_ops; i++)
                op_done(&l->ops[i]);
        for (size_t i = 0; i < l->n_patches; i++)
                patch_done(&l->patches[i]);
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
        strv_done(&l->reasons);
        free(l->programmer);
        free(l->root);
        free(l->pkg_dir);
        sf_source_free(l->src);
        free(l);
}
SF_DEFINE_CLEANUP(struct sf_layout, sf_layout_free)

static void md_ctx_freep(EVP_MD_CTX **p)
{
        EVP_MD_CTX_free(*p);
}

/* ---- Paths ---- */

static int normalize(const char *dir, const char *name, char *out, size_t size, const char **why)
{
        return sf_source_normalize(dir, name, out, size, why);
}

static bool inside(const char *root, const char *path)
{
        size_t n = strlen(root);

        if (n == 1 && root[0] == '/')
                return path[0] == '/' && path[1] != '\0';
        return strncmp(path, root, n) == 0 && path[n] == '/';
}

static const char *relative(const struct sf_layout *l, const char *path)
{
        size_t n = strlen(l->root);

        return inside(l->root, path) ? path + n + (n > 1) : path;
}

/* A regular file named by name relative to the package folder dir, wherever symlinks lead, as
 * long as it stays inside the package: *ret_path is the root joined with its resolved name.
 * *why says what went wrong. */
static int confine(const struct sf_layout *l, const char *dir, const char *name, char **ret_path,
                   uint64_t *ret_size, const char **why)
{
        _cleanup_free_ char *resolved = NULL;
        char rel[PATH_MAX];
        int r;

        r = normalize(dir, name, rel, sizeof(rel), why);
        if (r < 0)
                return r;
        if (!l->src) {
                *why = "no such file in the package";
                return -ENOENT;
        }
        r = sf_source_lookup(l->src, rel, &resolved, ret_size, why);
        if (r < 0)
                return r;
        *ret_path = sf_asprintf("%s/%s", l->root, resolved);
        if (!*ret_path) {
                *why = "out of memory";
                return -ENOMEM;
        }
        return 0;
}

int sf_layout_open_file(const struct sf_layout *l, const char *path, struct sf_source_file **ret,
                        struct sf_error *err)
{
        if (!l || !path || !ret)
                return -EINVAL;
        if (!l->src || !inside(l->root, path))
                return sf_error_set(err, -ENOENT, "%s: not a file of the package", path);
        return sf_source_open_file(l->src, relative(l, path), ret, err);
}

/* The folder part of a package-relative path ("" at the root). */
static void dir_of(const char *rel, char *out, size_t size)
{
        const char *slash = strrchr(rel, '/');
        size_t n = slash ? (size_t)(slash - rel) : 0;

        if (n >= size)
                n = 0;
        memcpy(out, rel, n);
        out[n] = '\0';
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
        r = confine(d->l, d->dir, fn, &path, &op->file_size, &why);
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
                r = grow(&l->ops, &l->cap_ops, l->n_ops, sizeof(op), SF_LAYOUT_MAX_OPS);
                if (r < 0)
                        r = fail(d, r, "more than %d operations", SF_LAYOUT_MAX_OPS);
        }
        if (r < 0 || reserve) {
                op_done(&op);
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
                r = grow(&l->patches, &l->cap_patches, l->n_patches, sizeof(p), SF_LAYOUT_MAX_OPS);
                if (r < 0)
                        r = fail(d, r, "more than %d patches", SF_LAYOUT_MAX_OPS);
        }
        if (r < 0) {
                patch_done(&p);
                return r;
        }
        l->patches[l->n_patches++] = p;
        return 0;
}

/* Parse one document; rel (package-relative) names it and decides where its files are. */
static int parse_xml(struct sf_layout *l, const char *rel, char *path, uint64_t size,
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
        dir_of(rel, d.dir, sizeof(d.dir));
        if (!patch && strcasestr(rel, "nand"))
                l->name_says_nand = true;
        return doc_parse(&d, buf, len);
}

static int parse_xml_file(struct sf_layout *l, const char *rel, bool patch, struct sf_error *err)
{
        _cleanup_free_ char *path = NULL, *buf = NULL;
        const char *why = NULL;
        uint64_t size;
        size_t len;
        int r;

        r = confine(l, "", rel, &path, &size, &why);
        if (r < 0)
                return sf_error_set(err, r, "%s/%s: %s", l->pkg_dir, rel, why);
        r = sf_source_read_all(l->src, relative(l, path), SF_LAYOUT_XML_MAX, &buf, &len, err);
        if (r == -EFBIG)
                return sf_error_set(err, r, "%s/%s: larger than %d bytes", l->pkg_dir, rel,
                                    SF_LAYOUT_XML_MAX);
        if (r < 0)
                return r;
        return parse_xml(l, rel, TAKE_PTR(path), size, buf, len, patch, err);
}

/* ---- What the operations add up to ---- */

static int add_reason(struct sf_layout *l, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static int add_reason(struct sf_layout *l, const char *fmt, ...)
{
        char buf[512];
        va_list ap;
        int r;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        r = strv_push(&l->reasons, buf, SF_LAYOUT_MAX_REASONS);
        return r == -E2BIG ? 0 : r; /* the first reasons are enough to refuse */
}

/* An erase from sector 0 with no count, or one reaching past every other operation on its LUN
 * that has a known extent. */
static bool erases_everything(const struct sf_layout *l, const struct sf_layout_op *e)
{
        bool others = false;

        if (e->start_text && (!e->has_start || e->start != 0))
                return false;
        if (!e->has_num_sectors)
                return true;
        for (size_t i = 0; i < l->n_ops; i++) {
                const struct sf_layout_op *o = &l->ops[i];

                if (o == e || o->lun != e->lun)
                        continue;
                if (o->start_text && !o->has_start)
                        return false; /* relative to the disk's end: cannot tell */
                if (!o->has_start || !o->has_num_sectors)
                        continue;
                others = true;
                if (o->start > e->num_sectors || o->num_sectors > e->num_sectors - o->start)
                        return false;
        }
        return others;
}

static bool is_cefs(const char *filename)
{
        const char *base = filename;

        for (const char *p = filename; *p; p++)
                if (*p == '/' || *p == '\\')
                        base = p + 1;
        return strcasecmp(base, "cefs.mbn") == 0;
}

static int op_reasons(struct sf_layout *l, const struct sf_layout_op *op)
{
        static const char *const labels[] = {"efs2", "modemst1", "modemst2", "fsg", "fsc"};
        const char *verb = op->kind == SF_LAYOUT_OP_ERASE ? "erases" : "programs";
        int r = 0;

        if (op->filename && is_cefs(op->filename))
                r = add_reason(l, "%s:%lu: programs %s, an EFS image (calibration and IMEI)",
                               op->xml, op->line, op->filename);
        for (size_t i = 0; r >= 0 && i < sizeof(labels) / sizeof(*labels); i++)
                if (strcasecmp(op->label, labels[i]) == 0)
                        r = add_reason(l, "%s:%lu: %s partition %s", op->xml, op->line, verb,
                                       op->label);
        if (r >= 0 && op->kind == SF_LAYOUT_OP_ERASE && erases_everything(l, op))
                r = add_reason(l, "%s:%lu: erases the whole of LUN %u", op->xml, op->line, op->lun);
        return r;
}

static int finish(struct sf_layout *l, struct sf_error *err)
{
        bool ppb = false;
        int r;

        for (size_t i = 0; i < l->n_xml; i++)
                if (sf_endswith_ci(l->xml[i].rel, strlen(l->xml[i].rel), "_factory.xml")) {
                        r = add_reason(l, "%s is a factory rawprogram", l->xml[i].rel);
                        if (r < 0)
                                return r;
                }
        l->total = 0;
        for (size_t i = 0; i < l->n_ops; i++) {
                const struct sf_layout_op *op = &l->ops[i];

                ppb |= op->has_pages_per_block;
                if (op->data_bytes > UINT64_MAX - l->total)
                        return sf_error_set(err, -EFBIG, "%s: more than 2^64 bytes to write",
                                            l->pkg_dir);
                l->total += op->data_bytes;
                r = op_reasons(l, op);
                if (r < 0)
                        return r;
        }
        if (l->name_says_nand || ppb)
                l->storage = SF_LAYOUT_STORAGE_NAND;
        else if (l->n_ops && l->ops[0].sector_size == 4096)
                l->storage = SF_LAYOUT_STORAGE_UFS;
        else if (l->n_ops && l->ops[0].sector_size == 512)
                l->storage = SF_LAYOUT_STORAGE_EMMC;
        return 0;
}

/* ---- Finding the files ---- */

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
        struct strv c[CAND_COUNT];
};

static void folder_done(struct folder *f)
{
        for (size_t i = 0; i < CAND_COUNT; i++)
                strv_done(&f->c[i]);
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
        r = strv_push(&sc->f->c[k], name, MAX_CANDIDATES);
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
                if (f->c[i].n > 1)
                        qsort(f->c[i].v, f->c[i].n, sizeof(char *), cmp_str);
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

static const char *pick(const struct folder *f, const struct strv *s, const char *want)
{
        for (size_t i = 0; i < s->n; i++)
                if (names(f, s->v[i], want))
                        return s->v[i];
        return NULL;
}

static int choose_programmer(struct sf_layout *l, const struct folder *f,
                             const struct sf_layout_options *opt, struct sf_error *err)
{
        const struct strv *c = &f->c[CAND_PROGRAMMER];
        const char *p = NULL, *why = NULL;
        char list[256];
        int r;

        if (opt->programmer) {
                p = pick(f, c, opt->programmer);
                if (!p)
                        return sf_error_set(err, -ENOENT,
                                            "%s: programmer %s is not one of those in %s (%s)",
                                            l->pkg_dir, opt->programmer, folder_name(f),
                                            strv_join(c, list, sizeof(list)));
        } else if (c->n == 0) {
                return sf_error_set(err, -ENOENT,
                                    "%s: no Firehose programmer (prog_*.mbn, …) in %s", l->pkg_dir,
                                    folder_name(f));
        } else if (c->n > 1) {
                return sf_error_set(err, -ENOTUNIQ,
                                    "%s: more than one Firehose programmer in %s: %s; name one",
                                    l->pkg_dir, folder_name(f), strv_join(c, list, sizeof(list)));
        } else {
                p = c->v[0];
        }
        r = confine(l, f->rel, p, &l->programmer, &l->programmer_size, &why);
        if (r < 0)
                return sf_error_set(err, r, "%s: programmer %s: %s", l->pkg_dir, p, why);
        return 0;
}

/* The single-file (NAND) style: exactly one update XML, or an allowed factory one. */
static int choose_single(const struct sf_layout *l, const struct folder *f,
                         const struct sf_layout_options *opt, const char **ret,
                         struct sf_error *err)
{
        const struct strv *upd = &f->c[CAND_RAW], *fac = &f->c[CAND_RAW_FACTORY];
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
                return sf_error_set(err, -ENOTUNIQ,
                                    "%s: more than one update rawprogram in %s: %s; name one",
                                    l->pkg_dir, folder_name(f), strv_join(upd, list, sizeof(list)));
        } else if (upd->n == 1) {
                p = upd->v[0];
        } else if (!opt->allow_factory) {
                return sf_error_set(err, -EPERM,
                                    "%s: only factory rawprogram XMLs (%s): they overwrite EFS, "
                                    "calibration and IMEI; not chosen unless factory content is "
                                    "allowed",
                                    l->pkg_dir, strv_join(fac, list, sizeof(list)));
        } else if (fac->n > 1) {
                return sf_error_set(err, -ENOTUNIQ,
                                    "%s: more than one factory rawprogram in %s: %s; name one",
                                    l->pkg_dir, folder_name(f), strv_join(fac, list, sizeof(list)));
        } else {
                p = fac->v[0];
        }
        *ret = p;
        return 0;
}

static int push_rel(struct strv *s, const struct folder *f, const char *name)
{
        _cleanup_free_ char *rel = sf_asprintf("%s%s%s", f->rel, *f->rel ? "/" : "", name);

        return rel ? strv_push(s, rel, SF_LAYOUT_MAX_XML) : -ENOMEM;
}

/* Fill raw and patch with the package-relative XMLs to parse, in order. */
static int choose_xmls(struct sf_layout *l, const struct folder *f,
                       const struct sf_layout_options *opt, struct strv *raw, struct strv *patch,
                       struct sf_error *err)
{
        const struct strv *luns = &f->c[CAND_RAW_LUN], *patches = &f->c[CAND_PATCH];
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
                                    strv_join(patches, list, sizeof(list)));
        return patches->n ? push_rel(patch, f, patches->v[0]) : 0;
}

static int find_files(struct sf_layout *l, const struct sf_layout_options *opt, struct strv *raw,
                      struct strv *patch, struct sf_error *err)
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

/* ---- md5.txt ---- */

static int unhex(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        c = (char)tolower((unsigned char)c);
        return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int sf_layout_md5_parse_line(const char *line, size_t len, char *ret_path, size_t path_size,
                             uint8_t ret_digest[16])
{
        const char *colon, *start, *drive;
        uint8_t digest[16];
        size_t plen, i;

        if ((!line && len) || !ret_path || !ret_digest)
                return -EINVAL;
        if (len && line[len - 1] == '\r')
                len--;
        for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
                ;
        if (i == len)
                return 1;
        if (memchr(line, '\0', len))
                return -EBADMSG;
        colon = memrchr(line, ':', len);
        if (!colon || (size_t)(line + len - colon - 1) != 32)
                return -EBADMSG;
        for (i = 0; i < 16; i++) {
                int hi = unhex(colon[1 + 2 * i]), lo = unhex(colon[2 + 2 * i]);
                if (hi < 0 || lo < 0)
                        return -EBADMSG;
                digest[i] = (uint8_t)(hi << 4 | lo);
        }
        /* "D:\update\sbl1.mbn": anything up to the first ":\" is where the generator ran. */
        drive = memmem(line, (size_t)(colon - line), ":\\", 2);
        start = drive ? drive + 2 : line;
        plen = (size_t)(colon - start);
        if (plen == 0)
                return -EBADMSG;
        if (plen >= path_size)
                return -ENAMETOOLONG;
        for (i = 0; i < plen; i++)
                ret_path[i] = start[i] == '\\' ? '/' : start[i];
        ret_path[plen] = '\0';
        memcpy(ret_digest, digest, sizeof(digest));
        return 0;
}

static int md5_add(struct sf_layout *l, const char *name, unsigned long line, const char *text,
                   size_t len, struct sf_error *err)
{
        char rel[PATH_MAX];
        uint8_t digest[16];
        const char *why = NULL;
        char *path = NULL;
        int r;

        r = sf_layout_md5_parse_line(text, len, rel, sizeof(rel), digest);
        if (r == 1)
                return 0;
        if (r < 0)
                return sf_error_set(err, -EBADMSG, "%s:%lu: not \"PATH:<32 hex digits>\"", name,
                                    line);
        r = confine(l, "", rel, &path, NULL, &why);
        if (r == -ENOENT)
                return sf_error_set(err, r, "%s:%lu: lists %s, which is not in the package", name,
                                    line, rel);
        if (r < 0)
                return sf_error_set(err, r, "%s:%lu: %s: %s", name, line, rel, why);
        for (size_t i = 0; i < l->n_md5; i++) {
                if (strcmp(l->md5[i].path, path) != 0)
                        continue;
                free(path);
                if (memcmp(l->md5[i].digest, digest, sizeof(digest)) == 0)
                        return 0;
                return sf_error_set(err, -EBADMSG, "%s:%lu: %s again, with another digest", name,
                                    line, rel);
        }
        r = grow(&l->md5, &l->cap_md5, l->n_md5, sizeof(*l->md5), SF_LAYOUT_MD5_ENTRIES);
        if (r < 0) {
                free(path);
                return sf_error_set(err, r, "%s: more than %d entries", name,
                                    SF_LAYOUT_MD5_ENTRIES);
        }
        l->md5[l->n_md5].path = path;
        memcpy(l->md5[l->n_md5].digest, digest, sizeof(digest));
        l->md5[l->n_md5++].line = line;
        return 0;
}

static int md5_read(struct sf_layout *l, struct sf_error *err)
{
        _cleanup_free_ char *name = NULL, *path = NULL, *buf = NULL;
        const char *why = NULL, *p, *end;
        unsigned long line = 0;
        size_t len;
        int r;

        name = sf_asprintf("%s/md5.txt", l->pkg_dir);
        if (!name)
                return -ENOMEM;
        r = confine(l, "", "md5.txt", &path, NULL, &why);
        if (r == -ENOENT)
                return sf_error_set(err, r, "%s: missing; it is required to verify the package",
                                    name);
        if (r < 0)
                return sf_error_set(err, r, "%s: %s", name, why);
        r = sf_source_read_all(l->src, relative(l, path), SF_LAYOUT_MD5_MAX, &buf, &len, err);
        if (r == -EFBIG)
                return sf_error_set(err, r, "%s: larger than 1 MiB", name);
        if (r < 0)
                return r;
        for (p = buf, end = buf + len; p < end;) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

                r = md5_add(l, name, ++line, p, n, err);
                if (r < 0)
                        return r;
                p += n + 1;
        }
        return 0;
}

static size_t md5_find(const struct sf_layout *l, const char *path)
{
        for (size_t i = 0; i < l->n_md5; i++)
                if (strcmp(l->md5[i].path, path) == 0)
                        return i;
        return SIZE_MAX;
}

/* A file the flash uses: it must be listed (required) or is checked when listed. */
static int use(struct sf_layout *l, const char *path, uint64_t size, bool required,
               struct sf_error *err)
{
        size_t m = md5_find(l, path);
        int r;

        for (size_t i = 0; i < l->n_used; i++)
                if (strcmp(l->used[i].path, path) == 0)
                        return 0;
        if (m == SIZE_MAX && required)
                return sf_error_set(err, -ENODATA, "%s/md5.txt: no md5.txt entry for %s",
                                    l->pkg_dir, relative(l, path));
        if (m == SIZE_MAX)
                return 0;
        r = grow(&l->used, &l->cap_used, l->n_used, sizeof(*l->used), SIZE_MAX / 2);
        if (r < 0)
                return r;
        l->used[l->n_used++] = (struct used_file){.path = path, .size = size, .md5 = m};
        return 0;
}

static int md5_cover(struct sf_layout *l, struct sf_error *err)
{
        int r;

        r = use(l, l->programmer, l->programmer_size, true, err);
        for (size_t i = 0; r >= 0 && i < l->n_ops; i++)
                if (l->ops[i].path)
                        r = use(l, l->ops[i].path, l->ops[i].file_size, true, err);
        for (size_t i = 0; r >= 0 && i < l->n_xml; i++)
                if (l->xml[i].path)
                        r = use(l, l->xml[i].path, l->xml[i].size, false, err);
        return r;
}

static void hex(const uint8_t d[16], char out[33])
{
        for (size_t i = 0; i < 16; i++)
                snprintf(out + 2 * i, 3, "%02x", d[i]);
}

struct hashing {
        EVP_MD_CTX *ctx;
        uint8_t *buf;
        uint64_t done, total;
        sf_progress_fn progress;
        void *userdata;
};


static int hash_file(const struct sf_layout *l, const struct used_file *u, struct hashing *h,
                     uint8_t digest[16], struct sf_error *err)
{
        const char *rel = relative(l, u->path);
        _cleanup_(sf_source_file_freep) struct sf_source_file *f = NULL;
        unsigned int dlen = 0;
        int r;

        r = sf_layout_open_file(l, u->path, &f, err);
        if (r < 0)
                return r;
        if (sf_source_file_size(f) != u->size)
                return sf_error_set(err, -EBADMSG, "%s: changed since the package was read", rel);
        if (!EVP_DigestInit_ex(h->ctx, EVP_md5(), NULL))
                return sf_error_set(err, -EOPNOTSUPP, "%s: MD5 is not available", rel);
        for (uint64_t left = u->size; left > 0;) {
                ssize_t n = sf_source_read(f, h->buf, left < HASH_CHUNK ? left : HASH_CHUNK, err);

                if (n < 0)
                        return (int)n;
                if (n == 0)
                        return sf_error_set(err, -EBADMSG, "%s: changed since the package was read",
                                            rel);
                if (!EVP_DigestUpdate(h->ctx, h->buf, (size_t)n))
                        return sf_error_set(err, -EIO, "%s: MD5 failed", rel);
                left -= (uint64_t)n;
                h->done += (uint64_t)n;
                if (h->progress)
                        h->progress(h->userdata, h->done, h->total);
        }
        /* The end, too: a zip then checks the entry's CRC, a folder's file has not grown. */
        r = (int)sf_source_read(f, h->buf, 1, err);
        if (r < 0)
                return r;
        if (r > 0)
                return sf_error_set(err, -EBADMSG, "%s: changed since the package was read", rel);
        if (!EVP_DigestFinal_ex(h->ctx, digest, &dlen) || dlen != 16)
                return sf_error_set(err, -EIO, "%s: MD5 failed", rel);
        return 0;
}

int sf_layout_verify(struct sf_layout *l, sf_progress_fn progress, void *userdata,
                     struct sf_error *err)
{
        _cleanup_(md_ctx_freep) EVP_MD_CTX *ctx = NULL;
        _cleanup_free_ uint8_t *buf = NULL;
        struct hashing h = {.progress = progress, .userdata = userdata};
        uint8_t digest[16];
        char want[33], have[33];
        int r;

        if (!l)
                return -EINVAL;
        if (l->verify_skipped)
                return sf_error_set(err, -ENODATA, "%s: loaded without md5.txt (no_verify)",
                                    l->pkg_dir);
        for (size_t i = 0; i < l->n_used; i++)
                h.total = l->used[i].size > UINT64_MAX - h.total ? UINT64_MAX
                                                                 : h.total + l->used[i].size;
        ctx = EVP_MD_CTX_new();
        buf = malloc(HASH_CHUNK);
        if (!ctx || !buf)
                return -ENOMEM;
        h.ctx = ctx;
        h.buf = buf;
        if (progress)
                progress(userdata, 0, h.total);
        for (size_t i = 0; i < l->n_used; i++) {
                const struct md5_entry *m = &l->md5[l->used[i].md5];

                r = hash_file(l, &l->used[i], &h, digest, err);
                if (r < 0)
                        return r;
                if (memcmp(digest, m->digest, sizeof(digest)) == 0)
                        continue;
                hex(m->digest, want);
                hex(digest, have);
                return sf_error_set(err, -EBADMSG,
                                    "%s: MD5 mismatch: md5.txt line %lu says %s, the file is %s",
                                    relative(l, l->used[i].path), m->line, want, have);
        }
        l->verified = true;
        return 0;
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

static int parse_all(struct sf_layout *l, const struct strv *raw, const struct strv *patch,
                     struct sf_error *err)
{
        int r = 0;

        for (size_t i = 0; r >= 0 && i < raw->n; i++)
                r = parse_xml_file(l, raw->v[i], false, err);
        for (size_t i = 0; r >= 0 && i < patch->n; i++)
                r = parse_xml_file(l, patch->v[i], true, err);
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
        struct strv raw = {0}, patch = {0};
        int r;

        if (!pkg_dir || !ret)
                return -EINVAL;
        if (!opt)
                opt = &defaults;
        r = open_root(pkg_dir, &l, err);
        if (r < 0)
                return r;
        r = find_files(l, opt, &raw, &patch, err);
        if (r >= 0)
                r = parse_all(l, &raw, &patch, err);
        strv_done(&raw);
        strv_done(&patch);
        if (r >= 0)
                r = finish(l, err);
        if (r >= 0 && !opt->no_verify)
                r = md5_read(l, err);
        if (r >= 0 && !opt->no_verify)
                r = md5_cover(l, err);
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
        r = normalize("", xml_rel, rel, sizeof(rel), &why);
        if (r < 0)
                return sf_error_set(err, r, "%s: %s", xml_rel, why);
        r = layout_new(pkg_dir, pkg_dir, &l);
        if (r < 0)
                return r;
        if (rawprogram)
                r = parse_xml(l, rel, NULL, rawprogram_len, rawprogram, rawprogram_len, false, err);
        dir_of(rel, dir, sizeof(dir));
        patch_rel = sf_asprintf("%s%spatch.xml", dir, *dir ? "/" : "");
        if (!patch_rel)
                return -ENOMEM;
        if (r >= 0 && patch)
                r = parse_xml(l, patch_rel, NULL, patch_len, patch, patch_len, true, err);
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
