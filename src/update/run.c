/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pieces every safe path is made of (src/update/run.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "device/modemmanager.h"
#include "device/watch.h"
#include "engine/preflight.h"
#include "update/run.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "util/strutil.h"

#define BOOT_TIMEOUT_S 90
/* A module seen in EDL or memory-debug mode this long after a reset did not boot (a booting
 * module is off the bus, not in EDL, while its firmware starts). */
#define STUCK_AFTER_MS 10000
/* Not back on its own port this long after a reset: look for it elsewhere, by its IMEI. */
#define ELSEWHERE_AFTER_MS 3000
#define POLL_MS            1000 /* at least this often, uevents or not */

static int mkdir_p(char *path)
{
        for (char *p = path + 1; *p; p++)
                if (*p == '/') {
                        *p = '\0';
                        if (mkdir(path, 0700) < 0 && errno != EEXIST) {
                                *p = '/';
                                return -errno;
                        }
                        *p = '/';
                }
        return mkdir(path, 0700) < 0 && errno != EEXIST ? -errno : 0;
}

int sf_state_dir(char *buf, size_t size, struct sf_error *err)
{
        const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
        int n, r;

        if (xdg && xdg[0] == '/')
                n = snprintf(buf, size, "%s/safeflash", xdg);
        else if (home && home[0] == '/')
                n = snprintf(buf, size, "%s/.local/state/safeflash", home);
        else
                return sf_error_set(err, -ENOENT,
                                    "neither XDG_STATE_HOME nor HOME names a folder for the "
                                    "history");
        if (n < 0 || (size_t)n >= size)
                return sf_error_set(err, -ENAMETOOLONG, "the state folder's path is too long");
        r = mkdir_p(buf);
        return r < 0 ? sf_error_set(err, r, "%s: %s", buf, strerror(-r)) : 0;
}

void sf_run_log(struct sf_run *r, enum sf_log_level level, const char *fmt, ...)
{
        char text[768];
        va_list ap;

        if (!r->o->log)
                return;
        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        r->o->log(r->o->userdata, level, text);
}

int sf_run_begin(struct sf_run *r, const struct sf_run_options *o, struct sf_run_result *res,
                 struct sf_error *err)
{
        char db[SF_UPDATE_PATH_MAX + 16];
        struct timespec now;
        struct tm tm;
        char secs[24];
        int rc;

        *r = (struct sf_run){.o = o, .res = res};
        *res = (struct sf_run_result){0};
        /* Milliseconds: two runs in one second still get files of their own. */
        clock_gettime(CLOCK_REALTIME, &now);
        gmtime_r(&now.tv_sec, &tm);
        strftime(secs, sizeof(secs), "%Y%m%dT%H%M%S", &tm);
        snprintf(r->stamp, sizeof(r->stamp), "%.20s.%03dZ", secs,
                 (int)((unsigned long)now.tv_nsec / 1000000 % 1000));
        if (o->state_dir) {
                if (sf_strlcpy(r->state_dir, sizeof(r->state_dir), o->state_dir) < 0)
                        return sf_error_set(err, -ENAMETOOLONG, "state folder path too long");
                rc = mkdir_p(r->state_dir);
                if (rc < 0)
                        return sf_error_set(err, rc, "%s: %s", r->state_dir, strerror(-rc));
        } else {
                rc = sf_state_dir(r->state_dir, sizeof(r->state_dir), err);
                if (rc < 0)
                        return rc;
        }
        snprintf(db, sizeof(db), "%s/history.db", r->state_dir);
        /* It holds IMEIs: created 0600 (SQLite's journals take the database's mode). */
        rc = open(o->history_path ? o->history_path : db, O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
        if (rc >= 0)
                close(rc);
        return sf_history_open(o->history_path ? o->history_path : db, &r->hist, err);
}

void sf_run_done(struct sf_run *r)
{
        sf_run_unlock(r);
        sf_mm_release(r->mm);
        r->mm = NULL;
        sf_history_close(r->hist);
        r->hist = NULL;
}

int sf_run_record_identity(struct sf_run *r, const struct sf_identity *id, struct sf_error *err)
{
        struct sf_history_identity h = {
                .source = id->has_chip                      ? SF_HISTORY_SOURCE_SAHARA
                          : id->imei_from == SF_SOURCE_DIAG ? SF_HISTORY_SOURCE_DIAG
                                                            : SF_HISTORY_SOURCE_AT,
                .has_chip_serial = id->has_chip,
                .chip_serial = id->chip_serial,
                /* a chip named only by its programmer's banner has no MSM ID read */
                .has_hw_id = id->has_chip && id->msm_id != 0,
                .hw_id = (uint64_t)id->msm_id << 32 | (uint64_t)id->oem_id << 16 | id->model_id,
                .imei = id->imei_from ? id->imei : NULL,
                .model = id->model[0] ? id->model : NULL,
                .firmware = id->version[0] ? id->version : NULL};

        if (!h.has_chip_serial && !h.imei)
                return 0; /* nothing to key a module on */
        return sf_history_identity_record(r->hist, &h, &r->module_id, err);
}

/* Room for the logs of a session, besides the backup. */
#define LOG_ROOM (4u << 20)

int sf_run_check_space(struct sf_run *r, const sf_flash_package *pkg, struct sf_error *err)
{
        uint64_t need = sf_flash_package_efs_bytes(pkg) + LOG_ROOM, have;
        struct statvfs st;

        if (statvfs(r->state_dir, &st) < 0)
                return sf_error_set(err, -errno, "%s: %s", r->state_dir, strerror(errno));
        have = (uint64_t)st.f_bavail * st.f_frsize;
        if (have >= need)
                return 0;
        return sf_error_set(err, -ENOSPC,
                            "no space left on device for the backup at %s/backups; the module "
                            "was not touched (%" PRIu64 " KiB free, %" PRIu64
                            " KiB needed for the backup and the session log)",
                            r->state_dir, have / 1024, need / 1024);
}

int sf_run_identify(struct sf_run *r, struct sf_device *dev, struct sf_error *err)
{
        char note[512];
        int rc = sf_device_find(r->o->device, dev, err);

        if (rc >= 0)
                rc = sf_run_lock_device(r, dev, err);
        if (rc < 0)
                return rc;
        snprintf(r->res->device, sizeof(r->res->device), "%s", dev->name);
        /* Before a port is opened: ModemManager would probe it, and us. */
        rc = sf_mm_inhibit(dev, &r->mm, note, sizeof(note), err);
        if (rc < 0)
                return rc == -EBUSY ? -ENODEV : rc;
        if (note[0])
                sf_run_log(r, SF_LOG_INFO, "%s", note);
        rc = sf_device_identify(dev, &r->res->before, err);
        if (rc >= 0)
                rc = sf_run_lock_identity(r, &r->res->before, err);
        if (rc < 0)
                return rc;
        rc = sf_run_record_identity(r, &r->res->before, err);
        if (rc == -EEXIST) /* a contradiction is for a person to look at: say it, go on */
                sf_run_log(r, SF_LOG_WARNING, "history: %s", err->message);
        return rc == -EEXIST ? 0 : rc;
}

int sf_run_session_begin(struct sf_run *r, enum sf_history_kind kind, const char *package,
                         const char *label, struct sf_error *err)
{
        char logs[SF_UPDATE_PATH_MAX + 8];
        int rc;

        snprintf(logs, sizeof(logs), "%s/logs", r->state_dir);
        rc = mkdir_p(logs);
        if (rc < 0)
                return sf_error_set(err, rc, "%s: %s", logs, strerror(-rc));
        rc = snprintf(r->res->session_log, sizeof(r->res->session_log), "%s/%s-%s-%s.log", logs,
                      r->stamp, sf_history_kind_to_string(kind),
                      label && *label ? label : "module");
        if (rc < 0 || (size_t)rc >= sizeof(r->res->session_log))
                return sf_error_set(err, -ENAMETOOLONG, "session log path too long");
        return sf_history_session_begin(r->hist, r->module_id, kind, package,
                                        r->res->from_version[0] ? r->res->from_version : NULL,
                                        r->res->to_version[0] ? r->res->to_version : NULL,
                                        r->res->session_log, &r->res->session_id, err);
}

void sf_run_step(struct sf_run *r, const char *name, enum sf_history_step_state st,
                 const char *detail)
{
        struct sf_error err = {0};

        if (r->res->session_id &&
            sf_history_session_step(r->hist, r->res->session_id, name, st, detail, &err) < 0)
                sf_run_log(r, SF_LOG_WARNING, "history: %s", err.message);
}

int sf_run_session_end(struct sf_run *r, int rc, const struct sf_error *err)
{
        enum sf_history_outcome o = rc == 0        ? SF_HISTORY_OUTCOME_SUCCESS
                                    : rc == -EPERM ? SF_HISTORY_OUTCOME_REFUSED
                                                   : SF_HISTORY_OUTCOME_FAILED;
        struct sf_error e = {0};

        r->res->outcome = rc == 0 ? SF_UPDATE_SUCCESS
                          : rc == -EPERM && !r->res->flash.bytes_written && !r->res->flash.restored
                                  ? SF_UPDATE_REFUSED
                                  : SF_UPDATE_FAILED;
        if (r->res->session_id &&
            sf_history_session_end(r->hist, r->res->session_id, o,
                                   rc < 0 && err && err->message[0] ? err->message : NULL, &e) < 0)
                sf_run_log(r, SF_LOG_WARNING, "history: %s", e.message);
        return rc;
}

int sf_run_backup_dir(struct sf_run *r, const char *label, struct sf_error *err)
{
        char dir[SF_UPDATE_PATH_MAX];
        int n, rc;

        n = snprintf(dir, sizeof(dir), "%s/backups/%s", r->state_dir,
                     label && *label ? label : "module");
        if (n < 0 || (size_t)n >= sizeof(dir))
                return sf_error_set(err, -ENAMETOOLONG, "backup path too long");
        rc = mkdir_p(dir);
        if (rc < 0)
                return sf_error_set(err, rc, "%s: %s", dir, strerror(-rc));
        n = snprintf(r->res->backup_dir, sizeof(r->res->backup_dir), "%s/%s-s%" PRId64, dir,
                     r->stamp, r->res->session_id);
        if (n < 0 || (size_t)n >= sizeof(r->res->backup_dir))
                return sf_error_set(err, -ENAMETOOLONG, "backup path too long");
        return 0;
}

int sf_run_to_edl(struct sf_run *r, const struct sf_device *dev, struct sf_device *ret,
                  struct sf_error *err)
{
        int rc;

        if (dev->mode == SF_DEVICE_MODE_EDL) {
                *ret = *dev;
                return 0;
        }
        sf_run_step(r, "switch-to-edl", SF_HISTORY_STEP_STARTED, dev->dm_port);
        rc = sf_device_enter_edl(dev, ret, err);
        sf_run_step(r, "switch-to-edl", rc < 0 ? SF_HISTORY_STEP_FAILED : SF_HISTORY_STEP_DONE,
                    rc < 0 ? err->message : NULL);
        return rc;
}

/* Each engine phase becomes a history step as it starts and ends. */
static void on_progress(void *userdata, const struct sf_progress *p)
{
        struct sf_run *r = userdata;

        if (!r->phase_started || p->phase != r->phase) {
                if (r->phase_started)
                        sf_run_step(r, sf_phase_to_string(r->phase), SF_HISTORY_STEP_DONE, NULL);
                if (p->phase != SF_PHASE_DONE)
                        sf_run_step(r, sf_phase_to_string(p->phase), SF_HISTORY_STEP_STARTED, NULL);
                r->phase = p->phase;
                r->phase_started = true;
        }
        if (r->o->progress)
                r->o->progress(r->o->userdata, p);
}

static void on_log(void *userdata, enum sf_log_level level, const char *text)
{
        struct sf_run *r = userdata;

        if (r->o->log)
                r->o->log(r->o->userdata, level, text);
}

static int record_backup(struct sf_run *r, const struct sf_flash_result *res,
                         struct sf_error *err)
{
        struct sf_history_backup_partition parts[SF_FLASH_MAX_BACKUP_PARTS];
        struct sf_history_backup b = {.module_id = r->module_id,
                                      .session_id = r->res->session_id,
                                      .path = r->res->backup_dir,
                                      .verified = true,
                                      .partitions = parts,
                                      .n_partitions = res->backup_parts};
        int64_t id;

        for (unsigned i = 0; i < res->backup_parts && i < SF_FLASH_MAX_BACKUP_PARTS; i++)
                parts[i] =
                        (struct sf_history_backup_partition){.name = res->backup_part[i].name,
                                                             .size = res->backup_part[i].size,
                                                             .sha256 = res->backup_part[i].sha256};
        return sf_history_backup_record(r->hist, &b, &id, err);
}

/* The chip read in Sahara command mode belongs to this module: bind its fused serial. */
static void record_chip(struct sf_run *r, const struct sf_flash_result *res)
{
        struct sf_identity id = r->res->before;
        struct sf_error e = {0};

        id.has_chip = true;
        id.chip_serial = res->chip_serial;
        id.msm_id = res->msm_id;
        id.oem_id = res->oem_id;
        id.model_id = 0;
        id.model[0] = id.version[0] = '\0';
        if (sf_run_record_identity(r, &id, &e) < 0) {
                sf_run_log(r, SF_LOG_WARNING, "history: %s", e.message);
                id.imei_from = SF_SOURCE_NONE; /* the fused serial alone, then */
                sf_run_record_identity(r, &id, NULL);
        }
        if (r->res->session_id && r->module_id)
                sf_history_session_set_module(r->hist, r->res->session_id, r->module_id, NULL);
}

/* The engine's backup is on disk: its history row is committed before the first write, with
 * the chip it was read from. */
static int on_backup(void *userdata, const struct sf_flash_result *res, struct sf_error *err)
{
        struct sf_run *r = userdata;
        int rc;

        /* The chip read in Sahara command mode is bound now, before the first write: a run
         * killed later leaves a module in EDL that recover finds by that serial. */
        if (res->identified && !r->chip_recorded) {
                record_chip(r, res);
                r->chip_recorded = true;
        }
        if (!r->module_id) { /* a programmer was running: no chip serial, no IMEI to key on */
                sf_run_log(r, SF_LOG_WARNING,
                           "the backup in %s cannot go into the history: the module could not "
                           "be identified ('safeflash recover' also searches the backup folder)",
                           r->res->backup_dir);
                return 0;
        }
        rc = record_backup(r, res, err);

        if (rc < 0)
                return rc;
        r->backup_recorded = true;
        return 0;
}

/* The module's chip as the history knows it (an earlier session read it in Sahara command
 * mode), for a boot ROM that refuses command mode. Looked up by the IMEI the module reported
 * before EDL. */
static void known_chip(struct sf_run *r, struct sf_flash_options *fo)
{
        const char *imei = r->expect_imei[0]          ? r->expect_imei
                           : r->res->before.imei_from ? r->res->before.imei
                                                      : NULL;
        sf_history_report *rep = NULL;

        if (!r->hist || !imei || sf_history_module_report(r->hist, imei, &rep, NULL) < 0)
                return;
        for (size_t i = 0; i < sf_history_report_n_modules(rep); i++) {
                const struct sf_history_module *m = sf_history_report_module(rep, i);
                if (m->has_hw_id && !fo->has_known_chip) {
                        fo->has_known_chip = true;
                        fo->known_msm_id = (uint32_t)(m->hw_id >> 32);
                        fo->known_chip_from = "history";
                }
        }
        sf_history_report_free(rep);
}

/* The programmer named the chip (its boot ROM refuses command mode): the history learns it
 * before the backup (whose row then has a module), and the caller may look it up. */
static int on_identified(void *userdata, const struct sf_flash_result *res, struct sf_error *err)
{
        struct sf_run *r = userdata;

        record_chip(r, res);
        r->chip_recorded = true;
        return r->on_chip ? r->on_chip(r, res->chip_serial, err) : 0;
}

int sf_run_flash(struct sf_run *r, struct sf_flash_options *fo, const struct sf_device *edl,
                 struct sf_error *err)
{
        char spec[64];
        int rc;

        if (!fo->has_known_chip)
                known_chip(r, fo);

        snprintf(spec, sizeof(spec), "usb:%u:%u", edl->bus, edl->address);
        snprintf(r->edl_name, sizeof(r->edl_name), "%s", edl->name);
        if (!fo->device) /* a serial node given by the caller is used as it is */
                fo->device = spec;
        if (!fo->session_log)
                fo->session_log = r->res->session_log[0] ? r->res->session_log : NULL;
        fo->progress = on_progress;
        fo->log = on_log;
        fo->on_backup = on_backup;
        fo->on_identified = on_identified;
        fo->userdata = r;
        r->phase_started = false;
        r->backup_recorded = false;
        r->chip_recorded = false;
        rc = sf_flash_run(fo, &r->res->flash, err);
        /* Gone after it was reached: a lost connection or power, not "no module". */
        if (rc == -ENODEV && r->phase_started && r->phase > SF_PHASE_IDENTIFY)
                rc = -EIO;
        if (r->res->flash.identified && !r->chip_recorded)
                record_chip(r, &r->res->flash);
        if (r->res->flash.backed_up && !r->backup_recorded && r->module_id) {
                struct sf_error e = {0};
                if (record_backup(r, &r->res->flash, &e) < 0)
                        sf_run_log(r, SF_LOG_WARNING, "history: %s", e.message);
        }
        if (rc < 0)
                sf_run_step(r, sf_phase_to_string(r->phase), SF_HISTORY_STEP_FAILED, err->message);
        return rc;
}

/* Modules running now, by name: those a wait must not take for ours. */
static size_t running_names(char (*names)[32], size_t max)
{
        struct sf_device *list = NULL;
        size_t n = 0, k = 0;

        if (sf_device_list(&list, &n, NULL) < 0)
                return 0;
        for (size_t i = 0; i < n && k < max; i++)
                if (list[i].mode == SF_DEVICE_MODE_NORMAL)
                        snprintf(names[k++], sizeof(names[0]), "%s", list[i].name);
        sf_device_list_free(list);
        return k;
}

/* A module that came back elsewhere (a USB 3 module re-enumerates on another bus): a running
 * module that was not there when the wait began and reports our IMEI. Identity, never the
 * sysfs path, says it is ours. */
static bool found_elsewhere(struct sf_run *r, char (*was)[32], size_t n_was,
                            struct sf_identity *ret)
{
        struct sf_device *list = NULL;
        size_t n = 0;
        bool hit = false;

        const char *imei = r->expect_imei[0]          ? r->expect_imei
                           : r->res->before.imei_from ? r->res->before.imei
                                                      : NULL;

        if (!imei || sf_device_list(&list, &n, NULL) < 0)
                return false;
        for (size_t i = 0; i < n && !hit; i++) {
                bool old = false;
                for (size_t k = 0; k < n_was && !old; k++)
                        old = strcmp(was[k], list[i].name) == 0;
                if (old || list[i].mode != SF_DEVICE_MODE_NORMAL || !list[i].at_port[0] ||
                    sf_device_identify(&list[i], ret, NULL) < 0)
                        continue;
                hit = ret->imei_from && strcmp(ret->imei, imei) == 0;
                if (hit) {
                        sf_run_log(r, SF_LOG_INFO, "the module came back as %s (IMEI %s)",
                                   list[i].name, ret->imei);
                        snprintf(r->res->device, sizeof(r->res->device), "%s", list[i].name);
                }
        }
        sf_device_list_free(list);
        return hit;
}

/* Stuck in the boot ROM (or crashed) where it was, or where the flash found it. */
static bool stuck(const struct sf_run *r, const char *name, enum sf_device_mode *mode)
{
        const char *where[2] = {name, r->edl_name};

        for (int i = 0; i < 2; i++) {
                struct sf_device d;
                if (where[i][0] && sf_device_find(where[i], &d, NULL) == 0 &&
                    (d.mode == SF_DEVICE_MODE_EDL || d.mode == SF_DEVICE_MODE_MEMORY_DEBUG)) {
                        *mode = d.mode;
                        return true;
                }
        }
        return false;
}

/* Until the module runs again: looked for at every change on the bus (uevents), and at least
 * every second. */
int sf_run_wait_boot(struct sf_run *r, const char *name, struct sf_identity *ret,
                     struct sf_error *err)
{
        int timeout = r->o->boot_timeout_s > 0 ? r->o->boot_timeout_s : BOOT_TIMEOUT_S;
        int rc = -ETIMEDOUT;
        long long start = sf_now_ms(), t = 0, stuck_since = -1, elsewhere_at = 0;
        char was[64][32];
        size_t n_was = running_names(was, 64);
        enum sf_device_mode mode = SF_DEVICE_MODE_UNKNOWN;
        struct sf_watch *w = NULL;

        sf_watch_new(&w);
        sf_run_step(r, "boot", SF_HISTORY_STEP_STARTED, NULL);
        for (; t < timeout * 1000LL; t = sf_now_ms() - start) {
                struct sf_device d;
                if (sf_device_find(name, &d, NULL) == 0 && d.mode == SF_DEVICE_MODE_NORMAL &&
                    d.at_port[0]) {
                        rc = sf_device_identify(&d, ret, err);
                        break;
                }
                if (t >= ELSEWHERE_AFTER_MS && t >= elsewhere_at) {
                        elsewhere_at = t + 1000;
                        if (found_elsewhere(r, was, n_was, ret)) {
                                rc = 0;
                                break;
                        }
                }
                stuck_since = !stuck(r, name, &mode) ? -1 : stuck_since < 0 ? t : stuck_since;
                if (stuck_since >= 0 && t - stuck_since > STUCK_AFTER_MS) {
                        rc = sf_error_set(err, -EIO, "the module did not boot: it is in %s mode",
                                          sf_device_mode_to_string(mode));
                        break;
                }
                sf_watch_wait(w, POLL_MS);
        }
        sf_watch_free(w);
        if (rc == -ETIMEDOUT)
                sf_error_set(err, rc, "the module did not come back within %d s", timeout);
        sf_run_step(r, "boot", rc < 0 ? SF_HISTORY_STEP_FAILED : SF_HISTORY_STEP_DONE,
                    rc < 0 ? err->message : ret->version);
        if (rc == 0 && sf_run_record_identity(r, ret, NULL) >= 0 && r->res->session_id &&
            r->module_id) /* a session begun before the module was known is its session now */
                sf_history_session_set_module(r->hist, r->res->session_id, r->module_id, NULL);
        return rc;
}

int sf_run_restore_lost(struct sf_run *r, const char *package, const char *backup,
                        struct sf_error *err)
{
        struct sf_flash_options fo = {
                .package = package, .action = SF_FLASH_ACTION_RESTORE, .restore_dir = backup};
        struct sf_device dev, edl;
        int e;

        if (!backup || !backup[0])
                return sf_error_set(err, -EIO,
                                    "the module boots without a valid IMEI and no verified backup "
                                    "of its EFS is on record");
        sf_run_log(r, SF_LOG_WARNING, "the module boots without its IMEI: restoring its backup %s",
                   backup);
        e = sf_device_find(r->res->device, &dev, err);
        if (e >= 0)
                e = sf_run_to_edl(r, &dev, &edl, err);
        if (e >= 0)
                e = sf_run_flash(r, &fo, &edl, err);
        if (e >= 0)
                e = sf_run_wait_boot(r, r->res->device, &r->res->after, err);
        return e;
}

int sf_run_manifest_imei(const char *backup, char imei[16])
{
        _cleanup_free_ char *doc = NULL, *path = sf_asprintf("%s/manifest.json", backup);
        const char *p;
        size_t len;

        imei[0] = '\0';
        if (!path)
                return -ENOMEM;
        if (sf_read_file(path, 16384, &doc, &len) < 0)
                return -EINVAL;
        p = strstr(doc, "\"imei\": \"");
        if (p && strspn(p + 9, "0123456789") == 15 && p[24] == '"') {
                memcpy(imei, p + 9, 15);
                imei[15] = '\0';
        }
        return 0;
}
