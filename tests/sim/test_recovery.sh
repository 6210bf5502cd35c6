#!/usr/bin/env bash
# End to end: backup, restore, doctor and recover on the user story's EC25-E, and a power loss
# at each phase of an update: the history tells the truth, the backup stays intact, doctor
# names the state and recover brings the module back with its IMEI. Real safeflash against
# safeflash-sim. Prints TAP. Usage: test_recovery.sh SAFEFLASH SAFEFLASH_SIM
set -u
SF=$1
SIM=$2
. "$(dirname "$0")/lib.sh"
export SAFEFLASH_DATADIR=${SAFEFLASH_DATADIR:-$(cd "$(dirname "$0")/../../data" && pwd)}

R06A17=EC25EFAR06A17M4G_20.200.20.200
R06A19=EC25EFAR06A19M4G_20.201.20.201
R08A01=EC25EFAR08A01M4G_01.001.01.001
IMEI=866758043398334
mkpkg $R06A17
mkpkg $R06A19
mkpkg $R08A01
P19=$WORK/lib/$R06A19
P08=$WORK/lib/$R08A01
mkdir -p "$WORK/emptylib"

# reenumerated DEVNUM: the module left the bus and came back (another devnum), within 10 s.
reenumerated() {
        local i now
        for i in $(seq 1 200); do
                now=$(cat "$WORK/m/sys/bus/usb/devices/1-1/devnum" 2>/dev/null)
                [ -n "$now" ] && [ "$now" != "$1" ] && return 0
                sleep 0.05
        done
        return 1
}

# 1. Backup and restore on a running module.
start_sim
sf update "$P19" --json && json 'd["result"] == "success" and d["backup"]'
ok $? "update installs $R06A19 with an EFS2 backup"
sf backup --package "$P19" --json && json 'd["result"] == "success" and d["imei_after"] == "'$IMEI'"' &&
        B2=$(field backup) &&
        backup_intact "$B2" && grep -q "\"imei\": \"$IMEI\"" "$B2/manifest.json" && pid_is 0125
ok $? "backup copies EFS2 to disk (digest in its manifest, with the IMEI) and the module runs again"
erases=$(count_cmd erase)
sf backup
[ $? -eq 2 ] && grep -q -- "--package" "$WORK/out"
ok $? "backup without a package is a usage error (exit 2)"
sf restore "$B2" --package "$P19" && at AT+CGSN | grep -q $IMEI
ok $? "restore writes the backup back onto its own module, which comes back with its IMEI"
[ "$(count_cmd erase)" -eq $((erases + 1)) ]
ok $? "a restore erases EFS2 alone, once"

# A package of the right version whose partition table moves EFS2 (another layout's, with the
# lines that go with it: a package that agrees with itself).
mkdir -p "$WORK/moved" && cp -r "$P19" "$WORK/moved/$R06A19"
for f in partition_complete_p4K_b256K.mbn rawprogram_nand_p4K_b256K_update.xml; do
        cp "$P08/update/firehose/$f" "$WORK/moved/$R06A19/update/firehose/"
        sum=$(md5sum "$WORK/moved/$R06A19/update/firehose/$f" | cut -d' ' -f1)
        sed -i "s|^\(.*$f\):.*$|\1:$sum|" "$WORK/moved/$R06A19/md5.txt"
done
programs=$(count_cmd program)
sf update "$WORK/moved/$R06A19" --allow-reinstall --yes
[ $? -eq 3 ] && grep -q "moves EFS2" "$WORK/out" && [ "$(count_cmd program)" -eq "$programs" ] &&
        pid_is 0125 && at AT+CGSN | grep -q $IMEI
ok $? "update refuses a package whose partition table moves EFS2 (exit 3), writes nothing, the module runs on"

