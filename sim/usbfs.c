/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* usbfs as the kernel answers it (usbfs.h). URBs follow drivers/usb/core/devio.c and the host
 * controller rules of the USB 2.0 specification, 5.8.3: a bulk IN URB completes when its buffer
 * is full or a packet shorter than wMaxPacketSize (a zero-length one too) arrives; a packet
 * larger than the room left is babble (-EOVERFLOW). */
#include <errno.h>
#include <sys/ioctl.h>
#include <linux/usbdevice_fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <umockdev.h>

#include "usbfs.h"

#define SIM_USBFS_CAPS                                                                         \
        (USBDEVFS_CAP_ZERO_PACKET | USBDEVFS_CAP_BULK_CONTINUATION |                           \
         USBDEVFS_CAP_NO_PACKET_SIZE_LIM | USBDEVFS_CAP_BULK_SCATTER_GATHER |                  \
         USBDEVFS_CAP_REAP_AFTER_DISCONNECT)
/* What the device may have sent that nobody has read: a device's own buffers are small, so
 * more than this and it stops sending (the rest is lost, as a device that times out). */
#define SIM_USBFS_IN_MAX (8u << 20)

struct in_xfer {
        struct in_xfer *next;
        size_t len, off;
        bool zlp;
        uint8_t data[];
};

struct urb {
        struct urb *next;
        UMockdevIoctlData *urb, *buf;
        UMockdevIoctlClient *client; /* compared only */
        int length;                  /* buffer_length */
        int actual, status;          /* written into the program's URB when it is reaped */
        bool in;
        uint8_t *data; /* IN: what arrived, copied into the program's buffer when reaped (its
                        * buffer is not fetched at submit: a large read would copy it whole) */
        size_t cap;
};

struct reaper { /* a REAPURB that waits */
        struct reaper *next;
        UMockdevIoctlClient *client;
        UMockdevIoctlData *arg;
};

struct sim_usbfs {
        UMockdevIoctlBase *handler;
        pthread_mutex_t *lock;
        struct sim_usb_desc desc;
        const struct sim_usbfs_ops *ops;
        void *ctx;
        bool gone;
        unsigned mps;
        struct in_xfer *in, **in_tail;
        size_t in_bytes;
        bool want_room; /* a sender found the IN queue full: ops->in_room when it has room */
        struct urb *pending; /* IN URBs waiting for packets, in order */
        struct urb *done;    /* completed, to be reaped, in order */
        struct reaper *reapers;
        pthread_cond_t done_cond;   /* an URB completed */
        UMockdevIoctlClient *owner; /* holds the interface claimed */
        bool detached;              /* the kernel driver was disconnected */
        /* Programs gone (their client object finalized), not yet cleaned up after: the weak
         * notify that says so may run with the lock held, so it only notes them here. */
        pthread_mutex_t vanished_lock;
        UMockdevIoctlClient **vanished;
        size_t n_vanished, cap_vanished;
};

static struct urb **tail(struct urb **l)
{
        while (*l)
                l = &(*l)->next;
        return l;
}

static void urb_free(struct urb *s)
{
        g_object_unref(s->urb);
        if (s->buf)
                g_object_unref(s->buf);
        free(s->data);
        free(s);
}

static struct usbdevfs_urb *fields(struct urb *s)
{
        return (struct usbdevfs_urb *)s->urb->data;
}

/* Hand a completed URB to a REAPURB caller: the argument is one pointer, set to the URB. */
static void give(UMockdevIoctlClient *c, UMockdevIoctlData *arg, struct urb *s)
{
        UMockdevIoctlData *cell = umockdev_ioctl_data_resolve(arg, 0, sizeof(void *), NULL);

        fields(s)->actual_length = s->actual;
        fields(s)->status = s->status;
        if (s->in && s->actual > 0) { /* only the bytes that arrived */
                UMockdevIoctlData *b = umockdev_ioctl_data_resolve(
                        s->urb, G_STRUCT_OFFSET(struct usbdevfs_urb, buffer), (gsize)s->actual,
                        NULL);
                if (b) {
                        memcpy(b->data, s->data, (size_t)s->actual);
                        g_object_unref(b);
                }
        }
        if (cell) {
                umockdev_ioctl_data_set_ptr(cell, 0, s->urb);
                g_object_unref(cell);
        }
        umockdev_ioctl_client_complete(c, cell ? 0 : -1, cell ? 0 : EFAULT);
        urb_free(s);
}

