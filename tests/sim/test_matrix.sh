#!/usr/bin/env bash
# The fault matrix (issue 13): persona x phase x fault, each case an update of a fresh simulated
# module with one fault injected, then a verdict. After each case either the update succeeded
# (exit 0, the new version running, the IMEI kept), or the module runs its old firmware (or the
# new one, written but not confirmed) with its IMEI, or `safeflash recover` brings back its last
# known good firmware with its IMEI; a power cycle (the simulator restarted on its flash) is
# taken where nothing else reaches the module (a hung programmer or boot ROM, a silent AT
# port), and the table says so. `safeflash history` is read after each case: the table's
# history column says whether it holds the update session (failed unless the update exited 0),
# the recover session when recover brought the module back, and the last known good firmware
# the module runs. A case fails on a module unrecoverable, an IMEI lost, an exit 0 without the
# new version running, or a module switched to EDL whose update session the history lacks.
#
# Phases, and where each fault is aimed (indices counted in a fault-free run of the same update,
# the baseline case of each persona, from its simulator log):
#   identify   at:1          the second AT command on the running firmware (ATI, AT+CGSN...)
#   backup     read:B        a read of the EFS backup (the 3rd last read before the first write)
#   switch     diag:0        the DIAG request that reboots into EDL
#   sahara     sahara:S      a transfer of the programmer's image to the boot ROM (mid-image)
#   configure  configure:0
#   erase      erase:K       NAND: erase lines 0, 2, 4, 6, 8 (one fault each)
#   program    program:K     lines 0 (tz), 3, 5, 7 and 8 (sbl, the boot chain's last)
#   patch      patch:K       UFS (rm500q has no erase lines: its DISK patches stand there)
#   verify     read:V / getsha256digest:V   the read-back or digest of the second image
#   reset      power:0
#   boot check at:6          the first AT command after the reset (the boot check)
# Faults: nak, stall, cut (power lost), reenum (USB re-enumeration, same mode), cut-bytes:N
# (power lost inside a program's data), kill (safeflash SIGKILLed when the phase's first
# command reaches the module: the kill lands at that command or just after it), diskfull (the
# state folder is a small tmpfs that another process fills once the backup is under way),
# changed (an image changed on disk after the package was checked, same size: the write must
# stop after that image, with an error naming it; safeflash held still with SIGSTOP while the
# file changes, at the first erase), corrupt-digest (wrong getsha256digest answers: only where
# the programmer has the command, the
# RM500Q's; the NAND programmers verify by read-back) and garbage (foreign bytes before the
# boot ROM's HELLO: only the Sahara phase).
# The choice (a full cross product would take hours under ASan): on the EC25-E every phase meets
# every fault that applies to it (nak, stall, cut, reenum and kill everywhere; diskfull at the
# backup, the one phase that writes much to disk; garbage at Sahara; cut-bytes in program; the
# erase and program faults spread over the lines); on the EG25-G and the RM500Q every phase
# once, with the faults rotated so that each fault appears on each persona at least once where
# it applies. Prints TAP, one test per case, and the table of cases in the log.
# Usage: test_matrix.sh SAFEFLASH SAFEFLASH_SIM [JOBS]
# For working on it: MATRIX_ONLY=REGEX runs only the cases whose "persona|phase|fault" matches
# (e.g. MATRIX_ONLY=kill, the baselines always run); MATRIX_KEEP=1 keeps the cases' folders
# (logs, outputs, history) and says where.
set -u
SF=$1
SIM=$2
JOBS=${3:-${MATRIX_JOBS:-10}}
export SAFEFLASH_DATADIR=${SAFEFLASH_DATADIR:-$(cd "$(dirname "$0")/../../data" && pwd)}
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
HERE=$(cd "$(dirname "$0")" && pwd)
# Short: umockdev's sockets live under each module's folder (at most 60 bytes).
WORK=$(mktemp -d /tmp/sf-mx.XXXXXX)
. "$HERE/../tap.sh"
cleanup() {
        local p
        for p in "$WORK"/c*/sim.pid; do
                [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null
        done
        wait 2>/dev/null
        for p in "$WORK"/c*/state; do
                mountpoint -q "$p" && umount "$p"
        done
        if [ -n "${MATRIX_KEEP:-}" ]; then
                echo "# the cases' folders are kept in $WORK"
        else
                rm -rf "$WORK"
        fi
}
trap cleanup EXIT

declare -A OLD NEW IMEI RUNPID
OLD[ec25e]=EC25EFAR06A17M4G_20.200.20.200
NEW[ec25e]=EC25EFAR06A19M4G_20.201.20.201
IMEI[ec25e]=866758043398334
OLD[eg25g]=EG25GGBR07A08M2G_01.003.01.003
NEW[eg25g]=EG25GGBR07A09M2G_01.004.01.004
IMEI[eg25g]=867698041234561
OLD[rm500q]=RM500QGLABR11A06M4G_01.001.01.001
NEW[rm500q]=RM500QGLABR11A07M4G_01.002.01.002
IMEI[rm500q]=864541041234566
RUNPID[ec25e]=0125
RUNPID[eg25g]=0125
RUNPID[rm500q]=0800

# The packages: the factory versions for recover's library, the new ones to update to (the
# EG25-G's sized for its 256 MiB NAND).
"$SIM" mkpkg "${OLD[ec25e]}" -o "$WORK/lib/${OLD[ec25e]}" --small >/dev/null &&
        "$SIM" mkpkg "${OLD[eg25g]}" -o "$WORK/lib/${OLD[eg25g]}" --small --flash-mb 256 >/dev/null &&
        "$SIM" mkpkg "${OLD[rm500q]}" -o "$WORK/lib/${OLD[rm500q]}" --small >/dev/null || exit 1
"$SIM" mkpkg "${NEW[ec25e]}" -o "$WORK/new/${NEW[ec25e]}" --small >/dev/null &&
        "$SIM" mkpkg "${NEW[eg25g]}" -o "$WORK/new/${NEW[eg25g]}" --small --flash-mb 256 >/dev/null &&
        "$SIM" mkpkg "${NEW[rm500q]}" -o "$WORK/new/${NEW[rm500q]}" --small >/dev/null || exit 1

# --- one module per case, each on its own bus under $C ---------------------------------------

# sim_start C PERSONA [FAULT SPEC]: a module (its factory firmware on a new flash, or what its
# flash holds), ready.
sim_start() {
        local C=$1 persona=$2 spec=${3:-} timing=${4:-none}
        "$SIM" run --dir "$C/m" --persona "$persona" --small-images --timing "$timing" \
                --log "$C/sim.log" ${spec:+--fault "$spec"} >"$C/sim.out" 2>&1 &
        echo $! >"$C/sim.pid"
        for _ in $(seq 1 600); do
                grep -q ready "$C/sim.out" 2>/dev/null && return 0
                sleep 0.1
        done
        return 1
}

sim_stop() {
        [ -f "$1/sim.pid" ] || return 0
        kill "$(cat "$1/sim.pid")" 2>/dev/null
        while kill -0 "$(cat "$1/sim.pid")" 2>/dev/null; do sleep 0.1; done
        rm -f "$1/sim.pid"
}

# The module's USB product id now ("" off the bus).
pid_now() {
        cat "$1/m/sys/bus/usb/devices/1-1/idProduct" 2>/dev/null
}

# at_ask C CMD: what the running firmware answers (empty when it does not).
at_ask() {
        [ -e "$1/m/dev/ttyUSB2" ] || return 1
        timeout 10 python3 "$HERE/at.py" "$1/m/dev/ttyUSB2" "$2" 2>/dev/null
}

# running C PERSONA [TRIES]: the module settles running (not in EDL) and its AT port answers;
# prints "VERSION IMEI" (IMEI "-" when it has none).
running() {
        local v i
        for _ in $(seq 1 "${3:-80}"); do
                [ "$(pid_now "$1")" = "${RUNPID[$2]}" ] && break
                sleep 0.25
        done
        [ "$(pid_now "$1")" = "${RUNPID[$2]}" ] || return 1
        sleep 0.3
        for _ in 1 2 3 4 5; do # the first answers after a boot may be an ERROR
                v=$(at_ask "$1" AT+QGMR | grep -o '[A-Z0-9]*_[0-9.]*' | head -1)
                [ -n "$v" ] && break
                sleep 0.5
        done
        for _ in 1 2 3 4 5; do
                i=$(at_ask "$1" AT+CGSN | grep -o '[0-9]\{15\}' | head -1)
                [ -n "$i" ] && break
                sleep 0.5
        done
        [ -n "$v" ] || return 1
        echo "$v ${i:--}"
}

# sf C ARGS...: safeflash against the case's module, its history in $C/state.
sf() {
        local C=$1
        shift
        # shellcheck disable=SC2046
        env $(cat "$C/m/env") XDG_STATE_HOME="$C/state" "$SF" "$@"
}

# wait_log FILE PID COUNT PATTERN: until the COUNTth line matching PATTERN (a grep regex) is in
# FILE, looked at every 20 ms; 1 when process PID ended first (the fault's moment never came).
# (Not `tail -F | awk`: that pipeline ends only when tail writes again after awk has gone, at
# the simulator's next log line, which after a reset can be seconds later.)
wait_log() {
        local i
        for i in $(seq 1 15000); do
                [ "$(grep -a -c -- "$4" "$1" 2>/dev/null)" -ge "$3" ] && return 0
                kill -0 "$2" 2>/dev/null || return 1
                sleep 0.02
        done
        return 1
}

# fill_disk DIR: another process takes all the space left.
fill_disk() {
        dd if=/dev/zero of="$1/filler" bs=1M 2>/dev/null
}

# recover_it C PERSONA: safeflash recover, and what it took: "recover", "power cycle" (nothing
# but a power cycle reaches the module: a hung programmer or boot ROM, a silent AT port; the
# module boots by itself then), "power cycle, recover", or "NO". Prints it; 0 when it runs.
recover_it() {
        local C=$1 persona=$2 hung=
        # A recover that never ends is said ("recover HUNG"), then the module is power-cycled.
        # shellcheck disable=SC2046
        timeout -s KILL 300 env $(cat "$C/m/env") XDG_STATE_HOME="$C/state" "$SF" recover \
                --library "$WORK/lib" --json >"$C/recover.out" 2>&1
        case $? in
        0) running "$C" "$persona" >/dev/null && { echo recover; return 0; } ;;
        137) hung="recover HUNG, " ;;
        esac
        running "$C" "$persona" 8 >/dev/null && { echo "${hung:--}"; return 0; }
        sim_stop "$C"
        sim_start "$C" "$persona" || { echo NO; return 1; }
        running "$C" "$persona" >/dev/null && { echo "${hung}power cycle"; return 0; }
        # shellcheck disable=SC2046
        timeout -s KILL 300 env $(cat "$C/m/env") XDG_STATE_HOME="$C/state" "$SF" recover \
                --library "$WORK/lib" --json >"$C/recover2.out" 2>&1 &&
                running "$C" "$persona" >/dev/null && { echo "${hung}power cycle, recover"; return 0; }
        echo "${hung}NO"
        return 1
}

