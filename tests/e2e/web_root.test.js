'use strict';
// The web page's files served by `scansync gateway --web-root DIR` at /, and
// the --cors-origin flag: fetch (and raw HTTP where fetch would normalise the
// path or undo the gzip) against the real binary with a temporary web root.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const zlib = require('node:zlib');
const { spawn } = require('node:child_process');
const h = require('./lib/harness');

// The page and the origin list are the gateway's flags: the Node contract
// server (bench/) has neither.
if (process.env.SCANSYNC_E2E_SERVER === 'node') {
  describe('web root and CORS', { skip: 'SCANSYNC_E2E_SERVER=node: --web-root and --cors-origin are the gateway\'s' }, () => {});
  return;
}

const INDEX = '<!doctype html><title>scansync</title><script type="module" src="app.js"></script>';
const APP_JS = 'export const answer = 42;\n'.repeat(50);
const WASM = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

let root;
let outside;
let server;
before(async () => {
  const base = h.tempDir('scansync-web-');
  root = path.join(base, 'web');
  outside = path.join(base, 'secret.txt');
  fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(root, 'index.html'), INDEX);
  fs.writeFileSync(path.join(root, 'app.js'), APP_JS);
  fs.writeFileSync(path.join(root, 'app.js.gz'), zlib.gzipSync(APP_JS));
  fs.writeFileSync(path.join(root, 'assets', 'core.wasm'), WASM);
  fs.writeFileSync(path.join(root, 'style.css'), 'body{}');
  fs.writeFileSync(path.join(root, '.env'), 'SECRET=1');
  fs.writeFileSync(outside, 'outside the root');
  fs.symlinkSync(outside, path.join(root, 'escape.txt'));
  server = await h.startServer({
    args: ['--web-root', root, '--cors-origin', 'http://app.example:3000', '--cors-origin', 'https://Other.example:443'],
  });
});
after(async () => {
  const r = await server.stop();
  assert.equal(r.code, 0, `exit after SIGTERM: ${JSON.stringify(r)}`);
});

// One request as written (no URL normalisation, no decompression).
function raw(method, target, headers = {}) {
  return h.withDeadline(new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, method, path: target, headers });
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  }), h.DEFAULT_DEADLINE_MS, `${method} ${target}`);
}

// The first stderr line matching `pred`, once the server has written it
// (stderr is read apart from stdout: it may lag the "listening" line).
function stderrLine(pred) {
  return h.withDeadline(new Promise((resolve) => {
    const check = () => {
      const line = server.stderrLines.find(pred);
      if (line === undefined) return;
      server.child.stderr.off('data', check);
      resolve(line);
    };
    server.child.stderr.on('data', check);  // after the harness's readline: its lines are in
    check();
  }), h.DEFAULT_DEADLINE_MS, 'stderr line');
}

async function get(p, headers = {}) {
  const res = await h.withDeadline(fetch(server.url + p, { headers }), h.DEFAULT_DEADLINE_MS, `GET ${p}`);
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body };
}

function assertNotFound(res, what) {
  assert.equal(res.status, 404, `${what}: status`);
  assert.match(res.headers['content-type'] || res.headers.get?.('content-type') || '', /application\/json/, what);
  const json = JSON.parse(res.body.toString('utf8'));
  assert.equal(json.error.code, 'not_found', what);
}

