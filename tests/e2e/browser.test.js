'use strict';
// The web client in real headless Chromium (Debian's /usr/bin/chromium via
// playwright-core): the gateway's own page (index.html, built-in cache) and
// the React + TanStack Query page (react.html), each against a real gateway,
// `scansync device` and REST. The pages come from the web root that
// scripts/build-web.sh writes (SCANSYNC_WEB_ROOT, default build/web): from
// the gateway itself when it has --web-root, else from a static server of
// this test (another origin, as an app served elsewhere). A screenshot of
// each state goes to the folder printed at the start.
const { describe, it, before, after, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const readline = require('node:readline');
const { chromium } = require('playwright-core');
const h = require('./lib/harness');
const { scansyncBin } = require('./lib/watch');

const WEB_ROOT = process.env.SCANSYNC_WEB_DIR || path.join(h.REPO, 'build', 'web');
const SHOTS = process.env.SCANSYNC_SCREENSHOT_DIR || path.join(path.dirname(WEB_ROOT), 'browser-screenshots');
const CHROMIUM = process.env.SCANSYNC_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
// "Within a second"; the sanitized gateway and device are several times slower.
const SHOWN_WITHIN_MS = process.env.SCANSYNC_SANITIZED === '1' ? 3000 : 1000;
const BACKOFF_MS = 200;  // the pages' first reconnect delay here (&backoff=)
const PAGES = { 'gateway page': 'index.html', 'React + TanStack page': 'react.html' };

const gatewayHelp = (() => {
  try {
    return require('node:child_process').execFileSync(scansyncBin(), ['gateway', '--help'], { encoding: 'utf8' });
  } catch (e) {
    return String(e.stdout || '');
  }
})();
const GATEWAY_SERVES_WEB = gatewayHelp.includes('--web-root');
const GATEWAY_HAS_CORS = gatewayHelp.includes('--cors-origin');

let browser;
let staticServer;
const servers = [];
const children = [];
before(async () => {
  assert.ok(fs.existsSync(path.join(WEB_ROOT, 'scansync.js')) && fs.existsSync(path.join(WEB_ROOT, 'index.html')),
    `${WEB_ROOT} lacks scansync.js or index.html: run scripts/build-web.sh`);
  fs.rmSync(SHOTS, { recursive: true, force: true });
  fs.mkdirSync(SHOTS, { recursive: true });
  console.log(`# screenshots: ${SHOTS}; pages served by ${GATEWAY_SERVES_WEB ? 'the gateway' : 'a static server (gateway has no --web-root)'}`);
  staticServer = await serveStatic(WEB_ROOT);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 15000 });
});
after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const s of servers) if (s.running()) await s.kill().catch(() => {});
  if (staticServer) staticServer.close();
  if (browser) {
    // A stuck browser gets a grace period, then SIGKILL by its pid.
    const proc = browser.process && browser.process();
    await h.withDeadline(browser.close(), 5000, 'chromium to close').catch(() => proc && proc.kill('SIGKILL'));
  }
});

// A test that failed half-way leaves its pages: close them (bounded).
const contexts = new Set();
afterEach(async () => {
  for (const c of contexts) await h.withDeadline(c.close(), 5000, 'a browser context to close').catch(() => {});
  contexts.clear();
});

// The web root over plain HTTP on a free port: the "other origin".
function serveStatic(root) {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm' };
  const server = http.createServer((req, res) => {
    const file = path.join(root, path.normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, ''));
    const target = file.endsWith(path.sep) ? path.join(file, 'index.html') : file;
    fs.readFile(target, (err, body) => {
      if (err) { res.writeHead(404); res.end(); return; }
      res.writeHead(200, { 'content-type': types[path.extname(target)] || 'application/octet-stream' });
      res.end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    server.origin = `http://127.0.0.1:${server.address().port}`;
    resolve(server);
  }));
}

async function gateway(o = {}) {
  const args = [...(o.args || [])];
  if (GATEWAY_SERVES_WEB) args.push('--web-root', WEB_ROOT);
  const s = await h.startServer({ ...o, args });
  servers.push(s);
  return s;
}
const user = (label) => `${label}-${crypto.randomBytes(4).toString('hex')}`;

// The page's URL: on the gateway when it serves the web root, else on the
// static server, pointed at the gateway with &server=.
function pageUrl(gw, file, token, o = {}) {
  const onGateway = GATEWAY_SERVES_WEB && !o.otherOrigin;
  const base = onGateway ? gw.url : staticServer.origin;
  const frag = new URLSearchParams({ token, backoff: String(BACKOFF_MS) });
  if (!onGateway) frag.set('server', gw.url);
  return `${base}/${file}#${frag}`;
}

