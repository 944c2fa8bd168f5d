#!/usr/bin/env bash
# Installs the server's end-to-end test client (tests/server: the official `openai` npm package at
# the version package-lock.json pins) with `npm ci`. Offline-safe: when node_modules already holds
# the locked version it does nothing, and when npm or the registry is missing it says so and exits 1;
# serverEndToEndWithOpenAiClient then skips and prints the same reason.
set -uo pipefail
cd "$(dirname "$0")/../tests/server" || exit 1

want=$(node -e 'console.log(require("./package-lock.json").packages["node_modules/openai"].version)' 2>/dev/null)
have=$(node -e 'console.log(require("./node_modules/openai/package.json").version)' 2>/dev/null)
[ -n "$want" ] && [ "$want" = "$have" ] && exit 0

command -v npm >/dev/null || { echo "setup-server-tests: npm is not installed (apt-get install npm); the server's end-to-end test will skip" >&2; exit 1; }
if ! timeout 300 npm ci --no-audit --no-fund --prefer-offline --loglevel=error --fetch-timeout=30000 --fetch-retries=1; then
  echo "setup-server-tests: npm ci in tests/server failed (is the npm registry reachable?); the server's end-to-end test will skip" >&2
  exit 1
fi
echo "setup-server-tests: openai@$want installed in tests/server/node_modules"
