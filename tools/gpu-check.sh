#!/usr/bin/env bash
# One command for a machine with an NVIDIA GPU: configures the engine-only tree with CUDA, builds it
# with every core, runs the GPU tests (ctest -L gpu) and the benches, and leaves logs plus
# summary.json under $OUT (default ./gpu-out), then prints a table. No Qt or SQLite needed.
# $OUT gets at most 7 files: gpu-check.log (steps, environment, bench tables), build.log,
# ctest-gpu.log (every row's error), <bench>.json per bench, summary.json.
#
#   bash tools/gpu-check.sh
#
# Environment: OUT (results folder), FATHOM_CUDA_ARCHS (default 90a), FATHOM_EXTRA_ARCHS (appended,
# e.g. "80;86;89"), FATHOM_BUILD_DIR (default build-gpu), FATHOM_SKIP_BENCH=1 (tests only).
# Headers/libraries the machine lacks (pcre2, gtest, nlohmann-json) may come as .deb files: put them
# in .deps/ (or unpack them yourself into .deps/root with `dpkg -x X.deb .deps/root`); they are used
# through CMAKE_PREFIX_PATH / PKG_CONFIG_PATH, nothing is installed.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT_DIR=$(pwd)
OUT=${OUT:-./gpu-out}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
BUILD=${FATHOM_BUILD_DIR:-build-gpu}
ARCHS=${FATHOM_CUDA_ARCHS:-90a}
[ -n "${FATHOM_EXTRA_ARCHS:-}" ] && ARCHS="$ARCHS;$FATHOM_EXTRA_ARCHS"
JOBS=$(nproc 2>/dev/null || echo 4)
status=0
LOG="$OUT/gpu-check.log"
note() { echo "== $*" | tee -a "$LOG"; }
: >"$LOG"

# --- environment ------------------------------------------------------------------------------
{
  date -u
  uname -a
  nvidia-smi 2>&1 || echo "nvidia-smi not available"
  command -v nvcc >/dev/null && nvcc --version || ls /usr/local/cuda/bin/nvcc 2>&1
  cmake --version | head -1
  ${CXX:-g++} --version | head -1
} >>"$LOG" 2>&1
[ -z "${CUDACXX:-}" ] && ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ] && export CUDACXX=/usr/local/cuda/bin/nvcc

