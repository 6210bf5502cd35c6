/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "factory.h"
#include "nand_bbt.h"
#include "gpt.h"
#include "safeflash/version.h"
#include "image.h"
#include "mkpkg.h"
#include "proto/firehose.h"
#include "util/strutil.h"

/* Which package file each partition takes (mkpkg.h). */
static const struct {
        const char *part, *file;
} images[] = {
        {"sbl", "update/sbl1.mbn"},
        {"mibib", "update/firehose/partition_complete_p4K_b256K.mbn"},
        {"tz", "update/tz.mbn"},
        {"rpm", "update/rpm.mbn"},
        {"aboot", "update/appsboot.mbn"},
        {"boot", "update/mdm9607-perf-boot.img"},
        {"recovery", "update/mdm9607-perf-boot.img"},
        {"modem", "update/NON-HLOS.ubi"},
        {"recoveryfs", "update/mdm-perf-recovery-image-mdm9607-perf.ubi"},
        {"system", "update/mdm9607-perf-sysfs.ubi"},
};

bool sim_flash_is_blank(struct sim_flash *f)
{
        uint8_t hdr[SIM_IMAGE_HEADER_LEN];
        struct sim_image_header h;

        if (!f->nand) /* UFS: the factory's last step, setting the boot LUN, never happened */
                return !f->provisioned;
        return sim_flash_read(f, 0, hdr, sizeof(hdr)) < 0 ||
               sim_image_header_decode(hdr, sizeof(hdr), &h) < 0;
}

/* A package file into [page, page + pages) of the flash, erased first. */
static int copy_image(struct sim_flash *f, const char *path, uint64_t page, uint64_t pages)
{
        uint8_t buf[65536];
        uint64_t done = 0;
        int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;
        ssize_t n;

        if (fd < 0)
                return -errno;
        sim_flash_erase(f, page, pages);
        while ((n = read(fd, buf, sizeof(buf))) > 0) {
                if (done + (uint64_t)n > pages * f->page_size) {
                        r = -EFBIG;
                        break;
                }
                r = sim_bbt_write(f, page, page + pages - 1, done, buf, (size_t)n);
                if (r < 0)
                        break;
                done += (uint64_t)n;
        }
        close(fd);
        return n < 0 ? -errno : r;
}

/* EFS: the IMEI and a calibration unique to the chip (derived from its serial), at a page. */
static int write_efs_at(struct sim_flash *f, const struct sim_persona *p, uint64_t page,
                        uint64_t pages)
{
        uint8_t buf[SIM_IMAGE_HEADER_LEN + 4096];
        struct sim_image_header h = {.kind = SIM_IMAGE_EFS, .msm_id = p->chip.msm_id};

        snprintf(h.imei, sizeof(h.imei), "%s", p->imei);
        snprintf(h.version, sizeof(h.version), "EFS2");
        sim_fill(h.calibration, sizeof(h.calibration), p->chip.serial, 0);
        sim_fill(buf + SIM_IMAGE_HEADER_LEN, 4096, p->chip.serial ^ 0xef5ull, 0);
        h.payload_len = 4096;
        h.payload_crc = sf_firehose_crc32(buf + SIM_IMAGE_HEADER_LEN, 4096);
        sim_image_header_encode(&h, buf);
        sim_flash_erase(f, page, pages);
        return sim_bbt_write(f, page, page + pages - 1, 0, buf, sizeof(buf));
}

static int write_efs(struct sim_flash *f, const struct sim_persona *p, const struct sim_layout *l)
{
        const struct sim_partition *efs = sim_layout_find(l, "efs2");

        return efs ? write_efs_at(f, p, efs->start_page, efs->pages) : -ENOENT;
}

static void remove_tree(const char *path)
{
        char child[PATH_MAX];
        DIR *d = opendir(path);
        struct dirent *de;

        if (!d) {
                unlink(path);
                return;
        }
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
                        snprintf(child, sizeof(child), "%s/%s", path, de->d_name);
                        remove_tree(child);
                }
        closedir(d);
        rmdir(path);
}

static int install_nand(struct sim_flash *f, const struct sim_persona *p,
                        const struct sf_version *v, const char *dir, struct sf_error *err)
{
        char path[PATH_MAX + 64];
        struct sim_layout l;
        int r = 0;

        sim_layout_for_baseline((unsigned)v->baseline, f->num_pages, &l);
        for (size_t i = 0; r >= 0 && i < sizeof(images) / sizeof(*images); i++) {
                const struct sim_partition *part = sim_layout_find(&l, images[i].part);
                snprintf(path, sizeof(path), "%s/%s", dir, images[i].file);
                r = part ? copy_image(f, path, part->start_page, part->pages) : -ENOENT;
                if (r < 0)
                        sf_error_set(err, r, "factory: writing %s: %s", images[i].part,
                                     strerror(-r));
        }
        return r < 0 ? r : write_efs(f, p, &l);
}

