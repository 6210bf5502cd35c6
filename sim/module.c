/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mkpkg.h"
#include "quirks.h"
#include "module.h"
#include "nand_bbt.h"

const char *sim_mode_to_string(enum sim_mode mode)
{
        switch (mode) {
        case SIM_MODE_OFF:
                return "off";
        case SIM_MODE_EDL:
                return "edl";
        case SIM_MODE_FIREHOSE:
                return "firehose";
        case SIM_MODE_HUNG:
                return "hung";
        case SIM_MODE_NORMAL:
                return "normal";
        case SIM_MODE_DUMP:
                return "memory-debug";
        }
        return "invalid";
}

static long long now_ms(void);

/* The persona's fuses; a secure part is fused with the simulated OEM root the package generator
 * signs with. */
static void load_chip(struct sim_module *m)
{
        static const uint8_t zero[32];

        m->chip = m->persona->chip;
        if (m->chip.secure_boot && memcmp(m->chip.pk_hash, zero, 32) == 0)
                sim_oem_root_hash(m->chip.pk_hash);
        /* The real habits asked for (quirks.h). */
        m->chip.sahara_version = m->quirks & SIM_QUIRK_SAHARA_V3 ? 3 : 2;
        m->chip.done_pending = m->quirks & SIM_QUIRK_DONE_PENDING;
        m->chip.no_command_mode = m->quirks & SIM_QUIRK_NO_COMMAND_MODE;
        m->fh_cfg.no_digest = m->quirks & SIM_QUIRK_NO_DIGEST;
        m->fh_cfg.chatty = m->quirks & SIM_QUIRK_SLOW_START;
}

