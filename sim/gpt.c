/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* UFS layouts and GPTs: see gpt.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpt.h"
#include "image.h"
#include "proto/firehose.h"
#include "util/endian.h"

static const char signature[8] = "EFI PART";
#define GPT_REVISION 0x00010000u

/* ---- Layouts ---- */

struct cursor {
        struct sim_ufs_layout *l;
        uint32_t lun;
        uint64_t next; /* the next free sector of the LUN */
};

static void add(struct cursor *c, const char *name, uint64_t sectors, const char *file,
                uint32_t kind)
{
        struct sim_gpt_part *p;

        if (c->l->n == SIM_UFS_MAX_PARTS)
                return;
        p = &c->l->parts[c->l->n++];
        snprintf(p->name, sizeof(p->name), "%s", name);
        p->lun = c->lun;
        p->first = c->next;
        p->sectors = sectors;
        p->file = file;
        p->kind = kind;
        c->next += sectors;
}

static struct cursor lun(struct sim_ufs_layout *l, uint32_t n)
{
        return (struct cursor){.l = l, .lun = n, .next = sim_gpt_primary_sectors(SIM_UFS_SECTOR)};
}

void sim_ufs_layout_for_baseline(unsigned baseline, struct sim_ufs_layout *ret)
{
        struct sim_ufs_layout l = {0};
        struct cursor c;

        /* Sizes in 4 KiB sectors. Only the images' own sizes come from real SDX55 packages; the
         * partition sizes are the simulator's, generous enough for the realistic images. */
        c = lun(&l, 0);
        add(&c, "boot", 4096, "sdxprairie-boot.img", SIM_IMAGE_BOOT);
        add(&c, "recovery", 4096, "sdxprairie-boot.img", SIM_IMAGE_BOOT);
        add(&c, "system", 49152, "sdxprairie-sysfs.ubi", SIM_IMAGE_SYSFS);
        add(&c, "recoveryfs", 16384, "sdxprairie-recoveryfs.ubi", SIM_IMAGE_OTHER);
        add(&c, "usrdata", 0, "usrdata.ubi", SIM_IMAGE_OTHER);
        c = lun(&l, 1);
        add(&c, "xbl", 896, "xbl.elf", SIM_IMAGE_SBL);
        add(&c, "xbl_config", 128, "xbl_cfg.elf", SIM_IMAGE_OTHER);
        c = lun(&l, 2);
        add(&c, "xbl_b", 896, NULL, 0);
        add(&c, "xbl_config_b", 128, NULL, 0);
        c = lun(&l, 3);
        add(&c, "ssd", 2, NULL, 0);
        add(&c, "misc", 256, NULL, 0);
        add(&c, "persist", 0, NULL, 0);
        c = lun(&l, 4);
        add(&c, "aop", 128, "aop.mbn", SIM_IMAGE_AOP);
        add(&c, "tz", 1024, "tz.mbn", SIM_IMAGE_TZ);
        add(&c, "hyp", 256, "hyp.mbn", SIM_IMAGE_HYP);
        add(&c, "devcfg", 32, "devcfg.mbn", SIM_IMAGE_DEVCFG);
        add(&c, "abl", 256, "abl.elf", SIM_IMAGE_ABOOT);
        add(&c, "uefi", 1024, "uefi.elf", SIM_IMAGE_OTHER);
        add(&c, "apdp", 64, "apdp.mbn", SIM_IMAGE_OTHER);
        add(&c, "multiimgoem", 8, "multi_image.mbn", SIM_IMAGE_OTHER);
        add(&c, "sec", 4, "sec.dat", SIM_IMAGE_OTHER);
        add(&c, "toolsfv", 256, "tools.fv", SIM_IMAGE_OTHER);
        add(&c, "modem", baseline >= 13 ? 45056 : 40960, "NON-HLOS.ubi", SIM_IMAGE_MODEM);
        add(&c, "oemdata", 0, "oemdata.ubi", SIM_IMAGE_OTHER);
        c = lun(&l, 5);
        add(&c, "modemst1", 768, NULL, 0);
        add(&c, "modemst2", 768, NULL, 0);
        add(&c, "fsg", 768, NULL, 0);
        add(&c, "fsc", 32, NULL, 0);
        *ret = l;
}

const struct sim_gpt_part *sim_ufs_layout_find(const struct sim_ufs_layout *l, const char *name)
{
        for (unsigned i = 0; i < l->n; i++)
                if (strcmp(l->parts[i].name, name) == 0)
                        return &l->parts[i];
        return NULL;
}

