/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Quectel firmware version parser, table-driven.
 *
 * Expectations come from the project's reference notes on Quectel modules (quectel.md): the
 * grammar and test vectors of §1 and every version string collected in §2. They were written
 * from the reference, not copied from the parser's output. The model/region/variant split is
 * the parser's documented guess: the model from its table of known families, the last two
 * characters of the rest as the variant and what is left as the region. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "safeflash/version.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct expect {
        const char *in;
        enum sf_version_form form;
        const char *suffix; /* as stored: upper case */
        const char *prefix;
        const char *model;
        const char *region;
        const char *variant;
        int baseline;
        int release;
        int edition;
        const char *memory;
        char trailing;
        unsigned n_tags;
        const char *tags[SF_VERSION_MAX_TAGS];
        unsigned n_groups;
        const char *modem_main;
        int modem_minor;
        const char *ap_main;
        int ap_minor;
        int sub_edition;
};

#define F_REV   SF_VERSION_FORM_REVISION
#define F_FULL  SF_VERSION_FORM_FULL
#define F_TRUNC SF_VERSION_FORM_TRUNCATED
#define F_TRANS SF_VERSION_FORM_TRANSIENT

/* prefix, model, region, variant, baseline, release, edition, memory, trailing letter */
#define MAIN(pfx, mdl, reg, var, r, a, mem)        pfx, mdl, reg, var, r, a, -1, mem, 0
#define MAIN_ED(pfx, mdl, reg, var, r, a, ed, mem) pfx, mdl, reg, var, r, a, ed, mem, 0
#define MAIN_TR(pfx, mdl, reg, var, r, a, mem, tr) pfx, mdl, reg, var, r, a, -1, mem, tr

/* clang-format off */
#define TAGS0                      0, {NULL}
#define TAGS1(a)                   1, {a}
#define TAGS2(a, b)                2, {a, b}
#define TAGS6(a, b, c, d, e, f)    6, {a, b, c, d, e, f}

/* n_groups, modem_main, modem_minor, ap_main, ap_minor, sub_edition */
#define SUB0                       0, "", -1, "", -1, -1
#define SUB2(mm, mn)               2, mm, mn, "", -1, -1
#define SUB3(mm, mn, am)           3, mm, mn, am, -1, -1
#define SUB4(mm, mn, am, an)       4, mm, mn, am, an, -1
#define SUB4E(mm, mn, am, an, ed)  4, mm, mn, am, an, ed

/* Not a version: -EBADMSG, form UNKNOWN, a reason in error. Other fields are not checked. */
#define BAD(s) {s, SF_VERSION_FORM_UNKNOWN, "", MAIN("", "", "", "", 0, 0, ""), TAGS0, SUB0}
/* clang-format on */

/* The EC25-E, EG25-G, RM520N-GL and EM05-G lines recur often. */
#define EC25EFA(r, a)      MAIN("EC25EFA", "EC25", "E", "FA", r, a, "M4G")
#define EC25EUXGA(r, a)    MAIN("EC25EUXGA", "EC25", "EUX", "GA", r, a, "M1G")
#define EC25AFA(r, a)      MAIN("EC25AFA", "EC25", "A", "FA", r, a, "M4G")
#define EC20EQA(r, a)      MAIN("EC20EQA", "EC20", "E", "QA", r, a, "E2G")
#define EG25GGB(r, a)      MAIN("EG25GGB", "EG25", "G", "GB", r, a, "M2G")
#define EG18EAPA(r, a)     MAIN("EG18EAPA", "EG18", "EA", "PA", r, a, "M4G")
#define EM05GFA(r, a)      MAIN("EM05GFA", "EM05", "G", "FA", r, a, "M1G")
#define EM061KGLAA(r, a)   MAIN("EM061KGLAA", "EM061K", "GL", "AA", r, a, "M2G")
#define EM12GPA(r, a)      MAIN("EM12GPA", "EM12", "G", "PA", r, a, "M4G")
#define RM500QGLAB(r, a)   MAIN("RM500QGLAB", "RM500Q", "GL", "AB", r, a, "M4G")
#define RM502QGLAA(r, a)   MAIN("RM502QGLAA", "RM502Q", "GL", "AA", r, a, "M4G")
#define RM520NGLAA(r, a)   MAIN("RM520NGLAA", "RM520N", "GL", "AA", r, a, "M4G")
#define RG500QEAAA(r, a)   MAIN("RG500QEAAA", "RG500Q", "EA", "AA", r, a, "M4G")
#define RG255CGLAB(r, a)   MAIN("RG255CGLAB", "RG255C", "GL", "AB", r, a, "M4G")
#define RM551EGL00AA(r, a) MAIN("RM551EGL00AA", "RM551E", "GL00", "AA", r, a, "M8G")

