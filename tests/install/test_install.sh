#!/usr/bin/env bash
# meson install into a staging root (DESTDIR), then use what was installed: every expected file
# is there, the installed safeflash runs on the installed library, its man page renders, and
# examples/update-module.c builds against the installed headers and library through the
# installed safeflash.pc, then updates a simulated EC25-E (the installed safeflash-sim and shim)
# from R06A17 to R06A19, and is refused R08A01. Prints TAP.
# Usage: test_install.sh BUILD_DIR SOURCE_DIR
# Environment (from meson): PREFIX BINDIR LIBDIR INCLUDEDIR DATADIR MANDIR COMPLETION_DIR
# UDEV_RULES_DIR (absolute or relative to PREFIX; empty when not installed), MAN_PAGES (yes/no),
# CC, SANITIZE (b_sanitize).
set -u
BUILD=$1
SRC=$2
WORK=$(mktemp -d /tmp/sf-install.XXXXXX)
SIMPID=
# A sanitized build installs sanitized programs; the shim preloaded into them is not sanitized.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

cleanup() {
        [ -n "$SIMPID" ] && kill "$SIMPID" 2>/dev/null && wait "$SIMPID" 2>/dev/null
        rm -rf "$WORK"
}
trap cleanup EXIT

. "$(dirname "$0")/../tap.sh"
tap_diagnose() {
        [ -f "$WORK/out" ] && sed 's/^/#   /' "$WORK/out" | tail -20
}

