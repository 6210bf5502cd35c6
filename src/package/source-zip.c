/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A zip of a package folder, read in place with libarchive: an index of its entries, checked
 * as a whole when it is opened, then one archive reader per open file, streaming its bytes.
 * Nothing is extracted. See source.h for what is refused. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "package/path.h"
#include "package/source.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#define ZIP_BLOCK     65536
#define ZIP_MAX_DEPTH 16            /* folders in a name; real packages have three */
#define ZIP_NAMES_MAX (1024 * 1024) /* bytes of all names: bounds the index, folders included */
#define MACOSX        "__MACOSX"

struct zip_entry {
        char *name; /* normalized, inside the package (the top folder taken off) */
        char *raw;  /* as the archive spells it; NULL for a folder */
        uint64_t size;
        size_t ordinal; /* position among the archive's headers */
        bool dir;
        bool implied; /* a folder no entry names, only its contents */
};

struct zip_index {
        struct zip_entry *e;
        size_t n, cap;
        size_t name_bytes;
};

struct zip_file {
        struct archive *a;
};

static void index_done(struct zip_index *x)
{
        for (size_t i = 0; i < x->n; i++) {
                free(x->e[i].name);
                free(x->e[i].raw);
        }
        free(x->e);
        free(x);
}

static const char *aerr(struct archive *a)
{
        const char *e = archive_error_string(a);

        return e ? e : "unknown error";
}

/* An entry's name for a message: control characters (a terminal's escapes) shown as '?'. */
static const char *printable(const char *raw, char *buf, size_t size)
{
        size_t i;

        for (i = 0; raw[i] && i + 1 < size; i++)
                buf[i] = (unsigned char)raw[i] < 0x20 || raw[i] == 0x7f ? '?' : raw[i];
        buf[i] = '\0';
        return buf;
}

static void archive_freep(struct archive **a)
{
        if (*a)
                archive_read_free(*a);
}

static int archive_open(const struct sf_source *s, struct archive **ret, struct sf_error *err)
{
        struct archive *a = archive_read_new();

        if (!a)
                return -ENOMEM;
        /* The central directory, not a stream of local headers: what zip tools agree on. */
        if (archive_read_support_format_zip_seekable(a) != ARCHIVE_OK ||
            archive_read_open_filename(a, s->root, ZIP_BLOCK) != ARCHIVE_OK) {
                int r = sf_error_set(err, -EBADMSG, "%s: not a readable zip: %s", s->path, aerr(a));
                archive_read_free(a);
                return r;
        }
        *ret = a;
        return 0;
}

static int push(struct zip_index *x, struct zip_entry e)
{
        if (x->n == x->cap) {
                size_t cap = x->cap ? x->cap * 2 : 64;
                struct zip_entry *p = realloc(x->e, cap * sizeof(*p));

                if (!p) {
                        free(e.name);
                        free(e.raw);
                        return -ENOMEM;
                }
                x->e = p;
                x->cap = cap;
        }
        x->e[x->n++] = e;
        return 0;
}

/* A name is refused rather than resolved when it is absolute or has a ".." part. */
static int check_name(const char *raw, char *out, size_t size, const char **why)
{
        const char *p = raw;
        unsigned depth = 0;
        int r;

        for (;;) {
                size_t n = strcspn(p, "/\\");

                if (n == 2 && p[0] == '.' && p[1] == '.') {
                        *why = "has a '..' component";
                        return -EBADMSG;
                }
                depth += n > 0;
                if (!p[n])
                        break;
                p += n + 1;
        }
        if (depth > ZIP_MAX_DEPTH) {
                *why = "is nested too deep";
                return -EBADMSG;
        }
        r = sf_path_normalize("", raw, out, size, why);
        if (r == -EACCES)
                *why = "is an absolute path";
        return r == -EINVAL ? 1 : r < 0 ? -EBADMSG : 0; /* 1: names the root itself */
}

static int check_entry(const struct sf_source *s, struct archive_entry *ae, const char *name,
                       struct sf_error *err)
{
        mode_t type = archive_entry_filetype(ae);
        char raw[256];

