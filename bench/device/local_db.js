'use strict';
// The JS client's local database: what `scansync device` keeps, written with
// better-sqlite3. The same tables as src/device/schema.cc for one user (scans
// with a unique (uid, id), seq and synced; tombstones; sync_cursor; no
// outbox, as nothing is scanned here), the same statements as
// src/device/device_store.cc and device_store_sync.cc, and the same PRAGMAs
// (WAL, synchronous=NORMAL, an 8 MiB page cache, wal_autocheckpoint 8192
// pages, journal_size_limit 4 MiB).
const Database = require('better-sqlite3');

const UID = 1;

function openLocalDb(file, user) {
  const db = new Database(file);
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

  // One page of sync:since changes and the cursor, in one transaction (a
  // throw rolls it back and the cursor stays).
  const applyPage = db.transaction((changes, lastSeq, epoch) => {
    let tombstones = st.anyTombstone.get(UID).any !== 0;
    for (const c of changes) {
      if (c.op === 'created' && c.scan) {
        const s = c.scan;
        if (s.userId && s.userId !== user) continue;
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

  return {
    applyPage,
    sqliteVersion: db.prepare('SELECT sqlite_version() AS v').get().v,
    cursor() {
      const row = st.getCursor.get(UID);
      return row ? { lastSeq: row.last_seq, epoch: row.epoch } : { lastSeq: 0, epoch: '' };
    },
    close() { db.close(); },
  };
}

module.exports = { openLocalDb };
