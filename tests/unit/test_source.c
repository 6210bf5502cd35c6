/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Package sources: a folder and a zip read in place, and the zips that must be refused. Zips are
 * written here with libarchive's writer, then some header fields are patched by hand to make
 * what no honest writer makes (devices, encryption flags, lying sizes). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "package/layout.h"
#include "package/path.h"
#include "package/source.h"
#include "safeflash/package.h"

struct zent {
        const char *name;
        const char *data;     /* NULL for a folder */
        mode_t type;          /* 0: file or folder as data says */
        const char *linkname; /* a symlink's target */
        size_t len;           /* of data; 0: strlen(data) */
};

static char tmpdir[64];

static const char *data_dir(void)
{
        const char *d = getenv("SAFEFLASH_TEST_DATA");
        return d ? d : "tests/data";
}

static int setup(void **state)
{
        snprintf(tmpdir, sizeof(tmpdir), "/tmp/sf-source-XXXXXX");
        return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        return system(cmd) == 0 ? 0 : -1;
}

static void tmp_path(char *buf, size_t size, const char *name)
{
        snprintf(buf, size, "%s/%s", tmpdir, name);
}

static void put_entry(struct archive *a, struct archive_entry *e, const struct zent *z)
{
        size_t len = z->len ? z->len : z->data ? strlen(z->data) : 0;

        archive_entry_clear(e);
        archive_entry_set_pathname(e, z->name);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_mtime(e, 1577836800, 0);
        if (z->type == AE_IFLNK) {
                archive_entry_set_filetype(e, AE_IFLNK);
                archive_entry_set_symlink(e, z->linkname);
        } else {
                archive_entry_set_filetype(e, z->data ? AE_IFREG : AE_IFDIR);
                archive_entry_set_size(e, (la_int64_t)len);
        }
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        if (len)
                assert_int_equal(archive_write_data(a, z->data, len), (la_ssize_t)len);
}

static void make_zip(const char *path, const struct zent *z, size_t n, bool deflate)
{
        struct archive *a = archive_write_new();
        struct archive_entry *e = archive_entry_new();

        assert_non_null(a);
        assert_non_null(e);
        assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
        assert_int_equal(deflate ? archive_write_zip_set_compression_deflate(a)
                                 : archive_write_zip_set_compression_store(a),
                         ARCHIVE_OK);
        assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
        for (size_t i = 0; i < n; i++)
                put_entry(a, e, &z[i]);
        assert_int_equal(archive_write_close(a), ARCHIVE_OK);
        archive_write_free(a);
        archive_entry_free(e);
}

static uint8_t *slurp(const char *path, size_t *len)
{
        FILE *f = fopen(path, "rb");
        uint8_t *buf = malloc(1 << 20);

        assert_non_null(f);
        assert_non_null(buf);
        *len = fread(buf, 1, 1 << 20, f);
        fclose(f);
        return buf;
}

static void spill(const char *path, const uint8_t *buf, size_t len)
{
        FILE *f = fopen(path, "wb");

        assert_non_null(f);
        assert_int_equal(fwrite(buf, 1, len, f), len);
        assert_int_equal(fclose(f), 0);
}

static void put_le(uint8_t *p, uint32_t v, int bytes)
{
        for (int i = 0; i < bytes; i++)
                p[i] = (uint8_t)(v >> (8 * i));
}

/* The central directory record of entry name, in buf. */
static uint8_t *central(uint8_t *buf, size_t len, const char *name)
{
        size_t n = strlen(name);

        for (size_t i = 0; i + 46 + n <= len; i++)
                if (memcmp(buf + i, "PK\1\2", 4) == 0 &&
                    (size_t)(buf[i + 28] | buf[i + 29] << 8) == n &&
                    memcmp(buf + i + 46, name, n) == 0)
                        return buf + i;
        fail_msg("no central record for %s", name);
        return NULL;
}

