/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The history store: opening under XDG_STATE_HOME, module identity merges and conflicts,
 * sessions read back in order, crashes read back as interrupted, last known good firmware,
 * backups, the version 1 fixture's upgrade, and refusal of newer, damaged or foreign files. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "history/history-internal.h"
#include "safeflash/history.h"

#define SERIAL      0x0cf94c64u
#define SERIAL_HEX  "0x0cf94c64"
#define SERIAL_DEC  "217664612"
#define IMEI        "861234567890123"
#define IMEI2       "869876543210987"
#define HW_ID       0x000480e100000000ull
#define SHA_A       "f7daacd2a2fb4f3f1da91e89c929d25e3b1f7eb1c794c226e55bb6cdd876cdf8"
#define SHA_B       "e1b5964b5cfe6734638bec8a55cd9518861c4ab9469a47ff6d106676017d3b2d"
#define SHA_UPPER_B "E1B5964B5CFE6734638BEC8A55CD9518861C4AB9469A47FF6D106676017D3B2D"

struct fx {
        char dir[PATH_MAX];
        char db[PATH_MAX + 32];
};

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        (void)st;
        (void)type;
        (void)ftw;
        return remove(path);
}

static int setup(void **state)
{
        struct fx *f = calloc(1, sizeof(*f));
        const char *tmp = getenv("TMPDIR");

        if (!f)
                return -1;
        snprintf(f->dir, sizeof(f->dir), "%s/sf-history-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(f->dir))
                return -1;
        snprintf(f->db, sizeof(f->db), "%s/history.db", f->dir);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fx *f = *state;

        nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(f);
        return 0;
}

static sf_history *open_ok(const char *path)
{
        struct sf_error err = {{0}};
        sf_history *h = NULL;
        int r = sf_history_open(path, &h, &err);

        if (r < 0)
                print_error("open %s: %d %s\n", path, r, err.message);
        assert_int_equal(r, 0);
        assert_non_null(h);
        return h;
}

static sqlite3 *raw_open(const char *path)
{
        sqlite3 *db = NULL;

        assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
        sqlite3_busy_timeout(db, 5000);
        return db;
}

static int64_t raw_int(sqlite3 *db, const char *sql)
{
        sqlite3_stmt *st = NULL;
        int64_t v;

        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return v;
}

static int64_t path_int(const char *path, const char *sql)
{
        sqlite3 *db = raw_open(path);
        int64_t v = raw_int(db, sql);

        sqlite3_close(db);
        return v;
}

static void raw_exec(const char *path, const char *sql)
{
        sqlite3 *db = raw_open(path);

        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
}

static char *read_all(const char *path, size_t *ret_len)
{
        FILE *fp = fopen(path, "rb");
        char *buf;
        long n;

        assert_non_null(fp);
        assert_int_equal(fseek(fp, 0, SEEK_END), 0);
        n = ftell(fp);
        assert_true(n >= 0);
        rewind(fp);
        buf = malloc((size_t)n + 1);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
        fclose(fp);
        *ret_len = (size_t)n;
        return buf;
}

static void write_all(const char *path, const void *data, size_t len)
{
        FILE *fp = fopen(path, "wb");

        assert_non_null(fp);
        assert_int_equal(fwrite(data, 1, len, fp), len);
        assert_int_equal(fclose(fp), 0);
}

static int record(sf_history *h, enum sf_history_source src, bool has_serial, const char *imei,
                  const char *firmware, int64_t when, int64_t *ret_id, struct sf_error *err)
{
        struct sf_history_identity id = {
                .source = src,
                .has_chip_serial = has_serial,
                .chip_serial = SERIAL,
                .imei = imei,
                .model = "EC25-E",
                .firmware = firmware,
                .observed_at = when,
        };

        return sf_history_identity_record(h, &id, ret_id, err);
}

static int64_t record_ok(sf_history *h, enum sf_history_source src, bool has_serial,
                         const char *imei, const char *firmware, int64_t when)
{
        struct sf_error err = {{0}};
        int64_t id = -1;
        int r = record(h, src, has_serial, imei, firmware, when, &id, &err);

        if (r < 0)
                print_error("record: %d %s\n", r, err.message);
        assert_int_equal(r, 0);
        assert_true(id > 0);
        return id;
}

static void test_enums(void **state)
{
        (void)state;
        assert_string_equal(sf_history_source_to_string(SF_HISTORY_SOURCE_SAHARA), "sahara");
        assert_string_equal(sf_history_kind_to_string(SF_HISTORY_KIND_RESTORE), "restore");
        assert_string_equal(sf_history_step_state_to_string(SF_HISTORY_STEP_FAILED), "failed");
        assert_string_equal(sf_history_outcome_to_string(SF_HISTORY_OUTCOME_INTERRUPTED),
                            "interrupted");
        assert_string_equal(sf_history_evidence_to_string(SF_HISTORY_EVIDENCE_IDENTIFY),
                            "identify");
        assert_null(sf_history_source_to_string((enum sf_history_source)3));
        assert_null(sf_history_kind_to_string((enum sf_history_kind)5));
        assert_null(sf_history_step_state_to_string((enum sf_history_step_state) - 1));
        assert_null(sf_history_outcome_to_string((enum sf_history_outcome)5));
        assert_null(sf_history_evidence_to_string((enum sf_history_evidence)2));
}

struct key_row {
        const char *text;
        int r;
        bool is_imei;
        uint32_t serial;
};

static const struct key_row key_rows[] = {
        {SERIAL_HEX, 0, false, SERIAL},
        {"0X0CF94C64", 0, false, SERIAL},
        {SERIAL_DEC, 0, false, SERIAL},
        {"0", 0, false, 0},
        {"4294967295", 0, false, UINT32_MAX},
        {"0xffffffff", 0, false, UINT32_MAX},
        {"0x00000000000001", 0, false, 1},
        {IMEI, 0, true, 0},
        {"", -EINVAL, false, 0},
        {"0x", -EINVAL, false, 0},
        {"0x1ffffffff", -EINVAL, false, 0},
        {"4294967296", -EINVAL, false, 0},
        {"12345678901", -EINVAL, false, 0},
        {"86123456789012", -EINVAL, false, 0},
        {"8612345678901234", -EINVAL, false, 0},
        {"86123456789012a", -EINVAL, false, 0},
        {"-1", -EINVAL, false, 0},
        {" 1", -EINVAL, false, 0},
        {"0xg", -EINVAL, false, 0},
        {"0x0cf94c64 ", -EINVAL, false, 0},
        {"00000000000000000000000000", -EINVAL, false, 0},
};

static void test_keys(void **state)
{
        (void)state;
        for (size_t i = 0; i < sizeof(key_rows) / sizeof(*key_rows); i++) {
                struct hist_key k = {0};
                int r = hist_parse_key(key_rows[i].text, &k);

                if (r != key_rows[i].r)
                        print_error("row %zu '%s': %d\n", i, key_rows[i].text, r);
                assert_int_equal(r, key_rows[i].r);
                if (r < 0)
                        continue;
                assert_int_equal(k.is_imei, key_rows[i].is_imei);
                if (k.is_imei)
                        assert_string_equal(k.imei, key_rows[i].text);
                else
                        assert_int_equal(k.chip_serial, key_rows[i].serial);
        }
        assert_int_equal(hist_parse_key(NULL, &(struct hist_key){0}), -EINVAL);
}

static void test_proc_stat(void **state)
{
        static const char ok[] = "4242 (sf (a) b) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 "
                                 "20 0 1 0 987654 1000 200 18446744073709551615\n";
        static const char short_line[] = "4242 (x) S 1 2 3\n";
        static const char no_paren[] = "4242 x S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19\n";
        uint64_t v = 0;

        (void)state;
        assert_int_equal(hist_parse_proc_starttime(ok, strlen(ok), &v), 0);
        assert_int_equal(v, 987654);
        assert_int_equal(hist_parse_proc_starttime(short_line, strlen(short_line), &v), -EINVAL);
        assert_int_equal(hist_parse_proc_starttime(no_paren, strlen(no_paren), &v), -EINVAL);
        assert_int_equal(hist_parse_proc_starttime("", 0, &v), -EINVAL);
}

static void test_owner(void **state)
{
        char self[HIST_OWNER_MAX], other[HIST_OWNER_MAX], dead[HIST_OWNER_MAX + 16];
        char boot[64];
        pid_t child;
        int status;

        (void)state;
        assert_int_equal(hist_owner_init(self, sizeof(self)), 0);
        assert_int_equal(hist_owner_init(other, sizeof(other)), 0);
        assert_string_not_equal(self, other); /* two handles of one process */
        assert_true(hist_owner_alive(self, self));
        assert_true(hist_owner_alive(other, self));
        /* Unknown or malformed: cannot tell, so alive. */
        assert_true(hist_owner_alive(NULL, self));
        assert_true(hist_owner_alive("garbage", self));
        assert_true(hist_owner_alive("-:1:2:3:4", self));
        assert_true(hist_owner_alive("abc:1:2:3", self));
        if (strncmp(self, "-:", 2) == 0)
                skip(); /* no /proc here */
        /* Another boot: gone. */
        assert_false(hist_owner_alive("00000000-0000-0000-0000-000000000000:1:2:3:4", self));
        /* This boot, a process that has exited and been reaped: gone. */
        child = fork();
        assert_true(child >= 0);
        if (child == 0)
                _exit(0);
        assert_int_equal(waitpid(child, &status, 0), child);
        snprintf(boot, sizeof(boot), "%.*s", (int)(strchr(self, ':') - self), self);
        {
                unsigned long long ns = strtoull(strchr(self, ':') + 1, NULL, 10);

                snprintf(dead, sizeof(dead), "%s:%llu:%ld:1:1", boot, ns, (long)child);
                assert_false(hist_owner_alive(dead, self));
                /* Our own pid with another start time: the pid was reused. */
                snprintf(dead, sizeof(dead), "%s:%llu:%ld:1:1", boot, ns, (long)getpid());
                assert_false(hist_owner_alive(dead, self));
                /* Another pid namespace: cannot tell. */
                snprintf(dead, sizeof(dead), "%s:%llu:%ld:1:1", boot, ns + 1, (long)child);
                assert_true(hist_owner_alive(dead, self));
        }
}

/* A path under the fixture's folder, to be freed. */
static char *in_dir(const struct fx *f, const char *rel)
{
        char *p = NULL;

        assert_true(asprintf(&p, "%s/%s", f->dir, rel) > 0);
        return p;
}

static void test_default_path(void **state)
{
        struct fx *f = *state;
        struct sf_error err = {{0}};
        char *want, *p = NULL;
        char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;

        setenv("XDG_STATE_HOME", f->dir, 1);
        assert_int_equal(sf_history_default_path(&p, &err), 0);
        want = in_dir(f, "safeflash/history.db");
        assert_string_equal(p, want);
        free(want);
        free(p);
        /* Relative: ignored, as the XDG specification says. */
        setenv("XDG_STATE_HOME", "relative/state", 1);
        setenv("HOME", f->dir, 1);
        assert_int_equal(sf_history_default_path(&p, &err), 0);
        want = in_dir(f, ".local/state/safeflash/history.db");
        assert_string_equal(p, want);
        free(want);
        free(p);
        unsetenv("XDG_STATE_HOME");
        unsetenv("HOME");
        p = NULL;
        assert_int_equal(sf_history_default_path(&p, &err), -ENOENT);
        assert_null(p);
        assert_non_null(strstr(err.message, "XDG_STATE_HOME"));
        if (old_home)
                setenv("HOME", old_home, 1);
        free(old_home);
}

static void check_mode(const char *path, mode_t mode)
{
        struct stat st;

        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, mode);
}

