/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Habits of real boot ROMs, programmers and firmware that a simulated module can have
 * (safeflash-sim run --quirk NAME). Each one is a habit of a real module; the evidence for each
 * is named in docs/sim-transport.md, "Real habits". A persona has the habits of its real module
 * by default; --quirk none turns the defaults off. */
#ifndef SIM_QUIRKS_H
#define SIM_QUIRKS_H

#include <stdbool.h>
#include <stdio.h>

enum sim_quirk {
        SIM_QUIRK_DONE_PENDING = 1u << 0,    /* DONE_RESP 0 (pending) after the programmer */
        SIM_QUIRK_NO_DIGEST = 1u << 1,       /* the programmer has no getsha256digest */
        SIM_QUIRK_SLOW_START = 1u << 2,      /* the programmer needs time; early commands lost */
        SIM_QUIRK_NO_COMMAND_MODE = 1u << 3, /* the boot ROM refuses Sahara command mode */
        SIM_QUIRK_SAHARA_V3 = 1u << 4,       /* HELLO v3, READ_CHIP_ID_V3 instead of HW ID */
        SIM_QUIRK_URC_CHATTER = 1u << 5,     /* URCs interleaved with AT answers */
};

#define SIM_QUIRK_ALL 0x3fu

/* How long a slow programmer takes before it hears anything: about 1 s after DONE_RESP it
 * sends its banner (protocols.md 3.4). */
#define SIM_SLOW_START_MS 1000

const char *sim_quirk_to_string(enum sim_quirk q);
/* One name: its flag in *ret, 1 for "none" (*ret 0), -EINVAL for an unknown name. */
int sim_quirk_parse(const char *name, unsigned *ret);
/* "done-pending,no-digest" (or "none") into out. */
void sim_quirks_format(unsigned quirks, char *out, size_t size);
/* One line per quirk: name and what it does, for --help. */
void sim_quirks_describe(FILE *f);

#endif
