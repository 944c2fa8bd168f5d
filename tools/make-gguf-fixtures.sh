#!/usr/bin/env bash
# Reference GGUF fixtures made by llama.cpp itself: its converter (convert_hf_to_gguf.py, needs torch
# and transformers) turns each tiny golden checkpoint in tests/data/golden/* into an F16 GGUF, and its
# llama-quantize makes Q8_0, Q4_0, Q4_K_M, Q5_K_M and Q6_K files from that. Where llama.cpp was built
# with llama-eval-callback / a logits tool, add its logits too (issue #13, "Proof").
#
# The golden checkpoints' shapes (hidden 64, kv_lora 32, experts of 32) are smaller than the 256-wide
# K-quant blocks, so llama-quantize falls back to Q5_0 / Q5_1 / Q8_0 for most of their tensors, as it
# does for V2-Lite's 1408-wide experts; the files are still exactly what llama.cpp would ship.
#
# It does not run on the CPU-only dev machine (no torch there); run it where torch is installed:
#   npm pack node-llama-cpp@3.22.1 && tar xzf node-llama-cpp-3.22.1.tgz package/llama/gitRelease.bundle
#   git clone package/llama/gitRelease.bundle llama
#   cmake -S llama -B llama/build -DGGML_CUDA=OFF && cmake --build llama/build -j --target llama-quantize
#   pip install torch transformers sentencepiece numpy
#   tools/make-gguf-fixtures.sh "$PWD/llama" [OUT_DIR]
# Output: OUT_DIR (default tests/data/gguf/llama-cpp)/<golden>-<type>.gguf and a GENERATED.log with
# the llama.cpp commit and the commands run. Only the outputs are committed, never llama.cpp.
set -euo pipefail

if [[ $# -lt 1 ]]; then
    sed -n '2,20p' "$0"
    exit 2
fi
LLAMA_SRC=$(cd "$1" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${2:-$ROOT/tests/data/gguf/llama-cpp}
QUANTIZE=${LLAMA_QUANTIZE:-$LLAMA_SRC/build/bin/llama-quantize}
PYTHON=${PYTHON:-python3}

[[ -f $LLAMA_SRC/convert_hf_to_gguf.py ]] || { echo "$LLAMA_SRC: no convert_hf_to_gguf.py (is it llama.cpp's source?)" >&2; exit 1; }
[[ -x $QUANTIZE ]] || { echo "$QUANTIZE: not built; build the llama-quantize target (or set LLAMA_QUANTIZE)" >&2; exit 1; }
"$PYTHON" -c "import torch, transformers" 2>/dev/null || { echo "$PYTHON: the converter needs torch and transformers" >&2; exit 1; }

mkdir -p "$OUT"
LOG=$OUT/GENERATED.log
{
    echo "# made by tools/make-gguf-fixtures.sh on $(date -u +%F)"
    echo "# llama.cpp: $(git -C "$LLAMA_SRC" describe --tags --always 2>/dev/null || echo unknown)"
} > "$LOG"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for dir in "$ROOT"/tests/data/golden/*/; do
    name=$(basename "$dir")
    # The converter wants a tokenizer next to the weights; the golden models have a 512-token vocab,
    # the tiny V2 tokenizer covers it (its ids stop at 305; the converter pads the rest).
    cp -r "$dir" "$WORK/$name"
    cp "$ROOT"/tests/data/tokenizer/tiny-v2/tokenizer.json "$ROOT"/tests/data/tokenizer/tiny-v2/tokenizer_config.json "$WORK/$name/"
    f16=$OUT/$name-f16.gguf
    echo "+ convert_hf_to_gguf.py $name --outtype f16" >> "$LOG"
    # The tiny tokenizer's hash is not in the converter's table of known tokenizers; it carries
    # DeepSeek-V2's pre-tokenizer, so the converter is told "deepseek-llm" (otherwise unchanged).
    "$PYTHON" - "$LLAMA_SRC" "$WORK/$name" "$f16" >> "$LOG" 2>&1 <<'PY'
import sys
src, model, out = sys.argv[1:4]
sys.path[:0] = [src, src + "/gguf-py"]
import conversion.base as cb  # noqa: E402
import convert_hf_to_gguf as conv  # noqa: E402
cb.TextModel.get_vocab_base_pre = lambda self, tokenizer: "deepseek-llm"
sys.argv = ["convert_hf_to_gguf.py", model, "--outtype", "f16", "--outfile", out]
conv.main()
PY
    for type in Q8_0 Q4_0 Q4_K_M Q5_K_M Q6_K; do
        echo "+ llama-quantize $name-f16.gguf $type" >> "$LOG"
        "$QUANTIZE" "$f16" "$OUT/$name-${type,,}.gguf" "$type" >> "$LOG" 2>&1
    done
done
ls -l "$OUT"/*.gguf
