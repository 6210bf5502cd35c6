/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The behaviour every transport shares. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "transport/transport.h"
#include "util/clock.h"

static void record(struct sf_transport *t, const char *dir, const uint8_t *buf, size_t len)
{
        bool text = len > 5 && memcmp(buf, "<?xml", 5) == 0;

        if (!t->record)
                return;
        fprintf(t->record, "%s %zu", dir, len);
        if (text) /* XML in full, so a failed session can be read afterwards */
                fprintf(t->record, " %.*s", (int)len, (const char *)buf);
        else if (len <= 64)
                for (size_t i = 0; i < len; i++)
                        fprintf(t->record, " %02x", buf[i]);
        else
                fprintf(t->record, " [raw data]");
        fputc('\n', t->record);
}

void sf_transport_note(struct sf_transport *t, const char *fmt, ...)
{
        va_list ap;

        if (!t || !t->record)
                return;
        fputs("# ", t->record);
        va_start(ap, fmt);
        vfprintf(t->record, fmt, ap);
        va_end(ap);
        fputc('\n', t->record);
        fflush(t->record);
}

/* Up to size bytes of what was pushed back, first in first out. */
static size_t take_pushback(struct sf_transport *t, uint8_t *buf, size_t size)
{
        size_t n = t->pb_len < size ? t->pb_len : size;

        memcpy(buf, t->pushback, n);
        memmove(t->pushback, t->pushback + n, t->pb_len - n);
        t->pb_len -= n;
        return n;
}

int sf_transport_read(struct sf_transport *t, uint8_t *buf, size_t size, size_t *ret_len,
                      int timeout_ms)
{
        size_t n;
        int r;

        if (!t || !buf || !ret_len)
                return -EINVAL;
        if (t->pb_len > 0) {
                *ret_len = take_pushback(t, buf, size);
                return 0;
        }
        r = t->ops->read(t, buf, size, &n, timeout_ms);
        if (r < 0)
                return r;
        t->bytes_in += n;
        if (n > 0)
                record(t, "<-", buf, n);
        *ret_len = n;
        return 0;
}

/* Below this a raw read is one transfer or a few: a queue would only add requests. */
#define SF_TRANSPORT_QUEUE_MIN (64 * 1024)

int sf_transport_read_full(struct sf_transport *t, uint8_t *buf, size_t len, int timeout_ms)
{
        long long deadline = sf_now_ms() + timeout_ms;
        size_t done = 0;

        if (!t || (!buf && len))
                return -EINVAL;
        if (t->ops->read_exact && len > t->pb_len && len - t->pb_len >= SF_TRANSPORT_QUEUE_MIN) {
                size_t n = take_pushback(t, buf, len); /* what was pushed back comes first */
                int r = t->ops->read_exact(t, buf + n, len - n, timeout_ms);
                if (r < 0)
                        return r;
                t->bytes_in += len - n;
                record(t, "<-", buf + n, len - n);
                return 0;
        }
        while (done < len) {
                long long left = deadline - sf_now_ms();
                size_t n = 0;
                int r;
                if (left <= 0)
                        return -ETIMEDOUT;
                r = sf_transport_read(t, buf + done, len - done, &n, (int)left);
                if (r < 0)
                        return r;
                done += n; /* a zero-length packet is not the end of anything */
        }
        return 0;
}

static int write_piece(struct sf_transport *t, const uint8_t *buf, size_t len, int timeout_ms)
{
        bool zlp = len > 0 && t->zlp && t->max_packet && len % t->max_packet == 0;
        int r;

        if (zlp && t->ops->write_zlp) { /* one request: the data, then the end of the transfer */
                r = t->ops->write_zlp(t, buf, len, timeout_ms);
                if (r >= 0)
                        t->bytes_out += len;
                return r;
        }
        r = t->ops->write(t, buf, len, timeout_ms);
        if (r < 0)
                return r;
        t->bytes_out += len;
        if (zlp)
                r = t->ops->write(t, buf, 0, timeout_ms); /* mark the end of the transfer */
        return r;
}

int sf_transport_write(struct sf_transport *t, const uint8_t *buf, size_t len, int timeout_ms)
{
        size_t done = 0;
        int r;

        if (!t || (!buf && len))
                return -EINVAL;
        record(t, "->", buf, len);
        if (len == 0)
                return t->ops->write(t, buf, 0, timeout_ms);
        while (done < len) {
                size_t n = len - done;
                if (t->max_write && n > t->max_write)
                        n = t->max_write;
                r = write_piece(t, buf + done, n, timeout_ms);
                if (r < 0)
                        return r;
                done += n;
        }
        return 0;
}

int sf_transport_unread(struct sf_transport *t, const uint8_t *buf, size_t len)
{
        if (len > SF_TRANSPORT_PUSHBACK_MAX - t->pb_len)
                return -ENOBUFS;
        memmove(t->pushback + len, t->pushback, t->pb_len);
        memcpy(t->pushback, buf, len);
        t->pb_len += len;
        return 0;
}

void sf_transport_close(struct sf_transport *t)
{
        if (!t)
                return;
        if (t->ops && t->ops->close)
                t->ops->close(t);
}