/* quectel.md §2: every real version string, by module, shorthand expanded. */
static const struct expect real_rows[] = {
        /* EC25 */
        {"EC25EFAR06A17M4G_20.200.20.200", F_FULL, "", EC25EFA(6, 17), TAGS0,
         SUB4("20", 200, "20", 200)},
        {"EC25EFAR08A01M4G_01.001.01.001", F_FULL, "", EC25EFA(8, 1), TAGS0,
         SUB4("01", 1, "01", 1)},
        {"EC25EFAR06A08M4G", F_REV, "", EC25EFA(6, 8), TAGS0, SUB0},
        {"EC25EFAR06A11M4G_01.001.01.001", F_FULL, "", EC25EFA(6, 11), TAGS0,
         SUB4("01", 1, "01", 1)},
        {"EC25EFAR06A01M4G", F_REV, "", EC25EFA(6, 1), TAGS0, SUB0},
        {"EC25EFAR06A01M4G_OCPU_01.001.01.001", F_FULL, "", EC25EFA(6, 1), TAGS1("OCPU"),
         SUB4("01", 1, "01", 1)},
        {"EC25EFAR06A01M4G_OCPU_BETA0912_01.001.01.001", F_FULL, "", EC25EFA(6, 1),
         TAGS2("OCPU", "BETA0912"), SUB4("01", 1, "01", 1)},
        {"EC25EFAR06A12M4G_OCPU_20.200.20.200_SDK", F_FULL, "_SDK", EC25EFA(6, 12), TAGS1("OCPU"),
         SUB4("20", 200, "20", 200)},
        /* QUECTEL_PROJECT_REV in the same source */
        {"EC25EFAR06A12M4G_OCPU_20.200", F_TRUNC, "", EC25EFA(6, 12), TAGS1("OCPU"),
         SUB2("20", 200)},
        {"EC25EUXGAR08A09M1G", F_REV, "", EC25EUXGA(8, 9), TAGS0, SUB0},
        {"EC25EUXGAR08A15M1G_20.200.20.200", F_FULL, "", EC25EUXGA(8, 15), TAGS0,
         SUB4("20", 200, "20", 200)},
        {"EC25EUXGAR08A17M1G", F_REV, "", EC25EUXGA(8, 17), TAGS0, SUB0},
        {"EC25EUGAR08A03M4G_01.200.01.200", F_FULL, "",
         MAIN("EC25EUGA", "EC25", "EU", "GA", 8, 3, "M4G"), TAGS0, SUB4("01", 200, "01", 200)},
        {"EC25AFAR05A07M4G", F_REV, "", EC25AFA(5, 7), TAGS0, SUB0},
        {"EC25AFAR05A07M4G_30.003.30.003", F_FULL, "", EC25AFA(5, 7), TAGS0,
         SUB4("30", 3, "30", 3)},
        {"EC25AFAR05A07M4G_30.005.30.005", F_FULL, "", EC25AFA(5, 7), TAGS0,
         SUB4("30", 5, "30", 5)},
        {"EC25AFAR05A04M4G", F_REV, "", EC25AFA(5, 4), TAGS0, SUB0},
        /* EC21 */
        {"EC21EFAR06A08M4G_20.200.20.200", F_FULL, "",
         MAIN("EC21EFA", "EC21", "E", "FA", 6, 8, "M4G"), TAGS0, SUB4("20", 200, "20", 200)},
        /* EC20 */
        {"EC20CEFAGR06A16M4G", F_REV, "", MAIN("EC20CEFAG", "EC20", "CEF", "AG", 6, 16, "M4G"),
         TAGS0, SUB0},
        {"EC20EQAR02A04E2G", F_REV, "", EC20EQA(2, 4), TAGS0, SUB0},
        {"EC20EQAR02A13E2G", F_REV, "", EC20EQA(2, 13), TAGS0, SUB0},
        {"EC20AQAR02A03E2G", F_REV, "", MAIN("EC20AQA", "EC20", "A", "QA", 2, 3, "E2G"), TAGS0,
         SUB0},
        {"EC20CEFDR02A09M4G", F_REV, "", MAIN("EC20CEFD", "EC20", "CE", "FD", 2, 9, "M4G"), TAGS0,
         SUB0},
        {"EC20EQAR02A11E2G", F_REV, "", EC20EQA(2, 11), TAGS0, SUB0},
        /* EG25 */
        {"EG25GGBR07A08M2G_01.001.01.001", F_FULL, "", EG25GGB(7, 8), TAGS0,
         SUB4("01", 1, "01", 1)},
        {"EG25GGBR07A08M2G_01.002.01.002", F_FULL, "", EG25GGB(7, 8), TAGS0,
         SUB4("01", 2, "01", 2)},
        {"EG25GGBR07A08M2G_01.003.01.003", F_FULL, "", EG25GGB(7, 8), TAGS0,
         SUB4("01", 3, "01", 3)},
        {"EG25GGBR07A07M2G_01.003.01.003", F_FULL, "", EG25GGB(7, 7), TAGS0,
         SUB4("01", 3, "01", 3)},
        {"EG25GGBR07A07M2G_30.003.30.003", F_FULL, "", EG25GGB(7, 7), TAGS0,
         SUB4("30", 3, "30", 3)},
        {"EG25GGBR07A08M2G_30.006.30.006", F_FULL, "", EG25GGB(7, 8), TAGS0,
         SUB4("30", 6, "30", 6)},
        {"EG25GGBR07A08M2G_30.203.30.203", F_FULL, "", EG25GGB(7, 8), TAGS0,
         SUB4("30", 203, "30", 203)},
        BAD("R07A08_A0.301.A0.301"), /* short form: no model prefix */
        /* the full form the reference infers for it */
        {"EG25GGBR07A08M2G_A0.301.A0.301", F_FULL, "", EG25GGB(7, 8), TAGS0,
         SUB4("A0", 301, "A0", 301)},
        {"EG25GGBR07A08M2G_A0.303.A0.303_2025", F_FULL, "_2025", EG25GGB(7, 8), TAGS0,
         SUB4("A0", 303, "A0", 303)},
        {"EG25GGBR07A08M2G_30.007.30.007", F_FULL, "", EG25GGB(7, 8), TAGS0,
         SUB4("30", 7, "30", 7)},
        {"EG25GGBR07A08M2G_BETA0416", F_REV, "", EG25GGB(7, 8), TAGS1("BETA0416"), SUB0},
        {"EG25GGBR07A07M2G_OCPU_30.001.30.001", F_FULL, "", EG25GGB(7, 7), TAGS1("OCPU"),
         SUB4("30", 1, "30", 1)},
        {"EG25GGCR07A02M1G_30.202.30.202", F_FULL, "",
         MAIN("EG25GGC", "EG25", "G", "GC", 7, 2, "M1G"), TAGS0, SUB4("30", 202, "30", 202)},
        /* EG91, EP06, EG18 */
        {"EG91EFBR06A07M4G_01.007.01.007", F_FULL, "",
         MAIN("EG91EFB", "EG91", "E", "FB", 6, 7, "M4G"), TAGS0, SUB4("01", 7, "01", 7)},
        {"EP06ALAR02A08M4G_01.009.01.009", F_FULL, "",
         MAIN("EP06ALA", "EP06", "A", "LA", 2, 8, "M4G"), TAGS0, SUB4("01", 9, "01", 9)},
        {"EP06ELAR04A20M4G", F_REV, "", MAIN("EP06ELA", "EP06", "E", "LA", 4, 20, "M4G"), TAGS0,
         SUB0},
        {"EG18EAPAR01A12M4G_01.001.01.001", F_FULL, "", EG18EAPA(1, 12), TAGS0,
         SUB4("01", 1, "01", 1)},
        {"EG18EAPAR01A12M4G", F_REV, "", EG18EAPA(1, 12), TAGS0, SUB0}, /* RouterOS revision */
        /* the DFOTA package name: "Upgrade" is no model prefix */
        BAD("Upgrade_EG18EAPAR01A12M4G_01.001.01.001-R01A13M4G_01.001.01.001.zip"),
        /* EM05 */
        {"EM05GFAR07A07M1G_01.005.01.005", F_FULL, "", EM05GFA(7, 7), TAGS0,
         SUB4("01", 5, "01", 5)},
        {"EM05GFAR07A07M1G_01.016.01.016", F_FULL, "", EM05GFA(7, 7), TAGS0,
         SUB4("01", 16, "01", 16)},
        {"EM05GFAR07A07M1G_01.016.00.000", F_TRANS, "", EM05GFA(7, 7), TAGS0,
         SUB4("01", 16, "00", 0)},
        {"EM05GFAR10A02M1G", F_REV, "", EM05GFA(10, 2), TAGS0, SUB0},
        {"EM05GFAR07A03M1G_01.004", F_TRUNC, "", EM05GFA(7, 3), TAGS0, SUB2("01", 4)},
        {"EM05CEFCR08A16M1G_LNV", F_REV, "", MAIN("EM05CEFC", "EM05", "CE", "FC", 8, 16, "M1G"),
         TAGS1("LNV"), SUB0},
        /* EM061K */
        {"EM061KGLAAR01A02M2G_01.015.01.015", F_FULL, "", EM061KGLAA(1, 2), TAGS0,
         SUB4("01", 15, "01", 15)},
        {"EM061KGLAAR01A02M2G_01.015", F_TRUNC, "", EM061KGLAA(1, 2), TAGS0, SUB2("01", 15)},
        /* EM060K: the longest known family wins (EM060K, not EM06 + "0KGL"). GL.iNet's
         * package folder EM060KGLAAR01A12M2GA (docs "upgrade the module firmware"); A11 from a
         * public firmware filter regexp "^EM060KGLAAR01(A11|A12)M2G". */
        {"EM060KGLAAR01A12M2GA", F_REV, "",
         MAIN_TR("EM060KGLAA", "EM060K", "GL", "AA", 1, 12, "M2G", 'A'), TAGS0, SUB0},
        {"EM060KGLAAR01A11M2G", F_REV, "", MAIN("EM060KGLAA", "EM060K", "GL", "AA", 1, 11, "M2G"),
         TAGS0, SUB0},
        /* BG96: ATI "Revision: BG96MAR02A07M1G"; BG96MAR02A07M1G_01.018.01.018 in public
         * sample code. */
        {"BG96MAR02A07M1G", F_REV, "", MAIN("BG96MA", "BG96", "", "MA", 2, 7, "M1G"), TAGS0,
         SUB0},
        {"BG96MAR02A07M1G_01.018.01.018", F_FULL, "", MAIN("BG96MA", "BG96", "", "MA", 2, 7, "M1G"),
         TAGS0, SUB4("01", 18, "01", 18)},
        /* EG06-E: ATI "Revision: EG06ELAR04A04M4G"; EG06ELAR04A20M4G in ModemManager-style
         * test data. */
        {"EG06ELAR04A04M4G", F_REV, "", MAIN("EG06ELA", "EG06", "E", "LA", 4, 4, "M4G"), TAGS0,
         SUB0},
        {"EG06ELAR04A20M4G", F_REV, "", MAIN("EG06ELA", "EG06", "E", "LA", 4, 20, "M4G"), TAGS0,
         SUB0},
        /* EG912U (Unisoc): the memory code is "M08", without a G. */
        {"EG912UGLAAR03A09M08_01.200.01.200", F_FULL, "",
         MAIN("EG912UGLAA", "EG912U", "GL", "AA", 3, 9, "M08"), TAGS0, SUB4("01", 200, "01", 200)},
        {"EG912UGLAAR03A14M08_01.200.01.200", F_FULL, "",
         MAIN("EG912UGLAA", "EG912U", "GL", "AA", 3, 14, "M08"), TAGS0,
         SUB4("01", 200, "01", 200)},
        /* EM12 */
        {"EM12GPAR01A09M4G_MSFT_01.001.01.001", F_FULL, "", EM12GPA(1, 9), TAGS1("MSFT"),
         SUB4("01", 1, "01", 1)},
        {"EM12GPAR01A21M4G_01.204.01.204", F_FULL, "", EM12GPA(1, 21), TAGS0,
         SUB4("01", 204, "01", 204)},
        {"EM12GPAR01A21M4G_01.001.01.001", F_FULL, "", EM12GPA(1, 21), TAGS0,
         SUB4("01", 1, "01", 1)},
        {"EM12GPAR01A21M4G_01.300.01.300", F_FULL, "", EM12GPA(1, 21), TAGS0,
         SUB4("01", 300, "01", 300)},
        {"EM12GPAR01A21M4G_02.001.02.001", F_FULL, "", EM12GPA(1, 21), TAGS0,
         SUB4("02", 1, "02", 1)},
        /* EM120R / EM160R */
        {"EM120RGLAPR02A07M4G_18.018.18.018", F_FULL, "",
         MAIN("EM120RGLAP", "EM120R", "GL", "AP", 2, 7, "M4G"), TAGS0, SUB4("18", 18, "18", 18)},
        {"EM160RGLAPR02A07M4G_18.018.18.018", F_FULL, "",
         MAIN("EM160RGLAP", "EM160R", "GL", "AP", 2, 7, "M4G"), TAGS0, SUB4("18", 18, "18", 18)},
        {"EM160RGLAPR02A10M4G_01.213.01.213", F_FULL, "",
         MAIN("EM160RGLAP", "EM160R", "GL", "AP", 2, 10, "M4G"), TAGS0, SUB4("01", 213, "01", 213)},
        /* EM20 */
        {"EM20GRAR01A04V01M4G", F_REV, "", MAIN_ED("EM20GRA", "EM20", "G", "RA", 1, 4, 1, "M4G"),
         TAGS0, SUB0},
        /* RM500Q */
        {"RM500QGLAAR01A01M4G_BETA_20200428F", F_REV, "",
         MAIN("RM500QGLAA", "RM500Q", "GL", "AA", 1, 1, "M4G"), TAGS1("BETA_20200428F"), SUB0},
        {"RM500QGLABR11A02M4G", F_REV, "", RM500QGLAB(11, 2), TAGS0, SUB0},
        {"RM500QGLABR11A03M4G", F_REV, "", RM500QGLAB(11, 3), TAGS0, SUB0},
        {"RM500QGLABR11A04M4G", F_REV, "", RM500QGLAB(11, 4), TAGS0, SUB0},
        {"RM500QGLABR11A06M4G", F_REV, "", RM500QGLAB(11, 6), TAGS0, SUB0},
        /* RM502Q */
        {"RM502QGLAAR05A03M4G", F_REV, "", RM502QGLAA(5, 3), TAGS0, SUB0},
        {"RM502QGLAAR11A02M4G_01.001.01.001", F_FULL, "", RM502QGLAA(11, 2), TAGS0,
         SUB4("01", 1, "01", 1)},
        /* RM520N */
        {"RM520NGLAAR01A06M4G", F_REV, "", RM520NGLAA(1, 6), TAGS0, SUB0},
        {"RM520NGLAAR01A06M4G_01.200.01.200", F_FULL, "", RM520NGLAA(1, 6), TAGS0,
         SUB4("01", 200, "01", 200)},
        {"RM520NGLAAR01A06M4G_12.001.12.001", F_FULL, "", RM520NGLAA(1, 6), TAGS0,
         SUB4("12", 1, "12", 1)},
        {"RM520NGLAAR01A07M4G_01.201.01.201", F_FULL, "", RM520NGLAA(1, 7), TAGS0,
         SUB4("01", 201, "01", 201)},
        {"RM520NGLAAR01A07M4G_01.203.01.203", F_FULL, "", RM520NGLAA(1, 7), TAGS0,
         SUB4("01", 203, "01", 203)},
        {"RM520NGLAAR01A08M4G_01.200.01.200", F_FULL, "", RM520NGLAA(1, 8), TAGS0,
         SUB4("01", 200, "01", 200)},
        {"RM520NGLAAR01A08M4G_01.204.01.204", F_FULL, "", RM520NGLAA(1, 8), TAGS0,
         SUB4("01", 204, "01", 204)},
        {"RM520NGLAAR03A01M4G_01.202.01.202", F_FULL, "", RM520NGLAA(3, 1), TAGS0,
         SUB4("01", 202, "01", 202)},
        {"RM520NGLAAR03A02M4GA", F_REV, "",
         MAIN_TR("RM520NGLAA", "RM520N", "GL", "AA", 3, 2, "M4G", 'A'), TAGS0, SUB0},
        {"RM520NGLAAR03A03M4G_01.200.01.200", F_FULL, "", RM520NGLAA(3, 3), TAGS0,
         SUB4("01", 200, "01", 200)},
        {"RM520NGLAAR03A04M4G_01.202.01.202", F_FULL, "", RM520NGLAA(3, 4), TAGS0,
         SUB4("01", 202, "01", 202)},
        {"RM520NGLAAR03A03M4G_04.204.04.204", F_FULL, "", RM520NGLAA(3, 3), TAGS0,
         SUB4("04", 204, "04", 204)},
        {"RM520NGLAAR03A03M4G_04.211.04.211", F_FULL, "", RM520NGLAA(3, 3), TAGS0,
         SUB4("04", 211, "04", 211)},
        {"RM520NGLAAR03A03M4G_04.220.04.220", F_FULL, "", RM520NGLAA(3, 3), TAGS0,
         SUB4("04", 220, "04", 220)},
        /* "…_JP_04.206 / 04.207 / 04.209": as written (two groups), then read as four */
        {"RM520NGLAAR03A03M4G_JP_04.206", F_TRUNC, "", RM520NGLAA(3, 3), TAGS1("JP"),
         SUB2("04", 206)},
        {"RM520NGLAAR03A03M4G_JP_04.207", F_TRUNC, "", RM520NGLAA(3, 3), TAGS1("JP"),
         SUB2("04", 207)},
        {"RM520NGLAAR03A03M4G_JP_04.209", F_TRUNC, "", RM520NGLAA(3, 3), TAGS1("JP"),
         SUB2("04", 209)},
        {"RM520NGLAAR03A03M4G_JP_04.206.04.206", F_FULL, "", RM520NGLAA(3, 3), TAGS1("JP"),
         SUB4("04", 206, "04", 206)},
        {"RM520NGLAAR03A03M4G_JP_04.207.04.207", F_FULL, "", RM520NGLAA(3, 3), TAGS1("JP"),
         SUB4("04", 207, "04", 207)},
        {"RM520NGLAAR03A03M4G_JP_04.209.04.209", F_FULL, "", RM520NGLAA(3, 3), TAGS1("JP"),
         SUB4("04", 209, "04", 209)},
        {"RM520NGLAPR01A03M4G_01.001.01.001", F_FULL, "",
         MAIN("RM520NGLAP", "RM520N", "GL", "AP", 1, 3, "M4G"), TAGS0, SUB4("01", 1, "01", 1)},
        /* RG500Q, RG520N, RG255C, RM551E, AG590E, AG35, BG95 */
        {"RG500QEAAAR11A02M4G_OCPU_01.001.01.001", F_FULL, "", RG500QEAAA(11, 2), TAGS1("OCPU"),
         SUB4("01", 1, "01", 1)},
        {"RG500QEAAAR11A02M4G_OCPU_01.001V01.01.001V01", F_FULL, "", RG500QEAAA(11, 2),
         TAGS1("OCPU"), SUB4E("01", 1, "01", 1, 1)},
        {"RG500QEAAAR11A02M4G_01.001.01.001", F_FULL, "", RG500QEAAA(11, 2), TAGS0,
         SUB4("01", 1, "01", 1)},
        {"RG520NEUDCR01A01M4G_01.001.01.001", F_FULL, "",
         MAIN("RG520NEUDC", "RG520N", "EU", "DC", 1, 1, "M4G"), TAGS0, SUB4("01", 1, "01", 1)},
        {"RG255CGLABR01A04M4G_A0.004.A0.004", F_FULL, "", RG255CGLAB(1, 4), TAGS0,
         SUB4("A0", 4, "A0", 4)},
        {"RG255CGLABR01A04M4G_A0.300.A0.300", F_FULL, "", RG255CGLAB(1, 4), TAGS0,
         SUB4("A0", 300, "A0", 300)},
        {"RM551EGL00AAR01A03M8G_A0.001.A0.001", F_FULL, "", RM551EGL00AA(1, 3), TAGS0,
         SUB4("A0", 1, "A0", 1)},
        {"RM551EGL00AAR01A01M8G_01.001.01.001", F_FULL, "", RM551EGL00AA(1, 1), TAGS0,
         SUB4("01", 1, "01", 1)},
        {"AG590ECNABR01A01M8G_OCPU_01.001.01", F_TRUNC, "",
         MAIN("AG590ECNAB", "AG590E", "CN", "AB", 1, 1, "M8G"), TAGS1("OCPU"), SUB3("01", 1, "01")},
        {"AG35CEVAR05A07T4G", F_REV, "", MAIN("AG35CEVA", "AG35", "CE", "VA", 5, 7, "T4G"), TAGS0,
         SUB0},
        {"BG95M3LAR02A03_01.011.01.011", F_FULL, "", MAIN("BG95M3LA", "BG95M3", "", "LA", 2, 3, ""),
         TAGS0, SUB4("01", 11, "01", 11)},
        {"BG95M3LAR02A03", F_REV, "", MAIN("BG95M3LA", "BG95M3", "", "LA", 2, 3, ""), TAGS0, SUB0},
};

