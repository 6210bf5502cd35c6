/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Bring back a module stuck in EDL: the firmware it last ran well (from the history, found in
 * a library of packages), flashed after a backup of whatever EFS2 remains, then its IMEI and
 * calibration restored from its latest verified backup if it boots without them. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "update/run.h"
#include "util/cleanup.h"
#include "util/strutil.h"

/* How long a reset programmer's module takes to come back (it re-enumerates). */
#define RESTART_TIMEOUT_MS 30000
/* How long zeros go to a programmer left inside a <program> (its image's rest at USB and
 * NAND speed: hundreds of MB). */
#define UNSTICK_TIMEOUT_MS 60000

struct recovery {
        struct sf_device dev;
        char key[16]; /* the chip serial, as the history keys it */
        char last_good[128];
        char imei[16]; /* the IMEI the history knows for this chip, "" when none */
        char package[SF_UPDATE_PATH_MAX];
        char backup[SF_UPDATE_PATH_MAX]; /* latest verified backup on disk, "" when none */
        bool no_command_mode;            /* the boot ROM refuses Sahara command mode */
        bool reset_done;                 /* a programmer left running was reset */
        const sf_package *pkg;           /* the package chosen, once open */
};

static void sleep_ms(int ms)
{
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
        nanosleep(&ts, NULL);
}

/* A programmer left running (a flash that stopped) hides the chip from Sahara: probed, reset,
 * and the module taken as it comes back (the boot ROM again, or its firmware). */
static int restart_programmer(struct sf_run *r, struct recovery *rc, struct sf_error *err)
{
        char name[32];
        int e;

        snprintf(name, sizeof(name), "%s", rc->dev.name);
        sf_run_log(r, SF_LOG_INFO,
                   "%s: a Firehose programmer is still running; resetting it so that the boot "
                   "ROM can identify the chip",
                   name);
        e = sf_device_reset_programmer(&rc->dev, err);
        if (e < 0)
                return e;
        /* Until it answers as a boot ROM (identified) or as running firmware. */
        e = -ETIMEDOUT;
        for (int t = 0; t < RESTART_TIMEOUT_MS && e < 0; t += 200) {
                struct sf_identity id;
                sleep_ms(200);
                if (sf_device_find(name, &rc->dev, NULL) < 0 ||
                    (rc->dev.mode != SF_DEVICE_MODE_NORMAL && rc->dev.mode != SF_DEVICE_MODE_EDL) ||
                    (rc->dev.mode == SF_DEVICE_MODE_NORMAL && !rc->dev.at_port[0]) ||
                    sf_device_identify(&rc->dev, &id, NULL) < 0 || id.firehose_running)
                        continue;
                r->res->before = id;
                e = 0;
        }
        if (e < 0)
                return sf_error_set(err, e,
                                    "%s did not come back from the programmer's reset within "
                                    "%d s: power-cycle it and run 'safeflash doctor'",
                                    name, RESTART_TIMEOUT_MS / 1000);
        if (sf_run_record_identity(r, &r->res->before, err) == -EEXIST)
                sf_run_log(r, SF_LOG_WARNING, "history: %s", err->message);
        return sf_run_lock_identity(r, &r->res->before, err);
}

/* Silent in EDL: no HELLO, no answer to a poke. A programmer whose host died inside a
 * <program> still takes the poke for its raw data; fed what it waits for, it answers again. */
static int unstick(struct sf_run *r, struct recovery *rc, struct sf_error *err)
{
        struct sf_error e = {0};
        int k;

        sf_run_log(r, SF_LOG_INFO,
                   "%s: silent in EDL (no HELLO, no answer to a poke); a programmer may still "
                   "wait for the rest of an image: sending it zeros until it answers (up to %d s)",
                   rc->dev.name, UNSTICK_TIMEOUT_MS / 1000);
        k = sf_device_unstick_programmer(&rc->dev, UNSTICK_TIMEOUT_MS, &e);
        if (k < 0)
                return sf_error_set(err, k,
                                    "%s answers neither Sahara nor Firehose (%s): power-cycle it "
                                    "(unplug it, or cut its power), then run 'safeflash recover' "
                                    "again",
                                    rc->dev.name, e.message);
        sf_run_log(r, SF_LOG_INFO, "%s: the programmer answers again", rc->dev.name);
        return sf_device_identify(&rc->dev, &r->res->before, err);
}

