/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "session/sahara_host.h"
#include "util/cleanup.h"
#include "util/endian.h"
#include "util/strutil.h"

#define PROGRAMMER_IMAGE_ID 13
#define SERVE_CHUNK         (64 * 1024)

void sf_sahara_host_init(struct sf_sahara_host *h, struct sf_transport *t)
{
        memset(h, 0, sizeof(*h));
        h->t = t;
}

static int send_packet(struct sf_sahara_host *h, const struct sf_sahara_packet *p)
{
        uint8_t buf[SF_SAHARA_MAX_PACKET];
        int n = sf_sahara_build(p, buf, sizeof(buf));

        if (n < 0)
                return n;
        sf_transport_note(h->t, "sahara: send %s", sf_sahara_cmd_to_string(p->cmd));
        return sf_transport_write(h->t, buf, (size_t)n, SF_SAHARA_PACKET_TIMEOUT_MS);
}

/* One packet: on USB one transfer; on a stream the header, then the rest. */
static int recv_packet(struct sf_sahara_host *h, struct sf_sahara_packet *p, uint8_t *raw,
                       size_t *raw_len, int timeout_ms)
{
        size_t n = 0, want;
        int r;

        if (!h->t->stream) {
                r = sf_transport_read(h->t, raw, 4096, &n, timeout_ms);
                if (r == 0 && n == 0) /* a ZLP carries nothing: read again */
                        r = sf_transport_read(h->t, raw, 4096, &n, timeout_ms);
        } else {
                r = sf_transport_read_full(h->t, raw, SF_SAHARA_HEADER_LEN, timeout_ms);
                n = SF_SAHARA_HEADER_LEN;
                want = sf_le32(raw + 4);
                if (r == 0 && raw[0] != '<' && want > n && want <= SF_SAHARA_MAX_PACKET) {
                        r = sf_transport_read_full(h->t, raw + n, want - n, timeout_ms);
                        n = want;
                }
        }
        if (r < 0)
                return r;
        *raw_len = n;
        return sf_sahara_parse(raw, n, p);
}

static bool looks_like_xml(const uint8_t *b, size_t n)
{
        return n >= 5 && memcmp(b, "<?xml", 5) == 0;
}

/* One answer while waiting for the boot ROM's HELLO: 0 it was the HELLO (kept in h),
 * -EALREADY a Firehose programmer answered instead (its bytes pushed back for the Firehose
 * host), 1 anything else. */
static int take_hello(struct sf_sahara_host *h, int r, const struct sf_sahara_packet *p,
                      const uint8_t *raw, size_t n, struct sf_error *err)
{
        if (r == -EPROTO && looks_like_xml(raw, n)) {
                sf_transport_unread(h->t, raw, n);
                return sf_error_set(err, -EALREADY,
                                    "the device already runs a Firehose programmer");
        }
        if (r == 0 && p->cmd == SF_SAHARA_HELLO) {
                h->hello = *p;
                h->have_hello = true;
                return 0;
        }
        return 1;
}

/* What a poke of mode 3 (command) was answered with: CMD_READY or a refusal end the wait. */
static bool command_poke_answered(struct sf_sahara_host *h, const struct sf_sahara_packet *p)
{
        if (p->cmd != SF_SAHARA_CMD_READY && p->cmd != SF_SAHARA_END_OF_IMAGE)
                return false;
        h->poke_command_ready = p->cmd == SF_SAHARA_CMD_READY;
        h->poke_refused = p->cmd == SF_SAHARA_END_OF_IMAGE;
        h->poke_refusal_status = h->poke_refused ? p->u.end_of_image.status : 0;
        sf_transport_note(h->t, "sahara: the command-mode poke was answered with %s",
                          sf_sahara_cmd_to_string(p->cmd));
        h->hello = (struct sf_sahara_packet){.cmd = SF_SAHARA_HELLO};
        h->hello.u.hello.version = 2;
        h->have_hello = h->poke_refused; /* refused: it still waits for a HELLO_RESP */
        return true;
}

