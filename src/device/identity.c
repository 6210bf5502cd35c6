/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Who a module is, asked the way its state allows: AT, DIAG, or Sahara command mode. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "device/watch.h"
#include "proto/diag.h"
#include "safeflash/device.h"
#include "safeflash/version.h"
#include "session/at_host.h"
#include "session/diag_host.h"
#include "session/firehose_host.h"
#include "session/sahara_host.h"
#include "util/clock.h"
#include "util/strutil.h"

/* ModemManager re-reads a transient version up to 16 times; so do we. */
#define QGMR_RETRIES  16
#define QGMR_RETRY_MS 500

const char *sf_identity_source_to_string(enum sf_identity_source s)
{
        switch (s) {
        case SF_SOURCE_NONE:
                return "none";
        case SF_SOURCE_AT:
                return "at";
        case SF_SOURCE_DIAG:
                return "diag";
        case SF_SOURCE_SAHARA:
                return "sahara";
        }
        return "invalid";
}

static void sleep_ms(int ms)
{
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
        nanosleep(&ts, NULL);
}

/* The answer's line that is a version: a line the module slipped in (a URC of a kind the
 * parser does not know) is not taken for it. The first line when none parses. */
static int version_line(const struct sf_at_response *r, char *out, size_t size)
{
        struct sf_version v;

        for (unsigned i = 0; i < r->n_lines; i++)
                if (sf_version_parse(r->lines[i], &v) == 0 && v.form != SF_VERSION_FORM_UNKNOWN) {
                        snprintf(out, size, "%s", r->lines[i]);
                        return 0;
                }
        return sf_at_first_line(r, out, size);
}

/* AT+QGMR until it is not the transient "…00.000" reading; the revision when it has none. */
static void read_version(struct sf_transport *t, struct sf_identity *id)
{
        struct sf_at_response r;
        struct sf_version v;

        for (int i = 0; i < QGMR_RETRIES; i++) {
                if (sf_at_command(t, "AT+QGMR", SF_AT_TIMEOUT_MS, &r, NULL) < 0 ||
                    r.result != SF_AT_OK || version_line(&r, id->version, sizeof(id->version)) < 0)
                        break;
                sf_version_parse(id->version, &v);
                if (v.form != SF_VERSION_FORM_TRANSIENT) {
                        id->version_from = SF_SOURCE_AT;
                        return;
                }
                sleep_ms(QGMR_RETRY_MS);
        }
        if (id->version[0] && id->version_from == SF_SOURCE_NONE)
                snprintf(id->note, sizeof(id->note), "the version stayed transient (%s)",
                         id->version);
        /* Old firmware has no AT+QGMR: the revision is all there is. */
        snprintf(id->version, sizeof(id->version), "%s", id->revision);
        id->version_from = id->revision_from;
}

static int identify_at(const struct sf_device *d, struct sf_identity *id, struct sf_error *err)
{
        struct sf_transport *t;
        struct sf_at_response r;
        int k = sf_transport_open_tty(d->at_port, &t, err);

        if (k < 0)
                return k;
        if (sf_at_command(t, "ATI", SF_AT_TIMEOUT_MS, &r, err) == 0 && r.result == SF_AT_OK &&
            sf_at_parse_ati(&r, id->model, sizeof(id->model), id->revision, sizeof(id->revision)) ==
                    0) {
                id->model_from = id->revision_from = SF_SOURCE_AT;
                read_version(t, id);
        }
        if (sf_at_command(t, "AT+CGSN", SF_AT_TIMEOUT_MS, &r, NULL) == 0 && r.result == SF_AT_OK &&
            r.n_lines && sf_at_parse_imei(r.lines[0], id->imei) == 0)
                id->imei_from = SF_SOURCE_AT;
        else
                snprintf(id->note, sizeof(id->note), "the module reports no valid IMEI");
        if (sf_at_command(t, "AT+QSECBOOT=\"status\"", SF_AT_TIMEOUT_MS, &r, NULL) == 0 &&
            (id->secure_boot = sf_at_parse_secboot(&r)) >= 0)
                id->secure_boot_from = SF_SOURCE_AT;
        else
                id->secure_boot = -1;
        sf_transport_close(t);
        return id->model_from ? 0 : sf_error_set(err, -EIO, "%s: no answer to ATI", d->at_port);
}

