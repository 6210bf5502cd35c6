#!/usr/bin/env bash
# End to end: the safeflash-modem Update Module driven by Debian's real mender-client (3.4) in
# standalone mode (mender install / commit / rollback) against safeflash-sim: an allowed package
# installs and is committed; a forbidden one is refused with the module untouched; an install
# cut by a power loss mid-program is rolled back to the module's previous firmware, with its
# IMEI; a committed-looking install is rolled back on request. Prints TAP.
# Usage: test_mender.sh SAFEFLASH SAFEFLASH_SIM SOURCE_ROOT
#
# mender-client 3.4 reads its Update Modules only from /usr/share/mender/modules/v3 and the
# artifact_info file only from /etc/mender (neither is configurable; --data moves the rest), so
# each mender command runs in a private mount namespace (unshare -m) where those two folders are
# this test's own: the host's stay as they are.
set -u
SF=$1
SIM=$2
SRC=$3
. "$SRC/tests/sim/lib.sh"
export SAFEFLASH_DATADIR=${SAFEFLASH_DATADIR:-$SRC/data}

skip_all() {
        echo "1..0 # SKIP $1"
        exit 0
}
command -v mender >/dev/null || skip_all "mender-client is not installed (scripts/deps.sh test)"
command -v mender-artifact >/dev/null || skip_all "mender-artifact is not installed"
[ -d /usr/share/mender/modules/v3 ] && [ -d /etc/mender ] ||
        skip_all "mender-client's folders are missing"
unshare -m true 2>/dev/null || skip_all "no private mount namespace here (unshare -m needs root)"

R06A17=EC25EFAR06A17M4G_20.200.20.200
R06A19=EC25EFAR06A19M4G_20.201.20.201
R06A21=EC25EFAR06A21M4G_20.202.20.202
R08A01=EC25EFAR08A01M4G_01.001.01.001
IMEI=866758043398334
M=$WORK/mender
LIB=$WORK/library

# The packages, as a vendor ships them (zips named after their version), and a library that
# holds the factory firmware, as an operator provisions it before the first update.
mkdir -p "$WORK/pkgs" "$LIB" "$M/modules" "$M/etc" "$M/data" "$WORK/etc"
for v in $R06A17 $R06A19 $R06A21 $R08A01; do
        "$SIM" mkpkg $v -o "$WORK/pkgs/$v.zip" --small --zip >/dev/null || exit 1
done
cp "$SRC/mender/safeflash-modem" "$M/modules/"
echo "artifact_name=factory-image" >"$M/etc/artifact_info"
echo "device_type=sf-test-gateway" >"$M/data/device_type"
echo '{"UpdatePollIntervalSeconds": 1800, "InventoryPollIntervalSeconds": 28800}' >"$M/mender.conf"
cat >"$WORK/etc/mender.conf" <<EOF
# written by test_mender.sh
MODEM_DEVICE=1-1
MODEM_LIBRARY=$LIB
SAFEFLASH=$SF
EOF

# mender ARGS...: the real mender-client with this test's configuration and data, the module
# folder and /etc/mender bound over the system's in its own mount namespace, and the simulated
# module's sysfs, /dev and USB in its environment, which the Update Module's safeflash inherits.
# Output in $WORK/out.
mender() {
        tb \
                XDG_STATE_HOME="$WORK/state" SAFEFLASH_SYSCONFDIR="$WORK/etc" \
                unshare -m sh -c 'mount --bind "$1" /usr/share/mender/modules/v3 &&
                        mount --bind "$2" /etc/mender && shift 2 && exec mender "$@"' \
                sh "$M/modules" "$M/etc" --config "$M/mender.conf" \
                --fallback-config "$M/none.conf" --data "$M/data" --no-syslog "$@" \
                >"$WORK/out" 2>&1
}

artifact() { # PACKAGE NAME: an Artifact of $WORK/pkgs/PACKAGE, called NAME
        bash "$SRC/mender/mkartifact.sh" "$WORK/pkgs/$1" -o "$WORK/$2.mender" \
                --device-type sf-test-gateway --name "$2" >"$WORK/out" 2>&1
}

# The module runs VERSION with its IMEI, as it answers on its AT port.
runs() {
        pid_is 0125 && at AT+QGMR | grep -q "$1" && at AT+CGSN | grep -q $IMEI
}

current_artifact() {
        mender show-artifact && tail -n 1 "$WORK/out"
}

start_sim || exit 1

# 0. The Artifact.
artifact $R06A19.zip modem-r06a19 && mender-artifact read "$WORK/modem-r06a19.mender" >"$WORK/out" 2>&1 &&
        grep -q "Type:.*safeflash-modem" "$WORK/out" && grep -q "Name: modem-r06a19" "$WORK/out" &&
        grep -q "sf-test-gateway" "$WORK/out" && grep -q "$R06A19.zip" "$WORK/out" &&
        grep -q "rootfs-image.safeflash-modem.version: $R06A19" "$WORK/out"
ok $? "mkartifact.sh wraps a package zip into a safeflash-modem module-image Artifact"

# Without the package of the firmware the module runs, an interrupted update could not be
# rolled back: the install stops before writing anything.
mender install "$WORK/modem-r06a19.mender"
[ $? -ne 0 ] && grep -q "has no package of $R06A17" "$WORK/out" && [ "$(count_cmd program)" -eq 0 ] &&
        [ "$(count_cmd erase)" -eq 0 ] && runs $R06A17
ok $? "an install is refused, nothing written, while the library lacks the running firmware's package"
cp "$WORK/pkgs/$R06A17.zip" "$LIB/"