/* Wait for the HELLO; after a second of silence poke with a HELLO_RESP of poke_mode. */
static int wait_hello(struct sf_sahara_host *h, uint32_t poke_mode, struct sf_error *err)
{
        struct sf_sahara_packet p, poke = {.cmd = SF_SAHARA_HELLO_RESP};
        uint8_t raw[4096];
        bool poked = false;
        size_t n = 0;
        int r;

        if (h->have_hello)
                return 0;
        for (int attempt = 0; attempt < 6; attempt++) {
                /* A boot ROM's HELLO is waiting as soon as the device is there: one second
                 * of silence means it will not come by itself. */
                r = recv_packet(h, &p, raw, &n, poked ? SF_SAHARA_PACKET_TIMEOUT_MS : 1000);
                int got = take_hello(h, r, &p, raw, n, err);
                if (got <= 0)
                        return got;
                if (r == -EPROTO) {
                        /* Foreign bytes (another program probing the port): skip them. */
                        sf_transport_note(h->t, "sahara: skipped %zu bytes that are not Sahara", n);
                        continue;
                }
                if (r < 0 && r != -ETIMEDOUT)
                        return sf_error_set(err, r, "reading the boot ROM's HELLO: %s",
                                            strerror(-r));
                if (r == -ETIMEDOUT && poked)
                        break;
                if (r == 0 && poked && poke_mode == SF_SAHARA_MODE_COMMAND &&
                    command_poke_answered(h, &p))
                        return 0;
                if (r == 0 && poked &&
                    (p.cmd == SF_SAHARA_READ_DATA || p.cmd == SF_SAHARA_READ_DATA_64)) {
                        /* The poke was the HELLO_RESP it waited for (a boot ROM that refused
                         * command mode to an earlier session still waits for one, protocols.md
                         * 2.13 step 2): the transfer has begun with this request. */
                        sf_transport_note(h->t, "sahara: the poke started the image transfer");
                        h->hello = (struct sf_sahara_packet){.cmd = SF_SAHARA_HELLO};
                        h->hello.u.hello.version = 2;
                        h->have_hello = h->transfer_started = true;
                        h->first_request = p;
                        return 0;
                }
                /* Silence: a boot ROM left mid-protocol may answer a HELLO_RESP. */
                poke.u.hello.version = 2;
                poke.u.hello.version_compatible = 1;
                poke.u.hello.mode = poke_mode;
                send_packet(h, &poke);
                poked = true;
        }
        return sf_error_set(err, -ETIMEDOUT,
                            "the device in EDL does not speak Sahara (no HELLO): its boot ROM is "
                            "stuck after an aborted session; it needs a power cycle");
}

int sf_sahara_wait_hello(struct sf_sahara_host *h, struct sf_error *err)
{
        return wait_hello(h, SF_SAHARA_MODE_IMAGE_TX_PENDING, err);
}

static int hello_resp(struct sf_sahara_host *h, uint32_t mode)
{
        struct sf_sahara_packet r = {.cmd = SF_SAHARA_HELLO_RESP};

        r.u.hello.version = 2;
        r.u.hello.version_compatible = 1;
        r.u.hello.mode = mode;
        h->have_hello = false;
        return send_packet(h, &r);
}

/* One EXECUTE: its data into out (at most size bytes). -EOPNOTSUPP when the device refuses. */
static int execute(struct sf_sahara_host *h, uint32_t cmd, uint8_t *out, size_t size,
                   size_t *ret_len)
{
        struct sf_sahara_packet p = {.cmd = SF_SAHARA_EXECUTE}, rp;
        uint8_t raw[4096];
        size_t n;
        int r;

        p.u.execute.client_command = cmd;
        r = send_packet(h, &p);
        if (r >= 0)
                r = recv_packet(h, &rp, raw, &n, SF_SAHARA_PACKET_TIMEOUT_MS);
        if (r < 0)
                return r;
        if (rp.cmd == SF_SAHARA_END_OF_IMAGE)
                return -EOPNOTSUPP; /* "not available" (0x1F): carry on */
        if (rp.cmd != SF_SAHARA_EXECUTE_RESP || rp.u.execute.client_command != cmd)
                return -EPROTO;
        if (rp.u.execute.data_length > size)
                return -EPROTO; /* more than any known reply: a lying device */
        p.cmd = SF_SAHARA_EXECUTE_DATA;
        r = send_packet(h, &p);
        if (r >= 0)
                r = sf_transport_read_full(h->t, out, rp.u.execute.data_length,
                                           SF_SAHARA_PACKET_TIMEOUT_MS);
        if (r < 0)
                return r;
        *ret_len = rp.u.execute.data_length;
        return 0;
}