static void test_open_default(void **state)
{
        struct fx *f = *state;
        char *state_dir = in_dir(f, "state"), *dir = in_dir(f, "state/safeflash");
        char *db = in_dir(f, "state/safeflash/history.db");
        sf_history *h;

        setenv("XDG_STATE_HOME", state_dir, 1);
        h = open_ok(NULL);
        assert_string_equal(sf_history_path(h), db);
        sf_history_close(h);
        unsetenv("XDG_STATE_HOME");

        check_mode(state_dir, 0700);
        check_mode(dir, 0700);
        check_mode(db, 0600);
        assert_int_equal(path_int(db, "PRAGMA user_version"), HIST_SCHEMA_VERSION);
        assert_int_equal(path_int(db, "PRAGMA application_id"), HIST_APPLICATION_ID);
        assert_int_equal(path_int(db, "SELECT count(*) FROM pragma_journal_mode "
                                      "WHERE journal_mode = 'wal'"),
                         1);
        /* Opens again as it is. */
        sf_history_close(open_ok(db));
        sf_history_close(NULL);
        free(state_dir);
        free(dir);
        free(db);
}

static void test_open_errors(void **state)
{
        struct fx *f = *state;
        struct sf_error err = {{0}};
        char *path = in_dir(f, "missing/history.db");
        sf_history *h = NULL;

        assert_int_equal(sf_history_open(path, &h, &err), -ENOENT);
        assert_null(h);
        assert_non_null(strstr(err.message, path));
        free(path);
        assert_int_equal(sf_history_open("", &h, &err), -EINVAL);
        assert_int_equal(sf_history_open(f->db, NULL, &err), -EINVAL);
}

static void test_serial_then_imei(void **state)
{
        struct fx *f = *state;
        sf_history *h = open_ok(f->db);
        struct sf_error err = {{0}};
        struct sf_history_identity id = {
                .source = SF_HISTORY_SOURCE_SAHARA,
                .has_chip_serial = true,
                .chip_serial = SERIAL,
                .has_hw_id = true,
                .hw_id = HW_ID,
                .pk_hash = "CC3153A80293939B",
        };
        sf_history_report *rep = NULL;
        const struct sf_history_module *m;
        int64_t a, b, found;

        /* First seen in EDL: a chip serial and a HW ID, nothing else. */
        assert_int_equal(sf_history_identity_record(h, &id, &a, &err), 0);
        assert_int_equal(sf_history_module_find(h, IMEI, &found, &err), -ENOENT);
        /* Then over AT, the update having kept track of which module it is. */
        b = record_ok(h, SF_HISTORY_SOURCE_AT, true, IMEI, "EC25EFAR06A19M4G", 0);
        assert_int_equal(a, b);
        assert_int_equal(sf_history_module_find(h, IMEI, &found, &err), 0);
        assert_int_equal(found, a);
        assert_int_equal(sf_history_module_find(h, SERIAL_HEX, &found, &err), 0);
        assert_int_equal(found, a);
        assert_int_equal(sf_history_module_find(h, SERIAL_DEC, &found, &err), 0);
        assert_int_equal(found, a);
        /* A later reading without the IMEI finds the same row. */
        assert_int_equal(record_ok(h, SF_HISTORY_SOURCE_SAHARA, true, NULL, NULL, 0), a);

        assert_int_equal(sf_history_module_report(h, IMEI, &rep, &err), 0);
        assert_int_equal(sf_history_report_n_modules(rep), 1);
        m = sf_history_report_module(rep, 0);
        assert_int_equal(m->id, a);
        assert_true(m->has_chip_serial);
        assert_int_equal(m->chip_serial, SERIAL);
        assert_true(m->has_hw_id);
        assert_int_equal(m->hw_id, HW_ID);
        assert_string_equal(m->imei, IMEI);
        assert_string_equal(m->model, "EC25-E");
        assert_int_equal(sf_history_report_n_identities(rep), 3);
        assert_int_equal(sf_history_report_identity(rep, 0)->source, SF_HISTORY_SOURCE_SAHARA);
        assert_string_equal(sf_history_report_identity(rep, 0)->pk_hash, "CC3153A80293939B");
        assert_null(sf_history_report_identity(rep, 0)->imei);
        assert_string_equal(sf_history_report_identity(rep, 1)->firmware, "EC25EFAR06A19M4G");
        assert_null(sf_history_report_identity(rep, 3));
        assert_null(sf_history_report_module(rep, 1));
        assert_false(sf_history_report_truncated(rep));
        sf_history_report_free(rep);
        sf_history_close(h);
}

