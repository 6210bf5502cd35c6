/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The GPT parser, on sectors a device may return: a header sector, then the entry array. */
#include "fuzz.h"
#include "proto/gpt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        for (size_t ss = 512; ss <= 4096; ss *= 8) {
                struct sf_gpt_header h;
                uint64_t first, last;
                if (size < ss || sf_gpt_parse_header(data, ss, &h) < 0)
                        continue;
                (void)sf_gpt_array_bytes(&h, ss);
                (void)sf_gpt_find(&h, data + ss, size - ss, "modemst1", &first, &last);
                (void)sf_gpt_find_template(&h, data + ss, size - ss, "system", &first, &last);
        }
        return 0;
}
