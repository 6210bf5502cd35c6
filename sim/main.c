/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* safeflash-sim: a simulated Qualcomm-based module that real flashing tools accept. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "factory.h"
#include "mkpkg.h"
#include "module.h"
#include "nand_bbt.h"
#include "quirks.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
        (void)sig;
        stop = 1;
}

static void usage(FILE *f)
{
        fputs("Usage: safeflash-sim run --dir DIR [--persona NAME] [--flash-mb N] [--log FILE]\n"
              "                         [--small-images] [--install VERSION] [--timing real|none]\n"
              "                         [--fault SPEC]... [--bus BUSDIR --port N]\n"
              "                         [--imei IMEI] [--chip-serial HEX] [--usb3]\n"
              "                         [--quirk NAME]... [--bad-blocks N]\n"
              "       safeflash-sim mkpkg VERSION -o DIR [--small] [--factory] [--scale PERCENT]\n"
              "                         [--msm-id HEX] [--foreign-root] [--flash-mb N]\n"
              "                         [--zip | --zip-flat]\n\n"
              "run: a simulated module until SIGINT/SIGTERM. A new module (empty DIR/flash.img)\n"
              "gets its persona's factory firmware, or VERSION with --install. It appears in a\n"
              "umockdev testbed at DIR, as the kernel presents a USB module: sysfs devices with\n"
              "their uevents, the usbfs node /dev/bus/usb/BBB/DDD (URBs answered per packet)\n"
              "and its /dev/ttyUSBn ports. DIR/env holds the environment a program needs to\n"
              "reach it, one KEY=VALUE a line (UMOCKDEV_DIR, LD_PRELOAD=libumockdev-preload.so.0;\n"
              "from a sanitizer build also ASAN_OPTIONS=...verify_asan_link_order=0, which an\n"
              "ASan program needs beside the preload):\n"
              "  env $(cat DIR/env) PROGRAM ...   runs any program against it, unmodified.\n"
              "Its flash persists in DIR/flash.img across restarts. --flash-mb sizes the NAND, or\n"
              "the system LUN (0) of a UFS persona.\n\n"
              "Several modules on one bus: give each its own DIR and the same --bus BUSDIR, on\n"
              "its own --port N (1..32, default 1). The testbed is then BUSDIR (the first one\n"
              "started makes it, the others join it; BUSDIR/env as DIR/env): device 1-N with\n"
              "ttyUSB(4(N-1))..+3; its flash stays in DIR. Port N > 1 gives the persona's\n"
              "module another chip serial and IMEI, derived from N, unless --chip-serial /\n"
              "--imei say which (the IMEI is written when the factory makes the module: a new\n"
              "DIR, or --install). Without --bus: BUSDIR is DIR and the port is 1. BUSDIR's\n"
              "real path must be at most 60 bytes (umockdev's sockets live under it).\n"
              "--usb3: the running module is a SuperSpeed device on bus 2 (device 2-N, 5000\n"
              "Mb/s) and comes back in EDL or memory-debug mode on bus 1 (1-N), as a USB 3\n"
              "module on a USB 2 boot ROM does: its sysfs name changes with its mode.\n\n"
              "mkpkg: an RM500Q/RM502Q/RG500Q version gives an SDX55 UFS package (rawprogram0..5,\n"
              "patch0..5, GPTs); any other an MDM9x07 NAND package. --zip writes DIR as a zip\n"
              "(libarchive) with the package folder, named after VERSION, at its top; --zip-flat\n"
              "puts the folder's contents at the zip's root.\n\n"
              "Faults (each fires once): nak:CMD[:N] (refuse the Nth <CMD>), stall:CMD[:N] (never\n"
              "answer it), cut:CMD[:N] (lose power when it arrives), reenum:CMD[:N] (it is lost:\n"
              "the module drops off the bus and enumerates again, in the same mode), cut-bytes:N\n"
              "(lose power after N bytes of program data; what was written stays), corrupt-digest\n"
              "(wrong getsha256digest answers), garbage (foreign bytes before the boot ROM's\n"
              "HELLO), wear:N (the Nth NAND block programmed goes bad while it is programmed: the\n"
              "programmer marks it and moves its pages to the next good block). CMD is a Firehose\n"
              "element (program, erase, read, configure, power...), sahara (a host transfer to the\n"
              "boot ROM), at (an AT command line) or diag (a DIAG request, the switch to EDL among\n"
              "them); N counts from 0.\n"
              "--bad-blocks N: a new NAND gets N factory bad blocks, placed from the chip\n"
              "serial (never in SBL's blocks 0..10); they stay in DIR/flash.img.bbt, with the\n"
              "blocks that go bad later.\n\n"
              "Quirks (--quirk NAME, repeatable): habits of real modules. Each persona has its\n"
              "real module's habits by default (listed below); --quirk none turns those off,\n"
              "other names add to what is on:\n",
              f);
        sim_quirks_describe(f);
        fputs("\nPersonas:\n", f);
        for (const struct sim_persona *const *p = sim_persona_all(); *p; p++) {
                char q[160];
                sim_quirks_format((*p)->quirks, q, sizeof(q));
                fprintf(f, "  %-8s %s\n           habits: %s\n", (*p)->name, (*p)->description,
                        q);
        }
}

