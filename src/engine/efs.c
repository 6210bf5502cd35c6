/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What cannot be replaced, kept safe around a flash: the module's device-unique partitions
 * (IMEI, RF calibration) located from its own partition tables — EFS2 in the NAND MIBIB;
 * modemst1, modemst2, fsg and fsc in the GPT of their LUN on eMMC/UFS — guarded against every
 * operation of a package, backed up (read, written, fsynced, read back, compared) before the
 * first write, and written back only onto the chip they came from. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/efs.h"
#include "engine/manifest.h"
#include "package/source.h"
#include "proto/firehose.h"
#include "proto/gpt.h"
#include "proto/mibib.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#define MIBIB_PAGE   640 /* block 10 of MDM9x07 NAND (docs/mibib.md) */
#define BACKUP_READ  (1u << 20)
#define MANIFEST_MAX 16384

static const char *const gpt_names[] = {"modemst1", "modemst2", "fsg", "fsc"};

static bool nand(const struct sf_job *j)
{
        return sf_layout_storage(j->layout) == SF_LAYOUT_STORAGE_NAND;
}

static uint32_t nand_page_size(const struct sf_job *j, uint32_t *ret_ppb)
{
        for (size_t i = 0; i < sf_layout_op_count(j->layout); i++) {
                const struct sf_layout_op *op = sf_layout_op(j->layout, i);
                if (op->has_pages_per_block) {
                        *ret_ppb = op->pages_per_block;
                        return op->sector_size;
                }
        }
        return 0;
}

