#!/usr/bin/env bash
# Proves the portable core compiles with Emscripten (em++ 3.1.6, libc++ 13):
# configures build-wasm with emcmake in core-only mode, builds the codec
# (scansync_proto), whatever sources the client core (scansync_client) has,
# and a smoke program that node runs to decode a packet and print OK.
#
# Header-only libraries from /usr/include are not visible by default (the
# whole of /usr/include would drag in glibc headers); name any the core needs
# in SCANSYNC_WASM_HEADER_LIBS (e.g. "nlohmann") and each is exposed alone
# through a symlink folder passed with -isystem.
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs
export CCACHE_DIR="${CCACHE_DIR:-$PWD/.cache/ccache}"
command -v em++ >/dev/null || { echo "check-wasm: em++ not found (apt-get install emscripten)" >&2; exit 1; }

build=build-wasm
mkdir -p "$build"
cxx_flags=""
if [[ -n "${SCANSYNC_WASM_HEADER_LIBS:-}" ]]; then
  sysinc="$PWD/$build/system-headers"
  rm -rf "$sysinc" && mkdir -p "$sysinc"
  for lib in $SCANSYNC_WASM_HEADER_LIBS; do
    [[ -e "/usr/include/$lib" ]] || { echo "check-wasm: /usr/include/$lib not found" >&2; exit 1; }
    ln -s "/usr/include/$lib" "$sysinc/$lib"
  done
  cxx_flags="-isystem $sysinc"
fi

echo "== check-wasm: $(em++ --version | head -n 1)"
emcmake cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DSCANSYNC_CORE_ONLY=ON -DSCANSYNC_TESTS=OFF -DCMAKE_CXX_FLAGS="$cxx_flags" >/dev/null

cmake --build "$build" -j "${JOBS:-$(nproc)}" --target scansync_proto scansync_wasm_smoke
out="$(node "$build/src/proto/smoke.js")"
if [[ "$out" != "OK" ]]; then
  echo "check-wasm: smoke.js printed: $out" >&2
  exit 1
fi
echo "check-wasm: scansync_proto built with em++; smoke.js printed OK"

# -k 0: report every translation unit that fails, not just the first.
if ! cmake --build "$build" -j "${JOBS:-$(nproc)}" --target scansync_client scansync_client_wasm_smoke -- -k 0; then
  echo "check-wasm: scansync_client does not compile with em++ (errors above)" >&2
  exit 1
fi
out="$(node "$build/src/client/client_smoke.js")"
if [[ "$out" != *OK* ]]; then
  echo "check-wasm: client_smoke.js printed: $out" >&2
  exit 1
fi
echo "check-wasm: scansync_client built with em++; client_smoke.js printed OK"