uint32_t sim_ufs_layout_id(const struct sim_ufs_layout *l)
{
        uint8_t rec[4 + SIM_GPT_NAME_MAX + 16];
        uint32_t crc = 0;

        for (unsigned i = 0; i < l->n; i++) {
                const struct sim_gpt_part *p = &l->parts[i];
                memset(rec, 0, sizeof(rec));
                sf_put_le32(rec, p->lun);
                memcpy(rec + 4, p->name, strnlen(p->name, SIM_GPT_NAME_MAX));
                sf_put_le64(rec + 4 + SIM_GPT_NAME_MAX, p->first);
                sf_put_le64(rec + 12 + SIM_GPT_NAME_MAX, p->sectors);
                crc = sf_firehose_crc32_update(crc, rec, sizeof(rec));
        }
        return crc;
}

/* ---- Building ---- */

uint32_t sim_gpt_primary_sectors(uint32_t sector_size)
{
        return 2 + SIM_GPT_ARRAY_BYTES / sector_size;
}

uint32_t sim_gpt_backup_sectors(uint32_t sector_size)
{
        return 1 + SIM_GPT_ARRAY_BYTES / sector_size;
}

static bool sector_size_ok(uint32_t ss)
{
        return ss >= 512 && ss <= SIM_GPT_ARRAY_BYTES && (ss & (ss - 1)) == 0;
}

/* Deterministic GUIDs (RFC 4122 version 4 bits set), so packages and factory agree. */
static void guid(uint8_t out[16], const char *what, const char *name, uint32_t lun)
{
        char s[96];

        snprintf(s, sizeof(s), "gpt %s %s %u", what, name, lun);
        sim_fill(out, 16, sim_seed(s), 0);
        out[7] = (uint8_t)((out[7] & 0x0f) | 0x40);
        out[8] = (uint8_t)((out[8] & 0x3f) | 0x80);
}

/* The partition array of a LUN; returns its CRC. */
static uint32_t build_array(const struct sim_ufs_layout *l, unsigned lun_no, uint64_t last_usable,
                            uint8_t *array)
{
        unsigned idx = 0;

        memset(array, 0, SIM_GPT_ARRAY_BYTES);
        for (unsigned i = 0; i < l->n && idx < SIM_GPT_ENTRIES; i++) {
                const struct sim_gpt_part *p = &l->parts[i];
                uint8_t *e;
                if (p->lun != lun_no)
                        continue;
                e = array + (size_t)idx++ * SIM_GPT_ENTRY_LEN;
                guid(e, "type", p->name, 0);
                guid(e + 16, "unique", p->name, p->lun);
                sf_put_le64(e + 32, p->first);
                sf_put_le64(e + 40, p->sectors ? p->first + p->sectors - 1 : last_usable);
                for (size_t k = 0; p->name[k] && k < SIM_GPT_NAME_MAX; k++)
                        sf_put_le16(e + 56 + 2 * k, (uint8_t)p->name[k]);
        }
        return sf_firehose_crc32(array, SIM_GPT_ARRAY_BYTES);
}

struct header {
        uint64_t my, alt, first_usable, last_usable, entries_lba;
        uint32_t n_entries, entry_len, array_crc;
};

static void put_header(uint8_t *s, const struct header *h, unsigned lun_no)
{
        memset(s, 0, SIM_GPT_HEADER_LEN);
        memcpy(s, signature, sizeof(signature));
        sf_put_le32(s + 8, GPT_REVISION);
        sf_put_le32(s + 12, SIM_GPT_HEADER_LEN);
        sf_put_le64(s + 24, h->my);
        sf_put_le64(s + 32, h->alt);
        sf_put_le64(s + 40, h->first_usable);
        sf_put_le64(s + 48, h->last_usable);
        guid(s + 56, "disk", "", lun_no);
        sf_put_le64(s + 72, h->entries_lba);
        sf_put_le32(s + 80, h->n_entries);
        sf_put_le32(s + 84, h->entry_len);
        sf_put_le32(s + 88, h->array_crc);
        sf_put_le32(s + 16, sf_firehose_crc32(s, SIM_GPT_HEADER_LEN));
}

static void put_protective_mbr(uint8_t *s)
{
        static const uint8_t entry[16] = {0x00, 0x00, 0x02, 0x00, 0xee, 0xff, 0xff, 0xff,
                                          0x01, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff};

        /* The size is left at its maximum, as for any disk whose size the image cannot know. */
        memcpy(s + 446, entry, sizeof(entry));
        s[510] = 0x55;
        s[511] = 0xaa;
}

