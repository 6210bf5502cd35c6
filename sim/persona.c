/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Figures from the project's reference notes: EC25-E identity (MDM9207, MSM_ID 0x000480E1,
 * secure boot off, PK hash of the unfused part), NAND 4 KiB pages, 64 pages per block, 2048
 * blocks; Quectel NAND programmers accept 8 KiB payloads. The RM500Q-GL: SDX55, 2c7c:0800 with
 * the EC25's port layout, Sahara v3, UFS with 4096-byte sectors and 1 MiB Firehose payloads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "persona.h"
#include "quirks.h"

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
        .imei = "866758043398334",
        .factory_version = "EC25EFAR06A17M4G_20.200.20.200",
        .model = "EC25",
        .usb_product = "EG25-G/EC25",
        /* Its NAND programmer has no getsha256digest (issue 10's report; qdl keeps its digest
         * compare away from NAND); programmers start about 1 s after DONE_RESP (protocols.md
         * 3.4); the firmware's URCs come between answers (quectel.md 6). */
        .quirks = SIM_QUIRK_NO_DIGEST | SIM_QUIRK_SLOW_START | SIM_QUIRK_URC_CHATTER,
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
        .usb_product = "EG25-G/EC25",
        /* The EC25-E's: the same MDM9207 NAND programmer and firmware family. */
        .quirks = SIM_QUIRK_NO_DIGEST | SIM_QUIRK_SLOW_START | SIM_QUIRK_URC_CHATTER,
};

/* The real RM500Q keeps its firmware on NAND; this persona gives the same module UFS storage so
 * that the flasher is proven on a GPT/LUN device too. */
static const struct sim_persona rm500q = {
        .name = "rm500q",
        .description = "Quectel RM500Q-GL (SDX55, UFS, secure boot off)",
        .hw_prefix = "RM500QGLAB",
        .memory_code = "M4G",
        .chip = {.serial = 0x5d2e8a17,
                 /* SDX55: the reference gives no MSM_ID for it; 0x000C30E1 is an assumption. */
                 .msm_id = 0x000C30E1,
                 .oem_id = 0,
                 .model_id = 0,
                 /* No PK hash is known for an unfused SDX55; all zero reads as unfused. */
                 .sbl_version = 0x00000003,
                 .secure_boot = false,
                 .sahara_version = 3,
                 .read_data_64 = true,
                 .max_chunk = 1024 * 1024},
        .storage = SIM_STORAGE_UFS,
        .page_size = 4096,
        .pages_per_block = 1,
        /* system, boot LU A (xbl), boot LU B, misc, firmware, EFS: 1 GiB + 8 + 8 + 8 MiB +
         * 256 MiB + 16 MiB */
        .n_luns = 6,
        .lun_sectors = {262144, 2048, 2048, 2048, 65536, 4096},
        .boot_lun = 1,
        .firehose = {.memory_name = "ufs",
                     .max_payload_to_target = 1024 * 1024,
                     /* No figure in the reference for reads; 16 KiB is an assumption (and the
                      * simulator's tunnel carries at most 64 KiB per IN transfer). */
                     .max_payload_from_target = 16384,
                     .target_name = "SDX55",
                     .chip_serial = 0x5d2e8a17},
        .normal_vid = 0x2c7c,
        .normal_pid = 0x0800,
        .normal_bcd = 0x0414, /* not in the reference: an assumption */
        .board_generation = 2,
        .imei = "864541041234566",
        .factory_version = "RM500QGLABR11A06M4G_01.001.01.001",
        .model = "RM500Q-GL",
        .usb_product = "RM500Q-GL",
        /* SDX55 boot ROMs speak Sahara v3 (protocols.md 2.6); the RM520N-GL's boot ROM
         * answers DONE with "pending" (fwupd PR #10582), taken for its SDX55 kin too; programmer
         * start-up and URCs as every module's. Its programmer has getsha256digest (an SDX55
         * banner in bkerler/edl issue #408 lists it). */
        .quirks = SIM_QUIRK_SAHARA_V3 | SIM_QUIRK_DONE_PENDING | SIM_QUIRK_SLOW_START |
                  SIM_QUIRK_URC_CHATTER,
};

static const struct sim_persona *const all[] = {&ec25e, &eg25g, &rm500q, NULL};

const char *sim_storage_to_string(enum sim_storage s)
{
        switch (s) {
        case SIM_STORAGE_NAND:
                return "nand";
        case SIM_STORAGE_UFS:
                return "ufs";
        }
        return "invalid";
}

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

/* The Luhn check digit of 14 digits. */
static int luhn_digit(const char *digits)
{
        int sum = 0;

        for (int i = 0; i < 14; i++) {
                int d = (digits[i] - '0') * (i % 2 ? 2 : 1);
                sum += d > 9 ? d - 9 : d;
        }
        return (10 - sum % 10) % 10;
}

bool sim_imei_valid(const char *imei)
{
        if (!imei || strlen(imei) != 15)
                return false;
        for (int i = 0; i < 15; i++)
                if (imei[i] < '0' || imei[i] > '9')
                        return false;
        return imei[14] - '0' == luhn_digit(imei);
}

uint32_t sim_chip_serial_for_port(const struct sim_persona *p, unsigned port)
{
        return p->chip.serial + (uint32_t)(port - 1) * 0x00010001u;
}

void sim_imei_for_port(const struct sim_persona *p, unsigned port, char imei_out[16])
{
        unsigned long snr = strtoul(p->imei + 8, NULL, 10) / 10; /* digits 9-14, not the check */

        snr = (snr + port - 1) % 1000000;
        snprintf(imei_out, 16, "%.8s%06lu0", p->imei, snr);
        imei_out[14] = (char)('0' + luhn_digit(imei_out));
}

void sim_persona_with_identity(const struct sim_persona *p, uint32_t chip_serial, const char *imei,
                               struct sim_persona *ret)
{
        *ret = *p;
        ret->chip.serial = chip_serial;
        ret->firehose.chip_serial = chip_serial;
        ret->imei = imei;
}