static void test_imei_then_serial(void **state)
{
        struct fx *f = *state;
        sf_history *h = open_ok(f->db);
        struct sf_error err = {{0}};
        int64_t a, found;

        a = record_ok(h, SF_HISTORY_SOURCE_AT, false, IMEI, "EC25EFAR06A19M4G", 0);
        assert_int_equal(sf_history_module_find(h, SERIAL_HEX, &found, &err), -ENOENT);
        assert_non_null(strstr(err.message, "0x0cf94c64"));
        assert_int_equal(record_ok(h, SF_HISTORY_SOURCE_SAHARA, true, IMEI, NULL, 0), a);
        assert_int_equal(sf_history_module_find(h, SERIAL_HEX, &found, &err), 0);
        assert_int_equal(found, a);
        assert_int_equal(path_int(f->db, "SELECT count(*) FROM modules"), 1);
        sf_history_close(h);
}

/* A serial-only row and an IMEI-only row, then a reading that links them: one module. */
static void test_merge(void **state)
{
        struct fx *f = *state;
        sf_history *h = open_ok(f->db);
        struct sf_error err = {{0}};
        sf_history_report *rep = NULL;
        int64_t a, b, sid, found;

        a = record_ok(h, SF_HISTORY_SOURCE_SAHARA, true, NULL, NULL, 1000);
        b = record_ok(h, SF_HISTORY_SOURCE_AT, false, IMEI, "EC25EFAR06A19M4G", 2000);
        assert_int_not_equal(a, b);
        assert_int_equal(sf_history_session_begin(h, b, SF_HISTORY_KIND_BACKUP, NULL, NULL, NULL,
                                                  NULL, &sid, &err),
                         0);
        assert_int_equal(sf_history_session_end(h, sid, SF_HISTORY_OUTCOME_SUCCESS, NULL, &err), 0);
        assert_int_equal(record_ok(h, SF_HISTORY_SOURCE_AT, true, IMEI, NULL, 3000), a);

        assert_int_equal(path_int(f->db, "SELECT count(*) FROM modules"), 1);
        assert_int_equal(sf_history_module_find(h, IMEI, &found, &err), 0);
        assert_int_equal(found, a);
        assert_int_equal(sf_history_module_report(h, SERIAL_HEX, &rep, &err), 0);
        assert_int_equal(sf_history_report_n_identities(rep), 3);
        assert_int_equal(sf_history_report_n_sessions(rep), 1);
        assert_int_equal(sf_history_report_session(rep, 0)->module_id, a);
        assert_int_equal(sf_history_report_module(rep, 0)->first_seen, 1000);
        assert_int_equal(sf_history_report_module(rep, 0)->last_seen, 3000);
        sf_history_report_free(rep);
        sf_history_close(h);
}

static void test_conflict(void **state)
{
        struct fx *f = *state;
        sf_history *h = open_ok(f->db);
        struct sf_error err = {{0}};
        struct sf_history_identity id = {
                .source = SF_HISTORY_SOURCE_SAHARA,
                .has_chip_serial = true,
                .chip_serial = SERIAL,
                .has_hw_id = true,
                .hw_id = HW_ID,
        };
        int64_t a, other = -1, n_ids;

        a = record_ok(h, SF_HISTORY_SOURCE_AT, true, IMEI, NULL, 0);
        assert_int_equal(sf_history_identity_record(h, &id, NULL, &err), 0);
        n_ids = path_int(f->db, "SELECT count(*) FROM identities");

        /* The known serial with another IMEI. */
        assert_int_equal(record(h, SF_HISTORY_SOURCE_AT, true, IMEI2, NULL, 0, &other, &err),
                         -EEXIST);
        assert_int_equal(other, -1);
        assert_non_null(strstr(err.message, IMEI));
        assert_non_null(strstr(err.message, IMEI2));
        assert_non_null(strstr(err.message, "another IMEI"));
        /* The known IMEI with another serial. */
        id.chip_serial = SERIAL + 1;
        id.has_hw_id = false;
        id.imei = IMEI;
        assert_int_equal(sf_history_identity_record(h, &id, &other, &err), -EEXIST);
        assert_non_null(strstr(err.message, "another chip serial"));
        /* The known serial with another HW ID. */
        id.chip_serial = SERIAL;
        id.imei = NULL;
        id.has_hw_id = true;
        id.hw_id = HW_ID + 1;
        assert_int_equal(sf_history_identity_record(h, &id, &other, &err), -EEXIST);
        assert_non_null(strstr(err.message, "another HW ID"));
        /* Two rows that each have what the other lacks, but disagree on the HW ID. */
        id = (struct sf_history_identity){.source = SF_HISTORY_SOURCE_SAHARA,
                                          .has_chip_serial = true,
                                          .chip_serial = 7,
                                          .has_hw_id = true,
                                          .hw_id = 1};
        assert_int_equal(sf_history_identity_record(h, &id, NULL, &err), 0);
        id = (struct sf_history_identity){
                .source = SF_HISTORY_SOURCE_DIAG, .imei = IMEI2, .has_hw_id = true, .hw_id = 2};
        assert_int_equal(sf_history_identity_record(h, &id, NULL, &err), 0);
        n_ids += 2;
        id = (struct sf_history_identity){.source = SF_HISTORY_SOURCE_AT,
                                          .has_chip_serial = true,
                                          .chip_serial = 7,
                                          .imei = IMEI2};
        assert_int_equal(sf_history_identity_record(h, &id, &other, &err), -EEXIST);
        assert_int_equal(other, -1);

        /* Nothing of the refused readings was kept; the serial alone still records. */
        assert_int_equal(path_int(f->db, "SELECT count(*) FROM identities"), n_ids);
        assert_int_equal(path_int(f->db, "SELECT count(*) FROM modules"), 3);
        assert_int_equal(record_ok(h, SF_HISTORY_SOURCE_AT, true, NULL, NULL, 0), a);
        sf_history_close(h);
}

static void test_identity_invalid(void **state)
{
        struct fx *f = *state;
        sf_history *h = open_ok(f->db);
        struct sf_error err = {{0}};
        struct sf_history_identity id = {.source = SF_HISTORY_SOURCE_AT};
        int64_t mid = -1;
        char long_model[SF_HISTORY_TEXT_MAX + 2];

        assert_int_equal(sf_history_identity_record(h, &id, &mid, &err), -EINVAL);
        id.imei = "86123456789012";
        assert_int_equal(sf_history_identity_record(h, &id, &mid, &err), -EINVAL);
        id.imei = "86123456789012X";
        assert_int_equal(sf_history_identity_record(h, &id, &mid, &err), -EINVAL);
        id.imei = IMEI;
        id.source = (enum sf_history_source)9;
        assert_int_equal(sf_history_identity_record(h, &id, &mid, &err), -EINVAL);
        id.source = SF_HISTORY_SOURCE_AT;
        id.pk_hash = "not hex";
        assert_int_equal(sf_history_identity_record(h, &id, &mid, &err), -EINVAL);
        id.pk_hash = NULL;
        memset(long_model, 'M', sizeof(long_model) - 1);
        long_model[sizeof(long_model) - 1] = '\0';
        id.model = long_model;
        assert_int_equal(sf_history_identity_record(h, &id, &mid, &err), -E2BIG);
        assert_non_null(strstr(err.message, "model"));
        assert_int_equal(mid, -1);
        assert_int_equal(sf_history_identity_record(h, NULL, &mid, &err), -EINVAL);
        assert_int_equal(path_int(f->db, "SELECT count(*) FROM modules"), 0);
        sf_history_close(h);
}

static int64_t begin_ok(sf_history *h, int64_t module_id, enum sf_history_kind kind)
{
        struct sf_error err = {{0}};
        int64_t sid = -1;
        int r = sf_history_session_begin(h, module_id, kind, "/srv/fw/EC25EFAR06A21M4G",
                                         "EC25EFAR06A19M4G", "EC25EFAR06A21M4G", "/tmp/s.log", &sid,
                                         &err);

        if (r < 0)
                print_error("begin: %d %s\n", r, err.message);
        assert_int_equal(r, 0);
        return sid;
}

static void step_ok(sf_history *h, int64_t sid, const char *name, enum sf_history_step_state s,
                    const char *detail)
{
        struct sf_error err = {{0}};
        int r = sf_history_session_step(h, sid, name, s, detail, &err);

        if (r < 0)
                print_error("step: %d %s\n", r, err.message);
        assert_int_equal(r, 0);
}

