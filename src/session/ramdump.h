/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The RAM dump of a crashed module over an open transport: Sahara memory-debug mode, the
 * region table, each region into a file of the output folder, a manifest, RESET. */
#ifndef SF_SESSION_RAMDUMP_H
#define SF_SESSION_RAMDUMP_H

#include <stdbool.h>

#include "safeflash/ramdump.h"
#include "transport/transport.h"

#define SF_RAMDUMP_CHUNK (512u * 1024) /* per MEMORY_READ, as qdl and edl ask (reference 2.12) */

/* Everything of sf_ramdump_run once the module is open. res must be initialized (log_region
 * -1); it is updated as the dump goes. */
int sf_ramdump_collect(struct sf_transport *t, const struct sf_ramdump_options *o,
                       struct sf_ramdump_result *res, struct sf_error *err);

/* May a file name from a device's table be used as it is? Only [A-Za-z0-9._-], not starting
 * with '.' or '-', no "..", shorter than SF_RAMDUMP_NAME_MAX, and none of our own names. */
bool sf_ramdump_name_ok(const char *name);

/* The last `lines` lines of the text at the start of buf (up to its first NUL), printable
 * ASCII and '\n' only, into out. false when buf does not hold text. */
bool sf_ramdump_log_tail(const uint8_t *buf, size_t len, unsigned lines, char *out, size_t size);

#endif
