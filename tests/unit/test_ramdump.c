/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The RAM dump session against a crashed device that lies. The device is a child process behind
 * a pty (the tty transport is the one real serial nodes use) answering each request as its
 * script says. Every lie must end in a clear error, with nothing written outside the folder and
 * no region file that is not the whole region. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "proto/sahara.h"
#include "session/ramdump.h"
#include "util/endian.h"

#define TABLE_ADDR  0x08600000u
#define MAX_ENTRIES 4

struct entry {
        uint64_t base, length;
        const char *desc, *file;
};

struct script {
        uint32_t hello_mode; /* 2 for a crashed module */
        bool stuck;          /* left mid-dump: no HELLO until RESET_STATE_MACHINE */
        bool dead;           /* answers nothing at all */
        bool is_64;          /* MEMORY_DEBUG_64 and 64-bit entries */
        struct entry entries[MAX_ENTRIES];
        size_t n_entries;
        long table_len_delta; /* announce this many bytes more than the entries take */
        long region_delta;    /* send this many bytes more (or fewer) than asked */
        bool refuse_regions;  /* END_OF_IMAGE_TX(INVALID_MEMORY_READ) instead of data */
        const char *text;     /* what the region at text_base holds */
        uint64_t text_base;
};

static size_t table_bytes(const struct script *sc, uint8_t *out)
{
        size_t len = sc->is_64 ? 64 : 52, num = sc->is_64 ? 8 : 4;

        memset(out, 0, MAX_ENTRIES * 64);
        for (size_t i = 0; i < sc->n_entries; i++) {
                uint8_t *e = out + i * len;
                const struct entry *x = &sc->entries[i];
                if (sc->is_64) {
                        sf_put_le64(e, 1);
                        sf_put_le64(e + 8, x->base);
                        sf_put_le64(e + 16, x->length);
                } else {
                        sf_put_le32(e, 1);
                        sf_put_le32(e + 4, (uint32_t)x->base);
                        sf_put_le32(e + 8, (uint32_t)x->length);
                }
                memcpy(e + 3 * num, x->desc, strnlen(x->desc, 20));
                memcpy(e + 3 * num + 20, x->file, strnlen(x->file, 20));
        }
        return sc->n_entries * len;
}

static int read_exact(int fd, uint8_t *b, size_t n)
{
        while (n > 0) {
                ssize_t k = read(fd, b, n);
                if (k <= 0)
                        return -1;
                b += k;
                n -= (size_t)k;
        }
        return 0;
}

static void send_pkt(int fd, const struct sf_sahara_packet *p)
{
        uint8_t b[SF_SAHARA_MAX_PACKET];
        int n = sf_sahara_build(p, b, sizeof(b));

        if (n < 0 || write(fd, b, (size_t)n) != n)
                _exit(3);
}

static void send_memory(int fd, const struct script *sc, uint64_t addr, uint64_t len)
{
        struct sf_sahara_packet eot = {.cmd = SF_SAHARA_END_OF_IMAGE};
        uint8_t table[MAX_ENTRIES * 64];
        size_t n = (size_t)((long)len + sc->region_delta);
        uint8_t *b;

        if (addr == TABLE_ADDR) {
                size_t t = table_bytes(sc, table);
                if (write(fd, table, len < t ? (size_t)len : t) < 0)
                        _exit(3);
                return;
        }
        if (sc->refuse_regions) {
                eot.u.end_of_image.status = SF_SAHARA_STATUS_INVALID_MEMORY_READ;
                send_pkt(fd, &eot);
                return;
        }
        b = calloc(1, n + 1);
        for (size_t i = 0; i < n; i++)
                b[i] = (uint8_t)((addr + i) * 2654435761u >> 24);
        if (sc->text && addr == sc->text_base) {
                memset(b, 0, n);
                memcpy(b, sc->text, strlen(sc->text) < n ? strlen(sc->text) : n);
        }
        if (write(fd, b, n) != (ssize_t)n)
                _exit(3);
        free(b);
}

