/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Sahara packet parser, and build(parse(x)) == x for every packet it accepts; the memory-debug
 * table parser in both entry forms, and what the dump makes of a table's names and a region's
 * text (device bytes, all of them). */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "proto/sahara.h"
#include "session/ramdump.h"

static void check_region(const struct sf_sahara_debug_region *e, bool is_64)
{
        uint64_t end = is_64 ? UINT64_MAX : UINT32_MAX;

        if (strlen(e->desc) > SF_SAHARA_DEBUG_NAME_LEN ||
            strlen(e->filename) > SF_SAHARA_DEBUG_NAME_LEN)
                abort();
        if (e->length > 0 && e->length - 1 > end - e->base)
                abort(); /* a wrapping range was accepted */
        /* A name accepted for a file can never leave the folder. */
        if (sf_ramdump_name_ok(e->filename) &&
            (strchr(e->filename, '/') || strstr(e->filename, "..") || e->filename[0] == '.'))
                abort();
}

static void fuzz_table(const uint8_t *data, size_t size, bool is_64)
{
        static struct sf_sahara_debug_region regs[SF_SAHARA_DEBUG_MAX_REGIONS];
        size_t n = 0;

        if (sf_sahara_parse_debug_table(data, size, is_64, regs, SF_SAHARA_DEBUG_MAX_REGIONS, &n) <
            0)
                return;
        if (n * sf_sahara_debug_entry_len(is_64) != size)
                abort();
        for (size_t i = 0; i < n; i++)
                check_region(&regs[i], is_64);
}

static void fuzz_log(const uint8_t *data, size_t size)
{
        char out[256];

        if (!sf_ramdump_log_tail(data, size, 10, out, sizeof(out)))
                return;
        for (const char *c = out; *c; c++)
                if (*c != '\n' && (*c < 0x20 || *c > 0x7e))
                        abort(); /* a control byte would reach the terminal */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct sf_sahara_packet p;
        uint8_t out[SF_SAHARA_MAX_PACKET];
        int n;

        fuzz_table(data, size, false);
        fuzz_table(data, size, true);
        fuzz_log(data, size);
        if (sf_sahara_parse(data, size, &p) < 0)
                return 0;
        n = sf_sahara_build(&p, out, sizeof(out));
        if (n != (int)size || memcmp(out, data, size) != 0)
                abort(); /* a packet that does not survive a round trip */
        (void)sf_sahara_cmd_to_string(p.cmd);
        return 0;
}
