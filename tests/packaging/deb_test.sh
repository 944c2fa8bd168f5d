#!/usr/bin/env bash
# Builds the Debian packages with cpack, checks their metadata and contents, installs `fathom` into
# a fresh dpkg root (not the machine: nothing outside a temp folder changes, and that is removed),
# checks that apt can satisfy its Depends on this Debian whether or not fathom is installed here, and runs the installed programs: versions, a generation with the
# embedded model, an offscreen screenshot, desktop-file-validate and appstreamcli.
# usage: deb_test.sh BUILD_DIR SOURCE_DIR APP_ID
set -euo pipefail
build=$(cd "$1" && pwd)
source=$(cd "$2" && pwd)
app_id=$3
# Outside the build tree, as on a user's machine (programs in the build tree may use its plugins/).
work=$(mktemp -d "${TMPDIR:-/tmp}/fathom-deb-test.XXXXXX")
# Removed pass or fail, so nothing is left behind; FATHOM_KEEP_TEST_FILES=1 keeps it for a look.
trap 'if [ "${FATHOM_KEEP_TEST_FILES:-0}" = 1 ]; then echo "(kept $work)"; else rm -rf "$work"; fi' EXIT
mkdir -p "$work/out" "$work/home" "$work/runtime"
chmod 700 "$work/runtime"

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

