#!/usr/bin/env bash
# udev/70-safeflash.rules: valid syntax (udevadm verify where udevadm has it; Debian 12's
# udevadm 252 has not, so check_udev_rules.py checks the grammar of udev(7)), and it says what
# it must: plugdev 0660 for Quectel and Qualcomm EDL/memory-debug devices, ModemManager kept off
# a module in EDL or memory-debug mode. The checker is shown to reject broken rules. Prints TAP.
# Usage: test_udev.sh RULES_FILE
set -u
RULES=$1
CHECK=$(dirname "$0")/check_udev_rules.py
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

. "$(dirname "$0")/../tap.sh"
tap_diagnose() {
        [ -f "$WORK/out" ] && sed 's/^/#   /' "$WORK/out"
}

python3 "$CHECK" "$RULES" >"$WORK/out" 2>&1
ok $? "$(basename "$RULES") follows the grammar of udev(7)"

if udevadm --help 2>/dev/null | grep -qw verify; then
        udevadm verify "$RULES" >"$WORK/out" 2>&1
        ok $? "udevadm verify accepts it"
else
        echo "ok $((n += 1)) - udevadm verify # SKIP this udevadm ($(udevadm --version 2>/dev/null || echo none)) has no verify"
fi

# The rules that give access: the USB device (what libusb opens), group plugdev, mode 0660.
rule_for() { # VENDOR [PRODUCT]: the usb_device rule of that id
        grep -E "^ATTR\{idVendor\}==\"$1\"${2:+, ATTR\{idProduct\}==\"$2\"}," "$RULES"
}
access() {
        local r
        r=$(rule_for "$@") && grep -q 'MODE="0660"' <<<"$r" && grep -q 'GROUP="plugdev"' <<<"$r"
}
grep -q '^SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device", GOTO="safeflash_usb_device"' "$RULES" &&
        access 2c7c && ! rule_for 2c7c | grep -q ID_MM_DEVICE_IGNORE
ok $? "Quectel modules (2c7c:*): plugdev 0660, and left to ModemManager"
access 05c6 9008 && rule_for 05c6 9008 | grep -q 'ENV{ID_MM_DEVICE_IGNORE}="1"' &&
        grep -q '^ATTRS{idVendor}=="05c6", ATTRS{idProduct}=="9008", ENV{ID_MM_DEVICE_IGNORE}="1"' "$RULES"
ok $? "EDL (05c6:9008): plugdev 0660; ModemManager ignores the device and its ports"
access 05c6 900e && rule_for 05c6 900e | grep -q 'ENV{ID_MM_DEVICE_IGNORE}="1"' &&
        grep -q '^ATTRS{idVendor}=="05c6", ATTRS{idProduct}=="900e", ENV{ID_MM_DEVICE_IGNORE}="1"' "$RULES"
ok $? "memory-debug (05c6:900e): plugdev 0660; ModemManager ignores the device and its ports"
! grep -Eq 'unbind|RUN|blacklist' <(grep -v '^#' "$RULES")
ok $? "no driver is unbound and nothing is run (qcserial keeps the EDL tty)"

# The checker fails on what udev would reject or misread.
bad() { # DESCRIPTION LINE...
        local what=$1
        shift
        printf '%s\n' "$@" >"$WORK/bad.rules"
        ! python3 "$CHECK" "$WORK/bad.rules" >"$WORK/out" 2>&1 && [ -s "$WORK/out" ]
        ok $? "the checker rejects $what"
}
bad "an unknown key" 'SUBSYTEM=="usb", MODE="0660"'
bad "an unterminated quote" 'SUBSYSTEM=="usb, MODE="0660"'
bad "a stray comma" 'SUBSYSTEM=="usb",, MODE="0660"'
bad "a match on an assignment-only key" 'SUBSYSTEM=="usb", MODE=="0660"'
bad "an assignment to a match-only key" 'ATTRS{idVendor}="05c6", MODE="0660"'
bad "a write to idVendor meant as a match" 'ATTR{idVendor}="2c7c", MODE="0660"'
bad "ENV without its variable" 'ENV=="1"'
bad "a GOTO without its LABEL" 'SUBSYSTEM!="usb", GOTO="nowhere"' 'LABEL="somewhere"'
bad "a mode that is not octal" 'SUBSYSTEM=="usb", MODE="rw"'
bad "an unquoted value" 'SUBSYSTEM==usb'
printf '%s\n' '# a comment' '' 'SUBSYSTEM=="usb", ATTR{idVendor}=="05c6", \' \
        '  GROUP="plugdev", TAG+="uaccess"' >"$WORK/good.rules"
python3 "$CHECK" "$WORK/good.rules" >"$WORK/out" 2>&1
ok $? "the checker accepts comments, continuations and +="

finish
