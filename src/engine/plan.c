/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The plan: per program of the package, what the flash already holds there (same, changed,
 * unknown) and why, kept in the result and said in the log. flash.c decides; this records. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine/job.h"

const char *sf_flash_verdict_to_string(enum sf_flash_verdict v)
{
        static const char *const names[] = {"same", "changed", "unknown"};
        return (unsigned)v < sizeof(names) / sizeof(*names) ? names[v] : "invalid";
}

void sf_job_plan_note(struct sf_job *j, const struct sf_layout_op *op, enum sf_flash_verdict v,
                      const char *fmt, ...)
{
        const char *name = op->label && *op->label ? op->label : op->filename;
        struct sf_flash_plan_item item = {.verdict = v};
        va_list ap;

        snprintf(item.partition, sizeof(item.partition), "%s", name ? name : "?");
        va_start(ap, fmt);
        vsnprintf(item.why, sizeof(item.why), fmt, ap);
        va_end(ap);
        sf_job_say(j, SF_LOG_INFO, "%s: %s (%s)", item.partition, sf_flash_verdict_to_string(v),
                   item.why);
        if (j->res.plan_items < SF_FLASH_MAX_PLAN)
                j->res.plan[j->res.plan_items++] = item;
}
