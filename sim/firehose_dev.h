/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The programmer's side of Firehose, on the simulated flash: one XML document per IN transfer
 * in the exact framing of real programmers, configure negotiation with the storage's payload
 * limit (8 KiB NAND, 1 MiB UFS), program/read/erase/patch/getstorageinfo/getsha256digest/nop/
 * power/setbootablestoragedrive, raw data phases, and the refusal texts hosts key on. No I/O: see
 * sim_send_fn.
 *
 * On UFS, physical_partition_number selects the LUN, and start_sector, NUM_DISK_SECTORS and
 * CRC32(…) count in that LUN's sectors; getstorageinfo describes the LUN asked for;
 * setbootablestoragedrive sets the persistent bBootLunEn (flash.h). */
#ifndef SIM_FIREHOSE_DEV_H
#define SIM_FIREHOSE_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flash.h"
#include "nand_bbt.h"
#include "proto/firehose.h"
#include "sahara_dev.h"

enum sim_firehose_outcome {
        SIM_FIREHOSE_RUNNING = 0,
        SIM_FIREHOSE_POWER_RESET, /* <power value="reset"/> answered: the module restarts */
        SIM_FIREHOSE_POWER_OFF,
        SIM_FIREHOSE_POWER_EDL,  /* back to a fresh 9008 */
        SIM_FIREHOSE_POWER_LOST, /* an injected fault: the module loses power here */
};

/* What an injected fault makes the programmer do with a command. */
enum sim_fault_action {
        SIM_FAULT_NONE = 0,
        SIM_FAULT_NAK,   /* refuse it, with an error log */
        SIM_FAULT_STALL, /* never answer it, nor anything after it */
        SIM_FAULT_CUT,   /* lose power on receiving it */
        SIM_FAULT_REENUM, /* it is lost: the module drops off the bus and enumerates again */
};

/* Asked for every command: its element name and how many came before it (0 for the first). */
typedef enum sim_fault_action (*sim_fault_fn)(void *ctx, const char *element, unsigned seen);

struct sim_firehose_config {
        const char *memory_name;        /* "nand", "ufs" */
        uint64_t max_payload_to_target; /* 8192 on Quectel NAND programmers, 1 MiB on UFS */
        uint64_t max_payload_from_target;
        const char *target_name; /* "9x07" */
        uint32_t chip_serial;
        bool quiet_boot;     /* no start-up banner nor bad-block scan log (edl over serial
                              * needs this) */
        bool corrupt_digest; /* fault: getsha256digest answers a wrong digest */
        bool no_digest;      /* no getsha256digest: not in the banner, NAKed (quirks.h) */
        bool chatty;         /* unasked INFO logs after a configure's answer (slow-start) */
};

/* The sectors a command names. */
struct sim_fh_range {
        uint64_t start, count; /* in sectors (pages) of the LUN */
        uint64_t disk;         /* NUM_DISK_SECTORS: the LUN's size */
        uint64_t base;         /* the flash page of the LUN's sector 0 */
        struct sim_nand_io io; /* NAND: bad blocks skipped from start_sector to last_sector */
};

/* A <read> whose data did not all fit the link's queue yet (sim_firehose_resume()). */
struct sim_pending_read {
        bool active;
        bool failed; /* a chunk could not be read: zeros from there, and a NAK */
        struct sim_fh_range rg;
        uint64_t done, total;
};

struct sim_firehose {
        struct sim_flash *flash;
        const struct sim_firehose_config *cfg;
        sim_send_fn send;
        void *ctx;
        enum sim_firehose_outcome outcome;
        bool configured;
        uint64_t payload_to_target;
        /* XML being received */
        char xml[SF_FIREHOSE_MAX_XML + 1];
        size_t xml_len;
        /* a program's raw phase */
        bool raw;
        uint64_t raw_page, raw_pages_left; /* raw_page: the next sector of the LUN */
        struct sim_nand_io io;             /* the command's bad-block mapping (nand_bbt.h) */
        uint8_t *page;
        size_t page_fill;
        int raw_error;     /* the first flash error of this program */
        uint64_t commands; /* statistics */
        sim_fault_fn fault;
        void *fault_ctx;
        unsigned seen[16]; /* commands received, per sf_firehose_cmd */
        bool stalled;      /* a fault made it stop answering */
        bool asleep;       /* still starting up (slow-start): what arrives now is lost */
        bool storage_open; /* NAND: the bad-block scan of the first storage command is done */
        struct sim_pending_read reading;
};

int sim_firehose_init(struct sim_firehose *fh, struct sim_flash *flash,
                      const struct sim_firehose_config *cfg, sim_send_fn send, void *ctx);
void sim_firehose_done(struct sim_firehose *fh);
/* The programmer has started: its banner (unless quiet). */
int sim_firehose_start(struct sim_firehose *fh);
/* One host OUT transfer. */
int sim_firehose_input(struct sim_firehose *fh, const uint8_t *buf, size_t len);
/* A <read> stopped by a full link queue (its send said -ENOBUFS) goes on: call once the host
 * has taken some of it. Nothing to do when no read waits. */
int sim_firehose_resume(struct sim_firehose *fh);
bool sim_firehose_reading(const struct sim_firehose *fh);

#endif
