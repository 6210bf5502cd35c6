/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The boot ROM's side of Sahara: sends HELLO, pulls the programmer like a PBL does (ELF header,
 * program headers, hash segment, segments in bounded reads), authenticates it against the chip's
 * fuses, answers command mode and memory-debug mode. No I/O: packets go out through a callback,
 * and host bytes come in through sim_sahara_input(). */
#ifndef SIM_SAHARA_DEV_H
#define SIM_SAHARA_DEV_H

#include <stddef.h>
#include <stdint.h>

#include "chip.h"
#include "proto/mbn.h"

#define SIM_PROGRAMMER_MAX (8u * 1024 * 1024)

enum sim_sahara_outcome {
        SIM_SAHARA_RUNNING = 0,
        SIM_SAHARA_PROGRAMMER_STARTED, /* DONE_RESP(1) sent: Firehose starts */
        SIM_SAHARA_PROGRAMMER_HUNG,    /* accepted, but it is for another chip: never answers */
        SIM_SAHARA_RESET,              /* RESET_RESP sent: the chip resets */
};

/* What the programmer that was loaded says about itself. */
struct sim_programmer_info {
        uint32_t msm_id;
        uint16_t oem_id, model_id;
        uint8_t root_hash[32];
        bool has_identity;
};

typedef int (*sim_send_fn)(void *ctx, const uint8_t *buf, size_t len);

struct sim_sahara {
        const struct sim_chip *chip;
        sim_send_fn send;
        void *ctx;
        int state;
        enum sim_sahara_outcome outcome;
        /* host bytes of the packet or raw block being received */
        uint8_t pkt[64];
        size_t pkt_len;
        /* the programmer, as pulled */
        uint8_t *image;
        uint64_t image_size; /* known after the program headers */
        int pull;            /* what is being pulled: header, program headers, segments */
        struct sf_elf_header ehdr;
        struct sf_elf_phdr phdrs[SF_ELF_MAX_PHDRS];
        int hash_index;
        bool will_hang; /* authenticated, but built for another chip */
        struct {
                uint64_t offset, length;
        } plan[SF_ELF_MAX_PHDRS];
        unsigned n_plan, plan_pos;
        uint64_t seg_done;                /* bytes of plan[plan_pos] received */
        uint64_t want_off, want_len, got; /* the READ_DATA being answered */
        uint32_t exec_cmd;                /* EXECUTE awaiting EXECUTE_DATA */
        struct sim_programmer_info programmer;
        const char *crash_log; /* memory-debug mode: what the crashed firmware last logged */
        uint32_t last_status;
};

int sim_sahara_init(struct sim_sahara *s, const struct sim_chip *chip, sim_send_fn send, void *ctx);
void sim_sahara_done(struct sim_sahara *s);
/* Send the first HELLO (the device speaks first). */
int sim_sahara_start(struct sim_sahara *s);
/* An injected fault: the ROM refuses the image (END_OF_IMAGE_TX, image authentication failed). */
int sim_sahara_refuse(struct sim_sahara *s);
/* Bytes of one host transfer (possibly a zero-length packet, ignored). */
int sim_sahara_input(struct sim_sahara *s, const uint8_t *buf, size_t len);

#endif
