'use strict';
// The browser module (build/web/scansync.js + scansync.wasm, made by
// scripts/build-web.sh) in Node, with the `ws` package as its WebSocket,
// against the real gateway: the C++ core's state machine, backoff, queue and
// catch-up, driven by the module's own loader and timers.
//
// SCANSYNC_WEB_DIR names the built module's folder (default build/web).
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const WebSocket = require('ws');
const h = require('./lib/harness');

const webDir = process.env.SCANSYNC_WEB_DIR || path.join(h.REPO, 'build', 'web');
let createScanSync;
let server;
const clients = [];
before(async () => {
  ({ createScanSync } = await import(pathToFileURL(path.join(webDir, 'scansync.js')).href));
  server = await h.startServer();
});
after(async () => {
  for (const c of clients) c.close();
  if (server && server.running()) await server.stop();
});

const user = (label) => `${label}-${crypto.randomBytes(4).toString('hex')}`;

// A client of the module with a log of statuses and events, and waits on
// them with deadlines.
function open(o) {
  const c = createScanSync({ WebSocket, ...o });
  clients.push(c);
  const log = { statuses: [], events: [], waiters: [] };
  const settle = () => { log.waiters = log.waiters.filter((w) => (w.test() ? (w.resolve(), false) : true)); };
  c.onStatus((s) => { log.statuses.push(s); settle(); });
  c.on('*', (name, ...args) => { log.events.push({ name, args }); settle(); });
  const until = (test, what, ms = h.DEFAULT_DEADLINE_MS) => h.withDeadline(new Promise((resolve) => {
    if (test()) resolve(); else log.waiters.push({ test, resolve });
  }), ms, what);
  return {
    c,
    log,
    events: (name) => log.events.filter((e) => e.name === name).map((e) => e.args),
    scanIds: (name = 'scan:created') => log.events.filter((e) => e.name === name).map((e) => e.args[0].id),
    waitStatus: (want, ms) => until(() => log.statuses.some((s) => Object.entries(want).every(([k, v]) => s[k] === v)),
      `status ${JSON.stringify(want)} (have ${JSON.stringify(log.statuses)})`, ms),
    waitEvent: (name, test = () => true, ms) => until(() => log.events.some((e) => e.name === name && test(...e.args)),
      `event ${name}`, ms),
    // Resolves on the next status change that matches, ignoring earlier ones.
    nextStatus(want, ms) {
      const from = log.statuses.length;
      return until(() => log.statuses.slice(from).some((s) => Object.entries(want).every(([k, v]) => s[k] === v)),
        `next status ${JSON.stringify(want)} (have ${JSON.stringify(log.statuses.slice(from))})`, ms);
    },
  };
}

const emitAck = (c, event, payload) => h.withDeadline(new Promise((resolve) => {
  c.emit(event, payload, (err, ...args) => resolve({ err, args }));
}), h.DEFAULT_DEADLINE_MS, `ack of ${event}`);