static struct urb *take_done(struct sim_usbfs *u, UMockdevIoctlClient *c)
{
        for (struct urb **l = &u->done; *l; l = &(*l)->next)
                if ((*l)->client == c) {
                        struct urb *s = *l;
                        *l = s->next;
                        return s;
                }
        return NULL;
}

/* The URB is done: to a waiting REAPURB of its program, or to the done list. */
static void finish(struct sim_usbfs *u, struct urb *s, int status)
{
        s->status = status;
        s->next = NULL;
        pthread_cond_broadcast(&u->done_cond);
        for (struct reaper **l = &u->reapers; *l; l = &(*l)->next) {
                struct reaper *r = *l;
                if (r->client != s->client)
                        continue;
                *l = r->next;
                give(r->client, r->arg, s);
                g_object_unref(r->arg);
                g_object_unref(r->client);
                free(r);
                return;
        }
        *tail(&u->done) = s;
}

/* Packet bytes into an IN URB. */
static int stage(struct urb *s, const uint8_t *b, size_t n)
{
        size_t need = (size_t)s->actual + n;

        if (n == 0) /* a zero-length packet */
                return 0;
        if (need > s->cap) {
                size_t cap = s->cap ? s->cap : 4096;
                uint8_t *d;
                while (cap < need)
                        cap *= 2;
                d = realloc(s->data, cap);
                if (!d)
                        return -ENOMEM;
                s->data = d;
                s->cap = cap;
        }
        memcpy(s->data + s->actual, b, n);
        s->actual += (int)n;
        return 0;
}

/* Move the device's queued packets into the first waiting IN URB, as the host controller does;
 * 1 when that URB completed. */
static int fill_one(struct sim_usbfs *u)
{
        struct urb *s = u->pending;

        if (!s)
                return 0;
        while (u->in) {
                struct in_xfer *x = u->in;
                size_t left = x->len - x->off, pkt = left < u->mps ? left : u->mps;
                size_t room = (size_t)s->length - (size_t)s->actual;
                int status = 0;

                if (room == 0)
                        break;
                if (pkt > room) { /* babble: what fits arrives, the URB fails */
                        if (stage(s, x->data + x->off, room) < 0)
                                break;
                        status = -EOVERFLOW;
                } else if (stage(s, x->data + x->off, pkt) < 0) {
                        break;
                }
                x->off += pkt;
                if (pkt < u->mps || (x->off == x->len && !x->zlp)) {
                        u->in = x->next;
                        u->in_bytes -= x->len;
                        free(x);
                        if (!u->in)
                                u->in_tail = &u->in;
                }
                if (status || pkt < u->mps) { /* a short packet ends the transfer */
                        u->pending = s->next;
                        finish(u, s, status);
                        return 1;
                }
        }
        if (s->actual == s->length) {
                u->pending = s->next;
                finish(u, s, 0);
                return 1;
        }
        return 0;
}

static void fill(struct sim_usbfs *u)
{
        while (fill_one(u))
                ;
}

static void drop_vanished(struct sim_usbfs *u);

int sim_usbfs_send(struct sim_usbfs *u, const uint8_t *buf, size_t len, bool zlp)
{
        struct in_xfer *x;

        drop_vanished(u);
        if (u->gone)
                return -ENODEV;
        if (len > SIM_USBFS_IN_MAX - u->in_bytes)
                return -ENOBUFS;
        x = malloc(sizeof(*x) + len);
        if (!x)
                return -ENOMEM;
        *x = (struct in_xfer){.len = len, .zlp = zlp && len > 0 && len % u->mps == 0};
        if (len)
                memcpy(x->data, buf, len);
        *u->in_tail = x;
        u->in_tail = &x->next;
        u->in_bytes += len;
        fill(u);
        return 0;
}

