/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libusb's descriptor structures, and USB string descriptors, built from a parsed device. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shim.h"

#define CONFIG_ATTRIBUTES 0x80 /* bus-powered, the one reserved bit that must be set */
#define CONFIG_MAX_POWER  0xfa /* 500 mA in units of 2 mA */

static size_t align_up(size_t n, size_t alignment)
{
        return (n + alignment - 1) / alignment * alignment;
}

/* Offsets of the four arrays inside one allocation, so libusb_free_config_descriptor() is a
 * single free(). */
struct config_layout {
        size_t interfaces;
        size_t altsettings;
        size_t endpoints;
        size_t total;
};

static struct config_layout config_layout(size_t n_interfaces, size_t n_endpoints)
{
        struct config_layout l;

        l.interfaces = align_up(sizeof(struct libusb_config_descriptor),
                                _Alignof(struct libusb_interface));
        l.altsettings = align_up(l.interfaces + n_interfaces * sizeof(struct libusb_interface),
                                 _Alignof(struct libusb_interface_descriptor));
        l.endpoints =
                align_up(l.altsettings + n_interfaces * sizeof(struct libusb_interface_descriptor),
                         _Alignof(struct libusb_endpoint_descriptor));
        l.total = l.endpoints + n_endpoints * sizeof(struct libusb_endpoint_descriptor);
        return l;
}

static void fill_endpoint(const struct shim_endpoint *src, struct libusb_endpoint_descriptor *ep)
{
        *ep = (struct libusb_endpoint_descriptor){
                .bLength = LIBUSB_DT_ENDPOINT_SIZE,
                .bDescriptorType = LIBUSB_DT_ENDPOINT,
                .bEndpointAddress = src->address,
                .bmAttributes = src->attributes,
                .wMaxPacketSize = src->max_packet,
                .bInterval = src->interval,
        };
}

static void fill_interface(const struct shim_interface *src, struct libusb_interface *intf,
                           struct libusb_interface_descriptor *alt,
                           struct libusb_endpoint_descriptor *eps)
{
        for (size_t i = 0; i < src->n_endpoints; i++)
                fill_endpoint(&src->endpoints[i], &eps[i]);
        *alt = (struct libusb_interface_descriptor){
                .bLength = LIBUSB_DT_INTERFACE_SIZE,
                .bDescriptorType = LIBUSB_DT_INTERFACE,
                .bInterfaceNumber = src->number,
                .bNumEndpoints = src->n_endpoints,
                .bInterfaceClass = src->class_code,
                .bInterfaceSubClass = src->subclass,
                .bInterfaceProtocol = src->protocol,
                .endpoint = src->n_endpoints ? eps : NULL,
        };
        *intf = (struct libusb_interface){.altsetting = alt, .num_altsetting = 1};
}

int shim_build_config(const struct libusb_device *dev, struct libusb_config_descriptor **ret)
{
        struct libusb_config_descriptor *config;
        struct libusb_interface *interfaces;
        struct libusb_interface_descriptor *alts;
        struct libusb_endpoint_descriptor *eps;
        struct config_layout layout;
        size_t n_endpoints = 0, used = 0;
        unsigned char *block;

        for (size_t i = 0; i < dev->n_interfaces; i++)
                n_endpoints += dev->interfaces[i].n_endpoints;
        layout = config_layout(dev->n_interfaces, n_endpoints);
        block = calloc(1, layout.total);
        if (!block)
                return -ENOMEM;
        config = (struct libusb_config_descriptor *)block;
        interfaces = (struct libusb_interface *)(block + layout.interfaces);
        alts = (struct libusb_interface_descriptor *)(block + layout.altsettings);
        eps = (struct libusb_endpoint_descriptor *)(block + layout.endpoints);

        for (size_t i = 0; i < dev->n_interfaces; i++) {
                fill_interface(&dev->interfaces[i], &interfaces[i], &alts[i], eps + used);
                used += dev->interfaces[i].n_endpoints;
        }
        /* At most 32 * 9 + 1024 * 7 bytes: wTotalLength cannot overflow. */
        *config = (struct libusb_config_descriptor){
                .bLength = LIBUSB_DT_CONFIG_SIZE,
                .bDescriptorType = LIBUSB_DT_CONFIG,
                .wTotalLength = (uint16_t)(LIBUSB_DT_CONFIG_SIZE +
                                           dev->n_interfaces * LIBUSB_DT_INTERFACE_SIZE +
                                           n_endpoints * LIBUSB_DT_ENDPOINT_SIZE),
                .bNumInterfaces = dev->n_interfaces,
                .bConfigurationValue = dev->config_value,
                .bmAttributes = CONFIG_ATTRIBUTES,
                .MaxPower = CONFIG_MAX_POWER,
                .interface = dev->n_interfaces ? interfaces : NULL,
        };
        *ret = config;
        return 0;
}