        printable(name, raw, sizeof(raw));
        if (archive_entry_is_encrypted(ae))
                return sf_error_set(err, -EOPNOTSUPP, "%s: entry '%s' is encrypted", s->path, raw);
        if (archive_entry_hardlink(ae) || type == AE_IFLNK)
                return sf_error_set(err, -EBADMSG, "%s: entry '%s' is a link; links are refused",
                                    s->path, raw);
        if (type != AE_IFREG && type != AE_IFDIR)
                return sf_error_set(err, -EBADMSG,
                                    "%s: entry '%s' is not a file or a folder (a device, a "
                                    "FIFO, …)",
                                    s->path, raw);
        if (type == AE_IFREG && !archive_entry_size_is_set(ae))
                return sf_error_set(err, -EBADMSG, "%s: entry '%s' does not declare its size",
                                    s->path, raw);
        if (type == AE_IFREG && (uint64_t)archive_entry_size(ae) > SF_SOURCE_ENTRY_MAX)
                return sf_error_set(err, -EFBIG, "%s: entry '%s' is larger than %llu bytes",
                                    s->path, raw, (unsigned long long)SF_SOURCE_ENTRY_MAX);
        return 0;
}

static bool is_macosx(const char *name)
{
        return strncmp(name, MACOSX, strlen(MACOSX)) == 0 &&
               (name[strlen(MACOSX)] == '/' || name[strlen(MACOSX)] == '\0');
}

/* One header: checked, then indexed unless it is Finder's metadata or the root itself. */
static int add_header(const struct sf_source *s, struct zip_index *x, struct archive_entry *ae,
                      size_t ordinal, struct sf_error *err)
{
        const char *raw = archive_entry_pathname(ae), *why = NULL;
        char name[SF_SOURCE_NAME_MAX], shown[256];
        struct zip_entry e;
        bool dir;
        int r;

        if (!raw)
                return sf_error_set(err, -EBADMSG, "%s: entry %zu has a name that cannot be read",
                                    s->path, ordinal + 1);
        r = check_entry(s, ae, raw, err);
        if (r < 0)
                return r;
        r = check_name(raw, name, sizeof(name), &why);
        if (r < 0)
                return sf_error_set(err, r, "%s: entry '%s' %s", s->path,
                                    printable(raw, shown, sizeof(shown)), why);
        dir = archive_entry_filetype(ae) == AE_IFDIR;
        if (r == 1 && !dir)
                return sf_error_set(err, -EBADMSG, "%s: entry '%s' names no file", s->path,
                                    printable(raw, shown, sizeof(shown)));
        if (r == 1 || is_macosx(name))
                return 0;
        x->name_bytes += strlen(name) + 1;
        if (x->name_bytes > ZIP_NAMES_MAX)
                return sf_error_set(err, -E2BIG, "%s: more than %d bytes of entry names", s->path,
                                    ZIP_NAMES_MAX);
        e = (struct zip_entry){.name = strdup(name),
                               .raw = dir ? NULL : strdup(raw),
                               .size = dir ? 0 : (uint64_t)archive_entry_size(ae),
                               .ordinal = ordinal,
                               .dir = dir};
        if (!e.name || (!dir && !e.raw)) {
                free(e.name);
                free(e.raw);
                return -ENOMEM;
        }
        return push(x, e);
}

static int read_headers(const struct sf_source *s, struct zip_index *x, struct sf_error *err)
{
        _cleanup_(archive_freep) struct archive *a = NULL;
        struct archive_entry *ae;
        size_t ordinal = 0;
        int r;

        r = archive_open(s, &a, err);
        if (r < 0)
                return r;
        for (;; ordinal++) {
                r = archive_read_next_header(a, &ae);
                if (r == ARCHIVE_EOF)
                        return 0;
                if (r != ARCHIVE_OK)
                        return sf_error_set(err, -EBADMSG, "%s: corrupt zip (entry %zu): %s",
                                            s->path, ordinal + 1, aerr(a));
                if (ordinal == SF_SOURCE_MAX_ENTRIES)
                        return sf_error_set(err, -E2BIG, "%s: more than %d entries", s->path,
                                            SF_SOURCE_MAX_ENTRIES);
                r = add_header(s, x, ae, ordinal, err);
                if (r < 0)
                        return r;
        }
}

