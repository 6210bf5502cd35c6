/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The USB tunnel: one SEQPACKET message per bulk transfer, [type, endpoint, 0, 0] + payload.
 * The socket is non-blocking; every wait is a poll() bounded by the transfer's timeout. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "shim.h"
#include "util/cleanup.h"

#define CONNECT_RETRIES 100 /* x 10 ms while the simulator's backlog is full */
#define TUNNEL_SNDBUF   (256 * 1024)

struct deadline {
        bool forever;
        struct timespec end;
};

/* libusb: a timeout of 0 means no timeout. */
static struct deadline deadline_in(unsigned timeout_ms)
{
        struct deadline d = {.forever = timeout_ms == 0};

        clock_gettime(CLOCK_MONOTONIC, &d.end);
        d.end.tv_sec += timeout_ms / 1000;
        d.end.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (d.end.tv_nsec >= 1000000000L) {
                d.end.tv_sec++;
                d.end.tv_nsec -= 1000000000L;
        }
        return d;
}

/* Milliseconds left, rounded up so a wait never ends early; -1 for no limit. */
static int deadline_left_ms(const struct deadline *d)
{
        struct timespec now;
        long long ns;

        if (d->forever)
                return -1;
        clock_gettime(CLOCK_MONOTONIC, &now);
        ns = (long long)(d->end.tv_sec - now.tv_sec) * 1000000000LL +
             (d->end.tv_nsec - now.tv_nsec);
        if (ns <= 0)
                return 0;
        if (ns / 1000000LL >= 0x7fffffffLL)
                return 0x7fffffff;
        return (int)((ns + 999999LL) / 1000000LL);
}

/* Waits until fd is ready for events (or hung up, which the next call then reports). */
static int wait_ready(int fd, short events, const struct deadline *d)
{
        for (;;) {
                struct pollfd p = {.fd = fd, .events = events};
                int left = deadline_left_ms(d);
                int r = poll(&p, 1, left);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return -errno;
                if (r > 0)
                        return 0;
                if (left == 0 || deadline_left_ms(d) == 0)
                        return -ETIMEDOUT;
        }
}

/* The simulator went away: the device left the bus. */
static int map_socket_errno(int e)
{
        switch (e) {
        case ECONNRESET:
        case ECONNREFUSED:
        case ENOTCONN:
        case EPIPE:
        case ENOENT:
        case ENOTDIR:
                return -ENODEV;
        default:
                return -e;
        }
}

int shim_tunnel_connect(const char *path, int *ret_fd)
{
        _cleanup_close_ int fd = -1;
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        int sndbuf = TUNNEL_SNDBUF;
        size_t len = strlen(path);

        if (len == 0 || len >= sizeof(addr.sun_path))
                return -EINVAL;
        memcpy(addr.sun_path, path, len + 1);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        /* Room for a whole 64 KiB message even where the default send buffer is small. */
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
        for (int i = 0;; i++) {
                if (connect(fd, (const struct sockaddr *)&addr, sizeof(addr)) == 0)
                        break;
                if (errno == EINTR)
                        continue;
                if (errno != EAGAIN)
                        return map_socket_errno(errno);
                if (i >= CONNECT_RETRIES)
                        return -EBUSY;
                (void)poll(NULL, 0, 10);
        }
        *ret_fd = fd;
        fd = -1;
        return 0;
}

static int send_message(int fd, uint8_t endpoint, const uint8_t *data, size_t len,
                        const struct deadline *d)
{
        uint8_t hdr[SHIM_TUNNEL_HDR] = {SHIM_TUNNEL_BULK, endpoint, 0, 0};
        struct iovec iov[2] = {
                {.iov_base = hdr, .iov_len = sizeof(hdr)},
                {.iov_base = (void *)data, .iov_len = len},
        };
        struct msghdr msg = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1};

        for (;;) {
                ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
                int r;
                if (n >= 0)
                        return (size_t)n == sizeof(hdr) + len ? 0 : -EIO;
                if (errno == EINTR)
                        continue;
                if (errno != EAGAIN)
                        return map_socket_errno(errno);
                r = wait_ready(fd, POLLOUT, d);
                if (r < 0)
                        return r;
        }
}

int shim_tunnel_send(int fd, uint8_t endpoint, const uint8_t *data, size_t len, unsigned timeout_ms,
                     size_t *transferred)
{
        const struct deadline d = deadline_in(timeout_ms);
        size_t sent = 0;

        /* A zero-length transfer is one header-only message. */
        do {
                size_t chunk = len - sent < SHIM_TUNNEL_CHUNK ? len - sent : SHIM_TUNNEL_CHUNK;
                int r = send_message(fd, endpoint, data + sent, chunk, &d);
                if (r < 0) {
                        *transferred = sent;
                        return r;
                }
                sent += chunk;
        } while (sent < len);
        *transferred = sent;
        return 0;
}

/* Looks at the next message's header without taking it. 0 and the header when there is one,
 * -EAGAIN when there is none yet, -ENODEV at end of stream. */
static int peek_header(int fd, uint8_t hdr[SHIM_TUNNEL_HDR])
{
        ssize_t n = recv(fd, hdr, SHIM_TUNNEL_HDR, MSG_PEEK | MSG_DONTWAIT);
        uint8_t junk;

        if (n < 0)
                return errno == EINTR ? -EAGAIN : map_socket_errno(errno);
        if (n == 0)
                return -ENODEV;
        if (n < SHIM_TUNNEL_HDR) {
                (void)recv(fd, &junk, sizeof(junk), MSG_DONTWAIT);
                return -EPROTO;
        }
        return 0;
}

static int take_message(int fd, uint8_t *buf, size_t len, size_t *transferred)
{
        uint8_t hdr[SHIM_TUNNEL_HDR];
        struct iovec iov[2] = {
                {.iov_base = hdr, .iov_len = sizeof(hdr)},
                {.iov_base = buf, .iov_len = len},
        };
        struct msghdr msg = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1};
        ssize_t n;

        do
                n = recvmsg(fd, &msg, MSG_DONTWAIT);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return map_socket_errno(errno);
        if (n < SHIM_TUNNEL_HDR)
                return -EPROTO;
        *transferred = (size_t)n - SHIM_TUNNEL_HDR;
        /* A message larger than the caller's buffer: what fitted is delivered, the rest is lost,
         * exactly as a babbling device overflows a libusb read. */
        return (msg.msg_flags & MSG_TRUNC) ? -EOVERFLOW : 0;
}

int shim_tunnel_recv(int fd, uint8_t endpoint, uint8_t *buf, size_t len, unsigned timeout_ms,
                     size_t *transferred)
{
        const struct deadline d = deadline_in(timeout_ms);
        uint8_t hdr[SHIM_TUNNEL_HDR], junk;

        *transferred = 0;
        for (;;) {
                int r = peek_header(fd, hdr);
                if (r == -EAGAIN) {
                        r = wait_ready(fd, POLLIN, &d);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (r < 0)
                        return r;
                if (hdr[0] != SHIM_TUNNEL_BULK) {
                        /* Not a bulk transfer: a later protocol's message, skipped. */
                        (void)recv(fd, &junk, sizeof(junk), MSG_DONTWAIT);
                        continue;
                }
                if (hdr[1] != endpoint)
                        return -EPROTO; /* left queued for a read of its own endpoint */
                return take_message(fd, buf, len, transferred);
        }
}
