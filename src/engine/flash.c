/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The flashing engine: package → chip check → programmer → Firehose plan → verify → reset. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "package/layout.h"
#include "package/programmer.h"
#include "package/source.h"
#include "proto/mibib.h"
#include "safeflash/flash.h"
#include "session/firehose_host.h"
#include "session/sahara_host.h"
#include "engine/efs.h"
#include "engine/geometry.h"
#include "engine/preflight.h"
#include "engine/stream_hash.h"
#include "util/cleanup.h"
#include "util/strutil.h"

static void package_progress(void *userdata, uint64_t done, uint64_t total)
{
        struct sf_job *j = userdata;

        j->phase_done = done;
        j->phase_total = total;
        sf_job_report(j);
}

static void upload_progress(void *userdata, uint64_t done, uint64_t total)
{
        package_progress(userdata, done, total);
}

static void device_log(void *userdata, const char *text)
{
        struct sf_job *j = userdata;

        sf_job_bbt_note(j, text);
        sf_job_say(j, SF_LOG_DEBUG, "device: %s", text);
}

static int package_error(int r)
{
        return sf_preflight_package_error(r);
}

/* The programmer, whole: Sahara serves the boot ROM's reads in any order. */
static int read_programmer(struct sf_job *j, struct sf_error *err)
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

/* The package checked once (sf_flash_package_open), before the module is touched. */
static int load_package(struct sf_job *j, struct sf_error *err)
{
        unsigned flags = (j->o->allow_factory ? SF_FLASH_PACKAGE_ALLOW_FACTORY : 0) |
                         (j->o->no_verify ? SF_FLASH_PACKAGE_NO_VERIFY : 0);
        int r;

        sf_job_enter(j, SF_PHASE_PACKAGE, 0);
        if (!j->o->verified) {
                r = sf_flash_package_open(j->o->package, flags, package_progress, j, &j->own_pkg,
                                          err);
                if (r < 0)
                        return r;
        }
        j->layout = sf_flash_package_layout(j->o->verified ? j->o->verified : j->own_pkg);
        if (j->o->no_verify)
                sf_job_say(j, SF_LOG_WARNING,
                           "md5.txt NOT checked (--no-verify): a damaged package "
                           "would be written as it is");
        return 0;
}

/* A module that has just re-enumerated in EDL is in sysfs before udev has made its node and the
 * USB library lists it: it is looked for again, a bounded while, before it is said not to be there. */
#define OPEN_RETRIES  30
#define OPEN_RETRY_NS 100000000L

static int open_device(struct sf_job *j, struct sf_error *err)
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
                for (int i = 0; r == -ENODEV && i < OPEN_RETRIES; i++) {
                        nanosleep(&(struct timespec){.tv_nsec = OPEN_RETRY_NS}, NULL);
                        r = sf_transport_open_usb(&m, &j->t, err);
                }
        }
        if (r < 0)
                return r == -ENOENT ? -ENODEV : r;
        j->t->record = j->session;
        return 0;
}

