#!/usr/bin/env bash
# The README's main command as a newcomer meets it: `bash scripts/demo.sh` in a fresh clone, on a
# machine without the test-only packages. cmocka (headers, libraries, .pc and CMake files) is
# hidden in a private mount namespace (unshare -m, /dev/null bound over each of its files), so
# meson cannot find it. There, a setup that needs cmocka fails first and leaves a half-made
# build-demo/ behind (what an older demo did); then the demo must pass twice in a row, and a
# build that breaks must print the compiler's own error and what to do.
# The clone is of this checkout's HEAD, with its uncommitted changes and new files laid over it:
# what you have, without your build folders.
# Usage: test_demo_bare.sh SOURCE_ROOT   (TAP; skips only where unshare -m is not permitted)
set -u
SRC=$1
. "$SRC/tests/tap.sh"
WORK=$(mktemp -d /tmp/sf-newcomer.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# A checkout owned by another user (CI's, run here as root) is still ours to read. Through a
# global config of our own: git clears command-line config (-c, GIT_CONFIG_COUNT) for the
# upload-pack of a local clone.
printf '[safe]\n\tdirectory = *\n' >"$WORK/gitconfig"
export GIT_CONFIG_GLOBAL=$WORK/gitconfig

skip_all() {
        echo "1..0 # SKIP $1"
        exit 0
}
tap_diagnose() {
        [ -f "$WORK/out" ] && sed 's/^/#   /' "$WORK/out" | tail -25
}

unshare -m true 2>/dev/null ||
        skip_all "no private mount namespace here (unshare -m is not permitted: it needs root or CAP_SYS_ADMIN)"
git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1 || skip_all "$SRC is not a git checkout: nothing to clone"

# cmocka's files, every one (what the package installs, found by dpkg or by name).
hide=()
if command -v dpkg >/dev/null; then
        mapfile -t hide < <(dpkg -L libcmocka-dev libcmocka0 2>/dev/null | while read -r f; do
                case $f in /usr/share/doc/*) continue ;; esac
                [ -f "$f" ] && ! [ -L "$f" ] && echo "$f"
        done)
fi
for f in /usr/include/cmocka*.h /usr/lib/*/libcmocka.so* /usr/lib/*/pkgconfig/cmocka.pc \
        /usr/lib/*/cmake/cmocka/*.cmake; do
        [ -f "$f" ] && ! [ -L "$f" ] && hide+=("$f")
done
mapfile -t hide < <(printf '%s\n' "${hide[@]}" | sort -u)

# bare COMMAND...: run in the clone, in a private mount namespace where cmocka is hidden.
bare() {
        (cd "$WORK/clone" && unshare -m bash -c '
                for f in "${@:2:$1}"; do mount --bind /dev/null "$f" || exit 125; done
                shift $(($1 + 1)) && exec "$@"' bash "${#hide[@]}" "${hide[@]}" "$@")
}

# The clone: HEAD, then the working tree's changes to tracked files and its new, not ignored files.
git clone --quiet "$SRC" "$WORK/clone" >"$WORK/out" 2>&1
ok $? "git clone of the checkout"
{
        git -C "$SRC" diff HEAD --binary | git -C "$WORK/clone" apply --allow-empty - &&
                git -C "$SRC" ls-files -z --others --exclude-standard |
                (cd "$SRC" && xargs -0r cp --parents -t "$WORK/clone")
} >"$WORK/out" 2>&1
ok $? "the checkout's uncommitted changes laid over the clone"

bare sh -c '! pkg-config --exists cmocka && ! [ -s /usr/include/cmocka.h ]' >"$WORK/out" 2>&1
ok $? "cmocka is hidden in the namespace (${#hide[@]} files: pkg-config and its header see nothing)"

# What a failed setup leaves behind: meson could not find cmocka, build-demo/ is half made.
bare meson setup build-demo -Dtests=enabled >"$WORK/out" 2>&1
st=$?
[ $st -ne 0 ] && [ -d "$WORK/clone/build-demo" ] && grep -qi cmocka "$WORK/out"
ok $? "meson setup -Dtests=enabled fails for want of cmocka and leaves build-demo/ (exit $st)"

# The demo, twice in a row. The first run builds from scratch: minutes on a loaded machine.
for run in first second; do
        bare bash scripts/demo.sh >"$WORK/out" 2>&1
        st=$?
        cp "$WORK/out" "$WORK/out.$run"
        [ $st -eq 0 ] && grep -q "demo: every decision as expected" "$WORK/out"
        ok $? "bash scripts/demo.sh passes, $run run (exit $st)"
done
grep -q "build-demo/ cannot be reconfigured" "$WORK/out.first" &&
        ! grep -q "cannot be reconfigured" "$WORK/out.second"
ok $? "the first run set the half-made build-demo/ up afresh, the second reused its build"

# A build that breaks says what broke: the compiler's own error, the command, and what to do.
echo '#error newcomer-test: a broken build' >>"$WORK/clone/cli/main.c"
bare bash scripts/demo.sh >"$WORK/out" 2>&1
st=$?
[ $st -ne 0 ] && grep -q "newcomer-test: a broken build" "$WORK/out" &&
        grep -q "demo: failed: ninja -C build-demo" "$WORK/out" && grep -q "run scripts/deps.sh build" "$WORK/out"
ok $? "a broken build prints the compiler's error, the failing command and what to do (exit $st)"
finish