static uint8_t *local(uint8_t *buf, size_t len, const char *name)
{
        size_t n = strlen(name);

        for (size_t i = 0; i + 30 + n <= len; i++)
                if (memcmp(buf + i, "PK\3\4", 4) == 0 &&
                    (size_t)(buf[i + 26] | buf[i + 27] << 8) == n &&
                    memcmp(buf + i + 30, name, n) == 0)
                        return buf + i;
        fail_msg("no local header for %s", name);
        return NULL;
}

enum patch {
        PATCH_MODE,    /* Unix mode in the central record's external attributes */
        PATCH_ENCRYPT, /* general purpose flag bit 0 */
        PATCH_SIZE,    /* declared uncompressed size */
};

static void patch_zip(const char *path, const char *name, enum patch what, uint32_t value)
{
        size_t len;
        uint8_t *buf = slurp(path, &len), *c = central(buf, len, name), *l = local(buf, len, name);

        switch (what) {
        case PATCH_MODE:
                c[5] = 3; /* made by Unix */
                put_le(c + 38, value << 16, 4);
                break;
        case PATCH_ENCRYPT:
                c[8] |= 1;
                l[6] |= 1;
                break;
        case PATCH_SIZE:
                put_le(c + 24, value, 4);
                put_le(l + 22, value, 4);
                break;
        }
        spill(path, buf, len);
        free(buf);
}

static int open_zip(const char *name, struct sf_source **ret, struct sf_error *err)
{
        char path[128];

        tmp_path(path, sizeof(path), name);
        memset(err, 0, sizeof(*err));
        *ret = NULL;
        return sf_source_open(path, ret, err);
}

struct names {
        char list[512];
};

static int collect(void *userdata, const char *name)
{
        struct names *n = userdata;

        strncat(n->list, name, sizeof(n->list) - strlen(n->list) - 2);
        strcat(n->list, " ");
        return 0;
}

static void read_whole(struct sf_source *s, const char *name, const char *want)
{
        struct sf_error err = {0};
        char *buf = NULL;
        size_t len = 0;

        assert_int_equal(sf_source_read_all(s, name, 4096, &buf, &len, &err), 0);
        assert_int_equal(len, strlen(want));
        assert_memory_equal(buf, want, len);
        free(buf);
}

#define MD5_TXT_SHA256 "61f19d321093a1d00bab1e5a7794a1fb66a03fe249f4a534fed311a82c7920b3"

static const struct zent pkg_top[] = {
        {"EC25EFAR06A19M4G_20.201.20.201/", NULL, 0, NULL, 0},
        {"EC25EFAR06A19M4G_20.201.20.201/md5.txt", "D:\\update\\sbl1.mbn:0\n", 0, NULL, 0},
        {"EC25EFAR06A19M4G_20.201.20.201/update/sbl1.mbn", "the first stage", 0, NULL, 0},
        {"EC25EFAR06A19M4G_20.201.20.201/update/firehose/x.xml", "<data/>", 0, NULL, 0},
        {"__MACOSX/EC25EFAR06A19M4G_20.201.20.201/._md5.txt", "finder", 0, NULL, 0},
};

static void test_zip_top_folder(void **state)
{
        struct sf_source *s;
        struct sf_error err;
        struct names root = {{0}}, update = {{0}};
        char path[128], *name = NULL;
        const char *why = NULL;
        uint64_t size = 0;

        tmp_path(path, sizeof(path), "top.zip");
        make_zip(path, pkg_top, sizeof(pkg_top) / sizeof(*pkg_top), true);
        assert_int_equal(open_zip("top.zip", &s, &err), 0);
        assert_int_equal(sf_source_kind(s), SF_SOURCE_ZIP);
        assert_string_equal(sf_source_folder_name(s), "EC25EFAR06A19M4G_20.201.20.201");
        assert_int_equal(sf_source_lookup(s, "update/sbl1.mbn", &name, &size, &why), 0);
        assert_string_equal(name, "update/sbl1.mbn");
        assert_int_equal(size, 15);
        free(name);
        assert_int_equal(sf_source_lookup(s, "update", &name, &size, &why), -EINVAL);
        assert_int_equal(sf_source_lookup(s, "update/firehose", &name, &size, &why), -EINVAL);
        assert_int_equal(sf_source_lookup(s, "sbl1.mbn", &name, &size, &why), -ENOENT);
        assert_int_equal(sf_source_list(s, "", collect, &root, &err), 0);
        assert_string_equal(root.list, "md5.txt update ");
        assert_int_equal(sf_source_list(s, "update", collect, &update, &err), 0);
        assert_string_equal(update.list, "firehose sbl1.mbn ");
        read_whole(s, "update/sbl1.mbn", "the first stage");
        read_whole(s, "update/firehose/x.xml", "<data/>");
        read_whole(s, "update/sbl1.mbn", "the first stage"); /* again: a fresh reader */
        sf_source_free(s);
}

