/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Waiting for the bus to change (a module re-enumerating: it leaves, it comes back in another
 * mode) on the kernel's uevents, through sd-device, instead of looking every few milliseconds. */
#ifndef SF_DEVICE_WATCH_H
#define SF_DEVICE_WATCH_H

struct sf_watch;

/* Start watching USB devices and ttys come and go. Without uevents (no permission, no netlink)
 * *ret is NULL and sf_watch_wait() sleeps at most 100 ms: the caller's loop then polls. */
int sf_watch_new(struct sf_watch **ret);
/* Until a USB device or tty comes or goes, or timeout_ms pass: 1 on a change, 0 on timeout. */
int sf_watch_wait(struct sf_watch *w, int timeout_ms);
void sf_watch_free(struct sf_watch *w);


#endif
