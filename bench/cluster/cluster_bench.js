'use strict';
// Two scansync gateway nodes on PostgreSQL + Redis (--store / --fanout)
// against two official Node socket.io 4.8.1 nodes with @socket.io/redis-adapter
// on the same Redis and the same PostgreSQL (node-cluster-server.js: the
// scans committed there too, in a database of their own). Called by
// bench/run.sh --only cluster, which builds the binaries.
//
//   node bench/cluster/cluster_bench.js --build DIR [--receivers 1000] [--seconds 5] [--rates 5,10] [--rounds 3]
//        [--sides scansync,node]   (one side alone: its column, no ratios)
//        [--scansync PATH]         (another build's binary; default DIR/src/cli/scansync)
//
// Fan-out: one creator on node A at full rate (256 creates in flight), the
// user's receivers spread over both nodes; events delivered per server
// CPU-second, the CPU summed over both nodes' processes (/proc/PID/stat;
// PostgreSQL's and Redis's own CPU, shared by both sides, is not counted).
// Latency: creates on node A at a fixed rate, create→receive over every
// receiver and over node B's alone (the hop through Redis).
// Every child process is started and stopped here, every wait has a deadline.
const { spawn, execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { fmt, median, table } = require('../report');

const REPO = path.resolve(__dirname, '..', '..');

function parseArgs(argv) {
  const o = { build: path.join(REPO, 'build-bench'), receivers: 1000, seconds: 5, rates: '5,10', rounds: 3, sides: 'scansync,node', scansync: '' };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in o)) throw new Error(`unknown option ${argv[i]}`);
    o[key] = typeof o[key] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
  }
  return o;
}
const opts = parseArgs(process.argv.slice(2));
const scansync = opts.scansync || path.join(opts.build, 'src', 'cli', 'scansync');
const loadgen = path.join(opts.build, 'bench', 'loadgen');

// Traversable by the postgres user: mkdtemp makes 0700.
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'scansync-cluster-bench-'));
fs.chmodSync(work, 0o755);
const children = [];
let pgDir = null;
const asPg = process.getuid() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
const run = (argv) => execFileSync(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60000 });
function cleanup() {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (pgDir) { try { run([...asPg, 'pg_ctl', '-D', pgDir, '-m', 'immediate', '-w', 'stop']); } catch { /* already down */ } }
  fs.rmSync(work, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

const freePort = () => Number(execFileSync('python3', ['-c',
  'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'], { encoding: 'utf8' }).trim());

function withDeadline(promise, ms, what) {
  let t;
  return Promise.race([promise, new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`timed out after ${ms} ms: ${what}`)), ms); })])
    .finally(() => clearTimeout(t));
}

// Starts a process that prints {"type":"listening","port"}; resolves with {child, pid, port}.
async function startListening(name, cmd, args) {
  const log = fs.openSync(path.join(work, `${name}.log`), 'w');
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', log], env: { ...process.env, NODE_PATH: path.join(REPO, 'interop', 'node_modules') } });
  fs.closeSync(log);
  children.push(child);
  const port = await withDeadline(new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}: ${fs.readFileSync(path.join(work, `${name}.log`), 'utf8').slice(-2000)}`)));
    readline.createInterface({ input: child.stdout }).on('line', (l) => {
      try { const m = JSON.parse(l); if (m.type === 'listening') resolve(m.port); } catch { /* not ours */ }
    });
  }), 30000, `${name}: "listening" line`);
  child.removeAllListeners('exit');
  return { child, pid: child.pid, port };
}

async function waitTcp(port, what) {
  const net = require('node:net');
  const deadline = Date.now() + 15000;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} not listening on ${port}`);
    await new Promise((r) => setTimeout(r, 100));  // start-up, not a measurement
  }
}