/* quectel.md §1.5, row by row. "suffixed" there is FULL/REVISION with a suffix here. */
static const struct expect vector_rows[] = {
        {"EC25EFAR06A17M4G_20.200.20.200", F_FULL, "", EC25EFA(6, 17), TAGS0,
         SUB4("20", 200, "20", 200)},
        {"EC25EFAR08A01M4G_01.001.01.001", F_FULL, "", EC25EFA(8, 1), TAGS0,
         SUB4("01", 1, "01", 1)},
        {"EM05GFAR07A07M1G_01.016.00.000", F_TRANS, "", EM05GFA(7, 7), TAGS0,
         SUB4("01", 16, "00", 0)},
        {"EM160RGLAPR02A10M4G_01.213.01.213", F_FULL, "",
         MAIN("EM160RGLAP", "EM160R", "GL", "AP", 2, 10, "M4G"), TAGS0, SUB4("01", 213, "01", 213)},
        {"RM551EGL00AAR01A03M8G_A0.001.A0.001", F_FULL, "", RM551EGL00AA(1, 3), TAGS0,
         SUB4("A0", 1, "A0", 1)},
        {"EM20GRAR01A04V01M4G", F_REV, "", MAIN_ED("EM20GRA", "EM20", "G", "RA", 1, 4, 1, "M4G"),
         TAGS0, SUB0},
        {"RM500QGLAAR01A01M4G_BETA_20200428F", F_REV, "",
         MAIN("RM500QGLAA", "RM500Q", "GL", "AA", 1, 1, "M4G"), TAGS1("BETA_20200428F"), SUB0},
        {"EG25GGBR07A08M2G_BETA0416", F_REV, "", EG25GGB(7, 8), TAGS1("BETA0416"), SUB0},
        {"EG25GGBR07A07M2G_OCPU_30.001.30.001", F_FULL, "", EG25GGB(7, 7), TAGS1("OCPU"),
         SUB4("30", 1, "30", 1)},
        {"EM05CEFCR08A16M1G_LNV", F_REV, "", MAIN("EM05CEFC", "EM05", "CE", "FC", 8, 16, "M1G"),
         TAGS1("LNV"), SUB0},
        {"EM12GPAR01A09M4G_MSFT_01.001.01.001", F_FULL, "", EM12GPA(1, 9), TAGS1("MSFT"),
         SUB4("01", 1, "01", 1)},
        {"AG590ECNABR01A01M8G_OCPU_01.001.01", F_TRUNC, "",
         MAIN("AG590ECNAB", "AG590E", "CN", "AB", 1, 1, "M8G"), TAGS1("OCPU"), SUB3("01", 1, "01")},
        {"EM05GFAR07A03M1G_01.004", F_TRUNC, "", EM05GFA(7, 3), TAGS0, SUB2("01", 4)},
        {"RM520NGLAAR03A02M4GA", F_REV, "",
         MAIN_TR("RM520NGLAA", "RM520N", "GL", "AA", 3, 2, "M4G", 'A'), TAGS0, SUB0},
        {"RG500QEAAAR11A02M4G_OCPU_01.001V01.01.001V01", F_FULL, "", RG500QEAAA(11, 2),
         TAGS1("OCPU"), SUB4E("01", 1, "01", 1, 1)},
        {"EC20EQAR02A04E2G", F_REV, "", EC20EQA(2, 4), TAGS0, SUB0},
        {"AG35CEVAR05A07T4G", F_REV, "", MAIN("AG35CEVA", "AG35", "CE", "VA", 5, 7, "T4G"), TAGS0,
         SUB0},
        {"BG95M3LAR02A03_01.011.01.011", F_FULL, "", MAIN("BG95M3LA", "BG95M3", "", "LA", 2, 3, ""),
         TAGS0, SUB4("01", 11, "01", 11)},
        {"EC25EFAR06A12M4G_OCPU_20.200.20.200_SDK", F_FULL, "_SDK", EC25EFA(6, 12), TAGS1("OCPU"),
         SUB4("20", 200, "20", 200)},
        {"EG25GGBR07A08M2G_A0.303.A0.303_2025", F_FULL, "_2025", EG25GGB(7, 8), TAGS0,
         SUB4("A0", 303, "A0", 303)},
        BAD("EM05GFAR07AM1G"),
        BAD("EM05GFARA07M1G"),
};

