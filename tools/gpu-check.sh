#!/usr/bin/env bash
# One command for a machine with an NVIDIA GPU: configures the engine-only tree with CUDA, builds it
# with every core, runs the GPU tests (ctest -L gpu) and the benches, and leaves logs plus
# summary.json under $OUT (default ./gpu-out), then prints a table. No Qt or SQLite needed.
# $OUT gets at most 8 files: gpu-check.log (steps, environment, bench tables), build.log,
# ctest-gpu.log (every row's error), <bench>.json per bench, summary.json.
#
#   bash tools/gpu-check.sh
#
# Environment: OUT (results folder), FATHOM_CUDA_ARCHS (default 90a), FATHOM_EXTRA_ARCHS (appended,
# e.g. "80;86;89"), FATHOM_BUILD_DIR (default build-gpu), FATHOM_SKIP_BENCH=1 (tests only),
# FATHOM_SKIP_TESTS=1 (benches only), FATHOM_BENCHES (default "kernel_bench model_bench
# fim_completion_bench"), FATHOM_CHECKPOINT=DIR (also time `fathom-cli generate --stats` on a full-size
# random checkpoint of the V2-Lite shape written there by tools/random-checkpoint.py, ~31 GB, kept
# for the next run; needs python3 with torch and safetensors): generate-stats.json;
# FATHOM_CHECKPOINT_WEIGHTS="q8 q4" adds runs of it quantized while it loads (--weights).
# FATHOM_GGUF=DIR: also make full-size random GGUF files with llama.cpp's converter + llama-quantize
# and time Fathom and llama.cpp on them (tools/gpu-check-gguf.sh says what it needs): gguf-stats.json,
# llama-bench-TYPE.json. FATHOM_BUILD_TARGETS: build only these targets (default: all).
# FATHOM_CTEST_REGEX: run only the GPU tests whose names match (ctest -R).
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
note() { echo "== [$(date +%T)] $*" | tee -a "$LOG"; }
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

# --- GGUF files, made in the background while Fathom builds ------------------------------------
if [ -n "${FATHOM_GGUF:-}" ]; then
  # shellcheck source=tools/gpu-check-gguf.sh
  . tools/gpu-check-gguf.sh
  note "GGUF: preparing files in $FATHOM_GGUF (background)"
  gguf_prepare &
  GGUF_PID=$!
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
targets=()
[ -n "${FATHOM_BUILD_TARGETS:-}" ] && targets=(--target $FATHOM_BUILD_TARGETS)
if ! cmake --build "$BUILD" -j "$JOBS" "${targets[@]}" >>"$OUT/build.log" 2>&1; then
  note "build FAILED (see build.log)"; grep -E "error|Error" "$OUT/build.log" | head -30; status=1
else
  rm -f "$OUT/build.log"  # $OUT holds at most 8 files: keep the build log only when it failed
fi

# --- GPU tests ----------------------------------------------------------------------------------
if [ "${FATHOM_SKIP_TESTS:-0}" != 1 ]; then
  note "ctest -L gpu"
  # -V keeps every row's printed error (passing rows too) in the log.
  filter=()
  [ -n "${FATHOM_CTEST_REGEX:-}" ] && filter=(-R "$FATHOM_CTEST_REGEX")
  ctest --test-dir "$BUILD" -L gpu "${filter[@]}" -V --timeout 600 >"$OUT/ctest-gpu.log" 2>&1 || status=1
  grep -E "tests passed|tests failed|\*\*\*Failed|Not Run|Timeout" "$OUT/ctest-gpu.log" | tail -40 | tee -a "$LOG"
fi

