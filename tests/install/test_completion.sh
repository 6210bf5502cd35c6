#!/usr/bin/env bash
# The bash completion, sourced into bash as bash-completion would, completing command lines of
# the real safeflash: commands, options, option values (modules, files), package folders and
# zips, backup folders. Prints TAP.
# Usage: test_completion.sh SAFEFLASH COMPLETION_FILE SOURCE_DIR
set -u
SF=$1
COMPLETION=$2
SRC=$3
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

. "$(dirname "$0")/../tap.sh"
tap_diagnose() {
        echo "#   COMPREPLY: ${COMPREPLY[*]}"
}

# The program is completed by name, as a person types it.
mkdir -p "$WORK/bin"
ln -s "$(realpath "$SF")" "$WORK/bin/safeflash"
export PATH=$WORK/bin:$PATH
# shellcheck source=/dev/null
. "$COMPLETION"

# complete_line "safeflash update --al": COMPREPLY for the last word (empty after a space).
complete_line() {
        read -r -a COMP_WORDS <<<"$1"
        [[ $1 == *' ' ]] && COMP_WORDS+=("")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE=$1
        COMP_POINT=${#1}
        COMPREPLY=()
        _safeflash
}

# has WORD...: every WORD is in COMPREPLY. lacks WORD...: none is.
has() {
        local w
        for w in "$@"; do
                printf '%s\n' "${COMPREPLY[@]}" | grep -qxF -- "$w" || return 1
        done
}
lacks() {
        local w
        for w in "$@"; do
                printf '%s\n' "${COMPREPLY[@]}" | grep -qxF -- "$w" && return 1
        done
        return 0
}

[ "$(complete -p safeflash)" = "complete -F _safeflash safeflash" ]
ok $? "sourcing the file registers _safeflash for safeflash"

complete_line "safeflash "
commands=$("$SF" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
# shellcheck disable=SC2086
has $commands --help --version && [ ${#COMPREPLY[@]} -eq $(($(echo $commands | wc -w) + 2)) ]
ok $? "'safeflash <TAB>': every command of 'safeflash --help', and --help, --version"

complete_line "safeflash re"
has recover restore && [ ${#COMPREPLY[@]} -eq 2 ]
ok $? "'safeflash re<TAB>': recover, restore"

complete_line "safeflash update --al"
has --all --allow-older --allow-branch-switch --allow-reinstall && [ ${#COMPREPLY[@]} -eq 4 ]
ok $? "'safeflash update --al<TAB>': the four --al* options of update"

complete_line "safeflash update --"
has --device --all --force --yes --rules --json --verbose --log --help && lacks --library --package --from
ok $? "'safeflash update --<TAB>': update's options and the global ones, no other command's"

complete_line "safeflash decode --"
has --json --verbose --log --help && [ ${#COMPREPLY[@]} -eq 4 ]
ok $? "'safeflash decode --<TAB>': only the global options"

# Packages: folders and zips, not other files.
mkdir -p "$WORK/pkgs/EC25EFAR06A19M4G_20.201.20.201" "$WORK/pkgs/EC25EFAR06A20M4G_20.201.20.201"
: >"$WORK/pkgs/EC25EFAR06A21M4G_20.201.20.201.zip"
: >"$WORK/pkgs/EC25-notes.txt"
cd "$WORK/pkgs" || exit 1
complete_line "safeflash update EC25"
has EC25EFAR06A19M4G_20.201.20.201 EC25EFAR06A20M4G_20.201.20.201 \
        EC25EFAR06A21M4G_20.201.20.201.zip && lacks EC25-notes.txt
ok $? "'safeflash update EC25<TAB>': package folders and zips, not other files"

complete_line "safeflash backup -d 1-1 --package EC25EFAR06A2"
has EC25EFAR06A20M4G_20.201.20.201 EC25EFAR06A21M4G_20.201.20.201.zip && [ ${#COMPREPLY[@]} -eq 2 ]
ok $? "'safeflash backup --package EC25EFAR06A2<TAB>': the package folder and zip"

complete_line "safeflash check --from X --to EC25EFAR06A19"
has EC25EFAR06A19M4G_20.201.20.201
ok $? "'safeflash check --to EC25EFAR06A19<TAB>': a package (VERSION|PACKAGE)"

complete_line "safeflash flash --session-log EC25-n"
has EC25-notes.txt
ok $? "'safeflash flash --session-log EC25-n<TAB>': any file"
cd "$SRC" || exit 1

# Modules, from 'safeflash list --json' on the device database fixture: umockdev-run makes a
# testbed of it, whose sysfs is kept for the preload library (a sanitized safeflash lets it go
# first).
mkdir -p "$WORK/testbed/sys" "$WORK/testbed/dev"
umockdev-run -d "$SRC/tests/data/sysfs.umockdev" -- sh -c 'cp -a "$UMOCKDEV_DIR/sys/." "$1/sys"' \
        sh "$WORK/testbed"
export UMOCKDEV_DIR=$WORK/testbed LD_PRELOAD=libumockdev-preload.so.0
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
complete_line "safeflash info -d "
has 1-1 1-2 1-4 2-1 3-1 4-1.2 && [ ${#COMPREPLY[@]} -eq 6 ]
ok $? "'safeflash info -d <TAB>': every module of 'safeflash list --json'"

complete_line "safeflash update pkg --device 4"
has 4-1.2 && [ ${#COMPREPLY[@]} -eq 1 ]
ok $? "'safeflash update pkg --device 4<TAB>': 4-1.2"

# Backup folders under the state directory.
export XDG_STATE_HOME=$WORK/state
B=$WORK/state/safeflash/backups/866758043398334/20261203-091500
mkdir -p "$B" "$WORK/state/safeflash/backups/866758043398334/incomplete"
echo '{}' >"$B/manifest.json"
complete_line "safeflash restore $WORK/state/safeflash/backups/8"
has "$B" && lacks "$WORK/state/safeflash/backups/866758043398334/incomplete"
ok $? "'safeflash restore <state>/backups/8<TAB>': the backup folder (with a manifest)"

complete_line "safeflash help up"
has update && [ ${#COMPREPLY[@]} -eq 1 ]
ok $? "'safeflash help up<TAB>': update"

finish