/* The crashed module: HELLO, then answers until it is reset or the host goes away. */
static void device(int fd, const struct script *sc)
{
        struct sf_sahara_packet p = {.cmd = SF_SAHARA_HELLO}, q;
        uint8_t table[MAX_ENTRIES * 64], pkt[64];
        uint32_t len;

        p.u.hello.version = 2;
        p.u.hello.version_compatible = 1;
        p.u.hello.max_cmd_len_or_status = 0x400;
        p.u.hello.mode = sc->hello_mode;
        if (!sc->stuck && !sc->dead)
                send_pkt(fd, &p);
        for (;;) {
                if (read_exact(fd, pkt, 8) < 0)
                        _exit(0);
                len = sf_le32(pkt + 4);
                if (len < 8 || len > sizeof(pkt) || read_exact(fd, pkt + 8, len - 8) < 0 ||
                    sf_sahara_parse(pkt, len, &q) < 0)
                        _exit(2);
                if (sc->dead)
                        continue;
                if (q.cmd == SF_SAHARA_RESET_STATE_MACHINE) {
                        p = (struct sf_sahara_packet){.cmd = SF_SAHARA_HELLO};
                        p.u.hello.version = 2;
                        p.u.hello.version_compatible = 1;
                        p.u.hello.mode = sc->hello_mode;
                        send_pkt(fd, &p);
                } else if (q.cmd == SF_SAHARA_HELLO_RESP) {
                        p = (struct sf_sahara_packet){.cmd = sc->is_64 ? SF_SAHARA_MEMORY_DEBUG_64
                                                                       : SF_SAHARA_MEMORY_DEBUG};
                        p.u.memory.addr = TABLE_ADDR;
                        p.u.memory.length =
                                (uint64_t)((long)table_bytes(sc, table) + sc->table_len_delta);
                        send_pkt(fd, &p);
                } else if (q.cmd == SF_SAHARA_MEMORY_READ || q.cmd == SF_SAHARA_MEMORY_READ_64) {
                        send_memory(fd, sc, q.u.memory.addr, q.u.memory.length);
                } else if (q.cmd == SF_SAHARA_RESET) {
                        p = (struct sf_sahara_packet){.cmd = SF_SAHARA_RESET_RESP};
                        send_pkt(fd, &p);
                        _exit(0);
                }
        }
}

struct rig {
        char base[64]; /* a folder of its own; the dump goes to base/a/b/dump */
        char dir[96];
        struct sf_ramdump_options o;
        struct sf_ramdump_result res;
        struct sf_error err;
};

static int dump(struct rig *g, const struct script *sc)
{
        struct sf_transport *t;
        struct termios tio;
        int master = posix_openpt(O_RDWR | O_NOCTTY), r;
        pid_t pid;

        assert_true(master >= 0);
        assert_int_equal(grantpt(master), 0);
        assert_int_equal(unlockpt(master), 0);
        tcgetattr(master, &tio);
        cfmakeraw(&tio);
        tcsetattr(master, TCSANOW, &tio);
        assert_int_equal(sf_transport_open_tty(ptsname(master), &t, NULL), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                device(master, sc);
                _exit(0);
        }
        memset(&g->res, 0, sizeof(g->res));
        g->res.log_region = -1;
        g->err.message[0] = '\0';
        r = sf_ramdump_collect(t, &g->o, &g->res, &g->err);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        sf_transport_close(t);
        close(master);
        return r;
}

static void rig_up(struct rig *g)
{
        char path[160];

        memset(g, 0, sizeof(*g));
        strcpy(g->base, "/tmp/sf-ramdump-XXXXXX");
        assert_non_null(mkdtemp(g->base));
        snprintf(path, sizeof(path), "%s/a", g->base);
        assert_int_equal(mkdir(path, 0700), 0);
        snprintf(path, sizeof(path), "%s/a/b", g->base);
        assert_int_equal(mkdir(path, 0700), 0);
        snprintf(g->dir, sizeof(g->dir), "%s/a/b/dump", g->base);
        g->o.out_dir = g->dir;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st, (void)flag, (void)ftw;
        return remove(path);
}

