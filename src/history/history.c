/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The history handle: opening (creating the file privately, checking and migrating its schema)
 * and closing it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history/history-internal.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#define HOST_NAME_MAX_LEN 256

int sf_history_default_path(char **ret, struct sf_error *err)
{
        const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
        char *p;

        if (!ret)
                return -EINVAL;
        /* The XDG base directory specification: a relative value is to be ignored. */
        if (state && state[0] == '/')
                p = sf_asprintf("%s/safeflash/history.db", state);
        else if (home && home[0] == '/')
                p = sf_asprintf("%s/.local/state/safeflash/history.db", home);
        else
                return sf_error_set(err, -ENOENT,
                                    "neither XDG_STATE_HOME nor HOME is an absolute path: no "
                                    "place for the history");
        if (!p)
                return -ENOMEM;
        if (strlen(p) >= PATH_MAX) {
                free(p);
                return sf_error_set(err, -ENAMETOOLONG, "the history's path is too long");
        }
        *ret = p;
        return 0;
}

/* mkdir -p of path's folder, 0700 for those it creates: the history names every module and
 * where its backups are, which is nobody else's business. */
static int make_parents(const char *path, struct sf_error *err)
{
        _cleanup_free_ char *dir = strdup(path);

        if (!dir)
                return -ENOMEM;
        for (char *p = strchr(dir + 1, '/'); p; p = strchr(p + 1, '/')) {
                *p = '\0';
                if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                        return sf_error_set(err, -errno, "%s: cannot create: %s", dir,
                                            strerror(errno));
                *p = '/';
        }
        return 0;
}

/* Create a missing file with mode 0600 ourselves: SQLite would make it 0644, and its -wal and
 * -shm files copy the database's mode. */
static int create_private(const char *path, struct sf_error *err)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);

        if (fd >= 0) {
                close(fd);
                return 0;
        }
        if (errno == EEXIST)
                return 0;
        return sf_error_set(err, -errno, "%s: cannot create: %s", path, strerror(errno));
}

static int connect_db(sf_history *h, struct sf_error *err)
{
        int rc = sqlite3_open_v2(h->path, &h->db, SQLITE_OPEN_READWRITE, NULL);

        if (rc != SQLITE_OK) {
                int e = sqlite3_system_errno(h->db);
                int r = e > 0 ? sf_error_set(err, -e, "%s: cannot open: %s", h->path, strerror(e))
                              : hist_fail(h, rc, "opening", err);
                sqlite3_close(h->db);
                h->db = NULL;
                return r;
        }
        /* SQLite falls back to read-only without a word; a history that cannot record is no
         * history. */
        if (sqlite3_db_readonly(h->db, "main") == 1)
                return sf_error_set(err, -EACCES, "%s: not writable", h->path);
        sqlite3_busy_timeout(h->db, HIST_BUSY_TIMEOUT_MS);
        return 0;
}

/* Only once the file is known to be ours and not newer: switching to WAL writes its header.
 * synchronous=FULL makes every commit reach the disk before the call returns (invariant 3); the
 * history writes a few rows a minute, so the fsyncs cost nothing that matters. */
static int configure(sf_history *h, struct sf_error *err)
{
        _cleanup_hist_stmt_ struct hist_stmt q = {0};
        int r;

        hist_stmt_prepare(&q, h, "PRAGMA journal_mode = WAL", err);
        r = hist_stmt_row(&q, "choosing the journal"); /* answers the mode it got */
        if (r < 0)
                return r;
        return hist_exec(h, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;", err);
}

static int history_new(const char *path, sf_history **ret)
{
        _cleanup_free_ sf_history *h = calloc(1, sizeof(*h));
        char host[HOST_NAME_MAX_LEN + 1] = "";

        if (!h)
                return -ENOMEM;
        h->path = strdup(path);
        if (!h->path)
                return -ENOMEM;
        if (gethostname(host, sizeof(host) - 1) == 0 && host[0]) {
                h->host = strdup(host);
                if (!h->host) {
                        free(h->path);
                        return -ENOMEM;
                }
        }
        if (hist_owner_init(h->owner, sizeof(h->owner)) < 0) {
                free(h->host);
                free(h->path);
                return -ENAMETOOLONG;
        }
        *ret = TAKE_PTR(h);
        return 0;
}

SF_DEFINE_CLEANUP(sf_history, sf_history_close)

static int open_path(sf_history *h, struct sf_error *err)
{
        int r;

        r = create_private(h->path, err);
        if (r == 0)
                r = connect_db(h, err);
        if (r == 0)
                r = hist_schema_check(h, err);
        if (r == 0)
                r = configure(h, err);
        if (r == 0)
                r = hist_schema_migrate(h, err);
        return r;
}

int sf_history_open(const char *path, sf_history **ret, struct sf_error *err)
{
        _cleanup_free_ char *def = NULL;
        _cleanup_(sf_history_closep) sf_history *h = NULL;
        int r;

        if (!ret || (path && !*path))
                return sf_error_set(err, -EINVAL, "no history path");
        if (!path) {
                r = sf_history_default_path(&def, err);
                if (r < 0)
                        return r;
                r = make_parents(def, err);
                if (r < 0)
                        return r;
                path = def;
        }
        r = history_new(path, &h);
        if (r < 0)
                return sf_error_set(err, r, "%s: cannot open: %s", path, strerror(-r));
        r = open_path(h, err);
        if (r < 0)
                return r;
        h->ready = true;
        r = hist_reap_interrupted(h, err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(h);
        return 0;
}

void sf_history_close(sf_history *h)
{
        if (!h)
                return;
        if (h->db && h->ready)
                (void)hist_interrupt_own(h);
        sqlite3_close(h->db);
        free(h->path);
        free(h->host);
        free(h);
}

const char *sf_history_path(const sf_history *h)
{
        return h ? h->path : NULL;
}