static int mkdir_p(const char *path)
{
        char buf[PATH_MAX];
        size_t len = strlen(path);

        if (len >= sizeof(buf))
                return -ENAMETOOLONG;
        memcpy(buf, path, len + 1);
        for (char *p = buf + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                        return -errno;
                *p = '/';
        }
        return mkdir(buf, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

static void log_traffic(struct sim_module *m, const char *dir, const uint8_t *buf, size_t len)
{
        bool text = len > 0 && buf[0] == '<';

        if (!m->log)
                return;
        fprintf(m->log, "%s %s %zu", dir, sim_mode_to_string(m->mode), len);
        if (text)
                fprintf(m->log, " %.*s", (int)(len > 600 ? 600 : len), (const char *)buf);
        else
                for (size_t i = 0; i < len && i < 48; i++)
                        fprintf(m->log, "%s%02x", i ? " " : " ", buf[i]);
        fputc('\n', m->log);
        fflush(m->log);
}

const struct sim_timing sim_timing_real = {
        .enabled = true,
        .usb_bytes_per_s = 40e6,
        .program_bytes_per_s = 4e6,
        .erase_block_s = 0.002,
        .turnaround_s = 0.0005,
        .ufs_program_bytes_per_s = 200e6,
        .ufs_unmap_bytes_per_s = 2e9,
};

static double now_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double max_d(double a, double b)
{
        return a > b ? a : b;
}

/* Bytes crossed the link (either way): it is busy that much longer. */
static void account_link(struct sim_module *m, size_t bytes)
{
        if (m->timing.enabled)
                m->link_free_at =
                        max_d(now_s(), m->link_free_at) + (double)bytes / m->timing.usb_bytes_per_s;
}

/* NAND work done since last time starts once its data has arrived and the NAND is free. */
static void account_flash(struct sim_module *m)
{
        uint64_t prog = m->flash.bytes_programmed - m->accounted_programmed;
        uint64_t erased = m->flash.bytes_erased - m->accounted_erased;
        double block = (double)m->flash.page_size * m->flash.pages_per_block;
        double busy;

        m->accounted_programmed = m->flash.bytes_programmed;
        m->accounted_erased = m->flash.bytes_erased;
        if (!m->timing.enabled || (!prog && !erased))
                return;
        if (m->flash.nand)
                busy = (double)prog / m->timing.program_bytes_per_s +
                       (double)erased / block * m->timing.erase_block_s;
        else
                busy = (double)prog / m->timing.ufs_program_bytes_per_s +
                       (double)erased / m->timing.ufs_unmap_bytes_per_s;
        m->nand_free_at = max_d(m->nand_free_at, m->link_free_at) + busy;
}

/* A device answers when it is done, not before. */
static void wait_until_ready(struct sim_module *m)
{
        double ready, left;
        struct timespec ts;

        if (!m->timing.enabled)
                return;
        account_flash(m);
        /* The programmer takes its time to answer a command; the rest of a long answer (a
         * <read>'s data, streamed from the NAND about as fast as the link carries it: an SLC
         * page read is tR 25 us plus 4 KiB over the 8-bit bus) follows at the link's rate.
         * That rest is queued at once and its link time owed: the next answer waits for it.
         * Waiting here, while the host is still to take the first transfers, would add the
         * link's time to the testbed's instead of letting the two overlap as on a real bus.
         * NAND work is always waited for: an erase's ACK follows its log by the erase's time. */
        ready = m->answer_due ? max_d(m->link_free_at, m->nand_free_at) + m->timing.turnaround_s
                              : m->nand_free_at;
        m->answer_due = false;
        left = ready - now_s();
        if (left <= 0)
                return;
        ts.tv_sec = (time_t)left;
        ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
        nanosleep(&ts, NULL);
}

static int send_in(void *ctx, const uint8_t *buf, size_t len)
{
        struct sim_module *m = ctx;

        /* A long <read> waits while the host has not taken enough (usb_in_room goes on). */
        if (!m->host_on_tty && m->usbfs && sim_usbfs_claimed(m->usbfs) &&
            !sim_usbfs_fits(m->usbfs, len))
                return -ENOBUFS;
        wait_until_ready(m);
        account_link(m, len);
        log_traffic(m, "<-", buf, len);
        if (m->host_on_tty)
                return sim_pty_write_wait(&m->edl_tty, buf, len, 2000);
        if (!m->usbfs || !sim_usbfs_claimed(m->usbfs))
                return sim_pty_write(&m->edl_tty, buf, len);
        /* A programmer follows a transfer that is a multiple of wMaxPacketSize with a ZLP
         * (protocols.md 6); the boot ROM sends none (Sahara needs none). */
        return sim_usbfs_send(m->usbfs, buf, len, m->mode == SIM_MODE_FIREHOSE);
}

/* How much a programmer receives ahead of its NAND: about 1 MB at MDM9x07 speed. */
#define SIM_RX_BUFFER_S 0.25
/* Sleeps shorter than this are not taken (the time stays owed and adds up). */
#define SIM_LINK_SLACK_S 0.002

/* An OUT URB: the link carries it at its rate, and the device takes it only when its buffer
 * has room, so a host cannot run ahead of the NAND by more than the buffer. */
static void usb_out_wait(void *ctx, size_t len)
{
        struct sim_module *m = ctx;
        double ready, left;
        struct timespec ts;

        if (!m->timing.enabled)
                return;
        account_flash(m);
        m->link_free_at = max_d(now_s(), m->link_free_at) + (double)len / m->timing.usb_bytes_per_s;
        ready = max_d(m->link_free_at, m->nand_free_at - SIM_RX_BUFFER_S);
        left = ready - now_s();
        if (left <= SIM_LINK_SLACK_S)
                return; /* the host's own pace is slower: the link is not what holds it */
        ts.tv_sec = (time_t)left;
        ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
        nanosleep(&ts, NULL);
}

static int appear(struct sim_module *m);

/* Only one simulator may present a port: a second would replace the first one's device. */
static int take_port(struct sim_module *m)
{
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "%s/usb/.port-%u.lock", m->bus, m->port);
        m->port_lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (m->port_lock < 0)
                return -errno;
        if (flock(m->port_lock, LOCK_EX | LOCK_NB) < 0)
                return errno == EWOULDBLOCK ? -EADDRINUSE : -errno;
        return 0;
}

static int make_dirs(const struct sim_module *m)
{
        static const char *const subdirs[] = {"sys/bus/usb/devices", "dev", "usb"};
        char path[PATH_MAX];
        int r = mkdir_p(m->dir);

        for (size_t i = 0; r >= 0 && i < sizeof(subdirs) / sizeof(*subdirs); i++) {
                snprintf(path, sizeof(path), "%s/%s", m->bus, subdirs[i]);
                r = mkdir_p(path);
        }
        return r;
}

static int open_flash(struct sim_module *m, uint64_t num_pages)
{
        const struct sim_persona *p = m->persona;
        char path[PATH_MAX];
        int r;

        snprintf(path, sizeof(path), "%s/flash.img", m->dir);
        if (p->storage == SIM_STORAGE_UFS) {
                uint64_t luns[SIM_FLASH_MAX_LUNS];
                memcpy(luns, p->lun_sectors, sizeof(luns));
                if (num_pages) /* the size asked for is the system LUN's */
                        luns[0] = num_pages;
                return sim_flash_open_ufs(&m->flash, path, p->page_size, luns, p->n_luns);
        }
        r = sim_flash_open(&m->flash, path, p->page_size, p->pages_per_block,
                           num_pages ? num_pages : p->num_pages, true);
        return r < 0 ? r : sim_bbt_open(&m->flash, path);
}

int sim_module_init(struct sim_module *m, const struct sim_persona *p, const char *dir,
                    const char *bus, unsigned port, uint64_t num_pages)
{
        int r;

        memset(m, 0, sizeof(*m));
        m->persona = p;
        m->fh_cfg = p->firehose;
        m->quirks = p->quirks;
        load_chip(m);
        m->at[0].pty.master = m->at[1].pty.master = m->diag.pty.master = m->nmea.master = -1;
        m->edl_tty.master = m->edl_tty.slave_keep = -1;
        pthread_mutex_init(&m->lock, NULL);
        m->flash.fd = m->port_lock = -1;
        bus = bus ? bus : dir;
        if (port < 1 || port > SIM_MAX_PORT)
                return -EINVAL;
        if (strlen(dir) >= sizeof(m->dir) || strlen(bus) >= sizeof(m->bus))
                return -ENAMETOOLONG;
        strcpy(m->dir, dir);
        strcpy(m->bus, bus);
        m->port = port;
        for (unsigned i = 0; i < SIM_TTYS_PER_PORT; i++)
                snprintf(m->tty_names[i], sizeof(m->tty_names[i]), "ttyUSB%u",
                         (port - 1) * SIM_TTYS_PER_PORT + i);
        r = make_dirs(m);
        if (r >= 0)
                r = take_port(m);
        if (r >= 0)
                r = sim_testbed_open(&m->tb, m->bus);
        return r < 0 ? r : open_flash(m, num_pages);
}

/* Off the bus: its device, its usbfs node and its EDL tty go; its state stays. */
static void unplug(struct sim_module *m)
{
        if (m->usb.name[0])
                sim_testbed_remove_usb(&m->tb, &m->usb);
        m->usb.name[0] = '\0';
        if (m->usbfs) {
                struct sim_usbfs **g = realloc(m->gone, (m->n_gone + 1) * sizeof(*g));
                sim_usbfs_unplug(m->usbfs);
                if (g) { /* programs may still hold the old node open */
                        m->gone = g;
                        m->gone[m->n_gone++] = m->usbfs;
                }
                m->usbfs = NULL;
        }
        sim_pty_close(&m->edl_tty);
}

static void leave_bus(struct sim_module *m)
{
        unplug(m);
        if (m->mode == SIM_MODE_NORMAL) {
                sim_at_stop(&m->at[0]);
                sim_at_stop(&m->at[1]);
                sim_diag_stop(&m->diag);
                sim_pty_close(&m->nmea);
        }
        sim_pty_close(&m->edl_tty);
        m->host_on_tty = false;
        m->fh_ready_at = 0;
        sim_sahara_done(&m->sahara);
        sim_firehose_done(&m->fh);
        m->mode = SIM_MODE_OFF;
}

void sim_module_done(struct sim_module *m)
{
        leave_bus(m);
        sim_testbed_close(&m->tb);
        sim_flash_close(&m->flash);
        if (m->port_lock >= 0)
                close(m->port_lock); /* the lock goes with it; the file stays for the next one */
        m->port_lock = -1;
}

/* The boot ROM's HELLO, after foreign bytes when that fault is armed (another program probing
 * the port, as ModemManager does). */
static int hello(struct sim_module *m)
{
        static const uint8_t probe[] = "AT+GMR\r\n\x7e\x00\x78\xf0\x7e";

        if (m->garbage_pending) {
                m->garbage_pending = false;
                send_in(m, probe, sizeof(probe) - 1);
        }
        return sim_sahara_start(&m->sahara);
}

/* Where the node of the port's i-th tty goes: BUS/dev/ttyUSBn. */
static void tty_path(const struct sim_module *m, unsigned i, char *out, size_t size)
{
        snprintf(out, size, "%s/dev/%s", m->bus, m->tty_names[i]);
}

/* A new address on the bus at every enumeration. */
static int next_address(struct sim_module *m)
{
        unsigned devnum;
        int r = sim_bus_alloc_devnum(m->bus, &devnum);

        if (r < 0)
                return r;
        m->devnum = devnum;
        return 0;
}

int sim_module_enter_edl(struct sim_module *m)
{
        struct sim_usb_desc *d = &m->usb;
        char path[PATH_MAX];
        int r;

        leave_bus(m);
        r = next_address(m);
        if (r < 0)
                return r;
        *d = (struct sim_usb_desc){.vid = 0x05c6,
                                   .pid = m->chip.memory_debug ? 0x900e : 0x9008,
                                   .busnum = 1,
                                   .devnum = m->devnum,
                                   .speed = 480,
                                   .manufacturer = "Qualcomm CDMA Technologies MSM",
                                   .product = "QUSB__BULK",
                                   .n_ifaces = 1};
        snprintf(d->name, sizeof(d->name), "1-%u", m->port);
        d->ifaces[0] = (struct sim_usb_iface){.number = 0,
                                              .cls = 0xff,
                                              .subcls = 0xff,
                                              .proto = 0x11,
                                              .ep_in = 0x81,
                                              .ep_out = 0x01,
                                              .max_packet = 512};
        d->ifaces[0].tty = m->tty_names[0];
        tty_path(m, 0, path, sizeof(path));
        r = sim_pty_open(&m->edl_tty, path);
        if (r < 0)
                return r;
        sim_sahara_init(&m->sahara, &m->chip, send_in, m);
        m->sahara.crash_log = m->boot.reason;
        m->mode = m->chip.memory_debug ? SIM_MODE_DUMP : SIM_MODE_EDL;
        r = appear(m);
        /* The boot ROM speaks first; on a tty its HELLO waits in the port's buffer. */
        return r < 0 ? r : hello(m);
}

int sim_fault_parse(const char *spec, struct sim_fault *ret, bool *ret_corrupt_digest,
                    bool *ret_garbage)
{
        static const struct {
                const char *name;
                enum sim_fault_action action;
        } kinds[] = {{"nak:", SIM_FAULT_NAK},
                     {"stall:", SIM_FAULT_STALL},
                     {"cut:", SIM_FAULT_CUT},
                     {"reenum:", SIM_FAULT_REENUM}};
        struct sim_fault f = {.when = SIM_FAULT_ON_COMMAND};
        char *end;

        if (strcmp(spec, "corrupt-digest") == 0 || strcmp(spec, "garbage") == 0) {
                *(spec[0] == 'c' ? ret_corrupt_digest : ret_garbage) = true;
                return 1; /* a flag, not an entry */
        }
        if (strncmp(spec, "cut-bytes:", 10) == 0) {
                f.when = SIM_FAULT_AFTER_BYTES;
                f.action = SIM_FAULT_CUT;
                f.bytes = strtoull(spec + 10, &end, 10);
                if (end == spec + 10 || *end)
                        return -EINVAL;
                *ret = f;
                return 0;
        }
        for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
                size_t kl = strlen(kinds[i].name), el;
                if (strncmp(spec, kinds[i].name, kl) != 0)
                        continue;
                el = strcspn(spec + kl, ":");
                if (el == 0 || el >= sizeof(f.element))
                        return -EINVAL;
                memcpy(f.element, spec + kl, el);
                f.action = kinds[i].action;
                if (spec[kl + el] == ':') {
                        f.nth = (unsigned)strtoul(spec + kl + el + 1, &end, 10);
                        if (*end)
                                return -EINVAL;
                }
                *ret = f;
                return 0;
        }
        return -EINVAL;
}