/* No AT port: the DM port's extended build ID gives the revision. */
static int identify_diag(const struct sf_device *d, struct sf_identity *id, struct sf_error *err)
{
        uint8_t req[16], in[1024], payload[SF_DIAG_MAX_PAYLOAD];
        struct sf_diag_reader *rd = malloc(sizeof(*rd));
        struct sf_diag_build_id b;
        struct sf_transport *t;
        size_t n, plen;
        int r = rd ? sf_transport_open_tty(d->dm_port, &t, err) : -ENOMEM;

        if (r < 0) {
                free(rd);
                return r;
        }
        sf_diag_reader_init(rd);
        r = sf_diag_build_ext_build_id_req(true, req, sizeof(req), &n);
        if (r >= 0)
                r = sf_transport_write(t, req, n, 1000);
        for (int tries = 0; r >= 0 && tries < 20; tries++) {
                if (sf_transport_read(t, in, sizeof(in), &n, 500) < 0)
                        break;
                sf_diag_reader_feed(rd, in, n);
                while ((r = sf_diag_reader_next(rd, payload, sizeof(payload), &plen)) != 0)
                        if (r > 0 && sf_diag_parse_ext_build_id(payload, plen, &b) == 0) {
                                snprintf(id->revision, sizeof(id->revision), "%.63s", b.revision);
                                id->revision_from = SF_SOURCE_DIAG;
                                tries = 20;
                                break;
                        }
                r = 0;
        }
        sf_transport_close(t);
        free(rd);
        if (!id->revision_from)
                return sf_error_set(err, -EIO, "%s: no answer to the DIAG build-ID request",
                                    d->dm_port);
        snprintf(id->version, sizeof(id->version), "%s", id->revision);
        id->version_from = SF_SOURCE_DIAG;
        return 0;
}

/* EDL: the boot ROM's command mode, without uploading anything. */
static int identify_sahara(const struct sf_device *d, struct sf_identity *id, struct sf_error *err)
{
        struct sf_usb_match m = {
                .vid = d->vid, .pid = d->pid, .bus = (int)d->bus, .address = (int)d->address};
        struct sf_chip_identity chip;
        struct sf_sahara_host h;
        struct sf_transport *t;
        int r = sf_transport_open_usb(&m, &t, err);

        if (r < 0 && d->edl_port[0])
                r = sf_transport_open_tty(d->edl_port, &t, err);
        if (r < 0)
                return r;
        sf_sahara_host_init(&h, t);
        r = sf_sahara_identify(&h, &chip, err);
        sf_transport_close(t);
        if (r == -EALREADY) {
                id->firehose_running = true;
                snprintf(id->note, sizeof(id->note),
                         "a Firehose programmer is already running (loaded by an earlier session, "
                         "e.g. a \"Sahara only\" run); nothing tells what it wrote");
                return 0;
        }
        if (r < 0)
                return r;
        id->has_chip = chip.has_serial || chip.has_hwid;
        id->chip_serial = chip.serial;
        id->msm_id = chip.msm_id;
        id->oem_id = chip.oem_id;
        id->model_id = chip.model_id;
        memcpy(id->pk_hash, chip.pk_hash, chip.pk_hash_len < 32 ? chip.pk_hash_len : 32);
        if (chip.hello_mode == 2)
                snprintf(id->note, sizeof(id->note), "the module crashed and offers a RAM dump");
        else if (chip.command_mode_refused)
                snprintf(id->note, sizeof(id->note),
                         "its boot ROM refuses Sahara command mode (status 0x%02x): the chip "
                         "is known only once a programmer runs",
                         chip.refusal_status);
        return 0;
}

