/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A simulated module's hardware: chip fuses, flash geometry, USB identities, programmer limits. */
#ifndef SIM_PERSONA_H
#define SIM_PERSONA_H

#include <stdint.h>

#include "chip.h"
#include "firehose_dev.h"
#include "flash.h"

enum sim_storage {
        SIM_STORAGE_NAND = 0, /* MIBIB at page 640, SBL at page 0 */
        SIM_STORAGE_UFS,      /* LUNs with a GPT each; the boot LUN holds xbl */
};

const char *sim_storage_to_string(enum sim_storage s);

struct sim_persona {
        const char *name;        /* "ec25e" */
        const char *description; /* "Quectel EC25-E (MDM9207, 512 MiB NAND)" */
        const char *hw_prefix;   /* the version prefix the hardware takes: "EC25EFA" */
        const char *memory_code; /* "M4G" */
        struct sim_chip chip;
        enum sim_storage storage;
        uint32_t page_size, pages_per_block; /* NAND pages; UFS sectors (pages_per_block 1) */
        uint64_t num_pages;                  /* NAND only */
        unsigned n_luns;                     /* UFS only: its LUNs and their sizes in sectors */
        uint64_t lun_sectors[SIM_FLASH_MAX_LUNS];
        uint32_t boot_lun; /* UFS: the bBootLunEn the factory sets (the LUN holding xbl) */
        struct sim_firehose_config firehose;
        uint16_t normal_vid, normal_pid, normal_bcd;
        unsigned board_generation;   /* which bootloaders can bring this board up (image.h) */
        const char *imei;            /* written to EFS at the factory */
        const char *factory_version; /* the firmware a new module ships with */
        const char *model;           /* ATI line 2 / AT+CGMM: "EC25" */
        const char *usb_product;     /* iProduct in normal mode */
};

/* The persona of that name, or NULL. */
const struct sim_persona *sim_persona_find(const char *name);
/* Every persona, NULL-terminated. */
const struct sim_persona *const *sim_persona_all(void);

#endif