static void hex(const uint8_t *d, size_t n, char *out)
{
        for (size_t i = 0; i < n; i++)
                snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void add_region(struct sf_job *j, const char *name, uint32_t lun, uint32_t sector_size,
                       uint64_t start, uint64_t count, uint64_t disk_sectors)
{
        struct sf_efs_region *e;

        if (j->n_efs == SF_EFS_MAX_REGIONS)
                return;
        e = &j->efs[j->n_efs++];
        snprintf(e->name, sizeof(e->name), "%s", name);
        e->lun = lun;
        e->sector_size = sector_size;
        e->start = start;
        e->count = count;
        e->disk_sectors = disk_sectors;
        sf_job_say(j, SF_LOG_INFO, "the module's %s: LUN %u, sectors %" PRIu64 "+%" PRIu64, name,
                   lun, start, count);
}

/* NAND: the MIBIB on the module says where EFS2 is. */
static int locate_nand(struct sf_job *j, struct sf_error *err)
{
        uint32_t ppb = 0, page = nand_page_size(j, &ppb);
        struct sf_fh_range rg = {.start_sector = "640", .num_sectors = 2, .sector_size = page};
        _cleanup_free_ uint8_t *buf = NULL;
        const struct sf_mibib_part *efs;
        int r;

        if (!page || !ppb)
                return 0;
        buf = malloc(2 * (size_t)page);
        if (!buf)
                return -ENOMEM;
        r = sf_fh_read(&j->fh, &rg, buf, err);
        if (r < 0)
                return r;
        j->have_module_table = sf_mibib_parse(buf, 2 * (size_t)page, page, &j->module_table) == 0;
        j->module_table_ppb = ppb;
        if (!j->have_module_table || !(efs = sf_mibib_find(&j->module_table, "EFS2"))) {
                sf_job_say(j, SF_LOG_WARNING,
                           "the module has no readable partition table at page %d: its EFS2 "
                           "cannot be located",
                           MIBIB_PAGE);
                return 0;
        }
        add_region(j, "EFS2", 0, page, (uint64_t)efs->offset * ppb, (uint64_t)efs->length * ppb, 0);
        return 0;
}

/* The GPT of one LUN, read from the module: header and entry array (bounded). */
static int read_gpt(struct sf_job *j, uint32_t lun, uint32_t ss, struct sf_gpt_header *h,
                    uint8_t **ret_array, size_t *ret_len, struct sf_error *err)
{
        struct sf_fh_range rg = {
                .sector_size = ss, .lun = lun, .start_sector = "1", .num_sectors = 1};
        _cleanup_free_ uint8_t *sector = malloc(ss), *array = NULL;
        char start[24];
        size_t len;
        int r;

        if (!sector)
                return -ENOMEM;
        r = sf_fh_read(&j->fh, &rg, sector, err);
        if (r < 0)
                return r;
        if (sf_gpt_parse_header(sector, ss, h) < 0)
                return -ENOENT;
        len = sf_gpt_array_bytes(h, ss);
        array = malloc(len);
        if (!array)
                return -ENOMEM;
        snprintf(start, sizeof(start), "%" PRIu64, h->entries_lba);
        rg.start_sector = start;
        rg.num_sectors = len / ss;
        r = sf_fh_read(&j->fh, &rg, array, err);
        if (r < 0)
                return r;
        *ret_array = TAKE_PTR(array);
        *ret_len = len;
        return 0;
}

/* eMMC/UFS: every LUN the package writes has its GPT read for the EFS partitions. */
static int locate_gpt(struct sf_job *j, struct sf_error *err)
{
        bool seen[8] = {false};

        for (size_t i = 0; i < sf_layout_op_count(j->layout); i++) {
                const struct sf_layout_op *op = sf_layout_op(j->layout, i);
                struct sf_gpt_header h;
                _cleanup_free_ uint8_t *array = NULL;
                uint64_t disk = 0;
                size_t len = 0;
                int r;
                if (op->lun >= 8 || seen[op->lun])
                        continue;
                seen[op->lun] = true;
                r = read_gpt(j, op->lun, op->sector_size, &h, &array, &len, err);
                if (r == -ENOENT)
                        continue; /* no GPT on this LUN (yet) */
                if (r < 0)
                        return r;
                /* The LUN's size, for NUM_DISK_SECTORS: the programmer's word, else a GPT
                 * whose backup header has been placed (the last sector). */
                if (sf_fh_storage_blocks(&j->fh, op->lun, &disk, NULL) < 0)
                        disk = h.alternate_lba > h.my_lba ? h.alternate_lba + 1 : 0;
                for (size_t k = 0; k < sizeof(gpt_names) / sizeof(*gpt_names); k++) {
                        uint64_t first, last;
                        if (sf_gpt_find(&h, array, len, gpt_names[k], &first, &last) == 0)
                                add_region(j, gpt_names[k], op->lun, op->sector_size, first,
                                           last - first + 1, disk);
                }
        }
        if (!j->n_efs)
                sf_job_say(j, SF_LOG_WARNING,
                           "no modemst1/modemst2/fsg/fsc partition in the module's GPTs: its "
                           "EFS cannot be located");
        return 0;
}

static int from_package_table(struct sf_job *j);

int sf_efs_locate(struct sf_job *j, struct sf_error *err)
{
        int r;

        j->n_efs = 0;
        j->efs_from_package = false;
        r = nand(j) ? locate_nand(j, err) : locate_gpt(j, err);
        return r < 0 || j->n_efs ? r : from_package_table(j);
}

/* Where an operation starts, also for NUM_DISK_SECTORS expressions (the disk's size from the
 * GPT: its backup header is the last sector). false when unknown. */
static bool op_start(const struct sf_layout_op *op, uint64_t disk_sectors, uint64_t *ret)
{
        if (op->has_start) {
                *ret = op->start;
                return true;
        }
        return op->start_text && disk_sectors &&
               sf_firehose_eval_sector(op->start_text, disk_sectors, ret) == 0;
}

/* Device-unique data is never written by an update: no operation may touch it. */
int sf_efs_guard(struct sf_job *j, struct sf_error *err)
{
        for (size_t i = 0; i < sf_layout_op_count(j->layout); i++) {
                const struct sf_layout_op *op = sf_layout_op(j->layout, i);
                for (size_t k = 0; k < j->n_efs; k++) {
                        const struct sf_efs_region *e = &j->efs[k];
                        uint64_t start = 0, end;
                        bool known = op_start(op, e->disk_sectors, &start);
                        if (op->lun != e->lun)
                                continue;
                        /* Checked: a range that would wrap reaches the end of everything. */
                        end = op->has_num_sectors && op->num_sectors <= UINT64_MAX - start
                                      ? start + op->num_sectors
                                      : UINT64_MAX;
                        if (known && (end <= e->start ||
                                      (start >= e->start && start - e->start >= e->count)))
                                continue;
                        return sf_error_set(err, -EPERM,
                                            "%s line %lu would %s the module's %s (LUN %u, "
                                            "sectors %" PRIu64 "+%" PRIu64
                                            "), where its IMEI and RF calibration live",
                                            op->xml, op->line,
                                            op->kind == SF_LAYOUT_OP_ERASE ? "erase" : "overwrite",
                                            e->name, e->lun, e->start, e->count);
                }
        }
        return 0;
}

/* The first bytes of a program op's file. */
static int op_head(struct sf_job *j, const struct sf_layout_op *op, uint8_t *buf, size_t n)
{
        _cleanup_(sf_source_file_freep) struct sf_source_file *f = NULL;

        if (op->data_bytes < n || sf_job_open_image(j, op, &f, NULL) < 0 ||
            sf_source_read_exact(f, buf, n, NULL) < 0)
                return -EIO;
        return 0;
}

/* Where the package's own partition table puts a region: 1 found (*first, *count), 0 the
 * package writes no table there, -ENOENT the table lacks it, other negative: unreadable. */
static int package_place(struct sf_job *j, const struct sf_efs_region *e, uint64_t *first,
                         uint64_t *count)
{
        for (size_t i = 0; i < sf_layout_op_count(j->layout); i++) {
                const struct sf_layout_op *op = sf_layout_op(j->layout, i);
                size_t ss = op->sector_size, head;
                _cleanup_free_ uint8_t *buf = NULL;
                struct sf_gpt_header h;
                uint32_t ppb = 0;
                if (op->kind != SF_LAYOUT_OP_PROGRAM || !op->path || !op->has_start ||
                    op->lun != e->lun || op->start != (nand(j) ? MIBIB_PAGE : 0))
                        continue;
                if (nand(j)) {
                        struct sf_mibib m;
                        const struct sf_mibib_part *p;
                        uint32_t page = nand_page_size(j, &ppb);
                        buf = malloc(2 * (size_t)page);
                        if (!buf || op_head(j, op, buf, 2 * (size_t)page) < 0 ||
                            sf_mibib_parse(buf, 2 * (size_t)page, page, &m) < 0)
                                return -EBADMSG;
                        if (!(p = sf_mibib_find(&m, e->name)))
                                return -ENOENT;
                        *first = (uint64_t)p->offset * ppb;
                        *count = (uint64_t)p->length * ppb;
                        return 1;
                }
                head = 2 * ss + SF_GPT_MAX_ARRAY; /* MBR, header, the largest array */
                buf = calloc(1, head);
                if (!buf ||
                    op_head(j, op, buf, op->data_bytes < head ? op->data_bytes : head) < 0 ||
                    sf_gpt_parse_header(buf + ss, ss, &h) < 0 || h.entries_lba > 2 + 64)
                        return -EBADMSG;
                if (sf_gpt_find(&h, buf + h.entries_lba * ss, head - (size_t)h.entries_lba * ss,
                                e->name, first, count) < 0)
                        return -ENOENT;
                *count = *count - *first + 1;
                return 1;
        }
        return 0;
}

/* The module's own table is unreadable (a blank or damaged MIBIB): where the package's table
 * puts EFS2, whose sectors the backup then reads back and checks for content. */
static int from_package_table(struct sf_job *j)
{
        struct sf_efs_region e = {.name = "EFS2"};
        uint64_t first = 0, count = 0;
        uint32_t ppb = 0;

        if (!nand(j))
                return 0;
        e.sector_size = nand_page_size(j, &ppb);
        if (!e.sector_size || package_place(j, &e, &first, &count) <= 0)
                return 0;
        add_region(j, "EFS2", 0, e.sector_size, first, count, 0);
        j->efs_from_package = true;
        sf_job_say(j, SF_LOG_WARNING,
                   "EFS2 taken from the package's partition table (sectors %" PRIu64 "+%" PRIu64
                   "): the module's own is unreadable",
                   first, count);
        return 0;
}

/* A package that writes a partition table must keep every device-unique partition where the
 * module has it, or the new firmware would look for the IMEI and calibration elsewhere. */
int sf_efs_check_layout(struct sf_job *j, struct sf_error *err)
{
        for (size_t k = 0; j->o->require_same_layout && k < j->n_efs; k++) {
                const struct sf_efs_region *e = &j->efs[k];
                uint64_t first = 0, count = 0;
                int r = package_place(j, e, &first, &count);
                if (r == 0 || (r > 0 && first == e->start && count == e->count))
                        continue;
                if (r < 0)
                        return sf_error_set(err, -EPERM,
                                            "the package's partition table has %s: this module's "
                                            "IMEI and calibration (%s, sectors %" PRIu64 "+%" PRIu64
                                            ") would be lost to its firmware",
                                            r == -ENOENT ? "no such partition"
                                                         : "an unreadable "
                                                           "format",
                                            e->name, e->start, e->count);
                return sf_error_set(err, -EPERM,
                                    "the package's partition table moves %s from sectors %" PRIu64
                                    "+%" PRIu64 " to %" PRIu64 "+%" PRIu64
                                    ": the module's IMEI and calibration would be lost to the "
                                    "new firmware (another partition layout: firmware for "
                                    "other hardware)",
                                    e->name, e->start, e->count, first, count);
        }
        return 0;
}

/* ---- backup ---- */

static struct sf_fh_range region_range(const struct sf_efs_region *e, uint64_t at, uint64_t count,
                                       char *start, size_t size)
{
        snprintf(start, size, "%" PRIu64, e->start + at);
        return (struct sf_fh_range){.start_sector = start,
                                    .sector_size = e->sector_size,
                                    .lun = e->lun,
                                    .num_sectors = count};
}

/* Copy a region from the module into fd, hashing as it goes. On NAND a read maps from its own
 * start_sector around bad blocks: each piece starts where a write from the region's start put
 * that page (sf_job_map_range), when the programmer listed its bad blocks. */
static int copy_region(struct sf_job *j, const struct sf_efs_region *e, int fd, uint8_t md[32],
                       struct sf_error *err)
{
        const uint64_t per = BACKUP_READ / e->sector_size;
        _cleanup_free_ uint8_t *buf = malloc(BACKUP_READ);
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        unsigned len = 32;
        uint32_t ppb = 0;
        int r = !buf || !ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ? -ENOMEM : 0;

        if (nand(j))
                nand_page_size(j, &ppb);
        for (uint64_t s = 0; r == 0 && s < e->count; s += per) {
                char start[24];
                struct sf_fh_range rg = region_range(e, s, e->count - s < per ? e->count - s : per,
                                                     start, sizeof(start));
                size_t n = (size_t)(rg.num_sectors * e->sector_size);
                uint64_t at;
                if (ppb && sf_job_map_range(j, e->start, e->start + e->count - 1, ppb, s, &at) == 0)
                        snprintf(start, sizeof(start), "%" PRIu64, at);
                r = sf_fh_read(&j->fh, &rg, buf, err);
                if (r == 0 && write(fd, buf, n) != (ssize_t)n)
                        r = sf_error_set(err, -errno ? -errno : -EIO, "writing the backup: %s",
                                         strerror(errno));
                if (r == 0)
                        EVP_DigestUpdate(ctx, buf, n);
                sf_job_advance(j, n);
        }
        if (r == 0)
                EVP_DigestFinal_ex(ctx, md, &len);
        EVP_MD_CTX_free(ctx);
        return r;
}

/* Hex SHA-256 of a whole file, and its size. */
static int file_sha256(const char *path, char out[65], uint64_t *ret_size)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        _cleanup_free_ uint8_t *buf = malloc(BACKUP_READ);
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        uint64_t size = 0;
        uint8_t md[32];
        unsigned len = 32;
        ssize_t n = 0;
        int r = fd < 0 ? -errno : !buf || !ctx ? -ENOMEM : 0;

        if (r == 0 && !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
                r = -EIO;
        while (r == 0 && (n = read(fd, buf, BACKUP_READ)) > 0) {
                EVP_DigestUpdate(ctx, buf, (size_t)n);
                size += (uint64_t)n;
        }
        if (r == 0 && n < 0)
                r = -errno;
        if (r == 0) {
                EVP_DigestFinal_ex(ctx, md, &len);
                hex(md, 32, out);
                *ret_size = size;
        }
        EVP_MD_CTX_free(ctx);
        return r;
}

/* The file name of a region's copy: its name in lower case. */
static void region_file(const struct sf_efs_region *e, char *out, size_t size)
{
        size_t i;

        for (i = 0; e->name[i] && i + 5 < size; i++)
                out[i] = (char)(e->name[i] >= 'A' && e->name[i] <= 'Z' ? e->name[i] + 32
                                                                       : e->name[i]);
        snprintf(out + i, size - i, ".bin");
}

/* One region to DIR/NAME.bin: written, fsynced, renamed, read back and compared. */
static int backup_region(struct sf_job *j, const char *dir, const struct sf_efs_region *e,
                         struct sf_flash_backup_part *part, struct sf_error *err)
{
        char file[32], tmp[4096], final[4096], again[65];
        uint64_t size = 0;
        uint8_t md[32];
        int fd, r;

        region_file(e, file, sizeof(file));
        snprintf(tmp, sizeof(tmp), "%s/%s.partial", dir, file);
        snprintf(final, sizeof(final), "%s/%s", dir, file);
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                return sf_error_set(err, -errno, "%s: %s", tmp, strerror(errno));
        r = copy_region(j, e, fd, md, err);
        if (r == 0 && fsync(fd) < 0)
                r = sf_error_set(err, -errno, "%s: %s", tmp, strerror(errno));
        close(fd);
        if (r == 0 && rename(tmp, final) < 0)
                r = sf_error_set(err, -errno, "%s: %s", final, strerror(errno));
        if (r < 0)
                return r;
        snprintf(part->name, sizeof(part->name), "%s", e->name);
        hex(md, 32, part->sha256);
        part->size = e->count * e->sector_size;
        if (file_sha256(final, again, &size) < 0 || strcmp(again, part->sha256) != 0 ||
            size != part->size)
                return sf_error_set(err, -EIO, "%s does not read back as written", final);
        return 0;
}

static int write_manifest(struct sf_job *j, const char *dir)
{
        char path[4096];
        FILE *f;
        int r;

        snprintf(path, sizeof(path), "%s/manifest.json", dir);
        f = sf_fopen_private(path, false);
        if (!f)
                return -errno;
        fprintf(f,
                "{\n  \"format\": 2,\n  \"chip_serial\": \"0x%08x\",\n  \"msm_id\": \"0x%08x\",\n"
                "  \"imei\": \"%s\",\n  \"storage\": \"%s\",\n  \"partitions\": [\n",
                j->chip.serial, j->chip.msm_id, j->o->imei ? j->o->imei : "",
                sf_layout_storage_to_string(sf_layout_storage(j->layout)));
        for (size_t k = 0; k < j->n_efs; k++) {
                const struct sf_efs_region *e = &j->efs[k];
                char file[32];
                region_file(e, file, sizeof(file));
                fprintf(f,
                        "    {\"name\": \"%s\", \"file\": \"%s\", \"lun\": %u, \"start\": %" PRIu64
                        ", \"count\": %" PRIu64 ", \"sector_size\": %u, \"sha256\": \"%s\"}%s\n",
                        e->name, file, e->lun, e->start, e->count, e->sector_size,
                        j->res.backup_part[k].sha256, k + 1 < j->n_efs ? "," : "");
        }
        fprintf(f, "  ]\n}\n");
        r = fflush(f) == 0 && fsync(fileno(f)) == 0 ? 0 : -errno;
        fclose(f);
        return r;
}

static uint64_t efs_bytes(const struct sf_job *j)
{
        uint64_t n = 0;

        for (size_t k = 0; k < j->n_efs; k++)
                n += j->efs[k].count * j->efs[k].sector_size;
        return n;
}

/* Whether the copy of a region located from the package holds nothing but erased (or zeroed)
 * pages: then the package's table does not say where this module keeps its EFS2. */
static bool read_back_blank(const struct sf_job *j, const char *dir)
{
        char file[32], path[4096];
        uint8_t buf[65536];
        ssize_t n;
        int first = -1;
        _cleanup_close_ int fd = -1;

        region_file(&j->efs[0], file, sizeof(file));
        snprintf(path, sizeof(path), "%s/%s", dir, file);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return true;
        while ((n = read(fd, buf, sizeof(buf))) > 0)
                for (ssize_t i = 0; i < n; i++) {
                        if (first < 0)
                                first = buf[i];
                        if (buf[i] != first || (first != 0xff && first != 0x00))
                                return false;
                }
        return true;
}

static int fsync_one(const char *path, struct sf_error *err)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0 || fsync(fd) < 0)
                return sf_error_set(err, -errno, "%s: %s", path, strerror(errno));
        return 0;
}

