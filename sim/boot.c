/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The chain a real MDM9x07 walks: PBL loads SBL from page 0; SBL brings up DDR and NAND (it must
 * know this board), reads the partition table in MIBIB (page 640: the header page, then the
 * system partition table on the next; it must be the layout it was built for),
 * loads TZ, RPM and the application bootloader of its own baseline; the modem then mounts EFS,
 * where the IMEI and RF calibration live.
 *
 * An SDX55 on UFS walks the same chain over GPTs: the PBL boots from the LUN that bBootLunEn
 * names (set by setbootablestoragedrive; boot disabled when 0) and loads xbl from that LUN's
 * GPT; xbl reads every LUN's GPT (each must be whole and describe its LUN: a package's GPT before
 * its patches does not), checks that they are the layout it was built for, and loads AOP, TZ,
 * devcfg, the hypervisor and abl of its baseline; the modem mounts EFS in modemst1. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "gpt.h"
#include "image.h"
#include "nand_bbt.h"
#include "ubi.h"
#include "proto/firehose.h"

const char *sim_boot_result_to_string(enum sim_boot_result r)
{
        switch (r) {
        case SIM_BOOT_NORMAL:
                return "normal";
        case SIM_BOOT_EDL:
                return "edl";
        case SIM_BOOT_CRASH:
                return "crash";
        }
        return "invalid";
}

