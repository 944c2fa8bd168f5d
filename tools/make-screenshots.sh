#!/usr/bin/env bash
# Renders docs/screenshot-light.png and docs/screenshot-dark.png: a demo conversation (written by
# tests/ui/seed_demo_db.cpp, not by a model) in the main window, offscreen, with the embedded model;
# docs/screenshot-models.png: the model manager over a made-up Hugging Face cache, Ollama and LM Studio
# folders (sparse files, docs/screenshot-models-gguf.png) and a made-up 24 GB GPU;
# and docs/screenshot-remote.png: an R1 reply from a remote server, its reasoning folded (the server
# is tests/remote/fake_openai_server.py replaying a vLLM stream on loopback; the app talks to it
# through its real remote backend).
# Usage: tools/make-screenshots.sh [BUILD_DIR]   (default: build)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
cmake --build "$build" --target fathom ui_seed_demo_db remote_demo_db >/dev/null
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
id="$("$build/tests/ui/ui_seed_demo_db" "$tmp/demo.sqlite3")"
export HF_HUB_CACHE="$tmp/empty-hub"   # only the embedded model, whatever this machine has cached
for theme in light dark; do
  QT_QPA_PLATFORM=offscreen "$build/app/fathom" --database "$tmp/demo.sqlite3" --open-conversation "$id" \
    --theme "$theme" --screenshot "$root/docs/screenshot-$theme.png"
done

# The model manager: one complete model (31.4 GB of sparse weights) and one unfinished download, laid
# out as huggingface_hub does; no network is touched (HF_ENDPOINT points nowhere and nothing starts).
# The default cache folder under a made-up home, shown as ~/.cache/huggingface/hub.
home="$tmp/home"
hub="$home/.cache/huggingface/hub"
commit=3f4c1e2a9b8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e
repo="$hub/models--deepseek-ai--DeepSeek-Coder-V2-Lite-Instruct"
mkdir -p "$repo/blobs" "$repo/refs" "$repo/snapshots/$commit"
printf '%s' "$commit" > "$repo/refs/main"
config=$(printf '%064d' 1); weights=$(printf '%064d' 2)
echo '{"architectures": ["DeepseekV2ForCausalLM"]}' > "$repo/blobs/$config"
truncate -s 31420000000 "$repo/blobs/$weights"
ln -s "../../blobs/$config" "$repo/snapshots/$commit/config.json"
ln -s "../../blobs/$weights" "$repo/snapshots/$commit/model.safetensors"
partial="$hub/models--deepseek-ai--DeepSeek-V2-Lite-Chat"
mkdir -p "$partial/blobs" "$partial/snapshots"
truncate -s 12600000000 "$partial/blobs/$(printf '%064d' 3).incomplete"
# A download that failed before the "restart", as the journal keeps it: the page shows its error.
python3 - "$tmp/demo.sqlite3" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
announced, got = "7c" * 32, "e1" * 32
path = "model-00002-of-000004.safetensors"
error = (f"{path}: sha256 mismatch: the hub announced {announced} but the 8590000000 bytes received hash to "
         f"{got}; deleted the download")
db.execute("INSERT INTO download_files (repo, path, revision, sha256, size, bytes_done, state, error) "
           "VALUES (?, ?, 'main', ?, 8590000000, 0, 'failed', ?)",
           ("deepseek-ai/DeepSeek-Coder-V2-Lite-Base", path, announced, error))
db.commit()
PY
# A made-up 24 GB GPU for the catalog's recommendation (this machine may have none): nvidia-smi's answer.
mkdir -p "$tmp/bin"
printf '#!/bin/sh\necho "NVIDIA GeForce RTX 4090, 24564, 23900"\n' > "$tmp/bin/nvidia-smi"
chmod +x "$tmp/bin/nvidia-smi"
env -u HF_HUB_CACHE -u HF_HOME -u OLLAMA_MODELS HOME="$home" PATH="$tmp/bin:$PATH" HF_ENDPOINT="http://127.0.0.1:9" \
  QT_QPA_PLATFORM=offscreen "$build/app/fathom" \
  --database "$tmp/demo.sqlite3" --theme light --page models --screenshot "$root/docs/screenshot-models.png"

