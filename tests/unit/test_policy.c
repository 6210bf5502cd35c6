/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The policy engine: one table row per rule and override, plus rules files and requirements. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "policy/requires-internal.h"
#include "safeflash/policy.h"

#define V_R06A17 "EC25EFAR06A17M4G_20.200.20.200"
#define V_R08A01 "EC25EFAR08A01M4G_01.001.01.001"

struct row {
        const char *from, *to;
        unsigned flags;
        enum sf_verdict verdict;
        const char *must_have; /* a rule id that must be among the findings ("" none) */
        const char *must_not_have;
        unsigned needed; /* sf_report_needed_overrides() when the verdict is NEEDS_OVERRIDE */
};

static const struct row rows[] = {
        /* The user story: refused in both directions, allowed within R06 branch 20. */
        {V_R06A17, V_R08A01, 0, SF_VERDICT_NEEDS_OVERRIDE, "baseline-change", "",
         SF_POLICY_FORCE | SF_POLICY_ALLOW_BRANCH_SWITCH},
        {V_R06A17, V_R08A01, 0, SF_VERDICT_NEEDS_OVERRIDE, "branch-switch", "upgrade",
         SF_POLICY_FORCE | SF_POLICY_ALLOW_BRANCH_SWITCH},
        {V_R08A01, V_R06A17, 0, SF_VERDICT_NEEDS_OVERRIDE, "baseline-change", "",
         SF_POLICY_FORCE | SF_POLICY_ALLOW_BRANCH_SWITCH},
        {V_R06A17, V_R08A01, SF_POLICY_ALLOW_OLDER | SF_POLICY_ALLOW_BRANCH_SWITCH,
         SF_VERDICT_NEEDS_OVERRIDE, "baseline-change", "", SF_POLICY_FORCE},
        {V_R06A17, V_R08A01, SF_POLICY_FORCE, SF_VERDICT_ALLOWED, "baseline-change", "", 0},
        {V_R06A17, "EC25EFAR06A19M4G_20.201.20.201", 0, SF_VERDICT_ALLOWED, "upgrade", "downgrade",
         0},
        {V_R06A17, "EC25EFAR06A17M4G_20.201.20.201", 0, SF_VERDICT_ALLOWED, "upgrade", "", 0},
        /* Downgrades on the same line. */
        {V_R06A17, "EC25EFAR06A12M4G_20.200.20.200", 0, SF_VERDICT_NEEDS_OVERRIDE, "downgrade",
         "upgrade", SF_POLICY_ALLOW_OLDER},
        {V_R06A17, "EC25EFAR06A12M4G_20.200.20.200", SF_POLICY_ALLOW_OLDER, SF_VERDICT_ALLOWED,
         "downgrade", "", 0},
        {"EC25EFAR06A17M4G_20.201.20.201", V_R06A17, 0, SF_VERDICT_NEEDS_OVERRIDE, "downgrade", "",
         SF_POLICY_ALLOW_OLDER},
        {"EC25EFAR06A17M4G_20.200.20.201", V_R06A17, 0, SF_VERDICT_NEEDS_OVERRIDE, "downgrade", "",
         SF_POLICY_ALLOW_OLDER},
        {V_R06A17, "EC25EFAR06A12M4G_20.200.20.200", SF_POLICY_FORCE, SF_VERDICT_ALLOWED,
         "downgrade", "", 0},
        /* Reinstall. */
        {V_R06A17, V_R06A17, 0, SF_VERDICT_NEEDS_OVERRIDE, "same-version", "",
         SF_POLICY_ALLOW_REINSTALL},
        {V_R06A17, V_R06A17, SF_POLICY_ALLOW_REINSTALL, SF_VERDICT_ALLOWED, "same-version", "", 0},
        {V_R06A17, "ec25efar06a17m4g_20.200.20.200_2025", 0, SF_VERDICT_NEEDS_OVERRIDE,
         "same-version", "", SF_POLICY_ALLOW_REINSTALL},
        /* Branch switches (main numbers). */
        {"EG25GGBR07A08M2G_01.003.01.003", "EG25GGBR07A08M2G_30.006.30.006", 0,
         SF_VERDICT_NEEDS_OVERRIDE, "branch-switch", "", SF_POLICY_ALLOW_BRANCH_SWITCH},
        {"EG25GGBR07A08M2G_01.003.01.003", "EG25GGBR07A08M2G_30.006.30.006",
         SF_POLICY_ALLOW_BRANCH_SWITCH, SF_VERDICT_ALLOWED, "branch-switch", "", 0},
        {"EG25GGBR07A08M2G_30.203.30.203", "EG25GGBR07A08M2G_A0.301.A0.301", 0,
         SF_VERDICT_NEEDS_OVERRIDE, "branch-switch", "", SF_POLICY_ALLOW_BRANCH_SWITCH},
        {"RM520NGLAAR01A06M4G_12.001.12.001", "RM520NGLAAR01A07M4G_01.201.01.201", 0,
         SF_VERDICT_NEEDS_OVERRIDE, "branch-switch", "", SF_POLICY_ALLOW_BRANCH_SWITCH},
        {"RG255CGLABR01A04M4G_A0.004.A0.004", "RG255CGLABR01A04M4G_A0.300.A0.300", 0,
         SF_VERDICT_ALLOWED, "upgrade", "branch-switch", 0},
        /* Hardware: prefix, memory, OEM tags. */
        {"EC25AFAR05A07M4G_30.003.30.003", "EC25EFAR06A11M4G_01.001.01.001", 0,
         SF_VERDICT_NEEDS_OVERRIDE, "prefix-mismatch", "",
         SF_POLICY_FORCE | SF_POLICY_ALLOW_BRANCH_SWITCH},
        {"EC25EUXGAR08A09M1G_20.200.20.200", "EC25EUXGAR08A15M4G_20.200.20.200", 0,
         SF_VERDICT_NEEDS_OVERRIDE, "memory-mismatch", "", SF_POLICY_FORCE},
        {"EG25GGBR07A07M2G_30.003.30.003", "EG25GGBR07A07M2G_OCPU_30.003.30.003", 0,
         SF_VERDICT_NEEDS_OVERRIDE, "tag-change", "", SF_POLICY_FORCE},
        {"EM12GPAR01A09M4G_MSFT_01.001.01.001", "EM12GPAR01A21M4G_01.204.01.204", 0,
         SF_VERDICT_NEEDS_OVERRIDE, "tag-change", "", SF_POLICY_FORCE},
        {"EM05GFAR07A07M1G_01.016.01.016", "EM05GFAR10A02M1G_01.001.01.001", 0,
         SF_VERDICT_NEEDS_OVERRIDE, "baseline-change", "", SF_POLICY_FORCE},
        /* Unknown, transient, truncated, revision-only. */
        {"EM05GFAR07AM1G", V_R06A17, 0, SF_VERDICT_NEEDS_OVERRIDE, "unknown-version", "",
         SF_POLICY_FORCE},
        {V_R06A17, "garbage", 0, SF_VERDICT_NEEDS_OVERRIDE, "unknown-version", "", SF_POLICY_FORCE},
        {V_R06A17, "garbage", SF_POLICY_FORCE, SF_VERDICT_ALLOWED, "unknown-version", "", 0},
        {"EM05GFAR07A07M1G_01.016.00.000", "EM05GFAR07A07M1G_01.017.01.017", 0,
         SF_VERDICT_NEEDS_OVERRIDE, "transient-version", "", SF_POLICY_FORCE},
        {"EM05GFAR07A03M1G_01.004", "EM05GFAR07A07M1G_01.016.01.016", 0, SF_VERDICT_NEEDS_OVERRIDE,
         "truncated-version", "", SF_POLICY_FORCE},
        {"EC20EQAR02A04E2G", "EC20EQAR02A13E2G", 0, SF_VERDICT_NEEDS_OVERRIDE, "branch-unknown", "",
         SF_POLICY_FORCE},
        {"EC25EFAR06A08M4G", "EC25EFAR06A11M4G_01.001.01.001", 0, SF_VERDICT_NEEDS_OVERRIDE,
         "branch-unknown", "", SF_POLICY_FORCE},
        {"EC25EFAR06A17M4G_20.200.01.200", "EC25EFAR06A19M4G_20.201.20.201", 0,
         SF_VERDICT_NEEDS_OVERRIDE, "branch-switch", "", SF_POLICY_ALLOW_BRANCH_SWITCH},
        /* The families whose names now decode (issue 10): the same rules hold for them. */
        {"EM060KGLAAR01A11M2G_01.200.01.200", "EM060KGLAAR01A12M2G_01.200.01.200", 0,
         SF_VERDICT_ALLOWED, "upgrade", "prefix-mismatch", 0},
        {"EM060KGLAAR01A12M2G_01.200.01.200", "EM061KGLAAR01A12M2G_01.200.01.200", 0,
         SF_VERDICT_NEEDS_OVERRIDE, "prefix-mismatch", "", SF_POLICY_FORCE},
        {"BG96MAR02A07M1G_01.018.01.018", "BG96MAR02A08M1G_01.012.01.012", 0, SF_VERDICT_ALLOWED,
         "upgrade", "", 0},
        {"EG06ELAR04A20M4G_01.001.01.001", "EG06ELAR04A04M4G_01.001.01.001", 0,
         SF_VERDICT_NEEDS_OVERRIDE, "downgrade", "", SF_POLICY_ALLOW_OLDER},
        {"EG912UGLAAR03A09M08_01.200.01.200", "EG912UGLAAR03A14M08_01.200.01.200", 0,
         SF_VERDICT_ALLOWED, "upgrade", "", 0},
        {"EG912UGLAAR03A14M08_01.200.01.200", "EG912UGLAAR05A01M08_01.200.01.200", 0,
         SF_VERDICT_NEEDS_OVERRIDE, "baseline-change", "", SF_POLICY_FORCE},
        /* Warnings do not refuse. */
        {"RM520NGLAAR03A01M4G_01.202.01.202", "RM520NGLAAR03A02M4GA_01.203.01.203", 0,
         SF_VERDICT_ALLOWED, "odd-version", "", 0},
        {"EG25GGBR07A07M2G_01.003.01.003", "EG25GGBR07A08M2G_BETA0416_01.004.01.004", 0,
         SF_VERDICT_ALLOWED, "beta-firmware", "", 0},
};

