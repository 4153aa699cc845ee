'use strict';
// Several gateway nodes on one PostgreSQL (--store) and one Redis
// (--fanout), all real and on loopback: a change made through any node
// reaches the user's sockets on every node once, with the store's seq;
// Redis restarts cost latency, never a change; PostgreSQL down answers
// `unavailable` and acks nothing it did not commit.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const h = require('./lib/harness');
const { Postgres, Redis } = require('./lib/cluster_servers');

const skip = !Postgres.available() ? 'PostgreSQL server binaries not installed'
  : !Redis.available() ? 'redis-server not installed' : false;

let pg, redis, nodes = [];
const secret = crypto.randomBytes(32).toString('hex');
const user = (label) => `${label}-${crypto.randomBytes(4).toString('hex')}`;
const tokenFor = (sub) => h.mintToken(secret, { sub });
const seqOf = (change) => (change.op === 'created' ? change.scan.seq : change.seq);

before(async () => {
  if (skip) return;
  [pg, redis] = await Promise.all([Postgres.start(), Redis.start()]);
  const store = pg.createDatabase('scansync_cluster');
  nodes = await Promise.all([0, 1, 2].map(() => h.startServer({ secret, args: ['--store', store, '--fanout', redis.url] })));
});
after(async () => {
  for (const n of nodes) await n.stop();
  if (redis) await redis.kill();
  if (pg) pg.stopServer();
});

