'use strict';
// Hardening: what a hostile or merely careless peer can do to one gateway
// process, end to end on loopback. Each describe starts its own gateway with
// the flags it needs and stops it.
//
//   fd exhaustion       --max-connections; accept() at EMFILE does not spin
//   CONNECT auth        repeated CONNECT/DISCONNECT cycles, huge auth objects
//   write deadline      --write-timeout; peers that stop reading lose their fd
//   write queue         an overflowing write queue closes the TCP connection
//   REST paging         GET /api/scans?limit&cursor, byte-capped pages, and a
//                       big list does not hold up another user's acks
//   pre-CONNECT limit   16 KB before CONNECT, --max-payload after it
//   pending handshakes  --max-pending-handshakes / --max-pending-per-address
//   socket rate limit   --socket-rate / --socket-burst
//   quota               --max-scans-per-user
//   ids                 per-user ids, upper-case ids are their lower-case form
//   token lifetime      --max-token-ttl
//   signals             SIGHUP / SIGUSR1 / SIGUSR2 do not kill the gateway
//   durability          --durability full|normal
//   store failure       a full disk: the create is acked internal and logged
//
// Figures (RSS from /proc/<pid>/status VmRSS, CPU time from /proc/<pid>/stat,
// descriptors from /proc/<pid>/fd) are printed as test diagnostics.
//
// SCANSYNC_E2E_DROP_UNKNOWN_FLAGS=1 drops the flags that the binary's
// `gateway --help` does not list (with their value), so that the behaviour
// checks can be run against a binary that predates those flags to see what
// they measure there. Without it such a binary fails to start, and so does
// every test that needs one of its flags.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { Worker } = require('node:worker_threads');
const WebSocket = require('ws');
const h = require('./lib/harness');
const { RawEio } = require('./lib/raw_eio');

const BIN = process.env.SCANSYNC_BIN || path.join(h.REPO, 'build', 'src', 'cli', 'scansync');
const NODE_SERVER = process.env.SCANSYNC_E2E_SERVER === 'node';
const MB = 1024 * 1024;

// The limits are the gateway's: the Node contract server (bench/) has none
// of these flags, so there is nothing to check it against here.
if (NODE_SERVER) {
  describe('hardening', { skip: 'SCANSYNC_E2E_SERVER=node: the limits under test are the gateway\'s' }, () => {});
  return;
}

// Under ASan/UBSan (SCANSYNC_SANITIZED=1, set by tests/e2e/CMakeLists.txt) a
// freed block stays quarantined and every call is slower: RSS and latency
// bounds are reported but not checked there; the behaviour still is.
const SANITIZED = process.env.SCANSYNC_SANITIZED === '1';
// Deadlines (never sleeps) stretch under the sanitizers: the Debug ASan
// gateway works through a flood several times slower.
const SLOW = SANITIZED ? 3 : 1;
function figureOk(ok, message) {
  if (SANITIZED) {
    if (!ok) process.stderr.write(`# hardening: not checked under sanitizers: ${message}\n`);
    return;
  }
  assert.ok(ok, message);
}

const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

// ---- flags ----

let knownFlags;
function gatewayArgs(args) {
  if (process.env.SCANSYNC_E2E_DROP_UNKNOWN_FLAGS !== '1') return args;
  if (!knownFlags) {
    const r = spawnSync(BIN, ['gateway', '--help'], { encoding: 'utf8' });
    knownFlags = new Set(`${r.stdout}${r.stderr}`.match(/--[a-z][a-z0-9-]*/g) || []);
  }
  const out = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i].startsWith('--') && !knownFlags.has(args[i])) {
      process.stderr.write(`# hardening: ${path.basename(BIN)} has no ${args[i]}; dropped\n`);
      i++;  // every flag this file passes takes a value
      continue;
    }
    out.push(args[i]);
  }
  return out;
}
const start = (args = [], o = {}) => h.startServer({ ...o, args: gatewayArgs(args) });

async function stopClean(server) {
  if (!server) return;
  if (!server.running()) return;
  const r = await server.stop();
  assert.equal(r.code, 0, `exit after SIGTERM: ${JSON.stringify(r)}\n${server.stderr().slice(-2000)}`);
}

// ---- /proc ----

function rssKb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]);
}
const mb = (kb) => `${(kb / 1024).toFixed(1)} MB`;
function fdCount(pid) { return fs.readdirSync(`/proc/${pid}/fd`).length; }
let clockTicks;
function cpuSeconds(pid) {
  if (!clockTicks) {
    try { clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100; } catch { clockTicks = 100; }
  }
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');  // f[0] is field 3 (state)
  return (Number(f[11]) + Number(f[12])) / clockTicks;          // utime (14) + stime (15)
}
function nofileLimit(pid) {
  const m = /Max open files\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/limits`, 'utf8'));
  return Number(m[1]);
}

// The server side of the loopback connection from clientPort to serverPort,
// from /proc/net/tcp: its socket inode and unsent bytes (tx_queue).
function serverSide(serverPort, clientPort) {
  const hex = (p) => p.toString(16).toUpperCase().padStart(4, '0');
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text;
    try { text = fs.readFileSync(f, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const c = line.trim().split(/\s+/);
      if (c.length < 10) continue;
      if (c[1].endsWith(`:${hex(serverPort)}`) && c[2].endsWith(`:${hex(clientPort)}`)) {
        return { inode: c[9], txQueue: parseInt(c[4].split(':')[0], 16) };
      }
    }
  }
  return null;
}
function holdsSocket(pid, inode) {
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try { if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`) return true; } catch { /* closed meanwhile */ }
  }
  return false;
}

// ---- waiting ----

const tick = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Polls `cond` (sync or async) every `every` ms until it returns a truthy
// value (resolved with it) or `ms` pass (rejected, naming `what`).
async function pollUntil(cond, ms, what, every = 50) {
  const deadline = Date.now() + ms;
  for (;;) {
    let v;
    try { v = await cond(); } catch { v = undefined; }
    if (v) return v;
    if (Date.now() >= deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await tick(every);
  }
}

// A measurement window: calls `sample` every `every` ms for `ms` ms. Used
// only where a figure over a span of time is the point (CPU spent while
// idle, peak RSS), never to wait for an event.
async function observe(ms, sample, every = 100) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    sample();
    await tick(Math.min(every, Math.max(1, end - Date.now())));
  }
  sample();
}

// ---- tokens, scans ----

const user = (label) => `${label}-${crypto.randomBytes(4).toString('hex')}`;
const tokenFor = (server, sub, claims = {}) => h.mintToken(server.secret, { sub, ...claims });
const bigCode = (n = 4000) => `C${crypto.randomBytes(8).toString('hex')}${'x'.repeat(n - 17)}`;

// Creates n scans on `socket`, `window` in flight at once; resolves with the
// acked scans in seq order.
async function createMany(socket, n, make, window = 128) {
  const out = [];
  let next = 0;
  async function worker() {
    while (next < n) {
      const i = next++;
      const ack = await h.emitAck(socket, 'scan:create', make(i), 30000);
      if (!ack || ack.ok !== true) throw new Error(`create ${i}: ${JSON.stringify(ack).slice(0, 200)}`);
      out.push(ack.scan);
    }
  }
  await Promise.all(Array.from({ length: Math.min(window, n) }, worker));
  return out.sort((a, b) => a.seq - b.seq);
}

// ---- raw TCP ----

// n TCP connections that send nothing; resolves once every one is connected.
async function openIdle(port, n, ms = 10000) {
  const socks = [];
  const connected = [];
  for (let i = 0; i < n; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    s.serverClosed = false;
    s.on('end', () => { s.serverClosed = true; });
    s.on('close', () => { s.serverClosed = true; });
    socks.push(s);
    connected.push(new Promise((resolve) => s.once('connect', resolve)));
  }
  await h.withDeadline(Promise.all(connected), ms, `${n} TCP connections`);
  return socks;
}

