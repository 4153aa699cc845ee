'use strict';
// The JS side of the device benchmarks: a phone's sync written the way a
// React Native or Node app would write it, with the official socket.io-client
// 4.8.1 and better-sqlite3 (bench/package.json).
//
//   node bench/device/node_device.js --url URL --token JWT --user SUB --db FILE [--limit 500]
//
// After every connect: room:join, then sync:since(lastSeq, limit) until
// hasMore is false, each page applied in one better-sqlite3 transaction with
// the cursor row, as `scansync device` does (src/device/device_store_sync.cc):
// the same tables (scans with a unique (uid, id), seq and synced; tombstones;
// sync_cursor), the same statements and the same PRAGMAs
// (src/device/device_store.cc: WAL, synchronous=NORMAL, an 8 MiB page cache,
// wal_autocheckpoint 8192 pages, journal_size_limit 4 MiB).
//
// Commands on stdin: `offline` (socket.disconnect(): no reconnection until
// `online`), `online` (socket.connect()), `quit`. One JSON line on stdout per
// event: {"type":"connected"}, {"type":"caught_up","lastSeq":n,"pages":p},
// {"type":"disconnected","reason":"..."}, {"type":"ok","command":"..."}.
const readline = require('node:readline');
const Database = require('better-sqlite3');
const { io } = require('socket.io-client');

function parseArgs(argv) {
  const o = { url: null, token: null, user: null, db: null, limit: 500 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in o)) throw new Error(`unknown option ${argv[i]}`);
    o[key] = typeof o[key] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
  }
  for (const k of ['url', 'token', 'user', 'db']) if (!o[k]) throw new Error(`--${k} is required`);
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

// ---- the local database: the device's tables (src/device/schema.cc) for one user ----
const UID = 1;
const db = new Database(opts.db);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('cache_size = -8192');
db.pragma('wal_autocheckpoint = 8192');
db.pragma('journal_size_limit = 4194304');
db.exec(`
CREATE TABLE IF NOT EXISTS scans(
  uid        INTEGER NOT NULL,
  id         TEXT NOT NULL,
  code       TEXT NOT NULL,
  format     TEXT NOT NULL,
  device_id  TEXT NOT NULL,
  created_at TEXT NOT NULL,
  seq        INTEGER NOT NULL DEFAULT 0,
  synced     INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS scans_id ON scans(uid, id);
CREATE INDEX IF NOT EXISTS scans_newest ON scans(uid, created_at);
CREATE TABLE IF NOT EXISTS tombstones(
  uid        INTEGER NOT NULL,
  id         TEXT NOT NULL,
  seq        INTEGER NOT NULL DEFAULT 0,
  deleted_at TEXT NOT NULL DEFAULT '',
  PRIMARY KEY(uid, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sync_cursor(
  uid      INTEGER PRIMARY KEY,
  last_seq INTEGER NOT NULL,
  epoch    TEXT NOT NULL
);
`);
const st = {
  upsert: db.prepare(
    'INSERT INTO scans(uid, id, code, format, device_id, created_at, seq, synced) VALUES(?, ?, ?, ?, ?, ?, ?, 1) '
    + 'ON CONFLICT(uid, id) DO UPDATE SET code=excluded.code, format=excluded.format, device_id=excluded.device_id, '
    + 'created_at=excluded.created_at, seq=excluded.seq, synced=1 WHERE scans.synced=0 OR scans.seq<>excluded.seq'),
  deleteScan: db.prepare('DELETE FROM scans WHERE uid=? AND id=?'),
  anyTombstone: db.prepare('SELECT EXISTS(SELECT 1 FROM tombstones WHERE uid=?) AS any'),
  getTombstone: db.prepare('SELECT seq FROM tombstones WHERE uid=? AND id=?'),
  putTombstone: db.prepare(
    'INSERT INTO tombstones(uid, id, seq, deleted_at) VALUES(?, ?, ?, ?) '
    + 'ON CONFLICT(uid, id) DO UPDATE SET seq=excluded.seq, deleted_at=excluded.deleted_at'),
  getCursor: db.prepare('SELECT last_seq, epoch FROM sync_cursor WHERE uid=?'),
  putCursor: db.prepare(
    'INSERT INTO sync_cursor(uid, last_seq, epoch) VALUES(?, ?, ?) '
    + 'ON CONFLICT(uid) DO UPDATE SET last_seq=excluded.last_seq, epoch=excluded.epoch'),
};

// One page, the cursor with it, in one transaction (a throw rolls it back).
const applyPage = db.transaction((changes, lastSeq, epoch) => {
  let tombstones = st.anyTombstone.get(UID).any !== 0;
  for (const c of changes) {
    if (c.op === 'created' && c.scan) {
      const s = c.scan;
      if (s.userId && s.userId !== opts.user) continue;
      if (tombstones && st.getTombstone.get(UID, s.id)) continue;  // deleted: a late create stays deleted
      st.upsert.run(UID, s.id, s.code, s.format, s.deviceId, s.createdAt, s.seq);
    } else if (c.op === 'deleted') {
      st.deleteScan.run(UID, c.id);
      st.putTombstone.run(UID, c.id, c.seq, c.deletedAt || '');
      tombstones = true;
    }
  }
  st.putCursor.run(UID, lastSeq, epoch);
});

const saved = st.getCursor.get(UID);
let cursor = saved ? saved.last_seq : 0;
let epoch = saved ? saved.epoch : '';

// ---- the connection ----
const socket = io(opts.url, { transports: ['websocket'], auth: { token: opts.token } });

async function catchUp() {
  const joined = await socket.emitWithAck('room:join', {});
  if (!joined || !joined.ok) throw new Error(`room:join answered ${JSON.stringify(joined)}`);
  let pages = 0;
  for (;;) {
    const page = await socket.emitWithAck('sync:since', { seq: cursor, limit: opts.limit });
    if (!page || !page.ok) throw new Error(`sync:since answered ${JSON.stringify(page)}`);
    let last = cursor;
    for (const c of page.changes) {
      const seq = c.op === 'created' ? c.scan.seq : c.seq;
      if (seq > last) last = seq;
    }
    applyPage(page.changes, last, page.epoch || epoch);
    cursor = last;
    epoch = page.epoch || epoch;
    pages++;
    if (!page.hasMore || page.changes.length === 0) break;
  }
  say({ type: 'caught_up', lastSeq: cursor, pages });
}

socket.on('connect', () => {
  say({ type: 'connected' });
  catchUp().catch((e) => say({ type: 'error', message: String(e && e.message) }));
});
socket.on('disconnect', (reason) => say({ type: 'disconnected', reason }));
socket.on('connect_error', (e) => say({ type: 'error', message: String(e && e.message) }));

const quit = () => {
  socket.disconnect();
  db.close();
  say({ type: 'bye' });
  process.exit(0);
};
readline.createInterface({ input: process.stdin }).on('close', quit).on('line', (line) => {
  const cmd = line.trim();
  if (cmd === 'offline') {
    socket.disconnect();
  } else if (cmd === 'online') {
    socket.connect();
  } else if (cmd === 'quit') {
    quit();
  } else if (cmd) {
    say({ type: 'error', message: `unknown command: ${cmd}` });
    return;
  }
  say({ type: 'ok', command: cmd });
});
