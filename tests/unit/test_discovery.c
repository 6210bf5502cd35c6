/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Discovery from a device database fixture (tests/data/sysfs.umockdev: a running EC25, its SBL
 * download mode, a malformed entry, an EDL device without its address yet, fastboot, EDL, memory-debug, an EM05-G behind a hub and a root
 * hub), loaded into a umockdev testbed: the test runs under umockdev's preload library. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <umockdev.h>

#include "safeflash/device.h"

static UMockdevTestbed *testbed;

static int setup(void **state)
{
        char path[1024];
        const char *d = getenv("SAFEFLASH_TEST_DATA");
        GError *e = NULL;

        (void)state;
        snprintf(path, sizeof(path), "%s/sysfs.umockdev", d ? d : "tests/data");
        testbed = umockdev_testbed_new();
        if (!umockdev_testbed_add_from_file(testbed, path, &e)) {
                fprintf(stderr, "# %s: %s\n", path, e->message);
                g_error_free(e);
                return -1;
        }
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        if (testbed)
                g_object_unref(testbed);
        return 0;
}

static const struct sf_device *by_name(const struct sf_device *l, size_t n, const char *name)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(l[i].name, name) == 0)
                        return &l[i];
        return NULL;
}

static void test_list(void **state)
{
        struct sf_device *l = NULL;
        const struct sf_device *d;
        size_t n = 0;

        (void)state;
        assert_int_equal(sf_device_list(&l, &n, NULL), 0);
        /* The root hub and the malformed entry are not modules; a device read before its
         * address is (being created) is not there yet. */
        assert_int_equal(n, 6);
        assert_null(by_name(l, n, "usb1"));
        assert_null(by_name(l, n, "1-3"));
        assert_null(by_name(l, n, "1-5"));
        d = by_name(l, n, "1-1");
        assert_int_equal(d->mode, SF_DEVICE_MODE_NORMAL);
        assert_string_equal(d->at_port, "/dev/ttyUSB2");
        assert_string_equal(d->dm_port, "/dev/ttyUSB0");
        assert_int_equal(d->bus, 1);
        assert_int_equal(d->address, 5);
        d = by_name(l, n, "2-1");
        assert_int_equal(d->mode, SF_DEVICE_MODE_EDL);
        assert_string_equal(d->edl_port, "/dev/ttyUSB4");
        assert_int_equal(by_name(l, n, "3-1")->mode, SF_DEVICE_MODE_MEMORY_DEBUG);
        /* A Quectel PID with one interface: the SBL's own download mode. */
        assert_int_equal(by_name(l, n, "1-2")->mode, SF_DEVICE_MODE_SBL_DOWNLOAD);
        assert_int_equal(by_name(l, n, "1-4")->mode, SF_DEVICE_MODE_FASTBOOT);
        /* EM05-G (0x030a): the DM port is interface 3. */
        d = by_name(l, n, "4-1.2");
        assert_string_equal(d->dm_port, "/dev/ttyUSB9");
        assert_string_equal(d->at_port, "/dev/ttyUSB8");
        sf_device_list_free(l);
}

static void test_find(void **state)
{
        struct sf_device d;
        struct sf_error err = {0};

        (void)state;
        assert_int_equal(sf_device_find(NULL, &d, &err), -ENOTUNIQ);
        assert_non_null(strstr(err.message, "1-1 (normal)"));
        assert_int_equal(sf_device_find("2-1", &d, NULL), 0);
        assert_int_equal(d.pid, 0x9008);
        assert_int_equal(sf_device_find("usb:1:5", &d, NULL), 0);
        assert_string_equal(d.name, "1-1");
        assert_int_equal(sf_device_find("/dev/ttyUSB2", &d, NULL), 0);
        assert_string_equal(d.name, "1-1");
        assert_int_equal(sf_device_find("9-9", &d, &err), -ENODEV);
        assert_string_equal(sf_device_mode_to_string(SF_DEVICE_MODE_SBL_DOWNLOAD), "sbl-download");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_list),
                cmocka_unit_test(test_find),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
