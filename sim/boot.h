/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The boot model: what a simulated module does when it powers up, decided only by the bytes on
 * its flash against its hardware (image.h). */
#ifndef SIM_BOOT_H
#define SIM_BOOT_H

#include <stdbool.h>

#include "flash.h"
#include "persona.h"

enum sim_boot_result {
        SIM_BOOT_NORMAL = 0, /* the firmware runs: 2c7c:xxxx with AT and DIAG ports */
        SIM_BOOT_EDL,        /* the PBL found no bootable chain: 05c6:9008 */
        SIM_BOOT_CRASH,      /* the chain started but the modem image is broken: 05c6:900e */
};

struct sim_boot_report {
        enum sim_boot_result result;
        char reason[192]; /* why, in words, for the simulator's log */
        char version[64]; /* the firmware version the modem image carries */
        char imei[16];    /* from EFS; "" when EFS holds none (lost, or unreadable) */
        bool calibrated;
};

const char *sim_boot_result_to_string(enum sim_boot_result r);
int sim_boot(struct sim_flash *f, const struct sim_persona *p, struct sim_boot_report *ret);

#endif
