// SPDX-License-Identifier: LGPL-2.1-or-later
/* The USB attribute strings of a module interpreted: identity (idVendor, idProduct), mode (by
 * the IDs and the interface count), address (busnum, devnum), and its ports by interface number
 * (quectel.md 5.3, 5.4). Every string is bounded and checked: sysfs text is input too. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device/sysattr.h"

/* The first line of an attribute, bounded; "" when absent. */
static void first_line(const char *v, char *out, size_t size)
{
        out[0] = '\0';
        if (v)
                snprintf(out, size, "%.*s", (int)strcspn(v, "\r\n"), v);
}

static bool parse_unsigned(const char *v, int base, unsigned long max, unsigned long *ret)
{
        char s[32], *end;
        unsigned long n;

        const char *d;

        first_line(v, s, sizeof(s));
        d = s + strspn(s, " "); /* the kernel pads some: bNumInterfaces is "%2d\n" */
        if (!*d || strspn(d, base == 16 ? "0123456789abcdefABCDEF" : "0123456789") != strlen(d))
                return false; /* strtoul would take a sign, "0x", inner spaces */
        errno = 0;
        n = strtoul(d, &end, base);
        if (errno || *end || n > max)
                return false;
        *ret = n;
        return true;
}

/* The DIAG interface of a Quectel PID (quectel.md 5.4): 0 unless the PID says otherwise. */
static int dm_interface(uint16_t pid)
{
        static const uint16_t on_3[] = {0x0127, 0x0310, 0x030a, 0x0311, 0x0315, 0x0309,
                                        0x6008, 0x0128, 0x6009, 0x0803, 0x030d};

        for (size_t i = 0; i < sizeof(on_3) / sizeof(*on_3); i++)
                if (pid == on_3[i])
                        return 3;
        return pid == 0x0514 ? 2 : 0;
}

static enum sf_device_mode classify(uint16_t vid, uint16_t pid, unsigned long n_ifaces)
{
        if (vid == 0x05c6 && pid == 0x9008)
                return SF_DEVICE_MODE_EDL;
        if (vid == 0x05c6 && pid == 0x900e)
                return SF_DEVICE_MODE_MEMORY_DEBUG;
        if (vid == 0x18d1 && pid == 0xd00d)
                return SF_DEVICE_MODE_FASTBOOT;
        if (vid == 0x2c7c)
                return n_ifaces == 1 ? SF_DEVICE_MODE_SBL_DOWNLOAD : SF_DEVICE_MODE_NORMAL;
        return SF_DEVICE_MODE_UNKNOWN;
}

int sf_sysattr_device(const struct sf_usb_attrs *a, struct sf_device *d)
{
        unsigned long vid, pid, n = 0, bus = 0, addr = 0;

        memset(d, 0, sizeof(*d));
        if (!a->name || !parse_unsigned(a->id_vendor, 16, 0xffff, &vid) ||
            !parse_unsigned(a->id_product, 16, 0xffff, &pid))
                return 0;
        d->vid = (uint16_t)vid;
        d->pid = (uint16_t)pid;
        (void)parse_unsigned(a->n_interfaces, 10, 255, &n);
        d->mode = classify(d->vid, d->pid, n);
        if (d->mode == SF_DEVICE_MODE_UNKNOWN)
                return 0;
        /* A device is reached by its address: bus 1 or more, address 1 to 127 (0 is only the
         * default address before SET_ADDRESS, USB 2.0 9.1.1). A device read without one is
         * being created (its folder is there before all its attributes): not there yet. */
        if (!parse_unsigned(a->busnum, 10, 65535, &bus) || bus == 0 ||
            !parse_unsigned(a->devnum, 10, 127, &addr) || addr == 0)
                return 0;
        snprintf(d->name, sizeof(d->name), "%.31s", a->name);
        d->bus = (unsigned)bus;
        d->address = (unsigned)addr;
        first_line(a->product, d->product, sizeof(d->product));
        first_line(a->serial, d->serial, sizeof(d->serial));
        return 1;
}

int sf_sysattr_ifnum(const char *s, long *ret)
{
        unsigned long n;

        if (!parse_unsigned(s, 16, 255, &n))
                return -EINVAL;
        *ret = (long)n;
        return 0;
}

void sf_sysattr_put_port(struct sf_device *d, long ifnum, const char *devname)
{
        int dm = dm_interface(d->pid), at = dm == 2 ? 3 : 2;

        if (!devname)
                return;
        if (d->mode == SF_DEVICE_MODE_EDL || d->mode == SF_DEVICE_MODE_MEMORY_DEBUG)
                snprintf(d->edl_port, sizeof(d->edl_port), "%s", devname);
        else if (ifnum == dm)
                snprintf(d->dm_port, sizeof(d->dm_port), "%s", devname);
        else if (ifnum == at)
                snprintf(d->at_port, sizeof(d->at_port), "%s", devname);
}
