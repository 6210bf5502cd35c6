/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The history: every module safeflash has touched, what it said it was, every session run on it
 * step by step, what was installed and what was backed up. It answers "what firmware did this
 * module have, and when?" and "what is the last firmware this chip is known to have run?".
 *
 * A SQLite database, $XDG_STATE_HOME/safeflash/history.db by default. Every write is committed
 * (and fsync'ed) before the call returns, so a crash leaves a truthful record. Several processes
 * may use one database at once; a writer waits up to a few seconds for another's transaction.
 *
 * Errors: -EIO for a SQLite failure (the SQLite message is in the sf_error), -EBUSY when another
 * process held the database for too long, -ENOSPC disk full, -ENOENT nothing recorded under that
 * key, -EINVAL malformed argument, -E2BIG a text longer than SF_HISTORY_TEXT_MAX or a list longer
 * than its cap, -EPROTO a database written by a newer safeflash, -EBADMSG a file that is damaged
 * or not a safeflash history (never modified in either case). */
#ifndef SAFEFLASH_HISTORY_H
#define SAFEFLASH_HISTORY_H

#include <stdbool.h>
#include <stdint.h>

#include "safeflash/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sf_history sf_history;
typedef struct sf_history_report sf_history_report;

/* Bytes of any one text (without the NUL). Longer names, versions and paths are refused with
 * -E2BIG; a longer step detail or session error is cut, since losing the record would be worse. */
#define SF_HISTORY_TEXT_MAX 4096
/* Rows of one kind a query returns; more are left off (the newest are kept) and flagged. */
#define SF_HISTORY_ROWS_MAX 1000
/* Step events of one session, and partitions of one backup. */
#define SF_HISTORY_STEPS_MAX      1000
#define SF_HISTORY_PARTITIONS_MAX 128

/* Where an identity was read. */
enum sf_history_source {
        SF_HISTORY_SOURCE_AT = 0, /* the AT port of a running module: IMEI, model, firmware */
        SF_HISTORY_SOURCE_DIAG,   /* the DIAG port */
        SF_HISTORY_SOURCE_SAHARA, /* the boot ROM in EDL, command mode: chip serial, HW ID */
};

enum sf_history_kind {
        SF_HISTORY_KIND_UPDATE = 0,
        SF_HISTORY_KIND_FLASH,
        SF_HISTORY_KIND_RECOVER,
        SF_HISTORY_KIND_BACKUP,
        SF_HISTORY_KIND_RESTORE,
};

enum sf_history_step_state {
        SF_HISTORY_STEP_STARTED = 0,
        SF_HISTORY_STEP_DONE,
        SF_HISTORY_STEP_FAILED,
};

enum sf_history_outcome {
        SF_HISTORY_OUTCOME_RUNNING = 0,
        SF_HISTORY_OUTCOME_SUCCESS,
        SF_HISTORY_OUTCOME_FAILED,
        SF_HISTORY_OUTCOME_REFUSED,
        /* Ended by a crash, a kill or a power loss: the process that recorded the session is gone
         * (or closed the history without ending it). Also a valid outcome to end with. */
        SF_HISTORY_OUTCOME_INTERRUPTED,
};

/* What a last-known-good version rests on. */
enum sf_history_evidence {
        SF_HISTORY_EVIDENCE_INSTALL = 0, /* a recorded install, confirmed over AT */
        SF_HISTORY_EVIDENCE_IDENTIFY,    /* the module reported it over AT */
};

SF_EXPORT const char *sf_history_source_to_string(enum sf_history_source s);
SF_EXPORT const char *sf_history_kind_to_string(enum sf_history_kind k);
SF_EXPORT const char *sf_history_step_state_to_string(enum sf_history_step_state s);
SF_EXPORT const char *sf_history_outcome_to_string(enum sf_history_outcome o);
SF_EXPORT const char *sf_history_evidence_to_string(enum sf_history_evidence e);

/* One reading of a module's identity. Input of sf_history_identity_record(), and what a report
 * gives back. Strings are NUL-terminated; NULL when not read. */
struct sf_history_identity {
        enum sf_history_source source;
        bool has_chip_serial;
        uint32_t chip_serial; /* Sahara serial number, fused in the SoC */
        bool has_hw_id;
        uint64_t hw_id;       /* MSM_HW_ID: msm_id << 32 | oem_id << 16 | model_id */
        const char *imei;     /* exactly 15 decimal digits */
        const char *model;    /* "EC25-E" */
        const char *firmware; /* the revision the module reports, "EC25EFAR06A19M4G" */
        const char *pk_hash;  /* OEM public key hash, hex */
        int64_t observed_at;  /* seconds since the epoch; 0 on input means now */
};

struct sf_history_module {
        int64_t id;
        bool has_chip_serial;
        uint32_t chip_serial;
        bool has_hw_id;
        uint64_t hw_id;
        const char *imei;  /* NULL until seen */
        const char *model; /* the latest seen */
        int64_t first_seen, last_seen;
};

struct sf_history_step {
        const char *name;
        enum sf_history_step_state state;
        const char *detail; /* NULL when none */
        int64_t at;
};

struct sf_history_session {
        int64_t id;
        int64_t module_id; /* 0 when the module was never identified */
        enum sf_history_kind kind;
        enum sf_history_outcome outcome;
        const char *package, *from_version, *to_version, *log_path;
        const char *host;  /* NULL for sessions recorded before schema version 2 */
        const char *error; /* NULL when none */
        int64_t started_at;
        int64_t ended_at; /* 0 while running, and when interrupted (the moment is unknown) */
        const struct sf_history_step *steps; /* in the order they were recorded */
        size_t n_steps;
};

/* A module confirmed (over AT, after the session wrote the package) to run to_version. */
struct sf_history_install {
        int64_t id, module_id, session_id;
        const char *from_version; /* NULL when unknown */
        const char *to_version;
        const char *package_sha256; /* 64 hex digits (SHA-256 of the package's md5.txt), or NULL */
        int64_t installed_at;
};

struct sf_history_backup_partition {
        const char *name;
        uint64_t size;
        const char *sha256; /* 64 hex digits */
};

/* Input of sf_history_backup_record() (id, size and verified_at are ignored there), and what a
 * report gives back. */
struct sf_history_backup {
        int64_t id, module_id;
        int64_t session_id; /* 0 when none */
        const char *path;
        int64_t created_at; /* 0 on input means now */
        bool verified;
        int64_t verified_at; /* 0 when not verified, or verified before schema version 2 */
        uint64_t size;       /* sum of the partitions */
        const struct sf_history_backup_partition *partitions;
        size_t n_partitions;
};

/* Open (creating when missing, mode 0600) the history at path; NULL means the default place
 * (below). The file is brought up to the current schema in one transaction. Refused, and left
 * untouched: -EPROTO a newer schema, -EBADMSG a damaged file or another program's database,
 * -EACCES a file we cannot write. */
SF_EXPORT int sf_history_open(const char *path, sf_history **ret, struct sf_error *err);
/* Sessions begun through h and still running become interrupted. Accepts NULL. */
SF_EXPORT void sf_history_close(sf_history *h);
SF_EXPORT const char *sf_history_path(const sf_history *h);
/* $XDG_STATE_HOME/safeflash/history.db, or ~/.local/state/safeflash/history.db when
 * XDG_STATE_HOME is unset or relative. Creates nothing (sf_history_open() creates the folders,
 * mode 0700). -ENOENT when neither variable gives an absolute path. */
SF_EXPORT int sf_history_default_path(char **ret, struct sf_error *err);

/* Record a reading of a module's identity, and find or create the module it belongs to. It needs
 * a chip serial or an IMEI. Merge rules:
 *  - a module is one row, keyed by chip serial and by IMEI, each unique;
 *  - a reading that matches one row fills in what that row lacks (a module first seen in EDL
 *    gets its IMEI when later read over AT with its serial), and updates its model;
 *  - a reading that links a serial-only row and an IMEI-only row merges them into the older one
 *    (the newer row's id then no longer exists; its sessions, readings, installs and backups
 *    move over);
 *  - a reading that contradicts a row (another IMEI for a known serial, another serial for a known
 *    IMEI, another HW ID for a known serial) is refused with -EEXIST and records nothing: a
 *    rewritten IMEI or a swapped board is for a person to look at, never guessed here. The caller
 *    can still record against the chip serial alone (fused, so the stronger identity).
 * The module's id goes to ret_module_id (may be NULL). */
SF_EXPORT int sf_history_identity_record(sf_history *h, const struct sf_history_identity *id,
                                         int64_t *ret_module_id, struct sf_error *err);
/* key: an IMEI (15 digits) or a chip serial ("0x0cf94c64" or decimal). -EINVAL when it is
 * neither, -ENOENT when no module has it. */
SF_EXPORT int sf_history_module_find(sf_history *h, const char *key, int64_t *ret_module_id,
                                     struct sf_error *err);

/* Sessions. module_id 0: not identified yet (see sf_history_session_set_module()). Each call is
 * committed before it returns. A session is written only through the handle that began it
 * (-EPERM through another) and only while it runs: -EALREADY once it has ended, or once the
 * process that began it is gone (it then reads as interrupted). -ENOENT for an unknown session
 * or module. */
SF_EXPORT int sf_history_session_begin(sf_history *h, int64_t module_id, enum sf_history_kind kind,
                                       const char *package, const char *from_version,
                                       const char *to_version, const char *log_path,
                                       int64_t *ret_session_id, struct sf_error *err);
/* Attach the module, once identified, to a running session that has none (-EEXIST when it has
 * another). */
SF_EXPORT int sf_history_session_set_module(sf_history *h, int64_t session_id, int64_t module_id,
                                            struct sf_error *err);
SF_EXPORT int sf_history_session_step(sf_history *h, int64_t session_id, const char *name,
                                      enum sf_history_step_state state, const char *detail,
                                      struct sf_error *err);
/* outcome: anything but RUNNING. error may be NULL. */
SF_EXPORT int sf_history_session_end(sf_history *h, int64_t session_id,
                                     enum sf_history_outcome outcome, const char *error,
                                     struct sf_error *err);

/* Record that the module of a running session now runs to_version: call it once the module has
 * reported that version over AT, before ending the session with success. One per session
 * (-EEXIST for a second). package_sha256 may be NULL. */
SF_EXPORT int sf_history_install_record(sf_history *h, int64_t session_id, const char *from_version,
                                        const char *to_version, const char *package_sha256,
                                        struct sf_error *err);

/* Record a backup written to disk (with its partitions), and mark it verified once it has been
 * read back and compared. */
SF_EXPORT int sf_history_backup_record(sf_history *h, const struct sf_history_backup *b,
                                       int64_t *ret_backup_id, struct sf_error *err);
SF_EXPORT int sf_history_backup_set_verified(sf_history *h, int64_t backup_id,
                                             struct sf_error *err);

/* The last firmware the module (key as for sf_history_module_find()) is known to have run: the
 * most recent of its installs and of the versions it reported over AT (an install wins a tie).
 * *ret_version is to be freed; ret_evidence and ret_when may be NULL. -ENOENT when no version is
 * known. */
SF_EXPORT int sf_history_last_known_good(sf_history *h, const char *key, char **ret_version,
                                         enum sf_history_evidence *ret_evidence, int64_t *ret_when,
                                         struct sf_error *err);

/* Queries give a report, read with the accessors below and freed with sf_history_report_free().
 * Its strings and arrays live as long as the report. */

/* Modules, most recently seen first; limit 0 or above SF_HISTORY_ROWS_MAX means
 * SF_HISTORY_ROWS_MAX. The report is truncated when more follow. */
SF_EXPORT int sf_history_modules(sf_history *h, size_t offset, size_t limit,
                                 sf_history_report **ret, struct sf_error *err);
/* Sessions of every module (and of none), newest first, with their steps. */
SF_EXPORT int sf_history_sessions(sf_history *h, size_t offset, size_t limit,
                                  sf_history_report **ret, struct sf_error *err);
/* One module (key as for sf_history_module_find()) with its readings, sessions and steps,
 * installs and backups, each oldest first (the newest SF_HISTORY_ROWS_MAX of each). */
SF_EXPORT int sf_history_module_report(sf_history *h, const char *key, sf_history_report **ret,
                                       struct sf_error *err);

SF_EXPORT void sf_history_report_free(sf_history_report *r);
/* True when some list was cut at its cap. */
SF_EXPORT bool sf_history_report_truncated(const sf_history_report *r);
SF_EXPORT size_t sf_history_report_n_modules(const sf_history_report *r);
SF_EXPORT const struct sf_history_module *sf_history_report_module(const sf_history_report *r,
                                                                   size_t i);
SF_EXPORT size_t sf_history_report_n_identities(const sf_history_report *r);
SF_EXPORT const struct sf_history_identity *sf_history_report_identity(const sf_history_report *r,
                                                                       size_t i);
SF_EXPORT size_t sf_history_report_n_sessions(const sf_history_report *r);
SF_EXPORT const struct sf_history_session *sf_history_report_session(const sf_history_report *r,
                                                                     size_t i);
SF_EXPORT size_t sf_history_report_n_installs(const sf_history_report *r);
SF_EXPORT const struct sf_history_install *sf_history_report_install(const sf_history_report *r,
                                                                     size_t i);
SF_EXPORT size_t sf_history_report_n_backups(const sf_history_report *r);
SF_EXPORT const struct sf_history_backup *sf_history_report_backup(const sf_history_report *r,
                                                                   size_t i);

#ifdef __cplusplus
}
#endif

#endif