/* The flash pages a partition of a UFS layout covers (a growing one: up to its LUN's last usable
 * sector). */
static int part_pages(struct sim_flash *f, const struct sim_gpt_part *part, uint64_t *ret_page,
                      uint64_t *ret_pages)
{
        uint64_t disk = sim_flash_lun_sectors(f, part->lun);
        uint64_t reserved = sim_gpt_backup_sectors(f->page_size) + 1;
        uint64_t last = disk > reserved ? disk - reserved : 0, n = part->sectors;

        if (n == 0)
                n = last >= part->first ? last - part->first + 1 : 0;
        if (n == 0)
                return -ERANGE;
        *ret_pages = n;
        return sim_flash_lun_page(f, part->lun, part->first, n, ret_page);
}

/* Every LUN's GPT as it must be for the LUN's size: what a package's GPT files become after its
 * patches. */
static int write_gpts(struct sim_flash *f, const struct sim_ufs_layout *l)
{
        size_t size = (size_t)sim_gpt_primary_sectors(f->page_size) * f->page_size;
        uint8_t *buf = malloc(size);
        int r = buf ? 0 : -ENOMEM;

        for (unsigned lun = 0; r >= 0 && lun < SIM_UFS_LUNS; lun++)
                for (int backup = 0; r >= 0 && backup < 2; backup++) {
                        uint64_t disk = sim_flash_lun_sectors(f, lun), page;
                        int n = sim_gpt_build(l, lun, f->page_size, disk, backup, buf, size);
                        uint64_t sectors = n > 0 ? (uint64_t)n / f->page_size : 0;
                        r = n < 0 ? n
                                  : sim_flash_lun_page(f, lun, backup ? disk - sectors : 0, sectors,
                                                       &page);
                        if (r >= 0)
                                r = sim_flash_write_raw(f, page * f->page_size, buf, (size_t)n);
                }
        free(buf);
        return r;
}

/* Images at their GPT partitions, the GPTs, EFS in modemst1, and the boot LUN (last: a factory
 * interrupted before it leaves a module that is still blank). */
static int install_ufs(struct sim_flash *f, const struct sim_persona *p, const struct sf_version *v,
                       const char *dir, struct sf_error *err)
{
        const struct sim_gpt_part *efs;
        char path[PATH_MAX + 64];
        struct sim_ufs_layout l;
        uint64_t page, pages;
        int r = 0;

        sim_ufs_layout_for_baseline((unsigned)v->baseline, &l);
        for (unsigned i = 0; r >= 0 && i < l.n; i++) {
                if (!l.parts[i].file)
                        continue;
                snprintf(path, sizeof(path), "%s/update/%s", dir, l.parts[i].file);
                r = part_pages(f, &l.parts[i], &page, &pages);
                if (r >= 0)
                        r = copy_image(f, path, page, pages);
                if (r < 0)
                        return sf_error_set(err, r, "factory: writing %s: %s", l.parts[i].name,
                                            strerror(-r));
        }
        r = write_gpts(f, &l);
        efs = sim_ufs_layout_find(&l, "modemst1");
        if (r >= 0)
                r = efs ? part_pages(f, efs, &page, &pages) : -ENOENT;
        if (r >= 0)
                r = write_efs_at(f, p, page, pages);
        if (r >= 0)
                r = sim_flash_set_boot_lun(f, p->boot_lun);
        return r < 0 ? sf_error_set(err, r, "factory: %s", strerror(-r)) : 0;
}

int sim_factory_install(struct sim_flash *f, const struct sim_persona *p, const char *version,
                        bool small, const char *workdir, struct sf_error *err)
{
        struct sim_mkpkg_options o = {.version = version ? version : p->factory_version,
                                      .small = small,
                                      .total_pages = f->num_pages,
                                      .msm_id = p->chip.msm_id};
        bool ufs = p->storage == SIM_STORAGE_UFS;
        struct sf_version v;
        char dir[PATH_MAX];
        int r;

        if (sf_version_parse(o.version, &v) < 0)
                return sf_error_set(err, -EINVAL, "not a version: %s", o.version);
        if (sim_mkpkg_is_ufs(o.version) != ufs)
                return sf_error_set(err, -EINVAL, "%s is not firmware for %s storage", o.version,
                                    sim_storage_to_string(p->storage));
        if (ufs && f->n_luns < SIM_UFS_LUNS)
                return sf_error_set(err, -EINVAL, "factory: UFS firmware needs %u LUNs",
                                    SIM_UFS_LUNS);
        snprintf(dir, sizeof(dir), "%s/.factory-package", workdir);
        remove_tree(dir);
        o.out = dir;
        r = sim_mkpkg(&o, err);
        if (r >= 0)
                r = ufs ? install_ufs(f, p, &v, dir, err) : install_nand(f, p, &v, dir, err);
        remove_tree(dir);
        return r;
}
