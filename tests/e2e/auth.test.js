'use strict';
// Authentication and isolation: the CONNECT_ERROR matrix of the contract,
// iss/aud checks, the user's room only, and two users who never see each
// other's scans.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { execFileSync } = require('node:child_process');
const h = require('./lib/harness');
const { scansyncBin } = require('./lib/watch');

let server;       // no --iss/--aud
let strict;       // --iss scansync-e2e --aud scansync-app
before(async () => {
  server = await h.startServer();
  strict = await h.startServer({ iss: 'scansync-e2e', aud: 'scansync-app' });
});
after(async () => {
  const results = await Promise.all([server.stop(), strict.stop()]);
  for (const r of results) assert.equal(r.code, 0, `exit after SIGTERM: ${JSON.stringify(r)}`);
});

const now = () => Math.floor(Date.now() / 1000);
const user = (label) => `${label}-${crypto.randomBytes(4).toString('hex')}`;

async function refusedWith(srv, code, o) {
  const err = await h.connectError(srv.url, o);
  assert.equal(err.message, 'unauthorized', `connect_error message (data ${JSON.stringify(err.data)})`);
  assert.deepEqual(err.data, { code });
}

describe('CONNECT refusals', () => {
  for (const [mode, transports] of Object.entries(h.TRANSPORTS)) {
    it(`no token → token_missing (${mode})`, async () => {
      await refusedWith(server, 'token_missing', { auth: {}, transports });
    });
    it(`expired token → token_expired (${mode})`, async () => {
      const token = h.mintToken(server.secret, { sub: user('a'), iat: now() - 7200, exp: now() - 60 });
      await refusedWith(server, 'token_expired', { token, transports });
    });
  }

  it('empty token string → token_missing', async () => {
    await refusedWith(server, 'token_missing', { auth: { token: '' } });
  });

  it('signature made with another secret → token_invalid', async () => {
    await refusedWith(server, 'token_invalid', { token: h.mintToken('not-the-secret', { sub: user('a') }) });
  });

  it('tampered payload → token_invalid', async () => {
    const [hd, , sig] = h.mintToken(server.secret, { sub: 'alice' }).split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'bob', exp: now() + 3600 })).toString('base64url');
    await refusedWith(server, 'token_invalid', { token: `${hd}.${forged}.${sig}` });
  });

  it('alg none → token_invalid', async () => {
    const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const body = enc({ sub: user('a'), exp: now() + 3600 });
    await refusedWith(server, 'token_invalid', { token: `${enc({ alg: 'none', typ: 'JWT' })}.${body}.` });
    await refusedWith(server, 'token_invalid', { token: `${enc({ alg: 'none' })}.${body}` });
  });

  it('HS512 (any alg but HS256) → token_invalid', async () => {
    const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const input = `${enc({ alg: 'HS512', typ: 'JWT' })}.${enc({ sub: user('a'), exp: now() + 3600 })}`;
    const sig = crypto.createHmac('sha512', server.secret).update(input).digest('base64url');
    await refusedWith(server, 'token_invalid', { token: `${input}.${sig}` });
  });

  for (const garbage of ['garbage', 'a.b.c', '...', 'eyJhbGciOiJIUzI1NiJ9.%%%.zzz', 'x'.repeat(8000)]) {
    it(`garbage token ${JSON.stringify(garbage.slice(0, 24))} → token_invalid`, async () => {
      await refusedWith(server, 'token_invalid', { token: garbage });
    });
  }

  it('token not a string → refused', async () => {
    const err = await h.connectError(server.url, { auth: { token: 12345 } });
    assert.equal(err.message, 'unauthorized');
    assert.ok(['token_invalid', 'token_missing'].includes(err.data && err.data.code), JSON.stringify(err.data));
  });

  it('missing sub or exp → token_invalid', async () => {
    await refusedWith(server, 'token_invalid', { token: h.mintToken(server.secret, {}) });
    await refusedWith(server, 'token_invalid', { token: h.mintToken(server.secret, { sub: user('a'), exp: undefined }) });
  });

  it('nbf in the future → refused as token_invalid', async () => {
    await refusedWith(server, 'token_invalid', { token: h.mintToken(server.secret, { sub: user('a'), nbf: now() + 3600 }) });
  });

  it('the gateway keeps serving after refusals: the next good client connects', async () => {
    await refusedWith(server, 'token_missing', { auth: {} });
    const s = await h.connectJoined(server.url, h.mintToken(server.secret, { sub: user('ok') }));
    s.disconnect();
  });
});

