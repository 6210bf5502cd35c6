/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ModemManager, where it runs, holds a module's AT and DIAG ports and probes its EDL port. While
 * safeflash works on a module it asks ModemManager over D-Bus (system bus) to let go of it:
 * InhibitDevice(uid, true), which lasts until released or until our bus connection closes, so
 * a crashed safeflash cannot leave a module inhibited. */
#ifndef SF_DEVICE_MODEMMANAGER_H
#define SF_DEVICE_MODEMMANAGER_H

#include <stddef.h>

#include "safeflash/device.h"

struct sf_mm;

/* No ModemManager on the bus (or no bus): 0 and *ret NULL. ModemManager lets go: 0 and *ret the
 * inhibition, released by sf_mm_release(). ModemManager runs but refuses: -EBUSY, and err says
 * what to do. note (may be NULL) says in one line what happened, for the log. */
int sf_mm_inhibit(const struct sf_device *dev, struct sf_mm **ret, char *note, size_t note_size,
                  struct sf_error *err);
/* Give the module back to ModemManager. Accepts NULL. */
void sf_mm_release(struct sf_mm *mm);

#endif
