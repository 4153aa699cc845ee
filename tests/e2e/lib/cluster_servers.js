'use strict';
// The shared engines of a gateway cluster, for the e2e suites: a real
// PostgreSQL server and a real redis-server, each on a free loopback port in
// a temporary folder, started and stopped by the test (and killed when the
// test process exits). PostgreSQL refuses to run as root: as root its
// server runs as the `postgres` user the Debian package creates, in a folder
// that user owns directly under /tmp (not under a 0700 folder).
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { withDeadline } = require('./harness');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function pgBin() {
  if (process.env.SCANSYNC_PG_BIN) return process.env.SCANSYNC_PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(root, versions[0], 'bin') : '';
}

const asRoot = process.getuid && process.getuid() === 0;
const removals = [];
process.on('exit', () => { for (const r of removals) r(); });

class Postgres {
  // Null when the binaries are absent (the suite then skips).
  static available() { return pgBin() !== ''; }

  static async start() {
    const pg = new Postgres();
    pg.bin = pgBin();
    pg.base = fs.mkdtempSync(path.join(os.tmpdir(), 'scansync-e2e-pg-'));
    if (asRoot) execFileSync('chown', ['postgres:postgres', pg.base]);
    pg.data = path.join(pg.base, 'data');
    pg.run('initdb', ['-D', pg.data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
    pg.port = await freePort();
    removals.push(() => {
      try { pg.run('pg_ctl', ['-D', pg.data, '-m', 'immediate', 'stop']); } catch { /* not running */ }
      fs.rmSync(pg.base, { recursive: true, force: true });
    });
    pg.startServer();
    return pg;
  }

  run(tool, args) {
    const file = path.join(this.bin, tool);
    return asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', file, ...args], { stdio: 'pipe' })
      : execFileSync(file, args, { stdio: 'pipe' });
  }

  url(database = 'postgres') { return `postgresql://postgres@127.0.0.1:${this.port}/${database}`; }

  startServer() {
    this.run('pg_ctl', ['-D', this.data, '-l', path.join(this.base, 'server.log'), '-w', '-t', '60', '-o',
      `-p ${this.port} -k ${this.base} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`, 'start']);
  }

  // Killed without a shutdown (committed transactions stay: fsync is off but the OS holds them).
  stopServer() { this.run('pg_ctl', ['-D', this.data, '-m', 'immediate', '-w', 'stop']); }

  createDatabase(name) {
    this.run('psql', ['-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres', '-c', `CREATE DATABASE ${name}`]);
    return this.url(name);
  }
}

class Redis {
  static available() {
    try { execFileSync('redis-server', ['--version'], { stdio: 'pipe' }); return true; } catch { return false; }
  }

  static async start() {
    const r = new Redis();
    r.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scansync-e2e-redis-'));
    r.port = await freePort();
    removals.push(() => {
      if (r.child && r.child.exitCode === null) r.child.kill('SIGKILL');
      fs.rmSync(r.dir, { recursive: true, force: true });
    });
    await r.startServer();
    return r;
  }

  get url() { return `redis://127.0.0.1:${this.port}`; }

  // On the same port each time, so the nodes' links come back to it.
  async startServer() {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir,
      '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', resolve));
    const ready = new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`redis-server exited (code ${code})`)));
      readline.createInterface({ input: child.stdout }).on('line', (l) => {
        if (/Ready to accept connections/.test(l)) resolve();
      });
    });
    await withDeadline(ready, 10000, 'redis-server ready');
  }

  async kill() {
    this.child.kill('SIGKILL');
    await withDeadline(this.exited, 5000, 'redis-server to die');
  }
}

module.exports = { Postgres, Redis, freePort };
