/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "proto/sahara.h"
#include "util/endian.h"

static const struct {
        uint32_t cmd;
        uint32_t length;
        const char *name;
} commands[] = {
        {SF_SAHARA_HELLO, 0x30, "HELLO"},
        {SF_SAHARA_HELLO_RESP, 0x30, "HELLO_RESP"},
        {SF_SAHARA_READ_DATA, 0x14, "READ_DATA"},
        {SF_SAHARA_END_OF_IMAGE, 0x10, "END_OF_IMAGE_TX"},
        {SF_SAHARA_DONE, 0x08, "DONE"},
        {SF_SAHARA_DONE_RESP, 0x0C, "DONE_RESP"},
        {SF_SAHARA_RESET, 0x08, "RESET"},
        {SF_SAHARA_RESET_RESP, 0x08, "RESET_RESP"},
        {SF_SAHARA_MEMORY_DEBUG, 0x10, "MEMORY_DEBUG"},
        {SF_SAHARA_MEMORY_READ, 0x10, "MEMORY_READ"},
        {SF_SAHARA_CMD_READY, 0x08, "CMD_READY"},
        {SF_SAHARA_SWITCH_MODE, 0x0C, "SWITCH_MODE"},
        {SF_SAHARA_EXECUTE, 0x0C, "EXECUTE"},
        {SF_SAHARA_EXECUTE_RESP, 0x10, "EXECUTE_RESP"},
        {SF_SAHARA_EXECUTE_DATA, 0x0C, "EXECUTE_DATA"},
        {SF_SAHARA_MEMORY_DEBUG_64, 0x18, "MEMORY_DEBUG_64"},
        {SF_SAHARA_MEMORY_READ_64, 0x18, "MEMORY_READ_64"},
        {SF_SAHARA_READ_DATA_64, 0x20, "READ_DATA_64"},
        {SF_SAHARA_RESET_STATE_MACHINE, 0x08, "RESET_STATE_MACHINE"},
};

#define N_COMMANDS (sizeof(commands) / sizeof(*commands))

size_t sf_sahara_packet_length(uint32_t cmd)
{
        for (size_t i = 0; i < N_COMMANDS; i++)
                if (commands[i].cmd == cmd)
                        return commands[i].length;
        return 0;
}

const char *sf_sahara_cmd_to_string(uint32_t cmd)
{
        for (size_t i = 0; i < N_COMMANDS; i++)
                if (commands[i].cmd == cmd)
                        return commands[i].name;
        return "unknown";
}

static void parse_body(struct sf_sahara_packet *p, struct sf_cursor *c)
{
        switch (p->cmd) {
        case SF_SAHARA_HELLO:
        case SF_SAHARA_HELLO_RESP:
                p->u.hello.version = sf_cursor_u32(c);
                p->u.hello.version_compatible = sf_cursor_u32(c);
                p->u.hello.max_cmd_len_or_status = sf_cursor_u32(c);
                p->u.hello.mode = sf_cursor_u32(c);
                for (int i = 0; i < 6; i++)
                        p->u.hello.reserved[i] = sf_cursor_u32(c);
                break;
        case SF_SAHARA_READ_DATA:
                p->u.read.image_id = sf_cursor_u32(c);
                p->u.read.offset = sf_cursor_u32(c);
                p->u.read.length = sf_cursor_u32(c);
                break;
        case SF_SAHARA_READ_DATA_64:
                p->u.read.image_id = sf_cursor_u64(c);
                p->u.read.offset = sf_cursor_u64(c);
                p->u.read.length = sf_cursor_u64(c);
                break;
        case SF_SAHARA_END_OF_IMAGE:
                p->u.end_of_image.image_id = sf_cursor_u32(c);
                p->u.end_of_image.status = sf_cursor_u32(c);
                break;
        case SF_SAHARA_DONE_RESP:
                p->u.done_resp.status = sf_cursor_u32(c);
                break;
        case SF_SAHARA_MEMORY_DEBUG:
        case SF_SAHARA_MEMORY_READ:
                p->u.memory.addr = sf_cursor_u32(c);
                p->u.memory.length = sf_cursor_u32(c);
                break;
        case SF_SAHARA_MEMORY_DEBUG_64:
        case SF_SAHARA_MEMORY_READ_64:
                p->u.memory.addr = sf_cursor_u64(c);
                p->u.memory.length = sf_cursor_u64(c);
                break;
        case SF_SAHARA_SWITCH_MODE:
                p->u.switch_mode.mode = sf_cursor_u32(c);
                break;
        case SF_SAHARA_EXECUTE:
        case SF_SAHARA_EXECUTE_DATA:
                p->u.execute.client_command = sf_cursor_u32(c);
                break;
        case SF_SAHARA_EXECUTE_RESP:
                p->u.execute.client_command = sf_cursor_u32(c);
                p->u.execute.data_length = sf_cursor_u32(c);
                break;
        default: /* header-only packets */
                break;
        }
}

