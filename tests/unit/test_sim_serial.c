/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The simulated firmware's AT and DM ports. Expected answers follow the literal transcripts of the
 * reference notes (quectel.md section 6, protocols.md section 4), typed in. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "serial.h"

static const struct sim_at_identity ec25 = {.model = "EC25",
                                            .version = "EC25EFAR06A17M4G_20.200.20.200",
                                            .imei = "866758043398334",
                                            .secure_boot = false,
                                            .calibrated = true,
                                            .vid = 0x2c7c,
                                            .pid = 0x0125,
                                            .transient_reads = 0};

struct row {
        const char *cmd;
        const char *answer; /* with echo off */
};

static const struct row rows[] = {
        {"AT", "\r\nOK\r\n"},
        {"ATI", "\r\nQuectel\r\nEC25\r\nRevision: EC25EFAR06A17M4G\r\n\r\nOK\r\n"},
        {"AT+CGMR", "\r\nEC25EFAR06A17M4G\r\n\r\nOK\r\n"},
        {"AT+GMR", "\r\nEC25EFAR06A17M4G\r\n\r\nOK\r\n"},
        {"AT+QGMR", "\r\nEC25EFAR06A17M4G_20.200.20.200\r\n\r\nOK\r\n"},
        {"at+qgmr?", "\r\nEC25EFAR06A17M4G_20.200.20.200\r\n\r\nOK\r\n"},
        {"AT+CGMM", "\r\nEC25\r\n\r\nOK\r\n"},
        {"AT+CGMI", "\r\nQuectel\r\n\r\nOK\r\n"},
        {"AT+CSUB", "\r\nSubEdition: V01\r\n\r\nOK\r\n"},
        {"AT+CGSN", "\r\n866758043398334\r\n\r\nOK\r\n"},
        {"AT+GSN", "\r\n866758043398334\r\n\r\nOK\r\n"},
        {"AT+EGMR=0,7", "\r\n+EGMR: \"866758043398334\"\r\n\r\nOK\r\n"},
        {"AT+CVERSION",
         "\r\nVERSION: EC25EFAR06A17M4G\r\nMar 11 2021 10:02:44\r\nAuthors: QCT\r\n\r\nOK\r\n"},
        /* usbid is decimal: 11388,293 is 0x2C7C:0x0125 */
        {"AT+QCFG=\"usbid\"", "\r\n+QCFG: \"usbid\",11388,293\r\n\r\nOK\r\n"},
        {"AT+QCFG=\"usbcfg\"", "\r\n+QCFG: \"usbcfg\",0x2C7C,0x0125,1,1,1,1,1,0,0\r\n\r\nOK\r\n"},
        {"AT+QSECBOOT=\"status\"", "\r\n+QSECBOOT: \"status\",0\r\n\r\nOK\r\n"},
        {"AT+CFUN?", "\r\n+CFUN: 1\r\n\r\nOK\r\n"},
        {"AT+QDOWNLOAD=1", "\r\nERROR\r\n"},
        {"ATZZZ", "\r\nERROR\r\n"},
};

static void test_at_answers(void **state)
{
        struct sim_at a = {.id = ec25, .echo = false};
        char out[1024];

        (void)state;
        for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
                size_t n = sim_at_answer(&a, rows[i].cmd, out, sizeof(out));
                out[n] = '\0';
                if (strcmp(out, rows[i].answer) != 0)
                        print_error("%s: got '%s'\n", rows[i].cmd, out);
                assert_string_equal(out, rows[i].answer);
        }
}

static void test_at_echo_transient_and_lost_imei(void **state)
{
        struct sim_at a = {.id = ec25, .echo = true};
        char out[1024];
        size_t n;

        (void)state;
        n = sim_at_answer(&a, "AT+CGMM", out, sizeof(out));
        out[n] = '\0';
        assert_string_equal(out, "AT+CGMM\r\r\nEC25\r\n\r\nOK\r\n");
        n = sim_at_answer(&a, "ATE0", out, sizeof(out));
        out[n] = '\0';
        assert_string_equal(out, "ATE0\r\r\nOK\r\n");
        assert_false(a.echo);
        /* Right after boot the AP half reads 00.000 (ModemManager re-queries). */
        a.id.transient_reads = 1;
        a.qgmr_count = 0;
        n = sim_at_answer(&a, "AT+QGMR", out, sizeof(out));
        out[n] = '\0';
        assert_string_equal(out, "\r\nEC25EFAR06A17M4G_20.200.00.000\r\n\r\nOK\r\n");
        n = sim_at_answer(&a, "AT+QGMR", out, sizeof(out));
        out[n] = '\0';
        assert_string_equal(out, "\r\nEC25EFAR06A17M4G_20.200.20.200\r\n\r\nOK\r\n");
        /* EFS lost: no IMEI, and the radio is not calibrated. */
        a.id.imei = "";
        a.id.calibrated = false;
        n = sim_at_answer(&a, "AT+CGSN", out, sizeof(out));
        out[n] = '\0';
        assert_string_equal(out, "\r\nERROR\r\n");
        n = sim_at_answer(&a, "AT+CFUN?", out, sizeof(out));
        out[n] = '\0';
        assert_string_equal(out, "\r\n+CFUN: 5\r\n\r\nOK\r\n");
        /* A tiny buffer is cut, never overrun. */
        n = sim_at_answer(&a, "ATI", out, 8);
        assert_true(n < 8);
}

