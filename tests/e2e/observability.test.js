// The gateway's logs, /readyz and /metrics, against the real binary:
// - every stderr line is one JSON object {time, level, event, …}; a REST call
//   is one access line (path without its query), a refused token names its
//   code, the peer and the claimed sub but never the token, a closed session
//   says why; --log-level filters, and a bad value is a usage error;
// - /readyz answers 200 while the store takes writes, 503 with the reason
//   while another process holds the database's write lock or the data
//   folder's file system is full (a small tmpfs, skipped where mount is not
//   permitted), and 200 again after;
// - /metrics is read by a real parser of the Prometheus text format
//   (python3-prometheus-client, Debian's), and its counters move after a
//   create over the socket, a refused token and a REST call.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./lib/harness');

const RFC3339_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const LEVELS = ['debug', 'info', 'warn', 'error'];

// Resolves once `check()` returns a truthy value (polled every 10 ms up to the
// deadline: the condition is waited on, not a fixed time); rejects after `ms`.
async function until(check, ms, what) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    last = await check();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));  // a poll, bounded by the deadline
  }
}

function parsedLines(server) {
  return server.stderrLines.map((l) => {
    try { return JSON.parse(l); } catch { return { unparsable: l }; }
  });
}

function logLine(server, pred, what) {
  return until(() => parsedLines(server).find(pred), h.DEFAULT_DEADLINE_MS, `log line: ${what}`);
}

async function stopClean(server) {
  const r = await server.stop();
  assert.deepEqual(r, { code: 0, signal: null }, server.stderr().slice(-2000));
}

const tokenFor = (server, sub, claims = {}) => h.mintToken(server.secret, { sub, ...claims });
const user = (what) => `obs-${what}-${process.pid}`;

describe('logs', () => {
  let server;
  before(async () => { server = await h.startServer(); });
  after(async () => { if (server) await stopClean(server); });

  it('every line is one JSON object with an RFC 3339 time, a level and an event', async () => {
    await logLine(server, (l) => l.event === 'listening', 'listening');
    for (const l of parsedLines(server)) {
      assert.equal(l.unparsable, undefined, `not JSON: ${l.unparsable}`);
      assert.match(l.time, RFC3339_MS, JSON.stringify(l));
      assert.ok(LEVELS.includes(l.level), JSON.stringify(l));
      assert.equal(typeof l.event, 'string', JSON.stringify(l));
      assert.equal(l.type, undefined, 'the old {"type":…} lines are gone');
    }
    const listening = parsedLines(server).find((l) => l.event === 'listening');
    assert.equal(listening.port, server.port);
    assert.equal(listening.level, 'info');
  });

  it('a REST call is one access line: method, path without the query, status, duration, remote, user', async () => {
    const sub = user('rest');
    const res = await h.rest(server.url, 'GET', '/api/scans?limit=5', { token: tokenFor(server, sub) });
    assert.equal(res.status, 200);
    const line = await logLine(server, (l) => l.event === 'request' && l.user === sub, 'the request line');
    assert.equal(line.level, 'info');
    assert.equal(line.method, 'GET');
    assert.equal(line.path, '/api/scans');
    assert.equal(line.status, 200);
    assert.equal(typeof line.duration_ms, 'number');
    assert.ok(line.duration_ms >= 0 && line.duration_ms < 5000, JSON.stringify(line));
    assert.equal(line.remote, '127.0.0.1');
  });

  it('a refused token names its code, the peer and the claimed sub, never the token', async () => {
    const sub = user('expired');
    const now = Math.floor(Date.now() / 1000);
    const expired = tokenFor(server, sub, { iat: now - 7200, exp: now - 3600 });
    const err = await h.connectError(server.url, { token: expired });
    assert.equal(err.data.code, 'token_expired');
    const onSocket = await logLine(server, (l) => l.event === 'token_refused' && l.sub === sub, 'token_refused (socket)');
    assert.equal(onSocket.level, 'warn');
    assert.equal(onSocket.via, 'socket');
    assert.equal(onSocket.code, 'token_expired');
    assert.equal(onSocket.remote, '127.0.0.1');
    assert.equal(typeof onSocket.sid, 'string');

    const forged = h.mintToken('another secret', { sub: `${sub}-forged` });
    assert.equal((await h.rest(server.url, 'GET', '/api/scans', { token: forged })).status, 401);
    const onRest = await logLine(server, (l) => l.event === 'token_refused' && l.sub === `${sub}-forged`, 'token_refused (rest)');
    assert.equal(onRest.via, 'rest');
    assert.equal(onRest.code, 'token_invalid');
    const refusedRequest = await logLine(server, (l) => l.event === 'request' && l.status === 401, 'the 401 request line');
    assert.equal(refusedRequest.user, undefined, 'no user for a refused call');

    assert.equal((await h.rest(server.url, 'GET', '/api/scans')).status, 401);
    await logLine(server, (l) => l.event === 'token_refused' && l.via === 'rest' && l.code === 'token_missing', 'token_missing');
    for (const t of [expired, forged]) {
      for (const part of t.split('.')) assert.ok(!server.stderr().includes(part), 'a token (or a part of it) was logged');
    }
  });

  it('a closed session says whose it was, on which transport and why; nothing per event at info', async () => {
    const sub = user('closer');
    const s = await h.connectJoined(server.url, tokenFor(server, sub));
    const sid = s.io.engine.id;
    assert.equal((await h.emitAck(s, 'scan:create', h.newScan())).ok, true);
    s.disconnect();
    const line = await logLine(server, (l) => l.event === 'session_closed' && l.sid === sid, 'session_closed');
    assert.equal(line.level, 'info');
    assert.equal(line.user, sub);
    assert.equal(line.transport, 'websocket');
    assert.equal(line.reason, 'transport close');
    const lines = parsedLines(server);
    assert.ok(!lines.some((l) => l.level === 'debug'), 'no debug line at the default level');
    assert.ok(!lines.some((l) => l.event === 'ack'), 'no line per socket event at info');
  });
});

