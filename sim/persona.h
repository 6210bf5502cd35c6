/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A simulated module's hardware: chip fuses, flash geometry, USB identities, programmer limits. */
#ifndef SIM_PERSONA_H
#define SIM_PERSONA_H

#include <stdbool.h>
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
        unsigned quirks;             /* the real module's habits (quirks.h), on by default */
};

/* The persona of that name, or NULL. */
const struct sim_persona *sim_persona_find(const char *name);
/* Every persona, NULL-terminated. */
const struct sim_persona *const *sim_persona_all(void);

/* Is this an IMEI: 15 digits whose last is the Luhn check digit of the first 14? */
bool sim_imei_valid(const char *imei);

/* The identity of the module on a port of the simulated bus, for a production line of modules
 * of one persona: port 1 has the persona's own chip serial and IMEI; port N another chip serial
 * (the persona's + (N-1) × 0x00010001) and another IMEI (the persona's serial number field, its
 * digits 9-14, plus N-1, with its Luhn digit). Deterministic, so a module keeps its identity
 * as long as it keeps its port. imei_out has 16 bytes. */
uint32_t sim_chip_serial_for_port(const struct sim_persona *p, unsigned port);
void sim_imei_for_port(const struct sim_persona *p, unsigned port, char imei_out[16]);

/* p with another chip serial (fused: Sahara, Firehose, the calibration the factory writes) and
 * IMEI (written to EFS by the factory); imei must outlive *ret. */
void sim_persona_with_identity(const struct sim_persona *p, uint32_t chip_serial, const char *imei,
                               struct sim_persona *ret);

#endif
