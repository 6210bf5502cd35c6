/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Writing a firmware package to a module that is in emergency download mode (05c6:9008):
 * package integrity, programmer ↔ chip check, Sahara upload, Firehose erase/program, verify,
 * reset. This is the expert path ("safeflash flash"); the safe update (identify, policy, backup,
 * switch to EDL, flash, confirm the new version) builds on it. */
#ifndef SAFEFLASH_FLASH_H
#define SAFEFLASH_FLASH_H

#include <stdbool.h>
#include <stdint.h>

#include "safeflash/common.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sf_phase {
        SF_PHASE_PACKAGE = 0, /* reading and checking the package (md5) */
        SF_PHASE_IDENTIFY,    /* Sahara command mode: who is this chip? */
        SF_PHASE_UPLOAD,      /* the programmer, over Sahara */
        SF_PHASE_PREPARE,     /* configure, compare what is already on the flash */
        SF_PHASE_BACKUP,      /* device-unique data copied off the module and verified */
        SF_PHASE_ERASE,
        SF_PHASE_PROGRAM,
        SF_PHASE_VERIFY,
        SF_PHASE_PATCH, /* eMMC/UFS: DISK patches (GPT fix-ups), after the verification */
        SF_PHASE_RESET,
        SF_PHASE_DONE,
};

SF_EXPORT const char *sf_phase_to_string(enum sf_phase p);

struct sf_progress {
        enum sf_phase phase;
        const char *item;     /* partition label or file, NULL when none */
        uint64_t done, total; /* bytes of this phase */
        double overall;       /* 0..1, phases weighted by the time they take */
};

enum sf_log_level {
        SF_LOG_DEBUG = 0,
        SF_LOG_INFO,
        SF_LOG_WARNING,
};

typedef void (*sf_progress_cb)(void *userdata, const struct sf_progress *p);

/* What a run does once the programmer runs. */
enum sf_flash_action {
        SF_FLASH_ACTION_WRITE = 0, /* write the package (with a backup first when backup_dir) */
        SF_FLASH_ACTION_BACKUP,    /* only back up EFS2 into backup_dir, then reset */
        SF_FLASH_ACTION_RESTORE,   /* write the EFS2 backup in restore_dir back, then reset */
};

SF_EXPORT const char *sf_flash_action_to_string(enum sf_flash_action a);

/* What the flash holds where a program of the package goes, before anything is written. */
enum sf_flash_verdict {
        SF_FLASH_SAME,    /* it holds what the package defines: skipped */
        SF_FLASH_CHANGED, /* it differs: written */
        SF_FLASH_UNKNOWN, /* it cannot be told (no read-back, damaged UBI, --write-all): written */
};
SF_EXPORT const char *sf_flash_verdict_to_string(enum sf_flash_verdict v);
typedef void (*sf_log_cb)(void *userdata, enum sf_log_level level, const char *text);

struct sf_flash_result;

/* A package opened, parsed and verified once, before the module is touched: every file against
 * md5.txt, every path confined, every line's range computed with checked arithmetic and inside
 * the partition the package's own partition table gives its label. */
typedef struct sf_flash_package sf_flash_package;

enum {
        SF_FLASH_PACKAGE_ALLOW_FACTORY = 1 << 0, /* accept factory content (wipes calibration) */
        SF_FLASH_PACKAGE_NO_VERIFY = 1 << 1,     /* do not check md5.txt (dangerous) */
};

/* Open and check path (a folder or a zip): -EBADMSG/-ENOENT/-EACCES… an invalid package (exit
 * 2), -EPERM factory content. progress (may be NULL) sees the bytes hashed. */
SF_EXPORT int sf_flash_package_open(const char *path, unsigned flags,
                                    void (*progress)(void *userdata, uint64_t done, uint64_t total),
                                    void *userdata, sf_flash_package **ret, struct sf_error *err);
SF_EXPORT void sf_flash_package_free(sf_flash_package *p);

