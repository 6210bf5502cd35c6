# What a module's firmware answers on its AT port to one command: at.py TTY COMMAND.
# A version read right after boot may be the transient "…00.000" reading: it asks again.
import os
import sys
import termios
import time

fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
attr = termios.tcgetattr(fd)
attr[3] &= ~(termios.ECHO | termios.ICANON)
termios.tcsetattr(fd, termios.TCSANOW, attr)


def ask(cmd):
    os.write(fd, cmd.encode() + b"\r")
    out, end = b"", time.time() + 2
    while time.time() < end and b"OK\r\n" not in out and b"ERROR" not in out:
        try:
            out += os.read(fd, 4096)
        except BlockingIOError:
            time.sleep(0.01)
    return out.decode(errors="replace")


for _ in range(4):
    answer = ask(sys.argv[2])
    if "00.000" not in answer:
        break
print(answer)
