/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Rules-file parser, then the parsed rules applied to the user story's versions. */
#include <string.h>

#include "fuzz.h"
#include "safeflash/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct sf_error err = {0};
        struct sf_version from, to;
        sf_rules *rules = NULL;
        sf_report *rep = NULL;

        if (sf_rules_new(&rules) < 0)
                return 0;
        if (sf_rules_load_buffer(rules, "fuzz.rules", (const char *)data, size, &err) == 0) {
                sf_version_parse("EC25EFAR06A17M4G_20.200.20.200", &from);
                sf_version_parse("EC25EFAR08A01M4G_01.001.01.001", &to);
                if (sf_policy_evaluate(&from, &to, rules, NULL, 0, &rep) == 0)
                        sf_report_free(rep);
        }
        sf_rules_free(rules);
        return 0;
}