int sim_gpt_build(const struct sim_ufs_layout *l, unsigned lun_no, uint32_t sector_size,
                  uint64_t disk_sectors, bool backup, uint8_t *out, size_t size)
{
        uint32_t p = sim_gpt_primary_sectors(sector_size), b = sim_gpt_backup_sectors(sector_size);
        uint32_t n = backup ? b : p;
        uint64_t last = disk_sectors ? disk_sectors - b - 1 : 0;
        struct header h = {.first_usable = p,
                           .last_usable = last,
                           .n_entries = SIM_GPT_ENTRIES,
                           .entry_len = SIM_GPT_ENTRY_LEN};
        uint8_t *array;

        if (!sector_size_ok(sector_size) || (disk_sectors && disk_sectors <= (uint64_t)p + b))
                return -EINVAL;
        if (size < (size_t)n * sector_size)
                return -ENOBUFS;
        memset(out, 0, (size_t)n * sector_size);
        array = out + (backup ? 0 : 2 * (size_t)sector_size);
        h.array_crc = build_array(l, lun_no, last, array);
        if (backup) {
                h.my = disk_sectors ? disk_sectors - 1 : 0;
                h.alt = 1;
                h.entries_lba = disk_sectors ? disk_sectors - b : 0;
                put_header(out + (size_t)(n - 1) * sector_size, &h, lun_no);
        } else {
                h.my = 1;
                h.alt = disk_sectors ? disk_sectors - 1 : 0;
                h.entries_lba = 2;
                put_protective_mbr(out);
                put_header(out + sector_size, &h, lun_no);
        }
        return (int)(n * sector_size);
}

/* ---- The patch sequence ---- */

struct patches {
        struct sim_gpt_patch *out;
        size_t n;
        uint32_t b; /* backup sectors */
};

/* One line at a sector of the primary or backup GPT; file_value NULL: the same as value. */
static void patch(struct patches *ps, bool backup, uint32_t sector, uint32_t off, uint32_t size,
                  const char *value, const char *file_value, const char *what)
{
        struct sim_gpt_patch *p;

        if (ps->n == SIM_GPT_MAX_PATCHES)
                return;
        p = &ps->out[ps->n++];
        *p = (struct sim_gpt_patch){
                .file_sector = sector, .in_backup = backup, .byte_offset = off, .size = size};
        if (backup)
                snprintf(p->start, sizeof(p->start), "NUM_DISK_SECTORS-%u.", ps->b - sector);
        else
                snprintf(p->start, sizeof(p->start), "%u", sector);
        snprintf(p->value, sizeof(p->value), "%s", value);
        snprintf(p->file_value, sizeof(p->file_value), "%s", file_value ? file_value : value);
        snprintf(p->what, sizeof(p->what), "%s", what);
}

/* The growing partition's index in its LUN's array, or -1. */
static int growing(const struct sim_ufs_layout *l, unsigned lun_no, const char **ret_name)
{
        int idx = 0;

        for (unsigned i = 0; i < l->n; i++) {
                if (l->parts[i].lun != lun_no)
                        continue;
                if (l->parts[i].sectors == 0) {
                        *ret_name = l->parts[i].name;
                        return idx;
                }
                idx++;
        }
        return -1;
}

size_t sim_gpt_patches(const struct sim_ufs_layout *l, unsigned lun_no, uint32_t ss,
                       struct sim_gpt_patch out[SIM_GPT_MAX_PATCHES])
{
        uint32_t b = sim_gpt_backup_sectors(ss), hdr = b - 1;
        struct patches ps = {.out = out, .b = b};
        char last[40], array_lba[40], crc_main[48], crc_backup[48], crc_hdr[48], file_crc[2][48];
        const char *name = "";
        int g = growing(l, lun_no, &name);
        char what[2][96];

