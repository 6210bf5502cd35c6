/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Rules files: every malformation is an error that names the file and the line. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/rules-internal.h"

#define OK_RULE "[forbid a]\nfrom = X*\nto = Y*\nwhy = because\n"

struct bad {
        const char *text;
        const char *where; /* expected "name:line:" prefix of the message */
        const char *says;  /* expected fragment of the message */
};

static const struct bad bad_rows[] = {
        {"from = X*\n", "t.rules:1:", "outside"},
        {"[forbid a]\nfrom = X*\nto = Y*\n", "t.rules:1:", "why"},
        {"[forbid a]\nto = Y*\nwhy = w\n", "t.rules:1:", "from"},
        {"[forbid a]\nfrom = X*\nto = Y*\nwhy = w\nfrom = Z\n", "t.rules:5:", "twice"},
        {"[deny a]\n", "t.rules:1:", "unknown action"},
        {"[forbid]\n", "t.rules:1:", "section header"},
        {"[forbid a\n", "t.rules:1:", "']'"},
        {"[forbid a b]\n", "t.rules:1:", "invalid rule name"},
        {"[forbid -a]\n", "t.rules:1:", "invalid rule name"},
        {OK_RULE "colour = red\n", "t.rules:5:", "unknown key"},
        {OK_RULE "both-ways = maybe\n", "t.rules:5:", "yes or no"},
        {OK_RULE "override = sometimes\n", "t.rules:5:", "force or none"},
        {OK_RULE "lifts = x\n", "t.rules:5:", "allow rules"},
        {OK_RULE "advice =\n", "t.rules:5:", "empty value"},
        {"[allow a]\nfrom = X\nto = Y\nwhy = w\n", "t.rules:1:", "lifts"},
        {"[allow a]\nfrom = X\nto = Y\nwhy = w\noverride = none\n", "t.rules:5:", "forbid rules"},
        {"[allow a]\nfrom = X\nto = Y\nwhy = w\nlifts = ,\n", "t.rules:5:", "empty"},
        {"[allow a]\nfrom = X\nto = Y\nwhy = w\nlifts = b$d\n", "t.rules:5:", "invalid rule id"},
        {"[forbid a]\nfrom = X y\n", "t.rules:2:", "pattern"},
        {"[forbid a]\nfrom = \n", "t.rules:2:", "pattern"},
        {"[forbid a]\nfrom = X;rm -rf\n", "t.rules:2:", "pattern"},
        {OK_RULE OK_RULE, "t.rules:5:", "defined twice"},
        {"\n\n  just words\n", "t.rules:3:", "key = value"},
};

static void test_bad_files(void **state)
{
        (void)state;
        for (size_t i = 0; i < sizeof(bad_rows) / sizeof(*bad_rows); i++) {
                struct sf_error err = {0};
                sf_rules *rules = NULL;
                int r;

                assert_int_equal(sf_rules_new(&rules), 0);
                r = sf_rules_load_buffer(rules, "t.rules", bad_rows[i].text,
                                         strlen(bad_rows[i].text), &err);
                if (r != -EBADMSG ||
                    strncmp(err.message, bad_rows[i].where, strlen(bad_rows[i].where)) != 0 ||
                    !strstr(err.message, bad_rows[i].says))
                        print_error("row %zu: r=%d message '%s'\n", i, r, err.message);
                assert_int_equal(r, -EBADMSG);
                assert_memory_equal(err.message, bad_rows[i].where, strlen(bad_rows[i].where));
                assert_non_null(strstr(err.message, bad_rows[i].says));
                /* Nothing of a malformed file is kept. */
                assert_int_equal(sf_rules_count(rules), 0);
                sf_rules_free(rules);
        }
}

static void test_limits(void **state)
{
        char line[1100];
        struct sf_error err = {0};
        sf_rules *rules = NULL;
        static const char nul[] = "[forbid a]\nfrom = X\0\nto = Y\nwhy = w\n";

        (void)state;
        memset(line, 'a', sizeof(line) - 1);
        line[sizeof(line) - 1] = '\0';
        assert_int_equal(sf_rules_new(&rules), 0);
        assert_int_equal(sf_rules_load_buffer(rules, "long.rules", line, strlen(line), &err),
                         -EBADMSG);
        assert_non_null(strstr(err.message, "long.rules:1: line longer"));
        assert_int_equal(sf_rules_load_buffer(rules, "nul.rules", nul, sizeof(nul) - 1, &err),
                         -EBADMSG);
        assert_non_null(strstr(err.message, "nul.rules:2: NUL"));
        assert_int_equal(sf_rules_load_buffer(rules, "empty.rules", "", 0, &err), 0);
        assert_int_equal(sf_rules_count(rules), 0);
        sf_rules_free(rules);
}