/* A PK-hash reply may repeat the digest per root-certificate slot: keep one. */
static size_t trim_pk_hash(const uint8_t *b, size_t n)
{
        if (n >= 64 && n % 32 == 0 && memcmp(b, b + 32, 32) == 0)
                return 32;
        if (n >= 96 && n % 48 == 0 && memcmp(b, b + 48, 48) == 0)
                return 48;
        return n > 48 ? 48 : n;
}

/* One command-mode query: 0 with data, 1 when the device does not offer it, negative errno for
 * a device that breaks the protocol (then nothing more is asked of it). */
static int query(struct sf_sahara_host *h, uint32_t cmd, uint8_t *d, size_t size, size_t *n)
{
        int r = execute(h, cmd, d, size, n);

        return r == -EOPNOTSUPP ? 1 : r;
}

static int read_identity(struct sf_sahara_host *h, struct sf_chip_identity *id)
{
        uint8_t d[128];
        size_t n = 0;
        int r;

        if ((r = query(h, SF_SAHARA_EXEC_SERIAL_NUM_READ, d, sizeof(d), &n)) < 0)
                return r;
        if (r == 0 && n >= 4) {
                id->serial = sf_le32(d);
                id->has_serial = true;
        }
        r = query(h,
                  id->sahara_version < 3 ? SF_SAHARA_EXEC_MSM_HW_ID_READ
                                         : SF_SAHARA_EXEC_CHIP_ID_V3,
                  d, sizeof(d), &n);
        if (r < 0)
                return r;
        if (r == 0 && id->sahara_version < 3 && n >= 8) {
                uint64_t hw = sf_le64(d);
                id->msm_id = (uint32_t)(hw >> 32);
                id->oem_id = (uint16_t)(hw >> 16);
                id->model_id = (uint16_t)hw;
                id->has_hwid = true;
        } else if (r == 0 && n >= 44) {
                id->msm_id = sf_le32(d + 36);
                id->oem_id = sf_le16(d + 40) ? sf_le16(d + 40) : (n >= 46 ? sf_le16(d + 44) : 0);
                id->model_id = sf_le16(d + 42);
                id->has_hwid = true;
        }
        if ((r = query(h, SF_SAHARA_EXEC_OEM_PK_HASH_READ, d, sizeof(d), &n)) < 0)
                return r;
        if (r == 0 && n >= 32) {
                id->pk_hash_len = trim_pk_hash(d, n);
                memcpy(id->pk_hash, d, id->pk_hash_len);
        }
        if ((r = query(h, SF_SAHARA_EXEC_SBL_VERSION, d, sizeof(d), &n)) < 0)
                return r;
        if (r == 0 && n >= 4) {
                id->sbl_version = sf_le32(d);
                id->has_sbl_version = true;
        }
        return 0;
}

/* In command mode (CMD_READY received): the identity, then back to image transfer. */
static int identify_in_command_mode(struct sf_sahara_host *h, struct sf_chip_identity *idp,
                                    struct sf_chip_identity *ret, struct sf_error *err)
{
        struct sf_sahara_packet sw = {.cmd = SF_SAHARA_SWITCH_MODE};
        struct sf_chip_identity id = *idp;
        int r;

