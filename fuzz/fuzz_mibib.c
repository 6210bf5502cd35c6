/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The NAND partition table parser, on flash contents a device may return. */
#include "fuzz.h"
#include "proto/mibib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct sf_mibib m;

        for (size_t page = 512; page <= 4096; page *= 2)
                if (sf_mibib_parse(data, size, page, &m) == 0)
                        (void)sf_mibib_find(&m, "EFS2");
        return 0;
}
