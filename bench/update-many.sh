#!/usr/bin/env bash
# Production-line benchmark: the safe update (identify, policy, DIAG switch, EFS2 backup, flash,
# verify, reset, boot, AT confirmation) of one module, then of N modules at once (default 8) with
# 'safeflash update --all', each a safeflash-sim on the same simulated bus with its realistic
# timing (USB 2.0 ~40 MB/s, NAND program ~4 MB/s, block erases). Prints both times and their ratio.
# Usage: bench/update-many.sh [N] [BUILD_DIR]   (builds a release tree in build-bench by default)
set -eu
cd "$(dirname "$0")/.."
N=${1:-8}
B=${2:-build-bench}
bash scripts/deps.sh build >/dev/null
[ -d "$B" ] || meson setup "$B" -Dbuildtype=release >/dev/null
ninja -C "$B" >/dev/null
SF=$PWD/$B/cli/safeflash
SIM=$PWD/$B/sim/safeflash-sim
W=$(mktemp -d /tmp/sf-bench-many.XXXXXX)
PIDS=()
stop_all() {
        for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
        for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
        PIDS=()
        rm -rf "$W/bus" "$W"/module-*
}
trap 'stop_all; rm -rf "$W"' EXIT
V=EC25EFAR06A19M4G_20.201.20.201
"$SIM" mkpkg "$V" -o "$W/$V" >/dev/null
export SAFEFLASH_DATADIR=$PWD/data

# start K: K modules on ports 1..K, each on its factory firmware, running.
start() {
        for p in $(seq 1 "$1"); do
                "$SIM" run --dir "$W/module-$p" --bus "$W/bus" --port "$p" --timing real >"$W/sim$p.out" 2>&1 &
                PIDS+=($!)
        done
        for p in $(seq 1 "$1"); do
                until grep -q ready "$W/sim$p.out" 2>/dev/null; do sleep 0.1; done
                until [ "$(cat "$W/bus/sys/bus/usb/devices/1-$p/idProduct" 2>/dev/null)" = 0125 ]; do
                        sleep 0.1
                done
        done
}

# run LABEL K ARGS...: time one update command over K fresh modules.
run() {
        local label=$1 k=$2 t0 t1
        shift 2
        start "$k"
        t0=$(date +%s.%N)
        # shellcheck disable=SC2046
        env $(cat "$W/bus/env") XDG_STATE_HOME="$W/state-$label" "$SF" update "$W/$V" "$@" --json \
                >"$W/$label.json" 2>/dev/null || true
        t1=$(date +%s.%N)
        echo "$t0 $t1" >"$W/$label.wall"
        stop_all
}

run one 1 -d 1-1
run many "$N" --all

python3 - "$W" "$N" <<'PY'
import json, sys
w, n = sys.argv[1], int(sys.argv[2])
def wall(l):
    t0, t1 = map(float, open(f"{w}/{l}.wall").read().split())
    return t1 - t0
one = json.load(open(f"{w}/one.json"))
many = json.load(open(f"{w}/many.json"))
ok = sum(1 for m in many["modules"] if m["result"] == "success")
assert one["result"] == "success", one
mb = one["bytes_written"] / 1e6
t1, tn = wall("one"), wall("many")
print(f"one module:        {t1:.2f} s   ({mb:.1f} MB written, result {one['result']})")
print(f"{n} modules at once: {tn:.2f} s   ({ok} of {n} succeeded)")
print(f"ratio:             {tn/t1:.3f}  ({n} at once / one)")
sys.exit(0 if ok == n else 1)
PY
