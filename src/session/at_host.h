/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One AT command over a transport, its reply collected until the final result code. */
#ifndef SF_SESSION_AT_HOST_H
#define SF_SESSION_AT_HOST_H

#include "proto/at.h"
#include "transport/transport.h"

#define SF_AT_TIMEOUT_MS 3000

int sf_at_command(struct sf_transport *t, const char *cmd, int timeout_ms,
                  struct sf_at_response *ret, struct sf_error *err);

#endif
