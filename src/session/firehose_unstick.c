/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A programmer whose host died inside a <program>: it still waits for the raw bytes it was
 * promised, reads everything sent to it as those bytes, and answers nothing until it has them
 * all (protocols.md, Firehose raw mode). Zeros are sent until it speaks XML again: the
 * partition it was writing was half written already, and is written again in full by whatever
 * runs next (recover). */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "session/firehose_host.h"
#include "util/clock.h"
#include "util/strutil.h"

/* The zeros sent at once: a multiple of every sector size (512, 4096). */
#define UNSTICK_CHUNK (256u * 1024u)

/* Whether the device said anything in XML (read without waiting). */
static int spoke_xml(struct sf_firehose_host *h, int wait_ms, bool *said)
{
        uint8_t buf[4096];
        size_t n = 0;
        int r = sf_transport_read(h->t, buf, sizeof(buf), &n, wait_ms);

        if (r == -ETIMEDOUT)
                return 0;
        if (r < 0)
                return r;
        if (n >= 5 && memmem(buf, n, "<?xml", 5))
                *said = true;
        return 0;
}

int sf_fh_unstick_raw(struct sf_firehose_host *h, int timeout_ms, uint64_t *ret_sent,
                      struct sf_error *err)
{
        static const uint8_t zeros[UNSTICK_CHUNK];
        long long deadline = sf_now_ms() + timeout_ms;
        bool said = false;
        uint64_t sent = 0;
        int r = spoke_xml(h, 100, &said);

        while (r >= 0 && !said && sf_now_ms() < deadline) {
                r = sf_transport_write(h->t, zeros, sizeof(zeros), SF_FH_TIMEOUT_CHUNK_MS);
                if (r >= 0)
                        sent += sizeof(zeros);
                if (r >= 0)
                        r = spoke_xml(h, 1, &said);
        }
        if (ret_sent)
                *ret_sent = sent;
        /* What followed the answer (the zeros past the raw data, taken for XML and refused)
         * is drained by the next session's resume. */
        if (r < 0)
                return sf_error_set(err, r, "the device takes no data (%s) after %" PRIu64
                                    " bytes", strerror(-r), sent);
        if (!said)
                return sf_error_set(err, -ETIMEDOUT,
                                    "the device took %" PRIu64 " bytes in %d s without a word",
                                    sent, timeout_ms / 1000);
        return 0;
}
