/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The simulated module's UBI at boot (sim/ubi_attach.c), checked from outside: the partition
 * changes as the kernel changes it (EC headers in every eraseblock, the autoresize volume grown
 * and its flag cleared, usrfs written, a wear-levelling move by the fourth boot), is still a UBI
 * image the host's independent parser (src/package/ubi.c) takes for the same as the package's,
 * and a leftover eraseblock of another image makes the attach fail. Images from ubinize, through
 * mkpkg. Skipped where ubinize is not installed. */
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

#include "flash.h"
#include "image.h"
#include "mkpkg.h"
#include "package/ubi.h"
#include "ubi.h"

#define PAGE  4096u
#define PPB   64u
#define BLOCK (PAGE * PPB)
#define VERSION "EC25EFAR06A19M4G_20.201.20.201"

static char dir[64];
static struct sim_layout layout;

static int setup(void **state)
{
        struct sim_mkpkg_options o = {.version = VERSION, .small = true};
        struct sf_error err = {{0}};
        char out[128];

        (void)state;
        if (system("command -v ubinize >/dev/null 2>&1") != 0)
                return 0;
        snprintf(dir, sizeof(dir), "/tmp/test_sim_ubi.XXXXXX");
        assert_non_null(mkdtemp(dir));
        snprintf(out, sizeof(out), "%s/pkg", dir);
        o.out = out;
        if (sim_mkpkg(&o, &err) < 0)
                fail_msg("%s", err.message);
        sim_layout_for_baseline(6, SIM_MKPKG_DEFAULT_TOTAL_PAGES, &layout);
        return 0;
}

static int teardown(void **state)
{
        char cmd[128];

        (void)state;
        if (dir[0]) {
                snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
                assert_int_equal(system(cmd), 0);
        }
        return 0;
}

static uint8_t *read_file(const char *name, size_t *len)
{
        char path[256];
        uint8_t *b;
        FILE *f;
        long n;

        snprintf(path, sizeof(path), "%s/pkg/update/%s", dir, name);
        f = fopen(path, "rb");
        assert_non_null(f);
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        fseek(f, 0, SEEK_SET);
        b = malloc((size_t)n);
        assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
        fclose(f);
        *len = (size_t)n;
        return b;
}

/* A flash with the image programmed at the start of the partition, the rest erased. */
static void program(struct sim_flash *f, const struct sim_partition *p, const uint8_t *img,
                    size_t len)
{
        char path[128];

        snprintf(path, sizeof(path), "%s/flash.img", dir);
        unlink(path);
        assert_int_equal(sim_flash_open(f, path, PAGE, PPB, SIM_MKPKG_DEFAULT_TOTAL_PAGES, true), 0);
        assert_int_equal(sim_flash_program(f, p->start_page, img, len / PAGE), 0);
}

static struct sf_ubi *scan_partition(struct sim_flash *f, const struct sim_partition *p,
                                     bool strict)
{
        struct sf_ubi_scan *s = NULL;
        struct sf_ubi *u = NULL;
        struct sf_error err = {{0}};
        uint8_t *b = malloc(BLOCK);

        assert_int_equal(sf_ubi_scan_new(BLOCK, strict, &s), 0);
        for (uint32_t i = 0; i < p->pages / PPB; i++) {
                assert_int_equal(sim_flash_read(f, ((uint64_t)p->start_page + i * PPB) * PAGE, b,
                                                BLOCK),
                                 0);
                assert_int_equal(sf_ubi_scan_peb(s, b, BLOCK, &err), 0);
        }
        free(b);
        if (sf_ubi_scan_finish(s, &u, &err) < 0)
                fail_msg("%s", err.message);
        return u;
}

static struct sf_ubi *parse_image(const uint8_t *img, size_t len)
{
        struct sf_ubi *u = NULL;
        struct sf_error err = {{0}};

        if (sf_ubi_parse(img, len, BLOCK, &u, &err) < 0)
                fail_msg("%s", err.message);
        return u;
}

static void boot(struct sim_flash *f, const struct sim_partition *p)
{
        char why[128] = "";

        if (sim_ubi_attach(f, p, why, sizeof(why)) < 0)
                fail_msg("attach: %s", why);
}

