/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Modules on the bus, from sysfs: USB identity, mode, and which tty is which port. The root is a
 * setting (SAFEFLASH_SYSFS_ROOT), so a simulated module is found the way a real one is. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static const char *root(const char *env, const char *fallback)
{
        const char *v = getenv(env);
        return v && *v ? v : fallback;
}

/* One attribute file, first line, bounded; "" when absent. */
static void attr(const char *dir, const char *name, char *out, size_t size)
{
        char path[4096];
        _cleanup_close_ int fd = -1;
        ssize_t n;

        out[0] = '\0';
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return;
        n = read(fd, out, size - 1);
        out[n > 0 ? n : 0] = '\0';
        out[strcspn(out, "\r\n")] = '\0';
}

static bool hex16(const char *s, uint16_t *ret)
{
        char *end;
        unsigned long v = strtoul(s, &end, 16);

        if (!*s || *end || v > 0xffff)
                return false;
        *ret = (uint16_t)v;
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

static enum sf_device_mode classify(uint16_t vid, uint16_t pid, unsigned n_ifaces)
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

/* The tty an interface has: a child "ttyUSBn"/"ttyACMn", or "tty/<name>". */
static bool iface_tty(const char *ifdir, char *out, size_t size)
{
        _cleanup_closedir_ DIR *d = opendir(ifdir);
        struct dirent *de;
        char sub[4096];

        while (d && (de = readdir(d))) {
                if (strncmp(de->d_name, "ttyUSB", 6) == 0 ||
                    strncmp(de->d_name, "ttyACM", 6) == 0) {
                        snprintf(out, size, "%.200s/%.50s", root("SAFEFLASH_DEV_ROOT", "/dev"),
                                 de->d_name);
                        return true;
                }
                if (strcmp(de->d_name, "tty") == 0) {
                        _cleanup_closedir_ DIR *t = NULL;
                        struct dirent *te;
                        snprintf(sub, sizeof(sub), "%s/tty", ifdir);
                        t = opendir(sub);
                        while (t && (te = readdir(t)))
                                if (te->d_name[0] != '.') {
                                        snprintf(out, size, "%.200s/%.50s",
                                                 root("SAFEFLASH_DEV_ROOT", "/dev"), te->d_name);
                                        return true;
                                }
                }
        }
        return false;
}

/* Which port is which, from the interface numbers. */
static void find_ports(const char *devdir, struct sf_device *d)
{
        _cleanup_closedir_ DIR *dir = opendir(devdir);
        struct dirent *de;
        int dm = dm_interface(d->pid), at = dm == 2 ? 3 : 2;

        while (dir && (de = readdir(dir))) {
                char ifdir[3072], num[8], tty[SF_DEVICE_PATH_MAX];
                char *end;
                long n;
                if (!strchr(de->d_name, ':'))
                        continue;
                snprintf(ifdir, sizeof(ifdir), "%s/%s", devdir, de->d_name);
                attr(ifdir, "bInterfaceNumber", num, sizeof(num));
                n = strtol(num, &end, 16);
                if (!num[0] || *end || !iface_tty(ifdir, tty, sizeof(tty)))
                        continue;
                if (d->mode == SF_DEVICE_MODE_EDL || d->mode == SF_DEVICE_MODE_MEMORY_DEBUG)
                        snprintf(d->edl_port, sizeof(d->edl_port), "%s", tty);
                else if (n == dm)
                        snprintf(d->dm_port, sizeof(d->dm_port), "%s", tty);
                else if (n == at)
                        snprintf(d->at_port, sizeof(d->at_port), "%s", tty);
        }
}

/* One sysfs device directory: 1 when it is a device of ours, 0 otherwise. */
static int read_device(const char *dir, const char *name, struct sf_device *d)
{
        char buf[64];
        unsigned n_ifaces;

        memset(d, 0, sizeof(*d));
        attr(dir, "idVendor", buf, sizeof(buf));
        if (!hex16(buf, &d->vid))
                return 0;
        attr(dir, "idProduct", buf, sizeof(buf));
        if (!hex16(buf, &d->pid))
                return 0;
        attr(dir, "bNumInterfaces", buf, sizeof(buf));
        n_ifaces = (unsigned)strtoul(buf, NULL, 10);
        d->mode = classify(d->vid, d->pid, n_ifaces);
        if (d->mode == SF_DEVICE_MODE_UNKNOWN)
                return 0;
        snprintf(d->name, sizeof(d->name), "%.31s", name);
        attr(dir, "busnum", buf, sizeof(buf));
        d->bus = (unsigned)strtoul(buf, NULL, 10);
        attr(dir, "devnum", buf, sizeof(buf));
        d->address = (unsigned)strtoul(buf, NULL, 10);
        attr(dir, "product", d->product, sizeof(d->product));
        attr(dir, "serial", d->serial, sizeof(d->serial));
        find_ports(dir, d);
        return 1;
}

static int cmp_dev(const void *a, const void *b)
{
        return strcmp(((const struct sf_device *)a)->name, ((const struct sf_device *)b)->name);
}

int sf_device_list(struct sf_device **ret, size_t *ret_n, struct sf_error *err)
{
        char base[1024];
        _cleanup_closedir_ DIR *d = NULL;
        struct sf_device *list;
        struct dirent *de;
        size_t n = 0;

        if (!ret || !ret_n)
                return -EINVAL;
        snprintf(base, sizeof(base), "%.900s/bus/usb/devices",
                 root("SAFEFLASH_SYSFS_ROOT", "/sys"));
        d = opendir(base);
        if (!d)
                return sf_error_set(err, -errno, "%s: %s", base, strerror(errno));
        list = calloc(MAX_DEVICES, sizeof(*list));
        if (!list)
                return -ENOMEM;
        while ((de = readdir(d)) && n < MAX_DEVICES) {
                char dir[2048];
                if (de->d_name[0] == '.' || strchr(de->d_name, ':'))
                        continue;
                snprintf(dir, sizeof(dir), "%s/%s", base, de->d_name);
                n += (size_t)read_device(dir, de->d_name, &list[n]);
        }
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
