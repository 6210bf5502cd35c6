/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The package's flashing half: programmer and XML choice, operations, confinement, md5.txt.
 * Fixtures in tests/data/layout/; symlinks and odd directory orders are made at run time. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "package/layout.h"

static const char *data_dir(void)
{
        const char *d = getenv("SAFEFLASH_TEST_DATA");
        return d ? d : "tests/data";
}

static void fixture(char *buf, size_t size, const char *name)
{
        snprintf(buf, size, "%s/layout/%s", data_dir(), name);
}

static int load(const char *name, const struct sf_layout_options *opt, struct sf_layout **ret,
                struct sf_error *err)
{
        char path[1024];

        fixture(path, sizeof(path), name);
        memset(err, 0, sizeof(*err));
        *ret = NULL;
        return sf_layout_load(path, opt, ret, err);
}

static bool ends_with(const char *s, const char *suffix)
{
        size_t a = strlen(s), b = strlen(suffix);
        return a >= b && strcmp(s + a - b, suffix) == 0;
}

static uint64_t file_size(const char *pkg, const char *rel)
{
        char path[1024];
        struct stat st;

        fixture(path, sizeof(path), pkg);
        strncat(path, "/", sizeof(path) - strlen(path) - 1);
        strncat(path, rel, sizeof(path) - strlen(path) - 1);
        assert_int_equal(stat(path, &st), 0);
        return (uint64_t)st.st_size;
}

struct progress {
        unsigned calls;
        uint64_t done, total;
        bool monotonic;
};

static void on_progress(void *userdata, uint64_t done, uint64_t total)
{
        struct progress *p = userdata;

        if (done < p->done || done > total)
                p->monotonic = false;
        p->calls++;
        p->done = done;
        p->total = total;
}

static void test_nand_good(void **state)
{
        struct progress prog = {.monotonic = true};
        struct sf_error err;
        struct sf_layout *l;
        const struct sf_layout_op *op;
        uint64_t images;

        (void)state;
        assert_int_equal(load("nand-good", NULL, &l, &err), 0);
        assert_true(
                ends_with(sf_layout_programmer(l), "/update/firehose/prog_nand_firehose_9x07.mbn"));
        assert_int_equal(sf_layout_programmer_size(l),
                         file_size("nand-good", "update/firehose/prog_nand_firehose_9x07.mbn"));
        assert_int_equal(sf_layout_storage(l), SF_LAYOUT_STORAGE_NAND);
        assert_string_equal(sf_layout_storage_to_string(sf_layout_storage(l)), "nand");
        assert_int_equal(sf_layout_xml_count(l), 2);
        assert_string_equal(sf_layout_xml(l, 0),
                            "update/firehose/rawprogram_nand_p4K_b256K_update.xml");
        assert_string_equal(sf_layout_xml(l, 1), "update/firehose/patch_p4K_b256K.xml");
        assert_int_equal(sf_layout_op_count(l), 6);
        assert_int_equal(sf_layout_patch_count(l), 0); /* the one <patch> patches a host file */
        assert_false(sf_layout_has_factory_xml(l));
        assert_int_equal(sf_layout_factory_reason_count(l), 0);

        op = sf_layout_op(l, 0);
        assert_int_equal(op->kind, SF_LAYOUT_OP_ERASE);
        assert_null(op->path);
        assert_true(op->has_start && op->start == 0 && op->num_sectors == 640);
        assert_int_equal(op->line, 5);

        op = sf_layout_op(l, 2);
        assert_int_equal(op->kind, SF_LAYOUT_OP_PROGRAM);
        assert_string_equal(op->filename, "..\\sbl1.mbn");
        assert_true(ends_with(op->path, "/nand-good/update/sbl1.mbn"));
        assert_string_equal(op->label, "sbl");
        assert_string_equal(op->start_text, "0");
        assert_int_equal(op->sector_size, 4096);
        assert_int_equal(op->lun, 0);
        assert_int_equal(op->num_sectors, 141);
        assert_true(op->has_pages_per_block);
        assert_int_equal(op->pages_per_block, 64);
        assert_false(op->has_last_sector);
        assert_int_equal(op->file_size, file_size("nand-good", "update/sbl1.mbn"));
        assert_int_equal(op->data_bytes, op->file_size);
        assert_string_equal(op->xml, "update/firehose/rawprogram_nand_p4K_b256K_update.xml");
        assert_int_equal(op->line, 7);

        op = sf_layout_op(l, 4);
        assert_true(op->has_last_sector);
        assert_int_equal(op->last_sector, 9827);
        assert_null(sf_layout_op(l, 6));

        images = file_size("nand-good", "update/sbl1.mbn") +
                 file_size("nand-good", "update/tz.mbn") +
                 file_size("nand-good", "update/NON-HLOS.ubi") +
                 file_size("nand-good", "update/firehose/partition_complete_p4K_b256K.mbn");
        assert_int_equal(sf_layout_total_bytes(l), images);

        assert_false(sf_layout_verified(l));
        assert_false(sf_layout_verification_skipped(l));
        assert_int_equal(sf_layout_verify(l, on_progress, &prog, &err), 0);
        assert_true(sf_layout_verified(l));
        /* The programmer, the images, and both XMLs (md5.txt lists them). */
        assert_true(prog.monotonic);
        assert_true(prog.calls >= 2);
        assert_int_equal(prog.done, prog.total);
        assert_int_equal(prog.total,
                         images + sf_layout_programmer_size(l) +
                                 file_size("nand-good",
                                           "update/firehose/rawprogram_nand_p4K_b256K_update.xml") +
                                 file_size("nand-good", "update/firehose/patch_p4K_b256K.xml"));
        sf_layout_free(l);
}

