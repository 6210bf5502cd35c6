/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The boot ROM's Sahara: see sahara_dev.h. */
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "proto/mbn.h"
#include "proto/sahara.h"
#include "util/endian.h"
#include "sahara_dev.h"

#define PROGRAMMER_IMAGE_ID 13

enum {
        ST_WAIT_HELLO_RESP,
        ST_COMMAND,
        ST_RAW,       /* receiving the bytes of a READ_DATA */
        ST_WAIT_DONE, /* image authenticated: waiting for DONE */
        ST_FAILED,    /* image refused: only RESET / RESET_STATE_MACHINE / HELLO_RESP */
        ST_MEMORY_DEBUG,
        ST_FINISHED,
};

enum { /* where the pull stands */
       PULL_EHDR,
       PULL_PHDRS,
       PULL_SEGMENTS,
};

static int send_packet(struct sim_sahara *s, const struct sf_sahara_packet *p)
{
        uint8_t buf[SF_SAHARA_MAX_PACKET];
        int n = sf_sahara_build(p, buf, sizeof(buf));

        if (n < 0)
                return n;
        return s->send(s->ctx, buf, (size_t)n);
}

static int send_hello(struct sim_sahara *s)
{
        struct sf_sahara_packet p = {.cmd = SF_SAHARA_HELLO};

        p.u.hello.version = s->chip->sahara_version;
        p.u.hello.version_compatible = 1;
        p.u.hello.max_cmd_len_or_status = 0x400;
        p.u.hello.mode = s->chip->memory_debug ? SF_SAHARA_MODE_MEMORY_DEBUG
                                               : SF_SAHARA_MODE_IMAGE_TX_PENDING;
        s->state = ST_WAIT_HELLO_RESP;
        s->pkt_len = 0;
        return send_packet(s, &p);
}

/* END_OF_IMAGE_TX is also how a PBL says "refused"; next is the state afterwards. */
static int send_status(struct sim_sahara *s, uint32_t status, int next)
{
        struct sf_sahara_packet p = {.cmd = SF_SAHARA_END_OF_IMAGE};

        p.u.end_of_image.image_id = PROGRAMMER_IMAGE_ID;
        p.u.end_of_image.status = status;
        s->last_status = status;
        s->state = next;
        return send_packet(s, &p);
}

static int send_end_of_image(struct sim_sahara *s, uint32_t status)
{
        return send_status(s, status, status ? ST_FAILED : ST_WAIT_DONE);
}

/* Ask for [off, off+len) of the programmer. */
static int request(struct sim_sahara *s, uint64_t off, uint64_t len)
{
        struct sf_sahara_packet p = {.cmd = s->chip->read_data_64 ? SF_SAHARA_READ_DATA_64
                                                                  : SF_SAHARA_READ_DATA};

        p.u.read.image_id = PROGRAMMER_IMAGE_ID;
        p.u.read.offset = off;
        p.u.read.length = len;
        s->want_off = off;
        s->want_len = len;
        s->got = 0;
        s->state = ST_RAW;
        return send_packet(s, &p);
}

int sim_sahara_init(struct sim_sahara *s, const struct sim_chip *chip, sim_send_fn send, void *ctx)
{
        memset(s, 0, sizeof(*s));
        s->chip = chip;
        s->send = send;
        s->ctx = ctx;
        s->hash_index = -1;
        return 0;
}

void sim_sahara_done(struct sim_sahara *s)
{
        free(s->image);
        s->image = NULL;
}

int sim_sahara_start(struct sim_sahara *s)
{
        return send_hello(s);
}

int sim_sahara_refuse(struct sim_sahara *s)
{
        return send_end_of_image(s, SF_SAHARA_STATUS_IMAGE_AUTH_FAILURE);
}

static int begin_image_transfer(struct sim_sahara *s)
{
        if (!s->image) {
                s->image = calloc(1, SIM_PROGRAMMER_MAX);
                if (!s->image)
                        return -ENOMEM;
        }
        s->n_plan = s->plan_pos = 0;
        s->seg_done = 0;
        s->hash_index = -1;
        s->will_hang = false;
        s->pull = PULL_EHDR;
        s->image_size = SF_ELF32_EHDR_LEN;
        s->programmer = (struct sim_programmer_info){0};
        return request(s, 0, SF_ELF32_EHDR_LEN);
}

/* A crashed chip's memory, as its boot ROM offers it for a dump: a table of regions, one of
 * which holds the crashed firmware's last log lines. */
