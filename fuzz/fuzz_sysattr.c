/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The USB attribute strings of sysfs as the library interprets them: the input is the device's
 * name, idVendor, idProduct, bNumInterfaces, busnum, devnum, product, serial, then an
 * interface's bInterfaceNumber and a tty name, separated by NUL bytes (each as sd-device gives
 * it, with its newline). */
#include <stdlib.h>
#include <string.h>

#include "device/sysattr.h"
#include "fuzz.h"

#define FIELDS 10

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *f[FIELDS] = {0};
        struct sf_usb_attrs a;
        struct sf_device d;
        char *buf = malloc(size + 1);
        size_t k = 0;
        long ifnum;

        if (!buf)
                return 0;
        memcpy(buf, data, size);
        buf[size] = '\0';
        for (char *p = buf; k < FIELDS && p <= buf + size; p += strlen(p) + 1)
                f[k++] = p;
        a = (struct sf_usb_attrs){.name = f[0], .id_vendor = f[1], .id_product = f[2],
                                  .n_interfaces = f[3], .busnum = f[4], .devnum = f[5],
                                  .product = f[6], .serial = f[7]};
        if (sf_sysattr_device(&a, &d) == 1 && sf_sysattr_ifnum(f[8], &ifnum) == 0)
                sf_sysattr_put_port(&d, ifnum, f[9]);
        free(buf);
        return 0;
}