# docs/screenshot-models-gguf.png: GGUF files other tools downloaded, under another made-up home
# (header-only GGUFs padded to their real size with sparse bytes): a Q4_K_M in the HF cache, an
# Ollama model and a Llama (listed as unsupported), an LM Studio Q8_0 the catalog knows as its own.
gguf() {  # gguf FILE ARCH FILE_TYPE NAME SIZE
  mkdir -p "$(dirname "$1")"
  python3 - "$@" <<'PY'
import struct, sys
path, arch, ftype, name, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
s = lambda t: struct.pack("<Q", len(t.encode())) + t.encode()
kv = s("general.architecture") + struct.pack("<I", 8) + s(arch) + s("general.name") + struct.pack("<I", 8) + s(name)
kv += s("general.file_type") + struct.pack("<I", 4) + struct.pack("<I", ftype)
with open(path, "wb") as f:
    f.write(b"GGUF" + struct.pack("<IQQ", 3, 0, 3) + kv)
    f.truncate(size)
PY
}
home="$tmp/home-gguf"
hub="$home/.cache/huggingface/hub"
grepo="$hub/models--bartowski--DeepSeek-Coder-V2-Lite-Instruct-GGUF"
gblob=$(printf '%064d' 4)
mkdir -p "$grepo/refs" "$grepo/snapshots/$commit"
printf '%s' "$commit" > "$grepo/refs/main"
gguf "$grepo/blobs/$gblob" deepseek2 15 DeepSeek-Coder-V2-Lite-Instruct 10364416160
ln -s "../../blobs/$gblob" "$grepo/snapshots/$commit/DeepSeek-Coder-V2-Lite-Instruct-Q4_K_M.gguf"
ollama="$home/.ollama/models"
for m in "deepseek-v2/16b-lite-chat-q5_K_M 5 deepseek2 17 DeepSeek-V2-Lite-Chat 11850000000" \
         "llama3.2/latest 6 llama 15 Llama-3.2-3B-Instruct 2019377696"; do
  set -- $m
  digest=$(printf '%064d' "$2")
  gguf "$ollama/blobs/sha256-$digest" "$3" "$4" "$5" "$6"
  mkdir -p "$(dirname "$ollama/manifests/registry.ollama.ai/library/$1")"
  printf '{"schemaVersion": 2, "layers": [{"mediaType": "application/vnd.ollama.image.model", "digest": "sha256:%s", "size": %s}]}' \
    "$digest" "$6" > "$ollama/manifests/registry.ollama.ai/library/$1"
done
gguf "$home/.lmstudio/models/lmstudio-community/DeepSeek-Coder-V2-Lite-Instruct-GGUF/DeepSeek-Coder-V2-Lite-Instruct-Q8_0.gguf" \
  deepseek2 7 DeepSeek-Coder-V2-Lite-Instruct 16702517536
env -u HF_HUB_CACHE -u HF_HOME -u OLLAMA_MODELS HOME="$home" PATH="$tmp/bin:$PATH" HF_ENDPOINT="http://127.0.0.1:9" \
  QT_QPA_PLATFORM=offscreen "$build/app/fathom" \
  --database "$tmp/gguf.sqlite3" --theme light --page models --screenshot "$root/docs/screenshot-models-gguf.png"
# A remote R1 reply: the fake server replays a recorded-style vLLM stream (reasoning parser on).
echo '{"answers": {"/v1/chat/completions": [{"replay": "demo_r1_binary_search.sse", "delay_ms": 25}]}}' > "$tmp/control.json"
python3 "$root/tests/remote/fake_openai_server.py" --data-dir "$root/tests/data/remote" --port-file "$tmp/port.json" \
  --control "$tmp/control.json" < <(sleep 120) &
server=$!
for _ in $(seq 100); do [ -s "$tmp/port.json" ] && break; sleep 0.1; done
port="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$tmp/port.json")"
question='Why does this binary search loop forever? `while lo < hi: mid = (lo + hi) // 2; if a[mid] < x: lo = mid else: hi = mid`'
rid="$(QT_QPA_PLATFORM=offscreen "$build/tests/remote/remote_demo_db" "$tmp/remote.sqlite3" "http://127.0.0.1:$port/v1" "$question")"
QT_QPA_PLATFORM=offscreen "$build/app/fathom" --database "$tmp/remote.sqlite3" --open-conversation "$rid" \
  --theme light --screenshot "$root/docs/screenshot-remote.png"
kill "$server"
echo "wrote docs/screenshot-light.png, docs/screenshot-dark.png, docs/screenshot-models.png, docs/screenshot-models-gguf.png and docs/screenshot-remote.png"
