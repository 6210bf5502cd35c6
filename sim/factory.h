/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The factory: puts a new module's firmware on its flash, and writes its EFS (IMEI and RF
 * calibration, unique to the module and in no package). */
#ifndef SIM_FACTORY_H
#define SIM_FACTORY_H

#include <stdbool.h>

#include "flash.h"
#include "persona.h"
#include "safeflash/common.h"

/* Install `version` (the persona's factory firmware when NULL) the way the factory does: every
 * image at its partition, the partition table, and a fresh EFS. small picks the package
 * generator's small image sizes (fast tests) instead of realistic ones. */
int sim_factory_install(struct sim_flash *f, const struct sim_persona *p, const char *version,
                        bool small, const char *workdir, struct sf_error *err);

/* Is there anything on this flash yet (a header at page 0)? */
bool sim_flash_is_blank(struct sim_flash *f);

#endif
