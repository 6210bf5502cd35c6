/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The SDX55 UFS package generator: see mkpkg.h. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpt.h"
#include "image.h"
#include "mkpkg_core.h"
#include "mkpkg_programmer.h"
#include "mkpkg_ufs.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#define SECTOR     SIM_UFS_SECTOR
#define CHUNK      SIM_PKG_CHUNK
#define MIB        (1024ull * 1024)
#define PROGRAMMER "prog_firehose_sdx55.mbn"

/* Images under update/, with realistic sizes (those of a public SDX55 package, rounded) and the
 * small ones of fast tests. Where each goes is in the layout (gpt.c). */
struct ufs_image {
        const char *file;
        uint32_t kind;
        uint64_t size, small_size;
        bool scaled; /* a large UBI image, which scale_percent applies to */
};

static const struct ufs_image images[] = {
        {"xbl.elf", SIM_IMAGE_SBL, 1478656, 9000, false},
        {"xbl_cfg.elf", SIM_IMAGE_OTHER, 126976, 5000, false},
        {"aop.mbn", SIM_IMAGE_AOP, 241664, 7000, false},
        {"tz.mbn", SIM_IMAGE_TZ, 1966080, 12345, false},
        {"hyp.mbn", SIM_IMAGE_HYP, 421888, 6000, false},
        {"devcfg.mbn", SIM_IMAGE_DEVCFG, 53248, 5000, false},
        {"abl.elf", SIM_IMAGE_ABOOT, 163840, 7000, false},
        {"uefi.elf", SIM_IMAGE_OTHER, 1572864, 6000, false},
        {"apdp.mbn", SIM_IMAGE_OTHER, 8192, 4608, false},
        {"multi_image.mbn", SIM_IMAGE_OTHER, 16384, 4608, false},
        {"sec.dat", SIM_IMAGE_OTHER, 16384, 4608, false},
        {"tools.fv", SIM_IMAGE_OTHER, 1048576, 5000, false},
        {"NON-HLOS.ubi", SIM_IMAGE_MODEM, 75 * MIB, 24576, true},
        {"sdxprairie-boot.img", SIM_IMAGE_BOOT, 11534336, 16384, false},
        {"sdxprairie-sysfs.ubi", SIM_IMAGE_SYSFS, 60 * MIB, 28672, true},
        {"sdxprairie-recoveryfs.ubi", SIM_IMAGE_OTHER, 20 * MIB, 12288, true},
        {"usrdata.ubi", SIM_IMAGE_OTHER, 4 * MIB, 8192, false},
        {"oemdata.ubi", SIM_IMAGE_OTHER, 2 * MIB, 8192, false},
};
#define N_IMAGES (sizeof(images) / sizeof(*images))

struct ufs {
        const struct sim_mkpkg_options *o;
        struct sf_error *err;
        struct sf_version v;
        struct sim_ufs_layout layout;
        struct sim_image_header tmpl;
        uint64_t sizes[N_IMAGES];
        char update[PATH_MAX], firehose[PATH_MAX];
        uint8_t *chunk; /* CHUNK bytes */
        char *text;     /* SIM_TEXT_MAX bytes */
};

static void ufs_free(struct ufs *u)
{
        if (!u)
                return;
        free(u->chunk);
        free(u->text);
        free(u);
}
SF_DEFINE_CLEANUP(struct ufs, ufs_free)

static uint64_t sectors_of(uint64_t bytes)
{
        return (bytes + SECTOR - 1) / SECTOR;
}

static struct sim_text text_init(struct ufs *u)
{
        return (struct sim_text){.buf = u->text, .cap = SIM_TEXT_MAX};
}

static uint64_t file_size(const struct ufs *u, const char *file)
{
        for (size_t i = 0; i < N_IMAGES; i++)
                if (strcmp(images[i].file, file) == 0)
                        return u->sizes[i];
        return 0;
}

/* ---- Plan ---- */

