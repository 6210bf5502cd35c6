/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Package metadata XML (LVFS metainfo) through the guarded expat, then its requirements. */
#include <string.h>

#include "fuzz.h"
#include "package/package-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct sf_error err = {0};
        struct sf_version v, from;
        sf_requirements *reqs = NULL;
        sf_report *rep = NULL;
        bool has = false;

        if (sf_requirements_new(&reqs) < 0)
                return 0;
        if (sf_metainfo_parse("fuzz.metainfo.xml", (const char *)data, size, &v, &has, reqs,
                              &err) == 0 &&
            has) {
                sf_version_parse("EC25EFAR06A17M4G_20.200.20.200", &from);
                if (sf_policy_evaluate(&from, &v, NULL, reqs, 0, &rep) == 0)
                        sf_report_free(rep);
        }
        sf_requirements_free(reqs);
        return 0;
}
