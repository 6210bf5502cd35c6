/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bus as clients see it: a umockdev testbed whose root is the bus directory. Every
 * simulator on the bus adds its own devices to it (sysfs, device nodes, uevents), and clients
 * reach it through umockdev's preload library with UMOCKDEV_DIR=BUSDIR (docs/sim-transport.md). */
#ifndef SIM_TESTBED_H
#define SIM_TESTBED_H

#include <limits.h>
#include <stdbool.h>

#include "usb.h"

struct _UMockdevTestbed;
struct _UMockdevIoctlBase;

struct sim_testbed {
        struct _UMockdevTestbed *tb;
        char root[PATH_MAX / 4];  /* BUSDIR: UMOCKDEV_DIR for clients */
        char own[PATH_MAX / 4];   /* the testbed object's own root: a symlink to root */
        char spare[PATH_MAX / 4]; /* this process's answer to root/ioctl/_default */
        long long default_checked_ms;
};

/* Create the bus's testbed at busdir, or join the one another simulator made there. */
int sim_testbed_open(struct sim_testbed *t, const char *busdir);
void sim_testbed_close(struct sim_testbed *t);
/* Keep root/ioctl/_default answered (umockdev's preload needs it to open any node of the
 * testbed): when the simulator that answered it has gone, this one takes over. */
void sim_testbed_keep_default(struct sim_testbed *t);

/* The environment a client needs, one KEY=VALUE a line, into dir/env. */
int sim_testbed_write_env(const struct sim_testbed *t, const char *dir);

/* A USB device with its interfaces and their tty children (whose nodes, ptys, the caller
 * made at root/dev/ttyUSBn), announced with "add" uevents; handler answers the usbfs node
 * /dev/bus/usb/BBB/DDD (NULL: none). Removal is announced with "remove" uevents, children
 * first, as the kernel does. */
int sim_testbed_add_usb(struct sim_testbed *t, const struct sim_usb_desc *d,
                        struct _UMockdevIoctlBase *handler);
void sim_testbed_remove_usb(struct sim_testbed *t, const struct sim_usb_desc *d);

/* The sysfs path of the device (under /sys), as ModemManager and udev name it. */
void sim_testbed_syspath(const struct sim_usb_desc *d, char *out, size_t size);

/* The usbfs node of the device: "/dev/bus/usb/001/005". */
void sim_testbed_devnode(const struct sim_usb_desc *d, char *out, size_t size);

#endif
