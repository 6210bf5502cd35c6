#!/usr/bin/env bash
# End to end: safeflash keeps ModemManager off a module while it updates it (InhibitDevice over
# the system bus, released at the end), and stops with a clear message when ModemManager will
# not let go. A private dbus-daemon plays the system bus, a small service plays ModemManager.
# Prints TAP. Usage: test_modemmanager.sh SAFEFLASH SAFEFLASH_SIM
set -u
SF=$1
SIM=$2
. "$(dirname "$0")/lib.sh"
export SAFEFLASH_DATADIR=${SAFEFLASH_DATADIR:-$(cd "$(dirname "$0")/../../data" && pwd)}
PY=/usr/bin/python3 # Debian's, with python3-dbus and python3-gi
FAKE=$(dirname "$0")/fake-modemmanager.py
BUSPID=
MMPID=

cat >"$WORK/bus.conf" <<CONF
<busconfig>
  <type>system</type>
  <listen>unix:path=$WORK/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
CONF
dbus-daemon --config-file="$WORK/bus.conf" --nofork --nopidfile >"$WORK/bus.out" 2>&1 &
BUSPID=$!
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$WORK/system_bus_socket
for _ in $(seq 1 100); do [ -S "$WORK/system_bus_socket" ] && break; sleep 0.05; done
trap 'kill $MMPID $BUSPID 2>/dev/null; cleanup' EXIT # (kill of an empty MMPID is harmless)

start_mm() { # MODE
        if [ -n "$MMPID" ]; then
                kill "$MMPID" 2>/dev/null
                wait "$MMPID" 2>/dev/null
        fi
        : >"$WORK/mm.log"
        $PY "$FAKE" "$DBUS_SYSTEM_BUS_ADDRESS" "$WORK/mm.log" "$1" >"$WORK/mm.out" 2>&1 &
        MMPID=$!
        for _ in $(seq 1 100); do grep -q ready "$WORK/mm.out" 2>/dev/null && return 0; sleep 0.05; done
        return 1
}

R06A19=EC25EFAR06A19M4G_20.201.20.201
mkpkg $R06A19
start_sim
# The device as the kernel names it, under /sys (the testbed stands for /sys).
uid=/sys$(realpath "$WORK/m/sys/bus/usb/devices/1-1" | sed "s#^$(realpath "$WORK/m")/sys##")

start_mm ok
ok $? "(setup) a private system bus with a stand-in ModemManager"
sf update "$WORK/lib/$R06A19" && at AT+QGMR | grep -q $R06A19
ok $? "update with ModemManager running succeeds"
[ "$(cat "$WORK/mm.log")" = "InhibitDevice $uid true
InhibitDevice $uid false" ]
ok $? "it asked ModemManager to let go of the module (by its sysfs path) and gave it back at the end"

start_mm refuse
programs=$(count_cmd program)
sf update "$WORK/lib/$R06A19" --allow-reinstall --yes
[ $? -eq 4 ] && grep -q "ModemManager" "$WORK/out" && grep -q "systemctl stop ModemManager" "$WORK/out" &&
        [ "$(count_cmd program)" -eq "$programs" ] && pid_is 0125
ok $? "ModemManager that will not let go: exit 4, says how to stop it, nothing written"

start_mm unknown
sf backup --package "$WORK/lib/$R06A19"
ok $? "a module ModemManager does not manage is worked on as usual"
kill $MMPID 2>/dev/null
wait $MMPID 2>/dev/null
MMPID=
sf backup --package "$WORK/lib/$R06A19"
ok $? "with no ModemManager on the bus, nothing is asked and the work goes on"
stop_sim
finish
