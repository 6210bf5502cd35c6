#!/usr/bin/env bash
# The main job: the user story of an EC25-E that a flasher "downgraded" across baselines, on a
# simulated module. Builds safeflash and safeflash-sim (installing missing Debian packages),
# then: identify, refuse R08 with its explanation, install R06A19 with a verified backup, brick
# it with a forced R08, diagnose it, recover it with its IMEI, and show its history. Exits
# non-zero if any step does not end as expected.
set -u
cd "$(dirname "$0")/.."
bash scripts/deps.sh build || exit 1
if [ -d build-demo ]; then
        meson setup --reconfigure build-demo >/dev/null
else
        meson setup build-demo -Dbuildtype=release >/dev/null
fi || exit 1
ninja -C build-demo >/dev/null || exit 1

SF=build-demo/cli/safeflash
SIM=build-demo/sim/safeflash-sim
export SAFEFLASH_DATADIR=$PWD/data
INSTALLED=EC25EFAR06A17M4G_20.200.20.200
FORBIDDEN=EC25EFAR08A01M4G_01.001.01.001
GOOD=EC25EFAR06A19M4G_20.201.20.201
OLDER=EC25EFAR06A12M4G_20.200.20.200
failures=0

# A simulated EC25-E on its factory firmware, reached the way a real module is: sysfs, ttys and
# usbfs, in the simulator's umockdev testbed (module/env). Its history and backups live in a
# folder of their own.
W=$(mktemp -d /tmp/safeflash-demo.XXXXXX)
export XDG_STATE_HOME=$W/state
trap 'kill $SIMPID 2>/dev/null; wait $SIMPID 2>/dev/null; rm -rf "$W"' EXIT
mkdir -p "$W/library"
for v in $INSTALLED $GOOD $FORBIDDEN; do
        "$SIM" mkpkg "$v" -o "$W/library/$v" --small >/dev/null || exit 1
done
"$SIM" run --dir "$W/module" --small-images --timing none >"$W/sim.out" 2>&1 &
SIMPID=$!
for _ in $(seq 1 100); do grep -q ready "$W/sim.out" && break; sleep 0.05; done

# step TITLE EXPECTED_EXIT COMMAND...: show the command and its output, check its exit status.
step() {
        local title=$1 want=$2
        shift 2
        printf '\n### %s\n$ safeflash %s\n' "$title" "$*"
        # shellcheck disable=SC2046
        env $(cat "$W/module/env") "$SF" "$@" 2>&1 | sed "s#$W/#…/#g"
        local got=${PIPESTATUS[0]}
        if [ "$got" -eq "$want" ]; then
                printf '(exit %d, as expected)\n' "$got"
        else
                printf '!!! exit %d, expected %d\n' "$got" "$want"
                failures=$((failures + 1))
        fi
}

cat <<TEXT
An EC25-E runs $INSTALLED. In real life someone flashed $FORBIDDEN onto it,
and the module never left emergency download mode (05c6:9008) again. Here it is simulated
(safeflash-sim), and safeflash reaches it exactly as it reaches a real one.
TEXT
step "Which modules are there?" 0 list
step "Who is it? (asked over AT)" 0 info
step "What the package is" 0 decode "$FORBIDDEN"
step "May the R08 package go on? (the flash that bricked the module)" 3 \
        update "$W/library/$FORBIDDEN"
step "A release of the module's own line: backed up, flashed, booted, confirmed on AT" 0 \
        update "$W/library/$GOOD"
step "An older release of the same line, without the vendor's word" 3 check --from "$GOOD" --to "$OLDER"
step "Forcing the forbidden package anyway (what the other flasher did)" 1 \
        update "$W/library/$FORBIDDEN" --force --yes
step "What state is it in now, and why?" 0 doctor
step "Bring it back: the firmware it last ran well, from a library of packages" 0 \
        recover --library "$W/library"
step "And now?" 0 doctor
step "What firmware did this module have, and when?" 0 history 866758043398334

echo
if [ "$failures" -eq 0 ]; then
        echo "demo: every decision as expected"
else
        echo "demo: $failures decision(s) not as expected"
        exit 1
fi