static void test_session(void **state)
{
        struct fx *f = *state;
        sf_history *h = open_ok(f->db);
        struct sf_error err = {{0}};
        sf_history_report *rep = NULL;
        const struct sf_history_session *s;
        int64_t mid, sid, before = (int64_t)time(NULL);

        mid = record_ok(h, SF_HISTORY_SOURCE_AT, true, IMEI, "EC25EFAR06A19M4G", 0);
        sid = begin_ok(h, mid, SF_HISTORY_KIND_UPDATE);
        step_ok(h, sid, "preflight", SF_HISTORY_STEP_STARTED, NULL);
        step_ok(h, sid, "preflight", SF_HISTORY_STEP_DONE, "allowed");
        step_ok(h, sid, "flash", SF_HISTORY_STEP_STARTED, NULL);
        step_ok(h, sid, "flash", SF_HISTORY_STEP_FAILED, "NAK on program of 'modem'");
        assert_int_equal(sf_history_session_end(h, sid, SF_HISTORY_OUTCOME_FAILED,
                                                "the programmer refused to write", &err),
                         0);
        /* An ended session takes nothing more. */
        assert_int_equal(sf_history_session_step(h, sid, "late", SF_HISTORY_STEP_DONE, NULL, &err),
                         -EALREADY);
        assert_non_null(strstr(err.message, "failed"));
        assert_int_equal(sf_history_session_end(h, sid, SF_HISTORY_OUTCOME_SUCCESS, NULL, &err),
                         -EALREADY);
        assert_int_equal(sf_history_session_step(h, 999, "x", SF_HISTORY_STEP_DONE, NULL, &err),
                         -ENOENT);
        assert_int_equal(sf_history_session_end(h, 999, SF_HISTORY_OUTCOME_FAILED, NULL, &err),
                         -ENOENT);
        assert_int_equal(sf_history_session_end(h, sid, SF_HISTORY_OUTCOME_RUNNING, NULL, &err),
                         -EINVAL);
        assert_int_equal(sf_history_session_step(h, sid, "", SF_HISTORY_STEP_DONE, NULL, &err),
                         -EINVAL);

        assert_int_equal(sf_history_module_report(h, SERIAL_HEX, &rep, &err), 0);
        assert_int_equal(sf_history_report_n_sessions(rep), 1);
        s = sf_history_report_session(rep, 0);
        assert_int_equal(s->id, sid);
        assert_int_equal(s->module_id, mid);
        assert_int_equal(s->kind, SF_HISTORY_KIND_UPDATE);
        assert_int_equal(s->outcome, SF_HISTORY_OUTCOME_FAILED);
        assert_string_equal(s->package, "/srv/fw/EC25EFAR06A21M4G");
        assert_string_equal(s->from_version, "EC25EFAR06A19M4G");
        assert_string_equal(s->to_version, "EC25EFAR06A21M4G");
        assert_string_equal(s->log_path, "/tmp/s.log");
        assert_string_equal(s->error, "the programmer refused to write");
        assert_non_null(s->host);
        assert_true(s->started_at >= before && s->ended_at >= s->started_at);
        assert_int_equal(s->n_steps, 4);
        assert_string_equal(s->steps[0].name, "preflight");
        assert_int_equal(s->steps[0].state, SF_HISTORY_STEP_STARTED);
        assert_null(s->steps[0].detail);
        assert_string_equal(s->steps[1].detail, "allowed");
        assert_int_equal(s->steps[1].state, SF_HISTORY_STEP_DONE);
        assert_string_equal(s->steps[2].name, "flash");
        assert_int_equal(s->steps[3].state, SF_HISTORY_STEP_FAILED);
        assert_string_equal(s->steps[3].detail, "NAK on program of 'modem'");
        assert_true(s->steps[3].at >= before);
        sf_history_report_free(rep);
        sf_history_close(h);
}

static void test_session_module(void **state)
{
        struct fx *f = *state;
        sf_history *h = open_ok(f->db);
        struct sf_error err = {{0}};
        sf_history_report *rep = NULL;
        int64_t a, b, sid = -1;

        assert_int_equal(sf_history_session_begin(h, 42, SF_HISTORY_KIND_RECOVER, NULL, NULL, NULL,
                                                  NULL, &sid, &err),
                         -ENOENT);
        assert_int_equal(sid, -1);
        assert_int_equal(sf_history_session_begin(h, 0, (enum sf_history_kind)7, NULL, NULL, NULL,
                                                  NULL, &sid, &err),
                         -EINVAL);
        /* A recovery that starts before it knows which module it has. */
        sid = begin_ok(h, 0, SF_HISTORY_KIND_RECOVER);
        step_ok(h, sid, "identify", SF_HISTORY_STEP_STARTED, NULL);
        a = record_ok(h, SF_HISTORY_SOURCE_SAHARA, true, NULL, NULL, 0);
        b = record_ok(h, SF_HISTORY_SOURCE_AT, false, IMEI2, NULL, 0);
        assert_int_equal(sf_history_session_set_module(h, sid, 77, &err), -ENOENT);
        assert_int_equal(sf_history_session_set_module(h, 999, a, &err), -ENOENT);
        assert_int_equal(sf_history_session_set_module(h, sid, a, &err), 0);
        assert_int_equal(sf_history_session_set_module(h, sid, a, &err), 0);
        assert_int_equal(sf_history_session_set_module(h, sid, b, &err), -EEXIST);
        assert_int_equal(sf_history_module_report(h, SERIAL_DEC, &rep, &err), 0);
        assert_int_equal(sf_history_report_n_sessions(rep), 1);
        assert_int_equal(sf_history_report_session(rep, 0)->outcome, SF_HISTORY_OUTCOME_RUNNING);
        assert_int_equal(sf_history_report_session(rep, 0)->n_steps, 1);
        sf_history_report_free(rep);
        sf_history_close(h);
}

/* A process that records a session and dies without ending it (a crash, a power cut). It says
 * "r" on ready_fd once the session is recorded, and dies when go_fd gives it a byte (or EOF). */
static void crash_child(const char *db, int ready_fd, int go_fd)
{
        struct sf_error err = {{0}};
        sf_history *h = NULL;
        int64_t mid, sid;
        char c;

        if (sf_history_open(db, &h, &err) < 0 ||
            record(h, SF_HISTORY_SOURCE_AT, true, IMEI, "EC25EFAR06A19M4G", 0, &mid, &err) < 0 ||
            sf_history_session_begin(h, mid, SF_HISTORY_KIND_UPDATE, "/p", "A", "B", "/l", &sid,
                                     &err) < 0 ||
            sf_history_session_step(h, sid, "preflight", SF_HISTORY_STEP_DONE, NULL, &err) < 0 ||
            sf_history_session_step(h, sid, "flash", SF_HISTORY_STEP_STARTED, NULL, &err) < 0)
                _exit(1);
        if (write(ready_fd, "r", 1) != 1 || read(go_fd, &c, 1) < 0)
                _exit(2);
        _exit(0); /* no end, no close */
}

/* The test process holds no database connection across fork(): SQLite's in-process lock
 * bookkeeping must not be inherited. */
static pid_t start_crash_child(const char *db, int *ret_go_fd)
{
        int ready[2], go[2];
        pid_t child;
        char c;

        assert_int_equal(pipe(ready), 0);
        assert_int_equal(pipe(go), 0);
        child = fork();
        assert_true(child >= 0);
        if (child == 0) {
                close(ready[0]);
                close(go[1]);
                crash_child(db, ready[1], go[0]);
        }
        close(ready[1]);
        close(go[0]);
        assert_int_equal(read(ready[0], &c, 1), 1);
        close(ready[0]);
        *ret_go_fd = go[1];
        return child;
}

