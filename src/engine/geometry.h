/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every line of the package inside the module's storage (geometry.c). Internal. */
#ifndef SF_ENGINE_GEOMETRY_H
#define SF_ENGINE_GEOMETRY_H

#include "engine/job.h"

/* Before the first write: -EPERM naming the first line past the end of its LUN (its size from
 * the programmer's getstorageinfo; a LUN whose size the programmer does not tell is not
 * checked, with a warning). */
int sf_geometry_check(struct sf_job *j, struct sf_error *err);

#endif
