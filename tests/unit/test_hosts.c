/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host sessions against a device that lies: scripted bytes on a pty stand for the device
 * (the tty transport is the one real serial nodes use). Every lie must end in a clear error. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "proto/sahara.h"
#include "session/firehose_host.h"
#include "session/sahara_host.h"
#include "util/endian.h"

struct rig {
        int master;
        struct sf_transport *t;
        char prog[64];
};

static void rig_up(struct rig *g)
{
        struct termios tio;
        int fd;

        g->master = posix_openpt(O_RDWR | O_NOCTTY);
        assert_true(g->master >= 0);
        assert_int_equal(grantpt(g->master), 0);
        assert_int_equal(unlockpt(g->master), 0);
        assert_int_equal(sf_transport_open_tty(ptsname(g->master), &g->t, NULL), 0);
        tcgetattr(g->master, &tio);
        cfmakeraw(&tio);
        tcsetattr(g->master, TCSANOW, &tio);
        /* a 1000-byte "programmer" */
        strcpy(g->prog, "/tmp/sf-prog-XXXXXX");
        fd = mkstemp(g->prog);
        assert_true(fd >= 0);
        assert_int_equal(ftruncate(fd, 1000), 0);
        close(fd);
}

static void rig_down(struct rig *g)
{
        sf_transport_close(g->t);
        close(g->master);
        unlink(g->prog);
}

static void device_sends(struct rig *g, const struct sf_sahara_packet *p)
{
        uint8_t buf[SF_SAHARA_MAX_PACKET];
        int n = sf_sahara_build(p, buf, sizeof(buf));

        assert_true(n > 0);
        assert_int_equal(write(g->master, buf, (size_t)n), n);
}

static void hello(struct rig *g)
{
        struct sf_sahara_packet p = {.cmd = SF_SAHARA_HELLO};

        p.u.hello.version = 2;
        p.u.hello.version_compatible = 1;
        p.u.hello.max_cmd_len_or_status = 0x400;
        device_sends(g, &p);
}

/* After HELLO, one packet, then the upload must fail with `want` and a message containing
 * `says`. */
static void upload_fails(const struct sf_sahara_packet *p, int want, const char *says)
{
        struct sf_error err = {0};
        struct sf_sahara_host h;
        struct rig g;
        int r;

        rig_up(&g);
        hello(&g);
        device_sends(&g, p);
        sf_sahara_host_init(&h, g.t);
        r = sf_sahara_upload(&h, g.prog, NULL, NULL, &err);
        if (r != want || !strstr(err.message, says))
                print_error("got %d '%s'\n", r, err.message);
        assert_int_equal(r, want);
        assert_non_null(strstr(err.message, says));
        rig_down(&g);
}

static void set_read(struct sf_sahara_packet *p, uint64_t id, uint64_t off, uint64_t len)
{
        p->u.read.image_id = id;
        p->u.read.offset = off;
        p->u.read.length = len;
}

static void test_sahara_lies(void **state)
{
        struct sf_sahara_packet p = {.cmd = SF_SAHARA_READ_DATA};

        (void)state;
        /* A range outside the 1000-byte image, and one that wraps around. */
        set_read(&p, 13, 999, 2);
        upload_fails(&p, -EPROTO, "bytes 999+2 of a 1000-byte programmer");
        p.cmd = SF_SAHARA_READ_DATA_64;
        set_read(&p, 13, UINT64_MAX - 1, 4);
        upload_fails(&p, -EPROTO, "of a 1000-byte programmer");
        /* Another image than the programmer: a multi-image target. */
        set_read(&p, 21, 0, 16);
        upload_fails(&p, -ENOENT, "asks for image 21, which this package does not have");
        /* The boot ROM refuses the programmer: the status is named. */
        p = (struct sf_sahara_packet){.cmd = SF_SAHARA_END_OF_IMAGE};
        p.u.end_of_image.image_id = 13;
        p.u.end_of_image.status = 0x21;
        upload_fails(&p, -EACCES, "HASH_TABLE_AUTH_FAILURE");
        /* A packet that makes no sense now. */
        p = (struct sf_sahara_packet){.cmd = SF_SAHARA_CMD_READY};
        upload_fails(&p, -EPROTO, "unexpected Sahara CMD_READY");
}

