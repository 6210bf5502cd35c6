/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/diag.h"
#include "session/diag_host.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "util/strutil.h"

#define ECHO_TIMEOUT_MS 10000

int sf_diag_enter_edl(struct sf_transport *t, struct sf_error *err)
{
        _cleanup_free_ struct sf_diag_reader *rd = malloc(sizeof(*rd));
        uint8_t frame[16], in[1024], payload[SF_DIAG_MAX_PAYLOAD];
        long long deadline = sf_now_ms() + ECHO_TIMEOUT_MS;
        size_t n, plen;
        int r;

        if (!rd)
                return -ENOMEM;
        sf_diag_reader_init(rd);
        /* Log packets the module may be streaming are not the answer: drop what is queued. */
        while (sf_transport_read(t, in, sizeof(in), &n, 0) == 0 && n > 0)
                ;
        r = sf_diag_build_edl_reboot(frame, sizeof(frame), &n);
        if (r >= 0)
                r = sf_transport_write(t, frame, n, 3000);
        if (r < 0)
                return sf_error_set(err, r, "sending the EDL command: %s", strerror(-r));
        while (sf_now_ms() < deadline) {
                r = sf_transport_read(t, in, sizeof(in), &n, (int)(deadline - sf_now_ms()));
                if (r == -ENODEV)
                        return 0; /* gone already: it is rebooting */
                if (r < 0)
                        continue;
                sf_diag_reader_feed(rd, in, n);
                while ((r = sf_diag_reader_next(rd, payload, sizeof(payload), &plen)) != 0) {
                        if (r < 0)
                                continue;
                        r = sf_diag_parse_edl_reboot_echo(payload, plen);
                        if (r == 0)
                                return 0;
                        if (r != -ENOMSG)
                                return sf_error_set(err, -EPERM,
                                                    "the module refused the switch to EDL (DIAG "
                                                    "error %d)",
                                                    r);
                }
        }
        return sf_error_set(err, -ETIMEDOUT, "no answer to the DIAG EDL command");
}
