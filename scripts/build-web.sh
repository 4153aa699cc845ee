#!/usr/bin/env bash
# Builds the browser module: the portable client core and its driver with
# em++ (in build-wasm, like check-wasm.sh) as a standalone wasm reactor,
# and writes into OUT_DIR (default build/web):
#   scansync.js    the ES module users import (web/scansync.js, its own loader)
#   scansync.wasm  the core, shrunk by wasm-opt -Oz (Debian's binaryen)
# Prints both sizes raw and gzipped; fails above SCANSYNC_WEB_MAX_GZIP bytes
# gzipped together (default 80 KB).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-build/web}"
export NODE_PATH=/usr/share/nodejs
export CCACHE_DIR="${CCACHE_DIR:-$PWD/.cache/ccache}"
command -v em++ >/dev/null || { echo "build-web: em++ not found (apt-get install emscripten)" >&2; exit 1; }
command -v wasm-opt >/dev/null || { echo "build-web: wasm-opt not found (apt-get install binaryen)" >&2; exit 1; }

build=build-wasm
# The same configuration as check-wasm.sh, so neither rebuilds the other's objects.
emcmake cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DSCANSYNC_CORE_ONLY=ON -DSCANSYNC_TESTS=OFF -DCMAKE_CXX_FLAGS="${SCANSYNC_WASM_CXX_FLAGS:-}" >/dev/null
cmake --build "$build" -j "${JOBS:-$(nproc)}" --target scansync_web

mkdir -p "$out"
# emcc already ran wasm-opt; a second pass with the name section and
# producers dropped squeezes out a little more.
wasm-opt -Oz --strip-debug --strip-producers \
  "$build/src/web/scansync.wasm" -o "$out/scansync.wasm"
cp web/scansync.js "$out/scansync.js"
# The pages (index.html, react.html) and their modules, beside the module.
web/stage.sh "$out" >/dev/null

total=0
for f in scansync.js scansync.wasm; do
  raw=$(stat -c %s "$out/$f")
  gz=$(gzip -9c "$out/$f" | wc -c)
  total=$((total + gz))
  printf 'build-web: %-14s %7d bytes raw, %6d bytes gzipped\n' "$f" "$raw" "$gz"
done
printf 'build-web: total          %6d bytes gzipped (target %d) -> %s\n' "$total" "${SCANSYNC_WEB_MAX_GZIP:-81920}" "$out"
if ((total > ${SCANSYNC_WEB_MAX_GZIP:-81920})); then
  echo "build-web: the module is larger than the target" >&2
  exit 1
fi
