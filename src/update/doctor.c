/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What state is the module in, why, and what to do next: from what it says on its ports, what
 * its boot ROM says in command mode, and what the history remembers of it. Writes nothing to
 * the module. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "safeflash/history.h"
#include "safeflash/update.h"
#include "util/strutil.h"

const char *sf_doctor_state_to_string(enum sf_doctor_state s)
{
        static const char *const names[] = {
                "no-module",        "healthy",      "no-imei",  "interrupted",  "edl-no-boot",
                "firehose-running", "memory-debug", "fastboot", "sbl-download", "unreachable",
        };
        return (unsigned)s < sizeof(names) / sizeof(*names) ? names[s] : "invalid";
}

/* The step a session failed at, or the last one it reached. */
static const struct sf_history_step *telling_step(const struct sf_history_session *s)
{
        for (size_t i = s->n_steps; i-- > 0;)
                if (s->steps[i].state == SF_HISTORY_STEP_FAILED)
                        return &s->steps[i];
        return s->n_steps ? &s->steps[s->n_steps - 1] : NULL;
}

static void describe_session(const struct sf_history_session *s, char *buf, size_t size)
{
        const struct sf_history_step *st = telling_step(s);
        char when[32] = "";
        time_t t = (time_t)s->started_at;
        struct tm tm;

        if (gmtime_r(&t, &tm))
                strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
        snprintf(buf, size, "%s %s → %s on %s: %s%s%s%s%s", sf_history_kind_to_string(s->kind),
                 s->from_version ? s->from_version : "?", s->to_version ? s->to_version : "?", when,
                 sf_history_outcome_to_string(s->outcome),
                 st && s->outcome != SF_HISTORY_OUTCOME_SUCCESS ? " at step " : "",
                 st && s->outcome != SF_HISTORY_OUTCOME_SUCCESS ? st->name : "",
                 s->error ? ": " : "", s->error ? s->error : "");
}

/* What the history knows, by the module's chip serial or IMEI. Returns the last session's
 * outcome, or -1 when there is none. */
static int recall(struct sf_diagnosis *d, const char *history_path)
{
        char key[24] = "", *good = NULL;
        sf_history *h = NULL;
        sf_history_report *rep = NULL;
        int outcome = -1;

        if (d->id.has_chip)
                snprintf(key, sizeof(key), "0x%08x", d->id.chip_serial);
        else if (d->id.imei_from)
                snprintf(key, sizeof(key), "%s", d->id.imei);
        if (!key[0] || sf_history_open(history_path, &h, NULL) < 0)
                return -1;
        if (sf_history_last_known_good(h, key, &good, NULL, NULL, NULL) == 0)
                snprintf(d->last_good, sizeof(d->last_good), "%s", good);
        free(good);
        if (sf_history_module_report(h, key, &rep, NULL) == 0) {
                size_t n = sf_history_report_n_sessions(rep);
                d->known = true;
                if (n) {
                        const struct sf_history_session *s = sf_history_report_session(rep, n - 1);
                        describe_session(s, d->last_session, sizeof(d->last_session));
                        outcome = (int)s->outcome;
                }
        }
        sf_history_report_free(rep);
        sf_history_close(h);
        return outcome;
}

static void running(struct sf_diagnosis *d, int last)
{
        const struct sf_identity *id = &d->id;

        if (!id->imei_from) {
                d->state = SF_DOCTOR_NO_IMEI;
                snprintf(d->summary, sizeof(d->summary), "runs %s but reports no valid IMEI",
                         id->version[0] ? id->version : "its firmware");
                snprintf(d->cause, sizeof(d->cause),
                         "its EFS2 (IMEI, RF calibration) is empty or damaged: typically a "
                         "factory package or an erase that reached EFS2; it cannot register "
                         "on a network like this");
                snprintf(d->next, sizeof(d->next),
                         "safeflash history   (find its backup), then: safeflash restore BACKUP "
                         "--package PACKAGE -d %s",
                         d->dev.name);
                return;
        }
        if (last == SF_HISTORY_OUTCOME_INTERRUPTED || last == SF_HISTORY_OUTCOME_RUNNING) {
                d->state = SF_DOCTOR_INTERRUPTED;
                snprintf(d->summary, sizeof(d->summary), "runs %s; its last session did not end",
                         id->version);
                snprintf(d->cause, sizeof(d->cause),
                         "the process that ran it was killed or lost power; the module "
                         "still booted its firmware");
                snprintf(d->next, sizeof(d->next), "safeflash update PACKAGE -d %s   (again)",
                         d->dev.name);
                return;
        }
        d->state = SF_DOCTOR_HEALTHY;
        snprintf(d->summary, sizeof(d->summary), "healthy: runs %s, IMEI %s", id->version,
                 id->imei);
        snprintf(d->cause, sizeof(d->cause), "it booted its firmware and answers on AT");
        snprintf(d->next, sizeof(d->next),
                 "nothing to do; 'safeflash update PACKAGE -d %s' installs firmware safely",
                 d->dev.name);
}