/* A module in EDL, identified by its fused serial in Sahara command mode. */
static int find_stuck(struct sf_run *r, struct recovery *rc, struct sf_error *err)
{
        const struct sf_identity *id = &r->res->before;
        int e = sf_run_identify(r, &rc->dev, err);

        if (e == -ETIMEDOUT && rc->dev.mode == SF_DEVICE_MODE_EDL)
                e = unstick(r, rc, err);
        if (e >= 0 && rc->dev.mode == SF_DEVICE_MODE_EDL && id->firehose_running) {
                e = restart_programmer(r, rc, err);
                rc->reset_done = e >= 0;
        }
        if (e < 0)
                return e;
        if (rc->dev.mode == SF_DEVICE_MODE_NORMAL && rc->reset_done)
                return 0; /* the reset brought it back */
        if (rc->dev.mode == SF_DEVICE_MODE_NORMAL)
                return sf_error_set(err, -ENODEV,
                                    "%s runs its firmware (%s): there is nothing to recover; "
                                    "'safeflash doctor' tells its state, 'safeflash update' "
                                    "installs a package",
                                    rc->dev.name, id->version[0] ? id->version : "version unknown");
        if (rc->dev.mode != SF_DEVICE_MODE_EDL)
                return sf_error_set(err, -ENODEV,
                                    "%s is in %s mode: see 'safeflash doctor' for what to do",
                                    rc->dev.name, sf_device_mode_to_string(rc->dev.mode));
        if (id->has_chip)
                snprintf(rc->key, sizeof(rc->key), "0x%08x", id->chip_serial);
        rc->no_command_mode = !id->has_chip && !id->firehose_running;
        return 0;
}

/* A backup taken while the module reported its IMEI (imei, when known): one worth restoring,
 * unlike a copy of whatever remained of a damaged EFS2. */
static bool holds_imei(const char *backup, const char *imei)
{
        char found[16];

        return sf_run_manifest_imei(backup, found) == 0 && found[0] &&
               (!imei[0] || strcmp(found, imei) == 0);
}

/* The chip serial a backup's manifest names ("0x…"), or "" when it has none. */
static void manifest_chip(const char *backup, char *out, size_t size)
{
        _cleanup_free_ char *doc = NULL, *path = sf_asprintf("%s/manifest.json", backup);
        const char *p;
        size_t len;

        out[0] = '\0';
        if (!path || sf_read_file(path, 16384, &doc, &len) < 0)
                return;
        p = strstr(doc, "\"chip_serial\": \"");
        if (p)
                snprintf(out, size, "%.*s", (int)strcspn(p + 16, "\""), p + 16);
}

/* A backup folder's name starts with its UTC time: the newest of one module's folder whose
 * manifest names this chip and holds an IMEI. */
static void scan_module(const char *dir, struct recovery *rc, char *best, size_t size)
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        struct dirent *e;

        while (d && (e = readdir(d))) {
                char path[SF_UPDATE_PATH_MAX], chip[24];
                if (e->d_name[0] == '.' ||
                    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path))
                        continue;
                manifest_chip(path, chip, sizeof(chip));
                if (strcmp(chip, rc->key) == 0 && holds_imei(path, rc->imei) &&
                    (!best[0] || strcmp(strrchr(best, '/') + 1, e->d_name) < 0))
                        snprintf(best, size, "%s", path);
        }
}

/* The history lost the backup's row (a run killed before it was written, a database restored
 * from elsewhere): the backup folder itself is searched, by chip serial. */
static void scan_backups(struct sf_run *r, struct recovery *rc)
{
        char top[SF_UPDATE_PATH_MAX];
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *e;

        if (rc->backup[0] || !rc->key[0] ||
            snprintf(top, sizeof(top), "%s/backups", r->state_dir) >= (int)sizeof(top))
                return;
        d = opendir(top);
        while (d && (e = readdir(d))) {
                char dir[SF_UPDATE_PATH_MAX];
                if (e->d_name[0] != '.' &&
                    snprintf(dir, sizeof(dir), "%s/%s", top, e->d_name) < (int)sizeof(dir))
                        scan_module(dir, rc, rc->backup, sizeof(rc->backup));
        }
        if (rc->backup[0])
                sf_run_log(r, SF_LOG_INFO, "no backup on record; found %s in the backup folder",
                           rc->backup);
}

/* What the history knows of this chip: the last good firmware, the IMEI, the newest verified
 * backup still on disk. */