struct sf_flash_options {
        const char *package; /* package folder, or a zip of one (read in place) */
        /* The package already opened and checked by sf_flash_package_open() (then package only
         * names it, and no_verify/allow_factory were decided there); NULL: opened here. */
        const sf_flash_package *verified;
        const char *device;  /* NULL or "usb" (the only EDL device: -ENOTUNIQ when there are
                              * several), "usb:BUS:ADDR", a port ("1-3", "2-1.4": the EDL
                              * device there), or a serial node path (/dev/ttyUSB0,
                              * /dev/wwan0firehose0) */
        bool no_verify;      /* do not check md5.txt (dangerous; said loudly) */
        bool write_all;      /* do not skip partitions whose content already matches */
        bool no_reset;       /* stay in the programmer after writing */
        bool plan_only;      /* say per partition what would be written (result's plan), write
                              * nothing, no backup; then reset the module unless no_reset */
        bool allow_factory;  /* accept factory content (wipes calibration): never by default */
        /* refuse a package whose partition table puts EFS2 elsewhere than the module's own
         * table (its firmware would boot without its IMEI): for a module that ran, whose table
         * is the one its firmware uses; a stuck module's table may be the wrong one */
        bool require_same_layout;
        const char *session_log; /* write the session's traffic there (NULL: none) */
        /* Back up the device-unique partitions (EFS2: IMEI, RF calibration) into this folder,
         * verified and fsynced, before anything is written; NULL: no backup. */
        const char *backup_dir;
        bool backup_best_effort; /* go on without a backup when EFS2 cannot be located */
        /* Called once the backup is on disk (fsynced, read back), before the first write; a
         * negative return stops the run there (nothing written). res says what was saved. */
        int (*on_backup)(void *userdata, const struct sf_flash_result *res, struct sf_error *err);
        const char *imei;        /* recorded in the backup's manifest, NULL when unknown */
        enum sf_flash_action action;
        /* RESTORE: a folder written by a backup (manifest.json, efs2.bin). It must come from
         * this chip (its serial, read in Sahara command mode) unless force_restore, and fit the
         * module's own EFS2 partition exactly. */
        const char *restore_dir;
        bool force_restore;
        sf_progress_cb progress;
        sf_log_cb log;
        void *userdata;
        /* What is known of the chip from before EDL, for a boot ROM that refuses Sahara command
         * mode: its MSM ID and where that came from ("history", "diag", "at"). */
        bool has_known_chip;
        uint32_t known_msm_id;
        const char *known_chip_from;
        /* Write even when nothing tells which chip the module is (no command mode, nothing
         * known before, no chip serial from the programmer): the programmer goes unchecked. */
        bool force_unidentified;
        /* Called when the chip was identified only once the programmer ran (its boot ROM refuses
         * command mode): res->chip_serial names it. Before the backup and before anything is
         * written; a negative return stops the run there (nothing written, the module reset). */
        int (*on_identified)(void *userdata, const struct sf_flash_result *res,
                             struct sf_error *err);
};

/* One partition of the plan: what the flash holds there, and why (for a UBI image, which volume
 * differs, or which is the module's own data, kept). */
struct sf_flash_plan_item {
        char partition[32]; /* the line's label, else its file name */
        enum sf_flash_verdict verdict;
        char why[200];
};
#define SF_FLASH_MAX_PLAN 32

/* One device-unique partition copied by a backup. */
struct sf_flash_backup_part {
        char name[17]; /* "EFS2", "modemst1", … */
        uint64_t size;
        char sha256[65];
};
#define SF_FLASH_MAX_BACKUP_PARTS 8

struct sf_flash_result {
        bool identified;
        uint32_t chip_serial, msm_id;
        uint16_t oem_id;
        bool programmer_was_running; /* Firehose answered without Sahara (loaded before) */
        unsigned partitions_written, partitions_skipped, partitions_verified;
        uint64_t bytes_written;
        bool reset;
        bool backed_up; /* backup_dir holds a verified copy of the device-unique partitions */
        uint64_t backup_bytes;
        char backup_sha256[65]; /* of the first partition's copy (EFS2 on NAND) */
        unsigned backup_parts;
        struct sf_flash_backup_part backup_part[SF_FLASH_MAX_BACKUP_PARTS];
        bool restored; /* restore_dir's EFS2 written and verified */
        /* What the chip check rested on: "sahara" (command mode), "history", "diag", "at"
         * (known before EDL), "programmer" (its banner, after it started), "none" (forced),
         * "" (a programmer was running already: nothing checked). */
        char chip_evidence[16];
        /* The plan, per program of the package (in package order; the first SF_FLASH_MAX_PLAN) */
        unsigned plan_items;
        struct sf_flash_plan_item plan[SF_FLASH_MAX_PLAN];
};

/* Flash. *ret is filled in either case: it says what was done. On failure err says what
 * happened and what it means; the return value maps to the
 * CLI's exit codes: -EINVAL/-EBADMSG/-ENOENT invalid package (2), -EPERM refused before
 * writing (3), -ENODEV no device (4), anything else failed (1). */
SF_EXPORT int sf_flash_run(const struct sf_flash_options *o, struct sf_flash_result *ret,
                           struct sf_error *err);

#ifdef __cplusplus
}
#endif

#endif