describe('the page at /', () => {
  it('logs where the page is served from', async () => {
    const line = await stderrLine((l) => l.includes('"event":"web_root"'));
    assert.ok(line.includes(fs.realpathSync(root)), line);
  });

  it('/ is index.html, revalidated on every use', async () => {
    const res = await get('/');
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), INDEX);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.match(res.headers.get('etag') || '', /^"[0-9a-f]+-[0-9a-f]+"$/);
    assert.ok(res.headers.get('last-modified'));
    assert.equal((await get('/index.html')).body.toString(), INDEX);
  });

  it('answers each file with its type', async () => {
    const wasm = await get('/assets/core.wasm');
    assert.equal(wasm.status, 200);
    assert.equal(wasm.headers.get('content-type'), 'application/wasm');
    assert.deepEqual(wasm.body, WASM);
    assert.equal((await get('/style.css')).headers.get('content-type'), 'text/css; charset=utf-8');
    const js = await get('/app.js', { 'accept-encoding': 'identity' });
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(js.headers.get('content-encoding'), null, 'identity asked: the plain file');
    assert.equal(js.body.toString(), APP_JS);
    assert.match(js.headers.get('vary') || '', /Accept-Encoding/);
  });

  it('serves the precompressed .gz sibling to a client that takes gzip', async () => {
    const res = await raw('GET', '/app.js', { 'accept-encoding': 'br, gzip' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.equal(res.headers['content-type'], 'text/javascript; charset=utf-8', 'the type of the file, not of .gz');
    assert.match(res.headers.vary || '', /Accept-Encoding/);
    assert.equal(Number(res.headers['content-length']), res.body.length);
    assert.ok(res.body.length < APP_JS.length, 'compressed bytes on the wire');
    assert.equal(zlib.gunzipSync(res.body).toString(), APP_JS);
    const refused = await raw('GET', '/app.js', { 'accept-encoding': 'gzip;q=0' });
    assert.equal(refused.headers['content-encoding'], undefined);
    assert.equal(refused.body.toString(), APP_JS);
    assert.notEqual(refused.headers.etag, res.headers.etag, 'each representation has its own ETag');
  });

  it('answers 304 to a client that has the file, by ETag or by date', async () => {
    const first = await get('/app.js');
    const etag = first.headers.get('etag');
    const again = await get('/app.js', { 'if-none-match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    assert.equal(again.headers.get('etag'), etag);
    assert.equal(again.headers.get('cache-control'), 'no-cache');
    assert.equal((await get('/app.js', { 'if-none-match': '"stale"' })).status, 200);
    const lastModified = first.headers.get('last-modified');
    assert.equal((await get('/app.js', { 'if-modified-since': lastModified })).status, 304);
    assert.equal((await get('/app.js', { 'if-modified-since': 'Thu, 01 Jan 1970 00:00:01 GMT' })).status, 200);
  });

  it('HEAD gives the headers and no body', async () => {
    const res = await raw('HEAD', '/', { 'accept-encoding': 'identity' });
    assert.equal(res.status, 200);
    assert.equal(Number(res.headers['content-length']), Buffer.byteLength(INDEX));
    assert.equal(res.body.length, 0);
  });

  it('404 JSON for a missing file; other methods are 405', async () => {
    assertNotFound(await get('/missing.js'), '/missing.js');
    assertNotFound(await get('/assets/'), 'a folder without index.html');
    const post = await raw('POST', '/index.html');
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
  });

  it('never serves what is outside the root or hidden', async () => {
    for (const target of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt',
      '/%2e%2e%2fsecret.txt', '/assets/..%5c..%5csecret.txt', '/escape.txt', '/.env', '/%2eenv', '//etc/passwd',
      '/index.html%00.js', '/%zz', `/${outside}`, '/%2f' + outside.slice(1)]) {
      const res = await raw('GET', target);
      assert.ok(res.status === 404 || res.status === 400, `${target}: status ${res.status}`);
      assert.ok(!res.body.toString().includes('outside the root') && !res.body.toString().includes('SECRET'),
        `${target} leaked: ${res.body}`);
    }
  });

  it('the API keeps its routes', async () => {
    assert.equal((await get('/healthz')).status, 200);
    const api = await get('/api/scans');
    assert.equal(api.status, 401, 'the REST API, not a file');
    assertNotFound(await get('/api/other'), '/api/other');
    const eio = await get('/socket.io/?EIO=4&transport=polling');
    assert.equal(eio.status, 200);
    assert.match(eio.body.toString(), /^0\{"sid"/);
  });
});

describe('--cors-origin', () => {
  it('answers CORS to the listed origins only, with credentials', async () => {
    const ok = await raw('GET', '/healthz', { origin: 'http://app.example:3000' });
    assert.equal(ok.headers['access-control-allow-origin'], 'http://app.example:3000');
    assert.equal(ok.headers['access-control-allow-credentials'], 'true');
    assert.match(ok.headers.vary || '', /Origin/);
    const other = await raw('GET', '/api/scans', { origin: 'https://other.example' });
    assert.equal(other.headers['access-control-allow-origin'], 'https://other.example', 'the second flag, normalised');
    const evil = await raw('GET', '/api/scans', { origin: 'http://evil.example' });
    assert.equal(evil.headers['access-control-allow-origin'], undefined);
    assert.equal(evil.headers['access-control-allow-credentials'], undefined);
  });

  it('preflight', async () => {
    const pre = await raw('OPTIONS', '/api/scans', {
      origin: 'http://app.example:3000', 'access-control-request-method': 'DELETE',
      'access-control-request-headers': 'authorization',
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], 'http://app.example:3000');
    assert.match(pre.headers['access-control-allow-methods'], /DELETE/);
    assert.match(pre.headers['access-control-allow-headers'], /Authorization/);
    const refused = await raw('OPTIONS', '/api/scans', { origin: 'http://evil.example', 'access-control-request-method': 'DELETE' });
    assert.equal(refused.headers['access-control-allow-origin'], undefined);
  });

  it('refuses a WebSocket handshake from another origin (403)', async () => {
    const upgrade = (origin) => h.withDeadline(new Promise((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1', port: server.port, path: '/socket.io/?EIO=4&transport=websocket',
        headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', ...(origin ? { origin } : {}) },
      });
      req.on('upgrade', (res, socket) => { socket.destroy(); resolve(res.statusCode); });
      req.on('response', (res) => { res.resume(); resolve(res.statusCode); });
      req.on('error', reject);
      req.end();
    }), h.DEFAULT_DEADLINE_MS, `upgrade from ${origin}`);
    assert.equal(await upgrade('http://evil.example'), 403);
    assert.equal(await upgrade('http://app.example:3000'), 101);
    assert.equal(await upgrade(`http://127.0.0.1:${server.port}`), 101, 'the gateway\'s own page');
    assert.equal(await upgrade(undefined), 101, 'native clients send no Origin');
  });

  it('refuses a value that is not an origin at startup (exit 2, the value named)', async () => {
    const bin = process.env.SCANSYNC_BIN || path.join(h.REPO, 'build', 'src', 'cli', 'scansync');
    const run = (args) => h.withDeadline(new Promise((resolve) => {
      const child = spawn(bin, ['gateway', '--conformance', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d) => { err += d; });
      child.on('exit', (code) => resolve({ code, err }));
    }), 10000, `scansync gateway ${args.join(' ')}`);
    // A usage error: the flag and the value named, then the usage line.
    const slash = await run(['--cors-origin', 'https://app.example/']);
    assert.equal(slash.code, 2);
    assert.match(slash.err, /^scansync gateway: --cors-origin: "https:\/\/app\.example\/": .*trailing \/\nusage: /);
    const bare = await run(['--cors-origin', 'app.example']);
    assert.equal(bare.code, 2);
    assert.match(bare.err, /not an origin/);
    const root = await run(['--web-root', path.join(h.tempDir(), 'nope')]);
    assert.equal(root.code, 2);
    assert.match(root.err, /^scansync gateway: --web-root: \S+nope: not a folder\nusage: /);
  });
});
