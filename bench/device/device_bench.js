'use strict';
// The device benchmarks of issue 9 (not tests): `scansync device` against the
// official socket.io-client with better-sqlite3 (node_device.js). Called by
// bench/run.sh --only device, which builds scansync and installs
// bench/node_modules first.
//
//   node bench/device/device_bench.js --build DIR [--only catchup|wakeups]
//        [--changes 100000] [--rounds 3] [--seconds 120] [--ping-interval 25000]
//
// catchup: one gateway preloaded with --changes scans of one user (written
//   into its SQLite file while it is stopped, with its own schema); each
//   client starts on an empty database and catches up. The clock runs from
//   the client's "connected" line to the line that says the last page is
//   committed, as this process reads them. --rounds alternate the clients.
// wakeups: every client case idle for --seconds on one gateway pinging every
//   --ping-interval ms: voluntary context switches, summed over the
//   process's threads (/proc/PID/task/*/status), over that window. All cases
//   run at once: each is idle and blocked, so they do not wake each other.
//
// Every child process is started here and stopped here; every wait has a
// deadline; all traffic is on loopback.
const { spawn, execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const Database = require('better-sqlite3');
const { scan } = require('../gen_frames');
const { fmt, median, table } = require('../report');

const HERE = __dirname;
const REPO = path.resolve(HERE, '..', '..');

function parseArgs(argv) {
  const o = { build: path.join(REPO, 'build-bench'), only: null, changes: 100000, rounds: 3, seconds: 120, 'ping-interval': 25000 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in o)) throw new Error(`unknown option ${argv[i]}`);
    o[key] = typeof o[key] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
  }
  if (o.only && !['catchup', 'wakeups'].includes(o.only)) throw new Error('--only catchup|wakeups');
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const SCANSYNC = path.join(opts.build, 'src', 'cli', 'scansync');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'scansync-device-bench-'));
process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- /proc ----
const CLK_TCK = 100;  // USER_HZ on Linux
function procStatus(pid) {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number((text.match(new RegExp(`^${name}:\\s+(\\d+)`, 'm')) || [])[1]);
  return { vmhwm_kb: field('VmHWM'), vmrss_kb: field('VmRSS'), threads: field('Threads') };
}
// Context switches of every thread of the process (the status file of the
// process itself counts only its main thread).
function contextSwitches(pid) {
  let voluntary = 0;
  let involuntary = 0;
  let threads = 0;
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    let text;
    try { text = fs.readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'); } catch { continue; }  // the thread ended
    voluntary += Number(text.match(/^voluntary_ctxt_switches:\s+(\d+)/m)[1]);
    involuntary += Number(text.match(/^nonvoluntary_ctxt_switches:\s+(\d+)/m)[1]);
    threads++;
  }
  return { voluntary, involuntary, threads };
}
// utime + stime of all the process's threads, in seconds.
function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

// ---- child processes with JSON lines on stdout ----
class Child {
  constructor(name, cmd, args, logFile) {
    this.name = name;
    this.lines = [];
    this.waiters = [];
    const log = fs.openSync(logFile, 'w');
    this.proc = spawn(cmd, args, { stdio: ['pipe', 'pipe', log] });
    fs.closeSync(log);
    this.pid = this.proc.pid;
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => resolve({ code, signal })));
    readline.createInterface({ input: this.proc.stdout }).on('line', (l) => {
      let m;
      try { m = JSON.parse(l); } catch { return; }
      m.at = performance.now();
      this.lines.push(m);
      this.waiters = this.waiters.filter((w) => !w.check(m));
    });
  }

  // Resolves with the first line (from index `from` on) that matches.
  waitFor(pred, what, deadlineMs = 60000, from = 0) {
    const seen = this.lines.slice(from).find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no ${what} within ${deadlineMs} ms`)), deadlineMs);
      this.proc.once('exit', () => reject(new Error(`${this.name} exited while waiting for ${what}`)));
      this.waiters.push({ check: (m) => (pred(m) ? (clearTimeout(timer), resolve(m), true) : false) });
    });
  }

  send(line) { this.proc.stdin.write(`${line}\n`); }

  async stop() {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return this.exited;
    this.send('quit');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 10000);
    const r = await this.exited;
    clearTimeout(timer);
    return r;
  }
}

// ---- the gateway ----
function makeToken(secret, sub) {
  const now = Math.floor(Date.now() / 1000);
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, iat: now, exp: now + 86400 })}`;
  return `${input}.${crypto.createHmac('sha256', secret).update(input).digest('base64url')}`;
}

