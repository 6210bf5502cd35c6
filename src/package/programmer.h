/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a programmer file says about the chip it is built and signed for, read before it is
 * uploaded (protocols.md section 8), and whether that fits the chip Sahara reported. */
#ifndef SF_PACKAGE_PROGRAMMER_H
#define SF_PACKAGE_PROGRAMMER_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/sahara.h"
#include "safeflash/common.h"

struct sf_programmer_info {
        uint64_t size;
        bool is64;
        uint32_t mbn_version;
        bool has_identity;
        uint32_t msm_id;
        uint16_t oem_id, model_id;
        bool has_root;
        uint8_t root_hash[32]; /* SHA-256 of the root certificate */
        unsigned n_certs;
};

#define SF_PROGRAMMER_MAX (16u * 1024 * 1024) /* the whole programmer is held in memory */

/* Parse the programmer's ELF, hash segment and certificate chain, from its bytes (name names it
 * in messages). -EPROTO when it is not a signed-image ELF (no hash segment, broken headers),
 * -EFBIG when over SF_PROGRAMMER_MAX. */
int sf_programmer_inspect(const char *name, const uint8_t *img, size_t size,
                          struct sf_programmer_info *ret, struct sf_error *err);

/* 0 when the programmer may be sent to this chip; -EPERM with the reason otherwise: another
 * MSM ID, another OEM, or (secure boot on, i.e. a PK hash that is not all zero reported)
 * signed by another root. `secure` says whether the chip enforces signatures, when known. */
/* Does the chip's PK hash say it is not fused (secure boot off)? */
bool sf_programmer_chip_is_unfused(const struct sf_chip_identity *chip);

int sf_programmer_check(const struct sf_programmer_info *p, const struct sf_chip_identity *chip,
                        bool secure, struct sf_error *err);

#endif
