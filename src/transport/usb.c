/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* EDL (05c6:9008) and memory-debug (05c6:900e) devices through libusb: the vendor-specific
 * interface ff/ff/{ff,10,11,13} with one bulk IN and one bulk OUT endpoint. */
#include <errno.h>
#include <libusb.h>
#include <stdlib.h>
#include <string.h>

#include "transport/transport.h"
#include "util/clock.h"
#include "util/strutil.h"

#define QUALCOMM_VID 0x05c6

/* How many IN URBs a long read keeps in flight, and the most each asks for: more than a
 * programmer's transfer (MaxPayloadSizeFromTargetInBytes, 4-16 KiB on NAND), so that the
 * zero-length packet after a transfer that is a multiple of wMaxPacketSize ends the same URB. */
#define USB_RX_QUEUE 4
#define USB_RX_URB   (64 * 1024)

struct rx_slot {
        struct libusb_transfer *x;
        uint8_t buf[USB_RX_URB];
        int done;
};

struct usb_priv {
        libusb_context *ctx;
        libusb_device_handle *h;
        int iface;
        uint8_t ep_in, ep_out;
        struct rx_slot *rx; /* USB_RX_QUEUE of them, made by the first long read */
};

static int map_error(int e)
{
        switch (e) {
        case LIBUSB_ERROR_TIMEOUT:
                return -ETIMEDOUT;
        case LIBUSB_ERROR_NO_DEVICE:
        case LIBUSB_ERROR_NOT_FOUND:
                return -ENODEV;
        case LIBUSB_ERROR_BUSY:
                return -EBUSY;
        case LIBUSB_ERROR_ACCESS:
                return -EACCES;
        case LIBUSB_ERROR_OVERFLOW:
                return -EOVERFLOW;
        case LIBUSB_ERROR_PIPE:
                return -EPIPE;
        default:
                return -EIO;
        }
}

/* libusb takes a timeout of 0 as "for ever": a deadline that has just run out (the caller's
 * "what is left" came to 0) must still end, so the shortest wait is 1 ms. */
static unsigned bounded(int timeout_ms)
{
        return timeout_ms > 0 ? (unsigned)timeout_ms : 1u;
}

static int usb_read(struct sf_transport *t, uint8_t *buf, size_t size, size_t *ret_len,
                    int timeout_ms)
{
        struct usb_priv *p = t->priv;
        int got = 0, r;

        if (size > INT32_MAX)
                size = INT32_MAX;
        r = libusb_bulk_transfer(p->h, p->ep_in, buf, (int)size, &got, bounded(timeout_ms));
        if (r < 0 && !(r == LIBUSB_ERROR_TIMEOUT && got > 0))
                return map_error(r);
        *ret_len = (size_t)got;
        return 0;
}

static int usb_write(struct sf_transport *t, const uint8_t *buf, size_t len, int timeout_ms)
{
        struct usb_priv *p = t->priv;
        uint8_t dummy = 0;
        int sent = 0, r;

        if (len > INT32_MAX)
                return -E2BIG;
        r = libusb_bulk_transfer(p->h, p->ep_out, len ? (uint8_t *)buf : &dummy, (int)len, &sent,
                                 bounded(timeout_ms));
        if (r < 0)
                return map_error(r);
        return (size_t)sent == len ? 0 : -EIO;
}

static void LIBUSB_CALL transfer_done(struct libusb_transfer *x)
{
        *(int *)x->user_data = 1;
}

static int transfer_error(const struct libusb_transfer *x)
{
        switch (x->status) {
        case LIBUSB_TRANSFER_COMPLETED:
                return 0;
        case LIBUSB_TRANSFER_TIMED_OUT:
                return -ETIMEDOUT;
        case LIBUSB_TRANSFER_NO_DEVICE:
                return -ENODEV;
        case LIBUSB_TRANSFER_STALL:
                return -EPIPE;
        case LIBUSB_TRANSFER_OVERFLOW:
                return -EOVERFLOW;
        default:
                return -EIO;
        }
}

/* The data and the zero-length packet that ends the transfer, as one URB (the kernel's
 * USBDEVFS_URB_ZERO_PACKET): half the requests of a separate empty write. */