static void test_sahara_bad_lengths(void **state)
{
        /* A header whose length field lies: 8 bytes claiming 0x10000. */
        static const uint8_t lying[] = {0x03, 0, 0, 0, 0x00, 0x00, 0x01, 0x00};
        struct sf_error err = {0};
        struct sf_sahara_host h;
        struct rig g;

        (void)state;
        rig_up(&g);
        hello(&g);
        assert_int_equal(write(g.master, lying, sizeof(lying)), (ssize_t)sizeof(lying));
        sf_sahara_host_init(&h, g.t);
        assert_int_equal(sf_sahara_upload(&h, g.prog, NULL, NULL, &err), -EPROTO);
        assert_non_null(strstr(err.message, "malformed Sahara packet"));
        rig_down(&g);
}

static void test_identify_lying_execute(void **state)
{
        struct sf_sahara_packet p = {.cmd = SF_SAHARA_CMD_READY},
                                e = {.cmd = SF_SAHARA_EXECUTE_RESP};
        struct sf_chip_identity id;
        struct sf_error err = {0};
        struct sf_sahara_host h;
        struct rig g;
        int r;

        (void)state;
        rig_up(&g);
        hello(&g);
        device_sends(&g, &p);
        /* The serial is 4 bytes; this device says its answer is 100000 bytes long. */
        e.u.execute.client_command = 1;
        e.u.execute.data_length = 100000;
        device_sends(&g, &e);
        sf_sahara_host_init(&h, g.t);
        r = sf_sahara_identify(&h, &id, &err);
        /* The lie is not believed, and nothing more is asked of such a device. */
        assert_int_equal(r, -EPROTO);
        assert_non_null(strstr(err.message, "broke the command-mode protocol"));
        rig_down(&g);
}

/* Restarting the chip from its boot ROM, nothing uploaded: the HELLO answered in image-transfer
 * mode, its image request answered with RESET (protocols.md 2.14: 07 00 00 00 08 00 00 00). */
static void test_restart_chip(void **state)
{
        static const uint8_t reset[] = {0x07, 0, 0, 0, 0x08, 0, 0, 0};
        struct sf_sahara_packet p = {.cmd = SF_SAHARA_READ_DATA};
        struct sf_error err = {0};
        struct sf_sahara_host h;
        uint8_t sent[64];
        size_t got = 0;
        struct rig g;

        (void)state;
        rig_up(&g);
        hello(&g);
        set_read(&p, 13, 0, 52);
        device_sends(&g, &p);
        device_sends(&g, &(struct sf_sahara_packet){.cmd = SF_SAHARA_RESET_RESP});
        sf_sahara_host_init(&h, g.t);
        assert_int_equal(sf_sahara_restart_chip(&h, &err), 0);
        while (got < 56) {
                ssize_t n = read(g.master, sent + got, sizeof(sent) - got);
                assert_true(n > 0);
                got += (size_t)n;
        }
        assert_int_equal(got, 56);
        /* HELLO_RESP (0x02, 48 bytes), mode 0 (image transfer) at offset 20, then RESET. */
        assert_int_equal(sent[0], 0x02);
        assert_int_equal(sf_le32(sent + 4), 48);
        assert_int_equal(sf_le32(sent + 20), 0);
        assert_memory_equal(sent + 48, reset, sizeof(reset));
        rig_down(&g);

        /* A boot ROM that answers the HELLO_RESP with anything but an image request. */
        rig_up(&g);
        hello(&g);
        device_sends(&g, &(struct sf_sahara_packet){.cmd = SF_SAHARA_CMD_READY});
        sf_sahara_host_init(&h, g.t);
        assert_int_equal(sf_sahara_restart_chip(&h, &err), -EPROTO);
        assert_non_null(strstr(err.message, "instead of an image request"));
        rig_down(&g);
}

static void test_firehose_garbage(void **state)
{
        static const char huge_start[] = "<?xml version=\"1.0\" ?><data><log value=\"";
        struct sf_firehose_host *fh = malloc(sizeof(*fh));
        struct sf_error err = {0};
        char junk[9000];
        struct rig g;
        int r;

        (void)state;
        rig_up(&g);
        sf_fh_init(fh, g.t);
        /* A document that never ends within the XML size limit. */
        memcpy(junk, huge_start, sizeof(huge_start) - 1);
        memset(junk + sizeof(huge_start) - 1, 'A', sizeof(junk) - sizeof(huge_start) + 1);
        assert_true(write(g.master, junk, sizeof(junk)) > 0);
        r = sf_fh_nop(fh, &err);
        assert_true(r < 0);
        assert_non_null(strstr(err.message, "<nop>"));
        rig_down(&g);
        free(fh);
}

