/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "session/firehose_host.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "util/strutil.h"

void sf_fh_init(struct sf_firehose_host *h, struct sf_transport *t)
{
        memset(h, 0, sizeof(*h));
        h->t = t;
        h->max_payload = 8192;
        h->max_xml = SF_FIREHOSE_MAX_XML;
        h->start_timeout_ms = SF_FH_TIMEOUT_START_MS;
        sf_firehose_functions_init(&h->functions);
}

static void on_log(struct sf_firehose_host *h, const char *text)
{
        enum sf_firehose_log_hint hint = sf_firehose_log_classify(text);

        const char *tb = strstr(text, "\"total_blocks\":");

        const char *cs = strstr(text, "Chip serial num: ");

        sf_firehose_log_supported_functions(&h->functions, text);
        if (cs) {
                char *end;
                unsigned long v = strtoul(cs + 17, &end, 10);
                /* Programmers of unfused parts say "0 (0x0)": no serial at all. */
                if (end != cs + 17 && v && v <= 0xffffffffUL) {
                        h->chip_serial = (uint32_t)v;
                        h->has_chip_serial = true;
                }
        }
        if (tb && strstr(text, "storage_info")) {
                char *end;
                unsigned long long v = strtoull(tb + 15, &end, 10);
                h->total_blocks = end != tb + 15 ? (uint64_t)v : 0;
        }
        if (hint == SF_FIREHOSE_LOG_VIP)
                h->vip = true;
        if (hint != SF_FIREHOSE_LOG_OTHER && hint != SF_FIREHOSE_LOG_VIP)
                snprintf(h->last_error, sizeof(h->last_error), "%s", text);
        if (h->on_log)
                h->on_log(h->log_userdata, text);
}

/* The next document from the device: from what is buffered, else from new reads. */
static int next_doc(struct sf_firehose_host *h, struct sf_firehose_reply *rep, long long deadline)
{
        for (;;) {
                size_t doc = 0, n = 0;
                int r = h->rx_len ? sf_firehose_split(h->rx, h->rx_len, &doc) : -EAGAIN;
                if (r == 0) {
                        r = sf_firehose_parse_reply((const char *)h->rx, doc, rep);
                        memmove(h->rx, h->rx + doc, h->rx_len - doc);
                        h->rx_len -= doc;
                        return r;
                }
                if (r != -EAGAIN) {
                        h->rx_len = 0; /* garbage: drop it, and say so */
                        return r;
                }
                if (sf_now_ms() >= deadline)
                        return -ETIMEDOUT;
                if (h->rx_len == sizeof(h->rx))
                        return -E2BIG;
                r = sf_transport_read(h->t, h->rx + h->rx_len, sizeof(h->rx) - h->rx_len, &n,
                                      (int)(deadline - sf_now_ms()));
                if (r < 0)
                        return r;
                h->rx_len += n;
        }
}

/* Logs until the response; the response's attributes in *rep. */
static int wait_response(struct sf_firehose_host *h, struct sf_firehose_reply *rep, int timeout_ms)
{
        long long deadline = sf_now_ms() + timeout_ms;

        for (;;) {
                int r = next_doc(h, rep, deadline);
                if (r < 0)
                        return r;
                if (rep->kind == SF_FIREHOSE_REPLY_LOG) {
                        on_log(h, rep->text);
                        continue;
                }
                return 0;
        }
}

static int send_cmd(struct sf_firehose_host *h, const char *element,
                    const struct sf_firehose_attr *a, size_t n)
{
        char doc[SF_FIREHOSE_MAX_XML + 1];
        int len = sf_firehose_build_command(doc, sizeof(doc), element, a, n, h->max_xml);

        if (len < 0)
                return len;
        h->last_error[0] = '\0';
        return sf_transport_write(h->t, (const uint8_t *)doc, (size_t)len, 1000);
}

/* Send, wait, and turn a NAK into an error carrying the device's own words. */
static int command(struct sf_firehose_host *h, const char *element,
                   const struct sf_firehose_attr *a, size_t n, int timeout_ms,
                   struct sf_firehose_reply *rep, struct sf_error *err)
{
        int r = send_cmd(h, element, a, n);

