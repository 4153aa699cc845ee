'use strict';
// The server API key (issue 11): a backend with `Authorization: Bearer <key>`
// and `Scansync-User: <user>` uses REST on a user's behalf, and the user's
// sockets receive what it does exactly like the user's own changes. A user's
// JWT never acts for another user; the key never opens a socket; a key file
// the gateway cannot trust stops it at start. `scansync api-key` makes keys.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const h = require('./lib/harness');
const { scansyncBin } = require('./lib/watch');

const run = (args) => {
  const r = spawnSync(scansyncBin(), args, { encoding: 'utf8', timeout: 20000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const user = (label) => `${label}-${crypto.randomBytes(4).toString('hex')}`;

// A key file made by `scansync api-key new`: { file, key }.
function newKeyFile() {
  const file = path.join(h.tempDir('scansync-api-key-'), 'api-keys');
  const r = run(['api-key', 'new', '--api-key-file', file]);
  assert.equal(r.code, 0, r.stderr);
  return { file, key: r.stdout.trim(), stderr: r.stderr };
}

let server;  // started with --api-key-file
let key;
before(async () => {
  const made = newKeyFile();
  key = made.key;
  // The user's REST bucket is tiny, so that the key's own bucket shows.
  server = await h.startServer({ args: ['--api-key-file', made.file, '--rest-rate', '0.001', '--rest-burst', '3'] });
});
after(async () => {
  const r = await server.stop();
  assert.equal(r.code, 0, `exit after SIGTERM: ${JSON.stringify(r)}`);
});

const asUser = (sub) => ({ headers: { 'scansync-user': sub }, token: key });
const tokenFor = (sub) => h.mintToken(server.secret, { sub });

function assertError(res, status, code) {
  assert.equal(res.status, status, `status (body ${res.text.slice(0, 300)})`);
  assert.equal(typeof res.json?.error?.message, 'string', res.text);
  assert.equal(res.json.error.code, code, res.text);
}

// A request with several fields of one name (fetch would join them into one).
function rawGet(p, headers) {
  return h.withDeadline(new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, method: 'GET', path: p, headers });
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, text, json });
      });
    });
    req.on('error', reject);
    req.end();
  }), h.DEFAULT_DEADLINE_MS, `GET ${p}`);
}