static const char ack_doc[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<data>\n<response value=\"ACK\" /></data>";

/* The device side, in a child: reads what the host sends for up to ms, and calls back on
 * each piece with the total so far. */
static void device_reads(int fd, int ms, bool (*on)(int fd, const char *buf, size_t n,
                                                     size_t total))
{
        static char buf[65536];
        size_t total = 0;

        for (int waited = 0; waited < ms;) {
                struct pollfd p = {.fd = fd, .events = POLLIN};
                ssize_t n;
                if (poll(&p, 1, 10) <= 0) {
                        waited += 10;
                        continue;
                }
                n = read(fd, buf, sizeof(buf) - 1);
                if (n <= 0)
                        break;
                buf[n] = '\0';
                total += (size_t)n;
                if (on && !on(fd, buf, (size_t)n, total))
                        on = NULL; /* answered: it only reads on */
        }
}

static bool answer_nop(int fd, const char *buf, size_t n, size_t total)
{
        (void)total;
        if (!memmem(buf, n, "<nop", 4))
                return true;
        return write(fd, ack_doc, sizeof(ack_doc) - 1) < 0;
}

/* A programmer left running by a host that died during a <read>: the rest of that read's data
 * (raw bytes, no XML) is still in its queue. Resuming drops all of it, then asks with <nop/>. */
static void test_firehose_resume_after_raw(void **state)
{
        struct sf_firehose_host *fh = malloc(sizeof(*fh));
        struct sf_error err = {0};
        struct rig g;
        pid_t child;
        int st;

        (void)state;
        rig_up(&g);
        child = fork();
        assert_true(child >= 0);
        if (child == 0) {
                static uint8_t raw[200000];
                alarm(20); /* a host that fails must not leave its device behind */
                memset(raw, 0xa5, sizeof(raw));
                for (size_t off = 0; off < sizeof(raw);) { /* the pty takes it in pieces */
                        ssize_t n = write(g.master, raw + off, sizeof(raw) - off);
                        if (n <= 0)
                                _exit(1);
                        off += (size_t)n;
                }
                device_reads(g.master, 8000, answer_nop);
                _exit(0);
        }
        sf_fh_init(fh, g.t);
        assert_int_equal(sf_fh_resume(fh, &err), 0);
        kill(child, SIGTERM);
        waitpid(child, &st, 0);
        rig_down(&g);
        free(fh);
}

static bool answer_after_300k(int fd, const char *buf, size_t n, size_t total)
{
        (void)buf;
        (void)n;
        if (total < 300000)
                return true;
        return write(fd, ack_doc, sizeof(ack_doc) - 1) < 0;
}

/* A programmer left inside a <program> by a host that died: it answers once it has the 300000
 * bytes it still waits for. Zeros are sent until it does; a device that never answers ends in
 * -ETIMEDOUT within the bound, with words. */
static void test_firehose_unstick(void **state)
{
        struct sf_firehose_host *fh = malloc(sizeof(*fh));
        struct sf_error err = {0};
        uint64_t sent = 0;
        struct rig g;
        pid_t child;
        int st;

        (void)state;
        for (int silent = 0; silent < 2; silent++) {
                rig_up(&g);
                child = fork();
                assert_true(child >= 0);
                if (child == 0) {
                        alarm(20);
                        device_reads(g.master, 6000, silent ? NULL : answer_after_300k);
                        _exit(0);
                }
                sf_fh_init(fh, g.t);
                if (!silent) {
                        assert_int_equal(sf_fh_unstick_raw(fh, 5000, &sent, &err), 0);
                        assert_true(sent >= 300000);
                } else {
                        assert_int_equal(sf_fh_unstick_raw(fh, 1000, &sent, &err), -ETIMEDOUT);
                        assert_non_null(strstr(err.message, "without a word"));
                }
                kill(child, SIGTERM);
                waitpid(child, &st, 0);
                rig_down(&g);
        }
        free(fh);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sahara_lies),
                cmocka_unit_test(test_sahara_bad_lengths),
                cmocka_unit_test(test_identify_lying_execute),
                cmocka_unit_test(test_restart_chip),
                cmocka_unit_test(test_firehose_garbage),
                cmocka_unit_test(test_firehose_resume_after_raw),
                cmocka_unit_test(test_firehose_unstick),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
