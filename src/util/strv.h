/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Growable arrays with a cap, and the vector of strings built on them. */
#ifndef SF_UTIL_STRV_H
#define SF_UTIL_STRV_H

#include <stddef.h>

struct sf_strv {
        char **v;
        size_t n, cap;
};

/* Grow *array (of n elements of size) so that one more fits; at most max elements: -E2BIG. */
int sf_grow(void *array, size_t *cap, size_t n, size_t size, size_t max);

void sf_strv_done(struct sf_strv *s);
/* Append a copy of str; at most max strings (-E2BIG). */
int sf_strv_push(struct sf_strv *s, const char *str, size_t max);
/* In strcmp order. */
void sf_strv_sort(struct sf_strv *s);
/* "a, b, c" into buf, cut short when it does not fit. */
const char *sf_strv_join(const struct sf_strv *s, char *buf, size_t size);

#endif
