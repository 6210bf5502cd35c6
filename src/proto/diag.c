/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DIAG/QCDM HDLC framing and the few DIAG requests safeflash sends. Pure: no I/O, no allocation,
 * no logging. See diag.h for the contracts and the protocol reference, section 4, for the wire. */
#include <errno.h>
#include <string.h>

#include "proto/diag.h"

#define CRC_INIT    0xFFFF
#define CRC_POLY    0x8408 /* 0x1021 reflected */
#define CRC_RESIDUE 0xF0B8 /* register after running over payload and its own CRC */

#define EXT_BUILD_ID_HEADER 12 /* cmd, version, 2 reserved, msm_hw_version, mobile_model */
#define VERSION_INFO_MIN    54 /* through msm_ver; the byte after it is unnamed */

static const uint8_t edl_reboot_payload[] = {SF_DIAG_CMD_SUBSYS, SF_DIAG_SUBSYS_EDL,
                                             SF_DIAG_SUBSYS_CMD_EDL_REBOOT & 0xFF,
                                             SF_DIAG_SUBSYS_CMD_EDL_REBOOT >> 8};

const char *sf_diag_cmd_to_string(unsigned int cmd)
{
        switch (cmd) {
        case SF_DIAG_CMD_VERSION_INFO:
                return "VERSION_INFO";
        case SF_DIAG_CMD_BAD_CMD:
                return "BAD_CMD";
        case SF_DIAG_CMD_BAD_PARM:
                return "BAD_PARM";
        case SF_DIAG_CMD_BAD_LEN:
                return "BAD_LEN";
        case SF_DIAG_CMD_BAD_MODE:
                return "BAD_MODE";
        case SF_DIAG_CMD_NV_READ:
                return "NV_READ";
        case SF_DIAG_CMD_DLOAD:
                return "DLOAD";
        case SF_DIAG_CMD_BAD_SEC_MODE:
                return "BAD_SEC_MODE";
        case SF_DIAG_CMD_SUBSYS:
                return "SUBSYS";
        case SF_DIAG_CMD_EXT_BUILD_ID:
                return "EXT_BUILD_ID";
        }
        return "unknown";
}

static uint16_t crc_byte(uint16_t crc, uint8_t b)
{
        crc ^= b;
        for (int i = 0; i < 8; i++)
                crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ CRC_POLY) : (uint16_t)(crc >> 1);
        return crc;
}

uint16_t sf_diag_crc16(const uint8_t *data, size_t len)
{
        uint16_t crc = CRC_INIT;

        for (size_t i = 0; i < len; i++)
                crc = crc_byte(crc, data[i]);
        return (uint16_t)~crc;
}

static bool needs_escape(uint8_t b)
{
        return b == SF_DIAG_FLAG || b == SF_DIAG_ESCAPE;
}

static size_t put_escaped(uint8_t *out, size_t o, uint8_t b)
{
        if (needs_escape(b)) {
                out[o++] = SF_DIAG_ESCAPE;
                b ^= SF_DIAG_ESC_MASK;
        }
        out[o++] = b;
        return o;
}

int sf_diag_encode(const uint8_t *payload, size_t len, bool leading_flag, uint8_t *out,
                   size_t out_size, size_t *ret_len)
{
        uint16_t crc;
        uint8_t crc_le[2];
        size_t need, o = 0;

        if (len == 0)
                return -EINVAL;
        if (len > SF_DIAG_MAX_PAYLOAD)
                return -EMSGSIZE;
        crc = sf_diag_crc16(payload, len);
        crc_le[0] = (uint8_t)(crc & 0xFF);
        crc_le[1] = (uint8_t)(crc >> 8);

        /* Bounded by SF_DIAG_FRAME_MAX(SF_DIAG_MAX_PAYLOAD): no overflow. */
        need = (leading_flag ? 1 : 0) + len + 2 + 1;
        for (size_t i = 0; i < len; i++)
                need += needs_escape(payload[i]);
        need += needs_escape(crc_le[0]) + needs_escape(crc_le[1]);
        if (need > out_size)
                return -ENOBUFS;

        if (leading_flag)
                out[o++] = SF_DIAG_FLAG;
        for (size_t i = 0; i < len; i++)
                o = put_escaped(out, o, payload[i]);
        o = put_escaped(out, o, crc_le[0]);
        o = put_escaped(out, o, crc_le[1]);
        out[o++] = SF_DIAG_FLAG;
        *ret_len = o;
        return 0;
}

