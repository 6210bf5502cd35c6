/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The safe update: identify the running module, decide with the policy on its own version
 * (nothing is written on a refusal), back up what cannot be replaced, switch to EDL, flash,
 * wait for the boot, and call it a success only when the module reports the package's
 * version and still has its IMEI. Every step is in the history as it happens. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine/preflight.h"
#include "update/run.h"
#include "util/strutil.h"

const char *sf_update_outcome_to_string(enum sf_update_outcome o)
{
        static const char *const names[] = {"not-started", "refused", "failed", "success"};
        return (unsigned)o < sizeof(names) / sizeof(*names) ? names[o] : "invalid";
}

/* Only a running module can say what it runs. */
static int identify(struct sf_run *r, struct sf_device *dev, struct sf_error *err)
{
        int rc = sf_run_identify(r, dev, err);

        if (rc < 0)
                return rc;
        if (dev->mode != SF_DEVICE_MODE_NORMAL)
                return sf_error_set(err, -ENODEV,
                                    "%s is in %s mode: update needs the running module (it asks "
                                    "it what it runs); see 'safeflash doctor', or 'safeflash "
                                    "recover' for a module stuck in EDL",
                                    dev->name, sf_device_mode_to_string(dev->mode));
        if (!r->res->before.imei_from)
                return sf_error_set(err, -EPERM,
                                    "the module reports no valid IMEI: its EFS may already be "
                                    "damaged; nothing was written (see 'safeflash doctor')");
        return 0;
}

static bool lifted(const sf_report *rep)
{
        for (size_t i = 0; i < sf_report_count(rep); i++)
                if (sf_report_get(rep, i)->overridden)
                        return true;
        return false;
}

/* The policy on the module's own version: 0 allowed, -EPERM refused. */
static int decide(struct sf_run *r, const struct sf_update_options *o, const sf_package *pkg,
                  struct sf_error *err)
{
        struct sf_rules_source src[SF_RULES_MAX_SOURCES];
        const struct sf_version *to = sf_package_version(pkg);
        struct sf_version from;
        sf_rules *own = NULL;
        sf_report *rep = NULL;
        size_t n_src = 0;
        int rc = 0;

        sf_version_parse(r->res->before.version, &from);
        if (!o->rules) {
                rc = sf_rules_new(&own);
                if (rc >= 0)
                        rc = sf_rules_load_standard(own, NULL, 0, src, &n_src, err);
        }
        if (rc >= 0)
                rc = sf_policy_evaluate(&from, to, o->rules ? o->rules : own,
                                        sf_package_requirements(pkg), o->policy_flags, &rep);
        sf_rules_free(own);
        if (rc < 0)
                return err->message[0] ? rc
                                       : sf_error_set(err, rc, "the policy: %s", strerror(-rc));
        if (o->on_verdict)
                o->on_verdict(o->run.userdata, &from, to, pkg, rep);
        if (sf_report_verdict(rep) != SF_VERDICT_ALLOWED)
                rc = sf_error_set(err, -EPERM,
                                  "refused by the policy: %s must not go onto a "
                                  "module running %s",
                                  to->canonical, r->res->before.version);
        else if (lifted(rep) && !o->assume_yes && !(o->confirm && o->confirm(o->run.userdata, rep)))
                rc = sf_error_set(err, -EPERM,
                                  "an override lifts a refusal and it was not confirmed: "
                                  "confirm with --yes");
        sf_report_free(rep);
        return rc;
}

/* Success is the module running the package's version, with its IMEI. */
static int confirm_result(struct sf_run *r, const sf_package *pkg, struct sf_error *err)
{
        const struct sf_version *want = sf_package_version(pkg);
        const struct sf_identity *a = &r->res->after, *b = &r->res->before;
        struct sf_version got;

        sf_version_parse(a->version, &got);
        if (strcmp(got.canonical, want->canonical) != 0)
                return sf_error_set(err, -EIO, "the module runs %s, not the package's %s",
                                    a->version, want->canonical);
        if (!a->imei_from || strcmp(a->imei, b->imei) != 0)
                return sf_error_set(err, -EIO, "the module's IMEI changed from %s to '%s'", b->imei,
                                    a->imei);
        return 0;
}

