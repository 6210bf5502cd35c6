/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Modules on the bus: what state each is in, which ports it has, and who it is. */
#ifndef SAFEFLASH_DEVICE_H
#define SAFEFLASH_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "safeflash/common.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sf_device_mode {
        SF_DEVICE_MODE_UNKNOWN = 0,
        SF_DEVICE_MODE_NORMAL,       /* running firmware (2c7c:xxxx): AT, DM ports */
        SF_DEVICE_MODE_EDL,          /* 05c6:9008: boot ROM (Sahara) or a programmer (Firehose) */
        SF_DEVICE_MODE_MEMORY_DEBUG, /* 05c6:900e: crashed, offers a RAM dump */
        SF_DEVICE_MODE_FASTBOOT,     /* 18d1:d00d */
        SF_DEVICE_MODE_SBL_DOWNLOAD, /* 2c7c:xxxx with one interface: Quectel's SBL download */
};

SF_EXPORT const char *sf_device_mode_to_string(enum sf_device_mode m);

#define SF_DEVICE_PATH_MAX 256

struct sf_device {
        char name[32]; /* sysfs name: "1-1", "2-1.4" (changes when the module re-enumerates) */
        uint16_t vid, pid;
        unsigned bus, address;
        enum sf_device_mode mode;
        char product[64], serial[64];
        char at_port[SF_DEVICE_PATH_MAX];  /* "/dev/ttyUSB2", "" when none */
        char dm_port[SF_DEVICE_PATH_MAX];  /* DIAG */
        char edl_port[SF_DEVICE_PATH_MAX]; /* a tty bound to the EDL interface, "" when none */
};

/* Every Quectel module, EDL, memory-debug and fastboot device on the bus, from the kernel's
 * device database (sysfs through sd-device), with the tty nodes of its interfaces. */
SF_EXPORT int sf_device_list(struct sf_device **ret, size_t *ret_n, struct sf_error *err);
SF_EXPORT void sf_device_list_free(struct sf_device *list);

/* Pick one device: spec NULL (the only one), "1-1" (sysfs name), "usb:BUS:ADDR", or a port
 * path. -ENODEV none, -ENOTUNIQ several (the message lists them). */
SF_EXPORT int sf_device_find(const char *spec, struct sf_device *ret, struct sf_error *err);

enum sf_identity_source {
        SF_SOURCE_NONE = 0,
        SF_SOURCE_AT,
        SF_SOURCE_DIAG,
        SF_SOURCE_SAHARA,
};

SF_EXPORT const char *sf_identity_source_to_string(enum sf_identity_source s);

struct sf_identity {
        enum sf_device_mode mode;
        char model[32];
        enum sf_identity_source model_from;
        char revision[64];
        enum sf_identity_source revision_from;
        char version[128];
        enum sf_identity_source version_from; /* full, AT+QGMR */
        char imei[16];
        enum sf_identity_source imei_from;
        int secure_boot;
        enum sf_identity_source secure_boot_from; /* -1 unknown */
        bool has_chip;                            /* EDL: from Sahara command mode */
        uint32_t chip_serial, msm_id;
        uint16_t oem_id, model_id;
        uint8_t pk_hash[32];
        bool firehose_running; /* EDL, but a programmer answers instead of the boot ROM */
        char note[256];        /* what could not be read, and why */
};

/* Ask the module who it is, without changing anything: AT (model, version with retries on the
 * transient 00.000 reading, IMEI checked with its Luhn digit, secure boot), DIAG when there is no
 * AT port, Sahara command mode in EDL. */
SF_EXPORT int sf_device_identify(const struct sf_device *dev, struct sf_identity *ret,
                                 struct sf_error *err);

/* A module in EDL whose Firehose programmer is still running (05c6:9008 answering Firehose,
 * not Sahara: a flash that stopped): probed with <nop/>, then told to reset, so that the boot
 * ROM starts over (Sahara again, where the chip can be identified) or its firmware boots.
 * -EPROTO when it does not answer the probe. */
SF_EXPORT int sf_device_reset_programmer(const struct sf_device *dev, struct sf_error *err);

/* A module in EDL waiting in its boot ROM (Sahara): restarted without anything uploaded or
 * written. It boots what its flash holds, or comes back to EDL when that does not start. */
SF_EXPORT int sf_device_restart_boot_rom(const struct sf_device *dev, struct sf_error *err);

/* A module in EDL silent to Sahara and to Firehose alike: a programmer left inside a <program>
 * by a host that died waits for the rest of its raw data. Zeros are sent until it answers in
 * XML again (0: then sf_device_reset_programmer() reaches it), up to timeout_ms; the zeros go
 * into the partition it was writing, so only for a caller that writes everything again.
 * -ETIMEDOUT, or the transport's error, when it never answers: a power cycle is needed. */
SF_EXPORT int sf_device_unstick_programmer(const struct sf_device *dev, int timeout_ms,
                                           struct sf_error *err);

/* Switch a running module to emergency download mode over its DM port (DIAG), and wait for it
 * to come back as 05c6:9008: *ret is the module as it is then. A module already in EDL is
 * returned as it is. */
SF_EXPORT int sf_device_enter_edl(const struct sf_device *dev, struct sf_device *ret,
                                  struct sf_error *err);

#ifdef __cplusplus
}
#endif

#endif