/* Walk the escaped bytes once: reject flags and dangling escapes, count the unescaped bytes and
 * run the CRC over all of them, so the frame is judged before anything is written. */
static int scan_frame(const uint8_t *f, size_t len, size_t *ret_n, uint16_t *ret_crc)
{
        uint16_t crc = CRC_INIT;
        size_t n = 0;

        for (size_t i = 0; i < len; i++) {
                uint8_t b = f[i];

                if (b == SF_DIAG_FLAG)
                        return -EPROTO;
                if (b == SF_DIAG_ESCAPE) {
                        if (++i == len || f[i] == SF_DIAG_FLAG)
                                return -EPROTO;
                        b = f[i] ^ SF_DIAG_ESC_MASK;
                }
                crc = crc_byte(crc, b);
                n++;
        }
        *ret_n = n;
        *ret_crc = crc;
        return 0;
}

int sf_diag_decode(const uint8_t *frame, size_t len, uint8_t *out, size_t out_size, size_t *ret_len)
{
        size_t n, payload_len, i = 0;
        uint16_t crc;
        int r;

        if (len > 0 && frame[0] == SF_DIAG_FLAG) {
                frame++;
                len--;
        }
        if (len > 0 && frame[len - 1] == SF_DIAG_FLAG)
                len--;

        r = scan_frame(frame, len, &n, &crc);
        if (r < 0)
                return r;
        if (n < 3)
                return -EPROTO;
        if (crc != CRC_RESIDUE)
                return -EBADMSG;
        payload_len = n - 2;
        if (payload_len > out_size)
                return -ENOBUFS;

        /* Validated above: every escape has its byte. */
        for (size_t o = 0; o < payload_len; o++) {
                uint8_t b = frame[i++];

                if (b == SF_DIAG_ESCAPE)
                        b = frame[i++] ^ SF_DIAG_ESC_MASK;
                out[o] = b;
        }
        *ret_len = payload_len;
        return 0;
}

void sf_diag_reader_init(struct sf_diag_reader *r)
{
        r->start = 0;
        r->end = 0;
        r->skipping = false;
}

size_t sf_diag_reader_feed(struct sf_diag_reader *r, const uint8_t *data, size_t n)
{
        size_t room, take;

        if (r->start == r->end)
                r->start = r->end = 0;
        room = sizeof(r->buf) - r->end;
        if (n > room && r->start > 0) {
                memmove(r->buf, r->buf + r->start, r->end - r->start);
                r->end -= r->start;
                r->start = 0;
                room = sizeof(r->buf) - r->end;
        }
        take = n < room ? n : room;
        if (take > 0)
                memcpy(r->buf + r->end, data, take);
        r->end += take;
        return take;
}

static int reader_no_flag(struct sf_diag_reader *r, size_t avail)
{
        if (r->skipping) {
                /* Still inside an over-long frame: drop what came so far. */
                r->start = r->end = 0;
                return 0;
        }
        if (avail < sizeof(r->buf))
                return 0;
        /* Longer than any frame we accept: report it once, never buffer it whole. */
        r->start = r->end = 0;
        r->skipping = true;
        return -EMSGSIZE;
}

int sf_diag_reader_next(struct sf_diag_reader *r, uint8_t *out, size_t out_size, size_t *ret_len)
{
        for (;;) {
                const uint8_t *p = r->buf + r->start;
                size_t avail = r->end - r->start;
                const uint8_t *flag = memchr(p, SF_DIAG_FLAG, avail);
                size_t flen;
                int k;

                if (!flag)
                        return reader_no_flag(r, avail);
                flen = (size_t)(flag - p);
                r->start += flen + 1;
                if (r->skipping) {
                        /* The tail of an over-long frame ends here. */
                        r->skipping = false;
                        continue;
                }
                if (flen == 0)
                        continue;
                k = sf_diag_decode(p, flen, out, out_size, ret_len);
                return k < 0 ? k : 1;
        }
}

