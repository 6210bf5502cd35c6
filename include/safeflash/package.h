/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A firmware package: a Quectel package directory ("EC25EFAR06A19M4G_20.201.20.201/" with
 * update/, md5.txt, contents.xml), optionally with LVFS metainfo, or a zip of one (with that
 * folder at its top, or its contents), read in place. Opaque. */
#ifndef SAFEFLASH_PACKAGE_H
#define SAFEFLASH_PACKAGE_H

#include "safeflash/common.h"
#include "safeflash/policy.h"
#include "safeflash/version.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sf_package sf_package;

enum sf_package_version_source {
        SF_PACKAGE_VERSION_METAINFO = 0, /* <release version="…"> of *.metainfo.xml */
        SF_PACKAGE_VERSION_CONTENTS,     /* contents.xml <product_info><product_name> */
        SF_PACKAGE_VERSION_DIRNAME,      /* the package folder's own name (in a zip: its top
                                          * folder's) */
        SF_PACKAGE_VERSION_ARCHIVE_NAME, /* a zip's file name, without ".zip" */
};

/* Open the package at path (a folder or a zip) and read what it says about itself: its version
 * (from every source present, which must agree) and its requirements. Reads nothing else yet.
 * -ENOTDIR when path is neither a directory nor a zip, -EBADMSG for malformed or contradictory
 * metadata or a hostile or corrupt zip, -ENODATA when no source names a version. */
SF_EXPORT int sf_package_open(const char *path, sf_package **ret, struct sf_error *err);
SF_EXPORT void sf_package_free(sf_package *pkg);

SF_EXPORT const char *sf_package_path(const sf_package *pkg);
SF_EXPORT const struct sf_version *sf_package_version(const sf_package *pkg);
SF_EXPORT enum sf_package_version_source sf_package_version_source(const sf_package *pkg);
/* SHA-256 (64 hex digits) of the package's md5.txt, a fingerprint of every file it lists;
 * NULL when it has none. */
SF_EXPORT const char *sf_package_fingerprint(const sf_package *pkg);
/* Requirements from the metainfo; an empty set when there is none. */
SF_EXPORT const sf_requirements *sf_package_requirements(const sf_package *pkg);

SF_EXPORT const char *sf_package_version_source_to_string(enum sf_package_version_source s);

#ifdef __cplusplus
}
#endif

#endif