# The verdict of a case: "outcome|exit|imei_kept|recovered|history|good".
verdict() {
        local C=$1 persona=$2 r=$3 state outcome recovered=- imei_kept=no ok=1 hist
        local old=${OLD[$persona]} new=${NEW[$persona]} imei=${IMEI[$persona]}
        state=$(running "$C" "$persona")
        if [ "$r" -eq 0 ]; then
                outcome="updated"
                [ "$state" = "$new $imei" ] || { outcome="EXIT 0, running '${state:-nothing}'"; ok=0; }
        elif [ -n "$state" ]; then
                outcome="runs ${state%% *}"
        else
                outcome="down ($(pid_now "$C"))"
                recovered=$(recover_it "$C" "$persona") || ok=0
                state=$(running "$C" "$persona")
        fi
        # Back on its last known good firmware, or on the new one it was given.
        [ "${state%% *}" = "$old" ] || [ "${state%% *}" = "$new" ] || { ok=0; outcome="$outcome, UNRECOVERED"; }
        [ "${state#* }" = "$imei" ] && imei_kept=yes || { imei_kept=NO; ok=0; }
        hist=$(history_ok "$C" "$imei" "$r" "${state%% *}" "$recovered")
        # The update's own session must be there once the module was touched (switched to EDL).
        case $hist in "no update session" | "no history" | update*)
                grep -aq '^-> edl' "$C/sim.log" && ok=0 ;;
        esac
        echo "$outcome|$r|$imei_kept|$recovered|$hist|$ok"
}

