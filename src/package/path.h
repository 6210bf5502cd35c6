/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Package-relative paths (path.c), below everything that reads a package. */
#ifndef SF_PACKAGE_PATH_H
#define SF_PACKAGE_PATH_H

#include <stddef.h>

/* Normalize a name from a package ('/' or '\' separators, "." and empty parts dropped, ".."
 * resolved lexically inside the package) joined to folder dir (already normal; "" the root).
 * -EACCES absolute or leading outside, -EINVAL names the root, -ENAMETOOLONG. */
int sf_path_normalize(const char *dir, const char *name, char *out, size_t size, const char **why);

#endif
