/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the simulated boot chain depends on, as bytes on flash. Real vendor images cannot be
 * shipped, so the package generator (mkpkg) writes synthetic ones that carry, in small headers,
 * exactly what a real boot chain depends on; the boot model (boot.c) reads them back from flash:
 *
 *   sbl1.mbn      page 0      SBL: its baseline, the board generations and chip it can bring up,
 *                             the memory code, and the partition layout it expects
 *   MIBIB         page 640    the partition table (partition_complete_p4K_b256K.mbn)
 *   tz, rpm, aboot            boot images of one baseline
 *   modem                     NON-HLOS.ubi: the full firmware version AT+QGMR reports
 *   efs2                      device-unique data: IMEI and RF calibration (never in a package)
 *
 * On UFS (SDX55) the same facts travel in the same headers, in GPT partitions (gpt.h): xbl.elf
 * (the SBL) on the boot LUN, aop/tz/hyp/devcfg/abl and the modem on LUN 4, EFS in modemst1 on
 * LUN 5; an xbl's layout_id names the GPT layout (over every LUN) it expects.
 *
 * A module boots when every link fits the hardware and the next link; otherwise its PBL falls
 * back to EDL (05c6:9008). Nothing else decides it: there is no "bricked" flag.
 *
 * All headers are little-endian, at offset 0 of their image, 512 bytes, followed by
 * deterministic filler (so images have realistic sizes and digests). */
#ifndef SIM_IMAGE_H
#define SIM_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_IMAGE_HEADER_LEN 512
#define SIM_MIBIB_PAGE       640 /* block 10, as on real MDM9x07 NAND */
#define SIM_MAX_PARTS        24

enum sim_image_kind {
        SIM_IMAGE_SBL = 1,
        SIM_IMAGE_TZ,
        SIM_IMAGE_RPM,
        SIM_IMAGE_ABOOT,
        SIM_IMAGE_MODEM,
        SIM_IMAGE_BOOT,  /* Linux kernel (boot.img) */
        SIM_IMAGE_SYSFS, /* root file system UBI */
        SIM_IMAGE_OTHER,
        SIM_IMAGE_EFS, /* device-unique: written by the factory, never by a package */
        /* SDX55 (UFS) boot chain: xbl is the SBL, abl the ABOOT */
        SIM_IMAGE_AOP,    /* always-on processor firmware (replaces RPM) */
        SIM_IMAGE_HYP,    /* hypervisor */
        SIM_IMAGE_DEVCFG, /* TrustZone device configuration */
};

/* The common 512-byte header of every synthetic image:
 *   0  magic "SFSIMIMG" (8)     8  u32 kind          12 u32 baseline (6 for R06)
 *  16  u32 board_mask          20  u32 msm_id        24 char memory[8] ("M4G")
 *  32  u32 layout_id           36  char prefix[16] ("EC25EFA")
 *  52  char version[64] (the full firmware version, NUL-padded)
 * 116  u32 payload_crc (CRC-32 of the bytes after the header)
 * 120  char imei[16] (EFS only)  136 u8 calibration[32] (EFS only)
 * 168  u32 payload_len (bytes after the header that payload_crc covers)
 * 172  zero up to 512 */
struct sim_image_header {
        uint32_t kind;
        uint32_t baseline;
        uint32_t board_mask; /* board generations an SBL can bring up: bit n = generation n */
        uint32_t msm_id;
        char memory[8];
        uint32_t layout_id; /* SBL: the MIBIB it expects; MIBIB: its own */
        char prefix[16];
        char version[64];
        uint32_t payload_crc;
        char imei[16];
        uint8_t calibration[32];
        uint32_t payload_len;
};

void sim_image_header_encode(const struct sim_image_header *h, uint8_t out[SIM_IMAGE_HEADER_LEN]);
/* -EPROTO when the magic or a string field is wrong. */
int sim_image_header_decode(const uint8_t *buf, size_t len, struct sim_image_header *ret);

struct sim_partition {
        char name[16];
        uint32_t start_page;
        uint32_t pages;
};

struct sim_layout {
        unsigned n;
        struct sim_partition parts[SIM_MAX_PARTS];
};

/* The layout firmware of a baseline uses on an EC25/EG25-class 4 KiB-page NAND of
 * total_pages pages. Baselines up to R07 share one layout; R08 and later move efs2 and grow it. */
void sim_layout_for_baseline(unsigned baseline, uint64_t total_pages, struct sim_layout *ret);
const struct sim_partition *sim_layout_find(const struct sim_layout *l, const char *name);
/* A fingerprint of the layout (CRC-32 of its encoding). */
uint32_t sim_layout_id(const struct sim_layout *l);

/* The MIBIB image: a header (kind OTHER, layout_id) then, at offset 512, "SFSIMPTB", u32 count,
 * then count entries of { char name[16]; u32 start_page; u32 pages }. */
size_t sim_mibib_encode(const struct sim_layout *l, uint8_t *out, size_t size);
int sim_mibib_decode(const uint8_t *buf, size_t len, struct sim_layout *ret);

/* Board generations: which SBLs a board's DDR/NAND multi-chip package works with. An old EC25-E
 * (the user story's module) is generation 1; R08 bootloaders only bring up generation 2. */
uint32_t sim_board_mask_for_baseline(unsigned baseline);

/* Deterministic filler: the same seed gives the same bytes. */
void sim_fill(uint8_t *buf, size_t len, uint64_t seed, uint64_t offset);
uint64_t sim_seed(const char *s);

#endif
