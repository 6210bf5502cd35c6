#!/usr/bin/env bash
# Real habits (safeflash-sim run --quirk NAME, docs/sim-transport.md "Real habits"): with each
# one alone, and with all of them, `safeflash update` and `safeflash flash` install a package and
# the module boots it with its IMEI; and what each habit asks of the host is seen happening.
# Prints TAP. Usage: test_quirks.sh SAFEFLASH SAFEFLASH_SIM
set -u
SF=$1
SIM=$2
. "$(dirname "$0")/lib.sh"

R06A17=EC25EFAR06A17M4G_20.200.20.200
R06A19=EC25EFAR06A19M4G_20.201.20.201
R06A21=EC25EFAR06A21M4G_20.202.20.202
IMEI=866758043398334
mkpkg $R06A19
mkpkg $R06A21
ALL="--quirk done-pending --quirk no-digest --quirk slow-start --quirk no-command-mode
     --quirk sahara-v3 --quirk urc-chatter"

# boots VERSION [IMEI]: the module came back running VERSION, with its IMEI.
boots() {
        pid_is 0125 && at AT+QGMR | grep -q "$1" && at AT+CGSN | grep -q "${2:-$IMEI}"
}

# both NAME OPTIONS...: update R06A17 -> R06A19 on a running module, then flash R06A21 onto it
# in EDL; each ends with the module booting the new version with its IMEI.
both() {
        local name=$1
        shift
        stop_sim
        rm -rf "$WORK/m" "$WORK/state"
        start_sim --quirk none "$@" --install $R06A17
        sf update "$WORK/lib/$R06A19" --yes && boots $R06A19
        ok $? "$name: update installs R06A19, the module boots it with its IMEI"
        sf edl && pid_is 9008 && sf flash "$WORK/lib/$R06A21" --json && boots $R06A21
        ok $? "$name: flash installs R06A21 in EDL, the module boots it with its IMEI"
}

both done-pending --quirk done-pending
grep -aq "programmer started after DONE_RESP(0)" "$WORK/sim.log"
ok $? "done-pending: the boot ROM answered DONE with 0 (pending), and that was success"

both no-digest --quirk no-digest
[ "$(count_cmd getsha256digest)" = 0 ] && [ "$(count_cmd read)" -gt 0 ] && json 'd["partitions_verified"] > 0'
ok $? "no-digest: verified by read-back, getsha256digest never asked (the banner lacks it)"

both slow-start --quirk slow-start
json 'd["partitions_verified"] > 0'
ok $? "slow-start: the programmer's late start and its unasked logs are waited out"

both no-command-mode --quirk no-command-mode
json 'd["identified"] and d["chip_evidence"] == "programmer" and d["chip_serial"] == "0x0cf94c64"'
ok $? "no-command-mode: the chip is identified by the running programmer's banner, and says so"
sf edl && pid_is 9008 && sf info --json && json '"refuses Sahara command mode" in d["note"]'
ok $? "no-command-mode: info on the module in EDL says its boot ROM refuses command mode"
# recover on that boot ROM: without a package there is no programmer to name the chip
sf recover --library "$WORK/lib"
[ $? = 4 ] && grep -q "refuses Sahara command mode" "$WORK/out" && pid_is 9008
ok $? "no-command-mode: recover --library says a PACKAGE is needed to name the chip; nothing done"
# a package older than the chip's last good firmware (R06A21, in the history under the serial
# the programmer names): refused before anything is written, and the module goes back to R06A21
before=$(count_cmd program)
sf recover "$WORK/lib/$R06A19" --json
[ $? = 3 ] && grep -q "last good firmware was $R06A21" "$WORK/out" &&
        [ "$(count_cmd program)" = "$before" ] && boots $R06A21
ok $? "no-command-mode: recover checks the package against the chip the programmer names"
sf edl && pid_is 9008 && sf recover "$WORK/lib/$R06A21" --json -v && boots $R06A21 &&
        json 'd["result"] == "success" and d["chip_serial"] == "0x0cf94c64" and d["imei_after"] == "'$IMEI'"' &&
        grep -q "chip 0x0cf94c64 (named by its programmer): last ran $R06A21, IMEI $IMEI" "$WORK/out"
ok $? "no-command-mode: recover with the package identifies the chip by its programmer, finds its history, boots it with its IMEI"

both sahara-v3 --quirk sahara-v3
json 'd["identified"] and d["chip_evidence"] == "sahara" and d["msm_id"] == 0x000480E1'
ok $? "sahara-v3: the chip is identified with READ_CHIP_ID_V3"

both urc-chatter --quirk urc-chatter
sf info --json && json 'd["firmware"]["value"] == "'$R06A21'" and d["imei"]["value"] == "'$IMEI'"'
ok $? "urc-chatter: info reads version and IMEI past URCs and echo"

# shellcheck disable=SC2086
both "all habits" $ALL
stop_sim

# The persona's own habits (its defaults) on a UFS module, with every habit on.
RM11=RM500QGLABR11A06M4G_01.001.01.001
RM12=RM500QGLABR11A07M4G_01.002.01.002
mkpkg $RM12
stop_sim
rm -rf "$WORK/m" "$WORK/state"
# shellcheck disable=SC2086
start_sim --persona rm500q $ALL
pid_is 0800 && sf update "$WORK/lib/$RM12" --yes && pid_is 0800 && at AT+QGMR | grep -q "$RM12" &&
        at AT+CGSN | grep -q 864541041234566
ok $? "UFS, all habits: update installs RM500Q R11A07, the module boots it with its IMEI"
stop_sim
finish
