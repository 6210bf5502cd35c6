/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Zip packages: the input is a zip file, opened as a package source (its index and every check
 * of its entries), every file read through, then the layout and the package identity over it.
 * libarchive reads by file name, so the input goes to one temporary file first. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "package/layout.h"
#include "package/source.h"
#include "safeflash/package.h"

#define MAX_DEPTH 4

static char zip_path[64];

static int write_input(const uint8_t *data, size_t size)
{
        int fd;

        if (!zip_path[0])
                snprintf(zip_path, sizeof(zip_path), "/tmp/sf-fuzz-zip-%d.zip", (int)getpid());
        fd = open(zip_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                return -1;
        for (size_t done = 0; done < size;) {
                ssize_t n = write(fd, data + done, size - done);
                if (n <= 0) {
                        close(fd);
                        return -1;
                }
                done += (size_t)n;
        }
        return close(fd);
}

struct walk {
        const struct sf_source *s;
        const char *dir;
        unsigned depth;
};

static int visit(void *userdata, const char *name);

static void walk_dir(const struct sf_source *s, const char *dir, unsigned depth)
{
        struct walk w = {.s = s, .dir = dir, .depth = depth};
        struct sf_error err = {0};

        if (depth < MAX_DEPTH)
                sf_source_list(s, dir, visit, &w, &err);
}

static int visit(void *userdata, const char *name)
{
        struct walk *w = userdata;
        struct sf_error err = {0};
        char rel[SF_SOURCE_NAME_MAX], *resolved = NULL, *buf = NULL;
        const char *why = NULL;
        size_t len;

        snprintf(rel, sizeof(rel), "%s%s%s", w->dir, *w->dir ? "/" : "", name);
        if (sf_source_lookup(w->s, rel, &resolved, NULL, &why) == 0) {
                if (sf_source_read_all(w->s, resolved, 1 << 20, &buf, &len, &err) == 0)
                        free(buf);
                free(resolved);
        } else {
                walk_dir(w->s, rel, w->depth + 1);
        }
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct sf_error err = {0};
        struct sf_source *s = NULL;
        struct sf_layout *l = NULL;
        sf_package *pkg = NULL;

        if (write_input(data, size) < 0)
                return 0;
        if (sf_source_open(zip_path, &s, &err) == 0) {
                walk_dir(s, "", 0);
                sf_source_free(s);
        }
        if (sf_layout_load(zip_path, NULL, &l, &err) == 0) {
                sf_layout_verify(l, NULL, NULL, &err);
                sf_layout_free(l);
        }
        if (sf_package_open(zip_path, &pkg, &err) == 0)
                sf_package_free(pkg);
        unlink(zip_path);
        return 0;
}
