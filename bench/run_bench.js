'use strict';
// Runs both benchmarks and prints the tables. Called by bench/run.sh, which
// builds the binaries and raises the open-files limit first.
//
//   node bench/run_bench.js --build DIR [--frames N] [--only client|gateway]
//        [--connections 10000] [--receivers 1000] [--seconds 5] [--pin on|off]
//        [--rates 200,750]   (latency: creates per second, one scenario each)
//
// --pin on (the default with 2+ cores and taskset): each server runs on CPU 0
// and the load generator on CPU 1. Unpinned, the kernel woke the load
// generator on the server's CPU after a send (a wake-affine placement) and it
// preempted the server mid-broadcast: ~28 involuntary context switches per
// create in the latency run, which then measured the scheduler.
//
// Every child process is started here and stopped here; every wait has a
// deadline; all traffic is on loopback.
const { spawn, execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { fmt, table } = require('./report');

const BENCH = __dirname;
const REPO = path.resolve(BENCH, '..');

function parseArgs(argv) {
  const o = { build: path.join(REPO, 'build-bench'), frames: 200000, only: null, connections: 10000, receivers: 1000, seconds: 5, pin: 'on', rates: '200,750' };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in o)) throw new Error(`unknown option ${argv[i]}`);
    o[key] = typeof o[key] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const pinned = opts.pin === 'on' && os.cpus().length >= 2 && (() => {
  try { execFileSync('taskset', ['-c', '0', 'true']); return true; } catch { return false; }
})();
// [cmd, args] run on the given CPU when pinned.
const onCpu = (cpu, cmd, args) => (pinned ? ['taskset', ['-c', String(cpu), cmd, ...args]] : [cmd, args]);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'scansync-bench-'));
process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));

// Runs a command to completion (bounded), returns its last stdout line as JSON.
function runJson(cmd, args, timeoutMs) {
  const out = execFileSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = out.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}



// ---- Issue 2: client decode and dispatch ----
function clientBench() {
  const frames = path.join(work, 'frames.txt');
  execFileSync(process.execPath, [path.join(BENCH, 'gen_frames.js'), String(opts.frames), frames]);
  const bin = path.join(opts.build, 'bench', 'client_dispatch_bench');
  const cpp = runJson(bin, [frames], 300000);
  const cppParse = runJson(bin, [frames, '--parse'], 300000);
  const js = runJson(process.execPath, ['--expose-gc', path.join(BENCH, 'client_dispatch_js.js'), frames], 300000);
  const row = (r) => [r.impl, fmt(r.events_per_s), fmt(r.events_per_cpu_s), fmt(r.peak_rss_delta_kb), fmt(r.events_per_s / js.events_per_s, 1) + 'x', fmt(r.events_per_cpu_s / js.events_per_cpu_s, 1) + 'x'];
  table(`Client decode+dispatch, ${fmt(opts.frames)} scan:created frames (${fmt(fs.statSync(frames).size / opts.frames)} B avg), one thread`,
    ['client', 'events/s (wall)', 'events/CPU-s', 'peak RSS delta kB', 'vs JS (wall)', 'vs JS (CPU)'],
    [row(cpp), row(cppParse), row(js)]);
  return { cpp, cppParse, js };
}

// ---- Issue 3: gateway ----
async function startServer(kind) {
  const data = fs.mkdtempSync(path.join(work, `${kind}-`));
  const secret = crypto.randomBytes(32).toString('hex');
  const secretFile = path.join(data, 'bench-secret');
  fs.writeFileSync(secretFile, secret, { mode: 0o600 });
  const common = ['--host', '127.0.0.1', '--port', '0', '--data', data, '--jwt-secret-file', secretFile];
  // The gateway's per-user limits are lifted: one benchmark user creates at
  // full rate, from thousands of connections on a few addresses. Durability
  // is the default (full: the WAL synced before each ack) or, for the
  // comparison row, normal.
  const lifted = ['--socket-rate', '0', '--max-pending-per-address', '0', '--max-pending-handshakes', '0', '--max-scans-per-user', '0'];
  const durability = kind === 'gateway_normal' ? ['--durability', 'normal'] : [];
  const [cmd, args] = kind.startsWith('gateway')
    ? [path.join(opts.build, 'src', 'cli', 'scansync'), ['gateway', ...common, ...lifted, ...durability]]
    : [process.execPath, [path.join(BENCH, 'node-server.js'), ...common]];
  // The servers' logs go to a file: a terminal is slower than either server.
  const log = fs.openSync(path.join(work, `${kind}.log`), 'w');
  // taskset execs the server: child.pid is the server's.
  const child = spawn(...onCpu(0, cmd, args), { stdio: ['ignore', 'pipe', log] });
  fs.closeSync(log);
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind}: no "listening" line within 15 s`)), 15000);
    child.once('exit', (code) => reject(new Error(`${kind} exited with ${code} before listening`)));
    readline.createInterface({ input: child.stdout }).on('line', (l) => {
      try {
        const m = JSON.parse(l);
        if (m.type === 'listening') { clearTimeout(timer); resolve(m.port); }
      } catch { /* not ours */ }
    });
  });
  child.removeAllListeners('exit');
  const now = Math.floor(Date.now() / 1000);
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'bench', iat: now, exp: now + 86400 })}`;
  const token = `${input}.${crypto.createHmac('sha256', secret).update(input).digest('base64url')}`;
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const stop = async () => {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
    await exited;
    clearTimeout(timer);
  };
  return { kind, pid: child.pid, port, token, stop };
}

