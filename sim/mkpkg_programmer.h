/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The simulated Firehose programmer (and the legacy NPRG/ENPRG ones): a signed ELF32 whose hash
 * segment carries a real X.509 chain up to the simulated OEM root (mkpkg.h describes its
 * layout). Built by mkpkg_programmer.c for both package writers. */
#ifndef SIM_MKPKG_PROGRAMMER_H
#define SIM_MKPKG_PROGRAMMER_H

#include <stdbool.h>
#include <stdint.h>

#include "mkpkg_options.h"
#include "safeflash/common.h"

#define SIM_PKG_NAND_PROGRAMMER "prog_nand_firehose_9x07.mbn" /* under update/firehose/ */
#define SIM_PKG_CHAIN_AREA      6144u /* three 2 KiB certificate slots, as in Qualcomm-signed images */

/* What every programmer of one package shares. */
struct sim_signing {
        uint8_t chain[SIM_PKG_CHAIN_AREA]; /* attestation, attestation CA, root, then 0xFF */
        bool small;
        bool v7;             /* an SDX55-family chip: MBN v7 hash segment, SHA-384 table */
        const char *version; /* seeds the filler */
};

/* The certificate chain for o's identity and root; version (may be NULL) seeds the filler. */
int sim_pkg_signing_setup(const struct sim_mkpkg_options *o, const char *version,
                          struct sim_signing *ret, struct sf_error *err);
/* The NAND package's programmers under update (its firehose/ folder must exist). */
int sim_pkg_write_programmers(const struct sim_signing *sg, const char *update,
                              struct sf_error *err);

/* Only the Firehose programmer, as sim_mkpkg() writes it for the same options (o->out,
 * o->factory, o->total_pages are ignored; o->version may be NULL, which only changes the filler),
 * to path, which must not exist. */
int sim_mkpkg_programmer(const struct sim_mkpkg_options *o, const char *path, struct sf_error *err);

/* SHA-256 of the DER of the simulated OEM root certificate: the PK hash a secure-boot persona
 * fuses. The same on every run. -EIO when OpenSSL fails. */
int sim_oem_root_hash(uint8_t ret[32]);

#endif