struct options {
        const char *dir, *persona, *log, *install, *timing, *bus, *imei;
        unsigned port;
        uint32_t chip_serial;
        bool has_chip_serial;
        unsigned bad_blocks;
        uint64_t wear_nth;
        const char *faults[SIM_MAX_FAULTS];
        unsigned n_faults;
        uint64_t flash_mb;
        bool small, usb3;
        unsigned quirks;  /* asked for with --quirk */
        bool quirks_none; /* --quirk none: not the persona's own */
};

/* A number with nothing after it, at most max. */
static int parse_unsigned(const char *s, int base, unsigned long max, unsigned long *ret)
{
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, base);
        if (!*s || *end || errno || v > max || s[0] == '-')
                return -EINVAL;
        *ret = v;
        return 0;
}

/* --bus, --port, --imei, --chip-serial. */
static int parse_identity(int c, const char *arg, struct options *o)
{
        unsigned long v;

        switch (c) {
        case 'b':
                o->bus = arg;
                return 0;
        case 'P':
                if (parse_unsigned(arg, 10, SIM_MAX_PORT, &v) < 0 || v == 0) {
                        fprintf(stderr, "safeflash-sim: --port: 1..%d\n", SIM_MAX_PORT);
                        return -EINVAL;
                }
                o->port = (unsigned)v;
                return 0;
        case 'I':
                if (!sim_imei_valid(arg)) {
                        fprintf(stderr, "safeflash-sim: --imei: 15 digits, the last the Luhn "
                                        "check digit\n");
                        return -EINVAL;
                }
                o->imei = arg;
                return 0;
        default:
                if (parse_unsigned(arg, 16, 0xffffffffu, &v) < 0) {
                        fprintf(stderr, "safeflash-sim: --chip-serial: up to 8 hex digits\n");
                        return -EINVAL;
                }
                o->chip_serial = (uint32_t)v;
                o->has_chip_serial = true;
                return 0;
        }
}

/* --quirk NAME: one more habit, or none of the persona's. */
static int parse_quirk(const char *name, struct options *o)
{
        unsigned q;
        int k = sim_quirk_parse(name, &q);

        if (k < 0) {
                fprintf(stderr, "safeflash-sim: unknown quirk '%s'\n", name);
                return -EINVAL;
        }
        o->quirks |= q;
        o->quirks_none |= k == 1;
        return 0;
}

static int parse(int argc, char **argv, struct options *o)
{
        static const struct option longs[] = {
                {"dir", required_argument, NULL, 'd'},
                {"persona", required_argument, NULL, 'p'},
                {"flash-mb", required_argument, NULL, 'm'},
                {"log", required_argument, NULL, 'l'},
                {"small-images", no_argument, NULL, 's'},
                {"install", required_argument, NULL, 'i'},
                {"timing", required_argument, NULL, 't'},
                {"fault", required_argument, NULL, 'f'},
                {"bus", required_argument, NULL, 'b'},
                {"port", required_argument, NULL, 'P'},
                {"imei", required_argument, NULL, 'I'},
                {"chip-serial", required_argument, NULL, 'S'},
                {"usb3", no_argument, NULL, 'U'},
                {"quirk", required_argument, NULL, 'Q'},
                {"bad-blocks", required_argument, NULL, 'B'},
                {"help", no_argument, NULL, 'h'},
                {0},
        };
        char *end;
        int c;

        while ((c = getopt_long(argc, argv, "d:p:m:l:si:t:f:h", longs, NULL)) != -1) {
                switch (c) {
                case 'b':
                case 'P':
                case 'I':
                case 'S':
                        if (parse_identity(c, optarg, o) < 0)
                                return -EINVAL;
                        break;
                case 's':
                        o->small = true;
                        break;
                case 'U':
                        o->usb3 = true;
                        break;
                case 'B':
                        o->bad_blocks = (unsigned)strtoul(optarg, &end, 10);
                        if (end == optarg || *end || o->bad_blocks > 4096)
                                return -EINVAL;
                        break;
                case 'Q':
                        if (parse_quirk(optarg, o) < 0)
                                return -EINVAL;
                        break;
                case 'i':
                        o->install = optarg;
                        break;
                case 'f':
                        if (o->n_faults == SIM_MAX_FAULTS)
                                return -E2BIG;
                        if (strncmp(optarg, "wear:", 5) == 0) {
                                o->wear_nth = strtoull(optarg + 5, &end, 10);
                                if (end == optarg + 5 || *end || o->wear_nth == 0)
                                        return -EINVAL;
                                break;
                        }
                        o->faults[o->n_faults++] = optarg;
                        break;
                case 't':
                        o->timing = optarg;
                        if (strcmp(optarg, "real") != 0 && strcmp(optarg, "none") != 0)
                                return -EINVAL;
                        break;
                case 'd':
                        o->dir = optarg;
                        break;
                case 'p':
                        o->persona = optarg;
                        break;
                case 'm':
                        o->flash_mb = strtoull(optarg, NULL, 10);
                        break;
                case 'l':
                        o->log = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        exit(0);
                default:
                        return -EINVAL;
                }
        }
        if (o->port && !o->bus) {
                fprintf(stderr, "safeflash-sim: --port needs --bus\n");
                return -EINVAL;
        }
        return o->dir ? 0 : -EINVAL;
}