describe('the browser module (wasm) in Node over ws', () => {
  it('connects, joins the room and receives a scan made over REST exactly once', async () => {
    const sub = user('alice');
    const token = h.mintToken(server.secret, { sub });
    let asked = 0;
    const w = open({ url: server.url, getToken: () => { asked++; return token; } });
    assert.equal(w.c.status().status, 'connecting');
    await w.waitStatus({ status: 'connected' });
    assert.deepEqual(w.c.status(), { status: 'connected', attempt: 0, nextDelayMs: 0, reason: null });
    assert.equal(asked, 1);
    assert.deepEqual(w.events('connect'), [[]]);
    // The catch-up after the join ran (an empty history): the cursor holds the server's epoch.
    await h.withDeadline((async () => { while (!w.c.cursor().epoch) await new Promise((r) => setImmediate(r)); })(),
      h.DEFAULT_DEADLINE_MS, 'the first catch-up');
    const made = await h.rest(server.url, 'POST', '/api/scans', { token, body: h.newScan() });
    assert.equal(made.status, 201);
    await w.waitEvent('scan:created', (s) => s.id === made.json.id);
    // A second scan proves the first is not repeated behind it.
    const second = await h.rest(server.url, 'POST', '/api/scans', { token, body: h.newScan() });
    await w.waitEvent('scan:created', (s) => s.id === second.json.id);
    assert.deepEqual(w.events('scan:created').map((a) => a[0]), [made.json, second.json]);
    assert.equal(w.c.cursor().lastSeq, second.json.seq);
  });

  // An ASCII frame's scan is sliced from the frame's JS string, any other
  // decoded from wasm memory (scansync.js's json()): both must give the scan.
  it('a live scan with non-ASCII text arrives intact, and the ASCII one after it too', async () => {
    const sub = user('ümit');
    const token = h.mintToken(server.secret, { sub });
    const w = open({ url: server.url, getToken: () => token });
    await w.waitStatus({ status: 'connected' });
    await h.withDeadline((async () => { while (!w.c.cursor().epoch) await new Promise((r) => setImmediate(r)); })(),
      h.DEFAULT_DEADLINE_MS, 'the first catch-up');
    const wide = await h.rest(server.url, 'POST', '/api/scans', { token, body: { ...h.newScan(), code: 'Crème brûlée — 🍮 №7' } });
    assert.equal(wide.status, 201);
    const plain = await h.rest(server.url, 'POST', '/api/scans', { token, body: h.newScan() });
    await w.waitEvent('scan:created', (s) => s.id === plain.json.id);
    assert.deepEqual(w.events('scan:created').map((a) => a[0]), [wide.json, plain.json]);
    assert.equal(w.events('scan:created')[0][0].code, 'Crème brûlée — 🍮 №7');
  });

  it('emit with an ack: scan:create answers ok with the stored scan, and the event comes back once', async () => {
    const sub = user('emitter');
    const w = open({ url: server.url, getToken: () => h.mintToken(server.secret, { sub }) });
    // Emitted before the connection exists: it waits in the queue, flushed after room:join.
    const scan = h.newScan({ format: 'ean13', code: '4006381333931' });
    const acked = emitAck(w.c, 'scan:create', scan);
    assert.equal(w.c.queued(), 1);
    const { err, args } = await acked;
    assert.equal(err, null);
    assert.equal(args.length, 1);
    assert.equal(args[0].ok, true);
    assert.equal(args[0].scan.id, scan.id);
    assert.equal(args[0].scan.userId, sub);
    await w.waitEvent('scan:created', (s) => s.id === scan.id);
    const again = await emitAck(w.c, 'scan:create', scan);  // idempotent by id
    assert.equal(again.args[0].scan.seq, args[0].scan.seq);
    const bad = await emitAck(w.c, 'scan:create', { id: 'not-a-uuid' });
    assert.equal(bad.args[0].ok, false);
    assert.equal(bad.args[0].error, 'invalid');
    const stored = await h.rest(server.url, 'GET', '/api/scans', { token: h.mintToken(server.secret, { sub }) });
    assert.deepEqual(stored.json.scans.map((s) => s.id), [scan.id]);
    assert.deepEqual(w.scanIds(), [scan.id]);
  });

  it('offline then online: scans made meanwhile arrive through the catch-up, once each and in order', async () => {
    const sub = user('offline');
    const token = h.mintToken(server.secret, { sub });
    const w = open({ url: server.url, getToken: () => token });
    await w.waitStatus({ status: 'connected' });
    w.c.setOnline(false);
    assert.deepEqual(w.c.status(), { status: 'disconnected', attempt: 0, nextDelayMs: 0, reason: 'offline' });
    const made = [];
    for (let i = 0; i < 3; i++) made.push((await h.rest(server.url, 'POST', '/api/scans', { token, body: h.newScan() })).json);
    assert.deepEqual(w.scanIds(), []);  // nothing while offline
    const back = w.nextStatus({ status: 'connected' });
    w.c.setOnline(true);
    await back;
    await w.waitEvent('scan:created', (s) => s.id === made[2].id);
    assert.deepEqual(w.scanIds(), made.map((s) => s.id));
  });

  it('gateway stopped: reconnecting (attempt 1, 1 s); restarted: connected again and the catch-up delivers what was missed', async () => {
    const own = await h.startServer();
    const sub = user('restart');
    const token = h.mintToken(own.secret, { sub });
    let tokens = 0;
    // factor 3: attempt 1 waits the contract's 1 s, attempt 2 3 s, the
    // window in which the gateway restarts (seconds under ASan on 2 cores).
    const w = open({ url: own.url, getToken: () => { tokens++; return token; }, backoff: { factor: 3 } });
    try {
      await w.waitStatus({ status: 'connected' });
      const before = (await h.rest(own.url, 'POST', '/api/scans', { token, body: h.newScan() })).json;
      await w.waitEvent('scan:created', (s) => s.id === before.id);

      const lost = w.nextStatus({ status: 'reconnecting', attempt: 1, nextDelayMs: 1000 });
      await own.stop();
      await lost;
      assert.ok(w.events('disconnect').length >= 1);
      // Attempt 1 fails against the closed port: attempt 2 waits 3 s, time
      // enough to restart the gateway (same data, same port) and write a scan
      // the client can only learn through sync:since.
      await w.nextStatus({ status: 'reconnecting', attempt: 2, nextDelayMs: 3000 }, 5000);
      const restarted = await h.startServer({ dataDir: own.dataDir, secret: own.secret, port: own.port });
      try {
        const missed = (await h.rest(restarted.url, 'POST', '/api/scans', { token, body: h.newScan() })).json;
        assert.equal(missed.seq, before.seq + 1);
        assert.equal(w.c.status().status, 'reconnecting');  // still waiting: what follows is the catch-up
        await w.nextStatus({ status: 'connected' }, 8000);
        await w.waitEvent('scan:created', (s) => s.id === missed.id);
        assert.deepEqual(w.scanIds(), [before.id, missed.id]);
        assert.ok(tokens >= 3, `the token is asked at every (re)connect (asked ${tokens} times)`);
      } finally {
        w.c.close();
        await restarted.stop();
      }
    } finally {
      if (own.running()) await own.stop();
    }
  });

  it('a gateway that goes silent (SIGSTOP: the socket stays open) shows reconnecting once the ping is overdue', async () => {
    const [interval, timeout] = [300, 300];
    const own = await h.startServer({ args: ['--ping-interval', String(interval), '--ping-timeout', String(timeout)] });
    const sub = user('silent');
    const w = open({ url: own.url, getToken: () => h.mintToken(own.secret, { sub }) });
    try {
      await w.waitStatus({ status: 'connected' });
      const lost = w.nextStatus({ status: 'reconnecting', attempt: 1 }, 5000);
      const stoppedAt = performance.now();
      process.kill(own.pid, 'SIGSTOP');
      try {
        await lost;
        const took = performance.now() - stoppedAt;
        assert.ok(took >= interval, `reconnecting after ${took} ms, before a ping could be overdue`);
        assert.deepEqual(w.events('disconnect').at(-1), ['ping timeout']);
      } finally {
        w.c.close();
        process.kill(own.pid, 'SIGCONT');
      }
    } finally {
      await own.stop();
    }
  });

  it('a bad token: disconnected/unauthorized with a token_invalid error, and no retry', async () => {
    let asked = 0;
    const w = open({ url: server.url, getToken: () => { asked++; return h.mintToken('wrong-secret', { sub: 'mallory' }); } });
    await w.waitStatus({ status: 'disconnected', reason: 'unauthorized' });
    const errors = w.events('error');
    assert.equal(errors.length, 1);
    assert.equal(errors[0][0].code, 'token_invalid');
    assert.deepEqual(w.c.status(), { status: 'disconnected', attempt: 0, nextDelayMs: 0, reason: 'unauthorized' });
    assert.equal(asked, 1);
    assert.ok(!w.log.statuses.some((s) => s.status === 'reconnecting'));
  });

  it('close(): the socket closes, no handler runs afterwards, pending acks are dropped', async () => {
    const sub = user('closer');
    const token = h.mintToken(server.secret, { sub });
    const w = open({ url: server.url, getToken: () => token });
    await w.waitStatus({ status: 'connected' });
    let after = 0;
    w.c.on('scan:created', () => after++);
    w.c.onStatus(() => after++);
    let acked = 0;
    w.c.emit('scan:create', h.newScan(), () => acked++);  // in flight when closing
    const seen = w.log.events.length + w.log.statuses.length;
    w.c.close();
    w.c.close();  // twice is harmless
    w.c.emit('scan:create', h.newScan(), () => acked++);
    // Another socket of the user sees the scan's broadcast: had the closed
    // client still been listening, it would have had it by then too.
    const watcher = await h.connectJoined(server.url, token);
    try {
      const rec = h.recorder(watcher, 'scan:created');
      const made = await h.rest(server.url, 'POST', '/api/scans', { token, body: h.newScan() });
      await rec.waitFor(1);
      assert.equal(rec.items[rec.items.length - 1].id, made.json.id);
    } finally { watcher.disconnect(); }
    assert.equal(after, 0);
    assert.equal(acked, 0);
    assert.equal(w.log.events.length + w.log.statuses.length, seen);
    assert.equal(w.c.cursor(), null);
  });

  it('close() from inside a handler stops the dispatch at once', async () => {
    const sub = user('inside');
    const w = open({ url: server.url, getToken: () => h.mintToken(server.secret, { sub }) });
    let later = 0;
    const closed = new Promise((resolve) => w.c.on('connect', () => { w.c.close(); resolve(); }));
    w.c.on('connect', () => later++);
    await h.withDeadline(closed, h.DEFAULT_DEADLINE_MS, 'connect');
    await new Promise((r) => setImmediate(r));
    assert.equal(later, 0);
  });

  it('a handler, an ack or getToken that throws is reported and the client carries on', async () => {
    const reported = [];
    const saved = globalThis.reportError;
    globalThis.reportError = (e) => reported.push(e.message);
    try {
      const sub = user('thrower');
      const token = h.mintToken(server.secret, { sub });
      let calls = 0;
      const w = open({ url: server.url, getToken: () => { if (++calls === 1) throw new Error('no token yet'); return token; } });
      w.c.on('scan:created', () => { throw new Error('handler'); });
      // The empty first token is refused (unauthorized); connect() asks again.
      await w.waitStatus({ status: 'disconnected', reason: 'unauthorized' });
      assert.equal(calls, 1);
      w.c.connect();
      await w.waitStatus({ status: 'connected' });
      const { err } = await h.withDeadline(new Promise((resolve) => {
        w.c.emit('scan:create', h.newScan(), (e, ...args) => { resolve({ err: e, args }); throw new Error('ack'); });
      }), h.DEFAULT_DEADLINE_MS, 'ack');
      assert.equal(err, null);
      const made = await h.rest(server.url, 'POST', '/api/scans', { token, body: h.newScan() });
      await w.waitEvent('scan:created', (s) => s.id === made.json.id);
      assert.equal(w.scanIds().length, 2);
      // The ack and the broadcast of the same create may come in either order.
      assert.deepEqual(reported.sort(), ['ack', 'handler', 'handler', 'no token yet']);
      assert.equal(w.c.status().status, 'connected');
    } finally {
      globalThis.reportError = saved;
    }
  });

  it('options are checked: no url, or a scheme that is not http(s)/ws(s), throws', () => {
    assert.throws(() => createScanSync({ WebSocket }), TypeError);
    assert.throws(() => createScanSync({ url: 'ftp://127.0.0.1/', WebSocket }), /unsupported URL scheme/);
  });
});
