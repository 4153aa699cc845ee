#!/usr/bin/env node
// Reference implementation of the scansync real-time contract
// (/work/shared/contract.md) on the official socket.io 4.8.1 server. The C++
// interop tests drive it as a peer:
//
//   stdout: first line {"port":N} once listening on 127.0.0.1, then one JSON
//           line per notable thing ({"evt":"connection",...}) so a test can
//           wait on it instead of sleeping.
//   stdin:  JSON control lines:
//           {"cmd":"emit","user":"alice","event":"scan:created","data":{...}}
//           {"cmd":"drop-transports"}   every socket.conn.close() (recoverable)
//           {"cmd":"hold"} / {"cmd":"release"}  refuse / accept new Engine.IO
//                                       handshakes (HTTP 403), to keep clients away
//           {"cmd":"stats"}             prints {"evt":"stats",...}
//           {"cmd":"exit"}
//           Every command is answered with {"evt":"done","cmd":...}.
//           End of stdin exits too, so a crashed test never leaks a server.
//
// Options: --port N (0 = any), --secret S, --query-only, --recovery,
//          --tls CERT KEY, --ping-interval MS, --ping-timeout MS, --no-sync-since
"use strict";

const crypto = require("node:crypto");
const fs = require("node:fs");
const http = require("node:http");
const https = require("node:https");
const readline = require("node:readline");
const { Server } = require("socket.io");