int sf_diag_check_reply(const uint8_t *payload, size_t len, uint8_t expected_cmd)
{
        if (len == 0)
                return -EPROTO;
        if (payload[0] == expected_cmd)
                return 0;
        switch (payload[0]) {
        case SF_DIAG_CMD_BAD_CMD:
                return -EOPNOTSUPP;
        case SF_DIAG_CMD_BAD_PARM:
                return -EINVAL;
        case SF_DIAG_CMD_BAD_LEN:
                return -EMSGSIZE;
        case SF_DIAG_CMD_BAD_MODE:
                return -EPERM;
        case SF_DIAG_CMD_BAD_SEC_MODE:
                return -EACCES;
        }
        return -ENOMSG;
}

int sf_diag_build_edl_reboot(uint8_t *out, size_t out_size, size_t *ret_len)
{
        return sf_diag_encode(edl_reboot_payload, sizeof(edl_reboot_payload), false, out, out_size,
                              ret_len);
}

int sf_diag_build_edl_reboot_echo(uint8_t *out, size_t out_size, size_t *ret_len)
{
        /* The module accepts by echoing the request unchanged. */
        return sf_diag_build_edl_reboot(out, out_size, ret_len);
}

int sf_diag_parse_edl_reboot_echo(const uint8_t *payload, size_t len)
{
        int r;

        if (len == sizeof(edl_reboot_payload) &&
            memcmp(payload, edl_reboot_payload, sizeof(edl_reboot_payload)) == 0)
                return 0;
        r = sf_diag_check_reply(payload, len, SF_DIAG_CMD_SUBSYS);
        if (r < 0)
                return r;
        if (len < 2 || payload[1] != SF_DIAG_SUBSYS_EDL)
                return -ENOMSG;
        return -EPROTO;
}

static int build_single(uint8_t cmd, bool leading_flag, uint8_t *out, size_t out_size,
                        size_t *ret_len)
{
        return sf_diag_encode(&cmd, 1, leading_flag, out, out_size, ret_len);
}

int sf_diag_build_ext_build_id_req(bool leading_flag, uint8_t *out, size_t out_size,
                                   size_t *ret_len)
{
        return build_single(SF_DIAG_CMD_EXT_BUILD_ID, leading_flag, out, out_size, ret_len);
}

int sf_diag_build_version_info_req(bool leading_flag, uint8_t *out, size_t out_size,
                                   size_t *ret_len)
{
        return build_single(SF_DIAG_CMD_VERSION_INFO, leading_flag, out, out_size, ret_len);
}

static uint32_t get_le32(const uint8_t *p)
{
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
        p[0] = (uint8_t)(v & 0xFF);
        p[1] = (uint8_t)((v >> 8) & 0xFF);
        p[2] = (uint8_t)((v >> 16) & 0xFF);
        p[3] = (uint8_t)(v >> 24);
}

/* Strings end up in logs, terminals and the version parser: printable ASCII only. */
static bool is_printable(const uint8_t *s, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (s[i] < 0x20 || s[i] > 0x7E)
                        return false;
        return true;
}

/* Take the NUL-terminated string at *off (< len or == len) into dst. */
static int take_string(const uint8_t *p, size_t len, size_t *off, char *dst, size_t dst_size)
{
        const uint8_t *s = p + *off;
        const uint8_t *nul = memchr(s, 0, len - *off);
        size_t n;

        if (!nul)
                return -EPROTO;
        n = (size_t)(nul - s);
        if (!is_printable(s, n))
                return -EPROTO;
        if (n >= dst_size)
                return -ENAMETOOLONG;
        memcpy(dst, s, n);
        dst[n] = '\0';
        *off += n + 1;
        return 0;
}

