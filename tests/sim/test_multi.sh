#!/usr/bin/env bash
# Several simulated modules on one USB bus (a production line): each safeflash-sim process keeps
# its flash in its own folder and presents its device, tty nodes and usbfs node in the bus's
# shared umockdev testbed, on its own port. The real safeflash binary must see every module, reach the one it is
# told to, and leave the others alone; two flashes at once must both succeed.
# Prints TAP. Usage: test_multi.sh SAFEFLASH SAFEFLASH_SIM
set -u
SF=$1
SIM=$2
WORK=$(mktemp -d /tmp/sf-multi.XXXXXX)
BUS=$WORK/bus
DEVS=$BUS/sys/bus/usb/devices
declare -A PIDS=()
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

cleanup() {
        for p in "${!PIDS[@]}"; do
                stop_module "$p"
        done
        rm -rf "$WORK"
}
trap cleanup EXIT

. "$(dirname "$0")/../tap.sh"
tap_diagnose() {
        [ -f "$WORK/out" ] && sed 's/^/#   /' "$WORK/out" | tail -15
}

# start_module PORT [options]: a module on that port of the bus, its state in WORK/mPORT.
start_module() {
        local port=$1
        shift
        "$SIM" run --dir "$WORK/m$port" --bus "$BUS" --port "$port" --small-images --timing none \
                --log "$WORK/sim$port.log" "$@" >"$WORK/sim$port.out" 2>&1 &
        PIDS[$port]=$!
        for _ in $(seq 1 100); do
                grep -q ready "$WORK/sim$port.out" 2>/dev/null && return 0
                sleep 0.05
        done
        return 1
}

stop_module() {
        kill "${PIDS[$1]}" 2>/dev/null
        wait "${PIDS[$1]}" 2>/dev/null
        unset "PIDS[$1]"
}

# pid_is PORT PID: the module on that port has settled as that USB product id.
pid_is() {
        for _ in $(seq 1 100); do
                [ "$(cat "$DEVS/1-$1/idProduct" 2>/dev/null)" = "$2" ] && return 0
                sleep 0.05
        done
        return 1
}

devnum() {
        cat "$DEVS/1-$1/devnum" 2>/dev/null
}

# at PORT CMD: what the firmware on that port answers on its AT port, ttyUSB(4(PORT-1)+2).
at() {
        python3 "$(dirname "$0")/at.py" "$BUS/dev/ttyUSB$((4 * ($1 - 1) + 2))" "$2" 2>&1
}

sf() { # safeflash on the shared bus, as a host with these modules plugged in sees them
        # shellcheck disable=SC2046
        XDG_STATE_HOME="$WORK/state" env $(cat "$BUS/env") "$SF" "$@"
}

R06A17=EC25EFAR06A17M4G_20.200.20.200
R06A19=EC25EFAR06A19M4G_20.201.20.201
R08A01=EC25EFAR08A01M4G_01.001.01.001
"$SIM" mkpkg $R06A19 -o "$WORK/pkgs/$R06A19" --small >/dev/null

# Four modules on one bus: 1 and 2 as they come from the factory (2 with an identity derived from
# its port), 3 with the identity it is given, 4 bricked by an R08 package (in EDL from the start).
start_module 1 && start_module 2 && start_module 3 --imei 356938035643809 --chip-serial 0x12345678 &&
        start_module 4 --install $R08A01 && pid_is 1 0125 && pid_is 4 9008
ok $? "four simulators start on one bus, each on its own port"

sf list --json >"$WORK/out" 2>&1 && python3 - "$WORK/out" /dev <<'PY'
import json, sys
d = {x["device"]: x for x in json.load(open(sys.argv[1]))}
dev = sys.argv[2]
assert sorted(d) == ["1-1", "1-2", "1-3", "1-4"], sorted(d)
for p in (1, 2, 3):
    x = d["1-%d" % p]
    assert x["mode"] == "normal" and x["usb_id"] == "2c7c:0125", x
    assert x["dm_port"] == "%s/ttyUSB%d" % (dev, 4 * (p - 1)), x
    assert x["at_port"] == "%s/ttyUSB%d" % (dev, 4 * (p - 1) + 2), x
x = d["1-4"]
assert x["mode"] == "edl" and x["usb_id"] == "05c6:9008" and x["edl_port"] == dev + "/ttyUSB12", x
addrs = [(x["bus"], x["address"]) for x in d.values()]
assert len(set(addrs)) == 4, addrs
PY
ok $? "safeflash list shows all four on their ports, each with its own ttys and its own address"
sf list >"$WORK/out" 2>&1 && grep -q "^1-2 .*at /dev/ttyUSB6 .*dm /dev/ttyUSB4" "$WORK/out" &&
        grep -q "^1-4 .*edl /dev/ttyUSB12" "$WORK/out"
