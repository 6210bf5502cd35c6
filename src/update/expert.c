/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The expert path ("safeflash flash"): a package written onto a module already in EDL, with
 * what keeps it safe all the same. The package is checked before the module is touched; the
 * module's EFS is backed up (verified, in the history) unless the caller says not to; and the
 * run is a success only when the module comes back running the package's firmware with the
 * IMEI it had (restored from the backup when it boots without it). Without the wait, the
 * result says the boot was not checked, never success. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "update/run.h"
#include "util/strutil.h"

/* The IMEI the history knows for this chip ("" when none). */
static void known_imei(struct sf_run *r, const struct sf_identity *id, char imei[16])
{
        sf_history_report *rep = NULL;
        char key[16];

        imei[0] = '\0';
        if (!id->has_chip)
                return;
        snprintf(key, sizeof(key), "0x%08x", id->chip_serial);
        if (sf_history_module_report(r->hist, key, &rep, NULL) == 0 &&
            sf_history_report_n_modules(rep) && sf_history_report_module(rep, 0)->imei)
                snprintf(imei, 16, "%s", sf_history_report_module(rep, 0)->imei);
        sf_history_report_free(rep);
}

/* The module in EDL (identified in Sahara command mode when it answers: its chip finds its
 * history). A module that cannot be identified before is identified by the engine. */
static int find_edl(struct sf_run *r, struct sf_device *dev, struct sf_error *err)
{
        /* Over a serial node the boot ROM says HELLO once: it is left for the engine. */
        bool tty = r->o->device && r->o->device[0] == '/';
        int rc = tty ? sf_device_find(r->o->device, dev, err) : sf_run_identify(r, dev, err);

        if (rc >= 0 && tty)
                rc = sf_run_lock_device(r, dev, err);

        if (rc < 0 && rc != -ENODEV && rc != -ENOTUNIQ) {
                sf_run_log(r, SF_LOG_WARNING, "%s: going on without it", err->message);
                rc = sf_device_find(r->o->device, dev, err);
        }
        if (rc < 0)
                return rc;
        if (dev->mode != SF_DEVICE_MODE_EDL)
                return sf_error_set(err, -ENODEV,
                                    "%s is in %s mode: 'safeflash flash' writes a module in EDL "
                                    "(05c6:9008); 'safeflash update' installs firmware on a "
                                    "running module; see 'safeflash doctor'",
                                    dev->name, sf_device_mode_to_string(dev->mode));
        known_imei(r, &r->res->before, r->expect_imei);
        if (r->expect_imei[0])
                snprintf(r->res->before.imei, sizeof(r->res->before.imei), "%s", r->expect_imei);
        return 0;
}

/* Success is the package's version running, with the IMEI the module had; one that lost it
 * gets its backup back. */
static int confirm(struct sf_run *r, const sf_package *pkg, const char *path,
                   struct sf_error *err)
{
        const struct sf_version *want = pkg ? sf_package_version(pkg) : NULL;
        const char *had = r->expect_imei;
        struct sf_version got;
        int rc = 0;

        if (had[0] && !r->res->after.imei_from)
                rc = sf_run_restore_lost(r, path, r->res->backup_dir, err);
        if (rc < 0)
                return rc;
        sf_version_parse(r->res->after.version, &got);
        if (!want)
                sf_run_log(r, SF_LOG_WARNING,
                           "the package names no version: the module boots %s, but whether "
                           "that is the package's firmware could not be checked",
                           r->res->after.version);
        else if (strcmp(got.canonical, want->canonical) != 0)
                return sf_error_set(err, -EIO, "the module runs %s, not the package's %s",
                                    r->res->after.version, want->canonical);
        if (had[0] && (!r->res->after.imei_from || strcmp(r->res->after.imei, had) != 0))
                return sf_error_set(err, -EIO, "the module's IMEI changed from %s to '%s'", had,
                                    r->res->after.imei);
        return 0;
}

/* flash --plan: what would be written, per partition; nothing is written and the module is not
 * waited for (it is reset unless no_reset: it runs what it ran). */
static int plan(struct sf_run *r, struct sf_flash_options *fo, const struct sf_device *dev,
                const sf_flash_package *verified, const struct sf_expert_options *o,
                struct sf_error *err)
{
        int rc;

