#!/usr/bin/env bash
# Builds scansync and runs every test: unit, interop (official socket.io peers),
# the Emscripten compile of the portable core, sanitizer builds and a short fuzz run.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export CCACHE_DIR="${CCACHE_DIR:-$PWD/.cache/ccache}"
JOBS="${JOBS:-$(nproc)}"
# Each step says when it starts (seconds since the start), so a slow CI run shows where the time went.
phase() { echo "== $* [${SECONDS}s]"; }

# First, so that the configure below registers e2e.wasm_client (it needs the module).
phase "browser module: Emscripten (build/web)"
./scripts/build-web.sh

# -g1: line tables for backtraces without the full debug info, which costs
# a quarter of the compile time of the Beast-heavy files.
phase "build (RelWithDebInfo, -g1)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" >/dev/null
cmake --build build -j "$JOBS"

# The deterministic simulation, past ctest's seeds 1-200 (src/sim/README.md):
# ~65 s of one core for 2,000. It runs beside ctest at the lowest priority,
# on the CPU the e2e suites leave idle while they wait on their peers.
# SIM_SEEDS=0 skips it.
SIM_SEEDS="${SIM_SEEDS:-2000}"
sim_log="$(mktemp)"
sim_pid=""
if [ "$SIM_SEEDS" -gt 0 ]; then
  phase "simulator: $SIM_SEEDS seeds (beside ctest)"
  nice -n 19 ./build/src/sim/scansync-sim --seeds "201-$((200 + SIM_SEEDS))" >"$sim_log" 2>&1 &
  sim_pid=$!
fi
phase "ctest"
ctest --test-dir build --output-on-failure -j "$JOBS" --timeout 300
if [ -n "$sim_pid" ]; then
  sim_status=0
  wait "$sim_pid" || sim_status=$?
  phase "simulator done"
  tail -n 20 "$sim_log"
  rm -f "$sim_log"
  [ "$sim_status" -eq 0 ] || { echo "simulator: failed (exit $sim_status)" >&2; exit 1; }
fi

phase "everything again under ASan + UBSan, clang (the gateway the e2e suites start included)"
./scripts/configure-sanitized.sh
cmake --build build-asan -j "$JOBS"  # the fuzz targets too: the fuzz run below uses this tree
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$JOBS" --timeout 300

phase "store: ThreadSanitizer (the checkpointer's thread and the writer's)"
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS="-fsanitize=thread -O1" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" >/dev/null
cmake --build build-tsan -j "$JOBS" --target store_tests
TSAN_OPTIONS=halt_on_error=1 ./build-tsan/src/store/store_tests

phase "portable core: Emscripten"
./scripts/check-wasm.sh

phase "fuzz (short run)"
./scripts/fuzz.sh "${FUZZ_SECONDS:-40}"
echo "== all tests passed in ${SECONDS}s"