        h->poke_command_ready = false;
        r = read_identity(h, &id);
        if (r < 0)
                return sf_error_set(err, r, "the boot ROM broke the command-mode protocol (%s)",
                                    strerror(-r));
        /* Back to image transfer: the device restarts with a fresh HELLO. */
        sw.u.switch_mode.mode = SF_SAHARA_MODE_IMAGE_TX_PENDING;
        r = send_packet(h, &sw);
        if (r >= 0)
                r = sf_sahara_wait_hello(h, err);
        if (r < 0)
                return r;
        *ret = id;
        return 0;
}

int sf_sahara_identify(struct sf_sahara_host *h, struct sf_chip_identity *ret, struct sf_error *err)
{
        struct sf_chip_identity id = {0};
        struct sf_sahara_packet p;
        uint8_t raw[4096];
        size_t n;
        int r;

        r = wait_hello(h, SF_SAHARA_MODE_COMMAND, err);
        if (r < 0)
                return r;
        id.sahara_version = h->hello.u.hello.version;
        id.hello_mode = h->hello.u.hello.mode;
        if (h->transfer_started) { /* already pulling an image: no command mode in this session */
                id.command_mode_refused = true;
                *ret = id;
                return 0;
        }
        if (h->poke_refused) { /* refused again, and it still waits for a HELLO_RESP */
                id.command_mode_refused = true;
                id.refusal_status = h->poke_refusal_status;
                h->poke_refused = false;
                *ret = id;
                return 0;
        }
        if (h->poke_command_ready) /* the poke opened command mode already */
                return identify_in_command_mode(h, &id, ret, err);
        if (id.hello_mode == SF_SAHARA_MODE_MEMORY_DEBUG) {
                *ret = id; /* a crashed module: asking it anything else would lose the dump */
                return 0;
        }
        r = hello_resp(h, SF_SAHARA_MODE_COMMAND);
        if (r >= 0)
                r = recv_packet(h, &p, raw, &n, SF_SAHARA_PACKET_TIMEOUT_MS);
        if (r == 0 && p.cmd == SF_SAHARA_END_OF_IMAGE) {
                /* No command mode on this boot ROM (qdl: "device rejected command mode"). It
                 * still waits for a HELLO_RESP: the one it sent is answered by the upload. */
                sf_transport_note(h->t, "sahara: command mode refused, status 0x%02x",
                                  p.u.end_of_image.status);
                id.command_mode_refused = true;
                id.refusal_status = p.u.end_of_image.status;
                h->have_hello = true;
                *ret = id;
                return 0;
        }
        if (r < 0 || p.cmd != SF_SAHARA_CMD_READY)
                return sf_error_set(err, r < 0 ? r : -EPROTO,
                                    "the boot ROM broke command mode (%s instead of CMD_READY)",
                                    r < 0 ? strerror(-r) : sf_sahara_cmd_to_string(p.cmd));
        return identify_in_command_mode(h, &id, ret, err);
}

/* Serve [off, off+len) of the programmer, refusing any range outside it. */
static int serve(struct sf_sahara_host *h, const uint8_t *img, uint64_t size, uint64_t off,
                 uint64_t len, struct sf_error *err)
{
        uint64_t done = 0;

        if (off > size || len > size - off || len == 0)
                return sf_error_set(err, -EPROTO,
                                    "the boot ROM asked for bytes %llu+%llu of a %llu-byte "
                                    "programmer",
                                    (unsigned long long)off, (unsigned long long)len,
                                    (unsigned long long)size);
        while (done < len) {
                size_t n = len - done < SERVE_CHUNK ? (size_t)(len - done) : SERVE_CHUNK;
                int r = sf_transport_write(h->t, img + off + done, n, SF_SAHARA_PACKET_TIMEOUT_MS);

                if (r < 0)
                        return sf_error_set(err, r, "sending the programmer: %s", strerror(-r));
                done += n;
        }
        return 0;
}

static int on_end_of_image(struct sf_sahara_host *h, const struct sf_sahara_packet *p,
                           struct sf_error *err)
{
        struct sf_sahara_packet done = {.cmd = SF_SAHARA_DONE};
        uint32_t st = p->u.end_of_image.status;

