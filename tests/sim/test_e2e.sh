#!/usr/bin/env bash
# End to end: the real safeflash binary against safeflash-sim, reached the way a real module is
# (libusb through the preloaded shim, or the tty), on packages from the simulator's generator.
# Prints TAP. Usage: test_e2e.sh SAFEFLASH SAFEFLASH_SIM
set -u
SF=$1
SIM=$2
. "$(dirname "$0")/lib.sh"

flash() {
        XDG_STATE_HOME="$WORK/state" tb \
                "$SF" flash "$@" >"$WORK/out" 2>&1
}

mkpkg() { # VERSION [options]: a small package named after its version
        local v=$1
        shift
        mkdir -p "$WORK/pkgs"
        "$SIM" mkpkg "$v" -o "$WORK/pkgs/$v$SUFFIX" --small "$@" >/dev/null
}

R06A17=EC25EFAR06A17M4G_20.200.20.200
R06A19=EC25EFAR06A19M4G_20.201.20.201
R08A01=EC25EFAR08A01M4G_01.001.01.001
SUFFIX=
mkpkg $R06A19
mkpkg $R08A01
SUFFIX=-othermsm mkpkg $R06A19 --msm-id 009600E1
SUFFIX=-factory mkpkg $R06A19 --factory
SUFFIX=-foreign mkpkg EG25GGBR07A08M2G_01.004.01.004 --foreign-root
SUFFIX=-signed mkpkg EG25GGBR07A08M2G_01.004.01.004
SUFFIX=.zip mkpkg $R06A19 --zip

# hostile_zip OUT NAME [symlink]: the zip package with one more entry, NAME, that must sink it.
hostile_zip() {
        python3 - "$WORK/pkgs/$R06A19.zip" "$WORK/pkgs/$1" "$2" "${3:-}" <<'PY'
import sys, zipfile
src = zipfile.ZipFile(sys.argv[1])
with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as out:
    for i in src.infolist():
        out.writestr(i, src.read(i))
    extra = zipfile.ZipInfo(sys.argv[3])
    if sys.argv[4] == "symlink":
        extra.create_system = 3
        extra.external_attr = 0o120777 << 16
        out.writestr(extra, "/etc/passwd")
    else:
        out.writestr(extra, "outside the package")
PY
}
hostile_zip dotdot.zip "$R06A19/../../../evil.txt"
hostile_zip symlink.zip "$R06A19/update/firehose/prog_nand_firehose_9x07.mbn.lnk" symlink

info() { # safeflash info with the module's sysfs and /dev
        tb \
                "$SF" "$@" >"$WORK/out" 2>&1
}

# 0. A new module: found, and identified over AT.
start_sim
info list && grep -q "1-1 *normal *2c7c:0125" "$WORK/out"
ok $? "safeflash list finds the module in normal mode with its AT and DM ports"
info info --json && python3 -c '
import json,sys; d=json.load(open(sys.argv[1]))
assert d["model"] == {"value": "EC25", "source": "at"}, d["model"]
assert d["firmware"]["value"] == "EC25EFAR06A17M4G_20.200.20.200" and d["firmware"]["source"] == "at"
assert d["secure_boot"]["value"] == "off"
assert d["imei"] == {"value": "866758043398334", "source": "at"}, d["imei"]' "$WORK/out"
ok $? "safeflash info reads model, full firmware version (past the transient 00.000 readings) and IMEI over AT"
info edl && grep -q "emergency download mode" "$WORK/out" && pid_is 9008
ok $? "safeflash edl switches it to EDL over DIAG and finds it again as 05c6:9008"
flash "$WORK/pkgs/$R06A19" && pid_is 0125 && at AT+QGMR | grep -q "$R06A19"
ok $? "edl then flash: the module runs the new firmware"
stop_sim

# 1. A module bricked by an R08 package stays in EDL, across a simulator restart too.
rm -rf "$WORK/m" # a new module
start_sim --install $R08A01
pid_is 9008
ok $? "an R06-generation EC25-E carrying R08 firmware sits in EDL (05c6:9008)"
info info && grep -q "Chip serial  0x0cf94c64  (sahara)" "$WORK/out" &&
        grep -q "MSM_ID 0x000480e1" "$WORK/out" && ! grep -aq "7f 45 4c 46" "$WORK/sim.log"
