/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One simulated module: its flash, the mode it is in, and how it appears on the bus. */
#ifndef SIM_MODULE_H
#define SIM_MODULE_H

#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>

#include "firehose_dev.h"
#include "flash.h"
#include "persona.h"
#include "boot.h"
#include "sahara_dev.h"
#include "serial.h"
#include "testbed.h"
#include "usb.h"
#include "usbfs.h"

/* How long things take on a real module (landscape.md): a USB 2.0 high-speed link moves about
 * 40 MB/s of bulk data, MDM9x07 NAND programs about 4 MB/s and erases a 256 KiB block in about
 * 2 ms, and the programmer needs a little time per command. The link and the NAND work in
 * parallel (the programmer buffers), so a well-driven flash is bound by the NAND. UFS writes far
 * faster than USB 2.0 carries (the figures are assumptions, not measurements), so a UFS flash is
 * bound by the link. */
struct sim_timing {
        bool enabled;
        double usb_bytes_per_s;
        double program_bytes_per_s;
        double erase_block_s;
        double turnaround_s; /* once per answer to the host, not per transfer of a long one */
        double ufs_program_bytes_per_s;
        double ufs_unmap_bytes_per_s; /* erase on UFS: an UNMAP */
};

extern const struct sim_timing sim_timing_real;

#define SIM_MAX_FAULTS 8

/* Faults injected on request (safeflash-sim run --fault SPEC); each fires once. */
struct sim_fault {
        enum { SIM_FAULT_ON_COMMAND, SIM_FAULT_AFTER_BYTES } when;
        enum sim_fault_action action;
        char element[32]; /* ON_COMMAND: which command ("program") */
        unsigned nth;     /* ON_COMMAND: its occurrence, 0 the first */
        uint64_t bytes;   /* AFTER_BYTES: of program data, then power is lost */
        bool fired;
};

/* "nak:program:2", "stall:configure", "cut:erase", "reenum:read", "cut-bytes:100000",
 * "corrupt-digest", "garbage". CMD is a Firehose element, or "sahara" (a host transfer to the
 * boot ROM), "at" (an AT command line), "diag" (a DIAG request). -EINVAL for anything else. */
int sim_fault_parse(const char *spec, struct sim_fault *ret, bool *ret_corrupt_digest,
                    bool *ret_garbage);

enum sim_mode {
        SIM_MODE_OFF = 0,
        SIM_MODE_EDL,      /* 05c6:9008, the boot ROM speaks Sahara */
        SIM_MODE_FIREHOSE, /* 05c6:9008, a programmer speaks Firehose */
        SIM_MODE_HUNG,     /* 05c6:9008, a programmer for another chip: silence */
        SIM_MODE_NORMAL,   /* 2c7c:0125 (0800 RM500Q), the firmware runs: DM, NMEA, AT ports */
        SIM_MODE_DUMP,     /* 05c6:900e, the modem crashed: Sahara memory debug */
};

const char *sim_mode_to_string(enum sim_mode mode);

/* Ports of the simulated root hub: port N is device "1-N" with ttys ttyUSB(4(N-1))..+3, so 32
 * ports use ttyUSB0..127 and leave addresses to spare on the bus. */
#define SIM_MAX_PORT      32
#define SIM_TTYS_PER_PORT 4

struct sim_module {
        const struct sim_persona *persona;
        struct sim_chip chip; /* the persona's, plus what the boot model decided (dump) */
        struct sim_boot_report boot;
        struct sim_at at[2];      /* ttyUSB2 and ttyUSB3 */
        struct sim_diag diag;     /* ttyUSB0 */
        struct sim_pty nmea;      /* ttyUSB1: silent */
        struct sim_pty edl_tty;   /* in EDL: ttyUSB0, as qcserial would present 9008 */
        bool host_on_tty;         /* the host speaks through edl_tty, not the USB endpoint */
        long long reenumerate_at; /* ms (monotonic): the module reboots then; 0 none */
        enum {
                SIM_AFTER_NONE = 0, /* a DIAG switch: into EDL */
                SIM_AFTER_REBOOT,   /* a reset: boot from the flash */
                SIM_AFTER_OFF,      /* powered off: leave the bus */
                SIM_AFTER_REAPPEAR, /* off the bus for a moment: back in the same state */
        } after;
        char dir[PATH_MAX / 2];   /* flash and state: this module's own */
        char bus[PATH_MAX / 2];   /* the testbed (sys/, dev/, ioctl/) and usb/ locks: shared */
        struct sim_testbed tb;    /* the bus as clients see it */
        unsigned port;                  /* on the root hub: the device is "1-PORT" */
        bool usb3; /* running, it is a SuperSpeed device "2-PORT" on bus 2 (EDL stays 1-PORT) */
        char tty_names[SIM_TTYS_PER_PORT][16]; /* ttyUSB(4(port-1)+i) */
        int port_lock;                         /* held while this process owns the port */
        struct sim_flash flash;
        enum sim_mode mode;
        struct sim_usb_desc usb;  /* on the bus now; name "" when off the bus */
        struct sim_usbfs *usbfs;  /* its usbfs node */
        struct sim_usbfs **gone;  /* nodes of earlier enumerations, kept for open handles */
        size_t n_gone;
        /* The module's state is reached from the main loop (ttys, timers) and from umockdev's
         * worker thread (usbfs requests): whoever holds this lock. */
        pthread_mutex_t lock;
        struct sim_sahara sahara;
        struct sim_firehose fh;
        unsigned devnum;
        FILE *log; /* traffic log, NULL for none */
        struct sim_timing timing;
        struct sim_fault faults[SIM_MAX_FAULTS];
        unsigned n_faults;
        bool garbage_pending;              /* fault: foreign bytes before the next HELLO */
        struct sim_firehose_config fh_cfg; /* the persona's, with faults applied */
        uint64_t program_bytes_seen;
        bool power_loss_pending;
        bool reenum_pending;       /* fault: the module drops off the bus and comes back */
        enum sim_fault_action port_gone; /* fault: how a port's request made the module go */
        unsigned seen_sahara, seen_at, seen_diag; /* requests, for faults on them */
        double link_free_at, nand_free_at; /* seconds, monotonic */
        bool answer_due; /* host bytes arrived: the next send is an answer, after turnaround_s */
        uint64_t accounted_programmed, accounted_erased;
        unsigned quirks;           /* real habits on (quirks.h): the persona's, or as asked */
        long long fh_ready_at;     /* ms (monotonic): a slow programmer starts then; 0 none */
};

/* Set up the state directory (flash.img) and the bus directory (its testbed and usb/; bus NULL:
 * the state directory), take the port (-EADDRINUSE when another simulator holds it: port 1..
 * SIM_MAX_PORT) and open the flash. */
int sim_module_init(struct sim_module *m, const struct sim_persona *p, const char *dir,
                    const char *bus, unsigned port, uint64_t num_pages);
void sim_module_done(struct sim_module *m);

/* Appear on the bus in emergency download mode. */
int sim_module_enter_edl(struct sim_module *m);
/* Power on: boot from flash (boot.h) and appear accordingly. */
int sim_module_power_on(struct sim_module *m);

/* The descriptors to poll, and what to do when they are ready. */
int sim_module_fill_poll(struct sim_module *m, struct pollfd *fds, int max);
int sim_module_dispatch(struct sim_module *m, const struct pollfd *fds, int n);
/* Timed events (a reboot in progress); returns the ms until the next one, or -1. */
int sim_module_tick(struct sim_module *m);

#endif
