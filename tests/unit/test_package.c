/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A package's version and requirements, from fixtures in tests/data/packages/. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/requires-internal.h"
#include "safeflash/package.h"

static const char *data_dir(void)
{
        const char *d = getenv("SAFEFLASH_TEST_DATA");
        return d ? d : "tests/data";
}

static int open_pkg(const char *name, sf_package **ret, struct sf_error *err)
{
        char path[1024];

        snprintf(path, sizeof(path), "%s/packages/%s", data_dir(), name);
        memset(err, 0, sizeof(*err));
        return sf_package_open(path, ret, err);
}

static void test_dirname(void **state)
{
        struct sf_error err;
        sf_package *pkg = NULL;

        (void)state;
        /* contents.xml names a Qualcomm platform, not a Quectel version: not a source. */
        assert_int_equal(open_pkg("EC25EFAR06A19M4G_20.201.20.201", &pkg, &err), 0);
        assert_int_equal(sf_package_version_source(pkg), SF_PACKAGE_VERSION_DIRNAME);
        assert_string_equal(sf_package_version(pkg)->canonical, "EC25EFAR06A19M4G_20.201.20.201");
        assert_int_equal(sf_requirements_count(sf_package_requirements(pkg)), 0);
        sf_package_free(pkg);
}

static void test_metainfo(void **state)
{
        struct sf_error err;
        sf_package *pkg = NULL;
        const sf_requirements *reqs;

        (void)state;
        assert_int_equal(open_pkg("pkg-metainfo", &pkg, &err), 0);
        assert_int_equal(sf_package_version_source(pkg), SF_PACKAGE_VERSION_METAINFO);
        /* The first <release> is the package's own. */
        assert_string_equal(sf_package_version(pkg)->canonical, "EC25EFAR06A19M4G_20.201.20.201");
        reqs = sf_package_requirements(pkg);
        assert_int_equal(sf_requirements_count(reqs), 3);
        assert_int_equal(reqs->items[0].kind, SF_REQUIREMENT_NOT_APPLICABLE);
        assert_int_equal(reqs->items[1].kind, SF_REQUIREMENT_FIRMWARE);
        assert_int_equal(reqs->items[1].compare, SF_COMPARE_REGEX);
        assert_int_equal(reqs->items[2].compare, SF_COMPARE_GE);
        assert_string_equal(reqs->items[2].version, "EC25EFAR06A12M4G_20.200.20.200");
        sf_package_free(pkg);
}

static void test_contents(void **state)
{
        struct sf_error err;
        sf_package *pkg = NULL;

        (void)state;
        assert_int_equal(open_pkg("pkg-contents", &pkg, &err), 0);
        assert_int_equal(sf_package_version_source(pkg), SF_PACKAGE_VERSION_CONTENTS);
        assert_string_equal(sf_package_version(pkg)->canonical, "EC25EFAR06A19M4G_20.201.20.201");
        sf_package_free(pkg);
}

static void test_unsupported_requirements(void **state)
{
        struct sf_error err;
        sf_package *pkg = NULL;
        const sf_requirements *reqs;

        (void)state;
        assert_int_equal(open_pkg("pkg-bootloader-req", &pkg, &err), 0);
        reqs = sf_package_requirements(pkg);
        assert_int_equal(sf_requirements_count(reqs), 2);
        assert_int_equal(reqs->items[0].kind, SF_REQUIREMENT_UNSUPPORTED);
        assert_int_equal(reqs->items[1].kind, SF_REQUIREMENT_UNSUPPORTED);
        sf_package_free(pkg);
}

struct bad {
        const char *name;
        int error;
        const char *says;
};

static const struct bad bad_rows[] = {
        {"EC25EFAR06A18M4G_20.201.20.201", -EBADMSG, "contradicts itself"},
        {"pkg-none", -ENODATA, "cannot tell the package's version"},
        {"pkg-doctype", -EBADMSG, "x.metainfo.xml:2: DOCTYPE"},
        {"pkg-malformed", -EBADMSG, "x.metainfo.xml:5: malformed XML"},
        {"pkg-two-metainfo", -EBADMSG, "more than one"},
        {"pkg-bad-compare", -EBADMSG, "unknown compare 'approx'"},
        {"pkg-none/README", -ENOTDIR, "not a package directory"},
        {"does-not-exist", -ENOENT, "does-not-exist"},
};

static void test_bad_packages(void **state)
{
        (void)state;
        for (size_t i = 0; i < sizeof(bad_rows) / sizeof(*bad_rows); i++) {
                struct sf_error err;
                sf_package *pkg = NULL;
                int r = open_pkg(bad_rows[i].name, &pkg, &err);

                if (r != bad_rows[i].error || !strstr(err.message, bad_rows[i].says))
                        print_error("%s: r=%d '%s'\n", bad_rows[i].name, r, err.message);
                assert_int_equal(r, bad_rows[i].error);
                assert_non_null(strstr(err.message, bad_rows[i].says));
                assert_null(pkg);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_dirname),
                cmocka_unit_test(test_metainfo),
                cmocka_unit_test(test_contents),
                cmocka_unit_test(test_unsupported_requirements),
                cmocka_unit_test(test_bad_packages),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
