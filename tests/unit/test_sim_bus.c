/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Several simulated modules on one bus: their identities by port, the bus-wide address
 * allocation shared by separate processes, and one simulator per port. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "module.h"
#include "persona.h"
#include "usb.h"

static void test_imei_valid(void **state)
{
        (void)state;
        assert_true(sim_imei_valid("866758043398334"));
        assert_true(sim_imei_valid("356938035643809"));
        assert_false(sim_imei_valid("866758043398335")); /* wrong check digit */
        assert_false(sim_imei_valid("86675804339833"));  /* 14 digits */
        assert_false(sim_imei_valid("8667580433983340"));
        assert_false(sim_imei_valid("86675804339833a"));
        assert_false(sim_imei_valid(""));
        assert_false(sim_imei_valid(NULL));
}

/* Port 1 is the persona's own module; every other port another one, all valid and distinct. */
static void test_identity_by_port(void **state)
{
        const struct sim_persona *const *all = sim_persona_all();
        char imeis[SIM_MAX_PORT + 1][16];
        uint32_t serials[SIM_MAX_PORT + 1];

        (void)state;
        for (const struct sim_persona *const *p = all; *p; p++) {
                for (unsigned port = 1; port <= SIM_MAX_PORT; port++) {
                        sim_imei_for_port(*p, port, imeis[port]);
                        serials[port] = sim_chip_serial_for_port(*p, port);
                        assert_true(sim_imei_valid(imeis[port]));
                        assert_memory_equal(imeis[port], (*p)->imei, 8); /* the same TAC */
                        for (unsigned k = 1; k < port; k++) {
                                assert_string_not_equal(imeis[k], imeis[port]);
                                assert_int_not_equal(serials[k], serials[port]);
                        }
                }
                assert_string_equal(imeis[1], (*p)->imei);
                assert_int_equal(serials[1], (*p)->chip.serial);
        }
        /* The EC25-E's: serial number field 339833 + 1, check digit 2 (worked by hand). */
        sim_imei_for_port(sim_persona_find("ec25e"), 2, imeis[0]);
        assert_string_equal(imeis[0], "866758043398342");
        assert_int_equal(sim_chip_serial_for_port(sim_persona_find("ec25e"), 4), 0x0cfc4c67);
}

static void test_persona_with_identity(void **state)
{
        const struct sim_persona *p = sim_persona_find("ec25e");
        struct sim_persona c;

        (void)state;
        sim_persona_with_identity(p, 0x12345678, "356938035643809", &c);
        assert_int_equal(c.chip.serial, 0x12345678);
        assert_int_equal(c.firehose.chip_serial, 0x12345678);
        assert_string_equal(c.imei, "356938035643809");
        assert_int_equal(c.chip.msm_id, p->chip.msm_id);
        assert_string_equal(c.factory_version, p->factory_version);
        assert_int_equal(p->chip.serial, 0x0cf94c64); /* the persona itself is unchanged */
}

static char bus[PATH_MAX];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st;
        (void)flag;
        (void)ftw;
        return remove(path);
}

