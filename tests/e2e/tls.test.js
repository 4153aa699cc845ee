'use strict';
// TLS on the gateway itself (--tls-cert, --tls-key) with a throw-away PKI
// made by the openssl CLI (root CA → intermediate → a leaf for localhost and
// 127.0.0.1; the certificate file holds the leaf and the intermediate, the
// clients trust only the root): the official socket.io-client over wss and
// over https long-polling with the upgrade, REST over https, the native
// client (scansync watch --ca-file). A client without the CA is refused,
// plain HTTP to the port gets a 400 and costs only its connection, unusable
// files exit 1 naming them, one flag without the other is a usage error.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const path = require('node:path');
const { io } = require('socket.io-client');
const h = require('./lib/harness');
const { Watcher, scansyncBin } = require('./lib/watch');

// Under ASan every handshake is slower.
const WAIT_MS = h.DEFAULT_DEADLINE_MS * (process.env.SCANSYNC_SANITIZED === '1' ? 3 : 1);

function makePki(dir) {
  const openssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const sign = (csr, ca, ext, out) => openssl('x509', '-req', '-in', csr, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`,
    '-CAcreateserial', '-days', '2', '-sha256', '-extfile', ext, '-out', out);
  openssl('req', '-x509', ...ecKey, '-keyout', 'root.key', '-out', 'root.pem', '-days', '2', '-subj', '/CN=scansync e2e root',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  fs.writeFileSync(path.join(dir, 'ca.ext'), 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n');
  openssl('req', '-new', ...ecKey, '-keyout', 'intermediate.key', '-out', 'intermediate.csr', '-subj', '/CN=scansync e2e intermediate');
  sign('intermediate.csr', 'root', 'ca.ext', 'intermediate.pem');
  fs.writeFileSync(path.join(dir, 'leaf.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n' +
    'keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n');
  openssl('req', '-new', ...ecKey, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  sign('server.csr', 'intermediate', 'leaf.ext', 'leaf.pem');
  const file = (name) => path.join(dir, name);
  fs.writeFileSync(file('chain.pem'), fs.readFileSync(file('leaf.pem'), 'utf8') + fs.readFileSync(file('intermediate.pem'), 'utf8'));
  return { root: file('root.pem'), chain: file('chain.pem'), key: file('server.key'), otherKey: file('intermediate.key'), file };
}

let pki;
let ca;
let server;
let base;
before(async () => {
  pki = makePki(h.tempDir('scansync-tls-'));
  ca = fs.readFileSync(pki.root);
  server = await h.startServer({ args: ['--tls-cert', pki.chain, '--tls-key', pki.key] });
  base = `https://127.0.0.1:${server.port}`;
});
after(async () => {
  if (server) assert.equal((await server.stop()).code, 0, server.stderr());
});

const user = (label) => `${label}-${crypto.randomBytes(4).toString('hex')}`;

function connect(token, o = {}) {
  const socket = io(base, {
    forceNew: true,
    reconnection: false,
    transports: o.transports || h.TRANSPORTS.websocket,
    auth: { token },
    ca: o.ca === undefined ? ca : o.ca,
    timeout: WAIT_MS,
  });
  return h.withDeadline(new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (e) => {
      socket.disconnect();
      reject(e);
    });
  }), WAIT_MS, `connect over ${(o.transports || ['websocket']).join('+')}`);
}

async function joined(token, o) {
  const socket = await connect(token, o);
  assert.deepEqual((await h.emitAck(socket, 'room:join', {}, WAIT_MS)).ok, true);
  return socket;
}

// One request with https (trusting the root) or http; resolves with status and body.
function request(client, method, p, { token, body, ca: trusted = ca } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return h.withDeadline(new Promise((resolve, reject) => {
    const req = client.request({ host: '127.0.0.1', port: server.port, method, path: p, headers, ca: trusted, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, text, json, alpn: res.socket.alpnProtocol });
      });
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  }), WAIT_MS, `${method} ${p}`);
}

