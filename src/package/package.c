/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A package's identity: its version, from every source it has, and its requirements. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "package/package-internal.h"
#include "package/xml.h"
#include "safeflash/package.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#define METADATA_FILE_MAX (4 * 1024 * 1024)

struct sf_package {
        char *path;
        struct sf_version version;
        enum sf_package_version_source source;
        sf_requirements *reqs;
};

/* One place that may name the version. */
struct candidate {
        bool present;
        char where[PATH_MAX + 32];
        struct sf_version version;
};

struct metainfo {
        struct candidate *cand;
        sf_requirements *reqs;
        const char *path;
        struct sf_error *err;
        bool in_requires_firmware;
        enum sf_compare compare;
        bool has_compare;
        char version[1025];
        char depth[16];
};

static int metainfo_start(void *userdata, const char *path, const char **attrs)
{
        struct metainfo *m = userdata;
        const char *v;

        if (strcmp(path, "component/releases/release") == 0 && !m->cand->present) {
                v = sf_xml_attr(attrs, "version");
                if (!v)
                        return sf_error_set(m->err, -EBADMSG, "%s: <release> without version",
                                            m->path);
                if (sf_version_parse(v, &m->cand->version) == -ENAMETOOLONG)
                        return sf_error_set(m->err, -EBADMSG, "%s: release version too long",
                                            m->path);
                m->cand->present = true;
        }
        if (strcmp(path, "component/requires/firmware") == 0) {
                const char *c = sf_xml_attr(attrs, "compare");
                const char *d = sf_xml_attr(attrs, "depth");
                v = sf_xml_attr(attrs, "version");
                m->has_compare = c != NULL;
                if (c && sf_compare_from_string(c, &m->compare) < 0)
                        return sf_error_set(m->err, -EBADMSG,
                                            "%s: unknown compare '%s' in <requires>", m->path, c);
                if (v && strlen(v) >= sizeof(m->version))
                        return sf_error_set(m->err, -EBADMSG, "%s: requirement version too long",
                                            m->path);
                snprintf(m->version, sizeof(m->version), "%s", v ? v : "");
                snprintf(m->depth, sizeof(m->depth), "%s", d ? d : "");
        }
        return 0;
}

static int add_firmware_req(struct metainfo *m, const char *text)
{
        char desc[1200];
        enum sf_requirement_kind kind = SF_REQUIREMENT_FIRMWARE;

        snprintf(desc, sizeof(desc), "<firmware%s%s%s version=\"%s\"%s%s>",
                 m->has_compare ? " compare=\"" : "",
                 m->has_compare ? sf_compare_to_string(m->compare) : "", m->has_compare ? "\"" : "",
                 m->version, *text ? ">" : "/", *text ? text : "");
        if (*text || *m->depth)
                kind = SF_REQUIREMENT_UNSUPPORTED; /* bootloader, vendor-id, another device */
        else if (!m->has_compare || !*m->version)
                return sf_error_set(m->err, -EBADMSG,
                                    "%s: <firmware> requirement needs compare and version",
                                    m->path);
        return sf_requirements_add(m->reqs, kind, m->compare, m->version, desc);
}

static int metainfo_end(void *userdata, const char *path, const char *text)
{
        struct metainfo *m = userdata;
        char desc[256];

        if (strcmp(path, "component/requires/firmware") == 0)
                return add_firmware_req(m, text);
        if (sf_startswith(path, "component/requires/") && !strchr(path + 19, '/')) {
                const char *el = path + 19;
                bool other_tool = strcmp(el, "id") == 0;
                snprintf(desc, sizeof(desc), "<%s>%.200s</%s>", el, text, el);
                return sf_requirements_add(m->reqs,
                                           other_tool ? SF_REQUIREMENT_NOT_APPLICABLE
                                                      : SF_REQUIREMENT_UNSUPPORTED,
                                           SF_COMPARE_EQ, NULL, desc);
        }
        return 0;
}

int sf_metainfo_parse(const char *name, const char *buf, size_t len, struct sf_version *ret_version,
                      bool *ret_has_version, sf_requirements *reqs, struct sf_error *err)
{
        static const struct sf_xml_handlers h = {.start = metainfo_start, .end = metainfo_end};
        struct candidate cand = {0};
        struct metainfo m = {.cand = &cand, .reqs = reqs, .path = name, .err = err};
        int r;

        r = sf_xml_parse(name, buf, len, &h, &m, err);
        if (r < 0)
                return r;
        if (cand.present)
                *ret_version = cand.version;
        *ret_has_version = cand.present;
        return 0;
}

static int read_metainfo(const char *path, struct candidate *cand, sf_requirements *reqs,
                         struct sf_error *err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r;

        r = sf_read_file(path, METADATA_FILE_MAX, &buf, &len);
        if (r == -EFBIG)
                return sf_error_set(err, r, "%s: larger than %d bytes", path, METADATA_FILE_MAX);
        if (r < 0)
                return sf_error_set(err, r, "%s: %s", path, strerror(-r));
        r = sf_metainfo_parse(path, buf, len, &cand->version, &cand->present, reqs, err);
        if (r >= 0 && cand->present)
                snprintf(cand->where, sizeof(cand->where), "%s", path);
        return r;
}

static int contents_end(void *userdata, const char *path, const char *text)
{
        struct candidate *cand = userdata;
        struct sf_version v;

        if (cand->present || strcmp(path, "contents/product_info/product_name") != 0)
                return 0;
        /* Qualcomm builds put a platform name here ("MDM9607.LE.1.0"); only a Quectel version
         * counts as a statement of the package's version. */
        if (sf_version_parse(text, &v) == 0) {
                cand->version = v;
                cand->present = true;
        }
        return 0;
}