int sf_sahara_parse(const uint8_t *buf, size_t len, struct sf_sahara_packet *ret)
{
        struct sf_sahara_packet p = {0};
        struct sf_cursor c = sf_cursor_init(buf, len);
        size_t want;

        if (!buf || !ret)
                return -EINVAL;
        p.cmd = sf_cursor_u32(&c);
        p.length = sf_cursor_u32(&c);
        if (c.bad)
                return -EPROTO;
        want = sf_sahara_packet_length(p.cmd);
        /* The length field, the bytes received and the command's size must all agree. */
        if (want == 0 || p.length != want || len != want)
                return -EPROTO;
        parse_body(&p, &c);
        if (c.bad || c.off != len)
                return -EPROTO;
        *ret = p;
        return 0;
}

static int put32(uint8_t *b, size_t *off, uint64_t v)
{
        if (v > UINT32_MAX)
                return -ERANGE;
        sf_put_le32(b + *off, (uint32_t)v);
        *off += 4;
        return 0;
}

static int put64(uint8_t *b, size_t *off, uint64_t v)
{
        sf_put_le64(b + *off, v);
        *off += 8;
        return 0;
}

static int build_body(const struct sf_sahara_packet *p, uint8_t *b, size_t *off)
{
        int r = 0;

        switch (p->cmd) {
        case SF_SAHARA_HELLO:
        case SF_SAHARA_HELLO_RESP:
                put32(b, off, p->u.hello.version);
                put32(b, off, p->u.hello.version_compatible);
                put32(b, off, p->u.hello.max_cmd_len_or_status);
                put32(b, off, p->u.hello.mode);
                for (int i = 0; i < 6; i++)
                        put32(b, off, p->u.hello.reserved[i]);
                return 0;
        case SF_SAHARA_READ_DATA:
                r = put32(b, off, p->u.read.image_id);
                r = r ? r : put32(b, off, p->u.read.offset);
                return r ? r : put32(b, off, p->u.read.length);
        case SF_SAHARA_READ_DATA_64:
                put64(b, off, p->u.read.image_id);
                put64(b, off, p->u.read.offset);
                return put64(b, off, p->u.read.length);
        case SF_SAHARA_END_OF_IMAGE:
                put32(b, off, p->u.end_of_image.image_id);
                return put32(b, off, p->u.end_of_image.status);
        case SF_SAHARA_DONE_RESP:
                return put32(b, off, p->u.done_resp.status);
        case SF_SAHARA_MEMORY_DEBUG:
        case SF_SAHARA_MEMORY_READ:
                r = put32(b, off, p->u.memory.addr);
                return r ? r : put32(b, off, p->u.memory.length);
        case SF_SAHARA_MEMORY_DEBUG_64:
        case SF_SAHARA_MEMORY_READ_64:
                put64(b, off, p->u.memory.addr);
                return put64(b, off, p->u.memory.length);
        case SF_SAHARA_SWITCH_MODE:
                return put32(b, off, p->u.switch_mode.mode);
        case SF_SAHARA_EXECUTE:
        case SF_SAHARA_EXECUTE_DATA:
                return put32(b, off, p->u.execute.client_command);
        case SF_SAHARA_EXECUTE_RESP:
                put32(b, off, p->u.execute.client_command);
                return put32(b, off, p->u.execute.data_length);
        default:
                return 0;
        }
}

