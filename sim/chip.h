/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The simulated chip's fused identity, as its boot ROM reports and enforces it. */
#ifndef SIM_CHIP_H
#define SIM_CHIP_H

#include <stdbool.h>
#include <stdint.h>

struct sim_chip {
        uint32_t serial;
        uint32_t msm_id; /* e.g. 0x000480E1, MDM9207 */
        uint16_t oem_id;
        uint16_t model_id;
        uint8_t pk_hash[32]; /* SHA-256 of the OEM root certificate */
        uint32_t sbl_version;
        bool secure_boot;        /* fused: only programmers signed by pk_hash run */
        uint32_t sahara_version; /* 2 or 3 */
        bool read_data_64;       /* pull with READ_DATA_64 instead of READ_DATA */
        uint32_t max_chunk;      /* largest READ_DATA length (4096 on MDM9x07) */
        bool memory_debug;       /* a crashed chip (05c6:900e): HELLO mode 2 */
        bool done_pending;       /* DONE_RESP 0 (pending) after the programmer (quirks.h) */
        bool no_command_mode;    /* refuses HELLO_RESP mode 3 (quirks.h) */
};

#endif
