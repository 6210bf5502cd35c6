/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* UBI images for the NAND packages, made by Debian's ubinize (mtd-utils) as vendors make theirs:
 * a static "modem" volume in NON-HLOS.ubi, "rootfs" and an empty read-write "usrfs" (autoresize,
 * formatted by UBIFS at its first mount) in the system image. */
#ifndef SIM_MKPKG_UBI_H
#define SIM_MKPKG_UBI_H

#include <stdbool.h>
#include <stdint.h>

#include "safeflash/common.h"

#define SIM_UBI_PEB  (256u * 1024) /* b256K */
#define SIM_UBI_PAGE 4096u         /* p4K: min I/O unit, sub-page and VID header offset */

struct sim_ubi_vol {
        const char *name;
        uint32_t id;
        bool is_static;
        const char *image; /* its contents, or NULL for an empty volume */
        uint64_t size;     /* bytes to reserve for an empty volume */
        bool autoresize;
};

/* Write the UBI image `out` holding these volumes, with image sequence number image_seq, by
 * running ubinize; a missing ubinize or its failure is an error naming it. */
int sim_pkg_ubinize(const char *out, const struct sim_ubi_vol *v, unsigned n, uint32_t image_seq,
                    struct sf_error *err);

#endif
