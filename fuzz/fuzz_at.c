/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* AT reply parser and the field parsers, on whatever a port may send. */
#include <string.h>

#include "fuzz.h"
#include "proto/at.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct sf_at_response r;
        char model[32], rev[64], imei[16];

        if (sf_at_parse_response((const char *)data, size, "AT+QGMR", &r) == 0) {
                sf_at_parse_ati(&r, model, sizeof(model), rev, sizeof(rev));
                sf_at_parse_secboot(&r);
                for (unsigned i = 0; i < r.n_lines; i++)
                        sf_at_parse_imei(r.lines[i], imei);
        }
        return 0;
}
