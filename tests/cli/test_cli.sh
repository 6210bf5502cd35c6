#!/usr/bin/env bash
# End-to-end tests of the safeflash binary: decode and check. Prints TAP.
# Usage: test_cli.sh SAFEFLASH_BINARY SOURCE_DIR
set -u
SF=$1
SRC=$2
PKGS=$SRC/tests/data/packages
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# A clean environment: the shipped database, no site or user rules of this machine.
export SAFEFLASH_DATADIR=$SRC/data
export SAFEFLASH_SYSCONFDIR=$WORK/etc
export XDG_CONFIG_HOME=$WORK/config
mkdir -p "$WORK/etc/rules.d" "$WORK/config/safeflash/rules.d"

R06A17=EC25EFAR06A17M4G_20.200.20.200
R08A01=EC25EFAR08A01M4G_01.001.01.001

# run EXPECTED_EXIT ARGS...: runs safeflash, keeps stdout in $WORK/out, stderr in $WORK/err.
run() {
        local want=$1
        shift
        "$SF" "$@" >"$WORK/out" 2>"$WORK/err"
        got=$?
        [ "$got" -eq "$want" ]
}

. "$(dirname "$0")/../tap.sh"

tap_diagnose() {
        echo "# exit $got; stdout:"
        sed 's/^/#   /' "$WORK/out" | head -40
        echo "# stderr:"
        sed 's/^/#   /' "$WORK/err" | head -20
}

has() { grep -qF -- "$1" "$WORK/out"; }
err_has() { grep -qF -- "$1" "$WORK/err"; }
json_ok() { python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$WORK/out"; }
json_rules() { python3 -c 'import json,sys; print(" ".join(f["rule"] for f in json.load(open(sys.argv[1]))["findings"]))' "$WORK/out"; }
json_get() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval("d"+sys.argv[2]))' "$WORK/out" "$1"; }

# --- decode
run 0 decode $R06A17 && has "Baseline     R06" && has "Release      A17" && has "Memory       M4G" && has "branch 20"
ok $? "decode: the user story's version, field by field"
run 0 decode --json EC25EFAR06A12M4G_OCPU_20.200.20.200_SDK && json_ok &&
        [ "$(json_get '["tags"][0]')" = OCPU ] && [ "$(json_get '["package_suffix"]')" = _SDK ] &&
        [ "$(json_get '["sub_version"]["modem_minor"]')" = 200 ]
ok $? "decode --json: tags, package suffix and sub-version"
run 2 decode EM05GFARA07M1G && has "Form         unknown" && err_has "not a Quectel firmware version"
ok $? "decode: an unparsable version is unknown and exits 2"
run 0 decode EM05GFAR07A07M1G_01.016.00.000 && has "transient" && has "read it again"
ok $? "decode: the transient 00.000 reading is named"
run 2 decode "$(printf 'A%.0s' $(seq 1 200))" && err_has "longer than"
ok $? "decode: overlong input is refused"
run 2 decode && err_has "expected exactly one VERSION"
ok $? "decode: missing argument is a usage error"

# --- check: the user story
run 3 check --from $R06A17 --to $R08A01 && has "R06 → R08" && has "EC25EFAR06AxxM4G_20.2xx.20.2xx" &&
        has "REFUSED" && has "quectel/ec25-r06-r08" && has "44652"
ok $? "check: R06A17 20.200 -> R08A01 refused (exit 3) with the baseline change and the acceptable targets"
run 3 check --from $R08A01 --to $R06A17 && has "R08 → R06" && has "quectel/ec25-r06-r08"
ok $? "check: the reverse direction is refused too"
run 0 check --from $R06A17 --to EC25EFAR06A19M4G_20.201.20.201 && has "ALLOWED"
ok $? "check: R06A19 20.201 is allowed (exit 0)"
run 3 check --from $R06A17 --to EC25EFAR06A12M4G_20.200.20.200 && has "downgrade" && has "--allow-older"
ok $? "check: a downgrade within R06 is refused and names --allow-older"
run 0 check --from $R06A17 --to EC25EFAR06A12M4G_20.200.20.200 --allow-older && has "lifted by --allow-older"
ok $? "check: --allow-older lets the downgrade through and says so"
run 3 check --from $R06A17 --to $R08A01 --allow-older --allow-branch-switch && has "Only --force"
ok $? "check: the baseline change is not lifted by --allow-older/--allow-branch-switch"
run 0 check --from $R06A17 --to $R08A01 --force && has "LIFTED" && has "because of the overrides given"
ok $? "check: --force lifts it, loudly"
run 3 check --from $R06A17 --to $R06A17 && has "same-version" && has "--allow-reinstall"
ok $? "check: the same version needs --allow-reinstall"
run 3 check --from garbage --to $R06A17 && has "unknown-version" && has "cannot be decoded"
ok $? "check: an unknown installed version is refused"
run 3 check --json --from $R06A17 --to $R08A01 && json_ok && [ "$(json_get '["verdict"]')" = needs-override ] &&
        [ "$(json_get '["from"]["baseline"]')" = 6 ] && [ "$(json_get '["to"]["baseline"]')" = 8 ] &&
        [ "$(json_get '["needed_overrides"][0]')" = force ] &&
        json_rules | grep -qw baseline-change
ok $? "check --json: verdict, decoded versions, findings"