bool sim_usbfs_fits(struct sim_usbfs *u, size_t len)
{
        if (len <= SIM_USBFS_IN_MAX - u->in_bytes)
                return true;
        u->want_room = true;
        return false;
}

bool sim_usbfs_claimed(struct sim_usbfs *u)
{
        drop_vanished(u);
        return u->owner != NULL;
}

static void drop_in(struct sim_usbfs *u)
{
        while (u->in) {
                struct in_xfer *x = u->in;
                u->in = x->next;
                free(x);
        }
        u->in_tail = &u->in;
        u->in_bytes = 0;
}

void sim_usbfs_unplug(struct sim_usbfs *u)
{
        u->gone = true;
        drop_in(u);
        while (u->pending) {
                struct urb *s = u->pending;
                u->pending = s->next;
                finish(u, s, -ESHUTDOWN);
        }
        while (u->reapers) { /* nothing left to reap for them */
                struct reaper *r = u->reapers;
                u->reapers = r->next;
                umockdev_ioctl_client_complete(r->client, -1, ENODEV);
                g_object_unref(r->arg);
                g_object_unref(r->client);
                free(r);
        }
        u->owner = NULL;
}

/* A string descriptor (USB 2.0 9.6.7): index 0 the language list, then UTF-16LE. */
static int string_desc(const struct sim_usbfs *u, unsigned index, uint8_t *out, size_t size)
{
        const char *s = index == 1 ? u->desc.manufacturer
                        : index == 2 ? u->desc.product
                        : index == 3 ? u->desc.serial
                                     : NULL;
        size_t n = 2;

        if (size < 4)
                return -EPIPE;
        if (index == 0) {
                memcpy(out, (const uint8_t[]){4, 3, 0x09, 0x04}, 4);
                return 4;
        }
        if (!s)
                return -EPIPE; /* a request the device stalls */
        for (; *s && n + 2 <= size && n + 2 <= 254; s++, n += 2) {
                out[n] = (uint8_t)*s;
                out[n + 1] = 0;
        }
        out[0] = (uint8_t)n;
        out[1] = 3;
        return (int)n;
}

/* A standard control request: GET_DESCRIPTOR answered, the rest accepted (data length). */
static int control(const struct sim_usbfs *u, const uint8_t setup[8], uint8_t *data, size_t len)
{
        uint8_t all[512];
        unsigned type = setup[3], index = setup[2];
        size_t n;

        if (setup[1] != 6 || !(setup[0] & 0x80))
                return 0; /* SET_CONFIGURATION, CLEAR_FEATURE, ...: no data stage */
        if (type == 3) {
                uint8_t str[256];
                int r = string_desc(u, index, str, sizeof(str));
                if (r < 0)
                        return r;
                n = (size_t)r < len ? (size_t)r : len;
                memcpy(data, str, n);
                return (int)n;
        }
        if (type != 1 && type != 2)
                return -EPIPE;
        n = sim_usb_descriptors(&u->desc, all, sizeof(all));
        if (type == 1)
                n = n < 18 ? n : 18;
        else {
                memmove(all, all + 18, n - 18);
                n -= 18;
        }
        n = n < len ? n : len;
        memcpy(data, all, n);
        return (int)n;
}

static void submit_control(struct sim_usbfs *u, UMockdevIoctlClient *c, struct urb *s)
{
        struct usbdevfs_urb *f = fields(s);
        int r = -EPIPE;

        if (f->buffer_length >= 8 && s->buf)
                r = control(u, s->buf->data, s->buf->data + 8, (size_t)f->buffer_length - 8);
        s->actual = r > 0 ? r : 0;
        s->client = c;
        finish(u, s, r < 0 ? r : 0);
        umockdev_ioctl_client_complete(c, 0, 0);
}

