/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The UBI parser and comparison, on images that Debian's ubinize (mtd-utils) makes, changed the
 * way the kernel's drivers/mtd/ubi changes a flash at attach and while it runs: EC headers written
 * into erased eraseblocks (attach.c, early_erase_peb), the autoresize volume grown and the volume
 * table rewritten (vtbl.c, ubi_vtbl_change_vol via autoresize()), a LEB moved for wear levelling
 * to another eraseblock with copy_flag, data_size and data_crc set and a new sqnum
 * (eba.c, ubi_eba_copy_leb). Headers are re-sealed with this file's own bitwise CRC-32 (UBI's:
 * reflected 0xEDB88320, seed 0xFFFFFFFF, no final inversion), not the library's.
 * Skipped, saying so, where ubinize is not installed. */
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

#include "package/ubi.h"

#define PEB  (128 * 1024)
#define PAGE 2048
#define PART 24 /* eraseblocks in the simulated partition */

static uint8_t *img;    /* as ubinize made it */
static size_t img_len;
static uint8_t *flash;  /* a partition of PART eraseblocks holding it */
static char dir[64];

static uint32_t crc(const uint8_t *p, size_t len)
{
        uint32_t c = 0xFFFFFFFFu;

        for (size_t i = 0; i < len; i++) {
                c ^= p[i];
                for (int k = 0; k < 8; k++)
                        c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
        }
        return c;
}

static uint32_t get32(const uint8_t *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
        for (int i = 0; i < 4; i++)
                p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
        put32(p, (uint32_t)(v >> 32));
        put32(p + 4, (uint32_t)v);
}

static void seal(uint8_t *hdr)
{
        put32(hdr + 60, crc(hdr, 60));
}

/* Write `size` bytes of a byte pattern into dir/name. */
static void pattern_file(const char *name, size_t size, unsigned seed)
{
        char path[128];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "wb");
        assert_non_null(f);
        for (size_t i = 0; i < size; i++)
                fputc((int)((i * 131 + seed * 7 + (i >> 9)) & 0xFF), f);
        fclose(f);
}

/* modem: static, 300000 bytes (3 LEBs of 126 KiB); rootfs: dynamic, 200000 bytes; usrfs:
 * dynamic, empty, autoresize. The layout EC25 packages' NON-HLOS.ubi and system.ubi have. */
static int make_image(void **state)
{
        char cmd[512], path[128];
        FILE *f;

        (void)state;
        if (system("command -v ubinize >/dev/null 2>&1") != 0)
                return 0;
        snprintf(dir, sizeof(dir), "/tmp/test_ubi.XXXXXX");
        assert_non_null(mkdtemp(dir));
        pattern_file("modem.bin", 300000, 1);
        pattern_file("rootfs.bin", 200000, 2);
        snprintf(path, sizeof(path), "%s/u.ini", dir);
        f = fopen(path, "w");
        assert_non_null(f);
        fprintf(f, "[modem]\nmode=ubi\nimage=%s/modem.bin\nvol_id=0\nvol_type=static\nvol_name=modem\n"
                   "[rootfs]\nmode=ubi\nimage=%s/rootfs.bin\nvol_id=1\nvol_type=dynamic\n"
                   "vol_name=rootfs\nvol_size=1MiB\n"
                   "[usrfs]\nmode=ubi\nvol_id=2\nvol_type=dynamic\nvol_name=usrfs\nvol_size=512KiB\n"
                   "vol_flags=autoresize\n",
                dir, dir);
        fclose(f);
        snprintf(cmd, sizeof(cmd), "ubinize -o %s/x.ubi -p %d -m %d -Q 1234 %s/u.ini >/dev/null", dir,
                 PEB, PAGE, dir);
        assert_int_equal(system(cmd), 0);
        snprintf(path, sizeof(path), "%s/x.ubi", dir);
        f = fopen(path, "rb");
        assert_non_null(f);
        img = malloc((size_t)PART * PEB);
        img_len = fread(img, 1, (size_t)PART * PEB, f);
        fclose(f);
        return 0;
}

