/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libusb-1.0 entry points on an open device: one handle is one tunnel connection. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "shim.h"

/* The device left the bus: drop the connection so the simulator can take the next one. */
static int handle_gone(struct libusb_device_handle *h)
{
        h->gone = true;
        if (h->fd >= 0) {
                close(h->fd);
                h->fd = -1;
        }
        return LIBUSB_ERROR_NO_DEVICE;
}

/* Every call on a handle starts here: NO_DEVICE once the device has gone. */
static int handle_check(struct libusb_device_handle *h)
{
        if (!h)
                return LIBUSB_ERROR_INVALID_PARAM;
        return h->gone ? LIBUSB_ERROR_NO_DEVICE : LIBUSB_SUCCESS;
}

static int handle_result(struct libusb_device_handle *h, int r)
{
        return r == -ENODEV ? handle_gone(h) : shim_errno_to_libusb(r);
}

/* Opening only checks that the device is still on the bus. The tunnel is connected by the first
 * bulk transfer: reading string descriptors (serial matching, "qdl list") leaves the device's
 * queued IN data, such as its Sahara HELLO, to the handle that goes on to transfer. */
SHIM_EXPORT int libusb_open(libusb_device *dev, libusb_device_handle **dev_handle)
{
        struct libusb_device_handle *h;
        int r;

        if (!dev || !dev_handle)
                return LIBUSB_ERROR_INVALID_PARAM;
        r = shim_sysfs_device_present(dev);
        if (r < 0)
                return shim_errno_to_libusb(r);
        h = calloc(1, sizeof(*h));
        if (!h)
                return LIBUSB_ERROR_NO_MEM;
        h->dev = libusb_ref_device(dev);
        h->fd = -1;
        *dev_handle = h;
        return LIBUSB_SUCCESS;
}

SHIM_EXPORT void libusb_close(libusb_device_handle *dev_handle)
{
        if (!dev_handle)
                return;
        if (dev_handle->fd >= 0)
                close(dev_handle->fd);
        shim_device_unref(dev_handle->dev);
        free(dev_handle);
}

SHIM_EXPORT libusb_device *libusb_get_device(libusb_device_handle *dev_handle)
{
        return dev_handle->dev;
}

SHIM_EXPORT libusb_device_handle *
libusb_open_device_with_vid_pid(libusb_context *ctx, uint16_t vendor_id, uint16_t product_id)
{
        struct libusb_device_handle *h = NULL;
        struct libusb_device **list;
        ssize_t n = libusb_get_device_list(ctx, &list);

        for (ssize_t i = 0; i < n; i++) {
                const struct libusb_device_descriptor *d = &list[i]->desc;
                if (d->idVendor == vendor_id && d->idProduct == product_id) {
                        if (libusb_open(list[i], &h) < 0)
                                h = NULL;
                        break;
                }
        }
        if (n >= 0)
                libusb_free_device_list(list, 1);
        return h;
}

SHIM_EXPORT int libusb_get_configuration(libusb_device_handle *dev_handle, int *config)
{
        int r = handle_check(dev_handle);

        if (r < 0)
                return r;
        *config = dev_handle->dev->config_value;
        return LIBUSB_SUCCESS;
}

/* The simulated device has one configuration; choosing it again is a no-op. */
SHIM_EXPORT int libusb_set_configuration(libusb_device_handle *dev_handle, int configuration)
{
        int r = handle_check(dev_handle);

        if (r < 0)
                return r;
        if (configuration != dev_handle->dev->config_value)
                return LIBUSB_ERROR_NOT_SUPPORTED;
        return LIBUSB_SUCCESS;
}

static int interface_check(libusb_device_handle *h, int interface_number)
{
        int r = handle_check(h);

        if (r < 0)
                return r;
        if (interface_number < 0 || interface_number > 255)
                return LIBUSB_ERROR_INVALID_PARAM;
        if (!shim_find_interface(h->dev, interface_number))
                return LIBUSB_ERROR_NOT_FOUND;
        return LIBUSB_SUCCESS;
}

SHIM_EXPORT int libusb_claim_interface(libusb_device_handle *dev_handle, int interface_number)
{
        int r = interface_check(dev_handle, interface_number);

        if (r < 0)
                return r;
        dev_handle->claimed[interface_number / 32] |= 1u << (interface_number % 32);
        return LIBUSB_SUCCESS;
}

SHIM_EXPORT int libusb_release_interface(libusb_device_handle *dev_handle, int interface_number)
{
        int r = interface_check(dev_handle, interface_number);
        uint32_t bit;

        if (r < 0)
                return r;
        bit = 1u << (interface_number % 32);
        if (!(dev_handle->claimed[interface_number / 32] & bit))
                return LIBUSB_ERROR_NOT_FOUND;
        dev_handle->claimed[interface_number / 32] &= ~bit;
        return LIBUSB_SUCCESS;
}

/* No kernel driver ever holds a simulated interface: the calls succeed and do nothing. */
SHIM_EXPORT int libusb_kernel_driver_active(libusb_device_handle *dev_handle, int interface_number)
{
        int r = interface_check(dev_handle, interface_number);

        return r < 0 ? r : 0;
}

