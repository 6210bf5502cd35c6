/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The package-writer core (mkpkg_core.c) that both package writers use (mkpkg.c: MDM9x07 NAND;
 * mkpkg_ufs.c: SDX55 UFS): file helpers that report through sf_error, bounded text buffers,
 * synthetic images, seeds and md5.txt. */
#ifndef SIM_MKPKG_CORE_H
#define SIM_MKPKG_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image.h"
#include "safeflash/common.h"
#include "safeflash/version.h"

#define SIM_TEXT_MAX (32u * 1024) /* the largest XML or md5.txt written */
/* Images are streamed, and files hashed, in pieces of this size. */
#define SIM_PKG_CHUNK (64u * 1024)

static inline uint64_t sim_pkg_align_up(uint64_t n, uint64_t a)
{
        return (n + a - 1) / a * a;
}

/* A bounded text being built; overflow makes writing it fail (-E2BIG). */
struct sim_text {
        char *buf;
        size_t len, cap;
        bool overflow;
};

void sim_text_add(struct sim_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* dir/name, created (it must not exist) with the text. */
int sim_pkg_write_text(const char *dir, const char *name, const struct sim_text *t,
                       struct sf_error *err);

int sim_pkg_path_join(char *out, size_t size, const char *dir, const char *name);
int sim_pkg_file_error(struct sf_error *err, int r, const char *path);
int sim_pkg_pwrite_all(int fd, const void *buf, size_t len, uint64_t off);
int sim_pkg_create_file(const char *path, int *ret_fd);
int sim_pkg_close_file(int *fd);
int sim_pkg_write_new_file(const char *path, const void *buf, size_t len, struct sf_error *err);
/* Create dir, or accept it when it is an empty directory. */
int sim_pkg_make_empty_dir(const char *path, struct sf_error *err);

/* A version that names a baseline, with a message otherwise. */
int sim_pkg_parse_version(const char *s, struct sf_version *v, struct sf_error *err);
/* The filler seed of one part of one file of one version. */
uint64_t sim_pkg_seed_for(const char *file, const char *what, const char *version);

/* A synthetic image at path (created): tmpl with kind, payload_crc and payload_len set, then
 * size - SIM_IMAGE_HEADER_LEN bytes of sim_fill(seed) filler, streamed through chunk (64 KiB). */
int sim_pkg_write_image(const char *path, const struct sim_image_header *tmpl, uint32_t kind,
                        uint64_t seed, uint64_t size, uint8_t *chunk, struct sf_error *err);

/* root/md5.txt over every file under root/update (mkpkg.h). */
int sim_pkg_write_md5(const char *root, struct sf_error *err);

#endif