        if (st != SF_SAHARA_STATUS_SUCCESS)
                return sf_error_set(err, st >= 0x21 && st <= 0x26 ? -EACCES : -EPROTO,
                                    "the boot ROM refused the programmer: status 0x%02x %s", st,
                                    sf_sahara_status_to_string(st));
        return send_packet(h, &done);
}

struct upload {
        const struct sf_sahara_image *imgs;
        size_t n;
        uint64_t served, total;
        bool pending; /* DONE_RESP(pending) came: a new HELLO, or the programmer runs */
};

static const struct sf_sahara_image *find_image(const struct upload *u, uint64_t id)
{
        for (size_t i = 0; i < u->n; i++)
                if (u->imgs[i].id == id)
                        return &u->imgs[i];
        return NULL;
}

static int on_read_data(struct sf_sahara_host *h, struct upload *u,
                        const struct sf_sahara_packet *p, struct sf_error *err)
{
        const struct sf_sahara_image *img = find_image(u, p->u.read.image_id);
        int r;

        if (!img)
                return sf_error_set(err, -ENOENT,
                                    "the module asks for image %llu, which this package does not "
                                    "have (a multi-image boot ROM: it needs more than the "
                                    "programmer, image 13)",
                                    (unsigned long long)p->u.read.image_id);
        r = serve(h, img->data, img->size, p->u.read.offset, p->u.read.length, err);
        u->served += p->u.read.length;
        return r;
}

/* After DONE_RESP(pending): a new HELLO means another image is wanted; anything else (the
 * programmer's first XML, or silence) means the programmer runs. 1 when it does. */
static int after_pending(struct sf_sahara_host *h, int r, const struct sf_sahara_packet *p,
                         const uint8_t *raw, size_t n)
{
        if (r == -ETIMEDOUT)
                return 1; /* a programmer that says nothing yet */
        if (r == -EPROTO && looks_like_xml(raw, n)) {
                sf_transport_unread(h->t, raw, n);
                return 1;
        }
        if (r == 0 && p->cmd == SF_SAHARA_HELLO) {
                sf_transport_note(h->t, "sahara: a new HELLO after DONE_RESP(pending)");
                return hello_resp(h, SF_SAHARA_MODE_IMAGE_TX_PENDING);
        }
        return r < 0 ? r : 2; /* 2: handle it like any packet */
}

/* The upload loop; 1 when the programmer runs. */
static int upload_step(struct sf_sahara_host *h, struct upload *u, struct sf_error *err)
{
        struct sf_sahara_packet p;
        uint8_t raw[4096];
        size_t n = 0;
        bool pending = u->pending;
        int r = recv_packet(h, &p, raw, &n,
                            pending ? SF_SAHARA_PENDING_WAIT_MS : SF_SAHARA_PACKET_TIMEOUT_MS);

        u->pending = false;
        if (pending && (r = after_pending(h, r, &p, raw, n)) != 2)
                return r < 0 ? sf_error_set(err, r, "after DONE_RESP(pending): %s", strerror(-r))
                             : r;
        if (r < 0)
                return sf_error_set(err, r, "%s during the programmer upload",
                                    r == -EPROTO      ? "a malformed Sahara packet"
                                    : r == -ETIMEDOUT ? "the boot ROM stopped answering"
                                                      : strerror(-r));
        switch (p.cmd) {
        case SF_SAHARA_READ_DATA:
        case SF_SAHARA_READ_DATA_64:
                return on_read_data(h, u, &p, err);
        case SF_SAHARA_END_OF_IMAGE:
                return on_end_of_image(h, &p, err);
        case SF_SAHARA_DONE_RESP:
                if (p.u.done_resp.status == 1)
                        return 1;
                /* Pending (0): several boot ROMs say so after the programmer and start it all
                 * the same (qdl's MSM8916 quirk, fwupd's AllowedPendingImageIds). */
                u->pending = true;
                return 0;
        case SF_SAHARA_HELLO:
                return hello_resp(h, SF_SAHARA_MODE_IMAGE_TX_PENDING);
        default:
                return sf_error_set(err, -EPROTO, "unexpected Sahara %s during the upload",
                                    sf_sahara_cmd_to_string(p.cmd));
        }
}

