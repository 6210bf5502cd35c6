/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Firehose, the XML protocol of the programmer that Sahara starts: a pure codec for both sides.
 * Documents are built into and parsed from caller buffers; the session state machines (host) and
 * the simulator (device) own the I/O. Framing and wording: the protocol reference, section 3.
 *
 * Errors: -EBADMSG malformed XML (or a DOCTYPE), -EPROTO well-formed but not what Firehose allows,
 * -E2BIG over one of the caps below, -ENOBUFS caller buffer too small, -EINVAL bad argument. */
#ifndef SF_PROTO_FIREHOSE_H
#define SF_PROTO_FIREHOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SF_FIREHOSE_MAX_XML    4096 /* MaxXMLSizeInBytes of every known programmer */
#define SF_FIREHOSE_MAX_ATTRS  32
#define SF_FIREHOSE_NAME_MAX   64   /* element and attribute names */
#define SF_FIREHOSE_VALUE_MAX  1024 /* attribute values and log text, unescaped */
#define SF_FIREHOSE_DIGEST_LEN 32   /* SHA-256 */

/* The exact prologue real programmers and QFirehose write; the space before "?>" matters. */
#define SF_FIREHOSE_XML_DECL "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>"

/* An attribute to emit. Values are escaped by the builders. */
struct sf_firehose_attr {
        const char *name;
        const char *value;
};

/* Attributes of a parsed element, looked up case-insensitively (edl sends ZLPAwareHost, the others
 * ZlpAwareHost). Offsets into pool rather than pointers, so the struct can be copied freely. The
 * pool holds every name and value NUL-terminated; unescaping UTF-8 never makes text longer, so
 * a UTF-8 document of SF_FIREHOSE_MAX_XML bytes fits (one transcoded from another declared
 * encoding may not: -E2BIG). */
struct sf_firehose_attr_set {
        size_t n;
        struct {
                uint16_t name;
                uint16_t value;
        } off[SF_FIREHOSE_MAX_ATTRS];
        size_t pool_len;
        char pool[SF_FIREHOSE_MAX_XML + 2 * SF_FIREHOSE_MAX_ATTRS];
};

/* The value of attribute name (any case), or NULL. */
const char *sf_firehose_attr_get(const struct sf_firehose_attr_set *set, const char *name);
/* The i-th attribute in document order, or NULL past the end. */
const char *sf_firehose_attr_name(const struct sf_firehose_attr_set *set, size_t i);
const char *sf_firehose_attr_value(const struct sf_firehose_attr_set *set, size_t i);
/* A strictly decimal attribute: digits only, no sign, no space, no trailing '.'. -ENOENT when
 * absent, -EINVAL when malformed, -ERANGE when it does not fit 64 bits. */
int sf_firehose_attr_u64(const struct sf_firehose_attr_set *set, const char *name,
                         uint64_t *ret_value);
/* The same rules for a bare string. */
int sf_firehose_parse_u64(const char *s, uint64_t *ret_value);

/* ---- Host → device commands ---- */

enum sf_firehose_cmd {
        SF_FIREHOSE_CMD_UNKNOWN,
        SF_FIREHOSE_CMD_CONFIGURE,
        SF_FIREHOSE_CMD_PROGRAM,
        SF_FIREHOSE_CMD_READ,
        SF_FIREHOSE_CMD_ERASE,
        SF_FIREHOSE_CMD_PATCH,
        SF_FIREHOSE_CMD_GETSTORAGEINFO,
        SF_FIREHOSE_CMD_GETSHA256DIGEST,
        SF_FIREHOSE_CMD_NOP,
        SF_FIREHOSE_CMD_POWER,
        SF_FIREHOSE_CMD_SETBOOTABLESTORAGEDRIVE,
};

/* The element name ("program"), or "unknown". */
const char *sf_firehose_cmd_to_string(enum sf_firehose_cmd cmd);

struct sf_firehose_command {
        enum sf_firehose_cmd cmd;
        char element[SF_FIREHOSE_NAME_MAX + 1]; /* as sent, also for SF_FIREHOSE_CMD_UNKNOWN */
        struct sf_firehose_attr_set attrs;
};

