/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An ordinary libusb-1.0 program, run against libsafeflash-sim-usb (preloaded, or linked in). It
 * builds a sysfs-like tree per docs/sim-transport.md, runs a fake EDL device on a thread at the
 * end of the tree's socket, and checks what libusb reports. Speaks TAP. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <libusb-1.0/libusb.h>

#define EDL_VID      0x05c6
#define EDL_PID      0x9008
#define MODEM_VID    0x2c7c
#define MODEM_PID    0x0125
#define HELLO_LEN    48
#define BIG_LEN      (200 * 1024)
#define TUNNEL_MAX   (64 * 1024)
#define TIMEOUT_MS   200
#define DEVICE_WAIT  10000 /* ms the fake device waits for the host before giving up */
#define PRODUCT      "QUSB__BULK"
#define SERIAL       "0123abcd"
#define MANUFACTURER "Qualcomm CDMA Technologies MSM"

static unsigned tests_run, tests_failed;
static char tmp_root[80]; /* TMPDIR (at most 60) + "/sfusbshim-XXXXXX" */
static char devices_dir[128];
static struct sockaddr_un sock_addr = {.sun_family = AF_UNIX};

__attribute__((format(printf, 2, 3))) static bool check(bool cond, const char *fmt, ...)
{
        va_list ap;

        tests_run++;
        if (!cond)
                tests_failed++;
        printf("%s %u - ", cond ? "ok" : "not ok", tests_run);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
        fflush(stdout);
        return cond;
}

static void bail_out(const char *what)
{
        printf("Bail out! %s: %s\n", what, strerror(errno));
        exit(1);
}

/* ---- the sysfs-like tree ---- */

