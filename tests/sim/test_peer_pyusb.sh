#!/usr/bin/env bash
# A peer in the test suite: pyusb (Debian's python3-usb) over the real libusb reaches the
# simulated module in EDL given only the simulator's DIR/env, reads the boot ROM's HELLO with one
# 512-byte read, uploads the programmer with Sahara packets built from the reference and reads
# 10 MiB back in one <read> (a programmer streams it at the host's pace); and a
# serial program that flushes the EDL tty as it opens it still gets the HELLO.
# Prints TAP. Usage: test_peer_pyusb.sh SAFEFLASH SAFEFLASH_SIM
set -u
SF=$1
SIM=$2
. "$(dirname "$0")/lib.sh"

# The interpreter Debian's python3-usb belongs to.
PY=
for p in /usr/bin/python3 python3; do
        if "$p" -c 'import usb.core' 2>/dev/null; then
                PY=$p
                break
        fi
done
if [ -z "$PY" ]; then
        echo "1..0 # SKIP python3-usb is not installed (scripts/deps.sh test)"
        exit 0
fi

R06A19=EC25EFAR06A19M4G_20.201.20.201
mkpkg $R06A19
if ! start_sim --install EC25EFAR08A01M4G_01.001.01.001 || ! pid_is 9008; then
        printf '1..1\nnot ok 1 - (setup) the simulator starts in EDL\n'
        exit 1
fi
# Only DIR/env: no other variable of ours reaches the peer.
env -i PATH="$PATH" $(cat "$WORK/m/env") "$PY" "$(dirname "$0")/pyusb_peer.py" \
        "$WORK/lib/$R06A19/update/firehose/prog_nand_firehose_9x07.mbn"
r=$?
# A serial peer: the EDL tty of a module that has just come up.
stop_sim
r2=1
if start_sim --install EC25EFAR08A01M4G_01.001.01.001 && pid_is 9008; then
        "$PY" "$(dirname "$0")/tty_flush.py" "$WORK/m/dev/ttyUSB0"
        r2=$?
else
        echo "not ok 9 - (setup) the simulator starts in EDL again"
fi
echo "1..9"
[ $r -eq 0 ] && [ $r2 -eq 0 ]
