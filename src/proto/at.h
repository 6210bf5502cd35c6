/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* AT command replies, as Quectel modules write them (quectel.md section 6): a pure codec. The
 * host accumulates bytes after sending a command and asks whether the reply is complete. */
#ifndef SF_PROTO_AT_H
#define SF_PROTO_AT_H

#include <stdbool.h>
#include <stddef.h>

#define SF_AT_MAX_LINES 16
#define SF_AT_LINE_MAX  256
#define SF_AT_REPLY_MAX 4096 /* bytes accumulated for one command at most */

enum sf_at_result {
        SF_AT_OK = 0,
        SF_AT_ERROR,     /* ERROR */
        SF_AT_CME_ERROR, /* +CME ERROR: n */
        SF_AT_CMS_ERROR, /* +CMS ERROR: n */
};

const char *sf_at_result_to_string(enum sf_at_result r);

struct sf_at_response {
        enum sf_at_result result;
        int error_code;   /* +CME/+CMS ERROR: n; -1 otherwise */
        unsigned n_lines; /* information lines: no echo, no unsolicited result codes */
        char lines[SF_AT_MAX_LINES][SF_AT_LINE_MAX];
};

/* Parse what arrived after `cmd` was sent. 0 with the reply when a final result code is there,
 * -EAGAIN when more is to come, -E2BIG when the reply would not fit the caps, -EPROTO for bytes
 * that are not text. Echo of cmd and unsolicited codes (RDY, +CPIN:, +QIND:, +CREG:, …) are left
 * out, unless the command asked for that very code (AT+CFUN? keeps +CFUN:). */
int sf_at_parse_response(const char *buf, size_t len, const char *cmd, struct sf_at_response *ret);

/* ATI: "Quectel", the model ("EC25", "RM520N-GL"), "Revision: EC25EFAR06A17M4G". */
int sf_at_parse_ati(const struct sf_at_response *r, char *model, size_t model_size, char *revision,
                    size_t revision_size);
/* The first information line, trimmed (AT+QGMR, AT+CGMR, AT+CGSN). -ENODATA when none. */
int sf_at_first_line(const struct sf_at_response *r, char *out, size_t size);
/* An IMEI: 15 digits whose last is the Luhn check digit of the first 14. Accepts the line of
 * AT+CGSN or AT+EGMR=0,7 (+EGMR: "…"). -EINVAL when it is not a valid IMEI. */
int sf_at_parse_imei(const char *line, char out[16]);
/* +QSECBOOT: "status",N (any case): 1 secure boot on, 0 off; -ENODATA when absent. */
int sf_at_parse_secboot(const struct sf_at_response *r);

#endif