int sf_sahara_build(const struct sf_sahara_packet *p, uint8_t *buf, size_t size)
{
        uint8_t tmp[SF_SAHARA_MAX_PACKET];
        size_t len, off = 0;
        int r;

        if (!p || !buf)
                return -EINVAL;
        len = sf_sahara_packet_length(p->cmd);
        if (len == 0)
                return -EINVAL;
        if (size < len)
                return -ENOBUFS;
        put32(tmp, &off, p->cmd);
        put32(tmp, &off, len);
        r = build_body(p, tmp, &off);
        if (r < 0)
                return r;
        memcpy(buf, tmp, len);
        return (int)len;
}

const char *sf_sahara_mode_to_string(uint32_t mode)
{
        switch (mode) {
        case SF_SAHARA_MODE_IMAGE_TX_PENDING:
                return "image-transfer";
        case SF_SAHARA_MODE_IMAGE_TX_COMPLETE:
                return "image-transfer-complete";
        case SF_SAHARA_MODE_MEMORY_DEBUG:
                return "memory-debug";
        case SF_SAHARA_MODE_COMMAND:
                return "command";
        }
        return "unknown";
}

/* The numbering is the one of the Qualcomm header (not edl's table, which is shifted by one). */
static const char *const status_names[] = {
        "SUCCESS",
        "INVALID_CMD: command not valid in this state",
        "PROTOCOL_MISMATCH",
        "INVALID_TARGET_PROTOCOL",
        "INVALID_HOST_PROTOCOL",
        "INVALID_PACKET_SIZE",
        "UNEXPECTED_IMAGE_ID",
        "INVALID_HEADER_SIZE",
        "INVALID_DATA_SIZE",
        "INVALID_IMAGE_TYPE",
        "INVALID_TX_LENGTH",
        "INVALID_RX_LENGTH",
        "GENERAL_TX_RX_ERROR",
        "READ_DATA_ERROR",
        "UNSUPPORTED_NUM_PHDRS",
        "INVALID_PHDR_SIZE",
        "MULTIPLE_SHARED_SEG",
        "UNINIT_PHDR_LOC",
        "INVALID_DEST_ADDR",
        "INVALID_IMG_HDR_DATA_SIZE",
        "INVALID_ELF_HDR",
        "UNKNOWN_HOST_ERROR",
        "TIMEOUT_RX",
        "TIMEOUT_TX",
        "INVALID_HOST_MODE",
        "INVALID_MEMORY_READ",
        "INVALID_DATA_SIZE_REQUEST",
        "MEMORY_DEBUG_NOT_SUPPORTED",
        "INVALID_MODE_SWITCH",
        "CMD_EXEC_FAILURE",
        "EXEC_CMD_INVALID_PARAM",
        "EXEC_CMD_UNSUPPORTED",
        "EXEC_DATA_INVALID_CLIENT_CMD",
        "HASH_TABLE_AUTH_FAILURE: wrong or unsigned programmer for this chip's key",
        "HASH_VERIFICATION_FAILURE: programmer corrupted or modified",
        "HASH_TABLE_NOT_FOUND: not an ELF/MBN with a hash segment",
        "TARGET_INIT_FAILURE",
        "IMAGE_AUTH_FAILURE: programmer not signed for this chip",
        "INVALID_IMG_HASH_TABLE_SIZE",
        "ENUMERATION_FAILURE",
        "HW_BULK_TRANSFER_ERROR",
};

