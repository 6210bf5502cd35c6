/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DIAG (QCDM), the diagnostic protocol on a running module's DM port: a pure codec for its HDLC
 * framing and for the few requests safeflash sends. Frames are built into and parsed from caller
 * buffers; the session state machine owns the I/O. Layouts: the project's protocol reference,
 * section 4.
 *
 * Frame: [7E] escaped(payload || CRC-16/X.25(payload), low byte first) 7E, where 7E and 7D are
 * sent as 7D (byte ^ 0x20). A "payload" below is always the unescaped bytes without the CRC. */
#ifndef SF_PROTO_DIAG_H
#define SF_PROTO_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SF_DIAG_FLAG     0x7E
#define SF_DIAG_ESCAPE   0x7D
#define SF_DIAG_ESC_MASK 0x20

/* The largest payload sf_diag_encode() accepts. DIAG requests and the replies safeflash reads are
 * far smaller; the cap keeps every frame inside the reader's buffer. */
#define SF_DIAG_MAX_PAYLOAD 8192
/* Worst-case size of the frame for an n-byte payload: every payload and CRC byte escaped, plus a
 * leading and a trailing flag. */
#define SF_DIAG_FRAME_MAX(n) (2 * ((size_t)(n) + 2) + 2)
/* Raw bytes the reader holds while it waits for a frame's closing flag. */
#define SF_DIAG_READER_CAP SF_DIAG_FRAME_MAX(SF_DIAG_MAX_PAYLOAD)

/* Command bytes (the first payload byte). Error replies carry their own command byte. */
enum sf_diag_cmd {
        SF_DIAG_CMD_VERSION_INFO = 0x00,
        SF_DIAG_CMD_BAD_CMD = 0x13,
        SF_DIAG_CMD_BAD_PARM = 0x14,
        SF_DIAG_CMD_BAD_LEN = 0x15,
        SF_DIAG_CMD_BAD_MODE = 0x18,
        SF_DIAG_CMD_NV_READ = 0x26,
        SF_DIAG_CMD_DLOAD = 0x3A,
        SF_DIAG_CMD_BAD_SEC_MODE = 0x47,
        SF_DIAG_CMD_SUBSYS = 0x4B,
        SF_DIAG_CMD_EXT_BUILD_ID = 0x7C,
};

/* Subsystem 0x65 command 0x0001 reboots a Qualcomm module into EDL (05c6:9008). */
#define SF_DIAG_SUBSYS_EDL            0x65
#define SF_DIAG_SUBSYS_CMD_EDL_REBOOT 0x0001

/* "EXT_BUILD_ID" and the like; "unknown" for a byte not in enum sf_diag_cmd. */
const char *sf_diag_cmd_to_string(unsigned int cmd);

/* CRC-16/X.25 (reflected 0x8408, init and xorout 0xFFFF); "123456789" gives 0x906E. */
uint16_t sf_diag_crc16(const uint8_t *data, size_t len);

/* Frame payload into out: an optional leading flag, the escaped payload and CRC, the closing flag.
 * *ret_len is the frame length. -EMSGSIZE for a payload longer than SF_DIAG_MAX_PAYLOAD, -ENOBUFS
 * when out is too small (SF_DIAG_FRAME_MAX(len) always suffices). out must not overlap payload. */
int sf_diag_encode(const uint8_t *payload, size_t len, bool leading_flag, uint8_t *out,
                   size_t out_size, size_t *ret_len);

/* Decode one frame; a flag at either end is optional, one inside is not. Writes the payload (CRC
 * stripped) to out and its length to *ret_len. -EPROTO for a flag inside the frame, a dangling
 * escape or fewer than 3 bytes (payload byte + CRC) after unescaping, -EBADMSG for a bad CRC,
 * -ENOBUFS when out is too small. out is not written on failure. */
int sf_diag_decode(const uint8_t *frame, size_t len, uint8_t *out, size_t out_size,
                   size_t *ret_len);

/* Splits a received byte stream into frames. Fixed size, no allocation: embed it or put it on the
 * heap (it is SF_DIAG_READER_CAP bytes). */
struct sf_diag_reader {
        uint8_t buf[SF_DIAG_READER_CAP];
        size_t start;  /* first unread byte */
        size_t end;    /* one past the last buffered byte */
        bool skipping; /* dropping an over-long frame up to its closing flag */
};

void sf_diag_reader_init(struct sf_diag_reader *r);

/* Buffer received bytes. Returns how many were taken (0..n, like write()); fewer than n only when
 * the buffer is full, and sf_diag_reader_next() then makes room, so feed the rest after it. */
size_t sf_diag_reader_feed(struct sf_diag_reader *r, const uint8_t *data, size_t n);

