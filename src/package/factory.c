/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Why a package's chosen content is factory content (quectel.md rule R6): a factory XML, an EFS
 * image, a calibration partition written or erased, a whole LUN erased. The reader only
 * reports; policy decides. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "package/layout-internal.h"
#include "util/strutil.h"

static int add_reason(struct sf_layout *l, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static int add_reason(struct sf_layout *l, const char *fmt, ...)
{
        char buf[512];
        va_list ap;
        int r;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        r = sf_strv_push(&l->reasons, buf, SF_LAYOUT_MAX_REASONS);
        return r == -E2BIG ? 0 : r; /* the first reasons are enough to refuse */
}

/* An erase from sector 0 with no count, or one reaching past every other operation on its LUN
 * that has a known extent. */
static bool erases_everything(const struct sf_layout *l, const struct sf_layout_op *e)
{
        bool others = false;

        if (e->start_text && (!e->has_start || e->start != 0))
                return false;
        if (!e->has_num_sectors)
                return true;
        for (size_t i = 0; i < l->n_ops; i++) {
                const struct sf_layout_op *o = &l->ops[i];

                if (o == e || o->lun != e->lun)
                        continue;
                if (o->start_text && !o->has_start)
                        return false; /* relative to the disk's end: cannot tell */
                if (!o->has_start || !o->has_num_sectors)
                        continue;
                others = true;
                if (o->start > e->num_sectors || o->num_sectors > e->num_sectors - o->start)
                        return false;
        }
        return others;
}

static bool is_cefs(const char *filename)
{
        const char *base = filename;

        for (const char *p = filename; *p; p++)
                if (*p == '/' || *p == '\\')
                        base = p + 1;
        return strcasecmp(base, "cefs.mbn") == 0;
}

static int op_reasons(struct sf_layout *l, const struct sf_layout_op *op)
{
        static const char *const labels[] = {"efs2", "modemst1", "modemst2", "fsg", "fsc"};
        const char *verb = op->kind == SF_LAYOUT_OP_ERASE ? "erases" : "programs";
        int r = 0;

        if (op->filename && is_cefs(op->filename))
                r = add_reason(l, "%s:%lu: programs %s, an EFS image (calibration and IMEI)",
                               op->xml, op->line, op->filename);
        for (size_t i = 0; r >= 0 && i < sizeof(labels) / sizeof(*labels); i++)
                if (strcasecmp(op->label, labels[i]) == 0)
                        r = add_reason(l, "%s:%lu: %s partition %s", op->xml, op->line, verb,
                                       op->label);
        if (r >= 0 && op->kind == SF_LAYOUT_OP_ERASE && erases_everything(l, op))
                r = add_reason(l, "%s:%lu: erases the whole of LUN %u", op->xml, op->line, op->lun);
        return r;
}

int sf_layout_add_factory_reasons(struct sf_layout *l)
{
        int r = 0;

        for (size_t i = 0; r >= 0 && i < l->n_xml; i++)
                if (sf_endswith_ci(l->xml[i].rel, strlen(l->xml[i].rel), "_factory.xml"))
                        r = add_reason(l, "%s is a factory rawprogram", l->xml[i].rel);
        for (size_t i = 0; r >= 0 && i < l->n_ops; i++)
                r = op_reasons(l, &l->ops[i]);
        return r;
}
