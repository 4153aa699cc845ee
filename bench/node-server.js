'use strict';
// The scansync contract (/work/shared/contract.md) on the official Node
// socket.io 4.8.1 server. Same command line and same "listening" line as
// `scansync gateway`, so benchmarks and the e2e suite can run against either:
//
//   node bench/node-server.js --host 127.0.0.1 --port 0 --data DIR
//        [--jwt-secret-file FILE] [--iss X --aud Y] [--ping-interval MS]
//        [--ping-timeout MS] [--max-payload B] [--connect-timeout MS]
//
// Storage: an append-only JSON-lines log DIR/node-server.log, written with
// writeSync before every ack (the page cache survives a SIGKILL of the
// process, as SQLite WAL with synchronous=NORMAL does). Replayed at start.
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { Server } = require('socket.io');
// The contract's epoch: this in-memory history is new at every start.
const EPOCH = require('node:crypto').randomBytes(16).toString('hex');

function parseArgs(argv) {
  const o = { host: '127.0.0.1', port: 0, pingInterval: 25000, pingTimeout: 20000, maxPayload: 1e6, connectTimeout: 45000 };
  const names = { '--host': 'host', '--port': 'port', '--data': 'data', '--jwt-secret-file': 'secretFile', '--iss': 'iss',
    '--aud': 'aud', '--ping-interval': 'pingInterval', '--ping-timeout': 'pingTimeout', '--max-payload': 'maxPayload',
    '--connect-timeout': 'connectTimeout' };
  for (let i = 0; i < argv.length; i += 2) {
    const key = names[argv[i]];
    if (!key || i + 1 >= argv.length) throw new Error(`bad argument ${argv[i]}`);
    o[key] = ['host', 'data', 'secretFile', 'iss', 'aud'].includes(key) ? argv[i + 1] : Number(argv[i + 1]);
  }
  if (!o.data) throw new Error('--data is required');
  return o;
}

const opts = parseArgs(process.argv.slice(2));
fs.mkdirSync(opts.data, { recursive: true });
const secret = (() => {
  const file = opts.secretFile || path.join(opts.data, 'jwt-secret');
  if (!opts.secretFile && !fs.existsSync(file)) fs.writeFileSync(file, crypto.randomBytes(32).toString('hex'), { mode: 0o600 });
  const s = fs.readFileSync(file, 'utf8').trim();
  if (!s) throw new Error('empty secret file');
  return s;
})();

// ---- JWT HS256 ----
const b64url = (buf) => Buffer.from(buf).toString('base64url');
function verifyToken(token) {
  if (typeof token !== 'string' || token === '') return { code: 'token_missing' };
  const parts = token.split('.');
  if (parts.length !== 3) return { code: 'token_invalid' };
  let header, claims;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch { return { code: 'token_invalid' }; }
  if (!header || header.alg !== 'HS256' || !claims || typeof claims !== 'object') return { code: 'token_invalid' };
  const want = crypto.createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest();
  const got = Buffer.from(parts[2], 'base64url');
  if (got.length !== want.length || !crypto.timingSafeEqual(got, want)) return { code: 'token_invalid' };
  if (typeof claims.sub !== 'string' || claims.sub === '' || typeof claims.exp !== 'number') return { code: 'token_invalid' };
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.nbf === 'number' && claims.nbf > now) return { code: 'token_invalid' };
  if (opts.iss !== undefined && claims.iss !== opts.iss) return { code: 'token_invalid' };
  if (opts.aud !== undefined) {
    const auds = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!auds.includes(opts.aud)) return { code: 'token_invalid' };
  }
  if (claims.exp <= now) return { code: 'token_expired' };
  return { sub: claims.sub };
}