# A backup of another module, and a damaged one: refused, nothing written.
cp -r "$B2" "$WORK/other"
sed -i 's/"chip_serial": "0x[0-9a-f]*"/"chip_serial": "0x12345678"/; s/"imei": "[0-9]*"/"imei": ""/' "$WORK/other/manifest.json"
erases=$(count_cmd erase)
sf restore "$WORK/other" --package "$P19"
[ $? -eq 3 ] && grep -q "0x12345678" "$WORK/out" && grep -q "clone" "$WORK/out"
ok $? "a backup from another chip is refused (exit 3): it would clone that module"
cp -r "$B2" "$WORK/otherimei"
sed -i 's/"imei": "[0-9]*"/"imei": "490154203237518"/' "$WORK/otherimei/manifest.json"
pid_is 0125 # the refusal above reset the module from EDL: it is back once it has booted
sf restore "$WORK/otherimei" --package "$P19"
[ $? -eq 3 ] && grep -q "490154203237518" "$WORK/out"
ok $? "a backup of another IMEI is refused (exit 3) before the module is touched"
cp -r "$B2" "$WORK/damaged"
printf 'x' | dd of="$WORK/damaged/efs2.bin" bs=1 seek=5000 conv=notrunc 2>/dev/null
sf restore "$WORK/damaged" --package "$P19"
[ $? -eq 2 ] && grep -q "damaged" "$WORK/out" && [ "$(count_cmd erase)" -eq "$erases" ] && pid_is 0125
ok $? "a damaged backup is refused (exit 2); nothing was erased and the module runs again"

# 2. A module whose EFS2 is blank boots without an IMEI: doctor says so, update refuses.
cp -r "$B2" "$WORK/blank"
size=$(stat -c %s "$B2/efs2.bin")
head -c "$size" /dev/zero | tr '\0' '\377' >"$WORK/blank/efs2.bin"
sum=$(sha256sum "$WORK/blank/efs2.bin" | cut -d' ' -f1)
sed -i "s/\"sha256\": \"[0-9a-f]*\"/\"sha256\": \"$sum\"/; s/\"imei\": \"[0-9]*\"/\"imei\": \"\"/" "$WORK/blank/manifest.json"
sf restore "$WORK/blank" --package "$P19" && pid_is 0125 && ! at AT+CGSN | grep -q $IMEI
ok $? "(setup) a blank EFS2 written back: the module runs without an IMEI"
sf doctor --json && json 'd["state"] == "no-imei" and "restore" in d["next"]'
ok $? "doctor: running without a valid IMEI, EFS2 lost; next: restore"
sf update "$P19" --allow-reinstall
[ $? -eq 3 ] && grep -q "no valid IMEI" "$WORK/out"
ok $? "update refuses a module without IMEI (exit 3)"
sf restore "$B2" --package "$P19" && at AT+CGSN | grep -q $IMEI
ok $? "restoring its backup gives the module its IMEI back"
sf doctor --json && json 'd["state"] == "healthy" and d["imei"] == "'$IMEI'"'
ok $? "doctor: healthy, with its IMEI"

# 3. The user story: a forced R08 bricks it; doctor explains; recover brings it back.
sf update "$P08" --force --yes
[ $? -eq 1 ] && pid_is 9008
ok $? "(setup) a forced R08 leaves the module in EDL"
sf doctor --json && json 'd["state"] == "edl-no-boot" and d["last_known_good"] == "'$R06A19'" and "recover" in d["next"] and "'$R08A01'" in d["last_session"] and d["chip_serial"] == "0x0cf94c64"'
ok $? "doctor: in EDL, boot chain does not start; last good $R06A19, last session the R08 update; next: recover"
sf doctor && grep -q "Why:" "$WORK/out" && grep -q "Next:     safeflash recover" "$WORK/out"
ok $? "doctor explains it in words too"
programs=$(count_cmd program)
sf recover --library "$WORK/emptylib"
r=$?
[ $r -ne 0 ] && grep -q "$R06A19" "$WORK/out" && grep -q "obtain" "$WORK/out" && [ "$(count_cmd program)" -eq "$programs" ]
ok $? "recover with a library that lacks the firmware names the version to obtain, writes nothing"
sf recover --library "$WORK/lib" --json && json 'd["result"] == "success" and d["firmware_after"] == "'$R06A19'" and d["imei_after"] == "'$IMEI'"' &&
        at AT+QGMR | grep -q $R06A19
