#!/usr/bin/env bash
# `apt-get install --simulate DEB` against this machine's packages minus any fathom package, so the
# answer is the same whether or not a fathom .deb is installed here already (apt would otherwise
# say "fathom is already the newest version" and install nothing). Changes nothing on the machine.
# usage: apt_simulate.sh DEB WORK_DIR [DPKG_STATUS_FILE]   (default /var/lib/dpkg/status)
set -euo pipefail
deb=$1
work=$2
status_in=${3:-/var/lib/dpkg/status}
pkg=$(dpkg-deb -f "$deb" Package)
# Stanzas are separated by blank lines; drop those of fathom and fathom-cuda.
awk 'BEGIN { RS = ""; ORS = "\n\n" } $0 !~ /^Package: fathom(-cuda)?\n/' "$status_in" >"$work/dpkg-status"
apt-get install --simulate --no-install-recommends -o Dir::State::status="$work/dpkg-status" "$deb" \
  >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; echo "FAIL: apt cannot install $deb's dependencies" >&2; exit 1; }
grep -q "^Inst $pkg " "$work/apt.log" || { cat "$work/apt.log"; echo "FAIL: apt would not install $pkg" >&2; exit 1; }