static int usb_write_zlp(struct sf_transport *t, const uint8_t *buf, size_t len, int timeout_ms)
{
        struct usb_priv *p = t->priv;
        struct libusb_transfer *x;
        int done = 0, r;

        if (len > INT32_MAX)
                return -E2BIG;
        x = libusb_alloc_transfer(0);
        if (!x)
                return -ENOMEM;
        libusb_fill_bulk_transfer(x, p->h, p->ep_out, (uint8_t *)buf, (int)len, transfer_done,
                                  &done, bounded(timeout_ms));
        x->flags = LIBUSB_TRANSFER_ADD_ZERO_PACKET;
        r = libusb_submit_transfer(x);
        if (r < 0) {
                libusb_free_transfer(x);
                return map_error(r);
        }
        while (!done)
                if (libusb_handle_events_completed(p->ctx, &done) < 0) {
                        libusb_cancel_transfer(x);
                        while (!done && libusb_handle_events_completed(p->ctx, &done) >= 0)
                                ;
                        break;
                }
        r = transfer_error(x);
        if (r == 0 && (size_t)x->actual_length != len)
                r = -EIO;
        libusb_free_transfer(x);
        return r;
}

/* Exactly len bytes with up to USB_RX_QUEUE URBs in flight. The URBs in flight never ask for
 * more than is still to come (their sizes add up to at most len minus what arrived), so a
 * device that sends the answer after the data never has it taken by a raw URB. URBs of one
 * endpoint complete in order: the oldest is always the next to take. */
static int usb_read_exact(struct sf_transport *t, uint8_t *out, size_t len, int timeout_ms)
{
        struct usb_priv *p = t->priv;
        long long deadline = sf_now_ms() + timeout_ms;
        size_t got = 0, asked = 0; /* asked: what the URBs in flight ask for */
        unsigned head = 0, n = 0;
        struct rx_slot *slots;
        int r = 0;

        if (!p->rx) {
                p->rx = malloc(USB_RX_QUEUE * sizeof(*p->rx));
                if (!p->rx)
                        return -ENOMEM;
                for (unsigned i = 0; i < USB_RX_QUEUE; i++)
                        p->rx[i].x = NULL;
        }
        slots = p->rx;
        for (unsigned i = 0; i < USB_RX_QUEUE; i++)
                if (!slots[i].x && !(slots[i].x = libusb_alloc_transfer(0)))
                        return -ENOMEM;
        while (r == 0 && got < len) {
                long long left = deadline - sf_now_ms();
                struct rx_slot *s;
                if (left <= 0) {
                        r = -ETIMEDOUT;
                        break;
                }
                while (r == 0 && n < USB_RX_QUEUE && asked < len - got) {
                        size_t want = len - got - asked;
                        s = &slots[(head + n) % USB_RX_QUEUE];
                        if (want > USB_RX_URB)
                                want = USB_RX_URB;
                        s->done = 0;
                        libusb_fill_bulk_transfer(s->x, p->h, p->ep_in, s->buf, (int)want,
                                                  transfer_done, &s->done, bounded((int)left));
                        r = libusb_submit_transfer(s->x);
                        if (r < 0) {
                                r = map_error(r);
                                break;
                        }
                        asked += want;
                        n++;
                }
                if (r < 0 || n == 0)
                        break;
                s = &slots[head];
                while (!s->done && r == 0) {
                        struct timeval tv = {.tv_sec = 0, .tv_usec = 100000};
                        if (libusb_handle_events_timeout_completed(p->ctx, &tv, &s->done) < 0)
                                r = -EIO;
                }
                if (r < 0)
                        break;
                /* What the host controller says arrived fits what was asked, or nothing counts. */
                if (s->x->actual_length < 0 || s->x->actual_length > s->x->length) {
                        r = -EIO;
                        head = (head + 1) % USB_RX_QUEUE;
                        n--;
                        break;
                }
                /* a transfer that timed out may still have brought some bytes */
                memcpy(out + got, s->buf, (size_t)s->x->actual_length);
                got += (size_t)s->x->actual_length;
                asked -= (size_t)s->x->length;
                r = transfer_error(s->x);
                head = (head + 1) % USB_RX_QUEUE;
                n--;
        }
        /* Whatever is still in flight is cancelled and waited for: its buffer is ours. */
        for (unsigned k = 0; k < n; k++)
                libusb_cancel_transfer(slots[(head + k) % USB_RX_QUEUE].x);
        for (unsigned k = 0; k < n; k++) {
                struct rx_slot *s = &slots[(head + k) % USB_RX_QUEUE];
                for (int spins = 0; !s->done && spins < 50; spins++) {
                        struct timeval tv = {.tv_sec = 0, .tv_usec = 100000};
                        libusb_handle_events_timeout_completed(p->ctx, &tv, &s->done);
                }
                if (!s->done) { /* never came back: the slot is given up, not reused */
                        p->rx = NULL;
                        return r;
                }
        }
        return r;
}

