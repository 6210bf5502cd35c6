/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The history's internals, shared by its files and its unit tests. */
#ifndef SF_HISTORY_INTERNAL_H
#define SF_HISTORY_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "safeflash/history.h"

#define HIST_SCHEMA_VERSION  2
#define HIST_APPLICATION_ID  0x53464831 /* "SFH1": tells our file from another program's */
#define HIST_BUSY_TIMEOUT_MS 5000
#define HIST_OWNER_MAX       160
#define HIST_IMEI_LEN        15
#define HIST_SHA256_HEX      64

struct sf_history {
        sqlite3 *db;
        char *path;
        char *host;
        /* Who records a session: this process (boot, pid namespace, pid, start time) and this
         * handle, so that a session left running can be told from one still in progress. */
        char owner[HIST_OWNER_MAX];
        bool ready; /* schema checked and current: only then may closing write to the file */
};

/* db.c: SQLite with errno returns and messages naming the file. */
int hist_fail(const sf_history *h, int rc, const char *what, struct sf_error *err);
/* Run SQL that binds nothing and gives no row (PRAGMAs, the schema). */
int hist_exec(sf_history *h, const char *sql, struct sf_error *err);
/* A write transaction (BEGIN IMMEDIATE: the write lock up front, so that the busy timeout
 * applies instead of a deadlock between two readers turning writers). Rolled back when it goes
 * out of scope uncommitted. */
struct hist_txn {
        sf_history *h;
        bool active;
};
int hist_txn_begin(sf_history *h, struct hist_txn *t, struct sf_error *err);
/* A read transaction: one consistent view for several queries (ends in a rollback). */
int hist_snapshot_begin(sf_history *h, struct hist_txn *t, struct sf_error *err);
int hist_txn_commit(struct hist_txn *t, struct sf_error *err);
void hist_txn_done(struct hist_txn *t);
#define _cleanup_txn_ __attribute__((cleanup(hist_txn_done)))

/* One statement run: prepared, its parameters 1, 2, … bound in turn, then stepped. The first
 * failure sticks: later binds do nothing, and the step returns it. */
struct hist_stmt {
        sf_history *h;
        sqlite3_stmt *st; /* read the row's columns from it */
        struct sf_error *err;
        int idx;
        int r;
};
int hist_stmt_prepare(struct hist_stmt *s, sf_history *h, const char *sql, struct sf_error *err);
void hist_bind_text(struct hist_stmt *s, const char *v);     /* NULL binds NULL; capped: -E2BIG */
void hist_bind_text_cut(struct hist_stmt *s, const char *v); /* cut at the cap instead */
void hist_bind_int(struct hist_stmt *s, int64_t v);
void hist_bind_id(struct hist_stmt *s, int64_t id); /* 0 binds NULL */
void hist_bind_opt(struct hist_stmt *s, bool has, int64_t v);
/* Every parameter bound (else -EIO), then one step (what names it in errors): 1 a row, 0 no
 * more rows. Call again for the next row. */
int hist_stmt_row(struct hist_stmt *s, const char *what);
/* The same, reading column 0 of the row into *ret: 1, or 0 when there is no row. */
int hist_stmt_int(struct hist_stmt *s, const char *what, int64_t *ret);
/* The same for a statement that gives no row: 0. */
int hist_stmt_exec(struct hist_stmt *s, const char *what);
/* The same for an INSERT: the new row's id into *ret_id. */
int hist_stmt_insert(struct hist_stmt *s, const char *what, int64_t *ret_id);
/* Ready to run again with new values. */
void hist_stmt_reset(struct hist_stmt *s);
void hist_stmt_finalize(struct hist_stmt *s);
#define _cleanup_hist_stmt_ __attribute__((cleanup(hist_stmt_finalize)))

/* Reads columns 0, 1, … in turn into a report's fields; -ENOMEM sticks. */
struct hist_row {
        sqlite3_stmt *st;
        int col;
        int r;
};
void hist_row_init(struct hist_row *row, sqlite3_stmt *st);
const char *hist_row_text(struct hist_row *row); /* a copy, cut at the cap; NULL for NULL */
int64_t hist_row_int(struct hist_row *row);
bool hist_row_null(const struct hist_row *row); /* is the next column NULL? */

int64_t hist_now(void);

/* schema.c */
int hist_schema_check(sf_history *h, struct sf_error *err);
int hist_schema_migrate(sf_history *h, struct sf_error *err);

/* owner.c */
int hist_owner_init(char *buf, size_t size);
/* Is the process that wrote owner still running? True when that cannot be told. */
bool hist_owner_alive(const char *owner, const char *self);
/* Field 22 (start time) of a /proc/PID/stat text. */
int hist_parse_proc_starttime(const char *stat, size_t len, uint64_t *ret);

/* reap.c: sessions whose process is gone become interrupted (at open); this handle's own do at
 * close. */
int hist_reap_interrupted(sf_history *h, struct sf_error *err);
int hist_interrupt_own(sf_history *h);
/* The error text of a session whose process is gone. */
const char *hist_reaped_error(void);

/* query.c */
struct hist_key {
        bool is_imei;
        uint32_t chip_serial;
        char imei[HIST_IMEI_LEN + 1];
};
/* An IMEI (15 digits) or a chip serial (0x… or decimal); -EINVAL for anything else. */
int hist_parse_key(const char *s, struct hist_key *ret);

/* text.c: what the stored texts look like, and enum ↔ the text stored in the database (-EINVAL
 * for a text that is not one of them). */
bool hist_valid_hex(const char *s, size_t min, size_t max); /* min to max hex digits */
bool hist_valid_imei(const char *s);
bool hist_valid_sha256(const char *s);
int hist_source_from_string(const char *s, enum sf_history_source *ret);
int hist_kind_from_string(const char *s, enum sf_history_kind *ret);
int hist_step_state_from_string(const char *s, enum sf_history_step_state *ret);
int hist_outcome_from_string(const char *s, enum sf_history_outcome *ret);

#endif
