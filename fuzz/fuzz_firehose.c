/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Firehose: device reads split and parsed as the host does, host documents parsed as the
 * simulator does, the log-line helpers and the sector expressions; and whatever parses survives
 * build → parse unchanged. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "proto/firehose.h"

static void check_log_helpers(const char *text, struct sf_firehose_functions *fn)
{
        uint8_t digest[SF_FIREHOSE_DIGEST_LEN];
        uint32_t size;

        (void)sf_firehose_log_digest(text, digest);
        (void)sf_firehose_log_sector_size(text, &size);
        (void)sf_firehose_log_hint_to_string(sf_firehose_log_classify(text));
        (void)sf_firehose_log_is_vip(text);
        (void)sf_firehose_log_supported_functions(fn, text);
        (void)sf_firehose_functions_has(fn, "configure");
}

static void check_expression(const char *expr)
{
        uint64_t v, start, bytes;

        (void)sf_firehose_eval_sector(expr, 30119936, &v);
        (void)sf_firehose_eval_sector(expr, UINT64_MAX, &v);
        (void)sf_firehose_eval_sector(expr, 0, &v);
        (void)sf_firehose_parse_crc32(expr, 30119936, &start, &bytes);
        (void)sf_firehose_parse_u64(expr, &v);
}

static bool same_attrs(const struct sf_firehose_attr_set *a, const struct sf_firehose_attr_set *b)
{
        if (a->n != b->n)
                return false;
        for (size_t i = 0; i < a->n; i++)
                if (strcmp(sf_firehose_attr_name(a, i), sf_firehose_attr_name(b, i)) != 0 ||
                    strcmp(sf_firehose_attr_value(a, i), sf_firehose_attr_value(b, i)) != 0)
                        return false;
        return true;
}

static void check_reply(const char *buf, size_t len, struct sf_firehose_functions *fn)
{
        static struct sf_firehose_reply rep, again;
        static char out[8 * SF_FIREHOSE_MAX_XML];
        int n;

        if (sf_firehose_parse_reply(buf, len, &rep) < 0)
                return;
        (void)sf_firehose_reply_kind_to_string(rep.kind);
        (void)sf_firehose_rawmode_to_string(rep.rawmode);
        if (rep.kind != SF_FIREHOSE_REPLY_LOG)
                return;
        check_log_helpers(rep.text, fn);
        n = sf_firehose_build_log(out, sizeof(out), rep.text);
        if (n < 0 || (size_t)n > SF_FIREHOSE_MAX_XML)
                return; /* escaping may grow a legal value past the document cap */
        if (sf_firehose_parse_reply(out, (size_t)n, &again) < 0 ||
            strcmp(again.text, rep.text) != 0)
                abort();
}

static void check_command(const char *buf, size_t len)
{
        static struct sf_firehose_command cmd, again;
        static struct sf_firehose_attr attrs[SF_FIREHOSE_MAX_ATTRS];
        static char out[SF_FIREHOSE_MAX_XML + 1];
        uint64_t v;
        int n;

        if (sf_firehose_parse_command(buf, len, &cmd) < 0)
                return;
        (void)sf_firehose_cmd_to_string(cmd.cmd);
        for (size_t i = 0; i < cmd.attrs.n; i++) {
                attrs[i].name = sf_firehose_attr_name(&cmd.attrs, i);
                attrs[i].value = sf_firehose_attr_value(&cmd.attrs, i);
                (void)sf_firehose_attr_u64(&cmd.attrs, attrs[i].name, &v);
                check_expression(attrs[i].value);
        }
        n = sf_firehose_build_command(out, sizeof(out), cmd.element, attrs, cmd.attrs.n,
                                      SF_FIREHOSE_MAX_XML);
        if (n < 0)
                return; /* names the builder does not emit, or too long once escaped */
        if (sf_firehose_parse_command(out, (size_t)n, &again) < 0 || again.cmd != cmd.cmd ||
            strcmp(again.element, cmd.element) != 0 || !same_attrs(&again.attrs, &cmd.attrs))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct sf_firehose_functions fn;
        size_t off = 0, n;
        char *text, *line, *save = NULL;

        sf_firehose_functions_init(&fn);
        /* A host's read loop: frame by frame until the rest is raw bytes or incomplete. */
        while (off < size && sf_firehose_split(data + off, size - off, &n) == 0) {
                if (n == 0 || n > size - off)
                        abort();
                check_reply((const char *)data + off, n, &fn);
                off += n;
        }
        check_reply((const char *)data, size, &fn);
        check_command((const char *)data, size);

        text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        check_expression(text);
        sf_firehose_functions_init(&fn);
        for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
                check_log_helpers(line, &fn);
        free(text);
        return 0;
}
