/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DIAG on a running module's DM port: the switch to emergency download mode. */
#ifndef SF_SESSION_DIAG_HOST_H
#define SF_SESSION_DIAG_HOST_H

#include "transport/transport.h"

/* Send the EDL-reboot command (4b 65 01 00) and wait for its echo, the module's acceptance.
 * -ETIMEDOUT when no echo comes, -EPERM when the module answers with an error. */
int sf_diag_enter_edl(struct sf_transport *t, struct sf_error *err);

#endif
