/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The package generator (see mkpkg.h): the MDM9x07 NAND package, written here; an SDX55 version
 * goes to the UFS writer (mkpkg_ufs.c). Both stand on mkpkg_core.c and mkpkg_programmer.c. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "image.h"
#include "mkpkg.h"
#include "mkpkg_core.h"
#include "mkpkg_programmer.h"
#include "mkpkg_ubi.h"
#include "mkpkg_ufs.h"
#include "safeflash/version.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#define PAGE            4096u
#define PAGES_PER_BLOCK 64u
#define CHUNK           SIM_PKG_CHUNK
#define MIB             (1024ull * 1024)

#define MIBIB_FILE      "partition_complete_p4K_b256K.mbn"
#define PROGRAMMER_FILE SIM_PKG_NAND_PROGRAMMER
#define UPDATE_XML      "rawprogram_nand_p4K_b256K_update.xml"
#define FACTORY_XML     "rawprogram_nand_p4K_b256K_factory.xml"
#define TEXT_MAX        SIM_TEXT_MAX

/* Images that carry a sim_image_header, with their realistic and small sizes (bytes). */
struct image_spec {
        const char *file; /* under update/ */
        uint32_t kind;
        const char *part; /* the partition that caps its size; NULL: not programmed */
        uint64_t size, small_size;
        bool scaled;  /* a large UBI image, which scale_percent applies to */
        bool factory; /* only in factory packages */
        /* A UBI image: the synthetic image is the contents of this volume (static or dynamic), with
         * an empty read-write "usrfs" beside it when usrfs is set. */
        const char *volume;
        bool vol_static, usrfs;
};

static const struct image_spec images[] = {
        {.file = "sbl1.mbn",
         .kind = SIM_IMAGE_SBL,
         .part = "sbl",
         .size = 299628,
         .small_size = 9000},
        {.file = "tz.mbn",
         .kind = SIM_IMAGE_TZ,
         .part = "tz",
         .size = 1034916,
         .small_size = 12345},
        {.file = "rpm.mbn",
         .kind = SIM_IMAGE_RPM,
         .part = "rpm",
         .size = 198404,
         .small_size = 7000},
        {.file = "appsboot.mbn",
         .kind = SIM_IMAGE_ABOOT,
         .part = "aboot",
         .size = 405508,
         .small_size = 10000},
        {.file = "mdm9607-perf-boot.img",
         .kind = SIM_IMAGE_BOOT,
         .part = "boot",
         .size = 5349376,
         .small_size = 16384},
        {.file = "NON-HLOS.ubi",
         .volume = "modem",
         .vol_static = true,
         .kind = SIM_IMAGE_MODEM,
         .part = "modem",
         .size = 28 * MIB,
         .small_size = 24576,
         .scaled = true},
        {.file = "mdm-perf-recovery-image-mdm9607-perf.ubi",
         .volume = "recoveryfs",
         .kind = SIM_IMAGE_OTHER,
         .part = "recoveryfs",
         .size = 8 * MIB,
         .small_size = 12288,
         .scaled = true},
        {.file = "mdm9607-perf-sysfs.ubi",
         .volume = "rootfs",
         .usrfs = true,
         .kind = SIM_IMAGE_SYSFS,
         .part = "system",
         .size = 30 * MIB,
         .small_size = 28672,
         .scaled = true},
        {.file = "oemapp.ubi",
         .volume = "oemapp",
         .kind = SIM_IMAGE_OTHER,
         .size = 2 * MIB,
         .small_size = 8192},
        {.file = "cefs.mbn",
         .kind = SIM_IMAGE_EFS,
         .part = "efs2",
         .size = 1826816,
         .small_size = 12288,
         .factory = true},
};
#define N_IMAGES (sizeof(images) / sizeof(*images))

/* What the rawprogram XMLs write, in layout order. */
struct program_spec {
        const char *label;
        const char *file; /* under update/ */
        bool factory;
};

static const struct program_spec programs[] = {
        {"sbl", "sbl1.mbn", false},
        {"mibib", "firehose/" MIBIB_FILE, false},
        {"efs2", "cefs.mbn", true},
        {"tz", "tz.mbn", false},
        {"rpm", "rpm.mbn", false},
        {"aboot", "appsboot.mbn", false},
        {"boot", "mdm9607-perf-boot.img", false},
        {"recovery", "mdm9607-perf-boot.img", false},
        {"modem", "NON-HLOS.ubi", false},
        {"recoveryfs", "mdm-perf-recovery-image-mdm9607-perf.ubi", false},
        {"system", "mdm9607-perf-sysfs.ubi", false},
};
#define N_PROGRAMS (sizeof(programs) / sizeof(*programs))

