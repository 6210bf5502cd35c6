/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sf_ramdump_run: find the crashed module, refuse any other state with what to do instead, and
 * run the dump session on it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "safeflash/ramdump.h"
#include "session/ramdump.h"
#include "util/strutil.h"

/* Only a crashed module offers its RAM: say what this one is and what applies to it. */
static int wrong_state(const struct sf_device *d, struct sf_error *err)
{
        switch (d->mode) {
        case SF_DEVICE_MODE_NORMAL:
                return sf_error_set(err, -ENODEV,
                                    "%s is running its firmware (normal mode, %04x:%04x): it has "
                                    "not crashed, so there is no RAM dump to collect; 'safeflash "
                                    "info' shows what it runs",
                                    d->name, d->vid, d->pid);
        case SF_DEVICE_MODE_EDL:
                return sf_error_set(err, -ENODEV,
                                    "%s is in emergency download mode (EDL, 05c6:9008), not in "
                                    "memory-debug mode (05c6:900e): its boot ROM waits for a "
                                    "programmer and holds no crash dump; 'safeflash flash' or "
                                    "'safeflash update' applies",
                                    d->name);
        default:
                return sf_error_set(err, -ENODEV,
                                    "%s is in %s mode (%04x:%04x): only a module that crashed "
                                    "into memory-debug mode (05c6:900e) offers a RAM dump",
                                    d->name, sf_device_mode_to_string(d->mode), d->vid, d->pid);
        }
}

static int open_module(const struct sf_ramdump_options *o, struct sf_ramdump_result *res,
                       struct sf_transport **t, struct sf_error *err)
{
        struct sf_usb_match m = {.bus = -1, .address = -1};
        struct sf_device d;
        int r = sf_device_find(o->device, &d, err);

        if (r == -ENODEV && o->device && o->device[0] == '/') {
                /* A port that discovery does not know: the boot ROM's HELLO tells its state. */
                snprintf(res->device, sizeof(res->device), "%.31s", o->device);
                r = sf_transport_open_tty(o->device, t, err);
                return r == -ENOENT ? -ENODEV : r;
        }
        if (r < 0)
                return r;
        snprintf(res->device, sizeof(res->device), "%s", d.name);
        res->mode = d.mode;
        if (d.mode != SF_DEVICE_MODE_MEMORY_DEBUG)
                return wrong_state(&d, err);
        m = (struct sf_usb_match){
                .vid = d.vid, .pid = d.pid, .bus = (int)d.bus, .address = (int)d.address};
        r = sf_transport_open_usb(&m, t, err);
        if (r < 0 && d.edl_port[0])
                r = sf_transport_open_tty(d.edl_port, t, err);
        return r == -ENOENT ? -ENODEV : r;
}

int sf_ramdump_run(const struct sf_ramdump_options *o, struct sf_ramdump_result *ret,
                   struct sf_error *err)
{
        struct sf_ramdump_result res = {.log_region = -1};
        struct sf_transport *t = NULL;
        FILE *session = NULL;
        int r;

        if (!o || !ret || !o->out_dir || !o->out_dir[0])
                return sf_error_set(err, -EINVAL, "no output folder for the dump");
        r = open_module(o, &res, &t, err);
        if (r == 0 && o->session_log) {
                session = fopen(o->session_log, "we");
                if (!session)
                        r = sf_error_set(err, -errno, "%s: %s", o->session_log, strerror(errno));
                else
                        t->record = session;
        }
        if (r == 0)
                r = sf_ramdump_collect(t, o, &res, err);
        sf_transport_close(t);
        if (session)
                fclose(session);
        *ret = res;
        return r;
}