static void submit_out(struct sim_usbfs *u, UMockdevIoctlClient *c, struct urb *s)
{
        struct usbdevfs_urb *f = fields(s);
        size_t len = (size_t)f->buffer_length;

        u->ops->out_wait(u->ctx, len);
        if (!u->gone)
                u->ops->out(u->ctx, s->buf ? s->buf->data : NULL, len);
        if (!u->gone && (f->flags & USBDEVFS_URB_ZERO_PACKET) && len && len % u->mps == 0)
                u->ops->out(u->ctx, NULL, 0);
        s->actual = u->gone ? 0 : (int)len;
        s->client = c;
        finish(u, s, u->gone ? -ESHUTDOWN : 0);
        umockdev_ioctl_client_complete(c, 0, 0);
}

static void submit(struct sim_usbfs *u, UMockdevIoctlClient *c, UMockdevIoctlData *arg)
{
        struct urb *s = calloc(1, sizeof(*s));
        struct usbdevfs_urb *f;

        if (!s || !(s->urb = umockdev_ioctl_data_resolve(arg, 0, sizeof(*f), NULL))) {
                free(s);
                umockdev_ioctl_client_complete(c, -1, EFAULT);
                return;
        }
        f = fields(s);
        /* A zero-length URB (a ZLP) has no buffer to resolve; an IN URB's is written when
         * it is reaped. */
        s->in = f->type == USBDEVFS_URB_TYPE_BULK && (f->endpoint & 0x80);
        if (f->buffer_length < 0 ||
            (f->type != USBDEVFS_URB_TYPE_BULK && f->type != USBDEVFS_URB_TYPE_CONTROL) ||
            (f->buffer_length > 0 && !s->in &&
             !(s->buf = umockdev_ioctl_data_resolve(s->urb, G_STRUCT_OFFSET(struct usbdevfs_urb,
                                                                            buffer),
                                                    (gsize)f->buffer_length, NULL)))) {
                g_object_unref(s->urb);
                free(s);
                umockdev_ioctl_client_complete(c, -1, EINVAL);
                return;
        }
        s->length = f->buffer_length;
        if (f->type == USBDEVFS_URB_TYPE_CONTROL)
                return submit_control(u, c, s);
        if (!(f->endpoint & 0x80))
                return submit_out(u, c, s);
        s->client = c;
        *tail(&u->pending) = s;
        fill(u);
        umockdev_ioctl_client_complete(c, 0, 0);
}

static bool in_flight(const struct sim_usbfs *u, UMockdevIoctlClient *c)
{
        for (const struct urb *s = u->pending; s; s = s->next)
                if (s->client == c)
                        return true;
        return false;
}

/* A program that reaps without waiting polls the node for POLLOUT first; a testbed's node is a
 * plain file, always "ready", so the program would spin. Holding the answer a moment, or until
 * an URB completes, stands for the wait in poll(). */
#define SIM_USBFS_POLL_HOLD_NS 2000000

static struct urb *take_done_held(struct sim_usbfs *u, UMockdevIoctlClient *c)
{
        struct urb *s = take_done(u, c);
        struct timespec until;

        if (s || u->gone || !in_flight(u, c))
                return s;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += SIM_USBFS_POLL_HOLD_NS;
        if (until.tv_nsec >= 1000000000) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000;
        }
        while (!(s = take_done(u, c)) && !u->gone &&
               pthread_cond_timedwait(&u->done_cond, u->lock, &until) == 0)
                ;
        return s;
}

static void reap(struct sim_usbfs *u, UMockdevIoctlClient *c, UMockdevIoctlData *arg, bool wait)
{
        struct urb *s = wait ? take_done(u, c) : take_done_held(u, c);
        struct reaper *r;

        if (s)
                return give(c, arg, s);
        if (!wait || u->gone) {
                umockdev_ioctl_client_complete(c, -1, u->gone ? ENODEV : EAGAIN);
                return;
        }
        r = calloc(1, sizeof(*r));
        if (!r) {
                umockdev_ioctl_client_complete(c, -1, ENOMEM);
                return;
        }
        *r = (struct reaper){.next = u->reapers, .client = g_object_ref(c),
                             .arg = g_object_ref(arg)};
        u->reapers = r;
}