// Waits until `check()` holds, asking again every 50 ms (for state the test
// cannot subscribe to: a node's /healthz, PostgreSQL coming back), failing
// after the deadline with `what`.
async function until(check, what, ms = 15000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function healthy(node) {
  const res = await h.rest(node.url, 'GET', '/healthz');
  return res.json && res.json.store && res.json.store.up && res.json.fanout && res.json.fanout.up;
}

describe('several nodes', { skip }, () => {
  it('a scan created on B (socket or REST) reaches a socket on A once, with the same seq', async () => {
    await until(async () => (await Promise.all(nodes.map(healthy))).every(Boolean), 'every node up on PostgreSQL and Redis');
    const alice = user('alice');
    const onA = await h.connectJoined(nodes[0].url, tokenFor(alice));
    const onB = await h.connectJoined(nodes[1].url, tokenFor(alice));
    const seenA = h.recorder(onA, 'scan:created');
    const seenB = h.recorder(onB, 'scan:created');
    // The subscription may come into effect after the join's ack: the node
    // backfills what was published before, so nothing is lost either way.
    const first = h.newScan();
    const ack = await h.emitAck(onB, 'scan:create', first);
    assert.equal(ack.ok, true, JSON.stringify(ack));
    const second = await h.rest(nodes[1].url, 'POST', '/api/scans', { token: tokenFor(alice), body: h.newScan() });
    assert.equal(second.status, 201, second.text);
    const got = await seenA.waitFor(2, 10000);
    assert.deepEqual(got.map((s) => s.seq), [ack.scan.seq, second.json.seq]);
    assert.deepEqual(got.map((s) => s.id), [first.id, second.json.id]);
    await seenB.waitFor(2, 10000);
    // Once: a third change comes next, nothing repeated meanwhile.
    const third = await h.rest(nodes[2].url, 'POST', '/api/scans', { token: tokenFor(alice), body: h.newScan() });
    await seenA.waitFor(3, 10000);
    assert.deepEqual(seenA.items.map((s) => s.seq), [ack.scan.seq, second.json.seq, third.json.seq]);
    onA.disconnect();
    onB.disconnect();
  });

  it('two users never see each other\'s scans on any node', async () => {
    const alice = user('alice'), bob = user('bob');
    const bobs = await Promise.all(nodes.map((n) => h.connectJoined(n.url, tokenFor(bob))));
    const alices = await Promise.all(nodes.map((n) => h.connectJoined(n.url, tokenFor(alice))));
    const bobSeen = bobs.map((s) => h.recorder(s, 'scan:created'));
    const aliceSeen = alices.map((s) => h.recorder(s, 'scan:created'));
    for (const [i, s] of alices.entries()) assert.equal((await h.emitAck(s, 'scan:create', h.newScan())).ok, true, `node ${i}`);
    // bob's own scan last: once every bob socket has it, alice's would have come before.
    assert.equal((await h.emitAck(bobs[0], 'scan:create', h.newScan())).ok, true);
    await Promise.all(bobSeen.map((r) => r.waitFor(1, 10000)));
    await Promise.all(aliceSeen.map((r) => r.waitFor(3, 10000)));
    for (const r of bobSeen) assert.ok(r.items.every((s) => s.userId === bob), JSON.stringify(r.items));
    for (const r of aliceSeen) assert.ok(r.items.every((s) => s.userId === alice), JSON.stringify(r.items));
    for (const s of [...bobs, ...alices]) s.disconnect();
  });

  it('concurrent creates for one user through every node: seq gapless, no duplicate id', async () => {
    const carol = user('carol');
    const sockets = await Promise.all(nodes.map((n) => h.connectJoined(n.url, tokenFor(carol))));
    const scans = Array.from({ length: 60 }, () => h.newScan());
    const acks = await Promise.all(scans.map((s, i) => h.emitAck(sockets[i % sockets.length], 'scan:create', s, 10000)));
    assert.ok(acks.every((a) => a.ok === true), JSON.stringify(acks.find((a) => !a.ok)));
    const seqs = acks.map((a) => a.scan.seq).sort((x, y) => x - y);
    assert.deepEqual(seqs, Array.from({ length: 60 }, (_, i) => i + 1), 'gapless from 1');
    const { changes } = await h.syncAll(sockets[1]);
    assert.equal(new Set(changes.map((c) => c.scan.id)).size, 60);
    for (const s of sockets) s.disconnect();
  });

  it('Redis killed (SIGKILL) and restarted mid-stream: every socket gets every change once, in seq order', async () => {
    const dave = user('dave');
    const sockets = await Promise.all(nodes.map((n) => h.connectJoined(n.url, tokenFor(dave))));
    const seen = sockets.map((s) => h.recorder(s, 'scan:created'));
    const writer = sockets[1];
    const total = 30;
    for (let i = 0; i < total; i++) {
      if (i === 10) {
        await redis.kill();
        await until(async () => {
          const { json } = await h.rest(nodes[1].url, 'GET', '/healthz');
          return json.ok === true && json.fanout.engine === 'redis' && json.fanout.up === false &&
            typeof json.fanout.error === 'string';
        }, '/healthz to say the fan-out is down');
      }
      if (i === 20) await redis.startServer();
      const ack = await h.emitAck(writer, 'scan:create', h.newScan());
      assert.equal(ack.ok, true, `create ${i} while Redis ${i >= 10 && i < 20 ? 'down' : 'up'}: ${JSON.stringify(ack)}`);
    }
    for (const [i, r] of seen.entries()) {
      await r.waitFor(total, 20000).catch(async (e) => {
        // What the node says of its fan-out and backfills, and which seqs it has.
        const { json } = await h.rest(nodes[i].url, 'GET', '/healthz');
        throw new Error(`node ${i}: ${e.message}; seqs ${JSON.stringify(r.items.map((s) => s.seq))}; ` +
          `/healthz ${JSON.stringify(json)}`);
      });
      assert.deepEqual(r.items.map((s) => s.seq), Array.from({ length: total }, (_, k) => k + 1), `node ${i}: once, in order`);
    }
    for (const s of sockets) s.disconnect();
  });

  it('PostgreSQL stopped and started: nothing acked that was not committed; service resumes by itself', async () => {
    const erin = user('erin');
    const socket = await h.connectJoined(nodes[0].url, tokenFor(erin), { reconnection: true });
    assert.equal((await h.emitAck(socket, 'scan:create', h.newScan())).ok, true);
    pg.stopServer();
    const acked = [];
    let refused = 0;
    for (let i = 0; i < 5; i++) {
      const scan = h.newScan();
      const ack = await h.emitAck(socket, 'scan:create', scan);
      if (ack.ok) acked.push(scan.id);
      else { assert.equal(ack.error, 'unavailable', JSON.stringify(ack)); refused++; }
    }
    assert.equal(refused, 5, 'the server is down: nothing can be committed');
    const res = await h.rest(nodes[1].url, 'POST', '/api/scans', { token: tokenFor(erin), body: h.newScan() });
    assert.equal(res.status, 503, res.text);
    pg.startServer();
    let resumed;
    await until(async () => {
      resumed = await h.emitAck(socket, 'scan:create', h.newScan());
      return resumed.ok === true;
    }, 'a create succeeding again after PostgreSQL came back', 20000);
    const { changes } = await h.syncAll(socket);
    assert.equal(changes.length, 2 + acked.length);
    assert.deepEqual(changes.map(seqOf), [1, 2]);
    socket.disconnect();
  });
});