static void test_table(void **state)
{
        (void)state;
        for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
                const struct row *r = &rows[i];
                struct sf_version from, to;
                sf_report *rep = NULL;
                bool ok;

                sf_version_parse(r->from, &from);
                sf_version_parse(r->to, &to);
                assert_int_equal(sf_policy_evaluate(&from, &to, NULL, NULL, r->flags, &rep), 0);
                ok = sf_report_verdict(rep) == r->verdict &&
                     (!*r->must_have || sf_report_find(rep, r->must_have)) &&
                     (!*r->must_not_have || !sf_report_find(rep, r->must_not_have)) &&
                     (r->verdict != SF_VERDICT_NEEDS_OVERRIDE ||
                      sf_report_needed_overrides(rep) == r->needed);
                if (!ok) {
                        print_error("row %zu: %s -> %s flags %#x: verdict %s, needed %#x\n", i,
                                    r->from, r->to, r->flags,
                                    sf_verdict_to_string(sf_report_verdict(rep)),
                                    sf_report_needed_overrides(rep));
                        for (size_t k = 0; k < sf_report_count(rep); k++)
                                print_error("  %s: %s\n", sf_report_get(rep, k)->rule_id,
                                            sf_report_get(rep, k)->message);
                }
                sf_report_free(rep);
                assert_true(ok);
        }
}

