#!/usr/bin/env bash
# Fuzzes the protocol codec (fuzz/) and the gateway's parsers and server core
# (fuzz/gateway/): builds the libFuzzer targets (clang, ASan + UBSan, the
# whole build instrumented) in build-asan, the sanitizer tree the suite also
# uses (scripts/configure-sanitized.sh), and runs each for an equal share of
# SECONDS.
# The seed corpus is copied to a scratch folder under build-asan, so the
# repository is never modified. Fails on any crash, leak, timeout or
# invariant violation; the offending input is left in build-asan/fuzz-run/<target>/.
#
# Usage: scripts/fuzz.sh [SECONDS]   (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."

total="${1:-60}"
targets=(eio_text eio_payload sio_decode json_text ws_frame http_request jwt scan_requests session)
per=$((total / ${#targets[@]}))
((per >= 1)) || per=1

export CCACHE_DIR="${CCACHE_DIR:-$PWD/.cache/ccache}"
./scripts/configure-sanitized.sh  # the one sanitizer tree, build-asan, shared with the suite
cmake --build build-asan -j "${JOBS:-$(nproc)}" --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
for t in "${targets[@]}"; do
  work="build-asan/fuzz-run/$t"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  cp fuzz/corpus/"$t"/* "$work/corpus/"
  echo "== fuzz_$t for ${per}s"
  if ! "build-asan/fuzz/fuzz_$t" "$work/corpus" -dict=fuzz/sio.dict -max_total_time="$per" -max_len=16384 \
      -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$work/artifacts/" -print_final_stats=1 >"$work/log" 2>&1; then
    tail -n 60 "$work/log"
    echo "fuzz: fuzz_$t FAILED; input saved in $work/artifacts/" >&2
    exit 1
  fi
  grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$work/log" | tail -n 2
done
echo "fuzz: all ${#targets[@]} targets ran ${per}s each without a failure"
