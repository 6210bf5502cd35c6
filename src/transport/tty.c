/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Serial-style nodes: qcserial's ttyUSBn on 9008, PCIe /dev/mhi_* and /dev/wwan*firehose*.
 * A byte stream: no transfer boundaries, so sessions read headers, then bodies. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "transport/transport.h"
#include "util/strutil.h"

struct tty_priv {
        int fd;
};

static int tty_read(struct sf_transport *t, uint8_t *buf, size_t size, size_t *ret_len,
                    int timeout_ms)
{
        struct tty_priv *p = t->priv;
        struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
        ssize_t n;
        int r;

        do
                r = poll(&pfd, 1, timeout_ms);
        while (r < 0 && errno == EINTR);
        if (r < 0)
                return -errno;
        if (r == 0)
                return -ETIMEDOUT;
        n = read(p->fd, buf, size);
        if (n < 0)
                return errno == EAGAIN ? (*ret_len = 0, 0) : (errno == EIO ? -ENODEV : -errno);
        if (n == 0)
                return -ENODEV; /* the node went away */
        *ret_len = (size_t)n;
        return 0;
}

static int tty_write(struct sf_transport *t, const uint8_t *buf, size_t len, int timeout_ms)
{
        struct tty_priv *p = t->priv;
        size_t done = 0;

        while (done < len) {
                struct pollfd pfd = {.fd = p->fd, .events = POLLOUT};
                ssize_t n;
                int r = poll(&pfd, 1, timeout_ms);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        return r < 0 ? -errno : -ETIMEDOUT;
                n = write(p->fd, buf + done, len - done);
                if (n < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                if (n < 0)
                        return errno == EIO ? -ENODEV : -errno;
                done += (size_t)n;
        }
        return 0;
}

static void tty_close(struct sf_transport *t)
{
        struct tty_priv *p = t->priv;

        if (p) {
                if (p->fd >= 0)
                        close(p->fd);
                free(p);
        }
        free(t);
}

static const struct sf_transport_ops tty_ops = {
        .name = "tty",
        .read = tty_read,
        .write = tty_write,
        .close = tty_close,
};

int sf_transport_open_tty(const char *path, struct sf_transport **ret, struct sf_error *err)
{
        struct sf_transport *t = calloc(1, sizeof(*t));
        struct tty_priv *p = calloc(1, sizeof(*p));
        struct termios tio;

        if (!t || !p) {
                free(t);
                free(p);
                return -ENOMEM;
        }
        t->ops = &tty_ops;
        t->priv = p;
        t->stream = true;
        t->max_write = 16 * 1024;
        p->fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
        if (p->fd < 0) {
                int r = -errno;
                sf_transport_close(t);
                return sf_error_set(err, r, "%s: %s", path, strerror(-r));
        }
        /* Raw, so no byte of a binary protocol is translated or swallowed. */
        if (isatty(p->fd) && tcgetattr(p->fd, &tio) == 0) {
                cfmakeraw(&tio);
                cfsetspeed(&tio, B115200);
                tcsetattr(p->fd, TCSANOW, &tio);
        }
        snprintf(t->description, sizeof(t->description), "tty %.100s", path);
        *ret = t;
        return 0;
}
