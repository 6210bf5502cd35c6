/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Sahara, the boot ROM's image-transfer protocol (EDL 05c6:9008): a pure codec. Packets are built
 * into and parsed from caller buffers; the session state machines own the I/O. Layouts:
 * the project's protocol reference, section 2. */
#ifndef SF_PROTO_SAHARA_H
#define SF_PROTO_SAHARA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sf_sahara_cmd {
        SF_SAHARA_HELLO = 0x01,
        SF_SAHARA_HELLO_RESP = 0x02,
        SF_SAHARA_READ_DATA = 0x03,
        SF_SAHARA_END_OF_IMAGE = 0x04,
        SF_SAHARA_DONE = 0x05,
        SF_SAHARA_DONE_RESP = 0x06,
        SF_SAHARA_RESET = 0x07,
        SF_SAHARA_RESET_RESP = 0x08,
        SF_SAHARA_MEMORY_DEBUG = 0x09,
        SF_SAHARA_MEMORY_READ = 0x0A,
        SF_SAHARA_CMD_READY = 0x0B,
        SF_SAHARA_SWITCH_MODE = 0x0C,
        SF_SAHARA_EXECUTE = 0x0D,
        SF_SAHARA_EXECUTE_RESP = 0x0E,
        SF_SAHARA_EXECUTE_DATA = 0x0F,
        SF_SAHARA_MEMORY_DEBUG_64 = 0x10,
        SF_SAHARA_MEMORY_READ_64 = 0x11,
        SF_SAHARA_READ_DATA_64 = 0x12,
        SF_SAHARA_RESET_STATE_MACHINE = 0x13,
};

enum sf_sahara_mode {
        SF_SAHARA_MODE_IMAGE_TX_PENDING = 0,
        SF_SAHARA_MODE_IMAGE_TX_COMPLETE = 1,
        SF_SAHARA_MODE_MEMORY_DEBUG = 2,
        SF_SAHARA_MODE_COMMAND = 3,
};

/* Client commands of command mode (EXECUTE). */
enum sf_sahara_exec {
        SF_SAHARA_EXEC_NOP = 0x00,
        SF_SAHARA_EXEC_SERIAL_NUM_READ = 0x01,
        SF_SAHARA_EXEC_MSM_HW_ID_READ = 0x02,
        SF_SAHARA_EXEC_OEM_PK_HASH_READ = 0x03,
        SF_SAHARA_EXEC_SBL_VERSION = 0x07,
        SF_SAHARA_EXEC_CHIP_ID_V3 = 0x0A,
};

/* Status codes of END_OF_IMAGE_TX and HELLO_RESP (a selection is named; see
 * sf_sahara_status_to_string for all). */
enum {
        SF_SAHARA_STATUS_SUCCESS = 0x00,
        SF_SAHARA_STATUS_INVALID_CMD = 0x01,
        SF_SAHARA_STATUS_PROTOCOL_MISMATCH = 0x02,
        SF_SAHARA_STATUS_INVALID_PACKET_SIZE = 0x05,
        SF_SAHARA_STATUS_UNEXPECTED_IMAGE_ID = 0x06,
        SF_SAHARA_STATUS_UNSUPPORTED_NUM_PHDRS = 0x0E,
        SF_SAHARA_STATUS_INVALID_ELF_HDR = 0x14,
        SF_SAHARA_STATUS_UNKNOWN_HOST_ERROR = 0x15,
        SF_SAHARA_STATUS_INVALID_HOST_MODE = 0x18,
        SF_SAHARA_STATUS_INVALID_MEMORY_READ = 0x19,
        SF_SAHARA_STATUS_MEMORY_DEBUG_NOT_SUPPORTED = 0x1B,
        SF_SAHARA_STATUS_INVALID_MODE_SWITCH = 0x1C,
        SF_SAHARA_STATUS_EXEC_CMD_UNSUPPORTED = 0x1F,
        SF_SAHARA_STATUS_EXEC_DATA_INVALID_CLIENT_CMD = 0x20,
        SF_SAHARA_STATUS_HASH_TABLE_AUTH_FAILURE = 0x21,
        SF_SAHARA_STATUS_HASH_VERIFICATION_FAILURE = 0x22,
        SF_SAHARA_STATUS_HASH_TABLE_NOT_FOUND = 0x23,
        SF_SAHARA_STATUS_IMAGE_AUTH_FAILURE = 0x25,
        SF_SAHARA_STATUS_INVALID_IMG_HASH_TABLE_SIZE = 0x26,
};

#define SF_SAHARA_HEADER_LEN 8
#define SF_SAHARA_HELLO_LEN  0x30
#define SF_SAHARA_MAX_PACKET 0x30 /* the largest packet of the protocol */

