'use strict';
// `scansync device` against a gateway whose history changed under it, and
// against the faults a phone meets: the gateway's database restored from an
// older copy (latestSeq below the devices' cursors; then with the
// operator's `scansync db new-epoch`), a wrong token, a URL change at run
// time, a full disk during a catch-up.
const { describe, it, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./lib/harness');
const { scansyncBin } = require('./lib/watch');
const { LONG_MS, Device, killAll, restScans, idsOf, withoutLocal } = require('./lib/device');

const servers = [];
const mounts = [];
after(async () => {
  await killAll();
  for (const s of servers) if (s.running()) await s.kill().catch(() => {});
  for (const m of mounts) spawnSync('umount', ['-l', m]);
});

const user = (label) => `${label}-${crypto.randomBytes(4).toString('hex')}`;
async function server(o) {
  const s = await h.startServer(o);
  servers.push(s);
  return s;
}

// Polls `check` (which throws until its condition holds) until it passes or
// the deadline is reached; the last failure is the error.
async function until(check, what, ms = LONG_MS) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > end) throw new Error(`timed out after ${ms} ms: ${what}: ${e.message}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const bySeq = (rows) => rows.slice().sort((x, y) => x.seq - y.seq);
// The device holds exactly the server's scans, all synced.
async function holdsTheServersScans(d, url, token) {
  const onServer = await restScans(url, token);
  const rows = await d.list();
  assert.deepEqual(bySeq(rows.map(withoutLocal)), bySeq(onServer));
  assert.ok(rows.every((r) => r.synced), 'every row synced');
  return onServer;
}

async function sinceZero(url, token) {
  const res = await h.rest(url, 'GET', '/api/scans?since=0&limit=1000', { token });
  assert.equal(res.status, 200, res.text);
  return res.json;
}

function newEpoch(args) {
  const r = spawnSync(scansyncBin(), ['db', 'new-epoch', ...args], { encoding: 'utf8', timeout: LONG_MS });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Two devices scan; the gateway's database is backed up; they scan more;
// while they are offline the gateway is stopped and the backup put back.
// With `operator`, the operator then runs `scansync db new-epoch`, and
// another client adds scans before the devices return, so that the
// restored latestSeq is no longer below their cursors: only the epoch tells.
async function restoredFromAnOlderCopy({ operator }) {
  const dataDir = h.tempDir();
  const db = path.join(dataDir, 'scansync.db');
  let s = await server({ dataDir });
  const sub = user('restore');
  const token = h.mintToken(s.secret, { sub });
  const dir = h.tempDir();
  const a = new Device(s.url, token, path.join(dir, 'a.db'));
  const b = new Device(s.url, token, path.join(dir, 'b.db'));
  await Promise.all([a.synced('A'), b.synced('B')]);
  const kept = [await a.scan('A-1'), await a.scan('A-2'), await b.scan('B-1'), await b.scan('B-2')];
  await Promise.all([a.synced('A sent'), b.synced('B sent'), a.count(4), b.count(4)]);

  await s.stop();
  const backup = path.join(h.tempDir(), 'backup.db');
  fs.copyFileSync(db, backup);  // a stopped gateway leaves no -wal
  assert.ok(!fs.existsSync(`${db}-wal`), 'the gateway checkpointed on stop');
  s = await server({ dataDir, secret: s.secret });
  await a.command(`url ${s.url}`, 'ok');
  await b.command(`url ${s.url}`, 'ok');
  const lost = [await a.scan('A-3'), await a.scan('A-4'), await b.scan('B-3'), await b.scan('B-4')];
  await Promise.all([a.synced('A sent again'), b.synced('B sent again'), a.count(8), b.count(8)]);
  const epochBefore = (await sinceZero(s.url, token)).epoch;
  assert.equal((await a.command('status', 'sync')).lastSeq, 8);
  assert.equal((await b.command('status', 'sync')).lastSeq, 8);

  // The devices go away; the server loses the last four scans.
  await a.command('offline', 'ok');
  await b.command('offline', 'ok');
  await s.stop();
  for (const f of [db, `${db}-wal`, `${db}-shm`]) fs.rmSync(f, { force: true });
  fs.copyFileSync(backup, db);
  let others = [];
  if (operator) {
    const r = newEpoch(['--data', dataDir]);
    assert.equal(r.code, 0, r.stderr);
    const line = JSON.parse(r.stdout);
    assert.equal(line.type, 'new_epoch');
    assert.equal(line.oldEpoch, epochBefore, 'the backup carried the epoch the devices keep');
    assert.match(line.newEpoch, /^[0-9a-f]{32}$/);
    assert.notEqual(line.newEpoch, epochBefore);
  }
  s = await server({ dataDir, secret: s.secret });
  const restored = await sinceZero(s.url, token);
  assert.equal(restored.latestSeq, 4);
  if (operator) {
    // Scans from elsewhere bring latestSeq up to the devices' cursors and
    // past them: the seqs alone no longer show the reset.
    for (let i = 0; i < 6; i++) {
      const res = await h.rest(s.url, 'POST', '/api/scans', { token, body: h.newScan({ code: `ELSEWHERE-${i}` }) });
      assert.equal(res.status, 201, res.text);
      others.push(res.json);
    }
    const now = await sinceZero(s.url, token);
    assert.ok(now.latestSeq >= 8 && now.epoch !== epochBefore, JSON.stringify(now));
  } else {
    assert.equal(restored.epoch, epochBefore);
  }

  for (const d of [a, b]) {
    await d.command(`url ${s.url}`, 'ok');
    await d.command('online', 'ok');
  }
  const expected = idsOf([...kept, ...lost, ...others]);
  await until(async () => assert.deepEqual(idsOf(await restScans(s.url, token)), expected),
    'the server to hold every scan the devices hold');
  for (const d of [a, b]) {
    await until(() => holdsTheServersScans(d, s.url, token), 'a device to equal the server');
  }
  const onServer = await restScans(s.url, token);
  assert.equal(new Set(onServer.map((x) => x.seq)).size, onServer.length, 'one seq per scan');
  await Promise.all([a.quit(), b.quit()]);
}

describe('scansync device: history resets and faults', () => {
  it('the gateway restored from an older copy: the devices detect the reset and re-send what the server lost', async () => {
    await restoredFromAnOlderCopy({ operator: false });
  });

  it('restored with the operator\'s new-epoch command: the epoch alone tells the devices', async () => {
    await restoredFromAnOlderCopy({ operator: true });
  });

  it('db new-epoch refuses a running gateway\'s database and a missing or foreign file, changing nothing', async () => {
    const s = await server();
    const db = path.join(s.dataDir, 'scansync.db');
    const token = h.mintToken(s.secret, { sub: user('op') });
    const epoch = (await sinceZero(s.url, token)).epoch;
    const running = newEpoch(['--db', db]);
    assert.equal(running.code, 1);
    assert.equal(running.stdout, '');
    assert.match(running.stderr, /open in another process \(a running gateway\?\): stop it first/);
    assert.equal((await sinceZero(s.url, token)).epoch, epoch);
    await s.stop();

    const dir = h.tempDir();
    const missing = newEpoch(['--db', path.join(dir, 'nothing.db')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no such database file/);
    assert.ok(!fs.existsSync(path.join(dir, 'nothing.db')));
    const foreign = path.join(dir, 'notes.txt');
    fs.writeFileSync(foreign, 'not a database\n'.repeat(200));
    const before = fs.readFileSync(foreign);
    const refused = newEpoch(['--db', foreign]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /not a scansync gateway database/);
    assert.deepEqual(fs.readFileSync(foreign), before);
    assert.equal(newEpoch([]).code, 2);
    assert.notEqual(newEpoch(['--db', db, '--data', s.dataDir]).code, 0);
  });

  it('a wrong token: disconnected/unauthorized, no retries, the outbox kept for the right token', async () => {
    const s = await server();
    const sub = user('wrong');
    const db = path.join(h.tempDir(), 'phone.db');
    const d = new Device(s.url, h.mintToken('not-the-gateways-secret', { sub }), db);
    await d.waitLine((l) => l.type === 'status' && l.status === 'disconnected' && l.reason === 'unauthorized',
      'disconnected (unauthorized)');
    const made = await d.scan('KEPT-1');
    const from = d.lines.length;
    // No retry loop: over twenty backoff delays (100 ms each) the device
    // stays disconnected. An absence can only be watched for a while.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const st = await d.command('status', 'sync');
    assert.equal(st.status, 'disconnected');
    assert.equal(st.reason, 'unauthorized');
    assert.equal(st.pending, 1);
    const moved = d.lines.slice(from).filter((l) => l.type === 'status' && l.status !== 'disconnected');
    assert.deepEqual(moved, [], 'no connection attempt after the refusal');
    assert.deepEqual(await restScans(s.url, h.mintToken(s.secret, { sub })), []);
    await d.quit();

    const token = h.mintToken(s.secret, { sub });
    const again = new Device(s.url, token, db);
    await again.synced('sent with the right token');
    const onServer = await restScans(s.url, token);
    assert.deepEqual(onServer.map((x) => x.id), [made.id]);
    await again.quit();
  });

  it('a URL change at run time: the device reconnects to the second gateway and syncs with it', async () => {
    const s1 = await server();
    const s2 = await server({ secret: s1.secret });
    const sub = user('moving');
    const token = h.mintToken(s1.secret, { sub });
    const d = new Device(s1.url, token, path.join(h.tempDir(), 'phone.db'));
    await d.synced('on the first gateway');
    const first = await d.scan('ON-S1');
    await d.synced('sent to the first');
    const other = await h.connectJoined(s2.url, token);
    const there = await h.emitAck(other, 'scan:create', h.newScan({ code: 'ONLY-ON-S2' }));
    other.disconnect();
    assert.equal(there.ok, true);

    await d.command(`url ${s2.url}`, 'ok');
    // Another database, so another epoch: the device refetches and re-sends its own.
    await until(async () => assert.deepEqual(idsOf(await restScans(s2.url, token)), idsOf([first, there.scan])),
      'the second gateway to hold both scans');
    const next = await d.scan('AFTER-MOVE');
    await d.synced('sent to the second');
    await until(() => holdsTheServersScans(d, s2.url, token), 'the device to equal the second gateway');
    assert.ok((await restScans(s2.url, token)).some((x) => x.id === next.id));
    assert.deepEqual(idsOf(await restScans(s1.url, token)), [first.id], 'nothing more went to the first');
    await d.quit();
  });

  it('a full disk during a catch-up: no crash, the cursor stays, an error; with space again the catch-up completes', async (t) => {
    const mnt = h.tempDir('scansync-e2e-tmpfs-');
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt], { encoding: 'utf8' });
    if (mounted.status !== 0) {
      t.skip(`cannot mount a tmpfs (needs root and CAP_SYS_ADMIN): ${(mounted.stderr || mounted.error || '').toString().trim()}`);
      return;
    }
    mounts.push(mnt);
    const s = await server();
    const sub = user('full');
    const token = h.mintToken(s.secret, { sub });
    // ~450 KB of changes: one catch-up page, one transaction, more than the
    // device's WAL holds already.
    const writer = await h.connectJoined(s.url, token);
    for (let i = 0; i < 150; i++) {
      const ack = await h.emitAck(writer, 'scan:create', h.newScan({ code: `${i}-`.padEnd(3000, 'x') }));
      assert.equal(ack.ok, true);
    }
    writer.disconnect();
    const d = new Device(s.url, token, path.join(mnt, 'phone.db'), ['--offline']);
    assert.equal((await d.command('status', 'sync')).lastSeq, 0);
    // Fill what is left of the tmpfs.
    const filler = path.join(mnt, 'filler');
    const fd = fs.openSync(filler, 'w');
    for (const size of [65536, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size, 1);
      try { for (;;) fs.writeSync(fd, chunk); } catch (e) { assert.equal(e.code, 'ENOSPC'); }
    }
    fs.closeSync(fd);

    const from = d.lines.length;
    await d.command('online', 'ok');
    const failed = await d.waitLine((l) => l.type === 'status' && l.lastError &&
      ['store_failed', 'apply_failed'].includes(l.lastError.code), 'the catch-up\'s write to fail', LONG_MS, from);
    assert.match(JSON.stringify(failed.lastError), /full/i);
    const st = await d.command('status', 'sync');
    assert.equal(st.lastSeq, 0, 'the cursor did not move');
    assert.equal((await d.list()).length, 0);
    assert.equal(d.child.exitCode, null, 'still running');

    fs.rmSync(filler);
    await until(async () => {
      const now = await d.command('status', 'sync');
      assert.equal(now.lastSeq, 150);
    }, 'the catch-up to complete once space is free');
    await holdsTheServersScans(d, s.url, token);
    assert.equal((await d.list()).length, 150);
    await d.quit();
    spawnSync('umount', [mnt]);
    mounts.splice(mounts.indexOf(mnt), 1);
  });
});