ok $? "in EDL, safeflash info reads serial, HW ID and PK hash in Sahara command mode, uploading nothing"
stop_sim
start_sim
pid_is 9008 && grep -aq "cannot bring up this board" "$WORK/sim.log"
ok $? "it is still in EDL after a restart of the simulator (the bytes on flash decide)"

# 2. Flashing the right package over libusb revives it with the new version on AT.
flash "$WORK/pkgs/$R06A19" --session-log "$WORK/session1.log"
r=$?
[ $r -eq 0 ] && grep -q "Written 10 partition" "$WORK/out" && pid_is 0125
ok $? "safeflash flash over libusb writes, verifies and resets; the module comes back as 2c7c:0125"
at AT+QGMR | grep -q "$R06A19"
ok $? "the module reports $R06A19 on AT+QGMR"
at AT+CGSN | grep -q 866758043398334
ok $? "it still has its IMEI"
grep -q '<configure' "$WORK/session1.log" && grep -q 'sahara: send HELLO_RESP' "$WORK/session1.log"
ok $? "the session log records the Sahara and Firehose traffic"

# 3. A flash that stays in the programmer, then a second one: the programmer is already running
#    (as after a "Sahara only" session), and everything on the flash already matches.
stop_sim
start_sim --install $R08A01
# R08's layout is not R06's (a larger EFS2 moves every partition after it): what lies where the
# package puts a partition belongs to others, so it is written without being read back.
reads=$(count_cmd read)
sf flash "$WORK/pkgs/$R06A19" --plan --json &&
        json 'len(d["plan"]) == 10 and all(p["verdict"] == "changed" for p in d["plan"])' &&
        json 'all(("partition table has it at page" in p["why"]) == (p["partition"] not in ("sbl", "mibib")) for p in d["plan"])' &&
        [ $(($(count_cmd read) - reads)) -le 6 ] && pid_is 9008
ok $? "the plan onto another layout: moved partitions changed without a read, sbl and mibib compared"
flash "$WORK/pkgs/$R06A19" --no-reset && flash "$WORK/pkgs/$R06A19"
ok $? "a second flash on a module whose programmer is still running works"
grep -q "already running" "$WORK/out"
ok $? "it notices that a Firehose programmer was already running"
grep -q "0 partition(s), 10 already up to date" "$WORK/out"
ok $? "re-flashing an identical package writes nothing (every partition already matches)"
stop_sim

# 4. The same through the tty (as qcserial presents 9008).
start_sim --install $R08A01
XDG_STATE_HOME="$WORK/state" tb \
        "$SF" flash "$WORK/pkgs/$R06A19" -d /dev/ttyUSB0 --no-backup >"$WORK/out" 2>&1 &&
        pid_is 0125 && at AT+QGMR | grep -q "$R06A19"
ok $? "flashing through the EDL tty works as well"
stop_sim

# 4b. A zip package, read in place: nothing is unpacked, anywhere.
start_sim --install $R08A01
ls -R "$WORK/pkgs" >"$WORK/pkgs.before"
mkdir -p "$WORK/tmp"
TMPDIR="$WORK/tmp" flash "$WORK/pkgs/$R06A19.zip" --write-all && grep -q "Written 10 partition" "$WORK/out" &&
        pid_is 0125 && at AT+QGMR | grep -q "$R06A19"
ok $? "a zip of the package folder is flashed in place; the module comes back with $R06A19 on AT"
ls -R "$WORK/pkgs" | cmp -s - "$WORK/pkgs.before" && [ -z "$(ls -A "$WORK/tmp")" ]
ok $? "flashing the zip wrote no file next to it or in TMPDIR"
stop_sim

