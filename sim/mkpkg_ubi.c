/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ubinize runs with a configuration file written next to its output, stdout discarded and
 * stderr kept for the error message. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mkpkg_core.h"
#include "mkpkg_ubi.h"
#include "util/cleanup.h"
#include "util/strutil.h"

extern char **environ;

static int write_ini(const char *path, const struct sim_ubi_vol *v, unsigned n,
                     struct sf_error *err)
{
        struct sim_text t;
        char buf[4096];

        t = (struct sim_text){.buf = buf, .cap = sizeof(buf)};
        for (unsigned i = 0; i < n; i++) {
                if (v[i].image && strpbrk(v[i].image, "\n\r"))
                        return sf_error_set(err, -EINVAL, "mkpkg: %s: a path ubinize cannot take",
                                            v[i].image);
                sim_text_add(&t, "[%s]\nmode=ubi\nvol_id=%u\nvol_type=%s\nvol_name=%s\n", v[i].name,
                             v[i].id, v[i].is_static ? "static" : "dynamic", v[i].name);
                if (v[i].image)
                        sim_text_add(&t, "image=%s\n", v[i].image);
                else
                        sim_text_add(&t, "vol_size=%llu\n", (unsigned long long)v[i].size);
                if (v[i].autoresize)
                        sim_text_add(&t, "vol_flags=autoresize\n");
        }
        if (t.overflow)
                return sf_error_set(err, -E2BIG, "mkpkg: too many UBI volumes");
        return sim_pkg_write_new_file(path, t.buf, t.len, err);
}

/* Run argv with stdout to /dev/null and stderr to errpath; its exit status, or -errno. */
static int run(char *const argv[], const char *errpath)
{
        posix_spawn_file_actions_t fa;
        pid_t pid;
        int r, status;

        if (posix_spawn_file_actions_init(&fa) != 0)
                return -ENOMEM;
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 2, errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        if (r != 0)
                return -r;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static int ubinize_error(struct sf_error *err, int r, const char *errpath, const char *out)
{
        _cleanup_free_ char *msg = NULL;
        size_t len = 0;

        if (r == -ENOENT)
                return sf_error_set(err, -ENOENT,
                                    "mkpkg: ubinize is not installed (Debian's mtd-utils: "
                                    "apt-get install mtd-utils)");
        if (r < 0)
                return sf_error_set(err, r, "mkpkg: cannot run ubinize: %s", strerror(-r));
        if (sf_read_file(errpath, 4096, &msg, &len) < 0 || !len)
                return sf_error_set(err, -EIO, "mkpkg: ubinize failed (exit %d) making %s", r, out);
        return sf_error_set(err, -EIO, "mkpkg: ubinize failed making %s: %s", out, sf_strstrip(msg));
}

int sim_pkg_ubinize(const char *out, const struct sim_ubi_vol *v, unsigned n, uint32_t image_seq,
                    struct sf_error *err)
{
        char ini[PATH_MAX], errpath[PATH_MAX], seq[16], peb[16], page[16];
        char *argv[] = {"ubinize", "-o", (char *)out, "-p", peb, "-m", page, "-Q", seq, ini, NULL};
        int r;

        if (snprintf(ini, sizeof(ini), "%s.ini", out) >= (int)sizeof(ini) ||
            snprintf(errpath, sizeof(errpath), "%s.err", out) >= (int)sizeof(errpath))
                return sf_error_set(err, -ENAMETOOLONG, "mkpkg: %s: path too long", out);
        snprintf(seq, sizeof(seq), "%u", image_seq);
        snprintf(peb, sizeof(peb), "%u", SIM_UBI_PEB);
        snprintf(page, sizeof(page), "%u", SIM_UBI_PAGE);
        r = write_ini(ini, v, n, err);
        if (r < 0)
                return r;
        r = run(argv, errpath);
        if (r != 0)
                r = ubinize_error(err, r, errpath, out);
        unlink(ini);
        unlink(errpath);
        return r;
}
