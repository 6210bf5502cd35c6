/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One process per module: a lock file per key of the module (its USB path, its chip serial,
 * its IMEI) in the runtime folder, held from identification to the boot check. A second
 * process waits for the first, saying so, or refuses at once naming the PID that holds it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "update/run.h"
#include "util/strutil.h"

static int runtime_dir(char *buf, size_t size, struct sf_error *err)
{
        const char *x = getenv("XDG_RUNTIME_DIR");
        int n = x && x[0] == '/' ? snprintf(buf, size, "%s/safeflash", x)
                                 : snprintf(buf, size, "/tmp/safeflash-%u", (unsigned)getuid());
        struct stat st;

        if (n < 0 || (size_t)n >= size)
                return sf_error_set(err, -ENAMETOOLONG, "the runtime folder's path is too long");
        if (mkdir(buf, 0700) < 0 && errno != EEXIST)
                return sf_error_set(err, -errno, "%s: %s", buf, strerror(errno));
        /* /tmp is shared: the folder must be ours, and ours alone. */
        if (lstat(buf, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
            (st.st_mode & 077))
                return sf_error_set(err, -EPERM, "%s is not a private folder of this user", buf);
        return 0;
}

/* Said through the caller's log (this file stays below run.c, which takes the locks). */
static void say(struct sf_run *r, const char *fmt, long pid, const char *key)
{
        char text[1536]; /* a path (PATH_MAX), and words */

        if (!r->o->log)
                return;
        snprintf(text, sizeof(text), fmt, key, pid);
        r->o->log(r->o->userdata, SF_LOG_WARNING, text);
}

static long holder(int fd)
{
        char text[24] = "";
        ssize_t n = pread(fd, text, sizeof(text) - 1, 0);

        return n > 0 ? strtol(text, NULL, 10) : 0;
}

static int take(struct sf_run *r, int fd, const char *key, struct sf_error *err)
{
        long pid;

        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
                return 0;
        if (errno != EWOULDBLOCK)
                return sf_error_set(err, -errno, "lock of module %s: %s", key, strerror(errno));
        pid = holder(fd);
        if (r->o->lock_no_wait)
                return sf_error_set(err, -EBUSY,
                                    "module %s is being worked on by another safeflash (PID %ld): "
                                    "nothing was done; let it finish, or run without --no-wait "
                                    "to wait for it",
                                    key, pid);
        say(r, "module %s is being worked on by another safeflash (PID %ld): waiting for it to "
               "finish", pid, key);
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return sf_error_set(err, -errno, "lock of module %s: %s", key,
                                            strerror(errno));
        return 0;
}

int sf_run_lock(struct sf_run *r, const char *key, struct sf_error *err)
{
        char dir[SF_UPDATE_PATH_MAX], path[SF_UPDATE_PATH_MAX + 64], name[48], pid[24];
        int fd, rc;

        if (!key || !key[0] || r->n_locks == SF_RUN_MAX_LOCKS)
                return 0;
        snprintf(name, sizeof(name), "%s", key);
        for (char *p = name; *p; p++)
                if (*p == '/' || *p == '.')
                        *p = '_';
        for (size_t i = 0; i < r->n_locks; i++)
                if (strcmp(r->lock_keys[i], name) == 0)
                        return 0; /* held already */
        rc = runtime_dir(dir, sizeof(dir), err);
        if (rc < 0)
                return rc;
        snprintf(path, sizeof(path), "%s/module-%s.lock", dir, name);
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return sf_error_set(err, -errno, "%s: %s", path, strerror(errno));
        rc = take(r, fd, key, err);
        if (rc < 0) {
                close(fd);
                return rc;
        }
        snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
        if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, strlen(pid), 0) < 0)
                say(r, "%s: cannot record this process in it (errno %ld)", (long)errno, path);
        snprintf(r->lock_keys[r->n_locks], sizeof(r->lock_keys[0]), "%s", name);
        r->lock_fds[r->n_locks++] = fd;
        return 0;
}

/* The module's locks by its identity, as far as it is known. */
int sf_run_lock_identity(struct sf_run *r, const struct sf_identity *id, struct sf_error *err)
{
        char key[32];
        int rc = 0;

        if (id->has_chip) {
                snprintf(key, sizeof(key), "chip-0x%08x", id->chip_serial);
                rc = sf_run_lock(r, key, err);
        }
        if (rc >= 0 && id->imei_from) {
                snprintf(key, sizeof(key), "imei-%s", id->imei);
                rc = sf_run_lock(r, key, err);
        }
        return rc;
}

int sf_run_lock_device(struct sf_run *r, const struct sf_device *dev, struct sf_error *err)
{
        char key[48];

        snprintf(key, sizeof(key), "usb-%.40s", dev->name);
        return sf_run_lock(r, key, err);
}

void sf_run_unlock(struct sf_run *r)
{
        for (size_t i = 0; i < r->n_locks; i++)
                close(r->lock_fds[i]);
        r->n_locks = 0;
}