static int bus_setup(void **state)
{
        char path[PATH_MAX + 64];
        const char *tmp = getenv("TMPDIR");

        (void)state;
        snprintf(bus, sizeof(bus), "%s/sf-bus-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(bus))
                return -1;
        snprintf(path, sizeof(path), "%s/usb", bus);
        mkdir(path, 0755);
        snprintf(path, sizeof(path), "%s/sys", bus);
        mkdir(path, 0755);
        snprintf(path, sizeof(path), "%s/sys/bus", bus);
        mkdir(path, 0755);
        snprintf(path, sizeof(path), "%s/sys/bus/usb", bus);
        mkdir(path, 0755);
        snprintf(path, sizeof(path), "%s/sys/bus/usb/devices", bus);
        return mkdir(path, 0755);
}

static int bus_teardown(void **state)
{
        (void)state;
        return nftw(bus, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A device directory on the bus holding an address. */
static void plug(const char *name, unsigned devnum)
{
        char path[PATH_MAX + 64];
        FILE *f;

        snprintf(path, sizeof(path), "%s/sys/bus/usb/devices/%s", bus, name);
        assert_int_equal(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/sys/bus/usb/devices/%s/devnum", bus, name);
        f = fopen(path, "w");
        assert_non_null(f);
        fprintf(f, "%u\n", devnum);
        fclose(f);
}

static unsigned alloc(void)
{
        unsigned v = 0;

        assert_int_equal(sim_bus_alloc_devnum(bus, &v), 0);
        return v;
}

/* Round robin from 2, skipping addresses in use, wrapping after 127, and -ENOSPC when full. */
static void test_devnum_round_robin(void **state)
{
        char name[16];
        unsigned v;

        (void)state;
        assert_int_equal(alloc(), 2);
        assert_int_equal(alloc(), 3);
        plug("1-2", 4);
        plug("1-3", 5);
        assert_int_equal(alloc(), 6);
        for (unsigned i = 7; i <= SIM_DEVNUM_LAST; i++)
                assert_int_equal(alloc(), i);
        assert_int_equal(alloc(), 2); /* wrapped; 4 and 5 still taken */
        for (unsigned i = 6; i <= SIM_DEVNUM_LAST; i++) {
                snprintf(name, sizeof(name), "1-%u", i);
                plug(name, i);
        }
        assert_int_equal(alloc(), 3);
        plug("2-1", 2);
        plug("2-2", 3);
        assert_int_equal(sim_bus_alloc_devnum(bus, &v), -ENOSPC);
}

/* Separate processes allocating at once never get the same address. */
static void test_devnum_across_processes(void **state)
{
        enum { CHILDREN = 4, EACH = 25 };
        int fds[2];
        uint8_t seen[SIM_DEVNUM_LAST + 1] = {0};
        unsigned got = 0;

        (void)state;
        assert_int_equal(pipe(fds), 0);
        for (int c = 0; c < CHILDREN; c++) {
                if (fork() != 0)
                        continue;
                close(fds[0]);
                for (int i = 0; i < EACH; i++) {
                        unsigned v = 0;
                        uint8_t b = sim_bus_alloc_devnum(bus, &v) == 0 ? (uint8_t)v : 0;
                        if (write(fds[1], &b, 1) != 1)
                                _exit(1);
                }
                _exit(0);
        }
        close(fds[1]);
        for (uint8_t b; read(fds[0], &b, 1) == 1; got++) {
                assert_in_range(b, SIM_DEVNUM_FIRST, SIM_DEVNUM_LAST);
                assert_int_equal(seen[b], 0);
                seen[b] = 1;
        }
        close(fds[0]);
        while (wait(NULL) > 0)
                ;
        assert_int_equal(got, CHILDREN * EACH);
}

/* Whoever holds the lock on BUSDIR/usb/.devnum holds up every allocation on the bus. */
static void test_devnum_waits_for_lock(void **state)
{
        char path[PATH_MAX + 32];
        int fd, status = 0;
        pid_t child;

        (void)state;
        snprintf(path, sizeof(path), "%s/usb/.devnum", bus);
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(flock(fd, LOCK_EX), 0);
        child = fork();
        assert_true(child >= 0);
        if (child == 0) {
                unsigned v = 0;
                close(fd); /* its copy would keep the parent's lock alive */
                _exit(sim_bus_alloc_devnum(bus, &v) == 0 && v == 2 ? 0 : 1);
        }
        usleep(300 * 1000);
        assert_int_equal(waitpid(child, &status, WNOHANG), 0); /* still waiting */
        close(fd);                                             /* the lock goes */
        assert_int_equal(waitpid(child, &status, 0), child);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        assert_int_equal(alloc(), 3); /* it recorded what it handed out */
}

/* One simulator per port; ports 1..SIM_MAX_PORT; the flash in the module's own folder. */
static void test_port_taken(void **state)
{
        const struct sim_persona *p = sim_persona_find("ec25e");
        struct sim_module *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
        char dir_a[PATH_MAX + 8], dir_b[PATH_MAX + 8], path[PATH_MAX + 32];
        struct stat st;

        (void)state;
        assert_non_null(a);
        assert_non_null(b);
        snprintf(dir_a, sizeof(dir_a), "%s/a", bus);
        snprintf(dir_b, sizeof(dir_b), "%s/b", bus);
        assert_int_equal(sim_module_init(a, p, dir_a, bus, 3, 64 * 64), 0);
        assert_string_equal(a->tty_names[0], "ttyUSB8");
        assert_string_equal(a->tty_names[3], "ttyUSB11");
        snprintf(path, sizeof(path), "%s/flash.img", dir_a);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(sim_module_init(b, p, dir_b, bus, 3, 64 * 64), -EADDRINUSE);
        sim_module_done(b);
        assert_int_equal(sim_module_init(b, p, dir_b, bus, 4, 64 * 64), 0);
        sim_module_done(b);
        sim_module_done(a);
        assert_int_equal(sim_module_init(b, p, dir_b, bus, 3, 64 * 64), 0); /* free again */
        sim_module_done(b);
        assert_int_equal(sim_module_init(b, p, dir_b, bus, 0, 64 * 64), -EINVAL);
        sim_module_done(b);
        assert_int_equal(sim_module_init(b, p, dir_b, bus, SIM_MAX_PORT + 1, 64 * 64), -EINVAL);
        sim_module_done(b);
        free(a);
        free(b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_imei_valid),
                cmocka_unit_test(test_identity_by_port),
                cmocka_unit_test(test_persona_with_identity),
                cmocka_unit_test_setup_teardown(test_devnum_round_robin, bus_setup, bus_teardown),
                cmocka_unit_test_setup_teardown(test_devnum_across_processes, bus_setup,
                                                bus_teardown),
                cmocka_unit_test_setup_teardown(test_devnum_waits_for_lock, bus_setup,
                                                bus_teardown),
                cmocka_unit_test_setup_teardown(test_port_taken, bus_setup, bus_teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
