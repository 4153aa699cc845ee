'use strict';
// Durability: an acked change survives a clean stop (SIGTERM) and a crash
// (SIGKILL sent the instant the ack arrives); the restarted gateway on the
// same data dir serves all of it and continues the seq without a gap.
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const h = require('./lib/harness');

const user = (label) => `${label}-${crypto.randomBytes(4).toString('hex')}`;
const seqOf = (c) => (c.op === 'created' ? c.scan.seq : c.seq);

// Emits scan:create and SIGKILLs the server from inside the ack callback, so
// nothing else runs between the ack and the kill.
function createThenKill(socket, server, payload) {
  return h.withDeadline(new Promise((resolve, reject) => {
    socket.timeout(h.DEFAULT_DEADLINE_MS).emit('scan:create', payload, (err, ack) => {
      if (err) return reject(err);
      server.child.kill('SIGKILL');
      resolve(ack);
    });
  }), h.DEFAULT_DEADLINE_MS + 100, 'scan:create ack before SIGKILL');
}

async function restart(old) {
  return h.startServer({ dataDir: old.dataDir, secret: old.secret });
}

describe('durability', () => {
  it('SIGTERM → exit 0; restart on the same data dir → sync:since returns every change', async () => {
    let server = await h.startServer();
    const sub = user('term');
    const token = h.mintToken(server.secret, { sub });
    let s = await h.connectJoined(server.url, token);
    const created = [];
    for (let i = 0; i < 30; i++) created.push((await h.emitAck(s, 'scan:create', h.newScan())).scan);
    const deletions = [];
    for (const i of [3, 17]) deletions.push(await h.emitAck(s, 'scan:delete', { id: created[i].id }));
    const before = await h.syncAll(s, 0);
    s.disconnect();
    const exit = await server.stop();
    assert.deepEqual(exit, { code: 0, signal: null }, server.stderr());

    server = await restart(server);
    try {
      s = await h.connectJoined(server.url, token);
      const after = await h.syncAll(s, 0, 7);
      assert.deepEqual(after, before);
      assert.equal(after.latestSeq, 32);
      assert.equal(after.changes.filter((c) => c.op === 'created').length, 28);
      const next = await h.emitAck(s, 'scan:create', h.newScan());
      assert.equal(next.scan.seq, 33, 'seq continues without a gap after restart');
      // Idempotence survives the restart too.
      const dup = await h.emitAck(s, 'scan:create', { ...created[0], seq: undefined, userId: undefined });
      assert.deepEqual(dup, { ok: true, scan: created[0] });
      const list = await h.rest(server.url, 'GET', '/api/scans', { token });
      assert.equal(list.json.scans.length, 29);
      s.disconnect();
    } finally { await server.stop(); }
  });

  it('50 creates, SIGKILL the instant the last ack arrives → restart → all 50 present', async () => {
    let server = await h.startServer();
    const sub = user('kill');
    const token = h.mintToken(server.secret, { sub });
    const s = await h.connectJoined(server.url, token);
    const acked = [];
    for (let i = 0; i < 49; i++) acked.push((await h.emitAck(s, 'scan:create', h.newScan())).scan);
    const last = await createThenKill(s, server, h.newScan());
    acked.push(last.scan);
    const exit = await server.exited;
    assert.equal(exit.signal, 'SIGKILL');
    s.disconnect();

    server = await restart(server);
    try {
      const s2 = await h.connectJoined(server.url, token);
      const all = await h.syncAll(s2, 0);
      assert.equal(all.latestSeq, 50);
      assert.deepEqual(all.changes.map((c) => c.scan), acked);
      s2.disconnect();
    } finally { await server.stop(); }
  });

  it('pipelined creates: 50 in flight, SIGKILL when the 50th ack arrives → all 50 present', async () => {
    let server = await h.startServer();
    const sub = user('pipe');
    const token = h.mintToken(server.secret, { sub });
    const s = await h.connectJoined(server.url, token);
    const payloads = Array.from({ length: 50 }, () => h.newScan());
    const acks = [];
    await h.withDeadline(new Promise((resolve, reject) => {
      for (const p of payloads) {
        s.timeout(h.DEFAULT_DEADLINE_MS).emit('scan:create', p, (err, ack) => {
          if (err) return reject(err);
          acks.push(ack);
          if (acks.length === payloads.length) {
            server.child.kill('SIGKILL');
            resolve();
          }
        });
      }
    }), h.DEFAULT_DEADLINE_MS * 2, '50 pipelined acks');
    await server.exited;
    s.disconnect();
    assert.ok(acks.every((a) => a.ok === true), JSON.stringify(acks.find((a) => !a.ok)));

    server = await restart(server);
    try {
      const s2 = await h.connectJoined(server.url, token);
      const all = await h.syncAll(s2, 0);
      const ids = new Set(all.changes.map((c) => c.scan.id));
      assert.equal(all.changes.length, 50);
      for (const p of payloads) assert.ok(ids.has(p.id), `scan ${p.id} lost`);
      assert.deepEqual(all.changes.map(seqOf), Array.from({ length: 50 }, (_, i) => i + 1));
      s2.disconnect();
    } finally { await server.stop(); }
  });

  it('SIGKILL after every ack, 10 rounds (creates, deletes, REST) → everything acked is present', async () => {
    let server = await h.startServer();
    const sub = user('rounds');
    const token = h.mintToken(server.secret, { sub });
    const live = new Map();
    let latest = 0;
    try {
      for (let round = 0; round < 10; round++) {
        const s = await h.connectJoined(server.url, token);
        // Each round sees the previous rounds' changes, then makes one more.
        const all = await h.syncAll(s, 0);
        assert.equal(all.latestSeq, latest, `round ${round}: latestSeq`);
        const seen = new Map(all.changes.filter((c) => c.op === 'created').map((c) => [c.scan.id, c.scan]));
        assert.deepEqual(seen, live, `round ${round}: live scans`);
        if (round % 3 === 2) {
          const res = await h.rest(server.url, 'POST', '/api/scans', { token, body: h.newScan() });
          assert.equal(res.status, 201);
          server.child.kill('SIGKILL');
          live.set(res.json.id, res.json);
          latest = res.json.seq;
        } else if (round % 3 === 1) {
          const victim = [...live.keys()][0];
          const ack = await h.withDeadline(new Promise((resolve, reject) => {
            s.timeout(h.DEFAULT_DEADLINE_MS).emit('scan:delete', { id: victim }, (err, a) => {
              if (err) return reject(err);
              server.child.kill('SIGKILL');
              resolve(a);
            });
          }), h.DEFAULT_DEADLINE_MS + 100, 'scan:delete ack');
          assert.equal(ack.ok, true);
          live.delete(victim);
          latest = ack.seq;
        } else {
          const ack = await createThenKill(s, server, h.newScan());
          live.set(ack.scan.id, ack.scan);
          latest = ack.scan.seq;
        }
        await server.exited;
        s.disconnect();
        server = await restart(server);
      }
    } finally { await server.stop(); }
  });

  // The official server's close() ends sessions without a Socket.IO
  // DISCONNECT, so clients reconnect; a gateway restart (deploy) must not
  // leave every client disconnected for good.
  it('after SIGTERM the official client reconnects to the restarted gateway and catches up', async () => {
    let server = await h.startServer();
    const sub = user('redeploy');
    const token = h.mintToken(server.secret, { sub });
    const s = await h.connectClient(server.url, { token, reconnection: true });
    try {
      assert.equal((await h.emitAck(s, 'room:join', {})).ok, true);
      const first = await h.emitAck(s, 'scan:create', h.newScan());
      const reason = h.waitEvent(s, 'disconnect');
      const port = server.port;
      await server.stop();
      const [why] = await reason;
      assert.notEqual(why, 'io server disconnect', 'the gateway sent a Socket.IO DISCONNECT on shutdown: clients will not reconnect');
      const back = h.waitEvent(s, 'connect', 15000);
      server = await h.startServer({ dataDir: server.dataDir, secret: server.secret, port });
      await back;
      assert.equal((await h.emitAck(s, 'room:join', {})).ok, true);
      const all = await h.syncAll(s, 0);
      assert.deepEqual(all.changes.map((c) => c.scan), [first.scan]);
    } finally {
      s.disconnect();
      if (server.running()) await server.stop();
    }
  });
});