static int remove_image(void **state)
{
        char cmd[128];

        (void)state;
        free(img);
        if (dir[0]) {
                snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
                assert_int_equal(system(cmd), 0);
        }
        return 0;
}

/* A fresh partition holding the image, the rest erased. */
static int fresh_flash(void **state)
{
        (void)state;
        if (!img)
                return 0;
        flash = malloc((size_t)PART * PEB);
        memset(flash, 0xFF, (size_t)PART * PEB);
        memcpy(flash, img, img_len);
        return 0;
}

static int free_flash(void **state)
{
        (void)state;
        free(flash);
        flash = NULL;
        return 0;
}

#define NEED_UBINIZE()                                                                             \
        do {                                                                                       \
                if (!img)                                                                          \
                        skip();                                                                    \
        } while (0)

static struct sf_ubi *scan(const uint8_t *buf, size_t pebs, bool strict)
{
        struct sf_ubi_scan *s = NULL;
        struct sf_ubi *u = NULL;
        struct sf_error err = {{0}};

        assert_int_equal(sf_ubi_scan_new(PEB, strict, &s), 0);
        for (size_t i = 0; i < pebs; i++)
                assert_int_equal(sf_ubi_scan_peb(s, buf + i * PEB, PEB, &err), 0);
        if (sf_ubi_scan_finish(s, &u, &err) < 0)
                fail_msg("%s", err.message);
        return u;
}

static enum sf_ubi_match compare_flash(char *why, size_t n)
{
        struct sf_ubi *a = scan(img, img_len / PEB, true), *b = scan(flash, PART, false);
        enum sf_ubi_match m = sf_ubi_compare(a, b, why, n);

        sf_ubi_free(a);
        sf_ubi_free(b);
        return m;
}

/* The eraseblock that holds LEB lnum of volume vol, or -1. */
static int find_peb(const uint8_t *buf, size_t pebs, uint32_t vol, uint32_t lnum)
{
        for (size_t i = 0; i < pebs; i++) {
                const uint8_t *v = buf + i * PEB + PAGE;
                if (get32(v) == 0x55424921u && get32(v + 8) == vol && get32(v + 12) == lnum)
                        return (int)i;
        }
        return -1;
}

static void test_ubinize_image(void **state)
{
        struct sf_ubi *u;
        const struct sf_ubi_volume *v;

        (void)state;
        NEED_UBINIZE();
        assert_int_equal(img_len % PEB, 0);
        u = scan(img, img_len / PEB, true);
        assert_int_equal(u->vid_hdr_offset, PAGE);
        assert_int_equal(u->data_offset, 2 * PAGE);
        assert_int_equal(u->leb_size, PEB - 2 * PAGE);
        assert_int_equal(u->image_seq, 1234);
        assert_int_equal(u->n_volumes, 3);
        v = sf_ubi_volume_by_id(u, 0);
        assert_string_equal(v->name, "modem");
        assert_int_equal(v->type, SF_UBI_VOL_STATIC);
        assert_int_equal(v->used_ebs, 3);
        assert_int_equal(v->n_lebs, 3);
        assert_int_equal(v->data_bytes, 300000);
        assert_false(sf_ubi_volume_is_module_data(v));
        v = sf_ubi_volume_by_id(u, 1);
        assert_string_equal(v->name, "rootfs");
        assert_int_equal(v->type, SF_UBI_VOL_DYNAMIC);
        assert_int_equal(v->n_lebs, 2);
        assert_false(sf_ubi_volume_is_module_data(v));
        v = sf_ubi_volume_by_id(u, 2);
        assert_string_equal(v->name, "usrfs");
        assert_int_equal(v->flags & SF_UBI_VTBL_AUTORESIZE, SF_UBI_VTBL_AUTORESIZE);
        assert_int_equal(v->n_lebs, 0);
        assert_true(sf_ubi_volume_is_module_data(v));
        sf_ubi_free(u);
}

