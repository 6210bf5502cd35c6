/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host sessions against real modules' habits (docs/sim-transport.md, "Real habits"). The
 * device is a pty: Sahara packets are typed in from the layouts of protocols.md section 2
 * (never built by the codec under test), Firehose documents from section 3; where the device
 * must react to what the host sends, a child process plays it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "session/firehose_host.h"
#include "session/sahara_host.h"

struct rig {
        int master;
        struct sf_transport *t;
        uint8_t prog[1000];
};

static void rig_up(struct rig *g)
{
        struct termios tio;

        g->master = posix_openpt(O_RDWR | O_NOCTTY);
        assert_true(g->master >= 0);
        assert_int_equal(grantpt(g->master), 0);
        assert_int_equal(unlockpt(g->master), 0);
        assert_int_equal(sf_transport_open_tty(ptsname(g->master), &g->t, NULL), 0);
        tcgetattr(g->master, &tio);
        cfmakeraw(&tio);
        tcsetattr(g->master, TCSANOW, &tio);
        for (size_t i = 0; i < sizeof(g->prog); i++)
                g->prog[i] = (uint8_t)i;
}

static void rig_down(struct rig *g)
{
        sf_transport_close(g->t);
        close(g->master);
}

/* A Sahara packet as the reference lays it out: little-endian u32 words, the first the command,
 * the second the whole length (the words given, zero-padded to len). */
static void words(struct rig *g, size_t len, int n, ...)
{
        uint8_t b[64] = {0};
        va_list ap;

        va_start(ap, n);
        for (int i = 0; i < n; i++) {
                uint32_t w = va_arg(ap, uint32_t);
                for (int k = 0; k < 4; k++)
                        b[4 * i + k] = (uint8_t)(w >> (8 * k));
        }
        va_end(ap);
        assert_int_equal(write(g->master, b, len), (ssize_t)len);
}

#define HELLO(g, v)          words(g, 48, 5, 0x01u, 0x30u, (uint32_t)(v), 1u, 0x400u)
#define READ_DATA(g, id, n)  words(g, 20, 5, 0x03u, 0x14u, (uint32_t)(id), 0u, (uint32_t)(n))
#define END_OF_IMAGE(g, st)  words(g, 16, 4, 0x04u, 0x10u, 13u, (uint32_t)(st))
#define DONE_RESP(g, st)     words(g, 12, 3, 0x06u, 0x0cu, (uint32_t)(st))
#define CMD_READY(g)         words(g, 8, 2, 0x0bu, 0x08u)
#define EXEC_RESP(g, c, len) words(g, 16, 4, 0x0eu, 0x10u, (uint32_t)(c), (uint32_t)(len))

/* The beginning of a real programmer's banner (protocols.md 3.1, 3.4). */
static const char BANNER_LOG[] = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<data>\n<log "
                                 "value=\"INFO: Binary build date: Apr 15 2019 @ 00:24:50\" "
                                 "/></data>";

static int upload(struct rig *g, struct sf_error *err)
{
        const struct sf_sahara_image img = {.id = 13, .data = g->prog, .size = sizeof(g->prog)};
        struct sf_sahara_host h;

        sf_sahara_host_init(&h, g->t);
        return sf_sahara_upload_images(&h, &img, 1, NULL, NULL, err);
}

/* DONE_RESP 0 (pending) after the programmer: success when the programmer speaks next. */
static void test_pending_then_programmer(void **state)
{
        struct sf_error err = {0};
        uint8_t head[8];
        struct rig g;

        (void)state;
        rig_up(&g);
        HELLO(&g, 2);
        READ_DATA(&g, 13, 1000);
        END_OF_IMAGE(&g, 0);
        DONE_RESP(&g, 0);
        assert_int_equal(write(g.master, BANNER_LOG, strlen(BANNER_LOG)),
                         (ssize_t)strlen(BANNER_LOG));
        assert_int_equal(upload(&g, &err), 0);
        /* The programmer's first words are kept for the Firehose session. */
        assert_int_equal(sf_transport_read_full(g.t, head, sizeof(head), 1000), 0);
        assert_memory_equal(head, "<?xml ve", 8);
        rig_down(&g);
}

