'use strict';
// The browser benchmark (issue 10): in one headless Chromium, the WASM
// client (build/web/scansync.js, built by scripts/build-web.sh) against the
// official socket.io-client (its ESM browser build, pinned in interop/) on
// the same stream of `scan:created` frames.
//
//   node bench/browser/browser_bench.js [--frames 200000] [--wire-frames 20000] [--rounds 3]
//        [--kinds wasm,sio,raw] [--modes replay,wire] [--web build/web] [--json FILE] [--profile DIR]
//
// --profile DIR: a CDP CPU profile of each round (DIR/<kind>-<mode>.cpuprofile)
// and its top self times on stderr; the profiler slows the rounds down.
//
// One local HTTP server serves the page, both clients and the official
// socket.io server (same origin, websocket transport only for both). After
// CONNECT and room:join (acked; sync:since answered with an empty page for
// the WASM client's catch-up), the frames of bench/gen_frames.js reach the
// client in one of two modes (page.js): "replay" hands them, fetched
// beforehand, to the onmessage the client installed on its WebSocket (the
// client's event path alone); "wire" has the server write them straight to
// the connection's `ws` socket (`bench:start {n}`) in bursts of 500, the
// next once the last was written out (Chromium's delivery included). The
// "raw" kind is the floor: a bare WebSocket and JSON.parse. Each round is a fresh page
// that loads one client; rounds alternate (wasm, socket.io-client, ...) and
// the median of each is reported. Every wait has a deadline; a browser that
// does not close gets a grace period, then SIGKILL by its pid.
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { Server } = require('socket.io');
const { frame } = require('../gen_frames.js');
const { median, table } = require('../report');

const REPO = path.resolve(__dirname, '..', '..');
const CHROMIUM = process.env.SCANSYNC_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const BURST = 500;

function parseArgs(argv) {
  const o = { frames: 200000, rounds: 3, kinds: 'wasm,sio,raw', modes: 'replay,wire', profile: '', wireFrames: 20000, web: path.join(REPO, 'build', 'web'), json: '' };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '').replace(/-(\w)/g, (_, c) => c.toUpperCase());
    if (!(key in o)) throw new Error(`unknown option ${argv[i]}`);
    o[key] = typeof o[key] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
  }
  return o;
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.map': 'application/json' };
// URL prefix -> folder. Only files directly named below these are served.
function staticRoutes(web) {
  return [
    ['/web/', web],
    ['/sio/', path.join(REPO, 'interop', 'node_modules', 'socket.io-client', 'dist')],
    ['/', __dirname],
  ];
}

function serveFile(routes, req, res) {
  const url = new URL(req.url, 'http://x');
  const name = url.pathname === '/' ? '/page.html' : url.pathname;
  for (const [prefix, dir] of routes) {
    if (!name.startsWith(prefix)) continue;
    const file = path.join(dir, path.normalize(name.slice(prefix.length)));
    if (!file.startsWith(dir) || !fs.existsSync(file) || !fs.statSync(file).isFile()) break;
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
    fs.createReadStream(file).pipe(res);
    return;
  }
  res.writeHead(404).end();
}

// Writes frames[0..n) to the engine.io connection's ws socket in bursts.
function stream(ws, frames, n) {
  let i = 0;
  const burst = () => {
    const end = Math.min(n, i + BURST);
    while (i < end - 1) ws.send(frames[i++]);
    ws.send(frames[i++], (err) => { if (!err && i < n) burst(); });
  };
  burst();
}

function startServer(web, frames) {
  const routes = staticRoutes(web);
  const httpServer = http.createServer((req, res) => {
    if (req.url.startsWith('/socket.io/')) return;  // socket.io's own listener answers
    if (req.url.startsWith('/frames?')) {  // the replay mode's stream, a JSON array of frames
      const n = Math.min(Number(new URL(req.url, 'http://x').searchParams.get('n')), frames.length);
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(frames.slice(0, n)));
      return;
    }
    serveFile(routes, req, res);
  });
  const io = new Server(httpServer, { transports: ['websocket'], serveClient: false, perMessageDeflate: false });
  io.on('connection', (socket) => {
    socket.on('room:join', (_room, ack) => typeof ack === 'function' && ack({ ok: true }));
    socket.on('sync:since', (_q, ack) => typeof ack === 'function'
      && ack({ ok: true, changes: [], latestSeq: 0, hasMore: false, epoch: 'bench' }));
    socket.on('bench:ready', (_p, ack) => typeof ack === 'function' && ack({ ok: true }));
    socket.on('bench:start', ({ n }) => {
      const ws = socket.conn.transport.socket;  // engine.io's WebSocket transport: the `ws` socket
      stream(ws, frames, Math.min(n, frames.length));
    });
  });
  return new Promise((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(0, '127.0.0.1', () => resolve({ io, httpServer, port: httpServer.address().port }));
  });
}

function withDeadline(promise, ms, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  })]).finally(() => clearTimeout(timer));
}

// Self time per function (name file:line) of a CDP CPU profile, largest first.
function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const total = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const f = byId.get(profile.samples[i]).callFrame;
    const name = `${f.functionName || '(anonymous)'} ${path.basename(f.url)}:${f.lineNumber + 1}`;
    total.set(name, (total.get(name) || 0) + profile.timeDeltas[i] / 1000);
  }
  return [...total].sort((a, b) => b[1] - a[1]);
}

