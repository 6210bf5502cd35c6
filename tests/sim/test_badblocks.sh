#!/usr/bin/env bash
# NAND bad blocks end to end: safeflash against a simulated EC25-E (its real habits on: no
# getsha256digest) whose NAND has factory bad blocks (--bad-blocks), blocks that go bad while they
# are programmed (--fault wear:N), and a partition with too few good blocks for its image. Each
# time: flashed, booted, then the package it runs flashed again (no partition written), then a
# package that differs only in NON-HLOS.ubi (only the modem partition written); the module boots
# the new version with its IMEI every time. docs/sim-transport.md, "NAND bad blocks".
# Prints TAP. Usage: test_badblocks.sh SAFEFLASH SAFEFLASH_SIM
set -u
SF=$1
SIM=$2
. "$(dirname "$0")/lib.sh"

R06A17=EC25EFAR06A17M4G_20.200.20.200
R06A19=EC25EFAR06A19M4G_20.201.20.201
R06A21=EC25EFAR06A21M4G_20.202.20.202
IMEI=866758043398334
BBT=$WORK/m/flash.img.bbt
mkpkg $R06A19
mkpkg $R06A21
# R06A19 with R06A21's NON-HLOS.ubi (the modem firmware, whose version AT+QGMR reports) and
# contents.xml (the package's version, not written to the module): of what goes onto the module,
# it differs from R06A19 in that one image.
MODEM=$WORK/modem/$R06A21
mkdir -p "$WORK/modem"
cp -r "$WORK/lib/$R06A19" "$MODEM"
cp "$WORK/lib/$R06A21/update/NON-HLOS.ubi" "$MODEM/update/NON-HLOS.ubi"
cp "$WORK/lib/$R06A21/contents.xml" "$MODEM/contents.xml"
sed -i "s/^\(.*NON-HLOS.ubi\):.*$/\1:$(md5sum "$MODEM/update/NON-HLOS.ubi" | cut -d' ' -f1)/" \
        "$MODEM/md5.txt"

# boots VERSION: the module came back running VERSION, with its IMEI.
boots() {
        pid_is 0125 && at AT+QGMR | grep -q "$1" && at AT+CGSN | grep -q $IMEI
}

# edl_flash PACKAGE [OPTIONS]: to EDL over DIAG, then flash (--json in $WORK/stdout); the programs that
# reached the module in this flash are in $WORK/programs.
edl_flash() {
        local before
        before=$(count_cmd program)
        sf edl && pid_is 9008 && sf flash "$@" --json
        local r=$?
        grep -a "<program " "$WORK/sim.log" | tail -n +$((before + 1)) >"$WORK/programs"
        return $r
}

# written N: the flash wrote N partitions, and that many programs reached the module.
written() {
        json "d['partitions_written'] == $1" && [ "$(wc -l <"$WORK/programs")" -eq "$1" ]
}

# cycle NAME: flash R06A19, then again, then the modem-only package; each boots with the IMEI.
cycle() {
        edl_flash "$WORK/lib/$R06A19" && boots $R06A19 && json 'd["partitions_written"] > 0'
        ok $? "$1: a flash writes, verifies and boots R06A19 with its IMEI"
        edl_flash "$WORK/lib/$R06A19" && written 0 && boots $R06A19
        ok $? "$1: re-flashing the package the booted module runs writes no partition"
        edl_flash "$MODEM" && written 1 && grep -q 'label="modem"' "$WORK/programs" && boots $R06A21
        ok $? "$1: a package differing only in NON-HLOS.ubi writes only modem, and boots it"
        erases=$(count_cmd erase)
}