static void test_system_after_boots(void **state)
{
        const struct sim_partition *p = sim_layout_find(&layout, "system");
        struct sf_ubi *image, *flash;
        struct sim_flash f;
        size_t len;
        uint8_t *img;
        char why[256];
        const struct sf_ubi_volume *usrfs;

        (void)state;
        if (!dir[0])
                skip();
        img = read_file("mdm9607-perf-sysfs.ubi", &len);
        image = parse_image(img, len);
        program(&f, p, img, len);
        boot(&f, p);
        flash = scan_partition(&f, p, false);
        assert_int_equal(flash->n_erased, 0); /* an EC header in every eraseblock */
        assert_int_equal(flash->n_corrupt, 0);
        usrfs = sf_ubi_volume_by_id(flash, 1);
        assert_string_equal(usrfs->name, "usrfs");
        assert_int_equal(usrfs->flags & SF_UBI_VTBL_AUTORESIZE, 0);
        assert_true(usrfs->reserved_pebs > sf_ubi_volume_by_id(image, 1)->reserved_pebs);
        assert_true(usrfs->n_lebs >= 2); /* formatted, and written */
        assert_int_equal(sf_ubi_compare(image, flash, why, sizeof(why)), SF_UBI_SAME);
        sf_ubi_free(flash);
        for (int i = 0; i < 3; i++) /* boots 2, 3, 4: the fourth moves a LEB */
                boot(&f, p);
        flash = scan_partition(&f, p, false);
        assert_true(sf_ubi_volume_by_id(flash, 0)->lebs[0].peb !=
                    sf_ubi_volume_by_id(image, 0)->lebs[0].peb);
        assert_int_equal(sf_ubi_compare(image, flash, why, sizeof(why)), SF_UBI_SAME);
        assert_non_null(strstr(why, "usrfs: the module's data, kept"));
        sf_ubi_free(flash);
        sf_ubi_free(image);
        sim_flash_close(&f);
        free(img);
}

static void test_modem_after_boots(void **state)
{
        const struct sim_partition *p = sim_layout_find(&layout, "modem");
        struct sf_ubi *image, *flash;
        struct sim_flash f;
        size_t len;
        uint8_t *img, *back = malloc(BLOCK);
        char why[256];

        (void)state;
        if (!dir[0])
                skip();
        img = read_file("NON-HLOS.ubi", &len);
        image = parse_image(img, len);
        program(&f, p, img, len);
        for (int i = 0; i < 4; i++)
                boot(&f, p);
        /* the bytes differ from what was flashed (EC headers past the image at least) */
        assert_int_equal(sim_flash_read(&f, ((uint64_t)p->start_page + len / PAGE) * PAGE, back, 64),
                         0);
        assert_memory_equal(back, "UBI#", 4);
        flash = scan_partition(&f, p, true); /* what attach wrote is whole UBI, strictly */
        assert_int_equal(sf_ubi_compare(image, flash, why, sizeof(why)), SF_UBI_SAME);
        sf_ubi_free(flash);
        sf_ubi_free(image);
        sim_flash_close(&f);
        free(img);
        free(back);
}

/* An eraseblock left from another image (another image sequence number) past the new image: the
 * kernel refuses to attach, and the module cannot mount what is there. */
static void test_leftover_refused(void **state)
{
        const struct sim_partition *p = sim_layout_find(&layout, "modem");
        struct sim_flash f;
        size_t len, len2;
        uint8_t *img, *other;
        char why[128] = "";

        (void)state;
        if (!dir[0])
                skip();
        img = read_file("NON-HLOS.ubi", &len);
        other = read_file("mdm9607-perf-sysfs.ubi", &len2);
        program(&f, p, img, len);
        assert_int_equal(sim_flash_program(&f, p->start_page + len / PAGE + 4 * PPB, other + BLOCK,
                                           PPB),
                         0);
        assert_int_equal(sim_ubi_attach(&f, p, why, sizeof(why)), -EUCLEAN);
        assert_non_null(strstr(why, "bad image sequence number"));
        sim_flash_close(&f);
        free(img);
        free(other);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_system_after_boots),
                cmocka_unit_test(test_modem_after_boots),
                cmocka_unit_test(test_leftover_refused),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
