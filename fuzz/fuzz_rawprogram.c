/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Package layout: a rawprogram XML, a patch XML and md5.txt lines, all from the same input.
 * Documents are read as if they sat in a package folder that holds no files, so every image
 * lookup fails cleanly after the path checks. */
#include <string.h>

#include "fuzz.h"
#include "package/layout.h"

#define FAKE_PACKAGE "/nonexistent/safeflash-fuzz-package"

static void walk(const struct sf_layout *l)
{
        size_t sum = 0;

        for (size_t i = 0; i < sf_layout_op_count(l); i++) {
                const struct sf_layout_op *op = sf_layout_op(l, i);
                sum += strlen(op->label) + (op->start_text ? strlen(op->start_text) : 0);
                sum += strlen(sf_layout_op_kind_to_string(op->kind));
        }
        for (size_t i = 0; i < sf_layout_patch_count(l); i++) {
                const struct sf_layout_patch *p = sf_layout_patch(l, i);
                sum += strlen(p->start_text) + strlen(p->value) + strlen(p->what);
        }
        for (size_t i = 0; i < sf_layout_factory_reason_count(l); i++)
                sum += strlen(sf_layout_factory_reason(l, i));
        sum += strlen(sf_layout_storage_to_string(sf_layout_storage(l)));
        (void)sum;
}

static void parse(const char *rel, const char *raw, size_t raw_len, const char *patch,
                  size_t patch_len)
{
        struct sf_error err = {0};
        struct sf_layout *l = NULL;

        if (sf_layout_parse_buffers(FAKE_PACKAGE, rel, raw, raw_len, patch, patch_len, &l, &err) ==
            0)
                walk(l);
        sf_layout_free(l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *text = (const char *)data;
        const char *p = text, *end = text + size;
        char path[4096];
        uint8_t digest[16];

        /* NAND layout (image paths like ..\sbl1.mbn), then the eMMC one at the root. */
        parse("update/firehose/rawprogram_nand_p4K_b256K_update.xml", text, size, NULL, 0);
        parse("rawprogram0.xml", text, size, NULL, 0);
        parse("patch0.xml", NULL, 0, text, size);

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

                sf_layout_md5_parse_line(p, n, path, sizeof(path), digest);
                p += n + 1;
        }
        return 0;
}
