/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"
#include "safeflash/common.h"

const char *sf_library_version(void)
{
        return SF_VERSION;
}
