/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Collecting the RAM of a crashed module. A module whose firmware crashed comes up as 05c6:900e
 * (memory-debug mode) and its boot ROM offers a table of memory regions over Sahara: the only
 * evidence of what happened when the DIAG port is dead. Each region is written to a file, with a
 * manifest of their SHA-256 digests; a region holding the firmware's last log is found and its
 * last lines returned. */
#ifndef SAFEFLASH_RAMDUMP_H
#define SAFEFLASH_RAMDUMP_H

#include <stdbool.h>
#include <stdint.h>

#include "safeflash/common.h"
#include "safeflash/device.h"
#include "safeflash/flash.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SF_RAMDUMP_DEFAULT_MAX_BYTES (1ull << 30) /* 1 GiB */
#define SF_RAMDUMP_MAX_REGIONS       128
#define SF_RAMDUMP_NAME_MAX          24
#define SF_RAMDUMP_LOG_TAIL_LINES    10
#define SF_RAMDUMP_LOG_TAIL_MAX      2048

struct sf_ramdump_options {
        const char *device;  /* NULL (the only module), "1-1", "usb:BUS:ADDR" or a port path */
        const char *out_dir; /* created when missing (0700); existing files are never replaced */
        uint64_t max_bytes;  /* the most the dump may hold; 0: SF_RAMDUMP_DEFAULT_MAX_BYTES */
        const char *session_log; /* write the session's traffic there (NULL: none) */
        /* Phases reported: IDENTIFY (HELLO and the table), BACKUP (the regions, item = file
         * name), RESET, DONE. */
        sf_progress_cb progress;
        sf_log_cb log;
        void *userdata;
};

struct sf_ramdump_region {
        char file[SF_RAMDUMP_NAME_MAX];        /* its file in out_dir */
        char description[SF_RAMDUMP_NAME_MAX]; /* the table's, printable ASCII */
        uint64_t save_pref, base, length;
        bool renamed;    /* the table's file name was unsafe or taken: file is generated */
        bool written;    /* the whole region is in file, fsynced */
        char sha256[65]; /* of file, when written */
};

struct sf_ramdump_result {
        char device[32];          /* sysfs name, or the port path */
        enum sf_device_mode mode; /* as found on the bus */
        uint32_t sahara_version;
        bool table_64; /* MEMORY_DEBUG_64 and 64-bit table entries */
        size_t n_regions;
        struct sf_ramdump_region regions[SF_RAMDUMP_MAX_REGIONS];
        uint64_t bytes; /* region bytes written */
        bool complete;  /* every region written and the manifest with them */
        bool reset;     /* the boot ROM acknowledged the RESET that ends the dump */
        int log_region; /* the region holding the crashed firmware's log, -1 for none */
        char log_tail[SF_RAMDUMP_LOG_TAIL_MAX]; /* its last lines, printable ASCII and '\n' */
};

/* Dump a module in memory-debug mode into o->out_dir (region files and manifest.json). *ret is
 * filled in either case. -ENODEV when there is no module, or it is not in memory-debug mode (the
 * message names its state and what to do); -ENOTUNIQ several modules; -EINVAL bad options;
 * -EFBIG the dump would exceed max_bytes; -EEXIST out_dir already holds one of its files;
 * -EPROTO a device that breaks the protocol; others as errno. On failure the module is not
 * reset: its RAM stays available for another attempt. */
SF_EXPORT int sf_ramdump_run(const struct sf_ramdump_options *o, struct sf_ramdump_result *ret,
                             struct sf_error *err);

#ifdef __cplusplus
}
#endif

#endif