async function startBackends() {
  pgDir = path.join(work, 'pg');
  fs.mkdirSync(pgDir);
  if (asPg.length) run(['chown', 'postgres:postgres', pgDir]);
  run([...asPg, 'initdb', '-D', pgDir, '--auth=trust', '-U', 'postgres']);
  const pgPort = freePort();
  // Durable commits (fsync on) for both sides: an ack means committed.
  run([...asPg, 'pg_ctl', '-D', pgDir, '-l', path.join(pgDir, 'server.log'), '-w', '-t', '30', '-o',
    `-p ${pgPort} -k ${pgDir} -c listen_addresses=127.0.0.1 -c max_connections=100`, 'start']);
  for (const db of ['scansync', 'nodebench']) run([...asPg, 'createdb', '-h', '127.0.0.1', '-p', String(pgPort), '-U', 'postgres', db]);
  const redisPort = freePort();
  const redis = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(redisPort), '--save', '', '--appendonly', 'no', '--dir', work],
    { stdio: 'ignore' });
  children.push(redis);
  await waitTcp(redisPort, 'redis-server');
  return { pg: (db) => `postgresql://postgres@127.0.0.1:${pgPort}/${db}`, redis: `redis://127.0.0.1:${redisPort}` };
}

async function startCluster(kind, backends, secretFile) {
  const nodes = [];
  for (const n of [1, 2]) {
    if (kind === 'scansync') {
      const data = path.join(work, `scansync-node${n}`);
      fs.mkdirSync(data);
      // The per-user limits lifted, as in bench/run_bench.js: one user creates at full rate.
      nodes.push(await startListening(`scansync-node${n}`, scansync, ['gateway', '--host', '127.0.0.1', '--port', '0', '--data', data,
        '--jwt-secret-file', secretFile, '--store', backends.pg('scansync'), '--fanout', backends.redis,
        '--socket-rate', '0', '--max-pending-per-address', '0', '--max-pending-handshakes', '0', '--max-scans-per-user', '0']));
    } else {
      nodes.push(await startListening(`node-node${n}`, process.execPath, [path.join(__dirname, 'node-cluster-server.js'),
        '--host', '127.0.0.1', '--port', '0', '--jwt-secret-file', secretFile, '--store', backends.pg('nodebench'), '--fanout', backends.redis]));
    }
  }
  return { kind, nodes, ports: nodes.map((x) => x.port).join(','), pids: nodes.map((x) => x.pid).join(',') };
}

