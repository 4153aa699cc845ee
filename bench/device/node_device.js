'use strict';
// The JS side of the device benchmarks: a phone's sync written the way a
// React Native or Node app would write it, with the official socket.io-client
// 4.8.1 and better-sqlite3 (bench/package.json).
//
//   node bench/device/node_device.js --url URL --token JWT --user SUB --db FILE [--limit 500]
//
// After every connect: room:join, then sync:since(lastSeq, limit) until
// hasMore is false, each page applied in one better-sqlite3 transaction with
// the cursor row, as `scansync device` does (local_db.js: the device's tables,
// statements and PRAGMAs).
//
// Commands on stdin: `offline` (socket.disconnect(): no reconnection until
// `online`), `online` (socket.connect()), `quit`. One JSON line on stdout per
// event: {"type":"connected"}, {"type":"caught_up","lastSeq":n,"pages":p},
// {"type":"disconnected","reason":"..."}, {"type":"ok","command":"..."}.
const readline = require('node:readline');
const { openLocalDb } = require('./local_db');
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

const local = openLocalDb(opts.db, opts.user);
let { lastSeq: cursor, epoch } = local.cursor();

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
    local.applyPage(page.changes, last, page.epoch || epoch);
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
  local.close();
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