describe('REST with the server API key', () => {
  it("user A's socket receives the scan the backend created for A, once, with the right seq; B receives nothing", async () => {
    const [a, b] = [user('a'), user('b')];
    const sa = await h.connectJoined(server.url, tokenFor(a));
    const sb = await h.connectJoined(server.url, tokenFor(b));
    try {
      const ra = h.recorder(sa, 'scan:created');
      const rb = h.recorder(sb, 'scan:created');
      const own = await h.emitAck(sa, 'scan:create', h.newScan());
      assert.equal(own.scan.seq, 1);
      const p = h.newScan({ deviceId: 'import-job' });
      const res = await h.rest(server.url, 'POST', '/api/scans', { ...asUser(a), body: p });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.json.userId, a);
      assert.equal(res.json.seq, 2, 'the next seq of A, after its own scan');
      const again = await h.rest(server.url, 'POST', '/api/scans', { ...asUser(a), body: p });
      assert.equal(again.status, 200, 'the same id again: the stored scan, nothing new');
      // Fences: a change after the backend's, on each socket. What arrives
      // before it is everything the backend's calls broadcast there.
      const fenceA = await h.emitAck(sa, 'scan:create', h.newScan());
      const fenceB = await h.emitAck(sb, 'scan:create', h.newScan());
      assert.deepEqual(await ra.waitFor(3), [own.scan, res.json, fenceA.scan]);
      assert.deepEqual(await rb.waitFor(1), [fenceB.scan]);
      assert.equal(fenceB.scan.seq, 1, "B's history is untouched");
    } finally {
      sa.disconnect();
      sb.disconnect();
    }
  });

  it("deletes and lists act on A's scans too, and the delete reaches A's socket", async () => {
    const a = user('a');
    const sa = await h.connectJoined(server.url, tokenFor(a));
    try {
      const deleted = h.recorder(sa, 'scan:deleted');
      const made = [];
      for (let i = 0; i < 3; i++) {
        const res = await h.rest(server.url, 'POST', '/api/scans', { ...asUser(a), body: h.newScan() });
        assert.equal(res.status, 201, res.text);
        made.push(res.json);
      }
      const del = await h.rest(server.url, 'DELETE', `/api/scans/${made[1].id}`, asUser(a));
      assert.equal(del.status, 200, del.text);
      assert.deepEqual(del.json, { seq: 4 });
      const [event] = await deleted.waitFor(1);
      assert.equal(event.id, made[1].id);
      assert.equal(event.userId, a);
      assert.equal(event.seq, 4);
      const list = await h.rest(server.url, 'GET', '/api/scans', asUser(a));
      assert.equal(list.status, 200, list.text);
      assert.deepEqual(list.json.scans.map((s) => s.id), [made[2].id, made[0].id]);
      assert.equal(list.json.latestSeq, 4);
      const since = await h.rest(server.url, 'GET', '/api/scans?since=2', asUser(a));
      assert.equal(since.status, 200, since.text);
      assert.deepEqual(since.json.changes.map((c) => c.op), ['created', 'deleted']);
      const mine = await h.rest(server.url, 'GET', '/api/scans', { token: tokenFor(a) });
      assert.deepEqual(mine.json.scans, list.json.scans, "what A's own token lists");
    } finally { sa.disconnect(); }
  });

  it('a wrong key → 401 token_invalid, and nothing is created', async () => {
    const a = user('a');
    const wrong = key.slice(0, -1) + (key.endsWith('0') ? '1' : '0');
    for (const token of [wrong, key + '0', key.slice(1), 'ssk_' + 'f'.repeat(64)]) {
      const res = await h.rest(server.url, 'POST', '/api/scans', { token, headers: { 'scansync-user': a }, body: h.newScan() });
      assertError(res, 401, 'token_invalid');
      assert.equal(res.headers.get('www-authenticate'), 'Bearer');
    }
    const list = await h.rest(server.url, 'GET', '/api/scans', { token: tokenFor(a) });
    assert.equal(list.json.latestSeq, 0);
  });

  it('the key without Scansync-User → 400; with an id that is not one → 400; with the header twice → 400', async () => {
    assertError(await h.rest(server.url, 'GET', '/api/scans', { token: key }), 400, 'invalid');
    assertError(await h.rest(server.url, 'POST', '/api/scans', { token: key, body: h.newScan() }), 400, 'invalid');
    for (const bad of ['a b', 'x'.repeat(257), 'caf\u00e9']) {  // é goes out as one byte, 0xe9
      const res = await rawGet('/api/scans', { authorization: `Bearer ${key}`, 'scansync-user': bad });
      assertError(res, 400, 'invalid');
      assert.match(res.json.error.message, /^Scansync-User: not a user id/);
    }
    const padded = await rawGet('/api/scans', { authorization: `Bearer ${key}`, 'scansync-user': '  alice\t' });
    assert.equal(padded.status, 200, 'the whitespace around a field value is not part of it (RFC 9110)');
    const empty = await rawGet('/api/scans', { authorization: `Bearer ${key}`, 'scansync-user': '' });
    assertError(empty, 400, 'invalid');
    const twice = await rawGet('/api/scans', { authorization: `Bearer ${key}`, 'scansync-user': ['alice', 'bob'] });
    assertError(twice, 400, 'invalid');
    assert.equal(twice.json.error.message, 'Scansync-User: given more than once');
  });

  it("a user's JWT with Scansync-User naming another user → 403, and the other user's scans are untouched", async () => {
    const [a, b] = [user('a'), user('b')];
    const sa = await h.connectJoined(server.url, tokenFor(a));
    try {
      const ra = h.recorder(sa, 'scan:created');
      const asB = { token: tokenFor(b), headers: { 'scansync-user': a } };
      assertError(await h.rest(server.url, 'POST', '/api/scans', { ...asB, body: h.newScan() }), 403, 'forbidden');
      assertError(await h.rest(server.url, 'GET', '/api/scans', asB), 403, 'forbidden');
      const fence = await h.emitAck(sa, 'scan:create', h.newScan());
      assert.equal(fence.scan.seq, 1, "nothing was created for A");
      assert.deepEqual(await ra.waitFor(1), [fence.scan]);
      const own = await h.rest(server.url, 'GET', '/api/scans', { token: tokenFor(b), headers: { 'scansync-user': b } });
      assert.equal(own.status, 200, 'naming oneself is fine');
      assert.deepEqual(own.json.scans, []);
    } finally { sa.disconnect(); }
  });

  it("the key has a bucket of its own: a user past its REST rate does not hold back the backend acting for it", async () => {
    const a = user('a');
    for (let i = 0; i < 3; i++) {
      assert.equal((await h.rest(server.url, 'GET', '/api/scans', { token: tokenFor(a) })).status, 200);
    }
    assertError(await h.rest(server.url, 'GET', '/api/scans', { token: tokenFor(a) }), 429, 'rate_limited');
    for (let i = 0; i < 5; i++) {
      const res = await h.rest(server.url, 'POST', '/api/scans', { ...asUser(a), body: h.newScan() });
      assert.equal(res.status, 201, res.text);
    }
  });

  it('the first use of a key is logged once, naming its position and never the key', async () => {
    for (let i = 0; i < 2; i++) {
      assert.equal((await h.rest(server.url, 'GET', '/api/scans', asUser(user('log')))).status, 200);
    }
    const used = server.stderrLines.filter((l) => l.includes('"api_key_used"'));
    assert.equal(used.length, 1, server.stderr());
    const { time, ...rest } = JSON.parse(used[0]);
    assert.match(time, /Z$/);
    assert.deepEqual(rest, {
      level: 'info', event: 'api_key_used', key: 1, keys: 1, detail: 'first use since start (key number in file order)',
    });
    assert.ok(!server.stderr().includes(key), 'the key is never logged');
  });
});

