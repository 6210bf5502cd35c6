/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The programmer's Firehose: see firehose_dev.h. */
#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firehose_dev.h"

static const char *const functions[] = {
        "program",         "read",      "nop",
        "patch",           "configure", "setbootablestoragedrive",
        "erase",           "power",     "getstorageinfo",
        "getsha256digest",
};
#define N_FUNCTIONS (sizeof(functions) / sizeof(*functions))

static int send_doc(struct sim_firehose *fh, const char *doc, int n)
{
        if (n < 0)
                return n;
        return fh->send(fh->ctx, (const uint8_t *)doc, (size_t)n);
}

static int logf_(struct sim_firehose *fh, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static int logf_(struct sim_firehose *fh, const char *fmt, ...)
{
        char text[SF_FIREHOSE_VALUE_MAX], doc[SF_FIREHOSE_MAX_XML + 1];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        return send_doc(fh, doc, sf_firehose_build_log(doc, sizeof(doc), text));
}

static int respond(struct sim_firehose *fh, bool ack, const struct sf_firehose_attr *a, size_t n)
{
        char doc[SF_FIREHOSE_MAX_XML + 1];

        return send_doc(fh, doc, sf_firehose_build_response(doc, sizeof(doc), ack, a, n));
}

static int ack_raw(struct sim_firehose *fh, bool ack, bool rawmode)
{
        const struct sf_firehose_attr a = {"rawmode", rawmode ? "true" : "false"};

        return respond(fh, ack, &a, 1);
}

/* A refusal: the error text as a log, then a NAK (how real programmers fail a command). */
static int nak(struct sim_firehose *fh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int nak(struct sim_firehose *fh, const char *fmt, ...)
{
        char text[SF_FIREHOSE_VALUE_MAX];
        va_list ap;
        int r;

        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        r = logf_(fh, "%s", text);
        return r < 0 ? r : ack_raw(fh, false, false);
}

int sim_firehose_init(struct sim_firehose *fh, struct sim_flash *flash,
                      const struct sim_firehose_config *cfg, sim_send_fn send, void *ctx)
{
        memset(fh, 0, sizeof(*fh));
        fh->flash = flash;
        fh->cfg = cfg;
        fh->send = send;
        fh->ctx = ctx;
        fh->payload_to_target = cfg->max_payload_to_target;
        fh->page = malloc(flash->page_size);
        return fh->page ? 0 : -ENOMEM;
}

void sim_firehose_done(struct sim_firehose *fh)
{
        free(fh->page);
        fh->page = NULL;
}

/* The functions this programmer has. */
static size_t n_functions(const struct sim_firehose *fh)
{
        /* getsha256digest is the last entry: a programmer without it lists one fewer. */
        return fh->cfg->no_digest ? N_FUNCTIONS - 1 : N_FUNCTIONS;
}

int sim_firehose_start(struct sim_firehose *fh)
{
        int r = 0;

        if (fh->cfg->quiet_boot)
                return 0;
        if (fh->cfg->chatty) /* a slow starter says what took it so long */
                r = logf_(fh, "INFO: Initializing NAND, waiting for the controller");
        if (r >= 0)
                r = logf_(fh, "INFO: Binary build date: Mar 11 2021 @ 10:02:44");
        if (r >= 0)
                r = logf_(fh, "INFO: Chip serial num: %" PRIu32 " (0x%" PRIx32 ")",
                          fh->cfg->chip_serial, fh->cfg->chip_serial);
        if (r >= 0)
                r = logf_(fh, "INFO: Supported Functions (%zu):", n_functions(fh));
        for (size_t i = 0; r >= 0 && i < n_functions(fh); i++)
                r = logf_(fh, "INFO: %s", functions[i]);
        if (r >= 0)
                r = logf_(fh, "INFO: End of supported functions %zu", n_functions(fh));
        return r;
}

static int configure_reply(struct sim_firehose *fh, bool ack)
{
        char to[24], sup[24], from[24];
        const struct sf_firehose_attr a[] = {
                {"MemoryName", fh->cfg->memory_name},
                {"MinVersionSupported", "1"},
                {"Version", "1"},
                {"MaxPayloadSizeToTargetInBytes", to},
                {"MaxPayloadSizeToTargetInBytesSupported", sup},
                {"MaxXMLSizeInBytes", "4096"},
                {"MaxPayloadSizeFromTargetInBytes", from},
                {"TargetName", fh->cfg->target_name},
                {"DateTime", "Mar 11 2021 - 10:02:44"},
        };

        snprintf(to, sizeof(to), "%" PRIu64, fh->payload_to_target);
        snprintf(sup, sizeof(sup), "%" PRIu64, fh->cfg->max_payload_to_target);
        snprintf(from, sizeof(from), "%" PRIu64, fh->cfg->max_payload_from_target);
        return respond(fh, ack, a, sizeof(a) / sizeof(*a));
}

/* A configure for storage this programmer does not drive. A NAND programmer fails to set up its
 * IO options; a UFS one says it does not support the memory (protocols.md 3.6: the texts edl
 * keys on to switch to NAND, and to UFS; the reference gives the UFS wording for eMMC only). */
static int wrong_memory(struct sim_firehose *fh, const char *mem)
{
        if (fh->flash->nand)
                return nak(fh, "ERROR: Failed to set the IO options");
        return nak(fh, "ERROR: Not support configure MemoryName %s",
                   strcasecmp(mem, "emmc") == 0 ? "eMMC" : mem);
}

static int on_configure(struct sim_firehose *fh, const struct sf_firehose_command *c)
{
        const char *mem = sf_firehose_attr_get(&c->attrs, "MemoryName");
        uint64_t want = fh->cfg->max_payload_to_target;
        int r;

        if (mem && strcasecmp(mem, fh->cfg->memory_name) != 0)
                return wrong_memory(fh, mem);
        r = sf_firehose_attr_u64(&c->attrs, "MaxPayloadSizeToTargetInBytes", &want);
        if (r < 0 && r != -ENOENT)
                return nak(fh, "ERROR: Invalid MaxPayloadSizeToTargetInBytes");
        if (want > fh->cfg->max_payload_to_target || want == 0) {
                /* NAK carrying the size the programmer supports; the host retries with it. */
                fh->payload_to_target = fh->cfg->max_payload_to_target;
                return configure_reply(fh, false);
        }
        fh->payload_to_target = want;
        fh->configured = true;
        r = configure_reply(fh, true);
        /* Some programmers go on logging after the response (protocols.md 3.3, MSM8916). */
        if (r >= 0 && fh->cfg->chatty)
                r = logf_(fh, "INFO: Storage initialized, payload %" PRIu64 " bytes", want);
        return r;
}

/* The first flash page of a range, and its first byte. */
static uint64_t first_page(const struct sim_fh_range *rg)
{
        return rg->base + rg->start;
}

static uint64_t first_byte(const struct sim_firehose *fh, const struct sim_fh_range *rg)
{
        return first_page(rg) * fh->flash->page_size;
}

/* physical_partition_number: 0 on NAND, a LUN on UFS (0 when absent, as hosts assume). */
static int parse_lun(struct sim_firehose *fh, const struct sf_firehose_command *c,
                     struct sim_fh_range *rg)
{
        uint64_t lun = 0;
        int r = sf_firehose_attr_u64(&c->attrs, "physical_partition_number", &lun);

        if ((r < 0 && r != -ENOENT) || lun >= fh->flash->n_luns)
                return -EINVAL;
        rg->disk = sim_flash_lun_sectors(fh->flash, (unsigned)lun);
        return sim_flash_lun_page(fh->flash, (unsigned)lun, 0, 0, &rg->base);
}

/* SECTOR_SIZE_IN_BYTES, physical_partition_number, start_sector, num_partition_sectors: checked
 * against the LUN. Returns 0, or 1 after a NAK was sent, or a negative errno. */
static int parse_range(struct sim_firehose *fh, const struct sf_firehose_command *c,
                       bool need_count, struct sim_fh_range *ret)
{
        const char *start = sf_firehose_attr_get(&c->attrs, "start_sector");
        uint64_t sector = 0, disk;
        struct sim_fh_range rg = {0};
        char text[160];
        int r;

        r = sf_firehose_attr_u64(&c->attrs, "SECTOR_SIZE_IN_BYTES", &sector);
        if (r < 0)
                return nak(fh, "ERROR: Invalid or missing SECTOR_SIZE_IN_BYTES") < 0 ? -EIO : 1;
        if (sector != fh->flash->page_size) {
                sf_firehose_format_sector_size_error(text, sizeof(text), sector,
                                                     fh->flash->page_size);
                return nak(fh, "%s", text) < 0 ? -EIO : 1;
        }
        if (parse_lun(fh, c, &rg) < 0)
                return nak(fh, "ERROR: Invalid physical_partition_number") < 0 ? -EIO : 1;
        disk = rg.count = rg.disk;
        if (start && sf_firehose_eval_sector(start, disk, &rg.start) < 0)
                return nak(fh, "ERROR: Invalid start_sector '%s'", start) < 0 ? -EIO : 1;
        r = sf_firehose_attr_u64(&c->attrs, "num_partition_sectors", &rg.count);
        if (r == -ENOENT && !need_count)
                rg.count = start ? disk - (rg.start < disk ? rg.start : disk) : disk;
        else if (r < 0)
                return nak(fh, "ERROR: Invalid or missing num_partition_sectors") < 0 ? -EIO : 1;
        if (rg.start > disk || rg.count > disk - rg.start)
                return nak(fh,
                           "ERROR: sectors %" PRIu64 "+%" PRIu64 " are beyond the end of the "
                           "device (%" PRIu64 " sectors)",
                           rg.start, rg.count, disk) < 0
                               ? -EIO
                               : 1;
        /* io options (set_io_options()): from start_sector to last_sector, or to the end of the
         * flash without one */
        rg.io = (struct sim_nand_io){.base = rg.base, .min = rg.start, .max = disk ? disk - 1 : 0};
        if (sf_firehose_attr_u64(&c->attrs, "last_sector", &sector) == 0 && sector >= rg.start &&
            sector < disk)
                rg.io.max = sector;
        *ret = rg;
        return 0;
}

/* NAND: every sector of the range within the good blocks, or the programmer's refusal (1). */
static int check_good(struct sim_firehose *fh, const struct sim_fh_range *rg)
{
        char text[160];
        uint64_t page;

        if (rg->count == 0 ||
            sim_nand_io_page(fh->flash, &rg->io, rg->start + rg->count - 1, &page) == 0)
                return 0;
        sim_nand_io_out_of_good(fh->flash, &rg->io, rg->start + rg->count - 1, text, sizeof(text));
        return nak(fh, "%s", text) < 0 ? -EIO : 1;
}

/* Bytes [off, off+len) of the range as the programmer reads them (bad blocks skipped). */
static int range_read(struct sim_firehose *fh, const struct sim_fh_range *rg, uint64_t off,
                      uint8_t *buf, size_t len)
{
        if (!fh->flash->nand)
                return sim_flash_read(fh->flash, first_byte(fh, rg) + off, buf, len);
        return sim_bbt_read(fh->flash, rg->base + rg->io.min, rg->base + rg->io.max,
                            (rg->start - rg->io.min) * fh->flash->page_size + off, buf, len);
}

static int on_program(struct sim_firehose *fh, const struct sf_firehose_command *c)
{
        struct sim_fh_range rg;
        int r = parse_range(fh, c, true, &rg);

        if (r != 0)
                return r < 0 ? r : 0;
        if (rg.count == 0)
                return ack_raw(fh, true, false);
        fh->raw = true;
        fh->raw_page = rg.start;
        fh->io = rg.io;
        fh->raw_pages_left = rg.count;
        fh->page_fill = 0;
        fh->raw_error = 0;
        return ack_raw(fh, true, true);
}

/* NAND: the range's blocks, bad ones left alone (their marker stays). */
static int erase_good(struct sim_firehose *fh, const struct sim_fh_range *rg)
{
        const uint64_t ppb = fh->flash->pages_per_block;
        uint64_t first = first_page(rg);
        int r = 0;

        if (!fh->flash->nand || rg->count == 0)
                return sim_flash_erase(fh->flash, first, rg->count);
        for (uint64_t b = first / ppb; r >= 0 && b <= (first + rg->count - 1) / ppb; b++)
                if (!sim_bbt_is_bad(fh->flash, b))
                        r = sim_flash_erase(fh->flash, b * ppb, ppb);
        return r;
}

static int on_erase(struct sim_firehose *fh, const struct sf_firehose_command *c)
{
        struct sim_fh_range rg;
        int r = parse_range(fh, c, false, &rg);

        if (r != 0)
                return r < 0 ? r : 0;
        r = logf_(fh, "INFO: Erasing start sector %" PRIu64 ", num sectors %" PRIu64, rg.start,
                  rg.count);
        if (r < 0)
                return r;
        if (erase_good(fh, &rg) < 0)
                return nak(fh, "ERROR: Failed to erase sectors %" PRIu64 "+%" PRIu64, rg.start,
                           rg.count);
        return ack_raw(fh, true, false);
}

/* A <read>'s data, from where it stands, until it is all sent or the link's queue is full
 * (send says -ENOBUFS: the host has not taken enough of it yet); then it waits, and
 * sim_firehose_resume() goes on once there is room. A real programmer streams a read of any
 * length at the pace the host takes it. As the real handle_read(): every byte asked for is
 * sent; once a chunk fails (out of good blocks) the rest are zeros, and the answer is a NAK.
 * USB logs are off during a read, so no reason is given. */
static int read_on(struct sim_firehose *fh)
{
        struct sim_pending_read *p = &fh->reading;
        uint64_t chunk = fh->cfg->max_payload_from_target;
        uint8_t *buf = malloc(chunk);
        int r = 0;

        if (!buf)
                return -ENOMEM;
        while (r >= 0 && p->done < p->total) {
                size_t n = (size_t)(p->total - p->done < chunk ? p->total - p->done : chunk);
                if (!p->failed && range_read(fh, &p->rg, p->done, buf, n) < 0)
                        p->failed = true;
                if (p->failed)
                        memset(buf, 0, n);
                r = fh->send(fh->ctx, buf, n);
                if (r == -ENOBUFS) {
                        free(buf);
                        return 0; /* to be resumed */
                }
                p->done += n;
        }
        free(buf);
        p->active = false;
        return r < 0 ? r : ack_raw(fh, !p->failed, false);
}

static int on_read(struct sim_firehose *fh, const struct sf_firehose_command *c)
{
        struct sim_fh_range rg;
        int r = parse_range(fh, c, true, &rg);

        if (r != 0)
                return r < 0 ? r : 0;
        r = ack_raw(fh, true, true);
        if (r < 0)
                return r;
        fh->reading = (struct sim_pending_read){
                .active = true, .rg = rg, .total = rg.count * fh->flash->page_size};
        return read_on(fh);
}

int sim_firehose_resume(struct sim_firehose *fh)
{
        return fh->reading.active ? read_on(fh) : 0;
}

bool sim_firehose_reading(const struct sim_firehose *fh)
{
        return fh->reading.active;
}

static int on_digest(struct sim_firehose *fh, const struct sf_firehose_command *c)
{
        uint8_t buf[65536], md[32];
        char hex[65];
        unsigned mdlen = 32;
        EVP_MD_CTX *ctx;
        struct sim_fh_range rg;
        uint64_t total, done = 0;
        int r = parse_range(fh, c, true, &rg);

        if (r == 0)
                r = check_good(fh, &rg);
        if (r != 0)
                return r < 0 ? r : 0;
        total = rg.count * fh->flash->page_size;
        ctx = EVP_MD_CTX_new();
        if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
                EVP_MD_CTX_free(ctx);
                return -ENOMEM;
        }
        while (r >= 0 && done < total) {
                size_t n = (size_t)(total - done < sizeof(buf) ? total - done : sizeof(buf));
                r = range_read(fh, &rg, done, buf, n);
                EVP_DigestUpdate(ctx, buf, n);
                done += n;
        }
        EVP_DigestFinal_ex(ctx, md, &mdlen);
        EVP_MD_CTX_free(ctx);
        if (r < 0)
                return nak(fh, "ERROR: Failed to read sectors for the digest");
        for (int i = 0; i < 32; i++)
                snprintf(hex + 2 * i, 3, "%02X",
                         fh->cfg->corrupt_digest && i == 0 ? md[i] ^ 0x5a : md[i]);
        r = logf_(fh, "INFO: Digest %s", hex);
        return r < 0 ? r : ack_raw(fh, true, false);
}

/* value of a patch: a number, a NUM_DISK_SECTORS expression, or CRC32(start,bytes) of the LUN. */
static int patch_value(struct sim_firehose *fh, const struct sim_fh_range *rg, const char *expr,
                       uint64_t *ret)
{
        uint64_t start, bytes, disk = rg->disk, done = 0;
        uint32_t crc = 0;
        uint8_t buf[4096];
        int r = sf_firehose_eval_sector(expr, disk, ret);

        if (r != -EOPNOTSUPP)
                return r;
        r = sf_firehose_parse_crc32(expr, disk, &start, &bytes);
        if (r < 0)
                return r;
        if (start > disk || bytes > (disk - start) * fh->flash->page_size)
                return -ERANGE;
        while (done < bytes) {
                size_t n = (size_t)(bytes - done < sizeof(buf) ? bytes - done : sizeof(buf));
                r = sim_flash_read(fh->flash, (rg->base + start) * fh->flash->page_size + done, buf,
                                   n);
                if (r < 0)
                        return r;
                crc = sf_firehose_crc32_update(crc, buf, n);
                done += n;
        }
        *ret = crc;
        return 0;
}

static int on_patch(struct sim_firehose *fh, const struct sf_firehose_command *c)
{
        const char *file = sf_firehose_attr_get(&c->attrs, "filename");
        const char *value = sf_firehose_attr_get(&c->attrs, "value");
        uint64_t off = 0, size = 0, v = 0;
        uint8_t le[8];
        struct sim_fh_range rg;
        int r;

        if (file && strcmp(file, "DISK") != 0)
                return ack_raw(fh, true, false); /* patches host files: nothing to do here */
        r = parse_range(fh, c, false, &rg);
        if (r != 0)
                return r < 0 ? r : 0;
        if (sf_firehose_attr_u64(&c->attrs, "byte_offset", &off) < 0 ||
            sf_firehose_attr_u64(&c->attrs, "size_in_bytes", &size) < 0 || size == 0 || size > 8 ||
            !value || patch_value(fh, &rg, value, &v) < 0)
                return nak(fh, "ERROR: Invalid patch");
        if (off > fh->flash->page_size * (rg.count ? rg.count : 1) ||
            rg.start * fh->flash->page_size + off + size > rg.disk * fh->flash->page_size)
                return nak(fh, "ERROR: Patch beyond the end of the device");
        for (unsigned i = 0; i < size; i++)
                le[i] = (uint8_t)(v >> (8 * i));
        if (sim_flash_write_raw(fh->flash, first_byte(fh, &rg) + off, le, size) < 0)
                return nak(fh, "ERROR: Failed to write the patch");
        return ack_raw(fh, true, false);
}

/* UFS: one LUN, in the JSON form of a real UFS programmer, then "UFS <attribute>: 0x<hex>" lines
 * (Total Active LU, Erase Block Size and Inquiry Command Output are the reference's; the others
 * follow their form). */
static int ufs_storage_info(struct sim_firehose *fh, const struct sf_firehose_command *c)
{
        const struct sim_flash *f = fh->flash;
        struct sim_fh_range rg = {0};
        int r;

        if (parse_lun(fh, c, &rg) < 0)
                return nak(fh, "ERROR: Invalid physical_partition_number (the device has %u LUNs)",
                           f->n_luns);
        r = logf_(fh,
                  "INFO: {\"storage_info\": {\"total_blocks\":%" PRIu64 ", \"block_size\":%u, "
                  "\"page_size\":%u, \"num_physical\":%u, \"manufacturer_id\":462, "
                  "\"serial_num\":%" PRIu32 ", \"fw_version\":\"0100\",\"mem_type\":\"UFS\","
                  "\"prod_name\":\"SIMUFS8G-SDX55\"}}",
                  rg.disk, f->page_size, f->page_size, f->n_luns, fh->cfg->chip_serial);
        if (r >= 0)
                r = logf_(fh, "INFO: UFS Total Active LU: 0x%x", f->n_luns);
        if (r >= 0)
                r = logf_(fh, "INFO: UFS Boot Partition Enabled: 0x%" PRIx32, f->boot_lun);
        if (r >= 0)
                r = logf_(fh, "INFO: UFS LU Total Blocks: 0x%" PRIx64, rg.disk);
        if (r >= 0)
                r = logf_(fh, "INFO: UFS Erase Block Size: 0x2000");
        if (r >= 0)
                r = logf_(fh, "INFO: UFS Inquiry Command Output: SIMUFS  SIMUFS8G-SDX55  0100");
        return r < 0 ? r : ack_raw(fh, true, false);
}

/* NAND: total_blocks counts the good blocks (devprg_storage_nand_get_info() returns the count
 * nand_update_bbt() lowered by one per bad block). */
static int on_storage_info(struct sim_firehose *fh, const struct sf_firehose_command *c)
{
        const struct sim_flash *f = fh->flash;
        int r;

        if (!f->nand)
                return ufs_storage_info(fh, c);
        r = logf_(fh,
                  "INFO: {\"storage_info\": {\"total_blocks\":%" PRIu64 ", \"block_size\":%u, "
                  "\"page_size\":%u, \"num_physical\":1, \"manufacturer_id\":152, "
                  "\"serial_num\":%" PRIu32 ", \"fw_version\":\"1\",\"mem_type\":\"%s\","
                  "\"prod_name\":\"SIMNAND4G\"}}",
                  f->num_pages / f->pages_per_block - sim_bbt_count(f),
                  f->pages_per_block * f->page_size,
                  f->page_size, fh->cfg->chip_serial, fh->cfg->memory_name);
        if (r >= 0)
                r = logf_(fh, "INFO: Block size: %u", f->pages_per_block * f->page_size);
        return r < 0 ? r : ack_raw(fh, true, false);
}

static int on_power(struct sim_firehose *fh, const struct sf_firehose_command *c)
{
        const char *v = sf_firehose_attr_get(&c->attrs, "value");
        int r;

        if (!v)
                v = "reset";
        if (strcasecmp(v, "reset") == 0)
                fh->outcome = SIM_FIREHOSE_POWER_RESET;
        else if (strcasecmp(v, "off") == 0)
                fh->outcome = SIM_FIREHOSE_POWER_OFF;
        else if (strcasecmp(v, "edl") == 0)
                fh->outcome = SIM_FIREHOSE_POWER_EDL;
        else
                return nak(fh, "ERROR: Unknown power value '%s'", v);
        r = ack_raw(fh, true, false);
        return r < 0 ? r
                     : logf_(fh, "INFO: Will issue reset/power off 100 useconds, if this hangs "
                                 "check if watchdog is enabled");
}

/* UFS: value becomes bBootLunEn, which the boot ROM reads at the next power-up (0 disables
 * booting; 1 and 2 are boot LUs A and B, LUNs 1 and 2). NAND boots from page 0 whatever a host
 * says. */
static int on_bootable(struct sim_firehose *fh, const struct sf_firehose_command *c)
{
        uint64_t v = 0;
        int r;

        if (fh->flash->nand)
                return ack_raw(fh, true, false);
        if (sf_firehose_attr_u64(&c->attrs, "value", &v) < 0)
                return nak(fh, "ERROR: setbootablestoragedrive without a valid value");
        if (v > 2 || sim_flash_set_boot_lun(fh->flash, (uint32_t)v) < 0)
                return nak(fh, "ERROR: Failed to set drive %" PRIu64 " bootable", v);
        r = logf_(fh, "INFO: Set bootable drive to %" PRIu64 ".", v);
        return r < 0 ? r : ack_raw(fh, true, false);
}

/* An injected fault for this command, if any: 1 when it took the command over. */
static int inject(struct sim_firehose *fh, const struct sf_firehose_command *c, int *ret)
{
        unsigned k = (unsigned)c->cmd < 16 ? (unsigned)c->cmd : 0;
        enum sim_fault_action a =
                fh->fault ? fh->fault(fh->fault_ctx, c->element, fh->seen[k]) : SIM_FAULT_NONE;

        fh->seen[k]++;
        switch (a) {
        case SIM_FAULT_NAK:
                *ret = nak(fh, "ERROR: %s failed (injected fault)", c->element);
                return 1;
        case SIM_FAULT_STALL:
                fh->stalled = true;
                *ret = 0;
                return 1;
        case SIM_FAULT_CUT:
                fh->outcome = SIM_FIREHOSE_POWER_LOST;
                *ret = 0;
                return 1;
        case SIM_FAULT_REENUM: /* the module (module.c) leaves the bus; the programmer runs on */
                *ret = 0;
                return 1;
        default:
                return 0;
        }
}

/* The first command that opens the storage scans the NAND for bad blocks and logs each one, and
 * its progress every 100 blocks (devprg_storage_nand.c, nand_update_bbt(): "block:%x is bad",
 * "Bad Block Check %d%% complete", the latter "to prevent fh_loader from timing out"). The
 * storage stays open for the rest of the programmer's life: the scan is not repeated. */
static int open_storage(struct sim_firehose *fh, enum sf_firehose_cmd cmd)
{
        const uint64_t blocks = fh->flash->num_pages / fh->flash->pages_per_block;
        int r = 0;

        bool storage = cmd == SF_FIREHOSE_CMD_PROGRAM || cmd == SF_FIREHOSE_CMD_READ ||
                       cmd == SF_FIREHOSE_CMD_ERASE || cmd == SF_FIREHOSE_CMD_PATCH ||
                       cmd == SF_FIREHOSE_CMD_GETSTORAGEINFO ||
                       (cmd == SF_FIREHOSE_CMD_GETSHA256DIGEST && !fh->cfg->no_digest);

        if (fh->storage_open || !fh->flash->nand || fh->cfg->quiet_boot || !storage)
                return 0;
        fh->storage_open = true;
        for (uint64_t b = 0; r >= 0 && b < blocks; b++) {
                if (sim_bbt_is_bad(fh->flash, b))
                        r = logf_(fh, "INFO: [222] block:%" PRIx64 " is bad", b);
                if (r >= 0 && b % 100 == 0)
                        r = logf_(fh, "INFO: [232] Bad Block Check %" PRIu64 "%% complete",
                                  b * 100 / blocks);
        }
        return r;
}

static int dispatch(struct sim_firehose *fh, const struct sf_firehose_command *c)
{
        int r;

        fh->commands++;
        if (inject(fh, c, &r))
                return r;
        if (open_storage(fh, c->cmd) < 0)
                return -EIO;
        switch (c->cmd) {
        case SF_FIREHOSE_CMD_CONFIGURE:
                return on_configure(fh, c);
        case SF_FIREHOSE_CMD_NOP:
                return logf_(fh, "INFO: Binary build date: Mar 11 2021 @ 10:02:44") < 0
                               ? -EIO
                               : ack_raw(fh, true, false);
        case SF_FIREHOSE_CMD_PROGRAM:
                return on_program(fh, c);
        case SF_FIREHOSE_CMD_READ:
                return on_read(fh, c);
        case SF_FIREHOSE_CMD_ERASE:
                return on_erase(fh, c);
        case SF_FIREHOSE_CMD_PATCH:
                return on_patch(fh, c);
        case SF_FIREHOSE_CMD_GETSTORAGEINFO:
                return on_storage_info(fh, c);
        case SF_FIREHOSE_CMD_GETSHA256DIGEST:
                if (fh->cfg->no_digest)
                        break; /* not a function of this programmer */
                return on_digest(fh, c);
        case SF_FIREHOSE_CMD_SETBOOTABLESTORAGEDRIVE:
                return on_bootable(fh, c);
        case SF_FIREHOSE_CMD_POWER:
                return on_power(fh, c);
        default:
                break;
        }
        return nak(fh, "ERROR: Unrecognized command '%s'", c->element);
}

/* Raw program data: collected a page at a time, each page programmed when complete. */
static size_t take_raw(struct sim_firehose *fh, const uint8_t *buf, size_t len)
{
        size_t used = 0;

        while (used < len && fh->raw_pages_left > 0) {
                size_t n = fh->flash->page_size - fh->page_fill;
                n = n < len - used ? n : len - used;
                memcpy(fh->page + fh->page_fill, buf + used, n);
                fh->page_fill += n;
                used += n;
                if (fh->page_fill < fh->flash->page_size)
                        break;
                if (!fh->raw_error)
                        fh->raw_error = sim_nand_io_program(fh->flash, &fh->io, fh->raw_page,
                                                            fh->raw_pages_left, fh->page);
                fh->raw_page++;
                fh->raw_pages_left--;
                fh->page_fill = 0;
        }
        return used;
}

static int end_raw(struct sim_firehose *fh)
{
        char text[160];
        int r = 0;

        fh->raw = false;
        if (fh->io.went_bad)
                r = logf_(fh, "INFO: skip bad block %" PRIu64 " and continue with next good block",
                          fh->io.last_bad);
        if (r < 0)
                return r;
        if (fh->raw_error == -ENOSPC) {
                sim_nand_io_out_of_good(fh->flash, &fh->io, fh->raw_page - 1, text, sizeof(text));
                return nak(fh, "%s", text);
        }
        if (fh->raw_error == -EINVAL)
                return nak(fh, "ERROR: first write on a block should start with first page and "
                           "requested page (%" PRIu64 ") is not first page of this block",
                           fh->raw_page - 1);
        if (fh->raw_error)
                return nak(fh, "ERROR: Failed to program page %" PRIu64 " (not erased)",
                           fh->raw_page - 1);
        return ack_raw(fh, true, false);
}

static int take_xml(struct sim_firehose *fh, const uint8_t *buf, size_t len)
{
        struct sf_firehose_command *c;
        int r;

        if (len > SF_FIREHOSE_MAX_XML - fh->xml_len) {
                fh->xml_len = 0;
                return nak(fh, "ERROR: XML larger than MaxXMLSizeInBytes 4096");
        }
        memcpy(fh->xml + fh->xml_len, buf, len);
        fh->xml_len += len;
        fh->xml[fh->xml_len] = '\0';
        if (fh->xml[strspn(fh->xml, " \t\r\n")] != '<' || memchr(fh->xml, '\0', fh->xml_len)) {
                /* Not XML at all (a Sahara packet from a host that thinks this is the boot ROM):
                 * a real programmer answers with a log and a NAK. */
                fh->xml_len = 0;
                return nak(fh, "ERROR: XML not formed correctly. Expected a < character");
        }
        if (!strstr(fh->xml, "</data>"))
                return 0; /* the rest of the document is still coming */
        c = malloc(sizeof(*c));
        if (!c)
                return -ENOMEM;
        r = sf_firehose_parse_command(fh->xml, fh->xml_len, c);
        fh->xml_len = 0;
        r = r < 0 ? nak(fh, "ERROR: XML not formed correctly") : dispatch(fh, c);
        free(c);
        return r;
}

int sim_firehose_input(struct sim_firehose *fh, const uint8_t *buf, size_t len)
{
        int r;

        if (len == 0 || fh->outcome != SIM_FIREHOSE_RUNNING || fh->stalled || fh->asleep)
                return 0; /* ZLPs separate nothing; a stalled or starting programmer hears nothing */
        if (!fh->raw)
                return take_xml(fh, buf, len);
        while (len > 0 && fh->raw) {
                size_t n = take_raw(fh, buf, len);
                buf += n;
                len -= n;
                if (fh->raw_pages_left == 0) {
                        r = end_raw(fh);
                        if (r < 0)
                                return r;
                }
        }
        return len > 0 ? take_xml(fh, buf, len) : 0;
}