static sf_report *eval(const char *from, const char *to, const sf_rules *rules,
                       const sf_requirements *reqs, unsigned flags)
{
        struct sf_version f, t;
        sf_report *rep = NULL;

        sf_version_parse(from, &f);
        sf_version_parse(to, &t);
        assert_int_equal(sf_policy_evaluate(&f, &t, rules, reqs, flags, &rep), 0);
        return rep;
}

/* The explanation a user sees for the story names both baselines and the acceptable target. */
static void test_story_explanation(void **state)
{
        sf_report *rep = eval(V_R06A17, V_R08A01, NULL, NULL, 0);
        const struct sf_finding *f = sf_report_find(rep, "baseline-change");

        (void)state;
        assert_non_null(f);
        assert_int_equal(f->severity, SF_SEVERITY_BLOCK);
        assert_false(f->overridden);
        assert_non_null(strstr(f->message, "R06"));
        assert_non_null(strstr(f->message, "R08"));
        assert_non_null(f->advice);
        assert_non_null(strstr(f->advice, "EC25EFAR06AxxM4G_20.2xx.20.2xx"));
        f = sf_report_find(rep, "branch-switch");
        assert_non_null(strstr(f->message, "modem main 20 → 01"));
        sf_report_free(rep);
}

static const char story_rules[] = "# the database entry, as shipped\n"
                                  "[forbid quectel/ec25-r06-r08]\n"
                                  "from = EC25*R06A*\n"
                                  "to = EC25*R08A*\n"
                                  "both-ways = yes\n"
                                  "why = R06 and R08 may not be flashed over each other\n"
                                  "advice = stay on R06: EC25EFAR06AxxM4G_20.2xx.20.2xx\n"
                                  "source = Quectel forum thread 44652\n";