/* Build `<?xml …?>\n<data>\n<ELEMENT a="v" … />\n</data>` (the QFirehose form) into out,
 * NUL-terminated. Returns the document length, -E2BIG when it would exceed max_xml (the device's
 * MaxXMLSizeInBytes), -ENOBUFS when out is too small, -EINVAL for a bad name or a control
 * character in a value. */
int sf_firehose_build_command(char *out, size_t size, const char *element,
                              const struct sf_firehose_attr *attrs, size_t n, size_t max_xml);

/* Parse one host document (one USB OUT transfer; parse the whole transfer, do not split it, since
 * qdl's trailing newline is part of it). Root <data> with exactly one element child. */
int sf_firehose_parse_command(const char *buf, size_t len, struct sf_firehose_command *ret);

/* ---- Device → host documents ---- */

enum sf_firehose_reply_kind {
        SF_FIREHOSE_REPLY_LOG,
        SF_FIREHOSE_REPLY_RESPONSE,
};

enum sf_firehose_rawmode {
        SF_FIREHOSE_RAWMODE_ABSENT,
        SF_FIREHOSE_RAWMODE_FALSE,
        SF_FIREHOSE_RAWMODE_TRUE,
};

const char *sf_firehose_reply_kind_to_string(enum sf_firehose_reply_kind kind);
const char *sf_firehose_rawmode_to_string(enum sf_firehose_rawmode rawmode);

struct sf_firehose_reply {
        enum sf_firehose_reply_kind kind;
        bool ack;                             /* RESPONSE: ACK (true) or NAK */
        enum sf_firehose_rawmode rawmode;     /* RESPONSE */
        char text[SF_FIREHOSE_VALUE_MAX + 1]; /* LOG: the value, unescaped */
        struct sf_firehose_attr_set attrs;    /* every attribute but value and rawmode */
};

/* Build a device document byte for byte as real programmers do:
 * `<?xml …?>\n<data>\n<log value="TEXT" /></data>`, no trailing newline, NUL-terminated.
 * Returns its length, -ENOBUFS, or -EINVAL. */
int sf_firehose_build_log(char *out, size_t size, const char *text);
/* `<response value="ACK|NAK" a="v" … /></data>`, attributes in the given order after value. */
int sf_firehose_build_response(char *out, size_t size, bool ack,
                               const struct sf_firehose_attr *attrs, size_t n);

/* Device reads may hold one document, several concatenated, or a document followed by raw data.
 * Find the first frame: optional white space, `<?xml` … the first `</data>`. *ret_doc_len counts
 * from buf[0], so the caller parses buf[0..doc_len) and pushes back the rest. A frame that another
 * `<?xml` interrupts ends there (it then fails to parse), so one truncated document costs only
 * itself. -EAGAIN: a frame has begun but not ended, read more. -EPROTO: the bytes do not start a
 * document. -E2BIG: no frame ends within SF_FIREHOSE_MAX_XML bytes. */
int sf_firehose_split(const uint8_t *buf, size_t len, size_t *ret_doc_len);

/* Parse one device document (leading white space allowed): a <log> with a value, or a
 * <response> whose value is exactly ACK or NAK and whose rawmode, when present, is exactly
 * "true" or "false". */
int sf_firehose_parse_reply(const char *buf, size_t len, struct sf_firehose_reply *ret);

/* ---- Sector expressions (section 3.10) ---- */

/* "6", "6.", "NUM_DISK_SECTORS", "NUM_DISK_SECTORS-5.", "NUM_DISK_SECTORS+5." (the '.' after a
 * number is optional). -EOPNOTSUPP for a CRC32(…) form (see below), -EINVAL when malformed,
 * -ERANGE on overflow or underflow. */
int sf_firehose_eval_sector(const char *expr, uint64_t num_disk_sectors, uint64_t *ret);
/* "CRC32(START,BYTES)": CRC-32 over BYTES bytes from sector START, which is itself an expression.
 * -EINVAL when expr is not such a form. */
int sf_firehose_parse_crc32(const char *expr, uint64_t num_disk_sectors, uint64_t *ret_start_sector,
                            uint64_t *ret_num_bytes);