SHIM_EXPORT int libusb_detach_kernel_driver(libusb_device_handle *dev_handle, int interface_number)
{
        return interface_check(dev_handle, interface_number);
}

SHIM_EXPORT int libusb_attach_kernel_driver(libusb_device_handle *dev_handle, int interface_number)
{
        return interface_check(dev_handle, interface_number);
}

SHIM_EXPORT int libusb_set_auto_detach_kernel_driver(libusb_device_handle *dev_handle, int enable)
{
        return handle_check(dev_handle);
}

SHIM_EXPORT int libusb_clear_halt(libusb_device_handle *dev_handle, unsigned char endpoint)
{
        int r = handle_check(dev_handle);

        if (r < 0)
                return r;
        return shim_find_endpoint(dev_handle->dev, endpoint) ? LIBUSB_SUCCESS
                                                             : LIBUSB_ERROR_NOT_FOUND;
}

/* A reset makes a real EDL device re-enumerate, which libusb reports as NOT_FOUND: the handle
 * is dead and the host must find the device again. The connection is dropped to match. */
SHIM_EXPORT int libusb_reset_device(libusb_device_handle *dev_handle)
{
        int r = handle_check(dev_handle);

        if (r < 0)
                return r;
        handle_gone(dev_handle);
        return LIBUSB_ERROR_NOT_FOUND;
}

/* One handle, one connection, made on first use. A device without a socket is one the
 * simulator serves as ttys only. */
static int handle_connect(struct libusb_device_handle *h)
{
        if (h->fd >= 0)
                return 0;
        if (!h->dev->socket_path[0])
                return -EOPNOTSUPP;
        return shim_tunnel_connect(h->dev->socket_path, &h->fd);
}

SHIM_EXPORT int libusb_bulk_transfer(libusb_device_handle *dev_handle, unsigned char endpoint,
                                     unsigned char *data, int length, int *transferred,
                                     unsigned int timeout)
{
        int r = handle_check(dev_handle);
        size_t done = 0;

        if (transferred)
                *transferred = 0;
        if (r < 0)
                return r;
        if (length < 0 || (length > 0 && !data))
                return LIBUSB_ERROR_INVALID_PARAM;
        if (!shim_find_endpoint(dev_handle->dev, endpoint))
                return LIBUSB_ERROR_NOT_FOUND;
        r = handle_connect(dev_handle);
        if (r < 0)
                return handle_result(dev_handle, r);
        if (endpoint & LIBUSB_ENDPOINT_IN)
                r = shim_tunnel_recv(dev_handle->fd, endpoint, data, (size_t)length, timeout,
                                     &done);
        else
                r = shim_tunnel_send(dev_handle->fd, endpoint, data, (size_t)length, timeout,
                                     &done);
        if (transferred)
                *transferred = (int)done;
        return handle_result(dev_handle, r);
}

SHIM_EXPORT int libusb_interrupt_transfer(libusb_device_handle *dev_handle, unsigned char endpoint,
                                          unsigned char *data, int length, int *actual_length,
                                          unsigned int timeout)
{
        int r = handle_check(dev_handle);

        if (actual_length)
                *actual_length = 0;
        return r < 0 ? r : LIBUSB_ERROR_NOT_SUPPORTED;
}

/* Only GET_DESCRIPTOR(STRING), which libusb_get_string_descriptor() sends. */
SHIM_EXPORT int libusb_control_transfer(libusb_device_handle *dev_handle, uint8_t request_type,
                                        uint8_t bRequest, uint16_t wValue, uint16_t wIndex,
                                        unsigned char *data, uint16_t wLength, unsigned int timeout)
{
        int r = handle_check(dev_handle);

        if (r < 0)
                return r;
        if (request_type !=
                    (LIBUSB_ENDPOINT_IN | LIBUSB_REQUEST_TYPE_STANDARD | LIBUSB_RECIPIENT_DEVICE) ||
            bRequest != LIBUSB_REQUEST_GET_DESCRIPTOR || (wValue >> 8) != LIBUSB_DT_STRING)
                return LIBUSB_ERROR_NOT_SUPPORTED;
        if (wLength > 0 && !data)
                return LIBUSB_ERROR_INVALID_PARAM;
        r = shim_string_descriptor(dev_handle->dev, (uint8_t)(wValue & 0xff), data, wLength);
        return r < 0 ? shim_errno_to_libusb(r) : r;
}

SHIM_EXPORT int libusb_get_string_descriptor_ascii(libusb_device_handle *dev_handle,
                                                   uint8_t desc_index, unsigned char *data,
                                                   int length)
{
        int r = handle_check(dev_handle);

        if (r < 0)
                return r;
        if (length <= 0 || !data)
                return LIBUSB_ERROR_INVALID_PARAM;
        r = shim_string_ascii(dev_handle->dev, desc_index, (char *)data, (size_t)length);
        return r < 0 ? shim_errno_to_libusb(r) : r;
}
