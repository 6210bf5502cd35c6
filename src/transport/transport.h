/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* How the engine reaches a device: a table of operations per kind (libusb, tty), and one shared
 * wrapper for what every kind needs — push-back, ZLP rules, chunking, recording of the session's
 * traffic. Sessions (sahara, firehose) only ever call the sf_transport_* functions. */
#ifndef SF_TRANSPORT_H
#define SF_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "safeflash/common.h"

struct sf_transport;

struct sf_transport_ops {
        const char *name;
        /* One read: on USB one transfer (a Sahara packet, an XML document, a raw chunk); on a
         * tty whatever bytes are there. 0 bytes is not EOF. -ETIMEDOUT, -ENODEV (gone). */
        int (*read)(struct sf_transport *t, uint8_t *buf, size_t size, size_t *ret_len,
                    int timeout_ms);
        /* Write all of buf (one transfer, or a zero-length packet when len is 0). */
        int (*write)(struct sf_transport *t, const uint8_t *buf, size_t len, int timeout_ms);
        /* Optional: write buf and end the transfer with a zero-length packet, in one request
         * to the host controller (USB: an URB with the zero-packet flag). */
        int (*write_zlp)(struct sf_transport *t, const uint8_t *buf, size_t len, int timeout_ms);
        /* Optional: exactly len bytes across transfers, with several requests in flight (USB:
         * a queue of IN URBs, as a host controller keeps the endpoint busy); never a byte past
         * len. */
        int (*read_exact)(struct sf_transport *t, uint8_t *buf, size_t len, int timeout_ms);
        void (*close)(struct sf_transport *t);
};

#define SF_TRANSPORT_PUSHBACK_MAX (64 * 1024)

struct sf_transport {
        const struct sf_transport_ops *ops;
        void *priv;
        bool stream;       /* tty: no transfer boundaries */
        size_t max_packet; /* wMaxPacketSize of the OUT endpoint, 0 when not USB */
        size_t max_write;  /* split writes into pieces of at most this (0: no limit) */
        bool zlp;          /* follow writes that are a multiple of max_packet with a ZLP */
        uint8_t pushback[SF_TRANSPORT_PUSHBACK_MAX];
        size_t pb_len;
        FILE *record;          /* session log, NULL for none */
        char description[128]; /* "usb 1-1 (05c6:9008)" */
        uint64_t bytes_in, bytes_out;
};

/* What to open. */
struct sf_usb_match {
        uint16_t vid; /* 0: any of the EDL identities */
        uint16_t pid;
        int bus, address; /* -1: any */
        const char *port; /* the port the device is on, named as sysfs names it: "1-3", "2-1.4"
                           * (it keeps that name when it re-enumerates); NULL: any */
};

int sf_transport_open_usb(const struct sf_usb_match *m, struct sf_transport **ret,
                          struct sf_error *err);
int sf_transport_open_tty(const char *path, struct sf_transport **ret, struct sf_error *err);
void sf_transport_close(struct sf_transport *t);

int sf_transport_read(struct sf_transport *t, uint8_t *buf, size_t size, size_t *ret_len,
                      int timeout_ms);
/* Read exactly len bytes (raw data phases), across transfers. */
int sf_transport_read_full(struct sf_transport *t, uint8_t *buf, size_t len, int timeout_ms);
int sf_transport_write(struct sf_transport *t, const uint8_t *buf, size_t len, int timeout_ms);
/* Give bytes back: the next read returns them first. */
int sf_transport_unread(struct sf_transport *t, const uint8_t *buf, size_t len);

/* Record a note in the session log ("sahara: HELLO v2 mode 0"). */
void sf_transport_note(struct sf_transport *t, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

#endif