static int fsync_dir(const char *dir, struct sf_error *err)
{
        char parent[4096];
        const char *slash = strrchr(dir, '/');
        int r = fsync_one(dir, err);

        if (r < 0 || !slash || slash == dir)
                return r;
        snprintf(parent, sizeof(parent), "%.*s", (int)(slash - dir), dir);
        return fsync_one(parent, err);
}

/* Before the first write: every region read, written to disk, fsynced, read back, verified. */
int sf_efs_backup(struct sf_job *j, struct sf_error *err)
{
        const char *dir = j->o->backup_dir;
        int r = 0;

        if (!dir)
                return 0;
        if (!j->n_efs && j->o->backup_best_effort) {
                sf_job_say(j, SF_LOG_WARNING,
                           "the module's EFS cannot be located: going on without a backup");
                return 0;
        }
        if (!j->n_efs)
                return sf_error_set(err, -EINVAL,
                                    "the module's EFS cannot be located (its partition table is "
                                    "unreadable and the package has none that names it), so it "
                                    "cannot be backed up: nothing was written. Use a package "
                                    "that carries the module's partition table, or see "
                                    "'safeflash doctor'");
        sf_job_enter(j, SF_PHASE_BACKUP, efs_bytes(j));
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return sf_error_set(err, -errno, "%s: %s", dir, strerror(errno));
        for (size_t k = 0; r == 0 && k < j->n_efs; k++)
                r = backup_region(j, dir, &j->efs[k], &j->res.backup_part[k], err);
        if (r == 0 && write_manifest(j, dir) < 0)
                r = sf_error_set(err, -EIO, "%s: cannot write the backup manifest", dir);
        if (r == 0 && j->efs_from_package && read_back_blank(j, dir) &&
            j->o->backup_best_effort) {
                sf_job_say(j, SF_LOG_WARNING,
                           "the sectors where the package's partition table puts EFS2 hold "
                           "nothing: going on without a backup");
                return 0;
        }
        if (r == 0 && j->efs_from_package && read_back_blank(j, dir))
                r = sf_error_set(err, -EINVAL,
                                 "the sectors where the package's partition table puts EFS2 "
                                 "hold nothing on this module: its EFS2 is elsewhere or lost, "
                                 "and cannot be backed up; nothing was written. Restore its "
                                 "partition table or EFS from a backup ('safeflash history', "
                                 "'safeflash restore') first");
        if (r < 0)
                return r;
        /* The folder's entries, and the folder's own entry in its parent, are durable too. */
        r = fsync_dir(dir, err);
        if (r < 0)
                return r;
        j->res.backed_up = true;
        j->res.backup_parts = (unsigned)j->n_efs;
        j->res.backup_bytes = efs_bytes(j);
        memcpy(j->res.backup_sha256, j->res.backup_part[0].sha256, sizeof(j->res.backup_sha256));
        sf_job_say(j, SF_LOG_INFO, "%zu partition(s) backed up to %s, verified", j->n_efs, dir);
        /* Its record is durable before the first write, or nothing is written. */
        return j->o->on_backup ? j->o->on_backup(j->o->userdata, &j->res, err) : 0;
}

