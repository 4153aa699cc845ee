'use strict';
// `scansync watch --json` (the native C++ client: NativeClient over Beast) as
// a child process: collects its JSON lines and waits for the ones a test
// expects, with deadlines.
const { spawn } = require('node:child_process');
const path = require('node:path');
const { withDeadline, DEFAULT_DEADLINE_MS, REPO, liveChildren, followJsonLines } = require('./harness');

const scansyncBin = () => process.env.SCANSYNC_BIN || path.join(REPO, 'build', 'src', 'cli', 'scansync');

class Watcher {
  constructor(url, token, extraArgs = []) {
    this.args = ['watch', '--url', url, '--token', token, '--json', '--backoff-initial-ms', '100', ...extraArgs];
    this.child = spawn(scansyncBin(), this.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    liveChildren.add(this.child);
    this.child.once('exit', () => liveChildren.delete(this.child));
    followJsonLines(this, this.child);
    this.child.on('error', (e) => this.stderr.push(String(e)));
  }

  // The first line (already printed or to come) matching pred.
  waitLine(pred, what, ms = DEFAULT_DEADLINE_MS) {
    const seen = this.lines.find(pred);
    if (seen) return Promise.resolve(seen);
    return withDeadline(new Promise((resolve) => this.waiters.push({ pred, resolve })), ms,
      `watch line: ${what}\nlines so far: ${this.lines.map((l) => JSON.stringify(l)).join('\n')}\nstderr: ${this.stderr.join('\n')}`);
  }

  // The n-th "connected" status line (1-based).
  waitConnected(n = 1, ms = DEFAULT_DEADLINE_MS) {
    let count = 0;
    return this.waitLine((l) => l.type === 'status' && l.status === 'connected' && ++count === n, `connected #${n}`, ms);
  }

  waitEvent(event, id, ms = DEFAULT_DEADLINE_MS) {
    return this.waitLine((l) => l.type === 'event' && l.event === event && l.data && l.data.id === id, `${event} ${id}`, ms);
  }

  events(event) {
    return this.lines.filter((l) => l.type === 'event' && l.event === event).map((l) => l.data);
  }

  async stop(ms = DEFAULT_DEADLINE_MS) {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    try {
      return await withDeadline(this.exited, ms, 'scansync watch to exit after SIGTERM');
    } catch (e) {
      this.child.kill('SIGKILL');
      throw e;
    }
  }
}

module.exports = { Watcher, scansyncBin };
