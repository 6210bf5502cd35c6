/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Modules on the bus, from the kernel's device database through sd-device: USB identity, mode,
 * and which tty is which port (the interface a ttyUSB hangs off). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-device.h>

#include "device/sysattr.h"
#include "safeflash/device.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#define MAX_DEVICES 64

const char *sf_device_mode_to_string(enum sf_device_mode m)
{
        switch (m) {
        case SF_DEVICE_MODE_UNKNOWN:
                return "unknown";
        case SF_DEVICE_MODE_NORMAL:
                return "normal";
        case SF_DEVICE_MODE_EDL:
                return "edl";
        case SF_DEVICE_MODE_MEMORY_DEBUG:
                return "memory-debug";
        case SF_DEVICE_MODE_FASTBOOT:
                return "fastboot";
        case SF_DEVICE_MODE_SBL_DOWNLOAD:
                return "sbl-download";
        }
        return "invalid";
}

/* One attribute as sd-device reads it; NULL when absent. */
static const char *attr(sd_device *dev, const char *name)
{
        const char *v = NULL;

        return sd_device_get_sysattr_value(dev, name, &v) < 0 ? NULL : v;
}

/* Which port is which: every tty whose parent is an interface of one of the devices, by the
 * interface's number. */
static void find_ports(struct sf_device *list, size_t n)
{
        sd_device_enumerator *e = NULL;

        if (sd_device_enumerator_new(&e) < 0 || sd_device_enumerator_allow_uninitialized(e) < 0 ||
            sd_device_enumerator_add_match_subsystem(e, "tty", 1) < 0) {
                sd_device_enumerator_unref(e);
                return;
        }
        for (sd_device *t = sd_device_enumerator_get_device_first(e); t;
             t = sd_device_enumerator_get_device_next(e)) {
                sd_device *ifc = NULL, *usb = NULL;
                const char *devname = NULL, *usbname = NULL;
                long ifnum;
                if (sd_device_get_devname(t, &devname) < 0 ||
                    sd_device_get_parent_with_subsystem_devtype(t, "usb", "usb_interface", &ifc) < 0 ||
                    sd_device_get_parent_with_subsystem_devtype(ifc, "usb", "usb_device", &usb) < 0 ||
                    sd_device_get_sysname(usb, &usbname) < 0)
                        continue;
                if (sf_sysattr_ifnum(attr(ifc, "bInterfaceNumber"), &ifnum) < 0)
                        continue;
                for (size_t i = 0; i < n; i++)
                        if (strcmp(list[i].name, usbname) == 0)
                                sf_sysattr_put_port(&list[i], ifnum, devname);
        }
        sd_device_enumerator_unref(e);
}

/* One USB device: 1 when it is a device of ours, 0 otherwise. */
static int read_device(sd_device *dev, struct sf_device *d)
{
        const char *name = NULL, *type = NULL;
        struct sf_usb_attrs a;

        memset(d, 0, sizeof(*d));
        if (sd_device_get_devtype(dev, &type) < 0 || strcmp(type, "usb_device") != 0 ||
            sd_device_get_sysname(dev, &name) < 0)
                return 0;
        a = (struct sf_usb_attrs){.name = name,
                                  .id_vendor = attr(dev, "idVendor"),
                                  .id_product = attr(dev, "idProduct"),
                                  .n_interfaces = attr(dev, "bNumInterfaces"),
                                  .busnum = attr(dev, "busnum"),
                                  .devnum = attr(dev, "devnum"),
                                  .product = attr(dev, "product"),
                                  .serial = attr(dev, "serial")};
        return sf_sysattr_device(&a, d);
}

static int cmp_dev(const void *a, const void *b)
{
        return strcmp(((const struct sf_device *)a)->name, ((const struct sf_device *)b)->name);
}

int sf_device_list(struct sf_device **ret, size_t *ret_n, struct sf_error *err)
{
        sd_device_enumerator *e = NULL;
        struct sf_device *list;
        size_t n = 0;
        int r;

        if (!ret || !ret_n)
                return -EINVAL;
        r = sd_device_enumerator_new(&e);
        /* As libudev enumerates: also a device udev has not finished with (no database entry
         * yet), which is every device where no udevd runs (a container, a testbed). */
        if (r >= 0)
                r = sd_device_enumerator_allow_uninitialized(e);
        if (r >= 0)
                r = sd_device_enumerator_add_match_subsystem(e, "usb", 1);
        if (r < 0) {
                sd_device_enumerator_unref(e);
                return sf_error_set(err, r, "the device database: %s", strerror(-r));
        }
        list = calloc(MAX_DEVICES, sizeof(*list));
        if (!list) {
                sd_device_enumerator_unref(e);
                return -ENOMEM;
        }
        for (sd_device *d = sd_device_enumerator_get_device_first(e); d && n < MAX_DEVICES;
             d = sd_device_enumerator_get_device_next(e))
                n += (size_t)read_device(d, &list[n]);
        sd_device_enumerator_unref(e);
        find_ports(list, n);
        qsort(list, n, sizeof(*list), cmp_dev);
        *ret = list;
        *ret_n = n;
        return 0;
}

void sf_device_list_free(struct sf_device *list)
{
        free(list);
}

static bool matches(const struct sf_device *d, const char *spec)
{
        unsigned bus, addr;

        if (strcmp(spec, d->name) == 0)
                return true;
        if (sscanf(spec, "usb:%u:%u", &bus, &addr) == 2)
                return bus == d->bus && addr == d->address;
        return (d->at_port[0] && strcmp(spec, d->at_port) == 0) ||
               (d->dm_port[0] && strcmp(spec, d->dm_port) == 0) ||
               (d->edl_port[0] && strcmp(spec, d->edl_port) == 0);
}

int sf_device_find(const char *spec, struct sf_device *ret, struct sf_error *err)
{
        struct sf_device *list = NULL;
        size_t n = 0, hits = 0, hit = 0;
        char names[512] = "";
        int r = sf_device_list(&list, &n, err);

        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                if (spec && !matches(&list[i], spec))
                        continue;
                if (hits++ < 8)
                        snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s (%s)",
                                 hits > 1 ? ", " : "", list[i].name,
                                 sf_device_mode_to_string(list[i].mode));
                hit = i;
        }
        if (hits == 1)
                *ret = list[hit];
        sf_device_list_free(list);
        if (hits == 0)
                return sf_error_set(err, -ENODEV,
                                    spec ? "no module matches '%s'" : "no module found%s",
                                    spec ? spec : "");
        if (hits > 1)
                return sf_error_set(err, -ENOTUNIQ, "several modules: %s; choose one with -d",
                                    names);
        return 0;
}
