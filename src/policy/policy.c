/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The update policy: built-in structural rules, rules files, package requirements, overrides. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/requires-internal.h"
#include "policy/rules-internal.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#define REPORT_MAX_FINDINGS 256

struct owned_finding {
        struct sf_finding pub;
        char *rule_id, *source, *message, *advice, *lifted_by;
};

struct sf_report {
        enum sf_verdict verdict;
        unsigned needed;
        size_t n;
        struct owned_finding items[REPORT_MAX_FINDINGS];
        int oom; /* a finding could not be recorded: the evaluation fails */
};

static const char builtin[] = "built-in";

/* Record a finding; message and advice are taken over (freed here). */
static struct owned_finding *add(sf_report *rep, const char *rule_id, const char *source,
                                 enum sf_severity sev, enum sf_override ovr, char *message,
                                 char *advice)
{
        struct owned_finding *f;

        if (rep->n == REPORT_MAX_FINDINGS || !message) {
                free(message);
                free(advice);
                rep->oom = rep->n == REPORT_MAX_FINDINGS ? -E2BIG : -ENOMEM;
                return NULL;
        }
        f = &rep->items[rep->n];
        *f = (struct owned_finding){.message = message, .advice = advice};
        f->rule_id = strdup(rule_id);
        f->source = strdup(source);
        if (!f->rule_id || !f->source) {
                free(f->rule_id);
                free(f->source);
                free(message);
                free(advice);
                rep->oom = -ENOMEM;
                return NULL;
        }
        f->pub.severity = sev;
        f->pub.override = ovr;
        rep->n++;
        return f;
}

/* The shape of acceptable targets on the installed version's line, in Quectel's own notation:
 * EC25EFAR06A17M4G_20.200.20.200 gives EC25EFAR06AxxM4G_20.2xx.20.2xx. */
static void target_pattern(const struct sf_version *v, char *buf, size_t size)
{
        char tags[64] = "";
        size_t tl = 0;

        for (unsigned i = 0; i < v->n_tags; i++)
                if (!sf_version_tag_is_beta(v->tags[i]) && tl < sizeof(tags))
                        tl += (size_t)snprintf(tags + tl, sizeof(tags) - tl, "_%s", v->tags[i]);
        if (v->n_groups >= 4)
                snprintf(buf, size, "%sR%02dAxx%s%s_%s.%dxx.%s.%dxx", v->prefix, v->baseline,
                         v->memory, tags, v->modem_main, v->modem_minor / 100, v->ap_main,
                         v->ap_minor / 100);
        else if (v->n_groups >= 2)
                snprintf(buf, size, "%sR%02dAxx%s%s_%s.%dxx…", v->prefix, v->baseline, v->memory,
                         tags, v->modem_main, v->modem_minor / 100);
        else
                snprintf(buf, size, "%sR%02dAxx%s%s", v->prefix, v->baseline, v->memory, tags);
}

static char *stay_advice(const struct sf_version *from)
{
        char pat[160];

        target_pattern(from, pat, sizeof(pat));
        return sf_asprintf("choose a package of the installed line: %s (same baseline R%02d and "
                           "branch, release A%02d or later)",
                           pat, from->baseline, from->release);
}

static void check_unknown(sf_report *rep, const struct sf_version *v, const char *what)
{
        if (v->form == SF_VERSION_FORM_UNKNOWN)
                add(rep, "unknown-version", builtin, SF_SEVERITY_BLOCK, SF_OVERRIDE_FORCE,
                    sf_asprintf("the %s version '%s' cannot be decoded: %s", what, v->raw,
                                v->error),
                    sf_asprintf("check the %s version; safeflash never installs across a version "
                                "it cannot decode unless --force is given",
                                what));
}

static void check_incomplete(sf_report *rep, const struct sf_version *v, const char *what)
{
        char sub[32];

        sf_version_format_sub(v, sub, sizeof(sub));
        if (v->form == SF_VERSION_FORM_TRANSIENT)
                add(rep, "transient-version", builtin, SF_SEVERITY_BLOCK, SF_OVERRIDE_FORCE,
                    sf_asprintf("the %s version '%s' is a transient reading (AP part 00.000): the "
                                "module had not finished starting",
                                what, v->raw),
                    sf_asprintf("read the version again (AT+QGMR) once the module has started"));
        else if (v->form == SF_VERSION_FORM_TRUNCATED)
                add(rep, "truncated-version", builtin, SF_SEVERITY_BLOCK, SF_OVERRIDE_FORCE,
                    sf_asprintf("the %s version '%s' has a truncated sub-version (%s): the branch "
                                "cannot be checked in full",
                                what, v->raw, sub),
                    sf_asprintf("use the full version as AT+QGMR prints it "
                                "(main_modem.minor.ap.minor)"));
}