/* DISCARDURB: the URB (by its address in the program) ends with -ENOENT when still in flight. */
static void discard(struct sim_usbfs *u, UMockdevIoctlClient *c, UMockdevIoctlData *arg)
{
        gulong addr = (gulong) * (void **)arg->data;

        for (struct urb **l = &u->pending; *l; l = &(*l)->next) {
                struct urb *s = *l;
                if (s->client != c || s->urb->client_addr != addr)
                        continue;
                *l = s->next;
                finish(u, s, -ENOENT);
                umockdev_ioctl_client_complete(c, 0, 0);
                fill(u); /* the next URB takes what this one left */
                return;
        }
        umockdev_ioctl_client_complete(c, -1, EINVAL);
}

static unsigned iface_arg(UMockdevIoctlData *arg)
{
        UMockdevIoctlData *d = umockdev_ioctl_data_resolve(arg, 0, sizeof(unsigned), NULL);
        unsigned v = d ? *(unsigned *)d->data : ~0u;

        if (d)
                g_object_unref(d);
        return v;
}

static bool has_iface(const struct sim_usbfs *u, unsigned n)
{
        for (unsigned i = 0; i < u->desc.n_ifaces; i++)
                if (u->desc.ifaces[i].number == n)
                        return true;
        return false;
}

static void claim(struct sim_usbfs *u, UMockdevIoctlClient *c, UMockdevIoctlData *arg)
{
        unsigned n = iface_arg(arg);

        if (!has_iface(u, n)) {
                umockdev_ioctl_client_complete(c, -1, ENOENT);
                return;
        }
        if (u->owner && u->owner != c) {
                umockdev_ioctl_client_complete(c, -1, EBUSY);
                return;
        }
        u->owner = c;
        u->detached = true;
        u->ops->claimed(u->ctx);
        umockdev_ioctl_client_complete(c, 0, 0);
}

/* GETDRIVER: usbfs while claimed, the serial driver while bound, ENODATA once detached. */
static void getdriver(struct sim_usbfs *u, UMockdevIoctlClient *c, UMockdevIoctlData *arg)
{
        UMockdevIoctlData *d = umockdev_ioctl_data_resolve(arg, 0,
                                                           sizeof(struct usbdevfs_getdriver), NULL);
        struct usbdevfs_getdriver *g;

        if (!d) {
                umockdev_ioctl_client_complete(c, -1, EFAULT);
                return;
        }
        g = (struct usbdevfs_getdriver *)d->data;
        if (!has_iface(u, g->interface) || (u->detached && !u->owner)) {
                g_object_unref(d);
                umockdev_ioctl_client_complete(c, -1, ENODATA);
                return;
        }
        snprintf(g->driver, sizeof(g->driver), "%s",
                 u->owner ? "usbfs" : u->desc.vid == 0x05c6 ? "qcserial" : "option");
        g_object_unref(d);
        umockdev_ioctl_client_complete(c, 0, 0);
}