/* ---- restore ---- */

static int read_manifest(const char *dir, struct sf_manifest *m, struct sf_error *err)
{
        _cleanup_free_ char *path = sf_asprintf("%s/manifest.json", dir), *doc = NULL;
        size_t len = 0;

        if (!path)
                return -ENOMEM;
        if (sf_read_file(path, MANIFEST_MAX, &doc, &len) < 0)
                return sf_error_set(err, -EINVAL,
                                    "%s: missing, unreadable or too large: not a "
                                    "safeflash backup",
                                    path);
        switch (sf_manifest_parse(doc, len, m)) {
        case 0:
                return 0;
        case -ENOKEY:
                return sf_error_set(err, -EINVAL, "%s: no chip serial: not a safeflash backup",
                                    path);
        case -ENOENT:
                return sf_error_set(err, -EINVAL, "%s: lists no partition", path);
        default:
                return sf_error_set(err, -EINVAL, "%s: partition %zu is malformed", path,
                                    m->n + 1);
        }
}

/* The module's region that a backed-up partition must go back to, exactly. */
static const struct sf_efs_region *matching(const struct sf_job *j, const struct sf_manifest_part *p)
{
        for (size_t k = 0; k < j->n_efs; k++) {
                const struct sf_efs_region *e = &j->efs[k];
                if (strcmp(e->name, p->name) == 0 && e->lun == p->lun && e->start == p->start &&
                    e->count == p->count && e->sector_size == p->sector_size)
                        return e;
        }
        return NULL;
}

