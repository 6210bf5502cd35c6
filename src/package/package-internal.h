/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef SF_PACKAGE_INTERNAL_H
#define SF_PACKAGE_INTERNAL_H

#include <stdbool.h>

#include "safeflash/package.h"

/* Parse LVFS metainfo: the first <release version> into *ret_version (*ret_has_version says
 * whether there was one) and every <requires> child into reqs. */
int sf_metainfo_parse(const char *name, const char *buf, size_t len, struct sf_version *ret_version,
                      bool *ret_has_version, sf_requirements *reqs, struct sf_error *err);

#endif
