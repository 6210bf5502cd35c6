/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flash.h"

#define IO_CHUNK (256 * 1024)

int sim_flash_open(struct sim_flash *f, const char *path, uint32_t page_size,
                   uint32_t pages_per_block, uint64_t num_pages, bool nand)
{
        int fd;

        if (page_size == 0 || pages_per_block == 0 || num_pages == 0 ||
            num_pages % pages_per_block != 0 || num_pages > UINT64_MAX / page_size)
                return -EINVAL;
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        if (ftruncate(fd, (off_t)(num_pages * page_size)) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        *f = (struct sim_flash){.fd = fd,
                                .page_size = page_size,
                                .pages_per_block = pages_per_block,
                                .num_pages = num_pages,
                                .nand = nand};
        return 0;
}

void sim_flash_close(struct sim_flash *f)
{
        if (f->fd >= 0)
                close(f->fd);
        f->fd = -1;
}

uint64_t sim_flash_size(const struct sim_flash *f)
{
        return f->num_pages * f->page_size;
}

static bool in_range(const struct sim_flash *f, uint64_t off, uint64_t len)
{
        uint64_t size = sim_flash_size(f);
        return off <= size && len <= size - off;
}

static void invert(uint8_t *p, size_t n)
{
        for (size_t i = 0; i < n; i++)
                p[i] = (uint8_t)~p[i];
}

int sim_flash_read(struct sim_flash *f, uint64_t offset, uint8_t *out, size_t len)
{
        size_t done = 0;

        if (!in_range(f, offset, len))
                return -ERANGE;
        while (done < len) {
                ssize_t n = pread(f->fd, out + done, len - done, (off_t)(offset + done));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return n < 0 ? -errno : -EIO;
                done += (size_t)n;
        }
        invert(out, len);
        return 0;
}

int sim_flash_write_raw(struct sim_flash *f, uint64_t offset, const uint8_t *data, size_t len)
{
        uint8_t buf[4096];
        size_t done = 0;

        if (!in_range(f, offset, len))
                return -ERANGE;
        while (done < len) {
                size_t n = len - done < sizeof(buf) ? len - done : sizeof(buf);
                ssize_t w;
                memcpy(buf, data + done, n);
                invert(buf, n);
                w = pwrite(f->fd, buf, n, (off_t)(offset + done));
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return w < 0 ? -errno : -EIO;
                done += (size_t)w;
        }
        return 0;
}

int sim_flash_erase(struct sim_flash *f, uint64_t page, uint64_t n)
{
        uint64_t off, len;

        if (page > f->num_pages || n > f->num_pages - page)
                return -ERANGE;
        if (f->nand && n) { /* whole blocks */
                uint64_t first = page / f->pages_per_block * f->pages_per_block;
                uint64_t last = (page + n + f->pages_per_block - 1) / f->pages_per_block *
                                f->pages_per_block;
                page = first;
                n = (last < f->num_pages ? last : f->num_pages) - first;
        }
        off = page * f->page_size;
        len = n * f->page_size;
        /* Erased NAND is all 0xFF, which the inverted file stores as a hole. */
        if (len && fallocate(f->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off,
                             (off_t)len) < 0) {
                static const uint8_t ff[4096] = {[0 ... 4095] = 0xff};
                for (uint64_t k = 0; k < len; k += sizeof(ff)) {
                        int r = sim_flash_write_raw(f, off + k, ff,
                                                    len - k < sizeof(ff) ? len - k : sizeof(ff));
                        if (r < 0)
                                return r;
                }
        }
        f->bytes_erased += len;
        return 0;
}

static bool page_erased(struct sim_flash *f, uint64_t page)
{
        uint8_t buf[4096];

        for (uint32_t k = 0; k < f->page_size; k += sizeof(buf)) {
                size_t n = f->page_size - k < sizeof(buf) ? f->page_size - k : sizeof(buf);
                if (sim_flash_read(f, page * f->page_size + k, buf, n) < 0)
                        return false;
                for (size_t i = 0; i < n; i++)
                        if (buf[i] != 0xff)
                                return false;
        }
        return true;
}

int sim_flash_program(struct sim_flash *f, uint64_t page, const uint8_t *data, uint64_t n_pages)
{
        if (page > f->num_pages || n_pages > f->num_pages - page)
                return -ERANGE;
        for (uint64_t i = 0; f->nand && i < n_pages; i++)
                if (!page_erased(f, page + i))
                        return -EIO;
        f->bytes_programmed += n_pages * f->page_size;
        return sim_flash_write_raw(f, page * f->page_size, data, n_pages * f->page_size);
}
