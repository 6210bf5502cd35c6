/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The schema and its migration ladder. PRAGMA user_version is the schema version; version N's
 * migration turns a version N-1 database into version N, and a database of any earlier version
 * climbs the ladder in one transaction. A migration, once released, never changes: fix it with a
 * new rung. tests/data/history/v1.sql is a version 1 database, kept to prove it still upgrades. */
#include <errno.h>
#include <string.h>

#include "history/history-internal.h"
#include "util/strutil.h"

/* Times are seconds since the epoch. Enumerations are stored as their _to_string() text, so the
 * file reads well in the sqlite3 shell. hw_id is 16 hex digits. */
static const char schema_v1[] =
        "CREATE TABLE modules (\n"
        "        id INTEGER PRIMARY KEY,\n"
        "        chip_serial INTEGER UNIQUE CHECK (chip_serial BETWEEN 0 AND 4294967295),\n"
        "        imei TEXT UNIQUE CHECK (length(imei) = 15 AND imei NOT GLOB '*[^0-9]*'),\n"
        "        hw_id TEXT CHECK (length(hw_id) = 16),\n"
        "        model TEXT,\n"
        "        first_seen INTEGER NOT NULL,\n"
        "        last_seen INTEGER NOT NULL,\n"
        "        CHECK (chip_serial IS NOT NULL OR imei IS NOT NULL)\n"
        ");\n"
        "CREATE TABLE identities (\n"
        "        id INTEGER PRIMARY KEY,\n"
        "        module_id INTEGER NOT NULL REFERENCES modules (id),\n"
        "        source TEXT NOT NULL CHECK (source IN ('at', 'diag', 'sahara')),\n"
        "        chip_serial INTEGER,\n"
        "        imei TEXT,\n"
        "        hw_id TEXT,\n"
        "        model TEXT,\n"
        "        firmware TEXT,\n"
        "        pk_hash TEXT,\n"
        "        observed_at INTEGER NOT NULL\n"
        ");\n"
        "CREATE INDEX identities_module ON identities (module_id, observed_at);\n"
        "CREATE TABLE sessions (\n"
        "        id INTEGER PRIMARY KEY,\n"
        "        module_id INTEGER REFERENCES modules (id),\n"
        "        kind TEXT NOT NULL\n"
        "                CHECK (kind IN ('update', 'flash', 'recover', 'backup', 'restore')),\n"
        "        outcome TEXT NOT NULL DEFAULT 'running' CHECK (outcome IN\n"
        "                ('running', 'success', 'failed', 'refused', 'interrupted')),\n"
        "        package TEXT,\n"
        "        from_version TEXT,\n"
        "        to_version TEXT,\n"
        "        log_path TEXT,\n"
        "        owner TEXT,\n"
        "        error TEXT,\n"
        "        started_at INTEGER NOT NULL,\n"
        "        ended_at INTEGER\n"
        ");\n"
        "CREATE INDEX sessions_module ON sessions (module_id);\n"
        "CREATE INDEX sessions_running ON sessions (outcome) WHERE outcome = 'running';\n"
        "CREATE TABLE steps (\n"
        "        id INTEGER PRIMARY KEY,\n"
        "        session_id INTEGER NOT NULL REFERENCES sessions (id),\n"
        "        name TEXT NOT NULL,\n"
        "        state TEXT NOT NULL CHECK (state IN ('started', 'done', 'failed')),\n"
        "        detail TEXT,\n"
        "        at INTEGER NOT NULL\n"
        ");\n"
        "CREATE INDEX steps_session ON steps (session_id);\n"
        "CREATE TABLE installs (\n"
        "        id INTEGER PRIMARY KEY,\n"
        "        module_id INTEGER NOT NULL REFERENCES modules (id),\n"
        "        session_id INTEGER NOT NULL UNIQUE REFERENCES sessions (id),\n"
        "        from_version TEXT,\n"
        "        to_version TEXT NOT NULL,\n"
        "        package_sha256 TEXT CHECK (length(package_sha256) = 64),\n"
        "        installed_at INTEGER NOT NULL\n"
        ");\n"
        "CREATE INDEX installs_module ON installs (module_id);\n"
        "CREATE TABLE backups (\n"
        "        id INTEGER PRIMARY KEY,\n"
        "        module_id INTEGER NOT NULL REFERENCES modules (id),\n"
        "        session_id INTEGER REFERENCES sessions (id),\n"
        "        path TEXT NOT NULL,\n"
        "        created_at INTEGER NOT NULL,\n"
        "        verified INTEGER NOT NULL DEFAULT 0 CHECK (verified IN (0, 1))\n"
        ");\n"
        "CREATE INDEX backups_module ON backups (module_id);\n"
        "CREATE TABLE backup_partitions (\n"
        "        backup_id INTEGER NOT NULL REFERENCES backups (id),\n"
        "        seq INTEGER NOT NULL,\n"
        "        name TEXT NOT NULL,\n"
        "        size INTEGER NOT NULL CHECK (size >= 0),\n"
        "        sha256 TEXT NOT NULL CHECK (length(sha256) = 64),\n"
        "        PRIMARY KEY (backup_id, seq)\n"
        ");\n"
        "PRAGMA application_id = 1397114929;\n" /* HIST_APPLICATION_ID */
        "PRAGMA user_version = 1;\n";

/* Version 2: the host a session ran on (a fleet shares a history), and when a backup was
 * verified. Rows from version 1 keep NULL there: unknown, not invented. */
static const char schema_v2[] = "ALTER TABLE sessions ADD COLUMN host TEXT;\n"
                                "ALTER TABLE backups ADD COLUMN verified_at INTEGER;\n"
                                "PRAGMA user_version = 2;\n";

