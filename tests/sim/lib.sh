# Shared by the end-to-end scripts: TAP counting, one simulated module under $WORK/m, and the
# real safeflash pointed at it the way it is pointed at a real module: the simulator's umockdev
# testbed, through $WORK/m/env (UMOCKDEV_DIR and umockdev's preload). Expects SF, SIM.
WORK=$(mktemp -d /tmp/sf-e2e.XXXXXX)
SIMPID=
# The locks of this test's modules (one safeflash per module) are this test's alone.
export XDG_RUNTIME_DIR=$WORK/run
mkdir -m 700 "$XDG_RUNTIME_DIR"
# A sanitized safeflash with umockdev's (unsanitized) preload: ASan must not insist on going first.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

# tb PROGRAM ARGS...: run PROGRAM against the simulated bus ($TB_ENV, default $WORK/m/env), as
# any program is: env $(cat DIR/env) PROGRAM.
tb() {
        # shellcheck disable=SC2046
        env $(cat "${TB_ENV:-$WORK/m/env}") "$@"
}

# A bus with nothing on it: an empty testbed.
tb_empty() {
        mkdir -p "$WORK/empty/sys/bus" "$WORK/empty/sys/class" "$WORK/empty/dev"
        UMOCKDEV_DIR="$WORK/empty" LD_PRELOAD=libumockdev-preload.so.0 "$@"
}

cleanup() {
        stop_sim
        rm -rf "$WORK"
}
trap cleanup EXIT

. "$(dirname "$0")/../tap.sh"

tap_diagnose() {
        [ -f "$WORK/out" ] && sed 's/^/#   /' "$WORK/out" | tail -15
        [ -f "$WORK/sim.log" ] && grep -a '^boot' "$WORK/sim.log" | sed 's/^/#   sim /' | tail -3
}

# start_sim [run options]: its log covers this run only
start_sim() {
        : >"$WORK/sim.log"
        "$SIM" run --dir "$WORK/m" --small-images --timing none --log "$WORK/sim.log" "$@" >"$WORK/sim.out" 2>&1 &
        SIMPID=$!
        # Up to 60 s: a sanitized simulator on a loaded 2-core machine took over 5 s to be ready
        # (and once, in CI, over 30 s: its own words then say why).
        for _ in $(seq 1 1200); do
                grep -q ready "$WORK/sim.out" 2>/dev/null && return 0
                kill -0 "$SIMPID" 2>/dev/null || break
                sleep 0.05
        done
        echo "# the simulator is not ready; it said:" >&2
        sed 's/^/#   /' "$WORK/sim.out" >&2
        return 1
}

stop_sim() {
        if [ -n "$SIMPID" ]; then
                kill "$SIMPID" 2>/dev/null
                wait "$SIMPID" 2>/dev/null
                SIMPID=
        fi
}

# The module's USB product id once it has settled (it re-enumerates after a reset).
pid_is() {
        for _ in $(seq 1 100); do
                [ "$(cat "$WORK/m/sys/bus/usb/devices/1-1/idProduct" 2>/dev/null)" = "$1" ] && return 0
                sleep 0.05
        done
        return 1
}

# sf ARGS...: safeflash with the module's sysfs, /dev and USB, and a history under $WORK/state.
# Standard output alone is in $WORK/stdout (for json), both in $WORK/out.
sf() {
        tb \
                XDG_STATE_HOME="$WORK/state" "$SF" "$@" >"$WORK/stdout" 2>"$WORK/stderr"
        local r=$?
        cat "$WORK/stdout" "$WORK/stderr" >"$WORK/out"
        return $r
}

# field NAME: a top-level field of the JSON document in $WORK/stdout.
field() {
        python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))[sys.argv[2]]; print(v if v is not None else "")' \
                "$WORK/stdout" "$1"
}

# json EXPR: a Python expression on the JSON document safeflash printed (d) is true.
json() {
        python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' \
                "$WORK/stdout" "$1"
}

mkpkg() { # VERSION [DIR]: a small package named after its version
        local dir=${2:-$WORK/lib}
        mkdir -p "$dir"
        "$SIM" mkpkg "$1" -o "$dir/$1" --small >/dev/null
}

# Every partition copy in a backup folder is what its manifest says it is (and there is one).
backup_intact() {
        local f found=0
        for f in "$1"/*.bin; do
                [ -s "$f" ] && grep -q "\"file\": \"$(basename "$f")\".*\"sha256\": \"$(sha256sum "$f" | cut -d' ' -f1)\"" \
                        "$1/manifest.json" || return 1
                found=1
        done
        [ $found -eq 1 ]
}

# How many commands of a kind reached the module's programmer (in this run of the simulator).
count_cmd() {
        grep -a -c "<$1 " "$WORK/sim.log"
}

# What the running firmware answers on its AT port to one command.
at() {
        at_query "$1" >"$WORK/at.out" 2>&1
        cat "$WORK/at.out"
}

at_query() {
        python3 "$(dirname "${BASH_SOURCE[0]}")/at.py" "$WORK/m/dev/ttyUSB2" "$1"
}

# break_modem PACKAGE: a modem image that is whole as UBI but whose contents do not check out (the
# module's modem crashes on it): a byte of the modem volume's first LEB changed, its data CRC and
# VID header CRC made right again (include/uapi/mtd/ubi-media.h; UBI's CRC is zlib's, inverted),
# and md5.txt updated to match.
break_modem() {
        python3 - "$1/update/NON-HLOS.ubi" <<'PY' || return 1
import struct, sys, zlib
path = sys.argv[1]
b = bytearray(open(path, "rb").read())
peb, vid_off, data_off = 256 * 1024, 4096, 8192
for i in range(len(b) // peb):
    v = i * peb + vid_off
    if b[v:v + 4] == b"UBI!" and struct.unpack(">I", b[v + 8:v + 12])[0] == 0:
        d = i * peb + data_off
        b[d + 3000] ^= 0xFF
        size = struct.unpack(">I", b[v + 20:v + 24])[0]
        b[v + 32:v + 36] = struct.pack(">I", zlib.crc32(b[d:d + size]) ^ 0xFFFFFFFF)
        b[v + 60:v + 64] = struct.pack(">I", zlib.crc32(b[v:v + 60]) ^ 0xFFFFFFFF)
        break
else:
    sys.exit("no modem LEB")
open(path, "wb").write(b)
PY
        local sum
        sum=$(md5sum "$1/update/NON-HLOS.ubi" | cut -d' ' -f1)
        sed -i "s/^\(.*NON-HLOS.ubi\):.*$/\1:$sum/" "$1/md5.txt"
}