/* Switch, flash (with the backup first), and wait for the module to run the new firmware. */
static int apply(struct sf_run *r, const struct sf_update_options *o, const sf_package *pkg,
                 const sf_flash_package *verified, const struct sf_device *dev,
                 struct sf_error *err)
{
        struct sf_flash_options fo = {.package = o->package,
                                      .verified = verified,
                                      .imei = r->res->before.imei,
                                      .require_same_layout = !(o->policy_flags & SF_POLICY_FORCE)};
        struct sf_device edl;
        int rc = sf_run_backup_dir(r, r->res->before.imei, err);

        if (rc >= 0)
                rc = sf_run_to_edl(r, dev, &edl, err);
        fo.backup_dir = r->res->backup_dir;
        if (rc >= 0)
                rc = sf_run_flash(r, &fo, &edl, err);
        if (!r->res->flash.backed_up)
                r->res->backup_dir[0] = '\0';
        if (rc >= 0)
                rc = sf_run_wait_boot(r, dev->name, &r->res->after, err);
        /* It had an IMEI and boots without one: its backup goes back, and that is reported. */
        if (rc >= 0 && r->res->before.imei_from && !r->res->after.imei_from)
                rc = sf_run_restore_lost(r, o->package, r->res->backup_dir, err);
        if (rc >= 0)
                rc = confirm_result(r, pkg, err);
        if (rc < 0)
                return rc;
        return sf_history_install_record(r->hist, r->res->session_id, r->res->before.version,
                                         r->res->after.version, sf_package_fingerprint(pkg), err);
}

/* Everything about the package that needs no module, before the module is touched: its
 * version, and the package opened, parsed and verified once (the engine takes it as it is). */
static int preflight(struct sf_run *r, const struct sf_update_options *o, sf_package **pkg,
                     sf_flash_package **verified, struct sf_error *err)
{
        /* A package that cannot say its version is invalid input, as any other (exit 2). */
        int rc = sf_preflight_package_error(sf_package_open(o->package, pkg, err));

        if (rc >= 0)
                rc = sf_flash_package_open(o->package, 0, NULL, NULL, verified, err);
        if (rc >= 0)
                rc = sf_run_check_space(r, *verified, err);
        if (rc < 0)
                sf_run_log(r, SF_LOG_INFO, "the module was not touched");
        return rc;
}

static int update(struct sf_run *r, const struct sf_update_options *o, sf_package **pkg,
                  sf_flash_package **verified, struct sf_error *err)
{
        struct sf_device dev;
        int rc = identify(r, &dev, err);

        if (rc >= 0)
                rc = preflight(r, o, pkg, verified, err);
        if (rc < 0)
                return rc;
        snprintf(r->res->from_version, sizeof(r->res->from_version), "%s", r->res->before.version);
        snprintf(r->res->to_version, sizeof(r->res->to_version), "%s",
                 sf_package_version(*pkg)->canonical);
        /* Every session is recorded as it happens, or it does not happen. */
        rc = sf_run_session_begin(r, SF_HISTORY_KIND_UPDATE, o->package, r->res->before.imei, err);
        if (rc < 0)
                return rc;
        rc = decide(r, o, *pkg, err);
        sf_run_step(r, "policy", rc < 0 ? SF_HISTORY_STEP_FAILED : SF_HISTORY_STEP_DONE,
                    rc < 0 ? err->message : "allowed");
        if (rc >= 0)
                rc = apply(r, o, *pkg, *verified, &dev, err);
        return sf_run_session_end(r, rc, err);
}

int sf_update_run(const struct sf_update_options *o, struct sf_run_result *ret,
                  struct sf_error *err)
{
        struct sf_error local = {0};
        struct sf_run r;
        sf_package *pkg = NULL;
        sf_flash_package *verified = NULL;
        int rc;

        if (!err)
                err = &local;
        if (!o || !o->package || !ret)
                return sf_error_set(err, -EINVAL, "no package given");
        rc = sf_run_begin(&r, &o->run, ret, err);
        if (rc >= 0)
                rc = update(&r, o, &pkg, &verified, err);
        sf_flash_package_free(verified);
        sf_package_free(pkg);
        sf_run_done(&r);
        return rc;
}
