#!/usr/bin/env bash
# The main job: the user story of an EC25-E that a flasher "downgraded" across baselines, on a
# simulated module. Builds safeflash and safeflash-sim (installing missing Debian packages),
# then: identify, refuse R08 with its explanation, install R06A19 with a verified backup, brick
# it with a forced R08, diagnose it, recover it with its IMEI, and show its history. Exits
# non-zero if any step does not end as expected. A step that fails (a package install, the build,
# the simulator's start) prints its own error and what to do; a build-demo/ left behind by a run
# that failed or was interrupted is set up again, so running it again always works.
set -u
cd "$(dirname "$0")/.."
B=build-demo

# say TEXT: a line of the demo's own, on stderr.
say() { echo "demo: $*" >&2; }

# must LOG ADVICE COMMAND...: run COMMAND with its output in LOG; when it fails, print the end of
# that output (the command's own error), the command, and what to do, and stop.
must() {
        local log=$1 advice=$2
        shift 2
        "$@" >"$log" 2>&1 && return 0
        tail -n 40 "$log" >&2
        say "failed: $*"
        say "$advice"
        exit 1
}

bash scripts/deps.sh build ||
        { say "the Debian packages the demo needs are not all installed (above)"; exit 1; }

# Build. The demo needs neither the tests (cmocka) nor the man pages. A folder left by a setup that
# failed or was interrupted is not a build tree meson can reconfigure: it is set up afresh.
L=$(mktemp /tmp/safeflash-demo-build.XXXXXX)
trap 'rm -f "$L"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
options=(-Dbuildtype=release -Dtests=disabled -Dman=disabled)
if ! { [ -f $B/meson-private/coredata.dat ] && [ -f $B/build.ninja ] &&
        meson setup --reconfigure $B "${options[@]}" >"$L" 2>&1; }; then
        [ -e $B ] && say "$B/ cannot be reconfigured (left by a setup that did not finish?): setting it up afresh"
        rm -rf $B
        must "$L" "meson's error is above; scripts/deps.sh build installs what the build needs" \
                meson setup $B "${options[@]}"
fi
say "building safeflash and safeflash-sim in $B/ (a few minutes the first time)"
must "$L" "the compiler's error is above; when a header or library is missing, run scripts/deps.sh build as root" \
        ninja -C $B

SF=$B/cli/safeflash
SIM=$B/sim/safeflash-sim
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
SIMPID=
trap '[ -n "$SIMPID" ] && { kill $SIMPID; wait $SIMPID; } 2>/dev/null; rm -rf "$W" "$L"' EXIT
mkdir -p "$W/library"
for v in $INSTALLED $GOOD $FORBIDDEN; do
        must "$W/mkpkg.out" "safeflash-sim could not write its packages into $W (is /tmp full?)" \
                "$SIM" mkpkg "$v" -o "$W/library/$v" --small
done
"$SIM" run --dir "$W/module" --small-images --timing none >"$W/sim.out" 2>&1 &
SIMPID=$!
for _ in $(seq 1 200); do
        grep -q ready "$W/sim.out" && break
        kill -0 $SIMPID 2>/dev/null || break
        sleep 0.05
done
if ! grep -q ready "$W/sim.out"; then
        cat "$W/sim.out" >&2
        kill -0 $SIMPID 2>/dev/null && say "safeflash-sim did not say 'ready' within 10 s" ||
                say "safeflash-sim stopped before it was ready"
        say "failed: $SIM run --dir $W/module --small-images --timing none"
        say "its output is above; run that command by hand to see more, or rebuild with: rm -rf $B; bash scripts/demo.sh"
        exit 1
fi

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
