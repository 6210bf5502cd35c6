/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Figures from the project's reference notes: EC25-E identity (MDM9207, MSM_ID 0x000480E1,
 * secure boot off, PK hash of the unfused part), NAND 4 KiB pages, 64 pages per block, 2048
 * blocks; Quectel NAND programmers accept 8 KiB payloads. */
#include <string.h>

#include "persona.h"

/* The EC25-E's reported OEM PK hash (secure boot disabled), from the reference. */
#define EC25E_PK_HASH                                                                              \
        {                                                                                          \
                0xcc, 0x31, 0x53, 0xa8, 0x02, 0x93, 0x93, 0x9b, 0x90, 0xd0, 0x2d, 0x3b, 0xf8,      \
                        0xb2, 0x3e, 0x02, 0x92, 0xe4, 0x52, 0xfe, 0xf6, 0x62, 0xc7, 0x49, 0x98,    \
                        0x42, 0x1a, 0xda, 0xd4, 0x2a, 0x38, 0x0f                                   \
        }

static const struct sim_persona ec25e = {
        .name = "ec25e",
        .description = "Quectel EC25-E (MDM9207, 512 MiB NAND, secure boot off)",
        .hw_prefix = "EC25EFA",
        .memory_code = "M4G",
        .chip = {.serial = 0x0cf94c64,
                 .msm_id = 0x000480E1,
                 .oem_id = 0,
                 .model_id = 0,
                 .pk_hash = EC25E_PK_HASH,
                 .sbl_version = 0x00000001,
                 .secure_boot = false,
                 .sahara_version = 2,
                 .read_data_64 = false,
                 .max_chunk = 4096},
        .page_size = 4096,
        .pages_per_block = 64,
        .num_pages = 2048 * 64,
        .firehose = {.memory_name = "nand",
                     .max_payload_to_target = 8192,
                     .max_payload_from_target = 8192,
                     .target_name = "9x07",
                     .chip_serial = 0x0cf94c64},
        .normal_vid = 0x2c7c,
        .normal_pid = 0x0125,
        .normal_bcd = 0x0318,
        .board_generation = 1,
        .imei = "866758043398336",
        .factory_version = "EC25EFAR06A17M4G_20.200.20.200",
        .model = "EC25",
};

static const struct sim_persona eg25g = {
        .name = "eg25g",
        .description = "Quectel EG25-G (MDM9207, 256 MiB NAND, secure boot on)",
        .hw_prefix = "EG25GGB",
        .memory_code = "M2G",
        .chip = {.serial = 0x1a2b3c4d,
                 .msm_id = 0x000480E1,
                 .oem_id = 0,
                 .model_id = 0,
                 .sbl_version = 0x00000002,
                 .secure_boot = true,
                 .sahara_version = 2,
                 .max_chunk = 4096},
        .page_size = 4096,
        .pages_per_block = 64,
        .num_pages = 1024 * 64,
        .firehose = {.memory_name = "nand",
                     .max_payload_to_target = 8192,
                     .max_payload_from_target = 8192,
                     .target_name = "9x07",
                     .chip_serial = 0x1a2b3c4d},
        .normal_vid = 0x2c7c,
        .normal_pid = 0x0125,
        .normal_bcd = 0x0318,
        .board_generation = 2,
        .imei = "867698041234561",
        .factory_version = "EG25GGBR07A08M2G_01.003.01.003",
        .model = "EG25",
};

static const struct sim_persona *const all[] = {&ec25e, &eg25g, NULL};

const struct sim_persona *sim_persona_find(const char *name)
{
        for (size_t i = 0; all[i]; i++)
                if (strcmp(all[i]->name, name) == 0)
                        return all[i];
        return NULL;
}

const struct sim_persona *const *sim_persona_all(void)
{
        return all;
}