static void usb_close(struct sf_transport *t)
{
        struct usb_priv *p = t->priv;

        if (p) {
                for (unsigned i = 0; p->rx && i < USB_RX_QUEUE; i++)
                        libusb_free_transfer(p->rx[i].x);
                free(p->rx);
                if (p->h) {
                        libusb_release_interface(p->h, p->iface);
                        libusb_close(p->h);
                }
                if (p->ctx)
                        libusb_exit(p->ctx);
                free(p);
        }
        free(t);
}

static const struct sf_transport_ops usb_ops = {
        .name = "usb",
        .read = usb_read,
        .write = usb_write,
        .write_zlp = usb_write_zlp,
        .read_exact = usb_read_exact,
        .close = usb_close,
};

/* The EDL interface of dev: ff/ff/{ff,10,11,13} with a bulk IN and a bulk OUT endpoint. */
static int find_interface(libusb_device *dev, struct usb_priv *p, uint16_t *ret_mps)
{
        struct libusb_config_descriptor *cfg;
        int found = -ENODEV;

        if (libusb_get_active_config_descriptor(dev, &cfg) < 0 &&
            libusb_get_config_descriptor(dev, 0, &cfg) < 0)
                return -ENODEV;
        for (int i = 0; i < cfg->bNumInterfaces && found < 0; i++) {
                const struct libusb_interface_descriptor *d;
                if (cfg->interface[i].num_altsetting < 1)
                        continue;
                d = &cfg->interface[i].altsetting[0];
                if (d->bInterfaceClass != 0xff || d->bInterfaceSubClass != 0xff ||
                    (d->bInterfaceProtocol != 0xff && d->bInterfaceProtocol != 0x10 &&
                     d->bInterfaceProtocol != 0x11 && d->bInterfaceProtocol != 0x13))
                        continue;
                p->ep_in = p->ep_out = 0;
                for (int e = 0; e < d->bNumEndpoints; e++) {
                        const struct libusb_endpoint_descriptor *ep = &d->endpoint[e];
                        if ((ep->bmAttributes & 3) != LIBUSB_TRANSFER_TYPE_BULK)
                                continue;
                        if (ep->bEndpointAddress & LIBUSB_ENDPOINT_IN)
                                p->ep_in = ep->bEndpointAddress;
                        else {
                                p->ep_out = ep->bEndpointAddress;
                                *ret_mps = ep->wMaxPacketSize;
                        }
                }
                if (p->ep_in && p->ep_out) {
                        p->iface = d->bInterfaceNumber;
                        found = 0;
                }
        }
        libusb_free_config_descriptor(cfg);
        return found;
}

/* The device's port as the kernel names it: the bus, then the chain of hub ports ("2-1.4"). */
static void port_name(libusb_device *dev, char *out, size_t size)
{
        uint8_t ports[7];
        int n = libusb_get_port_numbers(dev, ports, (int)sizeof(ports));
        int len = snprintf(out, size, "%u", libusb_get_bus_number(dev));

        for (int i = 0; i < n && len > 0 && (size_t)len < size; i++)
                len += snprintf(out + len, size - (size_t)len, "%c%u", i ? '.' : '-', ports[i]);
}