/* Pending, then silence (a programmer still starting): success after the wait. */
static void test_pending_then_silence(void **state)
{
        struct sf_error err = {0};
        struct rig g;

        (void)state;
        rig_up(&g);
        HELLO(&g, 2);
        READ_DATA(&g, 13, 1000);
        END_OF_IMAGE(&g, 0);
        DONE_RESP(&g, 0);
        assert_int_equal(upload(&g, &err), 0);
        rig_down(&g);
}

/* Pending, then a new HELLO: the images asked for are served; one the package lacks is named. */
static void test_pending_then_hello(void **state)
{
        struct sf_error err = {0};
        struct rig g;

        (void)state;
        rig_up(&g);
        HELLO(&g, 2);
        READ_DATA(&g, 13, 1000);
        END_OF_IMAGE(&g, 0);
        DONE_RESP(&g, 0);
        HELLO(&g, 2);
        READ_DATA(&g, 13, 1000);
        END_OF_IMAGE(&g, 0);
        DONE_RESP(&g, 1);
        assert_int_equal(upload(&g, &err), 0);
        rig_down(&g);

        rig_up(&g);
        HELLO(&g, 2);
        READ_DATA(&g, 13, 1000);
        END_OF_IMAGE(&g, 0);
        DONE_RESP(&g, 0);
        HELLO(&g, 2);
        READ_DATA(&g, 21, 16);
        assert_int_equal(upload(&g, &err), -ENOENT);
        assert_non_null(strstr(err.message,
                               "the module asks for image 21, which this package does not have"));
        rig_down(&g);
}

/* All the host wrote to the device so far. */
static size_t host_wrote(struct rig *g, uint8_t *buf, size_t size)
{
        size_t n = 0;
        struct pollfd p = {.fd = g->master, .events = POLLIN};

        while (n < size && poll(&p, 1, 100) == 1) {
                ssize_t k = read(g->master, buf + n, size - n);
                if (k <= 0)
                        break;
                n += (size_t)k;
        }
        return n;
}

/* Command mode refused with END_OF_IMAGE_TX (protocols.md 2.10): no error; the HELLO it sent is
 * then answered with mode 0 and the programmer goes up. */
static void test_command_mode_refused(void **state)
{
        struct sf_chip_identity id;
        struct sf_error err = {0};
        struct sf_sahara_host h;
        uint8_t out[2048];
        struct rig g;
        size_t n;

        (void)state;
        rig_up(&g);
        HELLO(&g, 2);
        END_OF_IMAGE(&g, 0x18);
        sf_sahara_host_init(&h, g.t);
        assert_int_equal(sf_sahara_identify(&h, &id, &err), 0);
        assert_true(id.command_mode_refused);
        assert_int_equal(id.refusal_status, 0x18);
        assert_false(id.has_serial || id.has_hwid);
        READ_DATA(&g, 13, 1000);
        END_OF_IMAGE(&g, 0);
        DONE_RESP(&g, 1);
        assert_int_equal(sf_sahara_upload_buffer(&h, g.prog, sizeof(g.prog), NULL, NULL, &err), 0);
        n = host_wrote(&g, out, sizeof(out));
        /* HELLO_RESP mode 3, HELLO_RESP mode 0, the 1000 bytes, DONE. */
        assert_int_equal(n, 48 + 48 + 1000 + 8);
        assert_int_equal(out[0], 0x02);
        assert_int_equal(out[20], 3);
        assert_int_equal(out[48], 0x02);
        assert_int_equal(out[48 + 20], 0);
        rig_down(&g);
}

/* Sahara v3: no MSM_HW_ID_READ; READ_CHIP_ID_V3 (0x0A) with MSM_ID at +36, OEM_ID at +40 (0 here),
 * MODEL_ID at +42 and the alternative OEM_ID at +44 (protocols.md 2.10). */
