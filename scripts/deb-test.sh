#!/usr/bin/env bash
# The Debian package, as a distribution would build it: dpkg-buildpackage from a copy of the
# tracked source tree, then the packages installed, safeflash run from /usr, and removed again.
# Part of scripts/test.sh. Needs root for the install (CI and the set-up commands are root).
set -eu
cd "$(dirname "$0")/.."
bash scripts/deps.sh deb
W=$(mktemp -d /tmp/safeflash-deb.XXXXXX)
packages=
trap '[ -z "$packages" ] || dpkg -r $packages >/dev/null 2>&1; rm -rf "$W"' EXIT
mkdir "$W/safeflash"
git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$W/safeflash"
echo "building the .deb packages (log: $W/build.log)"
if ! (cd "$W/safeflash" && dpkg-buildpackage -b -us -uc -j2) >"$W/build.log" 2>&1; then
        tail -40 "$W/build.log"
        echo "deb: dpkg-buildpackage failed"
        exit 1
fi
ls "$W"/*.deb
packages=$(for d in "$W"/*.deb; do dpkg-deb -f "$d" Package; done)
dpkg -i "$W"/*.deb >"$W/install.log" 2>&1 || { cat "$W/install.log"; exit 1; }
status=0
v=$(/usr/bin/safeflash --version) && echo "installed: $v" || status=1
for f in /usr/share/safeflash/rules/quectel.rules /usr/share/man/man1/safeflash-update.1.gz \
        /usr/share/man/man5/safeflash.rules.5.gz /usr/share/bash-completion/completions/safeflash \
        /usr/lib/udev/rules.d/70-safeflash.rules /usr/share/mender/modules/v3/safeflash-modem \
        /usr/share/man/man1/safeflash-sim.1.gz; do
        [ -e "$f" ] || { echo "deb: $f is not installed"; status=1; }
done
pkg-config --exists safeflash || { echo "deb: no safeflash.pc"; status=1; }
r=0
/usr/bin/safeflash check --from EC25EFAR06A17M4G_20.200.20.200 --to EC25EFAR08A01M4G_01.001.01.001 \
        >"$W/check.out" 2>&1 || r=$?
[ $r -eq 3 ] && grep -q "baseline" "$W/check.out" || { cat "$W/check.out"; echo "deb: the installed safeflash does not refuse R08"; status=1; }
dpkg -r $packages >/dev/null 2>&1 || status=1
packages=
[ $status -eq 0 ] && echo "deb: built, installed, ran, removed"
exit $status