static void test_same_as_flashed(void **state)
{
        char why[256];

        (void)state;
        NEED_UBINIZE();
        assert_int_equal(compare_flash(why, sizeof(why)), SF_UBI_SAME);
        assert_non_null(strstr(why, "usrfs: the module's data, kept"));
}

/* What attach does to a fresh image: EC headers into every erased eraseblock, the autoresize
 * volume grown to the free eraseblocks and its flag cleared, both volume-table copies rewritten
 * with new sequence numbers; then a wear-levelling move of modem LEB 1 and of rootfs LEB 0, and
 * usrfs written to. All the same, as far as the image is concerned. */
static void attach(void)
{
        size_t used = img_len / PEB;
        uint64_t sqnum = 100;

        for (size_t i = used; i < PART; i++) {
                uint8_t *p = flash + i * PEB;
                memcpy(p, img, 64);
                put64(p + 8, 1);
                seal(p);
        }
        for (uint32_t copy = 0; copy < 2; copy++) {
                int i = find_peb(flash, PART, 0x7fffefffu, copy);
                uint8_t *vid = flash + (size_t)i * PEB + PAGE, *rec = flash + (size_t)i * PEB + 2 * PAGE + 2 * 172;
                assert_true(i >= 0);
                put32(rec, 20);
                rec[144] = 0;
                put32(rec + 168, crc(rec, 168));
                put64(vid + 40, sqnum++);
                seal(vid);
        }
}

/* Move LEB lnum of volume vol to the first free eraseblock, as ubi_eba_copy_leb() does; the old
 * one is left as it was when erase is true: erased with only an EC header, else stale. */
static void move_leb(uint32_t vol, uint32_t lnum, uint64_t sqnum, bool erase)
{
        int from = find_peb(flash, PART, vol, lnum), to = -1;
        uint8_t *src, *dst, *vid;
        uint32_t len;

        assert_true(from >= 0);
        for (int i = 0; i < PART && to < 0; i++)
                if (get32(flash + (size_t)i * PEB + PAGE) == 0xFFFFFFFFu)
                        to = i;
        assert_true(to >= 0);
        src = flash + (size_t)from * PEB;
        dst = flash + (size_t)to * PEB;
        memcpy(dst + PAGE, src + PAGE, PEB - PAGE);
        vid = dst + PAGE;
        len = get32(vid + 20);
        if (vid[5] == 1) { /* dynamic: the data without its trailing 0xFF, aligned to a page */
                len = PEB - 2 * PAGE;
                while (len && dst[2 * PAGE + len - 1] == 0xFF)
                        len--;
                len = (len + PAGE - 1) / PAGE * PAGE;
        }
        vid[6] = 1;
        put32(vid + 20, len);
        put32(vid + 32, crc(dst + 2 * PAGE, len));
        put64(vid + 40, sqnum);
        seal(vid);
        put64(dst + 8, 7);
        seal(dst);
        if (erase)
                memset(src + PAGE, 0xFF, PEB - PAGE);
}

static void test_same_after_attach_and_wear(void **state)
{
        char why[256];

        (void)state;
        NEED_UBINIZE();
        attach();
        assert_int_equal(compare_flash(why, sizeof(why)), SF_UBI_SAME);
        move_leb(0, 1, 200, true);
        move_leb(1, 0, 201, false); /* stale copy left behind */
        assert_int_equal(compare_flash(why, sizeof(why)), SF_UBI_SAME);
}