ok $? "recover --library picks $R06A19 (last known good) and revives the module with its IMEI"
sf recover "$P19"
[ $? -eq 4 ] && grep -q "nothing to recover" "$WORK/out"
ok $? "recover on a running module: nothing to recover (exit 4)"
# A module left in EDL by a run that died between the switch and Sahara (the chip never
# recorded): the history it is recovered with knows nothing of the chip. Its flash is whole:
# recover restarts it from its boot ROM, writes nothing, and it boots its own firmware.
programs=$(count_cmd program)
XDG_STATE_HOME="$WORK/state-edl" tb "$SF" edl >"$WORK/out" 2>&1 && pid_is 9008 &&
        XDG_STATE_HOME="$WORK/state-new" tb "$SF" recover --library "$WORK/lib" --json \
                >"$WORK/stdout" 2>"$WORK/stderr" &&
        json 'd["result"] == "success" and d["bytes_written"] == 0 and d["firmware_after"] == "'$R06A19'" and d["imei_after"] == "'$IMEI'"' &&
        [ "$(count_cmd program)" -eq "$programs" ] && pid_is 0125
r=$?
cat "$WORK/stdout" "$WORK/stderr" >"$WORK/out"
ok $r "recover of a chip the history does not know: restarted from its boot ROM, nothing written, it boots $R06A19"

# 4. Bricked and without an IMEI: recover flashes, then restores the last good backup.
# flash --no-wait ends once the programmer has ACKed its reset: the device leaves the bus a
# moment later and comes back (a new devnum) to its boot ROM. recover starts after that.
sf restore "$WORK/blank" --package "$P19" && sf edl &&
        devnum=$(cat "$WORK/m/sys/bus/usb/devices/1-1/devnum") && XDG_STATE_HOME="$WORK/state" tb \
        "$SF" flash "$P08" --no-wait >"$WORK/out" 2>&1
reenumerated "$devnum" && pid_is 9008
ok $? "(setup) EFS2 blanked and R08 flashed with the expert path: in EDL, no IMEI"
sf recover --library "$WORK/lib" --json && json 'd["result"] == "success" and d["restored"] and d["imei_after"] == "'$IMEI'"'
ok $? "recover flashes $R06A19, sees no IMEI, restores the latest good backup: IMEI back"

# 5. Power lost at each phase of an update (fresh module on R06A17 each time).
# fault_case FAULT PHASE EXPECT: EXPECT is "runs" (old firmware still boots) or "edl".
fault_case() {
        local fault=$1 phase=$2 expect=$3
        stop_sim
        rm -rf "$WORK/m"
        start_sim --fault "$fault"
        sf update "$P19" --json
        local r=$?
        local b
        b=$(field backup)
        [ $r -eq 1 ] && json 'd["result"] == "failed"'
        ok $? "power lost during $phase: update fails (exit 1)"
        sf history $IMEI && grep -q "update  failed" "$WORK/out" && grep -A30 "update  failed" "$WORK/out" | grep -q "$phase"
        ok $? "power lost during $phase: the history records the failed session at $phase"
        if [ "$phase" = backup ]; then
                [ -z "$b" ] && ! ls "$WORK"/state/safeflash/backups/$IMEI/*/efs2.bin.partial >/dev/null 2>&1 ||
                        ls "$WORK"/state/safeflash/backups/$IMEI/*/efs2.bin.partial >/dev/null 2>&1
                ok $? "power lost during backup: no backup is claimed"
        else
                [ -n "$b" ] && backup_intact "$b"
                ok $? "power lost during $phase: the backup taken first is intact"
        fi
        if [ "$expect" = runs ]; then
                pid_is 0125 && sf doctor --json && json 'd["state"] == "healthy"' && at AT+QGMR | grep -q $R06A17
                ok $? "power lost during $phase: nothing was written, the module runs $R06A17; doctor: healthy"
        else
                pid_is 9008 && sf doctor --json && json 'd["state"] == "edl-no-boot" and "recover" in d["next"]'
                ok $? "power lost during $phase: in EDL; doctor: boot chain does not start, next: recover"
                sf recover --library "$WORK/lib" && at AT+CGSN | grep -q $IMEI && at AT+QGMR | grep -q $R06A17
                ok $? "power lost during $phase: recover brings back $R06A17, its last good firmware, with its IMEI"
        fi
}
fault_case cut:read:2 backup runs
fault_case cut:erase:2 erase edl
fault_case cut-bytes:40000 program edl
stop_sim
rm -rf "$WORK/m"
start_sim --fault cut:power
sf update "$P19" && at AT+QGMR | grep -q $R06A19 && at AT+CGSN | grep -q $IMEI
ok $? "power lost as the reset arrives: the module boots the new firmware, and update confirms it on AT"
# 6. The other states doctor names: a programmer left running, a crash into memory-debug mode.
stop_sim
rm -rf "$WORK/m"
start_sim --install $R08A01
XDG_STATE_HOME="$WORK/state" tb "$SF" flash "$P19" --no-reset >"$WORK/out" 2>&1
sf doctor --json && json 'd["state"] == "firehose-running" and "writes nothing" in d["cause"]'
ok $? "doctor: a Firehose programmer already running (nothing written by loading it)"
cp -r "$P19" "$WORK/badmodem"
break_modem "$WORK/badmodem"
XDG_STATE_HOME="$WORK/state" tb "$SF" flash "$WORK/badmodem" --no-wait >"$WORK/out" 2>&1
pid_is 900e && sf doctor --json && json 'd["state"] == "memory-debug" and "ramdump" in d["next"]'
ok $? "doctor: crashed into memory-debug mode (900e); next: collect the ramdump"
sf recover --library "$WORK/lib"
[ $? -eq 4 ] && grep -q "memory-debug" "$WORK/out"
ok $? "recover refuses a module in memory-debug mode (exit 4) and points at doctor"
stop_sim

