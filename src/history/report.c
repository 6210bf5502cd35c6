/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reports: lists of modules, readings, sessions with their steps, installs and backups with their
 * partitions, read from the file into memory the report owns. Every list is capped. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "history/history-internal.h"
#include "util/cleanup.h"
#include "util/strutil.h"

/* A list of items of one kind; its type is known to the code that reads it. */
struct hist_list {
        void *items;
        size_t n;
};

struct sf_history_report {
        struct hist_list modules, identities, sessions, installs, backups;
        bool truncated;
};

#define FREE_CONST(p) free((void *)(p))

static void module_done(void *item)
{
        struct sf_history_module *m = item;

        FREE_CONST(m->imei);
        FREE_CONST(m->model);
}

static void identity_done(void *item)
{
        struct sf_history_identity *i = item;

        FREE_CONST(i->imei);
        FREE_CONST(i->model);
        FREE_CONST(i->firmware);
        FREE_CONST(i->pk_hash);
}

static void session_done(void *item)
{
        struct sf_history_session *s = item;

        const char *texts[] = {s->package,  s->from_version, s->to_version,
                               s->log_path, s->host,         s->error};

        for (size_t i = 0; i < sizeof(texts) / sizeof(*texts); i++)
                FREE_CONST(texts[i]);
        for (size_t i = 0; i < s->n_steps; i++) {
                FREE_CONST(s->steps[i].name);
                FREE_CONST(s->steps[i].detail);
        }
        FREE_CONST(s->steps);
}

static void install_done(void *item)
{
        struct sf_history_install *i = item;

        FREE_CONST(i->from_version);
        FREE_CONST(i->to_version);
        FREE_CONST(i->package_sha256);
}

static void backup_done(void *item)
{
        struct sf_history_backup *b = item;

        FREE_CONST(b->path);
        for (size_t i = 0; i < b->n_partitions; i++) {
                FREE_CONST(b->partitions[i].name);
                FREE_CONST(b->partitions[i].sha256);
        }
        FREE_CONST(b->partitions);
}

/* Reads the current row into item. */
typedef int (*row_reader_fn)(sf_history *h, struct hist_row *row, void *item, struct sf_error *err);
/* Releases what a reader allocated in item. */
typedef void (*item_done_fn)(void *item);

struct collector {
        size_t item_size;
        row_reader_fn read;
        item_done_fn done;
        bool reverse; /* the query gives newest first, the report oldest first */
};

static void reverse(void *items, size_t n, size_t size)
{
        char *a = items;

        for (size_t i = 0; i < n / 2; i++) {
                char *x = a + i * size, *y = a + (n - 1 - i) * size;

                for (size_t k = 0; k < size; k++) {
                        char t = x[k];
                        x[k] = y[k];
                        y[k] = t;
                }
        }
}

static void list_done(const struct collector *c, struct hist_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                c->done((char *)l->items + i * c->item_size);
        free(l->items);
        *l = (struct hist_list){0};
}

/* Run q (its LIMIT bound to cap + 1) and keep up to cap rows; *truncated when there were more. */
static int collect(struct hist_stmt *q, const struct collector *c, size_t cap,
                   struct hist_list *ret, bool *truncated)
{
        char *items = NULL;
        size_t n = 0, alloc = 0;
        int r;

        while ((r = hist_stmt_row(q, "reading")) > 0) {
                struct hist_row row;

                if (n == cap) {
                        *truncated = true;
                        break;
                }
                if (n == alloc) {
                        size_t na = alloc ? (alloc * 2 < cap ? alloc * 2 : cap) : 16;
                        char *ni = realloc(items, na * c->item_size);

                        if (!ni) {
                                r = -ENOMEM;
                                break;
                        }
                        items = ni;
                        alloc = na;
                }
                memset(items + n * c->item_size, 0, c->item_size);
                hist_row_init(&row, q->st);
                r = c->read(q->h, &row, items + n * c->item_size, q->err);
                n++;
                if (r < 0 || (r = row.r) < 0)
                        break;
        }
        if (r < 0) {
                struct hist_list partial = {items, n};

                list_done(c, &partial);
                return r;
        }
        if (c->reverse)
                reverse(items, n, c->item_size);
        *ret = (struct hist_list){items, n};
        return 0;
}