static void test_emmc_good(void **state)
{
        struct sf_error err;
        struct sf_layout *l;
        const struct sf_layout_op *op;
        const struct sf_layout_patch *p;

        (void)state;
        assert_int_equal(load("emmc-good", NULL, &l, &err), 0);
        assert_true(ends_with(sf_layout_programmer(l), "/prog_emmc_firehose_8909_ddr.mbn"));
        assert_int_equal(sf_layout_storage(l), SF_LAYOUT_STORAGE_EMMC);
        /* Per-LUN files in name order, then the patches. */
        assert_int_equal(sf_layout_xml_count(l), 3);
        assert_string_equal(sf_layout_xml(l, 0), "rawprogram0.xml");
        assert_string_equal(sf_layout_xml(l, 1), "rawprogram1.xml");
        assert_string_equal(sf_layout_xml(l, 2), "patch0.xml");
        /* userdata has no file: reserve only, skipped. */
        assert_int_equal(sf_layout_op_count(l), 4);
        op = sf_layout_op(l, 1);
        assert_string_equal(op->label, "boot");
        assert_string_equal(op->start_text, "2048.");
        assert_true(op->has_start);
        assert_int_equal(op->start, 2048);
        op = sf_layout_op(l, 2);
        assert_string_equal(op->label, "BackupGPT");
        assert_string_equal(op->start_text, "NUM_DISK_SECTORS-5.");
        assert_false(op->has_start);
        assert_int_equal(op->num_sectors, 5);
        op = sf_layout_op(l, 3);
        assert_string_equal(op->xml, "rawprogram1.xml");
        assert_int_equal(op->lun, 1);
        assert_string_equal(op->label, "sbl1");

        assert_int_equal(sf_layout_patch_count(l), 3); /* the gpt_main0.bin one is for hosts */
        p = sf_layout_patch(l, 0);
        assert_string_equal(p->start_text, "1");
        assert_int_equal(p->byte_offset, 48);
        assert_int_equal(p->size_in_bytes, 8);
        assert_string_equal(p->value, "NUM_DISK_SECTORS-34.");
        assert_string_equal(p->what, "Update Primary Header with LastUseableLBA.");
        assert_int_equal(p->line, 4);
        p = sf_layout_patch(l, 1);
        assert_string_equal(p->start_text, "NUM_DISK_SECTORS-1.");
        p = sf_layout_patch(l, 2);
        assert_string_equal(p->value, "CRC32(2,4096)");
        assert_int_equal(p->size_in_bytes, 4);
        assert_null(sf_layout_patch(l, 3));

        /* md5.txt: CRLF, upper case, a blank line, an entry without a drive prefix. */
        assert_int_equal(sf_layout_verify(l, NULL, NULL, &err), 0);
        assert_true(sf_layout_verified(l));
        sf_layout_free(l);
}

struct bad {
        const char *name;
        int error;
        const char *says[3];
};