const char *sf_sahara_status_to_string(uint32_t status)
{
        if (status < sizeof(status_names) / sizeof(*status_names))
                return status_names[status];
        return "unknown status";
}

const char *sf_sahara_exec_to_string(uint32_t client_command)
{
        switch (client_command) {
        case SF_SAHARA_EXEC_NOP:
                return "NOP";
        case SF_SAHARA_EXEC_SERIAL_NUM_READ:
                return "SERIAL_NUM_READ";
        case SF_SAHARA_EXEC_MSM_HW_ID_READ:
                return "MSM_HW_ID_READ";
        case SF_SAHARA_EXEC_OEM_PK_HASH_READ:
                return "OEM_PK_HASH_READ";
        case SF_SAHARA_EXEC_SBL_VERSION:
                return "GET_SOFTWARE_VERSION_SBL";
        case SF_SAHARA_EXEC_CHIP_ID_V3:
                return "READ_CHIP_ID_V3";
        }
        return "unknown";
}

size_t sf_sahara_debug_entry_len(bool is_64)
{
        return is_64 ? SF_SAHARA_DEBUG_ENTRY_LEN_64 : SF_SAHARA_DEBUG_ENTRY_LEN_32;
}

/* A text field: its bytes up to the first NUL, or all of them. */
static void take_text(struct sf_cursor *c, char out[SF_SAHARA_DEBUG_NAME_LEN + 1])
{
        const uint8_t *b = sf_cursor_bytes(c, SF_SAHARA_DEBUG_NAME_LEN);
        size_t n = 0;

        if (b)
                while (n < SF_SAHARA_DEBUG_NAME_LEN && b[n])
                        n++;
        if (n)
                memcpy(out, b, n);
        out[n] = '\0';
}

static int parse_entry(struct sf_cursor *c, bool is_64, struct sf_sahara_debug_region *e)
{
        uint64_t space_end = is_64 ? UINT64_MAX : UINT32_MAX;

        *e = (struct sf_sahara_debug_region){0};
        e->save_pref = is_64 ? sf_cursor_u64(c) : sf_cursor_u32(c);
        e->base = is_64 ? sf_cursor_u64(c) : sf_cursor_u32(c);
        e->length = is_64 ? sf_cursor_u64(c) : sf_cursor_u32(c);
        take_text(c, e->desc);
        take_text(c, e->filename);
        if (c->bad)
                return -EPROTO;
        /* The last byte, base + length - 1, must be addressable by the table's form. */
        if (e->length > 0 && e->length - 1 > space_end - e->base)
                return -EPROTO;
        return 0;
}

int sf_sahara_parse_debug_table(const uint8_t *buf, size_t len, bool is_64,
                                struct sf_sahara_debug_region *out, size_t max, size_t *ret_n)
{
        size_t entry = sf_sahara_debug_entry_len(is_64), n;
        struct sf_cursor c = sf_cursor_init(buf, len);

        if ((!buf && len) || (!out && max) || !ret_n)
                return -EINVAL;
        if (len % entry != 0)
                return -EPROTO;
        n = len / entry;
        if (n > max)
                return -E2BIG;
        for (size_t i = 0; i < n; i++) {
                int r = parse_entry(&c, is_64, &out[i]);
                if (r < 0)
                        return r;
        }
        *ret_n = n;
        return 0;
}

int sf_sahara_build_memory_read(bool is_64, uint64_t addr, uint64_t length, uint8_t *buf,
                                size_t size)
{
        struct sf_sahara_packet p = {.cmd = is_64 ? SF_SAHARA_MEMORY_READ_64
                                                  : SF_SAHARA_MEMORY_READ};

        p.u.memory.addr = addr;
        p.u.memory.length = length;
        return sf_sahara_build(&p, buf, size);
}
