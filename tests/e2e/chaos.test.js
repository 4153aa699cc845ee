'use strict';
// The real-process chaos run (issue 13, second half): the real `scansync
// gateway` and `scansync device` processes of two users, with a
// fault-injecting TCP proxy (loopback only) in front of each device, on
// seeded schedules: connections cut and stalled, new ones refused, devices
// offline and online, SIGKILL of devices and of the gateway (restarted on the
// same data folder and port). After each schedule, once quiet, the same
// invariants as scansync-sim (src/sim/README.md), checked on the devices'
// stores (`list`) and the gateway's REST: every device holds exactly the
// server's scans of its user, all synced, none twice, none of another user;
// every scan a device stored and nobody deleted is on the server; every
// outbox is empty; the user's seqs are gapless.
//
// A watcher per user (the official socket.io-client, reconnecting and
// joining again after each cut) records the live changes it is sent: each
// of its user, none twice, in seq order.
//
// Two setups: one gateway on its SQLite (CHAOS_SCHEDULES, default 20), and
// two gateway nodes on one PostgreSQL and one Redis (CHAOS_CLUSTER_SCHEDULES,
// default 6), where each new connection through a phone's proxy goes to the
// next node (as behind a load balancer) and "kill gateway" SIGKILLs one
// node. Schedules start at CHAOS_SEED (default 1); a failure names its seed:
// CHAOS_SEED=<seed> CHAOS_SCHEDULES=1 CHAOS_CLUSTER_SCHEDULES=0 replays it.
//
// The checks can fail: a last test breaks the gateway on purpose (a
// committed scan deleted from its database behind its back) and expects the
// run to report it.
const { describe, it, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const net = require('node:net');
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { io } = require('socket.io-client');
const h = require('./lib/harness');
const { Device, killAll, restScans } = require('./lib/device');
const { Postgres, Redis } = require('./lib/cluster_servers');

// Under ASan every process is several times slower: 5 schedules there check
// the same invariants on sanitized code; the plain build runs the 20.
const SANITIZED = process.env.SCANSYNC_SANITIZED === '1';
const envCount = (name, plain, sanitized) => Number(process.env[name] ?? (SANITIZED ? sanitized : plain));
const SCHEDULES = envCount('CHAOS_SCHEDULES', 20, 5);
const CLUSTER_SCHEDULES = envCount('CHAOS_CLUSTER_SCHEDULES', 6, 2);
const FIRST_SEED = Number(process.env.CHAOS_SEED || 1);
const QUIET_MS = 30000;
const clusterSkip = !Postgres.available() ? 'PostgreSQL server binaries not installed'
  : !Redis.available() ? 'redis-server not installed' : false;

const servers = [];
after(async () => {
  await killAll();
  for (const s of servers) if (s.running()) await s.kill().catch(() => {});
});

// mulberry32: a seed names the same schedule every time.
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)), pick: (xs) => xs[Math.floor(next() * xs.length)] };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// A TCP proxy to the gateway's port: cut() resets every connection through
// it, stall(ms) holds their bytes for a while, refuse(ms) resets new ones.
class FaultyProxy {
  constructor(target) {
    this.target = target;
    this.pairs = new Set();
    this.stalledUntil = 0;
    this.refusedUntil = 0;
    this.server = net.createServer((client) => this.accept(client));
  }
  listen() { return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve(this.server.address().port))); }
  accept(client) {
    if (Date.now() < this.refusedUntil) return client.resetAndDestroy();
    const upstream = net.connect(this.target(), '127.0.0.1');
    const pair = { client, upstream, held: [] };
    this.pairs.add(pair);
    const forward = (from, to) => from.on('data', (chunk) => {
      const wait = this.stalledUntil - Date.now();
      if (wait <= 0 && pair.held.length === 0) return to.write(chunk);
      pair.held.push([to, chunk]);
      if (pair.held.length === 1) setTimeout(() => this.release(pair), Math.max(wait, 0));
    });
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', end);
    }
  }
  release(pair) {
    const wait = this.stalledUntil - Date.now();
    if (wait > 0) return setTimeout(() => this.release(pair), wait);
    for (const [to, chunk] of pair.held.splice(0)) if (!to.destroyed) to.write(chunk);
  }
  cut() {
    for (const p of this.pairs) {
      if (!p.client.destroyed) p.client.resetAndDestroy();
      if (!p.upstream.destroyed) p.upstream.resetAndDestroy();
    }
    this.pairs.clear();
  }
  stall(ms) { this.stalledUntil = Date.now() + ms; }
  refuse(ms) { this.refusedUntil = Date.now() + ms; }
  heal() {
    this.stalledUntil = 0;
    this.refusedUntil = 0;
    for (const p of this.pairs) this.release(p);
  }
  close() {
    this.cut();
    return new Promise((resolve) => this.server.close(resolve));
  }
}