static uint64_t hw_id_of(const char *s, bool *has)
{
        uint64_t v = 0;

        *has = false;
        if (!s || strlen(s) != 16)
                return 0;
        for (const char *p = s; *p; p++) {
                const char *digits = "0123456789abcdef", *d = strchr(digits, *p);
                if (!d)
                        return 0;
                v = v << 4 | (uint64_t)(d - digits);
        }
        *has = true;
        return v;
}

static int bad_enum(sf_history *h, const char *what, struct sf_error *err)
{
        return sf_error_set(err, -EBADMSG,
                            "%s: a %s this safeflash does not know (edited by hand?)", h->path,
                            what);
}

static int read_module(sf_history *h, struct hist_row *row, void *item, struct sf_error *err)
{
        struct sf_history_module *m = item;
        _cleanup_free_ char *hw = NULL;

        m->id = hist_row_int(row);
        m->has_chip_serial = !hist_row_null(row);
        m->chip_serial = (uint32_t)hist_row_int(row);
        m->imei = hist_row_text(row);
        hw = (char *)hist_row_text(row);
        m->hw_id = hw_id_of(hw, &m->has_hw_id);
        m->model = hist_row_text(row);
        m->first_seen = hist_row_int(row);
        m->last_seen = hist_row_int(row);
        return 0;
}

static int read_identity(sf_history *h, struct hist_row *row, void *item, struct sf_error *err)
{
        struct sf_history_identity *i = item;
        _cleanup_free_ char *source = NULL, *hw = NULL;

        source = (char *)hist_row_text(row);
        if (hist_source_from_string(source, &i->source) < 0)
                return bad_enum(h, "source", err);
        i->has_chip_serial = !hist_row_null(row);
        i->chip_serial = (uint32_t)hist_row_int(row);
        i->imei = hist_row_text(row);
        hw = (char *)hist_row_text(row);
        i->hw_id = hw_id_of(hw, &i->has_hw_id);
        i->model = hist_row_text(row);
        i->firmware = hist_row_text(row);
        i->pk_hash = hist_row_text(row);
        i->observed_at = hist_row_int(row);
        return 0;
}

static void step_done(void *item)
{
        struct sf_history_step *s = item;

        FREE_CONST(s->name);
        FREE_CONST(s->detail);
}

static void partition_done(void *item)
{
        struct sf_history_backup_partition *p = item;

        FREE_CONST(p->name);
        FREE_CONST(p->sha256);
}

static int read_step(sf_history *h, struct hist_row *row, void *item, struct sf_error *err)
{
        struct sf_history_step *s = item;
        _cleanup_free_ char *state = NULL;

        s->name = hist_row_text(row);
        state = (char *)hist_row_text(row);
        if (hist_step_state_from_string(state, &s->state) < 0)
                return bad_enum(h, "step state", err);
        s->detail = hist_row_text(row);
        s->at = hist_row_int(row);
        return 0;
}

/* A session still running in the file whose process is gone reads as interrupted, whether or not
 * an open has recorded that yet. */
static int read_outcome(sf_history *h, struct hist_row *row, struct sf_history_session *s,
                        struct sf_error *err)
{
        _cleanup_free_ char *outcome = NULL, *owner = NULL;

        outcome = (char *)hist_row_text(row);
        owner = (char *)hist_row_text(row);
        if (hist_outcome_from_string(outcome, &s->outcome) < 0)
                return bad_enum(h, "session outcome", err);
        if (s->outcome == SF_HISTORY_OUTCOME_RUNNING && !hist_owner_alive(owner, h->owner)) {
                s->outcome = SF_HISTORY_OUTCOME_INTERRUPTED;
                if (!s->error && !(s->error = strdup(hist_reaped_error())))
                        return -ENOMEM;
        }
        return 0;
}

