/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The standard places rules come from: the shipped database, the site's, the user's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "safeflash/policy.h"
#include "util/strutil.h"

static const char *env_or(const char *name, const char *fallback)
{
        const char *v = getenv(name);
        return v && *v ? v : fallback;
}

static int load_one(sf_rules *rules, const char *path, bool dir, struct sf_rules_source *src,
                    struct sf_error *err)
{
        size_t before = sf_rules_count(rules);
        int r = dir ? sf_rules_load_dir(rules, path, err) : sf_rules_load_file(rules, path, err);

        if (r < 0)
                return r;
        snprintf(src->path, sizeof(src->path), "%s", path);
        src->count = sf_rules_count(rules) - before;
        return 0;
}

int sf_rules_load_standard(sf_rules *rules, const char *const *extra, size_t n_extra,
                           struct sf_rules_source *src, size_t *ret_n, struct sf_error *err)
{
        const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
        char dirs[3][512];
        size_t n = 0;
        int r;

        if (n_extra > SF_RULES_MAX_SOURCES - 3)
                return sf_error_set(err, -E2BIG, "at most %d extra rules files",
                                    SF_RULES_MAX_SOURCES - 3);
        snprintf(dirs[0], sizeof(dirs[0]), "%.500s/rules", env_or("SAFEFLASH_DATADIR", SF_DATADIR));
        snprintf(dirs[1], sizeof(dirs[1]), "%.500s/rules.d",
                 env_or("SAFEFLASH_SYSCONFDIR", SF_SYSCONFDIR));
        if (xdg && *xdg)
                snprintf(dirs[2], sizeof(dirs[2]), "%.480s/safeflash/rules.d", xdg);
        else
                snprintf(dirs[2], sizeof(dirs[2]), "%.480s/.config/safeflash/rules.d",
                         home ? home : "/nonexistent");
        for (size_t i = 0; i < 3; i++) {
                r = load_one(rules, dirs[i], true, &src[n++], err);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < n_extra; i++) {
                r = load_one(rules, extra[i], false, &src[n++], err);
                if (r < 0)
                        return r;
        }
        *ret_n = n;
        return 0;
}