/* usrfs written to: a LEB mapped with data. Still the same: it is the module's data. */
static void test_module_data_ignored(void **state)
{
        char why[256];
        int peb;
        uint8_t *p, *vid;

        (void)state;
        NEED_UBINIZE();
        attach();
        for (peb = 0; peb < PART && get32(flash + (size_t)peb * PEB + PAGE) != 0xFFFFFFFFu; peb++)
                ;
        assert_true(peb < PART);
        p = flash + (size_t)peb * PEB;
        vid = p + PAGE;
        memcpy(vid, img + PAGE, 64); /* a layout VID header, made over into usrfs LEB 3 */
        vid[5] = 1;
        vid[7] = 0;
        put32(vid + 8, 2);
        put32(vid + 12, 3);
        put64(vid + 40, 300);
        seal(vid);
        memset(p + 2 * PAGE, 0x5A, 5000);
        assert_int_equal(compare_flash(why, sizeof(why)), SF_UBI_SAME);
}

/* One byte of the static modem volume changed, the headers and data CRC made right again:
 * never the same. */
static void test_changed_static_volume(void **state)
{
        char why[256];
        int peb;
        uint8_t *p;

        (void)state;
        NEED_UBINIZE();
        attach();
        peb = find_peb(flash, PART, 0, 2);
        assert_true(peb >= 0);
        p = flash + (size_t)peb * PEB;
        p[2 * PAGE + 100] ^= 0x01;
        put32(p + PAGE + 32, crc(p + 2 * PAGE, get32(p + PAGE + 20)));
        seal(p + PAGE);
        assert_int_equal(compare_flash(why, sizeof(why)), SF_UBI_CHANGED);
        assert_string_equal(why, "volume modem: LEB 2 differs");
}

/* A changed byte whose data CRC was not made right (a torn write): the LEB is damaged, which is
 * never the same either. */
static void test_damaged_static_leb(void **state)
{
        char why[256];
        int peb;

        (void)state;
        NEED_UBINIZE();
        peb = find_peb(flash, PART, 0, 0);
        flash[(size_t)peb * PEB + 2 * PAGE + 7] ^= 0x80;
        assert_int_not_equal(compare_flash(why, sizeof(why)), SF_UBI_SAME);
}

/* A rootfs LEB unmapped on the flash (UBI reads it as 0xFF): changed. */
static void test_missing_leb(void **state)
{
        char why[256];
        int peb;

        (void)state;
        NEED_UBINIZE();
        peb = find_peb(flash, PART, 1, 1);
        memset(flash + (size_t)peb * PEB + PAGE, 0xFF, PEB - PAGE);
        assert_int_equal(compare_flash(why, sizeof(why)), SF_UBI_CHANGED);
        assert_string_equal(why, "volume rootfs: LEB 1 differs");
}

/* An update of rootfs interrupted (upd_marker set in the flash's table): changed. */
static void test_update_marker(void **state)
{
        char why[256];

        (void)state;
        NEED_UBINIZE();
        for (uint32_t copy = 0; copy < 2; copy++) {
                uint8_t *rec = flash + (size_t)find_peb(flash, PART, 0x7fffefffu, copy) * PEB + 2 * PAGE + 172;
                rec[13] = 1;
                put32(rec + 168, crc(rec, 168));
        }
        assert_int_equal(compare_flash(why, sizeof(why)), SF_UBI_CHANGED);
        assert_non_null(strstr(why, "rootfs: an update of it was interrupted"));
}

/* A flash with an eraseblock that is no UBI (garbage where the EC header should be): the leniently
 * scanned flash cannot say it is the same. */
static void test_corrupt_flash_unknown(void **state)
{
        char why[256];

        (void)state;
        NEED_UBINIZE();
        memset(flash + (size_t)(PART - 1) * PEB, 0x00, 4096);
        assert_int_equal(compare_flash(why, sizeof(why)), SF_UBI_UNKNOWN);
}

/* Hostile images, refused by the strict scan with a clear error. */
/* Eraseblock by eraseblock (what the host uses to stop reading early): nothing on a flash that
 * holds the image, after attach, wear-levelling moves and writes to usrfs tells a difference; the
 * changed modem LEB does, by name; a damaged one does not (the whole scan decides that). */