describe('scansync gateway --tls-cert --tls-key', () => {
  it('says so when it starts listening', () => {
    assert.match(server.stderr(), /"event":"listening","host":"127\.0\.0\.1","port":\d+,"tls":"true"/);
  });

  it('wss: a scan created over the socket and one over REST (https) reach the user\'s sockets', async () => {
    const token = h.mintToken(server.secret, { sub: user('wss') });
    const [a, b] = [await joined(token), await joined(token)];
    try {
      const created = h.recorder(b, 'scan:created');
      const viaSocket = await h.emitAck(a, 'scan:create', h.newScan(), WAIT_MS);
      assert.equal(viaSocket.ok, true, JSON.stringify(viaSocket));
      const viaRest = await request(https, 'POST', '/api/scans', { token, body: h.newScan() });
      assert.equal(viaRest.status, 201, viaRest.text);
      const got = await created.waitFor(2, WAIT_MS);
      assert.deepEqual(got.map((s) => s.id), [viaSocket.scan.id, viaRest.json.id]);
      const list = await request(https, 'GET', '/api/scans', { token });
      assert.equal(list.status, 200);
      assert.deepEqual(list.json.scans.map((s) => s.id).sort(), [viaSocket.scan.id, viaRest.json.id].sort());
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });

  it('https long-polling upgrades to wss and receives a scan made over REST', async () => {
    const token = h.mintToken(server.secret, { sub: user('polling') });
    const socket = await connect(token, { transports: h.TRANSPORTS['polling+upgrade'] });
    try {
      assert.equal((await h.emitAck(socket, 'room:join', {}, WAIT_MS)).ok, true);
      const engine = socket.io.engine;
      if (engine.transport.name !== 'websocket') await h.waitEvent(engine, 'upgrade', WAIT_MS);
      assert.equal(engine.transport.name, 'websocket');
      const created = h.recorder(socket, 'scan:created');
      const made = await request(https, 'POST', '/api/scans', { token, body: h.newScan() });
      assert.equal(made.status, 201, made.text);
      assert.deepEqual((await created.waitFor(1, WAIT_MS))[0], made.json);
    } finally {
      socket.disconnect();
    }
  });

  it('polling only works too, and /healthz answers over https with ALPN http/1.1', async () => {
    const token = h.mintToken(server.secret, { sub: user('poll-only') });
    const socket = await joined(token, { transports: h.TRANSPORTS['polling only'] });
    try {
      const ack = await h.emitAck(socket, 'scan:create', h.newScan(), WAIT_MS);
      assert.equal(ack.ok, true, JSON.stringify(ack));
    } finally {
      socket.disconnect();
    }
    const health = await h.withDeadline(new Promise((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: server.port, path: '/healthz', ca, ALPNProtocols: ['h2', 'http/1.1'], agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, alpn: res.socket.alpnProtocol }));
      }).on('error', reject);
    }), WAIT_MS, 'GET /healthz with ALPN');
    assert.deepEqual(health, { status: 200, alpn: 'http/1.1' });
  });

  it('the native client (scansync watch --ca-file) connects and receives a scan', async () => {
    const token = h.mintToken(server.secret, { sub: user('native') });
    const w = new Watcher(base, token, ['--ca-file', pki.root]);
    try {
      await w.waitConnected(1, WAIT_MS);
      const made = await request(https, 'POST', '/api/scans', { token, body: h.newScan() });
      assert.equal(made.status, 201, made.text);
      assert.deepEqual((await w.waitEvent('scan:created', made.json.id, WAIT_MS)).data, made.json);
    } finally {
      assert.deepEqual(await w.stop(), { code: 0, signal: null });
    }
  });

  it('a client that does not trust the CA is refused with a certificate error', async () => {
    const token = h.mintToken(server.secret, { sub: user('untrusting') });
    const err = await connect(token, { ca: null }).then(
      (s) => { s.disconnect(); throw new Error('connected without trusting the CA'); },
      (e) => e);
    const why = err.description && err.description.message ? err.description.message : String(err.message);
    assert.match(why, /certificate|issuer/i, why);
    await assert.rejects(request(https, 'GET', '/healthz', { ca: null }), (e) => /certificate|issuer/i.test(e.message));
  });

  it('plain HTTP to the TLS port gets a 400 naming https, and the gateway keeps serving', async () => {
    const plain = await request(http, 'GET', '/healthz');
    assert.equal(plain.status, 400);
    assert.match(plain.text, /https:\/\//);
    const health = await request(https, 'GET', '/healthz');
    assert.equal(health.status, 200);
    const token = h.mintToken(server.secret, { sub: user('after-plain') });
    (await joined(token)).disconnect();
    assert.equal(server.running(), true);
  });
});

describe('unusable TLS settings', () => {
  const gateway = (args) => {
    const data = h.tempDir('scansync-tls-bad-');
    const r = spawnSync(scansyncBin(), ['gateway', '--port', '0', '--data', data, ...args], { encoding: 'utf8', timeout: 20000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('a key that is not the certificate\'s: exit 1 naming the key file and OpenSSL\'s reason', () => {
    const r = gateway(['--tls-cert', pki.chain, '--tls-key', pki.otherKey]);
    assert.equal(r.code, 1, JSON.stringify(r));
    assert.equal(r.stdout, '', 'no listening line');
    assert.ok(r.stderr.includes(pki.otherKey), r.stderr);
    assert.match(r.stderr, /key values mismatch/, r.stderr);
  });

  it('a missing key file, or a key file that is no key: exit 1 naming it', () => {
    const missing = pki.file('missing.key');
    const r = gateway(['--tls-cert', pki.chain, '--tls-key', missing]);
    assert.equal(r.code, 1, JSON.stringify(r));
    assert.ok(r.stderr.includes(missing), r.stderr);
    assert.match(r.stderr, /No such file/, r.stderr);
    const notKey = gateway(['--tls-cert', pki.chain, '--tls-key', pki.chain]);
    assert.equal(notKey.code, 1, JSON.stringify(notKey));
    assert.ok(notKey.stderr.includes(`${pki.chain}: not a PEM private key`), notKey.stderr);
  });

  it('a certificate file that holds no certificate: exit 1 naming it', () => {
    const r = gateway(['--tls-cert', pki.key, '--tls-key', pki.key]);
    assert.equal(r.code, 1, JSON.stringify(r));
    assert.ok(r.stderr.includes(`${pki.key}: not a PEM certificate chain`), r.stderr);
  });

  it('one flag without the other is a usage error (exit 2, one line, then the usage)', () => {
    for (const [given, missing] of [['--tls-cert', '--tls-key'], ['--tls-key', '--tls-cert']]) {
      const r = gateway([given, pki.chain]);
      assert.equal(r.code, 2, JSON.stringify(r));
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 2, r.stderr);
      assert.match(lines[0], new RegExp(`^scansync gateway: ${given} requires ${missing}`));
      assert.match(lines[1], /^usage: scansync gateway \[OPTIONS\]/);
    }
  });
});
