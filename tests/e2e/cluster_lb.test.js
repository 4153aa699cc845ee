'use strict';
// Two gateway nodes on PostgreSQL + Redis behind HAProxy, as scripts/cluster.sh
// starts them: `scansync device` processes and official socket.io-clients
// create scans through the load balancer, one node is SIGKILLed mid-stream,
// they reconnect (HAProxy's /healthz checks send them to the other node) and
// end with every acked scan, each once: in REST, in each device's store, in
// each client's sync:since, with the user's seq gapless.
//
// Needs a scansync built with --store/--fanout, haproxy, redis-server and
// PostgreSQL (scripts/setup.sh); skipped, saying why, for a gateway without
// the flags.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, execFileSync } = require('node:child_process');
const path = require('node:path');
const readline = require('node:readline');
const { io } = require('socket.io-client');
const h = require('./lib/harness');
const { Device, killAll, restScans, idsOf } = require('./lib/device');
const { scansyncBin } = require('./lib/watch');

const START_MS = 60000;  // initdb is most of it; under ASan and on a busy CI box
const STEP_MS = 20000;
const hasClusterFlags = (() => {
  try { return execFileSync(scansyncBin(), ['gateway', '--help'], { encoding: 'utf8' }).includes('--fanout'); } catch { return false; }
})();

