'use strict';
// The REST API: every status the contract lists, the {"error":{code,message}}
// body, and REST changes reaching the user's sockets.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const http = require('node:http');
const h = require('./lib/harness');

let server;
before(async () => { server = await h.startServer(); });
after(async () => {
  const r = await server.stop();
  assert.equal(r.code, 0, `exit after SIGTERM: ${JSON.stringify(r)}`);
});

const user = (label) => `${label}-${crypto.randomBytes(4).toString('hex')}`;
const tokenFor = (sub, claims = {}) => h.mintToken(server.secret, { sub, ...claims });

function assertError(res, status) {
  assert.equal(res.status, status, `status (body ${res.text.slice(0, 200)})`);
  assert.ok(res.json && typeof res.json === 'object', `JSON error body: ${res.text.slice(0, 200)}`);
  assert.ok(res.json.error && typeof res.json.error === 'object', `error object: ${res.text.slice(0, 200)}`);
  assert.equal(typeof res.json.error.code, 'string');
  assert.ok(res.json.error.code.length > 0);
  assert.equal(typeof res.json.error.message, 'string');
}

function assertJson(res) {
  assert.match(res.headers.get('content-type') || '', /application\/json/);
}

// A request whose body the server may refuse before reading it all: the
// status line is what matters, a reset after it is acceptable.
function rawRequest(method, p, headers, body) {
  return h.withDeadline(new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, method, path: p, headers });
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      const done = () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, text, json, headers: new Headers(res.headers) });
      };
      res.on('end', done);
      res.on('error', done);
      res.on('aborted', done);
    });
    req.on('error', reject);
    req.end(body);
  }), h.DEFAULT_DEADLINE_MS, `${method} ${p}`);
}

describe('GET /healthz', () => {
  it('→ 200 without a token', async () => {
    const res = await h.rest(server.url, 'GET', '/healthz');
    assert.equal(res.status, 200);
  });
});

describe('401', () => {
  const cases = [
    ['no Authorization header', undefined, {}],
    ['empty bearer', '', {}],
    ['bad signature', h.mintToken('wrong-secret', { sub: 'alice' }), {}],
    ['expired', null, { exp: -60 }],
    ['garbage', 'garbage', {}],
  ];
  for (const [what, token, claims] of cases) {
    for (const [method, p, body] of [['GET', '/api/scans'], ['POST', '/api/scans', h.newScan()], ['DELETE', `/api/scans/${crypto.randomUUID()}`]]) {
      it(`${method} ${p.slice(0, 10)} with ${what} → 401`, async () => {
        let t = token;
        if (t === null) t = tokenFor('alice', { exp: Math.floor(Date.now() / 1000) + claims.exp });
        assertError(await h.rest(server.url, method, p, { token: t, body }), 401);
      });
    }
  }
  it('Basic instead of Bearer → 401', async () => {
    const res = await h.rest(server.url, 'GET', '/api/scans', { headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } });
    assertError(res, 401);
  });
});