async function startGateway(data, secretFile, label) {
  const args = ['gateway', '--host', '127.0.0.1', '--port', '0', '--data', data, '--jwt-secret-file', secretFile,
    '--ping-interval', String(opts['ping-interval']),
    // One benchmark user fetches pages back to back and holds 100,000 scans.
    '--socket-rate', '0', '--max-scans-per-user', '0'];
  const gw = new Child(`gateway (${label})`, SCANSYNC, args, path.join(work, `gateway-${label}.log`));
  const listening = await gw.waitFor((m) => m.type === 'listening', '"listening" line', 15000);
  gw.url = `http://127.0.0.1:${listening.port}`;
  gw.stop = async () => {
    gw.proc.kill('SIGTERM');
    const timer = setTimeout(() => gw.proc.kill('SIGKILL'), 10000);
    const r = await gw.exited;
    clearTimeout(timer);
    return r;
  };
  return gw;
}

// Writes n scans of `user` (seq 1..n) straight into the stopped gateway's
// database, in its schema (src/store/schema.cc, v2): the rows a run of
// n scan:create would leave, without n round trips.
function seedGateway(dbFile, user, n) {
  const db = new Database(dbFile);
  const version = db.pragma('user_version', { simple: true });
  if (version !== 2) throw new Error(`gateway schema v${version}: this seeder writes v2 (src/store/schema.cc)`);
  const insert = db.prepare('INSERT INTO scans(user, id, code, format, device_id, created_at, seq, change_seq) VALUES(?, ?, ?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const s = scan(i);
      insert.run(user, s.id, s.code, s.format, s.deviceId, s.createdAt, s.seq, s.seq);
    }
    db.prepare('INSERT INTO user_state(user, last_seq, live_scans) VALUES(?, ?, ?)').run(user, n, n);
  })();
  db.close();
}

// ---- clients ----
function startDevice(name, url, token, dbFile) {
  return new Child(name, SCANSYNC, ['device', '--url', url, '--token', token, '--db', dbFile], path.join(work, `${name}.log`));
}
function startNode(name, url, token, user, dbFile) {
  return new Child(name, process.execPath, [path.join(HERE, 'node_device.js'), '--url', url, '--token', token, '--user', user,
    '--db', dbFile, '--limit', '500'], path.join(work, `${name}.log`));
}
const deviceConnected = (m) => m.type === 'status' && m.status === 'connected';
const nodeConnected = (m) => m.type === 'connected';

// What a client's database holds after it has quit.
function localState(dbFile) {
  const db = new Database(dbFile, { readonly: true });
  const scans = db.prepare('SELECT count(*) AS n, sum(synced) AS synced FROM scans').get();
  const cursor = db.prepare('SELECT max(last_seq) AS seq FROM sync_cursor').get();
  db.close();
  return { scans: scans.n, synced: scans.synced, last_seq: cursor.seq };
}

// One catch-up of opts.changes into a fresh database.
async function catchUpOnce(kind, gw, token, user, round) {
  const dbFile = path.join(work, `${kind}-${round}.db`);
  const n = opts.changes;
  const client = kind === 'device' ? startDevice(`device-catchup-${round}`, gw.url, token, dbFile)
    : startNode(`node-catchup-${round}`, gw.url, token, user, dbFile);
  try {
    const connected = await client.waitFor(kind === 'device' ? deviceConnected : nodeConnected, 'connected line', 15000);
    const cpu0 = cpuSeconds(client.pid);
    const gwCpu0 = cpuSeconds(gw.pid);
    const done = await client.waitFor(kind === 'device' ? (m) => m.type === 'scans' && m.count >= n
      : (m) => m.type === 'caught_up' && m.lastSeq >= n, `catch-up of ${n} changes`, 600000);
    const cpu1 = cpuSeconds(client.pid);
    const gwCpu1 = cpuSeconds(gw.pid);
    const status = procStatus(client.pid);
    const seconds = (done.at - connected.at) / 1000;
    await client.stop();
    const local = localState(dbFile);
    if (local.scans !== n || local.synced !== n || local.last_seq !== n) {
      throw new Error(`${client.name}: database holds ${JSON.stringify(local)}, expected ${n} synced scans and cursor ${n}`);
    }
    return { kind, round, seconds, changes_per_s: n / seconds, cpu_s: cpu1 - cpu0, changes_per_cpu_s: n / (cpu1 - cpu0),
      gateway_cpu_s: gwCpu1 - gwCpu0,
      peak_rss_kb: status.vmhwm_kb, threads: status.threads, db_bytes: fs.statSync(dbFile).size, local };
  } finally {
    await client.stop();
  }
}