static void in_edl(struct sf_diagnosis *d)
{
        const char *fix = d->last_good[0] ? "--library DIR" : "PACKAGE";

        if (d->id.firehose_running) {
                d->state = SF_DOCTOR_FIREHOSE_RUNNING;
                snprintf(d->summary, sizeof(d->summary),
                         "in EDL (05c6:9008) with a Firehose programmer already running");
                snprintf(d->cause, sizeof(d->cause),
                         "a programmer was loaded (a \"Sahara only\" run, or a flash that "
                         "stopped): loading a programmer writes nothing, so a PASS from such a "
                         "run means nothing was installed");
                snprintf(d->next, sizeof(d->next), "safeflash recover -d %s PACKAGE", d->dev.name);
                return;
        }
        d->state = SF_DOCTOR_EDL_NO_BOOT;
        snprintf(d->summary, sizeof(d->summary),
                 "in emergency download mode (05c6:9008): chip 0x%08x, MSM_ID 0x%08x%s",
                 d->id.chip_serial, d->id.msm_id, d->id.has_chip ? "" : " (not read)");
        snprintf(d->cause, sizeof(d->cause),
                 "its boot ROM found no boot chain on flash that starts on this board: "
                 "typically firmware for other hardware (another baseline) or an interrupted "
                 "flash%s%s. (A USB_BOOT pin held high also keeps it here: check it if "
                 "nothing was flashed.)",
                 d->last_session[0] ? "; its last session: " : "", d->last_session);
        if (d->last_good[0])
                snprintf(d->next, sizeof(d->next),
                         "safeflash recover -d %s %s   (with a package of %s, the firmware it "
                         "last ran well)",
                         d->dev.name, fix, d->last_good);
        else
                snprintf(d->next, sizeof(d->next),
                         "safeflash recover -d %s --library DIR   (the history does not know "
                         "this chip: recover restarts it first, nothing written, and its "
                         "firmware boots if its flash is whole; otherwise name a PACKAGE of "
                         "the firmware it had)",
                         d->dev.name);
}

static void other_mode(struct sf_diagnosis *d)
{
        switch (d->dev.mode) {
        case SF_DEVICE_MODE_MEMORY_DEBUG:
                d->state = SF_DOCTOR_MEMORY_DEBUG;
                snprintf(d->summary, sizeof(d->summary),
                         "in memory-debug mode (05c6:900e): its firmware crashed");
                snprintf(d->cause, sizeof(d->cause),
                         "the firmware on flash started and crashed (a damaged modem image, "
                         "firmware that does not fit this board); the module offers its RAM, "
                         "the only log of the crash when the DIAG port is dead%s%s",
                         d->last_session[0] ? "; its last session: " : "", d->last_session);
                snprintf(d->next, sizeof(d->next),
                         "safeflash ramdump -d %s   (keep it), then power-cycle it into EDL and "
                         "'safeflash recover'",
                         d->dev.name);
                break;
        case SF_DEVICE_MODE_FASTBOOT:
                d->state = SF_DOCTOR_FASTBOOT;
                snprintf(d->summary, sizeof(d->summary), "in fastboot mode (18d1:d00d)");
                snprintf(d->cause, sizeof(d->cause),
                         "its application processor's bootloader waits for fastboot commands "
                         "(asked for, or the Linux side did not boot)");
                snprintf(d->next, sizeof(d->next), "fastboot reboot   (then 'safeflash doctor')");
                break;
        default:
                d->state = SF_DOCTOR_SBL_DOWNLOAD;
                snprintf(d->summary, sizeof(d->summary), "in %s mode",
                         sf_device_mode_to_string(d->dev.mode));
                snprintf(d->cause, sizeof(d->cause),
                         "its SBL waits for a download (Quectel's SBL download mode)");
                snprintf(d->next, sizeof(d->next),
                         "power-cycle it; if it comes back the same, 'safeflash recover'");
                break;
        }
}

int sf_doctor_run(const char *device, const char *history_path, struct sf_diagnosis *ret,
                  struct sf_error *err)
{
        struct sf_diagnosis d = {0};
        struct sf_error e = {0};
        int r = sf_device_find(device, &d.dev, &e), last;

        if (r == -ENODEV) {
                d.state = SF_DOCTOR_NO_MODULE;
                snprintf(d.summary, sizeof(d.summary), "no module found");
                snprintf(d.cause, sizeof(d.cause), "%s", e.message);
                snprintf(d.next, sizeof(d.next),
                         "check power and the USB cable; 'safeflash list' shows what is there");
                *ret = d;
                return 0;
        }
        if (r < 0)
                return sf_error_set(err, r, "%s", e.message);
        if (d.dev.mode != SF_DEVICE_MODE_MEMORY_DEBUG &&
            sf_device_identify(&d.dev, &d.id, &e) < 0) {
                d.state = SF_DOCTOR_UNREACHABLE;
                snprintf(d.summary, sizeof(d.summary), "%s mode, but it does not answer",
                         sf_device_mode_to_string(d.dev.mode));
                snprintf(d.cause, sizeof(d.cause), "%s", e.message);
                snprintf(d.next, sizeof(d.next),
                         "close other programs on its ports (ModemManager, a terminal), then "
                         "power-cycle it and run 'safeflash doctor' again");
                *ret = d;
                return 0;
        }
        last = recall(&d, history_path);
        if (d.dev.mode == SF_DEVICE_MODE_NORMAL)
                running(&d, last);
        else if (d.dev.mode == SF_DEVICE_MODE_EDL)
                in_edl(&d);
        else
                other_mode(&d);
        *ret = d;
        return 0;
}