# --- unpacked .debs as a prefix (.deps/root) ----------------------------------------------------
DEPS="$ROOT_DIR/.deps/root"
if [ ! -d "$DEPS" ] && ls .deps/*.deb >/dev/null 2>&1; then
  note "unpacking .deps/*.deb into .deps/root"
  mkdir -p "$DEPS"
  for deb in .deps/*.deb; do dpkg -x "$deb" "$DEPS" || { dpkg-deb -x "$deb" "$DEPS"; }; done
fi
if [ -d "$DEPS" ]; then
  # .pc files say prefix=/usr: point them at the unpacked tree.
  find "$DEPS" -name '*.pc' -exec sed -i "s|^prefix=/usr\$|prefix=$DEPS/usr|" {} +
  # lib*.so symlinks whose runtime package is not unpacked: fall back to the system's library.
  for l in $(find "$DEPS" -name 'lib*.so' -xtype l 2>/dev/null); do
    sys=$(ls /usr/lib/x86_64-linux-gnu/$(basename "$l").* 2>/dev/null | head -1)
    [ -n "$sys" ] && ln -sf "$sys" "$l"
  done
  MULTI=$(ls -d "$DEPS"/usr/lib/*-linux-gnu 2>/dev/null | head -1)
  export CMAKE_PREFIX_PATH="$DEPS/usr${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}"
  export PKG_CONFIG_PATH="$MULTI/pkgconfig:$DEPS/usr/share/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
  export LD_LIBRARY_PATH="$MULTI${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export CPATH="$DEPS/usr/include${CPATH:+:$CPATH}"
  echo "using prefix $DEPS" >>"$LOG"
fi

# --- configure + build --------------------------------------------------------------------------
GEN=()
command -v ninja >/dev/null && GEN=(-G Ninja)
note "configure ($BUILD, CUDA archs $ARCHS)"
if ! cmake -S . -B "$BUILD" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release -DFATHOM_GUI=OFF -DFATHOM_CUDA=ON \
     -DFATHOM_CUDA_ARCHS="$ARCHS" -DFATHOM_TESTS=ON >"$OUT/build.log" 2>&1; then
  note "configure FAILED (see build.log)"; tail -30 "$OUT/build.log"; exit 1
fi
note "build (-j$JOBS)"
if ! cmake --build "$BUILD" -j "$JOBS" >>"$OUT/build.log" 2>&1; then
  note "build FAILED (see build.log)"; grep -E "error|Error" "$OUT/build.log" | head -30; status=1
fi

# --- GPU tests ----------------------------------------------------------------------------------
note "ctest -L gpu"
# -V keeps every row's printed error (passing rows too) in the log.
ctest --test-dir "$BUILD" -L gpu -V --timeout 600 >"$OUT/ctest-gpu.log" 2>&1 || status=1
grep -E "tests passed|tests failed|\*\*\*Failed|Not Run|Timeout" "$OUT/ctest-gpu.log" | tail -40 | tee -a "$LOG"

# --- benches ------------------------------------------------------------------------------------
if [ "${FATHOM_SKIP_BENCH:-0}" != 1 ]; then
  for b in kernel_bench moe_bench model_bench; do
    exe=$(find "$BUILD/tests/bench" -maxdepth 1 -type f -name "$b" -perm -u+x 2>/dev/null | head -1)
    [ -z "$exe" ] && continue
    note "bench $b"
    if ! timeout 600 "$exe" >"$OUT/$b.json" 2>"$OUT/$b.stderr"; then
      note "$b FAILED"; status=1
    fi
    cat "$OUT/$b.stderr" | tee -a "$LOG"
    rm -f "$OUT/$b.stderr"
  done
fi

# --- summary ------------------------------------------------------------------------------------
if command -v python3 >/dev/null; then
  python3 - "$OUT" <<'PY'
import glob, json, os, re, sys
out = sys.argv[1]
summary = {"benches": {}}
log = open(os.path.join(out, "ctest-gpu.log"), errors="replace").read() if os.path.exists(os.path.join(out, "ctest-gpu.log")) else ""
m = re.search(r"(\d+)% tests passed(?:, (\d+) tests? failed)? out of (\d+)", log)
if m:
    summary["tests"] = {"failed": int(m.group(2) or 0), "total": int(m.group(3))}
summary["failed_tests"] = re.findall(r"\d+ - (\S+) \((?:Failed|Timeout|Not Run)\)", log)
summary["kernel_rows"] = re.findall(r"^(?:\d+: )?\[ (\S+) +(\S+) +\] rel L2 (\S+)", log, re.M)
for f in sorted(glob.glob(os.path.join(out, "*_bench.json"))):
    try:
        summary["benches"][os.path.basename(f)[:-5]] = json.load(open(f))
    except Exception as e:
        summary["benches"][os.path.basename(f)[:-5]] = {"error": str(e)}
json.dump(summary, open(os.path.join(out, "summary.json"), "w"), indent=1)
print("\n%-28s %-16s %10s %10s %8s" % ("bench", "shape", "us", "GB/s", "%4.15TB/s"))
for name, b in summary["benches"].items():
    for k in b.get("kernels", []) if isinstance(b, dict) else []:
        print("%-28s %-16s %10.2f %10.0f %8.1f" % (k.get("name"), k.get("shape"), k.get("us", 0), k.get("gbs", 0), k.get("pct_of_copy", 0)))
    for k in b.get("model", []) if isinstance(b, dict) else []:
        print("%-28s %-16s %10s tok/s %8.1f %% of roofline" % (k.get("name"), k.get("shape"), k.get("tok_s"), k.get("pct_of_roofline", 0)))
t = summary.get("tests")
print("\ntests:", ("%d/%d passed" % (t["total"] - t["failed"], t["total"])) if t else "no result", summary["failed_tests"] or "")
PY
fi
note "done: logs and summary.json in $OUT (status $status)"
exit $status