# a. An allowed package installs, the module runs it, mender commits it.
mender install "$WORK/modem-r06a19.mender" && grep -q "Use 'commit'" "$WORK/out"
ok $? "(a) mender install of $R06A19 onto $R06A17 succeeds and waits for a commit (no host reboot)"
runs $R06A19
ok $? "(a) the module runs $R06A19 with its IMEI (AT)"
mender commit && [ "$(current_artifact)" = modem-r06a19 ]
ok $? "(a) mender commit: the device's artifact is modem-r06a19"
mender commit
[ $? -eq 2 ]
ok $? "(a) committed: a second mender commit finds no update in progress (exit 2)"
[ -f "$LIB/$R06A19.zip" ] && cmp -s "$LIB/$R06A19.zip" "$WORK/pkgs/$R06A19.zip"
ok $? "(a) the installed package joins the library, for the next update's rollback"
tb \
        SAFEFLASH_SYSCONFDIR="$WORK/etc" sh "$SRC/mender/mender-inventory-safeflash" >"$WORK/out" 2>&1
sha=$(printf %s $IMEI | sha256sum | cut -d' ' -f1)
grep -qx "modem_model=EC25" "$WORK/out" && grep -qx "modem_firmware=$R06A19" "$WORK/out" &&
        grep -qx "modem_imei_sha256=$sha" "$WORK/out" && ! grep -q $IMEI "$WORK/out" &&
        [ "$(grep -c . "$WORK/out")" -eq 3 ]
ok $? "the inventory script prints model, firmware and the IMEI's SHA-256 (not the IMEI)"
sf info --json --hash-imei && ! grep -q $IMEI "$WORK/stdout" &&
        json 'd["imei_sha256"]["value"] == "'$sha'" and "imei" not in d and d["inventory"] == {"modem_model": "EC25", "modem_firmware": "'$R06A19'", "modem_imei_sha256": "'$sha'"}' &&
        sf info --json && json 'd["inventory"]["modem_imei"] == "'$IMEI'" and d["imei"]["value"] == "'$IMEI'"'
ok $? "info --json --hash-imei: imei_sha256 instead of imei, and a flat inventory object"

# b. A forbidden package: refused, nothing written, the module runs on.
stop_sim
start_sim || exit 1
artifact $R08A01.zip modem-r08a01 || exit 1
mender install "$WORK/modem-r08a01.mender"
[ $? -ne 0 ] && grep -q "refused by safeflash (exit 3)" "$WORK/out" && grep -q "R06 → R08" "$WORK/out"
ok $? "(b) mender install of $R08A01 fails: safeflash refuses it (exit 3) and says why"
[ "$(count_cmd program)" -eq 0 ] && [ "$(count_cmd erase)" -eq 0 ] && runs $R06A19
ok $? "(b) nothing reached the module's flash; it runs $R06A19 with its IMEI"
[ "$(current_artifact)" = modem-r06a19 ] && mender commit
[ $? -eq 2 ]
ok $? "(b) mender keeps modem-r06a19 as the device's artifact, no update in progress"

# c. Power lost mid-program: the install fails, mender rolls back, the module comes back on
# the firmware it ran before (the package kept in (a)), with its IMEI.
stop_sim
start_sim --fault cut-bytes:40000 || exit 1
artifact $R06A21.zip modem-r06a21 || exit 1
mender install "$WORK/modem-r06a21.mender"
[ $? -ne 0 ] && grep -q "update failed (exit 1)" "$WORK/out" && grep -q "Rolling back" "$WORK/out" &&
        grep -q "rollback: module 1-1 runs $R06A19 again, with IMEI $IMEI" "$WORK/out"
ok $? "(c) power lost mid-program: install fails and mender calls ArtifactRollback, which recovers"
programs=$(count_cmd program)
runs $R06A19 && [ "$programs" -gt 0 ] && grep -a -q "^boot: edl" "$WORK/sim.log"
ok $? "(c) the module, left in EDL by the cut, runs $R06A19 again with its IMEI"
[ "$(current_artifact)" = modem-r06a19 ] && mender commit
[ $? -eq 2 ]
ok $? "(c) mender keeps modem-r06a19 as the device's artifact (the rollback succeeded)"
[ -d "$(ls -d "$WORK"/state/safeflash/backups/$IMEI/* | tail -n 1)" ] &&
        backup_intact "$(ls -d "$WORK"/state/safeflash/backups/$IMEI/* | tail -n 1)"
ok $? "(c) the EFS2 backup the interrupted update took is intact"

# d. An install that worked, rolled back on request before the commit: back to the kept package.
# This time the package comes as a tar of its folder.
"$SIM" mkpkg $R06A21 -o "$WORK/tar/$R06A21" --small >/dev/null &&
        tar -C "$WORK/tar" -cf "$WORK/pkgs/$R06A21.tar" $R06A21 && artifact $R06A21.tar modem-r06a21-tar &&
        mender-artifact read "$WORK/modem-r06a21-tar.mender" >"$WORK/out" 2>&1 &&
        grep -q "$R06A21.tar" "$WORK/out"
ok $? "(d) (setup) mkartifact.sh wraps a tar of a package folder"
mender install "$WORK/modem-r06a21-tar.mender" && runs $R06A21 && [ -f "$LIB/$R06A21/md5.txt" ]
ok $? "(d) with the power on, $R06A21 from a tar installs; its folder joins the library"
mender rollback && runs $R06A19 && [ "$(current_artifact)" = modem-r06a19 ]
ok $? "(d) mender rollback brings back $R06A19 (the kept package, --allow-older) with its IMEI"

finish