static enum sim_fault_action fault_for(void *ctx, const char *element, unsigned seen)
{
        struct sim_module *m = ctx;

        for (unsigned i = 0; i < m->n_faults; i++) {
                struct sim_fault *f = &m->faults[i];
                if (f->fired || f->when != SIM_FAULT_ON_COMMAND || strcmp(f->element, element) ||
                    f->nth != seen)
                        continue;
                f->fired = true;
                if (m->log) {
                        fprintf(m->log, "fault: %s on <%s> #%u\n",
                                f->action == SIM_FAULT_NAK     ? "nak"
                                : f->action == SIM_FAULT_STALL ? "stall"
                                : f->action == SIM_FAULT_CUT   ? "power loss"
                                                               : "re-enumeration",
                                element, seen);
                        fflush(m->log);
                }
                m->reenum_pending |= f->action == SIM_FAULT_REENUM;
                return f->action;
        }
        return SIM_FAULT_NONE;
}

/* A request on a port of the running firmware ("at", "diag"): what a fault makes of it. */
static enum sim_port_fault port_fault(void *ctx, const char *port)
{
        struct sim_module *m = ctx;
        unsigned *seen = strcmp(port, "at") == 0 ? &m->seen_at : &m->seen_diag;
        enum sim_fault_action a;

