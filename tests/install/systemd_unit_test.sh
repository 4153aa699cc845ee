#!/usr/bin/env bash
# install.systemd_unit: the package's unit as systemd reads it.
#   systemd-analyze verify: no warning at all (it exits 0 on unknown keys and
#     bad values, so any output fails the test). It checks that ExecStart's
#     binary exists, so a copy of the unit points at the built one here;
#     install.deb verifies the installed unit as shipped.
#   systemd-analyze security --offline: the exposure score stays "OK" (<= 2.0).
# Neither needs systemd running (this container has no PID 1 systemd).
#   systemd_unit_test.sh UNIT_FILE BUILT_SCANSYNC
set -euo pipefail
unit="$1"
binary="$2"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/scansync-unit.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "install.systemd_unit: $*" >&2; exit 1; }

grep -q '^ExecStart=/usr/bin/scansync gateway ' "$unit" || fail "ExecStart is not the package's /usr/bin/scansync gateway"
sed "s|^ExecStart=/usr/bin/scansync |ExecStart=$binary |" "$unit" >"$tmp/scansync.service"
out="$(systemd-analyze verify "$tmp/scansync.service" 2>&1)" || fail "verify failed: $out"
[[ -z "$out" ]] || fail "verify warned: $out"

out="$(systemd-analyze security --offline=yes --threshold=20 --no-pager "$unit" 2>&1)" ||
  fail "exposure above 2.0: $(tail -n 1 <<<"$out")"
echo "install.systemd_unit: verify clean; $(tail -n 1 <<<"$out")"
