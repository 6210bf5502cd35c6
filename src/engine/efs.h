/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The module's device-unique partitions (IMEI, RF calibration) kept safe around a flash:
 * located, guarded, backed up, restored (efs.c). Internal. */
#ifndef SF_ENGINE_EFS_H
#define SF_ENGINE_EFS_H

#include "engine/job.h"

int sf_efs_locate(struct sf_job *j, struct sf_error *err);
int sf_efs_guard(struct sf_job *j, struct sf_error *err);
int sf_efs_check_layout(struct sf_job *j, struct sf_error *err);
int sf_efs_backup(struct sf_job *j, struct sf_error *err);
int sf_efs_restore(struct sf_job *j, struct sf_error *err);

#endif
