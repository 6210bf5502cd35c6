/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Writing the history: identities and the modules they belong to. Each call is one transaction,
 * committed before it returns. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "history/history-internal.h"
#include "util/strutil.h"

/* The identifying part of a module row or of a reading. */
struct ids {
        int64_t id; /* module row; 0 for a reading */
        bool has_serial;
        uint32_t serial;
        bool has_imei;
        char imei[HIST_IMEI_LEN + 1];
        bool has_hw;
        char hw[17];
};

static void describe(const struct ids *x, char *buf, size_t size)
{
        int n = 0;

        if (x->id)
                n = snprintf(buf, size, "module %" PRId64 " (", x->id);
        else
                n = snprintf(buf, size, "(");
        if (x->has_serial)
                n += snprintf(buf + n, size - (size_t)n, "chip serial 0x%08" PRIx32 ", ",
                              x->serial);
        n += snprintf(buf + n, size - (size_t)n, "IMEI %s, HW ID %s)",
                      x->has_imei ? x->imei : "unknown", x->has_hw ? x->hw : "unknown");
}

/* Which identifier two descriptions of a module disagree on; NULL when they may be one module. */
static const char *clash(const struct ids *a, const struct ids *b)
{
        if (a->has_serial && b->has_serial && a->serial != b->serial)
                return "chip serial";
        if (a->has_imei && b->has_imei && strcmp(a->imei, b->imei) != 0)
                return "IMEI";
        if (a->has_hw && b->has_hw && strcmp(a->hw, b->hw) != 0)
                return "HW ID";
        return NULL;
}

static int conflict(sf_history *h, const struct ids *row, const struct ids *seen, const char *what,
                    struct sf_error *err)
{
        char a[160], b[160];

        describe(row, a, sizeof(a));
        describe(seen, b, sizeof(b));
        return sf_error_set(err, -EEXIST,
                            "%s: the reading %s contradicts %s: another %s. Nothing was recorded: "
                            "an IMEI rewritten or a board swapped is for a person to look into",
                            h->path, b, a, what);
}

static int reading_ids(sf_history *h, const struct sf_history_identity *id, struct ids *ret,
                       struct sf_error *err)
{
        struct ids x = {0};

        if (!sf_history_source_to_string(id->source) || id->observed_at < 0)
                return sf_error_set(err, -EINVAL, "invalid identity reading");
        if (!id->has_chip_serial && !id->imei)
                return sf_error_set(err, -EINVAL, "an identity needs a chip serial or an IMEI");
        if (id->imei && !hist_valid_imei(id->imei))
                return sf_error_set(err, -EINVAL, "invalid IMEI (15 digits expected)");
        if (id->pk_hash && !hist_valid_hex(id->pk_hash, 2, 128))
                return sf_error_set(err, -EINVAL, "invalid PK hash (hex expected)");
        x.has_serial = id->has_chip_serial;
        x.serial = id->chip_serial;
        x.has_imei = id->imei != NULL;
        if (id->imei)
                memcpy(x.imei, id->imei, HIST_IMEI_LEN + 1);
        x.has_hw = id->has_hw_id;
        snprintf(x.hw, sizeof(x.hw), "%016" PRIx64, id->hw_id);
        *ret = x;
        return 0;
}

static void row_ids(sqlite3_stmt *st, struct ids *ret)
{
        const unsigned char *imei = sqlite3_column_text(st, 2), *hw = sqlite3_column_text(st, 3);

        *ret = (struct ids){.id = sqlite3_column_int64(st, 0)};
        ret->has_serial = sqlite3_column_type(st, 1) != SQLITE_NULL;
        ret->serial = (uint32_t)sqlite3_column_int64(st, 1);
        ret->has_imei = imei != NULL;
        if (imei)
                snprintf(ret->imei, sizeof(ret->imei), "%s", imei);
        ret->has_hw = hw != NULL;
        if (hw)
                snprintf(ret->hw, sizeof(ret->hw), "%s", hw);
}

