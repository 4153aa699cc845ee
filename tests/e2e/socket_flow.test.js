'use strict';
// The real-time contract through the official socket.io-client 4.8.1, once
// over the default transports (HTTP long-polling, then upgrade to WebSocket)
// and once over WebSocket only.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const h = require('./lib/harness');

let server;
before(async () => { server = await startServerOnce(); });
after(async () => {
  const r = await server.stop();
  assert.equal(r.code, 0, `gateway exit after SIGTERM: ${JSON.stringify(r)}\n${server.stderr()}`);
});
function startServerOnce() { return h.startServer(); }

const freshUser = (label) => `${label}-${crypto.randomBytes(4).toString('hex')}`;

// Sockets opened by a test are closed at its end, pass or fail.
function tracker() {
  const sockets = [];
  return {
    async connect(token, o) { const s = await h.connectJoined(server.url, token, o); sockets.push(s); return s; },
    async connectOnly(o) { const s = await h.connectClient(server.url, o); sockets.push(s); return s; },
    close() { for (const s of sockets) s.disconnect(); },
  };
}

const scanFields = (p) => ({ id: p.id, code: p.code, format: p.format, deviceId: p.deviceId, createdAt: p.createdAt });

for (const [mode, transports] of Object.entries(h.TRANSPORTS)) {
  describe(`transport ${mode}`, () => {
    it('connects with the token in auth and joins the user room', async () => {
      const t = tracker();
      try {
        const user = freshUser('alice');
        const s = await t.connectOnly({ token: h.mintToken(server.secret, { sub: user }), transports });
        assert.equal(s.initialTransport, transports[0]);
        const ack = await h.emitAck(s, 'room:join', {});
        assert.deepEqual(ack, { ok: true, room: `user:${user}` });
        if (transports.length > 1) {
          // The official client probes and upgrades to WebSocket by itself.
          if (s.io.engine.transport.name !== 'websocket') await h.waitEvent(s.io.engine, 'upgrade');
          assert.equal(s.io.engine.transport.name, 'websocket');
          // The session still works after the upgrade.
          const again = await h.emitAck(s, 'room:join', {});
          assert.deepEqual(again, { ok: true, room: `user:${user}` });
        }
      } finally { t.close(); }
    });

    it('scan:create acks the stored scan and broadcasts it to every socket of the user, originator included', async () => {
      const t = tracker();
      try {
        const user = freshUser('alice');
        const token = h.mintToken(server.secret, { sub: user });
        const a = await t.connect(token, { transports });
        const b = await t.connect(token, { transports });
        const ra = h.recorder(a, 'scan:created');
        const rb = h.recorder(b, 'scan:created');
        const p = h.newScan();
        const ack = await h.emitAck(a, 'scan:create', p);
        assert.equal(ack.ok, true, JSON.stringify(ack));
        assert.deepEqual(scanFields(ack.scan), scanFields(p));
        assert.equal(ack.scan.userId, user);
        assert.ok(Number.isInteger(ack.scan.seq) && ack.scan.seq >= 1, `seq ${ack.scan.seq}`);
        assert.deepEqual((await ra.waitFor(1))[0], ack.scan);
        assert.deepEqual((await rb.waitFor(1))[0], ack.scan);

        // Same id again: the stored scan, same seq, and no second broadcast.
        // The next create is the fence: events reach a socket in order, so a
        // duplicate broadcast would arrive before it.
        const dup = await h.emitAck(a, 'scan:create', { ...p, code: 'something else' });
        assert.deepEqual(dup, { ok: true, scan: ack.scan });
        const fence = await h.emitAck(b, 'scan:create', h.newScan());
        assert.equal(fence.ok, true);
        assert.equal(fence.scan.seq, ack.scan.seq + 1, 'seq is gapless');
        assert.deepEqual(await ra.waitFor(2), [ack.scan, fence.scan]);
        assert.deepEqual(await rb.waitFor(2), [ack.scan, fence.scan]);
      } finally { t.close(); }
    });

    it('scan:delete acks the seq, broadcasts scan:deleted, is idempotent, and reports unknown ids', async () => {
      const t = tracker();
      try {
        const user = freshUser('alice');
        const token = h.mintToken(server.secret, { sub: user });
        const a = await t.connect(token, { transports });
        const b = await t.connect(token, { transports });
        const created = await h.emitAck(a, 'scan:create', h.newScan());
        assert.equal(created.ok, true);
        const rb = h.recorder(b, 'scan:deleted');
        const ra = h.recorder(a, 'scan:deleted');
        const del = await h.emitAck(a, 'scan:delete', { id: created.scan.id });
        assert.deepEqual(del, { ok: true, seq: created.scan.seq + 1 });
        for (const r of [ra, rb]) {
          const [ev] = await r.waitFor(1);
          assert.equal(ev.id, created.scan.id);
          assert.equal(ev.userId, user);
          assert.equal(ev.seq, del.seq);
          assert.equal(typeof ev.deletedAt, 'string');
          assert.ok(!Number.isNaN(Date.parse(ev.deletedAt)), `deletedAt ${ev.deletedAt}`);
        }
        const again = await h.emitAck(b, 'scan:delete', { id: created.scan.id });
        assert.deepEqual(again, { ok: true, seq: del.seq });
        const unknown = await h.emitAck(a, 'scan:delete', { id: crypto.randomUUID() });
        assert.deepEqual(unknown, { ok: false, error: 'not_found' });
        // Fence: one more create; no second scan:deleted came before its broadcast.
        const rc = h.recorder(a, 'scan:created');
        await h.emitAck(a, 'scan:create', h.newScan());
        await rc.waitFor(1);
        assert.equal(ra.items.length, 1);
      } finally { t.close(); }
    });

    it('sync:since pages through the changes in seq order with limit and hasMore', async () => {
      const t = tracker();
      try {
        const user = freshUser('pager');
        const a = await t.connect(h.mintToken(server.secret, { sub: user }), { transports });
        const scans = [];
        for (let i = 0; i < 7; i++) scans.push((await h.emitAck(a, 'scan:create', h.newScan())).scan);
        const del = await h.emitAck(a, 'scan:delete', { id: scans[1].id });
        assert.equal(del.ok, true);

        const first = await h.emitAck(a, 'sync:since', { seq: 0, limit: 3 });
        assert.equal(first.ok, true);
        assert.equal(first.hasMore, true);
        assert.equal(first.latestSeq, del.seq);
        assert.equal(first.changes.length, 3);

        const all = await h.syncAll(a, 0, 3);
        assert.equal(all.latestSeq, del.seq);
        const seqs = all.changes.map((c) => (c.op === 'created' ? c.scan.seq : c.seq));
        assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), 'changes in seq order');
        assert.equal(new Set(seqs).size, seqs.length, 'no change twice');
        const createdIds = all.changes.filter((c) => c.op === 'created').map((c) => c.scan.id);
        assert.deepEqual(createdIds.sort(), scans.filter((_, i) => i !== 1).map((s) => s.id).sort());
        const deleted = all.changes.filter((c) => c.op === 'deleted');
        assert.equal(deleted.length, 1);
        assert.equal(deleted[0].id, scans[1].id);
        assert.equal(deleted[0].seq, del.seq);
        for (const c of all.changes.filter((x) => x.op === 'created')) {
          assert.deepEqual(c.scan, scans.find((s) => s.id === c.scan.id));
        }

        const tail = await h.emitAck(a, 'sync:since', { seq: del.seq, limit: 3 });
        assert.match(tail.epoch, /^[0-9a-f]{32}$/, 'the reply names the history it belongs to (contract: epoch)');
        assert.deepEqual(tail, { ok: true, changes: [], latestSeq: del.seq, epoch: tail.epoch, hasMore: false });
        assert.equal(all.changes.length > 0 && (await h.emitAck(a, 'sync:since', { seq: 0 })).epoch, tail.epoch, 'one epoch per history');
        const mid = await h.emitAck(a, 'sync:since', { seq: scans[4].seq, limit: 100 });
        assert.equal(mid.hasMore, false);
        assert.deepEqual(mid.changes.map((c) => c.scan && c.scan.id), [scans[5].id, scans[6].id, undefined]);
      } finally { t.close(); }
    });

    it('falls back to the handshake query token when auth is empty', async () => {
      const t = tracker();
      try {
        const user = freshUser('query');
        const token = h.mintToken(server.secret, { sub: user });
        const s = await t.connectOnly({ auth: {}, query: { token }, transports });
        assert.deepEqual(await h.emitAck(s, 'room:join', {}), { ok: true, room: `user:${user}` });
        const r = h.recorder(s, 'scan:created');
        const ack = await h.emitAck(s, 'scan:create', h.newScan());
        assert.deepEqual((await r.waitFor(1))[0], ack.scan);
      } finally { t.close(); }
    });

    it('delivers events only after room:join', async () => {
      const t = tracker();
      try {
        const user = freshUser('late');
        const token = h.mintToken(server.secret, { sub: user });
        const joined = await t.connect(token, { transports });
        const late = await t.connectOnly({ token, transports });
        const rl = h.recorder(late, 'scan:created');
        const rj = h.recorder(joined, 'scan:created');
        const first = await h.emitAck(joined, 'scan:create', h.newScan());
        await rj.waitFor(1);
        assert.deepEqual(await h.emitAck(late, 'room:join', {}), { ok: true, room: `user:${user}` });
        const second = await h.emitAck(joined, 'scan:create', h.newScan());
        assert.deepEqual(await rl.waitFor(1), [second.scan]);
        assert.notEqual(first.scan.id, second.scan.id);
      } finally { t.close(); }
    });

    it('refuses invalid scans with {"ok":false,"error":"invalid"} and broadcasts nothing', async () => {
      const t = tracker();
      try {
        const user = freshUser('invalid');
        const a = await t.connect(h.mintToken(server.secret, { sub: user }), { transports });
        const r = h.recorder(a, 'scan:created');
        const bad = [
          ['missing code', (() => { const p = h.newScan(); delete p.code; return p; })()],
          ['empty code', h.newScan({ code: '' })],
          ['code over 4096 bytes', h.newScan({ code: 'é'.repeat(2049) })],
          ['unknown format', h.newScan({ format: 'barcode-of-the-future' })],
          ['id not a string', h.newScan({ id: 42 })],
          ['payload not an object', 'just a string'],
        ];
        for (const [what, payload] of bad) {
          const ack = await h.emitAck(a, 'scan:create', payload);
          assert.equal(ack.ok, false, `${what}: ${JSON.stringify(ack)}`);
          assert.equal(ack.error, 'invalid', `${what}: ${JSON.stringify(ack)}`);
          assert.equal(typeof ack.detail, 'string', `${what}: detail`);
        }
        // 4096 bytes exactly is fine (2048 two-byte characters).
        const edge = await h.emitAck(a, 'scan:create', h.newScan({ code: 'é'.repeat(2048), format: 'datamatrix' }));
        assert.equal(edge.ok, true, JSON.stringify(edge).slice(0, 200));
        assert.equal(edge.scan.seq, 1, 'no seq consumed by refused creates');
        assert.deepEqual(await r.waitFor(1), [edge.scan]);
      } finally { t.close(); }
    });
  });
}

