/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The simulator's UFS module (the rm500q persona): LUN addressing, the UFS programmer's answers,
 * the SDX55 package and its GPT patches, and the boot model. Expected device texts are the
 * protocol reference's (section 3.5-3.12), typed in; GPT checks use this file's own CRC-32 and
 * the UEFI header layout, not the simulator's GPT code. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot.h"
#include "factory.h"
#include "firehose_dev.h"
#include "gpt.h"
#include "image.h"
#include "mkpkg.h"
#include "package/layout.h"
#include "persona.h"
#include "util/endian.h"

#define V_R11   "RM500QGLABR11A06M4G_01.001.01.001"
#define V_R13   "RM500QGLABR13A01M4G_01.001.01.001"
#define SECTOR  4096u
#define MAX_OUT 4096

static const char SECTOR_SIZE_REFUSAL[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<data>\n<log value=\"ERROR: Attribute "
        "'SECTOR_SIZE_IN_BYTES'=512 must be equal to disk sector size 4096\" /></data>";
static const char NAK_RAW_FALSE[] = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<data>\n"
                                    "<response value=\"NAK\" rawmode=\"false\" /></data>";

/* ---- fixtures ---- */

static struct {
        char root[128];
        char r11[192], r13[192];
} fx;

struct out {
        uint8_t *msg[MAX_OUT];
        size_t len[MAX_OUT];
        size_t n, pos;
};

struct rig {
        char dir[192], path[256];
        const struct sim_persona *p;
        struct sim_firehose_config cfg;
        struct sim_flash flash;
        struct sim_firehose fh;
        struct out o;
};

static int capture(void *ctx, const uint8_t *buf, size_t len)
{
        struct out *o = ctx;

        assert_true(o->n < MAX_OUT);
        o->msg[o->n] = malloc(len + 1);
        memcpy(o->msg[o->n], buf, len);
        o->msg[o->n][len] = '\0';
        o->len[o->n++] = len;
        return 0;
}

static void out_free(struct out *o)
{
        for (size_t i = 0; i < o->n; i++)
                free(o->msg[i]);
        memset(o, 0, sizeof(*o));
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st;
        (void)flag;
        (void)ftw;
        return remove(path);
}

static int generate(const char *out, const char *version)
{
        struct sim_mkpkg_options o = {.version = version, .out = out, .small = true};
        struct sf_error err = {{0}};
        int r = sim_mkpkg(&o, &err);

        if (r < 0)
                print_error("sim_mkpkg %s: %d %s\n", out, r, err.message);
        return r;
}

static int group_setup(void **state)
{
        const char *tmp = getenv("TMPDIR");

        (void)state;
        snprintf(fx.root, sizeof(fx.root), "%s/sf-ufs-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(fx.root))
                return -1;
        snprintf(fx.r11, sizeof(fx.r11), "%s/%s", fx.root, V_R11);
        snprintf(fx.r13, sizeof(fx.r13), "%s/%s", fx.root, V_R13);
        return generate(fx.r11, V_R11) < 0 || generate(fx.r13, V_R13) < 0 ? -1 : 0;
}

static int group_teardown(void **state)
{
        (void)state;
        if (fx.root[0])
                nftw(fx.root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        return 0;
}

/* A blank rm500q module's flash and its programmer, quiet (no banner). */
static void rig_up(struct rig *g)
{
        memset(g, 0, sizeof(*g));
        g->p = sim_persona_find("rm500q");
        assert_non_null(g->p);
        snprintf(g->dir, sizeof(g->dir), "%s/module-XXXXXX", fx.root);
        assert_non_null(mkdtemp(g->dir));
        snprintf(g->path, sizeof(g->path), "%s/flash.img", g->dir);
        assert_int_equal(sim_flash_open_ufs(&g->flash, g->path, g->p->page_size, g->p->lun_sectors,
                                            g->p->n_luns),
                         0);
        g->cfg = g->p->firehose;
        g->cfg.quiet_boot = true;
        assert_int_equal(sim_firehose_init(&g->fh, &g->flash, &g->cfg, capture, &g->o), 0);
}

static void rig_down(struct rig *g)
{
        sim_firehose_done(&g->fh);
        sim_flash_close(&g->flash);
        out_free(&g->o);
        nftw(g->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void send_doc(struct rig *g, const char *doc)
{
        assert_int_equal(sim_firehose_input(&g->fh, (const uint8_t *)doc, strlen(doc)), 0);
}

static void send_cmd(struct rig *g, const char *element, const struct sf_firehose_attr *a, size_t n)
{
        char doc[SF_FIREHOSE_MAX_XML + 1];

        assert_true(sf_firehose_build_command(doc, sizeof(doc), element, a, n,
                                              SF_FIREHOSE_MAX_XML) > 0);
        send_doc(g, doc);
}

static const char *next(struct rig *g)
{
        assert_true(g->o.pos < g->o.n);
        return (const char *)g->o.msg[g->o.pos++];
}

/* Skip logs (appending their text to logs when given) up to the response, and check it. */
static void expect_response(struct rig *g, bool ack, char *logs, size_t size,
                            struct sf_firehose_reply *r)
{
        for (;;) {
                const char *doc = next(g);
                assert_int_equal(sf_firehose_parse_reply(doc, strlen(doc), r), 0);
                if (r->kind == SF_FIREHOSE_REPLY_RESPONSE)
                        break;
                if (logs)
                        snprintf(logs + strlen(logs), size - strlen(logs), "%s\n", r->text);
        }
        if (r->ack != ack)
                print_error("expected %s\n", ack ? "ACK" : "NAK");
        assert_int_equal(r->ack, ack);
}

static void expect_ack(struct rig *g)
{
        struct sf_firehose_reply *r = malloc(sizeof(*r));

        expect_response(g, true, NULL, 0, r);
        free(r);
}

static void expect_nak(struct rig *g, char *logs, size_t size)
{
        struct sf_firehose_reply *r = malloc(sizeof(*r));

        expect_response(g, false, logs, size, r);
        free(r);
}

static void range_attrs(struct sf_firehose_attr a[4], char bufs[3][32], unsigned lun,
                        const char *start, uint64_t n)
{
        snprintf(bufs[0], sizeof(bufs[0]), "%u", SECTOR);
        snprintf(bufs[1], sizeof(bufs[1]), "%u", lun);
        snprintf(bufs[2], sizeof(bufs[2]), "%llu", (unsigned long long)n);
        a[0] = (struct sf_firehose_attr){"SECTOR_SIZE_IN_BYTES", bufs[0]};
        a[1] = (struct sf_firehose_attr){"num_partition_sectors", bufs[2]};
        a[2] = (struct sf_firehose_attr){"physical_partition_number", bufs[1]};
        a[3] = (struct sf_firehose_attr){"start_sector", start};
}

/* <program>, the data in 1 MiB pieces (the negotiated payload), padded with zeros. */
static void program(struct rig *g, unsigned lun, const char *start, const uint8_t *data, size_t len)
{
        uint64_t n = (len + SECTOR - 1) / SECTOR;
        struct sf_firehose_attr a[4];
        char bufs[3][32];
        uint8_t *buf = calloc(1, n * SECTOR);

        memcpy(buf, data, len);
        range_attrs(a, bufs, lun, start, n);
        send_cmd(g, "program", a, 4);
        expect_ack(g);
        for (size_t off = 0; off < n * SECTOR; off += 1024 * 1024) {
                size_t k = n * SECTOR - off < 1024 * 1024 ? n * SECTOR - off : 1024 * 1024;
                assert_int_equal(sim_firehose_input(&g->fh, buf + off, k), 0);
        }
        expect_ack(g);
        free(buf);
}

/* <read> of n sectors into out; returns how many IN transfers carried the data. */
static size_t read_back(struct rig *g, unsigned lun, const char *start, uint64_t n, uint8_t *out)
{
        struct sf_firehose_attr a[4];
        char bufs[3][32];
        size_t got = 0, transfers = 0;

        range_attrs(a, bufs, lun, start, n);
        send_cmd(g, "read", a, 4);
        expect_ack(g);
        while (got < n * SECTOR) {
                size_t k;
                assert_true(g->o.pos < g->o.n);
                k = g->o.len[g->o.pos];
                assert_true(k <= g->cfg.max_payload_from_target && k <= n * SECTOR - got);
                memcpy(out + got, g->o.msg[g->o.pos++], k);
                got += k;
                transfers++;
        }
        expect_ack(g);
        return transfers;
}

static void fill(uint8_t *buf, size_t len, unsigned seed)
{
        for (size_t i = 0; i < len; i++)
                buf[i] = (uint8_t)(i * 131 + seed * 7 + (i >> 12));
}

/* The zlib CRC-32, bit by bit: an implementation of the reference's definition, not the
 * project's table-driven one. */
static uint32_t crc32_ref(const uint8_t *p, size_t n)
{
        uint32_t c = 0xffffffffu;

        for (size_t i = 0; i < n; i++) {
                c ^= p[i];
                for (int k = 0; k < 8; k++)
                        c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
        }
        return ~c;
}

/* ---- the persona ---- */

static void test_persona(void **state)
{
        const struct sim_persona *p = sim_persona_find("rm500q");

        (void)state;
        assert_non_null(p);
        assert_int_equal(p->storage, SIM_STORAGE_UFS);
        assert_int_equal(p->chip.msm_id, 0x000C30E1);
        assert_int_equal(p->chip.sahara_version, 3);
        assert_true(p->chip.read_data_64);
        assert_int_equal(p->chip.max_chunk, 1024 * 1024);
        assert_false(p->chip.secure_boot);
        assert_int_equal(p->normal_vid, 0x2c7c);
        assert_int_equal(p->normal_pid, 0x0800);
        assert_string_equal(p->model, "RM500Q-GL");
        assert_string_equal(p->factory_version, V_R11);
        assert_int_equal(p->n_luns, 6);
        assert_int_equal(p->page_size, 4096);
        assert_int_equal(p->boot_lun, 1);
        assert_string_equal(p->firehose.memory_name, "ufs");
        assert_int_equal(p->firehose.max_payload_to_target, 1048576);
        /* The NAND personas are what they were. */
        assert_int_equal(sim_persona_find("ec25e")->storage, SIM_STORAGE_NAND);
        assert_int_equal(sim_persona_find("eg25g")->storage, SIM_STORAGE_NAND);
}

/* ---- the programmer on UFS ---- */

static void test_configure_ufs(void **state)
{
        struct sf_firehose_reply *r = malloc(sizeof(*r));
        char logs[512] = "";
        struct rig g;

        (void)state;
        rig_up(&g);
        /* qdl's form (section 3.5) with --storage ufs: 1 MiB is accepted as it is. */
        send_doc(&g, "<?xml version=\"1.0\"?>\n<data><configure MemoryName=\"ufs\" "
                     "MaxPayloadSizeToTargetInBytes=\"1048576\" ZlpAwareHost=\"1\" "
                     "SkipStorageInit=\"0\"/></data>\n");
        expect_response(&g, true, NULL, 0, r);
        assert_string_equal(sf_firehose_attr_get(&r->attrs, "MaxPayloadSizeToTargetInBytes"),
                            "1048576");
        assert_string_equal(
                sf_firehose_attr_get(&r->attrs, "MaxPayloadSizeToTargetInBytesSupported"),
                "1048576");
        assert_non_null(sf_firehose_attr_get(&r->attrs, "MaxPayloadSizeFromTargetInBytes"));
        assert_string_equal(sf_firehose_attr_get(&r->attrs, "MemoryName"), "ufs");
        /* More than it takes: NAK with the size it supports. */
        send_doc(&g, "<?xml version=\"1.0\"?>\n<data><configure MemoryName=\"UFS\" "
                     "MaxPayloadSizeToTargetInBytes=\"2097152\"/></data>\n");
        expect_response(&g, false, NULL, 0, r);
        assert_string_equal(sf_firehose_attr_get(&r->attrs, "MaxPayloadSizeToTargetInBytes"),
                            "1048576");
        /* Another memory: the texts edl switches to UFS on (section 3.6, 3.13). */
        send_doc(&g, "<?xml version=\"1.0\"?>\n<data><configure MemoryName=\"eMMC\" "
                     "MaxPayloadSizeToTargetInBytes=\"1048576\"/></data>\n");
        expect_nak(&g, logs, sizeof(logs));
        assert_string_equal(logs, "ERROR: Not support configure MemoryName eMMC\n");
        logs[0] = '\0';
        send_doc(&g, "<?xml version=\"1.0\"?>\n<data><configure MemoryName=\"nand\" "
                     "MaxPayloadSizeToTargetInBytes=\"8192\"/></data>\n");
        expect_nak(&g, logs, sizeof(logs));
        assert_string_equal(logs, "ERROR: Not support configure MemoryName nand\n");
        free(r);
        rig_down(&g);
}

static void test_probe_512_refused(void **state)
{
        struct rig g;

        (void)state;
        rig_up(&g);
        /* qdl's probe (section 3.6): sector 1 of LUN 0 with 512-byte sectors, then 4096. */
        send_doc(&g, "<?xml version=\"1.0\"?>\n<data><read SECTOR_SIZE_IN_BYTES=\"512\" "
                     "num_partition_sectors=\"1\" physical_partition_number=\"0\" "
                     "start_sector=\"1\"/></data>\n");
        assert_string_equal(next(&g), SECTOR_SIZE_REFUSAL);
        assert_string_equal(next(&g), NAK_RAW_FALSE);
        send_doc(&g, "<?xml version=\"1.0\"?>\n<data><read SECTOR_SIZE_IN_BYTES=\"4096\" "
                     "num_partition_sectors=\"1\" physical_partition_number=\"0\" "
                     "start_sector=\"1\"/></data>\n");
        expect_ack(&g);
        assert_int_equal(g.o.len[g.o.pos++], 4096);
        expect_ack(&g);
        rig_down(&g);
}

static void test_lun_addressing(void **state)
{
        static const unsigned luns[] = {0, 1, 2, 3, 4, 5};
        uint8_t a[SECTOR], b[SECTOR];
        char logs[512] = "", start[32];
        struct rig g;

        (void)state;
        rig_up(&g);
        /* The last sector of every LUN, by expression: each LUN has its own NUM_DISK_SECTORS. */
        for (size_t i = 0; i < sizeof(luns) / sizeof(*luns); i++) {
                fill(a, sizeof(a), luns[i]);
                program(&g, luns[i], "NUM_DISK_SECTORS-1.", a, sizeof(a));
        }
        for (size_t i = 0; i < sizeof(luns) / sizeof(*luns); i++) {
                fill(a, sizeof(a), luns[i]);
                snprintf(start, sizeof(start), "%llu",
                         (unsigned long long)g.p->lun_sectors[luns[i]] - 1);
                read_back(&g, luns[i], start, 1, b);
                assert_memory_equal(a, b, sizeof(a));
        }
        /* One past a LUN's end, and a LUN the device does not have: refused. */
        snprintf(start, sizeof(start), "%llu", (unsigned long long)g.p->lun_sectors[1]);
        send_doc(&g, "<?xml version=\"1.0\"?>\n<data><read SECTOR_SIZE_IN_BYTES=\"4096\" "
                     "num_partition_sectors=\"1\" physical_partition_number=\"1\" "
                     "start_sector=\"2048\"/></data>\n");
        expect_nak(&g, logs, sizeof(logs));
        assert_non_null(strstr(logs, "beyond the end of the device (2048 sectors)"));
        send_doc(&g, "<?xml version=\"1.0\"?>\n<data><read SECTOR_SIZE_IN_BYTES=\"4096\" "
                     "num_partition_sectors=\"1\" physical_partition_number=\"6\" "
                     "start_sector=\"0\"/></data>\n");
        expect_nak(&g, NULL, 0);
        rig_down(&g);
}

static void test_program_lun1_read_back(void **state)
{
        const size_t len = 40 * SECTOR + 123;
        uint8_t *data = malloc(len), *back = calloc(1, 41 * SECTOR), *lun0 = malloc(41 * SECTOR);
        struct rig g;
        size_t transfers;

        (void)state;
        fill(data, len, 11);
        rig_up(&g);
        program(&g, 1, "6", data, len);
        transfers = read_back(&g, 1, "6", 41, back);
        assert_memory_equal(back, data, len);
        for (size_t i = len; i < 41 * SECTOR; i++)
                assert_int_equal(back[i], 0); /* the host's zero padding */
        /* Chunked by MaxPayloadSizeFromTargetInBytes (16 KiB): 164 KiB in 11 transfers. */
        assert_int_equal(transfers, (41 * SECTOR + 16383) / 16384);
        /* LUN 0 at the same sectors is another place: untouched (unmapped UFS reads zero). */
        read_back(&g, 0, "6", 41, lun0);
        for (size_t i = 0; i < 41 * SECTOR; i++)
                assert_int_equal(lun0[i], 0);
        free(data);
        free(back);
        free(lun0);
        rig_down(&g);
}

static void test_getstorageinfo(void **state)
{
        char logs[2048] = "";
        struct rig g;
        struct sf_firehose_reply *r = malloc(sizeof(*r));

        (void)state;
        rig_up(&g);
        send_doc(&g, "<?xml version=\"1.0\"?>\n<data><getstorageinfo "
                     "physical_partition_number=\"4\"/></data>\n");
        /* On the wire the JSON's quotes are &quot; (section 3.12). */
        assert_non_null(strstr((const char *)g.o.msg[g.o.pos],
                               "{&quot;storage_info&quot;: {&quot;total_blocks&quot;:65536, "));
        expect_response(&g, true, logs, sizeof(logs), r);
        assert_non_null(strstr(logs, "INFO: {\"storage_info\": {\"total_blocks\":65536, "
                                     "\"block_size\":4096, \"page_size\":4096, "
                                     "\"num_physical\":6, "));
        assert_non_null(strstr(logs, "\"mem_type\":\"UFS\""));
        assert_non_null(strstr(logs, "\"prod_name\":\""));
        assert_non_null(strstr(logs, "INFO: UFS Total Active LU: 0x6\n"));
        assert_non_null(strstr(logs, "INFO: UFS Erase Block Size: 0x"));
        assert_non_null(strstr(logs, "INFO: UFS Inquiry Command Output: "));
        /* LUN 0 has its own size; a LUN it does not have is refused. */
        logs[0] = '\0';
        send_doc(&g, "<?xml version=\"1.0\"?>\n<data><getstorageinfo "
                     "physical_partition_number=\"0\"/></data>\n");
        expect_response(&g, true, logs, sizeof(logs), r);
        assert_non_null(strstr(logs, "\"total_blocks\":262144, "));
        send_doc(&g, "<?xml version=\"1.0\"?>\n<data><getstorageinfo "
                     "physical_partition_number=\"9\"/></data>\n");
        expect_nak(&g, NULL, 0);
        free(r);
        rig_down(&g);
}

static void send_patch(struct rig *g, unsigned lun, const char *start, const char *offset,
                       const char *size, const char *value)
{
        char l[16];
        const struct sf_firehose_attr a[] = {
                {"SECTOR_SIZE_IN_BYTES", "4096"},
                {"byte_offset", offset},
                {"filename", "DISK"},
                {"physical_partition_number", l},
                {"size_in_bytes", size},
                {"start_sector", start},
                {"value", value},
                {"what", "test"},
        };

        snprintf(l, sizeof(l), "%u", lun);
        send_cmd(g, "patch", a, sizeof(a) / sizeof(*a));
}

static void test_patch_crc32_and_disk_sectors(void **state)
{
        uint8_t sector[SECTOR] = "123456789";
        struct rig g;

        (void)state;
        rig_up(&g);
        program(&g, 3, "2", sector, 9);
        /* CRC32(2,9) over "123456789": the CRC-32 check value 0xCBF43926, little-endian. */
        send_patch(&g, 3, "0", "16", "4", "CRC32(2,9)");
        expect_ack(&g);
        /* NUM_DISK_SECTORS is LUN 5's (4096), and the start an expression too. */
        send_patch(&g, 5, "NUM_DISK_SECTORS-1.", "48", "8", "NUM_DISK_SECTORS-6.");
        expect_ack(&g);
        read_back(&g, 3, "0", 1, sector);
        assert_int_equal(sf_le32(sector + 16), 0xCBF43926u);
        read_back(&g, 5, "4095", 1, sector);
        assert_int_equal(sf_le64(sector + 48), 4090);
        /* A CRC over more than the LUN holds is refused. */
        send_patch(&g, 1, "0", "0", "4", "CRC32(2047,8192)");
        expect_nak(&g, NULL, 0);
        rig_down(&g);
}

static void test_setbootablestoragedrive(void **state)
{
        const struct sf_firehose_attr two = {"value", "2"}, bad = {"value", "7"};
        struct rig g;

        (void)state;
        rig_up(&g);
        assert_false(g.flash.provisioned);
        send_cmd(&g, "setbootablestoragedrive", &two, 1);
        expect_ack(&g);
        assert_int_equal(g.flash.boot_lun, 2);
        send_cmd(&g, "setbootablestoragedrive", &bad, 1);
        expect_nak(&g, NULL, 0);
        /* bBootLunEn survives a power cycle. */
        sim_flash_close(&g.flash);
        assert_int_equal(sim_flash_open_ufs(&g.flash, g.path, SECTOR, g.p->lun_sectors, 6), 0);
        assert_true(g.flash.provisioned);
        assert_int_equal(g.flash.boot_lun, 2);
        rig_down(&g);
}

/* ---- the package ---- */

static struct sf_layout *load(const char *pkg)
{
        struct sf_error err = {{0}};
        struct sf_layout *l = NULL;
        int r = sf_layout_load(pkg, NULL, &l, &err);

        if (r < 0)
                print_error("sf_layout_load: %s\n", err.message);
        assert_int_equal(r, 0);
        r = sf_layout_verify(l, NULL, NULL, &err);
        if (r < 0)
                print_error("sf_layout_verify: %s\n", err.message);
        assert_int_equal(r, 0);
        return l;
}

static void test_package_reads(void **state)
{
        struct sf_layout *l;
        size_t xbl = 0, gpts = 0;

        (void)state;
        l = load(fx.r11);
        assert_int_equal(sf_layout_storage(l), SF_LAYOUT_STORAGE_UFS);
        assert_non_null(
                strstr(sf_layout_programmer(l), "/update/firehose/prog_firehose_sdx55.mbn"));
        assert_int_equal(sf_layout_xml_count(l), 12);
        assert_string_equal(sf_layout_xml(l, 0), "update/firehose/rawprogram0.xml");
        assert_string_equal(sf_layout_xml(l, 11), "update/firehose/patch5.xml");
        /* An update package: EFS (modemst, fsg, fsc) is in the GPT but never written. */
        assert_int_equal(sf_layout_factory_reason_count(l), 0);
        for (size_t i = 0; i < sf_layout_op_count(l); i++) {
                const struct sf_layout_op *op = sf_layout_op(l, i);
                assert_int_equal(op->sector_size, 4096);
                assert_null(strstr(op->label, "modemst"));
                if (strcmp(op->label, "xbl") == 0) {
                        assert_int_equal(op->lun, 1);
                        xbl++;
                }
                gpts += strstr(op->label, "GPT") != NULL;
        }
        assert_int_equal(xbl, 1);
        assert_int_equal(gpts, 12);
        /* The fix-up of 6 LUNs: 13 DISK patches where a partition grows (LUNs 0, 3, 4), 11
         * elsewhere. */
        assert_int_equal(sf_layout_patch_count(l), 3 * 13 + 3 * 11);
        sf_layout_free(l);
}

/* Every program of the package, then every DISK patch in file order, as a flasher does. */
static void flash_package(struct rig *g, struct sf_layout *l, bool patches)
{
        for (size_t i = 0; i < sf_layout_op_count(l); i++) {
                const struct sf_layout_op *op = sf_layout_op(l, i);
                FILE *f;
                uint8_t *buf;
                if (op->kind != SF_LAYOUT_OP_PROGRAM || !op->path)
                        continue;
                buf = malloc(op->file_size ? op->file_size : 1);
                f = fopen(op->path, "rb");
                assert_non_null(f);
                assert_int_equal(fread(buf, 1, op->file_size, f), op->file_size);
                fclose(f);
                program(g, op->lun, op->start_text, buf, op->file_size);
                free(buf);
        }
        for (size_t i = 0; patches && i < sf_layout_patch_count(l); i++) {
                const struct sf_layout_patch *p = sf_layout_patch(l, i);
                char off[24], size[8];
                snprintf(off, sizeof(off), "%llu", (unsigned long long)p->byte_offset);
                snprintf(size, sizeof(size), "%u", p->size_in_bytes);
                send_patch(g, p->lun, p->start_text, off, size, p->value);
                expect_ack(g);
        }
}

/* One GPT header, checked against the UEFI layout with this file's CRC-32. */
static void check_header(struct rig *g, unsigned lun, uint64_t at, uint64_t my, uint64_t alt,
                         uint64_t array_at)
{
        uint64_t n = g->p->lun_sectors[lun];
        uint8_t s[SECTOR], array[16384], copy[92];
        char start[32];

        snprintf(start, sizeof(start), "%llu", (unsigned long long)at);
        read_back(g, lun, start, 1, s);
        assert_memory_equal(s, "EFI PART", 8);
        assert_int_equal(sf_le32(s + 12), 92);
        memcpy(copy, s, 92);
        memset(copy + 16, 0, 4);
        assert_int_equal(sf_le32(s + 16), crc32_ref(copy, 92));
        assert_int_equal(sf_le64(s + 24), my);
        assert_int_equal(sf_le64(s + 32), alt);
        assert_int_equal(sf_le64(s + 40), 6);
        assert_int_equal(sf_le64(s + 48), n - 6);
        assert_int_equal(sf_le64(s + 72), array_at);
        assert_int_equal(sf_le32(s + 80) * sf_le32(s + 84), sizeof(array));
        snprintf(start, sizeof(start), "%llu", (unsigned long long)array_at);
        read_back(g, lun, start, 4, array);
        assert_int_equal(sf_le32(s + 88), crc32_ref(array, sizeof(array)));
}

static void test_package_patches_make_gpts(void **state)
{
        struct sf_layout *l = load(fx.r11);
        struct sim_ufs_layout *parts = calloc(1, sizeof(*parts));
        uint8_t *want = malloc(6 * SECTOR), *have = malloc(6 * SECTOR);
        char why[160];
        struct rig g;

        (void)state;
        rig_up(&g);
        flash_package(&g, l, false);
        /* As shipped, a GPT does not describe the LUN: a boot loader refuses it. */
        assert_int_equal(sim_gpt_read(&g.flash, 0, parts, why, sizeof(why)), -EBADMSG);
        flash_package(&g, l, true);
        for (unsigned lun = 0; lun < 6; lun++) {
                uint64_t n = g.p->lun_sectors[lun];
                check_header(&g, lun, 1, 1, n - 1, 2);
                check_header(&g, lun, n - 1, n - 1, 1, n - 5);
                assert_int_equal(sim_gpt_read(&g.flash, lun, parts, why, sizeof(why)), 0);
                /* Byte for byte what the factory writes for a LUN of this size. */
                assert_int_equal(sim_gpt_build(parts, lun, SECTOR, n, false, want, 6 * SECTOR),
                                 6 * SECTOR);
                read_back(&g, lun, "0", 6, have);
                assert_memory_equal(want, have, 6 * SECTOR);
        }
        /* The partitions the GPTs describe are the layout the R11 xbl was built for. */
        {
                struct sim_ufs_layout ref;
                sim_ufs_layout_for_baseline(11, &ref);
                assert_int_equal(sim_ufs_layout_id(parts), sim_ufs_layout_id(&ref));
        }
        free(want);
        free(have);
        free(parts);
        sf_layout_free(l);
        rig_down(&g);
}

static void test_mkpkg_chooses_storage(void **state)
{
        char out[256];
        struct sf_error err = {{0}};
        struct sim_mkpkg_options o = {.version = V_R11, .out = out, .small = true, .factory = true};

        (void)state;
        assert_true(sim_mkpkg_is_ufs("RM500QGLABR11A06M4G_01.001.01.001"));
        assert_true(sim_mkpkg_is_ufs("RM502QGLAAR11A02M4G_01.001.01.001"));
        assert_true(sim_mkpkg_is_ufs("RG500QEAAAR11A06M4G_01.001.01.001"));
        assert_false(sim_mkpkg_is_ufs("EC25EFAR06A19M4G_20.201.20.201"));
        assert_false(sim_mkpkg_is_ufs("EG25GGBR07A08M2G_01.003.01.003"));
        /* EFS is the factory's alone on UFS: no factory package. */
        snprintf(out, sizeof(out), "%s/factory-ufs", fx.root);
        assert_int_equal(sim_mkpkg(&o, &err), -EINVAL);
}

/* ---- the boot model ---- */

static void boot(struct rig *g, enum sim_boot_result want, struct sim_boot_report *r)
{
        assert_int_equal(sim_boot(&g->flash, g->p, r), 0);
        if (r->result != want)
                print_error("boot: %s: %s\n", sim_boot_result_to_string(r->result), r->reason);
        assert_int_equal(r->result, want);
}

static void test_factory_boots(void **state)
{
        struct sim_boot_report r;
        struct sf_error err = {{0}};
        struct rig g;

        (void)state;
        rig_up(&g);
        assert_true(sim_flash_is_blank(&g.flash));
        boot(&g, SIM_BOOT_EDL, &r); /* a blank part: boot disabled */
        assert_int_equal(sim_factory_install(&g.flash, g.p, NULL, true, g.dir, &err), 0);
        assert_false(sim_flash_is_blank(&g.flash));
        assert_int_equal(g.flash.boot_lun, 1);
        boot(&g, SIM_BOOT_NORMAL, &r);
        assert_string_equal(r.version, V_R11);
        assert_string_equal(r.imei, "864541041234566");
        assert_true(r.calibrated);
        /* NAND firmware is not for this module. */
        assert_int_equal(sim_factory_install(&g.flash, g.p, "EC25EFAR06A17M4G_20.200.20.200", true,
                                             g.dir, &err),
                         -EINVAL);
        rig_down(&g);
}

static void test_other_baseline_xbl_edl(void **state)
{
        const struct sf_firehose_attr none = {"value", "0"}, lu_a = {"value", "1"};
        struct sf_layout *r13 = load(fx.r13), *r11 = load(fx.r11);
        struct sim_boot_report r;
        struct sf_error err = {{0}};
        struct rig g;

        (void)state;
        rig_up(&g);
        assert_int_equal(sim_factory_install(&g.flash, g.p, NULL, true, g.dir, &err), 0);
        /* Only the R13 xbl, over the R11 one: its GPT layout is another. */
        for (size_t i = 0; i < sf_layout_op_count(r13); i++) {
                const struct sf_layout_op *op = sf_layout_op(r13, i);
                uint8_t buf[65536];
                FILE *f;
                if (strcmp(op->label, "xbl") != 0)
                        continue;
                f = fopen(op->path, "rb");
                assert_non_null(f);
                assert_true(op->file_size <= sizeof(buf));
                assert_int_equal(fread(buf, 1, op->file_size, f), op->file_size);
                fclose(f);
                program(&g, op->lun, op->start_text, buf, op->file_size);
        }
        boot(&g, SIM_BOOT_EDL, &r);
        assert_non_null(strstr(r.reason, "R13 xbl"));
        /* The R11 package revives it, EFS untouched. */
        flash_package(&g, r11, true);
        boot(&g, SIM_BOOT_NORMAL, &r);
        assert_string_equal(r.version, V_R11);
        assert_string_equal(r.imei, "864541041234566");
        /* Boot disabled, or pointed at the empty boot LU B: EDL; back to A: normal. */
        send_cmd(&g, "setbootablestoragedrive", &none, 1);
        expect_ack(&g);
        boot(&g, SIM_BOOT_EDL, &r);
        g.flash.boot_lun = 2;
        boot(&g, SIM_BOOT_EDL, &r);
        send_cmd(&g, "setbootablestoragedrive", &lu_a, 1);
        expect_ack(&g);
        boot(&g, SIM_BOOT_NORMAL, &r);
        sf_layout_free(r13);
        sf_layout_free(r11);
        rig_down(&g);
}

static void test_package_on_blank_module(void **state)
{
        const struct sf_firehose_attr lu_a = {"value", "1"};
        struct sf_layout *l = load(fx.r11);
        struct sim_boot_report r;
        struct rig g;

        (void)state;
        rig_up(&g);
        flash_package(&g, l, true);
        boot(&g, SIM_BOOT_EDL, &r); /* bBootLunEn never set */
        send_cmd(&g, "setbootablestoragedrive", &lu_a, 1);
        expect_ack(&g);
        boot(&g, SIM_BOOT_NORMAL, &r);
        assert_string_equal(r.version, V_R11);
        /* The package carries no EFS: no IMEI, no calibration. */
        assert_string_equal(r.imei, "");
        assert_false(r.calibrated);
        sf_layout_free(l);
        rig_down(&g);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_persona),
                cmocka_unit_test(test_configure_ufs),
                cmocka_unit_test(test_probe_512_refused),
                cmocka_unit_test(test_lun_addressing),
                cmocka_unit_test(test_program_lun1_read_back),
                cmocka_unit_test(test_getstorageinfo),
                cmocka_unit_test(test_patch_crc32_and_disk_sectors),
                cmocka_unit_test(test_setbootablestoragedrive),
                cmocka_unit_test(test_package_reads),
                cmocka_unit_test(test_package_patches_make_gpts),
                cmocka_unit_test(test_mkpkg_chooses_storage),
                cmocka_unit_test(test_factory_boots),
                cmocka_unit_test(test_other_baseline_xbl_edl),
                cmocka_unit_test(test_package_on_blank_module),
        };

        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