# history_ok C IMEI EXIT RUNNING RECOVERED: "ok" when the history holds the update session
# (success exactly when it exited 0), a successful recover session when recover brought the
# module back, and names as last known good the firmware the module runs when it was updated
# or recovered.
history_ok() {
        sf "$1" history "$2" --json >"$1/history.json" 2>/dev/null
        python3 - "$1/history.json" "$3" "$4" "$5" <<'EOF'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception:
    print("no history"); sys.exit()
r, running, recovered = int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = d.get("sessions", [])
up = [x for x in s if x["kind"] == "update"]
rec = [x for x in s if x["kind"] == "recover" and x["outcome"] == "success"]
if not up:
    print("no update session")
elif (up[0]["outcome"] == "success") != (r == 0):
    print("update " + up[0]["outcome"])
elif recovered.endswith("recover") and not rec:
    print("no recover session")
elif (r == 0 or recovered.endswith("recover")) and d.get("last_known_good") != running:
    print("last good " + str(d.get("last_known_good")))
else:
    print("ok" if not rec else "ok, recover")
EOF
}

# run_case N PERSONA PHASE FAULT SPEC KILL: one case; its line of the table in $WORK/res/N.
# SPEC: the simulator's --fault; KILL: "PATTERN COUNT" of the simulator's log at which
# safeflash is killed, or "diskfull PATTERN COUNT".
run_case() {
        local n=$1 persona=$2 phase=$3 fault=$4 spec=$5 kill=$6
        local C=$WORK/c$n r upid res stopped filler='' pkg=$WORK/new/${NEW[$persona]} timing=none
        local t0=$SECONDS
        mkdir -p "$C/run" "$C/state" && chmod 700 "$C/run"
        export XDG_RUNTIME_DIR=$C/run
        if [ "${kill%% *}" = diskfull ]; then
                mount -t tmpfs -o size=40m tmpfs "$C/state" 2>/dev/null ||
                        { echo "$persona|$phase|$fault|SKIP cannot mount a tmpfs|-|-|-|-|1" >"$WORK/res/$n"; return; }
        fi
        if [ "${kill%% *}" = changed ]; then
                # Its own copy of the package, changed during the flash; the real pace leaves
                # seconds of erases between the marker and the image's turn.
                mkdir -p "$C/pkg" && cp -r "$pkg" "$C/pkg/" && pkg=$C/pkg/${NEW[$persona]} timing=real
        fi
        sim_start "$C" "$persona" "$spec" "$timing" ||
                { echo "$persona|$phase|$fault|simulator did not start|-|-|-|-|0" >"$WORK/res/$n"; return; }
        # env, not the sf function, in the background: $! is then safeflash's own PID.
        # shellcheck disable=SC2046
        env $(cat "$C/m/env") XDG_STATE_HOME="$C/state" "$SF" update "$pkg" --json --yes \
                >"$C/update.out" 2>&1 &
        upid=$!
        if [ "${kill%% *}" = diskfull ]; then
                kill=${kill#diskfull }
                wait_log "$C/sim.log" $upid "${kill%% *}" "${kill#* }" && fill_disk "$C/state"
                filler=1
        elif [ "${kill%% *}" = changed ]; then
                # The modem image changes on disk (same size) after the package was checked,
                # while safeflash is held still, before its turn comes.
                kill=${kill#changed }
                wait_log "$C/sim.log" $upid "${kill%% *}" "${kill#* }" && kill -STOP $upid &&
                        printf 'changed' | dd of="$pkg/update/NON-HLOS.ubi" bs=1 seek=700000 \
                                conv=notrunc 2>/dev/null
                kill -CONT $upid
        elif [ -n "$kill" ]; then
                wait_log "$C/sim.log" $upid "${kill%% *}" "${kill#* }" && kill -9 $upid 2>/dev/null
        fi
        { wait $upid; } 2>/dev/null # not the shell's "Killed" line for each kill
        r=$?
        [ -n "$filler" ] && rm -f "$C/state/filler"
        # The changed image stops the write: an error naming it, and the next image (recoveryfs)
        # never sent (looked at before recover writes everything again).
        stopped=1
        if [ "${kill%% *}" = changed ] && ! { grep -q "NON-HLOS.ubi changed on disk" "$C/update.out" &&
                ! grep -a '<program ' "$C/sim.log" | grep -q 'label="recoveryfs"'; }; then
                stopped=0
        fi
        res=$(verdict "$C" "$persona" $r)
        [ $stopped -eq 1 ] || res="write not stopped: ${res%|*}|0"
        echo "$persona|$phase|$fault|$res" >"$WORK/res/$n"
        sim_stop "$C"
        [ -n "$filler" ] && cp -a "$C/state" "$C/state.saved" && umount "$C/state"
        echo $((SECONDS - t0)) >"$WORK/res/$n.s"
}

# --- the baselines: a fault-free update per persona, and where each phase's commands are -----
mkdir -p "$WORK/res"
SECONDS=0
run_case 0 ec25e - none "" "" &
run_case 1 eg25g - none "" "" &
run_case 2 rm500q - none "" "" &
wait
# A baseline that did not succeed (the machine's load can make a module's EDL enumeration late
# for safeflash, which then exits 4 with the module recoverable) is run again once: its log
# must hold a whole update.
for i in 0 1 2; do
        IFS='|' read -r p _ _ outcome _ <"$WORK/res/$i"
        if [ "$outcome" != updated ]; then
                mv "$WORK/c$i" "$WORK/c$i.first"
                run_case "$i" "$p" - none "" ""
        fi
done
# idx C ELEMENT: how many ELEMENT commands the module received before the first program.
before_program() {
        awk -v e="<$2 " 'index($0, "<program ") { exit } index($0, e) { c++ } END { print c + 0 }' "$1/sim.log"
}
# How many host transfers the boot ROM received (the programmer's upload ends the Sahara part).
sahara_transfers() {
        grep -a -c '^-> edl' "$1/sim.log"
}
declare -A BACKUP VERIFY SAHARA BOOTAT VERIFY_CMD
for i in 0 1 2; do
        p=$(sed -n 's/|.*//p' "$WORK/res/$i")
        C=$WORK/c$i
        reads=$(before_program "$C" read)
        BACKUP[$p]=$((reads - 3))
        if [ "$p" = rm500q ]; then
                VERIFY_CMD[$p]=getsha256digest
                VERIFY[$p]=$(($(before_program "$C" getsha256digest) + 1))
        else
                VERIFY_CMD[$p]="read"
                VERIFY[$p]=$((reads + 1))
        fi
        SAHARA[$p]=$(($(sahara_transfers "$C") - 4))
        BOOTAT[$p]=$(awk 'index($0, "<power ") { exit } /^at #/ { c++ } END { print c + 0 }' "$C/sim.log")
done

# --- the cases --------------------------------------------------------------------------------
# phase_spec PERSONA PHASE: the simulator's command for the phase ("ELEMENT:N").
phase_spec() {
        case $2 in
        identify) echo at:1 ;;
        backup) echo "read:${BACKUP[$1]}" ;;
        switch) echo diag:0 ;;
        sahara) echo "sahara:${SAHARA[$1]}" ;;
        configure) echo configure:0 ;;
        erase*) echo "erase:${2#erase}" ;;
        program*) echo "program:${2#program}" ;;
        patch*) echo "patch:${2#patch}" ;;
        verify) echo "${VERIFY_CMD[$1]}:${VERIFY[$1]}" ;;
        reset) echo power:0 ;;
        boot) echo "at:${BOOTAT[$1]}" ;;
        esac
}