int sf_sahara_upload_images(struct sf_sahara_host *h, const struct sf_sahara_image *imgs, size_t n,
                            sf_sahara_progress_fn progress, void *userdata, struct sf_error *err)
{
        struct upload u = {.imgs = imgs, .n = n};
        int r;

        for (size_t i = 0; i < n; i++)
                u.total += imgs[i].size;
        r = sf_sahara_wait_hello(h, err);
        if (r < 0)
                return r;
        if (h->hello.u.hello.mode == SF_SAHARA_MODE_MEMORY_DEBUG)
                return sf_error_set(err, -EOPNOTSUPP,
                                    "the module is in memory-debug mode (05c6:900e): it crashed; "
                                    "collect the dump or reset it before flashing");
        if (h->transfer_started) { /* answered already, by the poke */
                h->transfer_started = false;
                r = on_read_data(h, &u, &h->first_request, err);
        } else {
                r = hello_resp(h, SF_SAHARA_MODE_IMAGE_TX_PENDING);
        }
        while (r == 0) {
                r = upload_step(h, &u, err);
                if (progress)
                        progress(userdata, u.served < u.total ? u.served : u.total, u.total);
        }
        return r < 0 ? r : 0;
}

int sf_sahara_upload_buffer(struct sf_sahara_host *h, const uint8_t *img, size_t size,
                            sf_sahara_progress_fn progress, void *userdata, struct sf_error *err)
{
        const struct sf_sahara_image prog = {.id = PROGRAMMER_IMAGE_ID, .data = img, .size = size};

        return sf_sahara_upload_images(h, &prog, 1, progress, userdata, err);
}

/* Wait for a HELLO, skipping whatever else comes (answers to an earlier session's requests).
 * No poke: a HELLO_RESP of the wrong mode would make a crashed boot ROM refuse the dump. */
static int read_hello(struct sf_sahara_host *h, int timeout_ms, struct sf_error *err)
{
        struct sf_sahara_packet p;
        uint8_t raw[4096];
        size_t n = 0;

        for (int skipped = 0; skipped < 16; skipped++) {
                int r = recv_packet(h, &p, raw, &n, timeout_ms);
                int got = take_hello(h, r, &p, raw, n, err);
                if (got <= 0)
                        return got;
                if (r < 0 && r != -EPROTO)
                        return r;
                sf_transport_note(h->t, "sahara: skipped %zu bytes waiting for HELLO", n);
        }
        return -ETIMEDOUT;
}

/* A boot ROM left in the middle of a dump by an earlier session sends no new HELLO: restart
 * its state machine (v2.9+), which keeps the RAM, and wait once more. */
static int wait_hello_restart(struct sf_sahara_host *h, struct sf_error *err)
{
        struct sf_sahara_packet rsm = {.cmd = SF_SAHARA_RESET_STATE_MACHINE};
        int r;

        if (h->have_hello)
                return 0;
        r = read_hello(h, 1000, err);
        if (r == -ETIMEDOUT) {
                sf_transport_note(h->t, "sahara: no HELLO, restarting the state machine");
                r = send_packet(h, &rsm);
                if (r >= 0)
                        r = read_hello(h, SF_SAHARA_PACKET_TIMEOUT_MS, err);
        }
        if (r == -ETIMEDOUT)
                return sf_error_set(err, r,
                                    "the boot ROM sends no HELLO, even after a restart of its "
                                    "state machine: the module needs a power cycle (its RAM "
                                    "is lost then)");
        return r < 0 && r != -EALREADY ? sf_error_set(err, r, "waiting for HELLO: %s", strerror(-r))
                                       : r;
}