static void test_rules_forbid_both_ways(void **state)
{
        sf_rules *rules = NULL;
        sf_report *rep;
        const struct sf_finding *f;

        (void)state;
        assert_int_equal(sf_rules_new(&rules), 0);
        assert_int_equal(
                sf_rules_load_buffer(rules, "db.rules", story_rules, strlen(story_rules), NULL), 0);
        rep = eval(V_R08A01, V_R06A17, rules, NULL,
                   SF_POLICY_ALLOW_OLDER | SF_POLICY_ALLOW_BRANCH_SWITCH);
        f = sf_report_find(rep, "quectel/ec25-r06-r08");
        assert_non_null(f);
        assert_string_equal(f->source, "db.rules:2");
        assert_non_null(strstr(f->message, "44652"));
        assert_int_equal(sf_report_verdict(rep), SF_VERDICT_NEEDS_OVERRIDE);
        assert_int_equal(sf_report_needed_overrides(rep), SF_POLICY_FORCE);
        sf_report_free(rep);
        /* Not matching: another model. */
        rep = eval("EG25GGBR06A01M2G_01.001.01.001", "EG25GGBR08A01M2G_01.001.01.001", rules, NULL,
                   0);
        assert_null(sf_report_find(rep, "quectel/ec25-r06-r08"));
        sf_report_free(rep);
        sf_rules_free(rules);
}

/* A site rule with override = none cannot be lifted, not even by --force or an allow rule. */
static void test_site_forbid_absolute(void **state)
{
        static const char site[] =
                "[forbid site/no-a19]\nfrom = EC25EFAR06A17*\nto = EC25EFAR06A19*\n"
                "why = A19 breaks our VoLTE profile\noverride = none\n"
                "[allow user/try-a19]\nfrom = *\nto = *\nlifts = site/no-a19\nwhy = testing\n";
        sf_rules *rules = NULL;
        sf_report *rep;

        (void)state;
        assert_int_equal(sf_rules_new(&rules), 0);
        assert_int_equal(sf_rules_load_buffer(rules, "site.rules", site, strlen(site), NULL), 0);
        rep = eval(V_R06A17, "EC25EFAR06A19M4G_20.201.20.201", rules, NULL, SF_POLICY_FORCE);
        assert_int_equal(sf_report_verdict(rep), SF_VERDICT_REFUSED);
        assert_false(sf_report_find(rep, "site/no-a19")->overridden);
        sf_report_free(rep);
        sf_rules_free(rules);
}