function runJson(args) {
  const out = execFileSync(loadgen, args, { encoding: 'utf8', timeout: 300000, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = out.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

async function main() {
  console.log(`scansync cluster benchmark on ${os.cpus()[0].model}, ${os.cpus().length} cores, Node ${process.version}`);
  const secret = crypto.randomBytes(32).toString('hex');
  const secretFile = path.join(work, 'jwt-secret');
  fs.writeFileSync(secretFile, secret, { mode: 0o600 });
  const now = Math.floor(Date.now() / 1000);
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'bench', iat: now, exp: now + 86400 })}`;
  const token = `${input}.${crypto.createHmac('sha256', secret).update(input).digest('base64url')}`;

  const backends = await startBackends();
  const clusters = {};
  for (const side of opts.sides.split(',')) clusters[side] = await startCluster(side, backends, secretFile);
  const rates = String(opts.rates).split(',').map(Number);
  const raw = {};
  for (const k of Object.keys(clusters)) raw[k] = { fanout: [], latency: Object.fromEntries(rates.map((r) => [r, []])) };
  let base = 10;
  const lg = (c, scenario, extra) => {
    const args = [scenario, '--port', c.ports, '--pid', c.pids, '--token', token, '--source-base', String(base), ...extra];
    base += 1;
    return runJson(args);
  };
  // Rounds alternate between the clusters, so a burst of other work on the
  // machine does not land on one side only; the median round is reported.
  for (let round = 0; round < opts.rounds; round++) {
    for (const [kind, c] of Object.entries(clusters)) {
      raw[kind].fanout.push(lg(c, 'fanout', ['--receivers', String(opts.receivers), '--seconds', String(opts.seconds)]));
      for (const rate of rates) {
        raw[kind].latency[rate].push(lg(c, 'latency', ['--receivers', String(opts.receivers), '--rate', String(rate), '--warmup', '1',
          '--seconds', String(opts.seconds)]));
      }
    }
  }
  const res = {};
  for (const kind of Object.keys(clusters)) {
    const f = raw[kind].fanout;
    const m = (xs, key) => median(xs.map((r) => (typeof key === 'function' ? key(r) : r[key])));
    res[kind] = {
      fanout: { events_per_s: m(f, 'events_per_s'), per_cpu: m(f, 'events_per_server_cpu_s'), creates_per_s: m(f, 'creates_per_s'),
        complete: f.every((r) => r.complete), receivers: f[0].receivers },
      latency: Object.fromEntries(rates.map((rate) => {
        const l = raw[kind].latency[rate];
        return [rate, { p50: m(l, 'p50_ms'), p99: m(l, 'p99_ms'), remote_p99: m(l, (r) => r.remote.p99_ms),
          us_per_event: m(l, (r) => (r.server_cpu_s * 1e6) / Math.max(1, r.samples)),
          samples: l.reduce((a, r) => a + r.samples, 0), expected: l.reduce((a, r) => a + r.expected, 0) }];
      })),
    };
  }
  const none = { fanout: {}, latency: Object.fromEntries(rates.map((r) => [r, {}])) };
  const s = res.scansync || none;
  const n = res.node || none;
  const ratio = (a, b) => (a && b ? `${fmt(a / b, 1)}x` : 'n/a');
  table(`Cluster: 2 scansync nodes vs 2 Node socket.io 4.8.1 nodes + @socket.io/redis-adapter 8.3.0, one PostgreSQL and one Redis, `
    + `${opts.receivers} sockets of one user spread over both nodes, creates on node A (median of ${opts.rounds} alternating rounds)`,
  ['figure', 'scansync', 'node socket.io', 'scansync advantage'],
  [
    ['fan-out events delivered/s', fmt(s.fanout.events_per_s), fmt(n.fanout.events_per_s), ratio(s.fanout.events_per_s, n.fanout.events_per_s)],
    ['fan-out events per server CPU-second (both nodes)', fmt(s.fanout.per_cpu), fmt(n.fanout.per_cpu), ratio(s.fanout.per_cpu, n.fanout.per_cpu)],
    ['fan-out creates committed and acked/s', fmt(s.fanout.creates_per_s), fmt(n.fanout.creates_per_s), ratio(s.fanout.creates_per_s, n.fanout.creates_per_s)],
    ['fan-out all deliveries complete', String(s.fanout.complete ?? 'n/a'), String(n.fanout.complete ?? 'n/a'), ''],
    ...rates.flatMap((rate) => {
      const a = s.latency[rate];
      const b = n.latency[rate];
      return [
        [`create→receive p50 ms, all receivers (${rate} creates/s)`, fmt(a.p50, 2), fmt(b.p50, 2), ratio(b.p50, a.p50)],
        [`create→receive p99 ms, all receivers (${rate}/s)`, fmt(a.p99, 2), fmt(b.p99, 2), ratio(b.p99, a.p99)],
        [`create→receive p99 ms, node B's receivers (${rate}/s)`, fmt(a.remote_p99, 2), fmt(b.remote_p99, 2), ratio(b.remote_p99, a.remote_p99)],
        [`server CPU µs per delivered event (${rate}/s)`, fmt(a.us_per_event, 1), fmt(b.us_per_event, 1), ratio(b.us_per_event, a.us_per_event)],
        [`latency samples / expected, all rounds (${rate}/s)`, `${fmt(a.samples)}/${fmt(a.expected)}`, `${fmt(b.samples)}/${fmt(b.expected)}`, ''],
      ];
    }),
  ]);
  const target = s.fanout.per_cpu / n.fanout.per_cpu;
  console.log(`\ntarget (at least 10x events per server CPU-second): ${fmt(target, 1)}x, ${target >= 10 ? 'met' : 'NOT met'}`);
  const out = path.join(opts.build, 'bench', 'last-cluster-results.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ results: res, raw }, null, 2));
  console.log(`raw figures: ${out}`);
  for (const c of children) c.kill('SIGTERM');
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
