/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bus's uevents (watch.h). */
#include <errno.h>
#include <stdlib.h>
#include <systemd/sd-device.h>
#include <systemd/sd-event.h>
#include <time.h>

#include "device/watch.h"
#include "util/clock.h"

struct sf_watch {
        sd_event *event;
        sd_device_monitor *monitor;
        int changes;
};

static int on_uevent(sd_device_monitor *m, sd_device *d, void *userdata)
{
        struct sf_watch *w = userdata;

        (void)m;
        (void)d;
        w->changes++;
        return 0;
}

void sf_watch_free(struct sf_watch *w)
{
        if (!w)
                return;
        sd_device_monitor_unref(w->monitor);
        sd_event_unref(w->event);
        free(w);
}

int sf_watch_new(struct sf_watch **ret)
{
        struct sf_watch *w = calloc(1, sizeof(*w));
        int r;

        *ret = NULL;
        if (!w)
                return -ENOMEM;
        r = sd_event_new(&w->event);
        if (r >= 0)
                r = sd_device_monitor_new(&w->monitor);
        if (r >= 0)
                r = sd_device_monitor_attach_event(w->monitor, w->event);
        if (r >= 0)
                r = sd_device_monitor_filter_add_match_subsystem_devtype(w->monitor, "usb", NULL);
        if (r >= 0)
                r = sd_device_monitor_filter_add_match_subsystem_devtype(w->monitor, "tty", NULL);
        if (r >= 0)
                r = sd_device_monitor_start(w->monitor, on_uevent, w);
        if (r < 0) {
                sf_watch_free(w);
                return 0; /* no uevents here: the caller looks again every timeout */
        }
        *ret = w;
        return 0;
}

int sf_watch_wait(struct sf_watch *w, int timeout_ms)
{
        long long until = sf_now_ms() + timeout_ms;
        struct timespec ts;

        if (!w) { /* look again soon, as without uevents one must */
                timeout_ms = timeout_ms < 100 ? timeout_ms : 100;
                ts.tv_sec = 0;
                ts.tv_nsec = (long)timeout_ms * 1000000;
                nanosleep(&ts, NULL);
                return 0;
        }
        w->changes = 0;
        for (long long left = timeout_ms; left > 0 && !w->changes;
             left = until - sf_now_ms())
                if (sd_event_run(w->event, (uint64_t)left * 1000) < 0)
                        break;
        return w->changes > 0;
}
