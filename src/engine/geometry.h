/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every line of the package inside the module's storage (geometry.c). Internal. */
#ifndef SF_ENGINE_GEOMETRY_H
#define SF_ENGINE_GEOMETRY_H

#include "engine/job.h"

/* Before the first write: -EPERM naming the first line past the end of its LUN (its size from
 * the programmer's getstorageinfo; a LUN whose size the programmer does not tell is not
 * checked, with a warning). */
int sf_geometry_check(struct sf_job *j, struct sf_error *err);
/* Before the first write: every NAND image fits its partition's good blocks (the bad blocks the
 * programmer listed, bad_blocks.c), or -EPERM naming the first that does not (nothing written).
 * Unknown bad blocks: a warning, not checked. */
int sf_job_check_good_blocks(struct sf_job *j, struct sf_error *err);

#endif
