/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The programmer check: its ELF headers, program headers, MBN hash segment and X.509 certificate
 * chain, from a file a package ships; then the check against a chip, fused and unfused. */
#include <string.h>

#include "fuzz.h"
#include "package/programmer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct sf_programmer_info p;
        struct sf_chip_identity chip = {.has_hwid = true, .msm_id = 0x000480E1, .oem_id = 0x0000,
                                        .model_id = 0x0000, .pk_hash_len = 32};

        if (sf_programmer_inspect("fuzz.mbn", data, size, &p, NULL) < 0)
                return 0;
        (void)sf_programmer_check(&p, &chip, false, NULL);
        memset(chip.pk_hash, 0xA5, sizeof(chip.pk_hash));
        (void)sf_programmer_check(&p, &chip, true, NULL);
        return 0;
}