async function catchupBench(gw, secret) {
  const user = 'bench';
  const token = makeToken(secret, user);
  const runs = { device: [], node: [] };
  for (let round = 0; round < opts.rounds; round++) {
    for (const kind of round % 2 === 0 ? ['device', 'node'] : ['node', 'device']) {
      const r = await catchUpOnce(kind, gw, token, user, round);
      console.log(`  round ${round + 1} ${kind}: ${fmt(r.seconds, 2)} s, ${fmt(r.changes_per_s)} changes/s, ${fmt(r.cpu_s, 2)} CPU-s, peak RSS ${fmt(r.peak_rss_kb)} kB`);
      runs[kind].push(r);
    }
  }
  // The SQLite work alone, no network, same pages (gen_frames.js scans):
  // the device's DeviceStore::apply in C++, and local_db.js in Node.
  const frames = path.join(work, 'frames.txt');
  execFileSync(process.execPath, [path.join(HERE, '..', 'gen_frames.js'), String(opts.changes), frames]);
  const lastLine = (out) => JSON.parse(out.trim().split('\n').pop());
  const store = lastLine(execFileSync(path.join(opts.build, 'bench', 'store_apply_bench'), [frames, path.join(work, 'store-floor.db'), '--limit', '500'],
    { encoding: 'utf8', timeout: 600000, stdio: ['ignore', 'pipe', 'inherit'] }));
  const jsFloor = lastLine(execFileSync(process.execPath, [path.join(HERE, 'sqlite_floor.js'), '--db', path.join(work, 'js-floor.db'),
    '--changes', String(opts.changes), '--limit', '500'], { encoding: 'utf8', timeout: 600000, stdio: ['ignore', 'pipe', 'inherit'] }));
  console.log(`  SQLite alone: DeviceStore::apply ${fmt(store.apply_cpu_s, 2)} CPU-s (+ one scans view refresh per page ${fmt(store.publish_cpu_s, 2)} CPU-s), better-sqlite3 ${fmt(jsFloor.cpu_s, 2)} CPU-s`);
  const summary = (rs) => ({
    cpu_s: median(rs.map((r) => r.cpu_s)), gateway_cpu_s: median(rs.map((r) => r.gateway_cpu_s)),
    changes_per_s: median(rs.map((r) => r.changes_per_s)), changes_per_cpu_s: median(rs.map((r) => r.changes_per_cpu_s)),
    peak_rss_kb: median(rs.map((r) => r.peak_rss_kb)), seconds: median(rs.map((r) => r.seconds)),
  });
  const d = summary(runs.device);
  const j = summary(runs.node);
  const ratio = (a, b) => `${fmt(a / b, 1)}x`;
  table(`Device catch-up: ${fmt(opts.changes)} changes into an empty SQLite (sync:since pages of 500, one transaction each), median of ${opts.rounds} alternating rounds`,
    ['figure', 'scansync device', 'socket.io-client + better-sqlite3', 'device advantage'],
    [
      ['changes/s (wall, connected → last page committed)', fmt(d.changes_per_s), fmt(j.changes_per_s), ratio(d.changes_per_s, j.changes_per_s)],
      ['changes per client CPU-second', fmt(d.changes_per_cpu_s), fmt(j.changes_per_cpu_s), ratio(d.changes_per_cpu_s, j.changes_per_cpu_s)],
      ['catch-up seconds', fmt(d.seconds, 2), fmt(j.seconds, 2), ratio(j.seconds, d.seconds)],
      ['client CPU-seconds', fmt(d.cpu_s, 2), fmt(j.cpu_s, 2), ratio(j.cpu_s, d.cpu_s)],
      ['peak RSS of the client process, MB (VmHWM)', fmt(d.peak_rss_kb / 1024, 1), fmt(j.peak_rss_kb / 1024, 1), ratio(j.peak_rss_kb, d.peak_rss_kb)],
      ['gateway CPU-seconds serving the catch-up', fmt(d.gateway_cpu_s, 2), fmt(j.gateway_cpu_s, 2), ''],
      [`SQLite work alone, CPU-s (no network; C++ DeviceStore::apply, SQLite ${store.sqlite} / local_db.js, SQLite ${jsFloor.sqlite})`, fmt(store.apply_cpu_s, 2), fmt(jsFloor.cpu_s, 2), ratio(jsFloor.cpu_s, store.apply_cpu_s)],
      ['device: one scans-view refresh per page, CPU-s (scans(1000) + scan_count(); apply_batch does two)', fmt(store.publish_cpu_s, 2), '', ''],
    ]);
  console.log(`target: >= 5x changes/s: ${d.changes_per_s / j.changes_per_s >= 5 ? 'met' : 'NOT met'}`);
  return { runs, device: d, node: j, store_floor: store, js_floor: jsFloor };
}

