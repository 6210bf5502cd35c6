/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The running module's AT and DM ports over ptys. AT answers use the literal formats of the
 * project's reference notes (quectel.md section 6). */
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include "serial.h"

int sim_pty_open(struct sim_pty *t, const char *link_path)
{
        struct termios tio;
        const char *name;
        int slave = -1;

        t->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
        t->slave_keep = -1;
        t->held_len = 0;
        if (t->master < 0)
                return -errno;
        if (grantpt(t->master) < 0 || unlockpt(t->master) < 0 || !(name = ptsname(t->master)))
                goto fail;
        /* Set the line up once; the settings stay with the pty while the master is open. */
        slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0 || tcgetattr(slave, &tio) < 0)
                goto fail;
        cfmakeraw(&tio); /* a USB serial function has no line discipline of its own */
        if (tcsetattr(slave, TCSANOW, &tio) < 0)
                goto fail;
        close(slave);
        slave = -1;
        snprintf(t->link, sizeof(t->link), "%s", link_path);
        unlink(link_path);
        if (symlink(name, link_path) < 0)
                goto fail;
        return 0;
fail:
        if (slave >= 0)
                close(slave);
        sim_pty_close(t);
        return -EIO;
}

void sim_pty_close(struct sim_pty *t)
{
        if (t->master >= 0)
                close(t->master);
        if (t->link[0])
                unlink(t->link);
        t->master = t->slave_keep = -1;
        t->link[0] = '\0';
        t->held_len = 0;
}

/* While no program holds the slave open, the master reads as hung up. */
bool sim_pty_is_open(const struct sim_pty *t)
{
        struct pollfd p = {.fd = t->master, .events = POLLIN};

        return t->master >= 0 && poll(&p, 1, 0) >= 0 && !(p.revents & POLLHUP);
}

static int write_all(struct sim_pty *t, const void *buf, size_t len)
{
        size_t done = 0;

        while (done < len) {
                ssize_t n = write(t->master, (const char *)buf + done, len - done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return errno == EAGAIN || errno == EIO ? 0 : -errno; /* as USB would */
                done += (size_t)n;
        }
        return 0;
}

int sim_pty_service(struct sim_pty *t)
{
        int r;

        if (!t->held_len)
                return 0;
        if (!sim_pty_is_open(t))
                return 1;
        r = write_all(t, t->held, t->held_len);
        t->held_len = 0;
        return r;
}

int sim_pty_write(struct sim_pty *t, const void *buf, size_t len)
{
        if (t->master < 0)
                return -EBADF;
        if (t->held_len || !sim_pty_is_open(t)) {
                size_t n = len < SIM_PTY_HELD_MAX - t->held_len ? len : SIM_PTY_HELD_MAX - t->held_len;
                memcpy(t->held + t->held_len, buf, n); /* beyond the cap: lost, as a device's */
                t->held_len += n;
                return sim_pty_service(t) < 0 ? -EIO : 0;
        }
        return write_all(t, buf, len);
}

int sim_pty_write_wait(struct sim_pty *t, const void *buf, size_t len, int stall_ms)
{
        size_t done = 0;

        while (done < len) {
                ssize_t n = write(t->master, (const char *)buf + done, len - done);
                struct pollfd p = {.fd = t->master, .events = POLLOUT};
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno != EAGAIN)
                        return -errno;
                if (n > 0) {
                        done += (size_t)n;
                        continue;
                }
                /* Full: the host has not read yet. A USB device holds its data until then. */
                if (poll(&p, 1, stall_ms) != 1)
                        return 0; /* the host went away: dropped, as USB would */
        }
        return 0;
}

int sim_at_start(struct sim_at *a, const char *link_path, const struct sim_at_identity *id)
{
        memset(a, 0, sizeof(*a));
        a->id = *id;
        a->echo = true;
        return sim_pty_open(&a->pty, link_path);
}

void sim_at_stop(struct sim_at *a)
{
        sim_pty_close(&a->pty);
}