        if (r >= 0)
                r = wait_response(h, rep, timeout_ms);
        if (r < 0)
                return sf_error_set(err, r, "<%s>: %s%s%s", element,
                                    r == -ETIMEDOUT ? "no answer from the programmer"
                                                    : strerror(-r),
                                    h->last_error[0] ? "; device said: " : "", h->last_error);
        if (!rep->ack)
                return sf_error_set(err, -EREMOTEIO, "<%s> refused by the programmer%s%s", element,
                                    h->last_error[0] ? ": " : "", h->last_error);
        return 0;
}

int sf_fh_storage_blocks(struct sf_firehose_host *h, uint32_t lun, uint64_t *ret,
                         struct sf_error *err)
{
        char v[16];
        const struct sf_firehose_attr a[] = {{"physical_partition_number", v}};
        struct sf_firehose_reply rep;
        int r;

        snprintf(v, sizeof(v), "%u", lun);
        h->total_blocks = 0;
        r = command(h, "getstorageinfo", a, 1, SF_FH_TIMEOUT_CONFIGURE_MS, &rep, err);
        if (r < 0)
                return r;
        if (!h->total_blocks)
                return sf_error_set(err, -ENODATA,
                                    "<getstorageinfo>: no storage_info from the "
                                    "programmer");
        *ret = h->total_blocks;
        return 0;
}

int sf_fh_nop(struct sf_firehose_host *h, struct sf_error *err)
{
        struct sf_firehose_reply rep;

        return command(h, "nop", NULL, 0, SF_FH_TIMEOUT_CONFIGURE_MS, &rep, err);
}

/* Logs until the banner is complete or the programmer falls quiet for quiet_ms; 1 when it said
 * anything at all before the deadline. */
static int drain_banner(struct sf_firehose_host *h, long long deadline, int quiet_ms)
{
        struct sf_firehose_reply rep;
        bool heard = false;

        while (h->functions.state != SF_FIREHOSE_FUNCTIONS_COMPLETE) {
                long long until =
                        heard && sf_now_ms() + quiet_ms < deadline ? sf_now_ms() + quiet_ms : deadline;
                int r = next_doc(h, &rep, until);
                if (r == -ETIMEDOUT)
                        break;
                if (r < 0)
                        return r;
                heard = true;
                if (rep.kind == SF_FIREHOSE_REPLY_LOG)
                        on_log(h, rep.text);
        }
        return heard || h->functions.state == SF_FIREHOSE_FUNCTIONS_COMPLETE;
}

/* <nop/> until answered, each wait twice the last (500 ms, 1 s, 2 s, ...) up to deadline: what
 * is sent while a programmer still starts is lost. */
static int nop_until(struct sf_firehose_host *h, long long deadline, struct sf_error *err)
{
        struct sf_firehose_reply rep;
        int r = -ETIMEDOUT;

        for (int wait = 500; r == -ETIMEDOUT && sf_now_ms() < deadline; wait *= 2) {
                long long left = deadline - sf_now_ms();
                h->start_attempts++;
                r = send_cmd(h, "nop", NULL, 0);
                if (r >= 0)
                        r = wait_response(h, &rep, (int)(wait < left ? wait : left));
        }
        if (r < 0)
                return sf_error_set(err, r, "<nop>: %s",
                                    r == -ETIMEDOUT ? "no answer" : strerror(-r));
        if (!rep.ack)
                return sf_error_set(err, -EREMOTEIO, "<nop> refused by the programmer%s%s",
                                    h->last_error[0] ? ": " : "", h->last_error);
        return 0;
}