/* The backup belongs to this module and fits its partitions exactly; each file is what was
 * saved. */
static int check_restore(struct sf_job *j, const struct sf_manifest *m, const char *dir,
                         struct sf_error *err)
{
        if (!j->n_efs)
                return sf_error_set(err, -EPERM,
                                    "the module's partition table is unreadable, so its EFS "
                                    "cannot be located: flash its firmware first, then restore");
        if (!j->res.identified && !j->o->force_restore)
                return sf_error_set(err, -EPERM,
                                    "a programmer was already running, so the chip's serial could "
                                    "not be read to match the backup: reset the module into EDL "
                                    "and try again (or --force)");
        if (j->res.identified && m->chip_serial != j->chip.serial && !j->o->force_restore)
                return sf_error_set(err, -EPERM,
                                    "the backup was taken from chip 0x%08" PRIx64
                                    ", this module is 0x%08x: writing another module's IMEI and "
                                    "calibration would clone it (--force to do it anyway)",
                                    m->chip_serial, j->chip.serial);
        for (size_t i = 0; i < m->n; i++) {
                const struct sf_manifest_part *p = &m->part[i];
                char path[4096], sha[65];
                uint64_t size = 0;
                if (!matching(j, p))
                        return sf_error_set(err, -EPERM,
                                            "the backup's %s (LUN %" PRIu64 ", sectors %" PRIu64
                                            "+%" PRIu64 " of %" PRIu64
                                            " bytes) is not where this module keeps it",
                                            p->name, p->lun, p->start, p->count, p->sector_size);
                snprintf(path, sizeof(path), "%s/%s", dir, p->file);
                if (file_sha256(path, sha, &size) < 0 || size != p->count * p->sector_size ||
                    strcmp(sha, p->sha256) != 0)
                        return sf_error_set(err, -EINVAL,
                                            "%s does not match its manifest (size or SHA-256): the "
                                            "backup is damaged; nothing was written",
                                            path);
        }
        return 0;
}