static const struct bad bad_rows[] = {
        {"escape", -EACCES, {"escape/rawprogram0.xml:4:", "\"..\\..\\etc\\passwd\"", "outside"}},
        {"absolute", -EACCES, {"absolute/rawprogram0.xml:4:", "\"/etc/passwd\"", "absolute"}},
        {"missing-image", -ENOENT, {"missing-image/rawprogram0.xml:4:", "\"missing.bin\""}},
        {"md5-no-entry", -ENODATA, {"md5-no-entry/md5.txt", "no md5.txt entry for image.bin"}},
        {"md5-missing", -ENOENT, {"md5-missing/md5.txt", "required"}},
        {"md5-lists-missing", -ENOENT, {"md5-lists-missing/md5.txt:4:", "gone.bin"}},
        {"md5-malformed", -EBADMSG, {"md5-malformed/md5.txt:2:"}},
        {"two-programmers",
         -ENOTUNIQ,
         {"two-programmers", "prog_firehose_sdx55.mbn, prog_nand_firehose_9x07.mbn"}},
        {"two-updates",
         -ENOTUNIQ,
         {"two-updates",
          "rawprogram_nand_p2K_b128K_update.xml, rawprogram_nand_p4K_b256K_update.xml"}},
        {"factory-only", -EPERM, {"factory-only", "rawprogram_nand_p4K_b256K_factory.xml"}},
        {"too-big", -EFBIG, {"too-big/rawprogram0.xml:4:", "\"image.bin\" (600 bytes)"}},
        {"num-nonnumeric",
         -EBADMSG,
         {"num-nonnumeric/rawprogram0.xml:4:", "num_partition_sectors=\"12a\""}},
        {"sector-1000", -EBADMSG, {"sector-1000/rawprogram0.xml:4:", "SECTOR_SIZE_IN_BYTES=1000"}},
        {"read", -EOPNOTSUPP, {"read/rawprogram0.xml:4:", "not an update package"}},
        {"doctype", -EBADMSG, {"doctype/rawprogram0.xml:2:", "DOCTYPE"}},
        {"sparse",
         -EOPNOTSUPP,
         {"sparse/rawprogram0.xml:4:", "sparse images are not supported yet", "image.bin"}},
        {"does-not-exist", -ENOENT, {"does-not-exist"}},
};

static void test_bad_packages(void **state)
{
        (void)state;
        for (size_t i = 0; i < sizeof(bad_rows) / sizeof(*bad_rows); i++) {
                const struct bad *b = &bad_rows[i];
                struct sf_error err;
                struct sf_layout *l;
                int r = load(b->name, NULL, &l, &err);

                for (size_t j = 0; j < 3 && b->says[j]; j++)
                        if (r != b->error || !strstr(err.message, b->says[j]))
                                print_error("%s: r=%d '%s' (want '%s')\n", b->name, r, err.message,
                                            b->says[j]);
                assert_int_equal(r, b->error);
                for (size_t j = 0; j < 3 && b->says[j]; j++)
                        assert_non_null(strstr(err.message, b->says[j]));
                assert_null(l);
        }
}

static void test_md5_mismatch(void **state)
{
        struct sf_error err;
        struct sf_layout *l;

        (void)state;
        assert_int_equal(load("md5-mismatch", NULL, &l, &err), 0);
        assert_int_equal(sf_layout_verify(l, NULL, NULL, &err), -EBADMSG);
        assert_non_null(strstr(err.message, "image.bin"));
        assert_non_null(strstr(err.message, "c77c4fbd78b4b5e9451b919f40493cb0")); /* md5.txt */
        assert_non_null(strstr(err.message, "c77c4fbd78b4b5e9451b919f40493cb9")); /* the file */
        assert_false(sf_layout_verified(l));
        sf_layout_free(l);
}

static void test_no_verify(void **state)
{
        struct sf_layout_options opt = {.no_verify = true};
        struct sf_error err;
        struct sf_layout *l;

        (void)state;
        assert_int_equal(load("md5-missing", &opt, &l, &err), 0);
        assert_true(sf_layout_verification_skipped(l));
        assert_false(sf_layout_verified(l));
        assert_int_equal(sf_layout_verify(l, NULL, NULL, &err), -ENODATA);
        assert_non_null(strstr(err.message, "no_verify"));
        assert_false(sf_layout_verified(l));
        sf_layout_free(l);
}

static void test_choose_programmer(void **state)
{
        struct sf_layout_options opt = {.programmer = "prog_nand_firehose_9x07.mbn"};
        struct sf_error err;
        struct sf_layout *l;

        (void)state;
        assert_int_equal(load("two-programmers", &opt, &l, &err), 0);
        assert_true(ends_with(sf_layout_programmer(l), "/prog_nand_firehose_9x07.mbn"));
        assert_int_equal(sf_layout_verify(l, NULL, NULL, &err), 0);
        sf_layout_free(l);

        opt.programmer = "update/firehose/prog_firehose_sdx55.mbn";
        assert_int_equal(load("two-programmers", &opt, &l, &err), 0);
        assert_true(ends_with(sf_layout_programmer(l), "/prog_firehose_sdx55.mbn"));
        sf_layout_free(l);

        opt.programmer = "prog_other.mbn";
        assert_int_equal(load("two-programmers", &opt, &l, &err), -ENOENT);
        assert_non_null(strstr(err.message, "prog_other.mbn"));
        assert_non_null(
                strstr(err.message, "prog_firehose_sdx55.mbn, prog_nand_firehose_9x07.mbn"));
        assert_null(l);
}

