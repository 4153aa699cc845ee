#!/usr/bin/env bash
# Builds and runs the scansync benchmarks (not tests): the client core's
# decode+dispatch against socket.io-client, and scansync gateway against the
# official Node socket.io server. Prints the tables; see bench/README.md.
#   bench/run.sh [--only client|gateway] [--frames N] [--connections N] [--receivers N] [--seconds S]
#   bench/run.sh --only browser [--frames N] [--wire-frames N] [--rounds N]   (bench/browser/)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${BENCH_BUILD_DIR:-$PWD/build-bench}"
export CCACHE_DIR="${CCACHE_DIR:-$PWD/.cache/ccache}"
if [[ ! -d interop/node_modules/socket.io ]]; then (cd interop && npm ci --no-audit --no-fund --loglevel=error); fi

# The browser benchmark needs the wasm module (Emscripten) and Chromium, not
# the native build; its options go to bench/browser/browser_bench.js.
if [[ "${1:-}" == "--only" && "${2:-}" == "browser" ]]; then
  shift 2
  scripts/build-web.sh build/web >&2
  export NODE_PATH="$PWD/interop/node_modules"
  exec node bench/browser/browser_bench.js --web build/web --json build/web/browser-bench-results.json "$@"
fi

cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSCANSYNC_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target client_dispatch_bench loadgen scansync >/dev/null

# 10,000 connections need more descriptors than the default 1024, in the
# servers (children inherit this) and in the load generator.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
export NODE_PATH="$PWD/interop/node_modules"
exec node bench/run_bench.js --build "$BUILD" "$@"
