/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Quectel firmware version strings, e.g. "EC25EFAR06A17M4G_20.200.20.200".
 *
 * A parsed version is a plain value (no allocation), so it is a public struct. The grammar is
 * described in docs/versions.md. */
#ifndef SAFEFLASH_VERSION_H
#define SAFEFLASH_VERSION_H

#include <stdbool.h>

#include "safeflash/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SF_VERSION_MAX_LEN  127 /* longest accepted input, after trimming */
#define SF_VERSION_MAX_TAGS 6
#define SF_VERSION_TAG_MAX  24

enum sf_version_form {
        SF_VERSION_FORM_UNKNOWN = 0, /* could not be parsed: never passes a check silently */
        SF_VERSION_FORM_REVISION,    /* main version only: EC25EFAR06A17M4G */
        SF_VERSION_FORM_FULL,        /* main + modem.minor.ap.minor sub-version */
        SF_VERSION_FORM_TRUNCATED,   /* sub-version with fewer than four groups: 01.004 */
        SF_VERSION_FORM_TRANSIENT,   /* AP half reads 00.000: the module was not ready yet */
};

struct sf_version {
        enum sf_version_form form;
        char raw[SF_VERSION_MAX_LEN + 1];       /* the input, trimmed */
        char canonical[SF_VERSION_MAX_LEN + 1]; /* upper case, package suffix removed */
        char suffix[32];                        /* package suffix removed ("_SDK", ".ZIP", …) */
        char error[128];                        /* UNKNOWN only: why it could not be parsed */

        char prefix[48]; /* model + region + variant as one token: "EC25EFA" */
        /* The prefix split for display: the model from a table of known families ("EC25"),
         * then a best guess at region ("E") and variant ("FA"), which cannot be told apart
         * reliably. Empty when the model is not known. Policy compares only the whole prefix. */
        char model[16];
        char region[16];
        char variant[16];
        int baseline;   /* Rnn */
        int release;    /* Ann */
        int edition;    /* Vnn inside the main version, -1 when absent */
        char memory[8]; /* "M4G", "" when absent */
        char trailing;  /* a stray letter after the memory code (seen once), 0 when absent */

        unsigned n_tags; /* "OCPU", "LNV", "BETA0416", "BETA_20200428F", … in order */
        char tags[SF_VERSION_MAX_TAGS][SF_VERSION_TAG_MAX];

        unsigned n_groups;  /* sub-version groups present: 0 (revision form), 2, 3 or 4 */
        char modem_main[3]; /* two characters, may be hex-like ("A0") */
        int modem_minor;
        char ap_main[3];
        int ap_minor;    /* -1 when absent */
        int sub_edition; /* "V01" folded into the groups, -1 when absent */
};

/* Parse s. Returns 0 and fills *ret when s is a Quectel version. When s cannot be parsed it
 * returns -EBADMSG and still fills *ret, as form UNKNOWN with the reason in ret->error: an unknown
 * version is a value the policy reasons about, never silently dropped. -EINVAL for a NULL
 * argument, -ENAMETOOLONG for input longer than SF_VERSION_MAX_LEN (ret untouched then). */
SF_EXPORT int sf_version_parse(const char *s, struct sf_version *ret);

SF_EXPORT const char *sf_version_form_to_string(enum sf_version_form form);

/* A beta/engineering marker (BETA, BETA0416, BETA_20200428F) rather than an OEM or market tag. */
SF_EXPORT bool sf_version_tag_is_beta(const char *tag);

/* True when both have the same OEM/market tag set (beta markers ignored). */
SF_EXPORT bool sf_version_same_tags(const struct sf_version *a, const struct sf_version *b);

/* Order two versions of the same line (prefix, baseline, memory, tags and sub-version mains
 * equal): *ret_cmp < 0, 0, > 0 by release, modem minor, AP minor, all numeric.
 * -EDOM when they are not comparable (another line, or a part is missing on one side). */
SF_EXPORT int sf_version_compare(const struct sf_version *a, const struct sf_version *b,
                                 int *ret_cmp);

/* The sub-version written back as text ("20.200.20.200", "01.004"), "" for none. */
SF_EXPORT void sf_version_format_sub(const struct sf_version *v, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
