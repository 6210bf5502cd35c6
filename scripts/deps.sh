#!/usr/bin/env bash
# Installs the Debian packages a job needs, when any is missing, and only those:
#   build  building safeflash and safeflash-sim and running the demo (scripts/demo.sh)
#   bench  the same, plus /usr/bin/time and python3 (bench/)
#   test   the same, plus cmocka, clang and libFuzzer, scdoc, git and what the tests drive
#          (scripts/test.sh)
#   deb    the same as build, plus the Debian packaging tools (scripts/deb-test.sh)
# Usage: scripts/deps.sh [build|bench|test|deb]   (default: build)
# When apt-get fails, its own error is printed, with what to do; exit 1.
set -u
set_name=${1:-build}
# meson brings python3; pkg-config finds the libraries; the rest are the libraries themselves,
# mtd-utils' ubinize, with which safeflash-sim makes the packages' UBI images, and umockdev,
# through which the simulator (part of the demo) presents its modules: libumockdev-dev and
# libglib2.0-dev to build it, umockdev for the preload library its clients run under.
packages=(gcc libc6-dev meson ninja-build pkg-config libexpat1-dev libusb-1.0-0-dev libssl-dev
        libsqlite3-dev libsystemd-dev libarchive-dev zlib1g-dev mtd-utils libumockdev-dev libglib2.0-dev
        umockdev)
case $set_name in
build) ;;
bench) packages+=(time python3) ;;
test)
        packages+=(python3 scdoc clang libclang-rt-dev libcmocka-dev git dbus-daemon python3-dbus
                python3-gi groff-base mender-client mender-artifact python3-usb)
        ;;
deb) packages+=(debhelper dpkg-dev scdoc) ;;
*)
        echo "usage: scripts/deps.sh [build|bench|test|deb]" >&2
        exit 2
        ;;
esac
missing=()
for p in "${packages[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
                missing+=("$p")
        fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "safeflash: installing missing Debian packages: ${missing[*]}" >&2
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null; then
                SUDO=(sudo)
        else
                echo "safeflash: these Debian packages are missing: ${missing[*]}" >&2
                echo "safeflash: run this script as root, or: apt-get install ${missing[*]}" >&2
                exit 1
        fi
fi
# run COMMAND...: quiet when it works; its own output, and what to do, when it does not.
run() {
        local out
        if ! out=$("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive "$@" 2>&1); then
                printf '%s\n' "$out" | tail -20 >&2
                echo "safeflash: failed: $*" >&2
                echo "safeflash: check the network and the apt sources (/etc/apt/sources.list*)," \
                        "then run again; or install by hand: apt-get install ${missing[*]}" >&2
                exit 1
        fi
}
run apt-get update -qq
run apt-get install -y -qq --no-install-recommends "${missing[@]}"
