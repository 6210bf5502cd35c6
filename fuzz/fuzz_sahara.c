/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Sahara packet parser, and build(parse(x)) == x for every packet it accepts. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "proto/sahara.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct sf_sahara_packet p;
        uint8_t out[SF_SAHARA_MAX_PACKET];
        int n;

        if (sf_sahara_parse(data, size, &p) < 0)
                return 0;
        n = sf_sahara_build(&p, out, sizeof(out));
        if (n != (int)size || memcmp(out, data, size) != 0)
                abort(); /* a packet that does not survive a round trip */
        (void)sf_sahara_cmd_to_string(p.cmd);
        return 0;
}
