'use strict';
// One node of the Node side of the cluster benchmark: the official socket.io
// 4.8.1 server with @socket.io/redis-adapter (the official way to run several
// socket.io nodes) and the scans in PostgreSQL through `pg`, committed as
// scansync's PostgreSQL store commits them: the scan and the user's counter
// row in one transaction, so seq is gapless per user. The part of the
// contract the benchmark uses:
//   CONNECT with auth.token (HS256 JWT: signature, sub, exp), room:join
//   (user:<sub>), scan:create ack {ok,scan} with the broadcast scan:created
//   to the user's room on every node (through Redis), idempotent by id.
//
//   node bench/cluster/node-cluster-server.js --port 0 --jwt-secret-file FILE
//        --store postgresql://user@host:port/db --fanout redis://host:port
// Prints {"type":"listening","port":N} like `scansync gateway`.
// Modules: socket.io from interop/node_modules (NODE_PATH), the adapter,
// redis and pg from bench/node_modules (bench/package.json).
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const benchModules = path.join(__dirname, '..', 'node_modules');
const req = (name) => require(require.resolve(name, { paths: [benchModules] }));
const { Server } = require('socket.io');
const { createAdapter } = req('@socket.io/redis-adapter');
const { createClient } = req('redis');
const { Pool } = req('pg');

function parseArgs(argv) {
  const o = { host: '127.0.0.1', port: 0 };
  const names = { '--host': 'host', '--port': 'port', '--jwt-secret-file': 'secretFile', '--store': 'store', '--fanout': 'fanout' };
  for (let i = 0; i < argv.length; i += 2) {
    const key = names[argv[i]];
    if (!key || i + 1 >= argv.length) throw new Error(`bad argument ${argv[i]}`);
    o[key] = key === 'port' ? Number(argv[i + 1]) : argv[i + 1];
  }
  for (const k of ['secretFile', 'store', 'fanout']) if (!o[k]) throw new Error(`missing ${k}`);
  return o;
}
const opts = parseArgs(process.argv.slice(2));
const secret = fs.readFileSync(opts.secretFile, 'utf8').trim();

function verifyToken(token) {
  if (typeof token !== 'string') return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const want = crypto.createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest();
  const got = Buffer.from(parts[2], 'base64url');
  if (got.length !== want.length || !crypto.timingSafeEqual(got, want)) return null;
  let claims;
  try { claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')); } catch { return null; }
  if (!claims || typeof claims.sub !== 'string' || !claims.sub || typeof claims.exp !== 'number') return null;
  return claims.exp > Date.now() / 1000 ? claims.sub : null;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS node_counters (user_id text PRIMARY KEY, seq bigint NOT NULL);
  CREATE TABLE IF NOT EXISTS node_scans (user_id text NOT NULL, id text NOT NULL, code text NOT NULL, format text NOT NULL,
    device_id text NOT NULL, created_at text NOT NULL, seq bigint NOT NULL, PRIMARY KEY (user_id, id));`;
const toScan = (r) => ({ id: r.id, userId: r.user_id, code: r.code, format: r.format, deviceId: r.device_id, createdAt: r.created_at, seq: Number(r.seq) });
const valid = (s) => s && typeof s === 'object' && ['id', 'code', 'format', 'deviceId', 'createdAt'].every((k) => typeof s[k] === 'string' && s[k] !== '');

// Returns [scan, isNew]. The counter row is locked by its UPDATE until the
// commit, so two creates of one user on two nodes take seq one after the other.
async function createScan(pool, sub, s) {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const old = await c.query('SELECT * FROM node_scans WHERE user_id = $1 AND id = $2', [sub, s.id]);
    if (old.rows.length) { await c.query('COMMIT'); return [toScan(old.rows[0]), false]; }
    const seq = (await c.query(`INSERT INTO node_counters (user_id, seq) VALUES ($1, 1)
      ON CONFLICT (user_id) DO UPDATE SET seq = node_counters.seq + 1 RETURNING seq`, [sub])).rows[0].seq;
    const row = (await c.query(`INSERT INTO node_scans (user_id, id, code, format, device_id, created_at, seq)
      VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`, [sub, s.id, s.code, s.format, s.deviceId, s.createdAt, seq])).rows[0];
    await c.query('COMMIT');
    return [toScan(row), true];
  } catch (e) {
    await c.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    c.release();
  }
}

async function main() {
  const pool = new Pool({ connectionString: opts.store, max: 8 });
  await pool.query(SCHEMA).catch((e) => { if (e.code !== '23505' && e.code !== '42P07') throw e; });  // the other node may race us
  const pub = createClient({ url: opts.fanout });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  const httpServer = http.createServer((q, r) => { r.writeHead(q.url === '/healthz' ? 200 : 404).end(); });
  const io = new Server(httpServer, { adapter: createAdapter(pub, sub), serveClient: false, cors: { origin: true } });
  io.use((socket, next) => {
    const user = verifyToken(socket.handshake.auth && socket.handshake.auth.token);
    if (!user) return next(Object.assign(new Error('unauthorized'), { data: { code: 'token_invalid' } }));
    socket.data.sub = user;
    return next();
  });
  io.on('connection', (socket) => {
    const room = `user:${socket.data.sub}`;
    socket.on('room:join', (_p, ack) => {
      socket.join(room);
      if (typeof ack === 'function') ack({ ok: true, room });
    });
    socket.on('scan:create', async (p, ack) => {
      if (typeof ack !== 'function') return;
      if (!valid(p)) return ack({ ok: false, error: 'invalid', detail: 'id, code, format, deviceId, createdAt' });
      let scan, isNew;
      try {
        [scan, isNew] = await createScan(pool, socket.data.sub, p);
      } catch {
        return ack({ ok: false, error: 'unavailable' });
      }
      if (isNew) io.to(room).emit('scan:created', scan);
      return ack({ ok: true, scan });
    });
  });
  httpServer.listen(opts.port, opts.host, () => {
    process.stdout.write(`${JSON.stringify({ type: 'listening', port: httpServer.address().port })}\n`);
  });
  const stop = () => {
    io.close();
    Promise.allSettled([pool.end(), pub.quit(), sub.quit()]).then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
