/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Writing the history: sessions and their steps, installs, backups. Every call is committed (and,
 * with synchronous=FULL, on disk) before it returns, so that whatever happens next, the record
 * says how far the session got. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "history/history-internal.h"
#include "util/cleanup.h"
#include "util/strutil.h"

struct session_row {
        enum sf_history_outcome outcome;
        int64_t module_id; /* 0 for none */
        bool ours;         /* begun through this handle */
        bool alive;        /* its process still runs (or that cannot be told) */
};

static int session_row(sf_history *h, int64_t sid, struct session_row *ret, struct sf_error *err)
{
        _cleanup_hist_stmt_ struct hist_stmt q = {0};
        struct session_row s = {.module_id = 0};
        const char *owner;
        int r;

        hist_stmt_prepare(&q, h, "SELECT outcome, module_id, owner FROM sessions WHERE id = :id",
                          err);
        hist_bind_int(&q, sid);
        r = hist_stmt_row(&q, "reading a session");
        if (r < 0)
                return r;
        if (r == 0)
                return sf_error_set(err, -ENOENT, "%s: no session %" PRId64, h->path, sid);
        if (hist_outcome_from_string((const char *)sqlite3_column_text(q.st, 0), &s.outcome) < 0)
                return sf_error_set(err, -EBADMSG, "%s: session %" PRId64 " has an unknown outcome",
                                    h->path, sid);
        s.module_id = sqlite3_column_int64(q.st, 1); /* 0 for NULL */
        owner = (const char *)sqlite3_column_text(q.st, 2);
        s.ours = owner && strcmp(owner, h->owner) == 0;
        s.alive = s.ours || hist_owner_alive(owner, h->owner);
        *ret = s;
        return 0;
}

/* A session is written only through the handle that began it, and only while it runs. */
static int require_running(sf_history *h, int64_t sid, int64_t *ret_module, struct sf_error *err)
{
        struct session_row s = {.module_id = 0};
        int r;

        r = session_row(h, sid, &s, err);
        if (r < 0)
                return r;
        if (s.outcome == SF_HISTORY_OUTCOME_RUNNING && !s.alive)
                s.outcome = SF_HISTORY_OUTCOME_INTERRUPTED;
        if (s.outcome != SF_HISTORY_OUTCOME_RUNNING)
                return sf_error_set(err, -EALREADY,
                                    "%s: session %" PRId64 " has already ended (%s)", h->path, sid,
                                    sf_history_outcome_to_string(s.outcome));
        if (!s.ours)
                return sf_error_set(err, -EPERM,
                                    "%s: session %" PRId64
                                    " is being recorded through another handle",
                                    h->path, sid);
        if (ret_module)
                *ret_module = s.module_id;
        return 0;
}

/* 0 when the row exists, -ENOENT naming it when not. */
static int require_row(sf_history *h, const char *sql, const char *what, int64_t id,
                       struct sf_error *err)
{
        _cleanup_hist_stmt_ struct hist_stmt q = {0};
        int r;

        hist_stmt_prepare(&q, h, sql, err);
        hist_bind_int(&q, id);
        r = hist_stmt_row(&q, "looking up");
        if (r == 0)
                return sf_error_set(err, -ENOENT, "%s: no %s %" PRId64, h->path, what, id);
        return r < 0 ? r : 0;
}

static int require_module(sf_history *h, int64_t id, struct sf_error *err)
{
        return require_row(h, "SELECT 1 FROM modules WHERE id = :id", "module", id, err);
}

static int count_rows(sf_history *h, const char *sql, int64_t id, int64_t *ret,
                      struct sf_error *err)
{
        _cleanup_hist_stmt_ struct hist_stmt q = {0};
        int r;

        *ret = 0;
        hist_stmt_prepare(&q, h, sql, err);
        hist_bind_int(&q, id);
        r = hist_stmt_int(&q, "counting", ret);
        return r < 0 ? r : 0;
}

static int insert_session(sf_history *h, int64_t module_id, enum sf_history_kind kind,
                          const char *const texts[4], int64_t *ret_id, struct sf_error *err)
{
        _cleanup_hist_stmt_ struct hist_stmt q = {0};

        hist_stmt_prepare(&q, h,
                          "INSERT INTO sessions (module_id, kind, package, from_version, "
                          "to_version, log_path, owner, host, started_at) VALUES (:module_id, "
                          ":kind, :package, :from_version, :to_version, :log_path, :owner, :host, "
                          ":started_at)",
                          err);
        hist_bind_id(&q, module_id);
        hist_bind_text(&q, sf_history_kind_to_string(kind));
        for (size_t i = 0; i < 4; i++)
                hist_bind_text(&q, texts[i]);
        hist_bind_text(&q, h->owner);
        hist_bind_text(&q, h->host);
        hist_bind_int(&q, hist_now());
        return hist_stmt_insert(&q, "recording a session", ret_id);
}

