'use strict';
// The SQLite work of a catch-up alone: the JS client's pages (local_db.js)
// applied to an empty database from memory, with no network and no JSON.
// The changes are built first (as socket.io-client would hand them over);
// only applying them is timed. Prints one JSON line.
//   node bench/device/sqlite_floor.js --db FILE [--changes 100000] [--limit 500]
const { openLocalDb } = require('./local_db');
const { scan } = require('../gen_frames');

const o = { db: null, changes: 100000, limit: 500 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const key = argv[i].replace(/^--/, '');
  if (!(key in o)) throw new Error(`unknown option ${argv[i]}`);
  o[key] = key === 'db' ? argv[i + 1] : Number(argv[i + 1]);
}
if (!o.db) throw new Error('--db is required');

const user = 'bench';
const pages = [];
for (let first = 0; first < o.changes; first += o.limit) {
  const changes = [];
  for (let i = first; i < Math.min(first + o.limit, o.changes); i++) changes.push({ op: 'created', scan: { ...scan(i), userId: user } });
  pages.push(changes);
}
const local = openLocalDb(o.db, user);
const sqlite = local.sqliteVersion;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (const changes of pages) local.applyPage(changes, changes[changes.length - 1].scan.seq, 'floor');
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
local.close();
const cpuS = (cpu.user + cpu.system) / 1e6;
process.stdout.write(`${JSON.stringify({ changes: o.changes, sqlite, pages: pages.length, wall_s: wall, cpu_s: cpuS, changes_per_s: o.changes / wall, changes_per_cpu_s: o.changes / cpuS })}\n`);
