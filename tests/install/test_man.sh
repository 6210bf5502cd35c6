#!/usr/bin/env bash
# The man pages cannot drift from the CLI: every command of 'safeflash --help' has a page, every
# option of 'safeflash CMD --help' (its getopt table, global options included) is described in
# that page, and no page describes an option the command does not have; the same for
# safeflash-sim. Reads the generated roff. Prints TAP.
# safeflash.rules(5) describes every key, verdict and built-in rule id of docs/rules.md.
# Usage: test_man.sh SAFEFLASH SAFEFLASH_SIM MANDIR [DOCS_RULES_MD]
set -u
SF=$1
SIM=$2
MAN=$3
RULES_MD=${4:-$(dirname "$0")/../../docs/rules.md}

. "$(dirname "$0")/../tap.sh"

# Options of a --help text: "-d" and "--device" from "  -d, --device DEV   ...".
help_options() {
        grep -E '^  +-' | grep -oE '(^|[ ,])--?[A-Za-z0-9][A-Za-z0-9-]*' | tr -d ' ,' | sort -u
}

# Options a page describes: bold words that look like options (\fB--device\fR).
page_options() {
        grep -oE '\\fB--?[A-Za-z0-9][A-Za-z0-9-]*\\fR' "$1" | sed 's/^\\fB//; s/\\fR$//' | sort -u
}

# check_page NAME PAGE OPTIONS...: PAGE exists and describes exactly OPTIONS.
check_page() {
        local name=$1 page=$2 missing extra
        shift 2
        if [ ! -s "$page" ]; then
                ok 1 "$name has a man page ($(basename "$page"))"
                return
        fi
        ok 0 "$name has a man page ($(basename "$page"))"
        missing=$(comm -23 <(printf '%s\n' "$@" | sort -u) <(page_options "$page"))
        [ -z "$missing" ]
        ok $? "every option of $name is in its page"
        [ -n "$missing" ] && echo "#   missing from $(basename "$page"): $(echo $missing)"
        extra=$(comm -13 <(printf '%s\n' "$@" | sort -u) <(page_options "$page"))
        [ -z "$extra" ]
        ok $? "the page of $name describes no option $name lacks"
        [ -n "$extra" ] && echo "#   not options of $name: $(echo $extra)"
}

commands=$("$SF" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
[ "$(echo "$commands" | wc -w)" -ge 13 ]
ok $? "safeflash --help lists its commands ($(echo $commands))"

for c in $commands; do
        opts=$("$SF" "$c" --help | help_options)
        # shellcheck disable=SC2086
        check_page "safeflash $c" "$MAN/safeflash-$c.1" $opts
done

[ -s "$MAN/safeflash.1" ] && for c in $commands; do
        grep -q "safeflash-$c\\\\fR(1)" "$MAN/safeflash.1" || exit 1
done
ok $? "safeflash(1) refers to the page of every command"
missing=$(comm -23 <(printf '%s\n' --json --verbose -v --log --help -h --version | sort -u) \
        <(page_options "$MAN/safeflash.1"))
[ -s "$MAN/safeflash.1" ] && [ -z "$missing" ]
ok $? "safeflash(1) describes the global options and --version"
[ -n "$missing" ] && echo "#   missing: $(echo $missing)"

# safeflash-sim prints its usage, not a table: every --option of it, plus -o of mkpkg.
sim_opts=$("$SIM" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
# --out and --help are in its getopt tables, not in its usage text.
check_page "safeflash-sim" "$MAN/safeflash-sim.1" $sim_opts -o --out -h --help

[ -s "$MAN/safeflash.rules.5" ] && grep -q '^\.TH "safeflash.rules" "5"' "$MAN/safeflash.rules.5"
ok $? "safeflash.rules(5) is built"

# Keys, verdicts and built-in rule ids: the first column of docs/rules.md's tables.
ids=$(grep -oE '^\| `[a-z-]+` \|' "$RULES_MD" | sed 's/^| `//; s/` |$//')
missing=$(for id in $ids; do grep -qF "\\fB$id\\fR" "$MAN/safeflash.rules.5" || echo "$id"; done)
[ "$(echo $ids | wc -w)" -ge 20 ] && [ -z "$missing" ]
ok $? "safeflash.rules(5) describes every key, verdict and built-in rule of docs/rules.md"
[ -n "$missing" ] && echo "#   missing: $(echo $missing)"

finish
