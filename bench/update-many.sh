#!/usr/bin/env bash
# Production-line benchmark: the safe update (identify, policy, DIAG switch, EFS2 backup, flash,
# verify, reset, boot, AT confirmation) of one module, then of N modules at once (default 8) with
# 'safeflash update --all', each a safeflash-sim on the same simulated bus with its realistic
# timing (USB 2.0 ~40 MB/s, NAND program ~4 MB/s, block erases). Prints both times and their ratio.
# Each figure with a goal says whether it meets it. Exits 0 once the figures are printed (also when
# one misses its goal, or a module's update failed: that is a figure too); 1, saying why, only
# when something could not be measured. The figures are also written to BUILD_DIR/bench-update-many.txt
# and .json; the scratch folder in /tmp is removed at the end, also on Ctrl-C.
# Usage: bench/update-many.sh [N] [BUILD_DIR]   (builds a release tree in build-bench by default)
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
N=${1:-8}
B=${2:-build-bench}
case $N in '' | *[!0-9]* | 0) echo "usage: bench/update-many.sh [N] [BUILD_DIR]   (N: 1 or more)" >&2; exit 2 ;; esac
bash scripts/deps.sh bench >/dev/null || bench_fail "the Debian packages it needs are missing (above)"
bench_build "$B"
SF=$PWD/$B/cli/safeflash
SIM=$PWD/$B/sim/safeflash-sim
PIDS=()
stop_all() {
        for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
        for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
        PIDS=()
        rm -rf "$W/bus" "$W"/module-*
}
bench_cleanup() { stop_all; }
bench_scratch many
V=EC25EFAR06A19M4G_20.201.20.201
"$SIM" mkpkg "$V" -o "$W/$V" >"$W/mkpkg.out" 2>&1 || { cat "$W/mkpkg.out" >&2; bench_fail "failed: safeflash-sim mkpkg"; }
export SAFEFLASH_DATADIR=$PWD/data

# start K: K modules on ports 1..K, each on its factory firmware, running.
start() {
        for p in $(seq 1 "$1"); do
                "$SIM" run --dir "$W/module-$p" --bus "$W/bus" --port "$p" --timing real >"$W/sim$p.out" 2>&1 &
                PIDS+=($!)
        done
        for p in $(seq 1 "$1"); do
                bench_wait_ready "${PIDS[$((p - 1))]}" "$W/sim$p.out"
                local i
                for i in $(seq 1 600); do
                        [ "$(cat "$W/bus/sys/bus/usb/devices/1-$p/idProduct" 2>/dev/null)" = 0125 ] && break
                        sleep 0.1
                done
                [ "$(cat "$W/bus/sys/bus/usb/devices/1-$p/idProduct" 2>/dev/null)" = 0125 ] ||
                        bench_fail "module $p did not boot into its firmware (05c6:0125) within 60 s"
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
                >"$W/$label.json" 2>"$W/$label.err" || true
        t1=$(date +%s.%N)
        echo "$t0 $t1" >"$W/$label.wall"
        stop_all
}

run one 1 -d 1-1
run many "$N" --all

python3 - "$W" "$N" "$(cd "$B" && pwd)/bench-update-many" <<'PY'
import json, sys
w, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
# The goals: every module updated; N at once in at most 1.5x the time of one (each module
# programs its own NAND, only the USB bus is shared).
GOAL_RATIO = 1.5
lines = []
def say(text, ok=None, goal=None):
    if ok is not None:
        text += f"   [goal {goal}: {'met' if ok else 'MISSED'}]"
    lines.append(text)
    print(text)
def wall(l):
    t0, t1 = map(float, open(f"{w}/{l}.wall").read().split())
    return t1 - t0
def result(l):
    try:
        return json.load(open(f"{w}/{l}.json"))
    except (OSError, ValueError) as e:
        err = open(f"{w}/{l}.err", errors="replace").read()[-3000:]
        sys.exit(f"{err}bench: no result from safeflash update ({l}, its output above): {e}")
one, many = result("one"), result("many")
ok = sum(1 for m in many["modules"] if m["result"] == "success")
mb = one.get("bytes_written", 0) / 1e6
t1, tn = wall("one"), wall("many")
say(f"one module:        {t1:.2f} s   ({mb:.1f} MB written, result {one['result']})",
    one["result"] == "success", "success")
say(f"{n} modules at once: {tn:.2f} s   ({ok} of {n} succeeded)", ok == n, f"{n} of {n}")
say(f"ratio:             {tn/t1:.3f}  ({n} at once / one)", tn / t1 <= GOAL_RATIO, f"<= {GOAL_RATIO}")
open(out + ".txt", "w").write("\n".join(lines) + "\n")
json.dump({"one_s": round(t1, 2), "one_result": one["result"], "mb": round(mb, 1), "n": n,
           "many_s": round(tn, 2), "succeeded": ok, "ratio": round(tn / t1, 3)},
          open(out + ".json", "w"), indent=1)
print(f"figures written to {out}.txt and {out}.json")
PY