#define EC25_FULL(sfx) F_FULL, sfx, EC25EFA(6, 17), TAGS0, SUB4("20", 200, "20", 200)

/* Trimming, case, package suffixes, forms and malformations. */
static const struct expect edge_rows[] = {
        {"  EC25EFAR06A17M4G_20.200.20.200\r\n", EC25_FULL("")},
        {"\tEC25EFAR06A17M4G \r\n", F_REV, "", EC25EFA(6, 17), TAGS0, SUB0},
        {"ec25efar06a17m4g_20.200.20.200", EC25_FULL("")},
        {" ec25efar06a12m4g_ocpu_20.200.20.200_sdk\r\n", F_FULL, "_SDK", EC25EFA(6, 12),
         TAGS1("OCPU"), SUB4("20", 200, "20", 200)},
        {"eg25ggbr07a08m2g_a0.303.a0.303_2025.zip", F_FULL, "_2025.ZIP", EG25GGB(7, 8), TAGS0,
         SUB4("A0", 303, "A0", 303)},
        BAD(""),
        BAD("   \r\n\t "),
        BAD("\r\n"),
        /* forms */
        {"EC25EFAR06A17M4G_20.200.00.000", F_TRANS, "", EC25EFA(6, 17), TAGS0,
         SUB4("20", 200, "00", 0)},
        {"EC25EFAR06A17M4G_20.200", F_TRUNC, "", EC25EFA(6, 17), TAGS0, SUB2("20", 200)},
        {"EC25EFAR06A17M4G_20.200.20", F_TRUNC, "", EC25EFA(6, 17), TAGS0, SUB3("20", 200, "20")},
        BAD("EC25EFAR06A17M4G_20.200.20.200.20"),
        BAD("EC25EFAR06A17M4G_20.200.20.200_XYZ"),
        BAD("EC25EFAR06A17M4G_20.200.20.200_01.001.01.001"),
        BAD("EC25EFAR06A17M4G_"),
        BAD("EC25EFAR06A17M4G_OCPU_"),
        BAD("EC25EFAR06A17M4G_20.200.20.200_"),
        BAD("EC25EFAR06A17M4G__20.200.20.200"),
        BAD("EC25EFAR06A17M4G_20.200.20."),
        BAD("EC25EFAR06A17M4G_G0.200.20.200"),
        BAD("EC25EFAR06A17M4G_20.20.20.200"),
        BAD("EC25EFAR06A17M4GAB"),
        BAD("EC25EFAR6A17M4G"),
        BAD("R06A17M4G"),
        BAD("safeflash"),
        /* package suffixes */
        {"EC25EFAR06A17M4G_20.200.20.200.zip", EC25_FULL(".ZIP")},
        {"EC25EFAR06A17M4G_20.200.20.200.7z", EC25_FULL(".7Z")},
        {"EC25EFAR06A17M4G_20.200.20.200.tar.bz2", EC25_FULL(".TAR.BZ2")},
        {"EC25EFAR06A17M4G_20.200.20.200-toolchain.tar.gz", EC25_FULL("-TOOLCHAIN.TAR.GZ")},
        {"EC25EFAR06A17M4G_20.200.20.200_2025", EC25_FULL("_2025")},
        {"EC25EFAR06A12M4G_OCPU_20.200.20.200_SDK.tar.bz2", F_FULL, "_SDK.TAR.BZ2", EC25EFA(6, 12),
         TAGS1("OCPU"), SUB4("20", 200, "20", 200)},
        {"EC25EFAR06A17M4G.zip", F_REV, ".ZIP", EC25EFA(6, 17), TAGS0, SUB0},
        /* tags */
        {"RM500QGLAAR01A01M4G_BETA_20200428F_01.001.01.001", F_FULL, "",
         MAIN("RM500QGLAA", "RM500Q", "GL", "AA", 1, 1, "M4G"), TAGS1("BETA_20200428F"),
         SUB4("01", 1, "01", 1)},
        {"EC25EFAR06A01M4G_OCPU_BETA_20200428F", F_REV, "", EC25EFA(6, 1),
         TAGS2("OCPU", "BETA_20200428F"), SUB0},
        {"EC25EFAR06A17M4G_OCPU_LNV_MSFT_JP_BETA0416_X1_20.200.20.200", F_FULL, "", EC25EFA(6, 17),
         TAGS6("OCPU", "LNV", "MSFT", "JP", "BETA0416", "X1"), SUB4("20", 200, "20", 200)},
        BAD("EC25EFAR06A17M4G_OCPU_LNV_MSFT_JP_BETA0416_X1_X2_20.200.20.200"),
        /* editions folded into the groups, on the main too */
        {"EC25EFAR06A17M4G_20V01.200V01.20V01.200V01", F_FULL, "", EC25EFA(6, 17), TAGS0,
         SUB4E("20", 200, "20", 200, 1)},
        /* bytes outside the grammar */
        BAD("EC25EFAR06A17M4G_20.200.20.200\xc3\xa9"),
        BAD("EC25EF\xc3\x84R06A17M4G"),
        BAD("EC25EFAR06A17M4G\x01_20.200.20.200"),
        BAD("EC25EFAR06A17M4G\t_20.200.20.200"),
        BAD("EC25EFAR06A17M4G_20.200.20.200\x7f"),
        BAD("EC25EFAR06A17M4G_20.200.20.200\x1b[0m"),
        /* the prefix is 1*( UPPER | DIGIT ) (§1.3) */
        BAD("EC25-EFAR06A17M4G_20.200.20.200"),
        BAD("EC25.EFAR06A17M4G"),
        /* the prefix split for display: unknown model, short and long rests */
        {"XY99ABCR01A01M4G_01.001.01.001", F_FULL, "", MAIN("XY99ABC", "", "", "", 1, 1, "M4G"),
         TAGS0, SUB4("01", 1, "01", 1)},
        {"EC25R06A17M4G", F_REV, "", MAIN("EC25", "EC25", "", "", 6, 17, "M4G"), TAGS0, SUB0},
        {"EC25ER06A17M4G", F_REV, "", MAIN("EC25E", "EC25", "E", "", 6, 17, "M4G"), TAGS0, SUB0},
        {"EC25ABCDEFGHIJKLMNOPQSR06A17M4G", F_REV, "",
         MAIN("EC25ABCDEFGHIJKLMNOPQS", "EC25", "", "", 6, 17, "M4G"), TAGS0, SUB0},
};