# 5. Refusals before anything is written.
start_sim --install $R08A01
flash "$WORK/pkgs/$R06A19-othermsm"
[ $? -eq 3 ] && grep -q "MSM_ID 0x009600e1" "$WORK/out" && ! grep -aq "7f 45 4c 46" "$WORK/sim.log"
ok $? "a programmer for another chip is refused (exit 3) before it is sent"
rm "$WORK/pkgs/$R06A19-factory/update/firehose/rawprogram_nand_p4K_b256K_update.xml"
flash "$WORK/pkgs/$R06A19-factory"
[ $? -eq 3 ] && grep -qi "factory" "$WORK/out"
ok $? "a factory-only package (it would wipe the calibration) is refused (exit 3)"
cp -r "$WORK/pkgs/$R06A19" "$WORK/pkgs/damaged"
printf 'x' | dd of="$WORK/pkgs/damaged/update/NON-HLOS.ubi" bs=1 seek=1000 conv=notrunc 2>/dev/null
flash "$WORK/pkgs/damaged"
[ $? -eq 2 ] && grep -q "NON-HLOS.ubi" "$WORK/out"
ok $? "a package whose image does not match md5.txt is refused (exit 2)"
rm "$WORK/pkgs/damaged/md5.txt"
flash "$WORK/pkgs/damaged"
[ $? -eq 2 ] && grep -q "md5.txt" "$WORK/out"
ok $? "a package without md5.txt is refused (exit 2)"
mkdir -p "$WORK/tmp"
TMPDIR="$WORK/tmp" flash "$WORK/pkgs/dotdot.zip"
[ $? -eq 2 ] && grep -q "'..' component" "$WORK/out" && [ ! -e "$WORK/evil.txt" ] &&
        [ ! -e "$WORK/pkgs/evil.txt" ] && [ -z "$(ls -A "$WORK/tmp")" ]
ok $? "a zip with an entry leading out of the package ('..') is refused (exit 2), nothing extracted"
flash "$WORK/pkgs/symlink.zip"
[ $? -eq 2 ] && grep -q "is a link" "$WORK/out"
ok $? "a zip with a symlink entry is refused (exit 2)"
head -c 100000 "$WORK/pkgs/$R06A19.zip" >"$WORK/pkgs/truncated.zip"
flash "$WORK/pkgs/truncated.zip"
[ $? -eq 2 ] && grep -q "truncated.zip" "$WORK/out"
ok $? "a truncated zip is refused (exit 2)"
pid_is 9008 && ! grep -aq "<program" "$WORK/sim.log"
ok $? "after all these refusals nothing was written to the module"
stop_sim

# 6. A secure-boot module refuses a programmer signed by another root, and safeflash says so first.
# (its factory firmware is for other memory, so its SBL gives up and the PBL waits in EDL)
start_sim --persona eg25g --install EG25GGBR07A07M4G_01.003.01.003
flash "$WORK/pkgs/EG25GGBR07A08M2G_01.004.01.004-foreign" --no-reset
[ $? -eq 3 ] && grep -q "another root key" "$WORK/out"
ok $? "secure boot: a programmer signed by another root is refused before upload (exit 3)"
stop_sim

# 7. Faults: the device refuses, goes silent, loses power, lies, or someone else talks first.
start_sim --install $R08A01 --fault nak:program:3
flash "$WORK/pkgs/$R06A19" --session-log "$WORK/nak.log"
[ $? -eq 1 ] && grep -q "injected fault" "$WORK/out" && grep -q "injected fault" "$WORK/nak.log"
ok $? "a NAK in the middle of programming ends with the device's own words (exit 1) and a session log"
flash "$WORK/pkgs/$R06A19" && pid_is 0125 && at AT+QGMR | grep -q "$R06A19"
ok $? "flashing again (the programmer is still running) completes the job"
stop_sim

start_sim --install $R08A01 --fault cut-bytes:40000
flash "$WORK/pkgs/$R06A19"
r=$?
[ $r -ne 0 ] && pid_is 9008 && grep -aq "no valid SBL" "$WORK/sim.log"
ok $? "power lost mid-program: the flash fails, and with its SBL erased first the module waits in EDL"
flash "$WORK/pkgs/$R06A19" && pid_is 0125 && at AT+CGSN | grep -q 866758043398334
ok $? "flashing again revives it, with its IMEI"
stop_sim

start_sim --install $R08A01 --fault stall:configure
SECONDS=0
flash "$WORK/pkgs/$R06A19"
[ $? -eq 1 ] && [ $SECONDS -lt 30 ] && grep -q "configure" "$WORK/out"
ok $? "a programmer that stops answering is reported within the operation's timeout"
stop_sim

start_sim --install $R08A01 --fault corrupt-digest --quirk none # a programmer with digests
flash "$WORK/pkgs/$R06A19"
[ $? -eq 1 ] && grep -q "digest mismatch" "$WORK/out"
ok $? "a flash whose read-back digest does not match fails (success is never assumed)"
stop_sim

