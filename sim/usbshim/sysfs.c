/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Devices from the simulator's sysfs-like tree. Everything read here comes from another program,
 * so every file is read with a cap, every number is range-checked, and anything malformed makes
 * that one device absent. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim.h"
#include "util/cleanup.h"

struct attr_spec {
        const char *name;
        unsigned base;
        unsigned max;
        bool required;
        unsigned fallback;
};

enum {
        A_VENDOR,
        A_PRODUCT,
        A_BCD_DEVICE,
        A_BUSNUM,
        A_DEVNUM,
        A_CONFIG,
        A_CLASS,
        A_SUBCLASS,
        A_PROTOCOL,
        A_MAX_PACKET0,
        A_COUNT
};

static const struct attr_spec device_attrs[A_COUNT] = {
        [A_VENDOR] = {"idVendor", 16, 0xffff, true, 0},
        [A_PRODUCT] = {"idProduct", 16, 0xffff, true, 0},
        [A_BCD_DEVICE] = {"bcdDevice", 16, 0xffff, false, 0},
        [A_BUSNUM] = {"busnum", 10, 255, true, 0},
        [A_DEVNUM] = {"devnum", 10, 255, true, 0},
        [A_CONFIG] = {"bConfigurationValue", 10, 255, false, 1},
        [A_CLASS] = {"bDeviceClass", 16, 0xff, false, 0},
        [A_SUBCLASS] = {"bDeviceSubClass", 16, 0xff, false, 0},
        [A_PROTOCOL] = {"bDeviceProtocol", 16, 0xff, false, 0},
        [A_MAX_PACKET0] = {"bMaxPacketSize0", 10, 255, false, 64},
};

static int parse_number(const char *s, unsigned base, unsigned max, unsigned *ret)
{
        unsigned long v = 0;
        size_t digits = 0;

        while (*s == ' ' || *s == '\t')
                s++;
        for (; base == 16 ? isxdigit((unsigned char)*s) : isdigit((unsigned char)*s); s++) {
                if (++digits > 8)
                        return -ERANGE;
                v = v * base + (unsigned)(isdigit((unsigned char)*s)
                                                  ? *s - '0'
                                                  : tolower((unsigned char)*s) - 'a' + 10);
        }
        if (digits == 0)
                return -EINVAL;
        while (*s == ' ' || *s == '\t' || *s == '\n')
                s++;
        if (*s != '\0')
                return -EINVAL;
        if (v > max)
                return -ERANGE;
        *ret = (unsigned)v;
        return 0;
}