/* Input with non-printable bytes escaped, for messages. */
static const char *show(const char *s)
{
        static char buf[4 * SF_VERSION_MAX_LEN + 64];
        size_t n = 0;

        for (; *s && n + 5 < sizeof(buf); s++) {
                unsigned char c = (unsigned char)*s;
                if (c >= 0x20 && c < 0x7f)
                        buf[n++] = (char)c;
                else
                        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\\x%02x", c);
        }
        buf[n] = '\0';
        return buf;
}

static unsigned bad_str(const struct expect *e, const char *field, const char *want,
                        const char *got)
{
        print_error("\"%s\": %s is \"%s\", expected \"%s\"\n", show(e->in), field, got, want);
        return 1;
}

static unsigned bad_int(const struct expect *e, const char *field, int want, int got)
{
        print_error("\"%s\": %s is %d, expected %d\n", show(e->in), field, got, want);
        return 1;
}

static unsigned check_str(const struct expect *e, const char *field, const char *want,
                          const char *got)
{
        return strcmp(want, got) == 0 ? 0 : bad_str(e, field, want, got);
}

static unsigned check_int(const struct expect *e, const char *field, int want, int got)
{
        return want == got ? 0 : bad_int(e, field, want, got);
}

/* raw is the input trimmed of whitespace; upper is raw in upper case. */
static void trimmed(const char *in, char *raw, char *upper, size_t size)
{
        size_t len;

        while (isspace((unsigned char)*in))
                in++;
        len = strlen(in);
        while (len > 0 && isspace((unsigned char)in[len - 1]))
                len--;
        assert_true(len < size);
        for (size_t i = 0; i < len; i++) {
                raw[i] = in[i];
                upper[i] = (char)toupper((unsigned char)in[i]);
        }
        raw[len] = upper[len] = '\0';
}