/* Quirk urc-chatter: the start-up codes quectel.md section 6 lists come one with each answer,
 * before it (after the echo), inside it, after its result code; then ATI and AT+QGMR carry the
 * extra "+CREG: 0,2" a capture shows right after an answer. */
static void test_at_urc_chatter(void **state)
{
        struct sim_at a = {.id = ec25, .echo = true};
        char out[1024];
        size_t n;

        (void)state;
        a.id.urc_chatter = true;
        n = sim_at_answer(&a, "ATI", out, sizeof(out));
        out[n] = '\0';
        assert_string_equal(out, "ATI\r\r\n+CFUN: 1\r\n\r\nQuectel\r\nEC25\r\nRevision: "
                                 "EC25EFAR06A17M4G\r\n\r\nOK\r\n");
        n = sim_at_answer(&a, "AT+QGMR", out, sizeof(out));
        out[n] = '\0';
        assert_string_equal(out, "AT+QGMR\r\r\nEC25EFAR06A17M4G_20.200.20.200\r\n\r\n+CPIN: "
                                 "READY\r\n\r\nOK\r\n");
        n = sim_at_answer(&a, "AT+CGSN", out, sizeof(out));
        out[n] = '\0';
        assert_string_equal(out, "AT+CGSN\r\r\n866758043398334\r\n\r\nOK\r\n\r\n+QUSIM: 1\r\n");
        sim_at_answer(&a, "ATE0", out, sizeof(out));
        sim_at_answer(&a, "AT", out, sizeof(out));
        n = sim_at_answer(&a, "AT+QGMR", out, sizeof(out));
        out[n] = '\0';
        assert_string_equal(out, "\r\nEC25EFAR06A17M4G_20.200.20.200\r\n\r\n+CREG: 0,2\r\n"
                                 "\r\nOK\r\n");
}

static void test_diag_answers(void **state)
{
        static const uint8_t edl_req[] = {0x4b, 0x65, 0x01, 0x00};
        static const uint8_t edl_echo[] = {0x4b, 0x65, 0x01, 0x00, 0x54, 0x0f, 0x7e};
        struct sim_diag d = {0};
        struct sf_diag_build_id id;
        uint8_t out[512], payload[512];
        size_t n, pn;
        enum sim_diag_event ev;
        const uint8_t req7c = 0x7c, bogus = 0x26;

        (void)state;
        snprintf(d.revision, sizeof(d.revision), "EC25EFAR06A17M4G");
        assert_int_equal(sim_diag_answer(&d, edl_req, sizeof(edl_req), out, sizeof(out), &n, &ev),
                         0);
        assert_int_equal(ev, SIM_DIAG_SWITCH_TO_EDL);
        assert_int_equal(n, sizeof(edl_echo));
        assert_memory_equal(out, edl_echo, sizeof(edl_echo));
        assert_int_equal(sim_diag_answer(&d, &req7c, 1, out, sizeof(out), &n, &ev), 0);
        assert_int_equal(ev, SIM_DIAG_NONE);
        assert_int_equal(sf_diag_decode(out, n, payload, sizeof(payload), &pn), 0);
        assert_int_equal(sf_diag_parse_ext_build_id(payload, pn, &id), 0);
        assert_string_equal(id.revision, "EC25EFAR06A17M4G");
        /* Anything else: BAD_CMD (0x13) echoing the request. */
        assert_int_equal(sim_diag_answer(&d, &bogus, 1, out, sizeof(out), &n, &ev), 0);
        assert_int_equal(sf_diag_decode(out, n, payload, sizeof(payload), &pn), 0);
        assert_int_equal(payload[0], 0x13);
        assert_int_equal(payload[1], 0x26);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_at_answers),
                cmocka_unit_test(test_at_echo_transient_and_lost_imei),
                cmocka_unit_test(test_at_urc_chatter),
                cmocka_unit_test(test_diag_answers),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