# --- benches ------------------------------------------------------------------------------------
if [ "${FATHOM_SKIP_BENCH:-0}" != 1 ]; then
  for b in ${FATHOM_BENCHES:-kernel_bench model_bench fim_completion_bench}; do
    exe=$(find "$BUILD/tests/bench" -maxdepth 1 -type f -name "$b" -perm -u+x 2>/dev/null | head -1)
    [ -z "$exe" ] && continue
    args=()
    # Editor latency: FIM requests while typing in a 1,500-token file, V2-Lite shape on the GPU.
    [ "$b" = fim_completion_bench ] && args=(--random-weights --shape v2-lite --backend cuda)
    note "bench $b ${args[*]}"
    if ! timeout 600 "$exe" "${args[@]}" >"$OUT/$b.json" 2>"$OUT/$b.stderr"; then
      note "$b FAILED"; status=1
    fi
    cat "$OUT/$b.stderr" | tee -a "$LOG"
    rm -f "$OUT/$b.stderr"
  done
fi

# --- the product's own command on a real checkpoint ------------------------------------------------
if [ -n "${FATHOM_CHECKPOINT:-}" ]; then
  note "checkpoint $FATHOM_CHECKPOINT"
  python3 tools/random-checkpoint.py tests/data/shapes/v2-lite.json "$FATHOM_CHECKPOINT" >>"$LOG" 2>&1 || status=1
  toks=$(python3 -c "import random;random.seed(1);print(','.join(str(random.randrange(1000,100000)) for _ in range(512)))")
  cli="$BUILD/app/fathom-cli"
  : >"$OUT/generate-stats.json"
  # The first run reads the shards from disk; the later ones from the page cache, as a second start would.
  # The bf16 runs, then (FATHOM_CHECKPOINT_WEIGHTS, e.g. "q8 q4") the same checkpoint quantized while it loads.
  runs=("--temperature 0" "--temperature 0" "--temperature 0.7 --top-p 0.95 --seed 3")
  for w in ${FATHOM_CHECKPOINT_WEIGHTS:-}; do runs+=("--weights $w --temperature 0" "--weights $w --temperature 0.7 --top-p 0.95 --seed 3"); done
  for sampling in "${runs[@]}"; do
    note "fathom-cli generate --stats --max-tokens 1024 $sampling"
    # shellcheck disable=SC2086
    "$cli" generate --model "$FATHOM_CHECKPOINT" --tokens "$toks" --max-tokens 1024 $sampling --ids --stats --backend cuda \
      --context 4096 >/dev/null 2>"$OUT/generate.err" || { status=1; tail -5 "$OUT/generate.err" | tee -a "$LOG"; }
    grep '^{' "$OUT/generate.err" | tee -a "$LOG" >>"$OUT/generate-stats.json"
    grep -v '^{' "$OUT/generate.err" >>"$LOG"
  done
  rm -f "$OUT/generate.err"
fi

[ -n "${FATHOM_GGUF:-}" ] && gguf_bench

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
# Every gtest case with its outcome (ctest -V prefixes each output line with "N: ").
summary["cases"] = re.findall(r"^(?:\d+: )?\[ +(OK|FAILED|SKIPPED) +\] (\S+\.\S+) \(", log, re.M)
summary["accuracy_lines"] = re.findall(r"^(?:\d+: )?(.*relative L2.*)$", log, re.M)
json.dump(summary, open(os.path.join(out, "summary.json"), "w"), indent=1)

def rows(bench, key):
    b = summary["benches"].get(bench)
    return b.get(key, []) if isinstance(b, dict) else []
def find(rs, name_key, name, shape_key=None, shape=None):
    for r in rs:
        if name in str(r.get(name_key, "")) and (shape is None or shape in str(r.get(shape_key, ""))):
            return r
    return None
def fmt(v, f="%.1f"):
    return f % v if isinstance(v, (int, float)) else "n/a"

print("\n==== headline (H200 anchors: roofline 847 tok/s bf16, copy 4.15 TB/s) ====")
model = rows("model_bench", "model")
for label, name, shape in [("decode greedy tok/s, ctx 512", "decode_greedy", "ctx 512"),
                           ("decode T0.7 top-p .95, ctx 512", "decode_t0.7", "ctx 512"),
                           ("decode greedy tok/s, ctx 4k", "decode_greedy", "ctx 4096"),
                           ("decode T0.7 top-p .95, ctx 4k", "decode_t0.7", "ctx 4096"),
                           ("decode greedy tok/s, ctx 32k", "decode_greedy", "ctx 32768"),
                           ("prefill tok/s, 512 tokens", "prefill", "512")]:
    r = find(model, "name", name, "shape", shape)
    pct = r.get("pct_of_roofline") if r else None
    print("%-34s %10s %s" % (label, fmt(r.get("tok_s") if r else None), ("(%s %% of roofline)" % fmt(pct)) if pct else ""))