/* The next frame's payload: 1 and *ret_len when one was decoded into out, 0 when more bytes are
 * needed. A bad frame is consumed and reported with sf_diag_decode()'s errors (-EPROTO, -EBADMSG,
 * -ENOBUFS); a frame still without a closing flag after SF_DIAG_READER_CAP bytes with -EMSGSIZE,
 * after which its bytes up to the next flag are dropped. Either way the next call resumes at the
 * next frame. Empty frames (7E 7E) are skipped. */
int sf_diag_reader_next(struct sf_diag_reader *r, uint8_t *out, size_t out_size, size_t *ret_len);

/* Classify a reply payload to a request whose command byte was expected_cmd:
 *   0            payload[0] == expected_cmd
 *   -EOPNOTSUPP  BAD_CMD (0x13): the module does not know the command
 *   -EINVAL      BAD_PARM (0x14): invalid parameter
 *   -EMSGSIZE    BAD_LEN (0x15): the module rejected the request's length
 *   -EPERM       BAD_MODE (0x18): not allowed in the module's current mode
 *   -EACCES      BAD_SEC_MODE (0x47): not allowed in the module's security state
 *   -ENOMSG      any other packet (DIAG ports also carry unsolicited logs and events: skip it)
 *   -EPROTO      an empty payload */
int sf_diag_check_reply(const uint8_t *payload, size_t len, uint8_t expected_cmd);

/* The EDL-reboot request, 4b 65 01 00 54 0f 7e: without a leading flag, as the known peers send
 * it. The module's acceptance is a byte-identical echo, which the _echo builder produces (for the
 * simulator). *ret_len is 7; -ENOBUFS when out is too small. */
int sf_diag_build_edl_reboot(uint8_t *out, size_t out_size, size_t *ret_len);
int sf_diag_build_edl_reboot_echo(uint8_t *out, size_t out_size, size_t *ret_len);

/* 0 when payload is the echo of the EDL-reboot request (4b 65 01 00), the errors of
 * sf_diag_check_reply() for an error reply or an unrelated packet, -EPROTO for a different
 * subsystem-0x65 reply. */
int sf_diag_parse_edl_reboot_echo(const uint8_t *payload, size_t len);

/* Requests without parameters: extended build ID (7e 7c 93 49 7e) and version info (00 78 f0 7e).
 */
int sf_diag_build_ext_build_id_req(bool leading_flag, uint8_t *out, size_t out_size,
                                   size_t *ret_len);
int sf_diag_build_version_info_req(bool leading_flag, uint8_t *out, size_t out_size,
                                   size_t *ret_len);

#define SF_DIAG_REVISION_MAX 128 /* buffer sizes, including the NUL */
#define SF_DIAG_MODEL_MAX    64

/* Extended build ID reply (0x7C). */
struct sf_diag_build_id {
        uint8_t version;
        uint32_t msm_hw_version;
        uint32_t mobile_model;
        char revision[SF_DIAG_REVISION_MAX]; /* "RM500QGLABR11A06M4G": the ATI / AT+GMR form */
        char model[SF_DIAG_MODEL_MAX];       /* often empty */
};

/* Parse a 0x7C reply payload. Both strings must be NUL-terminated inside the payload (a model
 * string missing altogether reads as empty), printable ASCII and fit their buffers: -EPROTO for a
 * short payload, a missing NUL or a control byte, -ENAMETOOLONG for a string too long for its
 * buffer (never truncated: a cut revision could match the wrong rules). An error reply or another
 * packet gives sf_diag_check_reply()'s errors. Trailing bytes after the model are ignored. */
int sf_diag_parse_ext_build_id(const uint8_t *payload, size_t len, struct sf_diag_build_id *ret);

/* Frame a 0x7C reply (for the simulator), without a leading flag. -EINVAL for a string that is not
 * NUL-terminated within its buffer or not printable ASCII, -ENOBUFS when out is too small. */
int sf_diag_build_ext_build_id_reply(const struct sf_diag_build_id *id, uint8_t *out,
                                     size_t out_size, size_t *ret_len);

/* Version info reply (0x00): fixed-width text fields, each NUL-terminated here. */
struct sf_diag_version_info {
        char compile_date[12]; /* "Nov  2 2021" */
        char compile_time[9];  /* "22:13:12" */
        char release_date[12];
        char release_time[9];
        char model_dir[9]; /* "sdx55.cp": names the chipset */
        uint8_t scm;
        uint8_t mob_cai_rev;
        uint8_t mob_model;
        uint16_t mob_firmware_rev;
        uint8_t slot_cycle_index;
        uint8_t msm_ver;
};

/* Parse a 0x00 reply payload (at least 54 bytes, through msm_ver; later bytes are ignored). A text
 * field ends at its first NUL or its width; a control byte in it is -EPROTO, as is a short
 * payload. An error reply or another packet gives sf_diag_check_reply()'s errors. */
int sf_diag_parse_version_info(const uint8_t *payload, size_t len,
                               struct sf_diag_version_info *ret);

#endif
