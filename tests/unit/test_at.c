/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* AT replies: the literal transcripts of the reference notes (quectel.md section 6). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proto/at.h"

struct row {
        const char *cmd, *bytes;
        int ret;
        enum sf_at_result result;
        unsigned n_lines;
        const char *first;
};

static const struct row rows[] = {
        /* With echo on, the command comes back first. */
        {"ATI", "ATI\r\nQuectel\r\nEG25\r\nRevision: EG25GGBR07A08M2G\r\n\r\nOK\r\n", 0, SF_AT_OK,
         3, "Quectel"},
        {"AT+CGMR", "AT+CGMR\r\nEC25EFAR06A08M4G\r\n\r\nOK\r\n", 0, SF_AT_OK, 1,
         "EC25EFAR06A08M4G"},
        {"AT+QGMR", "\r\nEC25EFAR06A11M4G_01.001.01.001\r\n\r\nOK\r\n", 0, SF_AT_OK, 1,
         "EC25EFAR06A11M4G_01.001.01.001"},
        /* Old firmware has no AT+QGMR. */
        {"AT+QGMR", "AT+QGMR\r\nERROR\r\n", 0, SF_AT_ERROR, 0, NULL},
        {"AT+CSUB", "AT+CSUB\r\nSubEdition: V01\r\n\r\nOK\r\n", 0, SF_AT_OK, 1, "SubEdition: V01"},
        /* Unsolicited codes in the middle are not part of the answer... */
        {"AT+CVERSION",
         "AT+CVERSION\r\nVERSION: EC25AFAR05A07M4G\r\nAug 18 2022 15:28:42\r\n+CREG: "
         "0,2\r\nAuthors: "
         "QCT\r\n\r\nOK\r\n",
         0, SF_AT_OK, 3, "VERSION: EC25AFAR05A07M4G"},
        {"AT+CGSN", "\r\nRDY\r\n\r\n+CPIN: READY\r\n\r\n866758043398334\r\n\r\nOK\r\n", 0, SF_AT_OK,
         1, "866758043398334"},
        /* ...unless the command asked for them. */
        {"AT+CFUN?", "\r\n+CFUN: 1\r\n\r\nOK\r\n", 0, SF_AT_OK, 1, "+CFUN: 1"},
        {"AT+QSECBOOT=\"status\"", "\r\n+QSECBOOT: \"status\",1\r\n\r\nOK\r\n", 0, SF_AT_OK, 1,
         "+QSECBOOT: \"status\",1"},
        {"AT+QDOWNLOAD=1", "\r\n+CME ERROR: 4\r\n", 0, SF_AT_CME_ERROR, 0, NULL},
        {"AT+GETFWBRANCH", "\r\nFOSS-002 \r\n\r\nOK\r\n", 0, SF_AT_OK, 1, "FOSS-002"},
        /* Real habits (quirk urc-chatter): the start-up codes anywhere in the answer, the echo
         * ending with CR alone, and a line left over from before the echo. */
        {"AT+QGMR",
         "AT+QGMR\r\r\n+QIND: SMS DONE\r\n\r\nEG25GGBR07A08M2G_30.203.30.203\r\n\r\n+CPIN: "
         "READY\r\n\r\nOK\r\n\r\n+QUSIM: 1\r\n",
         0, SF_AT_OK, 1, "EG25GGBR07A08M2G_30.203.30.203"},
        {"ATI",
         "\r\nEC25\r\nATI\r\r\n+CFUN: 1\r\n\r\nQuectel\r\nEC25\r\nRevision: "
         "EC25EFAR06A17M4G\r\n\r\n+CREG: 0,2\r\n\r\nOK\r\n",
         0, SF_AT_OK, 3, "Quectel"},
        {"AT+CGSN", "AT+CGSN\r\r\n\r\nPOWERED DOWN\r\n\r\n866758043398334\r\n\r\nOK\r\n", 0,
         SF_AT_OK, 1, "866758043398334"},
        /* Not finished yet. */
        {"ATI", "ATI\r\nQuectel\r\nEC25\r\n", -EAGAIN, 0, 0, NULL},
        {"ATI", "ATI\r\nQuectel\r\nEC2", -EAGAIN, 0, 0, NULL},
        {"ATI", "", -EAGAIN, 0, 0, NULL},
        /* Garbage. */
        {"ATI", "AT\x01I\r\nOK\r\n", -EPROTO, 0, 0, NULL},
};

static void test_replies(void **state)
{
        (void)state;
        for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
                struct sf_at_response r;
                const struct row *w = &rows[i];
                int ret = sf_at_parse_response(w->bytes, strlen(w->bytes), w->cmd, &r);
                bool ok = ret == w->ret &&
                          (ret != 0 || (r.result == w->result && r.n_lines == w->n_lines &&
                                        (!w->first || strcmp(r.lines[0], w->first) == 0)));
                if (!ok)
                        print_error("row %zu (%s): ret %d result %d lines %u\n", i, w->cmd, ret,
                                    ret == 0 ? (int)r.result : -1, ret == 0 ? r.n_lines : 0);
                assert_true(ok);
        }
}

static void test_ati_imei_secboot(void **state)
{
        const char *ati =
                "ATI\r\nQuectel\r\nRM520N-GL\r\nRevision: RM520NGLAAR01A06M4G\r\n\r\nOK\r\n";
        struct sf_at_response r;
        char model[32], rev[64], imei[16];

        (void)state;
        assert_int_equal(sf_at_parse_response(ati, strlen(ati), "ATI", &r), 0);
        assert_int_equal(sf_at_parse_ati(&r, model, sizeof(model), rev, sizeof(rev)), 0);
        assert_string_equal(model, "RM520N-GL");
        assert_string_equal(rev, "RM520NGLAAR01A06M4G");
        assert_int_equal(sf_at_parse_imei("866758043398334", imei), 0);
        assert_int_equal(sf_at_parse_imei("+EGMR: \"866758043398334\"", imei), 0);
        assert_string_equal(imei, "866758043398334");
        /* The user story's "IMEI" has 16 digits; a wrong check digit; letters. */
        assert_int_equal(sf_at_parse_imei("8667580433983366", imei), -EINVAL);
        assert_int_equal(sf_at_parse_imei("866758043398335", imei), -EINVAL);
        assert_int_equal(sf_at_parse_imei("86xxxxxxxxxxxxx", imei), -EINVAL);
        assert_int_equal(sf_at_parse_imei("", imei), -EINVAL);
        r = (struct sf_at_response){.n_lines = 1};
        snprintf(r.lines[0], sizeof(r.lines[0]), "+QSECBOOT: \"STATUS\",1");
        assert_int_equal(sf_at_parse_secboot(&r), 1);
        snprintf(r.lines[0], sizeof(r.lines[0]), "+QCFG: \"secbootstat\",0");
        assert_int_equal(sf_at_parse_secboot(&r), 0);
        r.n_lines = 0;
        assert_int_equal(sf_at_parse_secboot(&r), -ENODATA);
}

static void test_limits(void **state)
{
        char big[SF_AT_REPLY_MAX + 10];
        struct sf_at_response r;
        char many[64 * 20] = "";

        (void)state;
        memset(big, 'A', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        assert_int_equal(sf_at_parse_response(big, strlen(big), "ATI", &r), -E2BIG);
        for (int i = 0; i < 20; i++)
                strcat(many, "line\r\n");
        strcat(many, "OK\r\n");
        assert_int_equal(sf_at_parse_response(many, strlen(many), "ATI", &r), -E2BIG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_replies),
                cmocka_unit_test(test_ati_imei_secboot),
                cmocka_unit_test(test_limits),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