/* The persona as this module has it: its own chip serial and IMEI (sim_imei_for_port()). */
static const struct sim_persona *module_persona(const struct options *o)
{
        static struct sim_persona custom;
        static char imei[16];
        const struct sim_persona *p = sim_persona_find(o->persona ? o->persona : "ec25e");
        unsigned port = o->port ? o->port : 1;

        if (!p)
                return NULL;
        if (o->imei)
                snprintf(imei, sizeof(imei), "%s", o->imei);
        else
                sim_imei_for_port(p, port, imei);
        sim_persona_with_identity(
                p, o->has_chip_serial ? o->chip_serial : sim_chip_serial_for_port(p, port), imei,
                &custom);
        return &custom;
}

static void print_ready(const struct options *o, const struct sim_module *m)
{
        if (o->bus)
                printf("safeflash-sim: %s ready in %s mode as 1-%u on %s (state in %s)\n",
                       m->persona->name, sim_mode_to_string(m->mode), m->port, o->bus, o->dir);
        else
                printf("safeflash-sim: %s ready in %s mode under %s\n", m->persona->name,
                       sim_mode_to_string(m->mode), o->dir);
        fflush(stdout);
}

/* 1 us: the rounding a high-resolution timer may add to a wait (prctl(2) PR_SET_TIMERSLACK). */
#define SIM_TIMER_SLACK_NS 1000UL

static int run(const struct options *o)
{
        const struct sim_persona *p = module_persona(o);
        static struct sim_module m;
        struct pollfd fds[16];
        uint64_t pages;
        int r;

        if (!p) {
                fprintf(stderr, "safeflash-sim: unknown persona '%s'\n", o->persona);
                return 2;
        }
        /* Before any thread starts (each inherits it): the model's short sleeps and umockdev's
         * waits end when due, not up to the default 50 us of timer slack later. */
        (void)prctl(PR_SET_TIMERSLACK, SIM_TIMER_SLACK_NS);
        pages = o->flash_mb ? o->flash_mb * 1024 * 1024 / p->page_size : 0;
        pages = pages / p->pages_per_block * p->pages_per_block;
        r = sim_module_init(&m, p, o->dir, o->bus, o->port ? o->port : 1, pages);
        /* From here umockdev's worker thread may answer the module's usbfs node. */
        pthread_mutex_lock(&m.lock);
        m.usb3 = o->usb3;
        m.quirks = (o->quirks_none ? 0 : p->quirks) | o->quirks;
        if (r == -EADDRINUSE) {
                fprintf(stderr, "safeflash-sim: port %u of %s is taken by another simulator\n",
                        o->port ? o->port : 1, o->bus ? o->bus : o->dir);
                sim_module_done(&m);
                return 1;
        }
        if (r >= 0 && o->log)
                m.log = fopen(o->log, "ae");
        if (!o->timing || strcmp(o->timing, "real") == 0)
                m.timing = sim_timing_real;
        for (unsigned i = 0; r >= 0 && i < o->n_faults; i++) {
                int k = sim_fault_parse(o->faults[i], &m.faults[m.n_faults],
                                        &m.fh_cfg.corrupt_digest, &m.garbage_pending);
                if (k < 0) {
                        fprintf(stderr, "safeflash-sim: bad --fault '%s'\n", o->faults[i]);
                        sim_module_done(&m);
                        return 2;
                }
                m.n_faults += k == 0;
        }
        m.flash.wear_nth = o->wear_nth;
        if (r >= 0 && o->bad_blocks)
                r = sim_bbt_factory(&m.flash, m.chip.serial, o->bad_blocks, SIM_BBT_BOOT_BLOCKS);
        if (r >= 0 && (o->install || sim_flash_is_blank(&m.flash))) {
                struct sf_error err = {0};
                r = sim_factory_install(&m.flash, p, o->install, o->small, o->dir, &err);
                if (r < 0)
                        fprintf(stderr, "safeflash-sim: %s\n", err.message);
        }
        if (r >= 0)
                r = sim_module_power_on(&m);
        if (r < 0) {
                fprintf(stderr, "safeflash-sim: %s: %s\n", o->dir, strerror(-r));
                sim_module_done(&m);
                return 1;
        }
        r = sim_testbed_write_env(&m.tb, o->dir);
        if (r >= 0 && o->bus)
                r = sim_testbed_write_env(&m.tb, o->bus);
        if (r < 0)
                fprintf(stderr, "safeflash-sim: %s/env: %s\n", o->dir, strerror(-r));
        print_ready(o, &m);
        pthread_mutex_unlock(&m.lock);
        while (!stop) {
                int n, wait;
                pthread_mutex_lock(&m.lock);
                n = sim_module_fill_poll(&m, fds, 16);
                wait = sim_module_tick(&m);
                pthread_mutex_unlock(&m.lock);
                if (poll(fds, (nfds_t)n, wait < 0 || wait > 200 ? 200 : wait) < 0 && errno != EINTR)
                        break;
                pthread_mutex_lock(&m.lock);
                r = sim_module_dispatch(&m, fds, n);
                pthread_mutex_unlock(&m.lock);
                if (r < 0)
                        fprintf(stderr, "safeflash-sim: %s\n", strerror(-r));
        }
        pthread_mutex_lock(&m.lock);
        sim_module_done(&m);
        pthread_mutex_unlock(&m.lock);
        if (m.log)
                fclose(m.log);
        return 0;
}