static void check_hardware(sf_report *rep, const struct sf_version *from,
                           const struct sf_version *to)
{
        if (strcmp(from->prefix, to->prefix) != 0)
                add(rep, "prefix-mismatch", builtin, SF_SEVERITY_BLOCK, SF_OVERRIDE_FORCE,
                    sf_asprintf("the package is for other hardware: model/region/variant %s, the "
                                "module is %s",
                                to->prefix, from->prefix),
                    sf_asprintf("use firmware built for %s (versions starting %sR%02d)",
                                from->prefix, from->prefix, from->baseline));
        if (strcmp(from->memory, to->memory) != 0)
                add(rep, "memory-mismatch", builtin, SF_SEVERITY_BLOCK, SF_OVERRIDE_FORCE,
                    sf_asprintf("the package is for another memory configuration: %s, the module "
                                "has %s",
                                *to->memory ? to->memory : "(none)",
                                *from->memory ? from->memory : "(none)"),
                    sf_asprintf("use firmware with memory code %s",
                                *from->memory ? from->memory : "(none)"));
        if (!sf_version_same_tags(from, to))
                add(rep, "tag-change", builtin, SF_SEVERITY_BLOCK, SF_OVERRIDE_FORCE,
                    sf_asprintf("the package is of another OEM/market line (tags differ: '%s' "
                                "installed, '%s' in the package)",
                                from->canonical, to->canonical),
                    stay_advice(from));
}

static void check_baseline(sf_report *rep, const struct sf_version *from,
                           const struct sf_version *to)
{
        if (from->baseline == to->baseline)
                return;
        add(rep, "baseline-change", builtin, SF_SEVERITY_BLOCK, SF_OVERRIDE_FORCE,
            sf_asprintf("the baseline changes R%02d → R%02d: firmware of different baselines is "
                        "not interchangeable (new bootloaders and partition layout; a module "
                        "can be left in EDL 9008)",
                        from->baseline, to->baseline),
            stay_advice(from));
}

static void check_branch(sf_report *rep, const struct sf_version *from, const struct sf_version *to)
{
        char a[32], b[32];

        if (from->n_groups == 0 || to->n_groups == 0) {
                add(rep, "branch-unknown", builtin, SF_SEVERITY_BLOCK, SF_OVERRIDE_FORCE,
                    sf_asprintf("the sub-version branch cannot be checked: the %s version has no "
                                "sub-version",
                                from->n_groups == 0 ? "installed" : "package"),
                    sf_asprintf("compare full versions (as AT+QGMR prints them, "
                                "e.g. %s_20.200.20.200)",
                                from->n_groups == 0 ? from->canonical : to->canonical));
                return;
        }
        bool modem_same = strcmp(from->modem_main, to->modem_main) == 0;
        /* A transient reading's AP part (00.000) says nothing about the branch. */
        bool ap_known = from->n_groups >= 3 && to->n_groups >= 3 &&
                        from->form != SF_VERSION_FORM_TRANSIENT &&
                        to->form != SF_VERSION_FORM_TRANSIENT;

        if (modem_same && (!ap_known || strcmp(from->ap_main, to->ap_main) == 0))
                return;
        sf_version_format_sub(from, a, sizeof(a));
        sf_version_format_sub(to, b, sizeof(b));
        add(rep, "branch-switch", builtin, SF_SEVERITY_BLOCK, SF_OVERRIDE_ALLOW_BRANCH_SWITCH,
            sf_asprintf("the sub-version branch changes %s → %s (%s main %s → %s): a "
                        "customer/OEM branch is not an upgrade path",
                        a, b, modem_same ? "AP" : "modem",
                        modem_same ? from->ap_main : from->modem_main,
                        modem_same ? to->ap_main : to->modem_main),
            stay_advice(from));
}

