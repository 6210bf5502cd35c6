/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flash.h"

#define IO_CHUNK (256 * 1024)

static int open_file(const char *path, uint64_t bytes, int *ret_fd)
{
        int fd;

        if (bytes > INT64_MAX)
                return -EFBIG;
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        if (ftruncate(fd, (off_t)bytes) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        *ret_fd = fd;
        return 0;
}

int sim_flash_open(struct sim_flash *f, const char *path, uint32_t page_size,
                   uint32_t pages_per_block, uint64_t num_pages, bool nand)
{
        int fd = -1, r;

        if (page_size == 0 || pages_per_block == 0 || num_pages == 0 ||
            num_pages % pages_per_block != 0 || num_pages > UINT64_MAX / page_size)
                return -EINVAL;
        r = open_file(path, num_pages * page_size, &fd);
        if (r < 0)
                return r;
        *f = (struct sim_flash){.fd = fd,
                                .page_size = page_size,
                                .pages_per_block = pages_per_block,
                                .num_pages = num_pages,
                                .nand = nand,
                                .n_luns = 1,
                                .lun_pages = {num_pages}};
        return 0;
}

/* The attribute sector after the last LUN: "SFUFSATR", then bBootLunEn (LE32). */
static const char attr_magic[8] = "SFUFSATR";

static void load_attributes(struct sim_flash *f)
{
        uint8_t a[12];

        if (pread(f->fd, a, sizeof(a), (off_t)(f->num_pages * f->page_size)) != sizeof(a) ||
            memcmp(a, attr_magic, sizeof(attr_magic)) != 0)
                return; /* never provisioned: boot disabled */
        f->provisioned = true;
        f->boot_lun = (uint32_t)a[8] | (uint32_t)a[9] << 8 | (uint32_t)a[10] << 16 |
                      (uint32_t)a[11] << 24;
}

int sim_flash_open_ufs(struct sim_flash *f, const char *path, uint32_t sector_size,
                       const uint64_t *lun_sectors, unsigned n_luns)
{
        struct sim_flash u = {.fd = -1, .page_size = sector_size, .pages_per_block = 1};
        int r;

        if (sector_size == 0 || n_luns == 0 || n_luns > SIM_FLASH_MAX_LUNS)
                return -EINVAL;
        for (unsigned i = 0; i < n_luns; i++) {
                if (lun_sectors[i] == 0 ||
                    lun_sectors[i] > UINT64_MAX / sector_size - 1 - u.num_pages)
                        return -EINVAL;
                u.lun_first[i] = u.num_pages;
                u.lun_pages[i] = lun_sectors[i];
                u.num_pages += lun_sectors[i];
        }
        u.n_luns = n_luns;
        r = open_file(path, (u.num_pages + 1) * sector_size, &u.fd);
        if (r < 0)
                return r;
        load_attributes(&u);
        *f = u;
        return 0;
}

void sim_flash_close(struct sim_flash *f)
{
        free(f->bad);
        free(f->bbt_path);
        f->bad = NULL;
        f->bbt_path = NULL;
        if (f->fd >= 0)
                close(f->fd);
        f->fd = -1;
}

uint64_t sim_flash_size(const struct sim_flash *f)
{
        return f->num_pages * f->page_size;
}

uint64_t sim_flash_lun_sectors(const struct sim_flash *f, unsigned lun)
{
        return lun < f->n_luns ? f->lun_pages[lun] : 0;
}

int sim_flash_lun_page(const struct sim_flash *f, unsigned lun, uint64_t sector, uint64_t n,
                       uint64_t *ret_page)
{
        if (lun >= f->n_luns)
                return -ENXIO;
        if (sector > f->lun_pages[lun] || n > f->lun_pages[lun] - sector)
                return -ERANGE;
        *ret_page = f->lun_first[lun] + sector;
        return 0;
}

int sim_flash_set_boot_lun(struct sim_flash *f, uint32_t value)
{
        uint8_t a[12];
        ssize_t n;

        if (f->nand)
                return -EOPNOTSUPP;
        if (value > 2)
                return -EINVAL;
        memcpy(a, attr_magic, sizeof(attr_magic));
        for (int i = 0; i < 4; i++)
                a[8 + i] = (uint8_t)(value >> (8 * i));
        do
                n = pwrite(f->fd, a, sizeof(a), (off_t)(f->num_pages * f->page_size));
        while (n < 0 && errno == EINTR);
        if (n != (ssize_t)sizeof(a))
                return n < 0 ? -errno : -EIO;
        f->boot_lun = value;
        f->provisioned = true;
        return 0;
}

static bool in_range(const struct sim_flash *f, uint64_t off, uint64_t len)
{
        uint64_t size = sim_flash_size(f);
        return off <= size && len <= size - off;
}

/* NAND is stored inverted (holes read as erased 0xFF); UFS as it is (holes read 0x00). */
static void invert(const struct sim_flash *f, uint8_t *p, size_t n)
{
        for (size_t i = 0; f->nand && i < n; i++)
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
        invert(f, out, len);
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
                invert(f, buf, n);
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
        /* Erased NAND (0xFF) and unmapped UFS (0x00) are both stored as a hole. */
        if (len && fallocate(f->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off,
                             (off_t)len) < 0) {
                static const uint8_t ff[4096] = {[0 ... 4095] = 0xff}, zero[4096];
                const uint8_t *erased = f->nand ? ff : zero;
                for (uint64_t k = 0; k < len; k += sizeof(ff)) {
                        int r = sim_flash_write_raw(f, off + k, erased,
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
        for (uint64_t i = 0; f->bad && i < n_pages; i++)
                if (f->bad[(page + i) / f->pages_per_block])
                        return -EIO; /* a bad block takes no program */
        for (uint64_t i = 0; f->nand && i < n_pages; i++)
                if (!page_erased(f, page + i))
                        return -EIO;
        f->bytes_programmed += n_pages * f->page_size;
        return sim_flash_write_raw(f, page * f->page_size, data, n_pages * f->page_size);
}