function parseArgs(argv) {
  const opts = {
    port: 0, secret: "interop-secret", queryOnly: false, recovery: false, tls: null,
    pingInterval: 25000, pingTimeout: 20000, syncSince: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--port") opts.port = Number(argv[++i]);
    else if (a === "--secret") opts.secret = argv[++i];
    else if (a === "--query-only") opts.queryOnly = true;
    else if (a === "--recovery") opts.recovery = true;
    else if (a === "--tls") opts.tls = { cert: argv[++i], key: argv[++i] };
    else if (a === "--ping-interval") opts.pingInterval = Number(argv[++i]);
    else if (a === "--ping-timeout") opts.pingTimeout = Number(argv[++i]);
    else if (a === "--no-sync-since") opts.syncSince = false;
    else {
      process.stderr.write(`reference-server: unknown option ${a}\n`);
      process.exit(2);
    }
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const out = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");

// ---- JWT (HS256 only) ----
function b64urlDecode(s) {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new Error("bad base64url");
  return Buffer.from(s, "base64url");
}

// Returns {sub} or throws an Error whose .code is a contract code.
function verifyJwt(token, secret) {
  const fail = (code) => Object.assign(new Error(code), { code });
  if (typeof token !== "string" || token.length === 0) throw fail("token_missing");
  const parts = token.split(".");
  if (parts.length !== 3) throw fail("token_invalid");
  let header, claims, sig;
  try {
    header = JSON.parse(b64urlDecode(parts[0]).toString("utf8"));
    claims = JSON.parse(b64urlDecode(parts[1]).toString("utf8"));
    sig = b64urlDecode(parts[2]);
  } catch {
    throw fail("token_invalid");
  }
  if (!header || header.alg !== "HS256") throw fail("token_invalid");
  const expected = crypto.createHmac("sha256", secret).update(`${parts[0]}.${parts[1]}`).digest();
  if (sig.length !== expected.length || !crypto.timingSafeEqual(sig, expected)) throw fail("token_invalid");
  if (!claims || typeof claims.sub !== "string" || claims.sub.length === 0) throw fail("token_invalid");
  if (typeof claims.exp !== "number") throw fail("token_invalid");
  if (claims.exp <= Math.floor(Date.now() / 1000)) throw fail("token_expired");
  return { sub: claims.sub };
}

// ---- Scans, per user: live scans and tombstones keyed by id, one seq counter ----
const FORMATS = new Set(["qr", "ean13", "ean8", "upc_a", "code128", "code39", "datamatrix", "pdf417", "aztec", "unknown"]);
const users = new Map();  // sub -> {seq, byId: Map(id -> {op, scan?|tombstone?, seq})}

function userStore(sub) {
  if (!users.has(sub)) users.set(sub, { seq: 0, byId: new Map() });
  return users.get(sub);
}

function validateScanInput(p) {
  if (!p || typeof p !== "object") return "payload must be an object";
  if (typeof p.id !== "string" || !/^[0-9a-fA-F-]{1,64}$/.test(p.id)) return "id";
  if (typeof p.code !== "string") return "code";
  const len = Buffer.byteLength(p.code, "utf8");
  if (len < 1 || len > 4096) return "code length";
  if (typeof p.format !== "string" || !FORMATS.has(p.format)) return "format";
  if (typeof p.deviceId !== "string") return "deviceId";
  if (typeof p.createdAt !== "string" || Number.isNaN(Date.parse(p.createdAt))) return "createdAt";
  return null;
}

function changeOf(entry) {
  return entry.op === "created" ? { op: "created", scan: entry.scan } : { op: "deleted", ...entry.tombstone };
}

// ---- Server ----
let handshakes = 0;     // Engine.IO connections (every transport opened)
let authFailures = 0;
let connections = 0;
let holding = false;    // "hold": new handshakes are refused

const httpServer = opts.tls
  ? https.createServer({ cert: fs.readFileSync(opts.tls.cert), key: fs.readFileSync(opts.tls.key) })
  : http.createServer();

if (opts.tls) {
  // SNI as the client sent it (false when it sent none, e.g. for an IP address).
  httpServer.on("secureConnection", (tlsSocket) => out({ evt: "tls", servername: tlsSocket.servername || false }));
}

const io = new Server(httpServer, {
  pingInterval: opts.pingInterval,
  pingTimeout: opts.pingTimeout,
  maxHttpBufferSize: 1e6,
  allowRequest: (req, callback) => {
    if (holding) out({ evt: "held" });
    callback(holding ? "held" : null, !holding);
  },
  connectionStateRecovery: opts.recovery ? { maxDisconnectionDuration: 2 * 60 * 1000, skipMiddlewares: true } : undefined,
});

io.engine.on("connection", (conn) => {
  handshakes++;
  out({ evt: "handshake", count: handshakes, transport: conn.transport.name });
});

io.use((socket, next) => {
  const fromAuth = socket.handshake.auth && socket.handshake.auth.token;
  const fromQuery = socket.handshake.query && socket.handshake.query.token;
  const token = opts.queryOnly ? fromQuery : (fromAuth || fromQuery);
  try {
    const { sub } = verifyJwt(token, opts.secret);
    socket.data.user = sub;
    socket.data.via = opts.queryOnly || !fromAuth ? "query" : "auth";
    next();
  } catch (e) {
    authFailures++;
    out({ evt: "auth_error", code: e.code || "token_invalid", count: authFailures });
    const err = new Error("unauthorized");
    err.data = { code: e.code || "token_invalid" };
    next(err);
  }
});

io.on("connection", (socket) => {
  connections++;
  const user = socket.data.user;
  const room = `user:${user}`;
  out({ evt: "connection", user, recovered: socket.recovered, via: socket.data.via, count: connections });

  socket.onAny((event, ...args) => {
    const data = args.length > 0 && typeof args[0] !== "function" ? args[0] : null;
    out({ evt: "received", user, event, data });
  });

  socket.on("room:join", (payload, ack) => {
    if (typeof ack !== "function") return;
    const asked = payload && typeof payload === "object" ? payload.room : undefined;
    if (asked !== undefined && asked !== room) return ack({ ok: false, error: "forbidden" });
    socket.join(room);
    out({ evt: "join", user, room });
    ack({ ok: true, room });
  });

  socket.on("scan:create", (payload, ack) => {
    if (typeof ack !== "function") return;
    const bad = validateScanInput(payload);
    if (bad) return ack({ ok: false, error: "invalid", detail: bad });
    const store = userStore(user);
    const existing = store.byId.get(payload.id);
    if (existing && existing.op === "created") return ack({ ok: true, scan: existing.scan });
    if (existing) return ack({ ok: false, error: "invalid", detail: "id was deleted" });
    const scan = {
      id: payload.id, userId: user, code: payload.code, format: payload.format,
      deviceId: payload.deviceId, createdAt: payload.createdAt, seq: ++store.seq,
    };
    store.byId.set(scan.id, { op: "created", scan, seq: scan.seq });
    ack({ ok: true, scan });
    io.to(room).emit("scan:created", scan);
  });

  socket.on("scan:delete", (payload, ack) => {
    if (typeof ack !== "function") return;
    if (!payload || typeof payload.id !== "string") return ack({ ok: false, error: "invalid", detail: "id" });
    const store = userStore(user);
    const existing = store.byId.get(payload.id);
    if (!existing) return ack({ ok: false, error: "not_found" });
    if (existing.op === "deleted") return ack({ ok: true, seq: existing.seq });
    const seq = ++store.seq;
    const tombstone = { id: payload.id, userId: user, seq, deletedAt: new Date().toISOString() };
    store.byId.set(payload.id, { op: "deleted", tombstone, seq });
    ack({ ok: true, seq });
    io.to(room).emit("scan:deleted", tombstone);
  });

  if (opts.syncSince) {
    socket.on("sync:since", (payload, ack) => {
      if (typeof ack !== "function") return;
      const since = payload && Number.isInteger(payload.seq) && payload.seq >= 0 ? payload.seq : null;
      if (since === null) return ack({ ok: false, error: "invalid", detail: "seq" });
      const limit = Math.min(Math.max(Number.isInteger(payload.limit) ? payload.limit : 500, 1), 1000);
      const store = userStore(user);
      const newer = [...store.byId.values()].filter((e) => e.seq > since).sort((a, b) => a.seq - b.seq);
      ack({ ok: true, changes: newer.slice(0, limit).map(changeOf), latestSeq: store.seq, hasMore: newer.length > limit });
    });
  }

  socket.on("disconnect", (reason) => out({ evt: "disconnect", user, reason }));
});

// ---- Control channel ----
function control(line) {
  let msg;
  try {
    msg = JSON.parse(line);
  } catch {
    out({ evt: "control_error", line });
    return;
  }
  switch (msg.cmd) {
    case "emit": {
      const data = msg.data;
      // Scans emitted by the test also go to the store so sync:since sees them.
      if (msg.event === "scan:created" && data && typeof data.id === "string") {
        const store = userStore(msg.user);
        if (Number.isInteger(data.seq)) store.seq = Math.max(store.seq, data.seq);
        else data.seq = ++store.seq;
        store.byId.set(data.id, { op: "created", scan: data, seq: data.seq });
      }
      io.to(`user:${msg.user}`).emit(msg.event, data);
      break;
    }
    case "drop-transports":
      for (const socket of io.of("/").sockets.values()) socket.conn.close();
      break;
    case "hold":
      holding = true;
      break;
    case "release":
      holding = false;
      break;
    case "stats":
      out({ evt: "stats", handshakes, authFailures, connections, sockets: io.of("/").sockets.size });
      break;
    case "exit":
      out({ evt: "done", cmd: "exit" });
      process.exit(0);
      break;
    default:
      out({ evt: "control_error", line });
      return;
  }
  out({ evt: "done", cmd: msg.cmd });
}

readline.createInterface({ input: process.stdin }).on("line", control).on("close", () => process.exit(0));

httpServer.listen(opts.port, "127.0.0.1", () => out({ port: httpServer.address().port }));
httpServer.on("error", (e) => {
  process.stderr.write(`reference-server: ${e.message}\n`);
  process.exit(1);
});