/* A site allow rule lifts a built-in refusal it names, and only that one. */
static void test_site_allow_lifts(void **state)
{
        static const char site[] =
                "[allow site/eg25-to-30]\nfrom = EG25GGBR07A08M2G_01.*\nto = "
                "EG25GGBR07A08M2G_30.*\n"
                "lifts = branch-switch\nwhy = vendor-approved move to our customer branch\n";
        sf_rules *rules = NULL;
        sf_report *rep;
        const struct sf_finding *f;

        (void)state;
        assert_int_equal(sf_rules_new(&rules), 0);
        assert_int_equal(sf_rules_load_buffer(rules, "site.rules", site, strlen(site), NULL), 0);
        rep = eval("EG25GGBR07A08M2G_01.003.01.003", "EG25GGBR07A08M2G_30.006.30.006", rules, NULL,
                   0);
        assert_int_equal(sf_report_verdict(rep), SF_VERDICT_ALLOWED);
        f = sf_report_find(rep, "branch-switch");
        assert_true(f->overridden);
        assert_non_null(strstr(f->lifted_by, "site/eg25-to-30"));
        sf_report_free(rep);
        /* The reverse direction is not covered by the rule. */
        rep = eval("EG25GGBR07A08M2G_30.006.30.006", "EG25GGBR07A08M2G_01.003.01.003", rules, NULL,
                   0);
        assert_int_equal(sf_report_verdict(rep), SF_VERDICT_NEEDS_OVERRIDE);
        sf_report_free(rep);
        /* It does not lift a downgrade on the same path. */
        rep = eval("EG25GGBR07A08M2G_01.003.01.003", "EG25GGBR07A07M2G_30.006.30.006", rules, NULL,
                   0);
        assert_int_equal(sf_report_verdict(rep), SF_VERDICT_NEEDS_OVERRIDE);
        assert_false(sf_report_find(rep, "downgrade")->overridden);
        sf_report_free(rep);
        sf_rules_free(rules);
}

/* A later rule with the same name replaces the earlier one (site overrides the database). */
static void test_rule_replaced_by_name(void **state)
{
        static const char site[] = "[allow quectel/ec25-r06-r08]\nfrom = NOTHING\nto = "
                                   "NOTHING\nlifts = x\nwhy = disabled here\n";
        sf_rules *rules = NULL;
        sf_report *rep;

        (void)state;
        assert_int_equal(sf_rules_new(&rules), 0);
        assert_int_equal(
                sf_rules_load_buffer(rules, "db.rules", story_rules, strlen(story_rules), NULL), 0);
        assert_int_equal(sf_rules_load_buffer(rules, "site.rules", site, strlen(site), NULL), 0);
        assert_int_equal(sf_rules_count(rules), 1);
        rep = eval(V_R06A17, V_R08A01, rules, NULL, 0);
        assert_null(sf_report_find(rep, "quectel/ec25-r06-r08"));
        assert_non_null(sf_report_find(rep, "baseline-change"));
        sf_report_free(rep);
        sf_rules_free(rules);
}

struct req_row {
        const char *installed;
        enum sf_compare cmp;
        const char *version;
        bool met;
};