describe('scans over REST', () => {
  it('POST → 201 with the scan, again → 200 with the same scan; the socket sees one scan:created', async () => {
    const sub = user('rest');
    const token = tokenFor(sub);
    const s = await h.connectJoined(server.url, token);
    try {
      const r = h.recorder(s, 'scan:created');
      const p = h.newScan({ format: 'ean13', code: '4006381333931' });
      const res = await h.rest(server.url, 'POST', '/api/scans', { token, body: p });
      assert.equal(res.status, 201, res.text);
      assertJson(res);
      assert.deepEqual({ ...res.json, seq: undefined, userId: undefined }, { ...p, seq: undefined, userId: undefined });
      assert.equal(res.json.userId, sub);
      assert.equal(res.json.seq, 1);
      const again = await h.rest(server.url, 'POST', '/api/scans', { token, body: { ...p, code: 'changed' } });
      assert.equal(again.status, 200, again.text);
      assert.deepEqual(again.json, res.json);
      const fence = await h.emitAck(s, 'scan:create', h.newScan());
      assert.equal(fence.scan.seq, 2);
      assert.deepEqual(await r.waitFor(2), [res.json, fence.scan]);
    } finally { s.disconnect(); }
  });

  it('GET /api/scans → live scans newest first with latestSeq; ?since&limit → the sync:since shape', async () => {
    const sub = user('list');
    const token = tokenFor(sub);
    const made = [];
    for (let i = 0; i < 5; i++) {
      const res = await h.rest(server.url, 'POST', '/api/scans', { token, body: h.newScan() });
      assert.equal(res.status, 201);
      made.push(res.json);
    }
    const del = await h.rest(server.url, 'DELETE', `/api/scans/${made[2].id}`, { token });
    assert.equal(del.status, 200, del.text);
    assert.deepEqual(del.json, { seq: 6 });

    const list = await h.rest(server.url, 'GET', '/api/scans', { token });
    assert.equal(list.status, 200);
    assertJson(list);
    assert.equal(list.json.latestSeq, 6);
    assert.deepEqual(list.json.scans, [made[4], made[3], made[1], made[0]]);

    const page = await h.rest(server.url, 'GET', '/api/scans?since=0&limit=2', { token });
    assert.equal(page.status, 200, page.text);
    assert.equal(page.json.hasMore, true);
    assert.equal(page.json.latestSeq, 6);
    assert.deepEqual(page.json.changes, [{ op: 'created', scan: made[0] }, { op: 'created', scan: made[1] }]);
    const rest = await h.rest(server.url, 'GET', '/api/scans?since=2&limit=10', { token });
    assert.equal(rest.json.hasMore, false);
    const ops = rest.json.changes.map((c) => [c.op, c.op === 'created' ? c.scan.id : c.id]);
    assert.deepEqual(ops, [['created', made[3].id], ['created', made[4].id], ['deleted', made[2].id]]);
  });

  it('DELETE → 200 {seq}; again → 200 same seq; unknown id → 404; the socket sees one scan:deleted', async () => {
    const sub = user('del');
    const token = tokenFor(sub);
    const s = await h.connectJoined(server.url, token);
    try {
      const r = h.recorder(s, 'scan:deleted');
      const created = await h.rest(server.url, 'POST', '/api/scans', { token, body: h.newScan() });
      const del = await h.rest(server.url, 'DELETE', `/api/scans/${created.json.id}`, { token });
      assert.equal(del.status, 200, del.text);
      assertJson(del);
      assert.deepEqual(del.json, { seq: created.json.seq + 1 });
      const [ev] = await r.waitFor(1);
      assert.equal(ev.id, created.json.id);
      assert.equal(ev.seq, del.json.seq);
      const again = await h.rest(server.url, 'DELETE', `/api/scans/${created.json.id}`, { token });
      assert.equal(again.status, 200, again.text);
      assert.deepEqual(again.json, del.json);
      assertError(await h.rest(server.url, 'DELETE', `/api/scans/${crypto.randomUUID()}`, { token }), 404);
      // Another user's id is unknown to this user.
      const other = tokenFor(user('other'));
      const theirs = await h.rest(server.url, 'POST', '/api/scans', { token: other, body: h.newScan() });
      assertError(await h.rest(server.url, 'DELETE', `/api/scans/${theirs.json.id}`, { token }), 404);
      const list = await h.rest(server.url, 'GET', '/api/scans', { token });
      assert.deepEqual(list.json.scans, []);
    } finally { s.disconnect(); }
  });
});

describe('400 and 413', () => {
  const token = () => tokenFor('bad-input');
  for (const [what, body] of [
    ['bad JSON', '{"id": "oops"'],
    ['not an object', '[1,2,3]'],
    ['empty body', ''],
    ['missing code', JSON.stringify({ ...h.newScan(), code: undefined })],
    ['unknown format', JSON.stringify(h.newScan({ format: 'nope' }))],
    ['code over 4096 bytes', JSON.stringify(h.newScan({ code: 'x'.repeat(4097) }))],
  ]) {
    it(`POST with ${what} → 400`, async () => {
      const res = await h.rest(server.url, 'POST', '/api/scans', { token: token(), body, headers: { 'content-type': 'application/json' } });
      assertError(res, 400);
    });
  }

  it('GET ?since=abc → 400', async () => {
    assertError(await h.rest(server.url, 'GET', '/api/scans?since=abc', { token: token() }), 400);
  });

  it('POST with a body over 1 MB → 413, and the server keeps serving', async () => {
    const big = JSON.stringify(h.newScan({ code: 'x'.repeat(1_500_000) }));
    const res = await rawRequest('POST', '/api/scans', {
      authorization: `Bearer ${token()}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(big),
    }, big);
    assertError(res, 413);
    assert.equal((await h.rest(server.url, 'GET', '/healthz')).status, 200);
  });

  it('unknown method on /api/scans → 4xx with the error body', async () => {
    const res = await h.rest(server.url, 'PUT', '/api/scans', { token: token(), body: h.newScan() });
    assert.ok([404, 405].includes(res.status), `status ${res.status}`);
    assertError(res, res.status);
  });

  it('unknown path → 404', async () => {
    assertError(await h.rest(server.url, 'GET', '/api/nothing-here', { token: token() }), 404);
  });
});

describe('429', { skip: process.env.SCANSYNC_E2E_SERVER === 'node' && 'the Node contract server has no rate limit' }, () => {
  let limited;
  before(async () => { limited = await h.startServer({ args: ['--rest-rate', '0.001', '--rest-burst', '3'] }); });
  after(async () => { await limited.stop(); });

  it('past the per-user burst → 429 rate_limited; another user is not affected', async () => {
    const alice = h.mintToken(limited.secret, { sub: user('busy') });
    for (let i = 0; i < 3; i++) {
      const ok = await h.rest(limited.url, 'GET', '/api/scans', { token: alice });
      assert.equal(ok.status, 200, ok.text);
    }
    const res = await h.rest(limited.url, 'GET', '/api/scans', { token: alice });
    assertError(res, 429);
    assert.equal(res.json.error.code, 'rate_limited');
    const bob = h.mintToken(limited.secret, { sub: user('calm') });
    assert.equal((await h.rest(limited.url, 'GET', '/api/scans', { token: bob })).status, 200);
  });
});