static int open_edl(const struct sf_device *d, struct sf_transport **t, struct sf_error *err)
{
        struct sf_usb_match m = {
                .vid = d->vid, .pid = d->pid, .bus = (int)d->bus, .address = (int)d->address};
        int r = sf_transport_open_usb(&m, t, err);

        if (r < 0 && d->edl_port[0])
                r = sf_transport_open_tty(d->edl_port, t, err);
        return r;
}

/* <nop/>, on a fresh connection; a device still busy with the client before us (identify just
 * let go of it) gets a few more tries. */
static int probe(const struct sf_device *d, struct sf_transport **t, struct sf_firehose_host *fh,
                 struct sf_error *e)
{
        int r = -ENODEV;

        for (int i = 0; i < 5 && (r == -ENODEV || r == -EPIPE || r == -ETIMEDOUT || r == -EREMOTEIO);
             i++) {
                struct timespec ts = {0, 300 * 1000 * 1000};
                if (i)
                        nanosleep(&ts, NULL);
                r = open_edl(d, t, e);
                if (r < 0)
                        continue;
                sf_fh_init(fh, *t);
                /* What the programmer still had to say to the run that failed (a NAK, late
                 * logs) is stale: drained before the probe. */
                r = sf_fh_resume(fh, e);
                if (r < 0) {
                        sf_transport_close(*t);
                        *t = NULL;
                }
        }
        return r;
}

int sf_device_reset_programmer(const struct sf_device *d, struct sf_error *err)
{
        struct sf_firehose_host fh;
        struct sf_error e = {0};
        struct sf_transport *t = NULL;
        int r = probe(d, &t, &fh, &e);

        if (r < 0)
                return sf_error_set(err, -EPROTO,
                                    "%s: the programmer does not answer <nop/> (%s): "
                                    "power-cycle the module",
                                    d->name, e.message[0] ? e.message : strerror(-r));
        r = sf_fh_power(&fh, "reset", err);
        /* A reset is answered, or the device leaves before its answer reaches us. */
        if (r == -ENODEV || r == -EPIPE || r == -ECONNRESET || r == -ETIMEDOUT)
                r = 0;
        sf_transport_close(t);
        return r;
}

int sf_device_restart_boot_rom(const struct sf_device *d, struct sf_error *err)
{
        struct sf_sahara_host h;
        struct sf_transport *t = NULL;
        int r = d ? open_edl(d, &t, err) : -EINVAL;

        if (r < 0)
                return r;
        sf_sahara_host_init(&h, t);
        r = sf_sahara_restart_chip(&h, err);
        /* The chip resets: its answer may be lost with the device. */
        if (r == -ENODEV || r == -EPIPE || r == -ECONNRESET)
                r = 0;
        sf_transport_close(t);
        return r;
}

int sf_device_unstick_programmer(const struct sf_device *d, int timeout_ms, struct sf_error *err)
{
        struct sf_firehose_host fh;
        struct sf_transport *t = NULL;
        int r = d ? open_edl(d, &t, err) : -EINVAL;

        if (r < 0)
                return r;
        sf_fh_init(&fh, t);
        r = sf_fh_unstick_raw(&fh, timeout_ms, NULL, err);
        sf_transport_close(t);
        return r;
}

int sf_device_identify(const struct sf_device *dev, struct sf_identity *ret, struct sf_error *err)
{
        struct sf_identity id = {.mode = dev->mode, .secure_boot = -1};
        int r;

        if (!dev || !ret)
                return -EINVAL;
        switch (dev->mode) {
        case SF_DEVICE_MODE_NORMAL:
                r = dev->at_port[0]   ? identify_at(dev, &id, err)
                    : dev->dm_port[0] ? identify_diag(dev, &id, err)
                                      : sf_error_set(err, -ENODEV,
                                                     "%s has neither an AT nor a DM "
                                                     "port",
                                                     dev->name);
                break;
        case SF_DEVICE_MODE_EDL:
        case SF_DEVICE_MODE_MEMORY_DEBUG:
                r = identify_sahara(dev, &id, err);
                break;
        default:
                r = 0;
                snprintf(id.note, sizeof(id.note), "a module in %s mode cannot be asked",
                         sf_device_mode_to_string(dev->mode));
        }
        if (r < 0)
                return r;
        *ret = id;
        return 0;
}