static int read_session(sf_history *h, struct hist_row *row, void *item, struct sf_error *err)
{
        struct sf_history_session *s = item;
        _cleanup_free_ char *kind = NULL;

        s->id = hist_row_int(row);
        s->module_id = hist_row_int(row);
        kind = (char *)hist_row_text(row);
        if (hist_kind_from_string(kind, &s->kind) < 0)
                return bad_enum(h, "session kind", err);
        s->package = hist_row_text(row);
        s->from_version = hist_row_text(row);
        s->to_version = hist_row_text(row);
        s->log_path = hist_row_text(row);
        s->host = hist_row_text(row);
        s->error = hist_row_text(row);
        s->started_at = hist_row_int(row);
        s->ended_at = hist_row_int(row);
        return read_outcome(h, row, s, err);
}

static int read_install(sf_history *h, struct hist_row *row, void *item, struct sf_error *err)
{
        struct sf_history_install *i = item;

        i->id = hist_row_int(row);
        i->module_id = hist_row_int(row);
        i->session_id = hist_row_int(row);
        i->from_version = hist_row_text(row);
        i->to_version = hist_row_text(row);
        i->package_sha256 = hist_row_text(row);
        i->installed_at = hist_row_int(row);
        return 0;
}

static int read_partition(sf_history *h, struct hist_row *row, void *item, struct sf_error *err)
{
        struct sf_history_backup_partition *p = item;
        int64_t size;

        p->name = hist_row_text(row);
        size = hist_row_int(row);
        p->size = size > 0 ? (uint64_t)size : 0;
        p->sha256 = hist_row_text(row);
        return 0;
}

static int read_backup(sf_history *h, struct hist_row *row, void *item, struct sf_error *err)
{
        struct sf_history_backup *b = item;

        b->id = hist_row_int(row);
        b->module_id = hist_row_int(row);
        b->session_id = hist_row_int(row);
        b->path = hist_row_text(row);
        b->created_at = hist_row_int(row);
        b->verified = hist_row_int(row) != 0;
        b->verified_at = hist_row_int(row);
        return 0;
}

static const struct collector modules_c = {sizeof(struct sf_history_module), read_module,
                                           module_done, false};
static const struct collector identities_c = {sizeof(struct sf_history_identity), read_identity,
                                              identity_done, true};
static const struct collector sessions_c = {sizeof(struct sf_history_session), read_session,
                                            session_done, true};
static const struct collector steps_c = {sizeof(struct sf_history_step), read_step, step_done,
                                         true};
static const struct collector installs_c = {sizeof(struct sf_history_install), read_install,
                                            install_done, true};
static const struct collector backups_c = {sizeof(struct sf_history_backup), read_backup,
                                           backup_done, true};
static const struct collector partitions_c = {sizeof(struct sf_history_backup_partition),
                                              read_partition, partition_done, false};

void sf_history_report_free(sf_history_report *r)
{
        if (!r)
                return;
        list_done(&modules_c, &r->modules);
        list_done(&identities_c, &r->identities);
        list_done(&sessions_c, &r->sessions);
        list_done(&installs_c, &r->installs);
        list_done(&backups_c, &r->backups);
        free(r);
}

SF_DEFINE_CLEANUP(sf_history_report, sf_history_report_free)

bool sf_history_report_truncated(const sf_history_report *r)
{
        return r && r->truncated;
}

#define ACCESSORS(kind, plural)                                                                    \
        size_t sf_history_report_n_##plural(const sf_history_report *r)                            \
        {                                                                                          \
                return r ? r->plural.n : 0;                                                        \
        }                                                                                          \
        const struct sf_history_##kind *sf_history_report_##kind(const sf_history_report *r,       \
                                                                 size_t i)                         \
        {                                                                                          \
                const struct sf_history_##kind *items = r ? r->plural.items : NULL;                \
                                                                                                   \
                return r && i < r->plural.n ? &items[i] : NULL;                                    \
        }