        if (m->log) { /* where a fault can be aimed: "at #3" */
                fprintf(m->log, "%s #%u\n", port, *seen);
                fflush(m->log);
        }
        a = fault_for(m, port, (*seen)++);

        m->reenum_pending = false; /* the port tells the module (port_gone) */
        switch (a) {
        case SIM_FAULT_NAK:
                return SIM_PORT_ERROR;
        case SIM_FAULT_STALL:
                return SIM_PORT_SILENT;
        case SIM_FAULT_CUT:
        case SIM_FAULT_REENUM:
                m->port_gone = a;
                return SIM_PORT_GONE;
        default:
                return SIM_PORT_ANSWER;
        }
}

static int start_firehose(struct sim_module *m)
{
        int r = sim_firehose_init(&m->fh, &m->flash, &m->fh_cfg, send_in, m);

        if (r < 0)
                return r;
        m->fh.fault = fault_for;
        m->fh.fault_ctx = m;
        m->mode = SIM_MODE_FIREHOSE;
        if (m->quirks & SIM_QUIRK_SLOW_START) {
                /* Still bringing up its storage: deaf and mute until then. */
                m->fh.asleep = true;
                m->fh_ready_at = now_ms() + SIM_SLOW_START_MS;
                return 0;
        }
        return sim_firehose_start(&m->fh);
}

