/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The flashing engine: package → chip check → programmer → Firehose plan → verify → reset. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "package/layout.h"
#include "package/programmer.h"
#include "package/source.h"
#include "proto/mibib.h"
#include "safeflash/flash.h"
#include "session/firehose_host.h"
#include "session/sahara_host.h"
#include "util/cleanup.h"
#include "util/strutil.h"

/* Share of the whole run each phase takes, for one progress figure. */
static const double weights[] = {
        [SF_PHASE_PACKAGE] = 0.05, [SF_PHASE_IDENTIFY] = 0.01, [SF_PHASE_UPLOAD] = 0.02,
        [SF_PHASE_PREPARE] = 0.04, [SF_PHASE_BACKUP] = 0.06,   [SF_PHASE_ERASE] = 0.06,
        [SF_PHASE_PROGRAM] = 0.64, [SF_PHASE_VERIFY] = 0.10,   [SF_PHASE_RESET] = 0.02,
        [SF_PHASE_DONE] = 0.0,
};

struct job {
        const struct sf_flash_options *o;
        struct sf_flash_result res;
        struct sf_layout *layout;
        struct sf_transport *t;
        struct sf_firehose_host fh;
        struct sf_chip_identity chip;
        uint8_t *prog; /* the programmer's bytes (at most SF_PROGRAMMER_MAX) */
        size_t prog_size;
        bool *skip;          /* per op: content already on the flash */
        uint8_t (*want)[32]; /* per program op: SHA-256 of what it writes */
        uint64_t phase_done, phase_total;
        enum sf_phase phase;
        const char *item;
        FILE *session;
        bool have_efs; /* the module's EFS2, from its own partition table (NAND) */
        uint64_t efs_page, efs_pages;
};

const char *sf_phase_to_string(enum sf_phase p)
{
        static const char *const names[] = {"package", "identify", "upload", "prepare", "backup",
                                            "erase",   "program",  "verify", "reset",   "done"};
        return (unsigned)p < sizeof(names) / sizeof(*names) ? names[p] : "invalid";
}

