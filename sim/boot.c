/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The chain a real MDM9x07 walks: PBL loads SBL from page 0; SBL brings up DDR and NAND (it must
 * know this board), reads the partition table in MIBIB (it must be the layout it was built for),
 * loads TZ, RPM and the application bootloader of its own baseline; the modem then mounts EFS,
 * where the IMEI and RF calibration live. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "image.h"
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

/* Read an image header at a page, and check its payload's CRC (so a write cut short by a power
 * loss is noticed). */
static int read_image(struct sim_flash *f, uint64_t page, uint64_t max_pages,
                      struct sim_image_header *h)
{
        uint8_t hdr[SIM_IMAGE_HEADER_LEN], buf[65536];
        uint64_t off = page * f->page_size + SIM_IMAGE_HEADER_LEN, done = 0;
        uint32_t crc = 0;
        int r;

        r = sim_flash_read(f, page * f->page_size, hdr, sizeof(hdr));
        if (r < 0 || (r = sim_image_header_decode(hdr, sizeof(hdr), h)) < 0)
                return r;
        if (h->payload_len > max_pages * f->page_size - SIM_IMAGE_HEADER_LEN)
                return -EPROTO;
        while (done < h->payload_len) {
                size_t n =
                        h->payload_len - done < sizeof(buf) ? h->payload_len - done : sizeof(buf);
                r = sim_flash_read(f, off + done, buf, n);
                if (r < 0)
                        return r;
                crc = sf_firehose_crc32_update(crc, buf, n);
                done += n;
        }
        return h->payload_len && crc != h->payload_crc ? -EBADMSG : 0;
}

static int check_stage(struct sim_flash *f, const struct sim_layout *l, const char *part,
                       uint32_t kind, const struct sim_image_header *sbl,
                       struct sim_image_header *ret)
{
        const struct sim_partition *p = sim_layout_find(l, part);

        if (!p || read_image(f, p->start_page, p->pages, ret) < 0 || ret->kind != kind)
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

static int boot_chain(struct sim_flash *f, const struct sim_persona *p,
                      const struct sim_image_header *sbl, struct sim_boot_report *r)
{
        static const struct {
                const char *part;
                uint32_t kind;
        } stages[] = {{"tz", SIM_IMAGE_TZ}, {"rpm", SIM_IMAGE_RPM}, {"aboot", SIM_IMAGE_ABOOT}};
        uint8_t page[8192];
        struct sim_layout l;
        struct sim_image_header h;

        if (sim_flash_read(f, (uint64_t)SIM_MIBIB_PAGE * f->page_size, page, sizeof(page)) < 0 ||
            sim_mibib_decode(page, sizeof(page), &l) < 0)
                return verdict(r, SIM_BOOT_EDL, "SBL found no partition table in MIBIB");
        if (sim_layout_id(&l) != sbl->layout_id)
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
        return verdict(r, SIM_BOOT_NORMAL, "booted %s", r->version);
}

int sim_boot(struct sim_flash *f, const struct sim_persona *p, struct sim_boot_report *ret)
{
        struct sim_boot_report r = {0};
        struct sim_image_header sbl;

        if (read_image(f, 0, 640, &sbl) < 0 || sbl.kind != SIM_IMAGE_SBL)
                verdict(&r, SIM_BOOT_EDL, "no valid SBL at page 0");
        else if (!(sbl.board_mask & (1u << p->board_generation)))
                verdict(&r, SIM_BOOT_EDL,
                        "the R%02u SBL cannot bring up this board (generation "
                        "%u): DDR/NAND initialisation fails",
                        sbl.baseline, p->board_generation);
        else if (sbl.msm_id != p->chip.msm_id)
                verdict(&r, SIM_BOOT_EDL, "the SBL is built for chip 0x%08x, not 0x%08x",
                        sbl.msm_id, p->chip.msm_id);
        else if (strcmp(sbl.memory, p->memory_code) != 0 || strcmp(sbl.prefix, p->hw_prefix) != 0)
                verdict(&r, SIM_BOOT_EDL, "the SBL is for %s %s hardware, this is %s %s",
                        sbl.prefix, sbl.memory, p->hw_prefix, p->memory_code);
        else
                boot_chain(f, p, &sbl, &r);
        *ret = r;
        return 0;
}