static void test_peb_differs(void **state)
{
        struct sf_ubi *a;
        char why[256];
        int peb;
        uint8_t *p;

        (void)state;
        NEED_UBINIZE();
        a = scan(img, img_len / PEB, true);
        attach();
        move_leb(0, 1, 200, true);
        move_leb(1, 0, 201, false);
        for (int i = 0; i < PART; i++)
                assert_int_equal(sf_ubi_peb_differs(a, flash + (size_t)i * PEB, PEB, why, sizeof(why)), 0);
        peb = find_peb(flash, PART, 0, 2);
        assert_true(peb >= 0);
        p = flash + (size_t)peb * PEB;
        p[2 * PAGE + 100] ^= 0x01; /* a torn write: the data CRC fails */
        assert_int_equal(sf_ubi_peb_differs(a, p, PEB, why, sizeof(why)), 0);
        put32(p + PAGE + 32, crc(p + 2 * PAGE, get32(p + PAGE + 20)));
        seal(p + PAGE);
        why[0] = '\0';
        assert_int_equal(sf_ubi_peb_differs(a, p, PEB, why, sizeof(why)), 1);
        assert_string_equal(why, "volume modem: LEB 2 differs");
        assert_int_equal(sf_ubi_peb_differs(a, p, PEB - 1, why, sizeof(why)), 0);
        {       /* the lenient scan counts the torn LEB as damaged, and only it */
                struct sf_ubi_scan *sc = NULL;
                struct sf_error err = {{0}};
                p[2 * PAGE + 101] ^= 0x01;
                assert_int_equal(sf_ubi_scan_new(PEB, false, &sc), 0);
                for (int i = 0; i < PART; i++) {
                        assert_int_equal(sf_ubi_scan_peb(sc, flash + (size_t)i * PEB, PEB, &err), 0);
                        assert_int_equal(sf_ubi_scan_damaged(sc), i >= peb ? 1u : 0u);
                }
                sf_ubi_scan_free(sc);
                p[2 * PAGE + 101] ^= 0x01;
        }
        peb = find_peb(flash, PART, 1, 1); /* rootfs, a dynamic volume: one byte more */
        assert_true(peb >= 0);
        p = flash + (size_t)peb * PEB;
        p[2 * PAGE + 100000] = 0x00; /* past its 73024 bytes of data */
        assert_int_equal(sf_ubi_peb_differs(a, p, PEB, why, sizeof(why)), 1);
        assert_string_equal(why, "volume rootfs: LEB 1 differs");
        sf_ubi_free(a);
}

static int strict_error(uint8_t *buf, size_t pebs, char *msg, size_t n)
{
        struct sf_ubi_scan *s = NULL;
        struct sf_ubi *u = NULL;
        struct sf_error err = {{0}};
        int r = 0;

        assert_int_equal(sf_ubi_scan_new(PEB, true, &s), 0);
        for (size_t i = 0; i < pebs && r == 0; i++)
                r = sf_ubi_scan_peb(s, buf + i * PEB, PEB, &err);
        if (r == 0)
                r = sf_ubi_scan_finish(s, &u, &err);
        else
                sf_ubi_scan_free(s);
        sf_ubi_free(u);
        snprintf(msg, n, "%s", err.message);
        return r;
}