static bool same_device(const struct sf_device *a, const struct sf_device *b)
{
        return a->bus == b->bus && a->address == b->address && strcmp(a->name, b->name) == 0;
}

/* The module after the switch, in this listing: in EDL on its own port (its sysfs name), or, as
 * on some USB 3 hosts, on another port. Several modules may be on the bus, some switching at the
 * same time, so a device elsewhere is taken only when the module has left its port, it is the
 * only EDL device that was not on the bus before the switch (old), and `late` (the module did
 * not come back where it was in good time). */
static bool pick_edl(const struct sf_device *dev, const struct sf_device *list, size_t n,
                     const struct sf_device *old, size_t n_old, bool late, struct sf_device *ret)
{
        const struct sf_device *hit = NULL;
        size_t fresh = 0;
        bool gone = true;

        for (size_t k = 0; k < n; k++) {
                bool seen = false;
                if (strcmp(list[k].name, dev->name) == 0) {
                        if (list[k].mode == SF_DEVICE_MODE_EDL) {
                                *ret = list[k];
                                return true;
                        }
                        gone = false;
                }
                if (list[k].mode != SF_DEVICE_MODE_EDL)
                        continue;
                for (size_t i = 0; i < n_old && !seen; i++)
                        seen = same_device(&old[i], &list[k]);
                if (!seen) {
                        fresh++;
                        hit = &list[k];
                }
        }
        if (!late || !gone || fresh != 1)
                return false;
        *ret = *hit;
        return true;
}

/* Until the module is back in EDL: looked for at every change on the bus (uevents), and at
 * least every second. */
static int wait_edl(const struct sf_device *dev, struct sf_watch *w, const struct sf_device *old,
                    size_t n_old, struct sf_device *ret, struct sf_error *err)
{
        long long start = sf_now_ms(), t = 0;

        for (; t < 30000; t = sf_now_ms() - start) { /* 30 s, as QFirehose allows */
                struct sf_device *list = NULL;
                size_t n = 0;
                bool found = sf_device_list(&list, &n, NULL) == 0 &&
                             pick_edl(dev, list, n, old, n_old, t >= 5000, ret);
                sf_device_list_free(list);
                if (found)
                        return 0;
                sf_watch_wait(w, 1000);
        }
        return sf_error_set(err, -ETIMEDOUT, "the module did not come back in EDL within 30 s");
}

int sf_device_enter_edl(const struct sf_device *dev, struct sf_device *ret, struct sf_error *err)
{
        struct sf_device *old = NULL; /* the bus before the switch */
        struct sf_watch *w = NULL;
        struct sf_transport *t;
        size_t n_old = 0;
        int r;

        if (!dev || !ret)
                return -EINVAL;
        if (dev->mode == SF_DEVICE_MODE_EDL) {
                *ret = *dev;
                return 0;
        }
        if (dev->mode != SF_DEVICE_MODE_NORMAL || !dev->dm_port[0])
                return sf_error_set(err, -ENODEV,
                                    "%s has no DM (DIAG) port: the switch to EDL needs one "
                                    "(AT+QCFG=\"usbcfg\" may have it disabled)",
                                    dev->name);
        sf_watch_new(&w); /* before the switch: its uevents must not be missed */
        if (sf_device_list(&old, &n_old, NULL) < 0)
                n_old = 0; /* then any new EDL device is new */
        r = sf_transport_open_tty(dev->dm_port, &t, err);
        if (r >= 0) {
                r = sf_diag_enter_edl(t, err);
                sf_transport_close(t);
        }
        if (r >= 0)
                r = wait_edl(dev, w, old, n_old, ret, err);
        sf_device_list_free(old);
        sf_watch_free(w);
        return r;
}