// ---- Scans: per user, rows keyed by id holding their latest change ----
const users = new Map();  // sub -> { seq, rows: Map<id, change> }, change = {op:'created',scan} | {op:'deleted',id,seq,deletedAt}
const userState = (sub) => {
  let u = users.get(sub);
  if (!u) users.set(sub, (u = { seq: 0, rows: new Map() }));
  return u;
};
const changeSeq = (c) => (c.op === 'created' ? c.scan.seq : c.seq);
const logFile = path.join(opts.data, 'node-server.log');
for (const line of fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n') : []) {
  if (!line) continue;
  let rec;
  try { rec = JSON.parse(line); } catch { break; }  // a torn last line
  const u = userState(rec.user);
  u.rows.set(rec.change.op === 'created' ? rec.change.scan.id : rec.change.id, rec.change);
  u.seq = Math.max(u.seq, changeSeq(rec.change));
}
const logFd = fs.openSync(logFile, 'a');
const persist = (user, change) => fs.writeSync(logFd, JSON.stringify({ user, change }) + '\n');

const FORMATS = new Set(['qr', 'ean13', 'ean8', 'upc_a', 'code128', 'code39', 'datamatrix', 'pdf417', 'aztec', 'unknown']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const invalid = (detail) => ({ ok: false, error: 'invalid', detail });

function createScan(user, p) {
  if (!p || typeof p !== 'object' || Array.isArray(p)) return { ack: invalid('payload must be an object') };
  if (typeof p.id !== 'string' || !UUID.test(p.id)) return { ack: invalid('id must be a UUID') };
  if (typeof p.code !== 'string' || p.code === '' || Buffer.byteLength(p.code) > 4096) return { ack: invalid('code must be 1..4096 bytes') };
  if (!FORMATS.has(p.format)) return { ack: invalid('unknown format') };
  if (typeof p.deviceId !== 'string') return { ack: invalid('deviceId must be a string') };
  if (typeof p.createdAt !== 'string' || !RFC3339.test(p.createdAt)) return { ack: invalid('createdAt must be RFC 3339') };
  const u = userState(user);
  const existing = u.rows.get(p.id);
  if (existing && existing.op === 'created') return { ack: { ok: true, scan: existing.scan }, existed: true };
  if (existing) return { ack: invalid('id was deleted') };
  const scan = { id: p.id, userId: user, code: p.code, format: p.format, deviceId: p.deviceId, createdAt: p.createdAt, seq: u.seq + 1 };
  const change = { op: 'created', scan };
  persist(user, change);
  u.seq = scan.seq;
  u.rows.set(scan.id, change);
  return { ack: { ok: true, scan }, broadcast: ['scan:created', scan] };
}

function deleteScan(user, p) {
  if (!p || typeof p.id !== 'string') return { ack: invalid('id is required') };
  const u = userState(user);
  const row = u.rows.get(p.id);
  if (!row) return { ack: { ok: false, error: 'not_found' } };
  if (row.op === 'deleted') return { ack: { ok: true, seq: row.seq } };
  const change = { op: 'deleted', id: p.id, userId: user, seq: u.seq + 1, deletedAt: new Date().toISOString() };
  persist(user, change);
  u.seq = change.seq;
  u.rows.set(p.id, change);
  return { ack: { ok: true, seq: change.seq }, broadcast: ['scan:deleted', { id: change.id, userId: user, seq: change.seq, deletedAt: change.deletedAt }] };
}

function syncSince(user, p) {
  const since = p && p.seq !== undefined ? p.seq : 0;
  const limit = p && p.limit !== undefined ? p.limit : 100;
  if (!Number.isInteger(since) || since < 0 || !Number.isInteger(limit) || limit < 1) return { ack: invalid('seq and limit must be non-negative integers') };
  const u = userState(user);
  const all = [...u.rows.values()].filter((c) => changeSeq(c) > since).sort((a, b) => changeSeq(a) - changeSeq(b));
  const page = all.slice(0, Math.min(limit, 1000)).map((c) => (c.op === 'created' ? c : { op: 'deleted', id: c.id, seq: c.seq, deletedAt: c.deletedAt }));
  return { ack: { ok: true, changes: page, latestSeq: u.seq, epoch: EPOCH, hasMore: all.length > page.length } };
}

// ---- REST ----
function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
const httpError = (res, status, code, message) => sendJson(res, status, { error: { code, message } });

function handleRest(req, res) {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/healthz') return sendJson(res, 200, { ok: true });
  if (url.pathname !== '/api/scans' && !url.pathname.startsWith('/api/scans/')) return httpError(res, 404, 'not_found', 'no such route');
  const auth = req.headers.authorization || '';
  const v = verifyToken(auth.startsWith('Bearer ') ? auth.slice(7) : '');
  if (!v.sub) return httpError(res, 401, v.code, 'unauthorized');
  const chunks = [];
  let size = 0;
  let tooBig = false;
  req.on('data', (c) => {
    size += c.length;
    if (size > opts.maxPayload) tooBig = true;
    else chunks.push(c);
  });
  req.on('end', () => {
    if (tooBig) return httpError(res, 413, 'payload_too_large', 'body too large');
    const id = url.pathname.slice('/api/scans/'.length);
    if (req.method === 'GET' && url.pathname === '/api/scans') {
      if (url.searchParams.has('since')) {
        const r = syncSince(v.sub, { seq: Number(url.searchParams.get('since')), limit: url.searchParams.has('limit') ? Number(url.searchParams.get('limit')) : undefined });
        if (!r.ack.ok) return httpError(res, 400, 'invalid', r.ack.detail);
        return sendJson(res, 200, r.ack);
      }
      const u = userState(v.sub);
      const scans = [...u.rows.values()].filter((c) => c.op === 'created').map((c) => c.scan).sort((a, b) => b.seq - a.seq);
      return sendJson(res, 200, { scans, latestSeq: u.seq, epoch: EPOCH, nextCursor: null });
    }
    if (req.method === 'POST' && url.pathname === '/api/scans') {
      let body;
      try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { return httpError(res, 400, 'bad_json', 'body is not JSON'); }
      const r = createScan(v.sub, body);
      if (!r.ack.ok) return httpError(res, 400, 'invalid', r.ack.detail);
      if (r.broadcast) io.to(`user:${v.sub}`).emit(...r.broadcast);
      return sendJson(res, r.existed ? 200 : 201, r.ack.scan);
    }
    if (req.method === 'DELETE' && id) {
      const r = deleteScan(v.sub, { id: decodeURIComponent(id) });
      if (!r.ack.ok) return httpError(res, r.ack.error === 'not_found' ? 404 : 400, r.ack.error, 'cannot delete');
      if (r.broadcast) io.to(`user:${v.sub}`).emit(...r.broadcast);
      return sendJson(res, 200, { seq: r.ack.seq });
    }
    return httpError(res, 405, 'method_not_allowed', 'method not allowed');
  });
}

// ---- Socket.IO ----
const server = http.createServer(handleRest);
const io = new Server(server, {
  pingInterval: opts.pingInterval, pingTimeout: opts.pingTimeout, maxHttpBufferSize: opts.maxPayload,
  connectTimeout: opts.connectTimeout, serveClient: false, cors: { origin: true },
});
io.use((socket, next) => {
  const auth = socket.handshake.auth || {};
  const token = typeof auth.token === 'string' && auth.token ? auth.token : socket.handshake.query.token;
  const v = verifyToken(token);
  if (v.sub) {
    socket.data.sub = v.sub;
    return next();
  }
  const err = new Error('unauthorized');
  err.data = { code: v.code };
  next(err);
});
io.on('connection', (socket) => {
  const sub = socket.data.sub;
  const room = `user:${sub}`;
  const withAck = (fn) => (payload, ack) => {
    if (typeof ack !== 'function') return;
    const r = fn(payload);
    ack(r.ack);
    if (r.broadcast) io.to(room).emit(...r.broadcast);
  };
  socket.on('room:join', withAck((p) => {
    if (p && p.room !== undefined && p.room !== room) return { ack: { ok: false, error: 'forbidden' } };
    socket.join(room);
    return { ack: { ok: true, room } };
  }));
  socket.on('scan:create', withAck((p) => createScan(sub, p)));
  socket.on('scan:delete', withAck((p) => deleteScan(sub, p)));
  socket.on('sync:since', withAck((p) => syncSince(sub, p)));
});

server.listen(opts.port, opts.host, () => {
  process.stdout.write(JSON.stringify({ type: 'listening', host: opts.host, port: server.address().port }) + '\n');
});
process.on('SIGTERM', () => {
  io.close();
  fs.closeSync(logFd);
  process.exit(0);
});