static uint64_t image_size(const struct ufs *u, const struct ufs_image *im)
{
        uint64_t size = u->o->small ? im->small_size : im->size;
        uint32_t scale = u->o->scale_percent ? u->o->scale_percent : 100;

        if (im->scaled && scale != 100) {
                size = sectors_of(size * scale / 100) * SECTOR;
                size = size < SECTOR ? SECTOR : size;
        }
        if (im->kind == SIM_IMAGE_MODEM && u->o->modem_bytes)
                size = u->o->modem_bytes;
        return size;
}

/* Every image's size; every one a fixed-size partition takes must fit it. A scaled image is
 * capped at its partition, so a scaled package always fits; a modem of an exact size is not. */
static int plan(struct ufs *u)
{
        if (u->o->modem_bytes && u->o->modem_bytes < SECTOR)
                return sf_error_set(u->err, -EINVAL,
                                    "mkpkg: a modem image of %" PRIu64 " bytes is under one sector",
                                    u->o->modem_bytes);
        for (size_t i = 0; i < N_IMAGES; i++)
                u->sizes[i] = image_size(u, &images[i]);
        for (unsigned i = 0; i < u->layout.n; i++) {
                const struct sim_gpt_part *p = &u->layout.parts[i];
                for (size_t k = 0; p->file && p->sectors && k < N_IMAGES; k++) {
                        if (strcmp(images[k].file, p->file) != 0)
                                continue;
                        if (images[k].scaled && !u->o->modem_bytes &&
                            u->sizes[k] > p->sectors * SECTOR)
                                u->sizes[k] = p->sectors * SECTOR;
                        if (u->sizes[k] > p->sectors * SECTOR)
                                return sf_error_set(u->err, -EFBIG,
                                                    "mkpkg: %s (%" PRIu64 " bytes) does not fit %s "
                                                    "(%" PRIu64 " sectors)",
                                                    p->file, u->sizes[k], p->name, p->sectors);
                }
        }
        return 0;
}

static int fill_template(struct ufs *u)
{
        struct sim_image_header *h = &u->tmpl;

        *h = (struct sim_image_header){0};
        h->baseline = (uint32_t)u->v.baseline;
        h->board_mask = sim_board_mask_for_baseline((unsigned)u->v.baseline);
        h->msm_id = u->o->msm_id ? u->o->msm_id : SIM_MKPKG_SDX55_MSM_ID;
        h->layout_id = sim_ufs_layout_id(&u->layout);
        if (sf_strlcpy(h->memory, sizeof(h->memory), u->v.memory) < 0 ||
            sf_strlcpy(h->prefix, sizeof(h->prefix), u->v.prefix) < 0 ||
            sf_strlcpy(h->version, sizeof(h->version), u->v.canonical) < 0)
                return sf_error_set(u->err, -EINVAL,
                                    "mkpkg: '%s' does not fit the simulator's image header "
                                    "(prefix, memory code or version too long)",
                                    u->v.raw);
        return 0;
}

static int ufs_new(const struct sim_mkpkg_options *o, struct sf_error *err, struct ufs **ret)
{
        _cleanup_(ufs_freep) struct ufs *u = calloc(1, sizeof(*u));
        int r;

        if (!u)
                return sf_error_set(err, -ENOMEM, "mkpkg: out of memory");
        u->o = o;
        u->err = err;
        u->chunk = malloc(CHUNK);
        u->text = malloc(SIM_TEXT_MAX);
        if (!u->chunk || !u->text)
                return sf_error_set(err, -ENOMEM, "mkpkg: out of memory");
        r = sim_pkg_parse_version(o->version, &u->v, err);
        if (r < 0)
                return r;
        if (o->factory)
                return sf_error_set(err, -EINVAL,
                                    "mkpkg: no factory package for UFS firmware (%s): EFS is "
                                    "written by the simulator's factory only",
                                    u->v.canonical);
        sim_ufs_layout_for_baseline((unsigned)u->v.baseline, &u->layout);
        r = fill_template(u);
        if (r >= 0)
                r = plan(u);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(u);
        return 0;
}

/* ---- Binaries ---- */

