/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The safeflash command: shared pieces of the commands (cmd_*.c). */
#ifndef SF_CLI_H
#define SF_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

/* Exit codes, the same for every command. */
enum {
        EXIT_OK = 0,        /* success, or allowed */
        EXIT_FAILED = 1,    /* the operation failed */
        EXIT_USAGE = 2,     /* usage error or invalid input */
        EXIT_REFUSED = 3,   /* refused by the safety policy: nothing written */
        EXIT_NO_DEVICE = 4, /* no suitable device, or device in the wrong state */
};

struct cli_globals {
        bool json;
        int verbose;
        const char *log_path;
};

extern struct cli_globals cli;

/* One option of a command: getopt_long's entry plus its help text. */
struct cli_option {
        const char *name;
        int has_arg;
        int val;
        const char *arg; /* placeholder shown in --help, NULL for none */
        const char *help;
};

struct cli_command {
        const char *name;
        const char *args;    /* "VERSION", shown in usage */
        const char *summary; /* one line */
        const char *details; /* paragraphs after the options in --help */
        const struct cli_option *options;
        int (*run)(const struct cli_command *cmd, int argc, char **argv);
};

extern const struct cli_command cmd_decode;
extern const struct cli_command cmd_check;
extern const struct cli_command cmd_flash;
extern const struct cli_command cmd_list;
extern const struct cli_command cmd_info;
extern const struct cli_command cmd_edl;
extern const struct cli_command cmd_update;
extern const struct cli_command cmd_history;
extern const struct cli_command cmd_doctor;
extern const struct cli_command cmd_recover;
extern const struct cli_command cmd_backup;
extern const struct cli_command cmd_restore;
extern const struct cli_command cmd_ramdump;

/* getopt_long over cmd's options plus the global ones (--json, -v, --log, -h). Returns the
 * option value, -1 at the end, or '?' after printing a usage error. Handles -h by printing help
 * and exiting 0. */
int cli_getopt(const struct cli_command *cmd, int argc, char **argv);
void cli_print_help(const struct cli_command *cmd, FILE *f);
int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* Minimal streaming JSON writer. */
struct json {
        FILE *f;
        int depth;
        bool need_comma[32];
        bool after_key;
};

void json_begin(struct json *j, FILE *f);
void json_obj_open(struct json *j, const char *key);
void json_obj_close(struct json *j);
void json_arr_open(struct json *j, const char *key);
void json_arr_close(struct json *j);
void json_str(struct json *j, const char *key, const char *value); /* NULL → null */
void json_int(struct json *j, const char *key, long long value);
void json_bool(struct json *j, const char *key, bool value);
void json_null(struct json *j, const char *key);
void json_end(struct json *j);
/* A JSON string literal, escaped. */
void json_write_string(FILE *f, const char *s);

#include "safeflash/common.h"
/* Fill err (as the library does) and return code. */
int cli_error(struct sf_error *err, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Rules and verdicts (cli/verdict.c). */
#include "safeflash/package.h"
#include "safeflash/policy.h"
/* Rules in order: the database shipped with safeflash, the site's, the user's, extra files.
 * Prints a malformed file's error; returns it. */
int cli_load_rules(const char *const *extra, size_t n_extra, sf_rules *rules,
                   struct sf_rules_source *src, size_t *n_src);
void cli_print_verdict(const struct sf_version *from, const struct sf_version *to,
                       const sf_package *pkg, const sf_report *rep);
/* The verdict's fields, into the JSON object being written. */
void cli_json_verdict(struct json *j, const struct sf_version *from, const struct sf_version *to,
                      const sf_package *pkg, const sf_report *rep,
                      const struct sf_rules_source *src, size_t n_src);

/* Progress and log callbacks of the engine (cli/progress.c). */
#include "safeflash/flash.h"
void cli_progress_init(void);
void cli_progress_end(void);
void cli_on_progress(void *userdata, const struct sf_progress *p);
void cli_on_log(void *userdata, enum sf_log_level level, const char *text);

/* The commands built on the safe paths (cli/run.c). */
#include "safeflash/update.h"
/* Exit status for a library error: 2 invalid input, 3 refused, 4 no device, 1 failed. */
int cli_exit_for(int r);
void cli_run_options(struct sf_run_options *o, const char *device);
void cli_json_run(struct json *j, const struct sf_run_result *res, int r,
                  const struct sf_error *err);
/* The same, with "result" as given (NULL: the outcome's name). */
void cli_json_run_as(struct json *j, const char *result, const struct sf_run_result *res, int r,
                     const struct sf_error *err);
/* Several modules at once, one worker process each (cli/multi.c); returns the exit status. */
#define SF_UPDATE_MAX_MODULES 32
int cli_update_many(const struct sf_update_options *o, const char *const *devices, size_t n);
/* The result as one JSON document on f. */
void cli_json_run_document(FILE *f, const struct sf_run_result *res, int r,
                           const struct sf_error *err);
void cli_print_failure(const char *command, const struct sf_run_result *res,
                       const struct sf_error *err);
/* The plan (per partition: same, changed or unknown, and why) as a JSON array "plan", and as
 * indented lines. */
void cli_json_plan(struct json *j, const struct sf_flash_result *f);
void cli_print_plan(FILE *out, const struct sf_flash_result *f);

struct sf_version;
/* A decoded version as a JSON object under key, and as indented text lines. */
void cli_json_version(struct json *j, const char *key, const struct sf_version *v);
void cli_print_version(FILE *f, const struct sf_version *v, const char *indent);
/* "EC25EFA R06 A17 M4G, branch 20 (20.200.20.200)" */
void cli_version_summary(const struct sf_version *v, char *buf, size_t size);

#endif