int sf_fh_start(struct sf_firehose_host *h, struct sf_error *err)
{
        long long deadline = sf_now_ms() + h->start_timeout_ms;
        int r;

        /* Its first words, then the rest of the banner (it ends with "End of supported
         * functions"); a quiet programmer sends none. */
        r = drain_banner(h, sf_now_ms() + SF_FH_TIMEOUT_BANNER_MS, 300);
        if (r < 0)
                return sf_error_set(err, r, "reading the programmer's start-up: %s", strerror(-r));
        if (h->vip)
                return sf_error_set(err, -EOPNOTSUPP,
                                    "the programmer requires validated image programming (VIP): "
                                    "a signed digest table, which this package does not have");
        if (h->functions.state == SF_FIREHOSE_FUNCTIONS_COMPLETE)
                return 0;
        r = nop_until(h, deadline, err);
        if (r == -ETIMEDOUT)
                return sf_error_set(err, r,
                                    "the programmer was accepted but never answered in %d s (%u "
                                    "attempts): it is built for another chip or board, or the "
                                    "boot ROM's session is stuck (Firehose timeout after Sahara)",
                                    h->start_timeout_ms / 1000, h->start_attempts);
        return r;
}

/* How long a programmer left running may still pour out what it had for the host before us,
 * and the quiet that says it is done. */
#define RESUME_DRAIN_MS 20000
#define RESUME_QUIET_MS 200

/* Whatever the programmer still had to say is stale: an answer to a probe, late logs (read for
 * what they tell), or the rest of a <read> that the host before us never took: raw bytes,
 * maybe megabytes, that a device keeps until someone reads them. Dropped until it is quiet. */
static int drain_until_quiet(struct sf_firehose_host *h)
{
        long long end = sf_now_ms() + RESUME_DRAIN_MS;

        while (sf_now_ms() < end) {
                struct sf_firehose_reply rep;
                long long quiet = sf_now_ms() + RESUME_QUIET_MS;
                int r = next_doc(h, &rep, quiet < end ? quiet : end);
                if (r == 0 && rep.kind == SF_FIREHOSE_REPLY_LOG)
                        on_log(h, rep.text);
                if (r == -ETIMEDOUT || r == -ENODEV)
                        return r == -ENODEV ? r : 0;
                if (r < 0) /* raw data, garbage, a babble: not an answer to anything */
                        h->rx_len = 0;
        }
        return 0;
}

int sf_fh_resume(struct sf_firehose_host *h, struct sf_error *err)
{
        int r = drain_until_quiet(h);

        if (r >= 0)
                r = sf_fh_nop(h, err);
        if (r == -ETIMEDOUT)
                return sf_error_set(err, r,
                                    "the programmer that was running no longer answers: "
                                    "the module needs a power cycle");
        return r;
}

/* After a command that was sent more than once: the answers to the lost copies may still come;
 * they answer nothing now. */
static void drain_stale(struct sf_firehose_host *h)
{
        struct sf_firehose_reply rep;
        long long deadline = sf_now_ms() + 200;

        while (next_doc(h, &rep, deadline) == 0)
                if (rep.kind == SF_FIREHOSE_REPLY_LOG)
                        on_log(h, rep.text);
}

int sf_fh_configure(struct sf_firehose_host *h, const char *memory, uint64_t payload,
                    struct sf_error *err)
{
        struct sf_firehose_reply rep;
        char size[24];
        struct sf_firehose_attr a[] = {
                {"MemoryName", memory},
                {"Verbose", "0"},
                {"AlwaysValidate", "0"},
                {"MaxDigestTableSizeInBytes", "2048"},
                {"MaxPayloadSizeToTargetInBytes", size},
                {"ZlpAwareHost", h->t->zlp ? "1" : "0"},
                {"SkipStorageInit", "0"},
        };
        uint64_t dev = 0;
        int r;

