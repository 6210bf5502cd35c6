/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* safeflash: update Qualcomm-based cellular modules without bricking them. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "safeflash/common.h"

struct cli_globals cli;

static const struct cli_command *const commands[] = {
        &cmd_decode,  &cmd_check,  &cmd_flash,   &cmd_list,   &cmd_info,
        &cmd_edl,     &cmd_update, &cmd_history, &cmd_doctor, &cmd_recover,
        &cmd_ramdump, &cmd_backup, &cmd_restore,
};

#define N_COMMANDS  (sizeof(commands) / sizeof(*commands))
#define MAX_OPTIONS 32

enum {
        OPT_JSON = 0x1000,
        OPT_LOG,
};

static const struct cli_option global_options[] = {
        {"json", no_argument, OPT_JSON, NULL, "print one JSON document on standard output"},
        {"verbose", no_argument, 'v', NULL, "say more"},
        {"log", required_argument, OPT_LOG, "FILE", "also write the session log to FILE"},
        {"help", no_argument, 'h', NULL, "show this help"},
        {0},
};

static void print_options(FILE *f, const struct cli_option *opts)
{
        for (const struct cli_option *o = opts; o && o->name; o++) {
                char left[64];
                if (o->val > 0 && o->val < 128)
                        snprintf(left, sizeof(left), "-%c, --%s%s%s", o->val, o->name,
                                 o->arg ? " " : "", o->arg ? o->arg : "");
                else
                        snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "",
                                 o->arg ? o->arg : "");
                fprintf(f, "  %-28s %s\n", left, o->help);
        }
}

void cli_print_help(const struct cli_command *cmd, FILE *f)
{
        fprintf(f, "Usage: safeflash %s [OPTIONS] %s\n\n%s\n\nOptions:\n", cmd->name, cmd->args,
                cmd->summary);
        print_options(f, cmd->options);
        print_options(f, global_options);
        if (cmd->details)
                fprintf(f, "\n%s", cmd->details);
        fputs("\nExit status: 0 success/allowed, 1 failed, 2 bad usage or input, 3 refused by the "
              "safety policy (nothing written), 4 no suitable device.\n",
              f);
}

int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
{
        va_list ap;

        fprintf(stderr, "safeflash %s: ", cmd->name);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\nTry 'safeflash %s --help'.\n", cmd->name);
        return EXIT_USAGE;
}

/* Build getopt_long's tables from the command's and the global options. */
static void build_tables(const struct cli_command *cmd, struct option *longs, char *shorts)
{
        const struct cli_option *sets[2] = {cmd->options, global_options};
        size_t n = 0, s = 0;

        shorts[s++] = ':';
        for (int k = 0; k < 2; k++)
                for (const struct cli_option *o = sets[k]; o && o->name && n < MAX_OPTIONS; o++) {
                        longs[n++] = (struct option){o->name, o->has_arg, NULL, o->val};
                        if (o->val > 0 && o->val < 128) {
                                shorts[s++] = (char)o->val;
                                if (o->has_arg == required_argument)
                                        shorts[s++] = ':';
                        }
                }
        longs[n] = (struct option){0};
        shorts[s] = '\0';
}

int cli_getopt(const struct cli_command *cmd, int argc, char **argv)
{
        struct option longs[MAX_OPTIONS + 1];
        char shorts[3 * MAX_OPTIONS + 3];
        int c;

        build_tables(cmd, longs, shorts);
        for (;;) {
                c = getopt_long(argc, argv, shorts, longs, NULL);
                switch (c) {
                case OPT_JSON:
                        cli.json = true;
                        continue;
                case 'v':
                        cli.verbose++;
                        continue;
                case OPT_LOG:
                        cli.log_path = optarg;
                        continue;
                case 'h':
                        cli_print_help(cmd, stdout);
                        exit(EXIT_OK);
                case ':':
                        cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
                        return '?';
                case '?':
                        cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
                        return '?';
                default:
                        return c;
                }
        }
}

static void main_help(FILE *f)
{
        fputs("Usage: safeflash [--version] [--help] COMMAND [OPTIONS] [ARGS]\n\n"
              "Update the firmware of Qualcomm-based cellular modules (Quectel EC25, EG25, EM05,\n"
              "RM500Q, …) without bricking them: safeflash asks the module what it is and refuses\n"
              "firmware that is known to brick it, before writing a byte.\n\nCommands:\n",
              f);
        for (size_t i = 0; i < N_COMMANDS; i++)
                fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
        fputs("\nGlobal options (after the command): --json, -v/--verbose, --log FILE, "
              "-h/--help.\n'safeflash COMMAND --help' describes a command.\n"
              "Exit status: 0 success/allowed, 1 failed, 2 bad usage or input, 3 refused by the "
              "safety policy (nothing written), 4 no suitable device.\n",
              f);
}

int main(int argc, char **argv)
{
        const char *name;

        if (argc < 2) {
                main_help(stderr);
                return EXIT_USAGE;
        }
        name = argv[1];
        if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
                if (argc > 2 && strcmp(name, "help") == 0)
                        for (size_t i = 0; i < N_COMMANDS; i++)
                                if (strcmp(argv[2], commands[i]->name) == 0) {
                                        cli_print_help(commands[i], stdout);
                                        return EXIT_OK;
                                }
                main_help(stdout);
                return EXIT_OK;
        }
        if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
                printf("safeflash %s\n", sf_library_version());
                return EXIT_OK;
        }
        for (size_t i = 0; i < N_COMMANDS; i++)
                if (strcmp(name, commands[i]->name) == 0) {
                        /* The command sees its name as argv[0]; options may follow
                         * arguments (getopt permutes). */
                        optind = 1;
                        return commands[i]->run(commands[i], argc - 1, argv + 1);
                }
        fprintf(stderr, "safeflash: unknown command '%s'. Try 'safeflash --help'.\n", name);
        return EXIT_USAGE;
}
