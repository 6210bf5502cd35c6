/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <expat.h>
#include <limits.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/strutil.h"
#include "util/xml.h"

struct ctx {
        XML_Parser parser;
        const char *name;
        const struct sf_xml_handlers *h;
        void *userdata;
        struct sf_error *err;
        int error; /* first error; stops the parse */
        unsigned depth;
        size_t path_len[SF_XML_MAX_DEPTH + 1];
        char path[SF_XML_PATH_MAX];
        char text[SF_XML_TEXT_MAX + 1];
        size_t text_len;
};

static void stop(struct ctx *c, int error, const char *what)
{
        if (c->error)
                return;
        c->error = error;
        if (what)
                sf_error_set(c->err, error, "%s:%lu: %s", c->name,
                             (unsigned long)XML_GetCurrentLineNumber(c->parser), what);
        XML_StopParser(c->parser, XML_FALSE);
}

static void XMLCALL on_start(void *data, const XML_Char *el, const XML_Char **attrs)
{
        struct ctx *c = data;
        size_t len = c->path_len[c->depth];
        size_t el_len = strlen(el);
        int r;

        if (c->error)
                return;
        if (c->depth == SF_XML_MAX_DEPTH) {
                stop(c, -EBADMSG, "elements nested too deeply");
                return;
        }
        if (len + 1 + el_len >= sizeof(c->path)) {
                stop(c, -EBADMSG, "element path too long");
                return;
        }
        if (len)
                c->path[len++] = '/';
        memcpy(c->path + len, el, el_len + 1);
        c->depth++;
        c->path_len[c->depth] = len + el_len;
        c->text_len = 0;
        c->text[0] = '\0';
        if (c->h->start) {
                r = c->h->start(c->userdata, c->path, attrs);
                if (r < 0)
                        stop(c, r, NULL);
        }
}

static void XMLCALL on_end(void *data, const XML_Char *el)
{
        struct ctx *c = data;
        int r;

        if (c->error || c->depth == 0)
                return;
        c->text[c->text_len] = '\0';
        if (c->h->end) {
                r = c->h->end(c->userdata, c->path, sf_strstrip(c->text));
                if (r < 0) {
                        stop(c, r, NULL);
                        return;
                }
        }
        c->depth--;
        c->path[c->path_len[c->depth]] = '\0';
        c->text_len = 0;
        c->text[0] = '\0';
}

static void XMLCALL on_text(void *data, const XML_Char *s, int len)
{
        struct ctx *c = data;

        if (c->error || len <= 0)
                return;
        if ((size_t)len > SF_XML_TEXT_MAX - c->text_len) {
                stop(c, -EBADMSG, "element text too long");
                return;
        }
        memcpy(c->text + c->text_len, s, (size_t)len);
        c->text_len += (size_t)len;
}

static void XMLCALL on_doctype(void *data, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
        stop(data, -EBADMSG, "DOCTYPE declarations are not accepted");
}

static void XMLCALL on_entity(void *data, const XML_Char *name, int is_param, const XML_Char *value,
                              int value_len, const XML_Char *base, const XML_Char *sysid,
                              const XML_Char *pubid, const XML_Char *notation)
{
        stop(data, -EBADMSG, "entity declarations are not accepted");
}

int sf_xml_parse(const char *name, const char *buf, size_t len, const struct sf_xml_handlers *h,
                 void *userdata, struct sf_error *err)
{
        struct ctx c = {.name = name, .h = h, .userdata = userdata, .err = err};
        enum XML_Status st;

        if (!name || !h || (!buf && len) || len > INT_MAX)
                return -EINVAL;
        c.parser = XML_ParserCreate(NULL);
        if (!c.parser)
                return -ENOMEM;
        XML_SetUserData(c.parser, &c);
        XML_SetElementHandler(c.parser, on_start, on_end);
        XML_SetCharacterDataHandler(c.parser, on_text);
        XML_SetStartDoctypeDeclHandler(c.parser, on_doctype);
        XML_SetEntityDeclHandler(c.parser, on_entity);
        XML_SetParamEntityParsing(c.parser, XML_PARAM_ENTITY_PARSING_NEVER);
        st = XML_Parse(c.parser, buf ? buf : "", (int)len, XML_TRUE);
        if (st == XML_STATUS_ERROR && !c.error) {
                c.error = -EBADMSG;
                sf_error_set(err, -EBADMSG, "%s:%lu: malformed XML: %s", name,
                             (unsigned long)XML_GetCurrentLineNumber(c.parser),
                             XML_ErrorString(XML_GetErrorCode(c.parser)));
        } else if (c.error && c.error != -EBADMSG && err && !err->message[0]) {
                sf_error_set(err, c.error, "%s: %s", name, strerror(-c.error));
        }
        XML_ParserFree(c.parser);
        return c.error;
}

int sf_xml_parse_file(const char *path, size_t max_size, const struct sf_xml_handlers *h,
                      void *userdata, struct sf_error *err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r;

        r = sf_read_file(path, max_size, &buf, &len);
        if (r == -EFBIG)
                return sf_error_set(err, r, "%s: larger than %zu bytes", path, max_size);
        if (r < 0)
                return sf_error_set(err, r, "%s: %s", path, strerror(-r));
        return sf_xml_parse(path, buf, len, h, userdata, err);
}

const char *sf_xml_attr(const char **attrs, const char *name)
{
        for (size_t i = 0; attrs && attrs[i] && attrs[i + 1]; i += 2)
                if (strcmp(attrs[i], name) == 0)
                        return attrs[i + 1];
        return NULL;
}