static void test_sahara_v3_chip_id(void **state)
{
        uint8_t v3[46] = {0x64, 0x4c, 0xf9, 0x0c};
        static const uint8_t serial[4] = {0x64, 0x4c, 0xf9, 0x0c};
        struct sf_chip_identity id;
        struct sf_error err = {0};
        struct sf_sahara_host h;
        struct rig g;

        (void)state;
        v3[36] = 0xe1, v3[37] = 0x80, v3[38] = 0x04, v3[39] = 0x00; /* 0x000480E1 */
        v3[44] = 0x28, v3[45] = 0x02;                               /* OEM 0x0228 */
        rig_up(&g);
        HELLO(&g, 3);
        CMD_READY(&g);
        EXEC_RESP(&g, 0x01, 4);
        assert_int_equal(write(g.master, serial, 4), 4);
        EXEC_RESP(&g, 0x0a, 46);
        assert_int_equal(write(g.master, v3, 46), 46);
        END_OF_IMAGE(&g, 0x1f); /* no PK hash */
        END_OF_IMAGE(&g, 0x1f); /* no SBL version */
        HELLO(&g, 3);           /* after SWITCH_MODE */
        sf_sahara_host_init(&h, g.t);
        assert_int_equal(sf_sahara_identify(&h, &id, &err), 0);
        assert_int_equal(id.sahara_version, 3);
        assert_true(id.has_serial && id.has_hwid);
        assert_int_equal(id.serial, 0x0cf94c64);
        assert_int_equal(id.msm_id, 0x000480E1);
        assert_int_equal(id.oem_id, 0x0228);
        assert_int_equal(id.pk_hash_len, 0);
        rig_down(&g);
}

/* A programmer played by a child process: it reads the host's documents and answers each with
 * what answer() says. Returns the child's pid. */
typedef const char *(*answer_fn)(const char *doc, unsigned *count);

static const char ACK[] = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<data>\n<response "
                          "value=\"ACK\" rawmode=\"false\" /></data>";