/* USBDEVFS_CONTROL: a synchronous control request. */
static void control_sync(struct sim_usbfs *u, UMockdevIoctlClient *c, UMockdevIoctlData *arg)
{
        UMockdevIoctlData *d = umockdev_ioctl_data_resolve(
                arg, 0, sizeof(struct usbdevfs_ctrltransfer), NULL);
        UMockdevIoctlData *data = NULL;
        struct usbdevfs_ctrltransfer *t;
        uint8_t setup[8];
        int r = -EFAULT;

        if (d) {
                t = (struct usbdevfs_ctrltransfer *)d->data;
                memcpy(setup, (uint8_t[]){t->bRequestType, t->bRequest, (uint8_t)t->wValue,
                                          (uint8_t)(t->wValue >> 8), (uint8_t)t->wIndex,
                                          (uint8_t)(t->wIndex >> 8), (uint8_t)t->wLength,
                                          (uint8_t)(t->wLength >> 8)},
                       8);
                data = t->wLength ? umockdev_ioctl_data_resolve(
                                            d, G_STRUCT_OFFSET(struct usbdevfs_ctrltransfer, data),
                                            t->wLength, NULL)
                                  : NULL;
                r = control(u, setup, data ? data->data : setup, data ? t->wLength : 0);
        }
        if (data)
                g_object_unref(data);
        if (d)
                g_object_unref(d);
        umockdev_ioctl_client_complete(c, r < 0 ? -1 : r, r < 0 ? -r : 0);
}

static struct timespec deadline(unsigned ms)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        t.tv_sec += ms / 1000;
        t.tv_nsec += (long)(ms % 1000) * 1000000;
        if (t.tv_nsec >= 1000000000) {
                t.tv_sec++;
                t.tv_nsec -= 1000000000;
        }
        return t;
}

/* USBDEVFS_BULK IN: an URB the kernel waits for, up to the timeout (0: for ever), then
 * -ETIMEDOUT with nothing (devio.c proc_bulk). Its own URB waits among the others. */
static int bulk_in(struct sim_usbfs *u, UMockdevIoctlClient *c, UMockdevIoctlData *d,
                   unsigned len, unsigned timeout_ms)
{
        struct timespec until = deadline(timeout_ms ? timeout_ms : 3600u * 1000u);
        struct urb *s = calloc(1, sizeof(*s)), **l;
        UMockdevIoctlData *buf;
        int r;

        if (!s)
                return -ENOMEM;
        *s = (struct urb){.urb = g_object_ref(d), .client = c, .length = (int)len, .in = true};
        *tail(&u->pending) = s;
        fill(u);
        for (;;) {
                for (l = &u->pending; *l && *l != s; l = &(*l)->next)
                        ;
                if (!*l)
                        break; /* completed (or ended by a disconnect): on the done list */
                if (pthread_cond_timedwait(&u->done_cond, u->lock, &until) != 0) {
                        *l = s->next;
                        urb_free(s);
                        return -ETIMEDOUT;
                }
        }
        for (l = &u->done; *l && *l != s; l = &(*l)->next)
                ;
        if (*l)
                *l = s->next;
        r = s->status ? s->status : s->actual;
        buf = r > 0 ? umockdev_ioctl_data_resolve(
                              d, G_STRUCT_OFFSET(struct usbdevfs_bulktransfer, data), (gsize)r, NULL)
                    : NULL;
        if (buf) {
                memcpy(buf->data, s->data, (size_t)r);
                g_object_unref(buf);
        }
        urb_free(s);
        return r;
}

/* USBDEVFS_BULK: a synchronous bulk transfer. */
static void bulk_sync(struct sim_usbfs *u, UMockdevIoctlClient *c, UMockdevIoctlData *arg)
{
        UMockdevIoctlData *d = umockdev_ioctl_data_resolve(
                arg, 0, sizeof(struct usbdevfs_bulktransfer), NULL);
        UMockdevIoctlData *data = NULL;
        struct usbdevfs_bulktransfer *t;
        int r = -EFAULT;

        if (d) {
                t = (struct usbdevfs_bulktransfer *)d->data;
                if (t->ep & 0x80) {
                        r = bulk_in(u, c, d, t->len, t->timeout);
                } else {
                        data = t->len ? umockdev_ioctl_data_resolve(
                                                d, G_STRUCT_OFFSET(struct usbdevfs_bulktransfer, data),
                                                t->len, NULL)
                                      : NULL;
                        u->ops->out_wait(u->ctx, t->len);
                        r = u->gone ? -ENODEV : (int)t->len;
                        if (!u->gone)
                                u->ops->out(u->ctx, data ? data->data : NULL, t->len);
                }
        }
        if (data)
                g_object_unref(data);
        if (d)
                g_object_unref(d);
        umockdev_ioctl_client_complete(c, r < 0 ? -1 : r, r < 0 ? -r : 0);
}