int sf_history_session_begin(sf_history *h, int64_t module_id, enum sf_history_kind kind,
                             const char *package, const char *from_version, const char *to_version,
                             const char *log_path, int64_t *ret_session_id, struct sf_error *err)
{
        const char *const texts[4] = {package, from_version, to_version, log_path};
        _cleanup_txn_ struct hist_txn t = {0};
        int64_t sid = 0;
        int r;

        if (!h || !ret_session_id || module_id < 0 || !sf_history_kind_to_string(kind))
                return sf_error_set(err, -EINVAL, "invalid session");
        r = hist_txn_begin(h, &t, err);
        if (r < 0)
                return r;
        if (module_id > 0) {
                r = require_module(h, module_id, err);
                if (r < 0)
                        return r;
        }
        r = insert_session(h, module_id, kind, texts, &sid, err);
        if (r < 0)
                return r;
        r = hist_txn_commit(&t, err);
        if (r < 0)
                return r;
        *ret_session_id = sid;
        return 0;
}

/* Run a statement whose values are bound, expecting it to change one row. */
static int update_one(struct hist_stmt *q, const char *what)
{
        int r = hist_stmt_exec(q, what);

        if (r == 0 && sqlite3_changes(q->h->db) != 1)
                r = sf_error_set(q->err, -ENOENT, "%s: nothing to update", q->h->path);
        return r;
}

int sf_history_session_set_module(sf_history *h, int64_t session_id, int64_t module_id,
                                  struct sf_error *err)
{
        static const char sql[] = "UPDATE sessions SET module_id = :module_id WHERE id = :id";
        _cleanup_txn_ struct hist_txn t = {0};
        _cleanup_hist_stmt_ struct hist_stmt q = {0};
        int64_t current = 0;
        int r;

        if (!h || module_id <= 0)
                return sf_error_set(err, -EINVAL, "invalid module");
        r = hist_txn_begin(h, &t, err);
        if (r == 0)
                r = require_running(h, session_id, &current, err);
        if (r == 0)
                r = require_module(h, module_id, err);
        if (r < 0)
                return r;
        if (current == module_id)
                return hist_txn_commit(&t, err);
        if (current != 0)
                return sf_error_set(err, -EEXIST,
                                    "%s: session %" PRId64 " already belongs to module %" PRId64,
                                    h->path, session_id, current);
        hist_stmt_prepare(&q, h, sql, err);
        hist_bind_int(&q, module_id);
        hist_bind_int(&q, session_id);
        r = update_one(&q, sql);
        return r < 0 ? r : hist_txn_commit(&t, err);
}

static int insert_step(sf_history *h, int64_t sid, const char *name,
                       enum sf_history_step_state state, const char *detail, struct sf_error *err)
{
        _cleanup_hist_stmt_ struct hist_stmt q = {0};

        hist_stmt_prepare(&q, h,
                          "INSERT INTO steps (session_id, name, state, detail, at) "
                          "VALUES (:session_id, :name, :state, :detail, :at)",
                          err);
        hist_bind_int(&q, sid);
        hist_bind_text(&q, name);
        hist_bind_text(&q, sf_history_step_state_to_string(state));
        hist_bind_text_cut(&q, detail);
        hist_bind_int(&q, hist_now());
        return hist_stmt_exec(&q, "recording a step");
}

int sf_history_session_step(sf_history *h, int64_t session_id, const char *name,
                            enum sf_history_step_state state, const char *detail,
                            struct sf_error *err)
{
        _cleanup_txn_ struct hist_txn t = {0};
        int64_t n;
        int r;

        if (!h || !name || !*name || !sf_history_step_state_to_string(state))
                return sf_error_set(err, -EINVAL, "invalid step");
        r = hist_txn_begin(h, &t, err);
        if (r == 0)
                r = require_running(h, session_id, NULL, err);
        if (r == 0)
                r = count_rows(h, "SELECT count(*) FROM steps WHERE session_id = :id", session_id,
                               &n, err);
        if (r < 0)
                return r;
        if (n >= SF_HISTORY_STEPS_MAX)
                return sf_error_set(err, -E2BIG, "%s: session %" PRId64 " has %d steps already",
                                    h->path, session_id, SF_HISTORY_STEPS_MAX);
        r = insert_step(h, session_id, name, state, detail, err);
        return r < 0 ? r : hist_txn_commit(&t, err);
}

