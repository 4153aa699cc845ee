'use strict';
// The native C++ client end to end: `scansync watch --json` (NativeClient over
// Boost.Beast) against the gateway, with scans made by the official JS client
// and over REST.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const h = require('./lib/harness');
const { Watcher } = require('./lib/watch');

let server;
const watchers = [];
before(async () => { server = await h.startServer(); });
after(async () => {
  for (const w of watchers) await w.stop().catch(() => {});
  if (server.running()) await server.stop();
});

const user = (label) => `${label}-${crypto.randomBytes(4).toString('hex')}`;
function watch(sub, extra) {
  const w = new Watcher(server.url, h.mintToken(server.secret, { sub }), extra);
  watchers.push(w);
  return w;
}

describe('scansync watch (NativeClient)', () => {
  it('two watchers of a user both print a scan made by a JS device and one made over REST, once each', async () => {
    const sub = user('alice');
    const token = h.mintToken(server.secret, { sub });
    const [w1, w2] = [watch(sub), watch(sub)];
    await Promise.all([w1.waitConnected(), w2.waitConnected()]);
    const device = await h.connectJoined(server.url, token);
    try {
      const viaSocket = await h.emitAck(device, 'scan:create', h.newScan({ format: 'ean13', code: '4006381333931' }));
      assert.equal(viaSocket.ok, true);
      for (const w of [w1, w2]) assert.deepEqual((await w.waitEvent('scan:created', viaSocket.scan.id)).data, viaSocket.scan);
      const viaRest = await h.rest(server.url, 'POST', '/api/scans', { token, body: h.newScan() });
      assert.equal(viaRest.status, 201);
      for (const w of [w1, w2]) assert.deepEqual((await w.waitEvent('scan:created', viaRest.json.id)).data, viaRest.json);
      const del = await h.emitAck(device, 'scan:delete', { id: viaSocket.scan.id });
      for (const w of [w1, w2]) {
        const line = await w.waitEvent('scan:deleted', viaSocket.scan.id);
        assert.equal(line.data.seq, del.seq);
        assert.deepEqual(w.events('scan:created').map((s) => s.id), [viaSocket.scan.id, viaRest.json.id]);
      }
    } finally { device.disconnect(); }
    for (const w of [w1, w2]) assert.deepEqual(await w.stop(), { code: 0, signal: null });
  });

  it('a watcher started later catches up on earlier scans in seq order', async () => {
    const sub = user('late');
    const token = h.mintToken(server.secret, { sub });
    const made = [];
    for (let i = 0; i < 12; i++) made.push((await h.rest(server.url, 'POST', '/api/scans', { token, body: h.newScan() })).json);
    const w = watch(sub);
    await w.waitEvent('scan:created', made[11].id);
    assert.deepEqual(w.events('scan:created'), made);
    assert.deepEqual(await w.stop(), { code: 0, signal: null });
  });

  it("bob's watcher never prints alice's scans", async () => {
    const alice = user('alice');
    const bob = user('bob');
    const wb = watch(bob);
    await wb.waitConnected();
    const aliceToken = h.mintToken(server.secret, { sub: alice });
    for (let i = 0; i < 10; i++) await h.rest(server.url, 'POST', '/api/scans', { token: aliceToken, body: h.newScan() });
    const own = await h.rest(server.url, 'POST', '/api/scans', { token: h.mintToken(server.secret, { sub: bob }), body: h.newScan() });
    await wb.waitEvent('scan:created', own.json.id);
    assert.deepEqual(wb.events('scan:created'), [own.json]);
    await wb.stop();
  });

  it('a bad token ends the watcher with exit code 3 and a token_invalid error', async () => {
    const w = new Watcher(server.url, h.mintToken('wrong-secret', { sub: 'alice' }));
    watchers.push(w);
    const line = await w.waitLine((l) => l.type === 'error', 'error line');
    assert.equal(line.code, 'token_invalid');
    assert.equal((await h.withDeadline(w.exited, h.DEFAULT_DEADLINE_MS, 'watch exit')).code, 3);
    assert.ok(w.lines.some((l) => l.type === 'status' && l.status === 'disconnected' && l.reason === 'unauthorized'));
  });

  // A stop or crash of the gateway is not a decision to end the session: the
  // client reconnects (as it does after the official socket.io server's
  // close(), which sends no Socket.IO DISCONNECT) and catches up.
  for (const signal of ['SIGTERM', 'SIGKILL']) {
    it(`the watcher reconnects after a gateway ${signal} + restart and catches up`, async () => {
      let own = await h.startServer();
      try {
        const sub = user('restart');
        const token = h.mintToken(own.secret, { sub });
        const w = new Watcher(own.url, token);
        watchers.push(w);
        await w.waitConnected(1);
        const before = (await h.rest(own.url, 'POST', '/api/scans', { token, body: h.newScan() })).json;
        await w.waitEvent('scan:created', before.id);

        const port = own.port;
        if (signal === 'SIGTERM') await own.stop();
        else await own.kill();
        await w.waitLine((l) => l.type === 'status' && (l.status === 'reconnecting' || l.status === 'disconnected'), 'reconnecting');
        assert.ok(!w.lines.some((l) => l.type === 'status' && l.status === 'disconnected'),
          `the watcher gave up instead of reconnecting: ${JSON.stringify(w.lines.filter((l) => l.type === 'status'))}`);
        own = await h.startServer({ dataDir: own.dataDir, secret: own.secret, port });
        const after1 = (await h.rest(own.url, 'POST', '/api/scans', { token, body: h.newScan() })).json;
        assert.equal(after1.seq, before.seq + 1);
        await w.waitConnected(2, 15000);
        await w.waitEvent('scan:created', after1.id);
        const device = await h.connectJoined(own.url, token);
        try {
          const after2 = await h.emitAck(device, 'scan:create', h.newScan());
          await w.waitEvent('scan:created', after2.scan.id);
          assert.deepEqual(w.events('scan:created'), [before, after1, after2.scan]);
        } finally { device.disconnect(); }
        assert.deepEqual(await w.stop(), { code: 0, signal: null });
      } finally {
        if (own.running()) await own.stop();
      }
    });
  }
});
