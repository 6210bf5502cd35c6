/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Growable arrays with a cap, and the vector of strings built on them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strv.h"

int sf_grow(void *array, size_t *cap, size_t n, size_t size, size_t max)
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

void sf_strv_done(struct sf_strv *s)
{
        for (size_t i = 0; i < s->n; i++)
                free(s->v[i]);
        free(s->v);
        *s = (struct sf_strv){0};
}

int sf_strv_push(struct sf_strv *s, const char *str, size_t max)
{
        char *c;
        int r;

        r = sf_grow(&s->v, &s->cap, s->n, sizeof(*s->v), max);
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

void sf_strv_sort(struct sf_strv *s)
{
        if (s->n > 1)
                qsort(s->v, s->n, sizeof(char *), cmp_str);
}

const char *sf_strv_join(const struct sf_strv *s, char *buf, size_t size)
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