ACCESSORS(module, modules)
ACCESSORS(identity, identities)
ACCESSORS(session, sessions)
ACCESSORS(install, installs)
ACCESSORS(backup, backups)

/* Run sql with its parameters bound to params in order, then :limit (last in every query) to
 * cap + 1, to tell whether rows were left off. */
static int run(sf_history *h, const char *sql, const int64_t *params, size_t n_params,
               const struct collector *c, size_t cap, struct hist_list *ret, bool *truncated,
               struct sf_error *err)
{
        _cleanup_hist_stmt_ struct hist_stmt q = {0};

        hist_stmt_prepare(&q, h, sql, err);
        for (size_t i = 0; i < n_params; i++)
                hist_bind_int(&q, params[i]);
        hist_bind_int(&q, (int64_t)cap + 1);
        return collect(&q, c, cap, ret, truncated);
}

static int load_steps(sf_history *h, struct sf_history_report *rep, struct sf_error *err)
{
        struct sf_history_session *sessions = rep->sessions.items;

        for (size_t i = 0; i < rep->sessions.n; i++) {
                struct sf_history_session *s = &sessions[i];
                struct hist_list l = {0};
                int r = run(h,
                            "SELECT name, state, detail, at FROM steps WHERE session_id = :id "
                            "ORDER BY id DESC LIMIT :limit",
                            &s->id, 1, &steps_c, SF_HISTORY_STEPS_MAX, &l, &rep->truncated, err);
                if (r < 0)
                        return r;
                s->steps = l.items;
                s->n_steps = l.n;
        }
        return 0;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
        return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

static int load_partitions(sf_history *h, struct sf_history_report *rep, struct sf_error *err)
{
        struct sf_history_backup *backups = rep->backups.items;

        for (size_t i = 0; i < rep->backups.n; i++) {
                struct sf_history_backup *b = &backups[i];
                struct hist_list l = {0};
                int r = run(h,
                            "SELECT name, size, sha256 FROM backup_partitions "
                            "WHERE backup_id = :id ORDER BY seq LIMIT :limit",
                            &b->id, 1, &partitions_c, SF_HISTORY_PARTITIONS_MAX, &l,
                            &rep->truncated, err);
                if (r < 0)
                        return r;
                b->partitions = l.items;
                b->n_partitions = l.n;
                for (size_t j = 0; j < b->n_partitions; j++)
                        b->size = add_sat(b->size, b->partitions[j].size);
        }
        return 0;
}

#define MODULE_COLUMNS "id, chip_serial, imei, hw_id, model, first_seen, last_seen"
#define SESSION_COLUMNS                                                                            \
        "id, module_id, kind, package, from_version, to_version, log_path, host, error, "          \
        "started_at, ended_at, outcome, owner"

/* One module and its story, each list the newest SF_HISTORY_ROWS_MAX rows, oldest first. */
static int load_module(sf_history *h, int64_t id, struct sf_history_report *rep,
                       struct sf_error *err)
{
        size_t cap = SF_HISTORY_ROWS_MAX;
        bool *t = &rep->truncated;
        int r;

        r = run(h, "SELECT " MODULE_COLUMNS " FROM modules WHERE id = :id LIMIT :limit", &id, 1,
                &modules_c, 1, &rep->modules, t, err);
        if (r == 0)
                r = run(h,
                        "SELECT source, chip_serial, imei, hw_id, model, firmware, pk_hash, "
                        "observed_at FROM identities WHERE module_id = :id "
                        "ORDER BY observed_at DESC, id DESC LIMIT :limit",
                        &id, 1, &identities_c, cap, &rep->identities, t, err);
        if (r == 0)
                r = run(h,
                        "SELECT " SESSION_COLUMNS " FROM sessions WHERE module_id = :id "
                        "ORDER BY id DESC LIMIT :limit",
                        &id, 1, &sessions_c, cap, &rep->sessions, t, err);
        if (r == 0)
                r = run(h,
                        "SELECT id, module_id, session_id, from_version, to_version, "
                        "package_sha256, installed_at FROM installs WHERE module_id = :id "
                        "ORDER BY id DESC LIMIT :limit",
                        &id, 1, &installs_c, cap, &rep->installs, t, err);
        if (r == 0)
                r = run(h,
                        "SELECT id, module_id, session_id, path, created_at, verified, "
                        "verified_at FROM backups WHERE module_id = :id "
                        "ORDER BY id DESC LIMIT :limit",
                        &id, 1, &backups_c, cap, &rep->backups, t, err);
        if (r == 0)
                r = load_steps(h, rep, err);
        if (r == 0)
                r = load_partitions(h, rep, err);
        return r;
}

/* A report is read in one transaction, so that its parts agree with each other. */
static int report_begin(sf_history *h, struct hist_txn *t, sf_history_report **ret,
                        struct sf_error *err)
{
        int r = hist_snapshot_begin(h, t, err);

        if (r < 0)
                return r;
        *ret = calloc(1, sizeof(**ret));
        return *ret ? 0 : -ENOMEM;
}

int sf_history_module_report(sf_history *h, const char *key, sf_history_report **ret,
                             struct sf_error *err)
{
        _cleanup_(sf_history_report_freep) sf_history_report *rep = NULL;
        _cleanup_txn_ struct hist_txn t = {0};
        int64_t id = 0;
        int r;

        if (!h || !ret)
                return -EINVAL;
        r = report_begin(h, &t, &rep, err);
        if (r == 0)
                r = sf_history_module_find(h, key, &id, err);
        if (r == 0)
                r = load_module(h, id, rep, err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(rep);
        return 0;
}

static size_t page_size(size_t limit)
{
        return limit == 0 || limit > SF_HISTORY_ROWS_MAX ? SF_HISTORY_ROWS_MAX : limit;
}

/* Collectors for pages: newest first, as they are read. */
static const struct collector modules_page_c = {sizeof(struct sf_history_module), read_module,
                                                module_done, false};
static const struct collector sessions_page_c = {sizeof(struct sf_history_session), read_session,
                                                 session_done, false};

int sf_history_modules(sf_history *h, size_t offset, size_t limit, sf_history_report **ret,
                       struct sf_error *err)
{
        _cleanup_(sf_history_report_freep) sf_history_report *rep = NULL;
        _cleanup_txn_ struct hist_txn t = {0};
        int64_t off = offset > INT64_MAX ? INT64_MAX : (int64_t)offset;
        int r;

        if (!h || !ret)
                return -EINVAL;
        r = report_begin(h, &t, &rep, err);
        if (r == 0)
                r = run(h,
                        "SELECT " MODULE_COLUMNS " FROM modules ORDER BY last_seen DESC, id DESC "
                        "LIMIT :offset, :limit",
                        &off, 1, &modules_page_c, page_size(limit), &rep->modules, &rep->truncated,
                        err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(rep);
        return 0;
}

int sf_history_sessions(sf_history *h, size_t offset, size_t limit, sf_history_report **ret,
                        struct sf_error *err)
{
        _cleanup_(sf_history_report_freep) sf_history_report *rep = NULL;
        _cleanup_txn_ struct hist_txn t = {0};
        int64_t off = offset > INT64_MAX ? INT64_MAX : (int64_t)offset;
        int r;

        if (!h || !ret)
                return -EINVAL;
        r = report_begin(h, &t, &rep, err);
        if (r == 0)
                r = run(h,
                        "SELECT " SESSION_COLUMNS " FROM sessions ORDER BY id DESC "
                        "LIMIT :offset, :limit",
                        &off, 1, &sessions_page_c, page_size(limit), &rep->sessions,
                        &rep->truncated, err);
        if (r == 0)
                r = load_steps(h, rep, err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(rep);
        return 0;
}
