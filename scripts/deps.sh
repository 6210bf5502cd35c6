#!/usr/bin/env bash
# Installs the Debian packages safeflash needs to build and test, when any is missing.
# Usage: scripts/deps.sh [build|test|deb]
set -eu
# The simulator (part of the demo) presents its modules through umockdev: libumockdev-dev and
# libglib2.0-dev to build it, umockdev for the preload library its clients run under.
packages=(gcc libc6-dev meson ninja-build pkg-config python3 libexpat1-dev libusb-1.0-0-dev libssl-dev libsqlite3-dev libsystemd-dev libarchive-dev scdoc libumockdev-dev libglib2.0-dev umockdev)
if [ "${1:-build}" = deb ]; then
        packages+=(debhelper dpkg-dev)
fi
if [ "${1:-build}" = test ]; then
        packages+=(clang libcmocka-dev dbus-daemon python3-dbus python3-gi groff-base mender-client mender-artifact python3-usb)
fi
missing=()
for p in "${packages[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
                missing+=("$p")
        fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "safeflash: installing missing Debian packages: ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null; then
                SUDO=sudo
        else
                echo "safeflash: run as root, or install: apt-get install ${missing[*]}" >&2
                exit 1
        fi
else
        SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