# 7. A USB 3 module: running it is 2-1 on the SuperSpeed bus, in EDL 1-1 on the USB 2 bus. It
#    is followed by its identity (IMEI, chip serial), never by its sysfs name.
rm -rf "$WORK/m"
start_sim --usb3
sf update "$P19" --json && json 'd["result"] == "success" and d["device"] == "2-1" and d["imei_after"] == "'$IMEI'"'
ok $? "USB 3: update follows the module from 2-1 to EDL on 1-1 and back, and confirms it"
SECONDS=0
sf update "$P08" --force --yes
[ $? -eq 1 ] && grep -q "did not boot" "$WORK/out" && [ $SECONDS -lt 60 ] && pid_is 9008
ok $? "USB 3: a forced R08 is seen stuck in EDL on 1-1 (not waited for on 2-1 until the timeout)"
sf recover --library "$WORK/lib" --json && json 'd["result"] == "success" and d["device"] == "2-1" and d["imei_after"] == "'$IMEI'"' &&
        at AT+QGMR | grep -q $R06A19
ok $? "USB 3: recover finds the module running again on 2-1 by its IMEI (from the history)"
stop_sim

# 8. UFS (RM500Q, SDX55): EFS lives in modemst1, modemst2, fsg and fsc on LUN 5, found in the
#    module's own GPT; power lost during the DISK patches (GPT fix-ups) of an update.
RM06=RM500QGLABR11A06M4G_01.001.01.001
RM07=RM500QGLABR11A07M4G_01.002.01.002
RMIMEI=864541041234566
mkpkg $RM06 "$WORK/rmlib"
mkpkg $RM07 "$WORK/rmlib"
rm -rf "$WORK/m"
start_sim --persona rm500q
sf update "$WORK/rmlib/$RM07" --json && json 'd["result"] == "success" and d["imei_after"] == "'$RMIMEI'"' &&
        b=$(field backup) && backup_intact "$b" && ls "$b" | grep -q modemst1.bin && ls "$b" | grep -q fsg.bin
ok $? "UFS: update backs up modemst1, modemst2, fsg and fsc (from the module's GPT), installs $RM07, IMEI kept"
sf restore "$b" --package "$WORK/rmlib/$RM07" && at AT+CGSN | grep -q $RMIMEI
ok $? "UFS: restore writes the four partitions back and the module keeps its IMEI"
stop_sim
rm -rf "$WORK/m"
start_sim --persona rm500q --fault cut:patch:3
sf update "$WORK/rmlib/$RM07" --json
r=$?
b=$(field backup)
[ $r -eq 1 ] && sf history $RMIMEI && grep -A30 "update  failed" "$WORK/out" | grep -q "patch"
ok $? "UFS: power lost during the DISK patches: update fails, the history records it at patch"
[ -n "$b" ] && backup_intact "$b"
ok $? "UFS: power lost during patch: the backup taken first is intact"
pid_is 9008 && sf doctor --json && json 'd["state"] == "edl-no-boot" and d["last_known_good"] == "'$RM06'"'
ok $? "UFS: power lost during patch: in EDL; doctor names the last good firmware"
sf recover --library "$WORK/rmlib" && at AT+QGMR | grep -q $RM06 && at AT+CGSN | grep -q $RMIMEI
ok $? "UFS: recover brings back $RM06 with its IMEI (the backup GPT's place from getstorageinfo)"
stop_sim