/* A decoded packet. Which fields mean something depends on cmd. */
struct sf_sahara_packet {
        uint32_t cmd;
        uint32_t length;
        union {
                struct { /* HELLO and HELLO_RESP */
                        uint32_t version;
                        uint32_t version_compatible;
                        uint32_t
                                max_cmd_len_or_status; /* HELLO: max_cmd_packet_len; RESP: status */
                        uint32_t mode;
                        uint32_t reserved[6];
                } hello;
                struct { /* READ_DATA (32-bit fields widened) and READ_DATA_64 */
                        uint64_t image_id;
                        uint64_t offset;
                        uint64_t length;
                } read;
                struct {
                        uint32_t image_id;
                        uint32_t status;
                } end_of_image;
                struct {
                        uint32_t status; /* 0 pending, 1 complete */
                } done_resp;
                struct { /* MEMORY_DEBUG(_64) and MEMORY_READ(_64) */
                        uint64_t addr;
                        uint64_t length;
                } memory;
                struct {
                        uint32_t mode;
                } switch_mode;
                struct { /* EXECUTE, EXECUTE_DATA; EXECUTE_RESP adds data_length */
                        uint32_t client_command;
                        uint32_t data_length;
                } execute;
        } u;
};

/* The exact length of cmd's packets, 0 for an unknown command. */
size_t sf_sahara_packet_length(uint32_t cmd);

/* Parse one packet, received as one transfer of len bytes: the header's length must equal len
 * and the command's size. -EPROTO otherwise (unknown command, lying length, short packet). */
int sf_sahara_parse(const uint8_t *buf, size_t len, struct sf_sahara_packet *ret);

/* Build p into buf (p->length is ignored: the command's size is used). Returns the number of
 * bytes written, -EINVAL for an unknown command, -ENOBUFS when buf is too small. */
int sf_sahara_build(const struct sf_sahara_packet *p, uint8_t *buf, size_t size);

/* Memory-debug (RAM dump) mode, reference section 2.12: the table of regions a crashed chip
 * offers. MEMORY_DEBUG announces 32-bit entries, MEMORY_DEBUG_64 64-bit ones:
 *   32-bit: u32 save_pref, u32 mem_base, u32 length, char desc[20], char filename[20] (52 B)
 *   64-bit: u64 save_pref, u64 mem_base, u64 length, char desc[20], char filename[20] (64 B) */
#define SF_SAHARA_DEBUG_ENTRY_LEN_32 52
#define SF_SAHARA_DEBUG_ENTRY_LEN_64 64
#define SF_SAHARA_DEBUG_NAME_LEN     20
#define SF_SAHARA_DEBUG_MAX_REGIONS  128 /* real tables hold a few dozen at most */

struct sf_sahara_debug_region {
        uint64_t save_pref;
        uint64_t base;
        uint64_t length;
        /* The text fields up to their first NUL (all 20 bytes when there is none), NUL-
         * terminated. Device bytes, unchecked: sanitize before using them as a name. */
        char desc[SF_SAHARA_DEBUG_NAME_LEN + 1];
        char filename[SF_SAHARA_DEBUG_NAME_LEN + 1];
};

/* The entry size of a table announced by MEMORY_DEBUG (is_64 false) or MEMORY_DEBUG_64. */
size_t sf_sahara_debug_entry_len(bool is_64);

/* Parse a memory-debug table of len bytes into at most max regions. -EPROTO when len is not a
 * whole number of entries or an entry's range wraps around its address space (2^32 for the
 * 32-bit form), -E2BIG when it holds more than max entries. */
int sf_sahara_parse_debug_table(const uint8_t *buf, size_t len, bool is_64,
                                struct sf_sahara_debug_region *out, size_t max, size_t *ret_n);

/* MEMORY_READ (is_64 false) or MEMORY_READ_64 for [addr, addr+length) into buf. -ERANGE when a
 * 32-bit request cannot carry addr or length, -ENOBUFS when buf is too small. */
int sf_sahara_build_memory_read(bool is_64, uint64_t addr, uint64_t length, uint8_t *buf,
                                size_t size);

const char *sf_sahara_cmd_to_string(uint32_t cmd);
const char *sf_sahara_mode_to_string(uint32_t mode);
/* "HASH_TABLE_AUTH_FAILURE: wrong or unsigned programmer for this key" and the like. */
const char *sf_sahara_status_to_string(uint32_t status);
const char *sf_sahara_exec_to_string(uint32_t client_command);

/* What a chip says of itself in Sahara command mode (and its HELLO), as the host gathers it. */
struct sf_chip_identity {
        uint32_t sahara_version;
        uint32_t hello_mode; /* 0 image transfer, 2 memory debug (crashed module) */
        bool has_serial;
        uint32_t serial;
        bool has_hwid;
        uint32_t msm_id;
        uint16_t oem_id, model_id;
        size_t pk_hash_len; /* 32 or 48; 0 when not given */
        uint8_t pk_hash[48];
        bool has_sbl_version;
        uint32_t sbl_version;
};

#endif