# kill_at SPEC: where that command arrives, as "COUNT PATTERN": the COUNTth line of the
# simulator's log that matches PATTERN.
kill_at() {
        local e=${1%%:*} k=${1##*:}
        case $e in
        at | diag) echo "1 ^$e #$k\$" ;;
        sahara) echo "$((k + 1)) ^-> edl " ;;
        *) echo "$((k + 1)) <$e " ;;
        esac
}

CASES=()
add() { # PERSONA PHASE FAULT
        local spec kill=
        local at
        at=$(phase_spec "$1" "$2")
        case $3 in
        nak | stall | cut | reenum) spec="$3:$at" ;;
        kill) spec="" kill=$(kill_at "$at") ;;
        diskfull) spec="" kill="diskfull $(kill_at "read:$((${BACKUP[$1]} - 5))")" ;;
        cut-bytes) spec="cut-bytes:300000" ;;
        corrupt-digest | garbage) spec=$3 ;;
        changed) spec="" kill="changed $(kill_at erase:0)" ;;
        esac
        CASES+=("$1|${2%%[0-9]*}${2//[a-z]/}|$3|$spec|$kill")
}
for f in nak stall cut reenum kill; do
        for ph in identify backup switch sahara configure verify reset boot; do
                add ec25e $ph $f
        done
