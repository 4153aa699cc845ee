#!/usr/bin/env bash
# Copies the web client's pages, modules and pinned vendor files into a web
# root (default build/web), beside the scansync.js / .wasm that
# scripts/build-web.sh writes there. The layout keeps web/'s relative
# imports working unchanged:
#   index.html app.js react.html react-app.js style.css   (web/page)
#   src/*.js                                              (web/src, no tests)
#   react/*.js                                            (web/react)
#   vendor/react.js … and vendor/react/, vendor/react-dom/ (UMD),
#   vendor/@tanstack/{query-core,react-query}/build/modern/*.js (npm, pinned in interop/)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-build/web}"
# Not NODE_PATH: build-web.sh points that at Debian's modules for emscripten.
modules="${SCANSYNC_NODE_MODULES:-$PWD/interop/node_modules}"
[[ -d "$modules/react" && -d "$modules/@tanstack/react-query" ]] ||
  { echo "web/stage.sh: $modules lacks react / @tanstack/react-query (run scripts/setup.sh)" >&2; exit 1; }

mkdir -p "$out/src" "$out/react" "$out/vendor/react" "$out/vendor/react-dom"
cp web/page/*.html web/page/*.js web/page/*.css "$out/"
find web/src -maxdepth 1 -name '*.js' ! -name '*.test.js' -exec cp {} "$out/src/" \;
cp web/react/*.js "$out/react/"
cp web/vendor/*.js "$out/vendor/"
cp "$modules/react/umd/react.production.min.js" "$out/vendor/react/"
cp "$modules/react-dom/umd/react-dom.production.min.js" "$out/vendor/react-dom/"
for pkg in query-core react-query; do
  dest="$out/vendor/@tanstack/$pkg/build/modern"
  rm -rf "$dest" && mkdir -p "$dest"
  cp "$modules/@tanstack/$pkg/build/modern/"*.js "$dest/"
  cp "$modules/@tanstack/$pkg/LICENSE" "$out/vendor/@tanstack/$pkg/" 2>/dev/null || true
done
echo "web/stage.sh: staged the pages into $out"
