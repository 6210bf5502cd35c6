/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "usb.h"
#include "util/cleanup.h"
#include "util/strutil.h"

static size_t put(uint8_t *out, size_t size, size_t pos, const uint8_t *b, size_t n)
{
        if (pos <= size && n <= size - pos)
                memcpy(out + pos, b, n);
        return pos + n;
}

/* USB 2.0 chapter 9.6: device, configuration, interface and endpoint descriptors. */
size_t sim_usb_descriptors(const struct sim_usb_desc *d, uint8_t *out, size_t size)
{
        bool ss = d->speed >= 5000;
        uint8_t dev[18] = {18,   1,    0x00, ss ? 0x03 : 0x02, 0, 0, 0, ss ? 9 : 64,
                           (uint8_t)d->vid, (uint8_t)(d->vid >> 8), (uint8_t)d->pid,
                           (uint8_t)(d->pid >> 8), (uint8_t)d->bcd, (uint8_t)(d->bcd >> 8),
                           d->manufacturer ? 1 : 0, d->product ? 2 : 0, d->serial ? 3 : 0, 1};
        uint8_t cfg[9] = {9, 2, 0, 0, (uint8_t)d->n_ifaces, 1, 0, 0xa0, 250};
        size_t pos = put(out, size, 0, dev, sizeof(dev)), cfg_at = pos, total = 9;

        pos = put(out, size, pos, cfg, sizeof(cfg));
        for (unsigned k = 0; k < d->n_ifaces && k < SIM_USB_MAX_IFACES; k++) {
                const struct sim_usb_iface *i = &d->ifaces[k];
                uint8_t eps[2] = {i->ep_in, i->ep_out};
                uint8_t ifd[9] = {9, 4, i->number, 0, (uint8_t)((i->ep_in != 0) + (i->ep_out != 0)),
                                  i->cls, i->subcls, i->proto, 0};
                pos = put(out, size, pos, ifd, sizeof(ifd));
                total += sizeof(ifd);
                for (int e = 0; e < 2; e++) {
                        uint8_t epd[7] = {7, 5, eps[e], 2, (uint8_t)i->max_packet,
                                          (uint8_t)(i->max_packet >> 8), 0};
                        if (!eps[e])
                                continue;
                        pos = put(out, size, pos, epd, sizeof(epd));
                        total += sizeof(epd);
                }
        }
        if (cfg_at + 4 <= size) {
                out[cfg_at + 2] = (uint8_t)total;
                out[cfg_at + 3] = (uint8_t)(total >> 8);
        }
        return pos <= size ? pos : size;
}

/* The addresses of the devices on the bus now (a stale directory left by a killed simulator
 * keeps its address taken, as a device that never left would). */
static void addresses_in_use(const char *busdir, uint8_t used[16])
{
        char path[PATH_MAX], attr[PATH_MAX + 300], buf[16];
        _cleanup_closedir_ DIR *dir = NULL;
        struct dirent *de;

        snprintf(path, sizeof(path), "%s/sys/bus/usb/devices", busdir);
        dir = opendir(path);
        while (dir && (de = readdir(dir))) {
                _cleanup_close_ int fd = -1;
                unsigned long v;
                ssize_t n;
                if (de->d_name[0] == '.')
                        continue;
                snprintf(attr, sizeof(attr), "%s/%s/devnum", path, de->d_name);
                fd = open(attr, O_RDONLY | O_CLOEXEC);
                n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
                if (n <= 0)
                        continue;
                buf[n] = '\0';
                v = strtoul(buf, NULL, 10);
                if (v <= SIM_DEVNUM_LAST)
                        used[v / 8] |= (uint8_t)(1u << (v % 8));
        }
}

/* The next free address after last, round robin over [FIRST, LAST]; 0 when none is free. */
static unsigned next_free(unsigned last, const uint8_t used[16])
{
        unsigned count = SIM_DEVNUM_LAST - SIM_DEVNUM_FIRST + 1;
        unsigned c =
                last < SIM_DEVNUM_FIRST || last >= SIM_DEVNUM_LAST ? SIM_DEVNUM_FIRST : last + 1;

        for (unsigned i = 0; i < count; i++, c = c >= SIM_DEVNUM_LAST ? SIM_DEVNUM_FIRST : c + 1)
                if (!(used[c / 8] & (1u << (c % 8))))
                        return c;
        return 0;
}

int sim_bus_alloc_devnum(const char *busdir, unsigned *ret)
{
        char path[PATH_MAX], buf[16] = "";
        _cleanup_close_ int fd = -1;
        uint8_t used[16] = {0};
        unsigned next;
        ssize_t n;
        int len;

        snprintf(path, sizeof(path), "%s/usb/.devnum", busdir);
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return -errno;
        n = pread(fd, buf, sizeof(buf) - 1, 0);
        buf[n > 0 ? n : 0] = '\0';
        addresses_in_use(busdir, used);
        next = next_free((unsigned)strtoul(buf, NULL, 10), used);
        if (!next)
                return -ENOSPC;
        len = snprintf(buf, sizeof(buf), "%u\n", next);
        if (pwrite(fd, buf, (size_t)len, 0) != len || ftruncate(fd, len) < 0)
                return -EIO;
        *ret = next;
        return 0; /* closing the file releases the lock */
}