async function until(check, what, ms) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > end) throw new Error(`timed out after ${ms} ms: ${what}: ${e.message}`);
    }
    await sleep(100);
  }
}

// A user's watcher: the official client, reconnecting, joining again on
// every connect; what it was sent, in arrival order.
function startWatcher(url, token, user) {
  const w = { user, events: [], socket: null };
  w.socket = io(url, { auth: { token }, transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 500,
    timeout: 2000 });
  w.socket.on('connect', () => w.socket.emit('room:join', {}));
  w.socket.on('scan:created', (s) => w.events.push({ seq: s.seq, userId: s.userId, op: 'created' }));
  w.socket.on('scan:deleted', (d) => w.events.push({ seq: d.seq, userId: d.userId, op: 'deleted' }));
  return w;
}

function checkWatcher(w, what) {
  for (const e of w.events) assert.equal(e.userId, w.user, `${what}: the watcher of ${w.user} was sent a change of ${e.userId}`);
  const seqs = w.events.map((e) => e.seq);
  for (let i = 1; i < seqs.length; i++) {
    assert.ok(seqs[i] > seqs[i - 1], `${what}: the watcher of ${w.user} got seq ${seqs[i]} after ${seqs[i - 1]} (twice or out of order): ${seqs.join(',')}`);
  }
}

// The gateway(s) a run faults: one on SQLite, or two nodes on PostgreSQL + Redis.
class Gateways {
  static async single(secret) {
    const g = new Gateways(secret);
    g.nodes = [{ dataDir: h.tempDir(), args: [] }];
    await g.startAll();
    return g;
  }
  static async cluster(secret) {
    const g = new Gateways(secret);
    [g.pg, g.redis] = await Promise.all([Postgres.start(), Redis.start()]);
    const store = g.pg.createDatabase('scansync_chaos');
    g.nodes = [0, 1].map(() => ({ dataDir: h.tempDir(), args: ['--store', store, '--fanout', g.redis.url] }));
    await g.startAll();
    return g;
  }
  constructor(secret) {
    this.secret = secret;
    this.next = 0;
  }
  async startAll() {
    for (const n of this.nodes) await this.start(n);
  }
  async start(n) {
    n.server = await h.startServer({ dataDir: n.dataDir, secret: this.secret, port: n.port, args: n.args });
    n.port = n.server.port;
    servers.push(n.server);
  }
  // Where the next connection of a proxy goes: the nodes in turn.
  target() { return this.nodes[this.next++ % this.nodes.length].port; }
  get url() { return `http://127.0.0.1:${this.nodes[0].port}`; }
  async kill(r) {
    const n = r.pick(this.nodes);
    await n.server.kill();
    await sleep(r.int(50, 500));
    await this.start(n);
  }
  // The mutant: a committed scan of `user` deleted from the SQLite file
  // while the gateway is down, as a store bug would lose it.
  async loseRow(user) {
    const n = this.nodes[0];
    await n.server.stop();
    const db = path.join(n.dataDir, 'scansync.db');
    const out = execFileSync('sqlite3', [db, 'DELETE FROM scans WHERE (user, id) IN (SELECT user, id FROM scans ' +
      `WHERE user = '${user}' AND deleted_seq IS NULL ORDER BY seq LIMIT 1); SELECT changes();`]).toString().trim();
    if (out !== '1') throw new Error(`mutant: no live scan of ${user} to lose (sqlite3 printed ${out})`);
    await this.start(n);
  }
  async stop() {
    for (const n of this.nodes) await n.server.stop();
    if (this.redis) await this.redis.kill();
    if (this.pg) this.pg.stopServer();
  }
}