static void from_history(struct sf_run *r, struct recovery *rc)
{
        sf_history_report *rep = NULL;
        char *version = NULL;

        if (!rc->key[0])
                return;
        if (sf_history_last_known_good(r->hist, rc->key, &version, NULL, NULL, NULL) == 0)
                snprintf(rc->last_good, sizeof(rc->last_good), "%s", version);
        free(version);
        if (sf_history_module_report(r->hist, rc->key, &rep, NULL) < 0)
                return;
        if (sf_history_report_n_modules(rep) && sf_history_report_module(rep, 0)->imei)
                snprintf(rc->imei, sizeof(rc->imei), "%s", sf_history_report_module(rep, 0)->imei);
        for (size_t i = sf_history_report_n_backups(rep); i-- > 0;) {
                const struct sf_history_backup *b = sf_history_report_backup(rep, i);
                if (b->verified && holds_imei(b->path, rc->imei)) {
                        snprintf(rc->backup, sizeof(rc->backup), "%s", b->path);
                        break;
                }
        }
        sf_history_report_free(rep);
}

/* The package of version in library (folders or archives, by the version they carry). */
static int find_in_library(const char *library, const char *version, char *out, size_t size,
                           struct sf_error *err)
{
        _cleanup_closedir_ DIR *d = opendir(library);
        struct dirent *e;
        unsigned seen = 0;

        if (!d)
                return sf_error_set(err, -errno == -ENOENT ? -EINVAL : -errno, "library %s: %s",
                                    library, strerror(errno));
        while ((e = readdir(d))) {
                char path[SF_UPDATE_PATH_MAX];
                sf_package *p = NULL;
                bool match;
                if (e->d_name[0] == '.' ||
                    snprintf(path, sizeof(path), "%s/%s", library, e->d_name) >= (int)sizeof(path))
                        continue;
                if (sf_package_open(path, &p, NULL) < 0)
                        continue;
                seen++;
                match = strcmp(sf_package_version(p)->canonical, version) == 0;
                sf_package_free(p);
                if (match)
                        return sf_strlcpy(out, size, path) < 0 ? -ENAMETOOLONG : 0;
        }
        return sf_error_set(err, -ENOENT,
                            "the library %s (%u package(s)) has no package of %s, the firmware "
                            "this module last ran well: obtain %s from the vendor, put it in the "
                            "library and run recover again",
                            library, seen, version, version);
}

/* The package to write: the one given, checked against what the module last ran; or the
 * last known good one from the library. */
static int choose_package(struct sf_run *r, struct recovery *rc, const char *package,
                          const char *library, struct sf_error *err)
{
        if (!package && !rc->key[0] && rc->no_command_mode)
                return sf_error_set(err, -ENODEV,
                                    "the boot ROM refuses Sahara command mode, so the chip is "
                                    "known only once a programmer runs: name the PACKAGE to "
                                    "recover it with (its programmer names the chip, and what "
                                    "the history knows of it is checked before anything is "
                                    "written)");
        if (!package && !rc->key[0])
                return sf_error_set(err, -ENODEV,
                                    "a programmer is already running, so the chip cannot be "
                                    "identified to look up its firmware: power-cycle the module "
                                    "(it returns to its boot ROM), or name the PACKAGE");
        if (!package && !rc->last_good[0])
                return sf_error_set(err, -ENOENT,
                                    "the history knows no firmware of chip %s, and restarted it "
                                    "does not start its own: name the PACKAGE to recover it with",
                                    rc->key);
        if (package)
                return sf_strlcpy(rc->package, sizeof(rc->package), package) < 0 ? -ENAMETOOLONG
                                                                                 : 0;
        sf_run_log(r, SF_LOG_INFO, "chip %s last ran %s", rc->key, rc->last_good);
        return find_in_library(library, rc->last_good, rc->package, sizeof(rc->package), err);
}

/* A package other than the last good one must be one the policy allows from it. */
static int check_policy(const struct recovery *rc, const sf_package *pkg, struct sf_error *err)
{
        struct sf_rules_source src[SF_RULES_MAX_SOURCES];
        const struct sf_version *to = sf_package_version(pkg);
        struct sf_version from;
        sf_rules *rules = NULL;
        sf_report *rep = NULL;
        size_t n = 0;
        int e;

        if (!rc->last_good[0])
                return 0; /* nothing to compare with: the chip check still applies */
        sf_version_parse(rc->last_good, &from);
        e = sf_rules_new(&rules);
        if (e >= 0)
                e = sf_rules_load_standard(rules, NULL, 0, src, &n, err);
        if (e >= 0)
                e = sf_policy_evaluate(&from, to, rules, sf_package_requirements(pkg),
                                       SF_POLICY_ALLOW_REINSTALL, &rep);
        sf_rules_free(rules);
        if (e >= 0 && sf_report_verdict(rep) != SF_VERDICT_ALLOWED) {
                const struct sf_finding *f = sf_report_count(rep) ? sf_report_get(rep, 0) : NULL;
                e = sf_error_set(err, -EPERM,
                                 "%s may not go onto a module whose last good firmware was %s: "
                                 "%s%s%s",
                                 to->canonical, rc->last_good, f ? f->message : "refused",
                                 f && f->advice ? "; " : "", f && f->advice ? f->advice : "");
        }
        sf_report_free(rep);
        return e;
}