static int open_ports(struct sim_module *m)
{
        const struct sim_persona *p = m->persona;
        struct sim_at_identity id = {.model = p->model,
                                     .version = m->boot.version,
                                     .imei = m->boot.imei,
                                     .secure_boot = m->chip.secure_boot,
                                     .calibrated = m->boot.calibrated,
                                     .vid = p->normal_vid,
                                     .pid = p->normal_pid,
                                     .transient_reads = 2,
                                     .urc_chatter = m->quirks & SIM_QUIRK_URC_CHATTER};
        char path[PATH_MAX], rev[64];
        int r;

        snprintf(rev, sizeof(rev), "%.*s", (int)strcspn(m->boot.version, "_"), m->boot.version);
        tty_path(m, 0, path, sizeof(path));
        r = sim_diag_start(&m->diag, path, rev);
        m->diag.msm_id = m->chip.msm_id;
        tty_path(m, 1, path, sizeof(path));
        if (r >= 0)
                r = sim_pty_open(&m->nmea, path);
        for (unsigned i = 0; r >= 0 && i < 2; i++) {
                tty_path(m, 2 + i, path, sizeof(path));
                r = sim_at_start(&m->at[i], path, &id);
                m->at[i].fault = port_fault;
                m->at[i].fault_ctx = m;
        }
        m->diag.fault = port_fault;
        m->diag.fault_ctx = m;
        /* The firmware announces itself on its AT port as it starts. */
        if (r >= 0)
                r = sim_pty_write(&m->at[0].pty, "\r\nRDY\r\n", 7);
        return r;
}

static int enter_normal(struct sim_module *m)
{
        struct sim_usb_desc *d = &m->usb;
        int r;

        leave_bus(m);
        r = next_address(m);
        if (r < 0)
                return r;
        m->mode = SIM_MODE_NORMAL;
        *d = (struct sim_usb_desc){.vid = m->persona->normal_vid,
                                   .pid = m->persona->normal_pid,
                                   .bcd = m->persona->normal_bcd,
                                   .busnum = m->usb3 ? 2 : 1,
                                   .devnum = m->devnum,
                                   .speed = m->usb3 ? 5000 : 480,
                                   .manufacturer = "Quectel",
                                   .product = m->persona->usb_product,
                                   .n_ifaces = 5};
        snprintf(d->name, sizeof(d->name), "%u-%u", d->busnum, m->port);
        /* DM ff/ff/ff, NMEA ff/00/00, AT ff/00/00, modem ff/00/00, QMI ff/ff/ff (quectel.md 5.3) */
        for (uint8_t i = 0; i < 5; i++)
                d->ifaces[i] = (struct sim_usb_iface){.number = i,
                                                      .cls = 0xff,
                                                      .subcls = (i == 0 || i == 4) ? 0xff : 0,
                                                      .proto = (i == 0 || i == 4) ? 0xff : 0,
                                                      .ep_in = (uint8_t)(0x81 + i),
                                                      .ep_out = (uint8_t)(0x01 + i),
                                                      .max_packet = 512,
                                                      .tty = i < 4 ? m->tty_names[i] : NULL};
        r = open_ports(m);
        return r < 0 ? r : appear(m);
}

