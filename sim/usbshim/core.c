/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libusb-1.0 entry points for contexts, errors, the device list and device properties. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "shim.h"
#include "util/cleanup.h"

/* The only mutable global state: the live contexts. libusb_init(NULL) shares one default
 * context, counted. */
static pthread_mutex_t contexts_lock = PTHREAD_MUTEX_INITIALIZER;
static struct libusb_context *contexts;
static struct libusb_context *default_context;

int shim_errno_to_libusb(int r)
{
        switch (r) {
        case 0:
                return LIBUSB_SUCCESS;
        case -EINVAL:
                return LIBUSB_ERROR_INVALID_PARAM;
        case -EACCES:
        case -EPERM:
                return LIBUSB_ERROR_ACCESS;
        case -ENODEV:
                return LIBUSB_ERROR_NO_DEVICE;
        case -ENOENT:
                return LIBUSB_ERROR_NOT_FOUND;
        case -EBUSY:
                return LIBUSB_ERROR_BUSY;
        case -ETIMEDOUT:
                return LIBUSB_ERROR_TIMEOUT;
        case -EOVERFLOW:
                return LIBUSB_ERROR_OVERFLOW;
        case -EPIPE:
                return LIBUSB_ERROR_PIPE;
        case -EINTR:
                return LIBUSB_ERROR_INTERRUPTED;
        case -ENOMEM:
                return LIBUSB_ERROR_NO_MEM;
        case -EOPNOTSUPP:
                return LIBUSB_ERROR_NOT_SUPPORTED;
        default:
                return r > 0 ? r : LIBUSB_ERROR_IO;
        }
}

SHIM_EXPORT int libusb_init(libusb_context **ctx)
{
        struct libusb_context *c;

        pthread_mutex_lock(&contexts_lock);
        if (!ctx && default_context) {
                default_context->refs++;
                pthread_mutex_unlock(&contexts_lock);
                return LIBUSB_SUCCESS;
        }
        c = calloc(1, sizeof(*c));
        if (!c) {
                pthread_mutex_unlock(&contexts_lock);
                return LIBUSB_ERROR_NO_MEM;
        }
        c->refs = 1;
        c->next = contexts;
        contexts = c;
        if (ctx)
                *ctx = c;
        else
                default_context = c;
        pthread_mutex_unlock(&contexts_lock);
        return LIBUSB_SUCCESS;
}

SHIM_EXPORT void libusb_exit(libusb_context *ctx)
{
        struct libusb_context **p;

        pthread_mutex_lock(&contexts_lock);
        if (!ctx) {
                ctx = default_context;
                if (!ctx || --ctx->refs > 0) {
                        pthread_mutex_unlock(&contexts_lock);
                        return;
                }
                default_context = NULL;
        }
        for (p = &contexts; *p; p = &(*p)->next)
                if (*p == ctx) {
                        *p = ctx->next;
                        free(ctx);
                        break;
                }
        pthread_mutex_unlock(&contexts_lock);
}

static void set_log_level(libusb_context *ctx, int level)
{
        pthread_mutex_lock(&contexts_lock);
        if (!ctx)
                ctx = default_context;
        if (ctx)
                ctx->log_level = level;
        pthread_mutex_unlock(&contexts_lock);
}

SHIM_EXPORT void libusb_set_debug(libusb_context *ctx, int level)
{
        set_log_level(ctx, level);
}

/* Every option is accepted; the shim has nothing to log, discover or detach. */
SHIM_EXPORT int libusb_set_option(libusb_context *ctx, enum libusb_option option, ...)
{
        va_list ap;

        if (option == LIBUSB_OPTION_LOG_LEVEL) {
                va_start(ap, option);
                set_log_level(ctx, va_arg(ap, int));
                va_end(ap);
        }
        return LIBUSB_SUCCESS;
}

SHIM_EXPORT const struct libusb_version *libusb_get_version(void)
{
        static const struct libusb_version version = {
                .major = 1,
                .minor = 0,
                .micro = 26,
                .nano = 0,
                .rc = "",
                .describe = "safeflash-sim-usb",
        };

        return &version;
}

SHIM_EXPORT int libusb_has_capability(uint32_t capability)
{
        return capability == LIBUSB_CAP_HAS_CAPABILITY ||
               capability == LIBUSB_CAP_SUPPORTS_DETACH_KERNEL_DRIVER;
}

static const struct {
        int code;
        const char *name;
        const char *text;
} errors[] = {
        {LIBUSB_SUCCESS, "LIBUSB_SUCCESS", "Success"},
        {LIBUSB_ERROR_IO, "LIBUSB_ERROR_IO", "Input/output error"},
        {LIBUSB_ERROR_INVALID_PARAM, "LIBUSB_ERROR_INVALID_PARAM", "Invalid parameter"},
        {LIBUSB_ERROR_ACCESS, "LIBUSB_ERROR_ACCESS", "Access denied"},
        {LIBUSB_ERROR_NO_DEVICE, "LIBUSB_ERROR_NO_DEVICE", "No such device"},
        {LIBUSB_ERROR_NOT_FOUND, "LIBUSB_ERROR_NOT_FOUND", "Entity not found"},
        {LIBUSB_ERROR_BUSY, "LIBUSB_ERROR_BUSY", "Resource busy"},
        {LIBUSB_ERROR_TIMEOUT, "LIBUSB_ERROR_TIMEOUT", "Operation timed out"},
        {LIBUSB_ERROR_OVERFLOW, "LIBUSB_ERROR_OVERFLOW", "Overflow"},
        {LIBUSB_ERROR_PIPE, "LIBUSB_ERROR_PIPE", "Pipe error"},
        {LIBUSB_ERROR_INTERRUPTED, "LIBUSB_ERROR_INTERRUPTED", "System call interrupted"},
        {LIBUSB_ERROR_NO_MEM, "LIBUSB_ERROR_NO_MEM", "Insufficient memory"},
        {LIBUSB_ERROR_NOT_SUPPORTED, "LIBUSB_ERROR_NOT_SUPPORTED", "Operation not supported"},
        {LIBUSB_ERROR_OTHER, "LIBUSB_ERROR_OTHER", "Other error"},
};

