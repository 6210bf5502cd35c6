/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libsafeflash-sim-usb: internal types shared by the shim's files (docs/sim-transport.md). */
#ifndef SF_SIM_USBSHIM_SHIM_H
#define SF_SIM_USBSHIM_SHIM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

#include <libusb-1.0/libusb.h>

/* The libusb entry points this library replaces; everything else stays hidden. */
#define SHIM_EXPORT __attribute__((visibility("default")))

#define SHIM_MAX_DEVICES    128
#define SHIM_MAX_INTERFACES 32
#define SHIM_MAX_ENDPOINTS  32
#define SHIM_MAX_PORTS      7
#define SHIM_NAME_MAX       32  /* "2-1.4.3.1.2.3.4" and the like */
#define SHIM_ATTR_MAX       256 /* bytes read from one attribute file, newline included */
#define SHIM_STRING_UNITS   126 /* UTF-16 units in a string descriptor: (255 - 2) / 2 */
#define SHIM_TUNNEL_CHUNK   (64 * 1024)
#define SHIM_TUNNEL_HDR     4
#define SHIM_TUNNEL_BULK    1

/* String descriptor indices; a device without the attribute file has index 0 for it. */
enum {
        SHIM_STR_MANUFACTURER = 1,
        SHIM_STR_PRODUCT = 2,
        SHIM_STR_SERIAL = 3,
        SHIM_STR_COUNT = 4,
};

struct shim_endpoint {
        uint8_t address;
        uint8_t attributes;
        uint8_t interval;
        uint16_t max_packet;
};

struct shim_interface {
        uint8_t number;
        uint8_t class_code;
        uint8_t subclass;
        uint8_t protocol;
        uint8_t n_endpoints;
        struct shim_endpoint endpoints[SHIM_MAX_ENDPOINTS];
};

struct libusb_context {
        struct libusb_context *next;
        unsigned refs; /* libusb_init(NULL) calls on the default context */
        int log_level; /* accepted and kept, never acted on: the shim does not log */
};

struct libusb_device {
        atomic_uint refs;
        char name[SHIM_NAME_MAX]; /* the sysfs directory name, "2-1.4" */
        uint8_t bus;
        uint8_t address;
        uint8_t n_ports;
        uint8_t ports[SHIM_MAX_PORTS];
        uint8_t config_value;
        int speed; /* enum libusb_speed */
        struct libusb_device_descriptor desc;
        char strings[SHIM_STR_COUNT][SHIM_ATTR_MAX];                   /* UTF-8, index 0 unused */
        char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* "" when none */
        uint8_t n_interfaces;
        struct shim_interface interfaces[SHIM_MAX_INTERFACES]; /* sorted by number */
};

struct libusb_device_handle {
        struct libusb_device *dev;
        int fd;    /* the tunnel connection, -1 until the first bulk transfer */
        bool gone; /* the device disconnected: every call fails with NO_DEVICE */
        uint32_t claimed[256 / 32];
};

/* sysfs.c: the tree under $SAFEFLASH_SYSFS_ROOT/bus/usb/devices. */
int shim_sysfs_enumerate(struct libusb_device ***ret_list, size_t *ret_n);
int shim_sysfs_device_present(const struct libusb_device *dev);

/* descriptors.c: libusb descriptor structures and string descriptors from a parsed device. */
int shim_build_config(const struct libusb_device *dev, struct libusb_config_descriptor **ret);
int shim_string_descriptor(const struct libusb_device *dev, uint8_t index, uint8_t *buf,
                           size_t size);
int shim_string_ascii(const struct libusb_device *dev, uint8_t index, char *buf, size_t size);
const struct shim_endpoint *shim_find_endpoint(const struct libusb_device *dev, uint8_t address);
const struct shim_interface *shim_find_interface(const struct libusb_device *dev, int number);

/* tunnel.c: the SEQPACKET connection to the simulator. On failure, *transferred still says how
 * many bytes moved, as libusb reports for a timed-out or overflowing transfer. */
int shim_tunnel_connect(const char *path, int *ret_fd);
int shim_tunnel_send(int fd, uint8_t endpoint, const uint8_t *data, size_t len, unsigned timeout_ms,
                     size_t *transferred);
int shim_tunnel_recv(int fd, uint8_t endpoint, uint8_t *buf, size_t len, unsigned timeout_ms,
                     size_t *transferred);

/* core.c */
int shim_errno_to_libusb(int r);
void shim_device_unref(struct libusb_device *dev);

#endif