describe('--log-level', () => {
  it('debug adds a line per socket event; error leaves only errors', { timeout: 20000 }, async () => {
    const debug = await h.startServer({ args: ['--log-level', 'debug'] });
    try {
      const s = await h.connectJoined(debug.url, tokenFor(debug, user('debug')));
      try { assert.equal((await h.emitAck(s, 'scan:create', h.newScan())).ok, true); } finally { s.disconnect(); }
      const ack = await logLine(debug, (l) => l.event === 'ack' && l.socket_event === 'scan:create', 'the ack line');
      assert.equal(ack.level, 'debug');
      assert.equal(ack.result, 'ok');
      await logLine(debug, (l) => l.event === 'room_joined', 'room_joined');
      await logLine(debug, (l) => l.event === 'batch_committed', 'batch_committed');
    } finally { await stopClean(debug); }

    const quiet = await h.startServer({ args: ['--log-level', 'error'] });
    try {
      assert.equal((await h.rest(quiet.url, 'GET', '/api/scans', { token: tokenFor(quiet, user('quiet')) })).status, 200);
      assert.equal((await h.rest(quiet.url, 'GET', '/api/scans')).status, 401);
    } finally { await stopClean(quiet); }
    const levels = parsedLines(quiet).map((l) => l.level);
    assert.deepEqual(levels.filter((l) => l !== 'error'), [], quiet.stderr());
  });

  it('a bad value is a usage error (exit 2)', () => {
    const r = spawnSync(process.env.SCANSYNC_BIN || path.join(h.REPO, 'build', 'src', 'cli', 'scansync'),
      ['gateway', '--log-level', 'verbose'], { encoding: 'utf8', timeout: 20000 });
    assert.equal(r.status, 2, JSON.stringify(r));
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 2, r.stderr);
    assert.match(lines[0], /^scansync gateway: --log-level: verbose not in/);
    assert.match(lines[1], /^usage: scansync gateway/);
  });
});

// ---- /metrics through python3-prometheus-client's parser ----
const PYTHON = '/usr/bin/python3';  // Debian's: python3-prometheus-client is installed for it (scripts/setup.sh)
const PARSER = `
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = {}
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        out.setdefault(s.name, []).append({"labels": s.labels, "value": s.value, "type": family.type})
print(json.dumps(out))
`;
const parserMissing = (() => {
  const r = spawnSync(PYTHON, ['-c', 'import prometheus_client.parser'], { encoding: 'utf8' });
  return r.status === 0 ? '' : `no Prometheus parser (${PYTHON} -c 'import prometheus_client'): run scripts/setup.sh`;
})();

