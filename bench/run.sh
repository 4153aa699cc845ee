#!/usr/bin/env bash
# Builds and runs the scansync benchmarks (not tests): the client core's
# decode+dispatch against socket.io-client, scansync gateway against the
# official Node socket.io server, and scansync device against
# socket.io-client + better-sqlite3. Prints the tables; see bench/README.md.
#   bench/run.sh [--only client|gateway] [--frames N] [--connections N] [--receivers N] [--seconds S]
#   bench/run.sh --only device [--only catchup|wakeups] [--changes N] [--rounds N] [--seconds S] [--ping-interval MS]
# Without --only, all three run with their default sizes (the options go to
# the first two).
#   bench/run.sh --only browser [--frames N] [--wire-frames N] [--rounds N]   (bench/browser/)
#   bench/run.sh --only cluster [--receivers N] [--seconds S] [--rates 5,10] [--rounds N]   (bench/cluster/:
#     two nodes on PostgreSQL + Redis against two socket.io nodes with the Redis adapter; not in the default run)
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

only=""
if [[ "${1:-}" == "--only" ]]; then only="${2:-}"; fi

device_deps() {
  # bench/package.json: better-sqlite3 for the device benchmark, the Redis
  # adapter, redis and pg for the cluster one; never installed by the tests.
  # better-sqlite3 is compiled from source against the installed Node's
  # headers (/usr/include/node): no prebuilt download.
  if [[ ! -f bench/node_modules/better-sqlite3/build/Release/better_sqlite3.node ]] ||
     [[ ! -d bench/node_modules/@socket.io/redis-adapter ]]; then
    (cd bench && npm_config_nodedir=/usr npm_config_build_from_source=true npm ci --no-audit --no-fund --loglevel=error)
  fi
}

cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSCANSYNC_TESTS=OFF >/dev/null
export NODE_PATH="$PWD/interop/node_modules"
if [[ "$only" == "device" ]]; then
  shift 2
  cmake --build "$BUILD" -j "$(nproc)" --target scansync store_apply_bench >/dev/null
  device_deps
  exec node bench/device/device_bench.js --build "$BUILD" "$@"
fi

if [[ "$only" == "cluster" ]]; then
  shift 2
  cmake --build "$BUILD" -j "$(nproc)" --target scansync loadgen >/dev/null
  device_deps
  ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
  exec node bench/cluster/cluster_bench.js --build "$BUILD" "$@"
fi

cmake --build "$BUILD" -j "$(nproc)" --target client_dispatch_bench loadgen scansync store_apply_bench >/dev/null
# 10,000 connections need more descriptors than the default 1024, in the
# servers (children inherit this) and in the load generator.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
node bench/run_bench.js --build "$BUILD" "$@"
if [[ -z "$only" ]]; then
  device_deps
  node bench/device/device_bench.js --build "$BUILD"
fi
