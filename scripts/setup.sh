#!/usr/bin/env bash
# Installs everything the build, the tests and the demo need on Debian 12.
# Idempotent: a second run only checks that the packages are present.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libssl-dev nlohmann-json3-dev libcli11-dev
  libsqlite3-dev sqlite3 googletest libgtest-dev libgmock-dev
  libpq-dev postgresql  # the PostgreSQL scan repository; its tests start a real server
  libhiredis-dev redis-server  # the Redis fan-out between gateway nodes; its tests start their own redis-server
  haproxy  # scripts/cluster.sh and tests/e2e/cluster_lb.test.js: the load balancer in front of two nodes
  clang libclang-rt-14-dev lld  # lld: links ~3x faster than ld.bfd
  python3 iproute2 util-linux  # the C ABI's ctypes test; the network monitor's namespace tests; prlimit
  dpkg-dev adduser systemd  # tests/install: cpack's dpkg-shlibdeps; the .deb's postinst; systemd-analyze verify
  python3-prometheus-client  # e2e.observability parses /metrics with its text-format parser
  nodejs npm
)
if [[ "${SCANSYNC_WITH_WASM:-1}" == 1 ]]; then PACKAGES+=(emscripten binaryen); fi  # binaryen: wasm-opt for build-web.sh
PACKAGES+=(chromium)  # e2e.browser: the web pages in headless Chromium (playwright-core drives it)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node and npm may come from outside Debian's packages (a newer Node is fine).
if command -v node >/dev/null && command -v npm >/dev/null; then
  tmp=(); for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || tmp+=("$p"); done
  missing=("${tmp[@]+"${tmp[@]}"}")
fi
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Test peers (official socket.io server and client, playwright-core) pinned by the lockfile.
if [[ ! -d interop/node_modules ]] || [[ interop/package-lock.json -nt interop/node_modules/.package-lock.json ]]; then
  (cd interop && npm ci --no-audit --no-fund --loglevel=error)
fi
