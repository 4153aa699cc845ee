#!/usr/bin/env bash
# install.tree: `cmake --install` of the built tree into a temporary prefix,
# then what an app does with it: a C++ app configured with
# find_package(scansync 0.9) links scansync::device and runs; a C program
# built with `pkg-config --cflags --libs scansync` links libscansync.so and
# runs. Nothing of the source tree may be needed: the exported targets must
# not name it, and the app sees only <prefix>/include.
#   install_test.sh BUILD_DIR CXX_COMPILER
set -euo pipefail
build="$1"
cxx="$2"
here="$(cd "$(dirname "$0")" && pwd)"
source="$(cd "$here/../.." && pwd)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/scansync-install.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
fail() { echo "install.tree: $*" >&2; exit 1; }

# --strip as cpack does (the archives lose their debug sections: the app links faster).
cmake --install "$build" --prefix "$prefix" --strip >/dev/null

# The layout.
"$prefix/bin/scansync" --version | grep -q '^scansync ' || fail "bin/scansync does not run"
for f in include/scansync/scansync.h include/scansync/result.h include/scansync/device/device_client.h \
         lib/cmake/scansync/scansyncConfig.cmake lib/cmake/scansync/scansyncConfigVersion.cmake \
         lib/cmake/scansync/scansyncTargets.cmake lib/pkgconfig/scansync.pc lib/libscansync_device.a; do
  [[ -e "$prefix/$f" ]] || fail "$f was not installed"
done
[[ -L "$prefix/lib/libscansync.so" ]] || fail "lib/libscansync.so is not the link to the versioned library"
soname="$(readelf -d "$prefix/lib/libscansync.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')"
[[ "$soname" =~ ^libscansync\.so\.[0-9]+(\.[0-9]+)?$ && -e "$prefix/lib/$soname" ]] ||
  fail "libscansync.so's SONAME is '$soname'"
[[ ! -e "$prefix/include/scansync/gateway" && ! -e "$prefix/include/scansync/auth" ]] ||
  fail "the gateway's headers were installed without its library"
if readelf -S "$prefix/lib/libscansync_transport.a" | grep '\.debug_info' >/dev/null; then
  fail "--strip left the archives' debug sections"
fi
[[ ! -e "$prefix/lib/systemd" ]] || fail "the package's systemd unit was installed by a plain cmake --install"
if [[ -e "$build/web/index.html" ]]; then
  cmp -s "$build/web/index.html" "$prefix/share/scansync/web/index.html" || fail "the web page was not installed"
fi
if grep -rqF -e "$source" -e "$build" "$prefix/lib/cmake" "$prefix/lib/pkgconfig"; then
  fail "the CMake package or the .pc names the source or build tree: $(grep -rlF -e "$source" -e "$build" "$prefix/lib")"
fi

# A C++ app with find_package (the source tree's include/ and src/ unknown to it).
mkdir -p "$tmp/data"
cmake -S "$here/app" -B "$tmp/app" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$cxx" \
      -DCMAKE_PREFIX_PATH="$prefix" >"$tmp/app.log" 2>&1 || { cat "$tmp/app.log" >&2; fail "the app's configure failed"; }
cmake --build "$tmp/app" >>"$tmp/app.log" 2>&1 || { cat "$tmp/app.log" >&2; fail "the app's build failed"; }
if grep -F -e "$source/include" -e "$source/src" "$tmp/app/build.ninja" >/dev/null; then
  fail "the app was compiled with the source tree's include paths"
fi
out="$("$tmp/app/scansync_app" "$tmp/data")" || fail "the app failed: $out"
[[ "$out" == "scans=1 pending=1 code=INSTALLED-1" ]] || fail "the app printed '$out'"
echo "install.tree: C++ app (find_package): $out"

# A C program with pkg-config.
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
[[ "$(pkg-config --modversion scansync)" == "$("$prefix/bin/scansync" --version | cut -d' ' -f2)" ]] ||
  fail "scansync.pc's version is not the project's"
libdir="$(pkg-config --variable=libdir scansync)"
# shellcheck disable=SC2046  # pkg-config's flags are words
cc -std=c99 -Wall -Wextra -Werror -o "$tmp/capi_app" "$here/capi_app.c" $(pkg-config --cflags --libs scansync) \
   -Wl,-rpath,"$libdir" || fail "the C program did not build with pkg-config's flags"
out="$("$tmp/capi_app" "$tmp/data")" || fail "the C program failed: $out"
[[ "$out" == version=*'"count":1'*'"code":"C-ABI-1"'* ]] || fail "the C program printed '$out'"
echo "install.tree: C program (pkg-config): ${out:0:80}..."