/* A strict decimal token inside a name: 1 to 3 digits, nothing around them. */
static int parse_token(const char **p, unsigned min, unsigned max, unsigned *ret)
{
        unsigned v = 0;
        size_t digits = 0;

        for (; isdigit((unsigned char)**p); (*p)++) {
                if (++digits > 3)
                        return -ERANGE;
                v = v * 10 + (unsigned)(**p - '0');
        }
        if (digits == 0)
                return -EINVAL;
        if (v < min || v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

/* "2-1.4" is bus 2, ports 1 and 4; "usb2" is the root hub of bus 2, with no ports. */
static int parse_device_name(const char *name, unsigned *ret_bus, uint8_t ports[SHIM_MAX_PORTS],
                             uint8_t *ret_n_ports)
{
        bool root_hub = strncmp(name, "usb", 3) == 0;
        const char *p = root_hub ? name + 3 : name;
        unsigned bus, port;
        uint8_t n = 0;
        int r;

        r = parse_token(&p, 1, 255, &bus);
        if (r < 0)
                return r;
        if (root_hub) {
                if (*p != '\0')
                        return -EINVAL;
                *ret_bus = bus;
                *ret_n_ports = 0;
                return 0;
        }
        if (*p++ != '-')
                return -EINVAL;
        for (;;) {
                if (n >= SHIM_MAX_PORTS)
                        return -E2BIG;
                r = parse_token(&p, 1, 255, &port);
                if (r < 0)
                        return r;
                ports[n++] = (uint8_t)port;
                if (*p == '\0')
                        break;
                if (*p++ != '.')
                        return -EINVAL;
        }
        *ret_bus = bus;
        *ret_n_ports = n;
        return 0;
}

static int read_attr(int dfd, const char *name, char *buf, size_t size)
{
        _cleanup_close_ int fd = -1;
        struct stat st;
        size_t n = 0;
        char extra;

        /* O_NONBLOCK: a FIFO planted in the tree must not hang the host program. */
        fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EINVAL;
        while (n < size - 1) {
                ssize_t k = read(fd, buf + n, size - 1 - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                n += (size_t)k;
        }
        if (n == size - 1 && read(fd, &extra, 1) != 0)
                return -EFBIG;
        buf[n] = '\0';
        return (int)strlen(buf);
}

static int read_number_attr(int dfd, const struct attr_spec *spec, unsigned *ret)
{
        char buf[SHIM_ATTR_MAX];
        int r;

        r = read_attr(dfd, spec->name, buf, sizeof(buf));
        if (r == -ENOENT && !spec->required) {
                *ret = spec->fallback;
                return 0;
        }
        if (r < 0)
                return r;
        return parse_number(buf, spec->base, spec->max, ret);
}

static int read_hex_attr(int dfd, const char *name, unsigned max, unsigned *ret)
{
        const struct attr_spec spec = {name, 16, max, true, 0};

        return read_number_attr(dfd, &spec, ret);
}

static int speed_from_attr(int dfd)
{
        static const struct {
                const char *text;
                int speed;
        } speeds[] = {
                {"1.5", LIBUSB_SPEED_LOW},          {"12", LIBUSB_SPEED_FULL},
                {"480", LIBUSB_SPEED_HIGH},         {"5000", LIBUSB_SPEED_SUPER},
                {"10000", LIBUSB_SPEED_SUPER_PLUS}, {"20000", LIBUSB_SPEED_SUPER_PLUS},
        };
        char buf[SHIM_ATTR_MAX];

        if (read_attr(dfd, "speed", buf, sizeof(buf)) < 0)
                return LIBUSB_SPEED_UNKNOWN;
        buf[strcspn(buf, " \n")] = '\0';
        for (size_t i = 0; i < sizeof(speeds) / sizeof(speeds[0]); i++)
                if (strcmp(buf, speeds[i].text) == 0)
                        return speeds[i].speed;
        return LIBUSB_SPEED_UNKNOWN;
}

static uint16_t bcd_usb_for_speed(int speed)
{
        switch (speed) {
        case LIBUSB_SPEED_LOW:
        case LIBUSB_SPEED_FULL:
                return 0x0110;
        case LIBUSB_SPEED_SUPER:
                return 0x0300;
        case LIBUSB_SPEED_SUPER_PLUS:
                return 0x0310;
        default:
                return 0x0200;
        }
}

static int load_ids(int dfd, struct libusb_device *dev, unsigned bus)
{
        struct libusb_device_descriptor *d = &dev->desc;
        unsigned v[A_COUNT];
        int r;

        for (size_t i = 0; i < A_COUNT; i++) {
                r = read_number_attr(dfd, &device_attrs[i], &v[i]);
                if (r < 0)
                        return r;
        }
        if (v[A_BUSNUM] != bus || v[A_DEVNUM] == 0 || v[A_CONFIG] == 0)
                return -EINVAL;

        dev->bus = (uint8_t)bus;
        dev->address = (uint8_t)v[A_DEVNUM];
        dev->config_value = (uint8_t)v[A_CONFIG];
        dev->speed = speed_from_attr(dfd);
        d->bLength = LIBUSB_DT_DEVICE_SIZE;
        d->bDescriptorType = LIBUSB_DT_DEVICE;
        d->bcdUSB = bcd_usb_for_speed(dev->speed);
        d->bDeviceClass = (uint8_t)v[A_CLASS];
        d->bDeviceSubClass = (uint8_t)v[A_SUBCLASS];
        d->bDeviceProtocol = (uint8_t)v[A_PROTOCOL];
        d->bMaxPacketSize0 = (uint8_t)v[A_MAX_PACKET0];
        d->idVendor = (uint16_t)v[A_VENDOR];
        d->idProduct = (uint16_t)v[A_PRODUCT];
        d->bcdDevice = (uint16_t)v[A_BCD_DEVICE];
        d->bNumConfigurations = 1;
        return 0;
}

static int load_strings(int dfd, struct libusb_device *dev)
{
        static const char *const files[SHIM_STR_COUNT] = {
                [SHIM_STR_MANUFACTURER] = "manufacturer",
                [SHIM_STR_PRODUCT] = "product",
                [SHIM_STR_SERIAL] = "serial",
        };
        uint8_t *index[SHIM_STR_COUNT] = {
                [SHIM_STR_MANUFACTURER] = &dev->desc.iManufacturer,
                [SHIM_STR_PRODUCT] = &dev->desc.iProduct,
                [SHIM_STR_SERIAL] = &dev->desc.iSerialNumber,
        };

        for (int i = SHIM_STR_MANUFACTURER; i < SHIM_STR_COUNT; i++) {
                char *s = dev->strings[i];
                int r = read_attr(dfd, files[i], s, SHIM_ATTR_MAX);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                if (r > 0 && s[r - 1] == '\n')
                        s[r - 1] = '\0';
                *index[i] = (uint8_t)i;
        }
        return 0;
}

static int load_socket(int dfd, struct libusb_device *dev)
{
        char buf[SHIM_ATTR_MAX];
        size_t len;
        int r;

        r = read_attr(dfd, "sim-socket", buf, sizeof(buf));
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        len = strcspn(buf, "\n");
        if (buf[len] == '\n' && buf[len + 1] != '\0')
                return -EINVAL; /* one line only */
        buf[len] = '\0';
        if (len == 0 || len >= sizeof(dev->socket_path))
                return -EINVAL;
        for (size_t i = 0; i < len; i++)
                if (iscntrl((unsigned char)buf[i]))
                        return -EINVAL;
        memcpy(dev->socket_path, buf, len + 1);
        return 0;
}

static DIR *opendir_at(int dfd, const char *name)
{
        int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d;

        if (fd < 0)
                return NULL;
        d = fdopendir(fd);
        if (!d) {
                int saved = errno;
                close(fd);
                errno = saved;
        }
        return d;
}

static int load_endpoint(int ifd, const char *name, unsigned address, struct shim_endpoint *ep)
{
        _cleanup_closedir_ DIR *d = opendir_at(ifd, name);
        const struct attr_spec interval = {"bInterval", 16, 0xff, false, 0};
        unsigned v, attributes, max_packet, poll;
        int r;

        if (!d)
                return -errno;
        r = read_hex_attr(dirfd(d), "bEndpointAddress", 0xff, &v);
        if (r < 0)
                return r;
        if (v != address)
                return -EINVAL;
        r = read_hex_attr(dirfd(d), "bmAttributes", 0xff, &attributes);
        if (r < 0)
                return r;
        r = read_hex_attr(dirfd(d), "wMaxPacketSize", 0xffff, &max_packet);
        if (r < 0)
                return r;
        r = read_number_attr(dirfd(d), &interval, &poll);
        if (r < 0)
                return r;
        ep->address = (uint8_t)address;
        ep->attributes = (uint8_t)attributes;
        ep->max_packet = (uint16_t)max_packet;
        ep->interval = (uint8_t)poll;
        return 0;
}

static int compare_endpoints(const void *a, const void *b)
{
        const struct shim_endpoint *x = a, *y = b;

        return (int)x->address - (int)y->address;
}

/* ep_XX directories: XX is the endpoint address in 2 hex digits; ep_00 is the control pipe. */
static int endpoint_dir_address(const char *name, unsigned *ret)
{
        if (strncmp(name, "ep_", 3) != 0 || strlen(name) != 5)
                return -EINVAL;
        if (!isxdigit((unsigned char)name[3]) || !isxdigit((unsigned char)name[4]))
                return -EINVAL;
        return parse_number(name + 3, 16, 0xff, ret);
}

static int load_endpoints(DIR *d, struct shim_interface *intf)
{
        struct dirent *e;
        unsigned address;
        int r;

        while ((e = readdir(d))) {
                if (endpoint_dir_address(e->d_name, &address) < 0 || (address & 0x0f) == 0)
                        continue;
                if ((address & 0x70) != 0)
                        return -EINVAL;
                for (size_t i = 0; i < intf->n_endpoints; i++)
                        if (intf->endpoints[i].address == address)
                                return -EEXIST;
                if (intf->n_endpoints >= SHIM_MAX_ENDPOINTS)
                        return -E2BIG;
                r = load_endpoint(dirfd(d), e->d_name, address,
                                  &intf->endpoints[intf->n_endpoints]);
                if (r < 0)
                        return r;
                intf->n_endpoints++;
        }
        qsort(intf->endpoints, intf->n_endpoints, sizeof(intf->endpoints[0]), compare_endpoints);
        return 0;
}

static int load_interface(int dfd, const char *name, unsigned number, struct shim_interface *intf)
{
        _cleanup_closedir_ DIR *d = opendir_at(dfd, name);
        unsigned v[4];
        static const char *const files[4] = {"bInterfaceNumber", "bInterfaceClass",
                                             "bInterfaceSubClass", "bInterfaceProtocol"};
        int r;

        if (!d)
                return -errno;
        for (size_t i = 0; i < 4; i++) {
                r = read_hex_attr(dirfd(d), files[i], 0xff, &v[i]);
                if (r < 0)
                        return r;
        }
        if (v[0] != number)
                return -EINVAL;
        *intf = (struct shim_interface){
                .number = (uint8_t)v[0],
                .class_code = (uint8_t)v[1],
                .subclass = (uint8_t)v[2],
                .protocol = (uint8_t)v[3],
        };
        return load_endpoints(d, intf);
}

static int compare_interfaces(const void *a, const void *b)
{
        const struct shim_interface *x = a, *y = b;

        return (int)x->number - (int)y->number;
}

/* An interface directory is DEVICE:CONFIG.IFNUM; returns 1 for one of the active config. */
static int interface_dir_number(const struct libusb_device *dev, const char *name, unsigned *ret)
{
        size_t len = strlen(dev->name);
        unsigned config, number;
        const char *p;

        if (strncmp(name, dev->name, len) != 0 || name[len] != ':')
                return 0;
        p = name + len + 1;
        if (parse_token(&p, 1, 255, &config) < 0 || *p++ != '.')
                return -EINVAL;
        if (parse_token(&p, 0, 255, &number) < 0 || *p != '\0')
                return -EINVAL;
        if (config != dev->config_value)
                return 0;
        *ret = number;
        return 1;
}

static int load_interfaces(DIR *d, struct libusb_device *dev)
{
        struct dirent *e;
        unsigned number;
        int r;

        while ((e = readdir(d))) {
                r = interface_dir_number(dev, e->d_name, &number);
                if (r <= 0) {
                        if (r < 0)
                                return r;
                        continue;
                }
                for (size_t i = 0; i < dev->n_interfaces; i++)
                        if (dev->interfaces[i].number == number)
                                return -EEXIST;
                if (dev->n_interfaces >= SHIM_MAX_INTERFACES)
                        return -E2BIG;
                r = load_interface(dirfd(d), e->d_name, number,
                                   &dev->interfaces[dev->n_interfaces]);
                if (r < 0)
                        return r;
                dev->n_interfaces++;
        }
        qsort(dev->interfaces, dev->n_interfaces, sizeof(dev->interfaces[0]), compare_interfaces);
        return 0;
}

static int load_device(int rootfd, const char *name, struct libusb_device **ret)
{
        _cleanup_free_ struct libusb_device *dev = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        unsigned bus;
        int r;

        if (strlen(name) >= SHIM_NAME_MAX)
                return -ENAMETOOLONG;
        dev = calloc(1, sizeof(*dev));
        if (!dev)
                return -ENOMEM;
        r = parse_device_name(name, &bus, dev->ports, &dev->n_ports);
        if (r < 0)
                return r;
        d = opendir_at(rootfd, name);
        if (!d)
                return -errno;
        memcpy(dev->name, name, strlen(name) + 1);

        r = load_ids(dirfd(d), dev, bus);
        if (r >= 0)
                r = load_strings(dirfd(d), dev);
        if (r >= 0)
                r = load_socket(dirfd(d), dev);
        if (r >= 0)
                r = load_interfaces(d, dev);
        if (r < 0)
                return r;
        atomic_init(&dev->refs, 1);
        *ret = TAKE_PTR(dev);
        return 0;
}

static int open_devices_dir(void)
{
        const char *root = getenv("SAFEFLASH_SYSFS_ROOT");
        char path[PATH_MAX];
        int fd, n;

        if (!root || !*root)
                root = "/sys";
        n = snprintf(path, sizeof(path), "%s/bus/usb/devices", root);
        if (n < 0 || (size_t)n >= sizeof(path))
                return -ENAMETOOLONG;
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

static int compare_devices(const void *a, const void *b)
{
        const struct libusb_device *x = *(struct libusb_device *const *)a;
        const struct libusb_device *y = *(struct libusb_device *const *)b;

        if (x->bus != y->bus)
                return (int)x->bus - (int)y->bus;
        return (int)x->address - (int)y->address;
}

int shim_sysfs_enumerate(struct libusb_device ***ret_list, size_t *ret_n)
{
        _cleanup_free_ struct libusb_device **list = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *e;
        size_t n = 0;
        int fd;

        list = calloc(SHIM_MAX_DEVICES + 1, sizeof(*list));
        if (!list)
                return -ENOMEM;
        fd = open_devices_dir();
        if (fd >= 0) {
                d = fdopendir(fd);
                if (!d)
                        close(fd);
        }
        /* No tree (yet) is a bus without devices, not an error: hosts poll until one appears. */
        while (d && n < SHIM_MAX_DEVICES && (e = readdir(d))) {
                if (e->d_name[0] == '.' || strchr(e->d_name, ':'))
                        continue;
                if (load_device(dirfd(d), e->d_name, &list[n]) == 0)
                        n++;
        }
        qsort(list, n, sizeof(*list), compare_devices);
        *ret_list = TAKE_PTR(list);
        *ret_n = n;
        return 0;
}

/* The device is still on the bus with the same address: it has not left or re-enumerated. */
int shim_sysfs_device_present(const struct libusb_device *dev)
{
        _cleanup_close_ int rootfd = open_devices_dir();
        const struct attr_spec devnum = device_attrs[A_DEVNUM];
        _cleanup_closedir_ DIR *d = NULL;
        unsigned address;

        if (rootfd < 0)
                return -ENODEV;
        d = opendir_at(rootfd, dev->name);
        if (!d || read_number_attr(dirfd(d), &devnum, &address) < 0)
                return -ENODEV;
        return address == dev->address ? 0 : -ENODEV;
}
