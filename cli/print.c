/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* How versions are shown: text for people, JSON for programs. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "safeflash/version.h"

void cli_json_version(struct json *j, const char *key, const struct sf_version *v)
{
        char sub[32];

        json_obj_open(j, key);
        json_str(j, "input", v->raw);
        json_str(j, "canonical", v->canonical);
        json_str(j, "form", sf_version_form_to_string(v->form));
        if (v->form == SF_VERSION_FORM_UNKNOWN) {
                json_str(j, "error", v->error);
                json_obj_close(j);
                return;
        }
        json_str(j, "prefix", v->prefix);
        json_str(j, "model", *v->model ? v->model : NULL);
        json_str(j, "region", *v->model ? v->region : NULL);
        json_str(j, "variant", *v->model ? v->variant : NULL);
        json_int(j, "baseline", v->baseline);
        json_int(j, "release", v->release);
        if (v->edition >= 0)
                json_int(j, "edition", v->edition);
        else
                json_null(j, "edition");
        json_str(j, "memory", *v->memory ? v->memory : NULL);
        json_arr_open(j, "tags");
        for (unsigned i = 0; i < v->n_tags; i++)
                json_str(j, NULL, v->tags[i]);
        json_arr_close(j);
        sf_version_format_sub(v, sub, sizeof(sub));
        if (v->n_groups == 0) {
                json_null(j, "sub_version");
        } else {
                json_obj_open(j, "sub_version");
                json_str(j, "text", sub);
                json_str(j, "modem_main", v->modem_main);
                json_int(j, "modem_minor", v->modem_minor);
                json_str(j, "ap_main", v->n_groups >= 3 ? v->ap_main : NULL);
                if (v->n_groups >= 4)
                        json_int(j, "ap_minor", v->ap_minor);
                else
                        json_null(j, "ap_minor");
                if (v->sub_edition >= 0)
                        json_int(j, "edition", v->sub_edition);
                json_obj_close(j);
        }
        json_str(j, "package_suffix", *v->suffix ? v->suffix : NULL);
        json_obj_close(j);
}

void cli_version_summary(const struct sf_version *v, char *buf, size_t size)
{
        char sub[32];

        if (v->form == SF_VERSION_FORM_UNKNOWN) {
                snprintf(buf, size, "unknown: %s", v->error);
                return;
        }
        sf_version_format_sub(v, sub, sizeof(sub));
        if (v->n_groups)
                snprintf(buf, size, "%s R%02d A%02d %s, branch %s (%s)%s", v->prefix, v->baseline,
                         v->release, *v->memory ? v->memory : "-", v->modem_main, sub,
                         v->form == SF_VERSION_FORM_FULL ? "" : ", incomplete");
        else
                snprintf(buf, size, "%s R%02d A%02d %s, no sub-version", v->prefix, v->baseline,
                         v->release, *v->memory ? v->memory : "-");
}

static void print_sub(FILE *f, const struct sf_version *v, const char *indent)
{
        char sub[32];

        sf_version_format_sub(v, sub, sizeof(sub));
        if (v->n_groups == 0) {
                fprintf(f, "%sSub-version  none (revision only: AT+QGMR prints the full version)\n",
                        indent);
                return;
        }
        fprintf(f, "%sSub-version  %s  (modem %s.%03d", indent, sub, v->modem_main, v->modem_minor);
        if (v->n_groups >= 4)
                fprintf(f, ", AP %s.%03d", v->ap_main, v->ap_minor);
        fprintf(f, "; branch %s%s)\n", v->modem_main,
                strcmp(v->modem_main, "01") == 0 ? ", the standard one" : ", a customer/OEM one");
        if (v->sub_edition >= 0)
                fprintf(f, "%sSubEdition   V%02d\n", indent, v->sub_edition);
}

void cli_print_version(FILE *f, const struct sf_version *v, const char *indent)
{
        fprintf(f, "%sVersion      %s\n", indent, v->raw);
        fprintf(f, "%sForm         %s\n", indent, sf_version_form_to_string(v->form));
        if (v->form == SF_VERSION_FORM_UNKNOWN) {
                fprintf(f, "%sWhy          %s\n", indent, v->error);
                return;
        }
        if (*v->model)
                fprintf(f, "%sHardware     %s  (model %s, region %s, variant %s)\n", indent,
                        v->prefix, v->model, *v->region ? v->region : "-",
                        *v->variant ? v->variant : "-");
        else
                fprintf(f, "%sHardware     %s  (model not in safeflash's table)\n", indent,
                        v->prefix);
        fprintf(f, "%sBaseline     R%02d\n%sRelease      A%02d\n", indent, v->baseline, indent,
                v->release);
        if (v->edition >= 0)
                fprintf(f, "%sEdition      V%02d\n", indent, v->edition);
        fprintf(f, "%sMemory       %s\n", indent, *v->memory ? v->memory : "none");
        fprintf(f, "%sTags         ", indent);
        for (unsigned i = 0; i < v->n_tags; i++)
                fprintf(f, "%s%s%s", i ? " " : "", v->tags[i],
                        sf_version_tag_is_beta(v->tags[i]) ? " (beta)" : "");
        fprintf(f, "%s\n", v->n_tags ? "" : "none");
        print_sub(f, v, indent);
        if (*v->suffix)
                fprintf(f, "%sNote         package-name suffix '%s' ignored\n", indent, v->suffix);
        if (v->trailing)
                fprintf(f, "%sNote         stray letter '%c' after the memory code\n", indent,
                        v->trailing);
        if (v->form == SF_VERSION_FORM_TRANSIENT)
                fprintf(f,
                        "%sNote         AP part 00.000: read while the module was still "
                        "starting; read it again\n",
                        indent);
        if (v->form == SF_VERSION_FORM_TRUNCATED)
                fprintf(f,
                        "%sNote         sub-version is truncated; the full one has four groups\n",
                        indent);
}

int cli_error(struct sf_error *err, int code, const char *fmt, ...)
{
        va_list ap;

        if (err) {
                va_start(ap, fmt);
                vsnprintf(err->message, sizeof(err->message), fmt, ap);
                va_end(ap);
        }
        return code;
}
