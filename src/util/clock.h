/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one clock the library measures waits and deadlines with. */
#ifndef SF_UTIL_CLOCK_H
#define SF_UTIL_CLOCK_H

#include <time.h>

/* Milliseconds of CLOCK_MONOTONIC: deadlines that a change of the wall clock cannot move. */
static inline long long sf_now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
