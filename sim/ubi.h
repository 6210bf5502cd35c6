/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* UBI on the simulated NAND, as the module's Linux sees it (the kernel's drivers/mtd/ubi and
 * include/uapi/mtd/ubi-media.h; docs/sim-transport.md, "UBI at boot"): the simulator's own reader,
 * written apart from the host's parser (src/package/ubi.c) so that a mistake in one cannot hide in
 * the other. The boot chain reads the modem image out of the "modem" volume through it. */
#ifndef SIM_UBI_H
#define SIM_UBI_H

#include <stdbool.h>
#include <stdint.h>

#include "flash.h"
#include "image.h"

/* A volume found on a partition: where each of its LEBs is. */
struct sim_ubi_volume {
        uint32_t id;
        bool is_static;
        uint32_t leb_size, data_offset;
        uint32_t n_lebs;       /* LEBs 0 .. n_lebs-1 are mapped */
        uint64_t *leb_page;    /* the first page of the eraseblock holding each LEB */
        uint64_t bytes;        /* static: the volume's data; dynamic: n_lebs * leb_size */
};

/* Does the partition start with a UBI eraseblock (an EC header with its CRC)? */
bool sim_ubi_present(struct sim_flash *f, const struct sim_partition *p);

/* The volume named name: -ENOENT when there is none, -EBADMSG when the partition is no UBI or its
 * volume table is damaged, -EUCLEAN when a LEB of the volume is missing. */
int sim_ubi_find(struct sim_flash *f, const struct sim_partition *p, const char *name,
                 struct sim_ubi_volume *ret);
void sim_ubi_volume_done(struct sim_ubi_volume *v);

/* Bytes [off, off+len) of the volume's data. -ERANGE past its end. */
int sim_ubi_read(struct sim_flash *f, const struct sim_ubi_volume *v, uint64_t off, uint8_t *buf,
                 size_t len);

#endif
