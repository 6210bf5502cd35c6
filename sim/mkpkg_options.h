/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a generated package is asked to be: the options every package writer (mkpkg.c, NAND;
 * mkpkg_ufs.c, UFS) and the programmer builder (mkpkg_programmer.c) read. See mkpkg.h. */
#ifndef SIM_MKPKG_OPTIONS_H
#define SIM_MKPKG_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#define SIM_MKPKG_DEFAULT_MSM_ID      0x000480E1u  /* MDM9207 (EC25, EG25) */
#define SIM_MKPKG_SDX55_MSM_ID        0x000C30E1u  /* SDX55: an assumption, see persona.c */
#define SIM_MKPKG_DEFAULT_TOTAL_PAGES (2048u * 64) /* 512 MiB of 4 KiB pages, as on the EC25-E */

struct sim_mkpkg_options {
        const char *version; /* "EC25EFAR06A19M4G_20.201.20.201": required */
        const char *out;     /* package directory: created, or an existing empty one */
        bool factory;        /* add cefs.mbn and rawprogram_nand_p4K_b256K_factory.xml */
        /* Image sizes. Default: realistic (about 80 MB in all: NON-HLOS.ubi 28 MiB, sysfs
         * 30 MiB, …). small: a few pages each (about 200 KB in all) for fast tests. */
        bool small;
        /* Percentage applied to the three large UBI images (NON-HLOS, sysfs, recovery fs),
         * 0 meaning 100. A scaled image is rounded up to whole pages and capped at its
         * partition's size, so a scaled package always fits the flash. */
        uint32_t scale_percent;
        /* Exact size of NON-HLOS.ubi in bytes (header included), overriding the above; 0 for
         * none. -EINVAL under one page, -EFBIG when it does not fit the modem partition. */
        uint64_t modem_bytes;
        /* Flash size the layout is computed for (it sizes system and usrdata); 0 for
         * SIM_MKPKG_DEFAULT_TOTAL_PAGES. */
        uint64_t total_pages;
        /* The programmer's identity (HW_ID = msm_id << 32 | oem_id << 16 | model_id), also
         * written as msm_id into every image header. msm_id 0 means
         * SIM_MKPKG_DEFAULT_MSM_ID. */
        uint32_t msm_id;
        uint16_t oem_id, model_id;
        /* Sign the programmers with another root ("Foreign OEM Root CA (simulated)", other key
         * seeds), which a chip fused with sim_oem_root_hash() refuses (Sahara status 0x21). */
        bool foreign_root;
};

#endif