#define DUMP_TABLE_ADDR  0x08600000u
#define DUMP_LOG_ADDR    0x08601000u
#define DUMP_RAM_ADDR    0x80000000u
#define DUMP_RAM_LEN     (256u * 1024)
#define DUMP_ENTRY_LEN   52 /* 32-bit form: save_pref, base, length, desc[20], filename[20] */
#define DUMP_ENTRY64_LEN 64 /* 64-bit form (MEMORY_DEBUG_64): the three numbers are u64 */

/* The region table in the form the chip announces: 64-bit entries with MEMORY_DEBUG_64. */
static size_t memory_table(const struct sim_chip *chip, uint8_t *out)
{
        static const struct {
                uint32_t base, len;
                const char *desc, *file;
        } regions[] = {
                {DUMP_LOG_ADDR, 4096, "Crash log", "CRASHLOG.BIN"},
                {DUMP_RAM_ADDR, DUMP_RAM_LEN, "DDR CS0", "DDRCS0.BIN"},
        };
        size_t n = sizeof(regions) / sizeof(*regions);
        size_t len = chip->read_data_64 ? DUMP_ENTRY64_LEN : DUMP_ENTRY_LEN;
        size_t num = chip->read_data_64 ? 8 : 4; /* size of each number field */

        memset(out, 0, n * len);
        for (size_t i = 0; i < n; i++) {
                uint8_t *e = out + i * len;
                sf_put_le32(e, 1);
                sf_put_le32(e + num, regions[i].base);
                sf_put_le32(e + 2 * num, regions[i].len);
                memcpy(e + 3 * num, regions[i].desc, strlen(regions[i].desc));
                memcpy(e + 3 * num + 20, regions[i].file, strlen(regions[i].file));
        }
        return n * len;
}

static int send_memory_table_ref(struct sim_sahara *s)
{
        uint8_t table[4 * DUMP_ENTRY64_LEN];
        struct sf_sahara_packet r = {.cmd = s->chip->read_data_64 ? SF_SAHARA_MEMORY_DEBUG_64
                                                                  : SF_SAHARA_MEMORY_DEBUG};

        r.u.memory.addr = DUMP_TABLE_ADDR;
        r.u.memory.length = memory_table(s->chip, table);
        s->state = ST_MEMORY_DEBUG;
        return send_packet(s, &r);
}

/* The bytes of [addr, addr+len) of the crashed chip's memory, sent as one raw transfer per
 * 64 KiB. Unknown ranges are refused like a real boot ROM does. */
static int memory_read(struct sim_sahara *s, uint64_t addr, uint64_t len)
{
        const char *boot = s->chip->read_data_64 ? "xbl" : "sbl1"; /* SDX55 or MDM9x07 */
        uint8_t buf[65536];
        size_t tlen;

        if (addr == DUMP_TABLE_ADDR && len <= sizeof(buf)) {
                tlen = memory_table(s->chip, buf);
                return s->send(s->ctx, buf, len < tlen ? (size_t)len : tlen);
        }
        if (addr == DUMP_LOG_ADDR && len <= 4096) {
                memset(buf, 0, 4096);
                /* The firmware's own log ring, as it stood when the modem died. */
                snprintf((char *)buf, 4096,
                         "%s: DDR up, boot chain verified\n"
                         "%s: loading modem (mpss) from %s\n"
                         "mpss: image check failed, starting it anyway\n"
                         "modem: fatal error: %s\n",
                         boot, boot, s->chip->read_data_64 ? "UFS" : "NAND",
                         s->crash_log ? s->crash_log : "unknown");
                return s->send(s->ctx, buf, (size_t)len);
        }
        if (addr >= DUMP_RAM_ADDR && len <= DUMP_RAM_LEN &&
            addr - DUMP_RAM_ADDR <= DUMP_RAM_LEN - len) {
                for (uint64_t done = 0; done < len;) {
                        size_t n = len - done < sizeof(buf) ? (size_t)(len - done) : sizeof(buf);
                        for (size_t i = 0; i < n; i++)
                                buf[i] = (uint8_t)((addr + done + i) * 2654435761u >> 24);
                        int r = s->send(s->ctx, buf, n);
                        if (r < 0)
                                return r;
                        done += n;
                }
                return 0;
        }
        return send_status(s, SF_SAHARA_STATUS_INVALID_MEMORY_READ, ST_MEMORY_DEBUG);
}