/* Append "\r\nLINE\r\n". */
static size_t put(char *out, size_t size, size_t pos, const char *line)
{
        int n;

        if (size == 0 || pos >= size - 1)
                return pos;
        n = snprintf(out + pos, size - pos, "\r\n%s\r\n", line);
        if (n < 0)
                return pos;
        /* a truncated answer is cut, never read past the buffer */
        return pos + (size_t)n < size ? pos + (size_t)n : size - 1;
}

/* "EC25EFAR06A17M4G" out of the full version. */
static void revision(const char *version, char *out, size_t size)
{
        size_t n = strcspn(version, "_");
        snprintf(out, size, "%.*s", (int)n, version);
}

static size_t answer_qgmr(struct sim_at *a, char *out, size_t size, size_t pos)
{
        char buf[96];

        /* Shortly after boot the AP half is not ready yet: "…_20.200.00.000". */
        if (a->qgmr_count++ < a->id.transient_reads && strlen(a->id.version) > 7) {
                size_t n = strlen(a->id.version);
                snprintf(buf, sizeof(buf), "%.*s00.000", (int)(n - 6), a->id.version);
                return put(out, size, pos, buf);
        }
        return put(out, size, pos, a->id.version);
}

/* A command (upper-cased for matching): appends its lines at *pos; false when unknown. */
static bool answer_known(struct sim_at *a, const char *cmd, char *out, size_t size, size_t *pos)
{
        char buf[160], rev[64];

        revision(a->id.version, rev, sizeof(rev));
        if (strcmp(cmd, "AT") == 0)
                return true;
        if (strcmp(cmd, "ATE0") == 0 || strcmp(cmd, "ATE1") == 0) {
                a->echo = cmd[3] == '1';
                return true;
        }
        if (strcmp(cmd, "ATI") == 0)
                snprintf(buf, sizeof(buf), "Quectel\r\n%s\r\nRevision: %s", a->id.model, rev);
        else if (strcmp(cmd, "AT+GMR") == 0 || strcmp(cmd, "AT+CGMR") == 0)
                snprintf(buf, sizeof(buf), "%s", rev);
        else if (strcmp(cmd, "AT+QGMR") == 0 || strcmp(cmd, "AT+QGMR?") == 0) {
                *pos = answer_qgmr(a, out, size, *pos);
                return true;
        } else if (strcmp(cmd, "AT+CGMM") == 0)
                snprintf(buf, sizeof(buf), "%s", a->id.model);
        else if (strcmp(cmd, "AT+CGMI") == 0)
                snprintf(buf, sizeof(buf), "Quectel");
        else if (strcmp(cmd, "AT+CSUB") == 0)
                snprintf(buf, sizeof(buf), "SubEdition: V01");
        else if (strcmp(cmd, "AT+CVERSION") == 0)
                snprintf(buf, sizeof(buf), "VERSION: %s\r\nMar 11 2021 10:02:44\r\nAuthors: QCT",
                         rev);
        else if (strcmp(cmd, "AT+QCFG=\"USBID\"") == 0)
                snprintf(buf, sizeof(buf), "+QCFG: \"usbid\",%u,%u", a->id.vid, a->id.pid);
        else if (strcmp(cmd, "AT+QCFG=\"USBCFG\"") == 0)
                snprintf(buf, sizeof(buf), "+QCFG: \"usbcfg\",0x%04X,0x%04X,1,1,1,1,1,0,0",
                         a->id.vid, a->id.pid);
        else if (strcmp(cmd, "AT+QSECBOOT=\"STATUS\"") == 0)
                snprintf(buf, sizeof(buf), "+QSECBOOT: \"status\",%d", a->id.secure_boot ? 1 : 0);
        else if (strcmp(cmd, "AT+CFUN?") == 0)
                snprintf(buf, sizeof(buf), "%s", a->id.calibrated ? "+CFUN: 1" : "+CFUN: 5");
        else if (strcmp(cmd, "AT+CGSN") == 0 || strcmp(cmd, "AT+GSN") == 0 ||
                 strcmp(cmd, "AT+EGMR=0,7") == 0) {
                if (!a->id.imei[0])
                        return false; /* EFS lost: the module has no IMEI to tell */
                snprintf(buf, sizeof(buf), cmd[3] == 'E' ? "+EGMR: \"%s\"" : "%s", a->id.imei);
        } else
                return false;
        *pos = put(out, size, *pos, buf);
        return true;
}

