/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DIAG/QCDM codec: the input is a received byte stream. It goes through the one-frame decoder, the
 * streaming reader in several feed sizes (whose outputs must agree), and every payload through
 * the reply parsers. Re-encoding a decoded payload must give a frame that decodes back to it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "proto/diag.h"

static uint8_t payload[SF_DIAG_READER_CAP];
static uint8_t frame[SF_DIAG_FRAME_MAX(SF_DIAG_MAX_PAYLOAD)];
static uint8_t back[SF_DIAG_MAX_PAYLOAD];
static struct sf_diag_reader reader;

static void parse_payload(const uint8_t *p, size_t len)
{
        struct sf_diag_build_id id, again;
        struct sf_diag_version_info v;
        size_t frame_len, back_len;

        if (sf_diag_parse_ext_build_id(p, len, &id) == 0) {
                if (strlen(id.revision) >= sizeof(id.revision) ||
                    strlen(id.model) >= sizeof(id.model))
                        abort();
                /* What we parsed, we can serve, and it reads back the same. */
                if (sf_diag_build_ext_build_id_reply(&id, frame, sizeof(frame), &frame_len) != 0 ||
                    sf_diag_decode(frame, frame_len, back, sizeof(back), &back_len) != 0 ||
                    sf_diag_parse_ext_build_id(back, back_len, &again) != 0 ||
                    again.version != id.version || again.msm_hw_version != id.msm_hw_version ||
                    again.mobile_model != id.mobile_model ||
                    strcmp(again.revision, id.revision) != 0 || strcmp(again.model, id.model) != 0)
                        abort();
        }
        (void)sf_diag_parse_version_info(p, len, &v);
        (void)sf_diag_parse_edl_reboot_echo(p, len);
        (void)sf_diag_cmd_to_string(len > 0 ? p[0] : 0);

        if (len == 0 || len > SF_DIAG_MAX_PAYLOAD)
                return;
        if (sf_diag_encode(p, len, true, frame, sizeof(frame), &frame_len) != 0)
                abort();
        if (sf_diag_decode(frame, frame_len, back, sizeof(back), &back_len) != 0 ||
            back_len != len || memcmp(back, p, len) != 0)
                abort();
}

/* Run the stream through the reader in pieces of `piece` bytes; returns a digest of the results so
 * that different feed sizes can be compared. */
static unsigned long run_reader(const uint8_t *data, size_t size, size_t piece)
{
        unsigned long digest = 5381;

        sf_diag_reader_init(&reader);
        while (size > 0) {
                size_t took = sf_diag_reader_feed(&reader, data, size < piece ? size : piece);
                size_t len = 0;
                int r;

                data += took;
                size -= took;
                while ((r = sf_diag_reader_next(&reader, payload, sizeof(payload), &len)) != 0) {
                        digest = digest * 33 + (unsigned long)(r + 1000);
                        if (r < 0)
                                continue;
                        if (len == 0 || len > sizeof(payload))
                                abort();
                        digest = digest * 33 + len;
                        if (piece == 1)
                                parse_payload(payload, len);
                }
        }
        return digest;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const size_t pieces[] = {1, 3, 64, 4096, SF_DIAG_READER_CAP + 7};
        unsigned long first;
        size_t len;

        if (sf_diag_decode(data, size, payload, sizeof(payload), &len) == 0)
                parse_payload(payload, len);
        /* The input may itself be a payload. */
        parse_payload(data, size);

        first = run_reader(data, size, pieces[0]);
        for (size_t i = 1; i < sizeof(pieces) / sizeof(*pieces); i++)
                if (run_reader(data, size, pieces[i]) != first)
                        abort();
        return 0;
}
