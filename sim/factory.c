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

        return sim_flash_read(f, 0, hdr, sizeof(hdr)) < 0 ||
               sim_image_header_decode(hdr, sizeof(hdr), &h) < 0;
}

static int copy_image(struct sim_flash *f, const char *path, const struct sim_partition *p)
{
        uint8_t buf[65536];
        uint64_t off = (uint64_t)p->start_page * f->page_size, done = 0;
        int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;
        ssize_t n;

        if (fd < 0)
                return -errno;
        sim_flash_erase(f, p->start_page, p->pages);
        while ((n = read(fd, buf, sizeof(buf))) > 0) {
                if (done + (uint64_t)n > (uint64_t)p->pages * f->page_size) {
                        r = -EFBIG;
                        break;
                }
                r = sim_flash_write_raw(f, off + done, buf, (size_t)n);
                if (r < 0)
                        break;
                done += (uint64_t)n;
        }
        close(fd);
        return n < 0 ? -errno : r;
}

/* EFS: the IMEI and a calibration unique to the chip (derived from its serial). */
static int write_efs(struct sim_flash *f, const struct sim_persona *p, const struct sim_layout *l)
{
        const struct sim_partition *efs = sim_layout_find(l, "efs2");
        uint8_t buf[SIM_IMAGE_HEADER_LEN + 4096];
        struct sim_image_header h = {.kind = SIM_IMAGE_EFS, .msm_id = p->chip.msm_id};

        if (!efs)
                return -ENOENT;
        snprintf(h.imei, sizeof(h.imei), "%s", p->imei);
        snprintf(h.version, sizeof(h.version), "EFS2");
        sim_fill(h.calibration, sizeof(h.calibration), p->chip.serial, 0);
        sim_fill(buf + SIM_IMAGE_HEADER_LEN, 4096, p->chip.serial ^ 0xef5ull, 0);
        h.payload_len = 4096;
        h.payload_crc = sf_firehose_crc32(buf + SIM_IMAGE_HEADER_LEN, 4096);
        sim_image_header_encode(&h, buf);
        sim_flash_erase(f, efs->start_page, efs->pages);
        return sim_flash_write_raw(f, (uint64_t)efs->start_page * f->page_size, buf, sizeof(buf));
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

int sim_factory_install(struct sim_flash *f, const struct sim_persona *p, const char *version,
                        bool small, const char *workdir, struct sf_error *err)
{
        struct sim_mkpkg_options o = {.version = version ? version : p->factory_version,
                                      .small = small,
                                      .total_pages = f->num_pages,
                                      .msm_id = p->chip.msm_id};
        struct sf_version v;
        struct sim_layout l;
        char dir[PATH_MAX], path[PATH_MAX + 64];
        int r;

        if (sf_version_parse(o.version, &v) < 0)
                return sf_error_set(err, -EINVAL, "not a version: %s", o.version);
        snprintf(dir, sizeof(dir), "%s/.factory-package", workdir);
        remove_tree(dir);
        o.out = dir;
        r = sim_mkpkg(&o, err);
        sim_layout_for_baseline((unsigned)v.baseline, f->num_pages, &l);
        for (size_t i = 0; r >= 0 && i < sizeof(images) / sizeof(*images); i++) {
                const struct sim_partition *part = sim_layout_find(&l, images[i].part);
                snprintf(path, sizeof(path), "%s/%s", dir, images[i].file);
                r = part ? copy_image(f, path, part) : -ENOENT;
                if (r < 0)
                        sf_error_set(err, r, "factory: writing %s: %s", images[i].part,
                                     strerror(-r));
        }
        if (r >= 0)
                r = write_efs(f, p, &l);
        remove_tree(dir);
        return r;
}