/* libusb_error_name() also names transfer statuses, which are small positive numbers. */
static const char *const transfer_status_names[] = {
        [LIBUSB_TRANSFER_COMPLETED] = "LIBUSB_TRANSFER_COMPLETED",
        [LIBUSB_TRANSFER_ERROR] = "LIBUSB_TRANSFER_ERROR",
        [LIBUSB_TRANSFER_TIMED_OUT] = "LIBUSB_TRANSFER_TIMED_OUT",
        [LIBUSB_TRANSFER_CANCELLED] = "LIBUSB_TRANSFER_CANCELLED",
        [LIBUSB_TRANSFER_STALL] = "LIBUSB_TRANSFER_STALL",
        [LIBUSB_TRANSFER_NO_DEVICE] = "LIBUSB_TRANSFER_NO_DEVICE",
        [LIBUSB_TRANSFER_OVERFLOW] = "LIBUSB_TRANSFER_OVERFLOW",
};

SHIM_EXPORT const char *libusb_error_name(int errcode)
{
        for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
                if (errors[i].code == errcode)
                        return errors[i].name;
        if (errcode > 0 &&
            (size_t)errcode < sizeof(transfer_status_names) / sizeof(transfer_status_names[0]))
                return transfer_status_names[errcode];
        return "**UNKNOWN**";
}

SHIM_EXPORT const char *libusb_strerror(int errcode)
{
        for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
                if (errors[i].code == errcode)
                        return errors[i].text;
        return "Unknown error";
}

void shim_device_unref(struct libusb_device *dev)
{
        if (dev && atomic_fetch_sub(&dev->refs, 1) == 1)
                free(dev);
}

SHIM_EXPORT libusb_device *libusb_ref_device(libusb_device *dev)
{
        atomic_fetch_add(&dev->refs, 1);
        return dev;
}

SHIM_EXPORT void libusb_unref_device(libusb_device *dev)
{
        shim_device_unref(dev);
}

SHIM_EXPORT ssize_t libusb_get_device_list(libusb_context *ctx, libusb_device ***list)
{
        struct libusb_device **devices;
        size_t n;
        int r;

        if (!list)
                return LIBUSB_ERROR_INVALID_PARAM;
        r = shim_sysfs_enumerate(&devices, &n);
        if (r < 0)
                return shim_errno_to_libusb(r);
        *list = devices;
        return (ssize_t)n;
}

SHIM_EXPORT void libusb_free_device_list(libusb_device **list, int unref_devices)
{
        if (!list)
                return;
        if (unref_devices)
                for (size_t i = 0; list[i]; i++)
                        shim_device_unref(list[i]);
        free(list);
}

SHIM_EXPORT int libusb_get_device_descriptor(libusb_device *dev,
                                             struct libusb_device_descriptor *desc)
{
        *desc = dev->desc;
        return LIBUSB_SUCCESS;
}

SHIM_EXPORT int libusb_get_config_descriptor(libusb_device *dev, uint8_t config_index,
                                             struct libusb_config_descriptor **config)
{
        if (config_index != 0)
                return LIBUSB_ERROR_NOT_FOUND;
        return shim_errno_to_libusb(shim_build_config(dev, config));
}

SHIM_EXPORT int libusb_get_active_config_descriptor(libusb_device *dev,
                                                    struct libusb_config_descriptor **config)
{
        return libusb_get_config_descriptor(dev, 0, config);
}

SHIM_EXPORT void libusb_free_config_descriptor(struct libusb_config_descriptor *config)
{
        free(config);
}

SHIM_EXPORT uint8_t libusb_get_bus_number(libusb_device *dev)
{
        return dev->bus;
}

SHIM_EXPORT uint8_t libusb_get_device_address(libusb_device *dev)
{
        return dev->address;
}

SHIM_EXPORT uint8_t libusb_get_port_number(libusb_device *dev)
{
        return dev->n_ports ? dev->ports[dev->n_ports - 1] : 0;
}

SHIM_EXPORT int libusb_get_port_numbers(libusb_device *dev, uint8_t *port_numbers,
                                        int port_numbers_len)
{
        if (port_numbers_len <= 0)
                return LIBUSB_ERROR_INVALID_PARAM;
        if (port_numbers_len < dev->n_ports)
                return LIBUSB_ERROR_OVERFLOW;
        memcpy(port_numbers, dev->ports, dev->n_ports);
        return dev->n_ports;
}

SHIM_EXPORT int libusb_get_device_speed(libusb_device *dev)
{
        return dev->speed;
}

SHIM_EXPORT int libusb_get_max_packet_size(libusb_device *dev, unsigned char endpoint)
{
        const struct shim_endpoint *ep = shim_find_endpoint(dev, endpoint);

        return ep ? ep->max_packet : LIBUSB_ERROR_NOT_FOUND;
}
