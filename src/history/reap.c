/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Sessions whose recording process is gone: at open, those left running by a process that no
 * longer runs become interrupted; at close, this handle's own. */
#include <errno.h>
#include <stdlib.h>

#include "history/history-internal.h"
#include "util/cleanup.h"

#define REAP_MAX SF_HISTORY_ROWS_MAX

static const char reaped_error[] = "the process recording the session ended without ending it "
                                   "(a crash, a kill or a power loss)";
static const char closed_error[] = "the history was closed before the session ended";

static int reap_one(sf_history *h, int64_t id, struct sf_error *err)
{
        _cleanup_hist_stmt_ struct hist_stmt q = {0};

        hist_stmt_prepare(&q, h,
                          "UPDATE sessions SET outcome = 'interrupted', error = :error "
                          "WHERE id = :id AND outcome = 'running'",
                          err);
        hist_bind_text(&q, reaped_error);
        hist_bind_int(&q, id);
        return hist_stmt_exec(&q, "marking a session interrupted");
}

/* Ids of the running sessions whose process is gone (at most REAP_MAX). */
static int find_orphans(sf_history *h, int64_t **ret, size_t *ret_n, struct sf_error *err)
{
        _cleanup_hist_stmt_ struct hist_stmt q = {0};
        _cleanup_free_ int64_t *ids = NULL;
        size_t n = 0;
        int r;

        hist_stmt_prepare(&q, h,
                          "SELECT id, owner FROM sessions WHERE outcome = 'running' "
                          "ORDER BY id LIMIT :limit",
                          err);
        hist_bind_int(&q, REAP_MAX);
        while ((r = hist_stmt_row(&q, "finding running sessions")) > 0) {
                if (hist_owner_alive((const char *)sqlite3_column_text(q.st, 1), h->owner))
                        continue;
                if (!ids && !(ids = calloc(REAP_MAX, sizeof(*ids))))
                        return -ENOMEM;
                ids[n++] = sqlite3_column_int64(q.st, 0);
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(ids);
        *ret_n = n;
        return 0;
}

/* Sessions left running by a process that is gone become interrupted, for good: their ends are
 * unknown (ended_at stays NULL), and their steps say how far they got. The write lock is taken
 * only when there is something to write, so that opening to read stays cheap. */
int hist_reap_interrupted(sf_history *h, struct sf_error *err)
{
        _cleanup_txn_ struct hist_txn t = {0};
        _cleanup_free_ int64_t *ids = NULL;
        size_t n = 0;
        int r;

        r = find_orphans(h, &ids, &n, err);
        if (r < 0 || n == 0)
                return r;
        r = hist_txn_begin(h, &t, err);
        for (size_t i = 0; r == 0 && i < n; i++)
                r = reap_one(h, ids[i], err);
        return r < 0 ? r : hist_txn_commit(&t, err);
}

/* Closing: nobody can end this handle's sessions any more, and the moment is known. */
int hist_interrupt_own(sf_history *h)
{
        _cleanup_hist_stmt_ struct hist_stmt q = {0};

        hist_stmt_prepare(&q, h,
                          "UPDATE sessions SET outcome = 'interrupted', error = :error, "
                          "ended_at = :ended_at WHERE outcome = 'running' AND owner = :owner",
                          NULL);
        hist_bind_text(&q, closed_error);
        hist_bind_int(&q, hist_now());
        hist_bind_text(&q, h->owner);
        return hist_stmt_exec(&q, "marking sessions interrupted");
}

const char *hist_reaped_error(void)
{
        return reaped_error;
}