int sf_history_session_end(sf_history *h, int64_t session_id, enum sf_history_outcome outcome,
                           const char *error, struct sf_error *err)
{
        static const char sql[] = "UPDATE sessions SET outcome = :outcome, error = :error, "
                                  "ended_at = :ended_at WHERE id = :id";
        _cleanup_txn_ struct hist_txn t = {0};
        _cleanup_hist_stmt_ struct hist_stmt q = {0};
        int r;

        if (!h || outcome == SF_HISTORY_OUTCOME_RUNNING || !sf_history_outcome_to_string(outcome))
                return sf_error_set(err, -EINVAL, "invalid session outcome");
        r = hist_txn_begin(h, &t, err);
        if (r == 0)
                r = require_running(h, session_id, NULL, err);
        if (r < 0)
                return r;
        hist_stmt_prepare(&q, h, sql, err);
        hist_bind_text(&q, sf_history_outcome_to_string(outcome));
        hist_bind_text_cut(&q, error);
        hist_bind_int(&q, hist_now());
        hist_bind_int(&q, session_id);
        r = update_one(&q, sql);
        return r < 0 ? r : hist_txn_commit(&t, err);
}

/* Digests are stored in lower case, so that equal digests compare equal. */
static void lower_hex(const char *s, char out[HIST_SHA256_HEX + 1])
{
        for (size_t i = 0; i < HIST_SHA256_HEX; i++)
                out[i] = (char)tolower((unsigned char)s[i]);
        out[HIST_SHA256_HEX] = '\0';
}

static int insert_install(sf_history *h, int64_t module_id, int64_t sid, const char *from,
                          const char *to, const char *sha, struct sf_error *err)
{
        _cleanup_hist_stmt_ struct hist_stmt q = {0};

        hist_stmt_prepare(&q, h,
                          "INSERT INTO installs (module_id, session_id, from_version, to_version, "
                          "package_sha256, installed_at) VALUES (:module_id, :session_id, "
                          ":from_version, :to_version, :package_sha256, :installed_at)",
                          err);
        hist_bind_int(&q, module_id);
        hist_bind_int(&q, sid);
        hist_bind_text(&q, from);
        hist_bind_text(&q, to);
        hist_bind_text(&q, sha);
        hist_bind_int(&q, hist_now());
        return hist_stmt_exec(&q, "recording an install");
}

int sf_history_install_record(sf_history *h, int64_t session_id, const char *from_version,
                              const char *to_version, const char *package_sha256,
                              struct sf_error *err)
{
        _cleanup_txn_ struct hist_txn t = {0};
        char sha[HIST_SHA256_HEX + 1];
        int64_t module_id = 0, n;
        int r;

        if (!h || !to_version || !*to_version ||
            (package_sha256 && !hist_valid_sha256(package_sha256)))
                return sf_error_set(err, -EINVAL,
                                    "invalid install (a version and, if given, a "
                                    "SHA-256 of 64 hex digits)");
        if (package_sha256)
                lower_hex(package_sha256, sha);
        r = hist_txn_begin(h, &t, err);
        if (r == 0)
                r = require_running(h, session_id, &module_id, err);
        if (r == 0 && module_id == 0)
                r = sf_error_set(err, -EINVAL, "%s: session %" PRId64 " has no module", h->path,
                                 session_id);
        if (r == 0)
                r = count_rows(h, "SELECT count(*) FROM installs WHERE session_id = :id",
                               session_id, &n, err);
        if (r == 0 && n > 0)
                r = sf_error_set(err, -EEXIST, "%s: session %" PRId64 " has an install already",
                                 h->path, session_id);
        if (r == 0)
                r = insert_install(h, module_id, session_id, from_version, to_version,
                                   package_sha256 ? sha : NULL, err);
        return r < 0 ? r : hist_txn_commit(&t, err);
}