        for (int attempt = 0, lost = 0; attempt < 2;) {
                snprintf(size, sizeof(size), "%" PRIu64, payload);
                r = send_cmd(h, "configure", a, sizeof(a) / sizeof(*a));
                /* 1 s, then 2 s twice: qdl gives configure 5 s in all. */
                if (r >= 0)
                        r = wait_response(h, &rep, lost ? 2000 : 1000);
                if (r == -ETIMEDOUT && lost < 2) {
                        lost++; /* lost while the programmer was busy: again, waiting longer */
                        continue;
                }
                if (r < 0)
                        return sf_error_set(err, r, "<configure>: %s", strerror(-r));
                if (lost)
                        drain_stale(h);
                if (sf_firehose_attr_u64(&rep.attrs, "MaxPayloadSizeToTargetInBytesSupported",
                                         &dev) < 0)
                        sf_firehose_attr_u64(&rep.attrs, "MaxPayloadSizeToTargetInBytes", &dev);
                if (rep.ack) {
                        h->max_payload = dev && dev < payload ? dev : payload;
                        sf_firehose_attr_u64(&rep.attrs, "MaxXMLSizeInBytes", &h->max_xml);
                        if (h->max_xml < 512 || h->max_xml > SF_FIREHOSE_MAX_XML)
                                h->max_xml = SF_FIREHOSE_MAX_XML;
                        h->configured = true;
                        return 0;
                }
                /* NAK with the size the programmer supports: propose that once more. */
                if (!dev || dev >= payload)
                        break;
                payload = dev;
                attempt++;
        }
        return sf_error_set(err, -EREMOTEIO, "<configure> refused%s%s",
                            h->last_error[0] ? ": " : "", h->last_error);
}

/* The attributes of a range, into a (at least 8 entries); numbers formatted into bufs. */
static size_t range_attrs(const struct sf_fh_range *r, struct sf_firehose_attr *a, char bufs[4][24])
{
        size_t n = 0;

        snprintf(bufs[0], 24, "%u", r->sector_size);
        snprintf(bufs[1], 24, "%" PRIu64, r->num_sectors);
        snprintf(bufs[2], 24, "%u", r->lun);
        snprintf(bufs[3], 24, "%u", r->pages_per_block);
        if (r->pages_per_block)
                a[n++] = (struct sf_firehose_attr){"PAGES_PER_BLOCK", bufs[3]};
        a[n++] = (struct sf_firehose_attr){"SECTOR_SIZE_IN_BYTES", bufs[0]};
        if (r->label)
                a[n++] = (struct sf_firehose_attr){"label", r->label};
        if (r->last_sector)
                a[n++] = (struct sf_firehose_attr){"last_sector", r->last_sector};
        a[n++] = (struct sf_firehose_attr){"num_partition_sectors", bufs[1]};
        a[n++] = (struct sf_firehose_attr){"physical_partition_number", bufs[2]};
        a[n++] = (struct sf_firehose_attr){"start_sector", r->start_sector};
        return n;
}

int sf_fh_erase(struct sf_firehose_host *h, const struct sf_fh_range *r, struct sf_error *err)
{
        struct sf_firehose_attr a[8];
        struct sf_firehose_reply rep;
        char bufs[4][24];
        size_t n = range_attrs(r, a, bufs);

        return command(h, "erase", a, n, SF_FH_TIMEOUT_ERASE_MS, &rep, err);
}

static int expect_rawmode(struct sf_firehose_host *h, const char *element, bool want,
                          int timeout_ms, struct sf_error *err)
{
        struct sf_firehose_reply rep;
        int r = wait_response(h, &rep, timeout_ms);

        if (r < 0)
                return sf_error_set(err, r, "<%s>: %s%s%s", element,
                                    r == -ETIMEDOUT ? "no answer from the programmer"
                                                    : strerror(-r),
                                    h->last_error[0] ? "; device said: " : "", h->last_error);
        if (!rep.ack)
                return sf_error_set(err, -EREMOTEIO, "<%s> refused by the programmer%s%s", element,
                                    h->last_error[0] ? ": " : "", h->last_error);
        if ((rep.rawmode == SF_FIREHOSE_RAWMODE_TRUE) != want)
                return sf_error_set(err, -EPROTO, "<%s>: the programmer %s raw mode", element,
                                    want ? "did not enter" : "did not leave");
        return 0;
}