/* The single "*.metainfo.xml" in dir, if any. */
static int find_metainfo(const char *dir, char **ret, struct sf_error *err)
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        _cleanup_free_ char *found = NULL;
        struct dirent *de;

        if (!d)
                return sf_error_set(err, -errno, "%s: %s", dir, strerror(errno));
        while ((de = readdir(d))) {
                size_t len = strlen(de->d_name);
                if (de->d_name[0] == '.' || !sf_endswith_ci(de->d_name, len, ".metainfo.xml"))
                        continue;
                if (found)
                        return sf_error_set(err, -EBADMSG,
                                            "%s: more than one *.metainfo.xml (%s, %s)", dir, found,
                                            de->d_name);
                found = strdup(de->d_name);
                if (!found)
                        return -ENOMEM;
        }
        *ret = found ? sf_asprintf("%s/%s", dir, found) : NULL;
        return found && !*ret ? -ENOMEM : 0;
}

static int read_sources(sf_package *pkg, struct candidate c[3], struct sf_error *err)
{
        static const struct sf_xml_handlers contents_h = {.end = contents_end};
        _cleanup_free_ char *meta = NULL, *contents = NULL;
        const char *base = strrchr(pkg->path, '/');
        struct stat st;
        int r;

        r = find_metainfo(pkg->path, &meta, err);
        if (r < 0)
                return r;
        if (meta) {
                r = read_metainfo(meta, &c[SF_PACKAGE_VERSION_METAINFO], pkg->reqs, err);
                if (r < 0)
                        return r;
        }
        contents = sf_asprintf("%s/contents.xml", pkg->path);
        if (!contents)
                return -ENOMEM;
        if (stat(contents, &st) == 0) {
                r = sf_xml_parse_file(contents, METADATA_FILE_MAX, &contents_h,
                                      &c[SF_PACKAGE_VERSION_CONTENTS], err);
                if (r < 0)
                        return r;
                snprintf(c[SF_PACKAGE_VERSION_CONTENTS].where, sizeof(c->where), "%s", contents);
        }
        base = base ? base + 1 : pkg->path;
        if (sf_version_parse(base, &c[SF_PACKAGE_VERSION_DIRNAME].version) == 0) {
                c[SF_PACKAGE_VERSION_DIRNAME].present = true;
                snprintf(c[SF_PACKAGE_VERSION_DIRNAME].where, sizeof(c->where), "folder name '%s'",
                         base);
        }
        return 0;
}

/* Pick the most authoritative source; every source present must name the same version. */
static int choose_version(sf_package *pkg, struct candidate c[3], struct sf_error *err)
{
        int chosen = -1;

        for (int i = 0; i < 3; i++) {
                if (!c[i].present)
                        continue;
                if (chosen < 0) {
                        chosen = i;
                        continue;
                }
                if (strcmp(c[i].version.canonical, c[chosen].version.canonical) != 0)
                        return sf_error_set(err, -EBADMSG,
                                            "%s: the package contradicts itself: %s says %s, %s "
                                            "says %s",
                                            pkg->path, c[chosen].where, c[chosen].version.raw,
                                            c[i].where, c[i].version.raw);
        }
        if (chosen < 0)
                return sf_error_set(err, -ENODATA,
                                    "%s: cannot tell the package's version: no *.metainfo.xml "
                                    "release, no Quectel version in contents.xml, and the folder "
                                    "name is not a Quectel version",
                                    pkg->path);
        pkg->version = c[chosen].version;
        pkg->source = (enum sf_package_version_source)chosen;
        return 0;
}

int sf_package_open(const char *path, sf_package **ret, struct sf_error *err)
{
        struct candidate c[3] = {0};
        sf_package *pkg;
        struct stat st;
        char *real;
        int r;

        if (!path || !ret)
                return -EINVAL;
        if (stat(path, &st) < 0)
                return sf_error_set(err, -errno, "%s: %s", path, strerror(errno));
        if (!S_ISDIR(st.st_mode))
                return sf_error_set(err, -ENOTDIR, "%s: not a package directory", path);
        real = realpath(path, NULL);
        if (!real)
                return sf_error_set(err, -errno, "%s: %s", path, strerror(errno));
        pkg = calloc(1, sizeof(*pkg));
        if (!pkg) {
                free(real);
                return -ENOMEM;
        }
        pkg->path = real;
        r = sf_requirements_new(&pkg->reqs);
        if (r >= 0)
                r = read_sources(pkg, c, err);
        if (r >= 0)
                r = choose_version(pkg, c, err);
        if (r < 0) {
                sf_package_free(pkg);
                return r;
        }
        *ret = pkg;
        return 0;
}

void sf_package_free(sf_package *pkg)
{
        if (!pkg)
                return;
        sf_requirements_free(pkg->reqs);
        free(pkg->path);
        free(pkg);
}

const char *sf_package_path(const sf_package *pkg)
{
        return pkg ? pkg->path : NULL;
}

const struct sf_version *sf_package_version(const sf_package *pkg)
{
        return pkg ? &pkg->version : NULL;
}

enum sf_package_version_source sf_package_version_source(const sf_package *pkg)
{
        return pkg ? pkg->source : SF_PACKAGE_VERSION_DIRNAME;
}

const sf_requirements *sf_package_requirements(const sf_package *pkg)
{
        return pkg ? pkg->reqs : NULL;
}

const char *sf_package_version_source_to_string(enum sf_package_version_source s)
{
        switch (s) {
        case SF_PACKAGE_VERSION_METAINFO:
                return "metainfo";
        case SF_PACKAGE_VERSION_CONTENTS:
                return "contents.xml";
        case SF_PACKAGE_VERSION_DIRNAME:
                return "folder name";
        }
        return "invalid";
}
