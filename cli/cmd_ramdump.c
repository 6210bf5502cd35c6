/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* safeflash ramdump [-d DEV] [-o DIR]: collect the RAM of a module that crashed into
 * memory-debug mode (05c6:900e), and show the crashed firmware's last log. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "safeflash/ramdump.h"

enum {
        OPT_MAX_BYTES = 0x100,
};

static const struct cli_option options[] = {
        {"device", required_argument, 'd', "DEV",
         "the module: 1-1, usb:BUS:ADDR or its EDL port (/dev/ttyUSB0)"},
        {"output", required_argument, 'o', "DIR",
         "where the dump goes (default $XDG_STATE_HOME/safeflash/ramdumps/TIME/)"},
        {"max-bytes", required_argument, OPT_MAX_BYTES, "N",
         "refuse a dump larger than N bytes (suffixes K, M, G; default 1G)"},
        {0},
};

/* "512M", "1G", "1048576" */
static int parse_size(const char *s, uint64_t *ret)
{
        char *end;
        unsigned long long v;
        unsigned shift = 0;

        if (!s || *s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno)
                return -EINVAL;
        if (*end == 'K' || *end == 'k')
                shift = 10;
        else if (*end == 'M' || *end == 'm')
                shift = 20;
        else if (*end == 'G' || *end == 'g')
                shift = 30;
        if (shift)
                end++;
        if (*end || v == 0 || v > (UINT64_MAX >> shift))
                return -EINVAL;
        *ret = (uint64_t)v << shift;
        return 0;
}

static void mkdir_parents(char *path)
{
        for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
                *p = '\0';
                mkdir(path, 0700);
                *p = '/';
        }
}

/* $XDG_STATE_HOME/safeflash/ramdumps/<UTC time>/, its parents created. */
static int default_dir(char *out, size_t size, struct sf_error *err)
{
        const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
        char stamp[32];
        time_t now = time(NULL);
        struct tm tm;
        int n;

        gmtime_r(&now, &tm);
        strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
        if (xdg && xdg[0] == '/')
                n = snprintf(out, size, "%s/safeflash/ramdumps/%s", xdg, stamp);
        else if (home && home[0] == '/')
                n = snprintf(out, size, "%s/.local/state/safeflash/ramdumps/%s", home, stamp);
        else
                return cli_error(
                        err, -EINVAL,
                        "neither XDG_STATE_HOME nor HOME is an absolute path: give -o DIR");
        if (n < 0 || (size_t)n >= size)
                return cli_error(err, -ENAMETOOLONG, "the dump folder's path is too long");
        mkdir_parents(out);
        return 0;
}

static int exit_code(int r)
{
        switch (r) {
        case -ENODEV:
                return EXIT_NO_DEVICE;
        case -ENOTUNIQ:
        case -EINVAL:
                return EXIT_USAGE;
        default:
                return EXIT_FAILED;
        }
}

static void print_json(const char *dir, const struct sf_ramdump_result *res, int r,
                       const struct sf_error *err)
{
        struct json j;

        json_begin(&j, stdout);
        json_obj_open(&j, NULL);
        json_str(&j, "result", r < 0 ? "failed" : "dumped");
        json_str(&j, "error", r < 0 ? err->message : NULL);
        json_str(&j, "device", res->device[0] ? res->device : NULL);
        json_str(&j, "mode", sf_device_mode_to_string(res->mode));
        json_str(&j, "directory", dir);
        json_bool(&j, "complete", res->complete);
        json_int(&j, "bytes", (long long)res->bytes);
        json_arr_open(&j, "regions");
        for (size_t i = 0; i < res->n_regions; i++) {
                const struct sf_ramdump_region *g = &res->regions[i];
                char base[24];
                if (!g->written)
                        continue;
                snprintf(base, sizeof(base), "0x%" PRIx64, g->base);
                json_obj_open(&j, NULL);
                json_str(&j, "file", g->file);
                json_str(&j, "description", g->description);
                json_str(&j, "base", base);
                json_int(&j, "length", (long long)g->length);
                json_bool(&j, "renamed", g->renamed);
                json_str(&j, "sha256", g->sha256);
                json_obj_close(&j);
        }
        json_arr_close(&j);
        if (res->log_region >= 0) {
                json_obj_open(&j, "crash_log");
                json_str(&j, "file", res->regions[res->log_region].file);
                json_str(&j, "tail", res->log_tail);
                json_obj_close(&j);
        } else
                json_null(&j, "crash_log");
        json_bool(&j, "reset", res->reset);
        json_obj_close(&j);
        json_end(&j);
}