int sf_sahara_memory_debug(struct sf_sahara_host *h, struct sf_sahara_debug_ref *ret,
                           struct sf_error *err)
{
        struct sf_sahara_packet p;
        uint8_t raw[4096];
        size_t n = 0;
        int r = wait_hello_restart(h, err);

        if (r == -EALREADY)
                return sf_error_set(err, -ENODEV,
                                    "a Firehose programmer answers instead of the boot ROM: the "
                                    "module is in EDL, not in memory-debug mode");
        if (r < 0)
                return r;
        if (h->hello.u.hello.mode != SF_SAHARA_MODE_MEMORY_DEBUG)
                return sf_error_set(err, -ENODEV,
                                    "the boot ROM offers %s (HELLO mode %u), not a RAM dump: the "
                                    "module is in EDL, not in memory-debug mode",
                                    sf_sahara_mode_to_string(h->hello.u.hello.mode),
                                    h->hello.u.hello.mode);
        r = hello_resp(h, SF_SAHARA_MODE_MEMORY_DEBUG);
        if (r >= 0)
                r = recv_packet(h, &p, raw, &n, SF_SAHARA_PACKET_TIMEOUT_MS);
        if (r < 0)
                return sf_error_set(err, r, "no memory table from the boot ROM: %s",
                                    r == -EPROTO ? "a malformed Sahara packet" : strerror(-r));
        if (p.cmd == SF_SAHARA_END_OF_IMAGE)
                return sf_error_set(err, -EIO, "the boot ROM refused the dump: status 0x%02x %s",
                                    p.u.end_of_image.status,
                                    sf_sahara_status_to_string(p.u.end_of_image.status));
        if (p.cmd != SF_SAHARA_MEMORY_DEBUG && p.cmd != SF_SAHARA_MEMORY_DEBUG_64)
                return sf_error_set(err, -EPROTO, "unexpected Sahara %s instead of MEMORY_DEBUG",
                                    sf_sahara_cmd_to_string(p.cmd));
        ret->is_64 = p.cmd == SF_SAHARA_MEMORY_DEBUG_64;
        ret->table_addr = p.u.memory.addr;
        ret->table_len = p.u.memory.length;
        return 0;
}

/* What a short answer was: a refusal is one END_OF_IMAGE_TX in place of the data. */
static int short_read(struct sf_sahara_host *h, const uint8_t *buf, size_t got, size_t len,
                      uint64_t addr, struct sf_error *err)
{
        struct sf_sahara_packet p;

        if (got == 16 && len != 16 && sf_sahara_parse(buf, got, &p) == 0 &&
            p.cmd == SF_SAHARA_END_OF_IMAGE)
                return sf_error_set(err, -EIO,
                                    "the boot ROM refused to read %zu bytes at 0x%llx: status "
                                    "0x%02x %s",
                                    len, (unsigned long long)addr, p.u.end_of_image.status,
                                    sf_sahara_status_to_string(p.u.end_of_image.status));
        sf_transport_note(h->t, "sahara: %zu of %zu bytes, then silence", got, len);
        return sf_error_set(err, -ETIMEDOUT,
                            "the device sent %zu of the %zu bytes asked for at 0x%llx, then "
                            "stopped",
                            got, len, (unsigned long long)addr);
}

