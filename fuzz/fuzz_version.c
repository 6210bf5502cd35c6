/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Version parser and policy: the input is "FROM\nTO"; both are parsed and evaluated. */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "safeflash/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char buf[2 * (SF_VERSION_MAX_LEN + 1) + 2];
        struct sf_version from, to;
        sf_report *rep = NULL;
        char *nl;

        if (size >= sizeof(buf))
                return 0;
        memcpy(buf, data, size);
        buf[size] = '\0';
        nl = strchr(buf, '\n');
        if (nl)
                *nl = '\0';
        if (sf_version_parse(buf, &from) == -ENAMETOOLONG)
                return 0;
        if (sf_version_parse(nl ? nl + 1 : buf, &to) == -ENAMETOOLONG)
                return 0;
        if (sf_policy_evaluate(&from, &to, NULL, NULL, 0, &rep) == 0) {
                for (size_t i = 0; i < sf_report_count(rep); i++)
                        (void)strlen(sf_report_get(rep, i)->message);
                sf_report_free(rep);
        }
        return 0;
}
