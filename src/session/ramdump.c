/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The RAM dump session: see ramdump.h. Every length the device gives is checked before it is
 * used; every file goes into the output folder under a name that cannot leave it. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "proto/sahara.h"
#include "session/ramdump.h"
#include "session/sahara_host.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#define SILENCE_MS   50             /* after a read: nothing more may come */
#define LOG_SCAN_MAX (1024u * 1024) /* a log region larger than this is not read back */
#define MANIFEST     "manifest.json"

struct dump {
        const struct sf_ramdump_options *o;
        struct sf_ramdump_result *res;
        struct sf_sahara_host h;
        struct sf_sahara_debug_ref ref;
        int dirfd;
        uint64_t max_bytes, total, done;
        enum sf_phase phase;
        const char *item;
};

static void say(struct dump *d, enum sf_log_level lvl, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void say(struct dump *d, enum sf_log_level lvl, const char *fmt, ...)
{
        char text[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        sf_transport_note(d->h.t, "%s", text);
        if (d->o->log)
                d->o->log(d->o->userdata, lvl, text);
}

static void report(struct dump *d, enum sf_phase phase)
{
        struct sf_progress p = {
                .phase = phase, .item = d->item, .done = d->done, .total = d->total};

        if (!d->o->progress)
                return;
        if (phase == SF_PHASE_IDENTIFY)
                p.done = p.total = 0;
        p.overall = phase == SF_PHASE_IDENTIFY ? 0
                    : phase == SF_PHASE_BACKUP
                            ? 0.02 + 0.96 * (d->total ? (double)d->done / (double)d->total : 1)
                    : phase == SF_PHASE_RESET ? 0.98
                                              : 1;
        d->o->progress(d->o->userdata, &p);
}

bool sf_ramdump_name_ok(const char *s)
{
        size_t n = s ? strlen(s) : 0;

        if (n == 0 || n >= SF_RAMDUMP_NAME_MAX || s[0] == '.' || s[0] == '-' || strstr(s, ".."))
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-'))
                        return false;
        }
        if (strcasecmp(s, MANIFEST) == 0 || (n >= 8 && strcasecmp(s + n - 8, ".partial") == 0))
                return false;
        return true;
}

/* Printable ASCII, without what would need escaping in JSON. */
static void printable(const char *in, char *out, size_t size)
{
        size_t i = 0;

        for (; in[i] && i + 1 < size; i++)
                out[i] = in[i] >= 0x20 && in[i] < 0x7f && in[i] != '"' && in[i] != '\\' ? in[i]
                                                                                        : '?';
        out[i] = '\0';
}

static int open_dir(struct dump *d, struct sf_error *err)
{
        const char *dir = d->o->out_dir;

        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return sf_error_set(err, -errno, "%s: %s", dir, strerror(errno));
        d->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (d->dirfd < 0)
                return sf_error_set(err, -errno, "%s: %s", dir, strerror(errno));
        return 0;
}

/* The table: its announced length checked before a byte is read, then the entries. */
static int read_table(struct dump *d, struct sf_sahara_debug_region *regs, size_t *n,
                      struct sf_error *err)
{
        size_t entry = sf_sahara_debug_entry_len(d->ref.is_64);
        _cleanup_free_ uint8_t *buf = NULL;
        uint64_t len = d->ref.table_len;
        int r;

        if (len == 0 || len > (uint64_t)SF_RAMDUMP_MAX_REGIONS * entry || len % entry != 0)
                return sf_error_set(err, -EPROTO,
                                    "the boot ROM announces a memory table of %" PRIu64
                                    " bytes: not a whole number of %zu-byte entries between 1 "
                                    "and %u",
                                    len, entry, SF_RAMDUMP_MAX_REGIONS);
        buf = malloc((size_t)len);
        if (!buf)
                return -ENOMEM;
        r = sf_sahara_memory_read(&d->h, d->ref.is_64, d->ref.table_addr, buf, (size_t)len, err);
        if (r == 0)
                r = sf_sahara_expect_silence(&d->h, SILENCE_MS, err);
        if (r < 0)
                return r;
        r = sf_sahara_parse_debug_table(buf, (size_t)len, d->ref.is_64, regs,
                                        SF_RAMDUMP_MAX_REGIONS, n);
        if (r < 0)
                return sf_error_set(err, r,
                                    "the memory table is malformed (a region wraps "
                                    "around the address space)");
        return 0;
}

static bool name_taken(const struct sf_ramdump_result *res, size_t upto, const char *name)
{
        for (size_t i = 0; i < upto; i++)
                if (strcasecmp(res->regions[i].file, name) == 0)
                        return true;
        return false;
}

/* One region's entry in the result: its file name, the table's when it is safe. */
static int name_region(struct dump *d, size_t i, const struct sf_sahara_debug_region *e,
                       struct sf_error *err)
{
        struct sf_ramdump_region *g = &d->res->regions[i];
        char shown[SF_SAHARA_DEBUG_NAME_LEN + 1];
        struct stat st;

        *g = (struct sf_ramdump_region){
                .save_pref = e->save_pref, .base = e->base, .length = e->length};
        printable(e->desc, g->description, sizeof(g->description));
        if (sf_ramdump_name_ok(e->filename) && !name_taken(d->res, i, e->filename))
                snprintf(g->file, sizeof(g->file), "%s", e->filename);
        else {
                snprintf(g->file, sizeof(g->file), "region%02zu.bin", i);
                g->renamed = true;
                if (name_taken(d->res, i, g->file))
                        return sf_error_set(err, -EPROTO, "the memory table names two regions %s",
                                            g->file);
                printable(e->filename, shown, sizeof(shown));
                say(d, SF_LOG_WARNING,
                    "region %zu: unsafe file name \"%s\" in the table, saved "
                    "as %s",
                    i, shown, g->file);
        }
        if (fstatat(d->dirfd, g->file, &st, AT_SYMLINK_NOFOLLOW) == 0)
                return sf_error_set(err, -EEXIST, "%s/%s exists already: dump into a new folder",
                                    d->o->out_dir, g->file);
        return 0;
}

/* All names, and the size: within max_bytes and the free space, before any region is read. */
static int plan(struct dump *d, const struct sf_sahara_debug_region *regs, size_t n,
                struct sf_error *err)
{
        struct statvfs vfs;
        struct stat st;
        int r;

        if (fstatat(d->dirfd, MANIFEST, &st, AT_SYMLINK_NOFOLLOW) == 0)
                return sf_error_set(err, -EEXIST, "%s already holds a dump: use a new folder",
                                    d->o->out_dir);
        d->total = 0;
        for (size_t i = 0; i < n; i++) {
                if ((r = name_region(d, i, &regs[i], err)) < 0)
                        return r;
                d->res->n_regions = i + 1;
                if (regs[i].length > d->max_bytes - d->total)
                        return sf_error_set(err, -EFBIG,
                                            "the dump would exceed the %" PRIu64
                                            "-byte limit at region %s (%" PRIu64
                                            " bytes): raise --max-bytes to collect it",
                                            d->max_bytes, d->res->regions[i].file, regs[i].length);
                d->total += regs[i].length;
        }
        if (fstatvfs(d->dirfd, &vfs) == 0 && vfs.f_bavail < UINT64_MAX / vfs.f_frsize &&
            (uint64_t)vfs.f_bavail * vfs.f_frsize < d->total)
                return sf_error_set(err, -ENOSPC,
                                    "%s has less free space than the %" PRIu64 " bytes of the dump",
                                    d->o->out_dir, d->total);
        return 0;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
        for (size_t i = 0; i < n; i++)
                snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static int write_all(int fd, const uint8_t *b, size_t n)
{
        while (n > 0) {
                ssize_t k = write(fd, b, n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return k < 0 ? -errno : -EIO;
                b += k;
                n -= (size_t)k;
        }
        return 0;
}

/* The region's bytes, chunk by chunk, into fd; its SHA-256 into md. */
static int copy_region(struct dump *d, struct sf_ramdump_region *g, int fd, uint8_t *buf,
                       uint8_t md[32], struct sf_error *err)
{
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        unsigned mdlen = 32;
        int r = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ? 0 : -ENOMEM;

        for (uint64_t off = 0; r == 0 && off < g->length;) {
                size_t n = g->length - off < SF_RAMDUMP_CHUNK ? (size_t)(g->length - off)
                                                              : SF_RAMDUMP_CHUNK;
                r = sf_sahara_memory_read(&d->h, d->ref.is_64, g->base + off, buf, n, err);
                if (r == 0 && (r = write_all(fd, buf, n)) < 0)
                        sf_error_set(err, r, "writing %s: %s", g->file, strerror(-r));
                if (r == 0)
                        EVP_DigestUpdate(ctx, buf, n);
                off += n;
                d->done += n;
                report(d, SF_PHASE_BACKUP);
        }
        if (r == 0)
                EVP_DigestFinal_ex(ctx, md, &mdlen);
        EVP_MD_CTX_free(ctx);
        return r;
}

static int dump_region(struct dump *d, size_t i, uint8_t *buf, struct sf_error *err)
{
        struct sf_ramdump_region *g = &d->res->regions[i];
        int fd = openat(d->dirfd, g->file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                        0600);
        uint8_t md[32];
        int r;

        if (fd < 0)
                return sf_error_set(err, -errno, "%s/%s: %s", d->o->out_dir, g->file,
                                    strerror(errno));
        d->item = g->file;
        r = copy_region(d, g, fd, buf, md, err);
        if (r == 0)
                r = sf_sahara_expect_silence(&d->h, SILENCE_MS, err);
        if (r == 0 && fsync(fd) < 0)
                r = sf_error_set(err, -errno, "%s: %s", g->file, strerror(errno));
        close(fd);
        if (r < 0) {
                /* Half a region would pass for the whole one: it goes. */
                unlinkat(d->dirfd, g->file, 0);
                return r;
        }
        hex(md, 32, g->sha256);
        g->written = true;
        d->res->bytes += g->length;
        say(d, SF_LOG_INFO, "%s: %" PRIu64 " bytes at 0x%" PRIx64 " (%s)", g->file, g->length,
            g->base, g->description);
        return 0;
}

static bool names_log(const struct sf_ramdump_region *g)
{
        return strcasestr(g->description, "log") || strcasestr(g->file, "log");
}

/* Read back at most size bytes of a region file. */
static ssize_t read_back(int dirfd, const char *name, uint8_t *buf, size_t size)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        size_t got = 0;
        ssize_t k = 0;

        while (fd >= 0 && got < size && (k = read(fd, buf + got, size - got)) > 0)
                got += (size_t)k;
        return fd < 0 || k < 0 ? -1 : (ssize_t)got;
}

/* The crashed firmware's last words: a region named as a log that holds text. */
static void find_log(struct dump *d)
{
        _cleanup_free_ uint8_t *buf = malloc(LOG_SCAN_MAX);

        for (size_t i = 0; buf && i < d->res->n_regions; i++) {
                const struct sf_ramdump_region *g = &d->res->regions[i];
                ssize_t n;
                if (!g->written || !names_log(g) || g->length > LOG_SCAN_MAX)
                        continue;
                n = read_back(d->dirfd, g->file, buf, (size_t)g->length);
                if (n > 0 && sf_ramdump_log_tail(buf, (size_t)n, SF_RAMDUMP_LOG_TAIL_LINES,
                                                 d->res->log_tail, sizeof(d->res->log_tail))) {
                        d->res->log_region = (int)i;
                        return;
                }
        }
}

bool sf_ramdump_log_tail(const uint8_t *buf, size_t len, unsigned lines, char *out, size_t size)
{
        size_t end = 0, bad = 0, start, o = 0;

        while (end < len && buf[end])
                end++;
        for (size_t i = 0; i < end; i++)
                bad += !(buf[i] >= 0x20 && buf[i] < 0x7f) && buf[i] != '\n' && buf[i] != '\r' &&
                       buf[i] != '\t';
        if (end == 0 || bad > end / 20 || size == 0)
                return false;
        while (end > 0 && (buf[end - 1] == '\n' || buf[end - 1] == '\r' || buf[end - 1] == ' '))
                end--;
        start = end;
        for (unsigned seen = 0; start > 0; start--)
                if (buf[start - 1] == '\n' && ++seen == lines)
                        break;
        if (end - start > size - 1)
                start = end - (size - 1);
        for (size_t i = start; i < end; i++)
                if (buf[i] != '\r')
                        out[o++] = buf[i] == '\n' || (buf[i] >= 0x20 && buf[i] < 0x7f)
                                           ? (char)buf[i]
                                   : buf[i] == '\t' ? ' '
                                                    : '?';
        out[o] = '\0';
        return end > 0;
}

static void manifest_body(struct dump *d, FILE *f)
{
        const struct sf_ramdump_result *res = d->res;
        bool first = true;

        fprintf(f,
                "{\n  \"format\": 1,\n  \"kind\": \"sahara-memory-debug\",\n"
                "  \"sahara_version\": %u,\n  \"table\": \"%s\",\n  \"complete\": %s,\n"
                "  \"regions\": [",
                res->sahara_version, res->table_64 ? "64-bit" : "32-bit",
                res->complete ? "true" : "false");
        for (size_t i = 0; i < res->n_regions; i++) {
                const struct sf_ramdump_region *g = &res->regions[i];
                if (!g->written)
                        continue;
                fprintf(f,
                        "%s\n    {\"file\": \"%s\", \"description\": \"%s\", \"base\": \"0x%" PRIx64
                        "\", \"length\": %" PRIu64 ", \"save_pref\": %" PRIu64
                        ", \"renamed\": %s, \"sha256\": \"%s\"}",
                        first ? "" : ",", g->file, g->description, g->base, g->length, g->save_pref,
                        g->renamed ? "true" : "false", g->sha256);
                first = false;
        }
        fprintf(f, "\n  ],\n  \"crash_log\": ");
        if (res->log_region >= 0)
                fprintf(f, "\"%s\"\n}\n", res->regions[res->log_region].file);
        else
                fprintf(f, "null\n}\n");
}

/* manifest.json, written whole and fsynced under another name, then renamed into place. */
static int write_manifest(struct dump *d, struct sf_error *err)
{
        static const char tmp[] = MANIFEST ".partial";
        int fd = openat(d->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
        int r;

        if (!f) {
                if (fd >= 0)
                        close(fd);
                return sf_error_set(err, -EIO, "%s/%s: cannot be written", d->o->out_dir, tmp);
        }
        manifest_body(d, f);
        r = fflush(f) == 0 && !ferror(f) && fsync(fd) == 0 ? 0 : -EIO;
        fclose(f);
        if (r == 0 && renameat(d->dirfd, tmp, d->dirfd, MANIFEST) < 0)
                r = -errno;
        if (r == 0)
                fsync(d->dirfd); /* the directory entries too */
        return r < 0 ? sf_error_set(err, r, "%s/%s: %s", d->o->out_dir, MANIFEST, strerror(-r)) : 0;
}

static int dump_all(struct dump *d, struct sf_error *err)
{
        struct sf_sahara_debug_region *regs = calloc(SF_RAMDUMP_MAX_REGIONS, sizeof(*regs));
        _cleanup_free_ uint8_t *buf = malloc(SF_RAMDUMP_CHUNK);
        size_t n = 0;
        int r = regs && buf ? 0 : -ENOMEM;

        if (r == 0)
                r = read_table(d, regs, &n, err);
        if (r == 0)
                r = plan(d, regs, n, err);
        free(regs);
        if (r < 0)
                return r;
        say(d, SF_LOG_INFO, "%zu region(s), %" PRIu64 " bytes, %s table", n, d->total,
            d->ref.is_64 ? "64-bit" : "32-bit");
        report(d, SF_PHASE_BACKUP);
        for (size_t i = 0; r == 0 && i < n; i++)
                r = dump_region(d, i, buf, err);
        d->res->complete = r == 0;
        find_log(d);
        /* Even after a failure: what was collected is listed with its digests. */
        if (write_manifest(d, r == 0 ? err : NULL) < 0 && r == 0)
                r = -EIO;
        d->res->complete = r == 0;
        return r;
}

int sf_ramdump_collect(struct sf_transport *t, const struct sf_ramdump_options *o,
                       struct sf_ramdump_result *res, struct sf_error *err)
{
        struct dump d = {.o = o, .res = res, .dirfd = -1};
        struct sf_error rerr = {0};
        int r;

        if (!t || !o || !res || !o->out_dir || !o->out_dir[0])
                return -EINVAL;
        d.max_bytes = o->max_bytes ? o->max_bytes : SF_RAMDUMP_DEFAULT_MAX_BYTES;
        sf_sahara_host_init(&d.h, t);
        report(&d, SF_PHASE_IDENTIFY);
        r = sf_sahara_memory_debug(&d.h, &d.ref, err);
        if (r < 0)
                return r;
        res->sahara_version = d.h.hello.u.hello.version;
        res->table_64 = d.ref.is_64;
        r = open_dir(&d, err);
        if (r == 0)
                r = dump_all(&d, err);
        if (d.dirfd >= 0)
                close(d.dirfd);
        if (r < 0)
                return r; /* no RESET: the RAM stays there for another attempt */
        d.item = NULL;
        report(&d, SF_PHASE_RESET);
        if (sf_sahara_reset(&d.h, &rerr) == 0)
                res->reset = true;
        else
                say(&d, SF_LOG_WARNING, "the dump is complete, but %s", rerr.message);
        report(&d, SF_PHASE_DONE);
        return 0;
}
