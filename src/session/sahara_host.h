/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host side of Sahara over a transport: identify the chip in command mode without uploading
 * anything, and upload a programmer serving the boot ROM's reads. */
#ifndef SF_SESSION_SAHARA_HOST_H
#define SF_SESSION_SAHARA_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/sahara.h"
#include "transport/transport.h"

#define SF_SAHARA_PACKET_TIMEOUT_MS 2000 /* per packet, from the reference's timeout table */

struct sf_chip_identity {
        uint32_t sahara_version;
        uint32_t hello_mode; /* 0 image transfer, 2 memory debug (crashed module) */
        bool has_serial;
        uint32_t serial;
        bool has_hwid;
        uint32_t msm_id;
        uint16_t oem_id, model_id;
        size_t pk_hash_len; /* 32 or 48; 0 when not given */
        uint8_t pk_hash[48];
        bool has_sbl_version;
        uint32_t sbl_version;
};

struct sf_sahara_host {
        struct sf_transport *t;
        bool have_hello;
        struct sf_sahara_packet hello;
};

typedef void (*sf_sahara_progress_fn)(void *userdata, uint64_t done, uint64_t total);

void sf_sahara_host_init(struct sf_sahara_host *h, struct sf_transport *t);

/* Wait for the boot ROM's HELLO. -EALREADY when the device speaks Firehose instead (a programmer
 * is already running: its bytes are pushed back for the Firehose session), -ETIMEDOUT when it
 * says nothing (after one HELLO_RESP poke, as a stuck boot ROM may need). */
int sf_sahara_wait_hello(struct sf_sahara_host *h, struct sf_error *err);

/* Command mode: serial, HW ID (or chip ID v3), PK hash, SBL version; commands the device does
 * not support are skipped. Leaves the device ready for an upload (fresh HELLO read). */
int sf_sahara_identify(struct sf_sahara_host *h, struct sf_chip_identity *ret,
                       struct sf_error *err);

#define SF_SAHARA_PROGRAMMER_MAX (16u * 1024 * 1024)

/* Upload the programmer img (size bytes), serving the boot ROM's reads from it. -EACCES when
 * the boot ROM refuses it (the status names why), -EPROTO for a device that breaks the
 * protocol (bad lengths, ranges outside the image). */
int sf_sahara_upload_buffer(struct sf_sahara_host *h, const uint8_t *img, size_t size,
                            sf_sahara_progress_fn progress, void *userdata, struct sf_error *err);
/* The same for the programmer file at path (at most SF_SAHARA_PROGRAMMER_MAX bytes). */
int sf_sahara_upload(struct sf_sahara_host *h, const char *path, sf_sahara_progress_fn progress,
                     void *userdata, struct sf_error *err);

#endif