async function runSchedules({ gateways, secret, first, count, quietMs = QUIET_MS, mutant = null }) {
  const dir = h.tempDir();
  for (let seed = first; seed < first + count; seed++) {
    const r = rng(seed);
    const users = [`alice-${seed}-${crypto.randomBytes(3).toString('hex')}`, `bob-${seed}-${crypto.randomBytes(3).toString('hex')}`];
    const tokens = users.map((sub) => h.mintToken(secret, { sub }));
    const url = gateways.url;
    // alice: two phones, bob: one; a watcher each, through a proxy of its own.
    const phones = [];
    for (const [i, u] of [[0, 0], [1, 0], [2, 1]]) {
      const proxy = new FaultyProxy(() => gateways.target());
      const via = `http://127.0.0.1:${await proxy.listen()}`;
      const db = path.join(dir, `s${seed}-d${i}.db`);
      phones.push({ user: u, proxy, via, db, device: new Device(via, tokens[u], db), online: true });
    }
    const watchers = [];
    for (const u of [0, 1]) {
      const proxy = new FaultyProxy(() => gateways.target());
      const via = `http://127.0.0.1:${await proxy.listen()}`;
      watchers.push({ proxy, w: startWatcher(via, tokens[u], users[u]) });
    }
    try {
      await runSchedule({ r, seed, gateways, users, tokens, url, phones, watchers, quietMs, mutant });
    } finally {
      // Also after a failure: a watcher left reconnecting would keep the test process alive.
      for (const p of phones) {
        await p.device.quit().catch(() => p.device.kill());
        await p.proxy.close();
      }
      for (const { proxy, w } of watchers) {
        w.socket.disconnect();
        await proxy.close();
      }
    }
  }
}

