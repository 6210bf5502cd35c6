/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The texts the history stores: the names of its enumerations, and the shapes of IMEIs and hex
 * digests. */
#include <errno.h>
#include <string.h>

#include "history/history-internal.h"

static const char *const source_names[] = {
        [SF_HISTORY_SOURCE_AT] = "at",
        [SF_HISTORY_SOURCE_DIAG] = "diag",
        [SF_HISTORY_SOURCE_SAHARA] = "sahara",
};
static const char *const kind_names[] = {
        [SF_HISTORY_KIND_UPDATE] = "update",   [SF_HISTORY_KIND_FLASH] = "flash",
        [SF_HISTORY_KIND_RECOVER] = "recover", [SF_HISTORY_KIND_BACKUP] = "backup",
        [SF_HISTORY_KIND_RESTORE] = "restore",
};
static const char *const step_state_names[] = {
        [SF_HISTORY_STEP_STARTED] = "started",
        [SF_HISTORY_STEP_DONE] = "done",
        [SF_HISTORY_STEP_FAILED] = "failed",
};
static const char *const outcome_names[] = {
        [SF_HISTORY_OUTCOME_RUNNING] = "running",         [SF_HISTORY_OUTCOME_SUCCESS] = "success",
        [SF_HISTORY_OUTCOME_FAILED] = "failed",           [SF_HISTORY_OUTCOME_REFUSED] = "refused",
        [SF_HISTORY_OUTCOME_INTERRUPTED] = "interrupted",
};
static const char *const evidence_names[] = {
        [SF_HISTORY_EVIDENCE_INSTALL] = "install",
        [SF_HISTORY_EVIDENCE_IDENTIFY] = "identify",
};

#define NAME_OF(table, v) ((unsigned)(v) < sizeof(table) / sizeof(*(table)) ? (table)[v] : NULL)

const char *sf_history_source_to_string(enum sf_history_source s)
{
        return NAME_OF(source_names, s);
}

const char *sf_history_kind_to_string(enum sf_history_kind k)
{
        return NAME_OF(kind_names, k);
}

const char *sf_history_step_state_to_string(enum sf_history_step_state s)
{
        return NAME_OF(step_state_names, s);
}

const char *sf_history_outcome_to_string(enum sf_history_outcome o)
{
        return NAME_OF(outcome_names, o);
}

const char *sf_history_evidence_to_string(enum sf_history_evidence e)
{
        return NAME_OF(evidence_names, e);
}

static int index_of(const char *const *names, size_t n, const char *s)
{
        for (size_t i = 0; s && i < n; i++)
                if (strcmp(names[i], s) == 0)
                        return (int)i;
        return -EINVAL;
}

#define FROM_STRING(table, s, ret)                                                                 \
        do {                                                                                       \
                int i_ = index_of(table, sizeof(table) / sizeof(*(table)), s);                     \
                if (i_ < 0)                                                                        \
                        return i_;                                                                 \
                *(ret) = i_;                                                                       \
                return 0;                                                                          \
        } while (0)

int hist_source_from_string(const char *s, enum sf_history_source *ret)
{
        FROM_STRING(source_names, s, ret);
}

int hist_kind_from_string(const char *s, enum sf_history_kind *ret)
{
        FROM_STRING(kind_names, s, ret);
}

int hist_step_state_from_string(const char *s, enum sf_history_step_state *ret)
{
        FROM_STRING(step_state_names, s, ret);
}

int hist_outcome_from_string(const char *s, enum sf_history_outcome *ret)
{
        FROM_STRING(outcome_names, s, ret);
}

bool hist_valid_hex(const char *s, size_t min, size_t max)
{
        size_t n = strnlen(s, max + 1);

        if (n < min || n > max)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!strchr("0123456789abcdefABCDEF", s[i]))
                        return false;
        return true;
}

bool hist_valid_sha256(const char *s)
{
        return hist_valid_hex(s, HIST_SHA256_HEX, HIST_SHA256_HEX);
}

bool hist_valid_imei(const char *s)
{
        size_t n = strnlen(s, HIST_IMEI_LEN + 1);

        if (n != HIST_IMEI_LEN)
                return false;
        for (size_t i = 0; i < n; i++)
                if (s[i] < '0' || s[i] > '9')
                        return false;
        return true;
}