start_sim --install $R08A01 --fault garbage
flash "$WORK/pkgs/$R06A19" && pid_is 0125
ok $? "foreign bytes before the HELLO (a port prober) are skipped"
stop_sim

# A package whose UBI image is damaged (a changed byte, consistently with its md5.txt) is refused
# before anything is written: the image fails its own data CRC (docs/ubi.md).
cp -r "$WORK/pkgs/$R06A19" "$WORK/pkgs/badubi"
printf 'x' | dd of="$WORK/pkgs/badubi/update/NON-HLOS.ubi" bs=1 seek=$((2 * 262144 + 8192 + 3000)) conv=notrunc 2>/dev/null
sed -i "s/^\(.*NON-HLOS.ubi\):.*$/\1:$(md5sum "$WORK/pkgs/badubi/update/NON-HLOS.ubi" | cut -d' ' -f1)/" \
        "$WORK/pkgs/badubi/md5.txt"
start_sim --install $R08A01
flash "$WORK/pkgs/badubi"
[ $? -eq 2 ] && grep -q "NON-HLOS.ubi: UBI image: eraseblock 2: data CRC mismatch" "$WORK/out" && [ "$(count_cmd program)" -eq 0 ] &&
        [ "$(count_cmd erase)" -eq 0 ]
ok $? "a package whose UBI image fails its own CRCs is refused (exit 2) before anything is written"
stop_sim

# 8. A package whose modem image is broken (consistently with its md5.txt): the module crashes
#    at boot and offers a RAM dump as 05c6:900e; flashing refuses that state.
cp -r "$WORK/pkgs/$R06A19" "$WORK/pkgs/badmodem"
break_modem "$WORK/pkgs/badmodem"
start_sim --install $R08A01
flash "$WORK/pkgs/badmodem"
[ $? -eq 1 ] && grep -q "did not boot: it is in memory-debug mode" "$WORK/out" && pid_is 900e
ok $? "a modem image that does not check out makes the module crash into memory-debug mode (900e)"
flash "$WORK/pkgs/$R06A19"
[ $? -eq 4 ] && grep -q "memory-debug mode" "$WORK/out"
ok $? "flashing a module in memory-debug mode is refused (exit 4) and says why"

# 8b. The crash dump, the log there is when the DIAG port is dead: the module in 900e offers its
#     RAM over Sahara; ramdump collects every region of its table and shows the firmware's last log.
ramdump() {
        tb \
                "$SF" ramdump "$@" >"$WORK/out" 2>&1
}
ramdump -o "$WORK/dump"
[ $? -eq 0 ] && grep -q "Dumped 2 region(s), 266240 bytes" "$WORK/out" &&
        grep -q "last log lines ($WORK/dump/CRASHLOG.BIN)" "$WORK/out" &&
        grep -q "| modem: fatal error: the modem image is missing, damaged" "$WORK/out" &&
        grep -q "| mpss: image check failed" "$WORK/out"
ok $? "ramdump collects the crashed module's RAM and shows the path and last lines of its firmware's log"
python3 - "$WORK/dump" <<'PY' >>"$WORK/out" 2>&1
import hashlib, json, os, sys
d = sys.argv[1]
m = json.load(open(os.path.join(d, "manifest.json")))
assert m["complete"] is True and m["table"] == "32-bit", m
regions = {r["file"]: r for r in m["regions"]}
# the simulated crash's table: the crash log and the DDR region
assert regions["CRASHLOG.BIN"]["base"] == "0x8601000" and regions["CRASHLOG.BIN"]["length"] == 4096
assert regions["DDRCS0.BIN"]["base"] == "0x80000000" and regions["DDRCS0.BIN"]["length"] == 262144
assert sorted(os.listdir(d)) == sorted(list(regions) + ["manifest.json"]), os.listdir(d)
for f, r in regions.items():
    data = open(os.path.join(d, f), "rb").read()
    assert len(data) == r["length"], f
    assert hashlib.sha256(data).hexdigest() == r["sha256"], f
assert m["crash_log"] == "CRASHLOG.BIN"
PY
ok $? "the manifest lists every region of the simulated crash, and each digest is its file's"
grep -aq "^-> .* 07 00 00 00 08 00 00 00" "$WORK/sim.log" && pid_is 900e
ok $? "the dump ends with a Sahara RESET; the module, its modem still broken, crashes into 900e again"
ramdump -o "$WORK/dump"
[ $? -eq 1 ] && grep -q "already holds a dump" "$WORK/out" &&
        [ "$(sha256sum "$WORK/dump/DDRCS0.BIN" | cut -d' ' -f1)" = \
          "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["regions"][1]["sha256"])' "$WORK/dump/manifest.json")" ]