/* Every entry inside one folder (not "update"): the package folder, zipped with its name. */
static int strip_top(struct sf_source *s, struct zip_index *x)
{
        const char *first = x->n ? x->e[0].name : NULL;
        size_t len = first ? strcspn(first, "/") : 0, k = 0;
        bool deeper = false;

        if (!first || (len == 6 && strncasecmp(first, "update", 6) == 0))
                return 0;
        for (size_t i = 0; i < x->n; i++) {
                const char *n = x->e[i].name;

                if (strncmp(n, first, len) != 0 || (n[len] != '/' && n[len] != '\0'))
                        return 0;
                if (n[len] == '\0' && !x->e[i].dir)
                        return 0; /* a file of that name */
                deeper |= n[len] == '/';
        }
        if (!deeper)
                return 0;
        s->folder_name = strndup(first, len);
        if (!s->folder_name)
                return -ENOMEM;
        for (size_t i = 0; i < x->n; i++) {
                struct zip_entry *e = &x->e[i];

                if (e->name[len] == '\0') {
                        free(e->name);
                        continue;
                }
                memmove(e->name, e->name + len + 1, strlen(e->name + len + 1) + 1);
                x->e[k++] = *e;
        }
        x->n = k;
        return 0;
}

/* Folders that only the names of their contents imply ("update" of "update/sbl1.mbn"). */
static int add_implied(struct zip_index *x)
{
        size_t n = x->n;

        for (size_t i = 0; i < n; i++) {
                for (const char *p = x->e[i].name; (p = strchr(p, '/')); p++) {
                        char *dir = strndup(x->e[i].name, (size_t)(p - x->e[i].name));
                        int r;

                        if (!dir)
                                return -ENOMEM;
                        r = push(x, (struct zip_entry){.name = dir, .dir = true, .implied = true});
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int cmp_entry(const void *a, const void *b)
{
        const struct zip_entry *x = a, *y = b;
        int c = strcmp(x->name, y->name);

        return c ? c : (int)x->implied - (int)y->implied;
}

/* Sorted by name, each name once: the same name twice is refused, and so is a name that is
 * both a file and a folder. Folders only implied sort after the entry of the same name. */
static int dedupe(const struct sf_source *s, struct zip_index *x, struct sf_error *err)
{
        char shown[256];
        size_t k = 0;

        if (x->n > 1) /* an empty zip has no array: qsort must not see NULL */
                qsort(x->e, x->n, sizeof(*x->e), cmp_entry);
        for (size_t i = 1; i < x->n; i++) {
                const struct zip_entry *prev = &x->e[i - 1], *e = &x->e[i];

                if (strcmp(prev->name, e->name) != 0)
                        continue;
                if (!e->implied)
                        return sf_error_set(err, -EBADMSG, "%s: '%s' is in the zip twice", s->path,
                                            printable(e->name, shown, sizeof(shown)));
                if (!prev->dir)
                        return sf_error_set(err, -EBADMSG, "%s: '%s' is both a file and a folder",
                                            s->path, printable(e->name, shown, sizeof(shown)));
        }
        for (size_t i = 0; i < x->n; i++) {
                if (k && strcmp(x->e[k - 1].name, x->e[i].name) == 0) {
                        free(x->e[i].name);
                        free(x->e[i].raw);
                        continue;
                }
                x->e[k++] = x->e[i];
        }
        x->n = k;
        return 0;
}

static const struct zip_entry *find(const struct zip_index *x, const char *name)
{
        struct zip_entry key = {.name = (char *)name};
        size_t lo = 0, hi = x->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(x->e[mid].name, key.name);

                if (c == 0)
                        return &x->e[mid];
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

static int zip_lookup(const struct sf_source *s, const char *name, char **ret_name,
                      uint64_t *ret_size, const char **why)
{
        const struct zip_entry *e = find(s->impl, name);

        if (!e) {
                *why = "no such file in the package";
                return -ENOENT;
        }
        if (e->dir) {
                *why = "not a regular file";
                return -EINVAL;
        }
        *ret_name = strdup(e->name);
        if (!*ret_name) {
                *why = "out of memory";
                return -ENOMEM;
        }
        if (ret_size)
                *ret_size = e->size;
        return 0;
}

static int zip_list(const struct sf_source *s, const char *dir, sf_source_list_fn fn,
                    void *userdata, struct sf_error *err)
{
        const struct zip_index *x = s->impl;
        size_t len = strlen(dir);

        for (size_t i = 0; i < x->n; i++) {
                const char *n = x->e[i].name, *base = n;
                int r;

                if (len) {
                        if (strncmp(n, dir, len) != 0 || n[len] != '/')
                                continue;
                        base = n + len + 1;
                }
                if (strchr(base, '/') || base[0] == '.')
                        continue;
                r = fn(userdata, base);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* A fresh reader, positioned at the entry's data. */
static int seek_entry(const struct sf_source *s, const struct zip_entry *e, struct archive **ret,
                      struct sf_error *err)
{
        _cleanup_(archive_freep) struct archive *a = NULL;
        struct archive_entry *ae;
        int r;

        r = archive_open(s, &a, err);
        for (size_t i = 0; r >= 0 && i <= e->ordinal; i++)
                if (archive_read_next_header(a, &ae) != ARCHIVE_OK)
                        r = sf_error_set(err, -EBADMSG, "%s: corrupt zip: %s", s->path, aerr(a));
        if (r < 0)
                return r;
        if (!archive_entry_pathname(ae) || strcmp(archive_entry_pathname(ae), e->raw) != 0 ||
            (uint64_t)archive_entry_size(ae) != e->size)
                return sf_error_set(err, -EBADMSG, "%s: changed since it was opened", s->path);
        *ret = TAKE_PTR(a);
        return 0;
}

static int zip_open_file(const struct sf_source *s, const char *name, struct sf_source_file **ret,
                         struct sf_error *err)
{
        const struct zip_entry *e = find(s->impl, name);
        _cleanup_free_ struct sf_source_file *f = calloc(1, sizeof(*f));
        _cleanup_free_ struct zip_file *zf = calloc(1, sizeof(*zf));
        int r;

        if (!f || !zf)
                return -ENOMEM;
        if (!e || e->dir)
                return sf_error_set(err, -ENOENT, "%s/%s: no such file in the package", s->path,
                                    name);
        r = seek_entry(s, e, &zf->a, err);
        if (r < 0)
                return r;
        f->name = strdup(name);
        if (!f->name) {
                archive_read_free(zf->a);
                return -ENOMEM;
        }
        f->src = s;
        f->size = e->size;
        f->impl = TAKE_PTR(zf);
        *ret = TAKE_PTR(f);
        return 0;
}

static ssize_t zip_read(struct sf_source_file *f, void *buf, size_t len, struct sf_error *err)
{
        struct zip_file *zf = f->impl;
        la_ssize_t n;

        /* One byte past the declared size, to see a zip that holds more than it says. */
        if (len > f->size - f->pos + 1)
                len = (size_t)(f->size - f->pos + 1);
        n = archive_read_data(zf->a, buf, len);
        if (n < 0)
                return sf_error_set(err, -EBADMSG, "%s/%s: corrupt zip data: %s", f->src->path,
                                    f->name, aerr(zf->a));
        if ((uint64_t)n > f->size - f->pos)
                return sf_error_set(err, -EBADMSG,
                                    "%s/%s: holds more data than the zip declares (%llu bytes)",
                                    f->src->path, f->name, (unsigned long long)f->size);
        if (n == 0 && f->pos < f->size)
                return sf_error_set(err, -EBADMSG, "%s/%s: truncated: %llu of %llu declared bytes",
                                    f->src->path, f->name, (unsigned long long)f->pos,
                                    (unsigned long long)f->size);
        return n;
}

static void zip_close(struct sf_source_file *f)
{
        struct zip_file *zf = f->impl;

        if (zf && zf->a)
                archive_read_free(zf->a);
        free(zf);
}

static void zip_done(struct sf_source *s)
{
        if (s->impl)
                index_done(s->impl);
}

static const struct sf_source_ops zip_ops = {
        .lookup = zip_lookup,
        .list = zip_list,
        .open_file = zip_open_file,
        .read = zip_read,
        .close = zip_close,
        .done = zip_done,
};

int sf_source_zip_open(struct sf_source *s, struct sf_error *err)
{
        struct zip_index *x = calloc(1, sizeof(*x));
        int r;

        if (!x)
                return -ENOMEM;
        s->ops = &zip_ops;
        s->impl = x;
        r = read_headers(s, x, err);
        if (r >= 0)
                r = strip_top(s, x);
        if (r >= 0)
                r = add_implied(x);
        if (r >= 0)
                r = dedupe(s, x, err);
        return r;
}