int sf_sahara_memory_read(struct sf_sahara_host *h, bool is_64, uint64_t addr, uint8_t *buf,
                          size_t len, struct sf_error *err)
{
        uint8_t req[SF_SAHARA_MAX_PACKET];
        size_t got = 0;
        int n = sf_sahara_build_memory_read(is_64, addr, len, req, sizeof(req)), r;

        if (n < 0)
                return sf_error_set(err, n, "0x%llx+%zu cannot be asked for in a %s request",
                                    (unsigned long long)addr, len, is_64 ? "64-bit" : "32-bit");
        r = sf_transport_write(h->t, req, (size_t)n, SF_SAHARA_PACKET_TIMEOUT_MS);
        if (r < 0)
                return sf_error_set(err, r, "sending MEMORY_READ: %s", strerror(-r));
        for (int idle = 0; got < len;) {
                size_t k = 0;
                /* Never more than what is missing: a device sending more overflows the read
                 * (USB) or is caught by sf_sahara_expect_silence (streams). */
                r = sf_transport_read(h->t, buf + got, len - got, &k, SF_SAHARA_PACKET_TIMEOUT_MS);
                if (r == -EOVERFLOW)
                        return sf_error_set(err, -EOVERFLOW,
                                            "the device sent more than the %zu bytes asked for "
                                            "at 0x%llx",
                                            len, (unsigned long long)addr);
                if (r == -ETIMEDOUT)
                        return short_read(h, buf, got, len, addr, err);
                if (r < 0)
                        return sf_error_set(err, r, "reading memory at 0x%llx: %s",
                                            (unsigned long long)addr, strerror(-r));
                got += k;
                /* Zero-length packets carry nothing: a stream of them is silence too. */
                idle = k ? 0 : idle + 1;
                if (idle > 64)
                        return short_read(h, buf, got, len, addr, err);
        }
        return 0;
}

int sf_sahara_expect_silence(struct sf_sahara_host *h, int timeout_ms, struct sf_error *err)
{
        uint8_t b[64];
        size_t n = 0;
        int r = sf_transport_read(h->t, b, sizeof(b), &n, timeout_ms);

        if (r == -ETIMEDOUT || (r == 0 && n == 0))
                return 0;
        if (r < 0)
                return sf_error_set(err, r, "%s", strerror(-r));
        return sf_error_set(err, -EPROTO, "the device sent more bytes than it was asked for");
}

int sf_sahara_reset(struct sf_sahara_host *h, struct sf_error *err)
{
        struct sf_sahara_packet p = {.cmd = SF_SAHARA_RESET};
        uint8_t raw[4096];
        size_t n = 0;
        int r = send_packet(h, &p);

        if (r >= 0)
                r = recv_packet(h, &p, raw, &n, SF_SAHARA_PACKET_TIMEOUT_MS);
        if (r < 0)
                return sf_error_set(err, r, "no answer to RESET: %s", strerror(-r));
        if (p.cmd != SF_SAHARA_RESET_RESP)
                return sf_error_set(err, -EPROTO, "unexpected Sahara %s instead of RESET_RESP",
                                    sf_sahara_cmd_to_string(p.cmd));
        h->have_hello = false;
        return 0;
}

int sf_sahara_restart_chip(struct sf_sahara_host *h, struct sf_error *err)
{
        struct sf_sahara_packet p;
        uint8_t raw[4096];
        size_t n = 0;
        int r = h->have_hello ? 0 : sf_sahara_wait_hello(h, err);

        if (r < 0)
                return r;
        if (h->transfer_started) /* the wait's poke began the transfer: its request is in */
                return sf_sahara_reset(h, err);
        r = hello_resp(h, SF_SAHARA_MODE_IMAGE_TX_PENDING);
        if (r >= 0)
                r = recv_packet(h, &p, raw, &n, SF_SAHARA_PACKET_TIMEOUT_MS);
        if (r < 0)
                return sf_error_set(err, r, "no image request after HELLO_RESP: %s", strerror(-r));
        if (p.cmd != SF_SAHARA_READ_DATA && p.cmd != SF_SAHARA_READ_DATA_64)
                return sf_error_set(err, -EPROTO,
                                    "Sahara %s instead of an image request after HELLO_RESP",
                                    sf_sahara_cmd_to_string(p.cmd));
        return sf_sahara_reset(h, err);
}

int sf_sahara_upload(struct sf_sahara_host *h, const char *path, sf_sahara_progress_fn progress,
                     void *userdata, struct sf_error *err)
{
        _cleanup_free_ char *img = NULL;
        size_t len;
        int r;

        r = sf_read_file(path, SF_SAHARA_PROGRAMMER_MAX, &img, &len);
        if (r < 0)
                return sf_error_set(err, r, "%s: %s", path, strerror(-r));
        return sf_sahara_upload_buffer(h, (const uint8_t *)img, len, progress, userdata, err);
}