int sf_diag_parse_ext_build_id(const uint8_t *payload, size_t len, struct sf_diag_build_id *ret)
{
        struct sf_diag_build_id id = {0};
        size_t off = EXT_BUILD_ID_HEADER;
        int r;

        r = sf_diag_check_reply(payload, len, SF_DIAG_CMD_EXT_BUILD_ID);
        if (r < 0)
                return r;
        if (len < EXT_BUILD_ID_HEADER)
                return -EPROTO;
        id.version = payload[1];
        id.msm_hw_version = get_le32(payload + 4);
        id.mobile_model = get_le32(payload + 8);

        r = take_string(payload, len, &off, id.revision, sizeof(id.revision));
        if (r < 0)
                return r;
        /* Some firmware may stop after the revision; an absent model reads as empty. */
        if (off < len) {
                r = take_string(payload, len, &off, id.model, sizeof(id.model));
                if (r < 0)
                        return r;
        }
        *ret = id;
        return 0;
}

/* The length of a string that fits its buffer with its NUL and is printable; -EINVAL otherwise. */
static int checked_strlen(const char *s, size_t size, size_t *ret_n)
{
        size_t n = strnlen(s, size);

        if (n == size || !is_printable((const uint8_t *)s, n))
                return -EINVAL;
        *ret_n = n;
        return 0;
}

int sf_diag_build_ext_build_id_reply(const struct sf_diag_build_id *id, uint8_t *out,
                                     size_t out_size, size_t *ret_len)
{
        uint8_t p[EXT_BUILD_ID_HEADER + SF_DIAG_REVISION_MAX + SF_DIAG_MODEL_MAX];
        size_t rev_len, model_len, off = EXT_BUILD_ID_HEADER;
        int r;

        r = checked_strlen(id->revision, sizeof(id->revision), &rev_len);
        if (r < 0)
                return r;
        r = checked_strlen(id->model, sizeof(id->model), &model_len);
        if (r < 0)
                return r;

        p[0] = SF_DIAG_CMD_EXT_BUILD_ID;
        p[1] = id->version;
        p[2] = 0;
        p[3] = 0;
        put_le32(p + 4, id->msm_hw_version);
        put_le32(p + 8, id->mobile_model);
        memcpy(p + off, id->revision, rev_len + 1);
        off += rev_len + 1;
        memcpy(p + off, id->model, model_len + 1);
        off += model_len + 1;
        return sf_diag_encode(p, off, false, out, out_size, ret_len);
}

/* A fixed-width text field of width bytes into dst (width + 1 bytes): up to its first NUL. */
static int take_fixed(const uint8_t *field, size_t width, char *dst)
{
        const uint8_t *nul = memchr(field, 0, width);
        size_t n = nul ? (size_t)(nul - field) : width;

        if (!is_printable(field, n))
                return -EPROTO;
        memcpy(dst, field, n);
        dst[n] = '\0';
        return 0;
}

int sf_diag_parse_version_info(const uint8_t *payload, size_t len, struct sf_diag_version_info *ret)
{
        struct sf_diag_version_info v = {0};
        int r;

        r = sf_diag_check_reply(payload, len, SF_DIAG_CMD_VERSION_INFO);
        if (r < 0)
                return r;
        if (len < VERSION_INFO_MIN)
                return -EPROTO;
        if (take_fixed(payload + 1, sizeof(v.compile_date) - 1, v.compile_date) < 0 ||
            take_fixed(payload + 12, sizeof(v.compile_time) - 1, v.compile_time) < 0 ||
            take_fixed(payload + 20, sizeof(v.release_date) - 1, v.release_date) < 0 ||
            take_fixed(payload + 31, sizeof(v.release_time) - 1, v.release_time) < 0 ||
            take_fixed(payload + 39, sizeof(v.model_dir) - 1, v.model_dir) < 0)
                return -EPROTO;
        v.scm = payload[47];
        v.mob_cai_rev = payload[48];
        v.mob_model = payload[49];
        v.mob_firmware_rev = (uint16_t)(payload[50] | payload[51] << 8);
        v.slot_cycle_index = payload[52];
        v.msm_ver = payload[53];
        *ret = v;
        return 0;
}
