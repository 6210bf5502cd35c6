/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "usb.h"
#include "util/cleanup.h"
#include "util/strutil.h"

static int write_attr(const char *dir, const char *name, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static int write_attr(const char *dir, const char *name, const char *fmt, ...)
{
        char path[PATH_MAX];
        _cleanup_fclose_ FILE *f = NULL;
        va_list ap;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "we");
        if (!f)
                return -errno;
        va_start(ap, fmt);
        vfprintf(f, fmt, ap);
        va_end(ap);
        return ferror(f) ? -EIO : 0;
}

static int write_iface(const char *devdir, const struct sim_usb_desc *d,
                       const struct sim_usb_iface *i)
{
        char dir[PATH_MAX + 64], ep[PATH_MAX + 96];
        uint8_t eps[2] = {i->ep_in, i->ep_out};
        unsigned n_eps = (i->ep_in != 0) + (i->ep_out != 0);

        snprintf(dir, sizeof(dir), "%s/%s:1.%u", devdir, d->name, i->number);
        if (mkdir(dir, 0755) < 0)
                return -errno;
        write_attr(dir, "bInterfaceNumber", "%02x\n", i->number);
        write_attr(dir, "bInterfaceClass", "%02x\n", i->cls);
        write_attr(dir, "bInterfaceSubClass", "%02x\n", i->subcls);
        write_attr(dir, "bInterfaceProtocol", "%02x\n", i->proto);
        write_attr(dir, "bNumEndpoints", "%02x\n", n_eps);
        for (int k = 0; k < 2; k++) {
                if (!eps[k])
                        continue;
                snprintf(ep, sizeof(ep), "%s/ep_%02x", dir, eps[k]);
                if (mkdir(ep, 0755) < 0)
                        return -errno;
                write_attr(ep, "bEndpointAddress", "%02x\n", eps[k]);
                write_attr(ep, "bmAttributes", "02\n");
                write_attr(ep, "wMaxPacketSize", "%04x\n", i->max_packet);
        }
        if (i->tty) {
                snprintf(ep, sizeof(ep), "%s/%s", dir, i->tty);
                if (mkdir(ep, 0755) < 0)
                        return -errno;
        }
        return 0;
}