static void test_zip_flat_and_skip(void **state)
{
        static const struct zent flat[] = {
                {"md5.txt", "x", 0, NULL, 0},
                {"update\\big.bin", "0123456789abcdefghij", 0, NULL, 0}, /* a Windows writer */
        };
        struct sf_source_file *f = NULL;
        struct sf_source *s;
        struct sf_error err;
        char path[128], buf[8];

        tmp_path(path, sizeof(path), "flat.zip");
        make_zip(path, flat, 2, false);
        assert_int_equal(open_zip("flat.zip", &s, &err), 0);
        assert_null(sf_source_folder_name(s));
        assert_int_equal(sf_source_open_file(s, "update/big.bin", &f, &err), 0);
        assert_int_equal(sf_source_file_size(f), 20);
        assert_int_equal(sf_source_skip(f, 10, &err), 0);
        assert_int_equal(sf_source_read_exact(f, buf, 5, &err), 0);
        assert_memory_equal(buf, "abcde", 5);
        assert_int_equal(sf_source_read_exact(f, buf, 6, &err), -EBADMSG);
        sf_source_file_free(f);
        sf_source_free(s);
}

/* The layout reader and md5.txt over a zip of a fixture package: the same as the folder. */
static void test_layout_from_zip(void **state)
{
        static const char *const files[] = {
                "md5.txt",
                "update/NON-HLOS.ubi",
                "update/NPRG9x07.mbn",
                "update/firehose/partition_complete_p4K_b256K.mbn",
                "update/firehose/patch_p4K_b256K.xml",
                "update/firehose/prog_nand_firehose_9x07.mbn",
                "update/firehose/rawprogram_nand_p4K_b256K_update.xml",
                "update/sbl1.mbn",
                "update/tz.mbn",
        };
        struct zent z[sizeof(files) / sizeof(*files)];
        char *bufs[sizeof(files) / sizeof(*files)];
        char names[sizeof(files) / sizeof(*files)][128], path[128], src[512];
        struct sf_layout *l = NULL, *dir = NULL;
        struct sf_source_file *f = NULL;
        struct sf_error err = {0};
        char head[4];

        for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
                size_t len;

                snprintf(src, sizeof(src), "%s/layout/nand-good/%s", data_dir(), files[i]);
                bufs[i] = (char *)slurp(src, &len);
                assert_true(len > 0);
                snprintf(names[i], sizeof(names[i]), "nand-good/%s", files[i]);
                z[i] = (struct zent){names[i], bufs[i], 0, NULL, len};
        }
        tmp_path(path, sizeof(path), "nand-good.zip");
        make_zip(path, z, sizeof(z) / sizeof(*z), true);
        snprintf(src, sizeof(src), "%s/layout/nand-good", data_dir());
        assert_int_equal(sf_layout_load(src, NULL, &dir, &err), 0);
        if (sf_layout_load(path, NULL, &l, &err) != 0)
                fail_msg("%s", err.message);
        assert_int_equal(sf_layout_op_count(l), sf_layout_op_count(dir));
        assert_int_equal(sf_layout_total_bytes(l), sf_layout_total_bytes(dir));
        assert_int_equal(sf_layout_storage(l), SF_LAYOUT_STORAGE_NAND);
        assert_non_null(strstr(sf_layout_programmer(l),
                               "nand-good.zip/update/firehose/prog_nand_firehose_9x07.mbn"));
        assert_non_null(strstr(sf_layout_op(l, 2)->path, "nand-good.zip/update/sbl1.mbn"));
        if (sf_layout_verify(l, NULL, NULL, &err) != 0)
                fail_msg("%s", err.message);
        assert_int_equal(sf_layout_open_file(l, sf_layout_programmer(l), &f, &err), 0);
        assert_int_equal(sf_source_read_exact(f, head, 4, &err), 0);
        assert_memory_equal(head, bufs[5], 4); /* prog_nand_firehose_9x07.mbn */
        sf_source_file_free(f);
        sf_layout_free(l);
        sf_layout_free(dir);
        for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++)
                free(bufs[i]);
}