static int mkpkg(int argc, char **argv)
{
        static const struct option longs[] = {
                {"out", required_argument, NULL, 'o'},
                {"small", no_argument, NULL, 's'},
                {"factory", no_argument, NULL, 'f'},
                {"scale", required_argument, NULL, 'S'},
                {"msm-id", required_argument, NULL, 'M'},
                {"foreign-root", no_argument, NULL, 'F'},
                {"flash-mb", required_argument, NULL, 'm'},
                {"zip", no_argument, NULL, 'z'},
                {"zip-flat", no_argument, NULL, 'Z'},
                {0},
        };
        struct sim_mkpkg_options o = {0};
        struct sf_error err = {0};
        int c, zip = 0;

        optind = 2;
        while ((c = getopt_long(argc, argv, "o:sfS:M:Fm:", longs, NULL)) != -1) {
                if (c == 'z' || c == 'Z')
                        zip = c;
                else if (c == 'o')
                        o.out = optarg;
                else if (c == 's')
                        o.small = true;
                else if (c == 'f')
                        o.factory = true;
                else if (c == 'S')
                        o.scale_percent = (uint32_t)strtoul(optarg, NULL, 10);
                else if (c == 'M')
                        o.msm_id = (uint32_t)strtoul(optarg, NULL, 16);
                else if (c == 'F')
                        o.foreign_root = true;
                else if (c == 'm') /* the flash the layout is for: sizes system and usrdata */
                        o.total_pages = strtoull(optarg, NULL, 10) * 1024 * 1024 / 4096 / 64 * 64;
                else
                        return 2;
        }
        if (optind != argc - 1 || !o.out) {
                usage(stderr);
                return 2;
        }
        o.version = argv[optind];
        /* Create the folders above the package, like mkdir -p. */
        {
                char parent[4096];
                snprintf(parent, sizeof(parent), "%s", o.out);
                for (char *p = parent + 1; *p; p++)
                        if (*p == '/') {
                                *p = '\0';
                                mkdir(parent, 0755);
                                *p = '/';
                        }
        }
        if ((zip ? sim_mkpkg_zip(&o, zip == 'Z', &err) : sim_mkpkg(&o, &err)) < 0) {
                fprintf(stderr, "safeflash-sim mkpkg: %s\n", err.message);
                return err.message[0] && strstr(err.message, "exist") ? 1 : 2;
        }
        return 0;
}

int main(int argc, char **argv)
{
        struct options o = {0};
        struct sigaction sa = {.sa_handler = on_signal};

        if (argc >= 2 && strcmp(argv[1], "mkpkg") == 0)
                return mkpkg(argc, argv);
        if (argc < 2 || strcmp(argv[1], "run") != 0) {
                usage(argc < 2 ? stderr : (strcmp(argv[1], "--help") == 0 ? stdout : stderr));
                return argc >= 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
        }
        optind = 2;
        if (parse(argc, argv, &o) < 0) {
                usage(stderr);
                return 2;
        }
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
        return run(&o);
}
