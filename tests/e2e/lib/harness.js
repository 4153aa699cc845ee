'use strict';
// Shared plumbing for the end-to-end suites: start a server on a free
// loopback port with a fresh data dir and secret, mint tokens, connect the
// official socket.io-client, and wait on events with deadlines (never sleep).
//
// The server under test is `scansync gateway` ($SCANSYNC_BIN). Setting
// SCANSYNC_E2E_SERVER=node runs the same suites against bench/node-server.js
// (the contract on the official socket.io server) instead, which is how the
// suites themselves are checked.
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { io } = require('socket.io-client');

const DEFAULT_DEADLINE_MS = 5000;
const REPO = path.resolve(__dirname, '..', '..', '..');

function serverCommand() {
  if (process.env.SCANSYNC_E2E_SERVER === 'node') {
    return { cmd: process.execPath, args: [path.join(REPO, 'bench', 'node-server.js')] };
  }
  const bin = process.env.SCANSYNC_BIN || path.join(REPO, 'build', 'src', 'cli', 'scansync');
  return { cmd: bin, args: ['gateway'] };
}

// Resolves with `value`, or rejects with `what` timed out after `ms`.
function withDeadline(promise, ms, what) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

// Servers still running when the test process exits (a crash, an uncaught
// error) are killed, so no gateway outlives its suite.
const liveChildren = new Set();
process.on('exit', () => {
  for (const c of liveChildren) c.kill('SIGKILL');
});

// Temp dirs are removed when the test process exits (SCANSYNC_E2E_KEEP=1 keeps them).
const tempDirs = [];
process.on('exit', () => {
  if (process.env.SCANSYNC_E2E_KEEP === '1') return;
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});
function tempDir(prefix = 'scansync-e2e-') {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(d);
  return d;
}

// A running server process. `stop()` sends SIGTERM and resolves with
// {code, signal}; `kill()` sends SIGKILL. Both are bounded by a deadline.
// A sanitizer's report on stderr (ASan, LSan, UBSan: the SCANSYNC_SANITIZED
// build) makes stop() throw it: a shutdown bug shows in every suite that
// stops a gateway, not only in those that read its exit code.
const SANITIZER_REPORT = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: UndefinedBehaviorSanitizer/;
class ServerProcess {
  constructor(child, port, stderrLines) {
    this.child = child;
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.stderrLines = stderrLines;
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    this.closed = new Promise((resolve) => child.once('close', resolve));  // stderr read to its end
  }
  get pid() { return this.child.pid; }
  running() { return this.child.exitCode === null && this.child.signalCode === null; }
  async stop(ms = DEFAULT_DEADLINE_MS) {
    if (this.running()) this.child.kill('SIGTERM');
    let result;
    try {
      result = await withDeadline(this.exited, ms, `server pid ${this.pid} to exit after SIGTERM`);
    } catch (e) {
      this.child.kill('SIGKILL');
      await this.exited;
      throw e;
    }
    await withDeadline(this.closed, 2000, 'the server\'s stderr to close').catch(() => {});
    const report = this.stderrLines.findIndex((l) => SANITIZER_REPORT.test(l));
    if (report >= 0) {
      throw new Error(`server pid ${this.pid}: a sanitizer report at exit:\n${this.stderrLines.slice(report, report + 40).join('\n')}`);
    }
    return result;
  }
  async kill() {
    if (this.running()) this.child.kill('SIGKILL');
    return withDeadline(this.exited, DEFAULT_DEADLINE_MS, `server pid ${this.pid} to exit after SIGKILL`);
  }
  stderr() { return this.stderrLines.join('\n'); }
}