ok $? "the plain listing names each module's ports"

sf info -d 1-2 --json >"$WORK/out" 2>&1 && python3 - "$WORK/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
imei = d["imei"]["value"]
digits = [int(c) for c in imei]
s = sum(v if i % 2 == 0 else (2 * v - 9 if 2 * v > 9 else 2 * v) for i, v in enumerate(digits[:14]))
assert d["imei"]["source"] == "at" and len(imei) == 15 and (10 - s % 10) % 10 == digits[14], d
assert imei == "866758043398342", imei          # the persona's, serial number field + 1
PY
ok $? "safeflash info -d 1-2 reads that module's own IMEI (derived from its port, valid Luhn)"
sf info -d 1-1 >"$WORK/out" 2>&1 && grep -q "IMEI  *866758043398334" "$WORK/out"
ok $? "the module on port 1 has the persona's own IMEI"
sf info -d 1-3 >"$WORK/out" 2>&1 && grep -q "IMEI  *356938035643809" "$WORK/out"
ok $? "a module started with --imei reports that IMEI"
sf info -d /dev/ttyUSB6 >"$WORK/out" 2>&1 && grep -q "Device  *1-2," "$WORK/out" &&
        grep -q "IMEI  *866758043398342" "$WORK/out"
ok $? "a module is reached by its tty path too (ttyUSB6 is the AT port of 1-2)"
sf info -d usb:1:"$(devnum 4)" >"$WORK/out" 2>&1 && grep -q "Chip serial  0x0cfc4c67" "$WORK/out"
ok $? "the EDL module on port 4, reached by usb:BUS:ADDR, has its own chip serial in Sahara"

a3=$(devnum 3)
a4=$(devnum 4)
sf edl -d 1-3 >"$WORK/out" 2>&1 && grep -q "^1-3 is in emergency download mode" "$WORK/out" &&
        pid_is 3 9008
ok $? "safeflash edl -d 1-3 switches that module, and follows it on its port (1-4 is in EDL too)"
[ "$(devnum 3)" != "$a3" ] && [ "$(devnum 4)" = "$a4" ] && pid_is 1 0125 && pid_is 2 0125
ok $? "it re-enumerated with a new address; the others kept theirs and their mode"
sf info -d 1-3 >"$WORK/out" 2>&1 && grep -q "Chip serial  0x12345678" "$WORK/out"
ok $? "in EDL, 1-3 shows the chip serial it was given"

sf flash "$WORK/pkgs/$R06A19" >"$WORK/out" 2>&1
[ $? -eq 2 ] && grep -q "choose one with -d" "$WORK/out" && ! grep -aq "<program" "$WORK"/sim*.log
ok $? "with two modules in EDL, flash without -d is refused (exit 2) and writes nothing"

sf flash "$WORK/pkgs/$R06A19" -d 1-3 >"$WORK/out" 2>&1 && pid_is 3 0125 &&
        at 3 AT+QGMR | grep -q "$R06A19" && at 3 AT+CGSN | grep -q 356938035643809
ok $? "flash -d 1-3 writes that module; it comes back on AT with the new version and its IMEI"
! grep -aq "<program" "$WORK/sim1.log" "$WORK/sim2.log" "$WORK/sim4.log" &&
        at 1 AT+QGMR | grep -q "$R06A17" && at 2 AT+QGMR | grep -q "$R06A17" && pid_is 4 9008
ok $? "the other modules are untouched: 1 and 2 still run $R06A17, 4 still waits in EDL"

# Two flashes at once, on two modules: 2 switched to EDL just now, and the bricked 4.
sf edl -d 1-2 --json >"$WORK/edl.json" 2>&1 && pid_is 2 9008
ok $? "module 2 switched to EDL"
a2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["address"])' "$WORK/edl.json")
SECONDS=0
sf flash "$WORK/pkgs/$R06A19" -d "usb:1:$a2" >"$WORK/flash2.out" 2>&1 &
f2=$!
sf flash "$WORK/pkgs/$R06A19" -d 1-4 >"$WORK/flash4.out" 2>&1 &
f4=$!
wait $f2
r2=$?
wait $f4
r4=$?
cat "$WORK/flash2.out" "$WORK/flash4.out" >"$WORK/out"
[ $r2 -eq 0 ] && [ $r4 -eq 0 ] && grep -q "^Written [1-9][0-9]* partition(s).*verified" "$WORK/flash2.out" &&
        grep -q "^Written 10 partition(s).* 10 verified" "$WORK/flash4.out"
