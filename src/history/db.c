/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SQLite with errno returns: statements, transactions, bounded binds and reads. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "history/history-internal.h"
#include "util/strutil.h"

static int errno_from_sqlite(int rc)
{
        switch (rc & 0xff) {
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
                return -EBADMSG;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return -EBUSY;
        case SQLITE_NOMEM:
                return -ENOMEM;
        case SQLITE_FULL:
                return -ENOSPC;
        case SQLITE_TOOBIG:
                return -E2BIG;
        default:
                return -EIO;
        }
}

int hist_fail(const sf_history *h, int rc, const char *what, struct sf_error *err)
{
        const char *msg = h->db ? sqlite3_errmsg(h->db) : sqlite3_errstr(rc);

        return sf_error_set(err, errno_from_sqlite(rc), "%s: %s: %s", h->path, what, msg);
}

static int prepare(sf_history *h, const char *sql, sqlite3_stmt **ret, struct sf_error *err)
{
        sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_prepare_v2(h->db, sql, -1, &st, NULL);
        if (rc != SQLITE_OK) {
                sqlite3_finalize(st);
                return hist_fail(h, rc, "preparing a statement", err);
        }
        *ret = st;
        return 0;
}

int hist_exec(sf_history *h, const char *sql, struct sf_error *err)
{
        int rc = sqlite3_exec(h->db, sql, NULL, NULL, NULL);

        return rc == SQLITE_OK ? 0 : hist_fail(h, rc, "executing", err);
}

/* Step: 1 a row, 0 done. */
static int step_row(sf_history *h, sqlite3_stmt *st, const char *what, struct sf_error *err)
{
        int rc = sqlite3_step(st);

        if (rc == SQLITE_ROW)
                return 1;
        if (rc == SQLITE_DONE)
                return 0;
        return hist_fail(h, rc, what, err);
}

/* Step a statement expected to give no row. */
static int step_done(sf_history *h, sqlite3_stmt *st, const char *what, struct sf_error *err)
{
        int rc = sqlite3_step(st);

        if (rc == SQLITE_ROW)
                return sf_error_set(err, -EIO, "%s: %s: unexpected result row", h->path, what);
        return rc == SQLITE_DONE ? 0 : hist_fail(h, rc, what, err);
}

int hist_txn_begin(sf_history *h, struct hist_txn *t, struct sf_error *err)
{
        int rc = sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

        t->h = h;
        t->active = rc == SQLITE_OK;
        return t->active ? 0 : hist_fail(h, rc, "starting a transaction", err);
}

int hist_snapshot_begin(sf_history *h, struct hist_txn *t, struct sf_error *err)
{
        int rc = sqlite3_exec(h->db, "BEGIN DEFERRED", NULL, NULL, NULL);

        t->h = h;
        t->active = rc == SQLITE_OK;
        return t->active ? 0 : hist_fail(h, rc, "starting a transaction", err);
}

int hist_txn_commit(struct hist_txn *t, struct sf_error *err)
{
        int rc = sqlite3_exec(t->h->db, "COMMIT", NULL, NULL, NULL);

        if (rc != SQLITE_OK)
                return hist_fail(t->h, rc, "committing", err); /* rolled back on scope exit */
        t->active = false;
        return 0;
}

void hist_txn_done(struct hist_txn *t)
{
        if (t->h && t->active)
                sqlite3_exec(t->h->db, "ROLLBACK", NULL, NULL, NULL);
        t->active = false;
}

int hist_stmt_prepare(struct hist_stmt *s, sf_history *h, const char *sql, struct sf_error *err)
{
        *s = (struct hist_stmt){.h = h, .err = err, .idx = 1};
        s->r = prepare(h, sql, &s->st, err);
        return s->r;
}

void hist_stmt_finalize(struct hist_stmt *s)
{
        sqlite3_finalize(s->st); /* accepts NULL */
        s->st = NULL;
}

void hist_stmt_reset(struct hist_stmt *s)
{
        sqlite3_reset(s->st);
        s->idx = 1;
}

static void bind_check(struct hist_stmt *b, int rc)
{
        if (rc != SQLITE_OK && b->r == 0)
                b->r = hist_fail(b->h, rc, "binding a value", b->err);
        b->idx++;
}

/* The parameter's name without its ':' prefix, for messages. */
static const char *param_name(struct hist_stmt *b)
{
        const char *n = sqlite3_bind_parameter_name(b->st, b->idx);

        return n ? n + 1 : "a text";
}