/* One code point from UTF-8; malformed input yields U+FFFD and consumes one byte. */
static uint32_t utf8_next(const unsigned char **p)
{
        const unsigned char *s = *p;
        uint32_t cp, min;
        size_t n;

        if (s[0] < 0x80) {
                *p += 1;
                return s[0];
        }
        if ((s[0] & 0xe0) == 0xc0)
                n = 1, cp = s[0] & 0x1f, min = 0x80;
        else if ((s[0] & 0xf0) == 0xe0)
                n = 2, cp = s[0] & 0x0f, min = 0x800;
        else if ((s[0] & 0xf8) == 0xf0)
                n = 3, cp = s[0] & 0x07, min = 0x10000;
        else
                n = 0, cp = 0, min = 0;
        for (size_t i = 1; i <= n; i++) {
                if ((s[i] & 0xc0) != 0x80) {
                        n = 0;
                        break;
                }
                cp = cp << 6 | (s[i] & 0x3f);
        }
        if (n == 0 || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
                *p += 1;
                return 0xfffd;
        }
        *p += n + 1;
        return cp;
}

/* The string as UTF-16 code units, at most SHIM_STRING_UNITS of them. */
static size_t utf16_units(const char *s, uint16_t units[SHIM_STRING_UNITS])
{
        const unsigned char *p = (const unsigned char *)s;
        size_t n = 0;

        while (*p) {
                uint32_t cp = utf8_next(&p);
                if (cp < 0x10000) {
                        if (n + 1 > SHIM_STRING_UNITS)
                                break;
                        units[n++] = (uint16_t)cp;
                } else {
                        if (n + 2 > SHIM_STRING_UNITS)
                                break;
                        cp -= 0x10000;
                        units[n++] = (uint16_t)(0xd800 | cp >> 10);
                        units[n++] = (uint16_t)(0xdc00 | (cp & 0x3ff));
                }
        }
        return n;
}

static const char *device_string(const struct libusb_device *dev, uint8_t index)
{
        const uint8_t indices[SHIM_STR_COUNT] = {
                [SHIM_STR_MANUFACTURER] = dev->desc.iManufacturer,
                [SHIM_STR_PRODUCT] = dev->desc.iProduct,
                [SHIM_STR_SERIAL] = dev->desc.iSerialNumber,
        };

        if (index == 0 || index >= SHIM_STR_COUNT || indices[index] != index)
                return NULL;
        return dev->strings[index];
}

/* A GET_DESCRIPTOR(STRING) reply, truncated to size as the control transfer would be. Index 0 is
 * the language table (US English only); a missing string stalls, as a device does. */
int shim_string_descriptor(const struct libusb_device *dev, uint8_t index, uint8_t *buf,
                           size_t size)
{
        uint8_t desc[2 + 2 * SHIM_STRING_UNITS];
        uint16_t units[SHIM_STRING_UNITS];
        const char *s;
        size_t n, len;

        if (index == 0) {
                n = 1;
                units[0] = 0x0409;
        } else {
                s = device_string(dev, index);
                if (!s)
                        return -EPIPE;
                n = utf16_units(s, units);
        }
        len = 2 + 2 * n;
        desc[0] = (uint8_t)len;
        desc[1] = LIBUSB_DT_STRING;
        for (size_t i = 0; i < n; i++) {
                desc[2 + 2 * i] = (uint8_t)(units[i] & 0xff);
                desc[3 + 2 * i] = (uint8_t)(units[i] >> 8);
        }
        if (len > size)
                len = size;
        if (len > 0)
                memcpy(buf, desc, len);
        return (int)len;
}

/* As libusb_get_string_descriptor_ascii(): every non-ASCII unit becomes '?', always
 * NUL-terminated, returns the length without the NUL. */
int shim_string_ascii(const struct libusb_device *dev, uint8_t index, char *buf, size_t size)
{
        uint16_t units[SHIM_STRING_UNITS];
        const char *s;
        size_t n, i;

        if (index == 0 || size == 0)
                return -EINVAL;
        s = device_string(dev, index);
        if (!s)
                return -EPIPE;
        n = utf16_units(s, units);
        for (i = 0; i < n && i < size - 1; i++)
                buf[i] = units[i] < 0x80 ? (char)units[i] : '?';
        buf[i] = '\0';
        return (int)i;
}

const struct shim_interface *shim_find_interface(const struct libusb_device *dev, int number)
{
        for (size_t i = 0; i < dev->n_interfaces; i++)
                if (dev->interfaces[i].number == number)
                        return &dev->interfaces[i];
        return NULL;
}

const struct shim_endpoint *shim_find_endpoint(const struct libusb_device *dev, uint8_t address)
{
        for (size_t i = 0; i < dev->n_interfaces; i++) {
                const struct shim_interface *intf = &dev->interfaces[i];
                for (size_t j = 0; j < intf->n_endpoints; j++)
                        if (intf->endpoints[j].address == address)
                                return &intf->endpoints[j];
        }
        return NULL;
}