static int on_hello_resp(struct sim_sahara *s, const struct sf_sahara_packet *p)
{
        struct sf_sahara_packet r = {0};

        if (p->u.hello.max_cmd_len_or_status != 0)
                return send_hello(s); /* the host refused: offer again */
        switch (p->u.hello.mode) {
        case SF_SAHARA_MODE_IMAGE_TX_PENDING:
                if (s->chip->memory_debug)
                        return send_end_of_image(s, SF_SAHARA_STATUS_INVALID_HOST_MODE);
                return begin_image_transfer(s);
        case SF_SAHARA_MODE_COMMAND:
                /* Some boot ROMs have no command mode: refused, as qdl's chipinfo reports it
                 * ("device rejected command mode (end-of-image status N)"). */
                if (s->chip->no_command_mode)
                        return send_end_of_image(s, SF_SAHARA_STATUS_INVALID_HOST_MODE);
                r.cmd = SF_SAHARA_CMD_READY;
                s->state = ST_COMMAND;
                return send_packet(s, &r);
        case SF_SAHARA_MODE_MEMORY_DEBUG:
                if (!s->chip->memory_debug)
                        return send_end_of_image(s, SF_SAHARA_STATUS_MEMORY_DEBUG_NOT_SUPPORTED);
                return send_memory_table_ref(s);
        default:
                return send_end_of_image(s, SF_SAHARA_STATUS_INVALID_HOST_MODE);
        }
}

/* The raw answer to a command-mode EXECUTE_DATA. */
static size_t exec_reply(const struct sim_sahara *s, uint32_t cmd, uint8_t *out)
{
        const struct sim_chip *c = s->chip;
        uint64_t hwid;

        switch (cmd) {
        case SF_SAHARA_EXEC_SERIAL_NUM_READ:
                for (int i = 0; i < 4; i++)
                        out[i] = (uint8_t)(c->serial >> (8 * i));
                return 4;
        case SF_SAHARA_EXEC_MSM_HW_ID_READ:
                if (c->sahara_version >= 3)
                        return 0; /* v3 devices answer READ_CHIP_ID_V3 instead */
                hwid = (uint64_t)c->msm_id << 32 | (uint64_t)c->oem_id << 16 | c->model_id;
                for (int i = 0; i < 8; i++)
                        out[i] = (uint8_t)(hwid >> (8 * i));
                return 8;
        case SF_SAHARA_EXEC_OEM_PK_HASH_READ:
                memcpy(out, c->pk_hash, 32);
                return 32;
        case SF_SAHARA_EXEC_SBL_VERSION:
                for (int i = 0; i < 4; i++)
                        out[i] = (uint8_t)(c->sbl_version >> (8 * i));
                return 4;
        case SF_SAHARA_EXEC_CHIP_ID_V3:
                if (c->sahara_version < 3)
                        return 0;
                memset(out, 0, 48);
                for (int i = 0; i < 4; i++) {
                        out[i] = (uint8_t)(c->serial >> (8 * i));
                        out[36 + i] = (uint8_t)(c->msm_id >> (8 * i));
                }
                out[40] = (uint8_t)c->oem_id;
                out[41] = (uint8_t)(c->oem_id >> 8);
                out[42] = (uint8_t)c->model_id;
                out[43] = (uint8_t)(c->model_id >> 8);
                return 46;
        }
        return 0;
}

static int on_command(struct sim_sahara *s, const struct sf_sahara_packet *p)
{
        struct sf_sahara_packet r = {0};
        uint8_t data[64];
        size_t n;

        switch (p->cmd) {
        case SF_SAHARA_EXECUTE:
                n = exec_reply(s, p->u.execute.client_command, data);
                if (n == 0) /* unsupported: say so and stay in command mode */
                        return send_status(s, SF_SAHARA_STATUS_EXEC_CMD_UNSUPPORTED, ST_COMMAND);
                s->exec_cmd = p->u.execute.client_command;
                r.cmd = SF_SAHARA_EXECUTE_RESP;
                r.u.execute.client_command = s->exec_cmd;
                r.u.execute.data_length = (uint32_t)n;
                return send_packet(s, &r);
        case SF_SAHARA_EXECUTE_DATA:
                if (p->u.execute.client_command != s->exec_cmd)
                        return send_status(s, SF_SAHARA_STATUS_EXEC_DATA_INVALID_CLIENT_CMD,
                                           ST_COMMAND);
                n = exec_reply(s, s->exec_cmd, data);
                return s->send(s->ctx, data, n);
        case SF_SAHARA_SWITCH_MODE:
                return send_hello(s);
        default:
                return send_status(s, SF_SAHARA_STATUS_INVALID_CMD, ST_COMMAND);
        }
}

