// SPDX-License-Identifier: LGPL-2.1-or-later
/* A backup's manifest.json read back: the chip serial and each partition's place, file and
 * SHA-256, from the fields efs.c writes, bounded by the document's end. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/manifest.h"

/* The value after "key": within [p, end). */
static const char *value_of(const char *p, const char *end, const char *key)
{
        char pat[48];
        size_t len = (size_t)snprintf(pat, sizeof(pat), "\"%s\":", key);
        const char *v = memmem(p, (size_t)(end - p), pat, len);

        if (!v)
                return NULL;
        for (v += len; v < end && *v == ' '; v++)
                ;
        return v < end ? v : NULL;
}

static int get_u64(const char *p, const char *end, const char *key, uint64_t *ret)
{
        const char *v = value_of(p, end, key);
        char *stop;

        if (!v)
                return -EBADMSG;
        if (*v == '"')
                v++;
        if (v >= end || *v < '0' || *v > '9') /* strtoull would take spaces and a sign */
                return -EBADMSG;
        errno = 0;
        *ret = strtoull(v, &stop, 0);
        return stop == v || stop > end || errno ? -EBADMSG : 0;
}

static int get_str(const char *p, const char *end, const char *key, char *out, size_t size)
{
        const char *v = value_of(p, end, key), *q;

        if (!v || *v != '"')
                return -EBADMSG;
        q = memchr(v + 1, '"', (size_t)(end - v - 1));
        if (!q || (size_t)(q - v - 1) >= size)
                return -EBADMSG;
        memcpy(out, v + 1, (size_t)(q - v - 1));
        out[q - v - 1] = '\0';
        return 0;
}

/* One {"name": …} object of the partitions array, between p and its closing brace. */
static int parse_part(const char *p, const char *end, struct sf_manifest_part *m)
{
        if (get_str(p, end, "name", m->name, sizeof(m->name)) < 0 ||
            get_str(p, end, "file", m->file, sizeof(m->file)) < 0 ||
            get_str(p, end, "sha256", m->sha256, sizeof(m->sha256)) < 0 ||
            get_u64(p, end, "lun", &m->lun) < 0 || get_u64(p, end, "start", &m->start) < 0 ||
            get_u64(p, end, "count", &m->count) < 0 ||
            get_u64(p, end, "sector_size", &m->sector_size) < 0)
                return -EBADMSG;
        if (strspn(m->sha256, "0123456789abcdef") != 64 || strchr(m->file, '/') ||
            m->file[0] == '.' || !m->count || !m->sector_size || m->sector_size > 65536 ||
            m->count > UINT64_MAX / m->sector_size)
                return -EBADMSG;
        return 0;
}

int sf_manifest_parse(const char *doc, size_t len, struct sf_manifest *m)
{
        const char *p, *end = doc + len;

        *m = (struct sf_manifest){0};
        if (get_u64(doc, end, "chip_serial", &m->chip_serial) < 0)
                return -ENOKEY;
        for (p = strstr(doc, "{\"name\":"); p; p = strstr(p + 1, "{\"name\":")) {
                const char *close = memchr(p, '}', (size_t)(end - p));
                if (m->n == SF_EFS_MAX_REGIONS || !close ||
                    parse_part(p, close, &m->part[m->n]) < 0)
                        return -EBADMSG;
                m->n++;
        }
        return m->n ? 0 : -ENOENT;
}
