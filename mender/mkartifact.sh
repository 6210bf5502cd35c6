#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# mkartifact.sh PACKAGE -o ARTIFACT.mender [--device-type T]... [--name N]
# Wraps a modem firmware package (a zip of a package folder, or a tar of one) into a Mender
# Artifact for the safeflash-modem Update Module (mender-artifact write module-image).
#   --device-type T  the Mender device type(s) it may go to (default: this host's, from
#                    /var/lib/mender/device_type); repeat for several
#   --name N         the Artifact name (default: the package's file name without its extension,
#                    which for a package named after its version is the firmware version)
# The Artifact provides rootfs-image.safeflash-modem.version = the package's name, so the server
# shows which modem firmware each device got.
set -eu

usage() {
        echo "usage: $0 PACKAGE -o ARTIFACT.mender [--device-type T]... [--name N]" >&2
        exit 2
}

pkg=
out=
name=
types=
while [ $# -gt 0 ]; do
        case $1 in
        -o | --output)
                [ $# -ge 2 ] || usage
                out=$2
                shift 2
                ;;
        -t | --device-type)
                [ $# -ge 2 ] || usage
                types="$types $2"
                shift 2
                ;;
        -n | --name)
                [ $# -ge 2 ] || usage
                name=$2
                shift 2
                ;;
        -h | --help) usage ;;
        -*)
                echo "$0: unknown option $1" >&2
                usage
                ;;
        *)
                [ -z "$pkg" ] || usage
                pkg=$1
                shift
                ;;
        esac
done
[ -n "$pkg" ] && [ -n "$out" ] || usage
[ -f "$pkg" ] || { echo "$0: $pkg: no such file (a package zip or tar)" >&2; exit 2; }
base=$(basename "$pkg")
case $base in
*.zip) stem=${base%.zip} ;;
*.tar) stem=${base%.tar} ;;
*.tar.gz) stem=${base%.tar.gz} ;;
*.tgz) stem=${base%.tgz} ;;
*.tar.xz) stem=${base%.tar.xz} ;;
*.tar.bz2) stem=${base%.tar.bz2} ;;
*)
        echo "$0: $base: a package is a .zip or a .tar[.gz|.xz|.bz2]" >&2
        exit 2
        ;;
esac
[ -n "$name" ] || name=$stem
if [ -z "$types" ]; then
        types=$(sed -n 's/^device_type=//p' /var/lib/mender/device_type 2>/dev/null || true)
        [ -n "$types" ] || { echo "$0: give --device-type (no /var/lib/mender/device_type)" >&2; exit 2; }
fi
command -v mender-artifact >/dev/null || { echo "$0: mender-artifact is not installed" >&2; exit 1; }

set -- write module-image -T safeflash-modem -n "$name" -o "$out" -f "$pkg" \
        --software-version "$stem" --compression none
for t in $types; do
        set -- "$@" -t "$t"
done
exec mender-artifact "$@"
