/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "session/at_host.h"
#include "util/clock.h"
#include "util/strutil.h"

int sf_at_command(struct sf_transport *t, const char *cmd, int timeout_ms,
                  struct sf_at_response *ret, struct sf_error *err)
{
        char buf[SF_AT_REPLY_MAX + 1], line[SF_AT_LINE_MAX + 2];
        long long deadline = sf_now_ms() + timeout_ms;
        size_t len = 0, n;
        int r;

        /* Whatever the port still holds (a late answer, URCs) is not this command's. */
        while (sf_transport_read(t, (uint8_t *)buf, sizeof(buf) - 1, &n, 0) == 0 && n > 0)
                ;
        snprintf(line, sizeof(line), "%s\r", cmd);
        r = sf_transport_write(t, (const uint8_t *)line, strlen(line), timeout_ms);
        if (r < 0)
                return sf_error_set(err, r, "%s: %s", cmd, strerror(-r));
        for (;;) {
                long long left = deadline - sf_now_ms();
                if (left <= 0)
                        return sf_error_set(err, -ETIMEDOUT, "%s: no answer", cmd);
                r = sf_transport_read(t, (uint8_t *)buf + len, sizeof(buf) - 1 - len, &n,
                                      (int)left);
                if (r == -ETIMEDOUT)
                        continue;
                if (r < 0)
                        return sf_error_set(err, r, "%s: %s", cmd, strerror(-r));
                len += n;
                r = sf_at_parse_response(buf, len, cmd, ret);
                if (r == 0)
                        return 0;
                if (r != -EAGAIN)
                        return sf_error_set(err, r, "%s: unreadable answer", cmd);
        }
}