describe('fan-out', () => {
  it('60 sockets of one user over all transports receive 40 pipelined creates, each once, in seq order', async () => {
    const t = tracker();
    try {
      const user = freshUser('fan');
      const token = h.mintToken(server.secret, { sub: user });
      const modes = Object.values(h.TRANSPORTS);
      const sockets = await Promise.all(Array.from({ length: 60 }, (_, i) => t.connect(token, { transports: modes[i % modes.length] })));
      const recs = sockets.map((s) => h.recorder(s, 'scan:created'));
      const creator = sockets[0];
      const acks = await Promise.all(Array.from({ length: 40 }, () => h.emitAck(creator, 'scan:create', h.newScan())));
      assert.ok(acks.every((a) => a.ok), JSON.stringify(acks.find((a) => !a.ok)));
      const bySeq = acks.map((a) => a.scan).sort((x, y) => x.seq - y.seq);
      assert.deepEqual(bySeq.map((s) => s.seq), Array.from({ length: 40 }, (_, i) => i + 1));
      for (const r of recs) assert.deepEqual(await r.waitFor(40, 15000), bySeq);
      // Fence: one more; nobody got a duplicate before it.
      const last = await h.emitAck(creator, 'scan:create', h.newScan());
      for (const r of recs) assert.deepEqual((await r.waitFor(41, 15000)).slice(40), [last.scan]);
    } finally { t.close(); }
  });
});