static int add_segment(struct sim_sahara *s, uint64_t off, uint64_t len)
{
        if (s->n_plan == sizeof(s->plan) / sizeof(*s->plan))
                return -E2BIG;
        s->plan[s->n_plan].offset = off;
        s->plan[s->n_plan].length = len;
        s->n_plan++;
        return 0;
}

/* After the program headers: the hash segment first, then every other segment with bytes. */
static int plan_segments(struct sim_sahara *s, const struct sf_elf_phdr *ph, unsigned n)
{
        uint64_t end = 0;

        s->hash_index = sf_elf_find_hash_segment(ph, n);
        if (s->hash_index >= 0 &&
            add_segment(s, ph[s->hash_index].offset, ph[s->hash_index].filesz) < 0)
                return -E2BIG;
        for (unsigned i = 0; i < n; i++) {
                if (ph[i].filesz == 0)
                        continue;
                if (ph[i].offset + ph[i].filesz > end)
                        end = ph[i].offset + ph[i].filesz;
                if ((int)i != s->hash_index && add_segment(s, ph[i].offset, ph[i].filesz) < 0)
                        return -E2BIG;
        }
        s->image_size = end > s->image_size ? end : s->image_size;
        return 0;
}

/* A segment's digest: SHA-256, or SHA-384 for the 48-byte entries of v6/v7 hash tables. */
static void digest(const uint8_t *p, size_t n, unsigned len, uint8_t *out)
{
        EVP_Digest(p, n, out, &len, len == 48 ? EVP_sha384() : EVP_sha256(), NULL);
}

/* The programmer's identity: root-certificate hash and HW_ID from the attestation cert. */
static void read_identity(struct sim_sahara *s, const uint8_t *seg, const struct sf_mbn_header *m)
{
        struct sf_mbn_cert certs[SF_MBN_MAX_CERTS];
        struct sf_mbn_identity id;
        size_t n = 0;

        if (sf_mbn_split_certs(seg + m->cert_chain_off, m->cert_chain_size, certs, &n) < 0 ||
            n == 0)
                return;
        digest(certs[n - 1].der, certs[n - 1].len, 32, s->programmer.root_hash);
        if (sf_mbn_cert_identity(certs[0].der, certs[0].len, &id) == 0) {
                s->programmer.msm_id = id.msm_id;
                s->programmer.oem_id = id.oem_id;
                s->programmer.model_id = id.model_id;
                s->programmer.has_identity = true;
        }
}

/* Verify segment digests, then the signer and the HW_ID against the fuses. Returns a Sahara
 * status; sets outcome HUNG for a programmer that an unfused chip runs but cannot work. */
static uint32_t authenticate(struct sim_sahara *s, const struct sf_elf_phdr *ph, unsigned n)
{
        const struct sf_elf_phdr *h;
        struct sf_mbn_header m;
        const uint8_t *seg;
        bool fits_chip;

        if (s->hash_index < 0)
                return SF_SAHARA_STATUS_HASH_TABLE_NOT_FOUND;
        h = &ph[s->hash_index];
        seg = s->image + h->offset;
        if (sf_mbn_parse_header_n(seg, h->filesz, n, &m) < 0)
                return SF_SAHARA_STATUS_HASH_TABLE_NOT_FOUND;
        if (m.code_size < (uint64_t)n * m.digest_len)
                return SF_SAHARA_STATUS_INVALID_IMG_HASH_TABLE_SIZE;
        for (unsigned i = 0; i < n; i++) {
                uint8_t d[48];
                if ((int)i == s->hash_index || ph[i].filesz == 0)
                        continue;
                digest(s->image + ph[i].offset, ph[i].filesz, m.digest_len, d);
                const uint8_t *want = seg + m.hash_table_off + (uint64_t)m.digest_len * i;
                if (memcmp(d, want, m.digest_len) != 0)
                        return SF_SAHARA_STATUS_HASH_VERIFICATION_FAILURE;
        }
        read_identity(s, seg, &m);
        fits_chip = s->programmer.has_identity && s->programmer.msm_id == s->chip->msm_id &&
                    (s->programmer.oem_id == 0 || s->programmer.oem_id == s->chip->oem_id);
        if (s->chip->secure_boot) {
                if (memcmp(s->programmer.root_hash, s->chip->pk_hash, 32) != 0)
                        return SF_SAHARA_STATUS_HASH_TABLE_AUTH_FAILURE;
                if (!fits_chip)
                        return SF_SAHARA_STATUS_IMAGE_AUTH_FAILURE;
        }
        s->will_hang = !fits_chip;
        return SF_SAHARA_STATUS_SUCCESS;
}