static void end_crash_child(pid_t child, int go_fd)
{
        int status;

        assert_int_equal(write(go_fd, "g", 1), 1);
        close(go_fd);
        assert_int_equal(waitpid(child, &status, 0), child);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

static void check_interrupted(sf_history *h)
{
        struct sf_error err = {{0}};
        sf_history_report *rep = NULL;
        const struct sf_history_session *s;

        assert_int_equal(sf_history_module_report(h, IMEI, &rep, &err), 0);
        assert_int_equal(sf_history_report_n_sessions(rep), 1);
        s = sf_history_report_session(rep, 0);
        assert_int_equal(s->outcome, SF_HISTORY_OUTCOME_INTERRUPTED);
        assert_non_null(strstr(s->error, "crash"));
        assert_int_equal(s->ended_at, 0);
        assert_int_equal(s->n_steps, 2);
        assert_string_equal(s->steps[1].name, "flash");
        assert_int_equal(s->steps[1].state, SF_HISTORY_STEP_STARTED);
        sf_history_report_free(rep);
}

static void test_crash(void **state)
{
        struct fx *f = *state;
        struct sf_error err = {{0}};
        sf_history *h;
        int go_fd;
        pid_t child;

        child = start_crash_child(f->db, &go_fd);
        /* Opened while the session is in progress: not touched. */
        h = open_ok(f->db);
        assert_int_equal(path_int(f->db, "SELECT count(*) FROM sessions "
                                         "WHERE outcome = 'running'"),
                         1);
        end_crash_child(child, go_fd);
        /* The process is gone: the session reads back interrupted at once, though the file
         * still says running until the next open. */
        check_interrupted(h);
        assert_int_equal(path_int(f->db, "SELECT count(*) FROM sessions "
                                         "WHERE outcome = 'running'"),
                         1);
        /* Nobody can end it now. */
        assert_int_equal(sf_history_session_end(h, 1, SF_HISTORY_OUTCOME_SUCCESS, NULL, &err),
                         -EALREADY);
        assert_non_null(strstr(err.message, "interrupted"));
        sf_history_close(h);
}

static void test_crash_reopen(void **state)
{
        struct fx *f = *state;
        sf_history *h;
        int go_fd;
        pid_t child;

        child = start_crash_child(f->db, &go_fd);
        end_crash_child(child, go_fd);
        /* The next open records the interruption for good. */
        h = open_ok(f->db);
        assert_int_equal(path_int(f->db, "SELECT count(*) FROM sessions "
                                         "WHERE outcome = 'interrupted' AND ended_at IS NULL"),
                         1);
        check_interrupted(h);
        sf_history_close(h);
}

static void test_close_without_end(void **state)
{
        struct fx *f = *state;
        sf_history *h = open_ok(f->db), *other = open_ok(f->db);
        struct sf_error err = {{0}};
        sf_history_report *rep = NULL;
        const struct sf_history_session *s;
        int64_t mid, sid, sid_other;

        mid = record_ok(h, SF_HISTORY_SOURCE_AT, true, IMEI, NULL, 0);
        sid = begin_ok(h, mid, SF_HISTORY_KIND_UPDATE);
        sid_other = begin_ok(other, mid, SF_HISTORY_KIND_BACKUP);
        /* A session belongs to the handle that began it. */
        assert_int_equal(sf_history_session_step(other, sid, "x", SF_HISTORY_STEP_DONE, NULL, &err),
                         -EPERM);
        assert_int_equal(sf_history_session_end(other, sid, SF_HISTORY_OUTCOME_FAILED, NULL, &err),
                         -EPERM);
        /* A third opener sees both running: their process is alive. */
        sf_history_close(open_ok(f->db));
        assert_int_equal(path_int(f->db, "SELECT count(*) FROM sessions "
                                         "WHERE outcome = 'running'"),
                         2);
        sf_history_close(h);
        /* Closing interrupts only the closing handle's sessions, with the moment known. */
        assert_int_equal(sf_history_module_report(other, IMEI, &rep, &err), 0);
        assert_int_equal(sf_history_report_n_sessions(rep), 2);
        s = sf_history_report_session(rep, 0);
        assert_int_equal(s->id, sid);
        assert_int_equal(s->outcome, SF_HISTORY_OUTCOME_INTERRUPTED);
        assert_non_null(strstr(s->error, "closed"));
        assert_true(s->ended_at > 0);
        assert_int_equal(sf_history_report_session(rep, 1)->id, sid_other);
        assert_int_equal(sf_history_report_session(rep, 1)->outcome, SF_HISTORY_OUTCOME_RUNNING);
        sf_history_report_free(rep);
        assert_int_equal(
                sf_history_session_end(other, sid_other, SF_HISTORY_OUTCOME_SUCCESS, NULL, &err),
                0);
        sf_history_close(other);
}

/* Sessions from another boot, or whose owner cannot be read: only the first is reaped. */
static void test_reap_foreign(void **state)
{
        struct fx *f = *state;
        sf_history *h = open_ok(f->db);

        sf_history_close(h);
        raw_exec(f->db, "INSERT INTO sessions (kind, owner, started_at) VALUES "
                        "('flash', '00000000-0000-0000-0000-000000000000:1:1:1:1', 1), "
                        "('flash', NULL, 2)");
        h = open_ok(f->db);
        assert_int_equal(path_int(f->db, "SELECT count(*) FROM sessions WHERE id = 1 AND "
                                         "outcome = 'interrupted'"),
                         1);
        assert_int_equal(path_int(f->db, "SELECT count(*) FROM sessions WHERE id = 2 AND "
                                         "outcome = 'running'"),
                         1);
        sf_history_close(h);
}

static int64_t install_session(sf_history *h, int64_t mid, const char *from, const char *to,
                               const char *sha)
{
        struct sf_error err = {{0}};
        int64_t sid = begin_ok(h, mid, SF_HISTORY_KIND_UPDATE);
        int r = sf_history_install_record(h, sid, from, to, sha, &err);

        if (r < 0)
                print_error("install: %d %s\n", r, err.message);
        assert_int_equal(r, 0);
        assert_int_equal(sf_history_session_end(h, sid, SF_HISTORY_OUTCOME_SUCCESS, NULL, &err), 0);
        return sid;
}

static void lkg_is(sf_history *h, const char *key, const char *version,
                   enum sf_history_evidence evidence)
{
        struct sf_error err = {{0}};
        enum sf_history_evidence e;
        char *v = NULL;
        int64_t when = 0;
        int r = sf_history_last_known_good(h, key, &v, &e, &when, &err);

        if (r < 0)
                print_error("lkg %s: %d %s\n", key, r, err.message);
        assert_int_equal(r, 0);
        assert_string_equal(v, version);
        assert_int_equal(e, evidence);
        assert_true(when > 0);
        free(v);
}

static void test_last_known_good(void **state)
{
        struct fx *f = *state;
        sf_history *h = open_ok(f->db);
        struct sf_error err = {{0}};
        char *v = NULL;
        int64_t mid, sid, now = (int64_t)time(NULL);

        assert_int_equal(sf_history_last_known_good(h, SERIAL_HEX, &v, NULL, NULL, &err), -ENOENT);
        assert_int_equal(sf_history_last_known_good(h, "nonsense", &v, NULL, NULL, &err), -EINVAL);
        /* Seen in EDL only: no version known. */
        mid = record_ok(h, SF_HISTORY_SOURCE_SAHARA, true, NULL, NULL, now - 200);
        assert_int_equal(sf_history_last_known_good(h, SERIAL_HEX, &v, NULL, NULL, &err), -ENOENT);
        assert_null(v);
        /* A version reported over AT. */
        record_ok(h, SF_HISTORY_SOURCE_AT, true, IMEI, "EC25EFAR06A19M4G", now - 100);
        lkg_is(h, SERIAL_HEX, "EC25EFAR06A19M4G", SF_HISTORY_EVIDENCE_IDENTIFY);
        /* A version from DIAG is not what AT reports: it does not count. */
        {
                struct sf_history_identity d = {.source = SF_HISTORY_SOURCE_DIAG,
                                                .has_chip_serial = true,
                                                .chip_serial = SERIAL,
                                                .firmware = "DIAG-SAYS-THIS",
                                                .observed_at = now - 50};
                assert_int_equal(sf_history_identity_record(h, &d, NULL, &err), 0);
        }
        lkg_is(h, IMEI, "EC25EFAR06A19M4G", SF_HISTORY_EVIDENCE_IDENTIFY);
        /* An install, then the module reporting it in the same second: the install is the
         * evidence. */
        install_session(h, mid, "EC25EFAR06A19M4G", "EC25EFAR06A21M4G", SHA_A);
        record_ok(h, SF_HISTORY_SOURCE_AT, true, NULL, "EC25EFAR06A21M4G",
                  path_int(f->db, "SELECT max(installed_at) FROM installs"));
        lkg_is(h, SERIAL_DEC, "EC25EFAR06A21M4G", SF_HISTORY_EVIDENCE_INSTALL);
        /* A failed update records no install and changes nothing. */
        sid = begin_ok(h, mid, SF_HISTORY_KIND_UPDATE);
        assert_int_equal(sf_history_session_end(h, sid, SF_HISTORY_OUTCOME_FAILED, "bricked", &err),
                         0);
        lkg_is(h, SERIAL_HEX, "EC25EFAR06A21M4G", SF_HISTORY_EVIDENCE_INSTALL);
        /* Flashed later by another tool, and seen running that over AT: that is what it last ran.
         */
        record_ok(h, SF_HISTORY_SOURCE_AT, true, NULL, "EC25EFAR06A22M4G", now + 100);
        lkg_is(h, SERIAL_HEX, "EC25EFAR06A22M4G", SF_HISTORY_EVIDENCE_IDENTIFY);
        sf_history_close(h);
}

static void test_install_rules(void **state)
{
        struct fx *f = *state;
        sf_history *h = open_ok(f->db);
        struct sf_error err = {{0}};
        sf_history_report *rep = NULL;
        const struct sf_history_install *in;
        int64_t mid, sid, orphan, done;

        mid = record_ok(h, SF_HISTORY_SOURCE_AT, true, IMEI, NULL, 0);
        sid = begin_ok(h, mid, SF_HISTORY_KIND_UPDATE);
        assert_int_equal(sf_history_install_record(h, sid, "A", NULL, NULL, &err), -EINVAL);
        assert_int_equal(sf_history_install_record(h, sid, "A", "B", "abc", &err), -EINVAL);
        assert_int_equal(sf_history_install_record(h, sid, NULL, "B", SHA_UPPER_B, &err), 0);
        assert_int_equal(sf_history_install_record(h, sid, "A", "B", NULL, &err), -EEXIST);
        assert_int_equal(sf_history_session_end(h, sid, SF_HISTORY_OUTCOME_SUCCESS, NULL, &err), 0);
        assert_int_equal(sf_history_install_record(h, sid, "A", "C", NULL, &err), -EALREADY);
        orphan = begin_ok(h, 0, SF_HISTORY_KIND_FLASH);
        assert_int_equal(sf_history_install_record(h, orphan, "A", "B", NULL, &err), -EINVAL);
        assert_non_null(strstr(err.message, "no module"));
        assert_int_equal(sf_history_install_record(h, 999, "A", "B", NULL, &err), -ENOENT);
        done = install_session(h, mid, "B", "C", SHA_A);

        assert_int_equal(sf_history_module_report(h, IMEI, &rep, &err), 0);
        assert_int_equal(sf_history_report_n_installs(rep), 2);
        in = sf_history_report_install(rep, 0);
        assert_int_equal(in->session_id, sid);
        assert_int_equal(in->module_id, mid);
        assert_null(in->from_version);
        assert_string_equal(in->to_version, "B");
        assert_string_equal(in->package_sha256, SHA_B); /* stored in lower case */
        in = sf_history_report_install(rep, 1);
        assert_int_equal(in->session_id, done);
        assert_string_equal(in->from_version, "B");
        assert_string_equal(in->package_sha256, SHA_A);
        assert_true(in->installed_at > 0);
        sf_history_report_free(rep);
        sf_history_close(h);
}

static void test_backups(void **state)
{
        struct fx *f = *state;
        sf_history *h = open_ok(f->db);
        struct sf_error err = {{0}};
        struct sf_history_backup_partition parts[] = {
                {"efs2", 11796480, SHA_A},
                {"fsg", 1572864, SHA_UPPER_B},
                {"fsc", 1024, SHA_A},
        };
        struct sf_history_backup b = {
                .path = "/state/backups/0cf94c64-1",
                .created_at = 1700000400,
                .partitions = parts,
                .n_partitions = 3,
        };
        sf_history_report *rep = NULL;
        const struct sf_history_backup *got;
        int64_t mid, sid, bid = -1, bid2;
        struct sf_history_backup_partition many[SF_HISTORY_PARTITIONS_MAX + 1];

        mid = record_ok(h, SF_HISTORY_SOURCE_AT, true, IMEI, NULL, 0);
        sid = begin_ok(h, mid, SF_HISTORY_KIND_BACKUP);
        b.module_id = 99;
        assert_int_equal(sf_history_backup_record(h, &b, &bid, &err), -ENOENT);
        b.module_id = mid;
        b.session_id = 99;
        assert_int_equal(sf_history_backup_record(h, &b, &bid, &err), -ENOENT);
        b.session_id = sid;
        parts[2].sha256 = "zz";
        assert_int_equal(sf_history_backup_record(h, &b, &bid, &err), -EINVAL);
        parts[2].sha256 = SHA_A;
        for (size_t i = 0; i < sizeof(many) / sizeof(*many); i++)
                many[i] = parts[0];
        b.partitions = many;
        b.n_partitions = sizeof(many) / sizeof(*many);
        assert_int_equal(sf_history_backup_record(h, &b, &bid, &err), -E2BIG);
        assert_int_equal(bid, -1);
        b.partitions = parts;
        b.n_partitions = 3;
        assert_int_equal(sf_history_backup_record(h, &b, &bid, &err), 0);
        /* A second one, verified when recorded, with no session. */
        b.session_id = 0;
        b.verified = true;
        b.created_at = 0;
        b.n_partitions = 1;
        assert_int_equal(sf_history_backup_record(h, &b, &bid2, &err), 0);
        assert_int_equal(sf_history_backup_set_verified(h, 999, &err), -ENOENT);

        assert_int_equal(sf_history_module_report(h, SERIAL_HEX, &rep, &err), 0);
        assert_int_equal(sf_history_report_n_backups(rep), 2);
        got = sf_history_report_backup(rep, 0);
        assert_int_equal(got->id, bid);
        assert_int_equal(got->module_id, mid);
        assert_int_equal(got->session_id, sid);
        assert_string_equal(got->path, "/state/backups/0cf94c64-1");
        assert_int_equal(got->created_at, 1700000400);
        assert_false(got->verified);
        assert_int_equal(got->verified_at, 0);
        assert_int_equal(got->n_partitions, 3);
        assert_int_equal(got->size, 11796480 + 1572864 + 1024);
        assert_string_equal(got->partitions[0].name, "efs2");
        assert_string_equal(got->partitions[1].name, "fsg");
        assert_string_equal(got->partitions[1].sha256, SHA_B);
        assert_int_equal(got->partitions[2].size, 1024);
        got = sf_history_report_backup(rep, 1);
        assert_true(got->verified);
        assert_true(got->verified_at > 0 && got->created_at > 0);
        assert_int_equal(got->session_id, 0);
        sf_history_report_free(rep);

        assert_int_equal(sf_history_backup_set_verified(h, bid, &err), 0);
        assert_int_equal(sf_history_module_report(h, SERIAL_HEX, &rep, &err), 0);
        assert_true(sf_history_report_backup(rep, 0)->verified);
        assert_true(sf_history_report_backup(rep, 0)->verified_at > 0);
        sf_history_report_free(rep);
        sf_history_close(h);
}

static void test_text_caps(void **state)
{
        struct fx *f = *state;
        sf_history *h = open_ok(f->db);
        struct sf_error err = {{0}};
        sf_history_report *rep = NULL;
        const struct sf_history_session *s;
        char *big = malloc(SF_HISTORY_TEXT_MAX + 2), *utf8 = malloc(5001);
        int64_t mid, sid = -1;

        assert_non_null(big);
        assert_non_null(utf8);
        memset(big, 'p', SF_HISTORY_TEXT_MAX + 1);
        big[SF_HISTORY_TEXT_MAX + 1] = '\0';
        /* "é" is two bytes: an odd cap would land inside one. */
        utf8[0] = 'x';
        for (size_t i = 1; i + 1 < 5000; i += 2)
                memcpy(utf8 + i, "\xc3\xa9", 2);
        utf8[4999] = 'y';
        utf8[5000] = '\0';

        mid = record_ok(h, SF_HISTORY_SOURCE_AT, true, IMEI, NULL, 0);
        /* A path or version too long is refused: cutting it would make it wrong. */
        assert_int_equal(sf_history_session_begin(h, mid, SF_HISTORY_KIND_UPDATE, big, NULL, NULL,
                                                  NULL, &sid, &err),
                         -E2BIG);
        assert_non_null(strstr(err.message, "package"));
        assert_int_equal(sid, -1);
        big[SF_HISTORY_TEXT_MAX] = '\0'; /* exactly the cap: fine */
        sid = begin_ok(h, mid, SF_HISTORY_KIND_UPDATE);
        assert_int_equal(sf_history_session_begin(h, mid, SF_HISTORY_KIND_UPDATE, NULL, NULL, NULL,
                                                  big, &sid, &err),
                         0);
        /* A detail or an error too long is cut, at a character boundary: the record matters
         * more. */
        step_ok(h, sid, "flash", SF_HISTORY_STEP_FAILED, utf8);
        assert_int_equal(sf_history_session_end(h, sid, SF_HISTORY_OUTCOME_FAILED, utf8, &err), 0);
        assert_int_equal(sf_history_module_report(h, IMEI, &rep, &err), 0);
        s = sf_history_report_session(rep, 1);
        assert_int_equal(strlen(s->log_path), SF_HISTORY_TEXT_MAX);
        assert_int_equal(strlen(s->steps[0].detail), SF_HISTORY_TEXT_MAX - 1);
        assert_memory_equal(s->steps[0].detail, utf8, SF_HISTORY_TEXT_MAX - 1);
        assert_int_equal(strlen(s->error), SF_HISTORY_TEXT_MAX - 1);
        sf_history_report_free(rep);
        free(big);
        free(utf8);
        sf_history_close(h);
}

static void test_steps_cap(void **state)
{
        struct fx *f = *state;
        sf_history *h = open_ok(f->db);
        struct sf_error err = {{0}};
        sf_history_report *rep = NULL;
        int64_t sid = begin_ok(h, 0, SF_HISTORY_KIND_FLASH);
        sf_history *h2;

        sf_history_close(h);
        /* Fill the session behind the library's back (1000 synchronous commits would only test
         * the disk), then reopen through a handle that owns it. */
        raw_exec(f->db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                        "WHERE i < 1000) INSERT INTO steps (session_id, name, state, at) "
                        "SELECT 1, 'p' || i, 'done', i FROM n");
        h2 = open_ok(f->db);
        sid = begin_ok(h2, 0, SF_HISTORY_KIND_FLASH);
        raw_exec(f->db, "UPDATE steps SET session_id = 2");
        assert_int_equal(
                sf_history_session_step(h2, sid, "one too many", SF_HISTORY_STEP_DONE, NULL, &err),
                -E2BIG);
        assert_int_equal(sf_history_sessions(h2, 0, 0, &rep, &err), 0);
        assert_int_equal(sf_history_report_n_sessions(rep), 2);
        assert_int_equal(sf_history_report_session(rep, 0)->id, sid);
        assert_int_equal(sf_history_report_session(rep, 0)->n_steps, SF_HISTORY_STEPS_MAX);
        assert_string_equal(sf_history_report_session(rep, 0)->steps[999].name, "p1000");
        assert_false(sf_history_report_truncated(rep));
        sf_history_report_free(rep);
        /* More than the cap in the file (written by hand): the newest are kept, and said so. */
        raw_exec(f->db, "INSERT INTO steps (session_id, name, state, at) "
                        "VALUES (2, 'extra', 'done', 2000)");
        assert_int_equal(sf_history_sessions(h2, 0, 1, &rep, &err), 0);
        assert_int_equal(sf_history_report_session(rep, 0)->n_steps, SF_HISTORY_STEPS_MAX);
        assert_string_equal(sf_history_report_session(rep, 0)->steps[0].name, "p2");
        assert_string_equal(sf_history_report_session(rep, 0)->steps[999].name, "extra");
        assert_true(sf_history_report_truncated(rep));
        sf_history_report_free(rep);
        sf_history_close(h2);
}

static void test_paging(void **state)
{
        struct fx *f = *state;
        sf_history *h = open_ok(f->db);
        struct sf_error err = {{0}};
        sf_history_report *rep = NULL;

        for (uint32_t i = 0; i < 5; i++) {
                struct sf_history_identity id = {.source = SF_HISTORY_SOURCE_SAHARA,
                                                 .has_chip_serial = true,
                                                 .chip_serial = 100 + i,
                                                 .observed_at = 1000 + i};
                assert_int_equal(sf_history_identity_record(h, &id, NULL, &err), 0);
        }
        assert_int_equal(sf_history_modules(h, 0, 2, &rep, &err), 0);
        assert_int_equal(sf_history_report_n_modules(rep), 2);
        assert_int_equal(sf_history_report_module(rep, 0)->chip_serial, 104); /* newest first */
        assert_int_equal(sf_history_report_module(rep, 1)->chip_serial, 103);
        assert_true(sf_history_report_truncated(rep));
        sf_history_report_free(rep);
        assert_int_equal(sf_history_modules(h, 4, 2, &rep, &err), 0);
        assert_int_equal(sf_history_report_n_modules(rep), 1);
        assert_int_equal(sf_history_report_module(rep, 0)->chip_serial, 100);
        assert_false(sf_history_report_truncated(rep));
        sf_history_report_free(rep);
        assert_int_equal(sf_history_modules(h, 0, 0, &rep, &err), 0);
        assert_int_equal(sf_history_report_n_modules(rep), 5);
        assert_int_equal(sf_history_report_n_sessions(rep), 0);
        assert_null(sf_history_report_session(rep, 0));
        sf_history_report_free(rep);
        sf_history_report_free(NULL);
        assert_int_equal(sf_history_report_n_modules(NULL), 0);
        assert_int_equal(sf_history_module_report(h, "0x1", &rep, &err), -ENOENT);
        assert_int_equal(sf_history_module_report(h, "0x", &rep, &err), -EINVAL);
        sf_history_close(h);
}

static char *schema_of(const char *path)
{
        sqlite3 *db = raw_open(path);
        sqlite3_stmt *st = NULL;
        char *s;

        assert_int_equal(sqlite3_prepare_v2(db,
                                            "SELECT group_concat(type || ' ' || name || ' ' || "
                                            "coalesce(sql, ''), char(10)) FROM "
                                            "(SELECT * FROM sqlite_master ORDER BY name)",
                                            -1, &st, NULL),
                         SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        s = strdup((const char *)sqlite3_column_text(st, 0));
        assert_non_null(s);
        sqlite3_finalize(st);
        sqlite3_close(db);
        return s;
}

static void copy_fixture(const char *name, const char *dst)
{
        const char *data = getenv("SAFEFLASH_TEST_DATA");
        char src[PATH_MAX];
        size_t len;
        char *buf;

        if (!data)
                skip();
        snprintf(src, sizeof(src), "%s/history/%s", data, name);
        buf = read_all(src, &len);
        write_all(dst, buf, len);
        free(buf);
}

static void check_v1_module1(sf_history *h)
{
        struct sf_error err = {{0}};
        sf_history_report *rep = NULL;
        const struct sf_history_module *m;
        const struct sf_history_session *s;
        const struct sf_history_backup *b;

        assert_int_equal(sf_history_module_report(h, SERIAL_HEX, &rep, &err), 0);
        m = sf_history_report_module(rep, 0);
        assert_int_equal(m->id, 1);
        assert_string_equal(m->imei, IMEI);
        assert_int_equal(m->hw_id, HW_ID);
        assert_string_equal(m->model, "EC25-E");
        assert_int_equal(m->first_seen, 1700000000);
        assert_int_equal(m->last_seen, 1700004000);
        assert_int_equal(sf_history_report_n_identities(rep), 3);
        assert_string_equal(sf_history_report_identity(rep, 2)->firmware, "EC25EFAR06A21M4G");
        assert_int_equal(sf_history_report_n_sessions(rep), 2);
        s = sf_history_report_session(rep, 0);
        assert_int_equal(s->outcome, SF_HISTORY_OUTCOME_SUCCESS);
        assert_null(s->host); /* before version 2: unknown */
        assert_string_equal(s->log_path, "/home/eng/.local/state/safeflash/logs/1.log");
        assert_int_equal(s->n_steps, 7);
        assert_string_equal(s->steps[5].detail, "14 partitions written, 3 skipped");
        assert_int_equal(s->ended_at, 1700003100);
        s = sf_history_report_session(rep, 1);
        assert_int_equal(s->outcome, SF_HISTORY_OUTCOME_INTERRUPTED); /* its boot is gone */
        assert_int_equal(s->n_steps, 1);
        assert_int_equal(sf_history_report_n_installs(rep), 1);
        assert_string_equal(sf_history_report_install(rep, 0)->package_sha256,
                            "0f61067a1289d935e8c572962bfc88c4394a8990b45a8942557c77a6cb00a820");
        assert_int_equal(sf_history_report_n_backups(rep), 1);
        b = sf_history_report_backup(rep, 0);
        assert_true(b->verified);
        assert_int_equal(b->verified_at, 0); /* before version 2: unknown */
        assert_int_equal(b->n_partitions, 3);
        assert_int_equal(b->size, 11796480 + 1572864 + 1024);
        assert_string_equal(b->partitions[0].sha256, SHA_A);
        sf_history_report_free(rep);
}

static void test_v1_upgrade(void **state)
{
        struct fx *f = *state;
        char *fresh = in_dir(f, "fresh.db");
        struct sf_error err = {{0}};
        sf_history_report *rep = NULL;
        sf_history *h;
        char *want, *got;

        copy_fixture("v1.db", f->db);
        assert_int_equal(path_int(f->db, "PRAGMA user_version"), 1);
        h = open_ok(f->db);
        assert_int_equal(path_int(f->db, "PRAGMA user_version"), HIST_SCHEMA_VERSION);
        check_v1_module1(h);
        lkg_is(h, SERIAL_HEX, "EC25EFAR06A21M4G", SF_HISTORY_EVIDENCE_INSTALL);
        assert_int_equal(sf_history_module_report(h, IMEI2, &rep, &err), 0);
        assert_false(sf_history_report_module(rep, 0)->has_chip_serial);
        assert_int_equal(sf_history_report_session(rep, 0)->outcome, SF_HISTORY_OUTCOME_FAILED);
        assert_string_equal(sf_history_report_session(rep, 0)->error,
                            "writing the backup: No space left on device");
        sf_history_report_free(rep);
        /* It takes new records, with what version 2 added. */
        assert_int_equal(install_session(h, 1, "EC25EFAR06A21M4G", "EC25EFAR06A22M4G", SHA_A), 4);
        sf_history_close(h);
        assert_int_equal(path_int(f->db, "SELECT count(*) FROM sessions WHERE host IS NOT NULL"),
                         1);

        /* The upgraded schema is exactly a new file's: v1.sql holds the version 1 migration
         * verbatim, and the ladder lands where a fresh start does. */
        sf_history_close(open_ok(fresh));
        want = schema_of(fresh);
        got = schema_of(f->db);
        assert_string_equal(got, want);
        free(want);
        free(got);
        free(fresh);
}

static void check_refused(const char *path, int code, const char *says)
{
        struct sf_error err = {{0}};
        sf_history *h = NULL;
        size_t n1, n2;
        char *before = read_all(path, &n1), *after;
        int r = sf_history_open(path, &h, &err);

        if (r != code || !strstr(err.message, says))
                print_error("%s: %d '%s'\n", path, r, err.message);
        assert_int_equal(r, code);
        assert_null(h);
        assert_non_null(strstr(err.message, says));
        assert_non_null(strstr(err.message, path));
        assert_non_null(strstr(err.message, "left as it is"));
        after = read_all(path, &n2);
        assert_int_equal(n1, n2);
        assert_memory_equal(before, after, n1);
        free(before);
        free(after);
}

static void test_newer_refused(void **state)
{
        struct fx *f = *state;

        sf_history_close(open_ok(f->db));
        raw_exec(f->db, "PRAGMA user_version = 3");
        check_refused(f->db, -EPROTO, "newer safeflash (schema version 3");
        /* Still refused the second time: nothing was changed. */
        check_refused(f->db, -EPROTO, "newer");
        assert_int_equal(path_int(f->db, "PRAGMA user_version"), 3);
}

static void test_corrupt_refused(void **state)
{
        struct fx *f = *state;
        char garbage[4096];
        size_t len;
        char *buf;
        sf_history *h;

        for (size_t i = 0; i < sizeof(garbage); i++)
                garbage[i] = "not a database\n"[i % 15];
        write_all(f->db, garbage, sizeof(garbage));
        check_refused(f->db, -EBADMSG, "not a safeflash history, or damaged");

        /* A real history with a page overwritten. */
        unlink(f->db);
        h = open_ok(f->db);
        for (int i = 0; i < 50; i++)
                record_ok(h, SF_HISTORY_SOURCE_AT, false, i % 2 ? IMEI : IMEI2, "X", 1000 + i);
        sf_history_close(h);
        buf = read_all(f->db, &len);
        assert_true(len >= 4 * 4096);
        memset(buf + 2 * 4096, 0x5a, 4096);
        write_all(f->db, buf, len);
        free(buf);
        check_refused(f->db, -EBADMSG, "damaged");
}

static void test_foreign_refused(void **state)
{
        struct fx *f = *state;
        sqlite3 *db = NULL;

        assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, "CREATE TABLE notes (x)", NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
        check_refused(f->db, -EBADMSG, "another program (tables but no safeflash schema)");
        raw_exec(f->db, "PRAGMA user_version = 7");
        check_refused(f->db, -EBADMSG, "another program (schema version 7");
        raw_exec(f->db, "PRAGMA application_id = 42");
        check_refused(f->db, -EBADMSG, "another program (application id 0x0000002a)");
}

static void test_empty_file(void **state)
{
        struct fx *f = *state;

        write_all(f->db, "", 0);
        sf_history_close(open_ok(f->db));
        assert_int_equal(path_int(f->db, "PRAGMA user_version"), HIST_SCHEMA_VERSION);
}

/* Another process holds the write lock for a while: a write waits for it instead of failing. */
static void test_busy(void **state)
{
        struct fx *f = *state;
        struct sf_error err = {{0}};
        int ready[2], status;
        sf_history *h;
        int64_t sid;
        pid_t child;
        char c;

        sf_history_close(open_ok(f->db));
        assert_int_equal(pipe(ready), 0);
        child = fork();
        assert_true(child >= 0);
        if (child == 0) {
                sqlite3 *db = NULL;
                struct timespec ts = {0, 400 * 1000 * 1000};

                close(ready[0]);
                if (sqlite3_open(f->db, &db) != SQLITE_OK ||
                    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
                    write(ready[1], "r", 1) != 1)
                        _exit(1);
                nanosleep(&ts, NULL);
                _exit(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK &&
                                      sqlite3_close(db) == SQLITE_OK
                              ? 0
                              : 2);
        }
        close(ready[1]);
        assert_int_equal(read(ready[0], &c, 1), 1);
        close(ready[0]);
        h = open_ok(f->db);
        assert_int_equal(sf_history_session_begin(h, 0, SF_HISTORY_KIND_FLASH, NULL, NULL, NULL,
                                                  NULL, &sid, &err),
                         0);
        assert_int_equal(waitpid(child, &status, 0), child);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        sf_history_close(h);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_enums),
                cmocka_unit_test(test_keys),
                cmocka_unit_test(test_proc_stat),
                cmocka_unit_test(test_owner),
                cmocka_unit_test_setup_teardown(test_default_path, setup, teardown),
                cmocka_unit_test_setup_teardown(test_open_default, setup, teardown),
                cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_serial_then_imei, setup, teardown),
                cmocka_unit_test_setup_teardown(test_imei_then_serial, setup, teardown),
                cmocka_unit_test_setup_teardown(test_merge, setup, teardown),
                cmocka_unit_test_setup_teardown(test_conflict, setup, teardown),
                cmocka_unit_test_setup_teardown(test_identity_invalid, setup, teardown),
                cmocka_unit_test_setup_teardown(test_session, setup, teardown),
                cmocka_unit_test_setup_teardown(test_session_module, setup, teardown),
                cmocka_unit_test_setup_teardown(test_crash, setup, teardown),
                cmocka_unit_test_setup_teardown(test_crash_reopen, setup, teardown),
                cmocka_unit_test_setup_teardown(test_close_without_end, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reap_foreign, setup, teardown),
                cmocka_unit_test_setup_teardown(test_last_known_good, setup, teardown),
                cmocka_unit_test_setup_teardown(test_install_rules, setup, teardown),
                cmocka_unit_test_setup_teardown(test_backups, setup, teardown),
                cmocka_unit_test_setup_teardown(test_text_caps, setup, teardown),
                cmocka_unit_test_setup_teardown(test_steps_cap, setup, teardown),
                cmocka_unit_test_setup_teardown(test_paging, setup, teardown),
                cmocka_unit_test_setup_teardown(test_v1_upgrade, setup, teardown),
                cmocka_unit_test_setup_teardown(test_newer_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_corrupt_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_foreign_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_empty_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