ok $? "two flashes running at once (usb:1:$a2 and 1-4) both succeed (${SECONDS}s)"
pid_is 2 0125 && pid_is 4 0125 && at 2 AT+QGMR | grep -q "$R06A19" && at 4 AT+QGMR | grep -q "$R06A19" &&
        at 2 AT+CGSN | grep -q 866758043398342 && at 1 AT+QGMR | grep -q "$R06A17"
ok $? "both come back with the new version and their own IMEI; module 1 still untouched"

sf list --json >"$WORK/out" 2>&1 && python3 - "$WORK/out" <<'PY'
import json, sys
addrs = [(x["bus"], x["address"]) for x in json.load(open(sys.argv[1]))]
assert len(addrs) == 4 and len(set(addrs)) == 4, addrs
PY
ok $? "after all these re-enumerations no two devices share an address"

# One simulator goes away: only its device, nodes and sockets leave the bus.
stop_module 2
sf list >"$WORK/out" 2>&1 && grep -q "^1-1 " "$WORK/out" && grep -q "^1-3 " "$WORK/out" &&
        grep -q "^1-4 " "$WORK/out" && ! grep -q "^1-2 " "$WORK/out"
ok $? "killing one simulator leaves the others listed"
[ ! -e "$BUS/dev/ttyUSB4" ] && [ ! -e "$BUS/dev/ttyUSB6" ] && [ -e "$BUS/dev/ttyUSB2" ] &&
        [ -e "$BUS/dev/ttyUSB10" ] && [ -e "$BUS/dev/ttyUSB14" ] && sf info -d 1-3 >"$WORK/out" 2>&1 &&
        grep -q "IMEI  *356938035643809" "$WORK/out"
ok $? "its tty nodes are gone, the others' are there and answer"

# A port belongs to one simulator at a time.
"$SIM" run --dir "$WORK/intruder" --bus "$BUS" --port 1 --timing none --small-images \
        >"$WORK/out" 2>&1 &
ip=$!
for _ in $(seq 1 100); do # it gives up by itself (a sanitized one takes a while to start)
        kill -0 $ip 2>/dev/null || break
        sleep 0.1
done
kill $ip 2>/dev/null
wait $ip
[ $? -eq 1 ] && grep -q "port 1 of .* is taken" "$WORK/out" && pid_is 1 0125 &&
        at 1 AT+CGSN | grep -q 866758043398334
ok $? "a second simulator on a port that is taken is refused, and the first keeps it"

# The freed port can be taken again, by the same module (its flash is in its own folder).
start_module 2 && pid_is 2 0125 && at 2 AT+QGMR | grep -q "$R06A19"
ok $? "module 2 restarted on its port boots what was flashed onto it"


# Several updates at once (a production line): one worker each, one result each.
"$SIM" mkpkg $R08A01 -o "$WORK/pkgs/$R08A01" --small >/dev/null
export XDG_STATE_HOME=$WORK/state SAFEFLASH_DATADIR=${SAFEFLASH_DATADIR:-$(cd "$(dirname "$0")/../../data" && pwd)}
sf update "$WORK/pkgs/$R06A19" -d 1-1 -d 1-2 --json >"$WORK/out" 2>"$WORK/err"
r=$?
[ $r -eq 1 ] && python3 - "$WORK/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
m = {x["device"]: x for x in d["modules"]}
assert m["1-1"]["result"] == "success" and m["1-1"]["firmware_after"] == "EC25EFAR06A19M4G_20.201.20.201", m
assert m["1-2"]["result"] == "refused" and "must not go" in m["1-2"]["error"], m
assert d["summary"] == {"modules": 2, "succeeded": 1, "exit_status": 1}, d["summary"]
PY
ok $? "update -d 1-1 -d 1-2: 1-1 updated, 1-2 refused (already installed); per-module JSON, exit 1"
at 1 AT+QGMR | grep -q "$R06A19" && at 1 AT+CGSN | grep -q 866758043398334 && pid_is 2 0125
ok $? "1-1 runs $R06A19 with its IMEI; 1-2 was not touched"
programs=$(cat "$WORK"/sim*.log | grep -a -c "<program ")
sf update "$WORK/pkgs/$R08A01" --all >"$WORK/out" 2>&1
[ $? -eq 3 ] && [ "$(grep -c " refused " "$WORK/out")" -eq 4 ] && grep -q "0 of 4 module(s) updated" "$WORK/out" &&
        [ "$(cat "$WORK"/sim*.log | grep -a -c "<program ")" -eq "$programs" ]
ok $? "update --all with the R08 package: every module refused (exit 3), nothing written"

finish
