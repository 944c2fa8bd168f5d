#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang-14 in an engine-only build, runs one or all of
# them on the committed seed corpus (tests/fuzz/corpus/TARGET) and prints, per target: executions,
# coverage (libFuzzer's cov = edges, ft = features), corpus size, crashes and CPU time.
#   tools/fuzz.sh TARGET|all DURATION      DURATION: 60, 90s, 30m, 2h or 0.5h (per target)
# Environment:
#   FATHOM_FUZZ_BUILD_DIR  build folder (default build-fuzz)
#   FATHOM_FUZZ_JOBS       targets run at the same time by `all` (default: nproc)
#   FATHOM_FUZZ_MERGE=1    afterwards, merge the inputs that add coverage into the committed corpus
# New inputs go to BUILD/fuzz-work/TARGET (kept between runs), never into the committed corpus
# unless asked; crashes to BUILD/fuzz-crashes/TARGET. Exit status 1 when any target crashed: rerun
# `BUILD/tests/fuzz/TARGET FILE` to reproduce, fix, and commit FILE to the corpus as a regression input.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: tools/fuzz.sh TARGET|all DURATION  (DURATION: 60, 90s, 30m, 2h)" >&2; exit 1; }
[ $# -ge 2 ] || usage
what=$1
duration=$2

seconds=$(awk -v d="$duration" 'BEGIN {
  n = d; u = substr(d, length(d)); if (u ~ /[smh]/) n = substr(d, 1, length(d) - 1); else u = "s";
  if (n !~ /^[0-9]+(\.[0-9]+)?$/) exit 1;
  m = (u == "h") ? 3600 : (u == "m") ? 60 : 1; s = int(n * m + 0.5); if (s < 1) exit 1; print s }') ||
  { echo "tools/fuzz.sh: DURATION '$duration' is not a number of seconds, or Ns, Nm, Nh" >&2; exit 1; }

command -v clang++-14 >/dev/null || { echo "tools/fuzz.sh: clang++-14 not found (bash tools/install-deps.sh installs it)" >&2; exit 1; }
build=${FATHOM_FUZZ_BUILD_DIR:-build-fuzz}
# Configured every time (cheap when nothing changed): the target list comes from the configure step.
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DFATHOM_FUZZ=ON \
  -DFATHOM_GUI=OFF -DFATHOM_CUDA=OFF >/dev/null
# Every fathom_fuzz_target() of tests/fuzz/CMakeLists.txt, one a line.
mapfile -t all_targets <"$build/fuzz-targets.txt"
[ ${#all_targets[@]} -gt 0 ] || { echo "tools/fuzz.sh: $build/fuzz-targets.txt lists no targets" >&2; exit 2; }
if [ "$what" = all ]; then
  targets=("${all_targets[@]}")
else
  printf '%s\n' "${all_targets[@]}" | grep -qx "$what" ||
    { echo "tools/fuzz.sh: unknown target '$what' (targets: ${all_targets[*]})" >&2; exit 1; }
  targets=("$what")
fi

mkdir -p "$build/fuzz-logs"
cmake --build "$build" -j "$(nproc)" --target "${targets[@]}" >"$build/fuzz-logs/build.log" 2>&1 ||
  { tail -40 "$build/fuzz-logs/build.log"; echo "tools/fuzz.sh: building the fuzz targets failed (above)" >&2; exit 2; }

# Longest input per target: real files are larger, but the parsers' paths are all reached well
# below these sizes and shorter inputs mean many more executions per second.
max_len() {
  case $1 in
    tokenizer_json_fuzz|safetensors_index_fuzz) echo 16384 ;;
    config_fuzz|tokenizer_config_fuzz) echo 8192 ;;
    *) echo 4096 ;;
  esac
}

run_one() {
  local t=$1 work="$build/fuzz-work/$1" crashes="$build/fuzz-crashes/$1" seeds="tests/fuzz/corpus/$1" log="$build/fuzz-logs/$1.log"
  mkdir -p "$work" "$crashes" "$seeds" "$(dirname "$log")"
  : >"$log.start"  # crashes newer than this were found by this run
  local rc=0
  # -timeout: an input taking 25 s is a hang (a parser must answer in milliseconds); the RSS cap
  # turns runaway allocation into a reported "oom" input instead of a machine out of memory.
  /usr/bin/time -f 'cpu_seconds %U %S' -o "$log.time" \
    "$build/tests/fuzz/$t" "$work" "$seeds" -max_total_time="$seconds" -max_len="$(max_len "$t")" -timeout=25 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$crashes/" >"$log" 2>&1 || rc=$?
  local execs cov ft found cpu inputs
  execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  found=$(find "$crashes" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) -newer "$log.start" 2>/dev/null | wc -l)
  [ "$rc" -ne 0 ] && [ "$found" -eq 0 ] && found=1  # died without leaving an input: still a failure
  cpu=$(awk '/cpu_seconds/ {printf "%.0f", $2 + $3}' "$log.time")
  inputs=$(find "$work" "$seeds" -type f | wc -l)
  printf '%s: %s s, execs %s (%s/s), cov %s, ft %s, corpus %s inputs, crashes %s, cpu %s s%s\n' \
    "$t" "$seconds" "${execs:-?}" "$(( ${execs:-0} / seconds ))" "${cov:-?}" "${ft:-?}" "$inputs" "$found" "${cpu:-?}" \
    "$([ "$found" -gt 0 ] && echo " -> $crashes, log $log")"
  if [ "${FATHOM_FUZZ_MERGE:-0}" = 1 ] && [ "$found" -eq 0 ]; then
    "$build/tests/fuzz/$t" -merge=1 -max_len="$(max_len "$t")" "$seeds" "$work" >>"$log" 2>&1
  fi
  echo "$found" >"$log.crashes"
}

jobs=${FATHOM_FUZZ_JOBS:-$(nproc)}
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  rm -f "$build/fuzz-logs/$t.log.crashes"
  run_one "$t" &
done
wait
status=0
for t in "${targets[@]}"; do
  found=$(cat "$build/fuzz-logs/$t.log.crashes" 2>/dev/null || echo 1)  # no result file: the runner itself failed
  [ "$found" -eq 0 ] || status=1
done
exit $status