# in_prefix DIR: DIR as installed under the staging root (DIR absolute, or relative to PREFIX).
in_prefix() {
        case $1 in
        /*) echo "$ROOT$1" ;;
        *) echo "$ROOT$PREFIX/$1" ;;
        esac
}

ROOT=$WORK/root
meson install -C "$BUILD" --no-rebuild --quiet --destdir "$ROOT" >"$WORK/out" 2>&1
ok $? "meson install --destdir into a staging root"

BIN=$(in_prefix "$BINDIR")
LIB=$(in_prefix "$LIBDIR")
INC=$(in_prefix "$INCLUDEDIR")
SHARE=$(in_prefix "$DATADIR")
MAN=$(in_prefix "$MANDIR")
expected=("$BIN/safeflash" "$BIN/safeflash-sim" "$LIB/libsafeflash.so" "$INC/safeflash/update.h"
        "$INC/safeflash/flash.h" "$LIB/pkgconfig/safeflash.pc" "$SHARE/safeflash/rules/quectel.rules")
[ -n "$COMPLETION_DIR" ] && expected+=("$(in_prefix "$COMPLETION_DIR")/safeflash")
[ -n "$UDEV_RULES_DIR" ] && expected+=("$(in_prefix "$UDEV_RULES_DIR")/70-safeflash.rules")
if [ "$MAN_PAGES" = yes ]; then
        expected+=("$MAN/man5/safeflash.rules.5")
        for scd in "$SRC"/man/*.1.scd; do
                expected+=("$MAN/man1/$(basename "$scd" .scd)")
        done
fi
missing=
for f in "${expected[@]}"; do
        [ -s "$f" ] || missing="$missing ${f#"$ROOT"}"
done
ls "$LIB"/libsafeflash.so.* >/dev/null 2>&1 || missing="$missing libsafeflash.so.*"
echo "# missing:$missing" >"$WORK/out"
[ -z "$missing" ]
ok $? "installed: ${#expected[@]} files (programs, library, headers, safeflash.pc, rules, shim, man pages, completion, udev rules) and libsafeflash.so.*"

if [ -n "$COMPLETION_DIR" ] && [ -n "$UDEV_RULES_DIR" ]; then
        cmp -s "$SRC/completion/safeflash.bash" "$(in_prefix "$COMPLETION_DIR")/safeflash" &&
                cmp -s "$SRC/udev/70-safeflash.rules" "$(in_prefix "$UDEV_RULES_DIR")/70-safeflash.rules"
        ok $? "the completion and the udev rules are installed as written"
else
        echo "ok $((n += 1)) - the completion and the udev rules # SKIP not installed (-Dbash_completion, -Dudev)"
fi

export LD_LIBRARY_PATH=$LIB
"$BIN/safeflash" --version >"$WORK/out" 2>&1 && grep -qx "safeflash [0-9.]*" "$WORK/out" &&
        ldd "$BIN/safeflash" | grep -F "libsafeflash.so" | grep -qF "$LIB/"
ok $? "the installed safeflash --version runs on the installed libsafeflash"

SAFEFLASH_DATADIR=$SHARE/safeflash SAFEFLASH_SYSCONFDIR=$WORK/etc XDG_CONFIG_HOME=$WORK/config \
        "$BIN/safeflash" check --from EC25EFAR06A17M4G_20.200.20.200 \
        --to EC25EFAR08A01M4G_01.001.01.001 >"$WORK/out" 2>&1
[ $? -eq 3 ] && grep -q "quectel/ec25-r06-r08" "$WORK/out"
ok $? "the installed safeflash refuses R06 -> R08 by the installed rules database (exit 3)"

# The man page renders: with man-db's man when installed, else with groff (groff-base).
render() {
        if command -v man >/dev/null; then
                MANWIDTH=80 man -l "$1"
        else
                groff -man -Tutf8 "$1"
        fi
}
if [ "$MAN_PAGES" = yes ]; then
        render "$MAN/man1/safeflash.1" >"$WORK/out" 2>"$WORK/err" && [ ! -s "$WORK/err" ] &&
                grep -q "^SYNOPSIS" "$WORK/out" && grep -q "^EXIT STATUS" "$WORK/out" &&
                grep -q "SAFEFLASH_DATADIR" "$WORK/out" &&
                [ -z "$(groff -man -Tutf8 -ww -z "$MAN/man5/safeflash.rules.5" 2>&1)" ]
        ok $? "safeflash(1) renders ($(command -v man >/dev/null && echo 'man -l' || echo groff)), safeflash.rules(5) without groff warnings"
else
        echo "ok $((n += 1)) - the man pages render # SKIP not built (-Dman)"
fi

# The example, built against the installed library through its pkg-config file: the .pc says
# prefix=$PREFIX; the sysroot puts that under the staging root.
export PKG_CONFIG_PATH=$LIB/pkgconfig PKG_CONFIG_SYSROOT_DIR=$ROOT
flags=$(pkg-config --cflags --libs safeflash 2>"$WORK/out")
echo "# pkg-config: $flags" >>"$WORK/out"
[ -n "$flags" ] && grep -qF -- "-I$INC" <<<"$flags" && grep -qF -- "-L$LIB" <<<"$flags" &&
        grep -qF -- "-lsafeflash" <<<"$flags"
ok $? "pkg-config --cflags --libs safeflash points into the staging root"

san=
[ "${SANITIZE:-none}" != none ] && san=-fsanitize=$SANITIZE
# shellcheck disable=SC2086
${CC:-cc} -std=c11 -Wall -Wextra -Werror $san -o "$WORK/update-module" "$SRC/examples/update-module.c" \
        $flags >"$WORK/out" 2>&1 && ldd "$WORK/update-module" | grep -F "libsafeflash.so" | grep -qF "$LIB/"
ok $? "examples/update-module.c builds with \$(pkg-config --cflags --libs safeflash) and links the installed library"

"$WORK/update-module" >"$WORK/out" 2>&1
[ $? -eq 2 ] && grep -q "^Usage" "$WORK/out"
ok $? "update-module without a package: usage, exit 2"

# A simulated EC25-E (factory firmware R06A17) on the installed simulator, reached through its
# testbed (DIR/env).
SIM=$BIN/safeflash-sim
R06A19=EC25EFAR06A19M4G_20.201.20.201
R08A01=EC25EFAR08A01M4G_01.001.01.001
"$SIM" mkpkg $R06A19 -o "$WORK/lib/$R06A19" --small >/dev/null &&
        "$SIM" mkpkg $R08A01 -o "$WORK/lib/$R08A01" --small >/dev/null
ok $? "(setup) the installed safeflash-sim makes R06A19 and R08A01 packages"
"$SIM" run --dir "$WORK/m" --small-images --timing none --log "$WORK/sim.log" >"$WORK/sim.out" 2>&1 &
SIMPID=$!
for _ in $(seq 1 100); do
        grep -q ready "$WORK/sim.out" 2>/dev/null && break
        sleep 0.05
done
grep -q ready "$WORK/sim.out"
ok $? "(setup) the installed safeflash-sim runs an EC25-E"

module() { # the example, pointed at the simulated module
        # shellcheck disable=SC2046
        env $(cat "$WORK/m/env") XDG_STATE_HOME=$WORK/state \
                SAFEFLASH_DATADIR=$SHARE/safeflash SAFEFLASH_SYSCONFDIR=$WORK/etc \
                XDG_CONFIG_HOME=$WORK/config "$@" >"$WORK/out" 2>&1
}

module "$WORK/update-module" "$WORK/lib/$R08A01"
[ $? -eq 3 ] && grep -q "^verdict: needs-override" "$WORK/out" && grep -q "quectel/ec25-r06-r08" "$WORK/out" &&
        grep -q "^result: refused" "$WORK/out" && ! grep -q "^phase: program" "$WORK/out"
ok $? "update-module is refused R06A17 -> R08A01 (exit 3): the verdict callback names the rule, nothing is programmed"

module "$WORK/update-module" "$WORK/lib/$R06A19" 1-1
r=$?
[ $r -eq 0 ] && grep -q "^verdict: allowed" "$WORK/out" && grep -q "^phase: backup" "$WORK/out" &&
        grep -q "^phase: program" "$WORK/out" && grep -q "^phase: verify" "$WORK/out" &&
        grep -q "^progress: 100%" "$WORK/out" && grep -q "^info: " "$WORK/out" &&
        grep -q "^result: success" "$WORK/out" &&
        grep -q "^firmware: EC25EFAR06A17M4G_20.200.20.200 -> $R06A19" "$WORK/out" &&
        grep -q "^EFS2 backup: $WORK/state/safeflash/backups/" "$WORK/out"
ok $? "update-module updates the EC25-E R06A17 -> R06A19 (exit $r): phases, progress, log lines, backup, result"

module "$BIN/safeflash" info --json --log "$WORK/info.log" 2>/dev/null
sed -n '/^{/,/^}/p' "$WORK/out" >"$WORK/info.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if sys.argv[2] in json.dumps(d) else 1)' \
        "$WORK/info.json" "$R06A19"
ok $? "the installed safeflash asks the module: it runs $R06A19"

finish