static bool matches(libusb_device *dev, const struct sf_usb_match *m)
{
        struct libusb_device_descriptor d;
        char name[64];

        if (libusb_get_device_descriptor(dev, &d) < 0)
                return false;
        if (m->port) {
                port_name(dev, name, sizeof(name));
                if (strcmp(name, m->port) != 0)
                        return false;
        }
        if (m->bus >= 0 && libusb_get_bus_number(dev) != m->bus)
                return false;
        if (m->address >= 0 && libusb_get_device_address(dev) != m->address)
                return false;
        if (m->vid)
                return d.idVendor == m->vid && (!m->pid || d.idProduct == m->pid);
        return d.idVendor == QUALCOMM_VID && (d.idProduct == 0x9008 || d.idProduct == 0x900e);
}

/* With nothing to choose by, one EDL device must be alone: with several on the bus, taking the
 * first would flash a module nobody named. */
static int check_unique(libusb_device **list, ssize_t n, struct usb_priv *p,
                        const struct sf_usb_match *m, struct sf_error *err)
{
        char names[256] = "";
        uint16_t mps;
        int hits = 0;

        if (m->bus >= 0 || m->address >= 0 || m->port)
                return 0;
        for (ssize_t i = 0; i < n; i++) {
                size_t len = strlen(names);
                if (!matches(list[i], m) || find_interface(list[i], p, &mps) < 0)
                        continue;
                if (hits++ < 8 && len < sizeof(names))
                        snprintf(names + len, sizeof(names) - len, "%susb:%d:%d",
                                 hits > 1 ? ", " : "", libusb_get_bus_number(list[i]),
                                 libusb_get_device_address(list[i]));
        }
        if (hits > 1)
                return sf_error_set(
                        err, -ENOTUNIQ,
                        "%d devices in emergency download mode (%s): choose one with -d", hits,
                        names);
        return 0;
}

static int open_matching(struct usb_priv *p, const struct sf_usb_match *m, uint16_t *mps,
                         char *desc, size_t desc_size, struct sf_error *err)
{
        libusb_device **list;
        ssize_t n = libusb_get_device_list(p->ctx, &list);
        int r = check_unique(list, n, p, m, err), seen = 0;

        if (r < 0) {
                if (n >= 0)
                        libusb_free_device_list(list, 1);
                return r;
        }
        r = -ENODEV;

        for (ssize_t i = 0; i < n && !p->h; i++) {
                if (!matches(list[i], m) || find_interface(list[i], p, mps) < 0)
                        continue;
                seen++;
                r = libusb_open(list[i], &p->h);
                if (r < 0) {
                        r = map_error(r);
                        continue;
                }
                libusb_set_auto_detach_kernel_driver(p->h, 1);
                r = libusb_claim_interface(p->h, p->iface);
                if (r < 0) {
                        libusb_close(p->h);
                        p->h = NULL;
                        r = map_error(r);
                        continue;
                }
                snprintf(desc, desc_size, "usb %d:%d", libusb_get_bus_number(list[i]),
                         libusb_get_device_address(list[i]));
        }
        if (n >= 0)
                libusb_free_device_list(list, 1);
        if (p->h)
                return 0;
        if (seen)
                return sf_error_set(err, r,
                                    "%d EDL device(s) found but none could be opened (%s): is "
                                    "another program (ModemManager, qcserial) holding it, or "
                                    "are permissions missing?",
                                    seen, strerror(-r));
        if (m->port)
                return sf_error_set(err, -ENODEV,
                                    "no device in emergency download mode (05c6:9008) on port %s",
                                    m->port);
        return sf_error_set(err, -ENODEV, "no device in emergency download mode (05c6:9008)");
}

int sf_transport_open_usb(const struct sf_usb_match *m, struct sf_transport **ret,
                          struct sf_error *err)
{
        struct sf_transport *t = calloc(1, sizeof(*t));
        struct usb_priv *p = calloc(1, sizeof(*p));
        uint16_t mps = 512;
        int r;

        if (!t || !p) {
                free(t);
                free(p);
                return -ENOMEM;
        }
        t->ops = &usb_ops;
        t->priv = p;
        r = libusb_init(&p->ctx);
        if (r < 0) {
                sf_transport_close(t);
                return sf_error_set(err, map_error(r), "libusb: %s", libusb_strerror(r));
        }
        r = open_matching(p, m, &mps, t->description, sizeof(t->description), err);
        if (r < 0) {
                sf_transport_close(t);
                return r;
        }
        t->max_packet = mps;
        *ret = t;
        return 0;
}
