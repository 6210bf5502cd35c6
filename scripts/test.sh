#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs missing Debian packages, builds with gcc under
# AddressSanitizer + UndefinedBehaviorSanitizer with warnings as errors and runs every test
# (unit, fuzz-corpus replays, end-to-end CLI, the demo on a bare machine), then builds with clang
# -Werror and runs its unit, fuzz-corpus, cli and install suites, builds the libFuzzer targets and
# runs each a few seconds on its corpus, and builds, installs, runs and removes the Debian packages.
# Build folders left by a setup that failed or was interrupted are set up again.
# Ends with the line "N passed, N failed, N skipped" (test cases of the sanitizer run).
set -u
cd "$(dirname "$0")/.."
bash scripts/deps.sh test ||
        { echo "test: the Debian packages the tests need are not all installed (above)" >&2; exit 1; }

export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1:strict_string_checks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0

# setup DIR TARGET [meson options...]: configure (again) and build TARGET ('' for everything).
# A folder meson cannot reconfigure (a setup that failed or was interrupted) is set up afresh.
setup() {
        local dir=$1 target=$2
        shift 2
        if ! { [ -f "$dir/meson-private/coredata.dat" ] && [ -f "$dir/build.ninja" ] &&
                meson setup --reconfigure "$dir" "$@" >"$dir.setup.log" 2>&1; }; then
                [ -e "$dir" ] && echo "$dir/ cannot be reconfigured (a setup that did not finish?): setting it up afresh"
                rm -rf "$dir"
                meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; return 1; }
        fi
        ninja -C "$dir" $target || return 1
}

echo "== gcc, -Werror, ASan + UBSan"
if CC=gcc setup build-ci-asan '' -Dtests=enabled -Dwerror=true -Dbuildtype=debug -Db_sanitize=address,undefined \
        -Dc_args=-fno-sanitize-recover=all -Dman=enabled; then
        meson test -C build-ci-asan --print-errorlogs || status=1
        counts=$(python3 scripts/count-tests.py build-ci-asan/meson-logs/testlog.json)
else
        status=1
        counts="0 passed, 1 failed, 0 skipped"
fi

echo "== clang, -Werror"
if CC=clang setup build-ci-clang '' -Dtests=enabled -Dwerror=true -Dbuildtype=debugoptimized -Dman=enabled; then
        # Quiet when it passes; the failures themselves, not a second run, when it does not. The
        # suites that drive the simulator end to end (e2e, mender) and the bare-machine demo
        # (newcomer) ran above under ASan on the same code; here the unit, fuzz-corpus, cli and
        # install suites check what another compiler and -O2 make of it, in a few minutes
        # rather than a quarter of an hour.
        meson test -C build-ci-clang --print-errorlogs --suite unit --suite fuzz --suite cli \
                --suite install >build-ci-clang.test.log 2>&1 || {
                status=1
                grep -E "^ *[0-9]+/[0-9]+ .*(FAIL|ERROR|TIMEOUT)|^not ok" build-ci-clang.test.log
                tail -40 build-ci-clang.test.log
        }
        echo "clang build: $(python3 scripts/count-tests.py build-ci-clang/meson-logs/testlog.json)"
else
        echo "clang build failed"
        status=1
fi

echo "== libFuzzer targets (clang), a few seconds each on its corpus"
if CC=clang setup build-ci-fuzz fuzz -Dfuzzing=true -Dtests=disabled -Dman=disabled; then
        fuzz_status=0 ran=0
        for t in build-ci-fuzz/fuzz/fuzz_*; do
                [ -x "$t" ] && [ -f "$t" ] || continue
                name=$(basename "$t")
                new=$(mktemp -d /tmp/sf-fuzz.XXXXXX) # new inputs go here, not into fuzz/corpus
                ran=$((ran + 1))
                if ! "$t" "$new" "fuzz/corpus/$name" -max_total_time=3 -artifact_prefix=build-ci-fuzz/ \
                        >"build-ci-fuzz/$name.log" 2>&1; then
                        tail -30 "build-ci-fuzz/$name.log"
                        echo "$name: libFuzzer found a failure (above; the input is in build-ci-fuzz/)"
                        fuzz_status=1
                fi
                rm -rf "$new"
        done
        echo "fuzz: $ran targets ran, $([ $fuzz_status -eq 0 ] && echo "no failure" || echo "FAILURES above")"
        [ $ran -gt 0 ] && [ $fuzz_status -eq 0 ] || status=1
else
        echo "libFuzzer build failed"
        status=1
fi

echo "== Debian package"
bash scripts/deb-test.sh || status=1

echo "$counts"
exit $status
