/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/at.h"

/* Codes a module sends on its own; never part of an answer unless asked for. */
static const char *const unsolicited[] = {
        "RDY",     "+QUSIM:", "+CFUN:",       "+CPIN:", "+QIND:", "+CREG:",     "+CGREG:",
        "+CEREG:", "+QSTK:",  "POWERED DOWN", "+CMTI:", "RING",   "NO CARRIER", "+QNETDEVSTATUS:",
};

const char *sf_at_result_to_string(enum sf_at_result r)
{
        switch (r) {
        case SF_AT_OK:
                return "OK";
        case SF_AT_ERROR:
                return "ERROR";
        case SF_AT_CME_ERROR:
                return "+CME ERROR";
        case SF_AT_CMS_ERROR:
                return "+CMS ERROR";
        }
        return "invalid";
}

static bool is_unsolicited(const char *line, const char *cmd)
{
        for (size_t i = 0; i < sizeof(unsolicited) / sizeof(*unsolicited); i++) {
                size_t n = strlen(unsolicited[i]);
                if (strncmp(line, unsolicited[i], n) != 0)
                        continue;
                /* AT+CFUN? is answered by "+CFUN: 1": keep what the command asked for. */
                if (line[0] == '+' && cmd &&
                    strncasecmp(cmd + (cmd[0] && cmd[1] ? 2 : 0), unsolicited[i], n - 1) == 0)
                        return false;
                return true;
        }
        return false;
}

/* A final result code: 1 (and *r filled), 0 when the line is not one. */
static int final_code(const char *line, struct sf_at_response *r)
{
        if (strcmp(line, "OK") == 0) {
                r->result = SF_AT_OK;
                return 1;
        }
        if (strcmp(line, "ERROR") == 0) {
                r->result = SF_AT_ERROR;
                return 1;
        }
        if (strncmp(line, "+CME ERROR:", 11) == 0 || strncmp(line, "+CMS ERROR:", 11) == 0) {
                r->result = line[3] == 'E' ? SF_AT_CME_ERROR : SF_AT_CMS_ERROR;
                r->error_code = atoi(line + 11);
                return 1;
        }
        return 0;
}

static int take_line(struct sf_at_response *r, const char *line, const char *cmd)
{
        if (cmd && strcasecmp(line, cmd) == 0) {
                /* The echo: whatever came before it (a late line, a URC of an unknown kind) is
                 * not part of this command's answer. */
                r->n_lines = 0;
                return 0;
        }
        if (!*line || is_unsolicited(line, cmd))
                return 0; /* blank, or a code the module sent on its own */
        if (final_code(line, r))
                return 1;
        if (r->n_lines == SF_AT_MAX_LINES)
                return -E2BIG;
        snprintf(r->lines[r->n_lines++], SF_AT_LINE_MAX, "%s", line);
        return 0;
}

int sf_at_parse_response(const char *buf, size_t len, const char *cmd, struct sf_at_response *ret)
{
        struct sf_at_response r = {.error_code = -1};
        char line[SF_AT_LINE_MAX];
        size_t pos = 0;

        if (!buf || !ret)
                return -EINVAL;
        if (len > SF_AT_REPLY_MAX)
                return -E2BIG;
        while (pos < len) {
                size_t n = 0;
                int k;
                /* Bounded scans: the reply is not NUL-terminated. */
                while (pos + n < len && buf[pos + n] != '\r' && buf[pos + n] != '\n')
                        n++;
                if (pos + n >= len)
                        return -EAGAIN; /* a line still being written */
                if (n >= sizeof(line))
                        return -E2BIG;
                for (size_t i = 0; i < n; i++)
                        if ((unsigned char)buf[pos + i] < 0x20 && buf[pos + i] != '\t')
                                return -EPROTO;
                memcpy(line, buf + pos, n);
                line[n] = '\0';
                pos += n;
                while (pos < len && (buf[pos] == '\r' || buf[pos] == '\n' || buf[pos] == ' '))
                        pos++;
                while (n > 0 && line[n - 1] == ' ') /* "FOSS-002 " has a trailing space */
                        line[--n] = '\0';
                k = take_line(&r, line, cmd);
                if (k < 0)
                        return k;
                if (k == 1) {
                        *ret = r;
                        return 0;
                }
        }
        return -EAGAIN;
}

int sf_at_first_line(const struct sf_at_response *r, char *out, size_t size)
{
        if (r->n_lines == 0)
                return -ENODATA;
        snprintf(out, size, "%s", r->lines[0]);
        return 0;
}

int sf_at_parse_ati(const struct sf_at_response *r, char *model, size_t model_size, char *revision,
                    size_t revision_size)
{
        bool have_model = false, have_rev = false;

        for (unsigned i = 0; i < r->n_lines; i++) {
                const char *l = r->lines[i];
                if (strncmp(l, "Revision: ", 10) == 0) {
                        snprintf(revision, revision_size, "%s", l + 10);
                        have_rev = true;
                } else if (strcmp(l, "Quectel") != 0 && !have_model &&
                           strncmp(l, "SubEdition", 10) != 0) {
                        snprintf(model, model_size, "%s", l);
                        have_model = true;
                }
        }
        return have_model && have_rev ? 0 : -ENODATA;
}

static bool luhn_ok(const char *d)
{
        int sum = 0;

        for (int i = 0; i < 14; i++) {
                int v = d[i] - '0';
                if (i % 2 == 1) {
                        v *= 2;
                        if (v > 9)
                                v -= 9;
                }
                sum += v;
        }
        return (10 - sum % 10) % 10 == d[14] - '0';
}

int sf_at_parse_imei(const char *line, char out[16])
{
        const char *p = line;
        size_t n;

        if (strncmp(p, "+EGMR:", 6) == 0)
                p += 6;
        p += strspn(p, " \"");
        n = strspn(p, "0123456789");
        if (n != 15 || (p[n] && p[n] != '"' && !isspace((unsigned char)p[n])) || !luhn_ok(p))
                return -EINVAL;
        memcpy(out, p, 15);
        out[15] = '\0';
        return 0;
}

int sf_at_parse_secboot(const struct sf_at_response *r)
{
        for (unsigned i = 0; i < r->n_lines; i++) {
                const char *l = r->lines[i];
                if (strncasecmp(l, "+QSECBOOT: \"status\",", 20) == 0 ||
                    strncasecmp(l, "+QCFG: \"secbootstat\",", 21) == 0) {
                        const char *v = strrchr(l, ',') + 1;
                        return *v == '1' ? 1 : 0;
                }
        }
        return -ENODATA;
}
