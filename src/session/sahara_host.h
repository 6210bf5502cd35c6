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

struct sf_sahara_host {
        struct sf_transport *t;
        bool have_hello;
        struct sf_sahara_packet hello;
        /* A poke (an unasked HELLO_RESP) was answered with a request for an image: the transfer
         * has begun, first_request is its first request. */
        bool transfer_started;
        struct sf_sahara_packet first_request;
        /* An identification's poke asks for command mode (a HELLO_RESP of mode 3): a boot ROM
         * waiting for a HELLO_RESP answers CMD_READY (poke_command_ready), or refuses command
         * mode with END_OF_IMAGE_TX and still waits (poke_refused, its status): neither starts
         * an image transfer that this session would leave half done. */
        bool poke_command_ready, poke_refused;
        uint32_t poke_refusal_status;
};

/* One image the boot ROM may ask for: 13 the Firehose programmer; a multi-image target asks for
 * more after DONE_RESP "pending" (protocols.md 2.9). */
struct sf_sahara_image {
        uint32_t id;
        const uint8_t *data;
        size_t size;
};

/* After DONE_RESP(pending), how long a new HELLO may take before the programmer is taken as
 * started (qdl and fwupd read Sahara packets with 1 s and 500 ms timeouts). */
#define SF_SAHARA_PENDING_WAIT_MS 1000

typedef void (*sf_sahara_progress_fn)(void *userdata, uint64_t done, uint64_t total);

void sf_sahara_host_init(struct sf_sahara_host *h, struct sf_transport *t);

/* Wait for the boot ROM's HELLO. -EALREADY when the device speaks Firehose instead (a programmer
 * is already running: its bytes are pushed back for the Firehose session), -ETIMEDOUT when it
 * says nothing (after one HELLO_RESP poke, as a stuck boot ROM may need). */
int sf_sahara_wait_hello(struct sf_sahara_host *h, struct sf_error *err);

/* Command mode: serial, HW ID (or chip ID v3), PK hash, SBL version; commands the device does
 * not support are skipped. Leaves the device ready for an upload (fresh HELLO read). A boot ROM
 * that refuses command mode is no error: ret->command_mode_refused says so, and the upload
 * answers the HELLO it had sent (as edl does after a refusal). */
int sf_sahara_identify(struct sf_sahara_host *h, struct sf_chip_identity *ret,
                       struct sf_error *err);

#define SF_SAHARA_PROGRAMMER_MAX (16u * 1024 * 1024)

/* Upload the programmer img (size bytes), serving the boot ROM's reads from it. -EACCES when
 * the boot ROM refuses it (the status names why), -EPROTO for a device that breaks the
 * protocol (bad lengths, ranges outside the image). */
int sf_sahara_upload_buffer(struct sf_sahara_host *h, const uint8_t *img, size_t size,
                            sf_sahara_progress_fn progress, void *userdata, struct sf_error *err);
/* The same for several images: served by the id the boot ROM asks for. DONE_RESP "pending"
 * (0) is success when the next packet is not a new HELLO (the programmer speaks Firehose, or is
 * silent for SF_SAHARA_PENDING_WAIT_MS); after a new HELLO the images asked for are served, and
 * an id that is not among imgs is -ENOENT naming it. */
int sf_sahara_upload_images(struct sf_sahara_host *h, const struct sf_sahara_image *imgs, size_t n,
                            sf_sahara_progress_fn progress, void *userdata, struct sf_error *err);
/* The same for the programmer file at path (at most SF_SAHARA_PROGRAMMER_MAX bytes). */
int sf_sahara_upload(struct sf_sahara_host *h, const char *path, sf_sahara_progress_fn progress,
                     void *userdata, struct sf_error *err);

/* Memory-debug mode (a crashed module, 05c6:900e), reference section 2.12. */
struct sf_sahara_debug_ref {
        bool is_64; /* MEMORY_DEBUG_64: 64-bit table entries and MEMORY_READ_64 */
        uint64_t table_addr, table_len;
};

/* HELLO (it must say mode 2; -ENODEV otherwise), HELLO_RESP(mode 2), then the device's
 * MEMORY_DEBUG(_64): where its region table is. */
int sf_sahara_memory_debug(struct sf_sahara_host *h, struct sf_sahara_debug_ref *ret,
                           struct sf_error *err);

/* MEMORY_READ(_64) of exactly len bytes at addr into buf. -EOVERFLOW when the device sends more
 * in one transfer, -ETIMEDOUT when it sends less, -EIO when it refuses the read. */
int sf_sahara_memory_read(struct sf_sahara_host *h, bool is_64, uint64_t addr, uint8_t *buf,
                          size_t len, struct sf_error *err);

/* Nothing may arrive unasked: -EPROTO when bytes come within timeout_ms (a device that sent
 * more than it was asked for). */
int sf_sahara_expect_silence(struct sf_sahara_host *h, int timeout_ms, struct sf_error *err);

/* RESET, answered by RESET_RESP: the chip resets and re-enumerates. */
int sf_sahara_reset(struct sf_sahara_host *h, struct sf_error *err);

/* The boot ROM restarts the chip without anything uploaded, as qdl answers an image request it
 * cannot serve: HELLO answered in image-transfer mode, the first READ_DATA answered with RESET
 * (protocols.md 2.13, 3). A boot chain intact on flash then boots. */
int sf_sahara_restart_chip(struct sf_sahara_host *h, struct sf_error *err);

#endif
