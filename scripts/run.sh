#!/usr/bin/env bash
# Builds scansync and runs the demo: an embedded gateway on a fresh data folder
# and a watching client that shows scans as they flow.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export CCACHE_DIR="${CCACHE_DIR:-$PWD/.cache/ccache}"
# The page the demo serves at / (the WASM client; build/web).
./scripts/build-web.sh >/dev/null
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target scansync
exec ./build/src/cli/scansync demo "$@"