function parseMetrics(text) {
  const r = spawnSync(PYTHON, ['-c', PARSER], { input: text, encoding: 'utf8', timeout: 20000 });
  assert.equal(r.status, 0, `the parser refused the exposition:\n${r.stderr}\n${text}`);
  return JSON.parse(r.stdout);
}

async function scrape(server) {
  const res = await h.withDeadline(fetch(`${server.url}/metrics`), h.DEFAULT_DEADLINE_MS, 'GET /metrics');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return parseMetrics(await res.text());
}

// The sample `name` whose labels include `labels`; 0 when absent.
function value(samples, name, labels = {}) {
  const match = (samples[name] || []).find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return match ? match.value : 0;
}

describe('/metrics', () => {
  let server;
  before(async () => { server = await h.startServer(); });
  after(async () => { if (server) await stopClean(server); });

  it('parses as the text format, and its counters move with a create, a refused token and a REST call', async (t) => {
    if (parserMissing) return t.skip(parserMissing);
    const before = await scrape(server);
    assert.equal(value(before, 'scansync_tokens_refused_total', { via: 'socket', code: 'token_expired' }), 0);

    const sub = user('metrics');
    const s = await h.connectJoined(server.url, tokenFor(server, sub));
    try {
      assert.equal((await h.emitAck(s, 'scan:create', h.newScan())).ok, true);
      assert.equal((await h.emitAck(s, 'scan:delete', { id: h.newScan().id })).error, 'not_found');
      const now = Math.floor(Date.now() / 1000);
      await h.connectError(server.url, { token: tokenFor(server, sub, { iat: now - 7200, exp: now - 3600 }) });
      assert.equal((await h.rest(server.url, 'GET', '/api/scans', { token: tokenFor(server, sub) })).status, 200);
      assert.equal((await h.rest(server.url, 'GET', '/api/scans', { token: 'x.y.z' })).status, 401);

      const m = await scrape(server);
      const moved = (name, labels) => value(m, name, labels) - value(before, name, labels);
      assert.equal(moved('scansync_scans_created_total'), 1);
      assert.equal(moved('scansync_events_delivered_total'), 1, 'the creating socket, in its room, got the broadcast');
      assert.equal(moved('scansync_acks_total', { event: 'scan:create', result: 'ok' }), 1);
      assert.equal(moved('scansync_acks_total', { event: 'scan:delete', result: 'not_found' }), 1);
      assert.equal(moved('scansync_acks_total', { event: 'room:join', result: 'ok' }), 1);
      assert.equal(moved('scansync_tokens_refused_total', { via: 'socket', code: 'token_expired' }), 1);
      assert.equal(moved('scansync_tokens_refused_total', { via: 'rest', code: 'token_invalid' }), 1);
      assert.equal(moved('scansync_rest_requests_total', { class: '2xx' }), 1);
      assert.equal(moved('scansync_rest_requests_total', { class: '4xx' }), 1);
      assert.ok(moved('scansync_store_commit_seconds_count') >= 2, 'the create and the delete were committed');
      assert.equal(value(m, 'scansync_store_commit_seconds_bucket', { le: '+Inf' }), value(m, 'scansync_store_commit_seconds_count'));
      assert.ok(value(m, 'scansync_store_commit_seconds_sum') > 0);
      assert.equal(m.scansync_store_commit_seconds_bucket[0].type, 'histogram');
      assert.ok(value(m, 'scansync_sessions_open', { transport: 'websocket' }) >= 1);
      assert.ok(value(m, 'scansync_sockets_joined') >= 1);
      assert.ok(value(m, 'scansync_connections_open') >= 1);
      assert.ok(value(m, 'process_resident_memory_bytes') > 1 << 20);
      const started = value(m, 'process_start_time_seconds');
      assert.ok(Math.abs(started - Date.now() / 1000) < 600, `process_start_time_seconds ${started}`);
    } finally { s.disconnect(); }

    await until(async () => value(await scrape(server), 'scansync_sockets_joined') === 0, h.DEFAULT_DEADLINE_MS,
      'the socket to leave its room');
    const closed = await scrape(server);
    assert.ok(value(closed, 'scansync_sessions_closed_total', { reason: 'transport close' }) >= 1);
  });
});

