/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "proto/firehose.h"
#include "util/xml.h"

/* ---- Names ---- */

static const char *const cmd_names[] = {
        [SF_FIREHOSE_CMD_UNKNOWN] = "unknown",
        [SF_FIREHOSE_CMD_CONFIGURE] = "configure",
        [SF_FIREHOSE_CMD_PROGRAM] = "program",
        [SF_FIREHOSE_CMD_READ] = "read",
        [SF_FIREHOSE_CMD_ERASE] = "erase",
        [SF_FIREHOSE_CMD_PATCH] = "patch",
        [SF_FIREHOSE_CMD_GETSTORAGEINFO] = "getstorageinfo",
        [SF_FIREHOSE_CMD_GETSHA256DIGEST] = "getsha256digest",
        [SF_FIREHOSE_CMD_NOP] = "nop",
        [SF_FIREHOSE_CMD_POWER] = "power",
        [SF_FIREHOSE_CMD_SETBOOTABLESTORAGEDRIVE] = "setbootablestoragedrive",
};

#define N_CMDS (sizeof(cmd_names) / sizeof(*cmd_names))

const char *sf_firehose_cmd_to_string(enum sf_firehose_cmd cmd)
{
        if ((size_t)cmd >= N_CMDS)
                return "unknown";
        return cmd_names[cmd];
}

/* Element names are matched as sent: only attribute names are case-insensitive (section 3.2). */
static enum sf_firehose_cmd cmd_from_name(const char *name)
{
        for (size_t i = 1; i < N_CMDS; i++)
                if (strcmp(cmd_names[i], name) == 0)
                        return (enum sf_firehose_cmd)i;
        return SF_FIREHOSE_CMD_UNKNOWN;
}

const char *sf_firehose_reply_kind_to_string(enum sf_firehose_reply_kind kind)
{
        switch (kind) {
        case SF_FIREHOSE_REPLY_LOG:
                return "log";
        case SF_FIREHOSE_REPLY_RESPONSE:
                return "response";
        }
        return "unknown";
}

const char *sf_firehose_rawmode_to_string(enum sf_firehose_rawmode rawmode)
{
        switch (rawmode) {
        case SF_FIREHOSE_RAWMODE_ABSENT:
                return "absent";
        case SF_FIREHOSE_RAWMODE_FALSE:
                return "false";
        case SF_FIREHOSE_RAWMODE_TRUE:
                return "true";
        }
        return "unknown";
}

const char *sf_firehose_functions_state_to_string(enum sf_firehose_functions_state state)
{
        switch (state) {
        case SF_FIREHOSE_FUNCTIONS_NONE:
                return "none";
        case SF_FIREHOSE_FUNCTIONS_LISTING:
                return "listing";
        case SF_FIREHOSE_FUNCTIONS_COMPLETE:
                return "complete";
        }
        return "unknown";
}

/* ---- ASCII helpers (not <ctype.h>: the locale must not change what a device may send) ---- */

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
        if (is_digit(c))
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