/* Release and minors, on the same line only. */
static void check_order(sf_report *rep, const struct sf_version *from, const struct sf_version *to)
{
        char a[32], b[32];
        int cmp;

        sf_version_format_sub(from, a, sizeof(a));
        sf_version_format_sub(to, b, sizeof(b));
        if (to->release < from->release) {
                add(rep, "downgrade", builtin, SF_SEVERITY_BLOCK, SF_OVERRIDE_ALLOW_OLDER,
                    sf_asprintf("the release goes down A%02d → A%02d (%s → %s)", from->release,
                                to->release, from->canonical, to->canonical),
                    sf_asprintf("choose release A%02d or later; downgrades can leave the module "
                                "without IMEI or stuck (anti-rollback); --allow-older if the "
                                "vendor told you to",
                                from->release));
                return;
        }
        if (sf_version_compare(from, to, &cmp) < 0)
                return; /* another branch: reported by check_branch() */
        if (cmp > 0)
                add(rep, "downgrade", builtin, SF_SEVERITY_BLOCK, SF_OVERRIDE_ALLOW_OLDER,
                    sf_asprintf("the sub-version goes down %s → %s (release A%02d)", a, b,
                                to->release),
                    sf_asprintf("choose sub-version %s or later; --allow-older if the vendor "
                                "told you to",
                                a));
        else if (cmp == 0 && strcmp(from->canonical, to->canonical) == 0)
                add(rep, "same-version", builtin, SF_SEVERITY_BLOCK, SF_OVERRIDE_ALLOW_REINSTALL,
                    sf_asprintf("%s is already installed", to->canonical),
                    sf_asprintf("nothing to do; --allow-reinstall to write it again"));
        else if (cmp < 0)
                add(rep, "upgrade", builtin, SF_SEVERITY_INFO, SF_OVERRIDE_NONE,
                    sf_asprintf("an upgrade on the same line: A%02d → A%02d, %s → %s",
                                from->release, to->release, a, b),
                    NULL);
}

static void check_oddities(sf_report *rep, const struct sf_version *to)
{
        for (unsigned i = 0; i < to->n_tags; i++)
                if (sf_version_tag_is_beta(to->tags[i]))
                        add(rep, "beta-firmware", builtin, SF_SEVERITY_WARNING, SF_OVERRIDE_NONE,
                            sf_asprintf("the package is a beta build (%s)", to->tags[i]), NULL);
        if (to->trailing)
                add(rep, "odd-version", builtin, SF_SEVERITY_WARNING, SF_OVERRIDE_NONE,
                    sf_asprintf("the package version has an unusual letter '%c' after the memory "
                                "code",
                                to->trailing),
                    NULL);
}

static void check_builtin(sf_report *rep, const struct sf_version *from,
                          const struct sf_version *to)
{
        check_unknown(rep, from, "installed");
        check_unknown(rep, to, "package");
        if (from->form == SF_VERSION_FORM_UNKNOWN || to->form == SF_VERSION_FORM_UNKNOWN)
                return;
        check_incomplete(rep, from, "installed");
        check_incomplete(rep, to, "package");
        check_hardware(rep, from, to);
        check_baseline(rep, from, to);
        check_branch(rep, from, to);
        if (strcmp(from->prefix, to->prefix) == 0 && from->baseline == to->baseline &&
            strcmp(from->memory, to->memory) == 0 && sf_version_same_tags(from, to))
                check_order(rep, from, to);
        check_oddities(rep, to);
}

static void apply_forbid_rules(sf_report *rep, const sf_rules *rules, const struct sf_version *from,
                               const struct sf_version *to)
{
        for (size_t i = 0; rules && i < rules->n; i++) {
                const struct sf_rule *r = &rules->items[i];
                if (r->action != SF_RULE_FORBID ||
                    !sf_rule_matches(r, from->canonical, to->canonical))
                        continue;
                add(rep, r->name, r->origin, SF_SEVERITY_BLOCK, r->override,
                    sf_asprintf("%s (%s → %s%s%s)", r->why, from->canonical, to->canonical,
                                r->reference ? "; source: " : "", r->reference ? r->reference : ""),
                    r->advice ? strdup(r->advice) : NULL);
        }
}

