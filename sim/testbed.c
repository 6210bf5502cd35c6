/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bus's umockdev testbed (testbed.h). umockdev 0.17 makes every testbed in a new temporary
 * directory of its own; several simulators share one bus, so each one's testbed object is
 * pointed at the bus directory: its temporary root is replaced by a symlink to BUSDIR, and the
 * object is never destroyed (its destructor would delete the whole bus). */
#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <umockdev.h>
#include <unistd.h>

#include "testbed.h"
#include "util/strutil.h"

/* umockdev binds sockets under the testbed object's own root: BUSDIR/umockdev.XXXXXX/ioctl//dev/
 * bus/usb/001/002 must fit in an AF_UNIX path. */
#define SIM_BUSDIR_MAX 60

static int mkdir_in(const char *root, const char *sub)
{
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "%s/%s", root, sub);
        return mkdir(path, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

static int rm_rf(const char *path)
{
        char sub[PATH_MAX];
        DIR *dir = opendir(path);
        struct dirent *de;

        if (!dir)
                return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
        while ((de = readdir(dir))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
                rm_rf(sub);
        }
        closedir(dir);
        return rmdir(path) < 0 ? -errno : 0;
}

static bool connectable(const char *path)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int fd, r;

        if (sf_strlcpy(sa.sun_path, sizeof(sa.sun_path), path) < 0)
                return false;
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return false;
        r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
        close(fd);
        return r == 0;
}

static long long now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sim_testbed_keep_default(struct sim_testbed *t)
{
        char path[PATH_MAX];
        long long now = now_ms();

        if (!t->tb || now - t->default_checked_ms < 500)
                return;
        t->default_checked_ms = now;
        snprintf(path, sizeof(path), "%s/ioctl/_default", t->root);
        if (access(path, F_OK) == 0 && connectable(path))
                return;
        unlink(path); /* left by a simulator that was killed */
        if (link(t->spare, path) < 0 && errno != EEXIST)
                fprintf(stderr, "safeflash-sim: %s: %s\n", path, strerror(errno));
}

/* Point the new testbed object at the bus: keep its default ioctl socket as our spare, then
 * replace its root by a symlink to the bus directory. */
static int adopt(struct sim_testbed *t)
{
        char *own = umockdev_testbed_get_root_dir(t->tb), path[PATH_MAX];
        int r;

        r = sf_strlcpy(t->own, sizeof(t->own), own);
        g_free(own);
        if (r < 0)
                return r;
        snprintf(t->spare, sizeof(t->spare), "%.900s/ioctl/.default-%ld", t->root, (long)getpid());
        snprintf(path, sizeof(path), "%s/ioctl/_default", t->own);
        if (rename(path, t->spare) < 0)
                return -errno;
        r = rm_rf(t->own);
        if (r < 0)
                return r;
        if (symlink(t->root, t->own) < 0)
                return -errno;
        t->default_checked_ms = -1000;
        sim_testbed_keep_default(t);
        return 0;
}

int sim_testbed_open(struct sim_testbed *t, const char *busdir)
{
        static const char *const dirs[] = {"sys", "sys/bus", "sys/class", "dev", "ioctl"};
        char *real = realpath(busdir, NULL);
        int r;

        memset(t, 0, sizeof(*t));
        if (!real)
                return -errno;
        r = strlen(real) > SIM_BUSDIR_MAX ? -ENAMETOOLONG
                                          : sf_strlcpy(t->root, sizeof(t->root), real);
        free(real);
        for (size_t i = 0; r >= 0 && i < sizeof(dirs) / sizeof(*dirs); i++)
                r = mkdir_in(t->root, dirs[i]);
        if (r < 0)
                return r;
        /* The object's temporary root goes where its sockets can be moved by rename(). */
        g_setenv("TMPDIR", t->root, TRUE);
        /* umockdev_testbed_new() starts its worker thread, whose socket listener reads the
         * environment (GObject's getenv), and only then sets UMOCKDEV_DIR: adding a variable
         * may move the environment under that getenv (a SEGV seen in the fault matrix). Set
         * now, it is only replaced then, and glibc's setenv leaves the array in place. */
        if (!g_getenv("UMOCKDEV_DIR"))
                g_setenv("UMOCKDEV_DIR", t->root, TRUE);
        t->tb = umockdev_testbed_new();
        if (!t->tb)
                return -ENOMEM;
        r = adopt(t);
        if (r < 0)
                t->tb = NULL; /* never unref: the destructor would remove the bus */
        return r;
}

