/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The names of the real habits a simulated module can have: see quirks.h. */
#include <errno.h>
#include <string.h>

#include "quirks.h"

static const struct {
        enum sim_quirk quirk;
        const char *name, *what;
} table[] = {
        {SIM_QUIRK_DONE_PENDING, "done-pending",
         "the boot ROM answers DONE with 0 (pending) after the programmer"},
        {SIM_QUIRK_NO_DIGEST, "no-digest",
         "the (NAND) programmer has no getsha256digest: it NAKs it"},
        {SIM_QUIRK_SLOW_START, "slow-start",
         "the programmer starts after 1 s, logs unasked, loses commands sent before"},
        {SIM_QUIRK_NO_COMMAND_MODE, "no-command-mode",
         "the boot ROM refuses Sahara command mode (END_IMAGE_TX with an error)"},
        {SIM_QUIRK_SAHARA_V3, "sahara-v3",
         "HELLO version 3: no MSM_HW_ID_READ, READ_CHIP_ID_V3 (0x0A) instead"},
        {SIM_QUIRK_URC_CHATTER, "urc-chatter",
         "RDY, +CFUN: 1, +CPIN: READY, +QIND: ... interleaved with AT answers"},
};

#define N_QUIRKS (sizeof(table) / sizeof(*table))

const char *sim_quirk_to_string(enum sim_quirk q)
{
        for (size_t i = 0; i < N_QUIRKS; i++)
                if (table[i].quirk == q)
                        return table[i].name;
        return "invalid";
}

int sim_quirk_parse(const char *name, unsigned *ret)
{
        if (strcmp(name, "none") == 0) {
                *ret = 0;
                return 1;
        }
        for (size_t i = 0; i < N_QUIRKS; i++)
                if (strcmp(table[i].name, name) == 0) {
                        *ret = table[i].quirk;
                        return 0;
                }
        return -EINVAL;
}

void sim_quirks_format(unsigned quirks, char *out, size_t size)
{
        size_t pos = 0;

        if (size == 0)
                return;
        out[0] = '\0';
        for (size_t i = 0; i < N_QUIRKS; i++) {
                int n;
                if (!(quirks & table[i].quirk))
                        continue;
                n = snprintf(out + pos, size - pos, "%s%s", pos ? "," : "", table[i].name);
                if (n < 0 || (size_t)n >= size - pos)
                        return;
                pos += (size_t)n;
        }
        if (pos == 0)
                snprintf(out, size, "none");
}

void sim_quirks_describe(FILE *f)
{
        for (size_t i = 0; i < N_QUIRKS; i++)
                fprintf(f, "  %-16s %s\n", table[i].name, table[i].what);
        fprintf(f, "  %-16s %s\n", "none", "none of the persona's own habits");
}