static int flash_and_boot(struct sf_run *r, struct recovery *rc, struct sf_error *err)
{
        /* No IMEI in this backup's manifest: nobody saw one on the module just before. */
        struct sf_flash_options fo = {.package = rc->package, .backup_best_effort = true};
        int e = sf_run_backup_dir(r, rc->imei[0] ? rc->imei : rc->key, err);

        fo.backup_dir = r->res->backup_dir;
        if (e >= 0)
                e = sf_run_flash(r, &fo, &rc->dev, err);
        if (!r->res->flash.backed_up)
                r->res->backup_dir[0] = '\0';
        if (e >= 0)
                e = sf_run_wait_boot(r, rc->dev.name, &r->res->after, err);
        if (e >= 0 && !r->res->after.imei_from)
                e = sf_run_restore_lost(r, rc->package, rc->backup, err);
        if (e >= 0 && (!r->res->after.imei_from ||
                       (rc->imei[0] && strcmp(rc->imei, r->res->after.imei) != 0)))
                e = sf_error_set(err, -EIO, "the module boots %s but reports IMEI '%s'%s%s",
                                 r->res->after.version, r->res->after.imei,
                                 rc->imei[0] ? ", not its own " : "", rc->imei);
        return e;
}

/* A boot ROM without command mode: the programmer named the chip. What the history knows of it
 * (last good firmware, IMEI, backup) is taken now, and the package checked against that, before
 * anything is written. */
static int chip_named_by_programmer(struct sf_run *r, uint32_t chip_serial, struct sf_error *err)
{
        struct recovery *rc = r->on_chip_data;

        snprintf(rc->key, sizeof(rc->key), "0x%08x", chip_serial);
        from_history(r, rc);
        scan_backups(r, rc);
        snprintf(r->expect_imei, sizeof(r->expect_imei), "%s", rc->imei);
        snprintf(r->res->from_version, sizeof(r->res->from_version), "%s", rc->last_good);
        sf_run_log(r, SF_LOG_INFO, "chip %s (named by its programmer): %s%s%s%s", rc->key,
                   rc->last_good[0] ? "last ran " : "the history does not know it",
                   rc->last_good, rc->imei[0] ? ", IMEI " : "", rc->imei);
        return check_policy(rc, rc->pkg, err);
}

/* The module runs its firmware again (id) after `how`, with nothing written: recovered. The
 * history has the session, as of any recover that touched the module. */
static int recovered_without_writing(struct sf_run *r, struct recovery *rc,
                                     const struct sf_identity *id, const char *step,
                                     const char *how, struct sf_error *err)
{
        char text[320];
        FILE *f;
        int e;

        r->res->after = *id;
        snprintf(r->res->to_version, sizeof(r->res->to_version), "%s", id->version);
        e = sf_run_session_begin(r, SF_HISTORY_KIND_RECOVER, NULL,
                                 id->imei_from ? id->imei : rc->dev.name, err);
        if (e < 0)
                return e;
        snprintf(text, sizeof(text), "%s runs its firmware (%s) again after %s: nothing to write",
                 rc->dev.name, id->version[0] ? id->version : "version unknown", how);
        sf_run_step(r, step, SF_HISTORY_STEP_DONE, id->version);
        sf_run_log(r, SF_LOG_INFO, "%s", text);
        f = sf_fopen_private(r->res->session_log, true);
        if (f) { /* the session's log, as every session has one */
                fprintf(f, "# %s\n", text);
                fclose(f);
        }
        return sf_run_session_end(r, 0, err);
}

/* A chip the history has no firmware for, and no package named: nothing says what to write.
 * A module switched to EDL by a run that died before it identified the chip (killed between
 * the DIAG switch and Sahara) still has its firmware whole: restarted from its boot ROM, with
 * nothing uploaded or written, it boots that. 1 when it did (the session is recorded, the chip
 * bound to the IMEI it reports); 0 when it came back to EDL. */