static unsigned check_unknown(const struct expect *e, const struct sf_version *v, int rc)
{
        char raw[256], upper[256];
        unsigned n = 0;

        trimmed(e->in, raw, upper, sizeof(raw));
        n += check_int(e, "return", -EBADMSG, rc);
        n += check_str(e, "form", sf_version_form_to_string(SF_VERSION_FORM_UNKNOWN),
                       sf_version_form_to_string(v->form));
        n += check_str(e, "raw", raw, v->raw);
        if (v->error[0] == '\0')
                n += bad_str(e, "error", "(a reason)", "");
        return n;
}

/* Form, raw, canonical and suffix of a version that parses. */
static unsigned check_whole(const struct expect *e, const struct sf_version *v, int rc)
{
        char raw[256], upper[256], joined[sizeof(v->canonical) + sizeof(v->suffix)];
        unsigned n = 0;

        trimmed(e->in, raw, upper, sizeof(raw));
        snprintf(joined, sizeof(joined), "%s%s", v->canonical, v->suffix);
        n += check_int(e, "return", 0, rc);
        n += check_str(e, "form", sf_version_form_to_string(e->form),
                       sf_version_form_to_string(v->form));
        n += check_str(e, "error", "", v->error);
        n += check_str(e, "raw", raw, v->raw);
        n += check_str(e, "canonical+suffix", upper, joined);
        n += check_str(e, "suffix", e->suffix, v->suffix);
        return n;
}

static unsigned check_main(const struct expect *e, const struct sf_version *v)
{
        char want_tr[2] = {e->trailing, '\0'}, got_tr[2] = {v->trailing, '\0'};
        unsigned n = 0;

        n += check_str(e, "prefix", e->prefix, v->prefix);
        n += check_str(e, "model", e->model, v->model);
        n += check_str(e, "region", e->region, v->region);
        n += check_str(e, "variant", e->variant, v->variant);
        n += check_int(e, "baseline", e->baseline, v->baseline);
        n += check_int(e, "release", e->release, v->release);
        n += check_int(e, "edition", e->edition, v->edition);
        n += check_str(e, "memory", e->memory, v->memory);
        n += check_str(e, "trailing", want_tr, got_tr);
        return n;
}

static unsigned check_tags(const struct expect *e, const struct sf_version *v)
{
        unsigned n = check_int(e, "n_tags", (int)e->n_tags, (int)v->n_tags);

        for (unsigned i = 0; i < e->n_tags && i < v->n_tags && i < SF_VERSION_MAX_TAGS; i++)
                n += check_str(e, "tag", e->tags[i], v->tags[i]);
        return n;
}

static unsigned check_sub(const struct expect *e, const struct sf_version *v)
{
        unsigned n = 0;

        n += check_int(e, "n_groups", (int)e->n_groups, (int)v->n_groups);
        n += check_str(e, "modem_main", e->modem_main, v->modem_main);
        n += check_int(e, "modem_minor", e->modem_minor, v->modem_minor);
        n += check_str(e, "ap_main", e->ap_main, v->ap_main);
        n += check_int(e, "ap_minor", e->ap_minor, v->ap_minor);
        n += check_int(e, "sub_edition", e->sub_edition, v->sub_edition);
        return n;
}

/* Parse every row and check every field; all mismatches are printed before the test fails. */
static void run_rows(const struct expect *rows, size_t count)
{
        unsigned failed = 0;

        for (size_t i = 0; i < count; i++) {
                const struct expect *e = &rows[i];
                struct sf_version v;
                unsigned n;
                int rc;

                memset(&v, 0x5a, sizeof(v));
                rc = sf_version_parse(e->in, &v);
                if (e->form == SF_VERSION_FORM_UNKNOWN)
                        n = check_unknown(e, &v, rc);
                else
                        n = check_whole(e, &v, rc) + check_main(e, &v) + check_tags(e, &v) +
                            check_sub(e, &v);
                if (n > 0) {
                        print_error("row %zu \"%s\": %u field(s) differ\n", i, show(e->in), n);
                        failed++;
                }
        }
        if (failed > 0)
                print_error("%u of %zu rows differ\n", failed, count);
        assert_int_equal(failed, 0);
}

static void test_real_versions(void **state)
{
        (void)state;
        run_rows(real_rows, ARRAY_SIZE(real_rows));
}

static void test_reference_vectors(void **state)
{
        (void)state;
        run_rows(vector_rows, ARRAY_SIZE(vector_rows));
}

static void test_edge_cases(void **state)
{
        (void)state;
        run_rows(edge_rows, ARRAY_SIZE(edge_rows));
}