static int make_dirs(struct ufs *u)
{
        int r;

        r = sim_pkg_path_join(u->update, sizeof(u->update), u->o->out, "update");
        if (r >= 0)
                r = sim_pkg_path_join(u->firehose, sizeof(u->firehose), u->update, "firehose");
        if (r < 0)
                return sim_pkg_file_error(u->err, r, u->o->out);
        r = sim_pkg_make_empty_dir(u->o->out, u->err);
        if (r >= 0)
                r = sim_pkg_make_empty_dir(u->update, u->err);
        if (r >= 0)
                r = sim_pkg_make_empty_dir(u->firehose, u->err);
        return r;
}

static int write_images(struct ufs *u)
{
        for (size_t i = 0; i < N_IMAGES; i++) {
                char path[PATH_MAX];
                int r = sim_pkg_path_join(path, sizeof(path), u->update, images[i].file);
                if (r < 0)
                        return sim_pkg_file_error(u->err, r, u->update);
                r = sim_pkg_write_image(path, &u->tmpl, images[i].kind,
                                        sim_pkg_seed_for(images[i].file, "payload", u->v.canonical),
                                        u->sizes[i], u->chunk, u->err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The NAND package's programmer ELF, built for this package's chip. */
static int write_programmer(struct ufs *u)
{
        struct sim_mkpkg_options o = *u->o;
        char path[PATH_MAX];
        int r = sim_pkg_path_join(path, sizeof(path), u->firehose, PROGRAMMER);

        if (r < 0)
                return sim_pkg_file_error(u->err, r, u->firehose);
        o.msm_id = u->tmpl.msm_id;
        return sim_mkpkg_programmer(&o, path, u->err);
}

static int write_gpts(struct ufs *u)
{
        uint8_t buf[8 * SECTOR];

        for (unsigned lun = 0; lun < SIM_UFS_LUNS; lun++)
                for (int backup = 0; backup < 2; backup++) {
                        char name[32], path[PATH_MAX];
                        int n = sim_gpt_build(&u->layout, lun, SECTOR, 0, backup, buf, sizeof(buf));
                        int r = n < 0 ? n : 0;
                        snprintf(name, sizeof(name), "gpt_%s%u.bin", backup ? "backup" : "main",
                                 lun);
                        if (r >= 0)
                                r = sim_pkg_path_join(path, sizeof(path), u->firehose, name);
                        if (r < 0)
                                return sf_error_set(u->err, r, "mkpkg: %s: %s", name, strerror(-r));
                        r = sim_pkg_write_new_file(path, buf, (size_t)n, u->err);
                        if (r < 0)
                                return r;
                }
        return 0;
}

/* ---- XML ---- */

static void program_line(struct sim_text *t, unsigned lun, const char *filename, const char *label,
                         uint64_t num_sectors, uint64_t size_kb, const char *start_hex,
                         const char *start)
{
        sim_text_add(t,
                     "  <program SECTOR_SIZE_IN_BYTES=\"%u\" file_sector_offset=\"0\" "
                     "filename=\"%s\" label=\"%s\" num_partition_sectors=\"%" PRIu64 "\" "
                     "partofsingleimage=\"false\" physical_partition_number=\"%u\" "
                     "readbackverify=\"false\" size_in_KB=\"%" PRIu64 ".0\" sparse=\"false\" "
                     "start_byte_hex=\"%s\" start_sector=\"%s\"/>\n",
                     SECTOR, filename, label, num_sectors, lun, size_kb, start_hex, start);
}

/* Every partition of the LUN in GPT order (an image's own size when the package writes one,
 * the partition's with no file otherwise), then the two GPTs, as ptool orders them. */
static int write_rawprogram(struct ufs *u, unsigned lun)
{
        struct sim_text t = text_init(u);
        char name[32], fn[64], hex[32], start[32];

        sim_text_add(&t, "<?xml version=\"1.0\" ?>\n<data>\n"
                         "  <!--NOTE: This is an ** Autogenerated file **-->\n"
                         "  <!--NOTE: Sector size is 4096bytes-->\n");
        for (unsigned i = 0; i < u->layout.n; i++) {
                const struct sim_gpt_part *p = &u->layout.parts[i];
                if (p->lun != lun)
                        continue;
                snprintf(fn, sizeof(fn), "%s%s", p->file ? "..\\" : "", p->file ? p->file : "");
                snprintf(hex, sizeof(hex), "0x%" PRIx64, p->first * SECTOR);
                snprintf(start, sizeof(start), "%" PRIu64, p->first);
                program_line(&t, lun, fn, p->name,
                             p->file ? sectors_of(file_size(u, p->file)) : p->sectors,
                             p->sectors * (SECTOR / 1024), hex, start);
        }
        snprintf(fn, sizeof(fn), "gpt_main%u.bin", lun);
        program_line(&t, lun, fn, "PrimaryGPT", sim_gpt_primary_sectors(SECTOR),
                     sim_gpt_primary_sectors(SECTOR) * (SECTOR / 1024), "0x0", "0");
        snprintf(fn, sizeof(fn), "gpt_backup%u.bin", lun);
        snprintf(hex, sizeof(hex), "(%u*NUM_DISK_SECTORS)-%u.", SECTOR,
                 sim_gpt_backup_sectors(SECTOR) * SECTOR);
        snprintf(start, sizeof(start), "NUM_DISK_SECTORS-%u.", sim_gpt_backup_sectors(SECTOR));
        program_line(&t, lun, fn, "BackupGPT", sim_gpt_backup_sectors(SECTOR),
                     sim_gpt_backup_sectors(SECTOR) * (SECTOR / 1024), hex, start);
        sim_text_add(&t, "</data>\n");
        snprintf(name, sizeof(name), "rawprogram%u.xml", lun);
        return sim_pkg_write_text(u->firehose, name, &t, u->err);
}

static void patch_line(struct sim_text *t, unsigned lun, const char *filename,
                       const struct sim_gpt_patch *p, const char *start, const char *value)
{
        sim_text_add(t,
                     "  <patch SECTOR_SIZE_IN_BYTES=\"%u\" byte_offset=\"%" PRIu32 "\" "
                     "filename=\"%s\" physical_partition_number=\"%u\" size_in_bytes=\"%" PRIu32
                     "\" start_sector=\"%s\" value=\"%s\" what=\"%s\"/>\n",
                     SECTOR, p->byte_offset, filename, lun, p->size, start, value, p->what);
}

/* Each fix-up twice, as ptool writes it: for the GPT file (hosts skip those), then for DISK. */
static int write_patch(struct ufs *u, unsigned lun)
{
        struct sim_gpt_patch ps[SIM_GPT_MAX_PATCHES];
        size_t n = sim_gpt_patches(&u->layout, lun, SECTOR, ps);
        struct sim_text t = text_init(u);
        char name[32], file[32], start[16];

        sim_text_add(&t, "<?xml version=\"1.0\" ?>\n<patches>\n"
                         "  <!--NOTE: This is an ** Autogenerated file **-->\n"
                         "  <!--NOTE: Patching is in little endian format, i.e. 0xAABBCCDD will "
                         "look like DD CC BB AA in the file or on disk-->\n"
                         "  <!--NOTE: This file is used by Trace32 - So make sure to add decimals, "
                         "i.e. 0x10-10=0, *but* 0x10-10.=6.-->\n");
        for (size_t i = 0; i < n; i++) {
                snprintf(file, sizeof(file), "gpt_%s%u.bin", ps[i].in_backup ? "backup" : "main",
                         lun);
                snprintf(start, sizeof(start), "%" PRIu32, ps[i].file_sector);
                patch_line(&t, lun, file, &ps[i], start, ps[i].file_value);
                patch_line(&t, lun, "DISK", &ps[i], ps[i].start, ps[i].value);
        }
        sim_text_add(&t, "</patches>\n");
        snprintf(name, sizeof(name), "patch%u.xml", lun);
        return sim_pkg_write_text(u->firehose, name, &t, u->err);
}

static void contents_build(struct sim_text *t, const char *name, const char *role,
                           const char *build_id, const char *file)
{
        sim_text_add(t,
                     "    <build>\n      <name>%s</name>\n      <role>%s</role>\n"
                     "      <chipset>sdx55</chipset>\n      <build_id>%s</build_id>\n"
                     "      <image_dir>update</image_dir>\n"
                     "      <download_file storage_type=\"ufs\" minimized=\"true\">\n"
                     "        <file_name>%s</file_name>\n        <file_path>update/</file_path>\n"
                     "      </download_file>\n    </build>\n",
                     name, role, build_id, file);
}

static int write_contents(struct ufs *u)
{
        struct sim_text t = text_init(u);

        sim_text_add(&t, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<contents>\n"
                         "  <product_info>\n"
                         "    <product_name>SDX55.LE.1.0</product_name>\n"
                         "    <hlos_type cmm_var=\"HLOS_TYPE\">LE</hlos_type>\n"
                         "    <chipid cmm_var=\"CHIPID\" flavor=\"default\">SDX55</chipid>\n"
                         "  </product_info>\n  <builds_flat>\n"
                         "    <build>\n      <name>common</name>\n      <role>common</role>\n"
                         "      <chipset>sdx55</chipset>\n"
                         "      <build_id>SDX55.LE.1.0-00095-NBOOT.NEFS.PROD-1</build_id>\n"
                         "      <device_programmer storage_type=\"ufs\" minimized=\"true\">\n"
                         "        <file_name>" PROGRAMMER "</file_name>\n"
                         "        <file_path>update/firehose/</file_path>\n"
                         "      </device_programmer>\n");
        for (unsigned lun = 0; lun < SIM_UFS_LUNS; lun++)
                sim_text_add(&t,
                             "      <partition_file storage_type=\"ufs\">\n"
                             "        <file_name>rawprogram%u.xml</file_name>\n"
                             "        <file_path>update/firehose/</file_path>\n"
                             "      </partition_file>\n"
                             "      <partition_patch_file storage_type=\"ufs\">\n"
                             "        <file_name>patch%u.xml</file_name>\n"
                             "        <file_path>update/firehose/</file_path>\n"
                             "      </partition_patch_file>\n",
                             lun, lun);
        sim_text_add(&t, "    </build>\n");
        contents_build(&t, "boot", "BOOT", "BOOT.XF.3.1-00360-SDX55LZB-1", "xbl.elf");
        contents_build(&t, "tz", "TZ", "TZ.XF.5.1-01410-SDX55AAAAANAZT-1", "tz.mbn");
        contents_build(&t, "aop", "AOP", "AOP.HO.2.0-00198-SDX55AAAAANAZO-1", "aop.mbn");
        contents_build(&t, "modem", "MODEM", "MPSS.HI.2.0.c7-00295-SDX55_GENPACK-1",
                       "NON-HLOS.ubi");
        contents_build(&t, "apps", "APPS", "LE.UM.4.1.1-62000-sdx55", "sdxprairie-sysfs.ubi");
        sim_text_add(&t, "  </builds_flat>\n</contents>\n");
        return sim_pkg_write_text(u->o->out, "contents.xml", &t, u->err);
}

static int write_xmls(struct ufs *u)
{
        int r = 0;

        for (unsigned lun = 0; r >= 0 && lun < SIM_UFS_LUNS; lun++) {
                r = write_rawprogram(u, lun);
                if (r >= 0)
                        r = write_patch(u, lun);
        }
        return r < 0 ? r : write_contents(u);
}

int sim_mkpkg_ufs(const struct sim_mkpkg_options *o, struct sf_error *err)
{
        _cleanup_(ufs_freep) struct ufs *u = NULL;
        int r;

        r = ufs_new(o, err, &u);
        if (r >= 0)
                r = make_dirs(u);
        if (r >= 0)
                r = write_images(u);
        if (r >= 0)
                r = write_programmer(u);
        if (r >= 0)
                r = write_gpts(u);
        if (r >= 0)
                r = write_xmls(u);
        if (r >= 0)
                r = sim_pkg_write_md5(o->out, err);
        return r;
}
