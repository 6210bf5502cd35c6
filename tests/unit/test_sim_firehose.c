/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The simulator's programmer (Firehose device side), on a small NAND. Host documents and the
 * expected device texts are the reference's examples (protocols.md section 3), typed in. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "firehose_dev.h"

#define FRAME_LOG      "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<data>\n<log value=\""
#define FRAME_RESPONSE "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<data>\n<response value=\""

/* The RM500Q's configure request, from the public QFirehose log (section 3.5). */
static const char CONFIGURE_8192[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<data>\n<configure MemoryName=\"nand\" "
        "Verbose=\"0\" AlwaysValidate=\"0\" MaxDigestTableSizeInBytes=\"2048\" "
        "MaxPayloadSizeToTargetInBytes=\"8192\"  ZlpAwareHost=\"1\" SkipStorageInit=\"0\" />\n"
        "</data>";
/* qdl's form, proposing 1 MiB (section 3.2/3.5). */
static const char CONFIGURE_1M[] =
        "<?xml version=\"1.0\"?>\n<data><configure MemoryName=\"nand\" "
        "MaxPayloadSizeToTargetInBytes=\"1048576\" ZlpAwareHost=\"1\" SkipStorageInit=\"0\"/>"
        "</data>\n";
static const char SECTOR_SIZE_REFUSAL[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<data>\n<log value=\"ERROR: Attribute "
        "'SECTOR_SIZE_IN_BYTES'=512 must be equal to disk sector size 4096\" /></data>";
static const char ACK_RAW_TRUE[] = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<data>\n"
                                   "<response value=\"ACK\" rawmode=\"true\" /></data>";
static const char ACK_RAW_FALSE[] = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<data>\n"
                                    "<response value=\"ACK\" rawmode=\"false\" /></data>";

struct out {
        char *msg[512];
        size_t len[512];
        size_t n, pos;
        bool limited; /* a link queue with budget bytes of room left */
        size_t budget;
};

static int capture(void *ctx, const uint8_t *buf, size_t len)
{
        struct out *o = ctx;

        if (o->limited) {
                if (len > o->budget)
                        return -ENOBUFS;
                o->budget -= len;
        }
        assert_true(o->n < 512);
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

static const struct sim_firehose_config cfg = {.memory_name = "nand",
                                               .max_payload_to_target = 8192,
                                               .max_payload_from_target = 8192,
                                               .target_name = "9x07",
                                               .chip_serial = 0x0cf94c64,
                                               .quiet_boot = true};

struct rig {
        char path[64];
        struct sim_flash flash;
        struct sim_firehose fh;
        struct out o;
};

static void rig_up(struct rig *g, const struct sim_firehose_config *c)
{
        int fd;

        memset(g, 0, sizeof(*g));
        strcpy(g->path, "/tmp/sf-flash-XXXXXX");
        fd = mkstemp(g->path);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(sim_flash_open(&g->flash, g->path, 4096, 64, 4 * 64, true), 0);
        assert_int_equal(sim_firehose_init(&g->fh, &g->flash, c, capture, &g->o), 0);
}

static void rig_down(struct rig *g)
{
        sim_firehose_done(&g->fh);
        sim_flash_close(&g->flash);
        unlink(g->path);
        out_free(&g->o);
}

static void send_doc(struct rig *g, const char *doc)
{
        assert_int_equal(sim_firehose_input(&g->fh, (const uint8_t *)doc, strlen(doc)), 0);
}

static const char *next(struct rig *g)
{
        assert_true(g->o.pos < g->o.n);
        return g->o.msg[g->o.pos++];
}

static void expect_exact(struct rig *g, const char *want)
{
        const char *got = next(g);
        if (strcmp(got, want) != 0)
                print_error("got  %s\nwant %s\n", got, want);
        assert_string_equal(got, want);
}

static void expect_reply(struct rig *g, bool ack, struct sf_firehose_reply *r)
{
        const char *got = next(g);

        assert_memory_equal(got, FRAME_RESPONSE, strlen(FRAME_RESPONSE));
        assert_int_equal(sf_firehose_parse_reply(got, strlen(got), r), 0);
        assert_int_equal(r->kind, SF_FIREHOSE_REPLY_RESPONSE);
        assert_int_equal(r->ack, ack);
}

static void test_configure_dance(void **state)
{
        struct rig g;
        struct sf_firehose_reply *r = malloc(sizeof(*r));

        (void)state;
        rig_up(&g, &cfg);
        send_doc(&g, CONFIGURE_1M);
        expect_reply(&g, false, r);
        assert_string_equal(sf_firehose_attr_get(&r->attrs, "MaxPayloadSizeToTargetInBytes"),
                            "8192");
        assert_string_equal(
                sf_firehose_attr_get(&r->attrs, "MaxPayloadSizeToTargetInBytesSupported"), "8192");
        send_doc(&g, CONFIGURE_8192);
        expect_reply(&g, true, r);
        /* Everything qdl, edl and QFirehose read from the ACK. */
        assert_string_equal(sf_firehose_attr_get(&r->attrs, "MemoryName"), "nand");
        assert_string_equal(sf_firehose_attr_get(&r->attrs, "MaxPayloadSizeToTargetInBytes"),
                            "8192");
        assert_string_equal(
                sf_firehose_attr_get(&r->attrs, "MaxPayloadSizeToTargetInBytesSupported"), "8192");
        assert_string_equal(sf_firehose_attr_get(&r->attrs, "MaxXMLSizeInBytes"), "4096");
        assert_non_null(sf_firehose_attr_get(&r->attrs, "MinVersionSupported"));
        assert_non_null(sf_firehose_attr_get(&r->attrs, "MaxPayloadSizeFromTargetInBytes"));
        /* Repeated configures are answered again (qdl sends them every 100 ms). */
        send_doc(&g, CONFIGURE_8192);
        expect_reply(&g, true, r);
        free(r);
        rig_down(&g);
}

static void test_sector_size_refusal(void **state)
{
        struct rig g;

        (void)state;
        rig_up(&g, &cfg);
        send_doc(&g, "<?xml version=\"1.0\"?>\n<data><read SECTOR_SIZE_IN_BYTES=\"512\" "
                     "num_partition_sectors=\"1\" physical_partition_number=\"0\" "
                     "start_sector=\"1\"/></data>\n");
        expect_exact(&g, SECTOR_SIZE_REFUSAL);
        expect_exact(&g, "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<data>\n<response "
                         "value=\"NAK\" rawmode=\"false\" /></data>");
        rig_down(&g);
}

static void test_program_read_digest(void **state)
{
        static const char program[] =
                "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<data>\n<program "
                "PAGES_PER_BLOCK=\"64\" "
                "SECTOR_SIZE_IN_BYTES=\"4096\" filename=\"..\\sbl1.mbn\" "
                "num_partition_sectors=\"2\" "
                "physical_partition_number=\"0\" start_sector=\"64\" />\n</data>";
        static const char read[] = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<data>\n<read "
                                   "SECTOR_SIZE_IN_BYTES=\"4096\" "
                                   "num_partition_sectors=\"2\" physical_partition_number=\"0\" "
                                   "start_sector=\"64\" />\n</data>";
        static const char digest[] =
                "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<data>\n<getsha256digest "
                "SECTOR_SIZE_IN_BYTES=\"4096\" num_partition_sectors=\"2\" "
                "physical_partition_number=\"0\" start_sector=\"64\" />\n</data>";
        static const char mid_block[] =
                "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<data>\n<program "
                "PAGES_PER_BLOCK=\"64\" SECTOR_SIZE_IN_BYTES=\"4096\" filename=\"x.bin\" "
                "num_partition_sectors=\"1\" physical_partition_number=\"0\" "
                "start_sector=\"129\" />\n</data>";
        uint8_t data[8192], d[32];
        struct rig g;
        const char *log;

        (void)state;
        for (size_t i = 0; i < sizeof(data); i++)
                data[i] = (uint8_t)(i * 31 + 7);
        rig_up(&g, &cfg);
        send_doc(&g, program);
        expect_exact(&g, ACK_RAW_TRUE);
        /* Any split, with zero-length packets between pieces. */
        assert_int_equal(sim_firehose_input(&g.fh, data, 1000), 0);
        assert_int_equal(sim_firehose_input(&g.fh, data, 0), 0);
        assert_int_equal(sim_firehose_input(&g.fh, data + 1000, 5000), 0);
        assert_int_equal(g.o.n, g.o.pos);
        assert_int_equal(sim_firehose_input(&g.fh, data + 6000, 2192), 0);
        expect_exact(&g, ACK_RAW_FALSE);
        send_doc(&g, read);
        expect_exact(&g, ACK_RAW_TRUE);
        assert_int_equal(g.o.len[g.o.pos], 8192);
        assert_memory_equal(next(&g), data, 8192);
        expect_exact(&g, ACK_RAW_FALSE);
        send_doc(&g, digest);
        log = next(&g);
        assert_int_equal(sf_firehose_log_digest(strstr(log, "value=\"") + 7, d), 0);
        {
                uint8_t want[32];
                unsigned l = 32;
                EVP_Digest(data, sizeof(data), want, &l, EVP_sha256(), NULL);
                assert_memory_equal(d, want, 32);
        }
        expect_exact(&g, ACK_RAW_FALSE);
        /* Programmed again over what it holds: the programmer erases the block before its
         * first write (devprg_storage_nand_write()), so the new bytes are what reads back. */
        for (size_t i = 0; i < sizeof(data); i++)
                data[i] = (uint8_t)(i * 13 + 1);
        send_doc(&g, program);
        expect_exact(&g, ACK_RAW_TRUE);
        assert_int_equal(sim_firehose_input(&g.fh, data, sizeof(data)), 0);
        expect_exact(&g, ACK_RAW_FALSE);
        send_doc(&g, read);
        expect_exact(&g, ACK_RAW_TRUE);
        assert_memory_equal(next(&g), data, 8192);
        expect_exact(&g, ACK_RAW_FALSE);
        /* A first write into a block that does not start at its first page is refused. */
        send_doc(&g, mid_block);
        expect_exact(&g, ACK_RAW_TRUE);
        assert_int_equal(sim_firehose_input(&g.fh, data, 4096), 0);
        assert_non_null(strstr(next(&g), "first write on a block should start with first page"));
        assert_non_null(strstr(next(&g), "value=\"NAK\""));
        rig_down(&g);
}

/* A <read> longer than the link's queue waits for room and goes on when resumed: every byte
 * arrives, in order, then the ACK. */
static void test_read_waits_for_room(void **state)
{
        static const char program[] =
                "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<data>\n<program "
                "PAGES_PER_BLOCK=\"64\" SECTOR_SIZE_IN_BYTES=\"4096\" filename=\"a.bin\" "
                "num_partition_sectors=\"2\" physical_partition_number=\"0\" "
                "start_sector=\"64\" />\n</data>";
        static const char read[] = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<data>\n<read "
                                   "SECTOR_SIZE_IN_BYTES=\"4096\" "
                                   "num_partition_sectors=\"16\" physical_partition_number=\"0\" "
                                   "start_sector=\"64\" />\n</data>";
        uint8_t data[8192];
        size_t got = 0;
        struct rig g;

        (void)state;
        for (size_t i = 0; i < sizeof(data); i++)
                data[i] = (uint8_t)(i * 7 + 3);
        rig_up(&g, &cfg);
        send_doc(&g, program);
        expect_exact(&g, ACK_RAW_TRUE);
        assert_int_equal(sim_firehose_input(&g.fh, data, sizeof(data)), 0);
        expect_exact(&g, ACK_RAW_FALSE);
        /* Room for the ACK and three 8 KiB chunks of the 64 KiB asked for. */
        g.o.limited = true;
        g.o.budget = strlen(ACK_RAW_TRUE) + 3 * 8192;
        send_doc(&g, read);
        expect_exact(&g, ACK_RAW_TRUE);
        assert_int_equal(g.o.n - g.o.pos, 3);
        assert_true(sim_firehose_reading(&g.fh));
        /* Nothing more while there is no room. */
        assert_int_equal(sim_firehose_resume(&g.fh), 0);
        assert_int_equal(g.o.n - g.o.pos, 3);
        g.o.budget = 1 << 20;
        assert_int_equal(sim_firehose_resume(&g.fh), 0);
        assert_false(sim_firehose_reading(&g.fh));
        assert_memory_equal(g.o.msg[g.o.pos], data, sizeof(data));
        while (g.o.pos < g.o.n - 1) {
                assert_int_equal(g.o.len[g.o.pos], 8192);
                got += g.o.len[g.o.pos++];
        }
        assert_int_equal(got, 16 * 4096);
        expect_exact(&g, ACK_RAW_FALSE);
        assert_int_equal(sim_firehose_resume(&g.fh), 0); /* no read waits: nothing */
        assert_int_equal(g.o.n, g.o.pos);
        rig_down(&g);
}

static void test_erase_and_limits(void **state)
{
        static const char erase[] =
                "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<data>\n<erase "
                "PAGES_PER_BLOCK=\"64\" "
                "SECTOR_SIZE_IN_BYTES=\"4096\" num_partition_sectors=\"10\" "
                "physical_partition_number=\"0\" start_sector=\"64\" />\n</data>";
        static const char beyond[] =
                "<?xml version=\"1.0\" ?><data>\n<program SECTOR_SIZE_IN_BYTES=\"4096\" "
                "num_partition_sectors=\"18446744073709551615\" physical_partition_number=\"0\" "
                "start_sector=\"NUM_DISK_SECTORS-1.\" />\n</data>";
        uint8_t page[4096], back[4096];
        struct rig g;

        (void)state;
        rig_up(&g, &cfg);
        memset(page, 0x5a, sizeof(page));
        assert_int_equal(sim_flash_program(&g.flash, 70, page, 1), 0);
        send_doc(&g, erase);
        expect_exact(&g, FRAME_LOG "INFO: Erasing start sector 64, num sectors 10\" /></data>");
        expect_exact(&g, ACK_RAW_FALSE);
        assert_int_equal(sim_flash_read(&g.flash, 70 * 4096, back, sizeof(back)), 0);
        for (size_t i = 0; i < sizeof(back); i++)
                assert_int_equal(back[i], 0xff);
        send_doc(&g, beyond);
        assert_non_null(strstr(next(&g), "beyond the end"));
        assert_non_null(strstr(next(&g), "value=\"NAK\""));
        send_doc(&g, "<?xml version=\"1.0\" ?><data><frobnicate/></data>");
        assert_non_null(strstr(next(&g), "ERROR: Unrecognized command 'frobnicate'"));
        assert_non_null(strstr(next(&g), "value=\"NAK\""));
        send_doc(&g, "<?xml version=\"1.0\" ?><data><program <<<</data>");
        assert_non_null(strstr(next(&g), "ERROR: XML not formed correctly"));
        assert_non_null(strstr(next(&g), "value=\"NAK\""));
        rig_down(&g);
}

static void test_banner_and_power(void **state)
{
        struct sim_firehose_config loud = cfg;
        struct sf_firehose_functions fn;
        struct rig g;

        (void)state;
        loud.quiet_boot = false;
        rig_up(&g, &loud);
        assert_int_equal(sim_firehose_start(&g.fh), 0);
        sf_firehose_functions_init(&fn);
        while (g.o.pos < g.o.n) {
                struct sf_firehose_reply r;
                const char *m = next(&g);
                assert_int_equal(sf_firehose_parse_reply(m, strlen(m), &r), 0);
                sf_firehose_log_supported_functions(&fn, r.text);
        }
        assert_int_equal(fn.state, SF_FIREHOSE_FUNCTIONS_COMPLETE);
        /* fwupd refuses a programmer that does not list these. */
        assert_true(sf_firehose_functions_has(&fn, "configure"));
        assert_true(sf_firehose_functions_has(&fn, "program"));
        assert_true(sf_firehose_functions_has(&fn, "erase"));
        assert_true(sf_firehose_functions_has(&fn, "patch"));
        send_doc(&g, "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<data>\n<power "
                     "DelayInSeconds=\"10\" value=\"reset\" />\n</data>");
        expect_exact(&g, ACK_RAW_FALSE);
        assert_int_equal(g.fh.outcome, SIM_FIREHOSE_POWER_RESET);
        rig_down(&g);
}

/* Quirk no-digest: the banner does not list getsha256digest and the command is refused with an
 * error log and a NAK. Quirk slow-start: what arrives while the programmer starts is lost; once
 * up it says why it took so long, and logs again after the configure's response. */
static void test_no_digest_and_slow_start(void **state)
{
        static const char DIGEST[] =
                "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<data>\n<getsha256digest "
                "SECTOR_SIZE_IN_BYTES=\"4096\" num_partition_sectors=\"2\" "
                "physical_partition_number=\"0\" start_sector=\"6\" />\n</data>";
        static const char NAK[] = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<data>\n"
                                  "<response value=\"NAK\" rawmode=\"false\" /></data>";
        struct sim_firehose_config c = cfg;
        struct sf_firehose_functions fn;
        struct sf_firehose_reply r;
        struct rig g;

        (void)state;
        c.quiet_boot = false;
        c.no_digest = true;
        c.chatty = true;
        rig_up(&g, &c);
        g.fh.asleep = true; /* starting: a configure now is lost */
        send_doc(&g, CONFIGURE_8192);
        assert_int_equal(g.o.n, 0);
        g.fh.asleep = false;
        assert_int_equal(sim_firehose_start(&g.fh), 0);
        sf_firehose_functions_init(&fn);
        assert_string_equal(next(&g), FRAME_LOG "INFO: Initializing NAND, waiting for the "
                                                "controller\" /></data>");
        while (g.o.pos < g.o.n) {
                const char *m = next(&g);
                assert_int_equal(sf_firehose_parse_reply(m, strlen(m), &r), 0);
                sf_firehose_log_supported_functions(&fn, r.text);
        }
        assert_int_equal(fn.state, SF_FIREHOSE_FUNCTIONS_COMPLETE);
        assert_true(sf_firehose_functions_has(&fn, "program"));
        assert_false(sf_firehose_functions_has(&fn, "getsha256digest"));
        send_doc(&g, CONFIGURE_8192);
        expect_reply(&g, true, &r);
        assert_memory_equal(next(&g), FRAME_LOG "INFO: ", strlen(FRAME_LOG "INFO: "));
        send_doc(&g, DIGEST);
        assert_string_equal(next(&g), FRAME_LOG "ERROR: Unrecognized command "
                                                "'getsha256digest'\" /></data>");
        expect_exact(&g, NAK);
        rig_down(&g);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_no_digest_and_slow_start),
                cmocka_unit_test(test_configure_dance),
                cmocka_unit_test(test_sector_size_refusal),
                cmocka_unit_test(test_program_read_digest),
                cmocka_unit_test(test_read_waits_for_room),
                cmocka_unit_test(test_erase_and_limits),
                cmocka_unit_test(test_banner_and_power),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
