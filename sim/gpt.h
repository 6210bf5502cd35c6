/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* UFS partition layouts and their GUID partition tables (UEFI spec, chapter 5), as Qualcomm's
 * ptool lays them out on a 4096-byte-sector LUN:
 *
 *   sector 0               protective MBR
 *   sector 1               primary GPT header (92 bytes used)
 *   sectors 2..5           primary partition array: 128 entries of 128 bytes (16 KiB)
 *   sectors 6..N-6         partitions (first usable 6, last usable N-6)
 *   sectors N-5..N-2       backup partition array
 *   sector N-1             backup GPT header
 *
 * A package ships each LUN's GPT as gpt_main<lun>.bin (sectors 0..5) and gpt_backup<lun>.bin
 * (the last 5 sectors) built without knowing the disk's size: the fields that depend on it (the
 * backup header's location, the last usable sector, the end of the partition that grows to fill
 * the LUN) are left 0, and patch<lun>.xml fixes them on the device with NUM_DISK_SECTORS
 * expressions, then recomputes the CRCs (sim_gpt_patches()). The boot model (boot.c) reads the
 * result back and refuses anything inconsistent, so an unpatched or half-patched GPT does not
 * boot. */
#ifndef SIM_GPT_H
#define SIM_GPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flash.h"

#define SIM_GPT_ENTRIES     128u
#define SIM_GPT_ENTRY_LEN   128u
#define SIM_GPT_ARRAY_BYTES (SIM_GPT_ENTRIES * SIM_GPT_ENTRY_LEN)
#define SIM_GPT_HEADER_LEN  92u
#define SIM_GPT_NAME_MAX    36u /* UTF-16 code units in an entry's name */
#define SIM_UFS_MAX_PARTS   48u /* over every LUN */
#define SIM_UFS_SECTOR      4096u
#define SIM_UFS_LUNS        6u

struct sim_gpt_part {
        char name[SIM_GPT_NAME_MAX + 1];
        uint32_t lun;
        uint64_t first;   /* sector in its LUN */
        uint64_t sectors; /* 0: grows to the LUN's last usable sector */
        /* Layout tables only (both unset when read back from a GPT): */
        const char *file; /* the image under update/ the package writes there; NULL: none */
        uint32_t kind;    /* its sim_image_kind (image.h) */
};

/* Partitions in LUN order, and in each LUN in the order of its partition array. */
struct sim_ufs_layout {
        unsigned n;
        struct sim_gpt_part parts[SIM_UFS_MAX_PARTS];
};

/* The layout SDX55 (RM500Q-class) firmware of a baseline uses on its six UFS LUNs:
 * 0 system (boot, recovery, system, recoveryfs, usrdata), 1 boot LU A (xbl, xbl_config),
 * 2 boot LU B (xbl_b, xbl_config_b; not written by packages), 3 misc (ssd, misc, persist),
 * 4 firmware (aop, tz, hyp, devcfg, abl, uefi, apdp, multiimgoem, sec, toolsfv, modem, oemdata),
 * 5 EFS (modemst1, modemst2, fsg, fsc: written at the factory only). Baselines from R13 grow the
 * modem partition, which moves oemdata: another layout. */
void sim_ufs_layout_for_baseline(unsigned baseline, struct sim_ufs_layout *ret);
const struct sim_gpt_part *sim_ufs_layout_find(const struct sim_ufs_layout *l, const char *name);
/* A fingerprint of the layout: CRC-32 over every partition's LUN, name, first sector and size
 * (0 for a growing one), in order. What an xbl is built for (sim_image_header.layout_id). */
uint32_t sim_ufs_layout_id(const struct sim_ufs_layout *l);

/* Sectors of the primary GPT (MBR, header, array) and of the backup (array, header). */
uint32_t sim_gpt_primary_sectors(uint32_t sector_size);
uint32_t sim_gpt_backup_sectors(uint32_t sector_size);

/* Build one LUN's primary or backup GPT into out (sim_gpt_*_sectors() × sector_size bytes).
 * disk_sectors 0 builds it as a package ships it (disk-dependent fields 0, CRCs over that);
 * otherwise as it must end up on a LUN of that many sectors. -EINVAL for a sector size the
 * array does not divide or a LUN too small; -ENOBUFS when out is too small. */
int sim_gpt_build(const struct sim_ufs_layout *l, unsigned lun, uint32_t sector_size,
                  uint64_t disk_sectors, bool backup, uint8_t *out, size_t size);

/* One patch line of a LUN's GPT fix-up, in the order it must run (protocols.md 3.10). */
struct sim_gpt_patch {
        char start[40];       /* DISK start_sector: "1", "NUM_DISK_SECTORS-1." */
        uint32_t file_sector; /* the same place as a sector of gpt_main/gpt_backup<lun>.bin */
        bool in_backup;       /* which of the two files that is */
        uint32_t byte_offset, size;
        char value[48];      /* "0", "NUM_DISK_SECTORS-6.", "CRC32(2,16384)", … */
        char file_value[48]; /* the same for the file: its CRC32s count the file's sectors */
        char what[96];
};

#define SIM_GPT_MAX_PATCHES 16

/* The patch sequence of one LUN: zero both header CRCs, set the growing partition's end in both
 * arrays, the backup header's location, the last usable sector and the backup array's location,
 * then both array CRCs, then both header CRCs. Returns how many (≤ SIM_GPT_MAX_PATCHES). */
size_t sim_gpt_patches(const struct sim_ufs_layout *l, unsigned lun, uint32_t sector_size,
                       struct sim_gpt_patch out[SIM_GPT_MAX_PATCHES]);

/* Read one LUN's GPT from the flash and check it as a boot loader does: both headers (signature,
 * revision, size, CRC, their own and each other's location, the last usable sector below the
 * backup array), both arrays (their CRCs, the same entries), every partition inside the usable
 * sectors. Appends the LUN's partitions to *l (sectors 0 for the one that ends at the last usable
 * sector). -EBADMSG with the reason in why; -E2BIG when *l is full; -ENXIO no such LUN. */
int sim_gpt_read(struct sim_flash *f, unsigned lun, struct sim_ufs_layout *l, char *why,
                 size_t why_size);

#endif