const fmt = (x, digits = 0) => Number(x).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function round(browser, port, kind, n, mode, profileDir) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const cdp = await context.newCDPSession(page);
    await withDeadline(page.goto(`http://127.0.0.1:${port}/`), 15000, 'the page to load');
    await withDeadline(page.waitForFunction(() => window.benchReady === true), 15000, 'the page script');
    if (mode === 'replay') await withDeadline(page.evaluate((count) => window.prepare(count), n), 60000, 'the frames');
    await cdp.send('HeapProfiler.collectGarbage');
    const before = await cdp.send('Runtime.getHeapUsage');
    if (profileDir) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
      await cdp.send('Profiler.start');
    }
    const r = await withDeadline(page.evaluate(([k, count, m]) => window.bench(k, count, m), [kind, n, mode]), 130000, `${kind} ${mode} round`);
    const after = await cdp.send('Runtime.getHeapUsage');  // before any GC: what the run left
    if (profileDir) {
      const { profile } = await cdp.send('Profiler.stop');
      const file = path.join(profileDir, `${kind}-${mode}.cpuprofile`);
      fs.writeFileSync(file, JSON.stringify(profile));
      console.error(`# ${kind} ${mode}: profile in ${file} (open in Chrome DevTools); self time, top 12:`);
      for (const [name, ms] of selfTimes(profile).slice(0, 12)) console.error(`#   ${fmt(ms, 1).padStart(8)} ms  ${name}`);
    }
    if (errors.length) throw new Error(`${kind}: page errors: ${errors.join('; ')}`);
    if (r.count !== n || r.outOfOrder !== 0) throw new Error(`${kind}: ${r.count} events, ${r.outOfOrder} out of order`);
    return { ...r, eventsPerS: (n - 1) / (r.ms / 1000), heapBeforeKb: before.usedSize / 1024, heapAfterKb: after.usedSize / 1024 };
  } finally {
    await withDeadline(context.close(), 10000, 'the context to close').catch(() => {});
  }
}

const LABEL = {
  wasm: 'scansync WASM client (scansync.js + .wasm)',
  sio: 'socket.io-client 4.8.1 (ESM build)',
  raw: 'floor: bare WebSocket + JSON.parse',
};


async function main() {
  const o = parseArgs(process.argv.slice(2));
  for (const f of ['scansync.js', 'scansync.wasm']) {
    if (!fs.existsSync(path.join(o.web, f))) throw new Error(`${o.web}/${f} is missing: run scripts/build-web.sh`);
  }
  const frames = Array.from({ length: o.frames }, (_, i) => frame(i));
  const avg = frames.reduce((a, f) => a + f.length, 0) / frames.length;
  const kinds = o.kinds.split(',');
  const modes = o.modes.split(',');
  const server = await startServer(o.web, frames);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30000 });
  const results = {};
  try {
    const version = browser.version();
    const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
    for (const mode of modes) {
      results[mode] = Object.fromEntries(kinds.map((k) => [k, []]));
      for (let i = 0; i < o.rounds; i++) {
        for (const kind of kinds) {
          const r = await round(browser, server.port, kind, mode === 'wire' ? Math.min(o.wireFrames, o.frames) : o.frames, mode, o.profile);
          results[mode][kind].push(r);
          console.error(`# ${mode} round ${i + 1} ${kind}: ${fmt(r.eventsPerS)} events/s (${fmt(r.ms, 1)} ms), JS heap ${fmt(r.heapBeforeKb)} -> ${fmt(r.heapAfterKb)} kB`);
        }
      }
    }
    const loadAfter = os.loadavg().map((x) => x.toFixed(2)).join(' ');
    const med = (mode, kind) => median(results[mode][kind].map((r) => r.eventsPerS));
    console.log(`\nBrowser: ${fmt(o.frames)} scan:created frames (${fmt(avg)} B avg) until the handler has the parsed scan; Chromium ${version} headless; ${os.cpus().length} cores; load avg ${load} before, ${loadAfter} after; median of ${o.rounds} alternating rounds, a fresh page each`);
    const summary = { frames: o.frames, avgBytes: avg, chromium: version, cores: os.cpus().length, load: [load, loadAfter], ratio: {}, results };
    for (const mode of modes) {
      const rows = kinds.map((kind) => {
        const rs = results[mode][kind];
        return [LABEL[kind], fmt(med(mode, kind)), rs.map((r) => fmt(r.eventsPerS)).join(' / '),
          fmt(median(rs.map((r) => r.heapAfterKb - r.heapBeforeKb))),
          kinds.includes('sio') ? fmt(med(mode, kind) / med(mode, 'sio'), 2) + 'x' : 'n/a'];
      });
      table(mode === 'replay' ? `replay, ${fmt(o.frames)} frames: handed to the client's WebSocket onmessage, 100 per task (the client's event path)`
        : `wire, ${fmt(Math.min(o.wireFrames, o.frames))} frames: written by the local socket.io server to the WebSocket (Chromium's delivery included)`,
      ['client', 'events/s (median)', 'rounds', 'JS heap growth kB', 'vs socket.io-client'], rows);
      if (kinds.includes('wasm') && kinds.includes('sio')) summary.ratio[mode] = med(mode, 'wasm') / med(mode, 'sio');
    }
    if (summary.ratio.replay !== undefined) console.log(`\nWASM / socket.io-client, event path (replay): ${fmt(summary.ratio.replay, 2)}x (target >= 1.5x)`);
    if (o.json) fs.writeFileSync(o.json, JSON.stringify(summary, null, 2));
  } finally {
    const proc = browser.process && browser.process();
    await withDeadline(browser.close(), 10000, 'chromium to close').catch(() => proc && proc.kill('SIGKILL'));
    server.io.close();
    server.httpServer.close();
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(`browser bench: ${e.stack || e}`);
    process.exitCode = 1;
  });
}
module.exports = { startServer };