        snprintf(last, sizeof(last), "NUM_DISK_SECTORS-%u.", b + 1);
        snprintf(array_lba, sizeof(array_lba), "NUM_DISK_SECTORS-%u.", b);
        snprintf(crc_main, sizeof(crc_main), "CRC32(2,%u)", SIM_GPT_ARRAY_BYTES);
        snprintf(crc_backup, sizeof(crc_backup), "CRC32(NUM_DISK_SECTORS-%u.,%u)", b,
                 SIM_GPT_ARRAY_BYTES);
        snprintf(crc_hdr, sizeof(crc_hdr), "CRC32(NUM_DISK_SECTORS-1.,%u)", SIM_GPT_HEADER_LEN);
        snprintf(file_crc[0], sizeof(file_crc[0]), "CRC32(0,%u)", SIM_GPT_ARRAY_BYTES);
        snprintf(file_crc[1], sizeof(file_crc[1]), "CRC32(%u,%u)", hdr, SIM_GPT_HEADER_LEN);
        patch(&ps, false, 1, 16, 4, "0", NULL, "Zero Out Header CRC in Primary Header.");
        patch(&ps, true, hdr, 16, 4, "0", NULL, "Zero Out Header CRC in Backup Header.");
        if (g >= 0) {
                uint32_t pos = (uint32_t)g * SIM_GPT_ENTRY_LEN;
                for (int k = 0; k < 2; k++)
                        snprintf(what[k], sizeof(what[k]),
                                 "Update last partition %d '%s' with actual size in %s Header.",
                                 g + 1, name, k ? "Backup" : "Primary");
                patch(&ps, false, 2 + pos / ss, pos % ss + 40, 8, last, NULL, what[0]);
                patch(&ps, true, pos / ss, pos % ss + 40, 8, last, NULL, what[1]);
        }
        patch(&ps, false, 1, 32, 8, "NUM_DISK_SECTORS-1.", NULL,
              "Update Primary Header with BackupGPT Header Location.");
        patch(&ps, true, hdr, 24, 8, "NUM_DISK_SECTORS-1.", NULL,
              "Update Backup Header with CurrentLBA.");
        patch(&ps, false, 1, 48, 8, last, NULL, "Update Primary Header with LastUseableLBA.");
        patch(&ps, true, hdr, 48, 8, last, NULL, "Update Backup Header with LastUseableLBA.");
        patch(&ps, true, hdr, 72, 8, array_lba, NULL,
              "Update Backup Header with Partition Array Location.");
        patch(&ps, false, 1, 88, 4, crc_main, NULL,
              "Update Primary Header with CRC of Partition Array.");
        patch(&ps, true, hdr, 88, 4, crc_backup, file_crc[0],
              "Update Backup Header with CRC of Partition Array.");
        patch(&ps, false, 1, 16, 4, "CRC32(1,92)", NULL,
              "Update Primary Header with CRC of Header.");
        patch(&ps, true, hdr, 16, 4, crc_hdr, file_crc[1],
              "Update Backup Header with CRC of Header.");
        return ps.n;
}

/* ---- Reading back ---- */