/* The next READ_DATA of the segments, or the verdict when all are in. */
static int next_segment_request(struct sim_sahara *s)
{
        uint64_t left;

        while (s->plan_pos < s->n_plan && s->seg_done == s->plan[s->plan_pos].length) {
                s->plan_pos++;
                s->seg_done = 0;
        }
        if (s->plan_pos == s->n_plan)
                return send_end_of_image(s, authenticate(s, s->phdrs, s->ehdr.phnum));
        left = s->plan[s->plan_pos].length - s->seg_done;
        return request(s, s->plan[s->plan_pos].offset + s->seg_done,
                       left < s->chip->max_chunk ? left : s->chip->max_chunk);
}

/* A READ_DATA has been answered in full: decide what to pull next. */
static int on_block(struct sim_sahara *s)
{
        const uint8_t *img = s->image;

        switch (s->pull) {
        case PULL_EHDR:
                /* An ELF64 header is longer: fetch its tail before parsing. */
                if (img[4] == 2 && s->want_off == 0 && s->want_len == SF_ELF32_EHDR_LEN)
                        return request(s, SF_ELF32_EHDR_LEN, SF_ELF64_EHDR_LEN - SF_ELF32_EHDR_LEN);
                if (sf_elf_parse_header(img, SF_ELF64_EHDR_LEN, SIM_PROGRAMMER_MAX, &s->ehdr) < 0)
                        return send_end_of_image(s, SF_SAHARA_STATUS_INVALID_ELF_HDR);
                s->pull = PULL_PHDRS;
                return request(s, s->ehdr.phoff, sf_elf_phdrs_size(&s->ehdr));
        case PULL_PHDRS:
                if (sf_elf_parse_phdrs(&s->ehdr, img + s->ehdr.phoff, sf_elf_phdrs_size(&s->ehdr),
                                       SIM_PROGRAMMER_MAX, s->phdrs) < 0)
                        return send_end_of_image(s, SF_SAHARA_STATUS_INVALID_ELF_HDR);
                if (plan_segments(s, s->phdrs, s->ehdr.phnum) < 0)
                        return send_end_of_image(s, SF_SAHARA_STATUS_UNSUPPORTED_NUM_PHDRS);
                s->pull = PULL_SEGMENTS;
                return next_segment_request(s);
        default:
                s->seg_done += s->want_len;
                return next_segment_request(s);
        }
}

/* Raw programmer bytes; returns how many of buf were used. */
static size_t take_raw(struct sim_sahara *s, const uint8_t *buf, size_t len)
{
        uint64_t left = s->want_len - s->got;
        size_t n = len < left ? len : (size_t)left;

        /* request() only asks for ranges inside SIM_PROGRAMMER_MAX (checked by the parsers). */
        if (s->want_off + s->got + n <= SIM_PROGRAMMER_MAX)
                memcpy(s->image + s->want_off + s->got, buf, n);
        s->got += n;
        return n;
}

static int on_done(struct sim_sahara *s)
{
        struct sf_sahara_packet r = {.cmd = SF_SAHARA_DONE_RESP};
        int ret;

        /* 1 complete: the programmer starts. Some boot ROMs say 0 (pending) here all the same,
         * and start it too (protocols.md 2.9). */
        r.u.done_resp.status = s->chip->done_pending ? 0 : 1;
        ret = send_packet(s, &r);
        s->state = ST_FINISHED;
        s->outcome = s->will_hang ? SIM_SAHARA_PROGRAMMER_HUNG : SIM_SAHARA_PROGRAMMER_STARTED;
        return ret;
}