ok $? "a second dump into the same folder is refused (exit 1) and replaces nothing"
XDG_STATE_HOME="$WORK/state" tb \
        "$SF" ramdump --json >"$WORK/out" 2>"$WORK/err"
[ $? -eq 0 ] && grep -q '"event": "progress", "phase": "backup", "item": "DDRCS0.BIN"' "$WORK/err" &&
        python3 -c '
import json, os, sys
d = json.load(open(sys.argv[1]))
assert d["result"] == "dumped" and d["complete"] and d["mode"] == "memory-debug", d
assert d["directory"].startswith(sys.argv[2] + "/safeflash/ramdumps/"), d["directory"]
assert os.path.isfile(os.path.join(d["directory"], "manifest.json"))
assert len(d["regions"]) == 2 and "fatal error" in d["crash_log"]["tail"], d' "$WORK/out" "$WORK/state"
ok $? "ramdump --json, by default into \$XDG_STATE_HOME/safeflash/ramdumps/TIME/"
stop_sim
start_sim --install $R08A01
pid_is 9008 && ramdump -o "$WORK/dump-edl"
[ $? -eq 4 ] && grep -q "emergency download mode (EDL, 05c6:9008), not in memory-debug mode" "$WORK/out" &&
        [ ! -e "$WORK/dump-edl" ]
ok $? "ramdump on a module in EDL: exit 4, naming its state and what applies instead"
stop_sim
start_sim --install $R06A19
pid_is 0125 && ramdump
[ $? -eq 4 ] && grep -q "is running its firmware (normal mode, 2c7c:0125)" "$WORK/out"
ok $? "ramdump on a running module: exit 4 (it has not crashed)"
stop_sim

# 9. UFS: the rm500q persona (SDX55, 6 LUNs) and an SDX55 package (rawprogram0..5, patch0..5, GPTs).
RM11=RM500QGLABR11A06M4G_01.001.01.001
RM05=RM500QGLABR05A03M4G_01.001.01.001
mkpkg $RM11
rm -rf "$WORK/m"
start_sim --persona rm500q
pid_is 0800 && at ATI | grep -q "RM500Q-GL" && at AT+QGMR | grep -q "$RM11" &&
        at AT+CGSN | grep -q 864541041234566
ok $? "UFS: a new rm500q boots from its boot LUN as 2c7c:0800 with its factory firmware and IMEI"
stop_sim
start_sim --persona rm500q --install $RM05
pid_is 9008 && flash "$WORK/pkgs/$RM11" && pid_is 0800 && at AT+QGMR | grep -q "$RM11" &&
        at AT+CGSN | grep -q 864541041234566
ok $? "UFS: the SDX55 package revives an rm500q whose xbl cannot bring up its board; IMEI kept"
grep -a -q '<setbootablestoragedrive value="1"' "$WORK/sim.log" &&
        grep -a -q 'value="CRC32(NUM_DISK_SECTORS-1.,92)"' "$WORK/sim.log" &&
        grep -a -q 'MemoryName="ufs"' "$WORK/sim.log"
ok $? "UFS: configured for ufs, GPT patches evaluated on the device, LUN 1 made bootable"
cp -r "$WORK/pkgs/$RM11" "$WORK/pkgs/badufs"
printf 'x' | dd of="$WORK/pkgs/badufs/update/NON-HLOS.ubi" bs=1 seek=3000 conv=notrunc 2>/dev/null
sum=$(md5sum "$WORK/pkgs/badufs/update/NON-HLOS.ubi" | cut -d' ' -f1)
sed -i "s/^\(.*NON-HLOS.ubi\):.*$/\1:$sum/" "$WORK/pkgs/badufs/md5.txt"
info edl && pid_is 9008 && { flash "$WORK/pkgs/badufs"; [ $? -eq 1 ]; } && pid_is 900e && ramdump -o "$WORK/dump-ufs"
[ $? -eq 0 ] && grep -q '"table": "64-bit"' "$WORK/dump-ufs/manifest.json" &&
        grep -q "| xbl: loading modem (mpss) from UFS" "$WORK/out" &&
        [ "$(stat -c %s "$WORK/dump-ufs/DDRCS0.BIN")" = 262144 ]