void sim_testbed_close(struct sim_testbed *t)
{
        char path[PATH_MAX];
        struct stat a, b;

        if (!t->tb)
                return;
        snprintf(path, sizeof(path), "%s/ioctl/_default", t->root);
        if (stat(path, &a) == 0 && stat(t->spare, &b) == 0 && a.st_ino == b.st_ino)
                unlink(path); /* another simulator on the bus takes over */
        unlink(t->spare);
        unlink(t->own);
        t->tb = NULL;
}

int sim_testbed_write_env(const struct sim_testbed *t, const char *dir)
{
        char path[PATH_MAX], tmp[PATH_MAX];
        FILE *f;
        int r = 0;

        snprintf(path, sizeof(path), "%s/env", dir);
        snprintf(tmp, sizeof(tmp), "%s/.env.new", dir);
        f = fopen(tmp, "we");
        if (!f)
                return -errno;
        fprintf(f, "UMOCKDEV_DIR=%s\nLD_PRELOAD=libumockdev-preload.so.0\n", t->root);
#if defined(__SANITIZE_ADDRESS__) || defined(SIM_ASAN)
        /* A client built like this simulator is sanitized: ASan must let the preload go first. */
        {
                const char *o = getenv("ASAN_OPTIONS");
                fprintf(f, "ASAN_OPTIONS=%s%sverify_asan_link_order=0\n", o ? o : "",
                        o && *o ? ":" : "");
        }
#endif
        if (ferror(f))
                r = -EIO;
        if (fclose(f) != 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        return r;
}

void sim_testbed_syspath(const struct sim_usb_desc *d, char *out, size_t size)
{
        snprintf(out, size, "/sys/devices/pci0000:00/0000:00:14.0/usb%u/%s", d->busnum, d->name);
}

void sim_testbed_devnode(const struct sim_usb_desc *d, char *out, size_t size)
{
        snprintf(out, size, "/dev/bus/usb/%03u/%03u", d->busnum, d->devnum);
}

/* The kernel's names for the serial driver of an interface: qcserial binds the EDL interface
 * (05c6:9008), option the running module's serial functions (quectel.md 5.3). */
static const char *iface_driver(const struct sim_usb_desc *d)
{
        return d->vid == 0x05c6 ? "qcserial" : "option";
}

static void append(GString *s, const struct sim_usb_desc *d)
{
        char sys[256];
        uint8_t desc[512];
        size_t n = sim_usb_descriptors(d, desc, sizeof(desc));
        unsigned minor = (d->busnum - 1) * 128 + d->devnum - 1;

        sim_testbed_syspath(d, sys, sizeof(sys));
        g_string_append_printf(
                s,
                "P: %s\nN: bus/usb/%03u/%03u\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\n"
                "E: DRIVER=usb\nE: DEVNAME=/dev/bus/usb/%03u/%03u\nE: BUSNUM=%03u\n"
                "E: DEVNUM=%03u\nE: MAJOR=189\nE: MINOR=%u\nE: PRODUCT=%x/%x/%x\nE: TYPE=0/0/0\n"
                "A: idVendor=%04x\\n\nA: idProduct=%04x\\n\nA: bcdDevice=%04x\\n\n"
                "A: busnum=%u\\n\nA: devnum=%u\\n\nA: devpath=%s\\n\nA: speed=%u\\n\n"
                "A: bNumInterfaces=%2u\\n\nA: bConfigurationValue=1\\n\nA: bNumConfigurations=1\\n\n"
                "A: bDeviceClass=00\\n\nA: bMaxPacketSize0=%u\\n\nA: version=%s\\n\n"
                "A: dev=189:%u\n", /* no newline: umockdev names sys/dev/char links by it */
                sys + 4, d->busnum, d->devnum, d->busnum, d->devnum, d->busnum, d->devnum, minor,
                d->vid, d->pid, d->bcd, d->vid, d->pid, d->bcd, d->busnum, d->devnum,
                strchr(d->name, '-') + 1, d->speed, d->n_ifaces, d->speed >= 5000 ? 9 : 64,
                d->speed >= 5000 ? " 3.00" : " 2.00", minor);
        if (d->manufacturer)
                g_string_append_printf(s, "A: manufacturer=%s\\n\n", d->manufacturer);
        if (d->product)
                g_string_append_printf(s, "A: product=%s\\n\n", d->product);
        if (d->serial)
                g_string_append_printf(s, "A: serial=%s\\n\n", d->serial);
        g_string_append(s, "H: descriptors=");
        for (size_t i = 0; i < n; i++)
                g_string_append_printf(s, "%02X", desc[i]);
        g_string_append(s, "\n\n");
}

static void append_iface(GString *s, const struct sim_usb_desc *d, const struct sim_usb_iface *i)
{
        char sys[256];
        unsigned tty;

        sim_testbed_syspath(d, sys, sizeof(sys));
        g_string_append_printf(
                s,
                "P: %s/%s:1.%u\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_interface\nE: DRIVER=%s\n"
                "E: PRODUCT=%x/%x/%x\nE: TYPE=0/0/0\nE: INTERFACE=%u/%u/%u\n"
                "A: bInterfaceNumber=%02x\\n\nA: bAlternateSetting= 0\\n\n"
                "A: bInterfaceClass=%02x\\n\nA: bInterfaceSubClass=%02x\\n\n"
                "A: bInterfaceProtocol=%02x\\n\nA: bNumEndpoints=%02x\\n\n"
                "L: driver=../../../../../../bus/usb/drivers/%s\n\n",
                sys + 4, d->name, i->number, iface_driver(d), d->vid, d->pid, d->bcd, i->cls,
                i->subcls, i->proto, i->number, i->cls, i->subcls, i->proto,
                (i->ep_in != 0) + (i->ep_out != 0), iface_driver(d));
        if (!i->tty || sscanf(i->tty, "ttyUSB%u", &tty) != 1)
                return;
        /* The usb-serial port, then its tty class device: the node the host opens. */
        g_string_append_printf(s,
                               "P: %s/%s:1.%u/%s\nE: SUBSYSTEM=usb-serial\nE: DRIVER=%s\n"
                               "A: port_number=0\\n\n"
                               "L: driver=../../../../../../../bus/usb-serial/drivers/%s\n\n"
                               "P: %s/%s:1.%u/%s/tty/%s\nE: SUBSYSTEM=tty\nE: DEVNAME=/dev/%s\n"
                               "E: MAJOR=188\nE: MINOR=%u\nA: dev=188:%u\n\n",
                               sys + 4, d->name, i->number, i->tty, iface_driver(d),
                               iface_driver(d), sys + 4, d->name, i->number, i->tty, i->tty, i->tty, tty, tty);
}

/* MurmurHash2 (seed 0), which libudev's monitor uses to filter by subsystem and devtype. */
static uint32_t murmur2(const char *str)
{
        const uint32_t m = 0x5bd1e995;
        size_t len = strlen(str);
        const unsigned char *p = (const unsigned char *)str;
        uint32_t h = (uint32_t)len;

        for (; len >= 4; p += 4, len -= 4) {
                uint32_t k = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                             (uint32_t)p[3] << 24;
                k *= m;
                k ^= k >> 24;
                k *= m;
                h = h * m ^ k;
        }
        if (len >= 3)
                h ^= (uint32_t)p[2] << 16;
        if (len >= 2)
                h ^= (uint32_t)p[1] << 8;
        if (len >= 1) {
                h ^= p[0];
                h *= m;
        }
        h ^= h >> 13;
        h *= m;
        return h ^ (h >> 15);
}

/* One uevent as udevd multicasts it: the "libudev" monitor header, then KEY=VALUE strings
 * (ACTION, DEVPATH, SUBSYSTEM, SEQNUM, then the device's uevent file). umockdev's preload
 * binds each client's uevent socket at root/eventN. */
static void uevent(const struct sim_testbed *t, const char *syspath, const char *action,
                   const char *subsystem, const char *devtype)
{
        static unsigned long long seqnum;
        char props[4096], file[512], path[PATH_MAX];
        uint32_t hdr[10] = {0};
        size_t n = 0;
        FILE *f;
        glob_t gl;
        int fd;

        n += (size_t)snprintf(props, sizeof(props), "ACTION=%s%cDEVPATH=%s%cSUBSYSTEM=%s%cSEQNUM=%llu",
                              action, 0, syspath + 4, 0, subsystem, 0, ++seqnum) + 1;
        snprintf(path, sizeof(path), "%s%s/uevent", t->root, syspath);
        f = fopen(path, "re");
        while (f && fgets(file, sizeof(file), f) && n + strlen(file) + 1 < sizeof(props)) {
                file[strcspn(file, "\n")] = '\0';
                memcpy(props + n, file, strlen(file) + 1);
                n += strlen(file) + 1;
        }
        if (f)
                fclose(f);
        memcpy(hdr, "libudev", 8);
        hdr[2] = htonl(0xfeedcafe);
        hdr[3] = sizeof(hdr);
        hdr[4] = sizeof(hdr);
        hdr[5] = (uint32_t)n;
        hdr[6] = htonl(murmur2(subsystem));
        hdr[7] = devtype ? htonl(murmur2(devtype)) : 0;
        snprintf(path, sizeof(path), "%s/event[0-9]*", t->root);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0 || glob(path, GLOB_NOSORT, NULL, &gl) != 0) {
                if (fd >= 0)
                        close(fd);
                return;
        }
        for (size_t i = 0; i < gl.gl_pathc; i++) {
                struct sockaddr_un sa = {.sun_family = AF_UNIX};
                struct iovec iov[2] = {{hdr, sizeof(hdr)}, {props, n}};
                struct msghdr msg = {.msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = iov,
                                     .msg_iovlen = 2};
                if (sf_strlcpy(sa.sun_path, sizeof(sa.sun_path), gl.gl_pathv[i]) < 0)
                        continue;
                if (sendmsg(fd, &msg, MSG_NOSIGNAL) < 0 && errno == ECONNREFUSED)
                        unlink(gl.gl_pathv[i]); /* a monitor that was closed */
        }
        globfree(&gl);
        close(fd);
}