static int migrate_v1(sf_history *h, struct sf_error *err)
{
        return hist_exec(h, schema_v1, err);
}

static int migrate_v2(sf_history *h, struct sf_error *err)
{
        return hist_exec(h, schema_v2, err);
}

typedef int (*hist_migration_fn)(sf_history *h, struct sf_error *err);

/* ladder[i] brings version i to version i + 1. */
static const hist_migration_fn ladder[] = {
        migrate_v1,
        migrate_v2,
};
_Static_assert(sizeof(ladder) / sizeof(*ladder) == HIST_SCHEMA_VERSION,
               "one migration per schema version");

static int read_int(sf_history *h, const char *sql, int64_t *ret, struct sf_error *err)
{
        _cleanup_hist_stmt_ struct hist_stmt q = {0};
        int r;

        *ret = 0;
        hist_stmt_prepare(&q, h, sql, err);
        r = hist_stmt_int(&q, "reading", ret);
        return r < 0 ? r : 0;
}

static int damaged(sf_history *h, struct sf_error *err)
{
        return sf_error_set(err, -EBADMSG,
                            "%s: not a safeflash history, or damaged (%s); it was left as it is",
                            h->path, sqlite3_errmsg(h->db));
}

/* quick_check reads every page: the file is small, and a damaged history must not be written
 * to, since that could spread the damage over what is still readable. */
static int quick_check(sf_history *h, struct sf_error *err)
{
        _cleanup_hist_stmt_ struct hist_stmt q = {0};
        const unsigned char *s;
        int r;

        hist_stmt_prepare(&q, h, "PRAGMA quick_check(1)", err);
        r = hist_stmt_row(&q, "checking");
        if (r == -EBADMSG)
                return damaged(h, err);
        if (r < 0)
                return r;
        s = r > 0 ? sqlite3_column_text(q.st, 0) : NULL;
        if (s && strcmp((const char *)s, "ok") == 0)
                return 0;
        return sf_error_set(err, -EBADMSG, "%s: damaged (%s); it was left as it is", h->path,
                            s ? (const char *)s : "no answer from the integrity check");
}

static int check_owner(sf_history *h, int64_t version, int64_t app, struct sf_error *err)
{
        int64_t objects;
        int r;

        if (app != 0 && app != HIST_APPLICATION_ID)
                return sf_error_set(err, -EBADMSG,
                                    "%s: a database of another program (application id 0x%08llx); "
                                    "it was left as it is",
                                    h->path, (unsigned long long)app);
        if (version != 0)
                return app == HIST_APPLICATION_ID
                               ? 0
                               : sf_error_set(err, -EBADMSG,
                                              "%s: a database of another program (schema version "
                                              "%lld, no safeflash application id); it was left as "
                                              "it is",
                                              h->path, (long long)version);
        r = read_int(h, "SELECT count(*) FROM sqlite_master", &objects, err);
        if (r < 0)
                return r == -EBADMSG ? damaged(h, err) : r;
        if (objects > 0)
                return sf_error_set(err, -EBADMSG,
                                    "%s: a database of another program (tables but no safeflash "
                                    "schema); it was left as it is",
                                    h->path);
        return 0;
}

int hist_schema_check(sf_history *h, struct sf_error *err)
{
        int64_t version, app;
        int r;

        /* Reads only: nothing may be written before we know the file is ours and not newer. */
        r = read_int(h, "PRAGMA user_version", &version, err);
        if (r == 0)
                r = read_int(h, "PRAGMA application_id", &app, err);
        if (r == -EBADMSG)
                return damaged(h, err);
        if (r < 0)
                return r;
        r = check_owner(h, version, app, err);
        if (r < 0)
                return r;
        if (version > HIST_SCHEMA_VERSION)
                return sf_error_set(err, -EPROTO,
                                    "%s: written by a newer safeflash (schema version %lld; this "
                                    "one knows up to %d); it was left as it is: use a newer "
                                    "safeflash",
                                    h->path, (long long)version, HIST_SCHEMA_VERSION);
        return quick_check(h, err);
}

static int climb(sf_history *h, int64_t from, struct sf_error *err)
{
        for (int64_t v = from; v < HIST_SCHEMA_VERSION; v++) {
                struct sf_error e = {{0}};
                int64_t now;
                int r;

                r = ladder[v](h, &e);
                if (r == 0)
                        r = read_int(h, "PRAGMA user_version", &now, &e);
                if (r == 0 && now != v + 1)
                        r = sf_error_set(&e, -EIO, "the migration left version %lld",
                                         (long long)now);
                if (r < 0)
                        return sf_error_set(err, r,
                                            "upgrading the schema from version %lld to "
                                            "%lld: %s",
                                            (long long)v, (long long)v + 1, e.message);
        }
        return 0;
}

int hist_schema_migrate(sf_history *h, struct sf_error *err)
{
        _cleanup_txn_ struct hist_txn t = {0};
        int64_t version;
        int r;

        r = read_int(h, "PRAGMA user_version", &version, err);
        if (r < 0 || version == HIST_SCHEMA_VERSION)
                return r;
        r = hist_txn_begin(h, &t, err);
        if (r < 0)
                return r;
        /* Again under the write lock: another process may have upgraded it meanwhile. */
        r = read_int(h, "PRAGMA user_version", &version, err);
        if (r < 0)
                return r;
        if (version > HIST_SCHEMA_VERSION)
                return sf_error_set(err, -EPROTO,
                                    "%s: upgraded by a newer safeflash meanwhile (schema version "
                                    "%lld)",
                                    h->path, (long long)version);
        r = climb(h, version, err);
        if (r < 0)
                return r;
        return hist_txn_commit(&t, err);
}