step "cpack"
(cd "$build" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log"; fail "cpack failed"; }
shopt -s nullglob
debs=("$work"/out/fathom_*.deb)
[ ${#debs[@]} -eq 1 ] || fail "expected one fathom_*.deb in $work/out, found: $(ls "$work/out")"
deb=${debs[0]}
version=$(grep -o 'CPACK_PACKAGE_VERSION "[^"]*"' "$build/CPackConfig.cmake" | cut -d'"' -f2)
arch=$(dpkg --print-architecture)
[ "$(basename "$deb")" = "fathom_${version}-1_${arch}.deb" ] || fail "unexpected file name $(basename "$deb")"

step "metadata (dpkg-deb -I)"
dpkg-deb -I "$deb" >"$work/info.txt"
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = fathom ] || fail "Package is '$(field Package)'"
[ "$(field Version)" = "${version}-1" ] || fail "Version is '$(field Version)', project says $version"
[ "$(field Architecture)" = "$arch" ] || fail "Architecture is '$(field Architecture)'"
depends=$(field Depends)
echo "Depends: $depends"
# Computed by dpkg-shlibdeps from what the binaries link, plus the Qt platform plugins.
for lib in libc6 libstdc++6 libqt6core6 libqt6gui6 libqt6widgets6 libqt6keychain1 libsqlite3-0 libpcre2-8-0 libcpp-httplib0.11 qt6-qpa-plugins; do
  tr ',' '\n' <<<"$depends" | awk '{print $1}' | grep -qxF "$lib" || fail "Depends lacks $lib: $depends"
done
grep -q 'libqt6core6 (>= 6' <<<"$depends" || fail "Qt dependency carries no version: $depends"
grep -qi cuda <<<"$depends" && fail "the main package must not depend on CUDA: $depends"

step "contents (dpkg-deb -c)"
dpkg-deb -c "$deb" >"$work/listing.txt"
awk '{print $6}' "$work/listing.txt" | sed 's#^\./#/#' >"$work/contents.txt"
expect=(
  /usr/bin/fathom /usr/bin/fathom-cli
  /usr/share/fathom/models/fathom-tiny-coder/config.json
  /usr/share/fathom/models/fathom-tiny-coder/model.safetensors
  /usr/share/fathom/models/fathom-tiny-coder/tokenizer.json
  /usr/share/fathom/models/fathom-tiny-coder/tokenizer_config.json
  /usr/share/fathom/models/fathom-tiny-coder/generation_config.json
  /usr/share/applications/$app_id.desktop
  /usr/share/metainfo/$app_id.metainfo.xml
  /usr/share/icons/hicolor/scalable/apps/$app_id.svg
  /usr/share/man/man1/fathom-cli.1.gz /usr/share/man/man1/fathom.1.gz
)
for size in 16 22 24 32 48 64 128 256 512; do
  expect+=("/usr/share/icons/hicolor/${size}x${size}/apps/$app_id.png")
done
for f in "${expect[@]}"; do grep -qx "$f" "$work/contents.txt" || fail "package lacks $f"; done
grep -v '^/usr/' "$work/contents.txt" | grep -v '^/$' && fail "files outside /usr (above)"
grep -q 'fathom_cuda_backend' "$work/contents.txt" && fail "the CUDA plugin belongs in fathom-cuda, not fathom"
grep -q '^-rwxr-xr-x root/root .* ./usr/bin/fathom-cli$' "$work/listing.txt" || fail "fathom-cli is not root-owned 0755"

# fathom-cuda exists when the CUDA plugin is built (FATHOM_CUDA on and inference/cuda present).
cuda_debs=()
if [ -e "$build/plugins/libfathom_cuda_backend.so" ]; then
  step "fathom-cuda package"
  cuda_debs=("$work"/out/fathom-cuda_*.deb)
  [ ${#cuda_debs[@]} -eq 1 ] || fail "the CUDA plugin was built but no fathom-cuda_*.deb was made"
  cuda_depends=$(dpkg-deb -f "${cuda_debs[0]}" Depends)
  echo "fathom-cuda Depends: $cuda_depends"
  grep -q "fathom (= ${version}-1)" <<<"$cuda_depends" || fail "fathom-cuda must depend on this exact fathom"
  grep -q 'libcublas-' <<<"$cuda_depends" || fail "fathom-cuda must depend on cuBLAS"
  grep -q 'cuda-cudart-' <<<"$cuda_depends" || fail "fathom-cuda must depend on the CUDA runtime"
  dpkg-deb -c "${cuda_debs[0]}" >"$work/cuda-listing.txt"
  grep -q '/usr/lib/.*fathom/libfathom_cuda_backend.so$' "$work/cuda-listing.txt" ||
    fail "fathom-cuda lacks the plugin"
fi

if command -v lintian >/dev/null; then
  step "lintian"
  # initial-upload-closes-no-bugs only concerns uploads to the Debian archive.
  lintian --fail-on error,warning --suppress-tags initial-upload-closes-no-bugs "$deb" ${cuda_debs[@]+"${cuda_debs[@]}"} \
    >"$work/lintian.log" 2>&1 ||
    { grep -v 'running with root privileges' "$work/lintian.log"; fail "lintian reports errors or warnings (above)"; }
fi

step "dependencies resolve on this system (apt-get --simulate)"
# Against this system's packages minus any installed fathom (apt_simulate.sh says why).
bash "$source/tests/packaging/apt_simulate.sh" "$deb" "$work" || fail "apt would not install $deb here"

step "install into a fresh dpkg root"
# A fresh root holds only this package, so its Depends (checked by apt above against this
# system) are unmet there: --force-depends. The programs then run with this system's libraries.
root=$work/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
dpkg --root="$root" --force-not-root --force-depends --log=/dev/null -i "$deb" >"$work/dpkg.log" 2>&1 ||
  { cat "$work/dpkg.log"; fail "dpkg -i into $root failed"; }
dpkg --root="$root" -s fathom | grep -q '^Status: install ok installed' || fail "dpkg does not list fathom as installed"
for exe in fathom fathom-cli; do
  ldd "$root/usr/bin/$exe" | grep 'not found' && fail "$exe needs libraries that are missing (above)"
done

step "installed programs"
env_run() {
  env -i PATH=/usr/bin:/bin HOME="$work/home" XDG_RUNTIME_DIR="$work/runtime" LANG=C.UTF-8 \
    QT_QPA_PLATFORM=offscreen "$@"
}
[ "$(env_run "$root/usr/bin/fathom-cli" --version)" = "fathom-cli $version" ] || fail "fathom-cli --version"
[ "$(env_run "$root/usr/bin/fathom" --version)" = "fathom $version" ] || fail "fathom --version"

cli=$root/usr/bin/fathom-cli
model=$root/usr/share/fathom/models/fathom-tiny-coder
prompt='def add(a, b):'
set +e
text=$(env_run "$cli" generate --prompt "$prompt" --max-tokens 8 --temperature 0 2>"$work/generate.err"); status=$?
set -e
if [ $status -ne 0 ] && grep -q 'does not include yet' "$work/generate.err"; then
  # This fathom-cli cannot take --prompt yet: the same generation through the installed tokenizer.
  echo "note: $(cat "$work/generate.err"); generating from tokenize's ids instead"
  prompt_ids=$(env_run "$cli" tokenize --tokenizer "$model" --text "$prompt" | tr -d '[] \n')
  [[ $prompt_ids =~ ^[0-9]+(,[0-9]+)*$ ]] || fail "tokenize printed '$prompt_ids'"
  ids=$(env_run "$cli" generate --tokens "$prompt_ids" --max-tokens 8 --temperature 0 --ids | tr -d '\n')
  text=$(env_run "$cli" detokenize --tokenizer "$model" --ids "$ids")
elif [ $status -ne 0 ]; then
  fail "generate --prompt failed ($status): $(cat "$work/generate.err")"
else
  ids=$(env_run "$cli" generate --prompt "$prompt" --max-tokens 8 --temperature 0 --ids | tr -d '\n')
fi
echo "generated ids: $ids"
echo "generated text: $text"
[[ $ids =~ ^[0-9]+(,[0-9]+){0,7}$ ]] || fail "generate --ids printed '$ids' (want 1-8 ids)"
[ -n "$text" ] || fail "generation printed no text"
# The installed model is the one used: break its weights and the error must name the installed file.
mv "$model/model.safetensors" "$work/model.safetensors"
head -c 100 "$work/model.safetensors" >"$model/model.safetensors"
set +e
err=$(env_run "$cli" generate --tokens 1,2 --ids --max-tokens 1 2>&1 >/dev/null); status=$?
set -e
mv "$work/model.safetensors" "$model/model.safetensors"
[ $status -eq 1 ] || fail "a broken installed model gave status $status: $err"
grep -q "$model/model.safetensors" <<<"$err" || fail "the installed model was not the one used: $err"
set +e
err=$(env_run "$cli" generate --tokens 1,2 --ids --max-tokens 1 --backend cuda 2>&1 >/dev/null); status=$?
set -e
# Installed programs look for backends only in the installed plugin folder.
[ $status -eq 1 ] && grep -Eq "is in none of $root/usr/lib[^,]*/fathom \(install the fathom-cuda package\)" <<<"$err" ||
  fail "--backend cuda without the plugin: status $status, '$err'"

env_run "$root/usr/bin/fathom" --screenshot "$work/screenshot.png" --database "$work/home/chats.db" \
  >"$work/screenshot.log" 2>&1 || { cat "$work/screenshot.log"; fail "fathom --screenshot failed"; }
file "$work/screenshot.png" | grep -q 'PNG image data, 1280 x 800' || fail "screenshot: $(file "$work/screenshot.png")"
# `fathom FILE` (the MIME association's Exec=fathom %F) refuses a file that is not there, clearly.
set +e
err=$(env_run "$root/usr/bin/fathom" "$work/missing.py" 2>&1); status=$?
set -e
[ $status -eq 1 ] && grep -q "missing.py: no such readable file" <<<"$err" || fail "fathom MISSING_FILE: $status '$err'"

if [ ${#cuda_debs[@]} -eq 1 ]; then
  step "fathom-cuda installed beside fathom"
  dpkg --root="$root" --force-not-root --force-depends --log=/dev/null -i "${cuda_debs[0]}" >"$work/dpkg-cuda.log" 2>&1 ||
    { cat "$work/dpkg-cuda.log"; fail "dpkg -i fathom-cuda into $root failed"; }
  set +e
  out=$(env_run "$cli" generate --tokens 1,2 --ids --max-tokens 2 --temperature 0 --backend cuda 2>&1); status=$?
  set -e
  echo "--backend cuda: status $status: $out"
  # With a GPU it generates; without one the installed plugin still loads and says why it cannot
  # run (before fathom-cuda was installed, the same command said it is not installed: see above).
  [ $status -eq 0 ] || { [ $status -eq 1 ] && grep -q "the CUDA backend cannot run" <<<"$out"; } ||
    fail "the installed fathom-cuda plugin was not used"
fi

step "desktop integration"
desktop-file-validate "$root/usr/share/applications/$app_id.desktop" || fail "desktop-file-validate"
appstreamcli validate --no-net "$root/usr/share/metainfo/$app_id.metainfo.xml" || fail "appstreamcli validate"
grep -q '^Exec=fathom %F$' "$root/usr/share/applications/$app_id.desktop" || fail "Exec does not take files"
for mime in text/x-python text/x-c++src text/x-csrc; do
  grep -q "^MimeType=.*$mime;" "$root/usr/share/applications/$app_id.desktop" || fail "no MIME association for $mime"
done
grep -q '<project_license>Apache-2.0</project_license>' "$root/usr/share/metainfo/$app_id.metainfo.xml" ||
  fail "metainfo does not name the project's license (Apache-2.0, as LICENSE)"
grep -q "<release version=\"$version\"" "$root/usr/share/metainfo/$app_id.metainfo.xml" ||
  fail "metainfo does not name release $version"
# The code's license (LICENSE) in Debian's machine-readable form; models from the hub keep theirs.
copyright="$root/usr/share/doc/fathom/copyright"
grep -qx 'License: Apache-2.0' "$copyright" || fail "$copyright does not give Apache-2.0"
grep -q 'Version 2.0, January 2004' "$source/LICENSE" || fail "LICENSE is not the Apache License 2.0"
grep -q 'DeepSeek License' "$copyright" || fail "$copyright does not say downloaded DeepSeek models keep their license"
shots=$(grep -o '/docs/[^<]*\.png</image>' "$root/usr/share/metainfo/$app_id.metainfo.xml" | sed 's#</image>##')
[ -n "$shots" ] || fail "metainfo has no screenshots"
for shot in $shots; do [ -f "$source$shot" ] || fail "metainfo shows $shot, which is not in the source tree"; done
file "$root/usr/share/icons/hicolor/256x256/apps/$app_id.png" | grep -q 'PNG image data, 256 x 256' ||
  fail "256x256 icon: $(file "$root/usr/share/icons/hicolor/256x256/apps/$app_id.png")"

step "man pages"
page=$(zcat "$root/usr/share/man/man1/fathom-cli.1.gz")
for cmd in $(env_run "$cli" help | awk '$1 == "fathom-cli" {print $2}'); do
  grep -qxF ".B $(sed 's/-/\\-/g' <<<"$cmd")" <<<"$page" || fail "fathom-cli.1 does not list '$cmd'"
done
grep -q "Fathom $version" <<<"$page" || fail "fathom-cli.1 does not carry version $version"
if command -v groff >/dev/null; then
  warnings=$(zcat "$root/usr/share/man/man1/fathom-cli.1.gz" | groff -man -Tutf8 -ww -z 2>&1)
  [ -z "$warnings" ] || fail "groff warns about fathom-cli.1: $warnings"
fi

echo "PASS: $(basename "$deb") ($(du -h "$deb" | cut -f1)) installs into a fresh root and runs"