static void lift(struct owned_finding *f, const char *by)
{
        if (f->pub.severity != SF_SEVERITY_BLOCK || f->pub.overridden ||
            f->pub.override == SF_OVERRIDE_NONE)
                return;
        f->lifted_by = strdup(by);
        f->pub.overridden = f->lifted_by != NULL;
}

static void apply_allow_rules(sf_report *rep, const sf_rules *rules, const struct sf_version *from,
                              const struct sf_version *to)
{
        for (size_t i = 0; rules && i < rules->n; i++) {
                const struct sf_rule *r = &rules->items[i];
                _cleanup_free_ char *by = NULL;
                if (r->action != SF_RULE_ALLOW ||
                    !sf_rule_matches(r, from->canonical, to->canonical))
                        continue;
                by = sf_asprintf("allow rule %s (%s)", r->name, r->origin);
                if (!by) {
                        rep->oom = -ENOMEM;
                        return;
                }
                for (size_t j = 0; j < rep->n; j++)
                        for (unsigned k = 0; k < r->n_lifts; k++)
                                if (strcmp(rep->items[j].rule_id, r->lifts[k]) == 0 &&
                                    strcmp(r->lifts[k], "unknown-version") != 0)
                                        lift(&rep->items[j], by);
        }
}

static void apply_requirements(sf_report *rep, const sf_requirements *reqs,
                               const struct sf_version *from)
{
        for (size_t i = 0; reqs && i < reqs->n; i++) {
                const struct sf_requirement *q = &reqs->items[i];
                char why[256];
                int ok;

                if (q->kind == SF_REQUIREMENT_NOT_APPLICABLE) {
                        add(rep, "package-requirement", "package", SF_SEVERITY_INFO,
                            SF_OVERRIDE_NONE,
                            sf_asprintf("requirement %s concerns another tool; not checked",
                                        q->description),
                            NULL);
                        continue;
                }
                if (q->kind == SF_REQUIREMENT_UNSUPPORTED) {
                        add(rep, "package-requirement", "package", SF_SEVERITY_BLOCK,
                            SF_OVERRIDE_FORCE,
                            sf_asprintf("the package requires %s, which safeflash cannot check",
                                        q->description),
                            sf_asprintf("check the requirement by hand; --force to go on"));
                        continue;
                }
                ok = sf_requirement_check(q, from, why, sizeof(why));
                if (ok < 0)
                        rep->oom = ok;
                else if (!ok)
                        add(rep, "package-requirement", "package", SF_SEVERITY_BLOCK,
                            SF_OVERRIDE_FORCE,
                            sf_asprintf("the package requires the installed firmware to match %s; "
                                        "installed is %s%s%s",
                                        q->description, from->canonical, *why ? ": " : "", why),
                            sf_asprintf("install a version the package accepts first, or use a "
                                        "package made for %s",
                                        from->canonical));
        }
}

static const struct {
        unsigned flag;
        enum sf_override override;
        const char *name;
} flag_table[] = {
        {SF_POLICY_ALLOW_OLDER, SF_OVERRIDE_ALLOW_OLDER, "--allow-older"},
        {SF_POLICY_ALLOW_BRANCH_SWITCH, SF_OVERRIDE_ALLOW_BRANCH_SWITCH, "--allow-branch-switch"},
        {SF_POLICY_ALLOW_REINSTALL, SF_OVERRIDE_ALLOW_REINSTALL, "--allow-reinstall"},
        {SF_POLICY_FORCE, SF_OVERRIDE_FORCE, "--force"},
};

static unsigned flag_for(enum sf_override o)
{
        for (size_t i = 0; i < sizeof(flag_table) / sizeof(*flag_table); i++)
                if (flag_table[i].override == o)
                        return flag_table[i].flag;
        return 0;
}

static const char *flag_name(unsigned flag)
{
        for (size_t i = 0; i < sizeof(flag_table) / sizeof(*flag_table); i++)
                if (flag_table[i].flag == flag)
                        return flag_table[i].name;
        return "?";
}