# 1. Factory bad blocks placed from the chip serial.
start_sim --bad-blocks 8 && pid_is 0125
[ "$(wc -l <"$BBT")" -eq 8 ] && awk '$1 < 11 { low = 1 } END { exit low }' "$BBT"
ok $? "a new module with --bad-blocks 8 has 8 bad blocks, none where SBL and MIBIB sit"
boots $R06A17
ok $? "the factory wrote its firmware around them: it boots R06A17 with its IMEI"
cycle "8 factory bad blocks"
[ "$(grep -ac "block:[0-9a-f]* is bad" "$WORK/sim.log")" -ge 8 ] &&
        grep -q "the NAND has 8 bad block(s)" "$WORK/state"/safeflash/logs/*flash*.log
ok $? "the programmer's scan listed them, and safeflash counted 8 (its session log says so)"
# The plan: the module runs R06A19 with R06A21's modem; R06A19's plan says only modem differs.
edl_flash "$WORK/lib/$R06A19" --plan && [ "$(wc -l <"$WORK/programs")" -eq 0 ] &&
        json 'd["result"] == "plan" and d["plan_only"] and d["partitions_written"] == 0' &&
        json '[p["verdict"] for p in d["plan"] if p["partition"] == "modem"] == ["changed"]' &&
        json 'all(p["verdict"] == "same" for p in d["plan"] if p["partition"] != "modem")' &&
        json 'len(d["plan"]) == 10' && [ "$(count_cmd erase)" -eq "$erases" ]
ok $? "flash --plan: modem changed, every other partition the same, nothing erased or written"
json 'any(p["partition"] == "system" and "usrfs" in p["why"] and "kept" in p["why"] for p in d["plan"])' &&
        json 'any(p["partition"] == "modem" and "modem" in p["why"] for p in d["plan"])'
ok $? "the plan says why: which volume differs, and that usrfs is the module's data, kept"
boots $R06A21
ok $? "after the plan the module was restarted and runs what it ran"
sf edl && pid_is 9008 && sf flash "$WORK/lib/$R06A19" --dry-run && grep -q "nothing was written" "$WORK/out" &&
        grep -Eq "^  modem +changed +UBI: " "$WORK/out" && grep -Eq "^  sbl +same " "$WORK/out" && boots $R06A21
ok $? "--dry-run prints the plan, one partition a line"
cp "$BBT" "$WORK/bbt.before"
stop_sim
start_sim --bad-blocks 30 && cmp -s "$BBT" "$WORK/bbt.before" && boots $R06A21
ok $? "after a restart the same bad blocks are there (they never move), and it boots"
stop_sim

# 2. Bad blocks where it hurts: the first and the third block of every partition past MIBIB, so
# that every image starts past one and the longer ones are split around another.
rm -rf "$WORK/m"
mkdir -p "$WORK/m"
grep -o '<program[^>]*' "$WORK/lib/$R06A19"/update/firehose/rawprogram_nand*.xml |
        grep -o 'start_sector="[0-9]*"' | tr -dc '0-9\n' |
        awk '$1 >= 704 { print int($1 / 64); print int($1 / 64) + 2 }' | sort -un >"$BBT"
start_sim && boots $R06A17
ok $? "with a bad block at the start of every partition, the factory firmware boots with its IMEI"
cycle "a bad block in every partition"
stop_sim

# 3. A block goes bad while it is programmed: the programmer marks it and moves on.
rm -rf "$WORK/m"
start_sim --bad-blocks 8 --fault wear:4 && boots $R06A17
cycle "a block going bad during the program"
[ "$(wc -l <"$BBT")" -eq 9 ] &&
        grep -aq "skip bad block [0-9]* and continue with next good block" "$WORK/sim.log"
ok $? "the programmer marked the ninth bad block and said it moved on"
stop_sim

# 4. A partition without enough good blocks for its image: refused before anything is written.
rm -rf "$WORK/m"
start_sim && boots $R06A17 # the factory installs on good NAND
stop_sim
seq 195 234 >"$BBT" # every block of "recovery" (pages 12480..15039) has gone bad
start_sim && pid_is 0125
sf edl && pid_is 9008 && sf flash "$WORK/lib/$R06A19"
r=$?
[ $r -eq 3 ] && grep -q "recovery: the image needs 1 blocks but its partition (blocks 195..234) has only 0 good blocks" "$WORK/out" &&
        grep -q "nothing was written" "$WORK/out"
ok $? "an image that does not fit its partition's good blocks is refused (exit 3), saying why"
[ "$(count_cmd program)" -eq 0 ] && [ "$(count_cmd erase)" -eq 0 ] && boots $R06A17
ok $? "nothing was erased or written, and the module went back to R06A17 with its IMEI"
stop_sim

finish