// Both servers run side by side (an idle one costs nothing); the scenarios
// alternate between them, three rounds each for fan-out and latency, and the
// median round is reported, so a burst of other work on the machine does not
// land on one server only.
const ROUNDS = 3;
const median = (rows, key) => rows.map((r) => r[key]).sort((a, b) => a - b)[Math.floor(rows.length / 2)];

async function gatewayBench() {
  const loadgen = path.join(opts.build, 'bench', 'loadgen');
  const servers = { gateway: await startServer('gateway'), node: await startServer('node'), gateway_normal: await startServer('gateway_normal') };
  const rates = String(opts.rates).split(',').map(Number);
  const raw = {};
  const KINDS = ['gateway', 'node', 'gateway_normal'];
  for (const kind of KINDS) raw[kind] = { fanout: [], latency: Object.fromEntries(rates.map((r) => [r, []])) };
  const floorRaw = Object.fromEntries(rates.map((r) => [r, []]));
  // Each run binds its connections to its own 127.0.0.x range (5,000 per address).
  let nextBase = 10;
  const run = (kind, scenario, extra, connections) => {
    const s = servers[kind];
    const base = nextBase;
    nextBase += Math.ceil(connections / 5000);
    return runJson(...onCpu(1, loadgen, [scenario, '--port', String(s.port), '--pid', String(s.pid), '--token', s.token,
      '--source-base', String(base), ...extra]), 300000);
  };
  try {
    for (const kind of ['gateway', 'node']) {
      raw[kind].memory = run(kind, 'memory', ['--connections', String(opts.connections)], opts.connections + 1);
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const kind of KINDS) {
        raw[kind].fanout.push(run(kind, 'fanout', ['--receivers', String(opts.receivers), '--seconds', String(opts.seconds)], opts.receivers + 1));
      }
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const kind of KINDS) {
        for (const rate of rates) {
          raw[kind].latency[rate].push(run(kind, 'latency', ['--receivers', '100', '--rate', String(rate), '--warmup', '1', '--seconds', String(opts.seconds)], 101));
        }
      }
      // The same scenario against an ideal server that only sends (floor.h):
      // its sending thread on the servers' CPU, the reader on the load generator's.
      for (const rate of rates) {
        floorRaw[rate].push(runJson(...onCpu(1, loadgen, ['floor', '--receivers', '100', '--rate', String(rate), '--warmup', '1',
          '--seconds', String(opts.seconds), '--sender-cpu', pinned ? '0' : '-1']), 300000));
      }
    }
  } finally {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
  }
  const results = {};
  for (const kind of KINDS) {
    const f = raw[kind].fanout;
    results[kind] = {
      memory: raw[kind].memory,
      fanout: {
        receivers: f[0].receivers, events_per_s: median(f, 'events_per_s'), events_per_server_cpu_s: median(f, 'events_per_server_cpu_s'),
        creates_per_s: median(f, 'creates_per_s'), complete: f.every((r) => r.complete), loadgen_cpu_share: median(f, 'loadgen_cpu_share'),
      },
      latency: Object.fromEntries(rates.map((rate) => {
        const l = raw[kind].latency[rate];
        return [rate, {
          rate, receivers: l[0].receivers, p50_ms: median(l, 'p50_ms'), p99_ms: median(l, 'p99_ms'),
          server_us_per_event: median(l.map((r) => ({ v: (r.server_cpu_s * 1e6) / r.samples })), 'v'),
          samples: l.reduce((a, r) => a + r.samples, 0), expected: l.reduce((a, r) => a + r.expected, 0),
        }];
      })),
      rounds: raw[kind],
    };
  }
  const g = results.gateway;
  const n = results.node;
  const ratio = (a, b) => (b ? `${fmt(a / b, 1)}x` : 'n/a');
  table(`Gateway: scansync gateway vs official Node socket.io 4.8.1 (bench/node-server.js), loopback, ${pinned ? 'server on CPU 0, load generator on CPU 1' : `${os.cpus().length} cores shared with the load generator`}`,
    ['figure (fan-out and latency: median of 3 alternating rounds)', 'scansync gateway', 'node socket.io', 'gateway advantage'],
    [
      [`fan-out events delivered/s (${g.fanout.receivers} sockets of one user)`, fmt(g.fanout.events_per_s), fmt(n.fanout.events_per_s), ratio(g.fanout.events_per_s, n.fanout.events_per_s)],
      ['fan-out events per server CPU-second', fmt(g.fanout.events_per_server_cpu_s), fmt(n.fanout.events_per_server_cpu_s), ratio(g.fanout.events_per_server_cpu_s, n.fanout.events_per_server_cpu_s)],
      ['fan-out creates acked/s', fmt(g.fanout.creates_per_s), fmt(n.fanout.creates_per_s), ratio(g.fanout.creates_per_s, n.fanout.creates_per_s)],
      ['fan-out all deliveries complete', String(g.fanout.complete), String(n.fanout.complete), ''],
      ['fan-out load generator CPU share of wall', fmt(g.fanout.loadgen_cpu_share, 2), fmt(n.fanout.loadgen_cpu_share, 2), ''],
      ...rates.flatMap((rate) => {
        const gl = g.latency[rate];
        const nl = n.latency[rate];
        return [
          [`latency p50 ms (${rate} creates/s, ${gl.receivers} receivers)`, fmt(gl.p50_ms, 2), fmt(nl.p50_ms, 2), ratio(nl.p50_ms, gl.p50_ms)],
          [`latency p99 ms (${rate}/s)`, fmt(gl.p99_ms, 2), fmt(nl.p99_ms, 2), ratio(nl.p99_ms, gl.p99_ms)],
          [`latency server CPU µs per delivered event (${rate}/s)`, fmt(gl.server_us_per_event, 1), fmt(nl.server_us_per_event, 1), ratio(nl.server_us_per_event, gl.server_us_per_event)],
          [`latency samples / expected, all rounds (${rate}/s)`, `${gl.samples}/${gl.expected}`, `${nl.samples}/${nl.expected}`, ''],
        ];
      }),
      [`RSS per idle joined connection, bytes (${fmt(g.memory.connections)} conns)`, fmt(g.memory.bytes_per_connection), fmt(n.memory.bytes_per_connection), ratio(n.memory.bytes_per_connection, g.memory.bytes_per_connection)],
      ['server RSS with those connections, MB', fmt(g.memory.rss_after_kb / 1024, 1), fmt(n.memory.rss_after_kb / 1024, 1), ratio(n.memory.rss_after_kb, g.memory.rss_after_kb)],
    ]);
  const gn = results.gateway_normal;
  table('Gateway durability: --durability full (default, WAL synced before each ack) vs normal (synced at checkpoints), same runs',
    ['figure', 'full', 'normal', 'full / normal'],
    [
      ['fan-out creates acked/s', fmt(g.fanout.creates_per_s), fmt(gn.fanout.creates_per_s), ratio(g.fanout.creates_per_s, gn.fanout.creates_per_s)],
      ['fan-out events per server CPU-second', fmt(g.fanout.events_per_server_cpu_s), fmt(gn.fanout.events_per_server_cpu_s), ratio(g.fanout.events_per_server_cpu_s, gn.fanout.events_per_server_cpu_s)],
      ...rates.flatMap((rate) => [
        [`latency p50 ms (${rate}/s)`, fmt(g.latency[rate].p50_ms, 2), fmt(gn.latency[rate].p50_ms, 2), ratio(g.latency[rate].p50_ms, gn.latency[rate].p50_ms)],
        [`latency p99 ms (${rate}/s)`, fmt(g.latency[rate].p99_ms, 2), fmt(gn.latency[rate].p99_ms, 2), ratio(g.latency[rate].p99_ms, gn.latency[rate].p99_ms)],
      ]),
    ]);
  results.floor = Object.fromEntries(rates.map((rate) => {
    const f = floorRaw[rate];
    return [rate, { p50_ms: median(f, 'p50_ms'), p99_ms: median(f, 'p99_ms'), sender_us_per_frame: median(f, 'sender_us_per_frame'),
      complete: f.every((r) => r.complete), rounds: f }];
  }));
  table('Latency floor of this machine: an ideal server that only writes each event to the 100 sockets (loadgen floor), median of 3 rounds',
    ['creates/s', 'ideal server p50 ms', 'ideal server p99 ms', 'its CPU µs per frame', 'target: node p99 / 5', 'scansync gateway p99', 'target above the floor'],
    rates.map((rate) => {
      const f = results.floor[rate];
      const target = n.latency[rate].p99_ms / 5;
      return [String(rate), fmt(f.p50_ms, 2), fmt(f.p99_ms, 2), fmt(f.sender_us_per_frame, 1), fmt(target, 2), fmt(g.latency[rate].p99_ms, 2),
        f.complete ? (target > f.p99_ms ? 'yes' : 'no') : 'n/a (incomplete)'];
    }));
  return results;
}

async function main() {
  console.log(`scansync benchmarks on ${os.cpus()[0].model}, ${os.cpus().length} cores, Node ${process.version}`);
  const all = {};
  if (opts.only !== 'gateway') all.client = clientBench();
  if (opts.only !== 'client') all.gateway = await gatewayBench();
  const raw = path.join(opts.build, 'bench', 'last-results.json');
  fs.writeFileSync(raw, JSON.stringify(all, null, 2));
  console.log(`\nraw figures: ${raw}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
