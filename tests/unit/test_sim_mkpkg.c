/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The simulator's package generator. The expectations come from the package layout of the
 * Quectel reference (section 4.1), the rawprogram format of the protocol reference (section
 * 3.11), and the simulator's own readers: the boot ROM (sahara_dev) must accept the programmer,
 * and the image headers must decode. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <ftw.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "mkpkg.h"
#include "package/programmer.h"
#include "proto/firehose.h"
#include "proto/mbn.h"
#include "proto/mibib.h"
#include "proto/sahara.h"
#include "sahara_dev.h"
#include "util/endian.h"
#include "util/strutil.h"
#include "util/xml.h"

#define V_A      "EC25EFAR06A19M4G_20.201.20.201"
#define V_OTHER  "EC25EFAR06A17M4G_20.200.20.200"
#define V_R08    "EC25EFAR08A01M4G_01.001.01.001"
#define FILE_MAX (64u * 1024 * 1024)

/* quectel.md section 4.1, paths under update/. */
static const char *const update_files[] = {
        "appsboot.mbn",
        "ENPRG9x07.mbn",
        "NPRG9x07.mbn",
        "NON-HLOS.ubi",
        "oemapp.ubi",
        "mdm9607-perf-boot.img",
        "mdm9607-perf-sysfs.ubi",
        "mdm-perf-recovery-image-mdm9607-perf.ubi",
        "partition.mbn",
        "partition_nand.xml",
        "rpm.mbn",
        "sbl1.mbn",
        "tz.mbn",
        "firehose/partition_complete_p4K_b256K.mbn",
        "firehose/patch_p4K_b256K.xml",
        "firehose/prog_nand_firehose_9x07.mbn",
        "firehose/rawprogram_nand_p4K_b256K_update.xml",
};
#define N_UPDATE (sizeof(update_files) / sizeof(*update_files))

static const char *const factory_files[] = {
        "cefs.mbn",
        "firehose/rawprogram_nand_p4K_b256K_factory.xml",
};
#define N_FACTORY (sizeof(factory_files) / sizeof(*factory_files))

/* The partitions an update package writes, in layout order. */
static const char *const update_labels[] = {"sbl",  "mibib",    "tz",    "rpm",        "aboot",
                                            "boot", "recovery", "modem", "recoveryfs", "system"};
#define N_LABELS (sizeof(update_labels) / sizeof(*update_labels))

static struct {
        char root[128];
        char a[192], a2[192], other[192], factory[192], r08[192];
} fx;

/* ---- helpers ---- */

static void join(char *buf, size_t size, const char *pkg, const char *rel)
{
        int n = snprintf(buf, size, "%s/%s", pkg, rel);
        assert_true(n > 0 && (size_t)n < size);
}

static void update_path(char *buf, size_t size, const char *pkg, const char *rel)
{
        int n = snprintf(buf, size, "%s/update/%s", pkg, rel);
        assert_true(n > 0 && (size_t)n < size);
}

static uint8_t *read_all(const char *path, size_t *len)
{
        char *buf = NULL;

        assert_int_equal(sf_read_file(path, FILE_MAX, &buf, len), 0);
        return (uint8_t *)buf;
}

static bool exists(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0;
}

static void sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
        unsigned l = 32;

        assert_true(EVP_Digest(p, n, out, &l, EVP_sha256(), NULL));
}

static int generate(const char *out, const char *version, bool factory)
{
        struct sim_mkpkg_options o = {
                .version = version, .out = out, .small = true, .factory = factory};
        struct sf_error err = {{0}};
        int r = sim_mkpkg(&o, &err);

        if (r < 0)
                print_error("sim_mkpkg %s: %d %s\n", out, r, err.message);
        return r;
}

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
        snprintf(fx.root, sizeof(fx.root), "%s/sf-mkpkg-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(fx.root))
                return -1;
        snprintf(fx.a, sizeof(fx.a), "%s/%s", fx.root, V_A);
        snprintf(fx.a2, sizeof(fx.a2), "%s/again", fx.root);
        snprintf(fx.other, sizeof(fx.other), "%s/%s", fx.root, V_OTHER);
        snprintf(fx.factory, sizeof(fx.factory), "%s/factory", fx.root);
        snprintf(fx.r08, sizeof(fx.r08), "%s/%s", fx.root, V_R08);
        if (generate(fx.a, V_A, false) < 0 || generate(fx.a2, V_A, false) < 0 ||
            generate(fx.other, V_OTHER, false) < 0 || generate(fx.factory, V_A, true) < 0 ||
            generate(fx.r08, V_R08, false) < 0)
                return -1;
        return 0;
}

