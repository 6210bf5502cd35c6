/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Several modules at once (a production line): one process per module, each running the whole
 * safe update on its own, so that one module's failure, hang or crash stops no other. The
 * parent draws one progress line per module and sums up the results. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

struct child {
        const char *device;
        pid_t pid;
        int fd;       /* progress lines from the child; -1 once closed */
        FILE *result; /* its result: a JSON object, or text */
        char line[512];
        size_t line_len;
        char phase[24];
        double overall;
        int status; /* its exit status, once it has ended */
};

struct many {
        struct child *c;
        size_t n;
        bool tty, drawn;
        long long last_draw;
};

/* ---- in the child ---- */

static int progress_fd = -1;

static void child_progress(void *userdata, const struct sf_progress *p)
{
        char buf[64];
        int n = snprintf(buf, sizeof(buf), "P %s %.4f\n", sf_phase_to_string(p->phase), p->overall);

        (void)userdata;
        if (n > 0 && write(progress_fd, buf, (size_t)n) < 0)
                progress_fd = -1; /* the parent is gone: go on without telling it */
}

static void child_log(void *userdata, enum sf_log_level level, const char *text)
{
        (void)userdata;
        if (level >= SF_LOG_WARNING && progress_fd >= 0)
                dprintf(progress_fd, "W %.400s\n", text);
}

static bool child_confirm(void *userdata, const sf_report *rep)
{
        (void)userdata;
        (void)rep;
        return false; /* nobody to ask per module: --yes confirms for all */
}

static int run_child(const struct sf_update_options *base, struct child *c)
{
        struct sf_update_options o = *base;
        struct sf_run_result res;
        struct sf_error err = {0};
        int r;

        o.run.device = c->device;
        o.run.progress = child_progress;
        o.run.log = child_log;
        o.run.userdata = NULL;
        o.on_verdict = NULL;
        o.confirm = child_confirm;
        r = sf_update_run(&o, &res, &err);
        if (cli.json) {
                cli_json_run_document(c->result, &res, r, &err);
        } else if (r < 0) {
                fprintf(c->result, "%s%s%s", err.message,
                        res.session_log[0] ? "\n      session log: " : "", res.session_log);
        } else {
                fprintf(c->result, "%s -> %s, IMEI %s kept", res.before.version, res.after.version,
                        res.before.imei);
        }
        fflush(c->result);
        return cli_exit_for(r);
}

/* ---- in the parent ---- */

static long long now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void draw(struct many *m, bool force)
{
        long long t = now_ms();

        if (!m->tty || (!force && t - m->last_draw < 100))
                return;
        if (m->drawn)
                fprintf(stderr, "\033[%zuA", m->n);
        for (size_t i = 0; i < m->n; i++) {
                const struct child *c = &m->c[i];
                int w = (int)(c->overall * 30 + 0.5);
                fprintf(stderr, "\r\033[K%-10s [%-30.*s] %3d%% %s\n", c->device, w,
                        "==============================", (int)(c->overall * 100 + 0.5), c->phase);
        }
        m->drawn = true;
        m->last_draw = t;
        fflush(stderr);
}

/* One line from a child: "P phase overall" or "W warning". */
static void take_line(struct many *m, struct child *c)
{
        char phase[24];
        double overall;

        if (sscanf(c->line, "P %23s %lf", phase, &overall) == 2) {
                bool changed = strcmp(phase, c->phase) != 0;
                snprintf(c->phase, sizeof(c->phase), "%s", phase);
                c->overall = overall;
                if (changed && !m->tty && !cli.json)
                        fprintf(stderr, "%s: %s\n", c->device, phase);
                draw(m, false);
        } else if (c->line[0] == 'W' && !cli.json) {
                draw(m, true);
                fprintf(stderr, "%s: warning: %s\n", c->device, c->line + 2);
                m->drawn = false; /* the lines above scroll away: draw below */
        }
}

static void drain(struct many *m, struct child *c)
{
        char buf[1024];
        ssize_t k = read(c->fd, buf, sizeof(buf));

        if (k <= 0) {
                close(c->fd);
                c->fd = -1;
                return;
        }
        for (ssize_t i = 0; i < k; i++) {
                if (buf[i] != '\n') {
                        if (c->line_len < sizeof(c->line) - 1)
                                c->line[c->line_len++] = buf[i];
                        continue;
                }
                c->line[c->line_len] = '\0';
                take_line(m, c);
                c->line_len = 0;
        }
}

