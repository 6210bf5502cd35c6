/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The UBI parser, on eraseblocks a package or a module's flash may hold: the input is cut into
 * 16 KiB eraseblocks (the smallest the parser takes) and scanned strictly and leniently; what
 * both scans accept is compared. */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "package/ubi.h"

#define PEB (16 * 1024)

static struct sf_ubi *scan(const uint8_t *data, size_t size, bool strict)
{
        struct sf_ubi_scan *s = NULL;
        struct sf_ubi *u = NULL;
        uint8_t peb[PEB];

        if (sf_ubi_scan_new(PEB, strict, &s) < 0)
                return NULL;
        for (size_t off = 0; off < size; off += PEB) {
                size_t n = size - off < PEB ? size - off : PEB;
                memset(peb, 0xFF, PEB);
                memcpy(peb, data + off, n);
                if (sf_ubi_scan_peb(s, peb, PEB, NULL) < 0) {
                        sf_ubi_scan_free(s);
                        return NULL;
                }
        }
        if (sf_ubi_scan_finish(s, &u, NULL) < 0)
                return NULL;
        return u;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct sf_ubi *a, *b;
        char why[256];

        if (size > 64 * PEB)
                return 0;
        a = scan(data, size, true);
        b = scan(data, size, false);
        if (a && b)
                (void)sf_ubi_compare(a, b, why, sizeof(why));
        sf_ubi_free(a);
        sf_ubi_free(b);
        return 0;
}
