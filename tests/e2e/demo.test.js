'use strict';
// `scansync demo` without --once: after the scenario it keeps serving, the
// demo device scanning every 3 s, prints the browser page's link with a
// token, and stops cleanly on SIGINT/SIGTERM (exit 0, databases closed).
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./lib/harness');
const { scansyncBin } = require('./lib/watch');

function startDemo(dataDir) {
  const child = spawn(scansyncBin(), ['demo', '--data', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
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
