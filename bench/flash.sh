#!/usr/bin/env bash
# Flashing benchmark against safeflash-sim with its realistic timing model (USB 2.0 high speed
# ~40 MB/s, NAND program ~4 MB/s, 2 ms per 256 KiB block erase). Prints:
#   - full-package flash time and the module's own limit (bytes written / NAND rate + erase
#     time), as a ratio;
#   - re-flash of the identical package versus the full flash;
#   - safeflash's peak RSS and CPU time per MB written, and the simulator's CPU time per MB
#     (the simulator presents the module through a umockdev testbed: its cost is the testbed's).
# Usage: bench/flash.sh [BUILD_DIR]   (builds a release tree in build-bench by default)
set -eu
cd "$(dirname "$0")/.."
bash scripts/deps.sh build >/dev/null
command -v /usr/bin/time >/dev/null || { apt-get install -y -qq time >/dev/null; }
B=${1:-build-bench}
[ -d "$B" ] || meson setup "$B" -Dbuildtype=release >/dev/null
ninja -C "$B" >/dev/null
SF=$B/cli/safeflash
SIM=$B/sim/safeflash-sim
W=$(mktemp -d /tmp/sf-bench.XXXXXX)
trap 'kill $SIMPID 2>/dev/null; wait $SIMPID 2>/dev/null; rm -rf "$W"' EXIT
V=EC25EFAR06A19M4G_20.201.20.201

mkdir -p "$W/pkgs"
"$SIM" mkpkg "$V" -o "$W/pkgs/$V" >/dev/null
"$SIM" run --dir "$W/m" --timing real --install EC25EFAR08A01M4G_01.001.01.001 >"$W/sim.out" 2>&1 &
SIMPID=$!
until grep -q ready "$W/sim.out" 2>/dev/null; do sleep 0.1; done

sim_cpu() { # the simulator's CPU time so far, in clock ticks
        awk '{print $14 + $15}' "/proc/$SIMPID/stat"
}

flash() { # LABEL ARGS...: run safeflash flash under /usr/bin/time; wall seconds to $W/LABEL.wall
        local label=$1
        shift
        local t0 t1
        local c0 c1
        c0=$(sim_cpu)
        t0=$(date +%s.%N)
        # shellcheck disable=SC2046
        env $(cat "$W/m/env") /usr/bin/time -f "%M %U %S" -o "$W/$label.time" \
                "$SF" flash --json "$@" >"$W/$label.json" 2>/dev/null
        t1=$(date +%s.%N)
        c1=$(sim_cpu)
        echo "$t0 $t1" >"$W/$label.wall"
        echo "$c0 $c1 $(getconf CLK_TCK)" >"$W/$label.simcpu"
}

flash full "$W/pkgs/$V" --no-reset
flash again "$W/pkgs/$V" --no-reset

# Peak memory with large images: 100 MB and 1 GB root file systems on a 2 GiB module, flashed
# without the timing model (memory does not depend on it).
kill $SIMPID 2>/dev/null; wait $SIMPID 2>/dev/null || true
for size in 100 1000; do
        "$SIM" mkpkg "$V" -o "$W/big$size/$V" --flash-mb 2048 --scale $((size * 100 / 30)) >/dev/null
        rm -rf "$W/m"
        "$SIM" run --dir "$W/m" --flash-mb 2048 --timing none --small-images \
                --install EC25EFAR08A01M4G_01.001.01.001 >"$W/sim.out" 2>&1 &
        SIMPID=$!
        until grep -q ready "$W/sim.out" 2>/dev/null; do sleep 0.1; done
        flash big$size "$W/big$size/$V" --no-reset
        kill $SIMPID 2>/dev/null; wait $SIMPID 2>/dev/null || true
done

python3 - "$W" <<'PY'
import json, sys, os
w = sys.argv[1]
def load(l):
    j = json.load(open(f"{w}/{l}.json"))
    rss, user, sys_ = open(f"{w}/{l}.time").read().split()
    t0, t1 = map(float, open(f"{w}/{l}.wall").read().split())
    return j, t1 - t0, int(rss), float(user) + float(sys_)
full, t_full, rss, cpu = load("full")
again, t_again, rss2, cpu2 = load("again")
written = full["bytes_written"]
# The module's limit: every byte programmed at the NAND rate, plus the block erases of the
# partitions written (the erase lines cover whole partitions).
import xml.etree.ElementTree as ET, glob
rp = glob.glob(f"{w}/pkgs/*/update/firehose/rawprogram_nand_p4K_b256K_update.xml")[0]
erase_blocks = sum(int(e.get("num_partition_sectors")) // 64 for e in ET.parse(rp).getroot().iter("erase"))
limit = written / 4e6 + erase_blocks * 0.002
mb = written / 1e6
print(f"package:            {mb:.1f} MB written in {full['partitions_written']} partitions")
print(f"full flash:         {t_full:.2f} s   module limit {limit:.2f} s   ratio {t_full/limit:.3f}")
print(f"identical re-flash: {t_again:.2f} s   ({again['partitions_skipped']} partitions skipped)   "
      f"full/re-flash {t_full/t_again:.1f}x")
print(f"peak RSS:           {rss/1024:.1f} MiB (full flash), {rss2/1024:.1f} MiB (re-flash)")
print(f"CPU time:           {cpu:.2f} s, {1000*cpu/mb:.1f} ms per MB written")
c0, c1, tck = map(int, open(f"{w}/full.simcpu").read().split())
scpu = (c1 - c0) / tck
print(f"simulator CPU time: {scpu:.2f} s, {1000*scpu/mb:.1f} ms per MB written (full flash, --timing real)")
for size in (100, 1000):
    big, t, r, c = load(f"big{size}")
    largest = max(os.path.getsize(p) for p in glob.glob(f"{w}/big{size}/*/update/*.ubi"))
    print(f"peak RSS, {largest/1e6:6.0f} MB image: {r/1024:.1f} MiB   ({big['bytes_written']/1e6:.0f} MB written, "
          f"{1000*c/(big['bytes_written']/1e6):.1f} ms CPU per MB)")
PY