/* Exactly n bytes of a file on disk (a backup that changed size under us is an error). */
static int read_fd(void *userdata, uint8_t *buf, size_t n)
{
        int fd = *(int *)userdata;

        for (size_t got = 0; got < n;) {
                ssize_t k = read(fd, buf + got, n - got);
                if (k <= 0)
                        return k < 0 ? -errno : -EIO;
                got += (size_t)k;
        }
        return 0;
}

/* One partition back: erased (NAND), programmed, and compared by the device's digest. */
static int restore_part(struct sf_job *j, const struct sf_efs_region *e,
                        const struct sf_manifest_part *p, const char *dir, struct sf_error *err)
{
        char path[4096], start[24], sha[65];
        uint32_t ppb = 0;
        struct sf_layout_op op = {.kind = SF_LAYOUT_OP_PROGRAM, .label = e->name};
        struct sf_fh_range rg = region_range(e, 0, e->count, start, sizeof(start));
        _cleanup_close_ int fd = -1;
        uint8_t have[32];
        int r = 0;

        snprintf(path, sizeof(path), "%s/%s", dir, p->file);
        if (nand(j)) {
                nand_page_size(j, &ppb);
                rg.pages_per_block = ppb;
                r = sf_fh_erase(&j->fh, &rg, err);
        }
        fd = r < 0 ? -1 : open(path, O_RDONLY | O_CLOEXEC);
        if (r == 0 && fd < 0)
                r = sf_error_set(err, -errno, "%s: %s", path, strerror(errno));
        sf_job_say(j, SF_LOG_INFO, "restoring %s (LUN %u, sectors %s+%" PRIu64 ") from %s", e->name,
                   e->lun, start, e->count, path);
        if (r == 0)
                r = sf_fh_program(&j->fh, &rg, read_fd, &fd, e->count * e->sector_size,
                                  sf_job_pad_byte(j), sf_job_advance, j, err);
        op.sector_size = e->sector_size;
        op.lun = e->lun;
        op.start = e->start;
        op.has_start = op.has_num_sectors = true;
        op.start_text = start;
        op.num_sectors = op.write_sectors = e->count;
        if (r == 0)
                r = sf_fh_digest(&j->fh, &rg, have, err);
        if (r == -EOPNOTSUPP)
                r = sf_job_readback_digest(j, &op, have, err);
        if (r < 0)
                return r;
        hex(have, 32, sha);
        if (strcmp(sha, p->sha256) != 0)
                return sf_error_set(err, -EIO,
                                    "%s reads back differently from the backup (digest "
                                    "mismatch): the restore did not take",
                                    e->name);
        return 0;
}

/* Write a verified backup back where it came from. */
int sf_efs_restore(struct sf_job *j, struct sf_error *err)
{
        struct sf_manifest m;
        uint64_t total = 0;
        int r = read_manifest(j->o->restore_dir, &m, err);

        if (r >= 0)
                r = check_restore(j, &m, j->o->restore_dir, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < m.n; i++)
                total += m.part[i].count * m.part[i].sector_size;
        sf_job_enter(j, SF_PHASE_PROGRAM, total);
        for (size_t i = 0; r == 0 && i < m.n; i++)
                r = restore_part(j, matching(j, &m.part[i]), &m.part[i], j->o->restore_dir, err);
        if (r < 0)
                return r;
        j->res.restored = true;
        sf_job_say(j, SF_LOG_INFO, "%zu partition(s) restored and verified", m.n);
        return 0;
}