describe('sockets are for users', () => {
  for (const [mode, transports] of Object.entries(h.TRANSPORTS)) {
    it(`the key as the CONNECT token → token_invalid (${mode})`, async () => {
      const err = await h.connectError(server.url, { auth: { token: key }, transports });
      assert.equal(err.message, 'unauthorized');
      assert.deepEqual(err.data, { code: 'token_invalid' });
    });
  }
  it('the key in the handshake query → token_invalid', async () => {
    const err = await h.connectError(server.url, { auth: {}, query: { token: key } });
    assert.deepEqual(err.data, { code: 'token_invalid' });
  });
});

describe('without --api-key-file', () => {
  it('there is no API key access: a key is a bearer token that is not a JWT (401)', async () => {
    const plain = await h.startServer();
    try {
      const res = await h.rest(plain.url, 'GET', '/api/scans', { token: key, headers: { 'scansync-user': 'alice' } });
      assertError(res, 401, 'token_invalid');
    } finally {
      assert.equal((await plain.stop()).code, 0);
    }
  });
});

describe('a key file the gateway cannot trust stops it at start (exit 1, naming the file)', () => {
  // Runs the gateway with --api-key-file FILE; resolves with its exit code and stderr.
  function startWith(file) {
    const data = h.tempDir('scansync-api-key-gw-');
    const child = spawn(scansyncBin(), ['gateway', '--port', '0', '--data', data, '--api-key-file', file],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    h.liveChildren.add(child);
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.stdout.on('data', (d) => { stdout += d; });
    return h.withDeadline(new Promise((resolve) => child.once('exit', (code) => {
      h.liveChildren.delete(child);
      resolve({ code, stderr, stdout });
    })), 10000, `the gateway to exit with ${file}`);
  }
  const write = (text, mode) => {
    const file = path.join(h.tempDir('scansync-api-key-bad-'), 'api-keys');
    fs.writeFileSync(file, text);
    fs.chmodSync(file, mode);
    return file;
  };

  const cases = [
    ['readable by others (0644)', () => write(`${'k'.repeat(40)}\n`, 0o644), /mode 0644 lets group or others at it; chmod 600/],
    ['readable by the group (0640)', () => write(`${'k'.repeat(40)}\n`, 0o640), /mode 0640/],
    ['empty', () => write('', 0o600), /holds no key \(empty\)/],
    ['comments only', () => write('# no key yet\n\n', 0o600), /holds no key/],
    ['a line that is not a key', () => write(`${'k'.repeat(40)}\nshort\n`, 0o600), /line 2: 5 characters, a key has at least 32/],
    ['missing', () => path.join(h.tempDir('scansync-api-key-bad-'), 'absent'), /cannot be read \(No such file or directory\)/],
  ];
  for (const [what, make, why] of cases) {
    it(what, async () => {
      const file = make();
      const r = await startWith(file);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, '', 'never listening');
      const line = JSON.parse(r.stderr.trim().split('\n').pop());
      assert.equal(line.level, 'error');
      assert.equal(line.event, 'start_failed');
      assert.equal(line.what, 'api_key_file');
      assert.ok(line.detail.startsWith(`${file}: `), line.detail);
      assert.match(line.detail, why);
    });
  }

  it('a key equal to the JWT secret', async () => {
    const data = h.tempDir('scansync-api-key-gw-');
    const secret = crypto.randomBytes(32).toString('hex');
    fs.writeFileSync(path.join(data, 'jwt-secret'), secret, { mode: 0o600 });
    const file = write(`${secret}\n`, 0o600);
    const r = spawnSync(scansyncBin(), ['gateway', '--port', '0', '--data', data, '--api-key-file', file], { encoding: 'utf8', timeout: 10000 });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /line 1 is the JWT secret; an API key must be a secret of its own/);
  });
});