/* zlib/IEEE CRC-32 (reflected 0xEDB88320, init and final XOR 0xFFFFFFFF). _update chains like
 * zlib's crc32(): start with 0. */
uint32_t sf_firehose_crc32_update(uint32_t crc, const uint8_t *buf, size_t len);
uint32_t sf_firehose_crc32(const uint8_t *buf, size_t len);

/* ---- Log lines (section 3.13); text is a <log> value, e.g. reply.text ---- */

enum sf_firehose_log_hint {
        SF_FIREHOSE_LOG_OTHER,
        SF_FIREHOSE_LOG_VIP,               /* a signed digest table is expected */
        SF_FIREHOSE_LOG_SECTOR_SIZE,       /* wrong SECTOR_SIZE_IN_BYTES; see _log_sector_size */
        SF_FIREHOSE_LOG_EMMC_UNSUPPORTED,  /* configure MemoryName eMMC refused: UFS */
        SF_FIREHOSE_LOG_AUTH_REQUIRED,     /* "Only nop and sig tag can be": vendor auth */
        SF_FIREHOSE_LOG_IO_OPTIONS_FAILED, /* edl: the storage is NAND */
        SF_FIREHOSE_LOG_SDCC_OPEN_FAILED,  /* edl: the storage is UFS */
        SF_FIREHOSE_LOG_UFS_OPEN_FAILED,   /* edl: the storage is eMMC */
        SF_FIREHOSE_LOG_ERROR,             /* any other "ERROR…" line */
        SF_FIREHOSE_LOG_WARN,              /* any other "WARN…" line */
};

const char *sf_firehose_log_hint_to_string(enum sf_firehose_log_hint hint);
/* What a log line tells a host; the first matching row of section 3.13 wins. */
enum sf_firehose_log_hint sf_firehose_log_classify(const char *text);
bool sf_firehose_log_is_vip(const char *text);

/* A SHA-256 from "Digest <64 hex>" or any run of exactly 64 hex digits. -ENOENT when none. */
int sf_firehose_log_digest(const char *text, uint8_t ret_digest[SF_FIREHOSE_DIGEST_LEN]);

/* The disk sector size from "… must be equal to disk sector size N" or "… different from device
 * sector size (N)". -ENOENT when text is neither; -EPROTO when N is not a power of two from 512
 * to 65536. */
int sf_firehose_log_sector_size(const char *text, uint32_t *ret_size);
/* The exact sentence edl keys on (section 3.6), for the simulator:
 * "ERROR: Attribute 'SECTOR_SIZE_IN_BYTES'=512 must be equal to disk sector size 4096". */
int sf_firehose_format_sector_size_error(char *out, size_t size, uint64_t requested, uint64_t disk);

/* The banner's function list, fed one log line at a time. */
#define SF_FIREHOSE_MAX_FUNCTIONS     64
#define SF_FIREHOSE_FUNCTION_NAME_MAX 32

enum sf_firehose_functions_state {
        SF_FIREHOSE_FUNCTIONS_NONE,     /* no list seen yet */
        SF_FIREHOSE_FUNCTIONS_LISTING,  /* inside "Supported Functions (N):" … */
        SF_FIREHOSE_FUNCTIONS_COMPLETE, /* "End of supported functions", or the one-line form */
};

const char *sf_firehose_functions_state_to_string(enum sf_firehose_functions_state state);

struct sf_firehose_functions {
        enum sf_firehose_functions_state state;
        size_t announced; /* N of "Supported Functions (N):", 0 when not given */
        size_t n;
        char names[SF_FIREHOSE_MAX_FUNCTIONS][SF_FIREHOSE_FUNCTION_NAME_MAX + 1];
};

void sf_firehose_functions_init(struct sf_firehose_functions *f);
/* Feed one log line. Returns 0 when the line is not part of a list, 1 when it was taken (the list
 * goes on), 2 when it completed the list; -E2BIG on too many or too long names, leaving f as it
 * was. A new header starts the list afresh. */
int sf_firehose_log_supported_functions(struct sf_firehose_functions *f, const char *text);
bool sf_firehose_functions_has(const struct sf_firehose_functions *f, const char *name);

#endif
