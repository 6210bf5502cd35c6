/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/strutil.h"

int sf_strlcpy_n(char *dst, size_t dstsz, const char *src, size_t n)
{
        size_t len = strnlen(src, n);

        if (dstsz == 0 || len >= dstsz)
                return -ENAMETOOLONG;
        memcpy(dst, src, len);
        dst[len] = '\0';
        return 0;
}

int sf_strlcpy(char *dst, size_t dstsz, const char *src)
{
        return sf_strlcpy_n(dst, dstsz, src, strlen(src));
}

bool sf_startswith(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool sf_endswith_ci(const char *s, size_t len, const char *suffix)
{
        size_t sl = strlen(suffix);

        return len >= sl && strncasecmp(s + len - sl, suffix, sl) == 0;
}

char *sf_strstrip(char *s)
{
        char *start = s;
        size_t len;

        while (*start && isspace((unsigned char)*start))
                start++;
        len = strlen(start);
        while (len > 0 && isspace((unsigned char)start[len - 1]))
                len--;
        memmove(s, start, len);
        s[len] = '\0';
        return s;
}

int sf_error_set(struct sf_error *err, int code, const char *fmt, ...)
{
        va_list ap;

        if (!err)
                return code;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof(err->message), fmt, ap);
        va_end(ap);
        return code;
}

char *sf_asprintf(const char *fmt, ...)
{
        va_list ap;
        char *s = NULL;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        return r < 0 ? NULL : s;
}

int sf_read_file(const char *path, size_t max, char **ret_buf, size_t *ret_len)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t len = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode))
                return -EBADF;
        if ((unsigned long long)st.st_size > max)
                return -EFBIG;
        buf = malloc(max + 1 < (size_t)st.st_size + 1 ? max + 1 : (size_t)st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        /* The file may grow between fstat() and read(): never read past what was allocated. */
        while (len < (size_t)st.st_size) {
                ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = '\0';
        *ret_buf = TAKE_PTR(buf);
        if (ret_len)
                *ret_len = len;
        return 0;
}

FILE *sf_fopen_private(const char *path, bool append)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0600);
        FILE *f;

        if (fd < 0)
                return NULL;
        f = fdopen(fd, append ? "a" : "w");
        if (!f)
                close(fd);
        return f;
}
