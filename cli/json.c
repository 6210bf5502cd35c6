/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "cli.h"

void json_begin(struct json *j, FILE *f)
{
        memset(j, 0, sizeof(*j));
        j->f = f;
}

void json_write_string(FILE *f, const char *s)
{
        fputc('"', f);
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                switch (*p) {
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                case '\r':
                        fputs("\\r", f);
                        break;
                case '\t':
                        fputs("\\t", f);
                        break;
                default:
                        if (*p < 0x20 || *p == 0x7f)
                                fprintf(f, "\\u%04x", *p);
                        else
                                fputc(*p, f);
                }
        }
        fputc('"', f);
}

/* Comma, indentation and key before a value. */
static void prelude(struct json *j, const char *key)
{
        if (j->depth > 0 && j->need_comma[j->depth])
                fputc(',', j->f);
        if (j->depth > 0) {
                fputc('\n', j->f);
                for (int i = 0; i < j->depth; i++)
                        fputs("  ", j->f);
        }
        if (key) {
                json_write_string(j->f, key);
                fputs(": ", j->f);
        }
        if (j->depth > 0)
                j->need_comma[j->depth] = true;
}

static void open_(struct json *j, const char *key, char c)
{
        prelude(j, key);
        fputc(c, j->f);
        if (j->depth < 31)
                j->depth++;
        j->need_comma[j->depth] = false;
}

static void close_(struct json *j, char c)
{
        bool had = j->need_comma[j->depth];
        if (j->depth > 0)
                j->depth--;
        if (had) {
                fputc('\n', j->f);
                for (int i = 0; i < j->depth; i++)
                        fputs("  ", j->f);
        }
        fputc(c, j->f);
}

void json_obj_open(struct json *j, const char *key)
{
        open_(j, key, '{');
}

void json_obj_close(struct json *j)
{
        close_(j, '}');
}

void json_arr_open(struct json *j, const char *key)
{
        open_(j, key, '[');
}

void json_arr_close(struct json *j)
{
        close_(j, ']');
}

void json_str(struct json *j, const char *key, const char *value)
{
        prelude(j, key);
        if (value)
                json_write_string(j->f, value);
        else
                fputs("null", j->f);
}

void json_int(struct json *j, const char *key, long long value)
{
        prelude(j, key);
        fprintf(j->f, "%lld", value);
}

void json_bool(struct json *j, const char *key, bool value)
{
        prelude(j, key);
        fputs(value ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
        prelude(j, key);
        fputs("null", j->f);
}

void json_end(struct json *j)
{
        fputc('\n', j->f);
        fflush(j->f);
}
