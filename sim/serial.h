/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The running module's serial ports (AT, DM/DIAG), as ptys that stand where the kernel's
 * ttyUSBn nodes would (DIR/dev/ttyUSBn -> /dev/pts/N). */
#ifndef SIM_SERIAL_H
#define SIM_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/diag.h"

#define SIM_PTY_HELD_MAX 65536

struct sim_pty {
        int master;
        int slave_keep; /* unused: -1 (the port is closed while no program holds it) */
        char link[256]; /* DIR/dev/ttyUSBn */
        /* What the module sent while no program held the port open: a USB serial driver
         * submits its read URBs only when the port is opened, so until then it stays in the
         * device (drivers/usb/serial/generic.c, usb_serial_generic_open). */
        uint8_t held[SIM_PTY_HELD_MAX];
        size_t held_len;
};

int sim_pty_open(struct sim_pty *t, const char *link_path);
void sim_pty_close(struct sim_pty *t);
int sim_pty_write(struct sim_pty *t, const void *buf, size_t len);
/* The same for a host that reads at its own pace (the EDL tty): when the pty is full, wait up
 * to stall_ms for the host to read before dropping the rest. */
int sim_pty_write_wait(struct sim_pty *t, const void *buf, size_t len, int stall_ms);
/* Whether a program holds the port open. */
bool sim_pty_is_open(const struct sim_pty *t);
/* Deliver what was held, once a program has opened the port; 1 while still closed. */
int sim_pty_service(struct sim_pty *t);

/* An injected fault on a port (module.c decides): asked before each request is answered. */
enum sim_port_fault {
        SIM_PORT_ANSWER = 0, /* as usual */
        SIM_PORT_ERROR,      /* refused: "ERROR" on AT, an error reply on DIAG */
        SIM_PORT_SILENT,     /* no answer, now or later: the firmware's task hangs */
        SIM_PORT_GONE,       /* the module leaves the bus (power lost, re-enumeration) */
};
typedef enum sim_port_fault (*sim_port_fault_fn)(void *ctx, const char *port);

/* What the firmware answers on its AT port. */
struct sim_at_identity {
        const char *model;   /* "EC25" */
        const char *version; /* full, "EC25EFAR06A17M4G_20.200.20.200" */
        const char *imei;    /* "" when EFS holds none */
        bool secure_boot;
        bool calibrated;
        uint16_t vid, pid;
        unsigned transient_reads; /* AT+QGMR answers "…00.000" this many times after boot */
        bool urc_chatter;         /* the boot's URCs arrive in the middle of answers */
};

struct sim_at {
        struct sim_pty pty;
        struct sim_at_identity id;
        bool echo;
        char line[512];
        size_t len;
        bool overflow;
        unsigned qgmr_count;
        unsigned urcs_sent; /* of the boot's URCs (urc_chatter) */
        sim_port_fault_fn fault; /* NULL: none */
        void *fault_ctx;
        bool silent, gone;
};

int sim_at_start(struct sim_at *a, const char *link_path, const struct sim_at_identity *id);
void sim_at_stop(struct sim_at *a);
/* Bytes are waiting on the pty: answer complete commands. */
int sim_at_service(struct sim_at *a);
/* One command line (without CR), answer appended to out; exposed for tests. */
size_t sim_at_answer(struct sim_at *a, const char *cmd, char *out, size_t size);

enum sim_diag_event {
        SIM_DIAG_NONE = 0,
        SIM_DIAG_SWITCH_TO_EDL, /* the EDL-reboot command was echoed: re-enumerate as 9008 */
};

struct sim_diag {
        struct sim_pty pty;
        struct sf_diag_reader reader;
        char revision[64];
        uint32_t msm_id; /* the chip the build-ID reply names; 0 for MDM9207 */
        sim_port_fault_fn fault; /* NULL: none */
        void *fault_ctx;
        bool silent, gone;
};

int sim_diag_start(struct sim_diag *d, const char *link_path, const char *revision);
void sim_diag_stop(struct sim_diag *d);
/* Frames are waiting: answer them; *event says when the module must switch to EDL. */
int sim_diag_service(struct sim_diag *d, enum sim_diag_event *event);
/* One request payload; the framed answer into out (exposed for tests). */
int sim_diag_answer(struct sim_diag *d, const uint8_t *req, size_t len, uint8_t *out, size_t size,
                    size_t *ret_len, enum sim_diag_event *event);

#endif