describe('iss and aud when the gateway is configured with them', () => {
  const good = { iss: 'scansync-e2e', aud: 'scansync-app' };
  it('matching iss and aud → connects', async () => {
    const s = await h.connectJoined(strict.url, h.mintToken(strict.secret, { sub: user('a'), ...good }));
    s.disconnect();
  });
  it('aud as an array containing the audience → connects', async () => {
    const s = await h.connectJoined(strict.url, h.mintToken(strict.secret, { sub: user('a'), ...good, aud: ['other', 'scansync-app'] }));
    s.disconnect();
  });
  for (const [what, claims] of [
    ['wrong iss', { ...good, iss: 'someone-else' }],
    ['wrong aud', { ...good, aud: 'other-app' }],
    ['missing iss', { aud: good.aud }],
    ['missing aud', { iss: good.iss }],
  ]) {
    it(`${what} → token_invalid`, async () => {
      await refusedWith(strict, 'token_invalid', { token: h.mintToken(strict.secret, { sub: user('a'), ...claims }) });
    });
  }
  it('without --iss/--aud the claims are not checked', async () => {
    const s = await h.connectJoined(server.url, h.mintToken(server.secret, { sub: user('a'), iss: 'anyone', aud: 'anything' }));
    s.disconnect();
  });
});

describe('isolation between users', () => {
  it("room:join naming another user's room → forbidden, and nothing of that user arrives", async () => {
    const alice = user('alice');
    const bob = user('bob');
    const sockets = [];
    try {
      const a = await h.connectClient(server.url, { token: h.mintToken(server.secret, { sub: alice }) });
      sockets.push(a);
      const ra = h.recorder(a, 'scan:created');
      assert.deepEqual(await h.emitAck(a, 'room:join', { room: `user:${bob}` }), { ok: false, error: 'forbidden' });
      const b = await h.connectJoined(server.url, h.mintToken(server.secret, { sub: bob }));
      sockets.push(b);
      await h.emitAck(b, 'scan:create', h.newScan());
      // Fence: alice joins her own room and creates; she sees exactly her own scan.
      assert.deepEqual(await h.emitAck(a, 'room:join', {}), { ok: true, room: `user:${alice}` });
      const mine = await h.emitAck(a, 'scan:create', h.newScan());
      assert.deepEqual(await ra.waitFor(1), [mine.scan]);
    } finally { for (const s of sockets) s.disconnect(); }
  });

  for (const [mode, transports] of Object.entries(h.TRANSPORTS)) {
    it(`alice creates 20 scans; bob receives none and syncs none (${mode})`, async () => {
      const alice = user('alice');
      const bob = user('bob');
      const sockets = [];
      try {
        const connect = async (sub) => {
          const s = await h.connectJoined(server.url, h.mintToken(server.secret, { sub }), { transports });
          sockets.push(s);
          return s;
        };
        const [a1, a2, b1, b2] = [await connect(alice), await connect(alice), await connect(bob), await connect(bob)];
        const ra = h.recorder(a2, 'scan:created');
        const rb1 = h.recorder(b1, 'scan:created');
        const rb2 = h.recorder(b2, 'scan:created');
        const rbd = h.recorder(b1, 'scan:deleted');
        const acks = [];
        for (let i = 0; i < 20; i++) acks.push(await h.emitAck(a1, 'scan:create', h.newScan()));
        assert.ok(acks.every((x) => x.ok === true && x.scan.userId === alice));
        assert.deepEqual(await ra.waitFor(20), acks.map((x) => x.scan));
        await h.emitAck(a1, 'scan:delete', { id: acks[0].scan.id });

        // Bob cannot reach alice's scans by id either.
        assert.deepEqual(await h.emitAck(b1, 'scan:delete', { id: acks[1].scan.id }), { ok: false, error: 'not_found' });
        const stolen = await h.emitAck(b1, 'scan:create', h.newScan({ id: acks[2].scan.id, code: 'bob-code' }));
        if (stolen.ok) {
          assert.equal(stolen.scan.userId, bob, "bob's create with alice's id must not return alice's scan");
          assert.equal(stolen.scan.code, 'bob-code');
        }

        const bobSync = await h.syncAll(b1, 0);
        const bobCreated = bobSync.changes.filter((c) => c.op === 'created');
        assert.ok(bobCreated.every((c) => c.scan.userId === bob), JSON.stringify(bobSync).slice(0, 300));
        assert.equal(bobSync.changes.filter((c) => c.op === 'deleted').length, 0);
        if (!stolen.ok) assert.deepEqual(bobSync.changes, []);

        // Fence for bob: his own create arrives; nothing of alice's came before it.
        const own = await h.emitAck(b2, 'scan:create', h.newScan());
        const expectedBob = stolen.ok ? [stolen.scan, own.scan] : [own.scan];
        assert.deepEqual(await rb1.waitFor(expectedBob.length), expectedBob);
        assert.deepEqual(await rb2.waitFor(expectedBob.length), expectedBob);
        assert.equal(rbd.items.length, 0);

        const aliceSync = await h.syncAll(a2, 0);
        assert.equal(aliceSync.changes.length, 20);
        assert.ok(aliceSync.changes.every((c) => (c.op === 'created' ? c.scan.userId === alice : true)));
      } finally { for (const s of sockets) s.disconnect(); }
    });
  }
});