describe('scansync api-key', () => {
  it('new: a 0600 file with one strong key, the key alone on stdout, the absolute path on stderr', () => {
    const { file, key: made, stderr } = newKeyFile();
    assert.match(made, /^ssk_[0-9a-f]{64}$/);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    assert.match(lines[0], /^# added \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ by scansync api-key new$/);
    assert.equal(lines[1], made);
    assert.equal(stderr.trimEnd().split('\n').length, 1, stderr);
    assert.ok(stderr.startsWith(`scansync api-key: created ${file} (mode 0600)`), stderr);
    assert.match(stderr, new RegExp(`--api-key-file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `));
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['api-keys'], 'no temporary file left');
  });

  it('new never overwrites: an existing file → exit 1, named, unchanged', () => {
    const { file } = newKeyFile();
    const before = fs.readFileSync(file, 'utf8');
    const r = run(['api-key', 'new', '--api-key-file', file]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /exists already; nothing changed \(to add a key to it: scansync api-key add --api-key-file /);
    assert.equal(fs.readFileSync(file, 'utf8'), before);
  });

  it('add: a second key for a rotation; after a restart both keys act, each for the user it names', async () => {
    const { file, key: first } = newKeyFile();
    const r = run(['api-key', 'add', '--api-key-file', file]);
    assert.equal(r.code, 0, r.stderr);
    const second = r.stdout.trim();
    assert.match(second, /^ssk_[0-9a-f]{64}$/);
    assert.notEqual(second, first);
    assert.match(r.stderr, /added a new key to \S+ \(now 2 keys\).*restart the gateway/);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const gw = await h.startServer({ args: ['--api-key-file', file] });
    try {
      for (const k of [first, second]) {
        const res = await h.rest(gw.url, 'GET', '/api/scans', { token: k, headers: { 'scansync-user': 'alice' } });
        assert.equal(res.status, 200, res.text);
      }
      assert.ok(gw.stderrLines.some((l) => l.includes('"event":"api_keys","count":2')), gw.stderr());
    } finally {
      assert.equal((await gw.stop()).code, 0);
    }
  });

  it('add refuses a file the gateway would refuse, saying why, and changes nothing', () => {
    const { file } = newKeyFile();
    fs.chmodSync(file, 0o644);
    const before = fs.readFileSync(file, 'utf8');
    const r = run(['api-key', 'add', '--api-key-file', file]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /cannot add a key to \S+: API key file may be read or written by group or others \(mode 0644/);
    assert.equal(fs.readFileSync(file, 'utf8'), before);
  });

  it('usage errors exit 2', () => {
    assert.equal(run(['api-key']).code, 2);
    assert.equal(run(['api-key', 'new']).code, 2, 'no --api-key-file');
  });
});