static void rig_down(struct rig *g)
{
        nftw(g->base, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* The names in the folder, sorted, joined by spaces; "" when empty or absent. */
static void listing(const char *dir, char *out, size_t size)
{
        struct dirent **list;
        int n = scandir(dir, &list, NULL, alphasort);

        out[0] = '\0';
        for (int i = 0; i < n; i++) {
                if (strcmp(list[i]->d_name, ".") != 0 && strcmp(list[i]->d_name, "..") != 0)
                        snprintf(out + strlen(out), size - strlen(out), "%s%s", out[0] ? " " : "",
                                 list[i]->d_name);
                free(list[i]);
        }
        if (n >= 0)
                free(list);
}

/* Only these files are in base, everywhere below it. */
static int count_files(const char *path, const struct stat *st, int flag, struct FTW *ftw);
static int n_files;
static int count_files(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)path, (void)st, (void)ftw;
        n_files += flag == FTW_F || flag == FTW_SL;
        return 0;
}

static int files_under(const char *base)
{
        n_files = 0;
        nftw(base, count_files, 8, FTW_PHYS);
        return n_files;
}

static void expect_failure(struct rig *g, const struct script *sc, int want, const char *says)
{
        int r = dump(g, sc);

        if (r != want || !strstr(g->err.message, says))
                print_error("got %d '%s'\n", r, g->err.message);
        assert_int_equal(r, want);
        assert_non_null(strstr(g->err.message, says));
        assert_false(g->res.complete);
        assert_false(g->res.reset); /* the RAM stays there for another attempt */
}

static const struct script crashed = {
        .hello_mode = 2,
        .entries = {{0x08601000, 4096, "Crash log", "CRASHLOG.BIN"},
                    {0x80000000, 600 * 1024, "DDR CS0", "DDRCS0.BIN"}},
        .n_entries = 2,
        .text = "boot ok\nmodem: starting\nmodem: fatal error: assertion failed\n",
        .text_base = 0x08601000,
};

static void sha256_file(const char *path, char out[65])
{
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        uint8_t buf[65536], md[32];
        unsigned len = 32;
        int fd = open(path, O_RDONLY);
        ssize_t n;

        assert_true(fd >= 0);
        EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
        while ((n = read(fd, buf, sizeof(buf))) > 0)
                EVP_DigestUpdate(ctx, buf, (size_t)n);
        EVP_DigestFinal_ex(ctx, md, &len);
        EVP_MD_CTX_free(ctx);
        close(fd);
        for (int i = 0; i < 32; i++)
                snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void test_honest_device(void **state)
{
        char names[256], path[200], digest[65], *manifest = NULL;
        struct script sc = crashed;
        struct rig g;
        FILE *f;
        size_t cap = 0;

        (void)state;
        for (int form = 0; form < 2; form++) {
                rig_up(&g);
                sc.is_64 = form == 1;
                assert_int_equal(dump(&g, &sc), 0);
                assert_true(g.res.complete && g.res.reset);
                assert_int_equal(g.res.table_64, sc.is_64);
                assert_int_equal(g.res.n_regions, 2);
                assert_int_equal(g.res.bytes, 4096 + 600 * 1024);
                listing(g.dir, names, sizeof(names));
                assert_string_equal(names, "CRASHLOG.BIN DDRCS0.BIN manifest.json");
                /* The manifest's digest is the file's (the region spans two 512 KiB reads). */
                snprintf(path, sizeof(path), "%s/DDRCS0.BIN", g.dir);
                sha256_file(path, digest);
                assert_string_equal(g.res.regions[1].sha256, digest);
                snprintf(path, sizeof(path), "%s/manifest.json", g.dir);
                f = fopen(path, "r");
                assert_non_null(f);
                assert_true(getdelim(&manifest, &cap, '\0', f) > 0);
                fclose(f);
                assert_non_null(strstr(manifest, digest));
                assert_non_null(strstr(manifest, "\"complete\": true"));
                assert_non_null(strstr(manifest, "\"crash_log\": \"CRASHLOG.BIN\""));
                /* The crashed firmware's last lines. */
                assert_int_equal(g.res.log_region, 0);
                assert_string_equal(g.res.log_tail, "boot ok\nmodem: starting\n"
                                                    "modem: fatal error: assertion failed");
                rig_down(&g);
        }
        free(manifest);
}

static void test_lying_table(void **state)
{
        struct script sc = crashed;
        struct rig g;

        (void)state;
        /* A table length that is not a whole number of 52-byte entries. */
        rig_up(&g);
        sc.table_len_delta = 1;
        expect_failure(&g, &sc, -EPROTO, "not a whole number of 52-byte entries");
        assert_int_equal(files_under(g.base), 0);
        rig_down(&g);
        /* One that would have the host read 4 GiB of "table". */
        rig_up(&g);
        sc.table_len_delta = 0xffff0000L;
        expect_failure(&g, &sc, -EPROTO, "memory table of");
        assert_int_equal(files_under(g.base), 0);
        rig_down(&g);
        /* A region that wraps around the 32-bit address space. */
        rig_up(&g);
        sc = crashed;
        sc.entries[1].base = 0xfffff000;
        sc.entries[1].length = 0x2000;
        expect_failure(&g, &sc, -EPROTO, "wraps");
        assert_int_equal(files_under(g.base), 0);
        rig_down(&g);
}

static void test_lying_region_reads(void **state)
{
        struct script sc = crashed;
        struct rig g;

        (void)state;
        /* More than asked: caught, and no file passes for the region. */
        rig_up(&g);
        sc.region_delta = 10;
        expect_failure(&g, &sc, -EPROTO, "more bytes than it was asked for");
        assert_int_equal(files_under(g.base), 1); /* the manifest of what was collected: none */
        assert_int_equal(g.res.bytes, 0);
        rig_down(&g);
        /* Less than asked, then silence. */
        rig_up(&g);
        sc.region_delta = -100;
        expect_failure(&g, &sc, -ETIMEDOUT, "sent 3996 of the 4096 bytes asked for at 0x8601000");
        assert_int_equal(files_under(g.base), 1);
        rig_down(&g);
        /* A refusal instead of the data: the boot ROM's status is named. */
        rig_up(&g);
        sc.region_delta = 0;
        sc.refuse_regions = true;
        expect_failure(&g, &sc, -EIO, "INVALID_MEMORY_READ");
        rig_down(&g);
}

static void test_hostile_names(void **state)
{
        struct script sc = crashed;
        char names[256], path[200];
        struct rig g;

        (void)state;
        /* A generated name that the table gave to another region already. */
        rig_up(&g);
        sc.entries[0].file = "region01.bin";
        sc.entries[1].file = "../x";
        expect_failure(&g, &sc, -EPROTO, "names two regions region01.bin");
        assert_int_equal(files_under(g.base), 0);
        rig_down(&g);
        rig_up(&g);
        sc.entries[0].file = "../../etc/x";
        sc.entries[1].file = "manifest.json";
        sc.entries[2] = (struct entry){0x80100000, 16, "esc", "\x1b[31mred"};
        sc.entries[3] = (struct entry){0x80200000, 16, "dup", "region00.bin"};
        sc.n_entries = 4;
        assert_int_equal(dump(&g, &sc), 0);
        listing(g.dir, names, sizeof(names));
        assert_string_equal(names, "manifest.json region00.bin region01.bin region02.bin "
                                   "region03.bin");
        for (int i = 0; i < 4; i++)
                assert_true(g.res.regions[i].renamed);
        snprintf(path, sizeof(path), "%s/a/etc/x", g.base);
        assert_int_equal(access(path, F_OK), -1);
        assert_int_equal(files_under(g.base), 5); /* nothing outside the dump folder */
        snprintf(path, sizeof(path), "%s/a/b/dump/region00.bin", g.base);
        assert_int_equal(access(path, F_OK), 0);
        /* The log region is found by its description, under its generated name. */
        assert_int_equal(g.res.log_region, 0);
        rig_down(&g);
}

static void test_limits(void **state)
{
        struct script sc = crashed;
        char names[256], path[200];
        struct rig g;
        int fd;

        (void)state;
        /* Over the size limit: refused before a region is read. */
        rig_up(&g);
        g.o.max_bytes = 100 * 1024;
        expect_failure(&g, &sc, -EFBIG, "raise --max-bytes");
        assert_int_equal(files_under(g.base), 0);
        rig_down(&g);
        /* A folder that holds a region's file already: nothing is replaced. */
        rig_up(&g);
        assert_int_equal(mkdir(g.dir, 0700), 0);
        snprintf(path, sizeof(path), "%s/DDRCS0.BIN", g.dir);
        fd = open(path, O_WRONLY | O_CREAT, 0600);
        assert_true(fd >= 0 && write(fd, "mine", 4) == 4);
        close(fd);
        expect_failure(&g, &sc, -EEXIST, "exists already");
        listing(g.dir, names, sizeof(names));
        assert_string_equal(names, "DDRCS0.BIN");
        rig_down(&g);
        /* A module in EDL (HELLO mode 0) has no dump to give. */
        rig_up(&g);
        sc.hello_mode = 0;
        expect_failure(&g, &sc, -ENODEV, "not in memory-debug mode");
        rig_down(&g);
}

/* A boot ROM left mid-dump by an earlier session says nothing: its state machine is restarted
 * (which keeps the RAM), not the chip; one that stays silent needs a power cycle. */
static void test_stuck_boot_rom(void **state)
{
        struct script sc = crashed;
        struct rig g;

        (void)state;
        rig_up(&g);
        sc.stuck = true;
        assert_int_equal(dump(&g, &sc), 0);
        assert_true(g.res.complete && g.res.reset);
        assert_int_equal(files_under(g.base), 3);
        rig_down(&g);
        rig_up(&g);
        sc.dead = true;
        expect_failure(&g, &sc, -ETIMEDOUT, "needs a power cycle");
        assert_int_equal(files_under(g.base), 0);
        rig_down(&g);
}

static void test_names(void **state)
{
        static const struct {
                const char *name;
                bool ok;
        } cases[] = {
                {"DDRCS0.BIN", true},
                {"OCIMEM.BIN", true},
                {"load.cmm", true},
                {"md_KELF-1_x.bin", true},
                {"", false},
                {"../../etc/x", false},
                {"a/b", false},
                {"..", false},
                {".hidden", false},
                {"a..b", false},
                {"-rf", false},
                {"x y", false},
                {"\x1b[31m", false},
                {"manifest.json", false},
                {"MANIFEST.JSON", false},
                {"x.partial", false},
                {"abcdefghijklmnopqrstuvwxyz", false},
                {"caf\xc3\xa9", false},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
                if (sf_ramdump_name_ok(cases[i].name) != cases[i].ok)
                        print_error("'%s' should be %s\n", cases[i].name,
                                    cases[i].ok ? "accepted" : "refused");
                assert_int_equal(sf_ramdump_name_ok(cases[i].name), cases[i].ok);
        }
}

static void test_log_tail(void **state)
{
        static const uint8_t text[] = "one\ntwo\r\nthree\x1b[2J\tfour\n\n\0garbage\xff";
        static const uint8_t binary[] = {0x7f, 'E', 'L', 'F', 0x02, 0x01, 0x01, 0, 0};
        char out[64];

        (void)state;
        assert_true(sf_ramdump_log_tail(text, sizeof(text), 2, out, sizeof(out)));
        assert_string_equal(out, "two\nthree?[2J four"); /* escapes defused, NUL ends it */
        assert_true(sf_ramdump_log_tail(text, sizeof(text), 10, out, sizeof(out)));
        assert_string_equal(out, "one\ntwo\nthree?[2J four");
        /* Bounded: the end of the text is kept. */
        assert_true(sf_ramdump_log_tail(text, sizeof(text), 10, out, 6));
        assert_string_equal(out, " four");
        assert_false(sf_ramdump_log_tail(binary, sizeof(binary), 10, out, sizeof(out)));
        assert_false(sf_ramdump_log_tail((const uint8_t *)"\0\0", 2, 10, out, sizeof(out)));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_honest_device),
                cmocka_unit_test(test_lying_table),
                cmocka_unit_test(test_lying_region_reads),
                cmocka_unit_test(test_hostile_names),
                cmocka_unit_test(test_limits),
                cmocka_unit_test(test_stuck_boot_rom),
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_log_tail),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