/* Every sysfs path of the device, parents first. */
static unsigned paths(const struct sim_usb_desc *d, char out[][320], unsigned max)
{
        char sys[256];
        unsigned n = 0;

        sim_testbed_syspath(d, sys, sizeof(sys));
        snprintf(out[n++], 320, "%.200s", sys);
        for (unsigned k = 0; k < d->n_ifaces && k < SIM_USB_MAX_IFACES && n + 3 <= max; k++) {
                const struct sim_usb_iface *i = &d->ifaces[k];
                snprintf(out[n++], 320, "%.200s/%s:1.%u", sys, d->name, i->number);
                if (!i->tty)
                        continue;
                snprintf(out[n++], 320, "%.200s/%s:1.%u/%.16s", sys, d->name, i->number, i->tty);
                snprintf(out[n++], 320, "%.200s/%s:1.%u/%.16s/tty/%.16s", sys, d->name, i->number,
                         i->tty, i->tty);
        }
        return n;
}

/* The subsystem and devtype of one of the paths above, from its shape. */
static const char *kind(const char *path, const char **ret_devtype)
{
        const char *last = strrchr(path, '/') + 1;

        *ret_devtype = NULL;
        if (strstr(path, "/tty/"))
                return "tty";
        if (strncmp(last, "ttyUSB", 6) == 0)
                return "usb-serial";
        *ret_devtype = strchr(last, ':') ? "usb_interface" : "usb_device";
        return "usb";
}