/* NULL, lengths around SF_VERSION_MAX_LEN and SF_VERSION_TAG_MAX. */
static void test_parse_limits(void **state)
{
        static const char letters[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        struct sf_version v, before;
        char s[256];

        (void)state;
        memset(&v, 0x5a, sizeof(v));
        memcpy(&before, &v, sizeof(v));
        assert_int_equal(sf_version_parse(NULL, &v), -EINVAL);
        assert_int_equal(sf_version_parse("EC25EFAR06A17M4G", NULL), -EINVAL);
        assert_memory_equal(&v, &before, sizeof(v));

        /* 127 characters: 18 + 3 * 24 + 23 + 14, four tags of 23, 23, 23 and 22 characters. */
        snprintf(s, sizeof(s), "EC25EUXGAR08A15M1G_%.23s_%.23s_%.23s_%.22s_20.200.20.200", letters,
                 letters, letters, letters);
        assert_int_equal(strlen(s), SF_VERSION_MAX_LEN);
        assert_int_equal(sf_version_parse(s, &v), 0);
        assert_int_equal(v.form, SF_VERSION_FORM_FULL);
        assert_int_equal(v.n_tags, 4);
        assert_string_equal(v.tags[0], "ABCDEFGHIJKLMNOPQRSTUVW");
        assert_string_equal(v.raw, s);

        /* Surrounding whitespace does not count. */
        snprintf(s, sizeof(s), " \t EC25EUXGAR08A15M1G_%.23s_%.23s_%.23s_%.22s_20.200.20.200\r\n",
                 letters, letters, letters, letters);
        assert_int_equal(sf_version_parse(s, &v), 0);
        assert_int_equal(strlen(v.raw), SF_VERSION_MAX_LEN);

        /* 128 characters: refused, ret untouched. */
        snprintf(s, sizeof(s), "EC25EUXGAR08A15M1G_%.23s_%.23s_%.23s_%.23s_20.200.20.200", letters,
                 letters, letters, letters);
        assert_int_equal(strlen(s), SF_VERSION_MAX_LEN + 1);
        memset(&v, 0x5a, sizeof(v));
        assert_int_equal(sf_version_parse(s, &v), -ENAMETOOLONG);
        assert_memory_equal(&v, &before, sizeof(v));
        memset(s, 'X', 200);
        s[200] = '\0';
        assert_int_equal(sf_version_parse(s, &v), -ENAMETOOLONG);
        assert_memory_equal(&v, &before, sizeof(v));

        /* A tag of SF_VERSION_TAG_MAX characters cannot be stored. */
        snprintf(s, sizeof(s), "EC25EFAR06A17M4G_%.24s_20.200.20.200", letters);
        assert_int_equal(sf_version_parse(s, &v), -EBADMSG);
        assert_int_equal(v.form, SF_VERSION_FORM_UNKNOWN);
        assert_true(v.error[0] != '\0');
}

struct cmp_row {
        const char *a;
        const char *b;
        int rc;  /* 0 or -EDOM */
        int cmp; /* sign of a - b when rc is 0 */
};

static const struct cmp_row cmp_rows[] = {
        /* same line: release, then modem minor, then AP minor, all numeric */
        {"EM12GPAR01A09M4G_01.001.01.001", "EM12GPAR01A10M4G_01.001.01.001", 0, -1},
        {"EC25EFAR06A11M4G_01.001.01.001", "EC25EFAR06A01M4G_01.001.01.001", 0, 1},
        {"RM520NGLAAR01A07M4G_01.203.01.203", "RM520NGLAAR01A08M4G_01.200.01.200", 0, -1},
        {"EP06ALAR02A08M4G_01.009.01.009", "EP06ALAR02A08M4G_01.010.01.010", 0, -1},
        {"EM12GPAR01A21M4G_01.204.01.204", "EM12GPAR01A21M4G_01.300.01.300", 0, -1},
        {"EM12GPAR01A21M4G_01.001.01.001", "EM12GPAR01A21M4G_01.204.01.204", 0, -1},
        {"RM520NGLAAR03A03M4G_04.211.04.211", "RM520NGLAAR03A03M4G_04.220.04.220", 0, -1},
        {"RG255CGLABR01A04M4G_A0.004.A0.004", "RG255CGLABR01A04M4G_A0.300.A0.300", 0, -1},
        {"EC25EFAR06A17M4G_20.200.20.199", "EC25EFAR06A17M4G_20.200.20.200", 0, -1},
        {"EP06ALAR02A08M4G_01.010.01.009", "EP06ALAR02A08M4G_01.010.01.010", 0, -1},
        {"EC25EFAR06A17M4G_20.200.20.200", "EC25EFAR06A17M4G_20.200.20.200", 0, 0},
        {"ec25efar06a17m4g_20.200.20.200.zip", "EC25EFAR06A17M4G_20.200.20.200", 0, 0},
        {"EC25EFAR06A12M4G_OCPU_20.200.20.200_SDK", "EC25EFAR06A12M4G_OCPU_20.200.20.200", 0, 0},
        {"RM500QGLABR11A02M4G", "RM500QGLABR11A06M4G", 0, -1},
        {"EM05GFAR07A03M1G_01.004", "EM05GFAR07A07M1G_01.016.01.016", 0, -1},
        {"EM05GFAR07A07M1G_01.005", "EM05GFAR07A07M1G_01.016.01.016", 0, -1},
        /* beta markers do not make another line */
        {"EC25EFAR06A01M4G_OCPU_BETA0912_01.001.01.001", "EC25EFAR06A01M4G_OCPU_01.001.01.001", 0,
         0},
        {"EG25GGBR07A08M2G_BETA0416", "EG25GGBR07A08M2G", 0, 0},
        {"RM500QGLAAR01A01M4G_BETA_20200428F", "RM500QGLAAR01A02M4G", 0, -1},
        {"EC25EFAR06A17M4G_OCPU_JP_20.200.20.200", "EC25EFAR06A17M4G_JP_OCPU_20.200.20.201", 0, -1},
        /* baselines */
        {"EC25EFAR06A17M4G_01.001.01.001", "EC25EFAR08A01M4G_01.001.01.001", -EDOM, 0},
        {"RM502QGLAAR05A03M4G", "RM502QGLAAR11A02M4G", -EDOM, 0},
        /* prefixes */
        {"EM120RGLAPR02A07M4G_18.018.18.018", "EM160RGLAPR02A07M4G_18.018.18.018", -EDOM, 0},
        {"RM520NGLAAR01A03M4G_01.001.01.001", "RM520NGLAPR01A03M4G_01.001.01.001", -EDOM, 0},
        /* memory codes */
        {"EC25EUXGAR08A09M1G", "EC25EUXGAR08A09M4G", -EDOM, 0},
        {"BG95M3LAR02A03_01.011.01.011", "BG95M3LAR02A03M4G_01.011.01.011", -EDOM, 0},
        /* tag sets */
        {"EG25GGBR07A07M2G_OCPU_30.001.30.001", "EG25GGBR07A07M2G_30.003.30.003", -EDOM, 0},
        {"RG500QEAAAR11A02M4G_OCPU_01.001.01.001", "RG500QEAAAR11A02M4G_01.001.01.001", -EDOM, 0},
        {"EM12GPAR01A09M4G_MSFT_01.001.01.001", "EM12GPAR01A21M4G_01.204.01.204", -EDOM, 0},
        {"EM05CEFCR08A16M1G_LNV", "EM05CEFCR08A17M1G", -EDOM, 0},
        {"RM520NGLAAR03A03M4G_JP_04.206.04.206", "RM520NGLAAR03A03M4G_04.211.04.211", -EDOM, 0},
        /* modem and AP mains */
        {"EC25EFAR06A17M4G_20.200.20.200", "EC25EFAR06A11M4G_01.001.01.001", -EDOM, 0},
        {"RM520NGLAAR01A06M4G_12.001.12.001", "RM520NGLAAR01A06M4G_01.200.01.200", -EDOM, 0},
        {"EG25GGBR07A07M2G_01.003.01.003", "EG25GGBR07A07M2G_30.003.30.003", -EDOM, 0},
        {"EC25EFAR06A17M4G_20.200.20.200", "EC25EFAR06A17M4G_20.200.01.200", -EDOM, 0},
        {"EM05GFAR07A07M1G_01.016.00.000", "EM05GFAR07A07M1G_01.016.01.016", -EDOM, 0},
        /* a part missing on one side */
        {"EC25EFAR06A17M4G", "EC25EFAR06A17M4G_20.200.20.200", -EDOM, 0},
        {"EM061KGLAAR01A02M2G_01.015", "EM061KGLAAR01A02M2G_01.015.01.015", -EDOM, 0},
        /* unknown */
        {"R07A08_A0.301.A0.301", "EG25GGBR07A08M2G_A0.301.A0.301", -EDOM, 0},
        {"EM05GFAR07AM1G", "EM05GFAR07AM1G", -EDOM, 0},
        {"", "", -EDOM, 0},
};

static void parse_any(const char *s, struct sf_version *v)
{
        int rc = sf_version_parse(s, v);

        assert_true(rc == 0 || rc == -EBADMSG);
}

static int sign(int c)
{
        return (c > 0) - (c < 0);
}

/* Compare a with b and b with a; returns 1 (and says why) when either is not as expected. */
static unsigned check_cmp(const struct cmp_row *row)
{
        struct sf_version a, b;
        int c1 = 99, c2 = 99, r1, r2;

        parse_any(row->a, &a);
        parse_any(row->b, &b);
        r1 = sf_version_compare(&a, &b, &c1);
        r2 = sf_version_compare(&b, &a, &c2);
        if (r1 != row->rc || r2 != row->rc ||
            (row->rc == 0 && (sign(c1) != row->cmp || sign(c2) != -row->cmp))) {
                print_error("compare \"%s\" \"%s\": %d/%d, %d/%d; expected %d, %d\n", row->a,
                            row->b, r1, sign(c1), r2, sign(c2), row->rc, row->cmp);
                return 1;
        }
        return 0;
}

static void test_compare(void **state)
{
        struct sf_version v;
        unsigned failed = 0;
        int c;

        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(cmp_rows); i++)
                failed += check_cmp(&cmp_rows[i]);
        assert_int_equal(failed, 0);

        parse_any("EC25EFAR06A17M4G", &v);
        assert_int_equal(sf_version_compare(NULL, &v, &c), -EINVAL);
        assert_int_equal(sf_version_compare(&v, NULL, &c), -EINVAL);
        assert_int_equal(sf_version_compare(&v, &v, NULL), -EINVAL);
}