/* Bytes [done, done+n) of the program's data: the image's next bytes, then padding. */
static int fill(sf_fh_read_fn read, void *read_data, uint64_t file_bytes, uint8_t pad,
                uint64_t done, uint8_t *buf, size_t n)
{
        size_t from_file = done >= file_bytes      ? 0
                           : file_bytes - done < n ? (size_t)(file_bytes - done)
                                                   : n;
        int r = from_file ? read(read_data, buf, from_file) : 0;

        if (r < 0)
                return r;
        memset(buf + from_file, pad, n - from_file);
        return 0;
}

int sf_fh_program(struct sf_firehose_host *h, const struct sf_fh_range *r, sf_fh_read_fn read,
                  void *read_data, uint64_t file_bytes, uint8_t pad, sf_fh_progress_fn progress,
                  void *userdata, struct sf_error *err)
{
        uint64_t total = r->num_sectors * r->sector_size, done = 0, chunk;
        struct sf_firehose_attr a[8];
        _cleanup_free_ uint8_t *buf = NULL;
        char bufs[4][24];
        size_t n = range_attrs(r, a, bufs);
        int ret;

        if (r->sector_size == 0 || file_bytes > total)
                return sf_error_set(err, -EFBIG, "image larger than its partition");
        chunk = h->max_payload / r->sector_size * r->sector_size;
        if (chunk == 0)
                chunk = r->sector_size;
        buf = malloc(chunk);
        if (!buf)
                return -ENOMEM;
        ret = send_cmd(h, "program", a, n);
        if (ret >= 0)
                ret = expect_rawmode(h, "program", true, SF_FH_TIMEOUT_SETUP_MS, err);
        if (ret < 0)
                return ret;
        while (done < total) {
                size_t k = (size_t)(total - done < chunk ? total - done : chunk);
                ret = fill(read, read_data, file_bytes, pad, done, buf, k);
                if (ret < 0)
                        return ret;
                ret = sf_transport_write(h->t, buf, k, SF_FH_TIMEOUT_CHUNK_MS);
                if (ret < 0)
                        return sf_error_set(err, ret,
                                            "sending <program> data at byte %" PRIu64 ": %s", done,
                                            strerror(-ret));
                done += k;
                if (progress)
                        progress(userdata, k);
        }
        return expect_rawmode(h, "program", false, SF_FH_TIMEOUT_FINAL_MS, err);
}

/* len raw bytes of a <read>: first those already behind the ACK in the receive buffer. */
static int read_raw(struct sf_firehose_host *h, uint8_t *out, size_t len, struct sf_error *err)
{
        size_t have = h->rx_len < len ? h->rx_len : len;
        int ret;

        if (have) {
                memcpy(out, h->rx, have);
                memmove(h->rx, h->rx + have, h->rx_len - have);
                h->rx_len -= have;
        }
        ret = sf_transport_read_full(h->t, out + have, len - have, SF_FH_TIMEOUT_FINAL_MS);
        return ret < 0 ? sf_error_set(err, ret, "<read>: %s", strerror(-ret)) : 0;
}

int sf_fh_read(struct sf_firehose_host *h, const struct sf_fh_range *r, uint8_t *out,
               struct sf_error *err)
{
        uint64_t total = r->num_sectors * r->sector_size;
        struct sf_firehose_attr a[8];
        char bufs[4][24];
        size_t n = range_attrs(r, a, bufs);
        int ret;

        ret = send_cmd(h, "read", a, n);
        if (ret >= 0)
                ret = expect_rawmode(h, "read", true, SF_FH_TIMEOUT_SETUP_MS, err);
        if (ret < 0)
                return ret;
        ret = read_raw(h, out, (size_t)total, err);
        if (ret < 0)
                return ret;
        return expect_rawmode(h, "read", false, SF_FH_TIMEOUT_SETUP_MS, err);
}