int sim_testbed_add_usb(struct sim_testbed *t, const struct sim_usb_desc *d,
                        struct _UMockdevIoctlBase *handler)
{
        char all[3 * SIM_USB_MAX_IFACES + 1][320], node[64];
        GString *s = g_string_new(NULL);
        GError *e = NULL;
        unsigned n = paths(d, all, sizeof(all) / sizeof(*all));
        const char *dev;
        gboolean ok;

        /* The node is answered before it exists: a program that finds the device by reading
         * sysfs, before its uevent, must not open an unanswered node. */
        sim_testbed_devnode(d, node, sizeof(node));
        if (handler && !umockdev_testbed_attach_ioctl(t->tb, node, handler, &e)) {
                g_clear_error(&e);
                g_string_free(s, TRUE);
                return -EIO;
        }
        append(s, d);
        for (unsigned k = 0; k < d->n_ifaces && k < SIM_USB_MAX_IFACES; k++)
                append_iface(s, d, &d->ifaces[k]);
        ok = umockdev_testbed_add_from_string(t->tb, s->str, &e);
        g_string_free(s, TRUE);
        if (!ok) {
                fprintf(stderr, "safeflash-sim: testbed: %s\n", e ? e->message : "?");
                g_clear_error(&e);
                if (handler)
                        umockdev_testbed_detach_ioctl(t->tb, node, NULL);
                return -EINVAL;
        }
        for (unsigned k = 0; k < n; k++) {
                const char *sub = kind(all[k], &dev);
                uevent(t, all[k], "add", sub, dev);
        }
        return 0;
}

void sim_testbed_remove_usb(struct sim_testbed *t, const struct sim_usb_desc *d)
{
        char all[3 * SIM_USB_MAX_IFACES + 1][320], node[64], dir[PATH_MAX];
        unsigned n = paths(d, all, sizeof(all) / sizeof(*all));
        struct stat st;

        sim_testbed_devnode(d, node, sizeof(node));
        for (unsigned k = n; k-- > 0;) {
                snprintf(dir, sizeof(dir), "%s%s", t->root, all[k]);
                if (stat(dir, &st) < 0)
                        continue;
                const char *dev;
                const char *sub = kind(all[k], &dev);
                uevent(t, all[k], "remove", sub, dev);
                umockdev_testbed_remove_device(t->tb, all[k]);
        }
        /* Last: a program that opened the node before answers ENODEV from usbfs.c until then. */
        umockdev_testbed_detach_ioctl(t->tb, node, NULL);
}