static void say(struct job *j, enum sf_log_level lvl, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void say(struct job *j, enum sf_log_level lvl, const char *fmt, ...)
{
        char text[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        if (j->t)
                sf_transport_note(j->t, "%s", text);
        if (j->o->log)
                j->o->log(j->o->userdata, lvl, text);
}

static void report(struct job *j)
{
        struct sf_progress p = {
                .phase = j->phase, .item = j->item, .done = j->phase_done, .total = j->phase_total};
        double before = 0;

        if (!j->o->progress)
                return;
        for (int i = 0; i < (int)j->phase; i++)
                before += weights[i];
        p.overall = before + (j->phase_total ? weights[j->phase] * (double)j->phase_done /
                                                       (double)j->phase_total
                                             : 0);
        j->o->progress(j->o->userdata, &p);
}

static void enter(struct job *j, enum sf_phase ph, uint64_t total)
{
        j->phase = ph;
        j->phase_done = 0;
        j->phase_total = total;
        j->item = NULL;
        report(j);
}

static void advance(void *userdata, uint64_t bytes)
{
        struct job *j = userdata;

        j->phase_done += bytes;
        report(j);
}

static void package_progress(void *userdata, uint64_t done, uint64_t total)
{
        struct job *j = userdata;

        j->phase_done = done;
        j->phase_total = total;
        report(j);
}

static void upload_progress(void *userdata, uint64_t done, uint64_t total)
{
        package_progress(userdata, done, total);
}

static void device_log(void *userdata, const char *text)
{
        struct job *j = userdata;

        say(j, SF_LOG_DEBUG, "device: %s", text);
}

/* Whatever makes a package unusable is invalid input (exit 2); factory content stays a
 * refusal (-EPERM), and failures of this machine stay failures. */
static int package_error(int r)
{
        switch (r) {
        case -EACCES:
        case -E2BIG:
        case -ENOTUNIQ:
        case -ENODATA:
        case -ENOTDIR:
        case -EOPNOTSUPP:
        case -ELOOP:
                return -EBADMSG;
        default:
                return r;
        }
}

SF_DEFINE_CLEANUP(struct sf_source_file, sf_source_file_free)

/* The programmer, whole: Sahara serves the boot ROM's reads in any order. */
static int read_programmer(struct job *j, struct sf_error *err)
{
        _cleanup_(sf_source_file_freep) struct sf_source_file *f = NULL;
        const char *path = sf_layout_programmer(j->layout);
        int r;

        r = sf_layout_open_file(j->layout, path, &f, err);
        if (r < 0)
                return r;
        if (sf_source_file_size(f) > SF_PROGRAMMER_MAX)
                return sf_error_set(err, -EBADMSG, "%s: too large for a programmer", path);
        j->prog_size = (size_t)sf_source_file_size(f);
        j->prog = malloc(j->prog_size ? j->prog_size : 1);
        if (!j->prog)
                return -ENOMEM;
        return sf_source_read_exact(f, j->prog, j->prog_size, err);
}

static int load_package(struct job *j, struct sf_error *err)
{
        struct sf_layout_options lo = {.allow_factory = j->o->allow_factory,
                                       .no_verify = j->o->no_verify};
        int r;

        enter(j, SF_PHASE_PACKAGE, 0);
        r = sf_layout_load(j->o->package, &lo, &j->layout, err);
        if (r < 0)
                return package_error(r);
        if (sf_layout_factory_reason_count(j->layout) && !j->o->allow_factory)
                return sf_error_set(err, -EPERM,
                                    "%s is factory content (%s): it would erase the module's "
                                    "calibration and IMEI",
                                    j->o->package, sf_layout_factory_reason(j->layout, 0));
        if (j->o->no_verify) {
                say(j, SF_LOG_WARNING,
                    "md5.txt NOT checked (--no-verify): a damaged package "
                    "would be written as it is");
                return 0;
        }
        return package_error(sf_layout_verify(j->layout, package_progress, j, err));
}

static int open_device(struct job *j, struct sf_error *err)
{
        const char *d = j->o->device;
        struct sf_usb_match m = {.bus = -1, .address = -1};
        int r;

        if (d && d[0] == '/')
                r = sf_transport_open_tty(d, &j->t, err);
        else {
                if (d && strncmp(d, "usb:", 4) == 0 &&
                    sscanf(d + 4, "%d:%d", &m.bus, &m.address) != 2)
                        return sf_error_set(err, -EINVAL, "device '%s': expected usb:BUS:ADDR", d);
                if (d && strncmp(d, "usb", 3) != 0)
                        m.port = d; /* "1-3": the module on that port */
                r = sf_transport_open_usb(&m, &j->t, err);
        }
        if (r < 0)
                return r == -ENOENT ? -ENODEV : r;
        j->t->record = j->session;
        return 0;
}

/* Sahara: who is the chip, does the programmer fit it, then the upload. */
static int boot_programmer(struct job *j, struct sf_error *err)
{
        struct sf_programmer_info prog;
        struct sf_sahara_host sh;
        int r;

        r = read_programmer(j, err);
        if (r < 0)
                return r;
        r = sf_programmer_inspect(sf_layout_programmer(j->layout), j->prog, j->prog_size, &prog,
                                  err);
        if (r < 0)
                return r == -EPROTO || r == -EFBIG ? -EBADMSG : r;
        enter(j, SF_PHASE_IDENTIFY, 0);
        sf_sahara_host_init(&sh, j->t);
        r = sf_sahara_identify(&sh, &j->chip, err);
        if (r == -EALREADY) {
                /* A programmer is running already (a "Sahara only" session, an earlier run). */
                say(j, SF_LOG_WARNING,
                    "a Firehose programmer is already running on the device: "
                    "the chip cannot be identified, its programmer not checked");
                j->res.programmer_was_running = true;
                return 0;
        }
        if (r < 0)
                return r;
        if (j->chip.hello_mode == SF_SAHARA_MODE_MEMORY_DEBUG)
                return sf_error_set(err, -ENODEV,
                                    "the module is in memory-debug mode (05c6:900e): its firmware "
                                    "crashed; collect the RAM dump first (it may be the only log "
                                    "of what happened), then reset it into EDL to flash");
        j->res.identified = true;
        j->res.chip_serial = j->chip.serial;
        j->res.msm_id = j->chip.msm_id;
        j->res.oem_id = j->chip.oem_id;
        say(j, SF_LOG_INFO, "chip: serial 0x%08x, MSM_ID 0x%08x, OEM_ID 0x%04x, Sahara v%u",
            j->chip.serial, j->chip.msm_id, j->chip.oem_id, j->chip.sahara_version);
        /* Refuse before a byte goes out, instead of a Firehose timeout later. */
        r = sf_programmer_check(&prog, &j->chip, !sf_programmer_chip_is_unfused(&j->chip), err);
        if (r < 0)
                return r;
        enter(j, SF_PHASE_UPLOAD, prog.size);
        return sf_sahara_upload_buffer(&sh, j->prog, j->prog_size, upload_progress, j, err);
}

static int start_firehose(struct job *j, struct sf_error *err)
{
        bool nand = sf_layout_storage(j->layout) == SF_LAYOUT_STORAGE_NAND;
        int r;

        sf_fh_init(&j->fh, j->t);
        j->fh.on_log = device_log;
        j->fh.log_userdata = j;
        /* ZLPs mark the end of bulk writes in Firehose (never during Sahara). */
        j->t->zlp = !j->t->stream;
        r = j->res.programmer_was_running ? sf_fh_resume(&j->fh, err) : sf_fh_start(&j->fh, err);
        if (r < 0)
                return r;
        return sf_fh_configure(&j->fh, sf_layout_storage_to_string(sf_layout_storage(j->layout)),
                               nand ? 8192 : 1024 * 1024, err);
}

static struct sf_fh_range range_of(const struct sf_layout_op *op, char *count, size_t size)
{
        struct sf_fh_range r = {.sector_size = op->sector_size,
                                .lun = op->lun,
                                .start_sector = op->start_text ? op->start_text : "0",
                                .num_sectors = op->num_sectors,
                                .pages_per_block =
                                        op->has_pages_per_block ? op->pages_per_block : 0,
                                .label = op->label && *op->label ? op->label : NULL};

        if (op->has_last_sector && count) {
                snprintf(count, size, "%" PRIu64, op->last_sector);
                r.last_sector = count;
        }
        return r;
}

static uint8_t pad_byte(const struct job *j)
{
        return sf_layout_storage(j->layout) == SF_LAYOUT_STORAGE_NAND ? 0xff : 0x00;
}

/* An op's image, positioned at the first byte it writes. */
static int open_image(const struct job *j, const struct sf_layout_op *op,
                      struct sf_source_file **ret, struct sf_error *err)
{
        _cleanup_(sf_source_file_freep) struct sf_source_file *f = NULL;
        int r;

        r = sf_layout_open_file(j->layout, op->path, &f, err);
        if (r >= 0 && sf_source_file_size(f) != op->file_size)
                r = sf_error_set(err, -EBADMSG, "%s: changed since the package was read",
                                 op->filename);
        if (r >= 0)
                r = sf_source_skip(f, op->file_sector_offset * op->sector_size, err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(f);
        return 0;
}

/* SHA-256 of exactly what a program op writes: the file's bytes, then the padding. */
static int expected_digest(const struct job *j, const struct sf_layout_op *op, uint8_t out[32],
                           struct sf_error *err)
{
        _cleanup_(sf_source_file_freep) struct sf_source_file *f = NULL;
        uint64_t total = op->num_sectors * op->sector_size, done = 0;
        _cleanup_free_ uint8_t *buf = malloc(1 << 20);
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        unsigned len = 32;
        int r = !buf || !ctx ? -ENOMEM : open_image(j, op, &f, err);

        if (r == 0 && !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
                r = -EIO;
        while (r == 0 && done < total) {
                size_t n = total - done < (1 << 20) ? (size_t)(total - done) : (1 << 20);
                size_t from_file = done >= op->data_bytes      ? 0
                                   : op->data_bytes - done < n ? (size_t)(op->data_bytes - done)
                                                               : n;
                if (from_file)
                        r = sf_source_read_exact(f, buf, from_file, err);
                memset(buf + from_file, pad_byte(j), n - from_file);
                EVP_DigestUpdate(ctx, buf, n);
                done += n;
        }
        if (r == 0)
                EVP_DigestFinal_ex(ctx, out, &len);
        EVP_MD_CTX_free(ctx);
        return r;
}

static bool same_place(const struct sf_layout_op *a, const struct sf_layout_op *b)
{
        return a->lun == b->lun && a->start_text && b->start_text &&
               strcmp(a->start_text, b->start_text) == 0;
}

/* The boot chain's first stage (NAND page 0): erased first, programmed last, so that an
 * interrupted flash leaves a module that falls back to EDL instead of half-booting. */
static bool is_sbl(const struct job *j, const struct sf_layout_op *op)
{
        return sf_layout_storage(j->layout) == SF_LAYOUT_STORAGE_NAND && op->has_start &&
               op->start == 0 && op->lun == 0;
}

/* What each program will write, and which partitions already hold exactly that. */
static int plan(struct job *j, struct sf_error *err)
{
        size_t n = sf_layout_op_count(j->layout);
        int r;

        enter(j, SF_PHASE_PREPARE, n);
        j->skip = calloc(n ? n : 1, sizeof(*j->skip));
        j->want = calloc(n ? n : 1, sizeof(*j->want));
        if (!j->skip || !j->want)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const struct sf_layout_op *op = sf_layout_op(j->layout, i);
                uint8_t have[32];
                char last[24];
                struct sf_fh_range rg = range_of(op, last, sizeof(last));
                if (op->kind != SF_LAYOUT_OP_PROGRAM || !op->path)
                        continue;
                r = expected_digest(j, op, j->want[i], err);
                if (r < 0)
                        return package_error(r);
                if (j->o->write_all)
                        continue;
                r = sf_fh_digest(&j->fh, &rg, have, err);
                if (r == -EOPNOTSUPP)
                        break; /* no digests: write everything */
                if (r < 0)
                        return r;
                j->skip[i] = memcmp(have, j->want[i], 32) == 0;
                j->item = op->label;
                advance(j, 1);
        }
        /* An erase goes with the program at the same place: skipped together. */
        for (size_t i = 0; i < n; i++)
                for (size_t k = 0; k < n; k++)
                        if (j->skip[k] && sf_layout_op(j->layout, i)->kind == SF_LAYOUT_OP_ERASE &&
                            same_place(sf_layout_op(j->layout, i), sf_layout_op(j->layout, k)))
                                j->skip[i] = true;
        return 0;
}

static int erase_one(struct job *j, const struct sf_layout_op *op, struct sf_error *err)
{
        char last[24];
        struct sf_fh_range rg = range_of(op, last, sizeof(last));

        j->item = op->label;
        if (!op->has_num_sectors)
                rg.num_sectors = 0;
        return sf_fh_erase(&j->fh, &rg, err);
}

static int erase_all(struct job *j, struct sf_error *err)
{
        size_t n = sf_layout_op_count(j->layout);
        int r;

        enter(j, SF_PHASE_ERASE, n);
        for (int pass = 0; pass < 2; pass++)
                for (size_t i = 0; i < n; i++) {
                        const struct sf_layout_op *op = sf_layout_op(j->layout, i);
                        if (op->kind != SF_LAYOUT_OP_ERASE || j->skip[i] ||
                            is_sbl(j, op) != (pass == 0))
                                continue;
                        r = erase_one(j, op, err);
                        if (r < 0)
                                return r;
                        advance(j, 1);
                }
        return 0;
}

struct image_reader {
        struct sf_source_file *f;
        struct sf_error *err;
};

static int read_image(void *userdata, uint8_t *buf, size_t n)
{
        struct image_reader *ir = userdata;

        return sf_source_read_exact(ir->f, buf, n, ir->err);
}

static int program_one(struct job *j, size_t i, struct sf_error *err)
{
        const struct sf_layout_op *op = sf_layout_op(j->layout, i);
        _cleanup_(sf_source_file_freep) struct sf_source_file *f = NULL;
        char last[24];
        struct sf_fh_range rg = range_of(op, last, sizeof(last));
        struct image_reader ir = {.err = err};
        int r;

        r = open_image(j, op, &f, err);
        if (r < 0)
                return r;
        ir.f = f;
        j->item = op->label && *op->label ? op->label : op->filename;
        say(j, SF_LOG_INFO, "writing %s (%" PRIu64 " bytes at sector %s)", j->item, op->data_bytes,
            rg.start_sector);
        r = sf_fh_program(&j->fh, &rg, read_image, &ir, op->data_bytes, pad_byte(j), advance, j,
                          err);
        if (r < 0)
                return r;
        j->res.partitions_written++;
        j->res.bytes_written += op->num_sectors * op->sector_size;
        return 0;
}

static uint64_t bytes_to_write(const struct job *j)
{
        uint64_t total = 0;

        for (size_t i = 0; i < sf_layout_op_count(j->layout); i++) {
                const struct sf_layout_op *op = sf_layout_op(j->layout, i);
                if (op->kind == SF_LAYOUT_OP_PROGRAM && op->path && !j->skip[i])
                        total += op->num_sectors * op->sector_size;
        }
        return total;
}

static int program_all(struct job *j, struct sf_error *err)
{
        size_t n = sf_layout_op_count(j->layout);
        int r;

        enter(j, SF_PHASE_PROGRAM, bytes_to_write(j));
        for (int pass = 0; pass < 2; pass++)
                for (size_t i = 0; i < n; i++) {
                        const struct sf_layout_op *op = sf_layout_op(j->layout, i);
                        if (op->kind != SF_LAYOUT_OP_PROGRAM || !op->path ||
                            is_sbl(j, op) != (pass == 1))
                                continue;
                        if (j->skip[i]) {
                                j->res.partitions_skipped++;
                                continue;
                        }
                        r = program_one(j, i, err);
                        if (r < 0)
                                return r;
                }
        return 0;
}

/* Read back in bounded pieces and hash, for programmers without getsha256digest. */
static int readback_digest(struct job *j, const struct sf_layout_op *op, uint8_t out[32],
                           struct sf_error *err)
{
        const uint64_t per = (1 << 20) / op->sector_size;
        _cleanup_free_ uint8_t *buf = malloc(1 << 20);
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        unsigned len = 32;
        int r = !buf || !ctx ? -ENOMEM : 0;

        if (!op->has_start)
                r = sf_error_set(err, -EOPNOTSUPP,
                                 "cannot read back %s: its start is an "
                                 "expression",
                                 op->label);
        if (r == 0 && !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
                r = -EIO;
        for (uint64_t s = 0; r == 0 && s < op->num_sectors; s += per) {
                char start[24], last[24];
                struct sf_fh_range rg = range_of(op, last, sizeof(last));
                snprintf(start, sizeof(start), "%" PRIu64, op->start + s);
                rg.start_sector = start;
                rg.num_sectors = op->num_sectors - s < per ? op->num_sectors - s : per;
                r = sf_fh_read(&j->fh, &rg, buf, err);
                if (r == 0)
                        EVP_DigestUpdate(ctx, buf, rg.num_sectors * op->sector_size);
        }
        if (r == 0)
                EVP_DigestFinal_ex(ctx, out, &len);
        EVP_MD_CTX_free(ctx);
        return r;
}

static int verify_all(struct job *j, struct sf_error *err)
{
        size_t n = sf_layout_op_count(j->layout);
        int r;

        enter(j, SF_PHASE_VERIFY, j->res.partitions_written);
        for (size_t i = 0; i < n; i++) {
                const struct sf_layout_op *op = sf_layout_op(j->layout, i);
                char last[24];
                struct sf_fh_range rg = range_of(op, last, sizeof(last));
                uint8_t have[32];
                if (op->kind != SF_LAYOUT_OP_PROGRAM || !op->path || j->skip[i])
                        continue;
                j->item = op->label;
                r = sf_fh_digest(&j->fh, &rg, have, err);
                if (r == -EOPNOTSUPP)
                        r = readback_digest(j, op, have, err);
                if (r < 0)
                        return r;
                if (memcmp(have, j->want[i], 32) != 0)
                        return sf_error_set(err, -EIO,
                                            "%s: what the flash holds is not what was written "
                                            "(digest mismatch)",
                                            op->label && *op->label ? op->label : op->filename);
                j->res.partitions_verified++;
                advance(j, 1);
        }
        return 0;
}

/* DISK patches, in file order (GPT fix-ups depend on it), sent verbatim for the programmer to
 * evaluate (NUM_DISK_SECTORS, CRC32). NAND packages have none. */
static int patch_all(struct job *j, struct sf_error *err)
{
        for (size_t i = 0; i < sf_layout_patch_count(j->layout); i++) {
                const struct sf_layout_patch *p = sf_layout_patch(j->layout, i);
                char ss[24], lun[24], off[24], size[24];
                const struct sf_firehose_attr a[] = {
                        {"SECTOR_SIZE_IN_BYTES", ss}, {"byte_offset", off},
                        {"filename", "DISK"},         {"physical_partition_number", lun},
                        {"size_in_bytes", size},      {"start_sector", p->start_text},
                        {"value", p->value},          {"what", p->what},
                };
                int r;
                snprintf(ss, sizeof(ss), "%u", p->sector_size);
                snprintf(lun, sizeof(lun), "%u", p->lun);
                snprintf(off, sizeof(off), "%" PRIu64, p->byte_offset);
                snprintf(size, sizeof(size), "%u", p->size_in_bytes);
                r = sf_fh_patch(&j->fh, a, sizeof(a) / sizeof(*a), err);
                if (r < 0)
                        return r;
        }
        return 0;
}

#define MIBIB_PAGE  640 /* block 10 of MDM9x07 NAND (docs/mibib.md) */
#define BACKUP_READ (1u << 20)

static uint32_t nand_page_size(const struct job *j, uint32_t *ret_ppb)
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

/* NAND: the module's own partition table says where its EFS2 (IMEI, calibration) is. */
static int read_module_layout(struct job *j, struct sf_error *err)
{
        uint32_t ppb = 0, page = nand_page_size(j, &ppb);
        struct sf_fh_range rg = {.start_sector = "640", .num_sectors = 2, .sector_size = page};
        _cleanup_free_ uint8_t *buf = NULL;
        const struct sf_mibib_part *efs;
        struct sf_mibib m;
        int r;

        if (sf_layout_storage(j->layout) != SF_LAYOUT_STORAGE_NAND || !page || !ppb)
                return 0;
        buf = malloc(2 * (size_t)page);
        if (!buf)
                return -ENOMEM;
        r = sf_fh_read(&j->fh, &rg, buf, err);
        if (r < 0)
                return r;
        if (sf_mibib_parse(buf, 2 * (size_t)page, page, &m) < 0 ||
            !(efs = sf_mibib_find(&m, "EFS2"))) {
                say(j, SF_LOG_WARNING,
                    "the module has no readable partition table at page %d: "
                    "its EFS2 cannot be located",
                    MIBIB_PAGE);
                return 0;
        }
        j->have_efs = true;
        j->efs_page = (uint64_t)efs->offset * ppb;
        j->efs_pages = (uint64_t)efs->length * ppb;
        say(j, SF_LOG_INFO, "the module's EFS2: pages %" PRIu64 "+%" PRIu64, j->efs_page,
            j->efs_pages);
        return 0;
}

/* Device-unique data is never written by an update: no operation may touch EFS2. */
static int guard_efs(struct job *j, struct sf_error *err)
{
        for (size_t i = 0; j->have_efs && i < sf_layout_op_count(j->layout); i++) {
                const struct sf_layout_op *op = sf_layout_op(j->layout, i);
                uint64_t start = op->has_start ? op->start : 0;
                uint64_t end = op->has_num_sectors ? start + op->num_sectors : UINT64_MAX;
                if (op->has_start && op->has_num_sectors && end <= j->efs_page)
                        continue;
                if (op->has_start && start >= j->efs_page + j->efs_pages)
                        continue;
                return sf_error_set(err, -EPERM,
                                    "%s line %lu would %s the module's EFS2 (pages %" PRIu64
                                    "+%" PRIu64 "), where its IMEI and RF calibration live",
                                    op->xml, op->line,
                                    op->kind == SF_LAYOUT_OP_ERASE ? "erase" : "overwrite",
                                    j->efs_page, j->efs_pages);
        }
        return 0;
}

/* The package's own partition table (the program at MIBIB), when it writes one. 0: none;
 * 1: *ret parsed; negative: unreadable. */
static int package_mibib(struct job *j, uint32_t page, struct sf_mibib *ret)
{
        for (size_t i = 0; i < sf_layout_op_count(j->layout); i++) {
                const struct sf_layout_op *op = sf_layout_op(j->layout, i);
                _cleanup_(sf_source_file_freep) struct sf_source_file *f = NULL;
                _cleanup_free_ uint8_t *buf = NULL;
                if (op->kind != SF_LAYOUT_OP_PROGRAM || !op->path || !op->has_start ||
                    op->start != MIBIB_PAGE)
                        continue;
                buf = malloc(2 * (size_t)page);
                if (!buf || op->data_bytes < 2 * (uint64_t)page ||
                    open_image(j, op, &f, NULL) < 0 ||
                    sf_source_read_exact(f, buf, 2 * (size_t)page, NULL) < 0)
                        return -EIO;
                return sf_mibib_parse(buf, 2 * (size_t)page, page, ret) < 0 ? -EBADMSG : 1;
        }
        return 0;
}

/* NAND: a package that writes a partition table must keep EFS2 where the module has it, or the
 * new firmware would look for the IMEI and calibration somewhere else. */
static int check_layout(struct job *j, struct sf_error *err)
{
        uint32_t ppb = 0, page = nand_page_size(j, &ppb);
        const struct sf_mibib_part *efs = NULL;
        struct sf_mibib m;
        int r;

        if (!j->o->require_same_layout || !j->have_efs || !page || !ppb)
                return 0;
        r = package_mibib(j, page, &m);
        if (r == 0)
                return 0;
        if (r > 0)
                efs = sf_mibib_find(&m, "EFS2");
        if (efs && (uint64_t)efs->offset * ppb == j->efs_page &&
            (uint64_t)efs->length * ppb == j->efs_pages)
                return 0;
        if (!efs)
                return sf_error_set(err, -EPERM,
                                    "the package's partition table has %s: this module's IMEI and "
                                    "calibration (EFS2, pages %" PRIu64 "+%" PRIu64
                                    ") would be lost to its firmware",
                                    r < 0 ? "an unreadable format" : "no EFS2", j->efs_page,
                                    j->efs_pages);
        return sf_error_set(err, -EPERM,
                            "the package's partition table moves EFS2 from pages %" PRIu64
                            "+%" PRIu64 " to %" PRIu64 "+%" PRIu64
                            ": the module's IMEI and calibration would be lost to the new "
                            "firmware (another partition layout: firmware for other hardware)",
                            j->efs_page, j->efs_pages, (uint64_t)efs->offset * ppb,
                            (uint64_t)efs->length * ppb);
}

static void hex(const uint8_t *d, size_t n, char *out)
{
        for (size_t i = 0; i < n; i++)
                snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* Copy EFS2 from the module into fd, hashing as it goes. */
static int copy_efs(struct job *j, int fd, uint32_t page, uint8_t md[32], struct sf_error *err)
{
        const uint64_t per = BACKUP_READ / page;
        _cleanup_free_ uint8_t *buf = malloc(BACKUP_READ);
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        unsigned len = 32;
        int r = !buf || !ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ? -ENOMEM : 0;

        for (uint64_t p = 0; r == 0 && p < j->efs_pages; p += per) {
                char start[24];
                struct sf_fh_range rg = {.start_sector = start,
                                         .sector_size = page,
                                         .num_sectors =
                                                 j->efs_pages - p < per ? j->efs_pages - p : per};
                size_t n = (size_t)(rg.num_sectors * page);
                snprintf(start, sizeof(start), "%" PRIu64, j->efs_page + p);
                r = sf_fh_read(&j->fh, &rg, buf, err);
                if (r == 0 && write(fd, buf, n) != (ssize_t)n)
                        r = sf_error_set(err, -errno ? -errno : -EIO, "writing the backup: %s",
                                         strerror(errno));
                if (r == 0)
                        EVP_DigestUpdate(ctx, buf, n);
                advance(j, n);
        }
        if (r == 0)
                EVP_DigestFinal_ex(ctx, md, &len);
        EVP_MD_CTX_free(ctx);
        return r;
}

/* What reached the disk is what was read: hash the file again. */
static int verify_file(const char *path, const uint8_t want[32])
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        _cleanup_free_ uint8_t *buf = malloc(BACKUP_READ);
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        uint8_t md[32];
        unsigned len = 32;
        ssize_t n;
        int r = fd < 0 || !buf || !ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ? -EIO : 0;

        while (r == 0 && (n = read(fd, buf, BACKUP_READ)) > 0)
                EVP_DigestUpdate(ctx, buf, (size_t)n);
        if (r == 0)
                EVP_DigestFinal_ex(ctx, md, &len);
        EVP_MD_CTX_free(ctx);
        return r == 0 && memcmp(md, want, 32) == 0 ? 0 : -EIO;
}

static int write_manifest(struct job *j, const char *dir, uint32_t page)
{
        char path[4096];
        FILE *f;
        int r;

        snprintf(path, sizeof(path), "%s/manifest.json", dir);
        f = fopen(path, "we");
        if (!f)
                return -errno;
        fprintf(f,
                "{\n  \"format\": 1,\n  \"chip_serial\": \"0x%08x\",\n  \"msm_id\": \"0x%08x\",\n"
                "  \"imei\": \"%s\",\n  \"partitions\": [\n    {\"name\": \"EFS2\", \"file\": "
                "\"efs2.bin\", "
                "\"start_page\": %" PRIu64 ", \"pages\": %" PRIu64 ", \"page_size\": %u, "
                "\"sha256\": \"%s\"}\n  ]\n}\n",
                j->chip.serial, j->chip.msm_id, j->o->imei ? j->o->imei : "", j->efs_page,
                j->efs_pages, page, j->res.backup_sha256);
        r = fflush(f) == 0 && fsync(fileno(f)) == 0 ? 0 : -errno;
        fclose(f);
        return r;
}

/* Before the first write: EFS2 read, written to disk, fsynced, read back and verified. */
static int backup_efs(struct job *j, struct sf_error *err)
{
        const char *dir = j->o->backup_dir;
        uint32_t ppb = 0, page = nand_page_size(j, &ppb);
        char tmp[4096], final[4096];
        uint8_t md[32];
        int fd, r;

        if (!dir)
                return 0;
        if (!j->have_efs && j->o->backup_best_effort) {
                say(j, SF_LOG_WARNING,
                    "the module's EFS2 cannot be located: going on without a backup");
                return 0;
        }
        if (!j->have_efs)
                return sf_error_set(err, -EPERM,
                                    "the module's EFS2 cannot be located, so it "
                                    "cannot be backed up: nothing was written");
        enter(j, SF_PHASE_BACKUP, j->efs_pages * page);
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return sf_error_set(err, -errno, "%s: %s", dir, strerror(errno));
        snprintf(tmp, sizeof(tmp), "%s/efs2.bin.partial", dir);
        snprintf(final, sizeof(final), "%s/efs2.bin", dir);
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                return sf_error_set(err, -errno, "%s: %s", tmp, strerror(errno));
        r = copy_efs(j, fd, page, md, err);
        if (r == 0 && fsync(fd) < 0)
                r = sf_error_set(err, -errno, "%s: %s", tmp, strerror(errno));
        close(fd);
        if (r == 0 && rename(tmp, final) < 0)
                r = sf_error_set(err, -errno, "%s: %s", final, strerror(errno));
        hex(md, 32, j->res.backup_sha256);
        if (r == 0 && verify_file(final, md) < 0)
                r = sf_error_set(err, -EIO, "%s does not read back as written", final);
        if (r == 0 && write_manifest(j, dir, page) < 0)
                r = sf_error_set(err, -EIO, "%s: cannot write the backup manifest", dir);
        if (r == 0) {
                int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dfd >= 0) { /* the directory entries too */
                        fsync(dfd);
                        close(dfd);
                }
                j->res.backed_up = true;
                j->res.backup_bytes = j->efs_pages * page;
                say(j, SF_LOG_INFO, "EFS2 backed up to %s (sha256 %s)", final,
                    j->res.backup_sha256);
        }
        return r;
}

/* A backup's manifest (written by write_manifest, but read as untrusted input). */
struct efs_manifest {
        uint64_t chip_serial, start_page, pages, page_size;
        char sha256[65];
};

#define MANIFEST_MAX 16384

static const char *manifest_value(const char *doc, const char *key)
{
        char pat[48];
        const char *p;

        snprintf(pat, sizeof(pat), "\"%s\":", key);
        p = strstr(doc, pat);
        if (!p)
                return NULL;
        p += strlen(pat);
        while (*p == ' ')
                p++;
        return p;
}

static int manifest_u64(const char *doc, const char *key, uint64_t *ret)
{
        const char *p = manifest_value(doc, key);
        char *end;

        if (!p)
                return -EBADMSG;
        if (*p == '"')
                p++;
        errno = 0;
        *ret = strtoull(p, &end, 0);
        return end == p || errno ? -EBADMSG : 0;
}

static int read_manifest(const char *dir, struct efs_manifest *m, struct sf_error *err)
{
        char path[4096], doc[MANIFEST_MAX + 1];
        _cleanup_close_ int fd = -1;
        const char *sha;
        ssize_t n;

        snprintf(path, sizeof(path), "%s/manifest.json", dir);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return sf_error_set(err, -EINVAL, "%s: %s: not a safeflash backup", path,
                                    strerror(errno));
        n = read(fd, doc, MANIFEST_MAX);
        if (n <= 0 || n == MANIFEST_MAX)
                return sf_error_set(err, -EINVAL, "%s: empty, unreadable or too large", path);
        doc[n] = '\0';
        sha = manifest_value(doc, "sha256");
        if (manifest_u64(doc, "chip_serial", &m->chip_serial) < 0 ||
            manifest_u64(doc, "start_page", &m->start_page) < 0 ||
            manifest_u64(doc, "pages", &m->pages) < 0 ||
            manifest_u64(doc, "page_size", &m->page_size) < 0 || !sha || sha[0] != '"' ||
            strspn(sha + 1, "0123456789abcdef") != 64 || sha[65] != '"')
                return sf_error_set(err, -EINVAL, "%s: not a valid EFS2 backup manifest", path);
        memcpy(m->sha256, sha + 1, 64);
        m->sha256[64] = '\0';
        return 0;
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

/* The backup belongs to this module and fits its EFS2 exactly; the file is what was saved. */
static int check_restore(struct job *j, const struct efs_manifest *m, uint32_t page,
                         const char *file, struct sf_error *err)
{
        char sha[65];
        uint64_t size = 0;
        int r;

        if (!j->have_efs)
                return sf_error_set(err, -EPERM,
                                    "the module's partition table is unreadable, so its EFS2 "
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
        if (m->page_size != page || m->start_page != j->efs_page || m->pages != j->efs_pages)
                return sf_error_set(err, -EPERM,
                                    "the backup's EFS2 (pages %" PRIu64 "+%" PRIu64 " of %" PRIu64
                                    " bytes) is not where this module's EFS2 is (pages %" PRIu64
                                    "+%" PRIu64 " of %u bytes)",
                                    m->start_page, m->pages, m->page_size, j->efs_page,
                                    j->efs_pages, page);
        r = file_sha256(file, sha, &size);
        if (r < 0)
                return sf_error_set(err, -EINVAL, "%s: %s", file, strerror(-r));
        if (size != m->pages * m->page_size || strcmp(sha, m->sha256) != 0)
                return sf_error_set(err, -EINVAL,
                                    "%s does not match its manifest (size or SHA-256): the "
                                    "backup is damaged; nothing was written",
                                    file);
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

/* Write a verified EFS2 backup back where it came from: erase, program, compare digests. */
static int restore_efs(struct job *j, struct sf_error *err)
{
        uint32_t ppb = 0, page = nand_page_size(j, &ppb);
        char file[4096], start[24], sha[65];
        struct efs_manifest m;
        struct sf_layout_op op = {.kind = SF_LAYOUT_OP_PROGRAM, .label = "EFS2"};
        struct sf_fh_range rg;
        _cleanup_close_ int fd = -1;
        uint8_t have[32];
        int r;

        r = read_manifest(j->o->restore_dir, &m, err);
        if (r < 0)
                return r;
        snprintf(file, sizeof(file), "%s/efs2.bin", j->o->restore_dir);
        r = check_restore(j, &m, page, file, err);
        if (r < 0)
                return r;
        snprintf(start, sizeof(start), "%" PRIu64, j->efs_page);
        op.sector_size = page;
        op.start = j->efs_page;
        op.has_start = op.has_num_sectors = op.has_pages_per_block = true;
        op.start_text = start;
        op.num_sectors = j->efs_pages;
        op.pages_per_block = ppb;
        rg = range_of(&op, NULL, 0);
        enter(j, SF_PHASE_ERASE, 1);
        say(j, SF_LOG_INFO, "restoring EFS2 (pages %s+%" PRIu64 ") from %s", start, j->efs_pages,
            file);
        r = sf_fh_erase(&j->fh, &rg, err);
        fd = r < 0 ? -1 : open(file, O_RDONLY | O_CLOEXEC);
        if (r == 0 && fd < 0)
                r = sf_error_set(err, -errno, "%s: %s", file, strerror(errno));
        if (r == 0) {
                enter(j, SF_PHASE_PROGRAM, j->efs_pages * page);
                r = sf_fh_program(&j->fh, &rg, read_fd, &fd, j->efs_pages * page, 0xff, advance,
                                  j, err);
        }
        if (r == 0) {
                enter(j, SF_PHASE_VERIFY, 1);
                r = sf_fh_digest(&j->fh, &rg, have, err);
                if (r == -EOPNOTSUPP)
                        r = readback_digest(j, &op, have, err);
        }
        if (r < 0)
                return r;
        hex(have, 32, sha);
        if (strcmp(sha, m.sha256) != 0)
                return sf_error_set(err, -EIO,
                                    "EFS2 reads back differently from the backup (digest "
                                    "mismatch): the restore did not take");
        j->res.restored = true;
        say(j, SF_LOG_INFO, "EFS2 restored and verified (sha256 %s)", sha);
        return 0;
}

/* eMMC/UFS: the boot ROM boots from the LUN that holds the first boot stage. */
static int set_bootable(struct job *j, struct sf_error *err)
{
        if (sf_layout_storage(j->layout) == SF_LAYOUT_STORAGE_NAND)
                return 0;
        for (size_t i = 0; i < sf_layout_op_count(j->layout); i++) {
                const struct sf_layout_op *op = sf_layout_op(j->layout, i);
                if (op->kind == SF_LAYOUT_OP_PROGRAM && op->label &&
                    (strcmp(op->label, "xbl") == 0 || strcmp(op->label, "xbl_a") == 0 ||
                     strcmp(op->label, "sbl1") == 0))
                        return sf_fh_set_bootable(&j->fh, op->lun, err);
        }
        return 0;
}

/* eMMC/UFS: the package's sector size must be the disk's; the programmer says so when it is
 * not (the refusal text hosts key on), before anything is written. */
static int probe_sector_size(struct job *j, struct sf_error *err)
{
        const struct sf_layout_op *op = sf_layout_op(j->layout, 0);
        struct sf_fh_range rg = {.start_sector = "1", .num_sectors = 1};
        _cleanup_free_ uint8_t *buf = NULL;
        uint32_t disk = 0;
        int r;

        if (!op || sf_layout_storage(j->layout) == SF_LAYOUT_STORAGE_NAND)
                return 0;
        rg.sector_size = op->sector_size;
        buf = malloc(op->sector_size);
        if (!buf)
                return -ENOMEM;
        r = sf_fh_read(&j->fh, &rg, buf, err);
        if (r < 0 && sf_firehose_log_sector_size(j->fh.last_error, &disk) == 0)
                return sf_error_set(err, -EPERM,
                                    "the package is for %u-byte sectors, the module's storage has "
                                    "%u-byte sectors: it is for other hardware",
                                    op->sector_size, disk);
        return r;
}

static int finish(struct job *j, struct sf_error *err)
{
        int r;

        if (j->o->no_reset)
                return 0;
        enter(j, SF_PHASE_RESET, 1);
        r = sf_fh_power(&j->fh, "reset", err);
        if (r == -ENODEV || r == -EPIPE || r == -ECONNRESET || r == -ETIMEDOUT) {
                /* The device left before its ACK reached us, as a reset does: whether the module
                 * runs the new firmware is decided by its boot, never by this answer. */
                say(j, SF_LOG_WARNING, "no acknowledgement of the reset (%s): the module left",
                    strerror(-r));
                r = 0;
        }
        if (r < 0)
                return r;
        j->res.reset = true;
        advance(j, 1);
        return 0;
}

const char *sf_flash_action_to_string(enum sf_flash_action a)
{
        static const char *const names[] = {"write", "backup", "restore"};
        return (unsigned)a < sizeof(names) / sizeof(*names) ? names[a] : "invalid";
}

/* The package's content, with what protects the module around it. */
static int write_package(struct job *j, struct sf_error *err)
{
        int r = guard_efs(j, err);

        if (r >= 0)
                r = check_layout(j, err);
        if (r >= 0)
                r = probe_sector_size(j, err);
        if (r >= 0)
                r = plan(j, err);
        if (r >= 0)
                r = backup_efs(j, err);
        if (r >= 0)
                r = erase_all(j, err);
        if (r >= 0)
                r = program_all(j, err);
        /* Verify what was programmed before the DISK patches rewrite parts of it (GPT headers). */
        if (r >= 0)
                r = verify_all(j, err);
        if (r >= 0)
                r = patch_all(j, err);
        if (r >= 0)
                r = set_bootable(j, err);
        return r;
}

static int run_action(struct job *j, struct sf_error *err)
{
        switch (j->o->action) {
        case SF_FLASH_ACTION_WRITE:
                return write_package(j, err);
        case SF_FLASH_ACTION_BACKUP:
                if (!j->o->backup_dir)
                        return sf_error_set(err, -EINVAL, "a backup needs a folder to go to");
                return backup_efs(j, err);
        case SF_FLASH_ACTION_RESTORE:
                if (!j->o->restore_dir)
                        return sf_error_set(err, -EINVAL, "a restore needs a backup folder");
                return restore_efs(j, err);
        }
        return sf_error_set(err, -EINVAL, "unknown action %d", (int)j->o->action);
}

int sf_flash_run(const struct sf_flash_options *o, struct sf_flash_result *ret,
                 struct sf_error *err)
{
        struct job j = {.o = o};
        int r;

        if (!o || !o->package)
                return sf_error_set(err, -EINVAL, "no package given");
        if (o->session_log) {
                j.session = fopen(o->session_log, "ae");
                if (!j.session)
                        return sf_error_set(err, -errno, "%s: %s", o->session_log, strerror(errno));
        }
        r = load_package(&j, err);
        if (r >= 0)
                r = open_device(&j, err);
        if (r >= 0)
                r = boot_programmer(&j, err);
        if (r >= 0)
                r = start_firehose(&j, err);
        if (r >= 0)
                r = read_module_layout(&j, err);
        if (r >= 0) {
                r = run_action(&j, err);
                /* Refused with nothing written: the module goes back to what it ran. */
                if ((r == -EPERM || r == -EINVAL) && !j.res.bytes_written && !j.res.restored)
                        finish(&j, NULL);
        }
        if (r >= 0)
                r = finish(&j, err);
        if (r >= 0)
                enter(&j, SF_PHASE_DONE, 0);
        if (r < 0 && j.t)
                sf_transport_note(j.t, "failed: %s", err ? err->message : strerror(-r));
        sf_transport_close(j.t);
        sf_layout_free(j.layout);
        free(j.prog);
        free(j.skip);
        free(j.want);
        if (j.session)
                fclose(j.session);
        if (ret)
                *ret = j.res;
        return r < 0 ? r : 0;
}
