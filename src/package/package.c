/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A package's identity: its version, from every source it has, and its requirements. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "package/package-internal.h"
#include "package/source.h"
#include "safeflash/package.h"
#include "util/cleanup.h"
#include "util/strutil.h"
#include "util/xml.h"

#define METADATA_FILE_MAX (4 * 1024 * 1024)
#define N_SOURCES         (SF_PACKAGE_VERSION_ARCHIVE_NAME + 1)

struct sf_package {
        char *path;
        char fingerprint[65]; /* SHA-256 of md5.txt, hex; "" without one */
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

static int read_metainfo(const struct sf_source *src, const char *name, struct candidate *cand,
                         sf_requirements *reqs, struct sf_error *err)
{
        _cleanup_free_ char *buf = NULL, *where = sf_asprintf("%s/%s", src->path, name);
        size_t len;
        int r;

        if (!where)
                return -ENOMEM;
        r = sf_source_read_all(src, name, METADATA_FILE_MAX, &buf, &len, err);
        if (r < 0)
                return r;
        r = sf_metainfo_parse(where, buf, len, &cand->version, &cand->present, reqs, err);
        if (r >= 0 && cand->present)
                snprintf(cand->where, sizeof(cand->where), "%s", where);
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

struct metainfo_find {
        const struct sf_source *src;
        char *found;
        struct sf_error *err;
};

static int metainfo_one(void *userdata, const char *name)
{
        struct metainfo_find *m = userdata;

        if (!sf_endswith_ci(name, strlen(name), ".metainfo.xml"))
                return 0;
        if (m->found)
                return sf_error_set(m->err, -EBADMSG, "%s: more than one *.metainfo.xml (%s, %s)",
                                    m->src->path, m->found, name);
        m->found = strdup(name);
        return m->found ? 0 : -ENOMEM;
}

/* The single "*.metainfo.xml" at the package's root, if any. */
static int find_metainfo(const struct sf_source *src, char **ret, struct sf_error *err)
{
        struct metainfo_find m = {.src = src, .err = err};
        int r;

        r = sf_source_list(src, "", metainfo_one, &m, err);
        if (r < 0) {
                free(m.found);
                return r;
        }
        *ret = m.found;
        return 0;
}

static int read_contents(const struct sf_source *src, struct candidate *cand, struct sf_error *err)
{
        static const struct sf_xml_handlers contents_h = {.end = contents_end};
        _cleanup_free_ char *name = NULL, *buf = NULL, *where = NULL;
        const char *why = NULL;
        size_t len;
        int r;

        if (sf_source_lookup(src, "contents.xml", &name, NULL, &why) < 0)
                return 0;
        where = sf_asprintf("%s/contents.xml", src->path);
        if (!where)
                return -ENOMEM;
        r = sf_source_read_all(src, name, METADATA_FILE_MAX, &buf, &len, err);
        if (r < 0)
                return r;
        r = sf_xml_parse(where, buf, len, &contents_h, cand, err);
        if (r < 0)
                return r;
        snprintf(cand->where, sizeof(cand->where), "%s", where);
        return 0;
}

/* SHA-256 of md5.txt: a fingerprint of every file it lists. */
static void fingerprint(sf_package *pkg, const struct sf_source *src)
{
        _cleanup_free_ char *name = NULL, *buf = NULL;
        uint8_t md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        const char *why = NULL;
        size_t n;

        if (sf_source_lookup(src, "md5.txt", &name, NULL, &why) < 0 ||
            sf_source_read_all(src, name, METADATA_FILE_MAX, &buf, &n, NULL) < 0 ||
            !EVP_Digest(buf, n, md, &len, EVP_sha256(), NULL) || len != 32)
                return;
        for (unsigned int i = 0; i < len; i++)
                snprintf(pkg->fingerprint + 2 * i, 3, "%02x", md[i]);
}

/* A name that may be a version: the folder's, the zip's top folder's, the zip file's. */
static void read_name(struct candidate *cand, const char *what, const char *name, size_t len)
{
        char buf[SF_VERSION_MAX_LEN + 1];

        if (!name || len >= sizeof(buf))
                return;
        memcpy(buf, name, len);
        buf[len] = '\0';
        if (sf_version_parse(buf, &cand->version) == 0) {
                cand->present = true;
                snprintf(cand->where, sizeof(cand->where), "%s '%s'", what, buf);
        }
}

static int read_sources(sf_package *pkg, const struct sf_source *src, struct candidate *c,
                        struct sf_error *err)
{
        _cleanup_free_ char *meta = NULL;
        const char *folder = sf_source_folder_name(src), *base = strrchr(pkg->path, '/');
        int r;

        r = find_metainfo(src, &meta, err);
        if (r >= 0 && meta)
                r = read_metainfo(src, meta, &c[SF_PACKAGE_VERSION_METAINFO], pkg->reqs, err);
        if (r >= 0)
                r = read_contents(src, &c[SF_PACKAGE_VERSION_CONTENTS], err);
        if (r < 0)
                return r;
        if (folder)
                read_name(&c[SF_PACKAGE_VERSION_DIRNAME], "folder name", folder, strlen(folder));
        if (sf_source_kind(src) == SF_SOURCE_ZIP) {
                size_t len;

                base = base ? base + 1 : pkg->path;
                len = strlen(base);
                if (sf_endswith_ci(base, len, ".zip"))
                        len -= 4;
                read_name(&c[SF_PACKAGE_VERSION_ARCHIVE_NAME], "zip file name", base, len);
        }
        return 0;
}

/* Pick the most authoritative source; every source present must name the same version. */
static int choose_version(sf_package *pkg, struct candidate *c, struct sf_error *err)
{
        int chosen = -1;

        for (int i = 0; i < N_SOURCES; i++) {
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
                                    "or zip name is not a Quectel version",
                                    pkg->path);
        pkg->version = c[chosen].version;
        pkg->source = (enum sf_package_version_source)chosen;
        return 0;
}

int sf_package_open(const char *path, sf_package **ret, struct sf_error *err)
{
        struct candidate c[N_SOURCES] = {0};
        struct sf_source *src = NULL;
        sf_package *pkg;
        int r;

        if (!path || !ret)
                return -EINVAL;
        r = sf_source_open(path, &src, err);
        if (r < 0)
                return r;
        pkg = calloc(1, sizeof(*pkg));
        if (pkg)
                pkg->path = strdup(sf_source_root(src));
        r = pkg && pkg->path ? sf_requirements_new(&pkg->reqs) : -ENOMEM;
        if (r >= 0)
                r = read_sources(pkg, src, c, err);
        if (r >= 0)
                r = choose_version(pkg, c, err);
        if (r >= 0)
                fingerprint(pkg, src);
        sf_source_free(src);
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

const char *sf_package_fingerprint(const sf_package *pkg)
{
        return pkg && pkg->fingerprint[0] ? pkg->fingerprint : NULL;
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
        case SF_PACKAGE_VERSION_ARCHIVE_NAME:
                return "zip file name";
        }
        return "invalid";
}