/* A zip whose data does not match md5.txt fails verification like a folder would. */
static void test_zip_md5_mismatch(void **state)
{
        static const struct zent z[] = {
                {"md5.txt",
                 "prog_firehose_x.mbn:00000000000000000000000000000000\n"
                 "rawprogram0.xml:00000000000000000000000000000000\n"
                 "a.bin:00000000000000000000000000000000\n",
                 0, NULL, 0},
                {"prog_firehose_x.mbn", "not really an ELF", 0, NULL, 0},
                {"rawprogram0.xml",
                 "<data><program SECTOR_SIZE_IN_BYTES=\"512\" filename=\"a.bin\" "
                 "num_partition_sectors=\"1\" start_sector=\"0\"/></data>",
                 0, NULL, 0},
                {"a.bin", "image", 0, NULL, 0},
        };
        struct sf_layout *l = NULL;
        struct sf_error err = {0};
        char path[128];

        tmp_path(path, sizeof(path), "mismatch.zip");
        make_zip(path, z, 4, true);
        if (sf_layout_load(path, NULL, &l, &err) != 0)
                fail_msg("%s", err.message);
        assert_int_equal(sf_layout_verify(l, NULL, NULL, &err), -EBADMSG);
        assert_non_null(strstr(err.message, "MD5 mismatch"));
        sf_layout_free(l);
}

static void test_package_from_zip(void **state)
{
        static const struct zent flat[] = {{"md5.txt", "x", 0, NULL, 0},
                                           {"update/sbl1.mbn", "y", 0, NULL, 0}};
        char path[128];
        sf_package *pkg = NULL;
        struct sf_error err = {0};

        tmp_path(path, sizeof(path), "pkg.zip");
        make_zip(path, pkg_top, 4, false);
        assert_int_equal(sf_package_open(path, &pkg, &err), 0);
        assert_int_equal(sf_package_version_source(pkg), SF_PACKAGE_VERSION_DIRNAME);
        assert_string_equal(sf_package_version(pkg)->canonical, "EC25EFAR06A19M4G_20.201.20.201");
        /* sha256("D:\update\sbl1.mbn:0\n"), md5.txt's bytes: what update records. */
        assert_string_equal(sf_package_fingerprint(pkg), MD5_TXT_SHA256);
        sf_package_free(pkg);

        /* The zip's own name counts too, and must agree. */
        tmp_path(path, sizeof(path), "EC25EFAR06A17M4G_20.200.20.200.zip");
        make_zip(path, pkg_top, 4, false);
        assert_int_equal(sf_package_open(path, &pkg, &err), -EBADMSG);
        assert_non_null(strstr(err.message, "contradicts itself"));
        assert_non_null(strstr(err.message, "zip file name"));
        tmp_path(path, sizeof(path), "EC25EFAR06A19M4G_20.201.20.201.zip");
        make_zip(path, flat, 2, false);
        assert_int_equal(sf_package_open(path, &pkg, &err), 0);
        assert_int_equal(sf_package_version_source(pkg), SF_PACKAGE_VERSION_ARCHIVE_NAME);
        sf_package_free(pkg);
}

struct hostile {
        const char *what;
        struct zent z[3];
        size_t n;
        int error;
        const char *says;
};

