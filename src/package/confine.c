/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every path a package names, confined to the package: resolved through its symlinks, never
 * leaving its root. */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "package/layout-internal.h"
#include "package/path.h"
#include "package/source.h"
#include "util/cleanup.h"
#include "util/strutil.h"

static bool inside(const char *root, const char *path)
{
        size_t n = strlen(root);

        if (n == 1 && root[0] == '/')
                return path[0] == '/' && path[1] != '\0';
        return strncmp(path, root, n) == 0 && path[n] == '/';
}

const char *sf_layout_relative(const struct sf_layout *l, const char *path)
{
        size_t n = strlen(l->root);

        return inside(l->root, path) ? path + n + (n > 1) : path;
}

int sf_layout_confine(const struct sf_layout *l, const char *dir, const char *name, char **ret_path,
                      uint64_t *ret_size, const char **why)
{
        _cleanup_free_ char *resolved = NULL;
        char rel[PATH_MAX];
        int r;

        r = sf_path_normalize(dir, name, rel, sizeof(rel), why);
        if (r < 0)
                return r;
        if (!l->src) {
                *why = "no such file in the package";
                return -ENOENT;
        }
        r = sf_source_lookup(l->src, rel, &resolved, ret_size, why);
        if (r < 0)
                return r;
        *ret_path = sf_asprintf("%s/%s", l->root, resolved);
        if (!*ret_path) {
                *why = "out of memory";
                return -ENOMEM;
        }
        return 0;
}

int sf_layout_open_file(const struct sf_layout *l, const char *path, struct sf_source_file **ret,
                        struct sf_error *err)
{
        if (!l || !path || !ret)
                return -EINVAL;
        if (!l->src || !inside(l->root, path))
                return sf_error_set(err, -ENOENT, "%s: not a file of the package", path);
        return sf_source_open_file(l->src, sf_layout_relative(l, path), ret, err);
}

void sf_layout_dir_of(const char *rel, char *out, size_t size)
{
        const char *slash = strrchr(rel, '/');
        size_t n = slash ? (size_t)(slash - rel) : 0;

        if (n >= size)
                n = 0;
        memcpy(out, rel, n);
        out[n] = '\0';
}
