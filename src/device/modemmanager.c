/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Keep ModemManager off a module while safeflash works on it (src/device/modemmanager.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-device.h>

#include "device/modemmanager.h"
#include "util/strutil.h"

#define MM_NAME      "org.freedesktop.ModemManager1"
#define MM_PATH      "/org/freedesktop/ModemManager1"
#define MM_INTERFACE "org.freedesktop.ModemManager1"

struct sf_mm {
        sd_bus *bus;
        char uid[PATH_MAX];
};

static bool mm_runs(sd_bus *bus)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        int owned = 0;

        if (sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus", "NameHasOwner", &e, &reply, "s",
                               MM_NAME) < 0 ||
            sd_bus_message_read(reply, "b", &owned) < 0)
                owned = 0;
        sd_bus_error_free(&e);
        sd_bus_message_unref(reply);
        return owned;
}

/* ModemManager names a device by its physical sysfs path, as the device database has it. */
static int device_uid(const struct sf_device *dev, char *out, size_t size)
{
        sd_device *d = NULL;
        const char *path = NULL;
        int r = sd_device_new_from_subsystem_sysname(&d, "usb", dev->name);

        if (r >= 0)
                r = sd_device_get_syspath(d, &path);
        if (r >= 0)
                r = sf_strlcpy(out, size, path);
        sd_device_unref(d);
        return r;
}

static int call_inhibit(struct sf_mm *mm, bool inhibit, sd_bus_error *e)
{
        return sd_bus_call_method(mm->bus, MM_NAME, MM_PATH, MM_INTERFACE, "InhibitDevice", e, NULL,
                                  "sb", mm->uid, (int)inhibit);
}

static void say(char *note, size_t size, const char *fmt, const char *a, const char *b)
{
        if (note && size)
                snprintf(note, size, fmt, a, b);
}

int sf_mm_inhibit(const struct sf_device *dev, struct sf_mm **ret, char *note, size_t note_size,
                  struct sf_error *err)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        struct sf_mm *mm;
        int r;

        *ret = NULL;
        say(note, note_size, "%s%s", "", "");
        mm = calloc(1, sizeof(*mm));
        if (!mm)
                return -ENOMEM;
        if (sd_bus_open_system(&mm->bus) < 0 || !mm_runs(mm->bus)) {
                sf_mm_release(mm); /* no bus, or no ModemManager on it: nobody to ask */
                return 0;
        }
        r = device_uid(dev, mm->uid, sizeof(mm->uid));
        if (r >= 0)
                r = call_inhibit(mm, true, &e);
        if (r >= 0) {
                say(note, note_size, "ModemManager lets go of %s (%s) while safeflash works",
                    dev->name, mm->uid);
                *ret = mm;
        } else if (sd_bus_error_has_name(&e, MM_INTERFACE ".Error.Core.NotFound")) {
                say(note, note_size, "ModemManager does not manage %s%s", dev->name, "");
                sd_bus_flush_close_unref(mm->bus);
                free(mm);
                r = 0;
        } else {
                r = sf_error_set(err, -EBUSY,
                                 "ModemManager runs and would keep probing %s's ports, and it "
                                 "did not let go of it (%s): stop it for the update "
                                 "('systemctl stop ModemManager'), then try again",
                                 dev->name, e.message ? e.message : strerror(-r));
                sd_bus_flush_close_unref(mm->bus);
                free(mm);
        }
        sd_bus_error_free(&e);
        return r;
}

void sf_mm_release(struct sf_mm *mm)
{
        if (!mm)
                return;
        if (mm->uid[0])
                call_inhibit(mm, false, NULL);
        sd_bus_flush_close_unref(mm->bus);
        free(mm);
}