/* 1 and *ret when a module has the reading's serial (by_imei false) or IMEI, 0 when none. */
static int find_row(sf_history *h, const struct ids *x, bool by_imei, struct ids *ret,
                    struct sf_error *err)
{
        _cleanup_hist_stmt_ struct hist_stmt q = {0};
        int r;

        if (by_imei ? !x->has_imei : !x->has_serial)
                return 0;
        hist_stmt_prepare(
                &q, h,
                by_imei ? "SELECT id, chip_serial, imei, hw_id FROM modules WHERE imei = :imei"
                        : "SELECT id, chip_serial, imei, hw_id FROM modules "
                          "WHERE chip_serial = :chip_serial",
                err);
        if (by_imei)
                hist_bind_text(&q, x->imei);
        else
                hist_bind_int(&q, x->serial);
        r = hist_stmt_row(&q, "finding a module");
        if (r > 0)
                row_ids(q.st, ret);
        return r;
}

static int insert_module(sf_history *h, const struct ids *x, const char *model, int64_t seen,
                         int64_t *ret_id, struct sf_error *err)
{
        _cleanup_hist_stmt_ struct hist_stmt q = {0};

        hist_stmt_prepare(&q, h,
                          "INSERT INTO modules (chip_serial, imei, hw_id, model, first_seen, "
                          "last_seen) VALUES (:chip_serial, :imei, :hw_id, :model, :seen, :seen)",
                          err);
        hist_bind_opt(&q, x->has_serial, x->serial);
        hist_bind_text(&q, x->has_imei ? x->imei : NULL);
        hist_bind_text(&q, x->has_hw ? x->hw : NULL);
        hist_bind_text(&q, model);
        hist_bind_int(&q, seen);
        return hist_stmt_insert(&q, "recording a module", ret_id);
}

/* Fill in what the row lacks; the model of the latest reading wins (a later, fuller answer:
 * "EC25" then "EC25-E"). */
static int update_module(sf_history *h, int64_t id, const struct ids *x, const char *model,
                         int64_t seen, struct sf_error *err)
{
        _cleanup_hist_stmt_ struct hist_stmt q = {0};

        hist_stmt_prepare(&q, h,
                          "UPDATE modules SET chip_serial = coalesce(chip_serial, :chip_serial), "
                          "imei = coalesce(imei, :imei), hw_id = coalesce(hw_id, :hw_id), "
                          "model = CASE WHEN :seen >= last_seen THEN coalesce(:model, model) "
                          "ELSE coalesce(model, :model) END, "
                          "first_seen = min(first_seen, :seen), last_seen = max(last_seen, :seen) "
                          "WHERE id = :id",
                          err);
        hist_bind_opt(&q, x->has_serial, x->serial);
        hist_bind_text(&q, x->has_imei ? x->imei : NULL);
        hist_bind_text(&q, x->has_hw ? x->hw : NULL);
        hist_bind_int(&q, seen);
        hist_bind_text(&q, model);
        hist_bind_int(&q, id);
        return hist_stmt_exec(&q, "updating a module");
}

/* Run a statement of merge(): ?1 is the module that stays, ?2 the one that goes. */
static int exec_merge(sf_history *h, const char *sql, int64_t winner, int64_t loser,
                      struct sf_error *err)
{
        _cleanup_hist_stmt_ struct hist_stmt q = {0};

        hist_stmt_prepare(&q, h, sql, err);
        hist_bind_int(&q, winner);
        hist_bind_int(&q, loser);
        return hist_stmt_exec(&q, "merging modules");
}

/* Fold module loser into winner: its readings, sessions, installs and backups move over, then
 * the row goes (its serial or IMEI joins the winner afterwards, from the reading: both columns
 * are unique, so not before). */