int sf_fh_read_stream(struct sf_firehose_host *h, const struct sf_fh_range *r, sf_fh_sink_fn sink,
                      void *userdata, struct sf_error *err)
{
        const size_t piece = 1 << 20;
        uint64_t total = r->num_sectors * r->sector_size;
        struct sf_firehose_attr a[8];
        char bufs[4][24];
        size_t n = range_attrs(r, a, bufs);
        _cleanup_free_ uint8_t *buf = malloc(piece);
        int ret = buf ? send_cmd(h, "read", a, n) : -ENOMEM;

        if (ret >= 0)
                ret = expect_rawmode(h, "read", true, SF_FH_TIMEOUT_SETUP_MS, err);
        while (ret >= 0 && total > 0) {
                size_t k = total < piece ? (size_t)total : piece;
                ret = read_raw(h, buf, k, err);
                if (ret < 0)
                        return ret;
                /* A sink that has seen enough still drains the rest: the command must end. */
                if (sink)
                        ret = sink(userdata, buf, k);
                if (ret > 0) {
                        sink = NULL;
                        ret = 0;
                }
                total -= k;
        }
        if (ret < 0)
                return ret;
        return expect_rawmode(h, "read", false, SF_FH_TIMEOUT_SETUP_MS, err);
}

int sf_fh_digest(struct sf_firehose_host *h, const struct sf_fh_range *r, uint8_t out[32],
                 struct sf_error *err)
{
        struct sf_firehose_attr a[8];
        struct sf_firehose_reply rep;
        char bufs[4][24];
        size_t n = range_attrs(r, a, bufs);
        int ret;

        if (h->no_digest || (h->functions.state == SF_FIREHOSE_FUNCTIONS_COMPLETE &&
                             !sf_firehose_functions_has(&h->functions, "getsha256digest")))
                return -EOPNOTSUPP;
        ret = send_cmd(h, "getsha256digest", a, n);
        if (ret < 0)
                return sf_error_set(err, ret, "<getsha256digest>: %s", strerror(-ret));
        /* The digest arrives as a log before the ACK. */
        for (bool found = false;;) {
                ret = next_doc(h, &rep, sf_now_ms() + SF_FH_TIMEOUT_DIGEST_MS);
                if (ret < 0)
                        return sf_error_set(err, ret, "<getsha256digest>: %s", strerror(-ret));
                if (rep.kind == SF_FIREHOSE_REPLY_LOG) {
                        on_log(h, rep.text);
                        found = found || sf_firehose_log_digest(rep.text, out) == 0;
                        continue;
                }
                if (!rep.ack && !found && h->functions.state != SF_FIREHOSE_FUNCTIONS_COMPLETE) {
                        /* Refused, and not listed as a function either (NAND programmers of the
                         * MDM9x07 have no digests): learned once, never asked again in this
                         * session. */
                        h->no_digest = true;
                        sf_transport_note(h->t, "firehose: no getsha256digest (%s)",
                                          h->last_error[0] ? h->last_error : "NAK");
                        return -EOPNOTSUPP;
                }
                if (!rep.ack || !found)
                        return sf_error_set(err, rep.ack ? -EPROTO : -EREMOTEIO,
                                            "<getsha256digest> gave no digest%s%s",
                                            h->last_error[0] ? ": " : "", h->last_error);
                return 0;
        }
}

int sf_fh_patch(struct sf_firehose_host *h, const struct sf_firehose_attr *attrs, size_t n,
                struct sf_error *err)
{
        struct sf_firehose_reply rep;

        return command(h, "patch", attrs, n, 15000, &rep, err);
}

int sf_fh_power(struct sf_firehose_host *h, const char *value, struct sf_error *err)
{
        const struct sf_firehose_attr a[] = {{"value", value}};
        struct sf_firehose_reply rep;

        /* After the ACK the device resets: a read error then is expected, not a failure. */
        return command(h, "power", a, 1, SF_FH_TIMEOUT_POWER_MS, &rep, err);
}

int sf_fh_set_bootable(struct sf_firehose_host *h, uint32_t lun, struct sf_error *err)
{
        char v[16];
        const struct sf_firehose_attr a[] = {{"value", v}};
        struct sf_firehose_reply rep;

        snprintf(v, sizeof(v), "%u", lun);
        return command(h, "setbootablestoragedrive", a, 1, 15000, &rep, err);
}