static void print_text(const char *dir, const struct sf_ramdump_result *res, int r,
                       const struct sf_error *err)
{
        if (r < 0)
                fprintf(stderr, "safeflash ramdump: %s\n", err->message);
        if (res->bytes || res->complete)
                printf("%s %zu region(s), %" PRIu64 " bytes, into %s (manifest.json lists their "
                       "SHA-256)\n",
                       res->complete ? "Dumped" : "Partial dump:", res->n_regions, res->bytes, dir);
        if (res->log_region >= 0) {
                printf("\nThe crashed firmware's last log lines (%s/%s):\n", dir,
                       res->regions[res->log_region].file);
                for (const char *l = res->log_tail; *l;) {
                        size_t n = strcspn(l, "\n");
                        printf("  | %.*s\n", (int)n, l);
                        l += n + (l[n] == '\n');
                }
        }
        if (r == 0)
                printf("%s\n", res->reset ? "\nThe module was reset."
                                          : "\nThe module did not acknowledge the reset.");
        else if (res->n_regions)
                fprintf(stderr, "safeflash ramdump: the module was not reset: its RAM can be "
                                "dumped again\n");
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
        struct sf_ramdump_options o = {.progress = cli_on_progress, .log = cli_on_log};
        struct sf_ramdump_result *res = calloc(1, sizeof(*res));
        struct sf_error err = {0};
        char dir[PATH_MAX];
        int c, r = 0;

        if (!res)
                return EXIT_FAILED;
        while (r == 0 && (c = cli_getopt(cmd, argc, argv)) != -1) {
                if (c == 'd')
                        o.device = optarg;
                else if (c == 'o')
                        o.out_dir = optarg;
                else if (c == OPT_MAX_BYTES && parse_size(optarg, &o.max_bytes) < 0)
                        r = cli_usage_error(cmd, "--max-bytes: not a size: '%s'", optarg);
                else if (c != OPT_MAX_BYTES)
                        r = EXIT_USAGE;
        }
        if (r == 0 && optind != argc)
                r = cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
        if (r == 0 && !o.out_dir && (r = default_dir(dir, sizeof(dir), &err)) < 0)
                fprintf(stderr, "safeflash ramdump: %s\n", err.message);
        if (r != 0) {
                free(res);
                return r < 0 ? EXIT_USAGE : r;
        }
        if (!o.out_dir)
                o.out_dir = dir;
        o.session_log = cli.log_path;
        cli_progress_init();
        r = sf_ramdump_run(&o, res, &err);
        cli_progress_end();
        if (cli.json)
                print_json(o.out_dir, res, r, &err);
        else
                print_text(o.out_dir, res, r, &err);
        free(res);
        return r < 0 ? exit_code(r) : EXIT_OK;
}

const struct cli_command cmd_ramdump = {
        .name = "ramdump",
        .args = "[-d DEV] [-o DIR]",
        .summary = "collect the RAM of a module that crashed into memory-debug mode (900e)",
        .details =
                "A module whose firmware crashed comes up as 05c6:900e and offers its memory\n"
                "over Sahara: when the DIAG port is dead, this is the log there is. Every region\n"
                "of the module's table is written to DIR under its table name (a generated one\n"
                "when that name is unsafe), fsynced, and listed with its SHA-256 in\n"
                "DIR/manifest.json; existing files are never replaced. When a region holds the\n"
                "crashed firmware's log, its last lines are shown. The module is reset at the\n"
                "end; after a failure it is not, so its RAM can be dumped again.\n\n"
                "A module in another state (running, or in EDL 9008) has no dump: exit 4.\n",
        .options = options,
        .run = run,
};