struct mkpkg {
        const struct sim_mkpkg_options *o;
        struct sf_error *err;
        struct sf_version v;
        struct sim_layout layout;
        struct sim_image_header tmpl; /* every image's header but kind and payload */
        struct sim_signing sign;
        uint64_t sizes[N_IMAGES];
        uint8_t *mibib; /* SIM_MIBIB_LEN bytes: the partition table block */
        char update[PATH_MAX], firehose[PATH_MAX];
        uint8_t *chunk; /* CHUNK bytes */
        char *text;     /* TEXT_MAX bytes */
};

static void mkpkg_free(struct mkpkg *m)
{
        if (!m)
                return;
        free(m->chunk);
        free(m->text);
        free(m->mibib);
        free(m);
}
SF_DEFINE_CLEANUP(struct mkpkg, mkpkg_free)

static struct sim_text text_init(struct mkpkg *m)
{
        return (struct sim_text){.buf = m->text, .cap = TEXT_MAX};
}

static const struct image_spec *find_image(const char *file, size_t *ret_index)
{
        for (size_t i = 0; i < N_IMAGES; i++)
                if (strcmp(images[i].file, file) == 0) {
                        *ret_index = i;
                        return &images[i];
                }
        return NULL;
}

/* A UBI image of one volume of `content` bytes: two eraseblocks of volume table, then one per
 * LEB (an eraseblock less its EC and VID header pages); an empty usrfs takes none. */
static uint64_t ubi_size(uint64_t content)
{
        const uint64_t leb = SIM_UBI_PEB - 2 * SIM_UBI_PAGE;

        return (2 + (content + leb - 1) / leb) * SIM_UBI_PEB;
}

/* The size of a file of the package as it ships. */
static uint64_t file_size(const struct mkpkg *m, const char *file)
{
        const struct image_spec *im;
        size_t i;

        if (strcmp(file, "firehose/" MIBIB_FILE) == 0)
                return SIM_MIBIB_LEN;
        im = find_image(file, &i);
        if (!im)
                return 0;
        return im->volume ? ubi_size(m->sizes[i]) : m->sizes[i];
}

static uint64_t image_size(const struct mkpkg *m, const struct image_spec *im)
{
        const struct sim_partition *p = im->part ? sim_layout_find(&m->layout, im->part) : NULL;
        uint64_t size = m->o->small ? im->small_size : im->size;
        uint64_t cap = p ? (uint64_t)p->pages * PAGE : UINT64_MAX;
        uint32_t scale = m->o->scale_percent ? m->o->scale_percent : 100;

        if (im->volume && p) { /* the volume's content, once ubinize wraps it, fits too */
                const uint64_t leb = SIM_UBI_PEB - 2 * SIM_UBI_PAGE;
                uint64_t pebs = cap / SIM_UBI_PEB;
                cap = pebs > 2 ? (pebs - 2) * leb : PAGE;
                cap = cap / PAGE * PAGE;
        }
        if (im->scaled && scale != 100) {
                size = sim_pkg_align_up(size * scale / 100, PAGE);
                size = size < PAGE ? PAGE : size > cap ? cap : size;
        }
        if (im->kind == SIM_IMAGE_MODEM && m->o->modem_bytes)
                size = m->o->modem_bytes;
        return size;
}

/* Every programmed file fits its partition. */
static int check_fit(struct mkpkg *m)
{
        for (size_t i = 0; i < N_PROGRAMS; i++) {
                const struct sim_partition *p = sim_layout_find(&m->layout, programs[i].label);
                uint64_t size = file_size(m, programs[i].file);
                if (!p)
                        return sf_error_set(m->err, -EINVAL, "mkpkg: the R%02d layout has no %s",
                                            m->v.baseline, programs[i].label);
                if (sim_pkg_align_up(size, PAGE) / PAGE > p->pages)
                        return sf_error_set(m->err, -EFBIG,
                                            "mkpkg: %s (%" PRIu64
                                            " bytes) does not fit %s (%" PRIu32 " pages)",
                                            programs[i].file, size, programs[i].label, p->pages);
        }
        return 0;
}