async function openPage(gw, file, token, o = {}) {
  const context = await browser.newContext();
  contexts.add(context);
  const page = await context.newPage();
  page.logs = [];
  page.on('console', (m) => page.logs.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => page.logs.push(`pageerror: ${e.message}`));
  page.sockets = [];
  page.on('websocket', (ws) => {
    const rec = { url: ws.url(), closed: false };
    rec.closedPromise = new Promise((resolve) => ws.on('close', () => { rec.closed = true; resolve(); }));
    page.sockets.push(rec);
  });
  if (o.route) await o.route(page);
  await page.goto(pageUrl(gw, file, token, o));
  page.close = async () => { contexts.delete(context); await context.close(); };
  page.context2 = context;
  return page;
}

const statusText = (page) => page.locator('.scansync-status-text').textContent();
async function waitTone(page, tone, text, ms = 5000) {
  try {
    await page.waitForFunction(([t, txt]) => {
      const el = document.querySelector('.scansync-status');
      return el && el.dataset.tone === t && (!txt || el.textContent.includes(txt));
    }, [tone, text], { timeout: ms });
  } catch (e) {
    const now = await statusText(page).catch(() => '(none)');
    throw new Error(`status not ${tone} "${text || ''}" within ${ms} ms (shows "${now}")\n${page.logs.join('\n')}`);
  }
}
const shot = (page, name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
const slug = (s) => s.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
const listIds = (page) => page.$$eval('ul.scans li', (lis) => lis.map((li) => li.dataset.id));
async function waitListed(page, id, ms = 5000) {
  await page.waitForSelector(`ul.scans li[data-id="${id}"]`, { timeout: ms });
}
async function waitGone(page, id, ms = 5000) {
  await page.waitForSelector(`ul.scans li[data-id="${id}"]`, { state: 'detached', timeout: ms });
}
const createScan = async (gw, token, extra) => {
  const res = await h.rest(gw.url, 'POST', '/api/scans', { token, body: h.newScan(extra) });
  assert.equal(res.status, 201, res.text);
  return res.json;
};

// `scansync device`: scans made on a phone.
function startDevice(gw, token) {
  const db = path.join(h.tempDir('scansync-browser-device-'), 'device.db');
  const child = spawn(scansyncBin(), ['device', '--url', gw.url.replace('http', 'ws'), '--token', token, '--db', db,
    '--backoff-initial-ms', '100'], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  h.liveChildren.add(child);
  child.once('exit', () => h.liveChildren.delete(child));
  const lines = [];
  let waiters = [];
  readline.createInterface({ input: child.stdout }).on('line', (l) => {
    let msg;
    try { msg = JSON.parse(l); } catch { return; }
    lines.push(msg);
    waiters = waiters.filter((w) => (w.pred(msg) ? (w.resolve(msg), false) : true));
  });
  child.stdin.on('error', () => {});
  const waitLine = (pred, what, from) => {
    const seen = lines.slice(from).find(pred);
    return seen ? Promise.resolve(seen)
      : h.withDeadline(new Promise((resolve) => waiters.push({ pred, resolve })), 10000, `device: ${what}`);
  };
  return {
    async scan(code) {
      const from = lines.length;
      child.stdin.write(`scan ${code}\n`);
      return (await waitLine((l) => l.type === 'scanned', `scanned ${code}`, from)).scan;
    },
    // Connected and joined: from here a scan's latency is the sync path alone.
    connected: () => waitLine((l) => (l.type === 'status' || l.type === 'sync') && l.status === 'connected', 'connected', 0),
    // Waits until the device's outbox is empty (the scan is acked).
    synced: () => waitLine((l) => (l.type === 'status' || l.type === 'sync') && l.status === 'connected' && l.pending === 0, 'synced', 0),
    stop: () => { child.stdin.write('quit\n'); },
  };
}

describe('gateway page sign-in', () => {
  it('without #token the sign-in field takes the token', async () => {
    const gw = await gateway();
    const token = h.mintToken(gw.secret, { sub: user('ivan') });
    const scan = await createScan(gw, token);
    const url = pageUrl(gw, 'index.html', token).replace(/#.*/, `#server=${encodeURIComponent(gw.url)}&backoff=${BACKOFF_MS}`);
    const context = await browser.newContext();
    contexts.add(context);
    const page = await context.newPage();
    page.logs = [];
    page.on('pageerror', (e) => page.logs.push(`pageerror: ${e.message}`));
    await page.goto(url);
    await page.waitForSelector('#sign-in:not([hidden])', { timeout: 5000 });
    await page.fill('#token', token);
    await page.click('#sign-in button[type=submit]');
    await waitTone(page, 'green', 'Connected');
    await waitListed(page, scan.id);
    await shot(page, 'gateway-page--signed-in');
    contexts.delete(context);
    await context.close();
  });
});

for (const [label, file] of Object.entries(PAGES)) {
  describe(`${label} in Chromium`, () => {
    const name = (s) => `${slug(label)}--${s}`;

    it('loads green; a scan from `scansync device` appears within a second, once', async () => {
      const gw = await gateway();
      const sub = user('alice');
      const token = h.mintToken(gw.secret, { sub });
      const page = await openPage(gw, file, token);
      await waitTone(page, 'green', 'Connected');
      assert.equal((await page.locator('.scansync-status').textContent()).trim(), 'Connected');
      assert.equal(await page.locator('.scansync-status').getAttribute('aria-live'), 'polite');
      await shot(page, name('connected'));
      const device = startDevice(gw, token);
      await device.connected();
      const scan = await device.scan(`DEVICE-${crypto.randomBytes(3).toString('hex')}`);
      const t0 = Date.now();
      await waitListed(page, scan.id, SHOWN_WITHIN_MS);
      const ms = Date.now() - t0;
      // A REST round trip later the list still holds it once.
      await createScan(gw, token).then((s) => waitListed(page, s.id));
      const ids = await listIds(page);
      assert.equal(ids.filter((id) => id === scan.id).length, 1, `listed once: ${ids}`);
      assert.equal(ids.length, 2);
      console.log(`# ${label}: device scan shown ${ms} ms after the device printed it`);
      await shot(page, name('device-scan'));
      device.stop();
      await page.close();
    });

    it('gateway stopped: yellow with the backoff; restarted: green with the scans made meanwhile and the delete made while away', async () => {
      const gw = await gateway();
      const sub = user('bob');
      const token = h.mintToken(gw.secret, { sub });
      const kept = await createScan(gw, token);
      const doomed = await createScan(gw, token);
      const page = await openPage(gw, file, token);
      await waitTone(page, 'green');
      await waitListed(page, doomed.id);
      const port = gw.port;
      await gw.stop();
      // Each attempt shows for its delay only (200 ms for the first): the
      // text is checked while yellow, the schedule in the page's status log.
      await waitTone(page, 'yellow', 'Reconnecting — attempt ');
      assert.match(await statusText(page), /^Reconnecting — attempt \d+, next try in \d+ s$/);
      await shot(page, name('reconnecting'));
      // A delete while disconnected waits in the client's queue.
      await page.click(`ul.scans li[data-id="${doomed.id}"] button.delete`);
      await page.waitForFunction(() => window.scansyncPage?.statuses.some((s) => s.status === 'reconnecting' && s.attempt >= 3),
        null, { timeout: 5000 });
      const delays = await page.evaluate(() => window.scansyncPage?.statuses
        .filter((s) => s.status === 'reconnecting').map((s) => [s.attempt, s.nextDelayMs]));
      const firstOf = (n) => delays.find(([a]) => a === n);
      assert.deepEqual([firstOf(1), firstOf(2), firstOf(3)], [[1, BACKOFF_MS], [2, 2 * BACKOFF_MS], [3, 4 * BACKOFF_MS]],
        `reconnect delays ${JSON.stringify(delays)}`);
      assert.ok(await page.$(`ul.scans li[data-id="${doomed.id}"]`), 'not deleted while disconnected');
      // Back on the same port and data: what was made meanwhile appears.
      const gw2 = await gateway({ port, dataDir: gw.dataDir, secret: gw.secret });
      const meanwhile = await createScan(gw2, token);
      await waitTone(page, 'green', 'Connected', 8000);
      await waitListed(page, meanwhile.id);
      await waitGone(page, doomed.id);
      const ids = await listIds(page);
      assert.deepEqual(ids, [meanwhile.id, kept.id]);
      await shot(page, name('reconnected'));
      await page.close();
    });

    it('a push racing the list fetch is shown', async () => {
      const gw = await gateway();
      const token = h.mintToken(gw.secret, { sub: user('carol') });
      const old = await createScan(gw, token);
      let pushSeen;
      const pushed = new Promise((resolve) => { pushSeen = resolve; });
      let raced = false;
      let issued = 0;
      let answered = 0;
      const isList = (url) => /\/api\/scans\?limit=/.test(url);
      const page = await openPage(gw, file, token, {
        // Every list request made before the push arrived is answered with
        // what the server said then, after the push: the fetch and the push race.
        route: async (p) => {
          p.on('request', (r) => { if (!raced && isList(r.url())) issued++; });
          await p.route((url) => isList(url.href), async (route) => {
            if (raced) return route.continue();
            let response;
            try {
              response = await route.fetch();  // the server has answered: the scan comes after
            } finally {
              answered++;
            }
            await pushed;
            return route.fulfill({ response }).catch(() => {});  // a superseded fetch was aborted
          });
        },
      });
      // Connected (so the reconnect refetch has been asked too), a list fetch
      // in flight, and every list request the browser sent answered by the server.
      await page.waitForFunction(() => window.scansyncPage?.statuses.some((s) => s.status === 'connected'), null, { timeout: 5000 });
      await h.withDeadline((async () => {
        for (;;) {
          const inFlight = await page.evaluate(() => window.scansyncPage.stats?.listInFlight ?? 0);
          if (inFlight > 0 && issued > 0 && answered === issued) return;
          await new Promise((r) => setImmediate(r));
        }
      })(), 5000, 'the list replies held');
      const racing = await createScan(gw, token);
      await page.waitForFunction((id) => window.scansyncPage?.events.some((e) => e.id === id), racing.id, { timeout: 5000 });
      raced = true;
      pushSeen();
      await waitListed(page, old.id);
      await waitListed(page, racing.id);
      assert.deepEqual(await listIds(page), [racing.id, old.id]);
      await shot(page, name('race'));
      await page.close();
    });

    it('offline and online events: red "offline", then green again', async () => {
      const gw = await gateway();
      const token = h.mintToken(gw.secret, { sub: user('dave') });
      const page = await openPage(gw, file, token);
      await waitTone(page, 'green');
      await page.context2.setOffline(true);
      await waitTone(page, 'red', 'offline');
      await shot(page, name('offline'));
      const during = await createScan(gw, token);
      await page.context2.setOffline(false);
      await waitTone(page, 'green');
      await waitListed(page, during.id);
      await page.close();
    });

    it('an invalid token: red "unauthorized"', async () => {
      const gw = await gateway();
      const page = await openPage(gw, file, h.mintToken('not-the-secret', { sub: user('eve') }));
      await waitTone(page, 'red', 'unauthorized');
      await shot(page, name('unauthorized'));
      await page.close();
    });

    it('unmount closes the connection and no handler runs after; remount is live again', async () => {
      const gw = await gateway();
      const token = h.mintToken(gw.secret, { sub: user('frank') });
      const page = await openPage(gw, file, token);
      await waitTone(page, 'green');
      const open = page.sockets.filter((s) => !s.closed);
      assert.ok(open.length >= 1, 'a WebSocket is open');
      await page.click('#toggle-live');
      await page.waitForFunction(() => !window.scansyncPage.mounted);
      await h.withDeadline(Promise.all(open.map((s) => s.closedPromise)), 5000, 'the WebSocket to close');
      const runs = await page.evaluate(() => window.scansyncPage.handlerRuns);
      // A witness in the same room hears the scan: the page would have by now.
      const witness = await h.connectJoined(gw.url, token);
      const heard = h.recorder(witness, 'scan:created');
      await createScan(gw, token);
      await heard.waitFor(1);
      witness.disconnect();
      assert.equal(await page.evaluate(() => window.scansyncPage.handlerRuns), runs, 'no handler ran after unmount');
      await shot(page, name('unmounted'));
      await page.click('#toggle-live');
      await waitTone(page, 'green');
      await page.waitForSelector('ul.scans li', { timeout: 5000 });
      assert.equal((await listIds(page)).length, 1);
      await page.close();
    });

    it('a page on another origin: allowed with --cors-origin, refused without', { skip: !GATEWAY_HAS_CORS && 'the gateway has no --cors-origin yet' }, async () => {
      const allowed = await gateway({ args: ['--cors-origin', staticServer.origin] });
      const token = h.mintToken(allowed.secret, { sub: user('grace') });
      const scan = await createScan(allowed, token);
      const ok = await openPage(allowed, file, token, { otherOrigin: true });
      await waitTone(ok, 'green');
      await waitListed(ok, scan.id);
      await shot(ok, name('cors-allowed'));
      await ok.close();

      const refused = await gateway();  // no --cors-origin: no origin but its own
      const token2 = h.mintToken(refused.secret, { sub: user('heidi') });
      await createScan(refused, token2);
      const no = await openPage(refused, file, token2, { otherOrigin: true });
      await no.waitForSelector('.error:not(:empty)', { timeout: 5000 });
      assert.equal((await listIds(no)).length, 0);
      await shot(no, name('cors-refused'));
      await no.close();
    });
  });
}
