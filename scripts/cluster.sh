#!/usr/bin/env bash
# Starts a local scansync cluster on loopback, for trying it as an operator
# would: PostgreSQL (a fresh cluster in a temporary folder, run as the
# `postgres` user when started as root: PostgreSQL refuses root), one
# redis-server, two gateway nodes on them (--store / --fanout) and HAProxy in
# front. Prints the URLs and a token, then runs until Ctrl-C (SIGINT) or
# SIGTERM, and stops everything it started and removes its folder.
#
#   scripts/cluster.sh [--bin PATH] [--port N] [--user SUB] [--print-haproxy-config] [--json]
#
#   --bin PATH               scansync binary (default: build/src/cli/scansync)
#   --port N                 HAProxy's port (default: 0, a free one)
#   --user SUB               the token's user (default: alice)
#   --print-haproxy-config   print the generated haproxy.cfg before the URLs
#   --local-stores           for a gateway built without --store/--fanout: each node on
#                            its own SQLite, no shared state (tries the load balancer only)
#   --json                   print one JSON line (urls, pids, token) instead of text;
#                            tests read it (tests/e2e/cluster_lb.test.js)
#
# Load balancing (HAProxy):
# - Every node is checked with GET /healthz (every 500 ms; 2 failures take it
#   out, 1 success brings it back), so a dead node leaves the rotation within
#   about a second and clients that reconnect land on a live one.
# - WebSocket needs no stickiness: one TCP connection is one session, and
#   HAProxy tunnels it after the 101 (timeout tunnel). Those connections and
#   REST go round-robin with no cookie (backend `nodes`).
# - Long-polling needs stickiness: the Engine.IO session (sid) lives in one
#   node, and every poll and the upgrade of that session must reach it.
#   The `sid` query cannot drive it: the node picks the sid in the answer to
#   the first request, so HAProxy would have to read the handshake body to
#   learn which server owns it. A cookie does it: HAProxy inserts
#   SCANSYNC_NODE on the answers of backend `sticky`, which takes the polling
#   requests (transport=polling) and any request carrying a sid. Clients must
#   keep cookies for polling (browsers do; Node's socket.io-client with
#   withCredentials: true), or use transports: ['websocket'].
# - If a node dies, its sticky cookie names a server that is down; HAProxy
#   (option redispatch) sends the request to the other node, whose answer
#   ("Session ID unknown") makes the client open a new session there, and the
#   client's sync:since catches it up from the shared store.
set -euo pipefail
cd "$(dirname "$0")/.."

bin="$PWD/build/src/cli/scansync"
lb_port=0
user=alice
print_config=0
json=0
local_stores=0
while (($#)); do
  case "$1" in
    --bin) bin="$(realpath "$2")"; shift 2 ;;
    --port) lb_port="$2"; shift 2 ;;
    --user) user="$2"; shift 2 ;;
    --print-haproxy-config) print_config=1; shift ;;
    --json) json=1; shift ;;
    --local-stores) local_stores=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "cluster: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

say() { if ((json)); then echo "cluster: $*" >&2; else echo "cluster: $*"; fi; }
die() { echo "cluster: $*" >&2; exit 1; }
for tool in haproxy redis-server pg_ctl initdb createdb python3; do
  command -v "$tool" >/dev/null || die "$tool not found (scripts/setup.sh installs it)"
done
[[ -x "$bin" ]] || die "no scansync binary at $bin (build it: cmake --build build --target scansync, or pass --bin)"
if ((!local_stores)); then
  # Read whole, not piped into grep -q: grep's early exit would kill the
  # writer with SIGPIPE and pipefail would call that a missing flag.
  help="$("$bin" gateway --help)"
  [[ "$help" == *--fanout* ]] || die "$bin has no --store/--fanout (a gateway built before the cluster work; --local-stores tries the load balancer alone)"
fi

# The folder must be traversable by the postgres user (mktemp makes it 0700);
# the secret inside stays 0600.
work="$(mktemp -d "${TMPDIR:-/tmp}/scansync-cluster-XXXXXX")"
chmod 0755 "$work"
pids=()
pg_started=0
as_pg=()
if ((EUID == 0)); then as_pg=(runuser -u postgres --); fi

