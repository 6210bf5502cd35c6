/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The attribute strings the kernel gives for a USB device and its interfaces (sysfs, read
 * through sd-device), interpreted (sysattr.c): identity, mode, address, which tty is which
 * port. Pure functions, for discovery.c and the fuzzer. Internal. */
#ifndef SF_DEVICE_SYSATTR_H
#define SF_DEVICE_SYSATTR_H

#include "safeflash/device.h"

/* A USB device's attributes as read (a trailing newline and anything after it ignored); NULL
 * for an absent one. */
struct sf_usb_attrs {
        const char *name; /* its sysfs name, "1-1" */
        const char *id_vendor, *id_product, *n_interfaces, *busnum, *devnum, *product, *serial;
};

/* 1 and *d filled when it is a device of ours (a Quectel module, EDL, memory-debug, fastboot),
 * 0 otherwise (also for an idVendor or idProduct that is not 1-4 hex digits). */
int sf_sysattr_device(const struct sf_usb_attrs *a, struct sf_device *d);
/* An interface's bInterfaceNumber ("02", hex): 0 and *ret, or -EINVAL. */
int sf_sysattr_ifnum(const char *s, long *ret);
/* The tty devname of interface ifnum, put where it belongs (DIAG, AT or EDL port) by the PID. */
void sf_sysattr_put_port(struct sf_device *d, long ifnum, const char *devname);

#endif