struct tags_row {
        const char *a;
        const char *b;
        bool same;
};

static const struct tags_row tags_rows[] = {
        {"EC25EFAR06A01M4G_OCPU_BETA0912_01.001.01.001", "EC25EFAR06A01M4G_OCPU_01.001.01.001",
         true},
        {"EG25GGBR07A08M2G_BETA0416", "EG25GGBR07A08M2G", true},
        {"RM500QGLAAR01A01M4G_BETA_20200428F", "RM500QGLAAR01A01M4G_BETA0416", true},
        {"EC25EFAR06A17M4G_OCPU_BETA", "EC25EFAR06A17M4G_OCPU", true},
        {"EC25EFAR06A17M4G_OCPU_JP", "EC25EFAR06A17M4G_JP_OCPU", true},
        {"EC25EFAR06A17M4G", "EC25EFAR06A17M4G", true},
        {"EG25GGBR07A07M2G_OCPU_30.001.30.001", "EG25GGBR07A07M2G_30.003.30.003", false},
        {"EM05CEFCR08A16M1G_LNV", "EM05CEFCR08A16M1G_MSFT", false},
        {"EC25EFAR06A17M4G_OCPU", "EC25EFAR06A17M4G_OCPU_JP", false},
        {"EM05CEFCR08A16M1G_LNV", "EM05CEFCR08A16M1G_BETA0416", false},
};

static void test_same_tags(void **state)
{
        unsigned failed = 0;

        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(tags_rows); i++) {
                const struct tags_row *row = &tags_rows[i];
                struct sf_version a, b;

                parse_any(row->a, &a);
                parse_any(row->b, &b);
                if (sf_version_same_tags(&a, &b) != row->same ||
                    sf_version_same_tags(&b, &a) != row->same) {
                        print_error("same_tags \"%s\" \"%s\": expected %d\n", row->a, row->b,
                                    row->same);
                        failed++;
                }
        }
        assert_int_equal(failed, 0);
}

struct sub_row {
        const char *in;
        size_t size;
        const char *want;
};

static const struct sub_row sub_rows[] = {
        {"EC25EFAR06A17M4G_20.200.20.200", 32, "20.200.20.200"},
        {"EM05GFAR07A03M1G_01.004", 32, "01.004"},
        {"AG590ECNABR01A01M8G_OCPU_01.001.01", 32, "01.001.01"},
        {"EC25EFAR06A17M4G", 32, ""},
        {"EG25GGBR07A08M2G_A0.303.A0.303_2025", 32, "A0.303.A0.303"},
        {"RG500QEAAAR11A02M4G_OCPU_01.001V01.01.001V01", 32, "01.001.01.001"},
        {"EM05GFAR07A07M1G_01.016.00.000", 32, "01.016.00.000"},
        {"em12gpar01a21m4g_01.001.01.001", 32, "01.001.01.001"},
        {"EC25EFAR06A17M4G_20.200.20.200", 14, "20.200.20.200"},
        {"EC25EFAR06A17M4G_20.200.20.200", 6, "20.20"},
        {"EC25EFAR06A17M4G_20.200.20.200", 1, ""},
};

static void test_format_sub(void **state)
{
        struct sf_version v;
        char buf[32];
        unsigned failed = 0;

        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(sub_rows); i++) {
                memset(buf, '#', sizeof(buf));
                parse_any(sub_rows[i].in, &v);
                sf_version_format_sub(&v, buf, sub_rows[i].size);
                if (strcmp(buf, sub_rows[i].want) != 0) {
                        print_error("format_sub \"%s\" (size %zu): \"%s\", expected \"%s\"\n",
                                    sub_rows[i].in, sub_rows[i].size, buf, sub_rows[i].want);
                        failed++;
                }
        }
        assert_int_equal(failed, 0);

        /* size 0: nothing written */
        memset(buf, '#', sizeof(buf));
        parse_any("EC25EFAR06A17M4G_20.200.20.200", &v);
        sf_version_format_sub(&v, buf, 0);
        assert_int_equal(buf[0], '#');
}

static void test_form_to_string(void **state)
{
        static const struct {
                enum sf_version_form form;
                const char *name;
        } rows[] = {
                {SF_VERSION_FORM_UNKNOWN, "unknown"},     {SF_VERSION_FORM_REVISION, "revision"},
                {SF_VERSION_FORM_FULL, "full"},           {SF_VERSION_FORM_TRUNCATED, "truncated"},
                {SF_VERSION_FORM_TRANSIENT, "transient"},
        };
        const char *other;

        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
                assert_string_equal(sf_version_form_to_string(rows[i].form), rows[i].name);
        /* a value outside the enum still names something, and not a real form */
        other = sf_version_form_to_string((enum sf_version_form)99);
        assert_non_null(other);
        for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
                assert_string_not_equal(other, rows[i].name);
}

static void test_tag_is_beta(void **state)
{
        static const struct {
                const char *tag;
                bool beta;
        } rows[] = {
                {"BETA", true},  {"BETA0416", true}, {"BETA0912", true}, {"BETA_20200428F", true},
                {"OCPU", false}, {"LNV", false},     {"MSFT", false},    {"JP", false},
                {"", false},     {"BET", false},     {"XBETA", false},   {NULL, false},
        };

        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
                if (sf_version_tag_is_beta(rows[i].tag) != rows[i].beta)
                        print_error("tag_is_beta \"%s\": expected %d\n",
                                    rows[i].tag ? rows[i].tag : "(null)", rows[i].beta);
                assert_int_equal(sf_version_tag_is_beta(rows[i].tag), rows[i].beta);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_real_versions), cmocka_unit_test(test_reference_vectors),
                cmocka_unit_test(test_edge_cases),    cmocka_unit_test(test_parse_limits),
                cmocka_unit_test(test_compare),       cmocka_unit_test(test_same_tags),
                cmocka_unit_test(test_format_sub),    cmocka_unit_test(test_form_to_string),
                cmocka_unit_test(test_tag_is_beta),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
