#!/usr/bin/python3
# What the module sent before a program opened its port reaches that program even when it
# flushes the port and sets its line first (pyserial and edl do), as with a USB serial driver,
# which reads from the device only while the port is open.
# Usage: tty_flush.py TTY   (prints TAP case 9; exit status 1 when it failed)
import os
import select
import sys
import termios

fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
termios.tcflush(fd, termios.TCIOFLUSH)
attrs = termios.tcgetattr(fd)
attrs[4] = attrs[5] = termios.B115200
termios.tcsetattr(fd, termios.TCSAFLUSH, attrs)
got = b""
while len(got) < 48 and select.select([fd], [], [], 3)[0]:
    got += os.read(fd, 4096)
good = got[:8] == bytes.fromhex("0100000030000000") and len(got) == 48
print("%s 9 - the boot ROM's HELLO, sent before the EDL tty was opened, survives tcflush and "
      "TCSAFLUSH (%d bytes)" % ("ok" if good else "not ok", len(got)))
sys.exit(0 if good else 1)