stop_all() {
  trap - EXIT INT TERM
  # Last started, first stopped: HAProxy, the nodes, Redis; then PostgreSQL.
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; done
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    # A node that does not stop within 10 s is killed: nothing is left behind.
    local n=0
    while kill -0 "${pids[i]}" 2>/dev/null && ((n < 100)); do sleep 0.1; n=$((n + 1)); done
    kill -KILL "${pids[i]}" 2>/dev/null || true
    wait "${pids[i]}" 2>/dev/null || true
  done
  if ((pg_started)); then "${as_pg[@]}" pg_ctl -D "$work/pg" -m fast -w stop >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# Waits (bounded) until a TCP port accepts connections; fails if PID died.
wait_port() {
  local port="$1" pid="$2" what="$3" n=0
  until python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || die "$what exited; its log: $(tail -5 "$work/$what.log" 2>/dev/null)"
    ((n++ < 150)) || die "$what not listening on $port within 15 s"
    sleep 0.1
  done
}

# ---- PostgreSQL ----
pg_port="$(free_port)"
mkdir "$work/pg"
if ((EUID == 0)); then chown postgres:postgres "$work/pg"; fi
"${as_pg[@]}" initdb -D "$work/pg" --auth=trust -U postgres >"$work/initdb.log" 2>&1 || die "initdb failed: $(tail -5 "$work/initdb.log")"
# A throwaway cluster: fsync off.
"${as_pg[@]}" pg_ctl -D "$work/pg" -l "$work/pg/server.log" -w -t 30 \
  -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null ||
  die "PostgreSQL did not start: $(tail -5 "$work/pg/server.log")"
pg_started=1
"${as_pg[@]}" createdb -h 127.0.0.1 -p "$pg_port" -U postgres scansync
store="postgresql://postgres@127.0.0.1:$pg_port/scansync"

# ---- Redis ----
redis_port="$(free_port)"
redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --daemonize no \
  --dir "$work" >"$work/redis.log" 2>&1 &
pids+=($!)
wait_port "$redis_port" "${pids[-1]}" redis
fanout="redis://127.0.0.1:$redis_port"

# ---- Two gateway nodes: their own --data (lock), ONE secret, one store ----
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/jwt-secret"
chmod 0600 "$work/jwt-secret"
node_ports=() node_pids=()
shared=(--store "$store" --fanout "$fanout")
if ((local_stores)); then shared=(); fi
for n in 1 2; do
  port="$(free_port)"
  mkdir "$work/node$n"
  "$bin" gateway --host 127.0.0.1 --port "$port" --data "$work/node$n" --jwt-secret-file "$work/jwt-secret" \
    "${shared[@]}" >"$work/node$n.log" 2>&1 &
  pids+=($!)
  wait_port "$port" "${pids[-1]}" "node$n"
  node_ports+=("$port") node_pids+=("${pids[-1]}")
done

# ---- HAProxy ----
if ((lb_port == 0)); then lb_port="$(free_port)"; fi
cat >"$work/haproxy.cfg" <<EOF
# Generated by scripts/cluster.sh (see the comment at its top for the choices).
global
    maxconn 4000

defaults
    mode http
    option http-server-close
    option redispatch
    retries 2
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    # WebSocket after the 101, and long-polls held by the node (pingInterval 25 s).
    timeout tunnel 1h
    timeout http-request 10s

frontend scansync
    bind 127.0.0.1:$lb_port
    acl polling url_param(transport) -m str polling
    acl has_sid url_param(sid) -m found
    use_backend sticky if polling or has_sid
    default_backend nodes

# WebSocket (one connection, one session) and REST: no stickiness.
backend nodes
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
    default-server inter 500ms fall 2 rise 1
    server node1 127.0.0.1:${node_ports[0]} check
    server node2 127.0.0.1:${node_ports[1]} check

# Long-polling: the cookie keeps a session's requests on the node that holds it.
backend sticky
    balance roundrobin
    cookie SCANSYNC_NODE insert indirect nocache httponly
    server node1 127.0.0.1:${node_ports[0]} cookie node1 track nodes/node1
    server node2 127.0.0.1:${node_ports[1]} cookie node2 track nodes/node2
EOF
haproxy -c -q -f "$work/haproxy.cfg" || die "haproxy rejected its configuration"
haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
pids+=($!)
wait_port "$lb_port" "${pids[-1]}" haproxy

token="$("$bin" token --user "$user" --ttl 1d --jwt-secret-file "$work/jwt-secret")"
if ((print_config)); then
  if ((json)); then cat "$work/haproxy.cfg" >&2; else echo "---- $work/haproxy.cfg"; cat "$work/haproxy.cfg"; echo "----"; fi
fi
if ((json)); then
  printf '{"type":"cluster","url":"http://127.0.0.1:%s","nodes":[{"url":"http://127.0.0.1:%s","pid":%s},{"url":"http://127.0.0.1:%s","pid":%s}],"store":"%s","fanout":"%s","user":"%s","token":"%s","jwt_secret_file":"%s","haproxy_pid":%s}\n' \
    "$lb_port" "${node_ports[0]}" "${node_pids[0]}" "${node_ports[1]}" "${node_pids[1]}" "$store" "$fanout" "$user" "$token" \
    "$work/jwt-secret" "${pids[-1]}"
else
  cat <<EOF
cluster: up in $work
  load balancer  http://127.0.0.1:$lb_port   (ws://127.0.0.1:$lb_port/socket.io/)
  node 1         http://127.0.0.1:${node_ports[0]}   pid ${node_pids[0]}
  node 2         http://127.0.0.1:${node_ports[1]}   pid ${node_pids[1]}
  store          $store
  fan-out        $fanout
  token ($user, 1 day)
    $token
  more tokens:   $bin token --user bob --jwt-secret-file $work/jwt-secret
  try:           $bin watch --url http://127.0.0.1:$lb_port --token "\$TOKEN"
                 curl -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:$lb_port/api/scans
  kill a node:   kill -9 ${node_pids[0]}   (HAProxy's checks take it out within ~1 s)
Ctrl-C stops everything and removes $work.
EOF
fi

# Runs until a signal; a process that dies on its own is said, the others keep serving.
alive=("${pids[@]}")
while ((${#alive[@]})); do
  wait -n "${alive[@]}" 2>/dev/null || true
  still=()
  for p in "${alive[@]}"; do if kill -0 "$p" 2>/dev/null; then still+=("$p"); else say "process $p exited"; fi; done
  alive=("${still[@]+"${still[@]}"}")
done
exit 1