// scripts/cluster.sh --json: resolves with its JSON line; stop() sends SIGTERM
// and waits for it to have stopped everything and removed its folder.
async function startCluster() {
  const child = spawn(path.join(h.REPO, 'scripts', 'cluster.sh'), ['--json', '--bin', scansyncBin(), '--user', 'alice'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = [];
  readline.createInterface({ input: child.stderr }).on('line', (l) => stderr.push(l));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  // A crash of this test process still lets the script clean up after itself.
  const onExit = () => child.kill('SIGTERM');
  process.on('exit', onExit);
  const info = await h.withDeadline(new Promise((resolve, reject) => {
    exited.then((e) => reject(new Error(`cluster.sh exited (${JSON.stringify(e)}):\n${stderr.join('\n')}`)));
    readline.createInterface({ input: child.stdout }).on('line', (l) => {
      try { const m = JSON.parse(l); if (m.type === 'cluster') resolve(m); } catch { /* not ours */ }
    });
  }), START_MS, 'cluster.sh to print its JSON line');
  info.stop = async () => {
    child.kill('SIGTERM');
    const e = await h.withDeadline(exited, STEP_MS, 'cluster.sh to stop everything after SIGTERM');
    process.off('exit', onExit);
    return e;
  };
  info.stderr = stderr;
  return info;
}

// A socket.io-client through the load balancer that reconnects by itself and
// joins the room after every connect.
function client(url, token, transports) {
  const socket = io(url, {
    forceNew: true, transports, withCredentials: true,  // the cookie jar: HAProxy's sticky cookie for polling
    reconnectionDelay: 100, reconnectionDelayMax: 500, auth: { token }, timeout: 3000,
  });
  socket.on('connect', () => { socket.emit('room:join', {}); });
  return socket;
}
const connected = (socket) => (socket.connected ? Promise.resolve()
  : h.withDeadline(new Promise((resolve) => socket.once('connect', resolve)), STEP_MS, 'socket.io-client (re)connect'));

// Creates `n` scans one after the other; a create whose ack does not come
// (its node died) is sent again, same id, after the reconnect: idempotent by
// id. Every scan acked ok lands in `acked`; `onAck` sees the running count.
async function creator(socket, label, n, acked, onAck) {
  for (let i = 0; i < n; i++) {
    const scan = h.newScan({ code: `${label}-${i}` });
    for (let attempt = 0; ; attempt++) {
      assert.ok(attempt < 20, `${label}: scan ${i} never acked`);
      await connected(socket);
      let ack;
      try {
        ack = await h.emitAck(socket, 'scan:create', scan, 2000);
      } catch {
        continue;  // no ack: the link went down; resend after the reconnect
      }
      if (ack && ack.ok === true) {
        assert.equal(ack.scan.id, scan.id);
        acked.push(ack.scan);
        onAck();
        break;
      }
      assert.equal(ack && ack.error, 'unavailable', `${label}: ${JSON.stringify(ack)}`);
    }
  }
}

describe('cluster behind HAProxy (scripts/cluster.sh)', { skip: !hasClusterFlags && 'scansync gateway has no --store/--fanout' }, () => {
  let cluster;
  before(async () => { cluster = await startCluster(); });
  after(async () => {
    await killAll();
    if (cluster) assert.deepEqual(await cluster.stop(), { code: 143, signal: null }, cluster.stderr.join('\n'));
  });

  it('a node SIGKILLed mid-stream: devices and socket.io-clients end with every acked scan, each once', async () => {
    const { url, token } = cluster;
    const dir = h.tempDir();
    const devices = [new Device(url, token, path.join(dir, 'a.db')), new Device(url, token, path.join(dir, 'b.db'))];
    const sockets = [client(url, token, ['websocket']), client(url, token, ['polling', 'websocket'])];
    try {
      await Promise.all([...devices.map((d) => d.synced('device connected through HAProxy')), ...sockets.map(connected)]);
      const PER_CLIENT = 30;
      const KILL_AT = 15;
      const acked = [];
      let killedNow;
      const killed = new Promise((resolve) => { killedNow = resolve; });
      let isKilled = false;
      const onAck = () => {
        if (isKilled || acked.length < KILL_AT) return;
        isKilled = true;
        process.kill(cluster.nodes[0].pid, 'SIGKILL');
        killedNow();
      };
      // Devices: scans go to the SQLite outbox at once; the client sends them.
      const deviceScans = [];
      const deviceRun = (async () => {
        for (let i = 0; i < 10; i++) {
          for (const [k, d] of devices.entries()) deviceScans.push(await d.scan(`DEV${k}-${i}`));
          if (i === 4) await h.withDeadline(killed, STEP_MS, 'the kill');  // half before it, half after
        }
      })();
      await Promise.all([
        creator(sockets[0], 'WS', PER_CLIENT, acked, onAck),
        creator(sockets[1], 'POLL', PER_CLIENT, acked, onAck),
        deviceRun,
      ]);
      assert.ok(isKilled, 'the node was killed mid-stream');
      await Promise.all(devices.map((d) => d.synced('device sent its outbox after the failover', STEP_MS)));

      const expected = idsOf([...acked, ...deviceScans]);
      assert.equal(new Set(expected).size, 2 * PER_CLIENT + 20);
      // REST through the load balancer (the surviving node): each scan once, seq gapless.
      const restAll = await restScans(url, token);
      assert.deepEqual(idsOf(restAll), expected);
      assert.deepEqual(restAll.map((s) => s.seq).sort((a, b) => a - b), expected.map((_, i) => i + 1));
      // An acked scan's seq is the one the store holds.
      const bySeq = new Map(restAll.map((s) => [s.id, s.seq]));
      for (const s of acked) assert.equal(bySeq.get(s.id), s.seq, `seq of ${s.id}`);
      // Each device's store: every scan once.
      for (const d of devices) {
        await d.count(expected.length, STEP_MS);
        const rows = await d.list();
        assert.deepEqual(idsOf(rows), expected);
        assert.ok(rows.every((r) => r.synced && bySeq.get(r.id) === r.seq), JSON.stringify(rows.filter((r) => !r.synced)));
      }
      // Each socket.io-client's catch-up from 0: every change once.
      for (const s of sockets) {
        await connected(s);
        const { changes } = await h.syncAll(s, 0);
        assert.deepEqual(idsOf(changes.map((c) => c.scan)), expected);
      }
      for (const d of devices) assert.deepEqual(await d.quit(), { code: 0, signal: null });
    } finally {
      for (const s of sockets) s.disconnect();
    }
  });
});