static const struct req_row req_rows[] = {
        {V_R06A17, SF_COMPARE_EQ, V_R06A17, true},
        {V_R06A17, SF_COMPARE_EQ, V_R08A01, false},
        {V_R06A17, SF_COMPARE_NE, V_R08A01, true},
        {V_R06A17, SF_COMPARE_GE, "EC25EFAR06A12M4G_20.200.20.200", true},
        {V_R06A17, SF_COMPARE_GE, "EC25EFAR06A18M4G_20.200.20.200", false},
        {V_R06A17, SF_COMPARE_LT, "EC25EFAR06A18M4G_20.200.20.200", true},
        {V_R06A17, SF_COMPARE_LE, V_R06A17, true},
        {V_R06A17, SF_COMPARE_GT, V_R06A17, false},
        /* Lexically R08 > R06, but they are of different lines: not met, whatever the op. */
        {V_R06A17, SF_COMPARE_LT, V_R08A01, false},
        {V_R06A17, SF_COMPARE_GE, "not-a-version", false},
        {V_R06A17, SF_COMPARE_GLOB, "EC25EFAR06A*M4G_20.2*", true},
        {V_R06A17, SF_COMPARE_GLOB, "EC25EFAR08A*", false},
        {V_R06A17, SF_COMPARE_REGEX, "^EC25EFAR06A[0-9]{2}M4G_20\\.2[0-9]{2}\\.20\\.2[0-9]{2}$",
         true},
        {V_R08A01, SF_COMPARE_REGEX, "^EC25EFAR06A[0-9]{2}M4G_20\\.2[0-9]{2}\\.20\\.2[0-9]{2}$",
         false},
        {V_R06A17, SF_COMPARE_REGEX, "([", false},
        {V_R06A17, SF_COMPARE_REGEX, "^(E)C25\\1*", false}, /* back-reference: refused */
        /* stacked repetitions (found by fuzz_metainfo: gigabytes in glibc's regcomp) */
        {V_R06A17, SF_COMPARE_REGEX, "^EC25EFAR06A1+++++++++++++++++++7", false},
        /* a repetition of a repetition of a repetition: 16 million parts once expanded */
        {V_R06A17, SF_COMPARE_REGEX, "^(((EC25){255}){255}){255}", false},
        {V_R06A17, SF_COMPARE_REGEX, "^(EC25|EG25)EFAR0[68]A1[0-9]?M4G_", true},
        {V_R06A17, SF_COMPARE_REGEX, "^[[:upper:]]{2}25[]A-Z]+06", true},
};

/* The pattern's measure: what glibc would build, bounded before regcomp sees it. */
static void test_regex_measure(void **state)
{
        static const struct {
                const char *pattern;
                int want; /* >0: accepted (its size need not be exact: >0 is enough), else errno */
        } pats[] = {
                {"^EC25EFAR06A[0-9]{2}M4G_20\\.2[0-9]{2}\\.20\\.2[0-9]{2}$", 1},
                {"a{255}", 1},
                {"(ab){10,20}|c*", 1},
                {"[]a]*", 1},
                {"[^]a]+", 1},
                {"[[:alpha:]]?", 1},
                {"0++", -EBADMSG},
                {"a*{2}", -EBADMSG},
                {"*a", -EBADMSG},
                {"(*a)", -EBADMSG},
                {"a|*", -EBADMSG},
                {"a{256}", -EBADMSG},
                {"a{2,x}", -EBADMSG},
                {"a{}", -EBADMSG},
                {"(a", -EBADMSG},
                {"a)", -EBADMSG},
                {"[a", -EBADMSG},
                {"[[:alpha]", -EBADMSG},
                {"a\\", -EBADMSG},
                {"(a)\\1", -EBADMSG},
                {"((a{100}){100})", -E2BIG},
                {"(((((((((((((((((a)))))))))))))))))", -E2BIG},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(pats) / sizeof(*pats); i++) {
                int r = sf_regex_measure(pats[i].pattern);

                if (pats[i].want > 0 ? r <= 0 : r != pats[i].want)
                        print_error("pattern %s: %d\n", pats[i].pattern, r);
                if (pats[i].want > 0)
                        assert_true(r > 0);
                else
                        assert_int_equal(r, pats[i].want);
        }
        {
                char longp[600];

                memset(longp, 'a', sizeof(longp) - 1);
                longp[sizeof(longp) - 1] = '\0';
                assert_int_equal(sf_regex_measure(longp), -E2BIG);
        }
}