static const struct hostile hostile_rows[] = {
        {"absolute", {{"/etc/passwd", "x", 0, NULL, 0}}, 1, -EBADMSG, "absolute"},
        {"drive", {{"C:\\update\\sbl1.mbn", "x", 0, NULL, 0}}, 1, -EBADMSG, "absolute"},
        {"dotdot", {{"pkg/../../evil", "x", 0, NULL, 0}}, 1, -EBADMSG, "'..' component"},
        {"dotdot-inside", {{"pkg/update/../md5.txt", "x", 0, NULL, 0}}, 1, -EBADMSG, "'..'"},
        {"backslash-dotdot", {{"pkg\\..\\..\\evil", "x", 0, NULL, 0}}, 1, -EBADMSG, "'..'"},
        {"symlink",
         {{"pkg/update/sbl1.mbn", NULL, AE_IFLNK, "/etc/passwd", 0}},
         1,
         -EBADMSG,
         "is a link"},
        {"duplicate",
         {{"pkg/md5.txt", "a", 0, NULL, 0}, {"pkg/md5.txt", "b", 0, NULL, 0}},
         2,
         -EBADMSG,
         "twice"},
        {"duplicate-backslash",
         {{"pkg/update/sbl1.mbn", "a", 0, NULL, 0}, {"pkg\\update\\sbl1.mbn", "b", 0, NULL, 0}},
         2,
         -EBADMSG,
         "twice"},
        {"file-and-folder",
         {{"pkg/update", "a", 0, NULL, 0}, {"pkg/update/sbl1.mbn", "b", 0, NULL, 0}},
         2,
         -EBADMSG,
         "both a file and a folder"},
        {"escapes",
         {{"pkg/\x1b]0;owned\x07/../x", "x", 0, NULL, 0}},
         1,
         -EBADMSG,
         "'pkg/?]0;owned?/../x' has a '..' component"},
        {"too-deep",
         {{"a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r", "x", 0, NULL, 0}},
         1,
         -EBADMSG,
         "too deep"},
};

static void test_hostile(void **state)
{
        for (size_t i = 0; i < sizeof(hostile_rows) / sizeof(*hostile_rows); i++) {
                const struct hostile *h = &hostile_rows[i];
                struct sf_source *s = NULL;
                struct sf_error err;
                char name[64], path[128];
                int r;

                snprintf(name, sizeof(name), "%s.zip", h->what);
                tmp_path(path, sizeof(path), name);
                make_zip(path, h->z, h->n, false);
                r = open_zip(name, &s, &err);
                if (r != h->error || !strstr(err.message, h->says))
                        print_error("%s: r=%d '%s'\n", h->what, r, err.message);
                assert_int_equal(r, h->error);
                assert_non_null(strstr(err.message, h->says));
                assert_null(s);
        }
}

static void expect_refused(const char *name, int error, const char *says)
{
        struct sf_source *s = NULL;
        struct sf_error err;
        int r = open_zip(name, &s, &err);

        if (r != error || !strstr(err.message, says))
                print_error("%s: r=%d '%s'\n", name, r, err.message);
        assert_int_equal(r, error);
        assert_non_null(strstr(err.message, says));
        assert_null(s);
}

/* What libarchive's writer will not make: the headers are edited afterwards. */
static void test_hostile_patched(void **state)
{
        static const struct zent one[] = {{"pkg/update/sbl1.mbn", "0123456789", 0, NULL, 0},
                                          {"pkg/md5.txt", "x", 0, NULL, 0}};
        char path[128];

        tmp_path(path, sizeof(path), "device.zip");
        make_zip(path, one, 2, false);
        patch_zip(path, "pkg/update/sbl1.mbn", PATCH_MODE, S_IFCHR | 0644);
        expect_refused("device.zip", -EBADMSG, "not a file or a folder");

        tmp_path(path, sizeof(path), "encrypted.zip");
        make_zip(path, one, 2, false);
        patch_zip(path, "pkg/md5.txt", PATCH_ENCRYPT, 0);
        expect_refused("encrypted.zip", -EOPNOTSUPP, "encrypted");
}

/* More data than the zip declares (both headers edited alike): found while reading, stored or
 * deflated, and never more than the declared size comes out. */