static int boots_by_itself(struct sf_run *r, struct recovery *rc, struct sf_error *err)
{
        struct sf_identity after, bound;
        struct sf_error e = {0};
        int k;

        sf_run_log(r, SF_LOG_INFO,
                   "the history knows no firmware of chip %s: restarting it from its boot ROM, "
                   "nothing uploaded or written, to see whether its own firmware starts",
                   rc->key);
        k = sf_device_restart_boot_rom(&rc->dev, &e);
        if (k >= 0)
                k = sf_run_wait_boot(r, rc->dev.name, &after, &e);
        if (k < 0) {
                sf_run_log(r, SF_LOG_INFO, "it does not start by itself: %s", e.message);
                return 0;
        }
        bound = after;
        bound.has_chip = true;
        bound.chip_serial = r->res->before.chip_serial;
        bound.msm_id = r->res->before.msm_id;
        if (sf_run_record_identity(r, &bound, &e) < 0)
                sf_run_log(r, SF_LOG_WARNING, "history: %s", e.message);
        k = recovered_without_writing(r, rc, &after, "restart-boot-rom",
                                      "a restart from its boot ROM", err);
        return k < 0 ? k : 1;
}

static bool same_version(const char *reported, const struct sf_version *want)
{
        struct sf_version got;

        sf_version_parse(reported, &got);
        return strcmp(got.canonical, want->canonical) == 0;
}

static int recover(struct sf_run *r, const char *package, const char *library, struct sf_error *err)
{
        struct recovery rc = {0};
        sf_package *pkg = NULL;
        int e = find_stuck(r, &rc, err);

        if (e >= 0 && rc.dev.mode == SF_DEVICE_MODE_NORMAL)
                return recovered_without_writing(r, &rc, &r->res->before, "reset-programmer",
                                                 "the programmer's reset", err);
        if (e >= 0) {
                from_history(r, &rc);
                scan_backups(r, &rc);
                snprintf(r->expect_imei, sizeof(r->expect_imei), "%s", rc.imei);
                if (!package && rc.key[0] && !rc.last_good[0]) {
                        e = boots_by_itself(r, &rc, err);
                        if (e != 0)
                                return e < 0 ? e : 0;
                }
                e = choose_package(r, &rc, package, library, err);
        }
        if (e >= 0)
                e = sf_package_open(rc.package, &pkg, err);
        if (e < 0)
                return e;
        snprintf(r->res->from_version, sizeof(r->res->from_version), "%s", rc.last_good);
        snprintf(r->res->to_version, sizeof(r->res->to_version), "%s",
                 sf_package_version(pkg)->canonical);
        e = sf_run_session_begin(r, SF_HISTORY_KIND_RECOVER, rc.package,
                                 rc.imei[0] ? rc.imei : rc.key, err);
        rc.pkg = pkg;
        if (e >= 0 && !rc.key[0]) { /* no command mode: the programmer will name the chip */
                r->on_chip = chip_named_by_programmer;
                r->on_chip_data = &rc;
        }
        if (e >= 0)
                e = check_policy(&rc, pkg, err);
        if (e >= 0)
                e = flash_and_boot(r, &rc, err);
        r->on_chip = NULL;
        if (e >= 0 && !same_version(r->res->after.version, sf_package_version(pkg)))
                e = sf_error_set(err, -EIO, "the module runs %s, not the package's %s",
                                 r->res->after.version, sf_package_version(pkg)->canonical);
        if (e >= 0)
                e = sf_history_install_record(
                        r->hist, r->res->session_id, rc.last_good[0] ? rc.last_good : NULL,
                        r->res->after.version, sf_package_fingerprint(pkg), err);
        sf_package_free(pkg);
        return sf_run_session_end(r, e, err);
}

int sf_recover_run(const struct sf_run_options *o, const char *package, const char *library,
                   struct sf_run_result *ret, struct sf_error *err)
{
        struct sf_error local = {0};
        struct sf_run r;
        int e;

        if (!err)
                err = &local;
        if (!o || !ret || (!package && !library))
                return sf_error_set(err, -EINVAL, "recover needs a PACKAGE or a --library");
        e = sf_run_begin(&r, o, ret, err);
        if (e >= 0)
                e = recover(&r, package, library, err);
        sf_run_done(&r);
        return e;
}
