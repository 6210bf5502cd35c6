#!/usr/bin/python3
# A peer of our own: pyusb over the real libusb, given nothing but the simulator's DIR/env in its
# environment, finds the simulated module in EDL (05c6:9008) and speaks Sahara to it. The packets
# are built here from the reference (protocols.md 2.2-2.3, 2.7), not with safeflash's encoder.
# Usage: pyusb_peer.py PROGRAMMER   (prints TAP cases 1-8; the caller prints the plan)
import struct
import sys

import usb.core
import usb.util

IN, OUT = 0x81, 0x01
n = 0
failed = 0


def ok(cond, what, diag=""):
    global n, failed
    n += 1
    print(("ok" if cond else "not ok") + " %d - %s" % (n, what))
    if not cond:
        failed += 1
        if diag:
            print("#   " + str(diag))


def packet(data):
    """A Sahara packet: u32 command, u32 length (the whole packet), then u32 fields."""
    if len(data) < 8:
        return None, None, ()
    cmd, length = struct.unpack_from("<II", data)
    if length != len(data):
        return cmd, length, ()
    return cmd, length, struct.unpack_from("<%dI" % ((length - 8) // 4), data, 8)


programmer = open(sys.argv[1], "rb").read()

dev = usb.core.find(idVendor=0x05C6, idProduct=0x9008)
ok(dev is not None, "pyusb finds the simulated 05c6:9008 through libusb, given only DIR/env")
if dev is None:
    sys.exit(1)

dev.set_configuration()
usb.util.claim_interface(dev, 0)
hello = bytes(dev.read(IN, 512, timeout=3000))
cmd, length, body = packet(hello)
ok(len(hello) == 48 and cmd == 0x01 and length == 0x30 and body[:4] == (2, 1, 0x400, 0),
   "one 512-byte read returns the boot ROM's 48-byte HELLO (version 2, max 0x400, mode 0)",
   hello.hex())

# HELLO_RESP: version 2, compatible 1, status 0, mode 0 (image transfer), reserved zero.
dev.write(OUT, struct.pack("<II4I6I", 0x02, 0x30, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0), timeout=3000)
served, bad, end = 0, [], None
for _ in range(10000):
    pkt = bytes(dev.read(IN, 4096, timeout=3000))
    cmd, length, body = packet(pkt)
    if cmd == 0x03 and len(body) == 3:  # READ_DATA: image_id, offset, length
        image, off, size = body
    elif cmd == 0x12 and len(pkt) == 0x20:  # READ_DATA_64
        image, off, size = struct.unpack_from("<QQQ", pkt, 8)
    elif cmd == 0x04 and len(body) == 2:  # END_OF_IMAGE_TX: image_id, status
        end = body
        break
    else:
        bad.append(pkt.hex())
        break
    if image != 13 or off > len(programmer) or size > len(programmer) - off:
        bad.append((image, off, size))
        break
    dev.write(OUT, programmer[off:off + size], timeout=3000)
    served += size
ok(not bad and end == (13, 0) and served >= len(programmer) // 2,
   "the boot ROM pulls the programmer (image 13) with READ_DATA and ends with status 0 "
   "(%d bytes served)" % served, bad or end)

dev.write(OUT, struct.pack("<II", 0x05, 0x08), timeout=3000)  # DONE
done = bytes(dev.read(IN, 512, timeout=3000))
cmd, length, body = packet(done)
ok(cmd == 0x06 and length == 0x0C and body[0] in (0, 1),
   "DONE is answered with DONE_RESP (image_tx_status %s)" % (body[0] if body else "?"), done.hex())

# The programmer now speaks Firehose: its start-up documents, each one transfer. A real one takes
# a while to bring up its NAND before its first words (docs/sim-transport.md, slow-start): wait
# up to first ms for them, then until timeout ms pass in silence.
def documents(timeout, first=None):
    docs = []
    while True:
        try:
            wait = timeout if docs or first is None else first
            chunk = bytes(dev.read(IN, 4096, timeout=wait))
        except usb.core.USBTimeoutError:
            return docs
        if chunk:
            docs.append(chunk)


def command(xml):
    dev.write(OUT, b'<?xml version="1.0" encoding="UTF-8" ?><data>' + xml + b"</data>",
              timeout=3000)
    for _ in range(32):
        doc = bytes(dev.read(IN, 4096, timeout=3000))
        if b"<response" in doc:
            return doc
    return b""


start = documents(500, first=10000)
ok(start and all(d.startswith(b"<?xml") for d in start),
   "the programmer speaks Firehose XML (%d start-up documents)" % len(start), start[:1])
ack = command(b'<configure MemoryName="nand" MaxPayloadSizeToTargetInBytes="8192" '
              b'ZlpAwareHost="1" SkipStorageInit="0" />')
ok(b'value="ACK"' in ack, "<configure> is acknowledged", ack[:200])

# One 4 KiB page read back: raw data in 512-byte reads, as a host controller completes URBs of
# that size, then the zero-length packet that ends a transfer of a multiple of wMaxPacketSize.
ack = command(b'<read SECTOR_SIZE_IN_BYTES="4096" num_partition_sectors="1" '
              b'physical_partition_number="0" start_sector="0" />')
sizes = []
if b'rawmode="true"' in ack:
    for _ in range(9):
        sizes.append(len(dev.read(IN, 512, timeout=3000)))
done = documents(500)
ok(sizes == [512] * 8 + [0] and any(b'value="ACK"' in d for d in done),
   "a 4 KiB read arrives as 8 full 512-byte transfers and a zero-length packet, then ACK",
   (sizes, ack[:120]))

# 10 MiB in one <read>, more than a programmer could hold at once: it streams them as the host
# takes them, in 1 MiB reads here, then its ACK.
ack = command(b'<read SECTOR_SIZE_IN_BYTES="4096" num_partition_sectors="2560" '
              b'physical_partition_number="0" start_sector="0" />')
total = 0
if b'rawmode="true"' in ack:
    while total < 10 << 20:
        try:
            total += len(dev.read(IN, 1 << 20, timeout=5000))
        except usb.core.USBTimeoutError:
            break
done = documents(500)
ok(total == 10 << 20 and any(b'value="ACK"' in d for d in done),
   "a 10 MiB <read> arrives whole (%d bytes), then ACK" % total, ack[:120])

usb.util.release_interface(dev, 0)
usb.util.dispose_resources(dev)
sys.exit(1 if failed else 0)