static int bad(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(char *why, size_t size, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(why, size, fmt, ap);
        va_end(ap);
        return -EBADMSG;
}

/* A header sector: its fields, if its signature, revision, size and CRC are right. */
static const char *parse_header(const uint8_t *s, struct header *h)
{
        uint8_t copy[SIM_GPT_HEADER_LEN];

        if (memcmp(s, signature, sizeof(signature)) != 0)
                return "no \"EFI PART\" signature";
        if (sf_le32(s + 8) != GPT_REVISION || sf_le32(s + 12) != SIM_GPT_HEADER_LEN)
                return "unsupported revision or header size";
        memcpy(copy, s, sizeof(copy));
        memset(copy + 16, 0, 4);
        if (sf_firehose_crc32(copy, sizeof(copy)) != sf_le32(s + 16))
                return "bad header CRC";
        *h = (struct header){.my = sf_le64(s + 24),
                             .alt = sf_le64(s + 32),
                             .first_usable = sf_le64(s + 40),
                             .last_usable = sf_le64(s + 48),
                             .entries_lba = sf_le64(s + 72),
                             .n_entries = sf_le32(s + 80),
                             .entry_len = sf_le32(s + 84),
                             .array_crc = sf_le32(s + 88)};
        if (h->n_entries != SIM_GPT_ENTRIES || h->entry_len != SIM_GPT_ENTRY_LEN)
                return "unsupported partition array shape";
        return NULL;
}

struct lun_io {
        struct sim_flash *f;
        unsigned lun;
        uint64_t disk;
        uint8_t *sector, *array; /* one sector; the array */
};

static int read_sectors(struct lun_io *io, uint64_t sector, uint8_t *out, size_t len)
{
        uint64_t page;
        int r = sim_flash_lun_page(io->f, io->lun, sector,
                                   (len + io->f->page_size - 1) / io->f->page_size, &page);

        return r < 0 ? r : sim_flash_read(io->f, page * io->f->page_size, out, len);
}

/* Read and check the header at `at` and its array; h gets its fields. */
static int read_half(struct lun_io *io, uint64_t at, bool backup, struct header *h, char *why,
                     size_t size)
{
        const char *which = backup ? "backup" : "primary", *e;
        uint64_t b = sim_gpt_backup_sectors(io->f->page_size);
        uint64_t want_my = backup ? io->disk - 1 : 1, want_alt = backup ? 1 : io->disk - 1;
        uint64_t want_array = backup ? io->disk - b : 2;

        if (read_sectors(io, at, io->sector, io->f->page_size) < 0)
                return bad(why, size, "LUN %u: cannot read the %s GPT header", io->lun, which);
        e = parse_header(io->sector, h);
        if (e)
                return bad(why, size, "LUN %u: %s GPT header: %s", io->lun, which, e);
        if (h->my != want_my || h->alt != want_alt || h->entries_lba != want_array)
                return bad(why, size,
                           "LUN %u: %s GPT header places itself at %" PRIu64 ", its twin at "
                           "%" PRIu64 " and its array at %" PRIu64 " on a disk of %" PRIu64
                           " sectors (not patched?)",
                           io->lun, which, h->my, h->alt, h->entries_lba, io->disk);
        if (h->first_usable < sim_gpt_primary_sectors(io->f->page_size) ||
            h->last_usable >= io->disk - b || h->last_usable < h->first_usable)
                return bad(why, size,
                           "LUN %u: %s GPT header: usable sectors %" PRIu64 "..%" PRIu64
                           " do not fit the disk",
                           io->lun, which, h->first_usable, h->last_usable);
        if (read_sectors(io, h->entries_lba, io->array, SIM_GPT_ARRAY_BYTES) < 0 ||
            sf_firehose_crc32(io->array, SIM_GPT_ARRAY_BYTES) != h->array_crc)
                return bad(why, size, "LUN %u: %s GPT partition array: bad CRC", io->lun, which);
        return 0;
}

static int add_entries(const struct lun_io *io, const struct header *h, struct sim_ufs_layout *l,
                       char *why, size_t size)
{
        static const uint8_t zero[16];

        for (unsigned i = 0; i < SIM_GPT_ENTRIES; i++) {
                const uint8_t *e = io->array + (size_t)i * SIM_GPT_ENTRY_LEN;
                uint64_t first = sf_le64(e + 32), last = sf_le64(e + 40);
                struct sim_gpt_part *p;
                if (memcmp(e, zero, sizeof(zero)) == 0)
                        continue;
                if (first < h->first_usable || last > h->last_usable || last < first)
                        return bad(why, size,
                                   "LUN %u: partition %u (sectors %" PRIu64 "..%" PRIu64
                                   ") is outside the usable sectors",
                                   io->lun, i, first, last);
                if (l->n == SIM_UFS_MAX_PARTS)
                        return -E2BIG;
                p = &l->parts[l->n++];
                *p = (struct sim_gpt_part){.lun = io->lun, .first = first};
                p->sectors = last == h->last_usable ? 0 : last - first + 1;
                for (unsigned k = 0; k < SIM_GPT_NAME_MAX; k++) {
                        uint16_t c = sf_le16(e + 56 + 2 * k);
                        if (c == 0)
                                break;
                        p->name[k] = c >= 0x20 && c < 0x7f ? (char)c : '?';
                }
        }
        return 0;
}

int sim_gpt_read(struct sim_flash *f, unsigned lun_no, struct sim_ufs_layout *l, char *why,
                 size_t why_size)
{
        struct lun_io io = {.f = f, .lun = lun_no, .disk = sim_flash_lun_sectors(f, lun_no)};
        uint32_t p = sim_gpt_primary_sectors(f->page_size),
                 b = sim_gpt_backup_sectors(f->page_size);
        struct header primary, backup;
        int r;

        if (io.disk == 0)
                return -ENXIO;
        if (!sector_size_ok(f->page_size) || io.disk <= (uint64_t)p + b)
                return bad(why, why_size, "LUN %u: too small for a GPT", lun_no);
        io.sector = malloc(f->page_size);
        io.array = malloc(SIM_GPT_ARRAY_BYTES);
        r = io.sector && io.array ? 0 : -ENOMEM;
        if (r == 0)
                r = read_half(&io, io.disk - 1, true, &backup, why, why_size);
        if (r == 0)
                r = read_half(&io, 1, false, &primary, why, why_size);
        if (r == 0 &&
            (primary.array_crc != backup.array_crc || primary.first_usable != backup.first_usable ||
             primary.last_usable != backup.last_usable))
                r = bad(why, why_size, "LUN %u: the primary and backup GPTs disagree", lun_no);
        if (r == 0)
                r = add_entries(&io, &primary, l, why, why_size);
        free(io.sector);
        free(io.array);
        return r;
}