void hist_bind_text(struct hist_stmt *b, const char *s)
{
        size_t len;

        if (b->r < 0) {
                b->idx++;
                return;
        }
        if (!s) {
                bind_check(b, sqlite3_bind_null(b->st, b->idx));
                return;
        }
        len = strnlen(s, SF_HISTORY_TEXT_MAX + 1);
        if (len > SF_HISTORY_TEXT_MAX) {
                b->r = sf_error_set(b->err, -E2BIG, "%s: %s is longer than %d bytes", b->h->path,
                                    param_name(b), SF_HISTORY_TEXT_MAX);
                b->idx++;
                return;
        }
        bind_check(b, sqlite3_bind_text(b->st, b->idx, s, (int)len, SQLITE_TRANSIENT));
}

/* Length of s cut to at most max bytes, not inside a UTF-8 sequence. */
static size_t cut_utf8(const char *s, size_t max)
{
        size_t len = strnlen(s, max + 1);

        if (len <= max)
                return len;
        len = max;
        while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
                len--;
        return len;
}

void hist_bind_text_cut(struct hist_stmt *b, const char *s)
{
        if (b->r < 0) {
                b->idx++;
                return;
        }
        if (!s) {
                bind_check(b, sqlite3_bind_null(b->st, b->idx));
                return;
        }
        bind_check(b, sqlite3_bind_text(b->st, b->idx, s, (int)cut_utf8(s, SF_HISTORY_TEXT_MAX),
                                        SQLITE_TRANSIENT));
}

void hist_bind_int(struct hist_stmt *b, int64_t v)
{
        if (b->r < 0) {
                b->idx++;
                return;
        }
        bind_check(b, sqlite3_bind_int64(b->st, b->idx, v));
}

void hist_bind_id(struct hist_stmt *b, int64_t id)
{
        if (b->r < 0) {
                b->idx++;
                return;
        }
        bind_check(b,
                   id ? sqlite3_bind_int64(b->st, b->idx, id) : sqlite3_bind_null(b->st, b->idx));
}

void hist_bind_opt(struct hist_stmt *b, bool has, int64_t v)
{
        if (b->r < 0) {
                b->idx++;
                return;
        }
        bind_check(b,
                   has ? sqlite3_bind_int64(b->st, b->idx, v) : sqlite3_bind_null(b->st, b->idx));
}

/* The first failure, or -EIO when not every parameter was bound. */
static int bind_end(struct hist_stmt *b)
{
        int n = b->st ? sqlite3_bind_parameter_count(b->st) : 0;

        if (b->r == 0 && b->idx - 1 != n)
                b->r = sf_error_set(b->err, -EIO, "%s: internal error: %d values for %d parameters",
                                    b->h->path, b->idx - 1, n);
        return b->r;
}

int hist_stmt_row(struct hist_stmt *s, const char *what)
{
        int r = bind_end(s);

        return r < 0 ? r : step_row(s->h, s->st, what, s->err);
}

int hist_stmt_exec(struct hist_stmt *s, const char *what)
{
        int r = bind_end(s);

        return r < 0 ? r : step_done(s->h, s->st, what, s->err);
}

int hist_stmt_insert(struct hist_stmt *s, const char *what, int64_t *ret_id)
{
        int r = hist_stmt_exec(s, what);

        if (r == 0)
                *ret_id = sqlite3_last_insert_rowid(s->h->db);
        return r;
}

int hist_stmt_int(struct hist_stmt *s, const char *what, int64_t *ret)
{
        int r = hist_stmt_row(s, what);

        if (r > 0)
                *ret = sqlite3_column_int64(s->st, 0);
        return r;
}

void hist_row_init(struct hist_row *row, sqlite3_stmt *st)
{
        *row = (struct hist_row){.st = st, .col = 0, .r = 0};
}

const char *hist_row_text(struct hist_row *row)
{
        const unsigned char *s;
        char *copy;
        size_t len;
        int i = row->col++;

        if (sqlite3_column_type(row->st, i) == SQLITE_NULL)
                return NULL;
        s = sqlite3_column_text(row->st, i);
        if (!s) {
                if (sqlite3_errcode(sqlite3_db_handle(row->st)) == SQLITE_NOMEM) {
                        row->r = -ENOMEM;
                        return NULL;
                }
                s = (const unsigned char *)"";
        }
        /* A file edited by hand may hold more than we write: cap what we read too. */
        len = cut_utf8((const char *)s, SF_HISTORY_TEXT_MAX);
        copy = malloc(len + 1);
        if (!copy) {
                row->r = -ENOMEM;
                return NULL;
        }
        memcpy(copy, s, len);
        copy[len] = '\0';
        return copy;
}

int64_t hist_row_int(struct hist_row *row)
{
        return sqlite3_column_int64(row->st, row->col++);
}

bool hist_row_null(const struct hist_row *row)
{
        return sqlite3_column_type(row->st, row->col) == SQLITE_NULL;
}

int64_t hist_now(void)
{
        return (int64_t)time(NULL);
}
