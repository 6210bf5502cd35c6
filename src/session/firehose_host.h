/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host side of Firehose over a transport. Timeouts are per operation, from the reference's
 * table, not a user setting. */
#ifndef SF_SESSION_FIREHOSE_HOST_H
#define SF_SESSION_FIREHOSE_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/firehose.h"
#include "transport/transport.h"

#define SF_FH_TIMEOUT_BANNER_MS    2000
/* A programmer that has not answered within this time in all never will (qdl allows 5 s of
 * configure attempts, QFirehose drains 3 s then asks). */
#define SF_FH_TIMEOUT_START_MS     12000
#define SF_FH_TIMEOUT_CONFIGURE_MS 3000
#define SF_FH_TIMEOUT_SETUP_MS     10000
#define SF_FH_TIMEOUT_CHUNK_MS     15000
#define SF_FH_TIMEOUT_FINAL_MS     120000
#define SF_FH_TIMEOUT_ERASE_MS     30000
#define SF_FH_TIMEOUT_DIGEST_MS    30000
#define SF_FH_TIMEOUT_POWER_MS     5000

typedef void (*sf_fh_log_fn)(void *userdata, const char *text);
typedef void (*sf_fh_progress_fn)(void *userdata, uint64_t bytes);

struct sf_firehose_host {
        struct sf_transport *t;
        uint64_t max_payload; /* negotiated MaxPayloadSizeToTargetInBytes */
        uint64_t max_xml;
        bool configured;
        bool vip;
        struct sf_firehose_functions functions;
        char last_error[SF_FIREHOSE_VALUE_MAX + 1]; /* the device's last ERROR/WARN log */
        sf_fh_log_fn on_log;
        void *log_userdata;
        uint64_t total_blocks; /* the last storage_info log's "total_blocks", 0 when none */
        bool has_chip_serial;  /* the banner's "Chip serial num: N (0x…)" */
        uint32_t chip_serial;
        bool no_digest;        /* getsha256digest was refused once: never asked again */
        unsigned start_attempts; /* nops sent before the programmer answered */
        int start_timeout_ms;    /* SF_FH_TIMEOUT_START_MS */
        uint8_t rx[SF_FIREHOSE_MAX_XML * 2 + 64];
        size_t rx_len;
};

/* One partition-style operation, as rawprogram XML states it. */
struct sf_fh_range {
        uint32_t sector_size;
        uint32_t lun;
        const char *start_sector; /* number or expression, sent verbatim */
        uint64_t num_sectors;
        uint32_t pages_per_block; /* NAND, 0 when absent */
        const char *last_sector;  /* NAND, NULL when absent */
        const char *label;        /* NULL when absent */
};

void sf_fh_init(struct sf_firehose_host *h, struct sf_transport *t);
/* After the programmer started: wait for its first words (a programmer may need seconds to
 * bring up its storage, and loses what is sent before), drain its banner, and when it says
 * nothing ask with <nop/>, again with growing waits, all within SF_FH_TIMEOUT_START_MS.
 * -ETIMEDOUT when it never speaks: the message says what that usually means. */
int sf_fh_start(struct sf_firehose_host *h, struct sf_error *err);
/* For a programmer that was already running (its banner long gone): ask with <nop/> at once. */
int sf_fh_resume(struct sf_firehose_host *h, struct sf_error *err);
/* <configure>: sent again when lost (no answer in a growing window), a NAK carrying the
 * supported size answered with that size. */
int sf_fh_configure(struct sf_firehose_host *h, const char *memory, uint64_t payload,
                    struct sf_error *err);
int sf_fh_nop(struct sf_firehose_host *h, struct sf_error *err);
/* A programmer left inside a <program> by a host that died waits for the rest of its raw data
 * and answers nothing: zeros until it speaks XML again (0), within timeout_ms (-ETIMEDOUT), or
 * until the device takes no more (its error). *ret_sent: the bytes sent. Those zeros go into
 * the partition that was being written: only for a caller that writes it again. */
int sf_fh_unstick_raw(struct sf_firehose_host *h, int timeout_ms, uint64_t *ret_sent,
                      struct sf_error *err);
int sf_fh_erase(struct sf_firehose_host *h, const struct sf_fh_range *r, struct sf_error *err);
/* <getstorageinfo> of a LUN: its size in sectors (blocks), from the programmer's storage_info
 * log line. -ENODATA when it answers without one. */
int sf_fh_storage_blocks(struct sf_firehose_host *h, uint32_t lun, uint64_t *ret,
                         struct sf_error *err);
/* Fill buf with exactly the image's next n bytes, or return a negative errno (having said why
 * in the error the caller passed along). */
typedef int (*sf_fh_read_fn)(void *read_data, uint8_t *buf, size_t n);

/* Program r->num_sectors sectors: file_bytes read in order through read, then padding with pad
 * (0xFF on NAND) up to the sectors' end. A read error ends the command with that error. */
int sf_fh_program(struct sf_firehose_host *h, const struct sf_fh_range *r, sf_fh_read_fn read,
                  void *read_data, uint64_t file_bytes, uint8_t pad, sf_fh_progress_fn progress,
                  void *userdata, struct sf_error *err);
/* Read sectors into out (size num_sectors*sector_size). */
int sf_fh_read(struct sf_firehose_host *h, const struct sf_fh_range *r, uint8_t *out,
               struct sf_error *err);
/* Read sectors in one <read>, handed to sink in order, in pieces of at most 1 MiB. A NAND
 * programmer maps a read from its own start_sector around bad blocks, so a partition read in
 * several commands from its middle would not line up with what a program from its start wrote.
 * A sink's negative return ends it with that error; a positive one means it has seen enough (the
 * rest is drained, unread). */
typedef int (*sf_fh_sink_fn)(void *userdata, const uint8_t *buf, size_t n);
int sf_fh_read_stream(struct sf_firehose_host *h, const struct sf_fh_range *r, sf_fh_sink_fn sink,
                      void *userdata, struct sf_error *err);
/* The device's SHA-256 of the sectors: -EOPNOTSUPP when it has no getsha256digest (its banner
 * does not list it, or it refused it once: that is remembered for the session). */
int sf_fh_digest(struct sf_firehose_host *h, const struct sf_fh_range *r, uint8_t out[32],
                 struct sf_error *err);
int sf_fh_patch(struct sf_firehose_host *h, const struct sf_firehose_attr *attrs, size_t n,
                struct sf_error *err);
/* <setbootablestoragedrive value="LUN"/>: the LUN the boot ROM boots from (eMMC/UFS). */
int sf_fh_set_bootable(struct sf_firehose_host *h, uint32_t lun, struct sf_error *err);
/* <power value="reset|off|edl"/>: ACK, then the device leaves the bus. */
int sf_fh_power(struct sf_firehose_host *h, const char *value, struct sf_error *err);

#endif
