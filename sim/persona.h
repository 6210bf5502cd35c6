/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A simulated module's hardware: chip fuses, flash geometry, USB identities, programmer limits. */
#ifndef SIM_PERSONA_H
#define SIM_PERSONA_H

#include <stdint.h>

#include "chip.h"
#include "firehose_dev.h"

struct sim_persona {
        const char *name;        /* "ec25e" */
        const char *description; /* "Quectel EC25-E (MDM9207, 512 MiB NAND)" */
        const char *hw_prefix;   /* the version prefix the hardware takes: "EC25EFA" */
        const char *memory_code; /* "M4G" */
        struct sim_chip chip;
        uint32_t page_size, pages_per_block;
        uint64_t num_pages;
        struct sim_firehose_config firehose;
        uint16_t normal_vid, normal_pid, normal_bcd;
        unsigned board_generation;   /* which bootloaders can bring this board up (image.h) */
        const char *imei;            /* written to EFS at the factory */
        const char *factory_version; /* the firmware a new module ships with */
        const char *model;           /* ATI line 2 / AT+CGMM: "EC25" */
};

/* The persona of that name, or NULL. */
const struct sim_persona *sim_persona_find(const char *name);
/* Every persona, NULL-terminated. */
const struct sim_persona *const *sim_persona_all(void);

#endif
