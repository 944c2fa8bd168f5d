#!/usr/bin/env bash
# Renders docs/screenshot-light.png and docs/screenshot-dark.png: a demo conversation (written by
# tests/ui/seed_demo_db.cpp, not by a model) in the main window, offscreen, with the embedded model.
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
echo "wrote docs/screenshot-light.png and docs/screenshot-dark.png"