# --- check against package folders
run 0 check --from $R06A17 --to "$PKGS/EC25EFAR06A19M4G_20.201.20.201" && has "version read from its folder name"
ok $? "check: a package folder's version comes from its name"
run 0 check --from $R06A17 --to "$PKGS/pkg-metainfo" && has "version read from its metainfo"
ok $? "check: a package's metainfo version and requirements, met"
run 3 check --from EC25EFAR06A10M4G_20.200.20.200 --to "$PKGS/pkg-metainfo" && has "package-requirement" &&
        has 'compare="ge"'
ok $? "check: a package's <requires> not met is refused"
run 2 check --from $R06A17 --to "$PKGS/EC25EFAR06A18M4G_20.201.20.201" && err_has "contradicts itself"
ok $? "check: a package whose sources disagree is invalid input (exit 2)"
run 2 check --from $R06A17 --to "$PKGS/pkg-doctype" && err_has "DOCTYPE"
ok $? "check: a hostile metainfo (entity expansion) is rejected"
run 2 check --from $R06A17 --to ./no/such/package && err_has "no/such/package"
ok $? "check: a missing package folder exits 2"
run 0 check --from $R06A17 --to "$PKGS/zip-metainfo.zip" && has "version read from its metainfo" &&
        has "zip-metainfo.zip"
ok $? "check: a zip of a package folder is read in place (its metainfo, its top folder's name)"
run 3 check --from EC25EFAR06A10M4G_20.200.20.200 --to "$PKGS/zip-metainfo.zip" &&
        has "package-requirement"
ok $? "check: the zipped package's <requires> apply as the folder's do"
run 2 check --from $R06A17 --to "$PKGS/zip-dotdot.zip" && err_has "'..' component"
ok $? "check: a zip with an entry leading outside the package is invalid input (exit 2)"

# --- site rules
cat >"$WORK/etc/rules.d/50-site.rules" <<'RULES'
[forbid site/no-a19]
from = EC25EFAR06A17*
to = EC25EFAR06A19*
why = A19 breaks our VoLTE profile
override = none
RULES
run 3 check --from $R06A17 --to EC25EFAR06A19M4G_20.201.20.201 --force && has "site/no-a19" &&
        has "50-site.rules:1" && has "no option overrides it"
ok $? "check: a site rule forbids a path absolutely, even with --force"
rm "$WORK/etc/rules.d/50-site.rules"
cat >"$WORK/config/safeflash/rules.d/10-me.rules" <<'RULES'
[allow me/eg25-customer-branch]
from = EG25GGBR07A08M2G_01.*
to = EG25GGBR07A08M2G_30.*
lifts = branch-switch
why = our vendor moved us to branch 30
RULES
run 0 check --from EG25GGBR07A08M2G_01.003.01.003 --to EG25GGBR07A08M2G_30.006.30.006 &&
        has "allow rule me/eg25-customer-branch"
ok $? "check: a user rule allows a documented branch switch"
printf '[forbid broken]\nfrom = X\nwhy = w\n' >"$WORK/config/safeflash/rules.d/20-broken.rules"
run 2 check --from $R06A17 --to EC25EFAR06A19M4G_20.201.20.201 && err_has "20-broken.rules:1:"
ok $? "check: a malformed rules file is an error naming the file and line"
rm "$WORK/config/safeflash/rules.d/"*.rules
printf '[forbid extra]\nfrom = EC25*\nto = EC25*\nwhy = frozen fleet\n' >"$WORK/extra.rules"
run 3 check --from $R06A17 --to EC25EFAR06A19M4G_20.201.20.201 --rules "$WORK/extra.rules" && has "frozen fleet"
ok $? "check --rules FILE adds rules"
SAFEFLASH_DATADIR=$WORK/nowhere run 3 check --from $R06A17 --to $R08A01 && err_has "no rules database" && has "baseline-change"
ok $? "check: without the database the built-in rules still refuse, with a warning"

# --- usage
run 2 check --to $R06A17 && err_has "--from VERSION is required"
ok $? "check: --from is required"
run 2 check --from $R06A17 --to $R08A01 --bogus && err_has "unknown option"
ok $? "check: an unknown option is a usage error"
run 2 frobnicate && err_has "unknown command"
ok $? "an unknown command exits 2"
run 0 --help && has "decode" && has "check"
ok $? "safeflash --help lists the commands"
for c in decode check; do
        run 0 $c --help && has "Usage: safeflash $c" && has "Exit status"
        ok $? "safeflash $c --help"
done
run 0 ramdump --help && has "Usage: safeflash ramdump" && has "--max-bytes N" &&
        has "-o, --output DIR" && has "memory-debug mode"
ok $? "safeflash ramdump --help"
run 2 ramdump --max-bytes lots && err_has "not a size"
ok $? "ramdump: a --max-bytes that is not a size is a usage error"
run 2 ramdump extra && err_has "unexpected argument"
ok $? "ramdump: an extra argument is a usage error"
# No module: an empty umockdev testbed stands for /sys (a sanitized safeflash lets the preload
# go first).
mkdir -p "$WORK/nosys/sys/bus" "$WORK/nosys/sys/class" "$WORK/nosys/dev"
UMOCKDEV_DIR="$WORK/nosys" LD_PRELOAD=libumockdev-preload.so.0 \
        ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 run 4 ramdump -o "$WORK/nodump" && err_has "no module found" &&
        [ ! -e "$WORK/nodump" ]
ok $? "ramdump without a module: exit 4, nothing created"
run 0 --version && has "safeflash "
ok $? "safeflash --version"

finish