// Options: dataDir, secret (string), port (default 0 = any), iss, aud, args (extra CLI flags),
// prefix (a command the server is started through, e.g. ['prlimit', '--nofile=256:256', '--'];
// it must exec the server, so that the child's pid is the server's).
async function startServer(o = {}) {
  const dataDir = o.dataDir || tempDir();
  const secret = o.secret || crypto.randomBytes(32).toString('hex');
  const secretFile = path.join(dataDir, 'test-jwt-secret');
  fs.writeFileSync(secretFile, secret, { mode: 0o600 });
  const { cmd, args } = serverCommand();
  const full = [...args, '--host', '127.0.0.1', '--port', String(o.port || 0), '--data', dataDir, '--jwt-secret-file', secretFile];
  if (o.iss) full.push('--iss', o.iss);
  if (o.aud) full.push('--aud', o.aud);
  full.push(...(o.args || []));
  const prefix = o.prefix || [];
  const child = prefix.length
    ? spawn(prefix[0], [...prefix.slice(1), cmd, ...full], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(cmd, full, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderrLines = [];
  readline.createInterface({ input: child.stderr }).on('line', (l) => stderrLines.push(l));
  const lines = readline.createInterface({ input: child.stdout });
  const listening = new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      reject(new Error(`server exited before listening (code ${code}, signal ${signal}): ${cmd} ${full.join(' ')}\n${stderrLines.join('\n')}`)));
    lines.on('line', (line) => {
      let msg;
      try { msg = JSON.parse(line); } catch { return; }
      if (msg && msg.type === 'listening' && Number.isInteger(msg.port)) resolve(msg.port);
    });
  });
  let port;
  try {
    port = await withDeadline(listening, 10000, `"listening" line from ${cmd} ${full.join(' ')}`);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  child.removeAllListeners('exit');
  const server = new ServerProcess(child, port, stderrLines);
  server.dataDir = dataDir;
  server.secret = secret;
  server.secretFile = secretFile;
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  return server;
}

// ---- Tokens (HS256 with node:crypto) ----
const b64url = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

// claims default: sub, iat now, exp in one hour. header default HS256/JWT.
function mintToken(secret, claims = {}, header = { alg: 'HS256', typ: 'JWT' }) {
  const now = Math.floor(Date.now() / 1000);
  const body = { iat: now, exp: now + 3600, ...claims };
  for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
  const signingInput = `${b64url(header)}.${b64url(body)}`;
  const sig = crypto.createHmac('sha256', secret).update(signingInput).digest('base64url');
  return `${signingInput}.${sig}`;
}

// ---- socket.io-client ----
const TRANSPORTS = {
  'polling+upgrade': ['polling', 'websocket'],
  websocket: ['websocket'],
  'polling only': ['polling'],
};

// Connects one client; resolves with the socket once CONNECT is acked, or
// rejects with the connect_error (err.data carries the server's data).
async function connectClient(url, o = {}) {
  const socket = io(url, {
    forceNew: true,
    reconnection: o.reconnection === true,
    reconnectionDelay: 100,
    reconnectionDelayMax: 500,
    transports: o.transports || TRANSPORTS.websocket,
    auth: o.auth !== undefined ? o.auth : { token: o.token },
    query: o.query,
    timeout: o.timeout || DEFAULT_DEADLINE_MS,
  });
  // The engine and its first transport exist as soon as io() returns.
  socket.initialTransport = socket.io.engine && socket.io.engine.transport && socket.io.engine.transport.name;
  try {
    await withDeadline(new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    }), o.deadline || DEFAULT_DEADLINE_MS, `connect to ${url}`);
  } catch (e) {
    socket.disconnect();
    throw e;
  }
  return socket;
}

// The connect_error a refused client receives (fails if it connects).
async function connectError(url, o = {}) {
  try {
    const socket = await connectClient(url, o);
    socket.disconnect();
  } catch (e) {
    return e;
  }
  throw new Error('connected although a refusal was expected');
}

function emitAck(socket, event, payload, ms = DEFAULT_DEADLINE_MS) {
  return withDeadline(socket.timeout(ms).emitWithAck(event, payload), ms + 100, `ack of ${event}`);
}

// Connects and joins the user's room; asserts the join ack.
async function connectJoined(url, token, o = {}) {
  const socket = await connectClient(url, { ...o, token });
  const ack = await emitAck(socket, 'room:join', {});
  if (!ack || ack.ok !== true) {
    socket.disconnect();
    throw new Error(`room:join refused: ${JSON.stringify(ack)}`);
  }
  return socket;
}