/* What the firmware reports on its own as it comes up (quectel.md section 6), one with each
 * answer while they last, at a place that moves: before the answer, between its lines and the
 * result code, after the result code. */
static const char *const boot_urcs[] = {"+CFUN: 1", "+CPIN: READY", "+QUSIM: 1",
                                        "+QIND: SMS DONE", "+QIND: PB DONE"};
#define N_BOOT_URCS (sizeof(boot_urcs) / sizeof(*boot_urcs))

/* The URC due at place `where` (0 before, 1 inside, 2 after) of this answer, or NULL. ATI and
 * AT+QGMR always carry an extra line inside once the boot's URCs are out (a capture shows
 * "+CREG: 0,2" right after an answer). */
static const char *urc_at(const struct sim_at *a, const char *up, int where)
{
        bool ident = strcmp(up, "ATI") == 0 || strncmp(up, "AT+QGMR", 7) == 0;

        if (!a->id.urc_chatter)
                return NULL;
        if (a->urcs_sent < N_BOOT_URCS)
                return (int)(a->urcs_sent % 3) == where ? boot_urcs[a->urcs_sent] : NULL;
        return ident && where == 1 ? "+CREG: 0,2" : NULL;
}

size_t sim_at_answer(struct sim_at *a, const char *cmd, char *out, size_t size)
{
        char up[sizeof(a->line)];
        const char *u;
        size_t pos = 0;
        bool known;
        int n;

        snprintf(up, sizeof(up), "%s", cmd);
        for (char *p = up; *p; p++)
                if (*p >= 'a' && *p <= 'z')
                        *p = (char)(*p - 'a' + 'A');
        if (a->echo && size) {
                n = snprintf(out, size, "%s\r", cmd);
                pos = n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
        }
        if ((u = urc_at(a, up, 0)))
                pos = put(out, size, pos, u);
        known = answer_known(a, up, out, size, &pos);
        if ((u = urc_at(a, up, 1)))
                pos = put(out, size, pos, u);
        pos = put(out, size, pos, known ? "OK" : "ERROR");
        if ((u = urc_at(a, up, 2)))
                pos = put(out, size, pos, u);
        if (a->id.urc_chatter && a->urcs_sent < N_BOOT_URCS)
                a->urcs_sent++;
        return pos;
}

/* A complete command line: answered, unless a fault says otherwise. */
static void at_line(struct sim_at *a, char *out, size_t size)
{
        enum sim_port_fault f = a->silent || a->gone ? SIM_PORT_SILENT
                                : a->fault           ? a->fault(a->fault_ctx, "at")
                                                     : SIM_PORT_ANSWER;

        a->line[a->len] = '\0';
        if (f == SIM_PORT_ERROR)
                sim_pty_write(&a->pty, "\r\nERROR\r\n", 9);
        else if (f == SIM_PORT_ANSWER)
                sim_pty_write(&a->pty, out, sim_at_answer(a, a->line, out, size));
        a->silent |= f == SIM_PORT_SILENT;
        a->gone |= f == SIM_PORT_GONE;
}

int sim_at_service(struct sim_at *a)
{
        char buf[256], out[1024];

        for (;;) {
                ssize_t n = read(a->pty.master, buf, sizeof(buf));
                if (n <= 0)
                        return n < 0 && errno != EAGAIN && errno != EIO ? -errno : 0;
                for (ssize_t i = 0; i < n; i++) {
                        if (buf[i] == '\r' || buf[i] == '\n') {
                                if (a->len && !a->overflow)
                                        at_line(a, out, sizeof(out));
                                a->len = 0;
                                a->overflow = false;
                        } else if (a->len < sizeof(a->line) - 1) {
                                a->line[a->len++] = buf[i];
                        } else {
                                a->overflow = true; /* an over-long line is dropped whole */
                        }
                }
        }
}

