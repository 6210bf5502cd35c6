/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the safe paths (update, backup, restore, recover) share: the state folder, the history
 * session recorded as it happens, the switch to EDL, the engine run, the wait for the boot. */
#ifndef SF_UPDATE_RUN_H
#define SF_UPDATE_RUN_H

#include "safeflash/history.h"
#include "safeflash/update.h"

#define SF_RUN_MAX_LOCKS 4

struct sf_run {
        const struct sf_run_options *o;
        struct sf_run_result *res;
        sf_history *hist;
        int64_t module_id;
        char state_dir[SF_UPDATE_PATH_MAX];
        char stamp[32];      /* UTC time of the run, for file names */
        enum sf_phase phase; /* of the engine run in progress */
        bool phase_started;
        bool backup_recorded; /* the engine's backup has its history row */
        char edl_name[32];    /* where the last flash found the module in EDL */
        char expect_imei[16]; /* the module's IMEI, when known: how it is found again */
        bool chip_recorded;   /* the flash's chip is in the history already */
        /* Called when the flash learns the chip only from its programmer (a boot ROM without
         * command mode), once its identity is in the history and before anything is written;
         * a negative return stops the flash there. */
        int (*on_chip)(struct sf_run *r, uint32_t chip_serial, struct sf_error *err);
        void *on_chip_data;
        struct sf_mm *mm; /* ModemManager kept off the module, NULL when it does not run */
        /* The module's locks (lock.c): by USB path, chip serial and IMEI. */
        int lock_fds[SF_RUN_MAX_LOCKS];
        char lock_keys[SF_RUN_MAX_LOCKS][48];
        size_t n_locks;
};

/* lock.c: the module's lock by key ("usb-1-3", "chip-0x…", "imei-…"), held until
 * sf_run_done(); waits for another process holding it (saying so), or -EBUSY naming its PID
 * when the options say not to wait. */
int sf_run_lock(struct sf_run *r, const char *key, struct sf_error *err);
void sf_run_unlock(struct sf_run *r);
/* The locks of a device (its USB path) and of an identity (chip serial, IMEI). */
int sf_run_lock_device(struct sf_run *r, const struct sf_device *dev, struct sf_error *err);
int sf_run_lock_identity(struct sf_run *r, const struct sf_identity *id, struct sf_error *err);

/* The state folder and the history; ret->outcome NOT_STARTED. */
int sf_run_begin(struct sf_run *r, const struct sf_run_options *o, struct sf_run_result *res,
                 struct sf_error *err);
/* Close the history (a session still running reads as interrupted). */
void sf_run_done(struct sf_run *r);
void sf_run_log(struct sf_run *r, enum sf_log_level level, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Free space in the state folder for the package's EFS backup and the logs: -ENOSPC saying
 * so (before the module is touched). */
int sf_run_check_space(struct sf_run *r, const sf_flash_package *pkg, struct sf_error *err);

/* The module, and its identity over AT / DIAG / Sahara, recorded in the history. */
int sf_run_identify(struct sf_run *r, struct sf_device *dev, struct sf_error *err);
int sf_run_record_identity(struct sf_run *r, const struct sf_identity *id, struct sf_error *err);

/* Session: a log file STATE/logs/TIME-LABEL.log, a history row, steps as they happen. */
int sf_run_session_begin(struct sf_run *r, enum sf_history_kind kind, const char *package,
                         const char *label, struct sf_error *err);
void sf_run_step(struct sf_run *r, const char *name, enum sf_history_step_state st,
                 const char *detail);
/* End the session by rc (0 success, -EPERM refused, else failed) and set res->outcome. */
int sf_run_session_end(struct sf_run *r, int rc, const struct sf_error *err);

/* STATE/backups/LABEL/TIME-sSESSION into res->backup_dir (created below it by the engine). */
int sf_run_backup_dir(struct sf_run *r, const char *label, struct sf_error *err);

/* A running module switched to EDL over DIAG (a module already in EDL is returned as it is). */
int sf_run_to_edl(struct sf_run *r, const struct sf_device *dev, struct sf_device *ret,
                  struct sf_error *err);
/* The engine on the EDL module edl, with the session log, progress as history steps, the chip
 * bound to the module, and a backup recorded when one was taken. */
int sf_run_flash(struct sf_run *r, struct sf_flash_options *fo, const struct sf_device *edl,
                 struct sf_error *err);
/* After a reset: the module back on the bus, running, and identified into *ret: on its port
 * (name), or elsewhere with the same IMEI (res->device then names where). */
int sf_run_wait_boot(struct sf_run *r, const char *name, struct sf_identity *ret,
                     struct sf_error *err);

/* The module boots without the IMEI it had: backup (a verified backup folder) written back
 * with package's programmer, and the module must boot again (into res->after). */
int sf_run_restore_lost(struct sf_run *r, const char *package, const char *backup,
                        struct sf_error *err);

/* The IMEI a backup's manifest names ("" when none); -EINVAL when it has no readable
 * manifest. */
int sf_run_manifest_imei(const char *backup, char imei[16]);

#endif