// A TCP connection that writes `data` (or nothing) and collects what comes
// back until the server closes it. Resolves {text, closed, ms}; after `ms`
// without a close it gives up (closed: false).
function exchange(port, data, ms) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const s = net.connect(port, '127.0.0.1');
    const chunks = [];
    let done = false;
    const finish = (closed) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed, ms: performance.now() - t0 });
    };
    const timer = setTimeout(() => finish(false), ms);
    s.on('error', () => finish(true));
    s.on('data', (c) => chunks.push(c));
    s.on('end', () => finish(true));
    s.on('close', () => finish(true));
    s.on('connect', () => { if (data) s.write(data); });
  });
}

// ---- a raw WebSocket client on a net.Socket ----
// Unlike `ws` it lets a test stop reading (pause()) and write any bytes.

// A masked client frame (mask key 0: the payload bytes stay as they are).
function wsFrame(payload, opcode = 1) {
  const p = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  let head;
  if (p.length < 126) {
    head = Buffer.from([0x80 | opcode, 0x80 | p.length]);
  } else if (p.length < 65536) {
    head = Buffer.alloc(4);
    head[0] = 0x80 | opcode; head[1] = 0x80 | 126; head.writeUInt16BE(p.length, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = 0x80 | opcode; head[1] = 0x80 | 127; head.writeBigUInt64BE(BigInt(p.length), 2);
  }
  return Buffer.concat([head, Buffer.alloc(4), p]);
}

class RawWs {
  constructor(sock, answerPings) {
    this.sock = sock;
    this.answerPings = answerPings;
    this.buf = Buffer.alloc(0);
    this.frames = [];
    this.waiters = [];
    this.closeCode = null;
    this.isClosed = false;
    this.closed = new Promise((resolve) => sock.on('close', () => {
      this.isClosed = true;
      for (const w of this.waiters) w.resolve({ closed: true, code: this.closeCode });
      this.waiters = [];
      resolve();
    }));
    sock.on('data', (c) => this.feed(c));
  }

  static open(port, { query = '', answerPings = true } = {}) {
    return h.withDeadline(new Promise((resolve, reject) => {
      const sock = net.connect(port, '127.0.0.1');
      let head = Buffer.alloc(0);
      const early = () => reject(new Error('closed during the WebSocket handshake'));
      sock.on('error', () => {});
      sock.on('close', early);
      const onData = (c) => {
        head = Buffer.concat([head, c]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        sock.off('data', onData);
        sock.off('close', early);
        const status = head.subarray(0, end).toString('latin1').split('\r\n')[0];
        if (!/^HTTP\/1\.1 101 /.test(status)) {
          sock.destroy();
          const e = new Error(`WebSocket handshake answered ${status}`);
          e.status = Number(status.split(' ')[1]);
          return reject(e);
        }
        const ws = new RawWs(sock, answerPings);
        ws.feed(head.subarray(end + 4));
        resolve(ws);
      };
      sock.on('data', onData);
      sock.on('connect', () => sock.write(
        `GET /socket.io/?EIO=4&transport=websocket${query} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
        'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n' +
        `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\n\r\n`));
    }), h.DEFAULT_DEADLINE_MS, 'WebSocket handshake');
  }

  get localPort() { return this.sock.localPort; }

  feed(chunk) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      if (this.buf.length < 2) return;
      const b0 = this.buf[0];
      const b1 = this.buf[1];
      let len = b1 & 0x7f;
      let off = 2;
      if (len === 126) {
        if (this.buf.length < 4) return;
        len = this.buf.readUInt16BE(2); off = 4;
      } else if (len === 127) {
        if (this.buf.length < 10) return;
        len = Number(this.buf.readBigUInt64BE(2)); off = 10;
      }
      if (b1 & 0x80) off += 4;
      if (this.buf.length < off + len) return;
      const payload = this.buf.subarray(off, off + len);
      this.buf = this.buf.subarray(off + len);
      this.onFrame(b0 & 0x0f, payload);
    }
  }

  onFrame(opcode, payload) {
    if (opcode === 8) { this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005; return; }
    if (opcode === 9) { this.sock.write(wsFrame(payload, 10)); return; }
    if (opcode !== 1) return;
    const text = payload.toString('utf8');
    if (text === '2' && this.answerPings) { this.send('3'); return; }
    this.frames.push(text);
    this.waiters = this.waiters.filter((w) => (w.pred(text) ? (w.resolve({ frame: text }), false) : true));
  }

  send(text) { if (!this.sock.destroyed) this.sock.write(wsFrame(text)); }
  write(bytes) { if (!this.sock.destroyed) this.sock.write(bytes); }

  next(pred, ms = h.DEFAULT_DEADLINE_MS) {
    const seen = this.frames.find(pred);
    if (seen !== undefined) return Promise.resolve({ frame: seen });
    if (this.isClosed) return Promise.resolve({ closed: true, code: this.closeCode });
    return h.withDeadline(new Promise((resolve) => this.waiters.push({ pred, resolve })), ms, 'a frame or close from the server');
  }

  pause() { this.sock.pause(); }
  destroy() { this.sock.destroy(); }
}

// CONNECT with `token` on a RawEio/RawWs, then room:join; asserts both.
async function connectAndJoin(raw, token) {
  raw.send(`40${JSON.stringify({ token })}`);
  const c = await raw.next((f) => f.startsWith('40') || f.startsWith('44'));
  assert.ok(c.frame && c.frame.startsWith('40'), `CONNECT answer ${JSON.stringify(c).slice(0, 200)}`);
  raw.send('429001["room:join",{}]');
  const j = await raw.next((f) => f.startsWith('439001['));
  assert.ok(j.frame && JSON.parse(j.frame.slice(6))[0].ok === true, `room:join answer ${JSON.stringify(j).slice(0, 200)}`);
}

// ---- polling ----

const POLL = '/socket.io/?EIO=4&transport=polling';
async function pollingHandshake(server) {
  const res = await h.rest(server.url, 'GET', POLL);
  if (res.status !== 200) return { status: res.status, text: res.text };
  return { status: 200, sid: JSON.parse(res.text.slice(1)).sid };
}
const pollingPost = (server, sid, body) => h.rest(server.url, 'POST', `${POLL}&sid=${encodeURIComponent(sid)}`,
  { body, headers: { 'content-type': 'text/plain;charset=UTF-8' } });
const pollingGet = (server, sid) => h.rest(server.url, 'GET', `${POLL}&sid=${encodeURIComponent(sid)}`);

// The status of a GET on a fresh connection (lighter than fetch for floods).
function httpGetStatus(port, p) {
  return h.withDeadline(new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
      res.on('error', reject);
    });
    req.on('error', reject);
  }), h.DEFAULT_DEADLINE_MS, `GET ${p}`);
}

function wsHandshakeStatus(port) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
  return h.withDeadline(new Promise((resolve) => {
    ws.on('open', () => { ws.terminate(); resolve(101); });
    ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode); ws.terminate(); });
    ws.on('error', () => resolve('error'));
  }), h.DEFAULT_DEADLINE_MS, 'WebSocket handshake outcome');
}

// ====================================================================

describe('accept() at the descriptor limit', { skip: !have('prlimit') && 'no prlimit' }, () => {
  const LIMIT = 256;
  let server;
  before(async () => {
    server = await start(['--max-connections', '10000', '--ping-interval', '60000', '--ping-timeout', '60000'],
      { prefix: ['prlimit', `--nofile=${LIMIT}:${LIMIT}`, '--'] });
  });
  after(() => stopClean(server));

  // Skipped under ASan: there the gateway pauses without spinning but did not
  // answer /healthz within 30 s of the descriptors being freed (the plain
  // build answers in ~130 ms). Open: see the stop's note.
  it('at EMFILE the gateway pauses accepting instead of spinning, logs accept_paused, and serves REST and socket.io once descriptors are free',
    { timeout: 60000, skip: SANITIZED && 'recovery under ASan is open (see the comment above)' }, async (t) => {
      assert.equal(nofileLimit(server.pid), LIMIT, 'the gateway runs under the lowered RLIMIT_NOFILE');
      const idle = await openIdle(server.port, LIMIT + 50);
      let out = {};
      try {
        await pollUntil(() => fdCount(server.pid) >= LIMIT - 4 || /"accept_paused"/.test(server.stderr()), 10000,
          `the gateway to reach its ${LIMIT}-descriptor limit (has ${fdCount(server.pid)})`);
        out.fds = fdCount(server.pid);
        const c0 = cpuSeconds(server.pid);
        const t0 = performance.now();
        await observe(2000, () => {});
        out.cpu = cpuSeconds(server.pid) - c0;
        out.window = (performance.now() - t0) / 1000;
        out.pausedLines = server.stderrLines.filter((l) => /"accept_paused"/.test(l)).length;
      } finally {
        for (const s of idle) s.destroy();
      }
      // Recovery: the listen queue drains by itself once descriptors are free.
      const t1 = performance.now();
      try {
        await pollUntil(async () => (await h.rest(server.url, 'GET', '/healthz')).status === 200, 10000 * SLOW, '/healthz → 200');
        out.healthzMs = performance.now() - t1;
        const s = await h.connectClient(server.url, { token: tokenFor(server, user('after-emfile')), deadline: 10000 });
        try { assert.equal((await h.emitAck(s, 'room:join', {})).ok, true); } finally { s.disconnect(); }
        out.recovered = true;
      } catch (e) {
        out.recovered = `no: ${e.message}`;
      }
      t.diagnostic(`fds at limit ${out.fds}/${LIMIT}; CPU ${out.cpu.toFixed(2)} s over ${out.window.toFixed(1)} s idle at the limit; ` +
        `accept_paused lines ${out.pausedLines}; recovered: ${out.recovered}` +
        (out.healthzMs !== undefined ? ` (/healthz after ${out.healthzMs.toFixed(0)} ms)` : ''));
      assert.ok(out.cpu < 0.4, `the gateway spent ${out.cpu.toFixed(2)} CPU-s in ${out.window.toFixed(1)} s at its fd limit (spinning on accept)`);
      assert.ok(out.pausedLines >= 1, 'an accept_paused line on stderr');
      assert.ok(out.pausedLines <= 5, `accept_paused logged ${out.pausedLines} times in one episode`);
      assert.equal(out.recovered, true);
      assert.ok(server.running());
    });
});

describe('--max-connections', () => {
  const MAX = 20;
  let server;
  before(async () => { server = await start(['--max-connections', String(MAX)]); });
  after(() => stopClean(server));

  it('with 20 connections open the 21st is answered 503 unavailable at once and closed; serving resumes when some close',
    { timeout: 30000 }, async (t) => {
      const base = fdCount(server.pid);
      const idle = await openIdle(server.port, MAX);
      try {
        await pollUntil(() => fdCount(server.pid) >= base + MAX, 5000 * SLOW, `${MAX} connections accepted (fds ${fdCount(server.pid)}, base ${base})`);
        const r = await exchange(server.port, null, 2000);
        t.diagnostic(`21st connection: ${r.closed ? 'closed' : 'still open'} after ${r.ms.toFixed(0)} ms, ` +
          `answer ${JSON.stringify(r.text.split('\r\n')[0] || '(nothing)')}`);
        assert.match(r.text, /^HTTP\/1\.1 503 /, `the 21st connection's answer: ${JSON.stringify(r.text.slice(0, 200))}`);
        assert.equal(r.closed, true, 'the 21st connection is closed by the gateway');
        assert.ok(r.ms < 1000, `answered after ${r.ms.toFixed(0)} ms`);
        const [head, body] = [r.text.slice(0, r.text.indexOf('\r\n\r\n')), r.text.slice(r.text.indexOf('\r\n\r\n') + 4)];
        assert.match(head, /\r\nConnection: close\r?$/im);
        assert.equal(JSON.parse(body).error.code, 'unavailable');
        assert.ok(idle.every((s) => !s.serverClosed), 'the 20 held connections are still open');
      } finally {
        for (const s of idle.splice(0, 5)) s.destroy();
      }
      try {
        const ok = await pollUntil(async () => (await h.rest(server.url, 'GET', '/healthz')).status === 200, 5000 * SLOW, '/healthz → 200 after closing 5');
        assert.ok(ok);
      } finally {
        for (const s of idle) s.destroy();
      }
    });
});

describe('CONNECT auth objects', () => {
  let server;
  before(async () => { server = await start(); });
  after(() => stopClean(server));

  async function cycles(raw, msg, n) {
    for (let i = 0; i < n; i++) {
      raw.frames.length = 0;
      raw.send(msg);
      const r = await raw.next((f) => f.startsWith('40') || f.startsWith('44'));
      if (!r.frame || !r.frame.startsWith('40')) throw new Error(`cycle ${i}: ${JSON.stringify(r).slice(0, 200)}`);
      raw.send('41');
    }
  }

  // Today's gateway keeps ~7 MB per 1000 cycles of a 7 KB auth object.
  const CYCLES = 3000;
  it(`${CYCLES} CONNECT/DISCONNECT cycles with a 7 KB auth object on one connection keep RSS growth under 8 MB and the connection usable`,
    { timeout: 60000 }, async (t) => {
      const sub = user('cycler');
      const token = tokenFor(server, sub);
      const auth = { token, pad: '' };
      auth.pad = 'p'.repeat(7 * 1024 - JSON.stringify(auth).length);
      const msg = `40${JSON.stringify(auth)}`;
      const raw = await RawEio.open(server.port);
      try {
        await cycles(raw, msg, 50);  // warm-up: allocator pools, first-use buffers
        const rss0 = rssKb(server.pid);
        const t0 = performance.now();
        await cycles(raw, msg, CYCLES);
        const grew = rssKb(server.pid) - rss0;
        t.diagnostic(`${CYCLES} cycles of a ${msg.length - 2}-byte auth in ${((performance.now() - t0) / 1000).toFixed(1)} s: RSS +${mb(grew)}`);
        figureOk(grew < 8 * 1024, `RSS grew ${mb(grew)} over ${CYCLES} CONNECT/DISCONNECT cycles`);
        raw.frames.length = 0;
        await connectAndJoin(raw, token);
        raw.send(`429002${JSON.stringify(['scan:create', h.newScan()])}`);
        const c = await raw.next((f) => f.startsWith('439002['));
        assert.equal(c.frame && JSON.parse(c.frame.slice(6))[0].ok, true, `scan:create after the cycles: ${JSON.stringify(c).slice(0, 200)}`);
      } finally { raw.terminate(); }
    });

  it('a CONNECT whose auth object is over 8 KB gets a CONNECT_ERROR, and the connection still takes a normal CONNECT',
    { timeout: 15000 }, async (t) => {
      const token = tokenFor(server, user('big-auth'));
      const raw = await RawEio.open(server.port);
      try {
        raw.send(`40${JSON.stringify({ token, pad: 'q'.repeat(12 * 1024) })}`);
        const r = await raw.next((f) => f.startsWith('40') || f.startsWith('44'));
        t.diagnostic(`12 KB auth object: ${r.closed ? `closed (${r.code})` : r.frame.slice(0, 80)}`);
        assert.ok(r.frame && r.frame.startsWith('44'), `a CONNECT_ERROR for a 12 KB auth object, got ${JSON.stringify(r).slice(0, 200)}`);
        assert.equal(typeof JSON.parse(r.frame.slice(2)).message, 'string');
        raw.frames.length = 0;
        await connectAndJoin(raw, token);
      } finally { raw.terminate(); }
    });

  it('a CONNECT with a 500 KB auth object is refused (CONNECT_ERROR or close), 20 times over, with RSS bounded',
    { timeout: 30000 }, async (t) => {
      const token = tokenFor(server, user('huge-auth'));
      const msg = `40${JSON.stringify({ token, pad: 'z'.repeat(500 * 1024) })}`;
      const rss0 = rssKb(server.pid);
      let peak = rss0;
      const outcomes = {};
      for (let i = 0; i < 20; i++) {
        const raw = await RawEio.open(server.port);
        try {
          raw.send(msg);
          const r = await raw.next((f) => f.startsWith('40') || f.startsWith('44'));
          const k = r.closed ? 'closed' : r.frame.slice(0, 2);
          outcomes[k] = (outcomes[k] || 0) + 1;
          peak = Math.max(peak, rssKb(server.pid));
        } finally { raw.terminate(); }
      }
      t.diagnostic(`20 × 500 KB auth: ${JSON.stringify(outcomes)}; RSS peak +${mb(peak - rss0)}`);
      assert.equal(outcomes['40'] || 0, 0, `a 500 KB auth object connected: ${JSON.stringify(outcomes)}`);
      figureOk(peak - rss0 < 20 * 1024, `RSS grew ${mb(peak - rss0)}`);
    });
});

describe('pre-CONNECT message limit', () => {
  let server;
  before(async () => { server = await start(); });
  after(() => stopClean(server));

  it('before CONNECT, a 20 KB WebSocket message closes the connection (1009 or TCP close)', { timeout: 15000 }, async (t) => {
    const raw = await RawEio.open(server.port);
    try {
      raw.send(`40${JSON.stringify({ token: tokenFor(server, user('pre')), pad: 'a'.repeat(20 * 1024) })}`);
      const r = await raw.next((f) => f.startsWith('40') || f.startsWith('44'));
      t.diagnostic(`20 KB message before CONNECT: ${r.closed ? `closed with ${r.code}` : `answered ${r.frame.slice(0, 60)}`}`);
      assert.equal(r.closed, true, `the connection stays open and answers ${JSON.stringify(r).slice(0, 120)}`);
      assert.ok([1009, 1006].includes(r.code), `close code ${r.code}`);
    } finally { raw.terminate(); }
  });

  it('before CONNECT, a 20 KB polling POST body is answered 413', { timeout: 15000 }, async (t) => {
    const hs = await pollingHandshake(server);
    assert.equal(hs.status, 200);
    const res = await pollingPost(server, hs.sid, `40${JSON.stringify({ token: tokenFor(server, user('pre-poll')), pad: 'b'.repeat(20 * 1024) })}`);
    t.diagnostic(`20 KB polling POST before CONNECT: ${res.status}`);
    assert.equal(res.status, 413);
  });

  it('after CONNECT, a 100 KB scan:create over WebSocket is answered (invalid) and the connection stays open', { timeout: 15000 }, async () => {
    const raw = await RawEio.open(server.port);
    try {
      await connectAndJoin(raw, tokenFor(server, user('post')));
      raw.send(`429002${JSON.stringify(['scan:create', h.newScan({ code: 'c'.repeat(100 * 1024) })])}`);
      const r = await raw.next((f) => f.startsWith('439002['));
      assert.ok(r.frame, `no ack: ${JSON.stringify(r)}`);
      const ack = JSON.parse(r.frame.slice(6))[0];
      assert.deepEqual([ack.ok, ack.error], [false, 'invalid']);
      const f = await raw.fence();
      assert.ok(f.frame, `connection closed after the 100 KB message: ${JSON.stringify(f)}`);
    } finally { raw.terminate(); }
  });

  it('after CONNECT, a 100 KB polling POST is taken and answered', { timeout: 15000 }, async () => {
    const hs = await pollingHandshake(server);
    assert.equal(hs.status, 200);
    assert.equal((await pollingPost(server, hs.sid, `40${JSON.stringify({ token: tokenFor(server, user('post-poll')) })}`)).status, 200);
    assert.match((await pollingGet(server, hs.sid)).text, /^40/);
    const post = await pollingPost(server, hs.sid, `421${JSON.stringify(['scan:create', h.newScan({ code: 'd'.repeat(100 * 1024) })])}`);
    assert.equal(post.status, 200, post.text);
    const got = await pollingGet(server, hs.sid);
    assert.equal(got.status, 200);
    const ack = JSON.parse(got.text.split('\x1e').find((p) => p.startsWith('431[')).slice(3))[0];
    assert.deepEqual([ack.ok, ack.error], [false, 'invalid']);
  });
});

describe('write deadline (--write-timeout 1000)', () => {
  let server;
  before(async () => {
    server = await start(['--write-timeout', '1000', '--ping-interval', '60000', '--ping-timeout', '60000',
      '--socket-rate', '0', '--durability', 'normal']);
  });
  after(() => stopClean(server));

  it('a joined WebSocket that stops reading is closed and its descriptor released once its output has not drained for 1 s',
    { timeout: 60000 }, async (t) => {
      const r = await stalledReceiver(server, { mode: 'deadline', maxScans: 4000, graceMs: 10000 });
      t.diagnostic(r.summary);
      assert.ok(r.released, r.summary);
    });

  // Skipped under ASan: the Debug ASan gateway takes longer than the deadline
  // to work through 600,000 CONNECTs (RSS +124 MB, connections still open at 30 s).
  it('unauthenticated connections that send many failed CONNECTs and never read are closed, with RSS bounded',
    { timeout: 60000, skip: SANITIZED && 'the flood takes the ASan build longer than the deadline' }, async (t) => {
      const N = 4;
      const PER = 150000;  // CONNECT_ERRORs of ~63 bytes each: ~9 MB of answers per connection
      const bad = wsFrame('40{"token":"bad"}');
      const burst = Buffer.concat(Array.from({ length: PER }, () => bad));
      const conns = [];
      try {
        for (let i = 0; i < N; i++) {
          const c = await RawWs.open(server.port);
          c.pause();
          const side = serverSide(server.port, c.localPort);
          assert.ok(side && holdsSocket(server.pid, side.inode), 'the gateway holds the connection');
          conns.push({ c, inode: side.inode });
        }
        const rss0 = rssKb(server.pid);
        let peak = rss0;
        const t0 = performance.now();
        for (const { c } of conns) c.write(burst);
        let released = true;
        try {
          await pollUntil(() => {
            peak = Math.max(peak, rssKb(server.pid));
            return conns.every(({ inode }) => !holdsSocket(server.pid, inode));
          }, 10000 * SLOW, 'the gateway to close every non-reading connection', 100);
        } catch { released = false; }
        const ms = performance.now() - t0;
        const open = conns.filter(({ inode }) => holdsSocket(server.pid, inode)).length;
        t.diagnostic(`${N} connections × ${PER} bad CONNECTs, never read: ${released ? `all closed after ${ms.toFixed(0)} ms` : `${open}/${N} still open after ${(ms / 1000).toFixed(1)} s`}; ` +
          `RSS peak +${mb(peak - rss0)}`);
        assert.ok(released, `${open}/${N} non-reading connections still open after ${(ms / 1000).toFixed(1)} s`);
        figureOk(peak - rss0 < 50 * 1024, `RSS grew ${mb(peak - rss0)}`);
        assert.ok(server.running());
      } finally {
        for (const { c } of conns) c.destroy();
      }
    });
});

describe('write queue overflow (--write-timeout 60000)', () => {
  let server;
  before(async () => {
    server = await start(['--write-timeout', '60000', '--ping-interval', '60000', '--ping-timeout', '60000',
      '--socket-rate', '0', '--durability', 'normal']);
  });
  after(() => stopClean(server));

  it('a write queue overflow of a WebSocket that stops reading closes its TCP connection', { timeout: 90000 }, async (t) => {
    const r = await stalledReceiver(server, { mode: 'overflow', maxScans: 6000, graceMs: 10000 });
    t.diagnostic(r.summary);
    assert.ok(r.released, r.summary);
  });
});

// A joined receiver that stops reading, and a second socket of the same user
// creating 4 KB scans (64 in flight). mode 'deadline': creates until the
// kernel holds >= 3 MB of the receiver's unsent output (its send buffer is
// full: the gateway's next write cannot complete), then 250 more (~1 MB, far
// below the 4 MB write queue limit), then stops; the close must come from the
// write deadline. mode 'overflow': creates until the gateway lets go of the
// receiver or `maxScans` were created. Either way, then up to `graceMs` for
// the receiver's descriptor to be closed. The creator must stay served.
async function stalledReceiver(server, { mode, maxScans, graceMs }) {
  const sub = user('stalled');
  const token = tokenFor(server, sub);
  const stalled = await RawWs.open(server.port);
  const creator = await h.connectClient(server.url, { token });
  try {
    await connectAndJoin(stalled, token);
    const side = serverSide(server.port, stalled.localPort);
    assert.ok(side && holdsSocket(server.pid, side.inode), 'the gateway holds the receiver connection');
    stalled.pause();
    const t0 = performance.now();
    let created = 0;
    let maxTx = 0;
    let gone = false;
    let goneWhileCreating = false;
    let next = 0;
    let limit = maxScans;
    const goneNow = () => {
      const s = serverSide(server.port, stalled.localPort);
      if (s) maxTx = Math.max(maxTx, s.txQueue);
      return !holdsSocket(server.pid, side.inode);
    };
    async function worker() {
      while (!gone && next < limit) {
        next++;
        const ack = await h.emitAck(creator, 'scan:create', h.newScan({ code: bigCode() }), 20000);
        if (!ack || ack.ok !== true) throw new Error(`create: ${JSON.stringify(ack).slice(0, 200)}`);
        if (++created % 50 === 0) {
          if (goneNow()) gone = goneWhileCreating = true;
          if (mode === 'deadline' && limit === maxScans && maxTx >= 3 * MB) limit = next + 250;
        }
      }
    }
    await Promise.all(Array.from({ length: 64 }, worker));
    const tCreated = performance.now();
    let released = true;
    try {
      await pollUntil(goneNow, graceMs, 'the receiver descriptor to be closed', 100);
    } catch { released = false; }
    const tEnd = performance.now();
    assert.ok(creator.connected, 'the creating socket was disconnected');
    assert.equal((await h.emitAck(creator, 'sync:since', { seq: 0, limit: 1 })).ok, true);
    const summary = `${created} scans of 4 KB (${mb(created * 4.1)}) broadcast to a receiver that stopped reading ` +
      `(unsent bytes in the gateway's kernel send buffer up to ${mb(maxTx / 1024)}): ` +
      (!released ? `fd still open ${((tEnd - tCreated) / 1000).toFixed(1)} s after the last create (${((tEnd - t0) / 1000).toFixed(1)} s after the stall)`
        : goneWhileCreating ? `fd closed while creating, ${((tEnd - t0) / 1000).toFixed(1)} s after the stall began`
          : `fd closed ${((tEnd - tCreated) / 1000).toFixed(1)} s after the last create (${((tEnd - t0) / 1000).toFixed(1)} s after the stall began)`);
    return { released, summary, goneWhileCreating, sinceLastCreateMs: tEnd - tCreated };
  } finally {
    creator.disconnect();
    stalled.destroy();
  }
}

// `n` page walks of the user's list (following nextCursor) at once, in a
// worker thread: parsing ~200 MB of pages there keeps this thread's event
// loop, which times another user's acks, free of that work and its GC.
const WALKER = `
const { workerData: o, parentPort } = require('node:worker_threads');
async function walk() {
  let cursor = null;
  const r = { pages: 0, scans: 0, maxBytes: 0, status: 200 };
  for (let i = 0; i < 2000; i++) {
    const res = await fetch(o.url + '/api/scans?limit=' + o.limit + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''),
      { headers: { authorization: 'Bearer ' + o.token } });
    const text = await res.text();
    if (res.status !== 200) { r.status = res.status; return r; }
    const j = JSON.parse(text);
    r.pages++; r.scans += j.scans.length; r.maxBytes = Math.max(r.maxBytes, Buffer.byteLength(text));
    cursor = j.nextCursor;
    if (typeof cursor !== 'string') return r;
  }
  return r;
}
Promise.all(Array.from({ length: o.n }, walk)).then((r) => parentPort.postMessage(r), (e) => parentPort.postMessage({ error: String(e) }));
`;
function walkInWorker(url, token, n, limit) {
  const w = new Worker(WALKER, { eval: true, workerData: { url, token, n, limit } });
  return h.withDeadline(new Promise((resolve, reject) => {
    w.once('message', (m) => (m.error ? reject(new Error(m.error)) : resolve(m)));
    w.once('error', reject);
  }), 60000, `${n} page walks`).finally(() => w.terminate());
}

describe('GET /api/scans paging', () => {
  const N = 3000;
  const WORST_ACK_MS = 400;
  let server;
  let alice;
  let aliceScans;
  before(async () => {
    server = await start(['--rest-rate', '0', '--socket-rate', '0', '--durability', 'normal']);
    alice = tokenFor(server, user('alice'));
    const s = await h.connectClient(server.url, { token: alice });
    try {
      aliceScans = await createMany(s, N, () => h.newScan({ code: bigCode() }));
    } finally { s.disconnect(); }
  }, { timeout: 90000 });
  after(() => stopClean(server));

  async function get(p, token, ms = 30000) {
    const res = await h.withDeadline(fetch(server.url + p, { headers: { authorization: `Bearer ${token}` } }), ms, `GET ${p}`);
    const text = await h.withDeadline(res.text(), ms, `GET ${p} body`);
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: res.status, text, json, bytes: Buffer.byteLength(text) };
  }

  // Every page of the user's list, following nextCursor.
  async function walk(token, limit) {
    const pages = [];
    let cursor = null;
    for (let i = 0; i < 2000; i++) {
      const res = await get(`/api/scans?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, token);
      assert.equal(res.status, 200, res.text.slice(0, 200));
      pages.push(res);
      cursor = res.json.nextCursor;
      if (typeof cursor !== 'string') return pages;
    }
    throw new Error('no last page after 2000 pages');
  }

  it(`pages of limit=1000 return each of ${N} scans exactly once, newest first, every body under 1 MB`, { timeout: 60000 }, async (t) => {
    const pages = await walk(alice, 1000);
    const biggest = Math.max(...pages.map((p) => p.bytes));
    t.diagnostic(`${N} scans of 4 KB: ${pages.length} page(s), the biggest ${mb(biggest / 1024)}, ` +
      `last nextCursor ${JSON.stringify(pages[pages.length - 1].json.nextCursor)}`);
    assert.ok(biggest < MB, `a page of ${mb(biggest / 1024)}`);
    const epoch = pages[0].json.epoch;
    assert.equal(typeof epoch, 'string');
    for (const [i, p] of pages.entries()) {
      assert.ok(Array.isArray(p.json.scans) && p.json.scans.length > 0 && p.json.scans.length <= 1000, `page ${i}: ${p.json.scans && p.json.scans.length} scans`);
      assert.equal(p.json.latestSeq, N, `page ${i} latestSeq`);
      assert.equal(p.json.epoch, epoch, `page ${i} epoch`);
      if (i < pages.length - 1) assert.equal(typeof p.json.nextCursor, 'string');
    }
    assert.equal(pages[pages.length - 1].json.nextCursor, null, 'the last page says nextCursor: null');
    const all = pages.flatMap((p) => p.json.scans);
    assert.equal(new Set(all.map((s) => s.id)).size, all.length, 'a scan on two pages');
    assert.deepEqual(all.map((s) => s.seq), aliceScans.map((s) => s.seq).reverse(), 'every scan once, newest first');
    assert.deepEqual(all, [...aliceScans].reverse());
  });

  it('limit defaults to 100 and is clamped to 1000; a bad limit or cursor is 400 invalid', { timeout: 60000 }, async (t) => {
    const carol = tokenFor(server, 'c');
    const s = await h.connectClient(server.url, { token: carol });
    try {
      await createMany(s, 1100, (i) => h.newScan({ code: `c${i}`, deviceId: 'd' }), 256);
    } finally { s.disconnect(); }
    const dflt = await get('/api/scans', carol);
    assert.equal(dflt.status, 200);
    t.diagnostic(`no limit: ${dflt.json.scans.length} scans, nextCursor ${JSON.stringify(dflt.json.nextCursor)}`);
    assert.equal(dflt.json.scans.length, 100);
    assert.equal(typeof dflt.json.nextCursor, 'string');
    assert.equal(dflt.json.latestSeq, 1100);
    const big = await get('/api/scans?limit=5000', carol);
    assert.equal(big.status, 200, big.text.slice(0, 200));
    assert.ok(big.json.scans.length >= 1 && big.json.scans.length <= 1000, `limit=5000 gave ${big.json.scans.length} scans`);
    assert.equal(typeof big.json.nextCursor, 'string');
    const second = await get(`/api/scans?cursor=${encodeURIComponent(dflt.json.nextCursor)}`, carol);
    assert.equal(second.status, 200);
    assert.equal(second.json.scans[0].seq, dflt.json.scans[99].seq - 1, 'the next page starts where the first ended');
    for (const q of ['limit=abc', 'limit=-5', 'limit=1.5', 'cursor=not-a-cursor', `limit=10&cursor=${'%'}zz`]) {
      const res = await get(`/api/scans?${q}`, carol);
      assert.equal(res.status, 400, `?${q} → ${res.status} ${res.text.slice(0, 100)}`);
      assert.equal(res.json.error.code, 'invalid', `?${q}`);
    }
    const since = await get('/api/scans?since=0&limit=5', carol);
    assert.equal(since.status, 200);
    assert.equal(since.json.changes.length, 5, 'the ?since= shape is unchanged');
  });

  // The bound is for a shared 2-core machine: there, with a compiler running
  // beside, the paged gateway's worst was 200-235 ms (p50 ~100 ms: an ack
  // waits behind the pages queued before it); the unpaged one's 6.5 s.
  it(`16 concurrent page walks over ${N} 4 KB scans do not hold up another user's scan:create (worst ack < ${WORST_ACK_MS} ms)`, { timeout: 90000 }, async (t) => {
    const bob = await h.connectClient(server.url, { token: tokenFor(server, user('bob')) });
    try {
      const lat = [];
      let walking = true;
      let probeError;
      // One create at a time, a new one every 20 ms while the walks run.
      const probe = (async () => {
        while (walking || lat.length < 5) {
          const t0 = performance.now();
          const ack = await h.emitAck(bob, 'scan:create', h.newScan(), 20000);
          lat.push(performance.now() - t0);
          if (!ack.ok) throw new Error(JSON.stringify(ack));
          await tick(20);
        }
      })().catch((e) => { probeError = e; });
      const t0 = performance.now();
      let walks;
      try {
        walks = await walkInWorker(server.url, alice, 16, 1000);
      } finally { walking = false; }
      const walkMs = performance.now() - t0;
      await h.withDeadline(probe, 30000, 'the create probe');
      if (probeError) throw probeError;
      const sorted = [...lat].sort((a, b) => a - b);
      const worst = sorted[sorted.length - 1];
      const p50 = sorted[Math.floor(sorted.length / 2)];
      t.diagnostic(`16 walks (${walks[0].pages} page(s) each, the biggest ${mb(Math.max(...walks.map((w) => w.maxBytes)) / 1024)}) ` +
        `in ${(walkMs / 1000).toFixed(1)} s; bob's ${lat.length} creates: p50 ${p50.toFixed(1)} ms, worst ${worst.toFixed(1)} ms`);
      for (const w of walks) assert.deepEqual([w.status, w.scans], [200, N]);
      figureOk(worst < WORST_ACK_MS, `bob's slowest create → ack took ${worst.toFixed(0)} ms`);
    } finally { bob.disconnect(); }
  });
});

describe('pending Engine.IO handshakes (--max-pending-per-address 20)', () => {
  let server;
  before(async () => { server = await start(['--max-pending-per-address', '20']); });
  after(() => stopClean(server));

  it('20 handshakes that never CONNECT are served, the 21st (polling or WebSocket) gets 503; a CONNECT frees a slot',
    { timeout: 30000 }, async (t) => {
      const sids = [];
      for (let i = 0; i < 20; i++) {
        const hs = await pollingHandshake(server);
        assert.equal(hs.status, 200, `handshake ${i + 1}: ${hs.status}`);
        sids.push(hs.sid);
      }
      const polling21 = await pollingHandshake(server);
      const ws21 = await wsHandshakeStatus(server.port);
      t.diagnostic(`21st pending handshake: polling ${polling21.status}, WebSocket ${ws21}`);
      assert.equal(polling21.status, 503, 'the 21st polling handshake');
      assert.equal(ws21, 503, 'a WebSocket handshake past the cap');
      const post = await pollingPost(server, sids[0], `40${JSON.stringify({ token: tokenFor(server, user('pending')) })}`);
      assert.equal(post.status, 200, post.text);
      assert.match((await pollingGet(server, sids[0])).text, /^40\{/, 'the CONNECT succeeded');
      const again = await pollingHandshake(server);
      assert.equal(again.status, 200, 'a handshake after one pending session connected');
      assert.equal((await pollingHandshake(server)).status, 503, 'back at the cap');
    });
});

describe('a flood of polling handshakes (default caps)', () => {
  let server;
  before(async () => { server = await start(); });
  after(() => stopClean(server));

  it('5000 polling handshakes from one address: at most 64 are served (--max-pending-per-address default), RSS stays bounded',
    { timeout: 60000 }, async (t) => {
      const rss0 = rssKb(server.pid);
      let peak = rss0;
      const statuses = {};
      let next = 0;
      async function worker() {
        while (next < 5000) {
          next++;
          const status = await httpGetStatus(server.port, POLL);
          statuses[status] = (statuses[status] || 0) + 1;
          if (next % 250 === 0) peak = Math.max(peak, rssKb(server.pid));
        }
      }
      await Promise.all(Array.from({ length: 32 }, worker));
      peak = Math.max(peak, rssKb(server.pid));
      t.diagnostic(`5000 handshakes: ${JSON.stringify(statuses)}; RSS +${mb(peak - rss0)}`);
      figureOk(peak - rss0 < 50 * 1024, `RSS grew ${mb(peak - rss0)}`);
      assert.ok((statuses[200] || 0) <= 64, `${statuses[200]} pending sessions opened from one address`);
      assert.equal((statuses[200] || 0) + (statuses[503] || 0), 5000, JSON.stringify(statuses));
      assert.equal((await h.rest(server.url, 'GET', '/healthz')).status, 200);
    });
});

describe('socket rate limit (--socket-rate 10 --socket-burst 20)', () => {
  let server;
  before(async () => { server = await start(['--socket-rate', '10', '--socket-burst', '20']); });
  after(() => stopClean(server));

  it('40 creates at once → 20..24 ok, the rest rate_limited; another user is not affected', { timeout: 30000 }, async (t) => {
    const a = await h.connectClient(server.url, { token: tokenFor(server, user('eager')) });
    const b = await h.connectClient(server.url, { token: tokenFor(server, user('calm')) });
    try {
      const acks = await Promise.all(Array.from({ length: 40 }, () => h.emitAck(a, 'scan:create', h.newScan())));
      const ok = acks.filter((x) => x.ok === true).length;
      const limited = acks.filter((x) => x.ok === false && x.error === 'rate_limited').length;
      t.diagnostic(`40 creates at once: ${ok} ok, ${limited} rate_limited`);
      assert.ok(ok >= 20 && ok <= 24, `${ok} ok`);
      assert.equal(ok + limited, 40, JSON.stringify(acks.find((x) => x.ok !== true && x.error !== 'rate_limited')));
      for (let i = 0; i < 5; i++) {
        const ack = await h.emitAck(b, 'scan:create', h.newScan());
        assert.equal(ack.ok, true, `the other user: ${JSON.stringify(ack)}`);
      }
    } finally { a.disconnect(); b.disconnect(); }
  });
});

describe('quota (--max-scans-per-user 5)', () => {
  let server;
  before(async () => { server = await start(['--max-scans-per-user', '5']); });
  after(() => stopClean(server));

  it('the 6th new scan is quota_exceeded (socket ack, REST 403); re-creating an existing id is ok; a delete frees a slot',
    { timeout: 30000 }, async (t) => {
      const token = tokenFor(server, user('collector'));
      const s = await h.connectClient(server.url, { token });
      try {
        const made = [];
        for (let i = 0; i < 5; i++) {
          const p = h.newScan();
          const ack = await h.emitAck(s, 'scan:create', p);
          assert.equal(ack.ok, true, JSON.stringify(ack));
          made.push({ p, scan: ack.scan });
        }
        const sixth = await h.emitAck(s, 'scan:create', h.newScan());
        const rest6 = await h.rest(server.url, 'POST', '/api/scans', { token, body: h.newScan() });
        t.diagnostic(`6th create: ${JSON.stringify(sixth).slice(0, 100)}; REST ${rest6.status} ${rest6.text.slice(0, 80)}`);
        assert.deepEqual([sixth.ok, sixth.error], [false, 'quota_exceeded']);
        assert.equal(rest6.status, 403, rest6.text);
        assert.equal(rest6.json.error.code, 'quota_exceeded');
        assert.deepEqual(await h.emitAck(s, 'scan:create', made[0].p), { ok: true, scan: made[0].scan }, 're-create of an existing id');
        const again = await h.rest(server.url, 'POST', '/api/scans', { token, body: made[1].p });
        assert.equal(again.status, 200, again.text);
        assert.equal((await h.emitAck(s, 'scan:delete', { id: made[2].scan.id })).ok, true);
        assert.equal((await h.emitAck(s, 'scan:create', h.newScan())).ok, true, 'a create after a delete');
        assert.equal((await h.emitAck(s, 'scan:create', h.newScan())).error, 'quota_exceeded', 'full again');
        const other = await h.connectClient(server.url, { token: tokenFor(server, user('other')) });
        try { assert.equal((await h.emitAck(other, 'scan:create', h.newScan())).ok, true, 'another user'); } finally { other.disconnect(); }
      } finally { s.disconnect(); }
    });
});

describe('scan ids', () => {
  let server;
  before(async () => { server = await start(); });
  after(() => stopClean(server));

  it("bob may create a scan with the id of alice's: both are stored, each sees only their own, alice's is unchanged",
    { timeout: 30000 }, async () => {
      const [aSub, bSub] = [user('alice'), user('bob')];
      const [aTok, bTok] = [tokenFor(server, aSub), tokenFor(server, bSub)];
      const a = await h.connectJoined(server.url, aTok);
      const b = await h.connectJoined(server.url, bTok);
      try {
        const aSeen = h.recorder(a, 'scan:created');
        const bSeen = h.recorder(b, 'scan:created');
        const p = h.newScan();
        const mine = await h.emitAck(a, 'scan:create', p);
        assert.equal(mine.ok, true);
        const theirs = await h.emitAck(b, 'scan:create', { ...p, code: 'bobs-code', deviceId: 'bobs-phone' });
        assert.equal(theirs.ok, true, JSON.stringify(theirs));
        assert.deepEqual([theirs.scan.id, theirs.scan.userId, theirs.scan.code, theirs.scan.seq], [p.id, bSub, 'bobs-code', 1]);
        const aList = await h.rest(server.url, 'GET', '/api/scans', { token: aTok });
        const bList = await h.rest(server.url, 'GET', '/api/scans', { token: bTok });
        assert.deepEqual(aList.json.scans, [mine.scan]);
        assert.deepEqual(bList.json.scans, [theirs.scan]);
        assert.deepEqual((await h.syncAll(a, 0)).changes, [{ op: 'created', scan: mine.scan }]);
        // Fences: each socket's next event is its own second scan, nothing of the other user's.
        const aFence = await h.emitAck(a, 'scan:create', h.newScan());
        const bFence = await h.emitAck(b, 'scan:create', h.newScan());
        assert.deepEqual(await aSeen.waitFor(2), [mine.scan, aFence.scan]);
        assert.deepEqual(await bSeen.waitFor(2), [theirs.scan, bFence.scan]);
        // Deleting bob's leaves alice's.
        assert.equal((await h.emitAck(b, 'scan:delete', { id: p.id })).ok, true);
        assert.deepEqual((await h.rest(server.url, 'GET', '/api/scans', { token: aTok })).json.scans, [aFence.scan, mine.scan]);
      } finally { a.disconnect(); b.disconnect(); }
    });

  it('an upper-case id is the same scan as its lower-case form, stored and answered in lower case', { timeout: 30000 }, async (t) => {
    const token = tokenFor(server, user('caps'));
    const s = await h.connectJoined(server.url, token);
    try {
      const seen = h.recorder(s, 'scan:created');
      const id = crypto.randomUUID();
      const upper = h.newScan({ id: id.toUpperCase() });
      const first = await h.emitAck(s, 'scan:create', upper);
      assert.equal(first.ok, true, JSON.stringify(first));
      const second = await h.emitAck(s, 'scan:create', { ...upper, id, code: 'other' });
      t.diagnostic(`created as ${first.scan.id} (seq ${first.scan.seq}); lower-case re-create: id ${second.scan && second.scan.id}, seq ${second.scan && second.scan.seq}`);
      assert.equal(first.scan.id, id, 'the stored id is lower-case');
      assert.deepEqual(second, { ok: true, scan: first.scan }, 'the lower-case form is the same scan');
      assert.deepEqual(await h.emitAck(s, 'scan:create', upper), { ok: true, scan: first.scan });
      const rest = await h.rest(server.url, 'POST', '/api/scans', { token, body: { ...upper, id: `${id.slice(0, 9)}${id.slice(9).toUpperCase()}` } });
      assert.equal(rest.status, 200, `REST POST of a mixed-case form: ${rest.status} ${rest.text.slice(0, 100)}`);
      assert.deepEqual(rest.json, first.scan);
      const list = await h.rest(server.url, 'GET', '/api/scans', { token });
      assert.deepEqual(list.json.scans, [first.scan]);
      const fence = await h.emitAck(s, 'scan:create', h.newScan());
      assert.deepEqual(await seen.waitFor(2), [first.scan, fence.scan], 'one scan:created for the id in any case');
      const del = await h.emitAck(s, 'scan:delete', { id: id.toUpperCase() });
      assert.equal(del.ok, true, `delete by the upper-case id: ${JSON.stringify(del)}`);
      assert.deepEqual((await h.rest(server.url, 'GET', '/api/scans', { token })).json.scans, [fence.scan]);
    } finally { s.disconnect(); }
  });
});

describe('token lifetime (default --max-token-ttl, 30 d)', () => {
  let server;
  before(async () => { server = await start(); });
  after(() => stopClean(server));

  it('a token of 60 days is refused, one of 29 days works', { timeout: 15000 }, async () => {
    const now = Math.floor(Date.now() / 1000);
    const long = tokenFor(server, user('long'), { iat: now, exp: now + 60 * 86400 });
    const e = await h.connectError(server.url, { token: long });
    assert.equal(e.data && e.data.code, 'token_invalid', `connect_error ${JSON.stringify(e.data)}`);
    const ok = tokenFor(server, user('month'), { iat: now, exp: now + 29 * 86400 });
    (await h.connectJoined(server.url, ok)).disconnect();
  });
});

describe('token lifetime (--max-token-ttl 1h)', () => {
  let server;
  before(async () => { server = await start(['--max-token-ttl', '1h']); });
  after(() => stopClean(server));

  const now = () => Math.floor(Date.now() / 1000);
  for (const [what, claims] of [
    ['exp 2 h after iat', () => ({ iat: now(), exp: now() + 7200 })],
    ['no iat and exp 2 h away', () => ({ iat: undefined, exp: now() + 7200 })],
    ['iat 2 h ago and exp in 10 min', () => ({ iat: now() - 7200, exp: now() + 600 })],
  ]) {
    it(`a token with ${what} is refused: CONNECT_ERROR token_invalid, REST 401 token_invalid`, { timeout: 15000 }, async (t) => {
      const token = tokenFor(server, user('ttl'), claims());
      let e;
      try { e = await h.connectError(server.url, { token }); } catch (err) { e = { connected: true, message: err.message }; }
      const res = await h.rest(server.url, 'GET', '/api/scans', { token });
      t.diagnostic(`socket: ${e.connected ? 'connected' : JSON.stringify(e.data)}; REST ${res.status}`);
      assert.equal(e.data && e.data.code, 'token_invalid', `socket: ${e.message}`);
      assert.equal(res.status, 401);
      assert.equal(res.json.error.code, 'token_invalid');
    });
  }

  it('a 30-minute token works on sockets and REST', { timeout: 15000 }, async () => {
    const token = tokenFor(server, user('short'), { iat: now(), exp: now() + 1800 });
    const s = await h.connectJoined(server.url, token);
    try {
      assert.equal((await h.emitAck(s, 'scan:create', h.newScan())).ok, true);
    } finally { s.disconnect(); }
    assert.equal((await h.rest(server.url, 'GET', '/api/scans', { token })).status, 200);
  });
});

describe('signals', () => {
  for (const sig of ['SIGHUP', 'SIGUSR1', 'SIGUSR2']) {
    it(`${sig} does not stop the gateway: /healthz answers, a connected client stays connected; SIGTERM still exits 0`,
      { timeout: 20000 }, async (t) => {
        const server = await start();
        const s = await h.connectJoined(server.url, tokenFor(server, user('sig')));
        try {
          server.child.kill(sig);
          let alive = true;
          try {
            assert.equal((await h.rest(server.url, 'GET', '/healthz')).status, 200);
            assert.equal((await h.emitAck(s, 'scan:create', h.newScan(), 3000)).ok, true);
          } catch (e) {
            alive = false;
            const exit = await h.withDeadline(server.exited, 5000, 'exit after the signal').catch(() => null);
            t.diagnostic(`after ${sig}: ${exit ? `exited ${JSON.stringify(exit)}` : e.message}`);
            assert.fail(`after ${sig} the gateway ${exit ? `exited ${JSON.stringify(exit)}` : `did not answer: ${e.message}`}`);
          }
          assert.ok(alive && s.connected, 'the client stayed connected');
          assert.ok(server.running());
        } finally {
          s.disconnect();
          if (server.running()) {
            const r = await server.stop();
            assert.deepEqual(r, { code: 0, signal: null }, `SIGTERM after ${sig}`);
          }
        }
      });
  }
});

// The gateway prints its listening line, then installs its signal handlers:
// a signal in between gets the default action (death). To hit that window on
// purpose, a helper process pinned to one CPU starts the gateway on the same
// CPU at the lowest priority and signals it from the handler that reads the
// listening line: the helper is woken by the write and preempts the gateway
// before its next instruction. A correct gateway is indifferent to this.
const SIGNAL_AT_START = `
const { spawn } = require('node:child_process');
const http = require('node:http');
const o = JSON.parse(process.env.SCANSYNC_SIGNAL_AT_START);
const gw = spawn('nice', ['-n', '19', o.bin, 'gateway', '--host', '127.0.0.1', '--port', '0', '--data', o.dataDir],
  { stdio: ['ignore', 'pipe', 'ignore'] });
process.on('exit', () => gw.kill('SIGKILL'));
const exited = new Promise((resolve) => gw.on('exit', (code, signal) => resolve({ code, signal })));
let buf = '';
let port;
gw.stdout.on('data', (c) => {
  buf += c;
  const m = /"type":"listening".*"port":(\\d+)/.exec(buf);
  if (port === undefined && m) { port = Number(m[1]); gw.kill(o.signal); after(); }
});
function healthz() {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/healthz', agent: false, timeout: 3000 }, (res) => { res.resume(); resolve(res.statusCode); });
    req.on('error', (e) => resolve(e.code));
    req.on('timeout', () => { req.destroy(); resolve('timeout'); });
  });
}
async function after() {
  const r = {};
  if (o.signal !== 'SIGTERM') { r.healthz = await healthz(); gw.kill('SIGTERM'); }
  Object.assign(r, await exited);
  process.stdout.write(JSON.stringify(r));
}
`;

describe('signals at start-up', { skip: !(have('taskset') && have('nice')) && 'no taskset or nice' }, () => {
  for (const [sig, expect] of [['SIGTERM', { code: 0, signal: null }], ['SIGHUP', { healthz: 200, code: 0, signal: null }]]) {
    it(`${sig} sent the instant the listening line is read: ${sig === 'SIGTERM' ? 'exit 0' : 'still serving, then SIGTERM exits 0'} (5 starts)`,
      { timeout: 60000 }, async (t) => {
        const outcomes = {};
        for (let i = 0; i < 5; i++) {
          const env = { ...process.env, SCANSYNC_SIGNAL_AT_START: JSON.stringify({ bin: BIN, signal: sig, dataDir: h.tempDir() }) };
          const out = execFileSync('taskset', ['-c', '0', process.execPath, '-e', SIGNAL_AT_START], { env, timeout: 10000, encoding: 'utf8' });
          outcomes[out] = (outcomes[out] || 0) + 1;
        }
        t.diagnostic(`${sig} at the listening line: ${JSON.stringify(outcomes)}`);
        assert.deepEqual(Object.keys(outcomes), [JSON.stringify(expect)]);
      });
  }
});

describe('--durability', () => {
  it('full: a scan acked just before a SIGKILL is there after a restart on the same data dir', { timeout: 30000 }, async () => {
    let server = await start(['--durability', 'full']);
    const token = tokenFor(server, user('durable'));
    const s = await h.connectClient(server.url, { token });
    const ack = await h.withDeadline(new Promise((resolve, reject) => {
      s.timeout(h.DEFAULT_DEADLINE_MS).emit('scan:create', h.newScan(), (err, a) => {
        if (err) return reject(err);
        server.child.kill('SIGKILL');
        resolve(a);
      });
    }), h.DEFAULT_DEADLINE_MS + 100, 'scan:create ack before SIGKILL');
    s.disconnect();
    assert.equal(ack.ok, true);
    assert.equal((await server.exited).signal, 'SIGKILL');
    server = await start(['--durability', 'full'], { dataDir: server.dataDir, secret: server.secret });
    try {
      const list = await h.rest(server.url, 'GET', '/api/scans', { token });
      assert.deepEqual(list.json.scans, [ack.scan]);
    } finally { await stopClean(server); }
  });

  it('normal is accepted and serves', { timeout: 15000 }, async () => {
    const server = await start(['--durability', 'normal']);
    try {
      const s = await h.connectClient(server.url, { token: tokenFor(server, user('normal')) });
      try { assert.equal((await h.emitAck(s, 'scan:create', h.newScan())).ok, true); } finally { s.disconnect(); }
    } finally { await stopClean(server); }
  });

  it('an unknown value is refused at start', { timeout: 15000 }, async () => {
    let server;
    try { server = await start(['--durability', 'sometimes']); } catch (e) {
      assert.match(e.message, /exited before listening/);
      return;
    }
    await server.stop();
    assert.fail('the gateway started with --durability sometimes');
  });
});

describe('a failed store write', () => {
  let mnt;
  let mounted = false;
  let why = '';
  let server;
  before(() => {
    mnt = h.tempDir('scansync-e2e-full-');
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt], { stdio: 'pipe' });
      mounted = true;
    } catch (e) {
      why = `cannot mount a tmpfs here: ${String(e.stderr || e.message).trim()}`;
    }
  });
  after(async () => {
    if (server && server.running()) await server.kill();
    if (mounted) {
      try { execFileSync('umount', [mnt], { stdio: 'pipe' }); } catch { execFileSync('umount', ['-l', mnt], { stdio: 'pipe' }); }
    }
  });

  it('on a full disk a create is acked internal, a log line names the store and the reason, and the gateway recovers once space is free',
    { timeout: 30000 }, async (t) => {
      if (!mounted) return t.skip(why);
      server = await start(['--durability', 'full'], { dataDir: mnt });
      const s = await h.connectClient(server.url, { token: tokenFor(server, user('full')) });
      try {
        assert.equal((await h.emitAck(s, 'scan:create', h.newScan())).ok, true, 'a create before the disk is full');
        const fill = path.join(mnt, 'fill');
        const fd = fs.openSync(fill, 'w');
        try {
          const chunk = Buffer.alloc(64 * 1024, 1);
          for (;;) {
            try { fs.writeSync(fd, chunk); } catch (e) {
              if (e.code !== 'ENOSPC') throw e;
              try { for (;;) fs.writeSync(fd, Buffer.alloc(512, 1)); } catch { /* full to the last block */ }
              break;
            }
          }
        } finally { fs.closeSync(fd); }
        const linesBefore = server.stderrLines.length;
        let failed;
        for (let i = 0; i < 200 && !failed; i++) {
          const ack = await h.emitAck(s, 'scan:create', h.newScan({ code: bigCode() }));
          if (ack.ok !== true) failed = ack;
        }
        assert.ok(failed, '200 creates of 4 KB all succeeded on a full 2 MB disk');
        assert.deepEqual([failed.ok, failed.error], [false, 'internal'], JSON.stringify(failed));
        let line;
        try {
          line = await pollUntil(() => server.stderrLines.slice(linesBefore).find((l) => /store/i.test(l) && /full|space/i.test(l)),
            3000, 'a stderr line naming the store and the reason');
        } finally {
          t.diagnostic(`ack ${JSON.stringify(failed)}; log: ${line || JSON.stringify(server.stderrLines.slice(linesBefore).slice(-3))}`);
        }
        fs.unlinkSync(fill);
        assert.equal((await h.emitAck(s, 'scan:create', h.newScan())).ok, true, 'a create once space is free again');
      } finally { s.disconnect(); }
      await stopClean(server);
    });
});
