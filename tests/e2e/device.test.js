'use strict';
// `scansync device` (DeviceClient: the phone's SQLite store, durable outbox
// and catch-up feed over the native client) end to end: offline scans,
// several devices of one user, a gateway killed and restarted, a device
// killed before its ack, a refused database file, background and foreground.
const { describe, it, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./lib/harness');
const { LONG_MS, Device, killAll, restScans, idsOf, sha, withoutLocal } = require('./lib/device');

const servers = [];
after(async () => {
  await killAll();
  for (const s of servers) if (s.running()) await s.kill().catch(() => {});
});

const user = (label) => `${label}-${crypto.randomBytes(4).toString('hex')}`;
async function server(o) {
  const s = await h.startServer(o);
  servers.push(s);
  return s;
}

describe('scansync device (DeviceClient)', () => {
  it('scans made offline reach another device and a watcher once each when the device comes online', async () => {
    const s = await server();
    const sub = user('alice');
    const token = h.mintToken(s.secret, { sub });
    const dir = h.tempDir();
    const watcher = await h.connectJoined(s.url, token);
    const created = h.recorder(watcher, 'scan:created');
    try {
      const a = new Device(s.url, token, path.join(dir, 'a.db'), ['--offline']);
      const b = new Device(s.url, token, path.join(dir, 'b.db'));
      await b.synced('B connected');
      const made = [];
      for (let i = 0; i < 5; i++) made.push(await a.scan(`OFFLINE-${i}`, i % 2 ? 'ean13' : 'qr'));
      assert.ok(made.every((m) => m.synced === false && m.seq === 0 && m.userId === sub));
      assert.equal((await a.command('status', 'sync')).pending, 5);
      await a.command('online', 'ok');
      await a.synced('A sent its outbox');
      await b.count(5);
      await created.waitFor(5, LONG_MS);
      assert.deepEqual(idsOf(created.items), idsOf(made));
      const aRows = await a.list();
      assert.deepEqual(idsOf(aRows), idsOf(made));
      assert.ok(aRows.every((r) => r.synced && r.seq > 0), JSON.stringify(aRows));
      assert.deepEqual(idsOf(await b.list()), idsOf(made));
      assert.deepEqual((await a.list()).map(withoutLocal).sort((x, y) => x.seq - y.seq),
        created.items.slice().sort((x, y) => x.seq - y.seq));
      assert.equal(created.items.length, 5, 'the watcher saw each scan once');
      assert.deepEqual(await a.quit(), { code: 0, signal: null });
      await b.quit();
    } finally {
      watcher.disconnect();
    }
  });

  it('after the gateway is SIGKILLed and restarted, every device holds exactly the server\'s scans', async () => {
    const s1 = await server();
    const sub = user('bob');
    const token = h.mintToken(s1.secret, { sub });
    const dir = h.tempDir();
    const a = new Device(s1.url, token, path.join(dir, 'a.db'));
    const b = new Device(s1.url, token, path.join(dir, 'b.db'));
    await Promise.all([a.synced('A'), b.synced('B')]);
    const fromA = [await a.scan('A-1'), await a.scan('A-2'), await a.scan('A-3')];
    const fromB = [await b.scan('B-1'), await b.scan('B-2')];
    await Promise.all([a.synced('A sent'), b.synced('B sent')]);
    await Promise.all([a.count(5), b.count(5)]);
    await a.command(`delete ${fromB[0].id}`, 'deleted');
    await s1.kill();
    // While it is down: more scans and deletes, kept in the outboxes.
    fromA.push(await a.scan('A-4'));
    await b.command(`delete ${fromA[0].id}`, 'deleted');
    fromB.push(await b.scan('B-3'));
    const s2 = await server({ dataDir: s1.dataDir, secret: s1.secret });
    await a.command(`url ${s2.url}`, 'ok');
    await b.command(`url ${s2.url}`, 'ok');
    await Promise.all([a.synced('A after restart'), b.synced('B after restart')]);
    const expected = [...fromA.slice(1), fromB[1], fromB[2]];
    await Promise.all([a.count(expected.length), b.count(expected.length)]);
    const onServer = await restScans(s2.url, token);
    assert.deepEqual(idsOf(onServer), idsOf(expected));
    assert.equal(new Set(onServer.map((x) => x.seq)).size, onServer.length);
    for (const d of [a, b]) {
      const rows = await d.list();
      assert.deepEqual(rows.map(withoutLocal).sort((x, y) => x.seq - y.seq), onServer.slice().sort((x, y) => x.seq - y.seq));
      assert.ok(rows.every((r) => r.synced));
    }
    await Promise.all([a.quit(), b.quit()]);
  });

  it('a device killed before its scan was acked sends it after a restart, and the server has it once', async () => {
    const s = await server();
    const sub = user('carol');
    const token = h.mintToken(s.secret, { sub });
    const db = path.join(h.tempDir(), 'phone.db');
    const first = new Device(s.url, token, db, ['--offline']);
    const made = await first.scan('KILLED-1');
    await first.kill();
    const again = new Device(s.url, token, db, ['--offline']);
    assert.equal((await again.command('status', 'sync')).pending, 1);
    await again.command('online', 'ok');
    await again.synced('sent after restart');
    const onServer = await restScans(s.url, token);
    assert.deepEqual(onServer.map((x) => x.id), [made.id]);
    assert.equal(onServer[0].code, 'KILLED-1');
    const rows = await again.list();
    assert.equal(rows.length, 1);
    assert.ok(rows[0].synced);
    await again.quit();
  });

  it('a corrupt or foreign --db file is refused with a non-zero exit and left untouched', async () => {
    const dir = h.tempDir();
    const corrupt = path.join(dir, 'corrupt.db');
    fs.writeFileSync(corrupt, Buffer.concat([Buffer.from('SQLite format 3\0'), crypto.randomBytes(8192)]));
    const foreign = path.join(dir, 'notes.txt');
    fs.writeFileSync(foreign, 'not a database at all\n'.repeat(100));
    for (const file of [corrupt, foreign]) {
      const before = sha(file);
      const d = new Device('http://127.0.0.1:9', h.mintToken('x', { sub: 'dave' }), file);
      const { code } = await h.withDeadline(d.exited, LONG_MS, 'device to exit');
      assert.notEqual(code, 0);
      assert.match(d.stderr.join('\n'), /not a scansync device database/);
      assert.equal(sha(file), before);
      assert.ok(!fs.existsSync(`${file}-wal`));
    }
  });

  it('background sends the outbox before disconnecting; foreground reconnects and catches up', async () => {
    const s = await server();
    const sub = user('erin');
    const token = h.mintToken(s.secret, { sub });
    const d = new Device(s.url, token, path.join(h.tempDir(), 'phone.db'));
    await d.synced('connected');
    const from = d.lines.length;
    const codes = Array.from({ length: 20 }, (_, i) => `BG-${i}`);
    // One write: the background command arrives while the scans are being sent.
    d.child.stdin.write(`${codes.map((c) => `scan ${c}`).join('\n')}\nbackground\n`);
    const gone = await d.waitLine((l) => l.type === 'status' && l.status === 'disconnected' && l.reason === 'background',
      'disconnected (background)', LONG_MS, from);
    assert.equal(gone.pending, 0, 'everything was sent before going');
    const onServer = await restScans(s.url, token);
    assert.deepEqual(onServer.map((x) => x.code).sort(), codes.slice().sort());
    // Made elsewhere while this phone is in the background.
    const other = await h.connectJoined(s.url, token);
    const elsewhere = await h.emitAck(other, 'scan:create', h.newScan({ code: 'FROM-ELSEWHERE' }));
    other.disconnect();
    assert.equal(elsewhere.ok, true);
    await d.command('foreground', 'ok');
    await d.synced('connected again');
    await d.count(21);
    assert.ok((await d.list()).some((r) => r.id === elsewhere.scan.id && r.synced));
    await d.quit();
  });
});