static void test_good_file(void **state)
{
        static const char text[] =
                "# comment\n; another\n\n"
                "[forbid quectel/x-1]\n  from=EC25*R06A* \n to = EC25*R08A*\nboth-ways = yes\n"
                "why = reason here\nadvice = do that\nsource = thread 1\noverride = none\n"
                "[allow site.y_2]\nfrom = A[0-9]?\nto = !B\nlifts = baseline-change, branch-switch "
                " "
                "downgrade\n"
                "why = approved\n";
        sf_rules *rules = NULL;
        const struct sf_rule *r;

        (void)state;
        assert_int_equal(sf_rules_new(&rules), 0);
        assert_int_equal(sf_rules_load_buffer(rules, "g.rules", text, strlen(text), NULL), 0);
        assert_int_equal(sf_rules_count(rules), 2);
        r = &rules->items[0];
        assert_string_equal(r->name, "quectel/x-1");
        assert_int_equal(r->action, SF_RULE_FORBID);
        assert_string_equal(r->from, "EC25*R06A*");
        assert_true(r->both_ways);
        assert_int_equal(r->override, SF_OVERRIDE_NONE);
        assert_string_equal(r->origin, "g.rules:4");
        assert_string_equal(r->reference, "thread 1");
        assert_true(sf_rule_matches(r, "EC25EFAR08A01M4G", "EC25EFAR06A17M4G"));
        assert_false(sf_rule_matches(r, "EC25EFAR06A01M4G", "EC25EFAR06A17M4G"));
        r = &rules->items[1];
        assert_int_equal(r->action, SF_RULE_ALLOW);
        assert_int_equal(r->n_lifts, 3);
        assert_string_equal(r->lifts[2], "downgrade");
        assert_int_equal(r->override, SF_OVERRIDE_FORCE);
        sf_rules_free(rules);
}

/* Files of a directory in name order, only *.rules; a missing directory is empty. */
static void test_dir(void **state)
{
        char dir[] = "/tmp/sf-rules-XXXXXX";
        char path[64];
        FILE *f;
        sf_rules *rules = NULL;
        struct sf_error err = {0};

        (void)state;
        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/20-b.rules", dir);
        f = fopen(path, "w");
        fputs("[forbid x]\nfrom = A\nto = B\nwhy = second\n", f);
        fclose(f);
        snprintf(path, sizeof(path), "%s/10-a.rules", dir);
        f = fopen(path, "w");
        fputs("[forbid x]\nfrom = A\nto = B\nwhy = first\n", f);
        fclose(f);
        snprintf(path, sizeof(path), "%s/readme.txt", dir);
        f = fopen(path, "w");
        fputs("not rules\n", f);
        fclose(f);
        assert_int_equal(sf_rules_new(&rules), 0);
        assert_int_equal(sf_rules_load_dir(rules, dir, &err), 0);
        assert_int_equal(sf_rules_count(rules), 1);
        assert_string_equal(rules->items[0].why, "second");
        assert_int_equal(sf_rules_load_dir(rules, "/nonexistent/safeflash", &err), 0);
        f = fopen(path, "w");
        fclose(f);
        snprintf(path, sizeof(path), "%s/30-bad.rules", dir);
        f = fopen(path, "w");
        fputs("[forbid y]\nfrom = A\n", f);
        fclose(f);
        assert_int_equal(sf_rules_load_dir(rules, dir, &err), -EBADMSG);
        assert_non_null(strstr(err.message, "30-bad.rules:1:"));
        assert_int_equal(sf_rules_load_file(rules, "/nonexistent.rules", &err), -ENOENT);
        assert_non_null(strstr(err.message, "/nonexistent.rules"));
        sf_rules_free(rules);
        for (const char *n = "10-a.rules\0"
                             "20-b.rules\0"
                             "30-bad.rules\0"
                             "readme.txt\0";
             *n; n += strlen(n) + 1) {
                snprintf(path, sizeof(path), "%s/%s", dir, n);
                unlink(path);
        }
        rmdir(dir);
}

/* The database shipped in data/ parses. */
static void test_shipped_database(void **state)
{
        const char *dir = getenv("SAFEFLASH_SOURCE_DATA");
        char path[1024];
        sf_rules *rules = NULL;
        struct sf_error err = {0};

        (void)state;
        if (!dir)
                skip();
        snprintf(path, sizeof(path), "%s/rules", dir);
        assert_int_equal(sf_rules_new(&rules), 0);
        if (sf_rules_load_dir(rules, path, &err) < 0)
                print_error("%s\n", err.message);
        assert_true(sf_rules_count(rules) >= 1);
        sf_rules_free(rules);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_bad_files),        cmocka_unit_test(test_limits),
                cmocka_unit_test(test_good_file),        cmocka_unit_test(test_dir),
                cmocka_unit_test(test_shipped_database),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