static bool any_reason(const struct sf_layout *l, const char *what)
{
        for (size_t i = 0; i < sf_layout_factory_reason_count(l); i++)
                if (strstr(sf_layout_factory_reason(l, i), what))
                        return true;
        return false;
}

static void test_update_and_factory(void **state)
{
        struct sf_layout_options opt = {0};
        struct sf_error err;
        struct sf_layout *l;

        (void)state;
        assert_int_equal(load("update-and-factory", &opt, &l, &err), 0);
        assert_string_equal(sf_layout_xml(l, 0),
                            "update/firehose/rawprogram_nand_p4K_b256K_update.xml");
        assert_true(sf_layout_has_factory_xml(l));
        assert_int_equal(sf_layout_factory_reason_count(l), 0);
        assert_int_equal(sf_layout_op_count(l), 6);
        sf_layout_free(l);

        /* allow_factory alone does not prefer the factory XML over the update one. */
        opt.allow_factory = true;
        assert_int_equal(load("update-and-factory", &opt, &l, &err), 0);
        assert_int_equal(sf_layout_factory_reason_count(l), 0);
        sf_layout_free(l);

        opt.allow_factory = false;
        opt.rawprogram = "rawprogram_nand_p4K_b256K_factory.xml";
        assert_int_equal(load("update-and-factory", &opt, &l, &err), -EPERM);
        assert_non_null(strstr(err.message, "rawprogram_nand_p4K_b256K_factory.xml"));

        opt.allow_factory = true;
        assert_int_equal(load("update-and-factory", &opt, &l, &err), 0);
        assert_true(any_reason(l, "factory rawprogram"));
        assert_true(any_reason(l, "cefs.mbn"));
        assert_true(any_reason(l, "efs2"));
        assert_int_equal(sf_layout_verify(l, NULL, NULL, &err), 0);
        sf_layout_free(l);
}

static void test_factory_allowed(void **state)
{
        struct sf_layout_options opt = {.allow_factory = true};
        struct sf_error err;
        struct sf_layout *l;

        (void)state;
        assert_int_equal(load("factory-only", &opt, &l, &err), 0);
        assert_true(sf_layout_has_factory_xml(l));
        assert_true(sf_layout_factory_reason_count(l) >= 3);
        assert_true(
                any_reason(l, "rawprogram_nand_p4K_b256K_factory.xml:12: programs ..\\cefs.mbn"));
        assert_true(
                any_reason(l, "rawprogram_nand_p4K_b256K_factory.xml:11: erases partition efs2"));
        assert_true(any_reason(l, "programs partition efs2"));
        assert_null(sf_layout_factory_reason(l, sf_layout_factory_reason_count(l)));
        assert_int_equal(sf_layout_verify(l, NULL, NULL, &err), 0);
        sf_layout_free(l);
}

/* ---- Packages made at run time ---- */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st;
        (void)flag;
        (void)ftw;
        return remove(path);
}

