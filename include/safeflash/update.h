/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The safe paths, built on the engine, the policy and the history: update a running module,
 * diagnose one, recover a stuck one, back up and restore what cannot be replaced. Each records
 * itself in the history as it happens. A fleet tool (an SWUpdate handler, a fwupd plugin, a
 * Mender update module) drives these exactly as the safeflash command does. */
#ifndef SAFEFLASH_UPDATE_H
#define SAFEFLASH_UPDATE_H

#include <stdbool.h>
#include <stdint.h>

#include "safeflash/common.h"
#include "safeflash/device.h"
#include "safeflash/flash.h"
#include "safeflash/package.h"
#include "safeflash/policy.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SF_UPDATE_PATH_MAX 1024

/* Where safeflash keeps its state: $XDG_STATE_HOME/safeflash, or ~/.local/state/safeflash
 * (history.db, logs/, backups/). Creates it (mode 0700). */
SF_EXPORT int sf_state_dir(char *buf, size_t size, struct sf_error *err);

/* Called once the verdict is known, before anything else happens. */
typedef void (*sf_verdict_cb)(void *userdata, const struct sf_version *from,
                              const struct sf_version *to, const sf_package *pkg,
                              const sf_report *rep);
/* Called when the package is allowed only because an override lifted a refusal: true goes on. */
typedef bool (*sf_confirm_cb)(void *userdata, const sf_report *rep);

/* What the update, recover, backup and restore runs share. */
struct sf_run_options {
        const char *device;       /* as for sf_device_find(); NULL: the only module */
        const char *state_dir;    /* NULL: sf_state_dir() */
        const char *history_path; /* NULL: STATE/history.db */
        int boot_timeout_s;       /* 0: 90 s for the module to come back after a reset */
        /* Another safeflash works on the module (its lock, under the runtime folder): refuse at
         * once (-EBUSY, naming its PID) instead of waiting for it. */
        bool lock_no_wait;
        sf_progress_cb progress;
        sf_log_cb log;
        void *userdata;
};

struct sf_update_options {
        struct sf_run_options run;
        const char *package;
        unsigned policy_flags; /* SF_POLICY_ALLOW_* */
        const sf_rules *rules; /* NULL: sf_rules_load_standard() without extra files */
        bool assume_yes;       /* an override needs no confirmation */
        sf_confirm_cb confirm; /* NULL (and no assume_yes): an override refuses */
        sf_verdict_cb on_verdict;
};

enum sf_update_outcome {
        SF_UPDATE_NOT_STARTED = 0, /* failed before a decision: no module, invalid package */
        SF_UPDATE_REFUSED,         /* nothing was written */
        SF_UPDATE_FAILED,
        SF_UPDATE_SUCCESS,
};

SF_EXPORT const char *sf_update_outcome_to_string(enum sf_update_outcome o);

struct sf_run_result {
        enum sf_update_outcome outcome;
        char device[32]; /* sysfs name of the module when found */
        struct sf_identity before, after;
        struct sf_flash_result flash;
        char backup_dir[SF_UPDATE_PATH_MAX];  /* "" when no backup was taken */
        char session_log[SF_UPDATE_PATH_MAX]; /* "" when none */
        int64_t session_id;
        char from_version[128], to_version[128];
        bool boot_checked; /* the module was seen running after the flash (expert path) */
};

/* identify (AT) → policy on the module's own version (a refusal writes nothing: -EPERM) →
 * confirmation of any override → switch to EDL over DIAG → package and programmer ↔ chip
 * checks → EFS backup (read, fsynced, read back, verified) → flash → reset → wait for the
 * module → success only when it runs the package's version with the same IMEI.
 * Returns 0, or: -EPERM refused (nothing written), -EINVAL/-EBADMSG/-ENOENT invalid package,
 * -ENODEV no module or one in the wrong state, anything else failed. *ret says what happened
 * in every case. */
