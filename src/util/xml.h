/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A guarded expat: no DTDs (so no entity expansion), a depth cap, a size cap, and element paths
 * ("component/requires/firmware") handed to the callbacks. */
#ifndef SF_UTIL_XML_H
#define SF_UTIL_XML_H

#include <stddef.h>

#include "safeflash/common.h"

#define SF_XML_MAX_DEPTH 32
#define SF_XML_PATH_MAX  512
#define SF_XML_TEXT_MAX  4096

struct sf_xml_handlers {
        /* attrs: NULL-terminated name, value, name, value, … Return < 0 to stop with that error. */
        int (*start)(void *userdata, const char *path, const char **attrs);
        /* The element's text content (trimmed), delivered when it ends. */
        int (*end)(void *userdata, const char *path, const char *text);
};

/* Parse a buffer. `name` names it in errors ("FILE:LINE: …"). -EBADMSG on malformed XML. */
int sf_xml_parse(const char *name, const char *buf, size_t len, const struct sf_xml_handlers *h,
                 void *userdata, struct sf_error *err);
int sf_xml_parse_file(const char *path, size_t max_size, const struct sf_xml_handlers *h,
                      void *userdata, struct sf_error *err);

/* The value of attribute name in attrs, or NULL. */
const char *sf_xml_attr(const char **attrs, const char *name);

#endif
