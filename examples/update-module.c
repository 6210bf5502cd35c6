/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* update-module: update one module through libsafeflash, as a fleet updater (an SWUpdate
 * handler, a fwupd plugin) would: the same safe path as 'safeflash update', driven by the public
 * API alone, with the library reporting through a progress and a log callback.
 *
 * Build against an installed libsafeflash:
 *   cc -o update-module update-module.c $(pkg-config --cflags --libs safeflash)
 * Run:
 *   ./update-module PACKAGE [DEVICE]
 * Exit status: 0 updated, 1 failed, 2 invalid package or usage, 3 refused by the policy
 * (nothing written), 4 no suitable module: those of safeflash(1). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <safeflash/update.h>

struct ui {
        int phase; /* the last phase shown, -1 before the first */
        int tenth; /* the last tenth of overall progress shown */
};

static void on_progress(void *userdata, const struct sf_progress *p)
{
        struct ui *ui = userdata;
        int tenth = (int)(p->overall * 10.0);

        /* One line per phase, and one per tenth of the way: a log, not a bar. */
        if ((int)p->phase != ui->phase) {
                ui->phase = (int)p->phase;
                printf("phase: %s%s%s\n", sf_phase_to_string(p->phase), p->item ? " " : "",
                       p->item ? p->item : "");
        }
        if (tenth > ui->tenth) {
                ui->tenth = tenth;
                printf("progress: %3d%%\n", tenth * 10);
        }
        fflush(stdout);
}

static void on_log(void *userdata, enum sf_log_level level, const char *text)
{
        static const char *const names[] = {"debug", "info", "warning"};

        (void)userdata;
        if (level == SF_LOG_DEBUG)
                return;
        fprintf(stderr, "%s: %s\n", names[level], text);
}

static void on_verdict(void *userdata, const struct sf_version *from, const struct sf_version *to,
                       const sf_package *pkg, const sf_report *rep)
{
        (void)userdata;
        (void)pkg;
        printf("verdict: %s (%s -> %s)\n", sf_verdict_to_string(sf_report_verdict(rep)),
               from->canonical, to->canonical);
        for (size_t i = 0; i < sf_report_count(rep); i++) {
                const struct sf_finding *f = sf_report_get(rep, i);

                if (f->severity == SF_SEVERITY_BLOCK)
                        printf("  %s: %s%s%s\n", f->rule_id, f->message,
                               f->advice ? "; advice: " : "", f->advice ? f->advice : "");
        }
}

/* The exit status safeflash(1) gives for the same outcome. */
static int exit_status(int r)
{
        switch (r) {
        case 0:
                return 0;
        case -EPERM:
                return 3;
        case -EINVAL:
        case -EBADMSG:
        case -ENOENT:
        case -EFBIG:
        case -ENAMETOOLONG:
        case -ELOOP:
        case -ENOTUNIQ: /* several modules, and no DEVICE to say which */
                return 2;
        case -ENODEV:
                return 4;
        default:
                return 1;
        }
}

int main(int argc, char **argv)
{
        struct ui ui = {.phase = -1, .tenth = 0};
        struct sf_update_options o = {0};
        struct sf_run_result res = {0};
        struct sf_error err = {0};
        int r;

        if (argc < 2 || argc > 3) {
                fprintf(stderr, "Usage: %s PACKAGE [DEVICE]\n", argv[0]);
                return 2;
        }
        o.package = argv[1];
        o.run.device = argc > 2 ? argv[2] : NULL; /* NULL: the only module */
        o.run.progress = on_progress;
        o.run.log = on_log;
        o.run.userdata = &ui;
        o.on_verdict = on_verdict;
        /* No overrides and no confirm callback: anything the policy refuses stays refused. */

        printf("libsafeflash %s: updating %s with %s\n", sf_library_version(),
               o.run.device ? o.run.device : "the only module", o.package);
        r = sf_update_run(&o, &res, &err);

        printf("result: %s\n", sf_update_outcome_to_string(res.outcome));
        if (res.device[0])
                printf("module: %s, IMEI %s\n", res.device,
                       res.after.imei[0] ? res.after.imei : res.before.imei);
        if (res.from_version[0])
                printf("firmware: %s -> %s\n", res.from_version,
                       res.after.version[0] ? res.after.version : "(unchanged)");
        if (res.backup_dir[0])
                printf("EFS2 backup: %s\n", res.backup_dir);
        if (res.session_log[0])
                printf("session log: %s\n", res.session_log);
        if (r < 0)
                printf("error: %s\n", err.message[0] ? err.message : strerror(-r));
        return exit_status(r);
}