describe('tokens from `scansync token`', () => {
  const mint = (args) => execFileSync(scansyncBin(), ['token', ...args], { encoding: 'utf8', timeout: 10000 }).trim();

  it('a token minted with the same secret file is accepted; its sub names the room', async () => {
    const sub = user('cli');
    const s = await h.connectClient(server.url, { token: mint(['--user', sub, '--ttl', '1h', '--jwt-secret-file', server.secretFile]) });
    try {
      assert.deepEqual(await h.emitAck(s, 'room:join', {}), { ok: true, room: `user:${sub}` });
    } finally { s.disconnect(); }
  });

  it('iss/aud from the command line satisfy a gateway that checks them', async () => {
    const token = mint(['--user', user('cli'), '--jwt-secret-file', strict.secretFile, '--iss', 'scansync-e2e', '--aud', 'scansync-app']);
    const s = await h.connectJoined(strict.url, token);
    s.disconnect();
  });

  it("without a secret file the gateway's dev secret in DATA/jwt-secret is shared with `scansync token --data`", async () => {
    if (process.env.SCANSYNC_E2E_SERVER === 'node') return;  // the gateway's own behaviour
    const data = h.tempDir();
    const srv = await startWithoutSecret(data);
    try {
      const sub = user('dev');
      const s = await h.connectJoined(srv.url, mint(['--user', sub, '--data', data]));
      s.disconnect();
      await refusedWith(srv, 'token_invalid', { token: h.mintToken('some-other-secret', { sub }) });
    } finally { await srv.stop(); }
  });
});

// A gateway started without --jwt-secret-file (the harness always passes one).
async function startWithoutSecret(data) {
  const { spawn } = require('node:child_process');
  const readline = require('node:readline');
  const child = spawn(scansyncBin(), ['gateway', '--host', '127.0.0.1', '--port', '0', '--data', data], { stdio: ['ignore', 'pipe', 'ignore'] });
  h.liveChildren.add(child);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => { h.liveChildren.delete(child); resolve({ code, signal }); }));
  const port = await h.withDeadline(new Promise((resolve) => readline.createInterface({ input: child.stdout }).on('line', (l) => {
    try { const m = JSON.parse(l); if (m.type === 'listening') resolve(m.port); } catch { /* other output */ }
  })), 10000, 'listening line');
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => { child.kill('SIGTERM'); return h.withDeadline(exited, 5000, 'gateway exit'); },
  };
}