static void watch(struct many *m)
{
        struct pollfd pfd[SF_UPDATE_MAX_MODULES];
        size_t open_ = m->n;

        while (open_ > 0) {
                size_t k = 0;
                for (size_t i = 0; i < m->n; i++)
                        if (m->c[i].fd >= 0)
                                pfd[k++] = (struct pollfd){.fd = m->c[i].fd, .events = POLLIN};
                if (poll(pfd, k, 1000) < 0 && errno != EINTR)
                        break;
                open_ = 0;
                for (size_t i = 0; i < m->n; i++) {
                        struct child *c = &m->c[i];
                        for (size_t p = 0; p < k && c->fd >= 0; p++)
                                if (pfd[p].fd == c->fd && pfd[p].revents)
                                        drain(m, c);
                        open_ += c->fd >= 0;
                }
        }
        for (size_t i = 0; i < m->n; i++) {
                int st = 0;
                if (waitpid(m->c[i].pid, &st, 0) < 0)
                        st = 1 << 8;
                m->c[i].status = WIFEXITED(st) ? WEXITSTATUS(st) : EXIT_FAILED;
        }
        draw(m, true);
}

static const char *status_word(int code)
{
        switch (code) {
        case EXIT_OK:
                return "success";
        case EXIT_REFUSED:
                return "refused";
        case EXIT_USAGE:
                return "invalid";
        case EXIT_NO_DEVICE:
                return "no-device";
        default:
                return "failed";
        }
}

static void copy_result(FILE *from, FILE *to, bool indent)
{
        char buf[4096];
        size_t k;

        rewind(from);
        while ((k = fread(buf, 1, sizeof(buf), from)) > 0)
                for (size_t i = 0; i < k; i++) {
                        fputc(buf[i], to);
                        if (indent && buf[i] == '\n')
                                fputs("    ", to);
                }
}

/* Every module's result, and the exit status: 0 when all succeeded, the common status when
 * all ended alike, 1 otherwise. */
static int summarize(const struct many *m)
{
        size_t ok = 0;
        int code = m->c[0].status;

        for (size_t i = 0; i < m->n; i++) {
                ok += m->c[i].status == EXIT_OK;
                if (m->c[i].status != code)
                        code = EXIT_FAILED;
        }
        if (cli.json) {
                printf("{\n  \"modules\": [\n    ");
                for (size_t i = 0; i < m->n; i++) {
                        if (i)
                                printf(",\n    ");
                        copy_result(m->c[i].result, stdout, true);
                }
                printf("\n  ],\n  \"summary\": {\"modules\": %zu, \"succeeded\": %zu, "
                       "\"exit_status\": %d}\n}\n",
                       m->n, ok, code);
                return code;
        }
        printf("\n");
        for (size_t i = 0; i < m->n; i++) {
                printf("%-10s %-9s ", m->c[i].device, status_word(m->c[i].status));
                copy_result(m->c[i].result, stdout, false);
                printf("\n");
        }
        printf("%zu of %zu module(s) updated.\n", ok, m->n);
        return code;
}

static int start(const struct sf_update_options *o, struct child *c)
{
        int p[2];

        c->result = tmpfile();
        if (!c->result || pipe(p) < 0)
                return -errno;
        fflush(NULL);
        c->pid = fork();
        if (c->pid < 0)
                return -errno;
        if (c->pid == 0) {
                close(p[0]);
                progress_fd = p[1];
                _exit(run_child(o, c));
        }
        close(p[1]);
        c->fd = p[0];
        snprintf(c->phase, sizeof(c->phase), "starting");
        return 0;
}

int cli_update_many(const struct sf_update_options *o, const char *const *devices, size_t n)
{
        struct child c[SF_UPDATE_MAX_MODULES] = {0};
        struct many m = {.c = c, .n = 0, .tty = isatty(STDERR_FILENO) && !cli.json};
        int r = 0, code;

        if (n > SF_UPDATE_MAX_MODULES) {
                fprintf(stderr, "safeflash update: at most %d modules at once\n",
                        SF_UPDATE_MAX_MODULES);
                return EXIT_USAGE;
        }
        signal(SIGPIPE, SIG_IGN);
        for (size_t i = 0; i < n && r == 0; i++) {
                c[i].device = devices[i];
                c[i].fd = -1;
                r = start(o, &c[i]);
                m.n += r == 0;
        }
        if (r < 0)
                fprintf(stderr, "safeflash update: cannot start a worker: %s\n", strerror(-r));
        if (m.n == 0)
                return EXIT_FAILED;
        watch(&m);
        code = summarize(&m);
        for (size_t i = 0; i < m.n; i++)
                fclose(c[i].result);
        return r < 0 ? EXIT_FAILED : code;
}