kern = rows("kernel_bench", "kernels")
for label, shape in [("MLA decode GB/s, ctx 4k", "ctx4096"), ("MLA decode GB/s, ctx 32k", "ctx32768")]:
    r = find(kern, "name", "mla_decode", "shape", shape)
    print("%-34s %10s %s" % (label, fmt(r.get("gbs") if r else None, "%.0f"), ("(%s %% of copy)" % fmt(r.get("pct_of_copy"))) if r else ""))
for label, name in [("MoE layer GB/s (fused)", "moe_layer_decode_fused"), ("MoE layer GB/s (route+experts)", "moe_layer_decode(route")]:
    r = find(kern, "name", name)
    print("%-34s %10s %s" % (label, fmt(r.get("gbs") if r else None, "%.0f"),
                               ("(%s %% of copy, %s us)" % (fmt(r.get("pct_of_copy")), fmt(r.get("us")))) if r else ""))

fim = summary["benches"].get("fim_completion_bench", {}).get("typing", {}) if isinstance(summary["benches"].get("fim_completion_bench"), dict) else {}
for label, key in [("FIM first token ms (typing, median)", "first_token_ms"), ("FIM 64 tokens ms (typing, median)", "complete_ms")]:
    v = fim.get(key) or {}
    print("%-34s %10s" % (label, fmt(v.get("median") if isinstance(v, dict) else None)))

print("\n%-44s %-16s %10s %10s %8s" % ("bench", "shape", "us", "GB/s", "%4.15TB/s"))
def items(b, key):  # a bench's list of rows under `key`; other benches use the key for a string
    v = b.get(key) if isinstance(b, dict) else None
    return v if isinstance(v, list) else []
for name, b in summary["benches"].items():
    for k in items(b, "kernels"):
        print("%-44s %-16s %10.2f %10.0f %8.1f" % (k.get("name"), k.get("shape"), k.get("us", 0), k.get("gbs", 0), k.get("pct_of_copy", 0)))
    for k in items(b, "model"):
        print("%-28s %-16s %10s tok/s %8.1f %% of roofline" % (k.get("name"), k.get("shape"), k.get("tok_s"), k.get("pct_of_roofline", 0)))

stats = os.path.join(out, "generate-stats.json")
if os.path.exists(stats):
    print("\n==== fathom-cli generate --stats (full-size checkpoint, 512-token prompt, 1024 tokens) ====")
    for line in open(stats):
        try:
            d = json.loads(line)
            print("  load %.1f s, upload %.2f GB/s, prefill %.0f tok/s, decode %.1f tok/s" % (
                d["load_s"], d["upload_gb_s"], d["prefill_tok_s"], d["decode_tok_s"]))
        except Exception as e:
            print("  unreadable:", line.strip()[:100], e)
print("\n==== accuracy (CUDA vs CPU engine) ====")
for line in summary["accuracy_lines"]:
    if "per-row" not in line:
        print("  " + line.strip()[:150])
print("\n==== tests ====")
cases = summary["cases"]
for status in ("FAILED", "SKIPPED"):
    names = sorted({n for s, n in cases if s == status})
    if names:
        print("%s (%d):" % (status, len(names)))
        for n in names:
            print("  " + n)
print("gtest cases: %d OK, %d FAILED, %d SKIPPED" % tuple(sum(1 for s, _ in cases if s == k) for k in ("OK", "FAILED", "SKIPPED")))
t = summary.get("tests")
print("ctest:", ("%d/%d passed" % (t["total"] - t["failed"], t["total"])) if t else "no result", summary["failed_tests"] or "")
PY
fi
note "done: logs and summary.json in $OUT (status $status)"
exit $status