// ---- /readyz ----
async function readyz(server) {
  const res = await h.withDeadline(fetch(`${server.url}/readyz`), h.DEFAULT_DEADLINE_MS, 'GET /readyz');
  return { status: res.status, json: await res.json() };
}

describe('/readyz', () => {
  it('is ready while the store takes writes, not while another process holds its write lock, and ready again after',
    { timeout: 20000 }, async () => {
      const server = await h.startServer();
      let holder;
      try {
        assert.deepEqual(await readyz(server), { status: 200, json: { status: 'ok' } });
        assert.equal((await h.rest(server.url, 'GET', '/healthz')).status, 200);
        // sqlite3 answers each statement at once on its stdout: "held" means it has the lock.
        holder = spawn('sqlite3', [path.join(server.dataDir, 'scansync.db')], { stdio: ['pipe', 'pipe', 'pipe'] });
        let said = '';
        holder.stdout.on('data', (d) => { said += d; });
        holder.stderr.on('data', (d) => { said += d; });
        holder.stdin.write(".timeout 5000\nBEGIN IMMEDIATE;\nSELECT 'held';\n");
        await until(() => said.includes('held'), h.DEFAULT_DEADLINE_MS, `sqlite3 to take the write lock (it said: ${said})`);
        const locked = await until(async () => { const r = await readyz(server); return r.status === 503 && r; },
          h.DEFAULT_DEADLINE_MS, '/readyz to answer 503 while the lock is held');
        assert.equal(locked.json.status, 'unavailable');
        assert.equal(locked.json.reason, 'locked');
        assert.match(locked.json.detail, /store write probe/);
        await logLine(server, (l) => l.event === 'not_ready' && l.reason === 'locked', 'the not_ready line');
        assert.equal((await h.rest(server.url, 'GET', '/healthz')).status, 200, 'alive, only not ready');

        const exited = new Promise((resolve) => holder.once('exit', resolve));
        holder.stdin.end('ROLLBACK;\n');
        await h.withDeadline(exited, h.DEFAULT_DEADLINE_MS, 'sqlite3 to exit');
        holder = undefined;
        assert.deepEqual(await readyz(server), { status: 200, json: { status: 'ok' } });
        await logLine(server, (l) => l.event === 'ready', 'the ready line');
        const s = await h.connectJoined(server.url, tokenFor(server, user('after-lock')));
        try { assert.equal((await h.emitAck(s, 'scan:create', h.newScan())).ok, true); } finally { s.disconnect(); }
      } finally {
        if (holder) holder.kill('SIGKILL');
        await stopClean(server);
      }
    });

  describe('on a full disk', () => {
    let mnt;
    let why = '';
    before(() => {
      mnt = h.tempDir('scansync-e2e-readyz-');
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt], { stdio: 'pipe' });
      } catch (e) {
        why = `cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN): ${String(e.stderr || e.message).trim()}`;
        mnt = undefined;
      }
    });
    after(() => {
      if (!mnt) return;
      try { execFileSync('umount', [mnt], { stdio: 'pipe' }); } catch { execFileSync('umount', ['-l', mnt], { stdio: 'pipe' }); }
    });

    it('answers 503 disk_full while the data folder\'s file system is full, 200 once space is free', { timeout: 20000 }, async (t) => {
      if (!mnt) return t.skip(why);
      const server = await h.startServer({ dataDir: mnt });
      try {
        assert.deepEqual(await readyz(server), { status: 200, json: { status: 'ok' } });
        const fill = path.join(mnt, 'fill');
        const fd = fs.openSync(fill, 'w');
        try {
          for (const size of [65536, 4096, 512, 1]) {
            const chunk = Buffer.alloc(size, 1);
            try { for (;;) fs.writeSync(fd, chunk); } catch (e) { assert.equal(e.code, 'ENOSPC'); }
          }
        } finally { fs.closeSync(fd); }
        const full = await readyz(server);
        assert.equal(full.status, 503);
        assert.equal(full.json.reason, 'disk_full');
        assert.match(full.json.detail, /bytes free/);
        fs.unlinkSync(fill);
        assert.deepEqual(await readyz(server), { status: 200, json: { status: 'ok' } });
      } finally { await stopClean(server); }
    });
  });
});