done
add ec25e backup diskfull
add ec25e sahara garbage
add ec25e erase0 nak
add ec25e erase2 stall
add ec25e erase4 cut
add ec25e erase6 reenum
add ec25e erase8 kill
add ec25e program0 nak
add ec25e program3 stall
add ec25e program5 cut
add ec25e program7 reenum
add ec25e program8 kill
add ec25e program cut-bytes
add ec25e program changed
add eg25g identify kill
add eg25g backup cut
add eg25g switch reenum
add eg25g sahara garbage
add eg25g configure nak
add eg25g erase3 stall
add eg25g program cut-bytes
add eg25g verify reenum
add eg25g reset cut
add eg25g boot nak
add eg25g backup diskfull
add rm500q identify stall
add rm500q backup diskfull
add rm500q switch cut
add rm500q sahara reenum
add rm500q configure kill
add rm500q program9 nak
add rm500q patch3 cut
add rm500q verify corrupt-digest
add rm500q reset reenum
add rm500q boot stall
add rm500q program cut-bytes

ncase=3
for c in "${CASES[@]}"; do
        IFS='|' read -r persona phase fault spec kill <<<"$c"
        # MATRIX_ONLY=REGEX (for working on it): only the cases "persona|phase|fault" matches.
        [[ -z ${MATRIX_ONLY:-} || "$persona|$phase|$fault" =~ $MATRIX_ONLY ]] || continue
        while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
                wait -n
        done
        run_case $ncase "$persona" "$phase" "$fault" "$spec" "$kill" &
        ncase=$((ncase + 1))
done
wait

# --- the table, and a test per case ------------------------------------------------------------
printf '# %-7s %-10s %-15s %-26s %-4s %-5s %-16s %-18s %s\n' persona phase fault outcome exit imei recovered history \
        seconds
for i in $(seq 0 $((ncase - 1))); do
        [ -f "$WORK/res/$i" ] || { ok 1 "case $i: no result"; continue; }
        IFS='|' read -r persona phase fault outcome r imei rec hist good <"$WORK/res/$i"
        printf '# %-7s %-10s %-15s %-26s %-4s %-5s %-16s %-18s %s\n' "$persona" "$phase" "$fault" "$outcome" \
                "$r" "$imei" "$rec" "$hist" "$(cat "$WORK/res/$i.s" 2>/dev/null)"
done
for i in $(seq 0 $((ncase - 1))); do
        IFS='|' read -r persona phase fault outcome r imei rec hist good <"$WORK/res/$i"
        [ "$good" = 1 ]
        ok $? "$persona $phase $fault: $outcome (exit $r), IMEI kept: $imei, recovered: $rec, history: $hist"
done
echo "# the matrix: $ncase cases in $SECONDS s, $JOBS at a time"
finish
