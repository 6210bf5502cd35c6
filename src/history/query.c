/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading the history: modules by IMEI or chip serial, a module's whole story, the last firmware
 * it is known to have run. Every list is capped; the newest rows are the ones kept. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "history/history-internal.h"
#include "util/cleanup.h"
#include "util/strutil.h"

static int parse_digits(const char *s, size_t n, unsigned base, uint64_t *ret)
{
        uint64_t v = 0;

        if (n == 0 || n > 16)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                const char *digits = "0123456789abcdef", *d;
                char c = s[i] >= 'A' && s[i] <= 'F' ? (char)(s[i] - 'A' + 'a') : s[i];

                d = c ? strchr(digits, c) : NULL;
                if (!d || (unsigned)(d - digits) >= base)
                        return -EINVAL;
                v = v * base + (unsigned)(d - digits); /* 16 digits of base 10 or 16 fit */
        }
        *ret = v;
        return 0;
}

int hist_parse_key(const char *s, struct hist_key *ret)
{
        struct hist_key k = {0};
        size_t n;
        uint64_t v;

        if (!s)
                return -EINVAL;
        n = strnlen(s, 20);
        if (n >= 20)
                return -EINVAL;
        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
                if (parse_digits(s + 2, n - 2, 16, &v) < 0 || v > UINT32_MAX)
                        return -EINVAL;
        } else if (n == HIST_IMEI_LEN && hist_valid_imei(s)) {
                k.is_imei = true;
                memcpy(k.imei, s, HIST_IMEI_LEN + 1);
                *ret = k;
                return 0;
        } else if (n > 10 || parse_digits(s, n, 10, &v) < 0 || v > UINT32_MAX) {
                return -EINVAL;
        }
        k.chip_serial = (uint32_t)v;
        *ret = k;
        return 0;
}

static int find_module(sf_history *h, const char *key, int64_t *ret, struct sf_error *err)
{
        _cleanup_hist_stmt_ struct hist_stmt q = {0};
        struct hist_key k;
        int r;

        if (hist_parse_key(key, &k) < 0)
                return sf_error_set(err, -EINVAL,
                                    "'%.40s' is neither an IMEI (15 digits) nor a chip serial "
                                    "(0x0cf94c64 or decimal)",
                                    key ? key : "");
        hist_stmt_prepare(&q, h,
                          k.is_imei ? "SELECT id FROM modules WHERE imei = :imei"
                                    : "SELECT id FROM modules WHERE chip_serial = :chip_serial",
                          err);
        if (k.is_imei)
                hist_bind_text(&q, k.imei);
        else
                hist_bind_int(&q, k.chip_serial);
        r = hist_stmt_int(&q, "finding a module", ret);
        if (r < 0)
                return r;
        if (r == 0)
                return k.is_imei ? sf_error_set(err, -ENOENT, "no module with IMEI %s", k.imei)
                                 : sf_error_set(err, -ENOENT,
                                                "no module with chip serial 0x%08" PRIx32,
                                                k.chip_serial);
        return 0;
}

int sf_history_module_find(sf_history *h, const char *key, int64_t *ret_module_id,
                           struct sf_error *err)
{
        int64_t id = 0;
        int r;

        if (!h || !ret_module_id)
                return -EINVAL;
        r = find_module(h, key, &id, err);
        if (r < 0)
                return r;
        *ret_module_id = id;
        return 0;
}

int sf_history_last_known_good(sf_history *h, const char *key, char **ret_version,
                               enum sf_history_evidence *ret_evidence, int64_t *ret_when,
                               struct sf_error *err)
{
        /* Both an install (confirmed over AT) and a version reported over AT show the module
         * running that firmware; the most recent is the one it last ran. */
        static const char sql[] =
                "SELECT version, evidence, at FROM ("
                "SELECT to_version AS version, 0 AS evidence, installed_at AS at, id "
                "FROM installs WHERE module_id = :module_id UNION ALL "
                "SELECT firmware, 1, observed_at, id FROM identities "
                "WHERE module_id = :module_id AND source = 'at' AND firmware IS NOT NULL) "
                "ORDER BY at DESC, evidence ASC, id DESC LIMIT 1";
        _cleanup_hist_stmt_ struct hist_stmt q = {0};
        struct hist_row row;
        const char *version;
        int64_t id = 0, evidence;
        int r;

        if (!h || !ret_version)
                return -EINVAL;
        r = find_module(h, key, &id, err);
        if (r < 0)
                return r;
        hist_stmt_prepare(&q, h, sql, err);
        hist_bind_int(&q, id);
        r = hist_stmt_row(&q, "finding the last known good firmware");
        if (r < 0)
                return r;
        if (r == 0)
                return sf_error_set(err, -ENOENT, "no firmware version is known for %s", key);
        hist_row_init(&row, q.st);
        version = hist_row_text(&row);
        evidence = hist_row_int(&row);
        if (!version)
                return -ENOMEM;
        if (ret_evidence)
                *ret_evidence =
                        evidence ? SF_HISTORY_EVIDENCE_IDENTIFY : SF_HISTORY_EVIDENCE_INSTALL;
        if (ret_when)
                *ret_when = hist_row_int(&row);
        *ret_version = (char *)version;
        return 0;
}