static int verdict(struct sim_boot_report *r, enum sim_boot_result res, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static int verdict(struct sim_boot_report *r, enum sim_boot_result res, const char *fmt, ...)
{
        va_list ap;

        r->result = res;
        va_start(ap, fmt);
        vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
        va_end(ap);
        return 0;
}

/* Where an image is read from: the flash at a byte offset, or a UBI volume. */
struct source {
        struct sim_flash *f;
        uint64_t first, last;              /* flash: the partition's pages (bad blocks skipped) */
        const struct sim_ubi_volume *vol; /* or a volume's data */
};

static int source_read(const struct source *s, uint64_t off, uint8_t *buf, size_t len)
{
        return s->vol ? sim_ubi_read(s->f, s->vol, off, buf, len)
                      : sim_bbt_read(s->f, s->first, s->last, off, buf, len);
}

/* Read an image header, and check its payload's CRC (so a write cut short by a power loss is
 * noticed); max is the bytes the image may span. */
static int read_image_from(const struct source *s, uint64_t max, struct sim_image_header *h)
{
        uint8_t hdr[SIM_IMAGE_HEADER_LEN], buf[65536];
        uint64_t done = 0;
        uint32_t crc = 0;
        int r;

        r = source_read(s, 0, hdr, sizeof(hdr));
        if (r < 0 || (r = sim_image_header_decode(hdr, sizeof(hdr), h)) < 0)
                return r;
        if (max < SIM_IMAGE_HEADER_LEN || h->payload_len > max - SIM_IMAGE_HEADER_LEN)
                return -EPROTO;
        while (done < h->payload_len) {
                size_t n =
                        h->payload_len - done < sizeof(buf) ? h->payload_len - done : sizeof(buf);
                r = source_read(s, SIM_IMAGE_HEADER_LEN + done, buf, n);
                if (r < 0)
                        return r;
                crc = sf_firehose_crc32_update(crc, buf, n);
                done += n;
        }
        return h->payload_len && crc != h->payload_crc ? -EBADMSG : 0;
}

static int read_image(struct sim_flash *f, uint64_t page, uint64_t max_pages,
                      struct sim_image_header *h)
{
        struct source s = {.f = f, .first = page, .last = page + (max_pages ? max_pages - 1 : 0)};

        return read_image_from(&s, max_pages * f->page_size, h);
}

/* The image in a partition: in the volume of that name when the partition holds UBI (the modem
 * firmware in NON-HLOS.ubi's static "modem" volume), at its start otherwise. */
static int read_part_image(struct sim_flash *f, const struct sim_partition *p, const char *volume,
                           struct sim_image_header *h)
{
        struct sim_ubi_volume vol;
        struct source s = {.f = f, .vol = &vol};
        int r;

        if (!sim_ubi_present(f, p))
                return read_image(f, p->start_page, p->pages, h);
        r = sim_ubi_find(f, p, volume, &vol);
        if (r < 0)
                return r;
        r = read_image_from(&s, vol.bytes, h);
        sim_ubi_volume_done(&vol);
        return r;
}

static int check_stage(struct sim_flash *f, const struct sim_layout *l, const char *part,
                       uint32_t kind, const struct sim_image_header *sbl,
                       struct sim_image_header *ret)
{
        const struct sim_partition *p = sim_layout_find(l, part);

        if (!p || read_part_image(f, p, part, ret) < 0 || ret->kind != kind)
                return -ENOENT;
        return ret->baseline == sbl->baseline ? 0 : -EXDEV;
}

static void read_efs(struct sim_flash *f, const struct sim_layout *l, struct sim_boot_report *r)
{
        const struct sim_partition *p = sim_layout_find(l, "efs2");
        struct sim_image_header efs;

        if (!p || read_image(f, p->start_page, p->pages, &efs) < 0 || efs.kind != SIM_IMAGE_EFS)
                return; /* no EFS where this layout looks for it: no IMEI, no calibration */
        snprintf(r->imei, sizeof(r->imei), "%s", efs.imei);
        for (int i = 0; i < 32; i++)
                r->calibrated |= efs.calibration[i] != 0;
}

/* Linux runs: it attaches UBI on the modem and system partitions (and changes them, ubi_attach.c).
 * One it cannot attach leaves the modem or the root file system unmounted: the module crashes. */
static int linux_attach(struct sim_flash *f, const struct sim_layout *l, struct sim_boot_report *r)
{
        static const char *const parts[] = {"modem", "system"};

        for (size_t i = 0; i < sizeof(parts) / sizeof(*parts); i++) {
                const struct sim_partition *part = sim_layout_find(l, parts[i]);
                char why[128] = "";
                if (part && sim_ubi_attach(f, part, why, sizeof(why)) < 0)
                        return verdict(r, SIM_BOOT_CRASH, "UBI on %s could not be attached (%s)",
                                       parts[i], why);
        }
        return verdict(r, SIM_BOOT_NORMAL, "booted %s", r->version);
}

static int boot_chain(struct sim_flash *f, const struct sim_persona *p,
                      const struct sim_image_header *sbl, struct sim_boot_report *r)
{
        static const struct {
                const char *part;
                uint32_t kind;
        } stages[] = {{"tz", SIM_IMAGE_TZ}, {"rpm", SIM_IMAGE_RPM}, {"aboot", SIM_IMAGE_ABOOT}};
        uint8_t mibib[2 * SIM_MIBIB_PAGE_SIZE]; /* the header page, then the system table */
        struct sim_layout l;
        struct sim_image_header h;
        uint32_t layout_id;

        if (sim_flash_read(f, (uint64_t)SIM_MIBIB_PAGE * f->page_size, mibib, sizeof(mibib)) < 0 ||
            sim_mibib_decode(mibib, sizeof(mibib), &l, &layout_id) < 0)
                return verdict(r, SIM_BOOT_EDL, "SBL found no partition table in MIBIB");
        if (layout_id != sbl->layout_id)
                return verdict(r, SIM_BOOT_EDL,
                               "the partition table is not the layout the R%02u SBL "
                               "was built for",
                               sbl->baseline);
        for (size_t i = 0; i < sizeof(stages) / sizeof(*stages); i++)
                if (check_stage(f, &l, stages[i].part, stages[i].kind, sbl, &h) < 0)
                        return verdict(r, SIM_BOOT_EDL, "SBL could not load a valid %s of R%02u",
                                       stages[i].part, sbl->baseline);
        if (check_stage(f, &l, "modem", SIM_IMAGE_MODEM, sbl, &h) < 0)
                return verdict(r, SIM_BOOT_CRASH,
                               "the modem image is missing, damaged or of "
                               "another baseline: the modem crashed");
        snprintf(r->version, sizeof(r->version), "%s", h.version);
        read_efs(f, &l, r);
        (void)p;
        return linux_attach(f, &l, r);
}

/* Does this first stage (SBL, xbl) fit the board and the chip? Otherwise a verdict says why. */
static bool first_stage_fits(const struct sim_persona *p, const struct sim_image_header *sbl,
                             const char *what, struct sim_boot_report *r)
{
        if (!(sbl->board_mask & (1u << p->board_generation)))
                verdict(r, SIM_BOOT_EDL,
                        "the R%02u %s cannot bring up this board (generation "
                        "%u): DDR/%s initialisation fails",
                        sbl->baseline, what, p->board_generation,
                        p->storage == SIM_STORAGE_UFS ? "UFS" : "NAND");
        else if (sbl->msm_id != p->chip.msm_id)
                verdict(r, SIM_BOOT_EDL, "the %s is built for chip 0x%08x, not 0x%08x", what,
                        sbl->msm_id, p->chip.msm_id);
        else if (strcmp(sbl->memory, p->memory_code) != 0 || strcmp(sbl->prefix, p->hw_prefix) != 0)
                verdict(r, SIM_BOOT_EDL, "the %s is for %s %s hardware, this is %s %s", what,
                        sbl->prefix, sbl->memory, p->hw_prefix, p->memory_code);
        else
                return true;
        return false;
}

/* ---- UFS ---- */

/* The image at the start of a GPT partition, its payload checked. */
static int read_part(struct sim_flash *f, const struct sim_gpt_part *part,
                     struct sim_image_header *h)
{
        uint64_t disk = sim_flash_lun_sectors(f, part->lun), page;
        uint64_t n =
                part->sectors ? part->sectors : disk - (part->first < disk ? part->first : disk);
        int r = sim_flash_lun_page(f, part->lun, part->first, n, &page);

        if (r < 0 || n == 0)
                return r < 0 ? r : -ERANGE;
        return read_image(f, page, n, h);
}

/* The PBL: bBootLunEn, the boot LUN's GPT, the xbl in it. 0 with *xbl set, or a verdict. */
static int ufs_pbl(struct sim_flash *f, const struct sim_persona *p, struct sim_image_header *xbl,
                   struct sim_boot_report *r)
{
        static const char *const names[] = {"xbl", "xbl_a", "xbl_b"};
        struct sim_ufs_layout l = {0};
        const struct sim_gpt_part *part = NULL;
        char why[160];

        if (!f->provisioned || f->boot_lun == 0 || f->boot_lun >= f->n_luns)
                return verdict(r, SIM_BOOT_EDL, "booting from UFS is disabled (bBootLunEn %u)",
                               f->boot_lun);
        if (sim_gpt_read(f, f->boot_lun, &l, why, sizeof(why)) < 0)
                return verdict(r, SIM_BOOT_EDL, "no usable GPT on the boot LUN: %s", why);
        for (size_t i = 0; !part && i < sizeof(names) / sizeof(*names); i++)
                part = sim_ufs_layout_find(&l, names[i]);
        if (!part)
                return verdict(r, SIM_BOOT_EDL, "no xbl partition on boot LUN %u", f->boot_lun);
        if (read_part(f, part, xbl) < 0 || xbl->kind != SIM_IMAGE_SBL)
                return verdict(r, SIM_BOOT_EDL, "no valid xbl in %s on boot LUN %u", part->name,
                               f->boot_lun);
        if (!first_stage_fits(p, xbl, "xbl", r))
                return 0;
        r->result = SIM_BOOT_NORMAL; /* so far */
        return 0;
}

static int ufs_stage(struct sim_flash *f, const struct sim_ufs_layout *l, const char *name,
                     uint32_t kind, const struct sim_image_header *xbl,
                     struct sim_image_header *ret)
{
        const struct sim_gpt_part *part = sim_ufs_layout_find(l, name);

        if (!part || read_part(f, part, ret) < 0 || ret->kind != kind)
                return -ENOENT;
        return ret->baseline == xbl->baseline ? 0 : -EXDEV;
}

static void ufs_efs(struct sim_flash *f, const struct sim_ufs_layout *l, struct sim_boot_report *r)
{
        const struct sim_gpt_part *part = sim_ufs_layout_find(l, "modemst1");
        struct sim_image_header efs;

        if (!part || read_part(f, part, &efs) < 0 || efs.kind != SIM_IMAGE_EFS)
                return; /* no EFS where the modem looks for it: no IMEI, no calibration */
        snprintf(r->imei, sizeof(r->imei), "%s", efs.imei);
        for (int i = 0; i < 32; i++)
                r->calibrated |= efs.calibration[i] != 0;
}

/* xbl onwards: every LUN's GPT, the layout, the images of its baseline, the modem, EFS. */
static int ufs_chain(struct sim_flash *f, const struct sim_image_header *xbl,
                     struct sim_boot_report *r)
{
        static const struct {
                const char *part;
                uint32_t kind;
        } stages[] = {{"aop", SIM_IMAGE_AOP},
                      {"tz", SIM_IMAGE_TZ},
                      {"devcfg", SIM_IMAGE_DEVCFG},
                      {"hyp", SIM_IMAGE_HYP},
                      {"abl", SIM_IMAGE_ABOOT}};
        struct sim_ufs_layout *l = calloc(1, sizeof(*l));
        struct sim_image_header h = {0};
        char why[160] = "";
        int e = l ? 0 : -ENOMEM;

        for (unsigned lun = 0; e == 0 && lun < f->n_luns; lun++)
                e = sim_gpt_read(f, lun, l, why, sizeof(why));
        if (e < 0)
                verdict(r, SIM_BOOT_EDL, "xbl cannot use the GPTs: %s", why[0] ? why : "too many");
        else if (sim_ufs_layout_id(l) != xbl->layout_id)
                verdict(r, SIM_BOOT_EDL, "the GPTs are not the layout the R%02u xbl was built for",
                        xbl->baseline);
        for (size_t i = 0;
             e == 0 && r->result == SIM_BOOT_NORMAL && i < sizeof(stages) / sizeof(*stages); i++)
                if (ufs_stage(f, l, stages[i].part, stages[i].kind, xbl, &h) < 0)
                        verdict(r, SIM_BOOT_EDL, "xbl could not load a valid %s of R%02u",
                                stages[i].part, xbl->baseline);
        if (e == 0 && r->result == SIM_BOOT_NORMAL &&
            ufs_stage(f, l, "modem", SIM_IMAGE_MODEM, xbl, &h) < 0)
                verdict(r, SIM_BOOT_CRASH,
                        "the modem image is missing, damaged or of another "
                        "baseline: the modem crashed");
        if (e == 0 && r->result == SIM_BOOT_NORMAL) {
                snprintf(r->version, sizeof(r->version), "%s", h.version);
                ufs_efs(f, l, r);
                verdict(r, SIM_BOOT_NORMAL, "booted %s", r->version);
        }
        free(l);
        return e == -ENOMEM ? e : 0;
}

static int boot_ufs(struct sim_flash *f, const struct sim_persona *p, struct sim_boot_report *r)
{
        struct sim_image_header xbl;

        r->result = SIM_BOOT_EDL;
        ufs_pbl(f, p, &xbl, r);
        return r->result == SIM_BOOT_NORMAL ? ufs_chain(f, &xbl, r) : 0;
}

int sim_boot(struct sim_flash *f, const struct sim_persona *p, struct sim_boot_report *ret)
{
        struct sim_boot_report r = {0};
        struct sim_image_header sbl;
        int e = 0;

        if (p->storage == SIM_STORAGE_UFS)
                e = boot_ufs(f, p, &r);
        else if (read_image(f, 0, 640, &sbl) < 0 || sbl.kind != SIM_IMAGE_SBL)
                verdict(&r, SIM_BOOT_EDL, "no valid SBL at page 0");
        else if (first_stage_fits(p, &sbl, "SBL", &r))
                boot_chain(f, p, &sbl, &r);
        if (e < 0)
                return e;
        *ret = r;
        return 0;
}
