/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* How the simulated module appears on the (simulated) bus: its sysfs directory, and for the
 * EDL interface a SEQPACKET socket carrying bulk transfers (docs/sim-transport.md). */
#ifndef SIM_USB_H
#define SIM_USB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_USB_MAX_IFACES 8
#define SIM_USB_TUNNEL_HDR 4
#define SIM_USB_TUNNEL_MAX (64 * 1024)
#define SIM_USB_TYPE_BULK  1

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
        const char *socket_path; /* bulk tunnel, NULL for none */
};

/* Write the device's directory under sysroot/bus/usb/devices atomically; remove it. */
int sim_sysfs_add(const char *sysroot, const struct sim_usb_desc *d);
int sim_sysfs_remove(const char *sysroot, const char *name);

/* Device addresses on a bus: 1 is the root hub's. */
#define SIM_DEVNUM_FIRST 2
#define SIM_DEVNUM_LAST  127

/* The address for a device about to enumerate on the bus whose tree is BUSDIR/sys, handed out
 * as the kernel does: round robin, skipping addresses in use. Several simulators share a bus,
 * so the last address handed out is kept in BUSDIR/usb/.devnum under an exclusive lock.
 * -ENOSPC when every address is taken. */
int sim_bus_alloc_devnum(const char *busdir, unsigned *ret);

struct sim_usb_ep {
        int listen_fd;
        int conn_fd;
        char path[108];
};

int sim_usb_listen(struct sim_usb_ep *ep, const char *path);
/* Accept a pending connection (refusing a second one). 1 when a host connected. */
int sim_usb_accept(struct sim_usb_ep *ep);
/* One IN transfer. */
int sim_usb_send(struct sim_usb_ep *ep, const uint8_t *buf, size_t len);
/* One OUT message: 1 with data (len may be 0: a ZLP), 0 when the host closed, negative errno. */
int sim_usb_recv(struct sim_usb_ep *ep, uint8_t *buf, size_t size, size_t *ret_len);
/* The device leaves the bus: the host's handle sees EOF. */
void sim_usb_disconnect(struct sim_usb_ep *ep);
void sim_usb_close(struct sim_usb_ep *ep);

#endif