ok $? "UFS: an SDX55 whose modem crashes offers MEMORY_DEBUG_64 and a 64-bit table; ramdump reads it"
stop_sim

# 10. The safe update, the user story's way: a running EC25-E on R06A17.
update() {
        XDG_STATE_HOME="$WORK/state" info update "$@"
}
history() {
        XDG_STATE_HOME="$WORK/state" "$SF" history "$@" >"$WORK/out" 2>&1
}
rm -rf "$WORK/m" "$WORK/state"
start_sim
update "$WORK/pkgs/$R08A01"
[ $? -eq 3 ] && grep -q "R06 → R08" "$WORK/out" && grep -q "Nothing was written" "$WORK/out" &&
        pid_is 0125 && ! grep -aq "^-> edl" "$WORK/sim.log"
ok $? "update refuses R08 on the R06 module (exit 3): it explains, and never touches the module"
update "$WORK/pkgs/$R06A19"
[ $? -eq 0 ] && grep -q "IMEI 866758043398334 kept" "$WORK/out" && at AT+QGMR | grep -q "$R06A19"
ok $? "update installs R06A19: DIAG switch, backup, flash, boot, version and IMEI confirmed"
b=$(ls -d "$WORK"/state/safeflash/backups/866758043398334/* | head -1)
[ -s "$b/efs2.bin" ] && grep -q "$(sha256sum "$b/efs2.bin" | cut -d' ' -f1)" "$b/manifest.json"
ok $? "the EFS2 backup is on disk, and its manifest's digest is the file's"
history 866758043398334 && grep -q "Last known good firmware: $R06A19" "$WORK/out" &&
        grep -q "update  refused" "$WORK/out" && grep -q "update  success" "$WORK/out" &&
        grep -q "(verified)" "$WORK/out"
ok $? "the history answers: sessions refused and succeeded, the install, the backup, last known good"
history 0x0cf94c64 && grep -q "866758043398334" "$WORK/out"
ok $? "the module is found by its chip serial too (bound to the IMEI during the update)"
update "$WORK/pkgs/$R06A19"
[ $? -eq 3 ] && grep -q "allow-reinstall" "$WORK/out"
ok $? "updating to the installed version needs --allow-reinstall"
update "$WORK/pkgs/$R06A19.zip" --allow-reinstall --yes
[ $? -eq 0 ] && grep -q "IMEI 866758043398334 kept" "$WORK/out" && at AT+QGMR | grep -q "$R06A19" &&
        python3 - "$WORK/state/safeflash/history.db" "$WORK/pkgs/$R06A19.zip" <<'PY'
import hashlib, sqlite3, sys, zipfile
md5 = zipfile.ZipFile(sys.argv[2]).read("EC25EFAR06A19M4G_20.201.20.201/md5.txt")
row = sqlite3.connect(sys.argv[1]).execute(
    "SELECT package_sha256 FROM installs ORDER BY rowid DESC LIMIT 1").fetchone()
assert row[0] == hashlib.sha256(md5).hexdigest(), row
PY
ok $? "update takes a zipped package too: installed from the zip, confirmed, its md5.txt fingerprint recorded"
update "$WORK/pkgs/$R08A01" --force </dev/null
[ $? -eq 3 ] && grep -q "confirm with --yes" "$WORK/out" && pid_is 0125
ok $? "--force without a person or --yes to confirm is refused"
update "$WORK/pkgs/$R08A01" --force --yes
[ $? -eq 1 ] && grep -q "did not boot" "$WORK/out" && pid_is 9008
ok $? "a forced R08 bricks it, and update reports the failure (the module is in EDL)"
history 866758043398334 && grep -q "Last known good firmware: $R06A19" "$WORK/out" &&
        grep -q "update  failed" "$WORK/out"
ok $? "the history keeps the truth: the failed session, and R06A19 as the last known good"
stop_sim

# 11. No device.
XDG_STATE_HOME="$WORK/state" tb_empty "$SF" flash "$WORK/pkgs/$R06A19" >"$WORK/out" 2>&1
[ $? -eq 4 ]
ok $? "no module in EDL: exit 4"

finish