static bool simple(struct sim_usbfs *u, UMockdevIoctlClient *c, gulong req,
                   UMockdevIoctlData *arg)
{
        switch (req) {
        case USBDEVFS_GET_CAPABILITIES: {
                UMockdevIoctlData *d = umockdev_ioctl_data_resolve(arg, 0, sizeof(guint32), NULL);
                if (d) {
                        *(guint32 *)d->data = SIM_USBFS_CAPS;
                        g_object_unref(d);
                }
                umockdev_ioctl_client_complete(c, d ? 0 : -1, d ? 0 : EFAULT);
                return true;
        }
        case USBDEVFS_RELEASEINTERFACE:
                if (u->owner == c)
                        u->owner = NULL;
                umockdev_ioctl_client_complete(c, 0, 0);
                return true;
        case USBDEVFS_IOCTL: /* USBDEVFS_DISCONNECT / CONNECT of the kernel driver */
        case USBDEVFS_SETCONFIGURATION:
        case USBDEVFS_SETINTERFACE:
        case USBDEVFS_CLEAR_HALT:
        case USBDEVFS_RESETEP:
        case USBDEVFS_RESET:
                if (req == USBDEVFS_IOCTL)
                        u->detached = true;
                umockdev_ioctl_client_complete(c, 0, 0);
                return true;
        default:
                return false;
        }
}

static gboolean on_ioctl(UMockdevIoctlBase *h, UMockdevIoctlClient *c, gpointer data)
{
        struct sim_usbfs *u = data;
        gulong req = umockdev_ioctl_client_get_request(c);
        UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(c);

        (void)h;
        pthread_mutex_lock(u->lock);
        drop_vanished(u);
        if (req == USBDEVFS_REAPURB || req == USBDEVFS_REAPURBNDELAY)
                reap(u, c, arg, req == USBDEVFS_REAPURB);
        else if (u->gone)
                umockdev_ioctl_client_complete(c, -1, ENODEV);
        else if (req == USBDEVFS_SUBMITURB)
                submit(u, c, arg);
        else if (req == USBDEVFS_DISCARDURB)
                discard(u, c, arg);
        else if (req == USBDEVFS_CLAIMINTERFACE)
                claim(u, c, arg);
        else if (req == USBDEVFS_DISCONNECT_CLAIM)
                claim(u, c, arg); /* its first field is the interface number too */
        else if (req == USBDEVFS_GETDRIVER)
                getdriver(u, c, arg);
        else if (req == USBDEVFS_CONTROL)
                control_sync(u, c, arg);
        else if (req == USBDEVFS_BULK)
                bulk_sync(u, c, arg);
        else if (!simple(u, c, req, arg))
                umockdev_ioctl_client_complete(c, -1, ENOTTY);
        if (u->want_room && !u->gone && u->in_bytes <= SIM_USBFS_IN_MAX / 2 && u->ops->in_room) {
                u->want_room = false;
                u->ops->in_room(u->ctx);
        }
        pthread_mutex_unlock(u->lock);
        return TRUE;
}

/* A program closed the node, or died: its URBs go, its claim ends (devio.c usbdev_release:
 * destroy_all_async kills its URBs, releaseintf gives back each interface it claimed). URBs
 * that completed for it were never reaped and go too. Caller holds the lock. */
static void drop_client(struct sim_usbfs *u, UMockdevIoctlClient *c)
{
        unsigned n = 0;
        bool owned = u->owner == c;

        for (struct urb **l = &u->pending; *l;) {
                struct urb *s = *l;
                if (s->client != c) {
                        l = &s->next;
                        continue;
                }
                *l = s->next;
                urb_free(s);
                n++;
        }
        for (struct urb *s; (s = take_done(u, c));) {
                urb_free(s);
                n++;
        }
        if (owned)
                u->owner = NULL;
        if (u->ops->vanished)
                u->ops->vanished(u->ctx, n, owned);
        fill(u); /* what the device sends next waits for the next program's URBs */
}

