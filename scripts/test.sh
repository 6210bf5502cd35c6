#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs missing Debian packages, builds with gcc under
# AddressSanitizer + UndefinedBehaviorSanitizer with warnings as errors and runs every test
# (unit, fuzz-corpus replays, end-to-end CLI), then builds and tests with clang -Werror too,
# and builds, installs, runs and removes the Debian packages.
# Ends with the line "N passed, N failed, N skipped" (test cases of the sanitizer run).
set -u
cd "$(dirname "$0")/.."
bash scripts/deps.sh test || exit 1

export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1:strict_string_checks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0

# setup DIR [meson options...]: configure (again) and build.
setup() {
        local dir=$1
        shift
        if [ -d "$dir" ]; then
                meson setup --reconfigure "$dir" "$@" >"$dir.setup.log" 2>&1
        else
                meson setup "$dir" "$@" >"$dir.setup.log" 2>&1
        fi || { cat "$dir.setup.log"; return 1; }
        ninja -C "$dir" || return 1
}

echo "== gcc, -Werror, ASan + UBSan"
if CC=gcc setup build-ci-asan -Dwerror=true -Dbuildtype=debug -Db_sanitize=address,undefined \
        -Dc_args=-fno-sanitize-recover=all -Dman=enabled; then
        meson test -C build-ci-asan --print-errorlogs || status=1
        counts=$(python3 scripts/count-tests.py build-ci-asan/meson-logs/testlog.json)
else
        status=1
        counts="0 passed, 1 failed, 0 skipped"
fi

echo "== clang, -Werror"
if CC=clang setup build-ci-clang -Dwerror=true -Dbuildtype=debugoptimized -Dman=enabled; then
        # Quiet when it passes; the failures themselves, not a second run, when it does not.
        meson test -C build-ci-clang --print-errorlogs >build-ci-clang.test.log 2>&1 || {
                status=1
                grep -E "^ *[0-9]+/[0-9]+ .*(FAIL|ERROR|TIMEOUT)|^not ok" build-ci-clang.test.log
                tail -40 build-ci-clang.test.log
        }
        echo "clang build: $(python3 scripts/count-tests.py build-ci-clang/meson-logs/testlog.json)"
else
        echo "clang build failed"
        status=1
fi

echo "== Debian package"
bash scripts/deb-test.sh || status=1

echo "$counts"
exit $status