static int write_device(const char *dir, const struct sim_usb_desc *d)
{
        write_attr(dir, "idVendor", "%04x\n", d->vid);
        write_attr(dir, "idProduct", "%04x\n", d->pid);
        write_attr(dir, "bcdDevice", "%04x\n", d->bcd);
        write_attr(dir, "busnum", "%u\n", d->busnum);
        write_attr(dir, "devnum", "%u\n", d->devnum);
        write_attr(dir, "devpath", "%s\n", strchr(d->name, '-') ? strchr(d->name, '-') + 1 : "1");
        write_attr(dir, "speed", "%u\n", d->speed ? d->speed : 480);
        write_attr(dir, "bNumInterfaces", "%2u\n", d->n_ifaces);
        write_attr(dir, "bConfigurationValue", "1\n");
        if (d->manufacturer)
                write_attr(dir, "manufacturer", "%s\n", d->manufacturer);
        if (d->product)
                write_attr(dir, "product", "%s\n", d->product);
        if (d->serial)
                write_attr(dir, "serial", "%s\n", d->serial);
        if (d->socket_path)
                write_attr(dir, "sim-socket", "%s\n", d->socket_path);
        for (unsigned i = 0; i < d->n_ifaces && i < SIM_USB_MAX_IFACES; i++) {
                int r = write_iface(dir, d, &d->ifaces[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int rm_rf(const char *path)
{
        char cmdless[PATH_MAX + 64];
        _cleanup_closedir_ DIR *dir = opendir(path);
        struct dirent *de;

        if (!dir)
                return errno == ENOENT ? 0 : (unlink(path) < 0 ? -errno : 0);
        while ((de = readdir(dir))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                snprintf(cmdless, sizeof(cmdless), "%s/%s", path, de->d_name);
                rm_rf(cmdless);
        }
        return rmdir(path) < 0 ? -errno : 0;
}

int sim_sysfs_add(const char *sysroot, const struct sim_usb_desc *d)
{
        char tmp[PATH_MAX], final[PATH_MAX];
        int r;

        snprintf(final, sizeof(final), "%s/bus/usb/devices/%s", sysroot, d->name);
        snprintf(tmp, sizeof(tmp), "%s/bus/usb/devices/.%s.new", sysroot, d->name);
        rm_rf(tmp);
        if (mkdir(tmp, 0755) < 0)
                return -errno;
        r = write_device(tmp, d);
        if (r < 0) {
                rm_rf(tmp);
                return r;
        }
        rm_rf(final);
        return rename(tmp, final) < 0 ? -errno : 0;
}

int sim_sysfs_remove(const char *sysroot, const char *name)
{
        char path[PATH_MAX], tmp[PATH_MAX];

        snprintf(path, sizeof(path), "%s/bus/usb/devices/%s", sysroot, name);
        snprintf(tmp, sizeof(tmp), "%s/bus/usb/devices/.%s.old", sysroot, name);
        /* Move it out of sight first, so a reader never sees half a device. */
        if (rename(path, tmp) < 0)
                return errno == ENOENT ? 0 : -errno;
        return rm_rf(tmp);
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

int sim_usb_listen(struct sim_usb_ep *ep, const char *path)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int fd;

        ep->listen_fd = ep->conn_fd = -1;
        if (sf_strlcpy(sa.sun_path, sizeof(sa.sun_path), path) < 0 ||
            sf_strlcpy(ep->path, sizeof(ep->path), path) < 0)
                return -ENAMETOOLONG;
        unlink(path);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        ep->listen_fd = fd;
        return 0;
}

int sim_usb_accept(struct sim_usb_ep *ep)
{
        int fd = accept4(ep->listen_fd, NULL, NULL, SOCK_CLOEXEC);

        if (fd < 0)
                return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
        if (ep->conn_fd >= 0) { /* one open handle at a time, like a claimed interface */
                close(fd);
                return 0;
        }
        ep->conn_fd = fd;
        return 1;
}

int sim_usb_send(struct sim_usb_ep *ep, const uint8_t *buf, size_t len)
{
        uint8_t msg[SIM_USB_TUNNEL_HDR + SIM_USB_TUNNEL_MAX];
        ssize_t n;

        if (ep->conn_fd < 0)
                return -ENOTCONN;
        if (len > SIM_USB_TUNNEL_MAX)
                return -EMSGSIZE;
        msg[0] = SIM_USB_TYPE_BULK;
        msg[1] = 0x81;
        msg[2] = msg[3] = 0;
        memcpy(msg + SIM_USB_TUNNEL_HDR, buf, len);
        do
                n = send(ep->conn_fd, msg, SIM_USB_TUNNEL_HDR + len, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        return n < 0 ? -errno : 0;
}

int sim_usb_recv(struct sim_usb_ep *ep, uint8_t *buf, size_t size, size_t *ret_len)
{
        uint8_t msg[SIM_USB_TUNNEL_HDR + SIM_USB_TUNNEL_MAX];
        ssize_t n;

        if (ep->conn_fd < 0)
                return -ENOTCONN;
        do
                n = recv(ep->conn_fd, msg, sizeof(msg), MSG_DONTWAIT);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return errno == ECONNRESET ? 0 : -errno;
        if (n == 0)
                return 0;
        if (n < SIM_USB_TUNNEL_HDR || msg[0] != SIM_USB_TYPE_BULK ||
            (size_t)n - SIM_USB_TUNNEL_HDR > size)
                return -EPROTO;
        memcpy(buf, msg + SIM_USB_TUNNEL_HDR, (size_t)n - SIM_USB_TUNNEL_HDR);
        *ret_len = (size_t)n - SIM_USB_TUNNEL_HDR;
        return 1;
}

void sim_usb_disconnect(struct sim_usb_ep *ep)
{
        if (ep->conn_fd >= 0)
                close(ep->conn_fd);
        ep->conn_fd = -1;
}

void sim_usb_close(struct sim_usb_ep *ep)
{
        sim_usb_disconnect(ep);
        if (ep->listen_fd >= 0) {
                close(ep->listen_fd);
                unlink(ep->path);
        }
        ep->listen_fd = -1;
}
