/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the simulated module is on the bus: its USB descriptors, and the addresses the bus hands
 * out (docs/sim-transport.md). The testbed (testbed.h) presents it; usbfs.h answers its node. */
#ifndef SIM_USB_H
#define SIM_USB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_USB_MAX_IFACES 8

struct sim_usb_iface {
        uint8_t number, cls, subcls, proto;
        uint8_t ep_in, ep_out; /* 0 when absent */
        uint16_t max_packet;
        const char *tty; /* "ttyUSB2" for serial interfaces, NULL otherwise */
};

struct sim_usb_desc {
        char name[32]; /* "1-1" */
        uint16_t vid, pid, bcd;
        unsigned busnum, devnum, speed;
        const char *manufacturer, *product, *serial;
        unsigned n_ifaces;
        struct sim_usb_iface ifaces[SIM_USB_MAX_IFACES];
};

/* The device's descriptors as sysfs "descriptors" holds them and GET_DESCRIPTOR answers: the
 * device descriptor, then its one configuration with interfaces and endpoints. The length. */
size_t sim_usb_descriptors(const struct sim_usb_desc *d, uint8_t *out, size_t size);

/* Device addresses on a bus: 1 is the root hub's. */
#define SIM_DEVNUM_FIRST 2
#define SIM_DEVNUM_LAST  127

/* The address for a device about to enumerate on the bus whose tree is BUSDIR/sys, handed out
 * as the kernel does: round robin, skipping addresses in use. Several simulators share a bus,
 * so the last address handed out is kept in BUSDIR/usb/.devnum under an exclusive lock.
 * -ENOSPC when every address is taken. */
int sim_bus_alloc_devnum(const char *busdir, unsigned *ret);

#endif
