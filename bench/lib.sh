# Shared by the bench/ scripts (sourced, from the top of the tree): the build, a scratch folder
# that is removed whatever happens, waiting for a simulator, and where the figures go.
# Every benchmark exits 0 once it has printed its figures (a figure that misses its goal says so
# on its line); it exits 1, saying why, only when it could not measure at all.

# The programs a benchmark starts talk to the simulated module through umockdev's preload
# library, which yields after every emulated ioctl with usleep(0): a sleep as long as the
# thread's timer slack, 50 us by default, a cost no real usbfs has (several per USB transfer).
# 1 us here, inherited by every program the benchmark starts (tests/tap.sh does the same).
echo 1000 >"/proc/$$/timerslack_ns" 2>/dev/null || :

# bench_fail TEXT: stop, saying why.
bench_fail() {
        echo "bench: $*" >&2
        exit 1
}

# bench_build DIR: a release tree in DIR (set up afresh when an earlier setup did not finish),
# without the tests or man pages, built quietly; the compiler's error when it fails.
bench_build() {
        local b=$1 log
        log=$(mktemp /tmp/sf-bench-build.XXXXXX)
        local opts=(-Dbuildtype=release -Dtests=disabled -Dman=disabled)
        if ! { [ -f "$b/meson-private/coredata.dat" ] && [ -f "$b/build.ninja" ] &&
                meson setup --reconfigure "$b" "${opts[@]}" >"$log" 2>&1; }; then
                rm -rf "$b"
                meson setup "$b" "${opts[@]}" >"$log" 2>&1 ||
                        { tail -n 40 "$log" >&2; rm -f "$log"; bench_fail "failed: meson setup $b"; }
        fi
        ninja -C "$b" >"$log" 2>&1 ||
                { tail -n 40 "$log" >&2; rm -f "$log"; bench_fail "failed: ninja -C $b"; }
        rm -f "$log"
}

# bench_scratch: a scratch folder in $W, removed on exit, Ctrl-C or TERM, after bench_cleanup
# (which the script may define to stop what it started).
bench_cleanup() { :; }
bench_scratch() {
        W=$(mktemp -d "/tmp/sf-bench-$1.XXXXXX")
        trap 'set +e; bench_cleanup; rm -rf "$W"' EXIT
        trap 'echo "bench: interrupted" >&2; exit 130' INT
        trap 'exit 143' TERM
}

# bench_wait_ready PID FILE: wait (up to 60 s) until the simulator PID says "ready" in FILE.
bench_wait_ready() {
        local pid=$1 out=$2 i
        for i in $(seq 1 600); do
                grep -q ready "$out" 2>/dev/null && return 0
                if ! kill -0 "$pid" 2>/dev/null; then
                        cat "$out" >&2
                        bench_fail "safeflash-sim stopped before it was ready (its output above)"
                fi
                sleep 0.1
        done
        cat "$out" >&2
        bench_fail "safeflash-sim did not say 'ready' within 60 s (its output above)"
}
