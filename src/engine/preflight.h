/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The package as the engine takes it: opened, parsed and verified once, before the module is
 * touched (preflight.c; sf_flash_package_open() is public). Internal. */
#ifndef SF_ENGINE_PREFLIGHT_H
#define SF_ENGINE_PREFLIGHT_H

#include "package/layout.h"
#include "safeflash/flash.h"

const struct sf_layout *sf_flash_package_layout(const sf_flash_package *p);
/* The size of the device-unique partitions by the package's own partition table (NAND: EFS2
 * in its MIBIB), 0 when it has none: what a backup will take on disk. */
uint64_t sf_flash_package_efs_bytes(const sf_flash_package *p);
/* -EACCES, -ENODATA… from the package reader as -EBADMSG (an invalid package, exit 2). */
int sf_preflight_package_error(int r);

#endif