static int merge(sf_history *h, int64_t winner, int64_t loser, struct sf_error *err)
{
        static const char *const steps[] = {
                "UPDATE identities SET module_id = ?1 WHERE module_id = ?2",
                "UPDATE sessions SET module_id = ?1 WHERE module_id = ?2",
                "UPDATE installs SET module_id = ?1 WHERE module_id = ?2",
                "UPDATE backups SET module_id = ?1 WHERE module_id = ?2",
                "UPDATE modules SET "
                "hw_id = coalesce(hw_id, (SELECT hw_id FROM modules WHERE id = ?2)), "
                "model = coalesce(model, (SELECT model FROM modules WHERE id = ?2)), "
                "first_seen = min(first_seen, (SELECT first_seen FROM modules WHERE id = ?2)), "
                "last_seen = max(last_seen, (SELECT last_seen FROM modules WHERE id = ?2)) "
                "WHERE id = ?1",
                "DELETE FROM modules WHERE id = ?2", /* ?1 unused, still counted */
        };

        for (size_t i = 0; i < sizeof(steps) / sizeof(*steps); i++) {
                int r = exec_merge(h, steps[i], winner, loser, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Find, create or merge the module of reading x (rules in the header). */
static int resolve(sf_history *h, const struct ids *x, const char *model, int64_t seen,
                   int64_t *ret_id, struct sf_error *err)
{
        struct ids by_serial = {0}, by_imei = {0};
        const struct ids *row;
        const char *what;
        int fs, fi, r;

        fs = find_row(h, x, false, &by_serial, err);
        if (fs < 0)
                return fs;
        fi = find_row(h, x, true, &by_imei, err);
        if (fi < 0)
                return fi;
        if (!fs && !fi)
                return insert_module(h, x, model, seen, ret_id, err);
        row = fs ? &by_serial : &by_imei;
        if ((what = clash(row, x)))
                return conflict(h, row, x, what, err);
        if (fs && fi && by_serial.id != by_imei.id) {
                int64_t winner = by_serial.id < by_imei.id ? by_serial.id : by_imei.id;

                if ((what = clash(&by_imei, x)) || (what = clash(&by_serial, &by_imei)))
                        return conflict(h, &by_imei, x, what, err);
                r = merge(h, winner, winner == by_serial.id ? by_imei.id : by_serial.id, err);
                if (r < 0)
                        return r;
                row = winner == by_serial.id ? &by_serial : &by_imei;
        }
        r = update_module(h, row->id, x, model, seen, err);
        if (r == 0)
                *ret_id = row->id;
        return r;
}

static int insert_reading(sf_history *h, int64_t module_id, const struct sf_history_identity *id,
                          const struct ids *x, int64_t seen, struct sf_error *err)
{
        _cleanup_hist_stmt_ struct hist_stmt q = {0};

        hist_stmt_prepare(&q, h,
                          "INSERT INTO identities (module_id, source, chip_serial, imei, hw_id, "
                          "model, firmware, pk_hash, observed_at) VALUES (:module_id, :source, "
                          ":chip_serial, :imei, :hw_id, :model, :firmware, :pk_hash, :observed_at)",
                          err);
        hist_bind_int(&q, module_id);
        hist_bind_text(&q, sf_history_source_to_string(id->source));
        hist_bind_opt(&q, x->has_serial, x->serial);
        hist_bind_text(&q, x->has_imei ? x->imei : NULL);
        hist_bind_text(&q, x->has_hw ? x->hw : NULL);
        hist_bind_text(&q, id->model);
        hist_bind_text(&q, id->firmware);
        hist_bind_text(&q, id->pk_hash);
        hist_bind_int(&q, seen);
        return hist_stmt_exec(&q, "recording an identity");
}

int sf_history_identity_record(sf_history *h, const struct sf_history_identity *id,
                               int64_t *ret_module_id, struct sf_error *err)
{
        _cleanup_txn_ struct hist_txn t = {0};
        struct ids x;
        int64_t seen, module_id = 0;
        int r;

        if (!h || !id)
                return -EINVAL;
        r = reading_ids(h, id, &x, err);
        if (r < 0)
                return r;
        seen = id->observed_at ? id->observed_at : hist_now();
        r = hist_txn_begin(h, &t, err);
        if (r < 0)
                return r;
        r = resolve(h, &x, id->model, seen, &module_id, err);
        if (r < 0)
                return r;
        r = insert_reading(h, module_id, id, &x, seen, err);
        if (r < 0)
                return r;
        r = hist_txn_commit(&t, err);
        if (r < 0)
                return r;
        if (ret_module_id)
                *ret_module_id = module_id;
        return 0;
}
