/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Backup and restore of what cannot be replaced (EFS2: IMEI, RF calibration). A restore goes
 * only onto the module the backup came from, unless forced. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "update/run.h"
#include "util/cleanup.h"
#include "util/strutil.h"

/* IMEI if known, else the chip serial: how a module's files are named. */
static void module_label(const struct sf_identity *id, char *buf, size_t size)
{
        if (id->imei_from)
                snprintf(buf, size, "%s", id->imei);
        else if (id->has_chip)
                snprintf(buf, size, "0x%08x", id->chip_serial);
        else
                snprintf(buf, size, "module");
}

static int usable(const struct sf_device *dev, struct sf_error *err)
{
        if (dev->mode == SF_DEVICE_MODE_NORMAL || dev->mode == SF_DEVICE_MODE_EDL)
                return 0;
        return sf_error_set(err, -ENODEV,
                            "%s is in %s mode: it needs to run its firmware or wait in EDL "
                            "(see 'safeflash doctor')",
                            dev->name, sf_device_mode_to_string(dev->mode));
}

/* A module that ran before is expected to run again, with the same IMEI. */
static int back_again(struct sf_run *r, const struct sf_device *dev, struct sf_error *err)
{
        const struct sf_identity *b = &r->res->before;
        int rc;

        if (dev->mode != SF_DEVICE_MODE_NORMAL)
                return 0;
        rc = sf_run_wait_boot(r, dev->name, &r->res->after, err);
        if (rc < 0)
                return rc;
        if (b->imei_from && (!r->res->after.imei_from || strcmp(b->imei, r->res->after.imei)))
                return sf_error_set(err, -EIO, "the module's IMEI changed from %s to '%s'", b->imei,
                                    r->res->after.imei);
        return 0;
}

static int backup(struct sf_run *r, const char *package, struct sf_error *err)
{
        struct sf_flash_options fo = {.package = package, .action = SF_FLASH_ACTION_BACKUP};
        struct sf_device dev, edl;
        char label[32];
        int rc = sf_run_identify(r, &dev, err);

        if (rc >= 0)
                rc = usable(&dev, err);
        if (rc < 0)
                return rc;
        module_label(&r->res->before, label, sizeof(label));
        snprintf(r->res->from_version, sizeof(r->res->from_version), "%s", r->res->before.version);
        rc = sf_run_session_begin(r, SF_HISTORY_KIND_BACKUP, package, label, err);
        if (rc >= 0)
                rc = sf_run_backup_dir(r, label, err);
        fo.backup_dir = r->res->backup_dir;
        fo.imei = r->res->before.imei_from ? r->res->before.imei : NULL;
        if (rc >= 0)
                rc = sf_run_to_edl(r, &dev, &edl, err);
        if (rc >= 0)
                rc = sf_run_flash(r, &fo, &edl, err);
        if (!r->res->flash.backed_up)
                r->res->backup_dir[0] = '\0';
        if (rc >= 0)
                rc = back_again(r, &dev, err);
        return sf_run_session_end(r, rc, err);
}

int sf_backup_run(const struct sf_run_options *o, const char *package, struct sf_run_result *ret,
                  struct sf_error *err)
{
        struct sf_error local = {0};
        struct sf_run r;
        int rc;

        if (!err)
                err = &local;
        if (!o || !package || !ret)
                return sf_error_set(err, -EINVAL, "a backup needs a package for its programmer");
        rc = sf_run_begin(&r, o, ret, err);
        if (rc >= 0)
                rc = backup(&r, package, err);
        sf_run_done(&r);
        return rc;
}

static int restore(struct sf_run *r, const char *backup_dir, const char *package, bool force,
                   struct sf_error *err)
{
        struct sf_flash_options fo = {.package = package,
                                      .action = SF_FLASH_ACTION_RESTORE,
                                      .restore_dir = backup_dir,
                                      .force_restore = force};
        struct sf_device dev, edl;
        char imei[16], label[32];
        int rc = sf_run_manifest_imei(backup_dir, imei) < 0
                         ? sf_error_set(err, -EINVAL,
                                        "%s: not a safeflash backup (no readable "
                                        "manifest.json)",
                                        backup_dir)
                         : 0;

        if (rc >= 0)
                rc = sf_run_identify(r, &dev, err);
        if (rc >= 0)
                rc = usable(&dev, err);
        if (rc < 0)
                return rc;
        if (imei[0] && r->res->before.imei_from && strcmp(imei, r->res->before.imei) && !force)
                return sf_error_set(err, -EPERM,
                                    "the backup belongs to IMEI %s, this module is %s: writing "
                                    "another module's IMEI and calibration would clone it "
                                    "(--force to do it anyway); nothing was written",
                                    imei, r->res->before.imei);
        module_label(&r->res->before, label, sizeof(label));
        rc = sf_run_session_begin(r, SF_HISTORY_KIND_RESTORE, backup_dir, label, err);
        if (rc >= 0)
                rc = sf_run_to_edl(r, &dev, &edl, err);
        if (rc >= 0)
                rc = sf_run_flash(r, &fo, &edl, err);
        if (rc >= 0 && dev.mode == SF_DEVICE_MODE_NORMAL) {
                rc = sf_run_wait_boot(r, dev.name, &r->res->after, err);
                if (rc >= 0 && imei[0] && strcmp(r->res->after.imei, imei) != 0)
                        rc = sf_error_set(err, -EIO,
                                          "after the restore the module reports IMEI '%s', not "
                                          "the backup's %s",
                                          r->res->after.imei, imei);
        }
        return sf_run_session_end(r, rc, err);
}

int sf_restore_run(const struct sf_run_options *o, const char *backup, const char *package,
                   bool force, struct sf_run_result *ret, struct sf_error *err)
{
        struct sf_error local = {0};
        struct sf_run r;
        int rc;

        if (!err)
                err = &local;
        if (!o || !backup || !package || !ret)
                return sf_error_set(err, -EINVAL, "a restore needs a backup and a package");
        rc = sf_run_begin(&r, o, ret, err);
        if (rc >= 0)
                rc = restore(&r, backup, package, force, err);
        sf_run_done(&r);
        return rc;
}
