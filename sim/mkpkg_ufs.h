/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The SDX55 UFS package writer (mkpkg_ufs.c): one rawprogram/patch pair per LUN (mkpkg.h). */
#ifndef SIM_MKPKG_UFS_H
#define SIM_MKPKG_UFS_H

#include "mkpkg_options.h"
#include "safeflash/common.h"

/* The SDX55 UFS package; sim_mkpkg() calls it for RM500Q-class versions. */
int sim_mkpkg_ufs(const struct sim_mkpkg_options *o, struct sf_error *err);

#endif
