/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A backup's manifest.json as a restore reads it back (a file on disk anyone may have edited). */
#include <stdlib.h>
#include <string.h>

#include "engine/manifest.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct sf_manifest m;
        char *doc;

        if (size > 16384) /* what the reader takes (MANIFEST_MAX) */
                return 0;
        doc = malloc(size + 1);
        if (!doc)
                return 0;
        memcpy(doc, data, size);
        doc[size] = '\0';
        if (sf_manifest_parse(doc, size, &m) == 0)
                for (size_t i = 0; i < m.n; i++)
                        (void)strlen(m.part[i].file);
        free(doc);
        return 0;
}
