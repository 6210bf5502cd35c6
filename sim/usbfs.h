/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The device's usbfs node, /dev/bus/usb/BBB/DDD, answered as the kernel answers it: claims,
 * control requests for descriptors, and bulk URBs completed per packet as a host controller
 * completes them (docs/sim-transport.md, "USB as the host controller sees it"). The requests
 * arrive on umockdev's worker thread; everything runs under the caller's lock. */
#ifndef SIM_USBFS_H
#define SIM_USBFS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usb.h"

struct _UMockdevIoctlBase;

struct sim_usbfs_ops {
        /* The host's bytes on an OUT endpoint (len 0: a zero-length packet). */
        int (*out)(void *ctx, const uint8_t *buf, size_t len);
        /* Before an OUT URB of len bytes is taken: the link carries it, and the device takes it
         * when it has room (back-pressure). May sleep. */
        void (*out_wait)(void *ctx, size_t len);
        /* A program claimed the interface. */
        void (*claimed)(void *ctx);
        /* Optional: a program closed the node or died; its urbs URBs were dropped, and its
         * claim (claimed) released. */
        void (*vanished)(void *ctx, unsigned urbs, bool claimed);
        /* Optional: the IN queue, found full by sim_usbfs_fits(), has room again (the host
         * took at least half of it). */
        void (*in_room)(void *ctx);
};

struct sim_usbfs;

/* The node of a device as d describes it; lock guards the device (held while ops run). */
struct sim_usbfs *sim_usbfs_new(const struct sim_usb_desc *d, pthread_mutex_t *lock,
                                const struct sim_usbfs_ops *ops, void *ctx);
struct _UMockdevIoctlBase *sim_usbfs_handler(struct sim_usbfs *u);

/* The device sends one transfer on its bulk IN endpoint; with zlp, a transfer that is a
 * multiple of wMaxPacketSize is followed by a zero-length packet. Caller holds the lock. */
int sim_usbfs_send(struct sim_usbfs *u, const uint8_t *buf, size_t len, bool zlp);
/* Whether len more bytes fit the IN queue (8 MiB: the host takes them at its pace); when they
 * do not, ops->in_room is called once the host has taken half of it. Caller holds the lock. */
bool sim_usbfs_fits(struct sim_usbfs *u, size_t len);
/* Whether a program holds the interface claimed (a program that went holds nothing). Caller
 * holds the lock. */
bool sim_usbfs_claimed(struct sim_usbfs *u);

/* The device left the bus: URBs in flight end with -ESHUTDOWN, later requests fail with
 * ENODEV. The node stays answerable for programs that still hold it open. */
void sim_usbfs_unplug(struct sim_usbfs *u);

#endif
