#!/usr/bin/env bash
# Renders docs/screenshot-light.png and docs/screenshot-dark.png: a demo conversation (written by
# tests/ui/seed_demo_db.cpp, not by a model) in the main window, offscreen, with the embedded model;
# and docs/screenshot-models.png: the model manager over a made-up Hugging Face cache (sparse files).
# Usage: tools/make-screenshots.sh [BUILD_DIR]   (default: build)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
cmake --build "$build" --target fathom ui_seed_demo_db >/dev/null
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
env -u HF_HUB_CACHE -u HF_HOME HOME="$home" HF_ENDPOINT="http://127.0.0.1:9" QT_QPA_PLATFORM=offscreen "$build/app/fathom" \
  --database "$tmp/demo.sqlite3" --theme light --page models --screenshot "$root/docs/screenshot-models.png"
echo "wrote docs/screenshot-light.png, docs/screenshot-dark.png and docs/screenshot-models.png"