static int check_backup(const struct sf_history_backup *b, struct sf_error *err)
{
        if (!b->path || !*b->path || b->module_id <= 0 || b->session_id < 0 || b->created_at < 0)
                return sf_error_set(err, -EINVAL, "invalid backup");
        if (b->n_partitions > SF_HISTORY_PARTITIONS_MAX)
                return sf_error_set(err, -E2BIG, "a backup of more than %d partitions",
                                    SF_HISTORY_PARTITIONS_MAX);
        if (b->n_partitions && !b->partitions)
                return sf_error_set(err, -EINVAL, "invalid backup");
        for (size_t i = 0; i < b->n_partitions; i++) {
                const struct sf_history_backup_partition *p = &b->partitions[i];

                if (!p->name || !*p->name || !p->sha256 || !hist_valid_sha256(p->sha256) ||
                    p->size > INT64_MAX)
                        return sf_error_set(err, -EINVAL,
                                            "invalid backup partition %zu (a name, a size and a "
                                            "SHA-256 of 64 hex digits)",
                                            i);
        }
        return 0;
}

static int insert_backup(sf_history *h, const struct sf_history_backup *bk, int64_t *ret_id,
                         struct sf_error *err)
{
        _cleanup_hist_stmt_ struct hist_stmt q = {0};
        int64_t now = hist_now();

        hist_stmt_prepare(&q, h,
                          "INSERT INTO backups (module_id, session_id, path, created_at, verified, "
                          "verified_at) VALUES (:module_id, :session_id, :path, :created_at, "
                          ":verified, :verified_at)",
                          err);
        hist_bind_int(&q, bk->module_id);
        hist_bind_id(&q, bk->session_id);
        hist_bind_text(&q, bk->path);
        hist_bind_int(&q, bk->created_at ? bk->created_at : now);
        hist_bind_int(&q, bk->verified);
        hist_bind_opt(&q, bk->verified, now);
        return hist_stmt_insert(&q, "recording a backup", ret_id);
}

static int insert_partitions(sf_history *h, int64_t backup_id, const struct sf_history_backup *bk,
                             struct sf_error *err)
{
        _cleanup_hist_stmt_ struct hist_stmt q = {0};
        int r;

        r = hist_stmt_prepare(&q, h,
                              "INSERT INTO backup_partitions (backup_id, seq, name, size, sha256) "
                              "VALUES (:backup_id, :seq, :name, :size, :sha256)",
                              err);
        for (size_t i = 0; r == 0 && i < bk->n_partitions; i++) {
                const struct sf_history_backup_partition *p = &bk->partitions[i];
                char sha[HIST_SHA256_HEX + 1];

                lower_hex(p->sha256, sha);
                hist_stmt_reset(&q);
                hist_bind_int(&q, backup_id);
                hist_bind_int(&q, (int64_t)i);
                hist_bind_text(&q, p->name);
                hist_bind_int(&q, (int64_t)p->size);
                hist_bind_text(&q, sha);
                r = hist_stmt_exec(&q, "recording a backup partition");
        }
        return r;
}

int sf_history_backup_record(sf_history *h, const struct sf_history_backup *b,
                             int64_t *ret_backup_id, struct sf_error *err)
{
        _cleanup_txn_ struct hist_txn t = {0};
        int64_t id = 0;
        int r;

        if (!h || !b)
                return -EINVAL;
        r = check_backup(b, err);
        if (r == 0)
                r = hist_txn_begin(h, &t, err);
        if (r == 0)
                r = require_module(h, b->module_id, err);
        if (r == 0 && b->session_id)
                r = require_row(h, "SELECT 1 FROM sessions WHERE id = :id", "session",
                                b->session_id, err);
        if (r == 0)
                r = insert_backup(h, b, &id, err);
        if (r == 0)
                r = insert_partitions(h, id, b, err);
        if (r == 0)
                r = hist_txn_commit(&t, err);
        if (r < 0)
                return r;
        if (ret_backup_id)
                *ret_backup_id = id;
        return 0;
}

int sf_history_backup_set_verified(sf_history *h, int64_t backup_id, struct sf_error *err)
{
        static const char sql[] = "UPDATE backups SET verified = 1, verified_at = :now "
                                  "WHERE id = :id";
        _cleanup_hist_stmt_ struct hist_stmt q = {0};
        int r;

        if (!h)
                return -EINVAL;
        hist_stmt_prepare(&q, h, sql, err);
        hist_bind_int(&q, hist_now());
        hist_bind_int(&q, backup_id);
        r = update_one(&q, sql);
        if (r == -ENOENT)
                return sf_error_set(err, -ENOENT, "%s: no backup %" PRId64, h->path, backup_id);
        return r;
}