int sim_diag_start(struct sim_diag *d, const char *link_path, const char *revision)
{
        memset(d, 0, sizeof(*d));
        sf_diag_reader_init(&d->reader);
        snprintf(d->revision, sizeof(d->revision), "%s", revision);
        return sim_pty_open(&d->pty, link_path);
}

void sim_diag_stop(struct sim_diag *d)
{
        sim_pty_close(&d->pty);
}

/* Error reply: the error code, then the rejected request (as DIAG does). */
static int diag_error(uint8_t code, const uint8_t *req, size_t len, uint8_t *out, size_t size,
                      size_t *ret_len)
{
        uint8_t payload[64];
        size_t n = len < sizeof(payload) - 1 ? len : sizeof(payload) - 1;

        payload[0] = code;
        memcpy(payload + 1, req, n);
        return sf_diag_encode(payload, n + 1, false, out, size, ret_len);
}

int sim_diag_answer(struct sim_diag *d, const uint8_t *req, size_t len, uint8_t *out, size_t size,
                    size_t *ret_len, enum sim_diag_event *event)
{
        struct sf_diag_build_id id = {.version = 1,
                                      .msm_hw_version = d->msm_id ? d->msm_id : 0x000480e1,
                                      .mobile_model = 0x14e};
        static const uint8_t edl[] = {0x4b, 0x65, 0x01, 0x00};

        *event = SIM_DIAG_NONE;
        if (len == sizeof(edl) && memcmp(req, edl, sizeof(edl)) == 0) {
                *event = SIM_DIAG_SWITCH_TO_EDL;
                return sf_diag_build_edl_reboot_echo(out, size, ret_len);
        }
        if (len == 1 && req[0] == 0x7c) {
                snprintf(id.revision, sizeof(id.revision), "%s", d->revision);
                return sf_diag_build_ext_build_id_reply(&id, out, size, ret_len);
        }
        return diag_error(0x13, req, len, out, size, ret_len); /* BAD_CMD */
}

/* An injected fault for this request: true when it took the request over. */
static bool diag_fault(struct sim_diag *d, const uint8_t *req, size_t len, uint8_t *out,
                       size_t size)
{
        enum sim_port_fault f = d->silent || d->gone ? SIM_PORT_SILENT
                                : d->fault           ? d->fault(d->fault_ctx, "diag")
                                                     : SIM_PORT_ANSWER;
        size_t olen;

        if (f == SIM_PORT_ERROR && diag_error(0x14, req, len, out, size, &olen) == 0)
                sim_pty_write(&d->pty, out, olen); /* BAD_PARM */
        d->silent |= f == SIM_PORT_SILENT;
        d->gone |= f == SIM_PORT_GONE;
        return f != SIM_PORT_ANSWER;
}

int sim_diag_service(struct sim_diag *d, enum sim_diag_event *event)
{
        uint8_t in[512], payload[SF_DIAG_MAX_PAYLOAD], out[SF_DIAG_FRAME_MAX(SF_DIAG_MAX_PAYLOAD)];
        size_t plen, olen;
        ssize_t n;
        int r;

        *event = SIM_DIAG_NONE;
        while ((n = read(d->pty.master, in, sizeof(in))) > 0) {
                size_t fed = 0;
                while (fed < (size_t)n) {
                        fed += sf_diag_reader_feed(&d->reader, in + fed, (size_t)n - fed);
                        while ((r = sf_diag_reader_next(&d->reader, payload, sizeof(payload),
                                                        &plen)) != 0) {
                                if (r < 0)
                                        continue; /* a bad frame: DIAG drops it */
                                if (diag_fault(d, payload, plen, out, sizeof(out)))
                                        continue;
                                if (sim_diag_answer(d, payload, plen, out, sizeof(out), &olen,
                                                    event) == 0)
                                        sim_pty_write(&d->pty, out, olen);
                                if (*event != SIM_DIAG_NONE)
                                        return 0;
                        }
                }
        }
        return 0;
}