static void test_requirements(void **state)
{
        (void)state;
        for (size_t i = 0; i < sizeof(req_rows) / sizeof(*req_rows); i++) {
                const struct req_row *q = &req_rows[i];
                sf_requirements *reqs = NULL;
                sf_report *rep;
                const struct sf_finding *f;

                assert_int_equal(sf_requirements_new(&reqs), 0);
                assert_int_equal(sf_requirements_add(reqs, SF_REQUIREMENT_FIRMWARE, q->cmp,
                                                     q->version, "req"),
                                 0);
                /* Evaluate against a reinstall allowed, so the requirement decides alone. */
                rep = eval(q->installed, q->installed, NULL, reqs, SF_POLICY_ALLOW_REINSTALL);
                f = sf_report_find(rep, "package-requirement");
                if ((f == NULL) != q->met)
                        print_error("requirement row %zu: %s %s %s\n", i, q->installed,
                                    sf_compare_to_string(q->cmp), q->version);
                assert_true((f == NULL) == q->met);
                assert_int_equal(sf_report_verdict(rep),
                                 q->met ? SF_VERDICT_ALLOWED : SF_VERDICT_NEEDS_OVERRIDE);
                sf_report_free(rep);
                sf_requirements_free(reqs);
        }
}

static void test_requirement_kinds(void **state)
{
        sf_requirements *reqs = NULL;
        sf_report *rep;

        (void)state;
        assert_int_equal(sf_requirements_new(&reqs), 0);
        assert_int_equal(sf_requirements_add(reqs, SF_REQUIREMENT_NOT_APPLICABLE, SF_COMPARE_GE,
                                             "2.0.7", "<id>fwupd</id>"),
                         0);
        rep = eval(V_R06A17, "EC25EFAR06A19M4G_20.201.20.201", NULL, reqs, 0);
        assert_int_equal(sf_report_verdict(rep), SF_VERDICT_ALLOWED);
        sf_report_free(rep);
        assert_int_equal(sf_requirements_add(reqs, SF_REQUIREMENT_UNSUPPORTED, SF_COMPARE_GE, "1.0",
                                             "bootloader"),
                         0);
        rep = eval(V_R06A17, "EC25EFAR06A19M4G_20.201.20.201", NULL, reqs, 0);
        assert_int_equal(sf_report_verdict(rep), SF_VERDICT_NEEDS_OVERRIDE);
        sf_report_free(rep);
        assert_int_equal(sf_requirements_add(reqs, SF_REQUIREMENT_FIRMWARE, SF_COMPARE_EQ, "", "x"),
                         -EINVAL);
        sf_requirements_free(reqs);
}

static void test_to_string(void **state)
{
        (void)state;
        assert_string_equal(sf_verdict_to_string(SF_VERDICT_ALLOWED), "allowed");
        assert_string_equal(sf_verdict_to_string(SF_VERDICT_NEEDS_OVERRIDE), "needs-override");
        assert_string_equal(sf_verdict_to_string(SF_VERDICT_REFUSED), "refused");
        assert_string_equal(sf_severity_to_string(SF_SEVERITY_BLOCK), "block");
        assert_string_equal(sf_override_to_string(SF_OVERRIDE_ALLOW_BRANCH_SWITCH),
                            "allow-branch-switch");
        for (int c = SF_COMPARE_EQ; c <= SF_COMPARE_REGEX; c++) {
                enum sf_compare back;
                assert_int_equal(
                        sf_compare_from_string(sf_compare_to_string((enum sf_compare)c), &back), 0);
                assert_int_equal(back, c);
        }
        assert_int_equal(sf_compare_from_string("approx", &(enum sf_compare){0}), -EBADMSG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_table),
                cmocka_unit_test(test_story_explanation),
                cmocka_unit_test(test_rules_forbid_both_ways),
                cmocka_unit_test(test_site_forbid_absolute),
                cmocka_unit_test(test_site_allow_lifts),
                cmocka_unit_test(test_rule_replaced_by_name),
                cmocka_unit_test(test_requirements),
                cmocka_unit_test(test_requirement_kinds),
                cmocka_unit_test(test_regex_measure),
                cmocka_unit_test(test_to_string),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