int sim_module_power_on(struct sim_module *m)
{
        sim_boot(&m->flash, m->persona, &m->boot);
        /* What the boot wrote (Linux UBI's EC headers, the module's own data) is NAND time of the
         * running module, never of a later session: a reset to EDL ends it. */
        m->accounted_programmed = m->flash.bytes_programmed;
        m->accounted_erased = m->flash.bytes_erased;
        if (m->log) {
                fprintf(m->log, "boot: %s: %s\n", sim_boot_result_to_string(m->boot.result),
                        m->boot.reason);
                fflush(m->log);
        }
        load_chip(m);
        m->chip.memory_debug = m->boot.result == SIM_BOOT_CRASH;
        if (m->boot.result == SIM_BOOT_NORMAL)
                return enter_normal(m);
        return sim_module_enter_edl(m);
}

static long long now_ms(void);

/* After a power command or a Sahara reset: the answer goes out first, then the module leaves
 * the bus (protocols.md 2: "ACK, then the device resets and disconnects") and boots from what
 * is on the flash then. */
#define SIM_RESET_DELAY_MS 100

static int restart(struct sim_module *m)
{
        m->after = SIM_AFTER_REBOOT;
        m->reenumerate_at = now_ms() + SIM_RESET_DELAY_MS;
        return 0;
}

/* A USB disconnect and reconnect (a hub or cable glitch: the kernel's hub driver sees the port
 * drop and gives the device a new address, drivers/usb/core/hub.c): off the bus for a moment,
 * back in the same mode; a boot ROM starts its Sahara over, a programmer runs on. */
static int reenumerate(struct sim_module *m)
{
        m->reenum_pending = false;
        unplug(m);
        m->after = SIM_AFTER_REAPPEAR;
        m->reenumerate_at = now_ms() + SIM_RESET_DELAY_MS;
        return 0;
}

static int reappear(struct sim_module *m)
{
        char path[PATH_MAX];
        int r = next_address(m);

        if (r < 0)
                return r;
        m->usb.devnum = m->devnum;
        snprintf(m->usb.name, sizeof(m->usb.name), "%u-%u", m->usb.busnum, m->port);
        tty_path(m, 0, path, sizeof(path));
        r = sim_pty_open(&m->edl_tty, path);
        if (r < 0)
                return r;
        if (m->mode == SIM_MODE_EDL || m->mode == SIM_MODE_DUMP) {
                sim_sahara_done(&m->sahara);
                sim_sahara_init(&m->sahara, &m->chip, send_in, m);
                m->sahara.crash_log = m->boot.reason;
        }
        r = appear(m);
        return r < 0 || m->mode == SIM_MODE_FIREHOSE ? r : hello(m);
}

/* A fault on a host transfer to the boot ROM: 1 when it took the transfer over. */
static int sahara_fault(struct sim_module *m, int *ret)
{
        *ret = 0;
        switch (fault_for(m, "sahara", m->seen_sahara++)) {
        case SIM_FAULT_NAK:
                *ret = sim_sahara_refuse(&m->sahara);
                return 1;
        case SIM_FAULT_STALL: /* the ROM hangs: it hears nothing more */
                m->mode = SIM_MODE_HUNG;
                return 1;
        case SIM_FAULT_CUT:
                leave_bus(m);
                *ret = sim_module_power_on(m);
                return 1;
        case SIM_FAULT_REENUM:
                *ret = reenumerate(m);
                return 1;
        default:
                return 0;
        }
}

/* A pending "cut-bytes" fault: how much of this program data gets in before power is lost. */
static size_t cut_bytes(struct sim_module *m, size_t len)
{
        if (!m->fh.raw)
                return len;
        for (unsigned i = 0; i < m->n_faults; i++) {
                struct sim_fault *f = &m->faults[i];
                if (f->fired || f->when != SIM_FAULT_AFTER_BYTES)
                        continue;
                if (m->program_bytes_seen + len < f->bytes)
                        break;
                f->fired = true;
                len = (size_t)(f->bytes - m->program_bytes_seen);
                if (m->log)
                        fprintf(m->log, "fault: power loss after %" PRIu64 " bytes of data\n",
                                f->bytes);
                m->power_loss_pending = true; /* once these bytes are written */
                break;
        }
        m->program_bytes_seen += len;
        return len;
}