// Records every `event` on `socket`; `waitFor(n)` resolves once n arrived.
function recorder(socket, event) {
  const rec = { items: [], waiters: [] };
  socket.on(event, (arg) => {
    rec.items.push(arg);
    rec.waiters = rec.waiters.filter((w) => (rec.items.length >= w.n ? (w.resolve(), false) : true));
  });
  rec.waitFor = (n, ms = DEFAULT_DEADLINE_MS) => withDeadline(new Promise((resolve) => {
    if (rec.items.length >= n) resolve();
    else rec.waiters.push({ n, resolve });
  }), ms, `${n} "${event}" events (have ${rec.items.length})`).then(() => rec.items);
  return rec;
}

function waitEvent(emitter, event, ms = DEFAULT_DEADLINE_MS) {
  return withDeadline(new Promise((resolve) => emitter.once(event, (...args) => resolve(args))), ms, `event ${event}`);
}

// ---- Scans ----
let deviceCounter = 0;
function newScan(extra = {}) {
  return {
    id: crypto.randomUUID(),
    code: `CODE-${crypto.randomBytes(6).toString('hex')}`,
    format: 'qr',
    deviceId: `e2e-device-${process.pid}-${++deviceCounter}`,
    createdAt: new Date().toISOString(),
    ...extra,
  };
}

// Pages through sync:since from `seq` until hasMore is false; returns all changes.
async function syncAll(socket, seq = 0, limit = 100) {
  const changes = [];
  for (let page = 0; page < 10000; page++) {
    const ack = await emitAck(socket, 'sync:since', { seq, limit });
    if (!ack || ack.ok !== true) throw new Error(`sync:since failed: ${JSON.stringify(ack)}`);
    changes.push(...ack.changes);
    if (!ack.hasMore) return { changes, latestSeq: ack.latestSeq };
    const last = ack.changes[ack.changes.length - 1];
    seq = last.op === 'created' ? last.scan.seq : last.seq;
  }
  throw new Error('sync:since did not finish');
}

// ---- REST ----
async function rest(url, method, p, { token, body, headers = {} } = {}) {
  const h = { ...headers };
  if (token !== undefined) h.authorization = `Bearer ${token}`;
  let payload = body;
  if (body !== undefined && typeof body !== 'string' && !(body instanceof Buffer)) {
    payload = JSON.stringify(body);
    h['content-type'] = 'application/json';
  }
  const res = await withDeadline(fetch(url + p, { method, headers: h, body: payload }), DEFAULT_DEADLINE_MS, `${method} ${p}`);
  const text = await withDeadline(res.text(), DEFAULT_DEADLINE_MS, `${method} ${p} body`);
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, text, json, headers: res.headers };
}

// Follows a child that prints one JSON line per message: sets on `target`
// lines (parsed; {type:'unparsable',text} otherwise), stderr (its lines),
// exited (resolves with {code, signal}) and waiters, each {pred, resolve}
// resolved by the first later line matching pred.
function followJsonLines(target, child) {
  target.lines = [];
  target.stderr = [];
  target.waiters = [];
  target.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  readline.createInterface({ input: child.stderr }).on('line', (l) => target.stderr.push(l));
  readline.createInterface({ input: child.stdout }).on('line', (l) => {
    let msg;
    try { msg = JSON.parse(l); } catch { msg = { type: 'unparsable', text: l }; }
    target.lines.push(msg);
    target.waiters = target.waiters.filter((w) => (w.pred(msg) ? (w.resolve(msg), false) : true));
  });
}

module.exports = {
  followJsonLines, DEFAULT_DEADLINE_MS, REPO, liveChildren, TRANSPORTS, withDeadline, tempDir, startServer, mintToken, connectClient, connectError,
  connectJoined, emitAck, recorder, waitEvent, newScan, syncAll, rest,
};
