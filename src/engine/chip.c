/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which chip the module is, when its boot ROM refuses Sahara command mode (protocols.md 2.10:
 * END_OF_IMAGE_TX instead of CMD_READY). The evidence, in order: what was known of the module
 * before EDL (the update path passes it: history by chip serial or IMEI, DIAG), then what the
 * programmer says of the chip once it runs (its banner's chip serial). The programmer check
 * says which it used; without any, nothing is written unless forced. */
#include <errno.h>
#include <stdio.h>

#include "engine/job.h"
#include "package/programmer.h"
#include "util/strutil.h"

int sf_job_chip_without_command_mode(struct sf_job *j, const struct sf_programmer_info *prog,
                                     struct sf_error *err)
{
        const char *from = j->o->known_chip_from ? j->o->known_chip_from : "before EDL";
        struct sf_chip_identity known = j->chip;
        int r;

        if (!j->o->has_known_chip) {
                sf_job_say(j, SF_LOG_WARNING,
                           "the boot ROM refuses Sahara command mode (status 0x%02x) and nothing "
                           "known before tells which chip this is: the chip is identified once "
                           "the programmer runs, before anything is written",
                           j->chip.refusal_status);
                j->identify_after = true;
                return 0;
        }
        known.has_hwid = true;
        known.msm_id = j->o->known_msm_id;
        r = sf_programmer_check(prog, &known, false, err);
        if (r < 0)
                return r;
        j->res.identified = true;
        j->res.msm_id = known.msm_id;
        snprintf(j->res.chip_evidence, sizeof(j->res.chip_evidence), "%s", from);
        sf_job_say(j, SF_LOG_INFO,
                   "programmer check: the boot ROM refuses command mode; checked against MSM_ID "
                   "0x%08x known from %s",
                   known.msm_id, from);
        return 0;
}

int sf_job_chip_from_programmer(struct sf_job *j, struct sf_error *err)
{
        if (j->fh.has_chip_serial) {
                j->res.identified = true;
                j->res.chip_serial = j->chip.serial = j->fh.chip_serial;
                j->chip.has_serial = true;
                snprintf(j->res.chip_evidence, sizeof(j->res.chip_evidence), "programmer");
                sf_job_say(j, SF_LOG_INFO,
                           "programmer check: the programmer runs on this chip and names its "
                           "serial 0x%08x (the boot ROM refuses command mode)",
                           j->fh.chip_serial);
                return 0;
        }
        if (!j->o->force_unidentified)
                return sf_error_set(err, -EPERM,
                                    "nothing tells which chip this module is: its boot ROM refuses "
                                    "Sahara command mode, nothing was known of it before EDL, "
                                    "and the programmer does not name the chip; nothing was "
                                    "written (--force writes anyway, unchecked)");
        snprintf(j->res.chip_evidence, sizeof(j->res.chip_evidence), "none");
        sf_job_say(j, SF_LOG_WARNING,
                   "programmer check: NONE (--force): the chip is not identified");
        return 0;
}
