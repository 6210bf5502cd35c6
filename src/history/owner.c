/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Who is recording a session. A session still "running" in the file is either in progress in
 * some process (several safeflash processes may update several modules at once) or was left by
 * a crash. The owner token, "BOOT:PIDNS:PID:START:HANDLE", tells them apart without guessing:
 * another boot means the process is gone; in our pid namespace, a missing /proc/PID or another
 * start time (the pid was reused) means gone too. Where that cannot be told (no /proc, another
 * pid namespace), the session counts as alive: an interrupt is reported only with proof. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history/history-internal.h"
#include "util/cleanup.h"

#define BOOT_ID_MAX   40
#define PROC_STAT_MAX 4096

struct owner {
        char boot[BOOT_ID_MAX + 1]; /* "-" when unknown */
        uint64_t pidns, pid, start, handle;
};

/* Handles of this process, numbered so that closing one interrupts only its own sessions. */
static atomic_uint_fast64_t handle_seq;

/* Read a small file that may report size 0 (procfs). */
static int read_small(const char *path, char *buf, size_t size, size_t *ret_len)
{
        _cleanup_close_ int fd = -1;
        size_t len = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        while (len < size - 1) {
                ssize_t n = read(fd, buf + len, size - 1 - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = '\0';
        *ret_len = len;
        return 0;
}

static bool valid_boot(const char *s, size_t len)
{
        if (len == 0 || len > BOOT_ID_MAX)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!strchr("0123456789abcdef-", s[i]))
                        return false;
        return true;
}

static int parse_u64(const char *s, size_t len, uint64_t *ret)
{
        uint64_t v = 0;

        if (len == 0 || len > 20)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                unsigned d = (unsigned)(s[i] - '0');
                if (d > 9 || v > (UINT64_MAX - d) / 10)
                        return -EINVAL;
                v = v * 10 + d;
        }
        *ret = v;
        return 0;
}

int hist_parse_proc_starttime(const char *stat, size_t len, uint64_t *ret)
{
        const char *end = stat + len, *p;
        unsigned field = 2;

        /* The command name (field 2) is in parentheses and may itself hold ") ": the fields
         * resume after the last ')'. */
        p = NULL;
        for (const char *q = stat; q < end; q++)
                if (*q == ')')
                        p = q;
        if (!p)
                return -EINVAL;
        p++;
        while (p < end) {
                const char *f;

                while (p < end && *p == ' ')
                        p++;
                f = p;
                while (p < end && *p != ' ' && *p != '\n')
                        p++;
                if (f == p)
                        return -EINVAL;
                if (++field == 22)
                        return parse_u64(f, (size_t)(p - f), ret);
        }
        return -EINVAL;
}

static uint64_t proc_starttime(pid_t pid)
{
        char path[64], buf[PROC_STAT_MAX];
        uint64_t start;
        size_t len;

        snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
        if (read_small(path, buf, sizeof(buf), &len) < 0 ||
            hist_parse_proc_starttime(buf, len, &start) < 0)
                return 0;
        return start;
}

static void self_owner(struct owner *o)
{
        char buf[BOOT_ID_MAX + 8];
        struct stat st;
        size_t len;

        *o = (struct owner){.boot = "-"};
        if (read_small("/proc/sys/kernel/random/boot_id", buf, sizeof(buf), &len) == 0) {
                while (len > 0 && buf[len - 1] == '\n')
                        len--;
                if (valid_boot(buf, len)) {
                        memcpy(o->boot, buf, len);
                        o->boot[len] = '\0';
                }
        }
        if (stat("/proc/self/ns/pid", &st) == 0)
                o->pidns = (uint64_t)st.st_ino;
        o->pid = (uint64_t)getpid();
        o->start = proc_starttime(getpid());
}

int hist_owner_init(char *buf, size_t size)
{
        struct owner o;
        int n;

        self_owner(&o);
        o.handle = atomic_fetch_add(&handle_seq, 1) + 1;
        n = snprintf(buf, size, "%s:%" PRIu64 ":%" PRIu64 ":%" PRIu64 ":%" PRIu64, o.boot, o.pidns,
                     o.pid, o.start, o.handle);
        return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int parse_owner(const char *s, struct owner *ret)
{
        struct owner o = {.pidns = 0};
        uint64_t *nums[] = {&o.pidns, &o.pid, &o.start, &o.handle};
        const char *colon = strchr(s, ':');

        if (!colon || !(valid_boot(s, (size_t)(colon - s))))
                return -EINVAL;
        memcpy(o.boot, s, (size_t)(colon - s));
        for (size_t i = 0; i < sizeof(nums) / sizeof(*nums); i++) {
                const char *f = colon + 1;

                colon = strchr(f, ':');
                if (!colon && i + 1 < sizeof(nums) / sizeof(*nums))
                        return -EINVAL;
                if (parse_u64(f, colon ? (size_t)(colon - f) : strlen(f), nums[i]) < 0)
                        return -EINVAL;
        }
        if (colon)
                return -EINVAL;
        *ret = o;
        return 0;
}

bool hist_owner_alive(const char *owner, const char *self)
{
        struct owner o, me;
        uint64_t start;

        if (!owner || parse_owner(owner, &o) < 0 || parse_owner(self, &me) < 0)
                return true;
        if (strcmp(o.boot, "-") == 0 || strcmp(me.boot, "-") == 0)
                return true;
        if (strcmp(o.boot, me.boot) != 0)
                return false; /* no process outlives a reboot */
        if (o.pidns == 0 || o.pidns != me.pidns || o.pid == 0 || o.pid > INT32_MAX)
                return true; /* not our pid namespace: cannot tell */
        start = proc_starttime((pid_t)o.pid);
        if (start == 0) {
                char path[64];

                snprintf(path, sizeof(path), "/proc/%" PRIu64, o.pid);
                return access(path, F_OK) == 0; /* gone, or unreadable but there */
        }
        return o.start == 0 || o.start == start;
}