/* Flags lift findings; --force lifts every finding that any flag could lift. */
static void apply_flags(sf_report *rep, unsigned flags)
{
        for (size_t j = 0; j < rep->n; j++) {
                struct owned_finding *f = &rep->items[j];
                unsigned own = flag_for(f->pub.override);
                if (own && (flags & own))
                        lift(f, flag_name(own));
                else if (own && (flags & SF_POLICY_FORCE))
                        lift(f, flag_name(SF_POLICY_FORCE));
        }
}

static void decide(sf_report *rep)
{
        bool hard = false, soft = false;

        for (size_t j = 0; j < rep->n; j++) {
                struct owned_finding *f = &rep->items[j];
                f->pub.rule_id = f->rule_id;
                f->pub.source = f->source;
                f->pub.message = f->message;
                f->pub.advice = f->advice;
                f->pub.lifted_by = f->lifted_by;
                if (f->pub.severity != SF_SEVERITY_BLOCK || f->pub.overridden)
                        continue;
                if (f->pub.override == SF_OVERRIDE_NONE)
                        hard = true;
                else
                        soft = true;
                rep->needed |= flag_for(f->pub.override);
        }
        rep->verdict = hard   ? SF_VERDICT_REFUSED
                       : soft ? SF_VERDICT_NEEDS_OVERRIDE
                              : SF_VERDICT_ALLOWED;
}

int sf_policy_evaluate(const struct sf_version *from, const struct sf_version *to,
                       const sf_rules *rules, const sf_requirements *reqs, unsigned flags,
                       sf_report **ret)
{
        sf_report *rep;
        int r;

        if (!from || !to || !ret)
                return -EINVAL;
        rep = calloc(1, sizeof(*rep));
        if (!rep)
                return -ENOMEM;
        check_builtin(rep, from, to);
        apply_forbid_rules(rep, rules, from, to);
        apply_requirements(rep, reqs, from);
        apply_allow_rules(rep, rules, from, to);
        apply_flags(rep, flags);
        decide(rep);
        r = rep->oom;
        if (r < 0) {
                sf_report_free(rep);
                return r;
        }
        *ret = rep;
        return 0;
}

void sf_report_free(sf_report *rep)
{
        if (!rep)
                return;
        for (size_t i = 0; i < rep->n; i++) {
                struct owned_finding *f = &rep->items[i];
                free(f->rule_id);
                free(f->source);
                free(f->message);
                free(f->advice);
                free(f->lifted_by);
        }
        free(rep);
}

enum sf_verdict sf_report_verdict(const sf_report *rep)
{
        return rep ? rep->verdict : SF_VERDICT_REFUSED;
}

size_t sf_report_count(const sf_report *rep)
{
        return rep ? rep->n : 0;
}

const struct sf_finding *sf_report_get(const sf_report *rep, size_t i)
{
        return rep && i < rep->n ? &rep->items[i].pub : NULL;
}

unsigned sf_report_needed_overrides(const sf_report *rep)
{
        return rep ? rep->needed : 0;
}

const struct sf_finding *sf_report_find(const sf_report *rep, const char *rule_id)
{
        for (size_t i = 0; rep && rule_id && i < rep->n; i++)
                if (strcmp(rep->items[i].rule_id, rule_id) == 0)
                        return &rep->items[i].pub;
        return NULL;
}

const char *sf_verdict_to_string(enum sf_verdict v)
{
        switch (v) {
        case SF_VERDICT_ALLOWED:
                return "allowed";
        case SF_VERDICT_NEEDS_OVERRIDE:
                return "needs-override";
        case SF_VERDICT_REFUSED:
                return "refused";
        }
        return "invalid";
}

const char *sf_severity_to_string(enum sf_severity s)
{
        switch (s) {
        case SF_SEVERITY_INFO:
                return "info";
        case SF_SEVERITY_WARNING:
                return "warning";
        case SF_SEVERITY_BLOCK:
                return "block";
        }
        return "invalid";
}

const char *sf_override_to_string(enum sf_override o)
{
        switch (o) {
        case SF_OVERRIDE_NONE:
                return "none";
        case SF_OVERRIDE_FORCE:
                return "force";
        case SF_OVERRIDE_ALLOW_OLDER:
                return "allow-older";
        case SF_OVERRIDE_ALLOW_BRANCH_SWITCH:
                return "allow-branch-switch";
        case SF_OVERRIDE_ALLOW_REINSTALL:
                return "allow-reinstall";
        }
        return "invalid";
}
