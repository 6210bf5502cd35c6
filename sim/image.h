/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the simulated boot chain depends on, as bytes on flash. Real vendor images cannot be
 * shipped, so the package generator (mkpkg) writes synthetic ones that carry, in small headers,
 * exactly what a real boot chain depends on; the boot model (boot.c) reads them back from flash:
 *
 *   sbl1.mbn      page 0      SBL: its baseline, the board generations and chip it can bring up,
 *                             the memory code, and the partition layout it expects
 *   MIBIB         page 640    the partition table (partition_complete_p4K_b256K.mbn), in the real
 *                             Qualcomm format (docs/mibib.md), not a synthetic header
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
 * All image headers are little-endian, at offset 0 of their image, 512 bytes, followed by
 * deterministic filler (so images have realistic sizes and digests). The MIBIB has none: the
 * host reads it with its own parser (src/proto/mibib.h) exactly as on a real module. */
#ifndef SIM_IMAGE_H
#define SIM_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_IMAGE_HEADER_LEN      512
#define SIM_MIBIB_PAGE            640   /* block 10, as on real MDM9x07 NAND */
#define SIM_MIBIB_PAGE_SIZE       4096u /* the "p4K" of partition_complete_p4K_b256K.mbn */
#define SIM_MIBIB_PAGES_PER_BLOCK 64u   /* its "b256K" */
/* One MIBIB copy is one whole erase block: header, system table, user table and CRC pages, the
 * rest erased (0xFF). */
#define SIM_MIBIB_LEN (SIM_MIBIB_PAGE_SIZE * SIM_MIBIB_PAGES_PER_BLOCK)
#define SIM_MAX_PARTS 24

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
        uint32_t layout_id; /* SBL: the partition table it expects (sim_layout_id()) */
        char prefix[16];
        char version[64];
        uint32_t payload_crc;
        char imei[16];
        uint8_t calibration[32];
        uint32_t payload_len;
        bool mbn80; /* a NAND SBL: the 80-byte MBN header (code word 0x844BDCD1) comes first, and
                     * these fields after it, within the same 512 bytes (image.c) */
};

void sim_image_header_encode(const struct sim_image_header *h, uint8_t out[SIM_IMAGE_HEADER_LEN]);
/* -EPROTO when the magic or a string field is wrong. */
int sim_image_header_decode(const uint8_t *buf, size_t len, struct sim_image_header *ret);

struct sim_partition {
        char name[16]; /* as the MIBIB writes it after "0:": "SBL", "EFS2", "sys_rev", "modem" */
        uint32_t start_page;
        uint32_t pages;
        /* The entry's last four bytes: attr1 (0xFF), attr2 (0x01: main + spare ECC), attr3 (0x00:
         * may be upgraded by name; 0xFF for MIBIB and EFS2), which_flash (0). */
        uint8_t attr[4];
};

struct sim_layout {
        unsigned n;
        struct sim_partition parts[SIM_MAX_PARTS];
};

/* The layout firmware of a baseline uses on an EC25/EG25-class 4 KiB-page NAND of
 * total_pages pages, with the names and attributes of docs/mibib.md section 4; every partition
 * is whole erase blocks. Baselines up to R07 share one layout; R08 and later move what follows
 * EFS2 and grow it. */
void sim_layout_for_baseline(unsigned baseline, uint64_t total_pages, struct sim_layout *ret);
/* By name, case-insensitively, with or without the "0:" prefix: "efs2", "0:EFS2". */
const struct sim_partition *sim_layout_find(const struct sim_layout *l, const char *name);
/* A fingerprint of the partition list: CRC-32 of the used bytes of the system partition table
 * sim_mibib_encode() writes for it (header and entries, not the padding); 0 when it cannot be
 * encoded. What an SBL records as the layout it expects (sim_image_header.layout_id). */
uint32_t sim_layout_id(const struct sim_layout *l);

/* The MIBIB block, as docs/mibib.md describes it (all little-endian, 4 KiB pages):
 *   page 0  header: 0xFE569FAC 0xCD7F127A, version 4, age 1, then 0xFF
 *   page 1  system partition table: 0x55EE73AA 0xE35EBDDB, version 4, numparts, 28-byte entries
 *           { name[16] "0:NAME"; offset, length in erase blocks; attr1..3, which_flash }, unused
 *           slots zero up to 32 (912 bytes, as Qualcomm's generator pads), then 0xFF
 *   page 2  user partition table: 0xAA7D1B9A 0x1F7D48BC, version 4, numparts, 28-byte entries
 *           { name[16]; img_size KiB; u16 padding 0; u16 which_flash; flag1..3 = attr1..3;
 *           flag4 0xFF (sizes in KiB) }, the same padding
 *   page 3  CRC page: 0x9D41BEA1 0xF1DED2EA, version 1, CRC of pages 0-2 (poly 0x04C11DB7
 *           MSB-first, initial 0, no final XOR: the partition_tool variant), then 0xFF
 *   pages 4-63  0xFF
 * SIM_MIBIB_LEN bytes into out; 0 when size is smaller, or the layout has a partition that is
 * not whole erase blocks or a name longer than 14 characters. */
size_t sim_mibib_encode(const struct sim_layout *l, uint8_t *out, size_t size);
/* Parse a MIBIB block (at least its first two pages) with the host's parser (sf_mibib_parse):
 * the boot chain reads the same bytes the host does. Header and table version must be 4; the CRC
 * page is not required (docs/mibib.md section 6.1). ret_id, when not NULL, gets the fingerprint
 * of the table as written, equal to sim_layout_id() of the layout it was encoded from. -EPROTO
 * for anything malformed, -E2BIG for more than SIM_MAX_PARTS entries. */
int sim_mibib_decode(const uint8_t *buf, size_t len, struct sim_layout *ret, uint32_t *ret_id);

/* Board generations: which SBLs a board's DDR/NAND multi-chip package works with. An old EC25-E
 * (the user story's module) is generation 1; R08 bootloaders only bring up generation 2. */
uint32_t sim_board_mask_for_baseline(unsigned baseline);

/* Deterministic filler: the same seed gives the same bytes. */
void sim_fill(uint8_t *buf, size_t len, uint64_t seed, uint64_t offset);
uint64_t sim_seed(const char *s);

#endif