static void test_hostile(void **state)
{
        size_t pebs = img_len / PEB;
        uint8_t *b;
        char msg[256];
        int peb;

        (void)state;
        NEED_UBINIZE();
        b = malloc(img_len);
        /* a bad EC header CRC */
        memcpy(b, img, img_len);
        b[8] ^= 1;
        assert_int_equal(strict_error(b, pebs, msg, sizeof(msg)), -EBADMSG);
        assert_non_null(strstr(msg, "EC header CRC"));
        /* two copies of modem LEB 0 with the same sqnum */
        memcpy(b, img, img_len);
        peb = find_peb(b, pebs, 1, 1);
        memcpy(b + (size_t)peb * PEB, b + (size_t)find_peb(b, pebs, 0, 0) * PEB, PEB);
        assert_int_equal(strict_error(b, pebs, msg, sizeof(msg)), -EBADMSG);
        assert_non_null(strstr(msg, "both hold LEB 0 of volume 0"));
        /* a data size larger than the eraseblock */
        memcpy(b, img, img_len);
        peb = find_peb(b, pebs, 0, 2);
        put32(b + (size_t)peb * PEB + PAGE + 20, PEB);
        seal(b + (size_t)peb * PEB + PAGE);
        assert_int_equal(strict_error(b, pebs, msg, sizeof(msg)), -EPROTO);
        /* an absurd reservation in the volume table (both copies) */
        memcpy(b, img, img_len);
        for (uint32_t c = 0; c < 2; c++) {
                uint8_t *rec = b + (size_t)find_peb(b, pebs, 0x7fffefffu, c) * PEB + 2 * PAGE;
                put32(rec, 0x7FFFFFFF);
                put32(rec + 168, crc(rec, 168));
        }
        assert_int_equal(strict_error(b, pebs, msg, sizeof(msg)), -EBADMSG);
        assert_non_null(strstr(msg, "reserved"));
        /* a LEB of a volume the table does not have */
        memcpy(b, img, img_len);
        peb = find_peb(b, pebs, 1, 0);
        put32(b + (size_t)peb * PEB + PAGE + 8, 9);
        seal(b + (size_t)peb * PEB + PAGE);
        assert_int_equal(strict_error(b, pebs, msg, sizeof(msg)), -EBADMSG);
        assert_non_null(strstr(msg, "volume 9, which the volume table does not have"));
        /* a static volume missing a LEB */
        memcpy(b, img, img_len);
        memset(b + (size_t)find_peb(b, pebs, 0, 1) * PEB, 0xFF, PEB);
        assert_int_equal(strict_error(b, pebs, msg, sizeof(msg)), -EBADMSG);
        assert_non_null(strstr(msg, "has 2 of its 3 LEBs"));
        /* nothing UBI at all */
        memset(b, 0xFF, img_len);
        assert_int_equal(strict_error(b, pebs, msg, sizeof(msg)), -ENODATA);
        free(b);
}

static void test_bad_arguments(void **state)
{
        struct sf_ubi_scan *s = NULL;
        struct sf_ubi *u = NULL;
        struct sf_error err = {{0}};
        uint8_t small[16] = {0};

        (void)state;
        assert_int_equal(sf_ubi_scan_new(100000, true, &s), -EINVAL);
        assert_int_equal(sf_ubi_scan_new(PEB, true, &s), 0);
        assert_int_equal(sf_ubi_scan_peb(s, small, sizeof(small), &err), -EINVAL);
        sf_ubi_scan_free(s);
        assert_int_equal(sf_ubi_parse(small, sizeof(small), PEB, &u, &err), -EBADMSG);
        assert_null(u);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ubinize_image),
                cmocka_unit_test_setup_teardown(test_same_as_flashed, fresh_flash, free_flash),
                cmocka_unit_test_setup_teardown(test_same_after_attach_and_wear, fresh_flash, free_flash),
                cmocka_unit_test_setup_teardown(test_module_data_ignored, fresh_flash, free_flash),
                cmocka_unit_test_setup_teardown(test_changed_static_volume, fresh_flash, free_flash),
                cmocka_unit_test_setup_teardown(test_damaged_static_leb, fresh_flash, free_flash),
                cmocka_unit_test_setup_teardown(test_missing_leb, fresh_flash, free_flash),
                cmocka_unit_test_setup_teardown(test_update_marker, fresh_flash, free_flash),
                cmocka_unit_test_setup_teardown(test_corrupt_flash_unknown, fresh_flash, free_flash),
                cmocka_unit_test_setup_teardown(test_peb_differs, fresh_flash, free_flash),
                cmocka_unit_test(test_hostile),
                cmocka_unit_test(test_bad_arguments),
        };
        return cmocka_run_group_tests(tests, make_image, remove_image);
}