        fo->verified = verified;
        fo->backup_dir = NULL;
        fo->imei = NULL;
        fo->device = o->run.device && o->run.device[0] == '/' ? o->run.device : NULL;
        rc = sf_run_flash(r, fo, dev, err);
        r->res->backup_dir[0] = '\0';
        return sf_run_session_end(r, rc, err);
}

static int expert(struct sf_run *r, const struct sf_expert_options *o, sf_package **pkg,
                  sf_flash_package **verified, struct sf_error *err)
{
        struct sf_flash_options fo = o->flash;
        unsigned flags = (fo.no_verify ? SF_FLASH_PACKAGE_NO_VERIFY : 0) |
                         (fo.allow_factory ? SF_FLASH_PACKAGE_ALLOW_FACTORY : 0);
        const char *label;
        struct sf_device dev;
        int rc;

        /* Everything that needs no module, before the module is touched; the version only
         * serves to recognise the firmware when the module boots. */
        rc = sf_flash_package_open(fo.package, flags, NULL, NULL, verified, err);
        if (rc >= 0 && !o->no_backup && !fo.plan_only)
                rc = sf_run_check_space(r, *verified, err);
        if (rc >= 0 && sf_package_open(fo.package, pkg, NULL) < 0)
                *pkg = NULL;
        if (rc >= 0)
                rc = find_edl(r, &dev, err);
        if (rc < 0)
                return rc;
        if (*pkg)
                snprintf(r->res->to_version, sizeof(r->res->to_version), "%s",
                         sf_package_version(*pkg)->canonical);
        if (fo.plan_only) /* nothing written: no backup, no session in the history */
                return plan(r, &fo, &dev, *verified, o, err);
        label = r->expect_imei[0] ? r->expect_imei : "module";
        rc = sf_run_session_begin(r, SF_HISTORY_KIND_FLASH, fo.package, label, err);
        if (rc >= 0 && !o->no_backup && !fo.backup_dir)
                rc = sf_run_backup_dir(r, label, err);
        if (rc < 0)
                return sf_run_session_end(r, rc, err);
        if (!o->no_backup && !fo.backup_dir)
                fo.backup_dir = r->res->backup_dir;
        if (o->no_backup)
                sf_run_log(r, SF_LOG_WARNING,
                           "no backup of the module's EFS (IMEI, calibration) is made: asked not "
                           "to");
        fo.verified = *verified;
        /* In EDL the module cannot say its IMEI: the backup's manifest claims none (a copy of
         * whatever its EFS holds now, not one known to carry the IMEI). */
        fo.imei = NULL;
        fo.device = o->run.device && o->run.device[0] == '/' ? o->run.device : NULL;
        rc = sf_run_flash(r, &fo, &dev, err);
        if (!r->res->flash.backed_up)
                r->res->backup_dir[0] = '\0';
        else if (fo.backup_dir != r->res->backup_dir)
                snprintf(r->res->backup_dir, sizeof(r->res->backup_dir), "%s", fo.backup_dir);
        if (rc >= 0 && !o->no_wait && !fo.no_reset) {
                rc = sf_run_wait_boot(r, dev.name, &r->res->after, err);
                r->res->boot_checked = rc >= 0;
                if (rc >= 0)
                        rc = confirm(r, *pkg, fo.package, err);
                if (rc >= 0)
                        rc = sf_history_install_record(r->hist, r->res->session_id, NULL,
                                                       r->res->after.version,
                                                       *pkg ? sf_package_fingerprint(*pkg) : NULL,
                                                       err);
        }
        return sf_run_session_end(r, rc, err);
}

int sf_expert_flash_run(const struct sf_expert_options *o, struct sf_run_result *ret,
                        struct sf_error *err)
{
        struct sf_error local = {0};
        struct sf_run r;
        sf_package *pkg = NULL;
        sf_flash_package *verified = NULL;
        int rc;

        if (!err)
                err = &local;
        if (!o || !o->flash.package || !ret)
                return sf_error_set(err, -EINVAL, "no package given");
        rc = sf_run_begin(&r, &o->run, ret, err);
        if (rc >= 0)
                rc = expert(&r, o, &pkg, &verified, err);
        sf_flash_package_free(verified);
        sf_package_free(pkg);
        sf_run_done(&r);
        return rc;
}