/* The programs noted gone since the last call (caller holds the lock). Called before any
 * request is answered and before the device sends, so a program that comes next never meets
 * the state of one that went, even one whose client object now has the same address. */
static void drop_vanished(struct sim_usbfs *u)
{
        UMockdevIoctlClient **v;
        size_t n;

        pthread_mutex_lock(&u->vanished_lock);
        v = u->vanished;
        n = u->n_vanished;
        u->vanished = NULL;
        u->n_vanished = u->cap_vanished = 0;
        pthread_mutex_unlock(&u->vanished_lock);
        for (size_t i = 0; i < n; i++)
                drop_client(u, v[i]);
        free(v);
}

/* A client object of umockdev is finalized once its program closed the node (umockdev reads
 * the end of its socket and closes it) or died inside a request (the answer cannot be written
 * and umockdev drops the client). umockdev declares "client-vanished" but never emits it
 * (umockdev-ioctl.vala, 0.17.16 and later), so this weak reference is the only word of it. */
static void on_client_gone(gpointer data, GObject *was)
{
        struct sim_usbfs *u = data;
        UMockdevIoctlClient **v;

        pthread_mutex_lock(&u->vanished_lock);
        if (u->n_vanished == u->cap_vanished) {
                size_t cap = u->cap_vanished ? u->cap_vanished * 2 : 8;
                v = realloc(u->vanished, cap * sizeof(*v));
                if (!v) {
                        /* Not noted, the program's claim and URBs would outlive it and hang
                         * the next program (see drop_vanished): better to stop, loudly. */
                        fputs("safeflash-sim: out of memory noting a program that went\n", stderr);
                        abort();
                }
                u->vanished = v;
                u->cap_vanished = cap;
        }
        u->vanished[u->n_vanished++] = (UMockdevIoctlClient *)was;
        pthread_mutex_unlock(&u->vanished_lock);
        /* At once when nobody holds the device (the usual case: umockdev's thread, between
         * requests); else by the holder's next request or transfer. */
        if (pthread_mutex_trylock(u->lock) == 0) {
                drop_vanished(u);
                pthread_mutex_unlock(u->lock);
        }
}

static void on_connected(UMockdevIoctlBase *h, UMockdevIoctlClient *c, gpointer data)
{
        struct sim_usbfs *u = data;

        (void)h;
        pthread_mutex_lock(u->lock);
        drop_vanished(u);
        pthread_mutex_unlock(u->lock);
        g_object_weak_ref(G_OBJECT(c), on_client_gone, u);
}

struct sim_usbfs *sim_usbfs_new(const struct sim_usb_desc *d, pthread_mutex_t *lock,
                                const struct sim_usbfs_ops *ops, void *ctx)
{
        struct sim_usbfs *u = calloc(1, sizeof(*u));

        if (!u)
                return NULL;
        u->handler = umockdev_ioctl_base_new();
        u->lock = lock;
        u->desc = *d;
        u->ops = ops;
        u->ctx = ctx;
        u->in_tail = &u->in;
        pthread_mutex_init(&u->vanished_lock, NULL);
        {
                pthread_condattr_t a;
                pthread_condattr_init(&a);
                pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
                pthread_cond_init(&u->done_cond, &a);
                pthread_condattr_destroy(&a);
        }
        u->mps = d->ifaces[0].max_packet ? d->ifaces[0].max_packet : 512;
        g_signal_connect(u->handler, "handle-ioctl", G_CALLBACK(on_ioctl), u);
        g_signal_connect(u->handler, "client-connected", G_CALLBACK(on_connected), u);
        return u;
}

struct _UMockdevIoctlBase *sim_usbfs_handler(struct sim_usbfs *u)
{
        return u->handler;
}