/* The host's bytes, once they have crossed the link. */
static int host_data(struct sim_module *m, const uint8_t *buf, size_t len)
{
        int r = 0;

        log_traffic(m, "->", buf, len);
        m->answer_due = true;
        if (m->after != SIM_AFTER_NONE)
                return 0; /* resetting: nothing listens any more */
        switch (m->mode) {
        case SIM_MODE_EDL:
        case SIM_MODE_DUMP:
                if (sahara_fault(m, &r))
                        return r;
                r = sim_sahara_input(&m->sahara, buf, len);
                if (r < 0)
                        return r;
                if (m->sahara.outcome == SIM_SAHARA_PROGRAMMER_STARTED) {
                        if (m->log)
                                fprintf(m->log, "sahara: programmer started after DONE_RESP(%d)\n",
                                        m->chip.done_pending ? 0 : 1);
                        return start_firehose(m);
                }
                if (m->sahara.outcome == SIM_SAHARA_PROGRAMMER_HUNG)
                        m->mode = SIM_MODE_HUNG;
                else if (m->sahara.outcome == SIM_SAHARA_RESET)
                        return restart(m);
                return 0;
        case SIM_MODE_FIREHOSE:
                len = cut_bytes(m, len);
                r = sim_firehose_input(&m->fh, buf, len);
                account_flash(m);
                if (m->reenum_pending)
                        return reenumerate(m);
                if (m->power_loss_pending || m->fh.outcome == SIM_FIREHOSE_POWER_LOST) {
                        /* The cable is pulled: no answer; what reached the flash stays. */
                        m->power_loss_pending = false;
                        leave_bus(m);
                        return sim_module_power_on(m);
                }
                /* A host may hang up right after the power ACK: the reset happens anyway. */
                if (m->fh.outcome == SIM_FIREHOSE_RUNNING)
                        return r;
                if (m->fh.outcome == SIM_FIREHOSE_POWER_OFF) {
                        m->after = SIM_AFTER_OFF;
                        m->reenumerate_at = now_ms() + SIM_RESET_DELAY_MS;
                        return 0;
                }
                return restart(m);
        default:
                return 0; /* a hung programmer swallows everything */
        }
}

int sim_module_fill_poll(struct sim_module *m, struct pollfd *fds, int max)
{
        int n = 0;

        if (max < 2)
                return -ENOBUFS;
        /* Only ports a program holds open: a closed one reads as hung up, always ready. */
        if (m->edl_tty.master >= 0 && max > n && sim_pty_is_open(&m->edl_tty))
                fds[n++] = (struct pollfd){.fd = m->edl_tty.master, .events = POLLIN};
        if (m->mode == SIM_MODE_NORMAL && max >= n + 3) {
                const struct sim_pty *p[] = {&m->diag.pty, &m->at[0].pty, &m->at[1].pty};
                for (size_t i = 0; i < sizeof(p) / sizeof(*p); i++)
                        if (sim_pty_is_open(p[i]))
                                fds[n++] = (struct pollfd){.fd = p[i]->master, .events = POLLIN};
        }
        return n;
}

static int on_host_data(struct sim_module *m, const uint8_t *buf, size_t len)
{
        account_link(m, len);
        return host_data(m, buf, len);
}

static int on_connect(struct sim_module *m)
{
        /* A boot ROM that has not been answered yet still has its HELLO queued for whoever
         * opens the device; a session aborted later stays where it was. */
        m->host_on_tty = false;
        if ((m->mode == SIM_MODE_EDL || m->mode == SIM_MODE_DUMP) && m->sahara.state == 0 &&
            m->sahara.pkt_len == 0)
                return hello(m);
        return 0;
}

static long long now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Deliver what the ports held while closed; whether any port is closed (then the loop looks
 * again soon: a program may open it any moment). */
static bool service_ports(struct sim_module *m)
{
        struct sim_pty *p[] = {&m->edl_tty, &m->diag.pty, &m->nmea, &m->at[0].pty, &m->at[1].pty};
        bool closed = false;

        for (size_t i = 0; i < sizeof(p) / sizeof(*p); i++)
                if (p[i]->master >= 0 && (sim_pty_service(p[i]) == 1 || !sim_pty_is_open(p[i])))
                        closed = true;
        return closed;
}

#define SIM_PORT_CHECK_MS 10

/* A slow programmer's start-up (quirk slow-start): its first words; -1 when none is due, else
 * the ms until it is. */
static int tick_programmer(struct sim_module *m)
{
        long long left;

        if (!m->fh_ready_at)
                return -1;
        left = m->fh_ready_at - now_ms();
        if (left > 0)
                return (int)left;
        m->fh_ready_at = 0;
        if (m->mode != SIM_MODE_FIREHOSE)
                return -1;
        m->fh.asleep = false;
        sim_firehose_start(&m->fh);
        return -1;
}

