#!/usr/bin/env bash
# Configures build-asan, the one sanitizer tree (clang, ASan + UBSan), shared by
# the suite's sanitizer run (scripts/test.sh) and the fuzz run (scripts/fuzz.sh):
# everything is also built with libFuzzer's coverage hooks (fuzzer-no-link),
# so the same objects serve the tests and the fuzz targets, and CI compiles
# the code once for both. -O1: the suite runs about twice as fast as at -O0
# and the reports keep their line numbers (-gline-tables-only).
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-asan
# A tree configured with another compiler (gcc, before) cannot be switched in place.
if [[ -f "$build/CMakeCache.txt" ]] && ! grep -q '^CMAKE_CXX_COMPILER:.*clang++' "$build/CMakeCache.txt"; then
  rm -rf "$build"
fi
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_CXX_FLAGS_DEBUG="-O1 -gline-tables-only" \
  -DSCANSYNC_CORE_ONLY=OFF -DSCANSYNC_SANITIZE=ON -DSCANSYNC_FUZZ=ON -DSCANSYNC_BENCH=OFF >/dev/null
