#!/usr/bin/env bash
# apt_simulate.sh answers "would install" even where a fathom package of the same version is
# already installed: a made-up fathom .deb against a dpkg status that lists it as installed.
# Everything lives in a temp folder that is removed at the end, pass or fail.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/fathom-apt-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/pkg/DEBIAN"
cat >"$work/pkg/DEBIAN/control" <<CONTROL
Package: fathom
Version: 0.0.1-1
Architecture: all
Maintainer: Fathom test <test@example.invalid>
Depends: libc6
Description: stand-in for the fathom package (apt_simulate_test.sh)
CONTROL
dpkg-deb --root-owner-group --build "$work/pkg" "$work/fathom_0.0.1-1_all.deb" >/dev/null
{
  cat /var/lib/dpkg/status
  printf '\nPackage: fathom\nStatus: install ok installed\nPriority: optional\nSection: misc\n'
  printf 'Maintainer: Fathom test <test@example.invalid>\nArchitecture: all\nVersion: 0.0.1-1\nDepends: libc6\n'
  printf 'Description: stand-in\n\n'
} >"$work/installed-status"
# The situation of issue 18: plain apt installs nothing, because "fathom" is already there.
apt-get install --simulate --no-install-recommends -o Dir::State::status="$work/installed-status" \
  "$work/fathom_0.0.1-1_all.deb" >"$work/plain.log" 2>&1 || true
if grep -q '^Inst fathom ' "$work/plain.log"; then
  echo "FAIL: the made-up installed fathom did not register with apt:"; cat "$work/plain.log"; exit 1
fi
mkdir "$work/sim"
bash "$here/apt_simulate.sh" "$work/fathom_0.0.1-1_all.deb" "$work/sim" "$work/installed-status"
echo "PASS: apt_simulate.sh would install fathom although a fathom is installed"