static int group_teardown(void **state)
{
        (void)state;
        if (fx.root[0])
                nftw(fx.root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        return 0;
}

/* ---- layout and determinism ---- */

static void test_every_file_exists(void **state)
{
        char path[512];
        struct stat st;

        (void)state;
        join(path, sizeof(path), fx.a, "contents.xml");
        assert_true(exists(path));
        join(path, sizeof(path), fx.a, "md5.txt");
        assert_true(exists(path));
        for (size_t i = 0; i < N_UPDATE; i++) {
                update_path(path, sizeof(path), fx.a, update_files[i]);
                assert_int_equal(stat(path, &st), 0);
                assert_true(S_ISREG(st.st_mode) && st.st_size > 0);
                update_path(path, sizeof(path), fx.factory, update_files[i]);
                assert_true(exists(path));
        }
        for (size_t i = 0; i < N_FACTORY; i++) {
                update_path(path, sizeof(path), fx.a, factory_files[i]);
                assert_false(exists(path)); /* an update package carries no factory content */
                update_path(path, sizeof(path), fx.factory, factory_files[i]);
                assert_true(exists(path));
        }
}

static void assert_same_file(const char *pa, const char *pb)
{
        size_t la, lb;
        uint8_t *a = read_all(pa, &la), *b = read_all(pb, &lb);

        assert_int_equal(la, lb);
        assert_memory_equal(a, b, la);
        free(a);
        free(b);
}

static bool same_file(const char *pa, const char *pb)
{
        size_t la, lb;
        uint8_t *a = read_all(pa, &la), *b = read_all(pb, &lb);
        bool same = la == lb && memcmp(a, b, la) == 0;

        free(a);
        free(b);
        return same;
}

static void test_deterministic(void **state)
{
        static const char *const top[] = {"contents.xml", "md5.txt"};
        char pa[512], pb[512];

        (void)state;
        for (size_t i = 0; i < N_UPDATE; i++) {
                update_path(pa, sizeof(pa), fx.a, update_files[i]);
                update_path(pb, sizeof(pb), fx.a2, update_files[i]);
                assert_same_file(pa, pb);
        }
        for (size_t i = 0; i < 2; i++) {
                join(pa, sizeof(pa), fx.a, top[i]);
                join(pb, sizeof(pb), fx.a2, top[i]);
                assert_same_file(pa, pb);
        }
        /* Another version: other images, other digests. */
        for (size_t i = 0; i < N_UPDATE; i++) {
                if (!strstr(update_files[i], ".mbn") && !strstr(update_files[i], ".ubi"))
                        continue;
                if (strcmp(update_files[i], "partition.mbn") == 0 ||
                    strstr(update_files[i], "partition_complete"))
                        continue; /* the same layout */
                update_path(pa, sizeof(pa), fx.a, update_files[i]);
                update_path(pb, sizeof(pb), fx.other, update_files[i]);
                assert_false(same_file(pa, pb));
        }
        join(pa, sizeof(pa), fx.a, "md5.txt");
        join(pb, sizeof(pb), fx.other, "md5.txt");
        assert_false(same_file(pa, pb));
}

static int compare_str(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* md5.txt lists exactly the files under update/, sorted, each with its MD5. */
static void check_md5_txt(const char *pkg, bool factory)
{
        const char *want[N_UPDATE + N_FACTORY];
        size_t n_want = 0, len, line_no = 0;
        char path[512], *txt, *save = NULL;

        for (size_t i = 0; i < N_UPDATE; i++)
                want[n_want++] = update_files[i];
        for (size_t i = 0; factory && i < N_FACTORY; i++)
                want[n_want++] = factory_files[i];
        qsort(want, n_want, sizeof(*want), compare_str);
        join(path, sizeof(path), pkg, "md5.txt");
        txt = (char *)read_all(path, &len);
        for (char *line = strtok_r(txt, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *colon = strrchr(line, ':'), rel[256], hex[33];
                uint8_t d[16], *data;
                unsigned dl = 16;
                size_t dlen;
                assert_true(line_no < n_want);
                assert_true(strncmp(line, "D:\\update\\", 10) == 0);
                assert_non_null(colon);
                assert_int_equal(strlen(colon + 1), 32);
                snprintf(rel, sizeof(rel), "%.*s", (int)(colon - line - 10), line + 10);
                for (char *c = rel; *c; c++)
                        *c = *c == '\\' ? '/' : *c;
                assert_string_equal(rel, want[line_no]);
                update_path(path, sizeof(path), pkg, rel);
                data = read_all(path, &dlen);
                assert_true(EVP_Digest(data, dlen, d, &dl, EVP_md5(), NULL));
                for (int i = 0; i < 16; i++)
                        snprintf(hex + 2 * i, 3, "%02x", d[i]);
                assert_string_equal(colon + 1, hex);
                free(data);
                line_no++;
        }
        assert_int_equal(line_no, n_want);
        free(txt);
}

static void test_md5_txt(void **state)
{
        (void)state;
        check_md5_txt(fx.a, false);
        check_md5_txt(fx.factory, true);
}

/* ---- the programmer ---- */

struct programmer {
        uint8_t *bytes;
        size_t len;
        struct sf_mbn_cert certs[SF_MBN_MAX_CERTS];
        size_t n_certs;
        struct sf_mbn_identity id;
};

/* Parse a programmer as the host and the boot ROM do; check the hash table on the way. */
static void parse_programmer(const char *path, struct programmer *g)
{
        struct sf_elf_header eh;
        struct sf_elf_phdr ph[SF_ELF_MAX_PHDRS];
        struct sf_mbn_header m;
        const uint8_t *seg;
        int h;

        g->bytes = read_all(path, &g->len);
        assert_int_equal(sf_elf_parse_header(g->bytes, g->len, g->len, &eh), 0);
        assert_false(eh.is64);
        assert_int_equal(eh.machine, 40);
        assert_int_equal(
                sf_elf_parse_phdrs(&eh, g->bytes + eh.phoff, g->len - eh.phoff, g->len, ph), 0);
        assert_true(eh.phnum >= 3);
        assert_int_equal(ph[0].type, SF_ELF_PT_NULL);
        assert_int_equal(ph[0].flags, 0x07000000);
        assert_int_equal(ph[0].offset, 0);
        assert_true(ph[0].filesz >= SF_ELF32_EHDR_LEN + (uint64_t)eh.phnum * SF_ELF32_PHDR_LEN);
        h = sf_elf_find_hash_segment(ph, eh.phnum);
        assert_int_equal(h, 1);
        assert_int_equal(ph[1].flags, 0x02200000);
        for (unsigned i = 2; i < eh.phnum; i++)
                assert_int_equal(ph[i].type, SF_ELF_PT_LOAD);
        seg = g->bytes + ph[h].offset;
        assert_int_equal(sf_mbn_parse_header(seg, ph[h].filesz, &m), 0);
        assert_int_equal(m.version, 3);
        assert_int_equal(m.code_size, eh.phnum * 32u);
        assert_int_equal(m.signature_size, 256);
        for (unsigned i = 0; i < eh.phnum; i++) {
                uint8_t want[32] = {0};
                if ((int)i != h && ph[i].filesz) /* bss and the hash segment: zero */
                        sha256(g->bytes + ph[i].offset, ph[i].filesz, want);
                assert_memory_equal(seg + m.hash_table_off + 32 * i, want, 32);
        }
        assert_int_equal(sf_mbn_split_certs(seg + m.cert_chain_off, m.cert_chain_size, g->certs,
                                            &g->n_certs),
                         0);
        assert_int_equal(g->n_certs, 3);
        assert_int_equal(sf_mbn_cert_identity(g->certs[0].der, g->certs[0].len, &g->id), 0);
}

/* The chain is real X.509: each certificate verifies with its issuer's key. */
static void check_chain_signatures(const struct programmer *g)
{
        X509 *x[3];

        for (int i = 0; i < 3; i++) {
                const unsigned char *p = g->certs[i].der;
                x[i] = d2i_X509(NULL, &p, (long)g->certs[i].len);
                assert_non_null(x[i]);
        }
        assert_int_equal(X509_verify(x[0], X509_get0_pubkey(x[1])), 1);
        assert_int_equal(X509_verify(x[1], X509_get0_pubkey(x[2])), 1);
        assert_int_equal(X509_verify(x[2], X509_get0_pubkey(x[2])), 1);
        for (int i = 0; i < 3; i++)
                X509_free(x[i]);
}

static void test_programmer_structure(void **state)
{
        static const char *const progs[] = {"firehose/prog_nand_firehose_9x07.mbn", "NPRG9x07.mbn",
                                            "ENPRG9x07.mbn"};
        uint8_t root[32], oem_root[32];
        char path[512];

        (void)state;
        assert_int_equal(sim_oem_root_hash(oem_root), 0);
        for (size_t i = 0; i < 3; i++) {
                struct programmer g;
                update_path(path, sizeof(path), fx.a, progs[i]);
                parse_programmer(path, &g);
                assert_int_equal(g.id.msm_id, 0x000480E1);
                assert_int_equal(g.id.oem_id, 0);
                assert_int_equal(g.id.model_id, 0);
                sha256(g.certs[2].der, g.certs[2].len, root);
                assert_memory_equal(root, oem_root, 32);
                check_chain_signatures(&g);
                free(g.bytes);
        }
}

struct link {
        uint8_t msg[4][SF_SAHARA_MAX_PACKET];
        size_t len[4];
        size_t n;
};

static int capture(void *ctx, const uint8_t *buf, size_t len)
{
        struct link *l = ctx;

        if (l->n == 4 || len > SF_SAHARA_MAX_PACKET)
                return -ENOBUFS;
        memcpy(l->msg[l->n], buf, len);
        l->len[l->n++] = len;
        return 0;
}

/* The single packet the device sent since the last call. */
static struct sf_sahara_packet next_packet(struct link *l)
{
        struct sf_sahara_packet p;

        assert_int_equal(l->n, 1);
        assert_int_equal(sf_sahara_parse(l->msg[0], l->len[0], &p), 0);
        l->n = 0;
        return p;
}

static void send_packet(struct sim_sahara *s, const struct sf_sahara_packet *p)
{
        uint8_t buf[SF_SAHARA_MAX_PACKET];
        int n = sf_sahara_build(p, buf, sizeof(buf));

        assert_true(n > 0);
        assert_int_equal(sim_sahara_input(s, buf, (size_t)n), 0);
}

/* Boot the chip's ROM with the programmer at path, serving every READ_DATA from the file.
 * Returns the END_OF_IMAGE status; *ret_outcome after DONE (when the status is 0). */
static uint32_t boot_rom_pull(const struct sim_chip *chip, const char *path,
                              enum sim_sahara_outcome *ret_outcome)
{
        struct sf_sahara_packet p, resp = {.cmd = SF_SAHARA_HELLO_RESP};
        struct link l = {0};
        struct sim_sahara s;
        size_t len;
        uint8_t *img = read_all(path, &len);
        uint32_t status;

        sim_sahara_init(&s, chip, capture, &l);
        assert_int_equal(sim_sahara_start(&s), 0);
        assert_int_equal(next_packet(&l).cmd, SF_SAHARA_HELLO);
        resp.u.hello.version = 2;
        resp.u.hello.version_compatible = 1;
        resp.u.hello.mode = SF_SAHARA_MODE_IMAGE_TX_PENDING;
        send_packet(&s, &resp);
        for (p = next_packet(&l); p.cmd == SF_SAHARA_READ_DATA; p = next_packet(&l)) {
                assert_int_equal(p.u.read.image_id, 13);
                assert_true(p.u.read.length > 0 && p.u.read.length <= 4096);
                assert_true(p.u.read.offset <= len && p.u.read.length <= len - p.u.read.offset);
                assert_int_equal(sim_sahara_input(&s, img + p.u.read.offset, p.u.read.length), 0);
        }
        assert_int_equal(p.cmd, SF_SAHARA_END_OF_IMAGE);
        status = p.u.end_of_image.status;
        if (status == 0) {
                struct sf_sahara_packet done = {.cmd = SF_SAHARA_DONE};
                send_packet(&s, &done);
                p = next_packet(&l);
                assert_int_equal(p.cmd, SF_SAHARA_DONE_RESP);
                assert_int_equal(p.u.done_resp.status, 1);
        }
        *ret_outcome = s.outcome;
        sim_sahara_done(&s);
        free(img);
        return status;
}

static struct sim_chip secure_ec25(void)
{
        struct sim_chip c = {
                .msm_id = 0x000480E1, .sahara_version = 2, .max_chunk = 4096, .secure_boot = true};

        assert_int_equal(sim_oem_root_hash(c.pk_hash), 0);
        return c;
}

static void test_programmer_boots_on_secure_chip(void **state)
{
        struct sim_chip chip = secure_ec25();
        enum sim_sahara_outcome outcome;
        char path[512];

        (void)state;
        update_path(path, sizeof(path), fx.a, "firehose/prog_nand_firehose_9x07.mbn");
        assert_int_equal(boot_rom_pull(&chip, path, &outcome), 0);
        assert_int_equal(outcome, SIM_SAHARA_PROGRAMMER_STARTED);
        /* the realistic-size programmer too (300-600 KB) */
        {
                struct sim_mkpkg_options o = {.version = V_A};
                struct sf_error err = {{0}};
                struct stat st;
                join(path, sizeof(path), fx.root, "full-size.mbn");
                assert_int_equal(sim_mkpkg_programmer(&o, path, &err), 0);
                assert_int_equal(stat(path, &st), 0);
                assert_true(st.st_size > 300 * 1024 && st.st_size < 600 * 1024);
                assert_int_equal(boot_rom_pull(&chip, path, &outcome), 0);
                assert_int_equal(outcome, SIM_SAHARA_PROGRAMMER_STARTED);
        }
        /* the R08 package's programmer too */
        update_path(path, sizeof(path), fx.r08, "firehose/prog_nand_firehose_9x07.mbn");
        assert_int_equal(boot_rom_pull(&chip, path, &outcome), 0);
        assert_int_equal(outcome, SIM_SAHARA_PROGRAMMER_STARTED);
}

static void test_programmer_refused(void **state)
{
        struct sim_chip chip = secure_ec25();
        struct sim_mkpkg_options o = {.version = V_A, .small = true};
        enum sim_sahara_outcome outcome;
        struct sf_error err = {{0}};
        struct programmer g;
        char path[512], pkg_prog[512];

        (void)state;
        /* Signed by another root: the fused PK hash does not match. */
        join(path, sizeof(path), fx.root, "foreign");
        o.out = path;
        o.foreign_root = true;
        assert_int_equal(sim_mkpkg(&o, &err), 0);
        update_path(pkg_prog, sizeof(pkg_prog), path, "firehose/prog_nand_firehose_9x07.mbn");
        assert_int_equal(boot_rom_pull(&chip, pkg_prog, &outcome), 0x21);
        /* sim_mkpkg_programmer() writes the same programmer as the package holds. */
        join(path, sizeof(path), fx.root, "foreign.mbn");
        assert_int_equal(sim_mkpkg_programmer(&o, path, &err), 0);
        assert_same_file(path, pkg_prog);
        /* Our root, but for another chip (MDM9x40's MSM ID). */
        o.foreign_root = false;
        o.msm_id = 0x009600E1;
        join(path, sizeof(path), fx.root, "msm9600.mbn");
        assert_int_equal(sim_mkpkg_programmer(&o, path, &err), 0);
        parse_programmer(path, &g);
        assert_int_equal(g.id.msm_id, 0x009600E1);
        free(g.bytes);
        assert_int_equal(boot_rom_pull(&chip, path, &outcome), 0x25);
        /* OEM and model IDs reach the attestation certificate. */
        o.msm_id = 0;
        o.oem_id = 0x1234;
        o.model_id = 0x0abc;
        join(path, sizeof(path), fx.root, "oem.mbn");
        assert_int_equal(sim_mkpkg_programmer(&o, path, &err), 0);
        parse_programmer(path, &g);
        assert_int_equal(g.id.msm_id, 0x000480E1);
        assert_int_equal(g.id.oem_id, 0x1234);
        assert_int_equal(g.id.model_id, 0x0abc);
        free(g.bytes);
}

/* An SDX55 programmer: MBN v7 with a SHA-384 table. The layout is checked at fixed offsets as
 * qtestsign (after coreboot's mbn_tools.py) writes it: ten u32 of header (+8 common metadata 24,
 * +12 QTI metadata, +16 OEM metadata, +20 hash table, +24/+28 QTI signature and chain, +32/+36
 * OEM signature and chain), the common metadata's software id (+8) and hash algorithm (+16,
 * 3 = SHA-384), then the table; the ROM boots it, the host reads it as v7. */
static void test_programmer_v7_sdx55(void **state)
{
        struct sim_mkpkg_options o = {.version = "RM500QGLABR11A07M4G_01.001.01.001",
                                      .small = true,
                                      .msm_id = 0x000C30E1};
        struct sim_chip chip = {.msm_id = 0x000C30E1, .sahara_version = 2, .max_chunk = 4096};
        struct sf_programmer_info info;
        struct sf_elf_header eh;
        struct sf_elf_phdr ph[SF_ELF_MAX_PHDRS];
        enum sim_sahara_outcome outcome;
        struct sf_error err = {{0}};
        const uint8_t *seg, *table;
        uint8_t *b;
        size_t len;
        char path[512];

        (void)state;
        join(path, sizeof(path), fx.root, "sdx55.mbn");
        assert_int_equal(sim_mkpkg_programmer(&o, path, &err), 0);
        b = read_all(path, &len);
        assert_int_equal(sf_elf_parse_header(b, len, len, &eh), 0);
        assert_int_equal(sf_elf_parse_phdrs(&eh, b + eh.phoff, len - eh.phoff, len, ph), 0);
        assert_int_equal(sf_elf_find_hash_segment(ph, eh.phnum), 1);
        seg = b + ph[1].offset;
        assert_int_equal(sf_le32(seg + 4), 7);
        assert_int_equal(sf_le32(seg + 8), 24);
        assert_int_equal(sf_le32(seg + 20), eh.phnum * 48u);
        assert_int_equal(sf_le32(seg + 40 + 8), 3);  /* software id: programmer */
        assert_int_equal(sf_le32(seg + 40 + 16), 3); /* SHA-384 */
        table = seg + 40 + sf_le32(seg + 8) + sf_le32(seg + 12) + sf_le32(seg + 16);
        for (unsigned i = 0; i < eh.phnum; i++) {
                uint8_t want[48] = {0};
                unsigned dlen = 48;
                if (i != 1 && ph[i].filesz)
                        assert_true(EVP_Digest(b + ph[i].offset, ph[i].filesz, want, &dlen,
                                               EVP_sha384(), NULL));
                assert_memory_equal(table + 48 * i, want, 48);
        }
        assert_int_equal(sf_programmer_inspect(path, b, len, &info, &err), 0);
        assert_int_equal(info.mbn_version, 7);
        assert_int_equal(info.digest_len, 48);
        assert_true(info.has_identity);
        assert_int_equal(info.msm_id, 0x000C30E1);
        assert_int_equal(info.n_certs, 3);
        free(b);
        assert_int_equal(boot_rom_pull(&chip, path, &outcome), 0);
        assert_int_equal(outcome, SIM_SAHARA_PROGRAMMER_STARTED);
        /* one flipped byte of the code: the ROM's SHA-384 check refuses it */
        b = read_all(path, &len);
        b[ph[2].offset + 7] ^= 1;
        join(path, sizeof(path), fx.root, "sdx55-bad.mbn");
        {
                FILE *f = fopen(path, "wb");
                assert_non_null(f);
                assert_int_equal(fwrite(b, 1, len, f), len);
                fclose(f);
        }
        free(b);
        assert_int_equal(boot_rom_pull(&chip, path, &outcome),
                         SF_SAHARA_STATUS_HASH_VERIFICATION_FAILURE);
}

/* ---- rawprogram and patch XML ---- */

struct xml_line {
        bool program;
        char filename[128], label[32];
        uint64_t start, num, last;
};

struct xml_lines {
        struct xml_line l[40];
        unsigned n;
};

static uint64_t attr_u64(const char **attrs, const char *name)
{
        const char *v = sf_xml_attr(attrs, name);
        char *end;
        uint64_t n;

        assert_non_null(v);
        n = strtoull(v, &end, 10);
        assert_true(end != v && *end == '\0');
        return n;
}

static int on_start(void *userdata, const char *path, const char **attrs)
{
        struct xml_lines *x = userdata;
        struct xml_line *l;
        bool program = strcmp(path, "data/program") == 0;

        if (!program && strcmp(path, "data/erase") != 0)
                return 0;
        assert_true(x->n < 40);
        l = &x->l[x->n++];
        l->program = program;
        assert_string_equal(sf_xml_attr(attrs, "PAGES_PER_BLOCK"), "64");
        assert_string_equal(sf_xml_attr(attrs, "SECTOR_SIZE_IN_BYTES"), "4096");
        assert_string_equal(sf_xml_attr(attrs, "physical_partition_number"), "0");
        l->start = attr_u64(attrs, "start_sector");
        l->num = attr_u64(attrs, "num_partition_sectors");
        if (program) {
                snprintf(l->filename, sizeof(l->filename), "%s", sf_xml_attr(attrs, "filename"));
                snprintf(l->label, sizeof(l->label), "%s", sf_xml_attr(attrs, "label"));
                l->last = attr_u64(attrs, "last_sector");
        }
        return 0;
}

/* One erase of the whole partition, then its program; the file fits the partition. */
static void check_line_pair(const char *pkg, const struct sim_layout *layout,
                            const struct xml_line *erase, const struct xml_line *prog)
{
        const struct sim_partition *p = sim_layout_find(layout, prog->label);
        char rel[160], path[512];
        struct stat st;

        assert_non_null(p);
        assert_false(erase->program);
        assert_true(prog->program);
        assert_int_equal(erase->start, p->start_page);
        assert_int_equal(erase->num, p->pages);
        assert_int_equal(prog->start, p->start_page);
        assert_int_equal(prog->last, p->start_page + p->pages - 1);
        snprintf(rel, sizeof(rel), "firehose/%s", prog->filename);
        for (char *c = rel; *c; c++)
                *c = *c == '\\' ? '/' : *c;
        update_path(path, sizeof(path), pkg, rel);
        assert_int_equal(stat(path, &st), 0);
        /* As Quectel's NAND lines: as long as the partition, the file inside it. */
        assert_int_equal(prog->num, p->pages);
        assert_true((uint64_t)st.st_size <= (uint64_t)p->pages * 4096);
}

static void parse_rawprogram(const char *pkg, const char *name, struct xml_lines *x, char **text)
{
        static const struct sf_xml_handlers h = {.start = on_start};
        struct sf_error err = {{0}};
        char rel[128], path[512];
        size_t len;

        snprintf(rel, sizeof(rel), "firehose/%s", name);
        update_path(path, sizeof(path), pkg, rel);
        memset(x, 0, sizeof(*x));
        assert_int_equal(sf_xml_parse_file(path, 1 << 20, &h, x, &err), 0);
        *text = (char *)read_all(path, &len);
}

static void test_rawprogram_update(void **state)
{
        struct sim_layout layout;
        struct xml_lines x;
        char *text;

        (void)state;
        sim_layout_for_baseline(6, SIM_MKPKG_DEFAULT_TOTAL_PAGES, &layout);
        parse_rawprogram(fx.a, "rawprogram_nand_p4K_b256K_update.xml", &x, &text);
        assert_int_equal(x.n, 2 * N_LABELS);
        for (unsigned i = 0; i < N_LABELS; i++) {
                assert_string_equal(x.l[2 * i + 1].label, update_labels[i]);
                check_line_pair(fx.a, &layout, &x.l[2 * i], &x.l[2 * i + 1]);
        }
        assert_string_equal(x.l[1].filename, "..\\sbl1.mbn");
        assert_string_equal(x.l[3].filename, "partition_complete_p4K_b256K.mbn");
        assert_int_equal(x.l[3].start, SIM_MIBIB_PAGE);
        assert_int_equal(x.l[3].num, 640); /* the MIBIB partition: ten blocks */
        assert_null(strstr(text, "efs2"));
        assert_null(strstr(text, "cefs"));
        free(text);
}

static void test_rawprogram_factory(void **state)
{
        struct sim_layout layout;
        struct xml_lines x;
        bool efs = false;
        char *text;

        (void)state;
        sim_layout_for_baseline(6, SIM_MKPKG_DEFAULT_TOTAL_PAGES, &layout);
        parse_rawprogram(fx.factory, "rawprogram_nand_p4K_b256K_factory.xml", &x, &text);
        assert_int_equal(x.n, 2 * (N_LABELS + 1));
        for (unsigned i = 0; i < x.n; i += 2) {
                check_line_pair(fx.factory, &layout, &x.l[i], &x.l[i + 1]);
                if (strcmp(x.l[i + 1].label, "efs2") == 0) {
                        assert_string_equal(x.l[i + 1].filename, "..\\cefs.mbn");
                        efs = true;
                }
        }
        assert_true(efs);
        free(text);
        /* The factory package's update XML is still clean. */
        parse_rawprogram(fx.factory, "rawprogram_nand_p4K_b256K_update.xml", &x, &text);
        assert_int_equal(x.n, 2 * N_LABELS);
        assert_null(strstr(text, "efs2"));
        free(text);
}

static void test_r08_rawprogram_follows_its_layout(void **state)
{
        struct sim_layout layout;
        struct xml_lines x;
        char *text;

        (void)state;
        sim_layout_for_baseline(8, SIM_MKPKG_DEFAULT_TOTAL_PAGES, &layout);
        parse_rawprogram(fx.r08, "rawprogram_nand_p4K_b256K_update.xml", &x, &text);
        assert_int_equal(x.n, 2 * N_LABELS);
        for (unsigned i = 0; i < x.n; i += 2)
                check_line_pair(fx.r08, &layout, &x.l[i], &x.l[i + 1]);
        free(text);
}

static void test_patch_and_manifests(void **state)
{
        static const char *const xml[] = {"update/firehose/patch_p4K_b256K.xml",
                                          "update/partition_nand.xml", "contents.xml"};
        static const struct sf_xml_handlers none = {0};
        struct sf_error err = {{0}};
        char path[512], *text;
        size_t len;

        (void)state;
        for (size_t i = 0; i < sizeof(xml) / sizeof(*xml); i++) {
                join(path, sizeof(path), fx.a, xml[i]);
                assert_int_equal(sf_xml_parse_file(path, 1 << 20, &none, NULL, &err), 0);
        }
        update_path(path, sizeof(path), fx.a, "firehose/patch_p4K_b256K.xml");
        text = (char *)read_all(path, &len);
        assert_non_null(strstr(text, "<patches>"));
        assert_null(strstr(text, "<patch "));
        free(text);
        join(path, sizeof(path), fx.a, "contents.xml");
        text = (char *)read_all(path, &len);
        assert_non_null(strstr(text, "<product_name>MDM9607.LE.1.0</product_name>"));
        assert_non_null(strstr(text, "prog_nand_firehose_9x07.mbn"));
        assert_non_null(strstr(text, "storage_type=\"nand\""));
        assert_null(strstr(text, "EC25EFA")); /* a platform manifest, not the Quectel version */
        free(text);
        update_path(path, sizeof(path), fx.a, "partition_nand.xml");
        text = (char *)read_all(path, &len);
        assert_non_null(strstr(text, "<nandboot>"));
        assert_non_null(strstr(text, "0:SBL"));
        assert_non_null(strstr(text, "0:EFS2"));
        free(text);
}

/* ---- image headers ---- */

struct image_check {
        const char *file;
        uint32_t kind;
};

static uint32_t be32(const uint8_t *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The data of volume 0 of a UBI image made for 256 KiB eraseblocks with 4 KiB pages, LEB after
 * LEB (include/uapi/mtd/ubi-media.h: the VID header at 4096, "UBI!", vol_id at 8, lnum at 12,
 * data_size at 20; the data at 8192). *exact: a static volume, whose size is known. */
static uint8_t *ubi_volume0(const uint8_t *b, size_t len, size_t *ret_len, bool *exact)
{
        const size_t peb = 256 * 1024, leb = peb - 8192;
        uint8_t *out = calloc(len / peb + 1, leb);
        size_t n = 0;

        assert_int_equal(len % peb, 0);
        *exact = false;
        for (uint32_t lnum = 0;; lnum++) {
                size_t i;
                for (i = 0; i < len / peb; i++) {
                        const uint8_t *v = b + i * peb + 4096;
                        if (be32(v) == 0x55424921u && be32(v + 8) == 0 && be32(v + 12) == lnum)
                                break;
                }
                if (i == len / peb)
                        break;
                *exact = b[i * peb + 4096 + 5] == 2;
                size_t take = *exact ? be32(b + i * peb + 4096 + 20) : leb;
                memcpy(out + n, b + i * peb + 8192, take);
                n += take;
        }
        *ret_len = n;
        return out;
}

static void check_header(const char *pkg, const struct image_check *c, unsigned baseline,
                         const char *version, struct sim_image_header *ret)
{
        struct sim_layout layout;
        char path[512];
        size_t len;
        uint8_t *b;
        bool exact = true;

        sim_layout_for_baseline(baseline, SIM_MKPKG_DEFAULT_TOTAL_PAGES, &layout);
        update_path(path, sizeof(path), pkg, c->file);
        b = read_all(path, &len);
        if (strstr(c->file, ".ubi")) { /* the image is the contents of the first volume */
                uint8_t *vol = ubi_volume0(b, len, &len, &exact);
                free(b);
                b = vol;
        }
        assert_int_equal(sim_image_header_decode(b, len, ret), 0);
        assert_int_equal(ret->kind, c->kind);
        assert_int_equal(ret->baseline, baseline);
        assert_int_equal(ret->board_mask, sim_board_mask_for_baseline(baseline));
        assert_int_equal(ret->msm_id, 0x000480E1);
        assert_string_equal(ret->memory, "M4G");
        assert_string_equal(ret->prefix, "EC25EFA");
        assert_int_equal(ret->layout_id, sim_layout_id(&layout));
        assert_string_equal(ret->version, version);
        if (exact)
                assert_int_equal(ret->payload_len, len - SIM_IMAGE_HEADER_LEN);
        else
                assert_true(ret->payload_len <= len - SIM_IMAGE_HEADER_LEN);
        assert_int_equal(ret->payload_crc,
                         sf_firehose_crc32(b + SIM_IMAGE_HEADER_LEN, ret->payload_len));
        free(b);
}

static const struct image_check image_checks[] = {
        {"sbl1.mbn", SIM_IMAGE_SBL},
        {"tz.mbn", SIM_IMAGE_TZ},
        {"rpm.mbn", SIM_IMAGE_RPM},
        {"appsboot.mbn", SIM_IMAGE_ABOOT},
        {"NON-HLOS.ubi", SIM_IMAGE_MODEM},
        {"mdm9607-perf-boot.img", SIM_IMAGE_BOOT},
        {"mdm9607-perf-sysfs.ubi", SIM_IMAGE_SYSFS},
        {"mdm-perf-recovery-image-mdm9607-perf.ubi", SIM_IMAGE_OTHER},
        {"oemapp.ubi", SIM_IMAGE_OTHER},
};

static void test_image_headers(void **state)
{
        static const struct image_check cefs = {"cefs.mbn", SIM_IMAGE_EFS};
        struct sim_image_header h;

        (void)state;
        for (size_t i = 0; i < sizeof(image_checks) / sizeof(*image_checks); i++)
                check_header(fx.a, &image_checks[i], 6, V_A, &h);
        check_header(fx.other, &image_checks[4], 6, V_OTHER, &h);
        /* cefs.mbn: EFS with neither IMEI nor calibration */
        check_header(fx.factory, &cefs, 6, V_A, &h);
        assert_string_equal(h.imei, "");
        for (int i = 0; i < 32; i++)
                assert_int_equal(h.calibration[i], 0);
}

/* A NAND SBL begins with the 80-byte MBN header of NAND boot images (docs/sim-transport.md):
 * bytes written from Qualcomm's layout, not from the encoder. */
static void test_sbl_mbn80_header(void **state)
{
        static const uint8_t want[] = {0xD1, 0xDC, 0x4B, 0x84, 0x34, 0x10, 0xD7, 0x73, /* code word, magic */
                                       0x15, 0x00, 0x00, 0x00,                         /* image id 21: SBL1 */
                                       0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, /* reserved */
                                       0x50, 0x00, 0x00, 0x00};                        /* image_src: 80 */
        struct sim_image_header h;
        char path[512];
        size_t len;
        uint8_t *b;

        (void)state;
        update_path(path, sizeof(path), fx.a, "sbl1.mbn");
        b = read_all(path, &len);
        assert_true(len > SIM_IMAGE_HEADER_LEN);
        assert_memory_equal(b, want, sizeof(want));
        assert_int_equal(b[28] | b[29] << 8 | b[30] << 16 | (uint32_t)b[31] << 24, len - 80);
        assert_memory_equal(b + 80, "SFSIMIMG", 8);
        assert_int_equal(sim_image_header_decode(b, len, &h), 0);
        assert_true(h.mbn80);
        assert_int_equal(h.kind, SIM_IMAGE_SBL);
        free(b);
        update_path(path, sizeof(path), fx.a, "tz.mbn"); /* the others: no such header */
        b = read_all(path, &len);
        assert_memory_equal(b, "SFSIMIMG", 8);
        free(b);
}

static void read_mibib(const char *pkg, const char *rel, struct sim_layout *ret, uint32_t *ret_id,
                       uint8_t **bytes, size_t *len)
{
        char path[512];

        update_path(path, sizeof(path), pkg, rel);
        *bytes = read_all(path, len);
        assert_int_equal(*len, 256 * 1024); /* one copy: one whole erase block */
        assert_int_equal(sim_mibib_decode(*bytes, *len, ret, ret_id), 0);
}

static void test_mibib_and_r08(void **state)
{
        struct sim_layout want6, want8, got;
        struct sim_image_header h6, h8;
        uint8_t *b6, *b8, *legacy;
        size_t l6, l8, ll;
        uint32_t id;

        (void)state;
        sim_layout_for_baseline(6, SIM_MKPKG_DEFAULT_TOTAL_PAGES, &want6);
        sim_layout_for_baseline(8, SIM_MKPKG_DEFAULT_TOTAL_PAGES, &want8);
        read_mibib(fx.a, "firehose/partition_complete_p4K_b256K.mbn", &got, &id, &b6, &l6);
        assert_int_equal(id, sim_layout_id(&want6));
        assert_int_equal(sim_layout_id(&got), sim_layout_id(&want6));
        read_mibib(fx.a, "partition.mbn", &got, &id, &legacy, &ll);
        assert_int_equal(ll, l6);
        assert_memory_equal(legacy, b6, l6);
        read_mibib(fx.r08, "firehose/partition_complete_p4K_b256K.mbn", &got, &id, &b8, &l8);
        assert_int_equal(id, sim_layout_id(&want8));
        assert_true(l6 != l8 || memcmp(b6, b8, l6) != 0);
        /* The R08 SBL expects its own layout and other boards. */
        check_header(fx.a, &image_checks[0], 6, V_A, &h6);
        check_header(fx.r08, &image_checks[0], 8, V_R08, &h8);
        assert_int_not_equal(h6.board_mask, h8.board_mask);
        assert_int_not_equal(h6.layout_id, h8.layout_id);
        assert_int_equal(h6.layout_id, sim_layout_id(&want6));
        free(b6);
        free(b8);
        free(legacy);
}

/* ---- the MIBIB as the host reads it (docs/mibib.md) ---- */

struct want_part {
        const char *name; /* as written after "0:" */
        uint32_t offset, length;
        uint8_t attr3;
};

/* docs/mibib.md section 4 for the first seven entries (blocks of 256 KiB); the rest is the
 * simulator's layout of a 2048-block flash. */
static const struct want_part want_r06[] = {
        {"SBL", 0, 10, 0x00},        {"MIBIB", 10, 10, 0xFF},      {"EFS2", 20, 88, 0xFF},
        {"sys_rev", 108, 20, 0x00},  {"RAWDATA", 128, 12, 0x00},   {"TZ", 140, 5, 0x00},
        {"RPM", 145, 6, 0x00},       {"aboot", 151, 4, 0x00},      {"boot", 155, 40, 0x00},
        {"recovery", 195, 40, 0x00}, {"modem", 235, 256, 0x00},    {"recoveryfs", 491, 160, 0x00},
        {"system", 651, 1047, 0x00}, {"usrdata", 1698, 350, 0x00},
};

/* R08: EFS2 grows to 120 blocks and everything after it moves; the modem grows to 288. */
static const struct want_part want_r08[] = {
        {"SBL", 0, 10, 0x00},        {"MIBIB", 10, 10, 0xFF},      {"EFS2", 20, 120, 0xFF},
        {"sys_rev", 140, 20, 0x00},  {"RAWDATA", 160, 12, 0x00},   {"TZ", 172, 5, 0x00},
        {"RPM", 177, 6, 0x00},       {"aboot", 183, 4, 0x00},      {"boot", 187, 40, 0x00},
        {"recovery", 227, 40, 0x00}, {"modem", 267, 288, 0x00},    {"recoveryfs", 555, 160, 0x00},
        {"system", 715, 999, 0x00},  {"usrdata", 1714, 334, 0x00},
};
#define N_WANT (sizeof(want_r06) / sizeof(*want_r06))

static void check_host_parse(const char *pkg, const struct want_part *want)
{
        struct sf_mibib m;
        uint8_t *b;
        size_t len;
        char path[512];

        update_path(path, sizeof(path), pkg, "firehose/partition_complete_p4K_b256K.mbn");
        b = read_all(path, &len);
        assert_int_equal(sf_mibib_parse(b, len, 4096, &m), 0);
        assert_int_equal(m.version, 4);
        assert_int_equal(m.age, 1);
        assert_int_equal(m.n, N_WANT);
        for (unsigned i = 0; i < N_WANT; i++) {
                assert_string_equal(m.parts[i].name, want[i].name);
                assert_int_equal(m.parts[i].offset, want[i].offset);
                assert_int_equal(m.parts[i].length, want[i].length);
                assert_int_equal(m.parts[i].attr1, 0xFF);
                assert_int_equal(m.parts[i].attr2, 0x01);
                assert_int_equal(m.parts[i].attr3, want[i].attr3);
                assert_int_equal(m.parts[i].which_flash, 0);
        }
        free(b);
}

static void test_mibib_host_parses(void **state)
{
        struct sf_mibib m;
        uint8_t *b;
        size_t len;
        char path[512];

        (void)state;
        check_host_parse(fx.a, want_r06);
        check_host_parse(fx.r08, want_r08);
        update_path(path, sizeof(path), fx.a, "firehose/partition_complete_p4K_b256K.mbn");
        b = read_all(path, &len);
        assert_int_equal(sf_mibib_parse(b, len, 4096, &m), 0);
        assert_int_equal(sf_mibib_find(&m, "efs2")->offset * 64, 1280); /* EFS at page 1280 */
        assert_non_null(sf_mibib_find(&m, "0:MIBIB"));
        free(b);
}

/* CRC-32 as docs/mibib.md 2.4 gives it: poly 0x04C11DB7 MSB-first, initial 0, no final XOR. */
static uint32_t crc_msb(uint32_t crc, const uint8_t *p, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                crc ^= (uint32_t)p[i] << 24;
                for (int b = 0; b < 8; b++)
                        crc = crc & 0x80000000u ? crc << 1 ^ 0x04C11DB7u : crc << 1;
        }
        return crc;
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
        for (size_t i = 0; i < n; i++)
                if (p[i] != v)
                        return false;
        return true;
}

/* The byte patterns of docs/mibib.md 1 and 4, at the offsets it gives (page = 0x1000). */
static void test_mibib_bytes(void **state)
{
        static const uint8_t hdr[16] = {0xAC, 0x9F, 0x56, 0xFE, 0x7A, 0x12, 0x7F, 0xCD,
                                        0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00};
        static const uint8_t sys[16] = {0xAA, 0x73, 0xEE, 0x55, 0xDB, 0xBD, 0x5E, 0xE3,
                                        0x04, 0x00, 0x00, 0x00, 0x0E, 0x00, 0x00, 0x00};
        static const uint8_t efs[28] = {0x30, 0x3A, 0x45, 0x46, 0x53, 0x32, 0,    0,   0, 0,
                                        0,    0,    0,    0,    0,    0,    0x14, 0,   0, 0,
                                        0x58, 0,    0,    0,    0xFF, 0x01, 0xFF, 0x00};
        static const uint8_t usr[12] = {0x9A, 0x1B, 0x7D, 0xAA, 0xBC, 0x48,
                                        0x7D, 0x1F, 0x04, 0x00, 0x00, 0x00};
        /* user entry of EFS2: 88 blocks = 22528 KiB, no padding, flash 0, flags, KiB sizes */
        static const uint8_t usr_efs[12] = {0x00, 0x58, 0x00, 0x00, 0x00, 0x00,
                                            0x00, 0x00, 0xFF, 0x01, 0xFF, 0xFF};
        static const uint8_t crc[12] = {0xA1, 0xBE, 0x41, 0x9D, 0xEA, 0xD2,
                                        0xDE, 0xF1, 0x01, 0x00, 0x00, 0x00};
        char path[512];
        uint8_t *b;
        size_t len;

        (void)state;
        assert_int_equal(crc_msb(0, (const uint8_t *)"123456789", 9), 0x89A1897F);
        update_path(path, sizeof(path), fx.a, "firehose/partition_complete_p4K_b256K.mbn");
        b = read_all(path, &len);
        assert_int_equal(len, 0x40000);
        assert_memory_equal(b, hdr, sizeof(hdr));
        assert_true(all_bytes(b + 0x10, 0x1000 - 0x10, 0xFF));
        assert_memory_equal(b + 0x1000, sys, sizeof(sys));
        assert_memory_equal(b + 0x1048, efs, sizeof(efs));
        assert_true(all_bytes(b + 0x1000 + 16 + 14 * 28, (32 - 14) * 28, 0x00)); /* to 912 */
        assert_true(all_bytes(b + 0x1000 + 912, 0x1000 - 912, 0xFF));
        assert_memory_equal(b + 0x2000, usr, sizeof(usr));
        assert_memory_equal(b + 0x2048, efs, 16);
        assert_memory_equal(b + 0x2048 + 16, usr_efs, sizeof(usr_efs));
        assert_memory_equal(b + 0x3000, crc, sizeof(crc));
        assert_int_equal(sf_le32(b + 0x300C), crc_msb(0, b, 0x3000));
        assert_true(all_bytes(b + 0x3010, 0x1000 - 0x10, 0xFF));
        assert_true(all_bytes(b + 0x4000, 0x40000 - 0x4000, 0xFF)); /* pages 4-63 erased */
        free(b);
}

/* ---- options and refusals ---- */

static void test_sizes(void **state)
{
        struct sim_mkpkg_options o = {
                .version = V_A, .small = true, .scale_percent = 300, .modem_bytes = 40000};
        struct sf_error err = {{0}};
        char out[256], path[512];
        struct stat st;

        (void)state;
        join(out, sizeof(out), fx.root, "scaled");
        o.out = out;
        assert_int_equal(sim_mkpkg(&o, &err), 0);
        /* UBI images of 256 KiB eraseblocks: two for the volume table, then the volume's LEBs
         * of 256 KiB - 8 KiB: the 40000-byte modem takes one, and so does the system image's
         * rootfs (3 * 28672 bytes); its usrfs is empty. */
        update_path(path, sizeof(path), out, "NON-HLOS.ubi");
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_size, 3 * 256 * 1024);
        {
                size_t len, vlen;
                bool exact;
                uint8_t *b = read_all(path, &len), *v = ubi_volume0(b, len, &vlen, &exact);
                assert_true(exact);
                assert_int_equal(vlen, 40000);
                free(b);
                free(v);
        }
        update_path(path, sizeof(path), out, "mdm9607-perf-sysfs.ubi");
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_size, 3 * 256 * 1024);
        /* A modem image larger than the R06 modem partition (64 MiB). */
        join(out, sizeof(out), fx.root, "too-big");
        o.modem_bytes = 65ull * 1024 * 1024;
        assert_int_equal(sim_mkpkg(&o, &err), -EFBIG);
        assert_false(exists(out)); /* refused before anything is written */
        /* Realistic sizes do not fit a flash too small for the system image. */
        o = (struct sim_mkpkg_options){.version = V_A, .out = out, .total_pages = 45000};
        assert_int_equal(sim_mkpkg(&o, &err), -EFBIG);
        assert_non_null(strstr(err.message, "system"));
        assert_false(exists(out));
}

static void test_bad_input(void **state)
{
        struct sim_mkpkg_options o = {.version = "not a version", .small = true};
        struct sf_error err = {{0}};
        char out[256], path[512];

        (void)state;
        join(out, sizeof(out), fx.root, "bad");
        o.out = out;
        assert_int_equal(sim_mkpkg(&o, &err), -EINVAL);
        assert_true(err.message[0] != '\0');
        assert_false(exists(out));
        o.version = NULL;
        assert_int_equal(sim_mkpkg(&o, &err), -EINVAL);
        /* An existing package, or a file, is never overwritten. */
        o.version = V_A;
        o.out = fx.a;
        err.message[0] = '\0';
        assert_int_equal(sim_mkpkg(&o, &err), -EEXIST);
        assert_true(err.message[0] != '\0');
        join(path, sizeof(path), fx.a, "md5.txt");
        o.out = path;
        assert_int_equal(sim_mkpkg(&o, &err), -EEXIST);
        /* An existing empty directory is fine. */
        join(out, sizeof(out), fx.root, "empty");
        assert_int_equal(mkdir(out, 0755), 0);
        o.out = out;
        assert_int_equal(sim_mkpkg(&o, &err), 0);
        join(path, sizeof(path), out, "md5.txt");
        assert_true(exists(path));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_every_file_exists),
                cmocka_unit_test(test_deterministic),
                cmocka_unit_test(test_md5_txt),
                cmocka_unit_test(test_sbl_mbn80_header),
                cmocka_unit_test(test_programmer_structure),
                cmocka_unit_test(test_programmer_boots_on_secure_chip),
                cmocka_unit_test(test_programmer_refused),
                cmocka_unit_test(test_programmer_v7_sdx55),
                cmocka_unit_test(test_rawprogram_update),
                cmocka_unit_test(test_rawprogram_factory),
                cmocka_unit_test(test_r08_rawprogram_follows_its_layout),
                cmocka_unit_test(test_patch_and_manifests),
                cmocka_unit_test(test_image_headers),
                cmocka_unit_test(test_mibib_and_r08),
                cmocka_unit_test(test_mibib_host_parses),
                cmocka_unit_test(test_mibib_bytes),
                cmocka_unit_test(test_sizes),
                cmocka_unit_test(test_bad_input),
        };
        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
