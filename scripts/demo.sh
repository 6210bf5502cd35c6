#!/usr/bin/env bash
# The main job: the user story of an EC25-E that a flasher "downgraded" across baselines.
# Builds safeflash (installing missing Debian packages) and shows what it decides, before any
# byte would be written. Exits non-zero if a decision is not the expected one.
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
export SAFEFLASH_DATADIR=$PWD/data
INSTALLED=EC25EFAR06A17M4G_20.200.20.200
FORBIDDEN=EC25EFAR08A01M4G_01.001.01.001
GOOD=EC25EFAR06A19M4G_20.201.20.201
OLDER=EC25EFAR06A12M4G_20.200.20.200
failures=0

# step TITLE EXPECTED_EXIT COMMAND...: show the command and its output, check its exit status.
step() {
        local title=$1 want=$2
        shift 2
        printf '\n### %s\n$ safeflash %s\n' "$title" "$*"
        "$SF" "$@"
        local got=$?
        if [ "$got" -eq "$want" ]; then
                printf '(exit %d, as expected)\n' "$got"
        else
                printf '!!! exit %d, expected %d\n' "$got" "$want"
                failures=$((failures + 1))
        fi
}

cat <<TEXT
An EC25-E runs $INSTALLED. Someone is about to flash $FORBIDDEN onto it,
which in real life left the module in emergency download mode (05c6:9008) for good.
TEXT
step "What the module runs" 0 decode "$INSTALLED"
step "What the package is" 0 decode "$FORBIDDEN"
step "May it go on? (the flash that bricked the module)" 3 check --from "$INSTALLED" --to "$FORBIDDEN"
step "And back the other way?" 3 check --from "$FORBIDDEN" --to "$INSTALLED"
step "A release of the module's own line" 0 check --from "$INSTALLED" --to "$GOOD"
step "A package folder of that release" 0 check --from "$INSTALLED" --to tests/data/packages/$GOOD
step "An older release of the same line" 3 check --from "$INSTALLED" --to "$OLDER"
step "The same, when the vendor asked for it" 0 check --from "$INSTALLED" --to "$OLDER" --allow-older
step "For programs: the verdict as JSON" 3 check --json --from "$INSTALLED" --to "$FORBIDDEN"

echo
if [ "$failures" -eq 0 ]; then
        echo "demo: every decision as expected"
else
        echo "demo: $failures decision(s) not as expected"
        exit 1
fi
