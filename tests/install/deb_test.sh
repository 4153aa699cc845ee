#!/usr/bin/env bash
# install.deb: the Debian packages as an admin gets them. Builds both with
# cpack from the built tree (gzip instead of xz: the same files, faster),
# checks their metadata, installs them with dpkg -i, checks the user, the
# folders and the files, runs the unit's ExecStart line by hand as the
# scansync user (no systemd here to start the unit) on a free loopback port
# with its data in /var/lib/scansync, checks /healthz and the page, stops it
# with SIGTERM, then purges both and checks that nothing is left.
# Needs root; skipped (exit 77) without it, or when a scansync package, user
# or folder is on the machine already (this test would remove it).
#   deb_test.sh BUILD_DIR
set -euo pipefail  # (grep >/dev/null, not -q, after a pipe: an early exit would be SIGPIPE)
build="$1"
skip() { echo "install.deb: SKIPPED: $*"; exit 77; }
fail() { echo "install.deb: $*" >&2; exit 1; }

[[ "$(id -u)" == 0 ]] || skip "dpkg -i needs root"
# One run at a time on the machine (another worktree's suite included):
# the checks below then see what an earlier run left.
exec 9>/tmp/scansync-install-deb.lock
flock -w 300 9 || fail "another install.deb held /tmp/scansync-install-deb.lock for 300 s"
command -v dpkg-shlibdeps >/dev/null || skip "dpkg-shlibdeps missing (apt-get install dpkg-dev)"
for p in scansync scansync-dev; do
  if [[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" =~ ^(installed|config-files|half-) ]]; then
    skip "package $p is on this machine already; not touching it"
  fi
done
getent passwd scansync >/dev/null && skip "a scansync user exists already; not touching it"
for d in /var/lib/scansync /etc/scansync; do [[ ! -e "$d" ]] || skip "$d exists already; not touching it"; done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/scansync-deb.XXXXXX")"
gateway_pid=
installed=
cleanup() {
  if [[ -n "$gateway_pid" ]]; then kill -KILL "$gateway_pid" 2>/dev/null || true; fi
  if [[ -n "$installed" ]]; then dpkg --purge scansync-dev scansync >/dev/null 2>&1 || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

version="$("$build/src/cli/scansync" --version | cut -d' ' -f2)"
started=$SECONDS
cpack --config "$build/CPackConfig.cmake" -B "$tmp" -D CPACK_DEBIAN_COMPRESSION_TYPE=gzip >"$tmp/cpack.log" 2>&1 ||
  { cat "$tmp/cpack.log" >&2; fail "cpack failed"; }
arch="$(dpkg --print-architecture)"
deb="$tmp/scansync_${version}-1_${arch}.deb"
dev="$tmp/scansync-dev_${version}-1_${arch}.deb"
[[ -f "$deb" && -f "$dev" ]] || fail "cpack made $(ls "$tmp"/*.deb), not $deb and $dev"
echo "install.deb: built in $((SECONDS - started)) s: $(stat -c '%n %s' "$deb" "$dev" | sed "s|$tmp/||g" | paste -sd' ') bytes"

# Metadata.
[[ "$(dpkg-deb -f "$deb" Package)" == scansync && "$(dpkg-deb -f "$deb" Version)" == "$version-1" ]] ||
  fail "scansync's control says $(dpkg-deb -f "$deb" Package Version)"
depends="$(dpkg-deb -f "$deb" Depends)"
for d in adduser libc6 libssl3 libsqlite3-0 libstdc++6; do
  [[ ", $depends," == *", $d"[\ ,]* ]] || fail "Depends lacks $d: $depends"
done
[[ "$(dpkg-deb -f "$dev" Depends)" == "scansync (= $version-1), "* ]] || fail "scansync-dev's Depends: $(dpkg-deb -f "$dev" Depends)"
dpkg-deb -c "$deb" | grep ' ./usr/lib/systemd/system/scansync.service$' >/dev/null || fail "the unit is not in the package"

# Install.
dpkg -i "$deb" "$dev" >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log" >&2; installed=1; fail "dpkg -i failed"; }
installed=1
IFS=: read -r _ _ uid gid _ home shell < <(getent passwd scansync) || fail "postinst made no scansync user"
((uid < 1000)) || fail "scansync is not a system user (uid $uid)"
[[ "$home" == /var/lib/scansync && "$shell" == /usr/sbin/nologin ]] || fail "scansync's home/shell: $home $shell"
[[ "$(getent group scansync | cut -d: -f3)" == "$gid" ]] || fail "scansync's group is not its own"
[[ "$(stat -c '%U:%G %a' /var/lib/scansync)" == "scansync:scansync 750" ]] ||
  fail "/var/lib/scansync is $(stat -c '%U:%G %a' /var/lib/scansync)"
for f in /usr/bin/scansync /usr/lib/systemd/system/scansync.service /etc/scansync/scansync.env \
         /usr/include/scansync/scansync.h /usr/lib/cmake/scansync/scansyncConfig.cmake /usr/share/doc/scansync/copyright; do
  [[ -e "$f" ]] || fail "$f is missing"
done
if [[ -e "$build/web/index.html" ]]; then
  cmp -s "$build/web/index.html" /usr/share/scansync/web/index.html || fail "the web page is not in /usr/share/scansync/web"
fi
ldconfig -p | grep 'libscansync\.so\.[0-9.]* .*=> .*/lib/libscansync' >/dev/null || fail "the dynamic linker does not know libscansync.so"
[[ "$(pkg-config --modversion scansync)" == "$version" ]] || fail "pkg-config does not find scansync $version"
out="$(systemd-analyze verify /usr/lib/systemd/system/scansync.service 2>&1)" || fail "systemd-analyze verify: $out"
[[ -z "$out" ]] || fail "systemd-analyze verify warned: $out"

# The unit's ExecStart, by hand, as its user (what User=, Group= and
# NoNewPrivileges= give it), on a free port.
exec_start="$(sed -n 's/^ExecStart=//p' /usr/lib/systemd/system/scansync.service)"
[[ "$exec_start" == *'$SCANSYNC_OPTIONS'* ]] || fail "ExecStart does not take \$SCANSYNC_OPTIONS: $exec_start"
read -ra cmd <<<"${exec_start//\$SCANSYNC_OPTIONS/--host 127.0.0.1 --port 0}"
coproc gateway { exec setpriv --reuid=scansync --regid=scansync --clear-groups --no-new-privs -- "${cmd[@]}" 2>"$tmp/gateway.err" 9>&-; }
gateway_pid=$gateway_PID
read -t 20 -r listening <&"${gateway[0]}" || { cat "$tmp/gateway.err" >&2; fail "the gateway printed no listening line"; }
[[ "$listening" =~ \"port\":([0-9]+) ]] || fail "not a listening line: $listening"
port="${BASH_REMATCH[1]}"

get() {  # PATH: the whole HTTP response
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$1" >&3
  timeout 10 cat <&3
  exec 3<&-
}
health="$(get /healthz)"
[[ "$health" == "HTTP/1.1 200"* && "$health" == *'{"status":"ok",'* ]] || fail "/healthz answered: $health"
if [[ -e /usr/share/scansync/web/index.html ]]; then
  page="$(get /)"
  [[ "$page" == "HTTP/1.1 200"* && "$page" == *"$(head -c 200 /usr/share/scansync/web/index.html | head -n 3)"* ]] ||
    fail "/ is not the installed page: ${page:0:200}"
fi
for f in scansync.db jwt-secret; do
  [[ "$(stat -c %U "/var/lib/scansync/$f" 2>/dev/null)" == scansync ]] || fail "/var/lib/scansync/$f is not the scansync user's"
done

kill -TERM "$gateway_pid"
sleep 15 9>&- & deadline=$!  # a deadline, not a wait: whichever ends first
wait -n "$gateway_pid" "$deadline" || true
if kill -0 "$gateway_pid" 2>/dev/null; then fail "the gateway was still running 15 s after SIGTERM"; fi
kill "$deadline" 2>/dev/null || true
rc=0; wait "$gateway_pid" || rc=$?
gateway_pid=
((rc == 0)) || { cat "$tmp/gateway.err" >&2; fail "the gateway exited $rc on SIGTERM"; }
echo "install.deb: the installed gateway ran as scansync on 127.0.0.1:$port, /healthz ok, stopped cleanly"

# Purge: nothing left.
dpkg --purge scansync-dev scansync >"$tmp/purge.log" 2>&1 || { cat "$tmp/purge.log" >&2; fail "dpkg --purge failed"; }
installed=
for p in scansync scansync-dev; do
  status="$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)"
  [[ -z "$status" || "$status" == not-installed ]] || fail "$p is '$status' after purge"
done
! getent passwd scansync >/dev/null || fail "the scansync user is left after purge"
! getent group scansync >/dev/null || fail "the scansync group is left after purge"
for f in /var/lib/scansync /etc/scansync /usr/bin/scansync /usr/share/scansync /usr/lib/cmake/scansync; do
  [[ ! -e "$f" ]] || fail "$f is left after purge"
done
! ldconfig -p | grep libscansync >/dev/null || fail "ld.so.cache still has libscansync after purge"
echo "install.deb: purged, nothing left"