# 9. safeflash killed (SIGKILL) mid-update, as a user's Ctrl-\ or the OOM killer would: the
#    device lets go of the dead process (its URBs and its claim, as the kernel's usbfs does), and
#    recover itself brings the module back, within a bound, with a clear word for each step.
# kill_update PATTERN COUNT: a fresh module on $R06A17; update to $R06A19, killed when the
# COUNTth line matching PATTERN reaches the simulator's log.
kill_update() {
        stop_sim
        rm -rf "$WORK/m"
        start_sim
        # env itself in the background (not the tb function): $! is then safeflash's own PID.
        # shellcheck disable=SC2046
        env $(cat "$WORK/m/env") XDG_STATE_HOME="$WORK/state" "$SF" update "$P19" --yes \
                >"$WORK/update.out" 2>&1 &
        local upid=$! i
        # Looked at every 20 ms (not `tail -F | awk`, which ends only at the next log line after
        # the match: under load, after the update had written everything).
        for i in $(seq 1 15000); do
                [ "$(grep -a -c -- "$1" "$WORK/sim.log" 2>/dev/null)" -ge "$2" ] && break
                kill -0 $upid 2>/dev/null || break
                sleep 0.02
        done
        kill -9 $upid
        wait $upid 2>/dev/null
        pid_is 9008
}
# recover_within SECONDS: recover ends by itself (exit 0) within the bound.
recover_within() {
        SECONDS=0
        # shellcheck disable=SC2046
        timeout -s KILL "$1" env $(cat "$WORK/m/env") XDG_STATE_HOME="$WORK/state" \
                "$SF" recover -v --library "$WORK/lib" >"$WORK/out" 2>&1
}
# The modem's <program>: the largest image, so the kill lands inside its raw data however fast
# the testbed carries the images before it.
# Its data is 768 KiB, tens of milliseconds through the testbed: a kill that came after the
# programmer took the last of it (its rawmode="false" ACK in the log) is tried again.
for _ in 1 2 3 4 5; do
        kill_update '<program .*label="modem"' 1 &&
                ! sed -n '/<program .*label="modem"/,$p' "$WORK/sim.log" | grep -aq 'rawmode="false"' &&
                break
done
! sed -n '/<program .*label="modem"/,$p' "$WORK/sim.log" | grep -aq 'rawmode="false"' && pid_is 9008
ok $? "(setup) update killed inside a <program>: the module is in EDL, its programmer waits for raw data"
recover_within 240
r=$?
[ $r -eq 0 ] && grep -q "answers again" "$WORK/out" && at AT+QGMR | grep -q $R06A17 && at AT+CGSN | grep -q $IMEI
ok $? "killed mid-program: recover (exit $r in $SECONDS s) feeds the programmer what it waits for, resets it and brings back $R06A17 with its IMEI"
grep -aq "usb: a program let go of the device:.*its claim released" "$WORK/sim.log"
ok $? "killed mid-program: the device dropped the dead process's URBs and claim (usbdev_release)"
kill_update '<configure' 1 && [ "$(count_cmd erase)" -eq 0 ]
ok $? "(setup) update killed at <configure>: in EDL, its programmer running, nothing erased"
recover_within 240
r=$?
[ $r -eq 0 ] && grep -q "again after the programmer's reset: nothing to write" "$WORK/out" &&
        at AT+QGMR | grep -q $R06A17 && sf history $IMEI --json &&
        json 'max((x for x in d["sessions"] if x["kind"] == "recover"), key=lambda x: x["id"])["outcome"] == "success" and "reset-programmer" in [t["name"] for t in max((x for x in d["sessions"] if x["kind"] == "recover"), key=lambda x: x["id"])["steps"]]'
ok $? "killed at configure: recover (exit $r) resets the programmer, the module runs $R06A17; its session is in the history"
stop_sim
finish
