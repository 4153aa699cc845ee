'use strict';
// `scansync demo` without --once: after the scenario it keeps serving, the
// demo device scanning every 3 s, prints the browser page's link with a
// token, and stops cleanly on SIGINT/SIGTERM (exit 0, databases closed).
// --json: one JSON line per event (these tests read them); by default it
// says what happens in sentences, for a person.
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const readline = require('node:readline');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./lib/harness');
const { scansyncBin } = require('./lib/watch');

function startDemo(dataDir) {
  const child = spawn(scansyncBin(), ['demo', '--json', '--data', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  h.liveChildren.add(child);
  const demo = { child };
  child.once('exit', () => h.liveChildren.delete(child));
  h.followJsonLines(demo, child);
  demo.waitLine = (pred, what, ms = 20000) => {
    const seen = demo.lines.find(pred);
    if (seen) return Promise.resolve(seen);
    return h.withDeadline(new Promise((resolve) => demo.waiters.push({ pred, resolve })), ms,
      `demo line: ${what}\n${demo.lines.slice(-10).map((l) => JSON.stringify(l)).join('\n')}\n${demo.stderr.join('\n')}`);
  };
  return demo;
}

describe('scansync demo (serving)', () => {
  for (const signal of ['SIGINT', 'SIGTERM']) {
    it(`serves after the scenario, the demo device scanning, until ${signal}`, async () => {
      const dir = h.tempDir();
      const demo = startDemo(dir);
      const summary = await demo.waitLine((l) => l.type === 'summary', 'the summary');
      assert.equal(summary.ok, true, JSON.stringify(summary));
      assert.equal(summary.demoDeviceSynced, true);
      const serving = await demo.waitLine((l) => l.type === 'serving', 'the serving line');
      const link = serving.page.match(/^http:\/\/127\.0\.0\.1:(\d+)\/#token=([\w-]+\.[\w-]+\.[\w-]+)$/);
      assert.ok(link, serving.page);
      const [, port, token] = link;
      // The link's token is the demo user's and the gateway accepts it.
      const res = await h.rest(`http://127.0.0.1:${port}`, 'GET', '/api/scans', { token });
      assert.equal(res.status, 200, res.text);
      if (signal === 'SIGINT') {
        // One periodic scan after the scenario, seen by the watcher.
        const from = demo.lines.indexOf(serving);
        const scanned = await demo.waitLine((l) => l.type === 'scanned' && l.device === 'demo-device' &&
          demo.lines.indexOf(l) > from, 'a scan of the serving phase', 10000);
        await demo.waitLine((l) => l.type === 'scan' && l.device === 'watcher' && l.id === scanned.id,
          'the watcher to show it');
      }
      demo.child.kill(signal);
      assert.deepEqual(await h.withDeadline(demo.exited, 10000, 'the demo to exit'), { code: 0, signal: null });
      assert.ok(demo.lines.some((l) => l.type === 'stopping' && l.signal === signal));
      for (const db of ['scansync.db', 'demo-device.db']) {
        assert.ok(fs.existsSync(path.join(dir, db)), db);
        assert.ok(!fs.existsSync(path.join(dir, `${db}-wal`)), `${db} closed (no -wal left)`);
      }
    });
  }
});

// The sentences: who scanned what, its seq, how long the watcher took.
describe('scansync demo (sentences, the default)', () => {
  // Runs the demo; resolves each line as it comes (no JSON anywhere).
  function startSentences(args) {
    const child = spawn(scansyncBin(), ['demo', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    h.liveChildren.add(child);
    const demo = { child, lines: [], stderr: '', waiters: [] };
    child.stderr.on('data', (d) => { demo.stderr += d; });
    demo.exited = new Promise((resolve) => child.once('exit', (code, signal) => {
      h.liveChildren.delete(child);
      resolve({ code, signal });
    }));
    readline.createInterface({ input: child.stdout }).on('line', (l) => {
      demo.lines.push(l);
      demo.waiters = demo.waiters.filter((w) => (w.re.test(l) ? (w.resolve(l.match(w.re)), false) : true));
    });
    demo.waitLine = (re, what, ms = 20000) => {
      const seen = demo.lines.find((l) => re.test(l));
      if (seen) return Promise.resolve(seen.match(re));
      return h.withDeadline(new Promise((resolve) => demo.waiters.push({ re, resolve })), ms,
        `demo line: ${what}\n${demo.lines.slice(-10).join('\n')}\n${demo.stderr}`);
    };
    return demo;
  }

  it('--once tells the scenario as sentences and removes its temporary folder', async () => {
    const demo = startSentences(['--once', '--scans', '2', '--offline-scans', '1']);
    assert.deepEqual(await h.withDeadline(demo.exited, 60000, 'the demo to finish'), { code: 0, signal: null }, demo.stderr);
    const text = demo.lines.join('\n');
    for (const l of demo.lines) assert.throws(() => JSON.parse(l), `a sentence, not JSON: ${l}`);
    const [, folder] = text.match(/^gateway: ws:\/\/127\.0\.0\.1:\d+, data folder (\S+) \(removed at the end\)$/m);
    assert.match(text, /^phone-1 scanned LIVE-1 → seq 1, the watcher got it in \d+\.\d ms$/m);
    assert.match(text, /^phone-1 scanned LIVE-2 → seq 2, the watcher got it in \d+\.\d ms$/m);
    assert.match(text, /^watcher is offline$/m);
    assert.match(text, /^phone-1 scanned OFFLINE-1 → seq 3; the watcher is offline$/m);
    assert.match(text, /^the watcher caught up on OFFLINE-1 \(seq 3, made while it was offline\)$/m);
    assert.match(text, /^the watcher dropped LIVE-1 \(seq 4: deleted on phone-1\)$/m);
    assert.match(text, /^demo-device scanned 4006381333931 \(ean13\) → seq 5, the watcher got it in \d+\.\d ms$/m);
    assert.match(text, /^every scan reached the watcher exactly once: 2 live, 1 while it was offline, 1 from the demo device; 1 delete; live: median \d+\.\d ms, slowest \d+\.\d ms$/m);
    assert.match(text, new RegExp(`^stopped; removed ${folder.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    assert.ok(!fs.existsSync(folder), `${folder} removed`);
  });

  it('serving: the page\'s link, each scan as it reaches the watcher, Ctrl-C', async () => {
    const demo = startSentences(['--data', h.tempDir(), '--scans', '1', '--offline-scans', '0']);
    const [, link, port, token] = await demo.waitLine(/^the web page: (http:\/\/127\.0\.0\.1:(\d+)\/#token=([\w-]+\.[\w-]+\.[\w-]+))$/, 'the link');
    assert.ok(link);
    assert.equal((await h.rest(`http://127.0.0.1:${port}`, 'GET', '/api/scans', { token })).status, 200);
    await demo.waitLine(/^\(open it in a browser: .*; Ctrl-C stops\)$/, 'how to use it');
    // The demo device's next scan, told when the watcher has it.
    const from = demo.lines.length;
    await demo.waitLine(/^demo-device scanned https:\/\/example\.com\/scansync \(qr\) → seq \d+, the watcher got it in \d+\.\d ms$/,
      'a scan of the serving phase', 10000);
    assert.ok(demo.lines.length > from);
    demo.child.kill('SIGINT');
    assert.deepEqual(await h.withDeadline(demo.exited, 10000, 'the demo to exit'), { code: 0, signal: null });
    assert.ok(demo.lines.includes('stopping (SIGINT)'), demo.lines.join('\n'));
  });
});