async function runSchedule({ r, seed, gateways, users, tokens, url, phones, watchers, quietMs, mutant }) {
  const ledger = new Map();  // id → {user, code, deleted}
  let made = 0;
  const log = [];
  const restart = async (p) => {
    await p.device.kill();
    p.device = new Device(p.via, tokens[p.user], p.db);
    p.online = true;
  };
  const actions = r.int(10, 18);
  for (let n = 0; n < actions; n++) {
    await sleep(r.int(20, 250));
    const p = r.pick(phones);
    const x = r.next();
    if (x < 0.35) {
      const code = `c${seed}-${++made}`;
      const line = await p.device.command(`scan ${code}`, 'scanned').catch(() => null);
      if (line) ledger.set(line.scan.id, { user: p.user, code, deleted: false });
      log.push(`scan ${code}`);
    } else if (x < 0.45) {
      const mine = [...ledger].filter(([, e]) => e.user === p.user && !e.deleted);
      if (!mine.length) continue;
      const [id, entry] = r.pick(mine);
      const line = await p.device.command(`delete ${id}`, 'deleted').catch(() => null);
      if (line) entry.deleted = true;
      log.push(`delete ${id}`);
    } else if (x < 0.55) {
      p.proxy.cut();
      if (r.next() < 0.5) r.pick(watchers).proxy.cut();
      log.push('cut');
    } else if (x < 0.63) {
      p.proxy.stall(r.int(200, 1500));
      log.push('stall');
    } else if (x < 0.68) {
      p.proxy.refuse(r.int(200, 1000));
      p.proxy.cut();
      log.push('refuse');
    } else if (x < 0.78) {
      await restart(p);
      log.push('kill device');
    } else if (x < 0.85) {
      await gateways.kill(r);
      log.push('kill gateway');
    } else {
      p.online = !p.online;
      await p.device.command(p.online ? 'online' : 'offline', 'ok');
      log.push(p.online ? 'online' : 'offline');
    }
  }
  // Quiet: no faults, every phone running and online.
  for (const p of phones) {
    p.proxy.heal();
    if (!p.online) await p.device.command('online', 'ok');
  }
  for (const { proxy } of watchers) proxy.heal();
  if (mutant === 'lose_row') {
    // After the phones settled, so that the lost scan is one they hold as synced.
    for (const p of phones) await p.device.synced('before the mutant', quietMs);
    await gateways.loseRow(users[0]);
    log.push('MUTANT lose_row');
  }
  const what = `seed ${seed} (replay: CHAOS_SEED=${seed} CHAOS_SCHEDULES=1): ${log.join(', ')}`;
  for (const p of phones) {
    await until(async () => {
      await p.device.synced(what, 2000);
      const onServer = await restScans(url, tokens[p.user]);
      const rows = await p.device.list();
      const ids = rows.map((s) => s.id).sort();
      assert.equal(new Set(ids).size, ids.length, 'no scan twice on the device');
      assert.ok(rows.every((s) => s.userId === users[p.user]), 'no scan of another user');
      assert.ok(rows.every((s) => s.synced), 'every row synced');
      assert.deepEqual(ids, onServer.map((s) => s.id).sort(), 'the device holds the server\'s scans');
    }, what, quietMs);
  }
  for (const [u, token] of tokens.entries()) {
    const onServer = new Set((await restScans(url, token)).map((s) => s.id));
    for (const [id, e] of ledger) {
      if (e.user === u && !e.deleted) assert.ok(onServer.has(id), `${what}: lost ${id} (${e.code})`);
    }
    const res = await h.rest(url, 'GET', '/api/scans?since=0&limit=1000', { token });
    assert.equal(res.status, 200, res.text);
    const created = res.json.changes.filter((c) => c.op === 'created').length;
    const deleted = res.json.changes.filter((c) => c.op === 'deleted').length;
    // Each scan appears once, at its latest change: a deleted one stands for two seqs.
    assert.equal(created + 2 * deleted, res.json.latestSeq, `${what}: seqs gapless`);
    const codes = res.json.changes.filter((c) => c.op === 'created').map((c) => c.scan.code);
    assert.equal(new Set(codes).size, codes.length, `${what}: no scan stored twice`);
  }
  for (const { w } of watchers) checkWatcher(w, what);
}

describe('chaos: real gateways, devices and watchers behind faulty proxies', () => {
  it(`one gateway on SQLite, ${SCHEDULES} seeded schedules from seed ${FIRST_SEED}: nothing lost, nothing twice`,
    { skip: SCHEDULES === 0 }, async () => {
      const secret = crypto.randomBytes(32).toString('hex');
      const gateways = await Gateways.single(secret);
      await runSchedules({ gateways, secret, first: FIRST_SEED, count: SCHEDULES });
      await gateways.stop();
    });

  it(`two nodes on PostgreSQL and Redis, ${CLUSTER_SCHEDULES} seeded schedules from seed ${FIRST_SEED}: nothing lost, nothing twice`,
    { skip: clusterSkip || CLUSTER_SCHEDULES === 0 }, async () => {
      const secret = crypto.randomBytes(32).toString('hex');
      const gateways = await Gateways.cluster(secret);
      await runSchedules({ gateways, secret, first: FIRST_SEED, count: CLUSTER_SCHEDULES });
      await gateways.stop();
    });

  it('the checks can fail: a gateway that loses a committed scan is reported', async () => {
    const secret = crypto.randomBytes(32).toString('hex');
    const gateways = await Gateways.single(secret);
    // Seed 3's schedule creates scans for alice; the mutant then removes one
    // from the database. The devices still hold it: the run must say so.
    await assert.rejects(runSchedules({ gateways, secret, first: 3, count: 1, quietMs: 4000, mutant: 'lose_row' }),
      /the device holds the server's scans|lost /);
    await killAll();
    await gateways.stop();
  });
});