static void rm_rf(const char *dir)
{
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_file(const char *dir, const char *name, const char *text)
{
        char path[1024];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "w");
        assert_non_null(f);
        assert_int_equal(fputs(text, f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
}

/* A copy of a flat fixture folder. */
static void copy_fixture(const char *name, const char *to)
{
        static const char *const files[] = {"prog_firehose_test.mbn", "rawprogram0.xml",
                                            "image.bin", "md5.txt"};
        char src[1024], buf[4096];

        for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
                FILE *f;
                size_t n;

                fixture(src, sizeof(src), name);
                strncat(src, "/", sizeof(src) - strlen(src) - 1);
                strncat(src, files[i], sizeof(src) - strlen(src) - 1);
                f = fopen(src, "r");
                assert_non_null(f);
                n = fread(buf, 1, sizeof(buf) - 1, f);
                fclose(f);
                buf[n] = '\0';
                write_file(to, files[i], buf);
        }
}

static void test_symlink(void **state)
{
        char pkg[] = "/tmp/sf-layout-pkg-XXXXXX", out[] = "/tmp/sf-layout-out-XXXXXX";
        char link[1200], target[1200];
        struct sf_error err = {0};
        struct sf_layout *l = NULL;

        (void)state;
        assert_non_null(mkdtemp(pkg));
        assert_non_null(mkdtemp(out));
        copy_fixture("symlink", pkg);
        write_file(out, "secret.bin", "outside the package\n");
        snprintf(link, sizeof(link), "%s/link.bin", pkg);
        snprintf(target, sizeof(target), "%s/secret.bin", out);
        assert_int_equal(symlink(target, link), 0);
        assert_int_equal(sf_layout_load(pkg, NULL, &l, &err), -EACCES);
        assert_non_null(strstr(err.message, "rawprogram0.xml:4:"));
        assert_non_null(strstr(err.message, "\"link.bin\""));
        assert_non_null(strstr(err.message, "symlink"));
        assert_null(l);

        /* A symlink that stays inside is only another name: md5.txt's image.bin entry covers it. */
        assert_int_equal(unlink(link), 0);
        assert_int_equal(symlink("image.bin", link), 0);
        assert_int_equal(sf_layout_load(pkg, NULL, &l, &err), 0);
        assert_true(ends_with(sf_layout_op(l, 0)->path, "/image.bin"));
        assert_int_equal(sf_layout_verify(l, NULL, NULL, &err), 0);
        sf_layout_free(l);

        /* The folder holding the XMLs may not lead out either. */
        rm_rf(pkg);
        assert_int_equal(mkdir(pkg, 0700), 0);
        snprintf(link, sizeof(link), "%s/update", pkg);
        assert_int_equal(symlink(out, link), 0);
        assert_int_equal(sf_layout_load(pkg, NULL, &l, &err), -EACCES);
        assert_non_null(strstr(err.message, "update"));
        rm_rf(pkg);
        rm_rf(out);
}

static const char one_program[] =
        "<data>\n<program SECTOR_SIZE_IN_BYTES=\"512\" filename=\"image.bin\" "
        "num_partition_sectors=\"8\" start_sector=\"0\"/>\n</data>\n";

/* Files created in one order, then the other: the result is the sorted one both times. */
static void test_directory_order(void **state)
{
        static const char *const orders[2][2] = {{"prog_firehose_z.mbn", "prog_firehose_a.mbn"},
                                                 {"prog_firehose_a.mbn", "prog_firehose_z.mbn"}};
        struct sf_layout_options opt = {.no_verify = true};

        (void)state;
        for (size_t i = 0; i < 2; i++) {
                char pkg[] = "/tmp/sf-layout-order-XXXXXX", path[1200];
                struct sf_error err = {0};
                struct sf_layout *l = NULL;

                assert_non_null(mkdtemp(pkg));
                write_file(pkg, orders[i][0], "p\n");
                write_file(pkg, orders[i][1], "p\n");
                write_file(pkg, i ? "rawprogram0.xml" : "rawprogram1.xml", one_program);
                write_file(pkg, i ? "rawprogram1.xml" : "rawprogram0.xml", one_program);
                write_file(pkg, "image.bin", "image\n");
                assert_int_equal(sf_layout_load(pkg, &opt, &l, &err), -ENOTUNIQ);
                assert_non_null(strstr(err.message, "prog_firehose_a.mbn, prog_firehose_z.mbn"));

                opt.programmer = "prog_firehose_z.mbn";
                assert_int_equal(sf_layout_load(pkg, &opt, &l, &err), 0);
                assert_string_equal(sf_layout_xml(l, 0), "rawprogram0.xml");
                assert_string_equal(sf_layout_xml(l, 1), "rawprogram1.xml");
                assert_string_equal(sf_layout_op(l, 0)->xml, "rawprogram0.xml");
                assert_true(sf_layout_verification_skipped(l));
                sf_layout_free(l);
                opt.programmer = NULL;

                /* An XML over 4 MiB is refused before it is read. */
                snprintf(path, sizeof(path), "%s/rawprogram1.xml", pkg);
                assert_int_equal(truncate(path, SF_LAYOUT_XML_MAX + 1), 0);
                opt.programmer = "prog_firehose_a.mbn";
                assert_int_equal(sf_layout_load(pkg, &opt, &l, &err), -EFBIG);
                assert_non_null(strstr(err.message, "rawprogram1.xml"));
                opt.programmer = NULL;
                rm_rf(pkg);
        }
}

/* ---- Documents from memory ---- */

#define NOWHERE "/nonexistent/safeflash-test-package"

static int parse(const char *rel, const char *raw, const char *patch, struct sf_layout **ret,
                 struct sf_error *err)
{
        memset(err, 0, sizeof(*err));
        *ret = NULL;
        return sf_layout_parse_buffers(NOWHERE, rel, raw, raw ? strlen(raw) : 0, patch,
                                       patch ? strlen(patch) : 0, ret, err);
}

struct doc_row {
        const char *raw;
        const char *patch;
        int error;
        const char *says;
};

#define ERASE(attrs) "<data>\n<erase SECTOR_SIZE_IN_BYTES=\"512\" " attrs "/>\n</data>\n"
#define PATCH(attrs)                                                                               \
        "<patches>\n<patch SECTOR_SIZE_IN_BYTES=\"512\" filename=\"DISK\" "                        \
        "byte_offset=\"0\" " attrs "/>\n</patches>\n"

static const struct doc_row doc_rows[] = {
        {"<data>\n<program num_partition_sectors=\"1\" start_sector=\"0\" filename=\"\"/>\n</data>",
         NULL, -EBADMSG, "x.xml:2: <program> without SECTOR_SIZE_IN_BYTES"},
        {"<data>\n<program SECTOR_SIZE_IN_BYTES=\"512\" start_sector=\"0\"/>\n</data>", NULL,
         -EBADMSG, ":2: <program> without num_partition_sectors"},
        {"<data>\n<program SECTOR_SIZE_IN_BYTES=\"512\" num_partition_sectors=\"1\"/></data>", NULL,
         -EBADMSG, "without start_sector"},
        {ERASE("start_sector=\"CRC32(1,92)\""), NULL, -EBADMSG, "start_sector=\"CRC32(1,92)\""},
        {ERASE("start_sector=\"NUM_DISK_SECTORS*2\""), NULL, -EBADMSG, "NUM_DISK_SECTORS*2"},
        {ERASE("start_sector=\" 5\""), NULL, -EBADMSG, "start_sector"},
        {ERASE("num_partition_sectors=\"5.\""), NULL, -EBADMSG, "num_partition_sectors=\"5.\""},
        {ERASE("num_partition_sectors=\"-1\""), NULL, -EBADMSG, "not a decimal number"},
        {ERASE("num_partition_sectors=\"36028797018963968\""), NULL, -EBADMSG, "64 bits"},
        {ERASE("num_partition_sectors=\"18446744073709551616\""), NULL, -EBADMSG, "decimal"},
        {ERASE("physical_partition_number=\"4294967296\""), NULL, -EBADMSG, "out of range"},
        {ERASE("PAGES_PER_BLOCK=\"0\""), NULL, -EBADMSG, "PAGES_PER_BLOCK"},
        {ERASE("label=\"a\" LABEL=\"b\""), NULL, -EBADMSG, "given twice"},
        {"<data>\n<program SECTOR_SIZE_IN_BYTES=\"4096\" num_partition_sectors=\"1\" "
         "start_sector=\"0\" filename=\"..\\..\\..\\x.mbn\"/></data>",
         NULL, -EACCES, "leads outside the package"},
        {"<data>\n<program SECTOR_SIZE_IN_BYTES=\"4096\" num_partition_sectors=\"1\" "
         "start_sector=\"0\" filename=\"C:\\x.mbn\"/></data>",
         NULL, -EACCES, "absolute"},
        {"<data>\n<program SECTOR_SIZE_IN_BYTES=\"4096\" num_partition_sectors=\"1\" "
         "start_sector=\"0\" filename=\"sbl1.mbn\"/></data>",
         NULL, -ENOENT, "x.xml:2: filename \"sbl1.mbn\": no such file"},
        {"<data>\n<program SECTOR_SIZE_IN_BYTES=\"4096\" num_partition_sectors=\"1\" "
         "start_sector=\"0\" filename=\"" /* 256 bytes */
         "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
         "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
         "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
         "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"/></data>",
         NULL, -ENAMETOOLONG, "longer than 255"},
        {"<data>\n<ufs bNumberLU=\"4\"/>\n</data>", NULL, -EOPNOTSUPP, "UFS provisioning"},
        {"<data>\n<peek address64=\"0\" SizeInBytes=\"4\"/>\n</data>", NULL, -EBADMSG, "<peek>"},
        {"<data>\n<erase SECTOR_SIZE_IN_BYTES=\"512\"><x/></erase>\n</data>", NULL, -EBADMSG,
         "unexpected <x> inside <erase>"},
        {"<patches/>", NULL, -EBADMSG, "root element is <patches>, expected <data>"},
        {"<data>\n<erase", NULL, -EBADMSG, "malformed XML"},
        {"", NULL, -EBADMSG, "malformed XML"},
        {NULL, PATCH("start_sector=\"1\" size_in_bytes=\"9\" value=\"0\""), -EBADMSG,
         "patch.xml:2: size_in_bytes=9"},
        {NULL, PATCH("start_sector=\"1\" size_in_bytes=\"0\" value=\"0\""), -EBADMSG,
         "size_in_bytes=0"},
        {NULL, PATCH("start_sector=\"1\" size_in_bytes=\"4\""), -EBADMSG, "without value"},
        {NULL, PATCH("start_sector=\"1\" size_in_bytes=\"4\" value=\"CRC32(1)\""), -EBADMSG,
         "value=\"CRC32(1)\""},
        {NULL, PATCH("size_in_bytes=\"4\" value=\"0\""), -EBADMSG, "without start_sector"},
        {NULL, "<patches><patch SECTOR_SIZE_IN_BYTES=\"512\"/></patches>", -EBADMSG,
         "without filename"},
        {NULL, "<data/>", -EBADMSG, "expected <patches>"},
};

static void test_documents(void **state)
{
        (void)state;
        for (size_t i = 0; i < sizeof(doc_rows) / sizeof(*doc_rows); i++) {
                const struct doc_row *row = &doc_rows[i];
                struct sf_error err;
                struct sf_layout *l;
                int r = parse("x.xml", row->raw, row->patch, &l, &err);

                if (r != row->error || !strstr(err.message, row->says))
                        print_error("row %zu: r=%d '%s' (want '%s')\n", i, r, err.message,
                                    row->says);
                assert_int_equal(r, row->error);
                assert_non_null(strstr(err.message, row->says));
                assert_null(l);
        }
}

static void test_document_details(void **state)
{
        struct sf_error err;
        struct sf_layout *l;
        const struct sf_layout_op *op;

        (void)state;
        /* No start, no count: the whole LUN. */
        assert_int_equal(
                parse("rawprogram0.xml", ERASE("physical_partition_number=\"2\""), NULL, &l, &err),
                0);
        op = sf_layout_op(l, 0);
        assert_null(op->start_text);
        assert_false(op->has_num_sectors);
        assert_int_equal(op->lun, 2);
        assert_true(any_reason(l, "rawprogram0.xml:2: erases the whole of LUN 2"));
        assert_int_equal(sf_layout_storage(l), SF_LAYOUT_STORAGE_EMMC);
        sf_layout_free(l);

        /* A count from 0 that covers everything else the package writes on that LUN. */
        assert_int_equal(parse("rawprogram0.xml",
                               "<data>\n<erase SECTOR_SIZE_IN_BYTES=\"4096\" start_sector=\"0\" "
                               "num_partition_sectors=\"1000\"/>\n"
                               "<erase SECTOR_SIZE_IN_BYTES=\"4096\" start_sector=\"640.\" "
                               "num_partition_sectors=\"360\" label=\"FSG\"/>\n</data>\n",
                               NULL, &l, &err),
                         0);
        assert_int_equal(sf_layout_storage(l), SF_LAYOUT_STORAGE_UFS);
        assert_true(any_reason(l, ":2: erases the whole of LUN 0"));
        assert_true(any_reason(l, ":3: erases partition FSG"));
        sf_layout_free(l);

        /* …but not when something lies beyond it. */
        assert_int_equal(parse("rawprogram_nand_p4K_b256K_update.xml",
                               "<data>\n<erase SECTOR_SIZE_IN_BYTES=\"4096\" start_sector=\"0\" "
                               "num_partition_sectors=\"640\"/>\n"
                               "<erase SECTOR_SIZE_IN_BYTES=\"4096\" start_sector=\"640\" "
                               "num_partition_sectors=\"4\"/>\n"
                               "<program SECTOR_SIZE_IN_BYTES=\"4096\" start_sector=\"9\" "
                               "num_partition_sectors=\"4\" filename=\"\" label=\"modemst1\"/>\n"
                               "</data>\n",
                               NULL, &l, &err),
                         0);
        assert_int_equal(sf_layout_factory_reason_count(l), 0); /* reserve only: writes nothing */
        assert_int_equal(sf_layout_op_count(l), 2);
        assert_int_equal(sf_layout_storage(l), SF_LAYOUT_STORAGE_NAND); /* by its name */
        assert_null(sf_layout_programmer(l));
        sf_layout_free(l);

        /* The file name of a document from memory may not leave the package either. */
        assert_int_equal(
                sf_layout_parse_buffers(NOWHERE, "../x.xml", "<data/>", 7, NULL, 0, &l, &err),
                -EACCES);
}

static void test_too_many_ops(void **state)
{
        static const char line[] = "<erase SECTOR_SIZE_IN_BYTES=\"512\" start_sector=\"1\"/>\n";
        size_t n = SF_LAYOUT_MAX_OPS + 1, size = 16 + n * (sizeof(line) - 1);
        char *doc = malloc(size);
        struct sf_error err;
        struct sf_layout *l;
        size_t len = 0;

        (void)state;
        assert_non_null(doc);
        len += (size_t)snprintf(doc, size, "<data>\n");
        for (size_t i = 0; i < n; i++)
                len += (size_t)snprintf(doc + len, size - len, "%s", line);
        snprintf(doc + len, size - len, "</data>\n");
        assert_int_equal(parse("x.xml", doc, NULL, &l, &err), -E2BIG);
        assert_non_null(strstr(err.message, "x.xml:1026: more than 1024 operations"));
        /* Exactly the cap is fine. */
        snprintf(doc + len - (sizeof(line) - 1), size - len, "</data>\n");
        assert_int_equal(parse("x.xml", doc, NULL, &l, &err), 0);
        assert_int_equal(sf_layout_op_count(l), SF_LAYOUT_MAX_OPS);
        sf_layout_free(l);
        free(doc);
}

struct md5_row {
        const char *line;
        int result;
        const char *path;
};

static const struct md5_row md5_rows[] = {
        {"D:\\update\\sbl1.mbn:0123456789abcdef0123456789abcdef", 0, "update/sbl1.mbn"},
        {"D:\\update\\firehose\\x.xml:0123456789ABCDEF0123456789abcdef\r", 0,
         "update/firehose/x.xml"},
        {"\\\\host\\share\\pkg:\\update\\a.mbn:0123456789abcdef0123456789abcdef", 0,
         "update/a.mbn"},
        {"update/tz.mbn:0123456789abcdef0123456789abcdef", 0, "update/tz.mbn"},
        {"a:b.mbn:0123456789abcdef0123456789abcdef", 0, "a:b.mbn"},
        {"", 1, NULL},
        {"\r", 1, NULL},
        {" \t ", 1, NULL},
        {"D:\\update\\sbl1.mbn:0123456789abcdef0123456789abcde", -EBADMSG, NULL},
        {"D:\\update\\sbl1.mbn:0123456789abcdef0123456789abcdef0", -EBADMSG, NULL},
        {"D:\\update\\sbl1.mbn:0123456789abcdef0123456789abcdeg", -EBADMSG, NULL},
        {"D:\\update\\sbl1.mbn 0123456789abcdef0123456789abcdef", -EBADMSG, NULL},
        {"D:\\update\\sbl1.mbn:0123456789abcdef0123456789abcdef ", -EBADMSG, NULL},
        {":0123456789abcdef0123456789abcdef", -EBADMSG, NULL},
        {"D:\\:0123456789abcdef0123456789abcdef", -EBADMSG, NULL},
        {"D:\\update\\sbl1.mbn:0123456789abcdef", -EBADMSG, NULL},
};

static void test_md5_lines(void **state)
{
        (void)state;
        for (size_t i = 0; i < sizeof(md5_rows) / sizeof(*md5_rows); i++) {
                const struct md5_row *row = &md5_rows[i];
                char path[64] = "untouched";
                uint8_t digest[16] = {0};
                int r = sf_layout_md5_parse_line(row->line, strlen(row->line), path, sizeof(path),
                                                 digest);

                if (r != row->result)
                        print_error("row %zu '%s': r=%d\n", i, row->line, r);
                assert_int_equal(r, row->result);
                if (row->path) {
                        assert_string_equal(path, row->path);
                        assert_int_equal(digest[0], 0x01);
                        assert_int_equal(digest[4], 0x89);
                        assert_int_equal(digest[7], 0xef);
                        assert_int_equal(digest[15], 0xef);
                } else {
                        assert_string_equal(path, "untouched");
                }
        }
        {
                char small[8];
                uint8_t digest[16];
                const char *l = "D:\\update\\sbl1.mbn:0123456789abcdef0123456789abcdef";

                assert_int_equal(
                        sf_layout_md5_parse_line(l, strlen(l), small, sizeof(small), digest),
                        -ENAMETOOLONG);
                /* A NUL inside the line is not part of a path. */
                assert_int_equal(sf_layout_md5_parse_line("a\0b:0123456789abcdef0123456789abcdef",
                                                          36, small, sizeof(small), digest),
                                 -EBADMSG);
        }
}

static void test_to_string(void **state)
{
        (void)state;
        assert_string_equal(sf_layout_op_kind_to_string(SF_LAYOUT_OP_ERASE), "erase");
        assert_string_equal(sf_layout_op_kind_to_string(SF_LAYOUT_OP_PROGRAM), "program");
        assert_string_equal(sf_layout_storage_to_string(SF_LAYOUT_STORAGE_UNKNOWN), "unknown");
        assert_string_equal(sf_layout_storage_to_string(SF_LAYOUT_STORAGE_EMMC), "emmc");
        assert_string_equal(sf_layout_storage_to_string(SF_LAYOUT_STORAGE_UFS), "ufs");
        assert_int_equal(sf_layout_op_count(NULL), 0);
        assert_null(sf_layout_op(NULL, 0));
        sf_layout_free(NULL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_nand_good),
                cmocka_unit_test(test_emmc_good),
                cmocka_unit_test(test_bad_packages),
                cmocka_unit_test(test_md5_mismatch),
                cmocka_unit_test(test_no_verify),
                cmocka_unit_test(test_choose_programmer),
                cmocka_unit_test(test_update_and_factory),
                cmocka_unit_test(test_factory_allowed),
                cmocka_unit_test(test_symlink),
                cmocka_unit_test(test_directory_order),
                cmocka_unit_test(test_documents),
                cmocka_unit_test(test_document_details),
                cmocka_unit_test(test_too_many_ops),
                cmocka_unit_test(test_md5_lines),
                cmocka_unit_test(test_to_string),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