/* Every image's size; every programmed file must fit its partition. */
static int plan_sizes(struct mkpkg *m)
{
        if (m->o->modem_bytes && m->o->modem_bytes < PAGE)
                return sf_error_set(m->err, -EINVAL,
                                    "mkpkg: a modem image of %" PRIu64 " bytes is under one page",
                                    m->o->modem_bytes);
        for (size_t i = 0; i < N_IMAGES; i++)
                m->sizes[i] = image_size(m, &images[i]);
        /* Encoded now, so a layout the MIBIB cannot express fails before anything is written. */
        if (sim_mibib_encode(&m->layout, m->mibib, SIM_MIBIB_LEN) != SIM_MIBIB_LEN)
                return sf_error_set(m->err, -EINVAL,
                                    "mkpkg: the R%02d layout does not fit a MIBIB (whole blocks, "
                                    "short names)",
                                    m->v.baseline);
        return check_fit(m);
}

/* The header every image of the package shares; -EINVAL when the version does not fit it. */
static int fill_template(struct mkpkg *m)
{
        struct sim_image_header *h = &m->tmpl;

        *h = (struct sim_image_header){0};
        h->baseline = (uint32_t)m->v.baseline;
        h->board_mask = sim_board_mask_for_baseline((unsigned)m->v.baseline);
        h->msm_id = m->o->msm_id ? m->o->msm_id : SIM_MKPKG_DEFAULT_MSM_ID;
        h->layout_id = sim_layout_id(&m->layout);
        if (sf_strlcpy(h->memory, sizeof(h->memory), m->v.memory) < 0 ||
            sf_strlcpy(h->prefix, sizeof(h->prefix), m->v.prefix) < 0 ||
            sf_strlcpy(h->version, sizeof(h->version), m->v.canonical) < 0)
                return sf_error_set(m->err, -EINVAL,
                                    "mkpkg: '%s' does not fit the simulator's image header "
                                    "(prefix, memory code or version too long)",
                                    m->v.raw);
        return 0;
}

