/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* safeflash decode VERSION: a firmware version string, field by field. */
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "safeflash/version.h"

static const struct cli_option options[] = {
        {0},
};

static int run(const struct cli_command *cmd, int argc, char **argv)
{
        struct sf_version v;
        struct json j;
        int c, r;

        while ((c = cli_getopt(cmd, argc, argv)) != -1)
                if (c == '?')
                        return EXIT_USAGE;
        if (argc - optind != 1)
                return cli_usage_error(cmd, "expected exactly one VERSION");
        r = sf_version_parse(argv[optind], &v);
        if (r == -ENAMETOOLONG)
                return cli_usage_error(cmd, "version longer than %d characters",
                                       SF_VERSION_MAX_LEN);
        if (cli.json) {
                json_begin(&j, stdout);
                cli_json_version(&j, NULL, &v);
                json_end(&j);
        } else {
                cli_print_version(stdout, &v, "");
        }
        if (r < 0) {
                fprintf(stderr, "safeflash decode: '%s' is not a Quectel firmware version: %s\n",
                        v.raw, v.error);
                return EXIT_USAGE;
        }
        return EXIT_OK;
}

const struct cli_command cmd_decode = {
        .name = "decode",
        .args = "VERSION",
        .summary = "decode a Quectel firmware version string, field by field",
        .details = "VERSION is what AT+QGMR, ATI or AT+CGMR print, or a package name:\n"
                   "  EC25EFAR06A17M4G_20.200.20.200   model EC25, region E, variant FA,\n"
                   "                                   baseline R06, release A17, memory M4G,\n"
                   "                                   sub-version modem 20.200, AP 20.200\n"
                   "Package suffixes (_SDK, _2025, .zip, …) are ignored. A version that cannot be\n"
                   "decoded is reported as 'unknown' and exits 2.\n",
        .options = options,
        .run = run,
};
