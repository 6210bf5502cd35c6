/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A name taken from a package, made a normal package-relative path that cannot leave it. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "package/path.h"

static bool is_absolute(const char *name)
{
        return name[0] == '/' || name[0] == '\\' ||
               (isalpha((unsigned char)name[0]) && name[1] == ':');
}

int sf_path_normalize(const char *dir, const char *name, char *out, size_t size, const char **why)
{
        size_t len = strlen(dir);
        const char *p = name;

        if (is_absolute(name)) {
                *why = "absolute paths are not allowed in a package";
                return -EACCES;
        }
        if (len >= size)
                goto too_long;
        memcpy(out, dir, len);
        while (*p) {
                size_t n = strcspn(p, "/\\");

                if (n == 2 && p[0] == '.' && p[1] == '.') {
                        if (len == 0) {
                                *why = "leads outside the package";
                                return -EACCES;
                        }
                        while (len > 0 && out[len - 1] != '/')
                                len--;
                        if (len > 0)
                                len--;
                } else if (n > 0 && !(n == 1 && p[0] == '.')) {
                        if (len + 1 + n >= size)
                                goto too_long;
                        if (len)
                                out[len++] = '/';
                        memcpy(out + len, p, n);
                        len += n;
                }
                p += n;
                if (*p)
                        p++;
        }
        out[len] = '\0';
        if (len == 0) {
                *why = "names the package folder, not a file";
                return -EINVAL;
        }
        return 0;
too_long:
        *why = "path too long";
        return -ENAMETOOLONG;
}