/* The sooner of two waits in ms, -1 meaning none. */
static int sooner(int a, int b)
{
        return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

int sim_module_tick(struct sim_module *m)
{
        int quick = sooner(service_ports(m) ? SIM_PORT_CHECK_MS : -1, tick_programmer(m));
        long long left;

        sim_testbed_keep_default(&m->tb);
        if (!m->reenumerate_at)
                return quick;
        left = m->reenumerate_at - now_ms();
        if (left > 0)
                return quick >= 0 && quick < left ? quick : (int)left;
        m->reenumerate_at = 0;
        switch (m->after) {
        case SIM_AFTER_REBOOT:
                m->after = SIM_AFTER_NONE;
                leave_bus(m);
                sim_module_power_on(m);
                return -1;
        case SIM_AFTER_OFF:
                m->after = SIM_AFTER_NONE;
                leave_bus(m);
                return -1;
        case SIM_AFTER_REAPPEAR:
                m->after = SIM_AFTER_NONE;
                reappear(m);
                return -1;
        default:
                m->after = SIM_AFTER_NONE;
                m->chip.memory_debug = false;
                sim_module_enter_edl(m);
                return -1;
        }
}

static int on_tty_data(struct sim_module *m)
{
        static uint8_t buf[65536];
        ssize_t n = read(m->edl_tty.master, buf, sizeof(buf));

        if (n <= 0)
                return 0;
        m->host_on_tty = true;
        return on_host_data(m, buf, (size_t)n);
}

/* A fault on a port of the running firmware took the module off the bus: power lost (it boots
 * again from its flash at once), or the firmware restarting and enumerating again. */
static int port_gone(struct sim_module *m)
{
        if (m->port_gone == SIM_FAULT_REENUM)
                return restart(m);
        leave_bus(m);
        return sim_module_power_on(m);
}

int sim_module_dispatch(struct sim_module *m, const struct pollfd *fds, int n)
{
        int r = 0;

        for (int i = 0; i < n && r >= 0; i++) {
                if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                        continue;
                if (m->mode == SIM_MODE_NORMAL && fds[i].fd == m->diag.pty.master) {
                        enum sim_diag_event ev;
                        r = sim_diag_service(&m->diag, &ev);
                        /* The echo is out; the module reboots and reappears as 9008 shortly. */
                        if (ev == SIM_DIAG_SWITCH_TO_EDL && !m->reenumerate_at)
                                m->reenumerate_at = now_ms() + 300;
                        if (m->diag.gone)
                                return port_gone(m);
                        continue;
                }
                if (m->mode == SIM_MODE_NORMAL) {
                        for (int k = 0; k < 2; k++)
                                if (fds[i].fd == m->at[k].pty.master)
                                        r = sim_at_service(&m->at[k]);
                        if (m->at[0].gone || m->at[1].gone)
                                return port_gone(m);
                        continue;
                }
                if (fds[i].fd == m->edl_tty.master) {
                        r = on_tty_data(m);
                        continue;
                }
        }
        return r == -EAGAIN ? 0 : r;
}

static int usb_out(void *ctx, const uint8_t *buf, size_t len)
{
        struct sim_module *m = ctx;
        int r = host_data(m, buf, len);

        if (r < 0 && m->log)
                fprintf(m->log, "usb: %s\n", strerror(-r));
        return r;
}

static void usb_claimed(void *ctx)
{
        on_connect(ctx);
}

static void usb_vanished(void *ctx, unsigned urbs, bool claimed)
{
        struct sim_module *m = ctx;

        if (m->log && (urbs || claimed))
                fprintf(m->log, "usb: a program let go of the device: %u URB(s) dropped%s\n",
                        urbs, claimed ? ", its claim released" : "");
}

/* The host took some of a long <read>: the programmer sends on. */
static void usb_in_room(void *ctx)
{
        struct sim_module *m = ctx;
        int r;

        if (m->mode != SIM_MODE_FIREHOSE || m->after != SIM_AFTER_NONE)
                return;
        r = sim_firehose_resume(&m->fh);
        account_flash(m);
        if (r < 0 && m->log)
                fprintf(m->log, "firehose: the rest of a read could not be sent: %s\n",
                        strerror(-r));
}

static const struct sim_usbfs_ops usb_ops = {
        .out = usb_out,
        .out_wait = usb_out_wait,
        .claimed = usb_claimed,
        .vanished = usb_vanished,
        .in_room = usb_in_room,
};

/* Enumerate as m->usb says: its usbfs node, then the device in the testbed, with uevents. */
static int appear(struct sim_module *m)
{
        int r;

        m->usbfs = sim_usbfs_new(&m->usb, &m->lock, &usb_ops, m);
        if (!m->usbfs)
                return -ENOMEM;
        r = sim_testbed_add_usb(&m->tb, &m->usb, sim_usbfs_handler(m->usbfs));
        if (r < 0)
                m->usb.name[0] = '\0';
        return r;
}