// ---- wakeups ----
async function wakeupBench(gw, secret) {
  const user = 'idle';  // no scans: the catch-up after connecting is one empty page
  const token = makeToken(secret, user);
  const cases = [
    { name: 'scansync device, connected', kind: 'device' },
    { name: 'scansync device, offline (command offline)', kind: 'device', command: 'offline', reason: 'offline' },
    { name: 'scansync device, background (command background)', kind: 'device', command: 'background', reason: 'background' },
    { name: 'socket.io-client, connected', kind: 'node' },
    { name: 'socket.io-client, socket.disconnect()', kind: 'node', command: 'offline' },
  ];
  cases.forEach((c, i) => {
    const dbFile = path.join(work, `wakeups-${i}.db`);
    c.client = c.kind === 'device' ? startDevice(`device-wakeups-${i}`, gw.url, token, dbFile)
      : startNode(`node-wakeups-${i}`, gw.url, token, user, dbFile);
  });
  try {
    await Promise.all(cases.map(async (c) => {
      await c.client.waitFor(c.kind === 'device' ? deviceConnected : nodeConnected, 'connected line', 15000);
      if (c.kind === 'node') await c.client.waitFor((m) => m.type === 'caught_up', 'caught_up line', 15000);
      if (c.kind === 'device') {
        // The empty catch-up is done once the sync store has answered.
        c.client.send('status');
        await c.client.waitFor((m) => m.type === 'sync' && m.status === 'connected', 'status answer', 15000);
      }
      if (c.command) {
        const from = c.client.lines.length;
        c.client.send(c.command);
        await c.client.waitFor(c.kind === 'device' ? (m) => m.type === 'status' && m.status === 'disconnected' && m.reason === c.reason
          : (m) => m.type === 'disconnected', 'disconnected line', 15000, from);
      }
    }));
    // Let what connecting and disconnecting started settle (a GC, a closing
    // socket's last timer) before the window opens.
    await sleep(2000);
    for (const c of cases) { c.marks = c.client.lines.length; c.before = contextSwitches(c.client.pid); }
    const t0 = performance.now();
    await sleep(opts.seconds * 1000);
    const window = (performance.now() - t0) / 1000;
    for (const c of cases) {
      c.after = contextSwitches(c.client.pid);
      c.rss_kb = procStatus(c.client.pid).vmrss_kb;
      c.during = c.client.lines.slice(c.marks).map((m) => m.type + (m.status ? `:${m.status}` : ''));
    }
    const rows = cases.map((c) => {
      const v = c.after.voluntary - c.before.voluntary;
      return { name: c.name, voluntary: v, involuntary: c.after.involuntary - c.before.involuntary, per_minute: (v * 60) / window,
        threads: c.after.threads, rss_kb: c.rss_kb, lines_during_window: c.during };
    });
    const pings = Math.floor((window * 1000) / opts['ping-interval']);
    table(`Wakeups of an idle client over ${fmt(window, 1)} s, gateway pinging every ${fmt(opts['ping-interval'] / 1000, 1)} s (${pings} pings in the window when connected); voluntary context switches summed over the process's threads`,
      ['client', 'voluntary ctxt switches', 'per minute', 'involuntary', 'threads', 'RSS MB', 'output lines in the window'],
      rows.map((r) => [r.name, fmt(r.voluntary), fmt(r.per_minute, 1), fmt(r.involuntary), String(r.threads), fmt(r.rss_kb / 1024, 1),
        r.lines_during_window.length ? r.lines_during_window.join(' ') : 'none']));
    return { seconds: window, ping_interval_ms: opts['ping-interval'], rows };
  } finally {
    await Promise.all(cases.map((c) => c.client.stop()));
  }
}

async function main() {
  console.log(`scansync device benchmarks on ${os.cpus()[0].model}, ${os.cpus().length} cores, Node ${process.version}, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const data = fs.mkdtempSync(path.join(work, 'gateway-'));
  const secret = crypto.randomBytes(32).toString('hex');
  const secretFile = path.join(data, 'bench-secret');
  fs.writeFileSync(secretFile, secret, { mode: 0o600 });
  const all = {};
  if (opts.only !== 'wakeups') {
    // The gateway creates its database, stops, is preloaded, and starts again.
    const first = await startGateway(data, secretFile, 'create');
    await first.stop();
    const t = performance.now();
    seedGateway(path.join(data, 'scansync.db'), 'bench', opts.changes);
    console.log(`gateway preloaded with ${fmt(opts.changes)} scans of one user in ${fmt((performance.now() - t) / 1000, 1)} s`);
  }
  const gw = await startGateway(data, secretFile, 'run');
  try {
    if (opts.only !== 'wakeups') all.catchup = await catchupBench(gw, secret);
    if (opts.only !== 'catchup') all.wakeups = await wakeupBench(gw, secret);
  } finally {
    await gw.stop();
  }
  const raw = path.join(opts.build, 'bench', 'last-device-results.json');
  fs.mkdirSync(path.dirname(raw), { recursive: true });
  fs.writeFileSync(raw, JSON.stringify(all, null, 2));
  console.log(`\nraw figures: ${raw}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