SF_EXPORT int sf_update_run(const struct sf_update_options *o, struct sf_run_result *ret,
                            struct sf_error *err);

struct sf_expert_options {
        struct sf_run_options run; /* run.device: as sf_device_find(), or a serial node path */
        struct sf_flash_options flash; /* package, write_all, no_reset, no_verify, backup_dir
                                        * (NULL: STATE/backups/…), session_log */
        bool no_backup; /* do not back up the module's EFS first */
        bool no_wait;   /* do not wait for the boot: the result says it was not checked */
};

/* The expert path: write a package onto a module already in EDL. The package is opened and
 * verified before the module is touched; its EFS is backed up (verified, in the history)
 * unless no_backup; then, unless no_wait or no_reset, the module must come back running the
 * package's firmware with the IMEI the history knows for its chip (a module that lost it gets
 * its backup written back). Returns as sf_update_run(); ret->boot_checked says whether the
 * boot was seen. */
SF_EXPORT int sf_expert_flash_run(const struct sf_expert_options *o, struct sf_run_result *ret,
                                  struct sf_error *err);

/* Back up a running or EDL module's EFS with the programmer of package (the module is reset
 * afterwards). The backup goes to STATE/backups/IMEI-or-serial/TIME/ and into the history. */
SF_EXPORT int sf_backup_run(const struct sf_run_options *o, const char *package,
                            struct sf_run_result *ret, struct sf_error *err);

/* Write a backup folder back onto the module it came from (chip serial; IMEI when the module
 * still reports one) unless force; waits for it to boot and reports its IMEI in ret->after. */
SF_EXPORT int sf_restore_run(const struct sf_run_options *o, const char *backup,
                             const char *package, bool force, struct sf_run_result *ret,
                             struct sf_error *err);

/* Bring back a module stuck in EDL: the package given, or from library (a folder of packages,
 * indexed by version) the last known good firmware of its chip serial in the history. Flashes
 * it (backing up what EFS remains first), waits for the boot, and restores the module's
 * latest verified backup when it has lost its IMEI. -ENOENT names the version to obtain when
 * the library lacks it. */
SF_EXPORT int sf_recover_run(const struct sf_run_options *o, const char *package,
                             const char *library, struct sf_run_result *ret, struct sf_error *err);

enum sf_doctor_state {
        SF_DOCTOR_NO_MODULE = 0,
        SF_DOCTOR_HEALTHY,          /* running, reports its version and a valid IMEI */
        SF_DOCTOR_NO_IMEI,          /* running, but without a valid IMEI: EFS lost or damaged */
        SF_DOCTOR_INTERRUPTED,      /* running, but its last session never finished */
        SF_DOCTOR_EDL_NO_BOOT,      /* in EDL: the boot chain on flash does not start */
        SF_DOCTOR_FIREHOSE_RUNNING, /* in EDL with a programmer loaded (a "Sahara only" run) */
        SF_DOCTOR_MEMORY_DEBUG,     /* 900e: the firmware crashed */
        SF_DOCTOR_FASTBOOT,
        SF_DOCTOR_SBL_DOWNLOAD,
        SF_DOCTOR_UNREACHABLE, /* found, but it does not answer on any port */
};

SF_EXPORT const char *sf_doctor_state_to_string(enum sf_doctor_state s);

struct sf_diagnosis {
        enum sf_doctor_state state;
        struct sf_device dev;
        struct sf_identity id;
        bool known;             /* the history knows the module */
        char last_good[128];    /* last known good firmware, "" when unknown */
        char last_session[512]; /* the latest session, one line, "" when none */
        char summary[256];      /* one line: the state */
        char cause[768];        /* why it is in that state */
        char next[512];         /* what to do next: a command */
};

/* What state is the module in, why, and what to do next. Changes nothing on the module. */
SF_EXPORT int sf_doctor_run(const char *device, const char *history_path, struct sf_diagnosis *ret,
                            struct sf_error *err);

#ifdef __cplusplus
}
#endif

#endif
