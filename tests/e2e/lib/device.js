'use strict';
// `scansync device` driven from a test: a Device process (commands on stdin,
// JSON lines out) and the REST view of the user's scans to compare with.
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const h = require('./harness');
const { scansyncBin } = require('./watch');

const LONG_MS = 15000;
// Every Device made, for killAll() in a suite's after().
const devices = [];
async function killAll() {
  for (const d of devices) await d.kill().catch(() => {});
}

// One `scansync device` process: commands in, JSON lines out.
class Device {
  constructor(url, token, db, extra = []) {
    this.args = ['device', '--url', url, '--token', token, '--db', db, '--backoff-initial-ms', '100', ...extra];
    this.child = spawn(scansyncBin(), this.args, { stdio: ['pipe', 'pipe', 'pipe'] });
    h.liveChildren.add(this.child);
    this.child.once('exit', () => h.liveChildren.delete(this.child));
    h.followJsonLines(this, this.child);
    this.child.stdin.on('error', () => {});
    devices.push(this);
  }

  // The first line from index `from` on (already printed or to come) matching pred.
  waitLine(pred, what, ms = LONG_MS, from = 0) {
    const seen = this.lines.slice(from).find(pred);
    if (seen) return Promise.resolve(seen);
    return h.withDeadline(new Promise((resolve) => this.waiters.push({ pred, resolve })), ms,
      `device line: ${what}\nlast lines: ${this.lines.slice(-15).map((l) => JSON.stringify(l)).join('\n')}\nstderr: ${this.stderr.join('\n')}`);
  }
  // Sends a command and waits for the next line of `type` it causes.
  command(text, type, ms = LONG_MS) {
    const from = this.lines.length;
    this.child.stdin.write(`${text}\n`);
    return this.waitLine((l) => l.type === type || l.type === 'error', `${type} after "${text}"`, ms, from).then((l) => {
      if (l.type === 'error' && type !== 'error') throw new Error(`"${text}" answered ${JSON.stringify(l)}`);
      return l;
    });
  }
  async scan(code, format) { return (await this.command(`scan ${code}${format ? ` ${format}` : ''}`, 'scanned')).scan; }
  async list() { return (await this.command('list', 'list')).scans; }
  // Waits for a status line with everything sent and connected.
  synced(what = 'synced', ms = LONG_MS) {
    const from = this.lines.length;
    this.child.stdin.write('status\n');  // answers at once if it already is
    return this.waitLine((l) => (l.type === 'status' || l.type === 'sync') && l.status === 'connected' && l.pending === 0 &&
      !l.flushing, what, ms, from);
  }
  // Waits until the device holds `n` live scans.
  async count(n, ms = LONG_MS) {
    const from = this.lines.length;
    this.child.stdin.write('list\n');
    const hit = await this.waitLine((l) => (l.type === 'scans' || l.type === 'list') && l.count === n, `${n} scans`, ms, from);
    // Our own 'list' answer comes too, maybe after the line that matched (it
    // is printed by the command thread, the store lines by the client's):
    // wait for it, so that no later command takes it for its own answer.
    await this.waitLine((l) => l.type === 'list', `the answer to "list"`, ms, from);
    return hit;
  }
  async quit(ms = LONG_MS) {
    this.child.stdin.end('quit\n');
    return h.withDeadline(this.exited, ms, 'scansync device to exit after quit');
  }
  async kill() {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    return h.withDeadline(this.exited, h.DEFAULT_DEADLINE_MS, 'scansync device to exit after SIGKILL');
  }
}

// Every live scan of the user over REST, paging through nextCursor.
async function restScans(url, token) {
  const all = [];
  let cursor = null;
  for (let page = 0; page < 1000; page++) {
    const q = `/api/scans?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await h.rest(url, 'GET', q, { token });
    assert.equal(res.status, 200, res.text);
    all.push(...res.json.scans);
    if (!res.json.nextCursor) return all;
    cursor = res.json.nextCursor;
  }
  throw new Error('paging did not end');
}
const idsOf = (scans) => scans.map((s) => s.id).sort();
const sha = (file) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const withoutLocal = (s) => ({ id: s.id, userId: s.userId, code: s.code, format: s.format, deviceId: s.deviceId, createdAt: s.createdAt, seq: s.seq });

module.exports = { LONG_MS, Device, killAll, restScans, idsOf, sha, withoutLocal };