/* Sahara: who is the chip, does the programmer fit it, then the upload. */
static int boot_programmer(struct sf_job *j, struct sf_error *err)
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
        sf_job_enter(j, SF_PHASE_IDENTIFY, 0);
        sf_sahara_host_init(&sh, j->t);
        r = sf_sahara_identify(&sh, &j->chip, err);
        if (r == -EALREADY) {
                /* A programmer is running already (a "Sahara only" session, an earlier run). */
                sf_job_say(j, SF_LOG_WARNING,
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
        if (j->chip.command_mode_refused) {
                r = sf_job_chip_without_command_mode(j, &prog, err);
                if (r < 0)
                        return r;
                sf_job_enter(j, SF_PHASE_UPLOAD, prog.size);
                return sf_sahara_upload_buffer(&sh, j->prog, j->prog_size, upload_progress, j,
                                               err);
        }
        j->res.identified = true;
        snprintf(j->res.chip_evidence, sizeof(j->res.chip_evidence), "sahara");
        j->res.chip_serial = j->chip.serial;
        j->res.msm_id = j->chip.msm_id;
        j->res.oem_id = j->chip.oem_id;
        sf_job_say(j, SF_LOG_INFO, "chip: serial 0x%08x, MSM_ID 0x%08x, OEM_ID 0x%04x, Sahara v%u",
                   j->chip.serial, j->chip.msm_id, j->chip.oem_id, j->chip.sahara_version);
        /* Refuse before a byte goes out, instead of a Firehose timeout later. */
        r = sf_programmer_check(&prog, &j->chip, !sf_programmer_chip_is_unfused(&j->chip), err);
        if (r < 0)
                return r;
        sf_job_say(j, SF_LOG_INFO, "programmer check: against the chip's own answers in Sahara "
                                   "command mode");
        sf_job_enter(j, SF_PHASE_UPLOAD, prog.size);
        return sf_sahara_upload_buffer(&sh, j->prog, j->prog_size, upload_progress, j, err);
}

static int start_firehose(struct sf_job *j, struct sf_error *err)
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

/* SHA-256 of exactly what a program op writes: the file's bytes, then the padding. */
static int expected_digest(const struct sf_job *j, const struct sf_layout_op *op, uint8_t out[32],
                           struct sf_error *err)
{
        _cleanup_(sf_source_file_freep) struct sf_source_file *f = NULL;
        uint64_t total = op->write_sectors * op->sector_size, done = 0;
        _cleanup_free_ uint8_t *buf = malloc(1 << 20);
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        unsigned len = 32;
        int r = !buf || !ctx ? -ENOMEM : sf_job_open_image(j, op, &f, err);

        if (r == 0 && !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
                r = -EIO;
        while (r == 0 && done < total) {
                size_t n = total - done < (1 << 20) ? (size_t)(total - done) : (1 << 20);
                size_t from_file = done >= op->data_bytes      ? 0
                                   : op->data_bytes - done < n ? (size_t)(op->data_bytes - done)
                                                               : n;
                if (from_file)
                        r = sf_source_read_exact(f, buf, from_file, err);
                memset(buf + from_file, sf_job_pad_byte(j), n - from_file);
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
static bool is_sbl(const struct sf_job *j, const struct sf_layout_op *op)
{
        return sf_layout_storage(j->layout) == SF_LAYOUT_STORAGE_NAND && op->has_start &&
               op->start == 0 && op->lun == 0;
}

/* NAND: a partition that the module's own table places elsewhere than the package does. What
 * lies at the package's place belongs to other partitions of the module (a baseline with another
 * layout), so it is written without reading it. 1 when moved (why says from where), else 0. */
static int moved(const struct sf_job *j, const struct sf_layout_op *op, char *why, size_t n)
{
        const struct sf_mibib_part *p;
        uint64_t at;

        if (!j->have_module_table || !op->has_start || op->lun != 0 || !op->label ||
            sf_layout_storage(j->layout) != SF_LAYOUT_STORAGE_NAND ||
            !(p = sf_mibib_find(&j->module_table, op->label)))
                return 0;
        at = (uint64_t)p->offset * j->module_table_ppb;
        if (at == op->start)
                return 0;
        snprintf(why, n,
                 "the module's partition table has it at page %" PRIu64 ", the package at %" PRIu64,
                 at, op->start);
        return 1;
}

/* A package's UBI image that fails its own checks: the error names the file. */
static int bad_image(const struct sf_layout_op *op, int r, struct sf_error *err)
{
        if (r == -EBADMSG && err) {
                struct sf_error e = *err;
                return sf_error_set(err, r, "%s: %.400s", op->filename, e.message);
        }
        return r;
}

/* A UBI image on NAND is compared as UBI (ubi_same.c): 1 when that decided, 0 when the image is
 * no UBI image. "unknown" is written, as "changed" is. */
static int plan_ubi(struct sf_job *j, const struct sf_layout_op *op, size_t i, struct sf_error *err)
{
        uint64_t extent = op->num_sectors;
        enum sf_ubi_match m;
        char why[256];
        int r;

        /* The partition: what the erase at the same place covers, where UBI may have moved LEBs. */
        for (size_t k = 0; k < sf_layout_op_count(j->layout); k++) {
                const struct sf_layout_op *e = sf_layout_op(j->layout, k);
                if (e->kind == SF_LAYOUT_OP_ERASE && e->has_num_sectors && same_place(e, op) &&
                    e->num_sectors > extent)
                        extent = e->num_sectors;
        }
        r = sf_job_ubi_same(j, op, extent, &m, why, sizeof(why), err);
        if (r == -ENOMSG)
                return 0;
        if (r < 0)
                return bad_image(op, r, err);
        j->skip[i] = m == SF_UBI_SAME;
        sf_job_plan_note(j, op,
                         m == SF_UBI_SAME      ? SF_FLASH_SAME
                         : m == SF_UBI_CHANGED ? SF_FLASH_CHANGED
                                               : SF_FLASH_UNKNOWN,
                         "UBI: %s", why);
        j->item = op->label;
        sf_job_advance(j, 1);
        return 1;
}

#define PREFIX_BYTES (64u * 1024)

/* Without digests: does the flash already differ in the op's first sectors? 1 when it does
 * (then nothing more need be read to know it must be written), 0 when they match. */
static int prefix_differs(struct sf_job *j, const struct sf_layout_op *op, struct sf_error *err)
{
        _cleanup_(sf_source_file_freep) struct sf_source_file *f = NULL;
        uint64_t sectors = PREFIX_BYTES / op->sector_size, n;
        _cleanup_free_ uint8_t *have = NULL, *want = NULL;
        char start[24], last[24];
        struct sf_fh_range rg = sf_job_range(op, last, sizeof(last));
        size_t bytes, from_file;
        int r;

        if (!op->has_start || sectors == 0 || op->write_sectors <= sectors)
                return 0; /* small or placed by expression: the full read-back decides */
        n = sectors;
        bytes = (size_t)(n * op->sector_size);
        have = malloc(bytes);
        want = malloc(bytes);
        if (!have || !want)
                return -ENOMEM;
        snprintf(start, sizeof(start), "%" PRIu64, op->start);
        rg.start_sector = start;
        rg.num_sectors = n;
        r = sf_fh_read(&j->fh, &rg, have, err);
        if (r >= 0)
                r = sf_job_open_image(j, op, &f, err);
        from_file = op->data_bytes < bytes ? (size_t)op->data_bytes : bytes;
        if (r >= 0 && from_file)
                r = sf_source_read_exact(f, want, from_file, err);
        if (r < 0)
                return r;
        memset(want + from_file, sf_job_pad_byte(j), bytes - from_file);
        return memcmp(have, want, bytes) != 0;
}

/* What the flash holds where op writes: the programmer's digest, or read back and hashed (the
 * same choice as verify's, learned once per session). 1 when it surely differs from what op
 * writes (no digest needed), -EOPNOTSUPP when it cannot be told. */
static int held_digest(struct sf_job *j, const struct sf_layout_op *op, uint8_t have[32],
                       struct sf_error *err)
{
        char last[24];
        struct sf_fh_range rg = sf_job_range(op, last, sizeof(last));
        int r = sf_fh_digest(&j->fh, &rg, have, err);

        if (r != -EOPNOTSUPP)
                return r;
        r = prefix_differs(j, op, err);
        return r != 0 ? r : sf_job_readback_digest(j, op, have, err);
}

/* What each program will write, and which partitions already hold exactly that. */
static int plan(struct sf_job *j, struct sf_error *err)
{
        size_t n = sf_layout_op_count(j->layout);
        int r;

        sf_job_enter(j, SF_PHASE_PREPARE, n);
        j->skip = calloc(n ? n : 1, sizeof(*j->skip));
        j->want = calloc(n ? n : 1, sizeof(*j->want));
        if (!j->skip || !j->want)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const struct sf_layout_op *op = sf_layout_op(j->layout, i);
                uint8_t have[32];
                char why[160];
                if (op->kind != SF_LAYOUT_OP_PROGRAM || !op->path)
                        continue;
                r = expected_digest(j, op, j->want[i], err);
                if (r < 0)
                        return package_error(r);
                if (j->o->write_all) {
                        sf_job_plan_note(j, op, SF_FLASH_UNKNOWN, "not compared: --write-all");
                        continue;
                }
                if (moved(j, op, why, sizeof(why))) {
                        /* not compared, but the image is checked as a compare would */
                        r = sf_job_ubi_check_image(j, op, err);
                        if (r < 0 && r != -ENOMSG)
                                return bad_image(op, r, err);
                        sf_job_plan_note(j, op, SF_FLASH_CHANGED, "%s", why);
                        j->item = op->label;
                        sf_job_advance(j, 1);
                        continue;
                }
                r = plan_ubi(j, op, i, err);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                r = held_digest(j, op, have, err);
                if (r == -EOPNOTSUPP || r == 1) { /* unknown, or surely different: written */
                        sf_job_plan_note(j, op, r == 1 ? SF_FLASH_CHANGED : SF_FLASH_UNKNOWN,
                                         r == 1 ? "its first 64 KiB differ"
                                                : "the flash cannot be read back");
                        continue;
                }
                if (r < 0)
                        return r;
                j->skip[i] = memcmp(have, j->want[i], 32) == 0;
                sf_job_plan_note(j, op, j->skip[i] ? SF_FLASH_SAME : SF_FLASH_CHANGED,
                                 j->skip[i] ? "the same bytes" : "its bytes differ");
                j->item = op->label;
                sf_job_advance(j, 1);
        }
        /* An erase goes with the program at the same place: skipped together. */
        for (size_t i = 0; i < n; i++)
                for (size_t k = 0; k < n; k++)
                        if (j->skip[k] && sf_layout_op(j->layout, i)->kind == SF_LAYOUT_OP_ERASE &&
                            same_place(sf_layout_op(j->layout, i), sf_layout_op(j->layout, k)))
                                j->skip[i] = true;
        return 0;
}

/* A NAND program that sends fewer sectors than its line spans, with no erase of its own: the
 * rest of the partition must be erased (a leftover of an older UBI image there would keep Linux
 * from attaching the new one), so its whole line is erased first. */
static bool needs_own_erase(const struct sf_job *j, size_t i)
{
        const struct sf_layout_op *op = sf_layout_op(j->layout, i);

        if (op->kind != SF_LAYOUT_OP_PROGRAM || !op->path || j->skip[i] || !op->has_start ||
            op->write_sectors >= op->num_sectors ||
            sf_layout_storage(j->layout) != SF_LAYOUT_STORAGE_NAND)
                return false;
        for (size_t k = 0; k < sf_layout_op_count(j->layout); k++) {
                const struct sf_layout_op *e = sf_layout_op(j->layout, k);
                if (e->kind == SF_LAYOUT_OP_ERASE && same_place(e, op))
                        return false;
        }
        return true;
}

static int erase_one(struct sf_job *j, const struct sf_layout_op *op, struct sf_error *err)
{
        char last[24];
        struct sf_fh_range rg = sf_job_range(op, last, sizeof(last));

        j->item = op->label;
        rg.num_sectors = op->has_num_sectors ? op->num_sectors : 0; /* the whole line */
        return sf_fh_erase(&j->fh, &rg, err);
}

static int erase_all(struct sf_job *j, struct sf_error *err)
{
        size_t n = sf_layout_op_count(j->layout);
        int r;

        sf_job_enter(j, SF_PHASE_ERASE, n);
        for (int pass = 0; pass < 2; pass++)
                for (size_t i = 0; i < n; i++) {
                        const struct sf_layout_op *op = sf_layout_op(j->layout, i);
                        if (((op->kind != SF_LAYOUT_OP_ERASE || j->skip[i]) &&
                             !needs_own_erase(j, i)) ||
                            is_sbl(j, op) != (pass == 0))
                                continue;
                        r = erase_one(j, op, err);
                        if (r < 0)
                                return r;
                        sf_job_advance(j, 1);
                }
        return 0;
}

struct image_reader {
        struct sf_source_file *f;
        struct sf_stream_hash *h; /* what is sent, hashed again */
        struct sf_error *err;
};

static int read_image(void *userdata, uint8_t *buf, size_t n)
{
        struct image_reader *ir = userdata;
        int r = sf_source_read_exact(ir->f, buf, n, ir->err);

        return r < 0 ? r : sf_stream_hash_update(ir->h, buf, n);
}

static int program_one(struct sf_job *j, size_t i, struct sf_error *err)
{
        const struct sf_layout_op *op = sf_layout_op(j->layout, i);
        _cleanup_(sf_source_file_freep) struct sf_source_file *f = NULL;
        _cleanup_(sf_stream_hash_freep) struct sf_stream_hash *h = NULL;
        char last[24];
        struct sf_fh_range rg = sf_job_range(op, last, sizeof(last));
        struct image_reader ir = {.err = err};
        int r;

        r = sf_job_open_image(j, op, &f, err);
        if (r >= 0)
                r = sf_stream_hash_new(j->layout, op, j->want[i], &h);
        if (r < 0)
                return r;
        ir.f = f;
        ir.h = h;
        j->item = op->label && *op->label ? op->label : op->filename;
        sf_job_say(j, SF_LOG_INFO, "writing %s (%" PRIu64 " bytes at sector %s)", j->item,
                   op->data_bytes, rg.start_sector);
        r = sf_fh_program(&j->fh, &rg, read_image, &ir, op->data_bytes, sf_job_pad_byte(j),
                          sf_job_advance, j, err);
        if (r >= 0) /* before the next image: what went out is what was checked */
                r = sf_stream_hash_check(h, op->write_sectors * op->sector_size - op->data_bytes,
                                         sf_job_pad_byte(j), err);
        if (r < 0)
                return r;
        j->res.partitions_written++;
        j->res.bytes_written += op->write_sectors * op->sector_size;
        return 0;
}

static uint64_t bytes_to_write(const struct sf_job *j)
{
        uint64_t total = 0;

        for (size_t i = 0; i < sf_layout_op_count(j->layout); i++) {
                const struct sf_layout_op *op = sf_layout_op(j->layout, i);
                if (op->kind == SF_LAYOUT_OP_PROGRAM && op->path && !j->skip[i])
                        total += op->write_sectors * op->sector_size;
        }
        return total;
}

static int program_all(struct sf_job *j, struct sf_error *err)
{
        size_t n = sf_layout_op_count(j->layout);
        int r;

        sf_job_enter(j, SF_PHASE_PROGRAM, bytes_to_write(j));
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

static int verify_all(struct sf_job *j, struct sf_error *err)
{
        size_t n = sf_layout_op_count(j->layout);
        int r;

        sf_job_enter(j, SF_PHASE_VERIFY, j->res.partitions_written);
        for (size_t i = 0; i < n; i++) {
                const struct sf_layout_op *op = sf_layout_op(j->layout, i);
                char last[24];
                struct sf_fh_range rg = sf_job_range(op, last, sizeof(last));
                uint8_t have[32];
                if (op->kind != SF_LAYOUT_OP_PROGRAM || !op->path || j->skip[i])
                        continue;
                j->item = op->label;
                r = sf_fh_digest(&j->fh, &rg, have, err);
                if (r == -EOPNOTSUPP)
                        r = sf_job_readback_digest(j, op, have, err);
                if (r < 0)
                        return r;
                if (memcmp(have, j->want[i], 32) != 0)
                        return sf_error_set(err, -EIO,
                                            "%s: what the flash holds is not what was written "
                                            "(digest mismatch)",
                                            op->label && *op->label ? op->label : op->filename);
                j->res.partitions_verified++;
                sf_job_advance(j, 1);
        }
        return 0;
}

/* DISK patches, in file order (GPT fix-ups depend on it), sent verbatim for the programmer to
 * evaluate (NUM_DISK_SECTORS, CRC32). NAND packages have none. */
static int patch_all(struct sf_job *j, struct sf_error *err)
{
        if (sf_layout_patch_count(j->layout))
                sf_job_enter(j, SF_PHASE_PATCH, sf_layout_patch_count(j->layout));
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
                sf_job_advance(j, 1);
        }
        return 0;
}

/* eMMC/UFS: the boot ROM boots from the LUN that holds the first boot stage. */
static int set_bootable(struct sf_job *j, struct sf_error *err)
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
static int probe_sector_size(struct sf_job *j, struct sf_error *err)
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

static int finish(struct sf_job *j, struct sf_error *err)
{
        int r;

        if (j->o->no_reset)
                return 0;
        sf_job_enter(j, SF_PHASE_RESET, 1);
        r = sf_fh_power(&j->fh, "reset", err);
        if (r == -ENODEV || r == -EPIPE || r == -ECONNRESET || r == -ETIMEDOUT) {
                /* The device left before its ACK reached us, as a reset does: whether the module
                 * runs the new firmware is decided by its boot, never by this answer. */
                sf_job_say(j, SF_LOG_WARNING,
                           "no acknowledgement of the reset (%s): the module left", strerror(-r));
                r = 0;
        }
        if (r < 0)
                return r;
        j->res.reset = true;
        sf_job_advance(j, 1);
        return 0;
}

const char *sf_flash_action_to_string(enum sf_flash_action a)
{
        static const char *const names[] = {"write", "backup", "restore"};
        return (unsigned)a < sizeof(names) / sizeof(*names) ? names[a] : "invalid";
}

/* The package's content, with what protects the module around it. */
static int write_package(struct sf_job *j, struct sf_error *err)
{
        int r = sf_geometry_check(j, err);

        if (r >= 0)
                r = sf_job_check_good_blocks(j, err);
        if (r >= 0)
                r = sf_efs_guard(j, err);
        if (r >= 0)
                r = sf_efs_check_layout(j, err);
        if (r >= 0)
                r = plan(j, err);
        if (r >= 0 && j->o->plan_only)
                return 0; /* the plan only: nothing written, no backup */
        if (r >= 0)
                r = sf_efs_backup(j, err);
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

static int run_action(struct sf_job *j, struct sf_error *err)
{
        switch (j->o->action) {
        case SF_FLASH_ACTION_WRITE:
                return write_package(j, err);
        case SF_FLASH_ACTION_BACKUP:
                if (!j->o->backup_dir)
                        return sf_error_set(err, -EINVAL, "a backup needs a folder to go to");
                return sf_efs_backup(j, err);
        case SF_FLASH_ACTION_RESTORE:
                if (!j->o->restore_dir)
                        return sf_error_set(err, -EINVAL, "a restore needs a backup folder");
                return sf_efs_restore(j, err);
        }
        return sf_error_set(err, -EINVAL, "unknown action %d", (int)j->o->action);
}

/* The chip named by its programmer: the caller may look it up (history) and stop here, before
 * anything is written; the module then goes back to its boot ROM. */
static int identified_by_programmer(struct sf_job *j, struct sf_error *err)
{
        int r = sf_job_chip_from_programmer(j, err);

        if (r < 0 || !j->res.identified || !j->o->on_identified)
                return r;
        r = j->o->on_identified(j->o->userdata, &j->res, err);
        if (r < 0)
                finish(j, NULL);
        return r;
}

int sf_flash_run(const struct sf_flash_options *o, struct sf_flash_result *ret,
                 struct sf_error *err)
{
        struct sf_job j = {.o = o};
        int r;

        if (!o || (!o->package && !o->verified))
                return sf_error_set(err, -EINVAL, "no package given");
        if (o->session_log) {
                j.session = sf_fopen_private(o->session_log, true);
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
        if (r >= 0 && j.identify_after)
                r = identified_by_programmer(&j, err);
        if (r >= 0)
                r = probe_sector_size(&j, err);
        if (r >= 0)
                r = sf_efs_locate(&j, err);
        if (r >= 0) {
                r = run_action(&j, err);
                /* Refused with nothing written: the module goes back to what it ran. */
                if ((r == -EPERM || r == -EINVAL) && !j.res.bytes_written && !j.res.restored)
                        finish(&j, NULL);
        }
        if (r >= 0)
                r = finish(&j, err);
        if (r >= 0)
                sf_job_enter(&j, SF_PHASE_DONE, 0);
        if (r < 0 && j.t)
                sf_transport_note(j.t, "failed: %s", err ? err->message : strerror(-r));
        sf_transport_close(j.t);
        sf_flash_package_free(j.own_pkg);
        free(j.prog);
        free(j.skip);
        free(j.want);
        if (j.session)
                fclose(j.session);
        if (ret)
                *ret = j.res;
        return r < 0 ? r : 0;
}