static int mkpkg_new(const struct sim_mkpkg_options *o, struct sf_error *err, struct mkpkg **ret)
{
        _cleanup_(mkpkg_freep) struct mkpkg *m = calloc(1, sizeof(*m));
        int r;

        if (!m)
                return -ENOMEM;
        m->o = o;
        m->err = err;
        m->chunk = malloc(CHUNK);
        m->text = malloc(TEXT_MAX);
        m->mibib = malloc(SIM_MIBIB_LEN);
        if (!m->chunk || !m->text || !m->mibib)
                return -ENOMEM;
        r = sim_pkg_parse_version(o->version, &m->v, err);
        if (r < 0)
                return r;
        sim_layout_for_baseline((unsigned)m->v.baseline,
                                o->total_pages ? o->total_pages : SIM_MKPKG_DEFAULT_TOTAL_PAGES,
                                &m->layout);
        r = fill_template(m);
        if (r >= 0)
                r = plan_sizes(m);
        if (r < 0)
                return r;
        r = sim_pkg_signing_setup(o, m->v.canonical, &m->sign, err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

static int write_image(struct mkpkg *m, const struct image_spec *im, uint64_t size)
{
        struct sim_image_header tmpl;
        char path[PATH_MAX];
        int r;

        r = sim_pkg_path_join(path, sizeof(path), m->update, im->file);
        if (r < 0)
                return sim_pkg_file_error(m->err, r, m->update);
        tmpl = m->tmpl;
        tmpl.mbn80 = im->kind == SIM_IMAGE_SBL; /* NAND boot: sbl1.mbn in its MBN header */
        return sim_pkg_write_image(path, &tmpl, im->kind,
                                   sim_pkg_seed_for(im->file, "payload", m->v.canonical), size,
                                   m->chunk, m->err);
}

static int write_images(struct mkpkg *m)
{
        for (size_t i = 0; i < N_IMAGES; i++) {
                int r;
                if (images[i].factory && !m->o->factory)
                        continue;
                r = write_image(m, &images[i], m->sizes[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The image made into the UBI image it ships as, of the size file_size() foretold. */
static int wrap_ubi(struct mkpkg *m, const struct image_spec *im)
{
        const char *file = im->file;
        char path[PATH_MAX], vol[PATH_MAX];
        struct sim_ubi_vol v[2] = {
                {.name = im->volume, .id = 0, .is_static = im->vol_static, .image = vol},
                {.name = "usrfs", .id = 1, .size = 4ull * SIM_UBI_PEB, .autoresize = true},
        };
        uint32_t seq = (uint32_t)sim_pkg_seed_for(file, "image_seq", m->v.canonical) | 1;
        struct stat st;
        int r;

        if (sim_pkg_path_join(path, sizeof(path), m->update, file) < 0 ||
            snprintf(vol, sizeof(vol), "%s.volume", path) >= (int)sizeof(vol))
                return sf_error_set(m->err, -ENAMETOOLONG, "mkpkg: %s: path too long", m->update);
        if (rename(path, vol) < 0)
                return sim_pkg_file_error(m->err, -errno, path);
        r = sim_pkg_ubinize(path, v, im->usrfs ? 2 : 1, seq, m->err);
        unlink(vol);
        if (r < 0)
                return r;
        if (stat(path, &st) < 0)
                return sim_pkg_file_error(m->err, -errno, path);
        if ((uint64_t)st.st_size != file_size(m, file))
                return sf_error_set(m->err, -EIO,
                                    "mkpkg: ubinize made %s of %lld bytes, not %" PRIu64, path,
                                    (long long)st.st_size, file_size(m, file));
        return 0;
}

static int write_ubi_images(struct mkpkg *m)
{
        for (size_t i = 0; i < N_IMAGES; i++) {
                int r = images[i].volume ? wrap_ubi(m, &images[i]) : 0;
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The MIBIB block (one copy: one erase block, which the rawprogram line then covers exactly), in
 * both places it ships. */
static int write_mibib(struct mkpkg *m)
{
        char path[PATH_MAX];
        int r;

        r = sim_pkg_path_join(path, sizeof(path), m->firehose, MIBIB_FILE);
        if (r >= 0)
                r = sim_pkg_write_new_file(path, m->mibib, SIM_MIBIB_LEN, m->err);
        if (r >= 0)
                r = sim_pkg_path_join(path, sizeof(path), m->update, "partition.mbn");
        if (r >= 0)
                r = sim_pkg_write_new_file(path, m->mibib, SIM_MIBIB_LEN, m->err);
        return r == -ENAMETOOLONG ? sim_pkg_file_error(m->err, r, m->update) : r;
}

static int write_text(struct mkpkg *m, const char *dir, const char *name, const struct sim_text *t)
{
        return sim_pkg_write_text(dir, name, t, m->err);
}

/* The file name as the XML next to the programmer names it: Windows-style, relative. */
static void xml_filename(const char *file, char *buf, size_t size)
{
        if (sf_startswith(file, "firehose/"))
                snprintf(buf, size, "%s", file + strlen("firehose/"));
        else
                snprintf(buf, size, "..\\%s", file);
}

/* Each partition erased whole, then programmed with a line as long as the partition
 * (num_partition_sectors: its pages, last_sector: its last page), as Quectel's
 * rawprogram_nand_p4K_b256K_update.xml has them; a flasher sends the file's pages only. */
static int write_rawprogram(struct mkpkg *m, bool factory, const char *name)
{
        struct sim_text t = text_init(m);

        sim_text_add(&t, "<?xml version=\"1.0\" ?>\n<data>\n"
                         "  <!--NOTE: This is an ** Autogenerated file **-->\n"
                         "  <!--NOTE: Sector size is 4096bytes-->\n");
        for (size_t i = 0; i < N_PROGRAMS; i++) {
                const struct program_spec *ps = &programs[i];
                const struct sim_partition *p = sim_layout_find(&m->layout, ps->label);
                char fn[128];
                if (ps->factory && !factory)
                        continue;
                xml_filename(ps->file, fn, sizeof(fn));
                sim_text_add(&t,
                             "  <erase PAGES_PER_BLOCK=\"%u\" SECTOR_SIZE_IN_BYTES=\"%u\" "
                             "num_partition_sectors=\"%" PRIu32
                             "\" physical_partition_number=\"0\" "
                             "start_sector=\"%" PRIu32 "\" />\n",
                             PAGES_PER_BLOCK, PAGE, p->pages, p->start_page);
                sim_text_add(&t,
                             "  <program PAGES_PER_BLOCK=\"%u\" SECTOR_SIZE_IN_BYTES=\"%u\" "
                             "filename=\"%s\" label=\"%s\" last_sector=\"%" PRIu32 "\" "
                             "num_partition_sectors=\"%" PRIu64
                             "\" physical_partition_number=\"0\" "
                             "start_sector=\"%" PRIu32 "\" />\n",
                             PAGES_PER_BLOCK, PAGE, fn, ps->label, p->start_page + p->pages - 1,
                             (uint64_t)p->pages, p->start_page);
        }
        sim_text_add(&t, "</data>\n");
        return write_text(m, m->firehose, name, &t);
}

static int write_patch(struct mkpkg *m)
{
        struct sim_text t = text_init(m);

        sim_text_add(&t, "<?xml version=\"1.0\" ?>\n<patches>\n"
                         "  <!--NOTE: This is an ** Autogenerated file **-->\n"
                         "  <!--NOTE: NAND has no partition table to patch: no DISK patches-->\n"
                         "</patches>\n");
        return write_text(m, m->firehose, "patch_p4K_b256K.xml", &t);
}

static const char *image_for(const char *part)
{
        for (size_t i = 0; i < N_PROGRAMS; i++)
                if (strcasecmp(programs[i].label, part) == 0) { /* "sbl" names "SBL" */
                        const char *slash = strrchr(programs[i].file, '/');
                        return slash ? slash + 1 : programs[i].file;
                }
        return NULL;
}

static int write_partition_nand(struct mkpkg *m)
{
        struct sim_text t = text_init(m);

        sim_text_add(&t, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<nandboot>\n"
                         "  <magic_numbers>\n"
                         "    <usr_part_magic1>0xAA7D1B9A</usr_part_magic1>\n"
                         "    <usr_part_magic2>0x1F7D48BC</usr_part_magic2>\n"
                         "  </magic_numbers>\n"
                         "  <partition_version length=\"4\">0x4</partition_version>\n"
                         "  <partitions>\n");
        for (unsigned i = 0; i < m->layout.n; i++) {
                const struct sim_partition *p = &m->layout.parts[i];
                const char *img = image_for(p->name);
                /* What the MIBIB's user table (page 2) holds: the same names, sizes and flags,
                 * the fourth flag 0xFF meaning sizes in KiB. */
                sim_text_add(&t,
                             "    <partition>\n"
                             "      <name length=\"16\" type=\"string\">0:%s</name>\n"
                             "      <size_kb length=\"4\">%" PRIu32 "</size_kb>\n"
                             "      <pad_kb length=\"4\">0</pad_kb>\n"
                             "      <which_flash>%u</which_flash>\n"
                             "      <attr>0x%02X</attr>\n      <attr>0x%02X</attr>\n"
                             "      <attr>0x%02X</attr>\n      <attr>0xFF</attr>\n",
                             p->name, p->pages * (PAGE / 1024), p->attr[3], p->attr[0], p->attr[1],
                             p->attr[2]);
                if (img)
                        sim_text_add(&t, "      <img_name type=\"string\">%s</img_name>\n", img);
                sim_text_add(&t, "    </partition>\n");
        }
        sim_text_add(&t, "  </partitions>\n</nandboot>\n");
        return write_text(m, m->update, "partition_nand.xml", &t);
}

static void contents_build(struct sim_text *t, const char *name, const char *role,
                           const char *build_id, const char *file)
{
        sim_text_add(
                t,
                "    <build>\n      <name>%s</name>\n      <role>%s</role>\n"
                "      <chipset>mdm9607</chipset>\n      <build_id>%s</build_id>\n"
                "      <windows_root_path "
                "cmm_root_path_var=\"%s_BUILD_ROOT\">.\\</windows_root_path>\n"
                "      <linux_root_path cmm_root_path_var=\"%s_BUILD_ROOT\">./</linux_root_path>\n"
                "      <image_dir>update</image_dir>\n"
                "      <download_file storage_type=\"nand\" minimized=\"true\">\n"
                "        <file_name>%s</file_name>\n        <file_path>update/</file_path>\n"
                "      </download_file>\n    </build>\n",
                name, role, build_id, role, role, file);
}

static int write_contents(struct mkpkg *m, const char *root)
{
        struct sim_text t = text_init(m);

        sim_text_add(&t, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<contents>\n"
                         "  <product_info>\n"
                         "    <product_name>MDM9607.LE.1.0</product_name>\n"
                         "    <hlos_type cmm_var=\"HLOS_TYPE\">LE</hlos_type>\n"
                         "    <chipid cmm_var=\"CHIPID\" flavor=\"default\">MDM9607</chipid>\n"
                         "  </product_info>\n  <builds_flat>\n"
                         "    <build>\n      <name>common</name>\n      <role>common</role>\n"
                         "      <chipset>mdm9607</chipset>\n"
                         "      <build_id>MDM9607.LE.1.0-00130-NBOOT.NEFS.PROD-1</build_id>\n"
                         "      <device_programmer storage_type=\"nand\" minimized=\"true\">\n"
                         "        <file_name>" PROGRAMMER_FILE "</file_name>\n"
                         "        <file_path>update/firehose/</file_path>\n"
                         "      </device_programmer>\n"
                         "      <download_file storage_type=\"nand\" minimized=\"true\">\n"
                         "        <file_name>" UPDATE_XML "</file_name>\n"
                         "        <file_path>update/firehose/</file_path>\n"
                         "      </download_file>\n    </build>\n");
        contents_build(&t, "boot", "BOOT", "BOOT.BF.3.1.2-00053-M9607LAAAANAZB-1", "sbl1.mbn");
        contents_build(&t, "tz", "TZ", "TZ.BF.4.0.5-00100-M9607AAAAANAZT-1", "tz.mbn");
        contents_build(&t, "rpm", "RPM", "RPM.BF.2.2-00210-M9607AAAARNAZR-1", "rpm.mbn");
        contents_build(&t, "modem", "MODEM", "MPSS.JO.2.0.2.c1-00033-M9607GENPACKTEST-1",
                       "NON-HLOS.ubi");
        contents_build(&t, "apps", "APPS", "LE.UM.1.1.1-00115-9x07", "mdm9607-perf-sysfs.ubi");
        sim_text_add(&t, "  </builds_flat>\n</contents>\n");
        return write_text(m, root, "contents.xml", &t);
}

static int write_xmls(struct mkpkg *m)
{
        int r;

        r = write_rawprogram(m, false, UPDATE_XML);
        if (r >= 0 && m->o->factory)
                r = write_rawprogram(m, true, FACTORY_XML);
        if (r >= 0)
                r = write_patch(m);
        if (r >= 0)
                r = write_partition_nand(m);
        if (r >= 0)
                r = write_contents(m, m->o->out);
        return r;
}

/* ---- Entry points ---- */

static int make_dirs(struct mkpkg *m)
{
        int r;

        r = sim_pkg_path_join(m->update, sizeof(m->update), m->o->out, "update");
        if (r >= 0)
                r = sim_pkg_path_join(m->firehose, sizeof(m->firehose), m->update, "firehose");
        if (r < 0)
                return sim_pkg_file_error(m->err, r, m->o->out);
        r = sim_pkg_make_empty_dir(m->o->out, m->err);
        if (r >= 0)
                r = sim_pkg_make_empty_dir(m->update, m->err);
        if (r >= 0)
                r = sim_pkg_make_empty_dir(m->firehose, m->err);
        return r;
}

bool sim_mkpkg_is_ufs(const char *version)
{
        static const char *const models[] = {"RM500Q", "RM502Q", "RG500Q"};

        for (size_t i = 0; version && i < sizeof(models) / sizeof(*models); i++)
                if (strncasecmp(version, models[i], strlen(models[i])) == 0)
                        return true;
        return false;
}

int sim_mkpkg(const struct sim_mkpkg_options *o, struct sf_error *err)
{
        _cleanup_(mkpkg_freep) struct mkpkg *m = NULL;
        int r;

        if (!o || !o->version || !o->out || !o->out[0])
                return sf_error_set(err, -EINVAL,
                                    "mkpkg: a version and an output directory are required");
        if (sim_mkpkg_is_ufs(o->version))
                return sim_mkpkg_ufs(o, err);
        r = mkpkg_new(o, err, &m);
        if (r == -ENOMEM)
                return sf_error_set(err, r, "mkpkg: out of memory");
        if (r >= 0)
                r = make_dirs(m);
        if (r >= 0)
                r = write_images(m);
        if (r >= 0)
                r = write_ubi_images(m);
        if (r >= 0)
                r = write_mibib(m);
        if (r >= 0)
                r = sim_pkg_write_programmers(&m->sign, m->update, m->err);
        if (r >= 0)
                r = write_xmls(m);
        if (r >= 0)
                r = sim_pkg_write_md5(m->o->out, m->err);
        return r;
}
