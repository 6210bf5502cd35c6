/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The simulator's NAND partition table (MIBIB) in the real Qualcomm format: the codec against the
 * layouts, what the factory leaves at page 640, and the boot model's use of it (an SBL boots only
 * the partition table it was built for). The byte patterns themselves are checked against
 * docs/mibib.md in test_sim_mkpkg. */
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
#include "flash.h"
#include "image.h"
#include "mkpkg.h"
#include "persona.h"
#include "proto/mibib.h"
#include "util/endian.h"
#include "util/strutil.h"

#define PAGE        4096u
#define EC25E_PAGES (2048u * 64)

static struct {
        char root[128];
} fx;

/* A module: a persona and its blank flash in a directory of its own. */
struct rig {
        const struct sim_persona *p;
        struct sim_flash flash;
        char dir[192], path[256];
};

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st;
        (void)flag;
        (void)ftw;
        return remove(path);
}

static int group_setup(void **state)
{
        const char *tmp = getenv("TMPDIR");

        (void)state;
        snprintf(fx.root, sizeof(fx.root), "%s/sf-mibib-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        return mkdtemp(fx.root) ? 0 : -1;
}

static int group_teardown(void **state)
{
        (void)state;
        if (fx.root[0])
                nftw(fx.root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        return 0;
}

static void rig_up(struct rig *g, const char *persona)
{
        memset(g, 0, sizeof(*g));
        g->p = sim_persona_find(persona);
        assert_non_null(g->p);
        snprintf(g->dir, sizeof(g->dir), "%s/module-XXXXXX", fx.root);
        assert_non_null(mkdtemp(g->dir));
        snprintf(g->path, sizeof(g->path), "%s/flash.img", g->dir);
        assert_int_equal(sim_flash_open(&g->flash, g->path, g->p->page_size, g->p->pages_per_block,
                                        g->p->num_pages, true),
                         0);
}

static void rig_down(struct rig *g)
{
        sim_flash_close(&g->flash);
        nftw(g->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void factory(struct rig *g)
{
        struct sf_error err = {{0}};
        int r = sim_factory_install(&g->flash, g->p, NULL, true, g->dir, &err);

        if (r < 0)
                print_error("factory: %d %s\n", r, err.message);
        assert_int_equal(r, 0);
}

static void boot(struct rig *g, enum sim_boot_result want, struct sim_boot_report *r)
{
        assert_int_equal(sim_boot(&g->flash, g->p, r), 0);
        if (r->result != want)
                print_error("boot: %s: %s\n", sim_boot_result_to_string(r->result), r->reason);
        assert_int_equal(r->result, want);
}

/* A MIBIB block at page 640, as a package's rawprogram line writes it: erase, then program. */
static void put_mibib(struct rig *g, const uint8_t *block)
{
        assert_int_equal(sim_flash_erase(&g->flash, SIM_MIBIB_PAGE, 640), 0);
        assert_int_equal(sim_flash_write_raw(&g->flash, (uint64_t)SIM_MIBIB_PAGE * PAGE, block,
                                             SIM_MIBIB_LEN),
                         0);
}

static uint8_t *encode(unsigned baseline, uint64_t total_pages)
{
        uint8_t *b = malloc(SIM_MIBIB_LEN);
        struct sim_layout l;

        assert_non_null(b);
        sim_layout_for_baseline(baseline, total_pages, &l);
        assert_int_equal(sim_mibib_encode(&l, b, SIM_MIBIB_LEN), SIM_MIBIB_LEN);
        return b;
}

/* ---- the codec ---- */

static void check_round_trip(unsigned baseline, uint64_t total_pages)
{
        uint8_t *b = encode(baseline, total_pages);
        struct sim_layout want, got;
        uint32_t id = 0;

        sim_layout_for_baseline(baseline, total_pages, &want);
        assert_int_equal(sim_mibib_decode(b, SIM_MIBIB_LEN, &got, &id), 0);
        assert_int_equal(got.n, want.n);
        for (unsigned i = 0; i < want.n; i++) {
                assert_string_equal(got.parts[i].name, want.parts[i].name);
                assert_int_equal(got.parts[i].start_page, want.parts[i].start_page);
                assert_int_equal(got.parts[i].pages, want.parts[i].pages);
                assert_memory_equal(got.parts[i].attr, want.parts[i].attr, 4);
                assert_int_equal(want.parts[i].start_page % 64, 0); /* whole blocks */
                assert_int_equal(want.parts[i].pages % 64, 0);
        }
        assert_int_not_equal(id, 0);
        assert_int_equal(id, sim_layout_id(&want));
        assert_int_equal(sim_layout_id(&got), id);
        /* The header and the system table are all a reader needs. */
        assert_int_equal(sim_mibib_decode(b, 2 * PAGE, &got, NULL), 0);
        free(b);
}

static void test_round_trip(void **state)
{
        (void)state;
        check_round_trip(6, EC25E_PAGES);
        check_round_trip(7, 1024u * 64); /* the EG25-G's 256 MiB */
        check_round_trip(8, EC25E_PAGES);
        check_round_trip(6, EC25E_PAGES + 10); /* a flash that ends inside a block */
}

static void test_find_and_ids(void **state)
{
        struct sim_layout r06, r07, r08;
        const struct sim_partition *efs;

        (void)state;
        sim_layout_for_baseline(6, EC25E_PAGES, &r06);
        sim_layout_for_baseline(7, EC25E_PAGES, &r07);
        sim_layout_for_baseline(8, EC25E_PAGES, &r08);
        /* The simulator's lower-case names, the MIBIB's, with the device prefix: one partition. */
        efs = sim_layout_find(&r06, "efs2");
        assert_non_null(efs);
        assert_string_equal(efs->name, "EFS2");
        assert_int_equal(efs->start_page, 1280);
        assert_int_equal(efs->pages, 88 * 64);
        assert_ptr_equal(sim_layout_find(&r06, "0:EFS2"), efs);
        assert_ptr_equal(sim_layout_find(&r06, "Efs2"), efs);
        assert_non_null(sim_layout_find(&r06, "rawdata"));
        assert_non_null(sim_layout_find(&r06, "0:sys_rev"));
        assert_null(sim_layout_find(&r06, "modemst1"));
        assert_null(sim_layout_find(&r06, "0:"));
        /* R06 and R07 share a layout; R08 has another. */
        assert_int_equal(sim_layout_id(&r06), sim_layout_id(&r07));
        assert_int_not_equal(sim_layout_id(&r06), sim_layout_id(&r08));
        assert_int_equal(sim_layout_find(&r08, "efs2")->pages, 120 * 64);
}

static void test_encode_refuses(void **state)
{
        uint8_t *b = malloc(SIM_MIBIB_LEN);
        struct sim_layout l;

        (void)state;
        assert_non_null(b);
        sim_layout_for_baseline(6, EC25E_PAGES, &l);
        assert_int_equal(sim_mibib_encode(&l, b, SIM_MIBIB_LEN - 1), 0);
        l.parts[3].start_page += 1; /* not on a block boundary: the MIBIB counts blocks */
        assert_int_equal(sim_mibib_encode(&l, b, SIM_MIBIB_LEN), 0);
        assert_int_equal(sim_layout_id(&l), 0);
        sim_layout_for_baseline(6, EC25E_PAGES, &l);
        l.parts[4].pages -= 32;
        assert_int_equal(sim_mibib_encode(&l, b, SIM_MIBIB_LEN), 0);
        sim_layout_for_baseline(6, EC25E_PAGES, &l);
        snprintf(l.parts[5].name, sizeof(l.parts[5].name), "abcdefghijklmno"); /* > 14 */
        assert_int_equal(sim_mibib_encode(&l, b, SIM_MIBIB_LEN), 0);
        snprintf(l.parts[5].name, sizeof(l.parts[5].name), "abcdefghijklmn"); /* "0:" + 14 */
        assert_int_equal(sim_mibib_encode(&l, b, SIM_MIBIB_LEN), SIM_MIBIB_LEN);
        free(b);
}

static void test_decode_refuses(void **state)
{
        uint8_t *b = encode(6, EC25E_PAGES);
        struct sim_layout l;
        uint32_t id, want;

        (void)state;
        assert_int_equal(sim_mibib_decode(b, SIM_MIBIB_LEN, &l, &want), 0);
        assert_int_equal(sim_mibib_decode(b, PAGE, &l, NULL), -EPROTO); /* no table page */
        b[0] ^= 1;
        assert_int_equal(sim_mibib_decode(b, SIM_MIBIB_LEN, &l, NULL), -EPROTO);
        b[0] ^= 1;
        b[PAGE + 4] ^= 1;
        assert_int_equal(sim_mibib_decode(b, SIM_MIBIB_LEN, &l, NULL), -EPROTO);
        b[PAGE + 4] ^= 1;
        sf_put_le32(b + 8, 3); /* a version-3 header */
        assert_int_equal(sim_mibib_decode(b, SIM_MIBIB_LEN, &l, NULL), -EPROTO);
        sf_put_le32(b + 8, 4);
        sf_put_le32(b + PAGE + 8, 3); /* a version-3 table */
        assert_int_equal(sim_mibib_decode(b, SIM_MIBIB_LEN, &l, NULL), -EPROTO);
        sf_put_le32(b + PAGE + 8, 4);
        /* 25 valid entries: more than the simulator's layouts hold; 33: more than the format. */
        for (unsigned i = 14; i < 25; i++)
                memcpy(b + PAGE + 16 + i * 28, b + PAGE + 16, 28);
        sf_put_le32(b + PAGE + 12, 25);
        assert_int_equal(sim_mibib_decode(b, SIM_MIBIB_LEN, &l, NULL), -E2BIG);
        sf_put_le32(b + PAGE + 12, 33);
        assert_int_equal(sim_mibib_decode(b, SIM_MIBIB_LEN, &l, NULL), -E2BIG);
        sf_put_le32(b + PAGE + 12, 14);
        /* An offset whose page number overflows. */
        sf_put_le32(b + PAGE + 16 + 13 * 28 + 16, 0x08000000);
        assert_int_equal(sim_mibib_decode(b, SIM_MIBIB_LEN, &l, NULL), -EPROTO);
        free(b);
        /* The CRC page is not required (docs/mibib.md 6.1): an erased one still reads. */
        b = encode(6, EC25E_PAGES);
        memset(b + 3 * PAGE, 0xFF, PAGE);
        assert_int_equal(sim_mibib_decode(b, SIM_MIBIB_LEN, &l, &id), 0);
        assert_int_equal(id, want);
        /* The fingerprint is of the bytes: another attribute is another table. */
        b[PAGE + 16 + 2 * 28 + 26] = 0x00;
        assert_int_equal(sim_mibib_decode(b, SIM_MIBIB_LEN, &l, &id), 0);
        assert_int_not_equal(id, want);
        free(b);
}

/* ---- the factory and the boot model ---- */

/* The flash at page 640 is the package's partition_complete_p4K_b256K.mbn, byte for byte. */
static void test_factory_writes_mibib(void **state)
{
        struct sim_mkpkg_options o = {.small = true, .total_pages = EC25E_PAGES};
        uint8_t *flash = malloc(SIM_MIBIB_LEN), hdr[SIM_IMAGE_HEADER_LEN];
        struct sf_error err = {{0}};
        char pkg[256], path[320];
        struct sim_boot_report r;
        struct sim_image_header efs;
        char *file = NULL;
        struct sf_mibib m;
        struct rig g;
        size_t len;

        (void)state;
        assert_non_null(flash);
        rig_up(&g, "ec25e");
        factory(&g);
        assert_int_equal(
                sim_flash_read(&g.flash, (uint64_t)SIM_MIBIB_PAGE * PAGE, flash, SIM_MIBIB_LEN), 0);
        snprintf(pkg, sizeof(pkg), "%s/pkg", fx.root);
        o.version = g.p->factory_version;
        o.out = pkg;
        assert_int_equal(sim_mkpkg(&o, &err), 0);
        snprintf(path, sizeof(path), "%s/update/firehose/partition_complete_p4K_b256K.mbn", pkg);
        assert_int_equal(sf_read_file(path, 1 << 20, &file, &len), 0);
        assert_int_equal(len, SIM_MIBIB_LEN);
        assert_memory_equal(flash, file, SIM_MIBIB_LEN);
        /* The host's parser finds EFS2 there, and the factory's EFS where it says. */
        assert_int_equal(sf_mibib_parse(flash, SIM_MIBIB_LEN, PAGE, &m), 0);
        assert_int_equal(sf_mibib_find(&m, "EFS2")->offset, 20);
        assert_int_equal(sf_mibib_find(&m, "EFS2")->length, 88);
        assert_int_equal(sim_flash_read(&g.flash, 1280ull * PAGE, hdr, sizeof(hdr)), 0);
        assert_int_equal(sim_image_header_decode(hdr, sizeof(hdr), &efs), 0);
        assert_int_equal(efs.kind, SIM_IMAGE_EFS);
        assert_string_equal(efs.imei, g.p->imei);
        boot(&g, SIM_BOOT_NORMAL, &r);
        assert_string_equal(r.imei, g.p->imei);
        assert_true(r.calibrated);
        free(file);
        free(flash);
        rig_down(&g);
}

static void test_sbl_checks_layout(void **state)
{
        uint8_t *r06 = encode(6, EC25E_PAGES), *r08 = encode(8, EC25E_PAGES);
        struct sim_boot_report r;
        struct rig g;

        (void)state;
        rig_up(&g, "ec25e");
        factory(&g); /* R06 */
        boot(&g, SIM_BOOT_NORMAL, &r);
        /* R08's table under the R06 SBL: refused, the PBL falls back to EDL. */
        put_mibib(&g, r08);
        boot(&g, SIM_BOOT_EDL, &r);
        assert_non_null(strstr(r.reason, "R06 SBL"));
        /* Its own table back: boots, EFS untouched. */
        put_mibib(&g, r06);
        boot(&g, SIM_BOOT_NORMAL, &r);
        assert_string_equal(r.imei, g.p->imei);
        /* No table at all. */
        r06[PAGE] ^= 0xFF;
        put_mibib(&g, r06);
        boot(&g, SIM_BOOT_EDL, &r);
        assert_non_null(strstr(r.reason, "no partition table"));
        free(r06);
        free(r08);
        rig_down(&g);
}

/* The EG25-G: a smaller flash (its system and usrdata shrink) and an R07 factory firmware. */
static void test_eg25g_boots(void **state)
{
        uint8_t page[2 * PAGE];
        struct sim_boot_report r;
        struct sim_layout l;
        uint32_t id;
        struct rig g;

        (void)state;
        rig_up(&g, "eg25g");
        factory(&g);
        boot(&g, SIM_BOOT_NORMAL, &r);
        assert_int_equal(
                sim_flash_read(&g.flash, (uint64_t)SIM_MIBIB_PAGE * PAGE, page, sizeof(page)), 0);
        assert_int_equal(sim_mibib_decode(page, sizeof(page), &l, &id), 0);
        assert_int_equal(l.parts[l.n - 1].start_page + l.parts[l.n - 1].pages, g.p->num_pages);
        rig_down(&g);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_find_and_ids),
                cmocka_unit_test(test_encode_refuses),
                cmocka_unit_test(test_decode_refuses),
                cmocka_unit_test(test_factory_writes_mibib),
                cmocka_unit_test(test_sbl_checks_layout),
                cmocka_unit_test(test_eg25g_boots),
        };
        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