static bool is_space(char c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_alpha(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A conservative subset of XML names: what Firehose uses, and nothing a parser could misread. */
static bool valid_name(const char *s)
{
        size_t len;

        if (!s || !(is_alpha(s[0]) || s[0] == '_'))
                return false;
        len = strnlen(s, SF_FIREHOSE_NAME_MAX + 1);
        if (len > SF_FIREHOSE_NAME_MAX)
                return false;
        for (size_t i = 1; i < len; i++)
                if (!is_alpha(s[i]) && !is_digit(s[i]) && !strchr("_.-", s[i]))
                        return false;
        return true;
}

/* ---- Attribute sets ---- */

const char *sf_firehose_attr_name(const struct sf_firehose_attr_set *set, size_t i)
{
        if (!set || i >= set->n)
                return NULL;
        return set->pool + set->off[i].name;
}

const char *sf_firehose_attr_value(const struct sf_firehose_attr_set *set, size_t i)
{
        if (!set || i >= set->n)
                return NULL;
        return set->pool + set->off[i].value;
}

const char *sf_firehose_attr_get(const struct sf_firehose_attr_set *set, const char *name)
{
        if (!set || !name)
                return NULL;
        for (size_t i = 0; i < set->n; i++)
                if (strcasecmp(set->pool + set->off[i].name, name) == 0)
                        return set->pool + set->off[i].value;
        return NULL;
}

static int pool_put(struct sf_firehose_attr_set *set, const char *s, size_t len, uint16_t *ret_off)
{
        if (len >= sizeof(set->pool) - set->pool_len)
                return -E2BIG;
        memcpy(set->pool + set->pool_len, s, len);
        set->pool[set->pool_len + len] = '\0';
        *ret_off = (uint16_t)set->pool_len;
        set->pool_len += len + 1;
        return 0;
}

static int set_add(struct sf_firehose_attr_set *set, const char *name, const char *value)
{
        size_t name_len = strnlen(name, SF_FIREHOSE_NAME_MAX + 1);
        size_t value_len = strnlen(value, SF_FIREHOSE_VALUE_MAX + 1);
        size_t saved = set->pool_len;
        int r;

        if (set->n == SF_FIREHOSE_MAX_ATTRS || name_len > SF_FIREHOSE_NAME_MAX ||
            value_len > SF_FIREHOSE_VALUE_MAX)
                return -E2BIG;
        /* Two spellings of one name would let two readers see two different values. */
        if (sf_firehose_attr_get(set, name))
                return -EPROTO;
        r = pool_put(set, name, name_len, &set->off[set->n].name);
        if (r == 0)
                r = pool_put(set, value, value_len, &set->off[set->n].value);
        if (r < 0) {
                set->pool_len = saved;
                return r;
        }
        set->n++;
        return 0;
}

/* ---- Numbers ---- */

static int parse_dec(const char *s, size_t len, uint64_t *ret)
{
        uint64_t v = 0;

        if (len == 0)
                return -EINVAL;
        for (size_t i = 0; i < len; i++)
                if (!is_digit(s[i]))
                        return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                unsigned d = (unsigned)(s[i] - '0');

                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        *ret = v;
        return 0;
}

int sf_firehose_parse_u64(const char *s, uint64_t *ret_value)
{
        size_t len;

        if (!s || !ret_value)
                return -EINVAL;
        len = strnlen(s, SF_FIREHOSE_VALUE_MAX + 1);
        if (len > SF_FIREHOSE_VALUE_MAX)
                return -EINVAL;
        return parse_dec(s, len, ret_value);
}

int sf_firehose_attr_u64(const struct sf_firehose_attr_set *set, const char *name,
                         uint64_t *ret_value)
{
        const char *v;

        if (!set || !name || !ret_value)
                return -EINVAL;
        v = sf_firehose_attr_get(set, name);
        if (!v)
                return -ENOENT;
        return sf_firehose_parse_u64(v, ret_value);
}

/* ---- Building documents ---- */

/* Counts when out is NULL, so a document is measured before a byte of it is written. */
struct writer {
        char *out;
        size_t len;
};

static void put(struct writer *w, const char *s, size_t n)
{
        if (w->out)
                memcpy(w->out + w->len, s, n);
        w->len += n;
}

static void put_str(struct writer *w, const char *s)
{
        put(w, s, strlen(s));
}

/* The four escapes of real programmers; tab and line breaks as character references, because a
 * parser turns them into spaces in attribute values otherwise. */
static void put_escaped(struct writer *w, const char *s)
{
        for (; *s; s++) {
                switch (*s) {
                case '&':
                        put_str(w, "&amp;");
                        break;
                case '<':
                        put_str(w, "&lt;");
                        break;
                case '>':
                        put_str(w, "&gt;");
                        break;
                case '"':
                        put_str(w, "&quot;");
                        break;
                case '\t':
                        put_str(w, "&#9;");
                        break;
                case '\n':
                        put_str(w, "&#10;");
                        break;
                case '\r':
                        put_str(w, "&#13;");
                        break;
                default:
                        put(w, s, 1);
                }
        }
}

static void put_attr(struct writer *w, const struct sf_firehose_attr *a)
{
        put_str(w, " ");
        put_str(w, a->name);
        put_str(w, "=\"");
        put_escaped(w, a->value);
        put_str(w, "\"");
}

static int check_value(const char *v)
{
        size_t len;

        if (!v)
                return -EINVAL;
        len = strnlen(v, SF_FIREHOSE_VALUE_MAX + 1);
        if (len > SF_FIREHOSE_VALUE_MAX)
                return -E2BIG;
        /* Control characters other than tab and line breaks are not XML at all. */
        for (size_t i = 0; i < len; i++)
                if ((unsigned char)v[i] < 0x20 && !is_space(v[i]))
                        return -EINVAL;
        return 0;
}

/* reserved: a name the builder writes itself ("value" of log and response), or NULL. */
static int check_attrs(const struct sf_firehose_attr *attrs, size_t n, const char *reserved)
{
        int r;

        if (n && !attrs)
                return -EINVAL;
        if (n > SF_FIREHOSE_MAX_ATTRS)
                return -E2BIG;
        for (size_t i = 0; i < n; i++) {
                if (!valid_name(attrs[i].name))
                        return -EINVAL;
                r = check_value(attrs[i].value);
                if (r < 0)
                        return r;
                if (reserved && strcasecmp(attrs[i].name, reserved) == 0)
                        return -EINVAL;
                for (size_t j = 0; j < i; j++)
                        if (strcasecmp(attrs[i].name, attrs[j].name) == 0)
                                return -EINVAL;
        }
        return 0;
}

struct doc_spec {
        const char *element;
        const struct sf_firehose_attr *first; /* written before attrs, or NULL */
        const struct sf_firehose_attr *attrs;
        size_t n;
        const char *tail; /* after " />": the two sides differ only here */
};

static void emit(struct writer *w, const struct doc_spec *d)
{
        put_str(w, SF_FIREHOSE_XML_DECL "\n<data>\n<");
        put_str(w, d->element);
        if (d->first)
                put_attr(w, d->first);
        for (size_t i = 0; i < d->n; i++)
                put_attr(w, &d->attrs[i]);
        put_str(w, " />");
        put_str(w, d->tail);
}

static int build(char *out, size_t size, const struct doc_spec *d, size_t max)
{
        struct writer w = {0};

        emit(&w, d);
        if (w.len > max)
                return -E2BIG;
        if (w.len >= size)
                return -ENOBUFS;
        w = (struct writer){.out = out};
        emit(&w, d);
        out[w.len] = '\0';
        return (int)w.len;
}

int sf_firehose_build_command(char *out, size_t size, const char *element,
                              const struct sf_firehose_attr *attrs, size_t n, size_t max_xml)
{
        struct doc_spec d = {.element = element, .attrs = attrs, .n = n, .tail = "\n</data>"};
        int r;

        if (!out || !valid_name(element))
                return -EINVAL;
        r = check_attrs(attrs, n, NULL);
        if (r < 0)
                return r;
        return build(out, size, &d, max_xml);
}

int sf_firehose_build_log(char *out, size_t size, const char *text)
{
        struct sf_firehose_attr value = {"value", text};
        struct doc_spec d = {.element = "log", .first = &value, .tail = "</data>"};
        int r;

        if (!out)
                return -EINVAL;
        r = check_value(text);
        if (r < 0)
                return r;
        return build(out, size, &d, SIZE_MAX);
}

int sf_firehose_build_response(char *out, size_t size, bool ack,
                               const struct sf_firehose_attr *attrs, size_t n)
{
        struct sf_firehose_attr value = {"value", ack ? "ACK" : "NAK"};
        struct doc_spec d = {
                .element = "response", .first = &value, .attrs = attrs, .n = n, .tail = "</data>"};
        int r;

        if (!out)
                return -EINVAL;
        r = check_attrs(attrs, n, "value");
        if (r < 0)
                return r;
        return build(out, size, &d, SIZE_MAX);
}

/* ---- Parsing documents ---- */

struct doc {
        bool child;
        char element[SF_FIREHOSE_NAME_MAX + 1];
        struct sf_firehose_attr_set attrs;
};

/* sf_xml hands us paths: "data" for the root, "data/NAME" for its children. */
static int on_start(void *userdata, const char *path, const char **attrs)
{
        struct doc *d = userdata;
        const char *name = strchr(path, '/');
        size_t len;
        int r;

        if (!name)
                return strcmp(path, "data") == 0 ? 0 : -EPROTO;
        name++;
        if (strchr(name, '/') || d->child)
                return -EPROTO; /* nested, or a second command in one document */
        len = strlen(name);
        if (len > SF_FIREHOSE_NAME_MAX)
                return -E2BIG;
        memcpy(d->element, name, len + 1);
        d->child = true;
        for (size_t i = 0; attrs && attrs[i] && attrs[i + 1]; i += 2) {
                r = set_add(&d->attrs, attrs[i], attrs[i + 1]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static const struct sf_xml_handlers doc_handlers = {.start = on_start};

static int parse_doc(const char *buf, size_t len, struct doc *d)
{
        size_t off = 0;
        int r;

        if (!buf)
                return -EINVAL;
        if (len > SF_FIREHOSE_MAX_XML)
                return -E2BIG;
        /* Expat refuses white space before the declaration; some peers leave a newline between
         * documents. */
        while (off < len && is_space(buf[off]))
                off++;
        memset(d, 0, sizeof(*d));
        r = sf_xml_parse("firehose", buf + off, len - off, &doc_handlers, d, NULL);
        if (r < 0)
                return r;
        if (!d->child)
                return -EPROTO;
        return 0;
}

int sf_firehose_parse_command(const char *buf, size_t len, struct sf_firehose_command *ret)
{
        struct doc d;
        int r;

        if (!ret)
                return -EINVAL;
        r = parse_doc(buf, len, &d);
        if (r < 0)
                return r;
        ret->cmd = cmd_from_name(d.element);
        memcpy(ret->element, d.element, sizeof(ret->element));
        ret->attrs = d.attrs;
        return 0;
}

static int parse_response(const struct doc *d, struct sf_firehose_reply *r)
{
        const char *value = sf_firehose_attr_get(&d->attrs, "value");
        const char *raw = sf_firehose_attr_get(&d->attrs, "rawmode");

        r->kind = SF_FIREHOSE_REPLY_RESPONSE;
        if (value && strcmp(value, "ACK") == 0)
                r->ack = true;
        else if (value && strcmp(value, "NAK") == 0)
                r->ack = false;
        else
                return -EPROTO;
        if (!raw)
                r->rawmode = SF_FIREHOSE_RAWMODE_ABSENT;
        else if (strcmp(raw, "true") == 0)
                r->rawmode = SF_FIREHOSE_RAWMODE_TRUE;
        else if (strcmp(raw, "false") == 0)
                r->rawmode = SF_FIREHOSE_RAWMODE_FALSE;
        else
                return -EPROTO; /* guessing here could start or skip a raw phase */
        return 0;
}

static int reply_from_doc(const struct doc *d, struct sf_firehose_reply *r)
{
        const char *value = sf_firehose_attr_get(&d->attrs, "value");
        bool response = strcmp(d->element, "response") == 0;
        int e;

        if (response) {
                e = parse_response(d, r);
                if (e < 0)
                        return e;
        } else if (strcmp(d->element, "log") == 0 && value) {
                r->kind = SF_FIREHOSE_REPLY_LOG;
                /* Fits: set_add capped every value at SF_FIREHOSE_VALUE_MAX. */
                memcpy(r->text, value, strlen(value) + 1);
        } else {
                return -EPROTO;
        }
        for (size_t i = 0; i < d->attrs.n; i++) {
                const char *name = sf_firehose_attr_name(&d->attrs, i);

                if (strcasecmp(name, "value") == 0 ||
                    (response && strcasecmp(name, "rawmode") == 0))
                        continue;
                e = set_add(&r->attrs, name, sf_firehose_attr_value(&d->attrs, i));
                if (e < 0)
                        return e;
        }
        return 0;
}

int sf_firehose_parse_reply(const char *buf, size_t len, struct sf_firehose_reply *ret)
{
        struct sf_firehose_reply reply = {0};
        struct doc d;
        int r;

        if (!ret)
                return -EINVAL;
        r = parse_doc(buf, len, &d);
        if (r < 0)
                return r;
        r = reply_from_doc(&d, &reply);
        if (r < 0)
                return r;
        *ret = reply;
        return 0;
}

int sf_firehose_split(const uint8_t *buf, size_t len, size_t *ret_doc_len)
{
        static const char doc_open[] = "<?xml", doc_close[] = "</data>";
        const size_t open_len = sizeof(doc_open) - 1, close_len = sizeof(doc_close) - 1;
        size_t limit = len < SF_FIREHOSE_MAX_XML ? len : SF_FIREHOSE_MAX_XML;
        size_t off = 0, avail;
        const uint8_t *next, *end;

        if ((!buf && len) || !ret_doc_len)
                return -EINVAL;
        if (len == 0)
                return -EAGAIN;
        while (off < limit && is_space((char)buf[off]))
                off++;
        avail = limit - off;
        if (memcmp(buf + off, doc_open, avail < open_len ? avail : open_len) != 0)
                return -EPROTO;
        if (avail >= open_len) {
                end = memmem(buf + off + open_len, avail - open_len, doc_close, close_len);
                next = memmem(buf + off + open_len, avail - open_len, doc_open, open_len);
                if (next && (!end || next < end)) {
                        *ret_doc_len = (size_t)(next - buf);
                        return 0;
                }
                if (end) {
                        *ret_doc_len = (size_t)(end - buf) + close_len;
                        return 0;
                }
        }
        return len >= SF_FIREHOSE_MAX_XML ? -E2BIG : -EAGAIN;
}

/* ---- Sector expressions ---- */

/* A decimal literal; a trailing '.' marks it decimal in rawprogram and patch files. */
static int parse_number(const char *s, size_t len, uint64_t *ret)
{
        if (len > 0 && s[len - 1] == '.')
                len--;
        return parse_dec(s, len, ret);
}

static int eval_span(const char *s, size_t len, uint64_t nds, uint64_t *ret)
{
        static const char var[] = "NUM_DISK_SECTORS";
        const size_t var_len = sizeof(var) - 1;
        uint64_t n;
        int r;

        if (len < var_len || memcmp(s, var, var_len) != 0)
                return parse_number(s, len, ret);
        if (len == var_len) {
                *ret = nds;
                return 0;
        }
        if (s[var_len] != '-' && s[var_len] != '+')
                return -EINVAL;
        r = parse_number(s + var_len + 1, len - var_len - 1, &n);
        if (r < 0)
                return r;
        if (s[var_len] == '-') {
                if (n > nds)
                        return -ERANGE;
                *ret = nds - n;
        } else {
                if (n > UINT64_MAX - nds)
                        return -ERANGE;
                *ret = nds + n;
        }
        return 0;
}

static int expr_len(const char *expr, size_t *ret)
{
        size_t len;

        if (!expr)
                return -EINVAL;
        len = strnlen(expr, SF_FIREHOSE_VALUE_MAX + 1);
        if (len > SF_FIREHOSE_VALUE_MAX)
                return -E2BIG;
        *ret = len;
        return 0;
}

#define CRC32_OPEN     "CRC32("
#define CRC32_OPEN_LEN (sizeof(CRC32_OPEN) - 1)

int sf_firehose_eval_sector(const char *expr, uint64_t num_disk_sectors, uint64_t *ret)
{
        size_t len;
        int r;

        if (!ret)
                return -EINVAL;
        r = expr_len(expr, &len);
        if (r < 0)
                return r;
        if (strncmp(expr, CRC32_OPEN, CRC32_OPEN_LEN) == 0)
                return -EOPNOTSUPP; /* needs the disk's contents: sf_firehose_parse_crc32 */
        return eval_span(expr, len, num_disk_sectors, ret);
}

int sf_firehose_parse_crc32(const char *expr, uint64_t num_disk_sectors, uint64_t *ret_start_sector,
                            uint64_t *ret_num_bytes)
{
        const char *inner, *comma;
        size_t len, inner_len;
        uint64_t start, bytes;
        int r;

        if (!ret_start_sector || !ret_num_bytes)
                return -EINVAL;
        r = expr_len(expr, &len);
        if (r < 0)
                return r;
        if (len < CRC32_OPEN_LEN + 1 || strncmp(expr, CRC32_OPEN, CRC32_OPEN_LEN) != 0 ||
            expr[len - 1] != ')')
                return -EINVAL;
        inner = expr + CRC32_OPEN_LEN;
        inner_len = len - CRC32_OPEN_LEN - 1;
        comma = memchr(inner, ',', inner_len);
        if (!comma)
                return -EINVAL;
        r = eval_span(inner, (size_t)(comma - inner), num_disk_sectors, &start);
        if (r < 0)
                return r;
        r = parse_number(comma + 1, inner_len - (size_t)(comma - inner) - 1, &bytes);
        if (r < 0)
                return r;
        *ret_start_sector = start;
        *ret_num_bytes = bytes;
        return 0;
}

/* The CRC-32 of zlib (the reflected 0xEDB88320, inverted in and out): the one in GPT headers,
 * CRC32() sector expressions and UBI (there without the final inversion). */
uint32_t sf_firehose_crc32_update(uint32_t crc, const uint8_t *buf, size_t len)
{
        return buf && len ? (uint32_t)crc32_z(crc, buf, len) : crc;
}

uint32_t sf_firehose_crc32(const uint8_t *buf, size_t len)
{
        return sf_firehose_crc32_update(0, buf, len);
}

/* ---- Log lines ---- */

#define VIP_MARKER      "VIP is enabled, receiving the signed table"
#define SECTOR_EQ       "must be equal to disk sector size "
#define SECTOR_DIFFERS  "different from device sector size ("
#define SECTOR_SENTENCE "Attribute 'SECTOR_SIZE_IN_BYTES'=%" PRIu64 " " SECTOR_EQ "%" PRIu64

static const struct {
        const char *needle;
        enum sf_firehose_log_hint hint;
} log_hints[] = {
        {VIP_MARKER, SF_FIREHOSE_LOG_VIP},
        {SECTOR_EQ, SF_FIREHOSE_LOG_SECTOR_SIZE},
        {SECTOR_DIFFERS, SF_FIREHOSE_LOG_SECTOR_SIZE},
        {"Not support configure MemoryName eMMC", SF_FIREHOSE_LOG_EMMC_UNSUPPORTED},
        {"Only nop and sig tag can be", SF_FIREHOSE_LOG_AUTH_REQUIRED},
        {"Failed to set the IO options", SF_FIREHOSE_LOG_IO_OPTIONS_FAILED},
        {"Failed to open the SDCC Device", SF_FIREHOSE_LOG_SDCC_OPEN_FAILED},
        {"Failed to initialize (open whole lun) UFS Device slot", SF_FIREHOSE_LOG_UFS_OPEN_FAILED},
};

const char *sf_firehose_log_hint_to_string(enum sf_firehose_log_hint hint)
{
        switch (hint) {
        case SF_FIREHOSE_LOG_OTHER:
                return "other";
        case SF_FIREHOSE_LOG_VIP:
                return "vip";
        case SF_FIREHOSE_LOG_SECTOR_SIZE:
                return "sector-size";
        case SF_FIREHOSE_LOG_EMMC_UNSUPPORTED:
                return "emmc-unsupported";
        case SF_FIREHOSE_LOG_AUTH_REQUIRED:
                return "auth-required";
        case SF_FIREHOSE_LOG_IO_OPTIONS_FAILED:
                return "io-options-failed";
        case SF_FIREHOSE_LOG_SDCC_OPEN_FAILED:
                return "sdcc-open-failed";
        case SF_FIREHOSE_LOG_UFS_OPEN_FAILED:
                return "ufs-open-failed";
        case SF_FIREHOSE_LOG_ERROR:
                return "error";
        case SF_FIREHOSE_LOG_WARN:
                return "warn";
        }
        return "unknown";
}

enum sf_firehose_log_hint sf_firehose_log_classify(const char *text)
{
        if (!text)
                return SF_FIREHOSE_LOG_OTHER;
        for (size_t i = 0; i < sizeof(log_hints) / sizeof(*log_hints); i++)
                if (strstr(text, log_hints[i].needle))
                        return log_hints[i].hint;
        if (strncmp(text, "ERROR", 5) == 0)
                return SF_FIREHOSE_LOG_ERROR;
        if (strncmp(text, "WARN", 4) == 0)
                return SF_FIREHOSE_LOG_WARN;
        return SF_FIREHOSE_LOG_OTHER;
}

bool sf_firehose_log_is_vip(const char *text)
{
        return text && strstr(text, VIP_MARKER);
}

int sf_firehose_log_digest(const char *text, uint8_t ret_digest[SF_FIREHOSE_DIGEST_LEN])
{
        const char *p = text, *start;

        if (!text || !ret_digest)
                return -EINVAL;
        /* "Digest <hex>" is one such run; qdl accepts any. Longer runs are something else. */
        while (*p) {
                if (hex_value(*p) < 0) {
                        p++;
                        continue;
                }
                start = p;
                while (hex_value(*p) >= 0)
                        p++;
                if (p - start != 2 * SF_FIREHOSE_DIGEST_LEN)
                        continue;
                for (size_t i = 0; i < SF_FIREHOSE_DIGEST_LEN; i++)
                        ret_digest[i] = (uint8_t)(hex_value(start[2 * i]) << 4 |
                                                  hex_value(start[2 * i + 1]));
                return 0;
        }
        return -ENOENT;
}

/* A sector size a host could adopt: a power of two from 512 to 64 KiB. */
static int read_sector_size(const char *p, char terminator, uint32_t *ret)
{
        size_t len = 0;
        uint64_t v;

        while (is_digit(p[len]) && len < 6)
                len++;
        if (parse_dec(p, len, &v) < 0 || is_digit(p[len]))
                return -EPROTO;
        if (terminator && p[len] != terminator)
                return -EPROTO;
        if (v < 512 || v > 65536 || (v & (v - 1)) != 0)
                return -EPROTO;
        *ret = (uint32_t)v;
        return 0;
}

int sf_firehose_log_sector_size(const char *text, uint32_t *ret_size)
{
        const char *p;

        if (!text || !ret_size)
                return -EINVAL;
        p = strstr(text, SECTOR_EQ);
        if (p)
                return read_sector_size(p + strlen(SECTOR_EQ), '\0', ret_size);
        p = strstr(text, SECTOR_DIFFERS);
        if (p)
                return read_sector_size(p + strlen(SECTOR_DIFFERS), ')', ret_size);
        return -ENOENT;
}

int sf_firehose_format_sector_size_error(char *out, size_t size, uint64_t requested, uint64_t disk)
{
        int n;

        if (!out)
                return -EINVAL;
        n = snprintf(out, size, "ERROR: " SECTOR_SENTENCE, requested, disk);
        if (n < 0)
                return -EINVAL;
        if ((size_t)n >= size)
                return -ENOBUFS;
        return n;
}

/* ---- The banner's function list ---- */

void sf_firehose_functions_init(struct sf_firehose_functions *f)
{
        if (f)
                memset(f, 0, sizeof(*f));
}

bool sf_firehose_functions_has(const struct sf_firehose_functions *f, const char *name)
{
        if (!f || !name)
                return false;
        for (size_t i = 0; i < f->n && i < SF_FIREHOSE_MAX_FUNCTIONS; i++)
                if (strcmp(f->names[i], name) == 0)
                        return true;
        return false;
}

static bool is_function_char(char c)
{
        return is_alpha(c) || is_digit(c) || c == '_' || c == '-';
}

static int add_function(struct sf_firehose_functions *f, const char *name, size_t len)
{
        if (len > SF_FIREHOSE_FUNCTION_NAME_MAX)
                return -E2BIG;
        for (size_t i = 0; i < f->n; i++)
                if (strncmp(f->names[i], name, len) == 0 && f->names[i][len] == '\0')
                        return 0;
        if (f->n == SF_FIREHOSE_MAX_FUNCTIONS)
                return -E2BIG;
        memcpy(f->names[f->n], name, len);
        f->names[f->n][len] = '\0';
        f->n++;
        return 0;
}

/* "INFO: program" → "program"; the level prefix is optional. */
static const char *strip_level(const char *s)
{
        if (strncmp(s, "INFO:", 5) == 0)
                s += 5;
        while (is_space(*s))
                s++;
        return s;
}

/* After "Supported Functions": " (15):" opens a list, ": a b c" is the whole list. */
static int on_header(struct sf_firehose_functions *f, const char *rest)
{
        struct sf_firehose_functions next = {.state = SF_FIREHOSE_FUNCTIONS_LISTING};
        uint64_t count;
        size_t len;
        int r;

        if (rest[0] == ' ' && rest[1] == '(') {
                len = strspn(rest + 2, "0123456789");
                if (rest[2 + len] == ')' && len <= 4 && parse_dec(rest + 2, len, &count) == 0)
                        next.announced = (size_t)count;
                *f = next;
                return 1;
        }
        if (rest[0] != ':')
                return 0;
        for (rest++; *rest; rest += len) {
                len = 0;
                while (is_function_char(rest[len]))
                        len++;
                if (len == 0) {
                        len = 1; /* a separator */
                        continue;
                }
                r = add_function(&next, rest, len);
                if (r < 0)
                        return r;
        }
        if (next.n > 0)
                next.state = SF_FIREHOSE_FUNCTIONS_COMPLETE;
        *f = next;
        return next.state == SF_FIREHOSE_FUNCTIONS_COMPLETE ? 2 : 1;
}

int sf_firehose_log_supported_functions(struct sf_firehose_functions *f, const char *text)
{
        static const char header[] = "Supported Functions", end[] = "End of supported functions";
        const char *s;
        size_t len, trail;
        int r;

        if (!f || !text || f->n > SF_FIREHOSE_MAX_FUNCTIONS)
                return -EINVAL;
        s = strip_level(text);
        if (strncmp(s, header, sizeof(header) - 1) == 0)
                return on_header(f, s + sizeof(header) - 1);
        if (f->state != SF_FIREHOSE_FUNCTIONS_LISTING)
                return 0;
        if (strncasecmp(s, end, sizeof(end) - 1) == 0) {
                f->state = SF_FIREHOSE_FUNCTIONS_COMPLETE;
                return 2;
        }
        len = 0;
        while (is_function_char(s[len]))
                len++;
        trail = len;
        while (is_space(s[trail]))
                trail++;
        if (len == 0 || s[trail] != '\0')
                return 0; /* not a bare name: some other log line inside the list */
        r = add_function(f, s, len);
        return r < 0 ? r : 1;
}