static int mkdir_p(const char *path)
{
        char buf[PATH_MAX];

        if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
                return -1;
        for (char *p = buf + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                        return -1;
                *p = '/';
        }
        return mkdir(buf, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* Writes devices_dir/rel, formatted, creating the directories on the way. */
__attribute__((format(printf, 2, 3))) static void put(const char *rel, const char *fmt, ...)
{
        char path[PATH_MAX];
        va_list ap;
        FILE *f;

        if (snprintf(path, sizeof(path), "%s/%s", devices_dir, rel) >= (int)sizeof(path))
                bail_out(rel);
        *strrchr(path, '/') = '\0';
        if (mkdir_p(path) < 0)
                bail_out(path);
        path[strlen(path)] = '/';
        f = fopen(path, "w");
        if (!f)
                bail_out(path);
        va_start(ap, fmt);
        vfprintf(f, fmt, ap);
        va_end(ap);
        if (fclose(f) != 0)
                bail_out(path);
}

struct ep_spec {
        unsigned address, attributes, max_packet;
};

static void put_interface(const char *dev, unsigned number, unsigned cls, unsigned sub,
                          unsigned proto, const struct ep_spec *eps, size_t n_eps)
{
        char dir[128], rel[192];

        snprintf(dir, sizeof(dir), "%s/%s:1.%u", dev, dev, number);
        snprintf(rel, sizeof(rel), "%s/bInterfaceNumber", dir);
        put(rel, "%02x\n", number);
        snprintf(rel, sizeof(rel), "%s/bInterfaceClass", dir);
        put(rel, "%02x\n", cls);
        snprintf(rel, sizeof(rel), "%s/bInterfaceSubClass", dir);
        put(rel, "%02x\n", sub);
        snprintf(rel, sizeof(rel), "%s/bInterfaceProtocol", dir);
        put(rel, "%02x\n", proto);
        snprintf(rel, sizeof(rel), "%s/bNumEndpoints", dir);
        put(rel, "%02zx\n", n_eps);
        for (size_t i = 0; i < n_eps; i++) {
                snprintf(rel, sizeof(rel), "%s/ep_%02x/bEndpointAddress", dir, eps[i].address);
                put(rel, "%02x\n", eps[i].address);
                snprintf(rel, sizeof(rel), "%s/ep_%02x/bmAttributes", dir, eps[i].address);
                put(rel, "%02x\n", eps[i].attributes);
                snprintf(rel, sizeof(rel), "%s/ep_%02x/wMaxPacketSize", dir, eps[i].address);
                put(rel, "%04x\n", eps[i].max_packet);
        }
}

static void put_device(const char *dev, const char *vid, unsigned pid, unsigned bus,
                       unsigned devnum, const char *product)
{
        char rel[128];

#define PUT_ATTR(name, ...)                                                                        \
        do {                                                                                       \
                snprintf(rel, sizeof(rel), "%s/%s", dev, name);                                    \
                put(rel, __VA_ARGS__);                                                             \
        } while (0)
        PUT_ATTR("idVendor", "%s\n", vid);
        PUT_ATTR("idProduct", "%04x\n", pid);
        PUT_ATTR("bcdDevice", "0318\n");
        PUT_ATTR("busnum", "%u\n", bus);
        PUT_ATTR("devnum", "%u\n", devnum);
        PUT_ATTR("speed", "480\n");
        PUT_ATTR("bConfigurationValue", "1\n");
        PUT_ATTR("product", "%s\n", product);
#undef PUT_ATTR
}

static const struct ep_spec bulk_pair[] = {{0x81, 0x02, 512}, {0x01, 0x02, 512}};

static void make_tree(void)
{
        static const struct ep_spec modem_eps[4][3] = {
                {{0x83, 0x03, 10}, {0x82, 0x02, 512}, {0x02, 0x02, 512}},
                {{0x85, 0x03, 10}, {0x84, 0x02, 512}, {0x03, 0x02, 512}},
                {{0x87, 0x03, 10}, {0x86, 0x02, 512}, {0x04, 0x02, 512}},
                {{0x89, 0x03, 8}, {0x88, 0x02, 512}, {0x05, 0x02, 512}},
        };
        static const struct ep_spec bad_ep[] = {{0x81, 0x02, 0x10000}};
        char big[1024];

        /* The EDL device, as safeflash-sim writes it. */
        put_device("1-1", "05c6", EDL_PID, 1, 7, PRODUCT);
        put("1-1/manufacturer", "%s\n", MANUFACTURER);
        put("1-1/serial", "%s\n", SERIAL);
        put("1-1/bcdDevice", "0000\n");
        put("1-1/devpath", "1\n");
        put("1-1/bNumInterfaces", " 1\n");
        put("1-1/sim-socket", "%s\n", sock_addr.sun_path);
        put_interface("1-1", 0, 0xff, 0xff, 0x11, bulk_pair, 2);

        /* An EC25 in normal mode: tty interfaces only, no tunnel. */
        put_device("2-1.4", "2c7c", MODEM_PID, 2, 5, "EC25");
        put("2-1.4/manufacturer", "Quectel\n");
        put_interface("2-1.4", 0, 0xff, 0xff, 0xff, bulk_pair, 2);
        put("2-1.4/2-1.4:1.0/ttyUSB0/.keep", "%s", "");
        for (unsigned i = 1; i <= 4; i++)
                put_interface("2-1.4", i, 0xff, i == 4 ? 0xff : 0, i == 4 ? 0xff : 0,
                              modem_eps[i - 1], 3);

        /* Malformed entries: each must make its device absent, nothing more. */
        put_device("1-3", "zz9x", EDL_PID, 1, 9, PRODUCT);
        put_device("1-4", "05c6", EDL_PID, 1, 10, PRODUCT);
        put_interface("1-4", 0, 0xff, 0xff, 0x11, bad_ep, 1);
        memset(big, 'A', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        put_device("1-5", "05c6", EDL_PID, 1, 11, big);
        /* Real sysfs also lists interfaces at the top level; they are not devices. */
        put("1-1:1.0/idVendor", "nonsense\n");
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
}

/* ---- the fake EDL device ---- */

struct fake_device {
        int listen_fd;
        pthread_t thread;
};

static uint8_t pattern_byte(size_t i)
{
        return (uint8_t)(i * 31 + (i >> 11));
}

static int dev_send(int fd, const void *payload, size_t len)
{
        uint8_t msg[4 + 256] = {1, 0x81, 0, 0};

        if (len > sizeof(msg) - 4)
                return -1;
        memcpy(msg + 4, payload, len);
        return send(fd, msg, 4 + len, MSG_NOSIGNAL) == (ssize_t)(4 + len) ? 0 : -1;
}

/* One message from the host, header included; -1 on error or after DEVICE_WAIT ms. */
static ssize_t dev_recv(int fd, uint8_t *msg, size_t size)
{
        struct pollfd p = {.fd = fd, .events = POLLIN};

        if (poll(&p, 1, DEVICE_WAIT) != 1)
                return -1;
        return recv(fd, msg, size, 0);
}

static bool header_ok(const uint8_t *msg, ssize_t n)
{
        return n >= 4 && msg[0] == 1 && msg[1] == 0x01 && msg[2] == 0 && msg[3] == 0;
}

/* Reassembles the 200 KiB OUT transfer and says how it went, as an IN message. */
static int dev_reassemble(int fd, uint8_t *msg, size_t size)
{
        size_t total = 0, messages = 0;
        bool good = true;
        char verdict[96];

        while (total < BIG_LEN) {
                ssize_t n = dev_recv(fd, msg, size);
                size_t len = n >= 4 ? (size_t)n - 4 : 0;
                if (!header_ok(msg, n) || len == 0 || len > TUNNEL_MAX || len > BIG_LEN - total) {
                        good = false;
                        break;
                }
                for (size_t i = 0; i < len; i++)
                        if (msg[4 + i] != pattern_byte(total + i))
                                good = false;
                total += len;
                messages++;
        }
        if (messages < (BIG_LEN + TUNNEL_MAX - 1) / TUNNEL_MAX)
                good = false;
        snprintf(verdict, sizeof(verdict), "%s %zu bytes in %zu messages", good ? "OK" : "BAD",
                 total, messages);
        return dev_send(fd, verdict, strlen(verdict));
}

static void dev_script(int fd, uint8_t *msg, size_t size)
{
        static const uint8_t hello[HELLO_LEN] = {0x01, 0, 0, 0, 0x30, 0, 0, 0, 2, 0,
                                                 0,    0, 1, 0, 0,    0, 0, 4, 0, 0};
        const char *verdict;
        ssize_t n;

        if (dev_send(fd, hello, sizeof(hello)) < 0 || dev_reassemble(fd, msg, size) < 0)
                return;
        /* A zero-length OUT transfer is a header-only message. */
        n = dev_recv(fd, msg, size);
        verdict = header_ok(msg, n) && n == 4 ? "OK zlp" : "BAD zlp";
        if (dev_send(fd, verdict, strlen(verdict)) < 0)
                return;
        /* Echo one message back, for the overflow check. */
        n = dev_recv(fd, msg, size);
        if (!header_ok(msg, n) || dev_send(fd, msg + 4, (size_t)n - 4) < 0)
                return;
        /* Stay silent through the host's timeout check, then leave at "bye". */
        n = dev_recv(fd, msg, size);
        (void)n;
}

static void *dev_main(void *arg)
{
        struct fake_device *fd = arg;
        struct pollfd p = {.fd = fd->listen_fd, .events = POLLIN};
        size_t size = 4 + TUNNEL_MAX + 1;
        uint8_t *msg = malloc(size);
        int conn = -1;

        if (msg && poll(&p, 1, DEVICE_WAIT) == 1)
                conn = accept4(fd->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (conn >= 0)
                dev_script(conn, msg, size);
        /* The device leaves the bus: its socket goes, then the host's connection. */
        unlink(sock_addr.sun_path);
        close(fd->listen_fd);
        if (conn >= 0)
                close(conn);
        free(msg);
        return NULL;
}

static void listen_device(struct fake_device *d)
{
        d->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (d->listen_fd < 0)
                bail_out("socket");
        if (bind(d->listen_fd, (struct sockaddr *)&sock_addr, sizeof(sock_addr)) < 0 ||
            listen(d->listen_fd, 1) < 0)
                bail_out(sock_addr.sun_path);
}

static void start_device(struct fake_device *d)
{
        errno = pthread_create(&d->thread, NULL, dev_main, d);
        if (errno)
                bail_out("pthread_create");
}

/* ---- the checks, through the libusb API ---- */

static libusb_device *find(libusb_device **list, uint16_t vid, uint16_t pid)
{
        struct libusb_device_descriptor d;

        for (size_t i = 0; list[i]; i++)
                if (libusb_get_device_descriptor(list[i], &d) == 0 && d.idVendor == vid &&
                    d.idProduct == pid)
                        return list[i];
        return NULL;
}

static void check_list(libusb_device **list, ssize_t n)
{
        bool stray = false;

        check(n == 2, "device list has the 2 valid devices (got %zd)", n);
        check(find(list, EDL_VID, EDL_PID) && find(list, MODEM_VID, MODEM_PID),
              "05c6:9008 and 2c7c:0125 are listed");
        for (ssize_t i = 0; i < n; i++) {
                uint8_t a = libusb_get_device_address(list[i]);
                stray |= libusb_get_bus_number(list[i]) == 1 && a >= 9 && a <= 11;
        }
        check(!stray, "malformed entries (bad idVendor, wMaxPacketSize, oversized file) absent");
}

static void check_edl_device(libusb_device *dev)
{
        struct libusb_device_descriptor d;
        struct libusb_config_descriptor *c = NULL;
        const struct libusb_interface_descriptor *alt;
        uint8_t ports[8];
        int n;

        check(libusb_get_device_descriptor(dev, &d) == 0 && d.bLength == 18 &&
                      d.bDescriptorType == LIBUSB_DT_DEVICE && d.idVendor == EDL_VID &&
                      d.idProduct == EDL_PID && d.bcdDevice == 0 && d.bNumConfigurations == 1,
              "EDL device descriptor: 05c6:9008, bcdDevice 0000, one configuration");
        check(d.iManufacturer != 0 && d.iProduct != 0 && d.iSerialNumber != 0 &&
                      d.iManufacturer != d.iProduct && d.iProduct != d.iSerialNumber,
              "EDL string indices for manufacturer, product and serial");
        n = libusb_get_port_numbers(dev, ports, sizeof(ports));
        check(libusb_get_bus_number(dev) == 1 && libusb_get_device_address(dev) == 7 && n == 1 &&
                      ports[0] == 1 && libusb_get_port_number(dev) == 1,
              "EDL bus 1, address 7, port chain [1]");
        check(libusb_get_device_speed(dev) == LIBUSB_SPEED_HIGH, "EDL speed: high");
        if (!check(libusb_get_active_config_descriptor(dev, &c) == 0 && c->bNumInterfaces == 1 &&
                           c->bConfigurationValue == 1 && c->interface[0].num_altsetting == 1,
                   "EDL config descriptor: one interface"))
                goto out;
        alt = c->interface[0].altsetting;
        check(alt->bInterfaceNumber == 0 && alt->bInterfaceClass == 0xff &&
                      alt->bInterfaceSubClass == 0xff && alt->bInterfaceProtocol == 0x11,
              "EDL interface 0: class ff/ff/11");
        check(alt->bNumEndpoints == 2 && alt->endpoint[0].bEndpointAddress == 0x01 &&
                      alt->endpoint[1].bEndpointAddress == 0x81 &&
                      (alt->endpoint[0].bmAttributes & 3) == LIBUSB_TRANSFER_TYPE_BULK &&
                      (alt->endpoint[1].bmAttributes & 3) == LIBUSB_TRANSFER_TYPE_BULK,
              "EDL endpoints 0x01 and 0x81, bulk");
        check(alt->endpoint[0].wMaxPacketSize == 512 && alt->endpoint[1].wMaxPacketSize == 512 &&
                      libusb_get_max_packet_size(dev, 0x81) == 512,
              "EDL wMaxPacketSize 512");
        check(c->wTotalLength == 9 + 9 + 2 * 7, "EDL wTotalLength %u", c->wTotalLength);
out:
        libusb_free_config_descriptor(c);
        check(libusb_get_config_descriptor(dev, 1, &c) == LIBUSB_ERROR_NOT_FOUND,
              "only configuration index 0 exists");
}

static void check_modem_device(libusb_device *dev)
{
        struct libusb_config_descriptor *c = NULL;
        const struct libusb_interface_descriptor *alt;
        uint8_t ports[8];
        bool classes = true;
        int n;

        n = libusb_get_port_numbers(dev, ports, sizeof(ports));
        check(libusb_get_bus_number(dev) == 2 && libusb_get_device_address(dev) == 5 && n == 2 &&
                      ports[0] == 1 && ports[1] == 4 && libusb_get_port_number(dev) == 4,
              "modem bus 2, address 5, port chain [1, 4]");
        check(libusb_get_port_numbers(dev, ports, 1) == LIBUSB_ERROR_OVERFLOW,
              "port numbers into a too-short array: LIBUSB_ERROR_OVERFLOW");
        if (!check(libusb_get_config_descriptor(dev, 0, &c) == 0 && c->bNumInterfaces == 5,
                   "modem config descriptor: 5 interfaces"))
                goto out;
        for (int i = 0; i < 5; i++) {
                alt = c->interface[i].altsetting;
                classes &= alt->bInterfaceNumber == i && alt->bInterfaceClass == 0xff &&
                           alt->bInterfaceSubClass == (i == 0 || i == 4 ? 0xff : 0) &&
                           alt->bNumEndpoints == (i == 0 ? 2 : 3);
        }
        check(classes, "modem interfaces 0-4 in order, with their classes and endpoint counts");
        alt = c->interface[4].altsetting;
        check(alt->endpoint[2].bEndpointAddress == 0x89 &&
                      (alt->endpoint[2].bmAttributes & 3) == LIBUSB_TRANSFER_TYPE_INTERRUPT &&
                      alt->endpoint[2].wMaxPacketSize == 8,
              "modem interface 4: interrupt endpoint 0x89, 8 bytes");
out:
        libusb_free_config_descriptor(c);
}

static void check_strings(libusb_device_handle *h)
{
        struct libusb_device_descriptor d;
        unsigned char buf[128], small[5];
        int n;

        libusb_get_device_descriptor(libusb_get_device(h), &d);
        n = libusb_get_string_descriptor_ascii(h, d.iProduct, buf, sizeof(buf));
        check(n == (int)strlen(PRODUCT) && strcmp((char *)buf, PRODUCT) == 0,
              "product string \"%s\"", n > 0 ? (char *)buf : "");
        n = libusb_get_string_descriptor_ascii(h, d.iSerialNumber, buf, sizeof(buf));
        check(n == (int)strlen(SERIAL) && strcmp((char *)buf, SERIAL) == 0, "serial string");
        n = libusb_get_string_descriptor_ascii(h, d.iManufacturer, small, sizeof(small));
        check(n == 4 && memcmp(small, "Qual", 5) == 0, "ascii string truncated to the buffer");
        n = libusb_get_string_descriptor(h, 0, 0, buf, sizeof(buf));
        check(n == 4 && buf[0] == 4 && buf[1] == LIBUSB_DT_STRING && buf[2] == 0x09 &&
                      buf[3] == 0x04,
              "string descriptor 0: US English only");
        n = libusb_get_string_descriptor(h, d.iProduct, 0x0409, buf, sizeof(buf));
        check(n == 2 + 2 * 10 && buf[0] == n && buf[2] == 'Q' && buf[3] == 0 && buf[20] == 'K',
              "product string descriptor in UTF-16LE through a control transfer");
        check(libusb_get_string_descriptor_ascii(h, 9, buf, sizeof(buf)) == LIBUSB_ERROR_PIPE,
              "a missing string stalls: LIBUSB_ERROR_PIPE");
}

static long long now_ms(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void check_big_out(libusb_device_handle *h)
{
        unsigned char *big = malloc(BIG_LEN), buf[128];
        int n = -1, r;

        if (!big)
                bail_out("malloc");
        for (size_t i = 0; i < BIG_LEN; i++)
                big[i] = pattern_byte(i);
        r = libusb_bulk_transfer(h, 0x01, big, BIG_LEN, &n, 5000);
        check(r == 0 && n == BIG_LEN, "bulk OUT of 200 KiB: %s, %d bytes", libusb_error_name(r), n);
        free(big);
        memset(buf, 0, sizeof(buf));
        r = libusb_bulk_transfer(h, 0x81, buf, sizeof(buf) - 1, &n, 2000);
        check(r == 0 && strncmp((char *)buf, "OK ", 3) == 0,
              "device got the 200 KiB whole and in order, in messages of <= 64 KiB (%s)",
              (char *)buf);
        r = libusb_bulk_transfer(h, 0x01, NULL, 0, &n, 1000);
        check(r == 0 && n == 0, "zero-length bulk OUT: %s", libusb_error_name(r));
        memset(buf, 0, sizeof(buf));
        r = libusb_bulk_transfer(h, 0x81, buf, sizeof(buf) - 1, &n, 2000);
        check(r == 0 && strcmp((char *)buf, "OK zlp") == 0,
              "device got the zero-length transfer as a header-only message");
}

static void check_transfers(libusb_device_handle *h)
{
        static const char echo[] = "0123456789abcdefghijklmnopqrstuvwxyz";
        unsigned char buf[4096];
        long long t0, elapsed;
        int n = -1, r;

        r = libusb_bulk_transfer(h, 0x81, buf, sizeof(buf), &n, 2000);
        check(r == 0 && n == HELLO_LEN && buf[0] == 0x01 && buf[4] == 0x30,
              "bulk IN: the 48-byte Sahara HELLO (%s, %d bytes)", libusb_error_name(r), n);
        check_big_out(h);

        r = libusb_bulk_transfer(h, 0x01, (unsigned char *)echo, sizeof(echo) - 1, &n, 1000);
        check(r == 0 && n == (int)sizeof(echo) - 1, "bulk OUT of %zu bytes", sizeof(echo) - 1);
        n = -1;
        r = libusb_bulk_transfer(h, 0x81, buf, 16, &n, 2000);
        check(r == LIBUSB_ERROR_OVERFLOW && n == 16 && memcmp(buf, echo, 16) == 0,
              "bulk IN into a 16-byte buffer: %s, %d bytes delivered", libusb_error_name(r), n);

        t0 = now_ms();
        n = -1;
        r = libusb_bulk_transfer(h, 0x81, buf, sizeof(buf), &n, TIMEOUT_MS);
        elapsed = now_ms() - t0;
        check(r == LIBUSB_ERROR_TIMEOUT && n == 0 && elapsed >= TIMEOUT_MS - 5 &&
                      elapsed < TIMEOUT_MS + 1500,
              "bulk IN from a silent device: %s after %lld ms", libusb_error_name(r), elapsed);
        check(libusb_bulk_transfer(h, 0x82, buf, sizeof(buf), &n, 10) == LIBUSB_ERROR_NOT_FOUND,
              "bulk transfer on an endpoint the device lacks: LIBUSB_ERROR_NOT_FOUND");
        check(libusb_interrupt_transfer(h, 0x81, buf, 8, &n, 10) == LIBUSB_ERROR_NOT_SUPPORTED &&
                      libusb_control_transfer(h, 0x40, 0x01, 0, 0, NULL, 0, 10) ==
                              LIBUSB_ERROR_NOT_SUPPORTED,
              "interrupt and vendor control transfers: LIBUSB_ERROR_NOT_SUPPORTED");
}

static void check_disconnect(libusb_device_handle *h)
{
        unsigned char buf[64];
        int n = -1, r;

        r = libusb_bulk_transfer(h, 0x01, (unsigned char *)"bye", 3, &n, 1000);
        check(r == 0, "bulk OUT \"bye\": the device then leaves the bus");
        r = libusb_bulk_transfer(h, 0x81, buf, sizeof(buf), &n, 3000);
        check(r == LIBUSB_ERROR_NO_DEVICE && n == 0, "bulk IN after the disconnect: %s",
              libusb_error_name(r));
        r = libusb_bulk_transfer(h, 0x01, buf, 8, &n, 1000);
        check(r == LIBUSB_ERROR_NO_DEVICE, "later bulk OUT on the handle: %s",
              libusb_error_name(r));
        check(libusb_get_string_descriptor_ascii(h, 2, buf, sizeof(buf)) ==
                              LIBUSB_ERROR_NO_DEVICE &&
                      libusb_claim_interface(h, 0) == LIBUSB_ERROR_NO_DEVICE,
              "string descriptors and claims on the handle: LIBUSB_ERROR_NO_DEVICE");
}

/* Opening and reading strings must not take the tunnel's one connection. */
static void check_open_does_not_connect(libusb_device *dev, struct fake_device *fake)
{
        struct pollfd p = {.fd = fake->listen_fd, .events = POLLIN};
        libusb_device_handle *h = NULL;
        unsigned char buf[64];
        bool opened = libusb_open(dev, &h) == 0;

        if (opened) {
                libusb_get_string_descriptor_ascii(h, 2, buf, sizeof(buf));
                libusb_close(h);
        }
        check(opened && poll(&p, 1, 0) == 0,
              "open, read a string, close: no connection made to the device socket");
}

static void check_edl_session(libusb_device *dev, struct fake_device *fake)
{
        libusb_device_handle *h = NULL;
        unsigned char buf[8];
        int r, n;

        check_open_does_not_connect(dev, fake);
        start_device(fake);
        r = libusb_open(dev, &h);
        if (!check(r == 0, "open the EDL device: %s", libusb_error_name(r)))
                return;
        check(libusb_kernel_driver_active(h, 0) == 0 && libusb_detach_kernel_driver(h, 0) == 0 &&
                      libusb_set_auto_detach_kernel_driver(h, 1) == 0,
              "kernel driver: none active, detach succeeds");
        check(libusb_claim_interface(h, 0) == 0, "claim interface 0");
        check(libusb_claim_interface(h, 1) == LIBUSB_ERROR_NOT_FOUND,
              "claim a missing interface: LIBUSB_ERROR_NOT_FOUND");
        check_strings(h);
        check_transfers(h);
        check_disconnect(h);
        libusb_close(h);
        pthread_join(fake->thread, NULL);

        /* A stale directory whose socket is gone: the first transfer finds out. */
        h = NULL;
        r = libusb_open(dev, &h);
        if (r == 0)
                r = libusb_bulk_transfer(h, 0x81, buf, sizeof(buf), &n, 1000);
        check(r == LIBUSB_ERROR_NO_DEVICE, "transfer once the socket is gone: %s",
              libusb_error_name(r));
        libusb_close(h);
}

static void check_modem_session(libusb_context *ctx, libusb_device *dev)
{
        libusb_device_handle *h = NULL;
        unsigned char buf[8];
        int n, config = 0;

        if (!check(libusb_open(dev, &h) == 0, "open the modem (a device without a tunnel)"))
                return;
        check(libusb_claim_interface(h, 4) == 0 && libusb_release_interface(h, 4) == 0 &&
                      libusb_release_interface(h, 4) == LIBUSB_ERROR_NOT_FOUND,
              "claim and release interface 4; a second release: LIBUSB_ERROR_NOT_FOUND");
        check(libusb_get_configuration(h, &config) == 0 && config == 1 &&
                      libusb_set_configuration(h, 1) == 0 && libusb_clear_halt(h, 0x89) == 0,
              "configuration 1, set again; clear halt");
        check(libusb_bulk_transfer(h, 0x81, buf, sizeof(buf), &n, 10) == LIBUSB_ERROR_NOT_SUPPORTED,
              "bulk transfer without a tunnel: LIBUSB_ERROR_NOT_SUPPORTED");
        check(libusb_reset_device(h) == LIBUSB_ERROR_NOT_FOUND &&
                      libusb_claim_interface(h, 0) == LIBUSB_ERROR_NO_DEVICE,
              "reset: LIBUSB_ERROR_NOT_FOUND (re-enumerate), the handle is dead");
        libusb_close(h);
        h = libusb_open_device_with_vid_pid(ctx, MODEM_VID, MODEM_PID);
        check(h != NULL, "libusb_open_device_with_vid_pid(2c7c:0125)");
        libusb_close(h);
}

/* The device leaves the bus: its directory goes, and so does it from the list. */
static void check_unplug(libusb_context *ctx, libusb_device *edl)
{
        libusb_device_handle *h = NULL;
        libusb_device **list = NULL;
        char path[PATH_MAX];
        ssize_t n;
        int r;

        snprintf(path, sizeof(path), "%s/1-1", devices_dir);
        nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        r = libusb_open(edl, &h);
        check(r == LIBUSB_ERROR_NO_DEVICE && !h, "open a device whose directory has gone: %s",
              libusb_error_name(r));
        n = libusb_get_device_list(ctx, &list);
        check(n == 1 && !find(list, EDL_VID, EDL_PID), "after the EDL directory goes: %zd device",
              n);
        libusb_free_device_list(list, 1);
}

static void check_misc(libusb_context *ctx)
{
        const struct libusb_version *v = libusb_get_version();

        check(strcmp(libusb_error_name(LIBUSB_ERROR_NO_DEVICE), "LIBUSB_ERROR_NO_DEVICE") == 0 &&
                      strcmp(libusb_error_name(LIBUSB_ERROR_TIMEOUT), "LIBUSB_ERROR_TIMEOUT") ==
                              0 &&
                      strlen(libusb_strerror(LIBUSB_ERROR_OVERFLOW)) > 0,
              "error names and messages");
        check(v->major == 1 && v->minor == 0 && libusb_has_capability(LIBUSB_CAP_HAS_CAPABILITY) &&
                      !libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG),
              "version 1.0.x; capabilities: no hotplug");
        check(libusb_set_option(ctx, LIBUSB_OPTION_LOG_LEVEL, LIBUSB_LOG_LEVEL_WARNING) == 0,
              "libusb_set_option accepted");
}

static void remove_tmp_root(void)
{
        nftw(tmp_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void setup(struct fake_device *fake)
{
        const char *tmp = getenv("TMPDIR");
        char path[PATH_MAX];

        /* A socket path must fit in sun_path: fall back to /tmp for a deep TMPDIR. */
        if (!tmp || !*tmp || strlen(tmp) > 60)
                tmp = "/tmp";
        snprintf(tmp_root, sizeof(tmp_root), "%s/sfusbshim-XXXXXX", tmp);
        if (!mkdtemp(tmp_root))
                bail_out("mkdtemp");
        atexit(remove_tmp_root);
        snprintf(devices_dir, sizeof(devices_dir), "%s/sys/bus/usb/devices", tmp_root);
        snprintf(path, sizeof(path), "%s/usb", tmp_root);
        if (mkdir_p(devices_dir) < 0 || mkdir_p(path) < 0)
                bail_out("mkdir");
        snprintf(sock_addr.sun_path, sizeof(sock_addr.sun_path), "%s/usb/1-7.sock", tmp_root);
        make_tree();
        listen_device(fake);
        snprintf(path, sizeof(path), "%s/sys", tmp_root);
        setenv("SAFEFLASH_SYSFS_ROOT", path, 1);
}

int main(void)
{
        struct fake_device fake;
        libusb_context *ctx = NULL;
        libusb_device **list = NULL;
        ssize_t n;

        alarm(20); /* a hang is a failure, not a stuck test run */
        setup(&fake);
        check(strcmp(libusb_get_version()->describe, "safeflash-sim-usb") == 0,
              "libusb calls reach the shim");
        if (!check(libusb_init(&ctx) == 0, "libusb_init"))
                return 1;
        check_misc(ctx);
        n = libusb_get_device_list(ctx, &list);
        if (n < 0) {
                printf("Bail out! libusb_get_device_list: %s\n", libusb_error_name((int)n));
                return 1;
        }
        check_list(list, n);
        if (!find(list, EDL_VID, EDL_PID) || !find(list, MODEM_VID, MODEM_PID)) {
                printf("Bail out! devices missing\n");
                return 1;
        }
        check_edl_device(find(list, EDL_VID, EDL_PID));
        check_modem_device(find(list, MODEM_VID, MODEM_PID));
        check_edl_session(find(list, EDL_VID, EDL_PID), &fake);
        check_modem_session(ctx, find(list, MODEM_VID, MODEM_PID));
        check_unplug(ctx, find(list, EDL_VID, EDL_PID));
        libusb_free_device_list(list, 1);
        libusb_exit(ctx);
        printf("1..%u\n", tests_run);
        return tests_failed ? 1 : 0;
}