static void test_lying_size(void **state)
{
        static const struct zent z[] = {
                {"big.bin", "0123456789012345678901234567890123456789", 0, NULL, 0}};
        static const char *const names[] = {"lying-stored.zip", "lying-deflated.zip"};

        for (int deflate = 0; deflate < 2; deflate++) {
                struct sf_source_file *f = NULL;
                struct sf_source *s = NULL;
                struct sf_error err = {0};
                char path[128], buf[64];
                ssize_t n = 0, got = 0;

                tmp_path(path, sizeof(path), names[deflate]);
                make_zip(path, z, 1, deflate);
                patch_zip(path, "big.bin", PATCH_SIZE, 8);
                assert_int_equal(open_zip(names[deflate], &s, &err), 0);
                assert_int_equal(sf_source_open_file(s, "big.bin", &f, &err), 0);
                assert_int_equal(sf_source_file_size(f), 8);
                while ((n = sf_source_read(f, buf, sizeof(buf), &err)) > 0)
                        got += n;
                assert_int_equal(n, -EBADMSG);
                assert_true(got <= 8);
                /* Ours; deflated, libarchive's own check of the inflated size may come first. */
                if (!strstr(err.message, "big.bin: holds more data than the zip declares") &&
                    (!deflate || !strstr(err.message, "big.bin: corrupt zip data: ZIP "
                                                      "uncompressed data is wrong size")))
                        fail_msg("%s: %s", names[deflate], err.message);
                sf_source_file_free(f);
                sf_source_free(s);
        }
}

static void test_corrupt(void **state)
{
        static const struct zent z[] = {
                {"a.bin", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0,
                 NULL, 0},
                {"md5.txt",
                 "some text that is long enough to be compressed, compressed, compressed", 0, NULL,
                 0},
        };
        struct sf_source *s = NULL;
        struct sf_error err = {0};
        char path[128], *buf = NULL;
        size_t len, blen;
        uint8_t *raw;

        /* Cut short: the central directory is gone. */
        tmp_path(path, sizeof(path), "cut.zip");
        make_zip(path, z, 2, true);
        raw = slurp(path, &len);
        spill(path, raw, len - 30);
        expect_refused("cut.zip", -EBADMSG, "cut.zip");

        free(raw);

        /* Damaged data: the CRC or the inflater says so. */
        tmp_path(path, sizeof(path), "damaged.zip");
        make_zip(path, z, 2, true);
        raw = slurp(path, &len);
        {
                uint8_t *l = local(raw, len, "a.bin");
                size_t data = (size_t)(l - raw) + 30 + (size_t)(l[26] | l[27] << 8) +
                              (size_t)(l[28] | l[29] << 8);

                for (size_t i = data + 1; i < data + 4; i++)
                        raw[i] ^= 0x5a;
        }
        spill(path, raw, len);
        free(raw);
        assert_int_equal(open_zip("damaged.zip", &s, &err), 0);
        assert_int_equal(sf_source_read_all(s, "a.bin", 4096, &buf, &blen, &err), -EBADMSG);
        assert_null(buf);
        assert_non_null(strstr(err.message, "a.bin"));
        sf_source_free(s);

        /* A stored byte changed: the size holds, the CRC at the entry's end does not. */
        tmp_path(path, sizeof(path), "crc.zip");
        make_zip(path, z, 2, false);
        raw = slurp(path, &len);
        {
                uint8_t *l = local(raw, len, "a.bin");

                l[30 + (l[26] | l[27] << 8) + (l[28] | l[29] << 8) + 7] ^= 1;
        }
        spill(path, raw, len);
        free(raw);
        assert_int_equal(open_zip("crc.zip", &s, &err), 0);
        assert_int_equal(sf_source_read_all(s, "a.bin", 4096, &buf, &blen, &err), -EBADMSG);
        assert_non_null(strstr(err.message, "CRC"));
        sf_source_free(s);

        /* Not a zip at all. */
        tmp_path(path, sizeof(path), "text.zip");
        spill(path, (const uint8_t *)"hello", 5);
        expect_refused("text.zip", -ENOTDIR, "not a package");
}