/* The RM500Q's configure ACK, from the public QFirehose log (protocols.md 3.5). */
static const char CONFIGURE_ACK[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<data>\n<response value=\"ACK\" "
        "MemoryName=\"nand\" MinVersionSupported=\"1\" Version=\"1\" "
        "MaxPayloadSizeToTargetInBytes=\"8192\" MaxPayloadSizeToTargetInBytesSupported=\"8192\" "
        "MaxXMLSizeInBytes=\"4096\" DateTime=\"Apr 19 2020 - 17:49:11\" /></data>";

static void child_loop(int fd, int sleep_ms, answer_fn answer)
{
        char buf[8192];
        size_t len = 0;
        unsigned count = 0;
        struct timespec ts = {.tv_sec = sleep_ms / 1000, .tv_nsec = (sleep_ms % 1000) * 1000000L};

        if (sleep_ms) {
                nanosleep(&ts, NULL);
                /* What came while it was starting is lost. */
                fcntl(fd, F_SETFL, O_NONBLOCK);
                while (read(fd, buf, sizeof(buf)) > 0)
                        ;
                fcntl(fd, F_SETFL, 0);
        }
        for (;;) {
                struct pollfd p = {.fd = fd, .events = POLLIN};
                ssize_t k;
                char *end;
                /* Done when the host has said nothing for a while. */
                if (poll(&p, 1, 3000) != 1)
                        _exit((int)count);
                k = read(fd, buf + len, sizeof(buf) - 1 - len);
                if (k <= 0)
                        _exit((int)count);
                len += (size_t)k;
                buf[len] = '\0';
                while ((end = strstr(buf, "</data>"))) {
                        const char *a;
                        end += 7;
                        *(end - 1) = '\0';
                        a = answer(buf, &count);
                        if (a && write(fd, a, strlen(a)) < 0)
                                _exit(100);
                        len -= (size_t)(end - buf);
                        memmove(buf, end, len + 1);
                }
        }
}

static pid_t programmer(struct rig *g, int sleep_ms, answer_fn answer)
{
        pid_t pid = fork();

        assert_true(pid >= 0);
        if (pid == 0)
                child_loop(g->master, sleep_ms, answer);
        return pid;
}

static int programmer_count(pid_t pid)
{
        int st = 0;

        waitpid(pid, &st, 0);
        return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *ack_nop(const char *doc, unsigned *count)
{
        if (!strstr(doc, "<nop"))
                return NULL;
        (*count)++;
        return ACK;
}

/* A programmer that says nothing for longer than the banner wait, and loses what comes before
 * it is up: asked again with growing waits until it answers. */
static void test_slow_programmer(void **state)
{
        struct sf_firehose_host *fh = calloc(1, sizeof(*fh));
        struct sf_error err = {0};
        struct rig g;
        pid_t pid;

        (void)state;
        rig_up(&g);
        pid = programmer(&g, 2600, ack_nop);
        sf_fh_init(fh, g.t);
        assert_int_equal(sf_fh_start(fh, &err), 0);
        assert_true(fh->start_attempts >= 2);
        programmer_count(pid);
        rig_down(&g);
        free(fh);
}

/* A programmer that never answers: a clear error within the bound. */
static void test_silent_programmer(void **state)
{
        struct sf_firehose_host *fh = calloc(1, sizeof(*fh));
        struct sf_error err = {0};
        struct rig g;

        (void)state;
        rig_up(&g);
        sf_fh_init(fh, g.t);
        fh->start_timeout_ms = 3000;
        assert_int_equal(sf_fh_start(fh, &err), -ETIMEDOUT);
        assert_non_null(strstr(err.message, "never answered"));
        rig_down(&g);
        free(fh);
}

static const char *lose_first_configure(const char *doc, unsigned *count)
{
        if (!strstr(doc, "<configure"))
                return NULL;
        return (*count)++ == 0 ? NULL : CONFIGURE_ACK;
}

/* A configure lost by a programmer still busy: sent again. */
static void test_configure_lost(void **state)
{
        struct sf_firehose_host *fh = calloc(1, sizeof(*fh));
        struct sf_error err = {0};
        struct rig g;
        pid_t pid;

        (void)state;
        rig_up(&g);
        pid = programmer(&g, 0, lose_first_configure);
        sf_fh_init(fh, g.t);
        assert_int_equal(sf_fh_configure(fh, "nand", 8192, &err), 0);
        assert_true(fh->configured);
        assert_int_equal(fh->max_payload, 8192);
        assert_int_equal(programmer_count(pid), 2);
        rig_down(&g);
        free(fh);
}

static const char *refuse_digest(const char *doc, unsigned *count)
{
        if (!strstr(doc, "<getsha256digest"))
                return NULL;
        (*count)++;
        return "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<data>\n<log value=\"ERROR: "
               "Unrecognized command 'getsha256digest'\" /></data>"
               "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<data>\n<response value=\"NAK\" "
               "rawmode=\"false\" /></data>";
}

/* A programmer without getsha256digest (and no function list): its refusal is learned once,
 * never asked again in the session. */
static void test_digest_refused_once(void **state)
{
        struct sf_firehose_host *fh = calloc(1, sizeof(*fh));
        struct sf_fh_range r = {.sector_size = 4096, .start_sector = "6", .num_sectors = 2};
        struct sf_error err = {0};
        uint8_t md[32];
        struct rig g;
        pid_t pid;

        (void)state;
        rig_up(&g);
        pid = programmer(&g, 0, refuse_digest);
        sf_fh_init(fh, g.t);
        assert_int_equal(sf_fh_digest(fh, &r, md, &err), -EOPNOTSUPP);
        assert_int_equal(sf_fh_digest(fh, &r, md, &err), -EOPNOTSUPP);
        assert_true(fh->no_digest);
        assert_int_equal(programmer_count(pid), 1);
        rig_down(&g);
        free(fh);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_pending_then_programmer),
                cmocka_unit_test(test_pending_then_silence),
                cmocka_unit_test(test_pending_then_hello),
                cmocka_unit_test(test_command_mode_refused),
                cmocka_unit_test(test_sahara_v3_chip_id),
                cmocka_unit_test(test_slow_programmer),
                cmocka_unit_test(test_silent_programmer),
                cmocka_unit_test(test_configure_lost),
                cmocka_unit_test(test_digest_refused_once),
        };
        signal(SIGPIPE, SIG_IGN);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