static int on_packet(struct sim_sahara *s, const struct sf_sahara_packet *p)
{
        struct sf_sahara_packet r = {0};

        /* Valid in every state. */
        if (p->cmd == SF_SAHARA_RESET) {
                r.cmd = SF_SAHARA_RESET_RESP;
                s->state = ST_FINISHED;
                s->outcome = SIM_SAHARA_RESET;
                return send_packet(s, &r);
        }
        if (p->cmd == SF_SAHARA_RESET_STATE_MACHINE)
                return send_hello(s);
        switch (s->state) {
        case ST_WAIT_HELLO_RESP:
        case ST_FAILED:
                if (p->cmd == SF_SAHARA_HELLO_RESP)
                        return on_hello_resp(s, p);
                break;
        case ST_COMMAND:
                return on_command(s, p);
        case ST_WAIT_DONE:
                if (p->cmd == SF_SAHARA_DONE)
                        return on_done(s);
                break;
        case ST_MEMORY_DEBUG:
                if (p->cmd == SF_SAHARA_MEMORY_READ || p->cmd == SF_SAHARA_MEMORY_READ_64)
                        return memory_read(s, p->u.memory.addr, p->u.memory.length);
                break;
        case ST_RAW:
                /* Before the first byte of an image transfer, a mode switch restarts. */
                if (p->cmd == SF_SAHARA_SWITCH_MODE)
                        return send_hello(s);
                break;
        }
        return send_status(s, SF_SAHARA_STATUS_INVALID_CMD, s->state);
}

/* Does buf hold exactly one Sahara control packet (and not the raw bytes we wait for)? */
static bool is_control_packet(const struct sim_sahara *s, const uint8_t *buf, size_t len,
                              struct sf_sahara_packet *p)
{
        if (s->got != 0 || len == s->want_len || sf_sahara_parse(buf, len, p) < 0)
                return false;
        return p->cmd == SF_SAHARA_SWITCH_MODE || p->cmd == SF_SAHARA_RESET ||
               p->cmd == SF_SAHARA_RESET_STATE_MACHINE;
}

static void take_bytes(struct sim_sahara *s, const uint8_t **buf, size_t *len, size_t upto)
{
        size_t n = upto - s->pkt_len < *len ? upto - s->pkt_len : *len;

        memcpy(s->pkt + s->pkt_len, *buf, n);
        s->pkt_len += n;
        *buf += n;
        *len -= n;
}

/* Accumulate a packet from the byte stream; 1 when s->pkt holds a whole one. */
static int take_packet(struct sim_sahara *s, const uint8_t **buf, size_t *len)
{
        uint32_t want;

        if (s->pkt_len < SF_SAHARA_HEADER_LEN) {
                take_bytes(s, buf, len, SF_SAHARA_HEADER_LEN);
                if (s->pkt_len < SF_SAHARA_HEADER_LEN)
                        return 0;
        }
        want = sf_le32(s->pkt + 4);
        if (want < SF_SAHARA_HEADER_LEN || want > sizeof(s->pkt))
                return -EPROTO;
        take_bytes(s, buf, len, want);
        return s->pkt_len == want;
}

static int input_packets(struct sim_sahara *s, const uint8_t *buf, size_t len)
{
        while (len > 0 && s->state != ST_RAW && s->state != ST_FINISHED) {
                struct sf_sahara_packet p;
                int r = take_packet(s, &buf, &len);
                if (r < 0 || (r == 1 && sf_sahara_parse(s->pkt, s->pkt_len, &p) < 0)) {
                        s->pkt_len = 0;
                        return send_status(s, SF_SAHARA_STATUS_INVALID_PACKET_SIZE, s->state);
                }
                if (r == 0)
                        continue;
                s->pkt_len = 0;
                r = on_packet(s, &p);
                if (r < 0)
                        return r;
        }
        if (len > 0 && s->state == ST_RAW)
                return sim_sahara_input(s, buf, len);
        return 0;
}

int sim_sahara_input(struct sim_sahara *s, const uint8_t *buf, size_t len)
{
        struct sf_sahara_packet p;
        int r;

        if (len == 0 || s->state == ST_FINISHED)
                return 0; /* zero-length packets carry nothing */
        if (s->state != ST_RAW)
                return input_packets(s, buf, len);
        if (is_control_packet(s, buf, len, &p))
                return on_packet(s, &p);
        while (len > 0 && s->state == ST_RAW) {
                size_t n = take_raw(s, buf, len);
                buf += n;
                len -= n;
                if (s->got == s->want_len) {
                        r = on_block(s);
                        if (r < 0)
                                return r;
                }
        }
        return len > 0 ? input_packets(s, buf, len) : 0;
}