static void test_too_many_entries(void **state)
{
        struct archive *a = archive_write_new();
        struct archive_entry *e = archive_entry_new();
        char path[128], name[32];

        tmp_path(path, sizeof(path), "many.zip");
        assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
        assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
        for (int i = 0; i <= SF_SOURCE_MAX_ENTRIES; i++) {
                snprintf(name, sizeof(name), "f%05d", i);
                put_entry(a, e, &(struct zent){name, "x", 0, NULL, 0});
        }
        assert_int_equal(archive_write_close(a), ARCHIVE_OK);
        archive_write_free(a);
        archive_entry_free(e);
        expect_refused("many.zip", -E2BIG, "more than 4096 entries");
}

static void test_too_many_name_bytes(void **state)
{
        struct archive *a = archive_write_new();
        struct archive_entry *e = archive_entry_new();
        char path[128], name[1000];

        tmp_path(path, sizeof(path), "long-names.zip");
        assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
        assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
        memset(name, 'n', sizeof(name) - 1);
        name[sizeof(name) - 1] = '\0';
        for (int i = 0; i < 1100; i++) { /* 1.1 MB of names, under the entry cap */
                snprintf(name, 8, "%07d", i);
                name[7] = 'n';
                put_entry(a, e, &(struct zent){name, "x", 0, NULL, 0});
        }
        assert_int_equal(archive_write_close(a), ARCHIVE_OK);
        archive_write_free(a);
        archive_entry_free(e);
        expect_refused("long-names.zip", -E2BIG, "bytes of entry names");
}

static void test_folder(void **state)
{
        struct sf_source *s = NULL;
        struct sf_error err = {0};
        struct names n = {{0}};
        char path[512], *name = NULL;
        const char *why = NULL;

        snprintf(path, sizeof(path), "%s/layout/nand-good", data_dir());
        assert_int_equal(sf_source_open(path, &s, &err), 0);
        assert_int_equal(sf_source_kind(s), SF_SOURCE_FOLDER);
        assert_string_equal(sf_source_folder_name(s), "nand-good");
        assert_int_equal(sf_source_lookup(s, "update/tz.mbn", &name, NULL, &why), 0);
        assert_string_equal(name, "update/tz.mbn");
        free(name);
        assert_int_equal(sf_source_list(s, "update/firehose", collect, &n, &err), 0);
        assert_non_null(strstr(n.list, "prog_nand_firehose_9x07.mbn "));
        assert_int_equal(sf_source_lookup(s, "update", &name, NULL, &why), -EINVAL);
        sf_source_free(s);
}

static void test_normalize(void **state)
{
        char out[32];
        const char *why = NULL;

        assert_int_equal(sf_path_normalize("update", "..\\sbl1.mbn", out, sizeof(out), &why), 0);
        assert_string_equal(out, "sbl1.mbn");
        assert_int_equal(sf_path_normalize("", "./a//b/", out, sizeof(out), &why), 0);
        assert_string_equal(out, "a/b");
        assert_int_equal(sf_path_normalize("", "../a", out, sizeof(out), &why), -EACCES);
        assert_int_equal(sf_path_normalize("", "\\a", out, sizeof(out), &why), -EACCES);
        assert_int_equal(sf_path_normalize("", "a/..", out, sizeof(out), &why), -EINVAL);
        assert_int_equal(sf_path_normalize("", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", out,
                                             sizeof(out), &why),
                         -ENAMETOOLONG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_zip_top_folder),
                cmocka_unit_test(test_zip_flat_and_skip),
                cmocka_unit_test(test_layout_from_zip),
                cmocka_unit_test(test_zip_md5_mismatch),
                cmocka_unit_test(test_package_from_zip),
                cmocka_unit_test(test_hostile),
                cmocka_unit_test(test_hostile_patched),
                cmocka_unit_test(test_lying_size),
                cmocka_unit_test(test_corrupt),
                cmocka_unit_test(test_too_many_entries),
                cmocka_unit_test(test_too_many_name_bytes),
                cmocka_unit_test(test_folder),
                cmocka_unit_test(test_normalize),
        };
        return cmocka_run_group_tests(tests, setup, getenv("KEEP") ? NULL : teardown);
}
