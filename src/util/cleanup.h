/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Scope-bound release of resources: __attribute__((cleanup)) helpers. */
#ifndef SF_UTIL_CLEANUP_H
#define SF_UTIL_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <dirent.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void *sf_take_ptr_impl(void *pp)
{
        void **p = pp;
        void *v = *p;
        *p = NULL;
        return v;
}
/* Hand a pointer over to someone else: the cleanup of the variable then sees NULL. */
#define TAKE_PTR(p) ((__typeof__(p))sf_take_ptr_impl(&(p)))

static inline void sf_freep(void *p)
{
        free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(sf_freep)

static inline void sf_fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(sf_fclosep)

static inline void sf_closep(int *fd)
{
        if (*fd >= 0)
                close(*fd);
}
#define _cleanup_close_ _cleanup_(sf_closep)

static inline void sf_closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}
#define _cleanup_closedir_ _cleanup_(sf_closedirp)

/* Declare a cleanup helper for a type whose destructor takes a pointer and accepts NULL. */
#define SF_DEFINE_CLEANUP(type, func)                                                              \
        static inline void func##p(type **p)                                                       \
        {                                                                                          \
                func(*p);                                                                          \
        }

#endif
