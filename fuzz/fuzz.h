/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef SF_FUZZ_H
#define SF_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry point; fuzz/replay.c calls it for every corpus file in ordinary test runs. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
