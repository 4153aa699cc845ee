// The CLI's conventions: a usage error exits 2 with one line naming the
// mistake and then the usage; --help and --version exit 0.
'use strict';
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { scansyncBin } = require('./lib/watch');

const run = (args) => {
  const r = spawnSync(scansyncBin(), args, { encoding: 'utf8', timeout: 20000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

// Exit 2; stderr: "scansync[ COMMAND]: <message>" then one "usage: …" line.
function assertUsageError(args, message) {
  const r = run(args);
  assert.equal(r.code, 2, JSON.stringify(r));
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 2, r.stderr);
  assert.match(lines[0], message);
  assert.match(lines[1], /^usage: scansync/);
  assert.equal(r.stdout, '');
  return lines;
}

// The same, from `command` (e.g. 'db new-epoch'): its name starts the
// message and its usage line follows.
function assertCommandUsageError(command, args, message) {
  const lines = assertUsageError([...command.split(' '), ...args], message);
  assert.ok(lines[0].startsWith(`scansync ${command}: `), lines[0]);
  const shape = ['db', 'api-key'].includes(command) ? 'SUBCOMMAND \\[OPTIONS\\]' : '\\[OPTIONS\\]';
  assert.match(lines[1], new RegExp(`^usage: scansync ${command} ${shape} {3}\\(scansync ${command} --help\\)$`));
}

describe('scansync usage errors', () => {
  it('no subcommand', () => {
    const lines = assertUsageError([], /^scansync: A subcommand is required$/);
    assert.match(lines[1], /^usage: scansync SUBCOMMAND \[OPTIONS\] {3}\(subcommands: watch, gateway, token, demo, device, db, api-key; scansync --help\)$/);
  });
  it('an unknown subcommand is named', () => {
    assertUsageError(['gatewy', '--port', '1'], /^scansync: unknown subcommand 'gatewy'$/);
  });
  it('a bad value names its flag and shows that subcommand\'s usage', () => {
    const lines = assertUsageError(['gateway', '--port', 'abc'], /--port/);
    assert.match(lines[1], /^usage: scansync gateway \[OPTIONS\]/);
  });
  it('an unknown flag is named', () => {
    assertUsageError(['gateway', '--no-such-flag'], /--no-such-flag/);
  });
  it('a subcommand that needs a subcommand says so', () => {
    const lines = assertUsageError(['db'], /subcommand is required/);
    assert.match(lines[1], /^usage: scansync db SUBCOMMAND/);
  });
});

// Every subcommand, systematically: CLI11's own errors (an unknown flag, a
// bad value, a missing or conflicting option) and the command's own checks
// read the same way.
describe('scansync usage errors, per subcommand', () => {
  it('watch', () => {
    assertCommandUsageError('watch', ['--url', 'ws://127.0.0.1:1', '--token', 't', '--bogus'], /--bogus/);
    assertCommandUsageError('watch', ['--token', 't'], /--url is required/);
    assertCommandUsageError('watch', ['--url', 'ws://127.0.0.1:1', '--token', 't', '--max-attempts', 'x'], /--max-attempts/);
    assertCommandUsageError('watch', ['--url', 'ws://127.0.0.1:1'], /give exactly one of --token and --token-file$/);
    assertCommandUsageError('watch', ['--url', 'ws://127.0.0.1:1', '--token', 't', '--token-file', 'f'],
      /--token excludes --token-file/);
    assertCommandUsageError('watch', ['--url', 'localhost:3000', '--token', 't'], /^scansync watch: localhost:3000: .*URL/);
  });
  it('gateway', () => {
    assertCommandUsageError('gateway', ['--port', '70000'], /--port/);
    assertCommandUsageError('gateway', ['--durability', 'fast'], /--durability/);
    assertCommandUsageError('gateway', ['--max-token-ttl', 'forever'], /^scansync gateway: --max-token-ttl: 'forever' is not a duration/);
    assertCommandUsageError('gateway', ['--cors-origin', 'https://app.example/'], /--cors-origin: "https:\/\/app\.example\/": .*trailing \//);
    assertCommandUsageError('gateway', ['--cors-origin', 'app.example'], /not an origin/);
    assertCommandUsageError('gateway', ['--web-root', '/nonexistent/web'], /--web-root: \/nonexistent\/web: not a folder/);
    assertCommandUsageError('gateway', ['extra'], /extra/);
  });
  it('token', () => {
    assertCommandUsageError('token', [], /^scansync token: --user is required \(the token's sub\), or --check TOKEN$/);
    assertCommandUsageError('token', ['--user', 'a', '--ttl', '1y'], /^scansync token: --ttl: '1y' is not a duration/);
    assertCommandUsageError('token', ['--user', 'a', '--ttl', '0'], /--ttl: '0' is not a duration/);
    assertCommandUsageError('token', ['--check', 't', '--max-token-ttl', 'soon'], /--max-token-ttl: 'soon' is not a duration/);
    assertCommandUsageError('token', ['--user', 'a', '--max-token-ttl', '1d'], /--max-token-ttl requires --check/);
    assertCommandUsageError('token', ['--check', 't', '--user', 'a'], /excludes/);
    assertCommandUsageError('token', ['--user', 'a', '--data', 'x', '--jwt-secret-file', 'y'], /--data excludes --jwt-secret-file/);
  });
  it('demo', () => {
    assertCommandUsageError('demo', ['--scans', '0'], /--scans/);
    assertCommandUsageError('demo', ['--port', 'high'], /--port/);
    assertCommandUsageError('demo', ['--bogus'], /--bogus/);
  });
  it('device', () => {
    assertCommandUsageError('device', ['--token', 't'], /--db is required/);
    assertCommandUsageError('device', ['--token', 't', '--db', 'x.db', '--network', 'wifi'], /--network/);
    // A token whose payload names no user, and no --user.
    assertCommandUsageError('device', ['--token', 'a.e30.b', '--db', 'x.db'], /^scansync device: no --user, and the token names no sub$/);
  });
  it('api-key new / add', () => {
    assertCommandUsageError('api-key', [], /^scansync api-key: A subcommand is required$/);
    assertCommandUsageError('api-key', ['rotate'], /^scansync api-key: unknown subcommand 'rotate'$/);
    assertCommandUsageError('api-key new', [], /--api-key-file is required/);
    assertCommandUsageError('api-key add', ['--api-key-file', 'f', '--bogus'], /--bogus/);
  });
  it('db and db new-epoch', () => {
    assertCommandUsageError('db', [], /^scansync db: A subcommand is required$/);
    assertCommandUsageError('db', ['frob'], /^scansync db: unknown subcommand 'frob'$/);
    assertCommandUsageError('db new-epoch', [], /^scansync db new-epoch: --data DIR or --db FILE is required$/);
    assertCommandUsageError('db new-epoch', ['--data', 'a', '--db', 'b'], /excludes/);
  });
});

describe('scansync --help and --version', () => {
  it('--version prints the version and exits 0', () => {
    const r = run(['--version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^scansync \d+\.\d+\.\d+\n$/);
  });
  it('--help lists the exit codes and exits 0', () => {
    const r = run(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Exit codes: 0 done; 1 the job failed .*; 2 usage error;\s+watch only: 3 unauthorized, 4 gave up/);
  });
});

describe('scansync gateway --host', () => {
  const os = require('node:os');
  const fs = require('node:fs');
  const path = require('node:path');
  const net = require('node:net');
  const { spawn } = require('node:child_process');
  const readline = require('node:readline');

  // Starts a gateway; resolves with its first stdout JSON line and the child.
  function startGateway(args, data = fs.mkdtempSync(path.join(os.tmpdir(), 'scansync-cli-'))) {
    const child = spawn(scansyncBin(), ['gateway', '--data', data, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const first = new Promise((resolve) => {
      readline.createInterface({ input: child.stdout }).once('line', (l) => resolve(JSON.parse(l)));
    });
    const exited = new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
    const stop = async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      fs.rmSync(data, { recursive: true, force: true });
    };
    return { child, first, exited, stop, data };
  }
  const within = (p, ms, what) => Promise.race([p, new Promise((_, reject) => {
    setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms).unref();
  })]);

  it('a host name (localhost) is resolved and listened on', async () => {
    const gw = startGateway(['--host', 'localhost', '--port', '0']);
    try {
      const listening = await within(gw.first, 20000, 'the listening line');
      assert.equal(listening.type, 'listening');
      assert.equal(listening.host, 'localhost');
      const answers = await Promise.all(['127.0.0.1', '[::1]'].map((a) =>
        fetch(`http://${a}:${listening.port}/healthz`).then((r) => r.status, () => 0)));
      assert.ok(answers.includes(200), `healthz on 127.0.0.1 / ::1: ${answers}`);
    } finally {
      await gw.stop();
    }
  });

  it('an address in use: exit 1, and the error names the address and why', async () => {
    const taken = net.createServer();
    await new Promise((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = taken.address().port;
    const gw = startGateway(['--host', '127.0.0.1', '--port', String(port)]);
    try {
      const { code, stderr } = await within(gw.exited, 20000, 'the gateway to exit');
      assert.equal(code, 1);
      assert.match(stderr, new RegExp(`in use.*127\\.0\\.0\\.1:${port}`), stderr);
    } finally {
      taken.close();
      await gw.stop();
    }
  });

  it('a second gateway on the same --data folder refuses to start and names the first one\'s pid', async () => {
    const first = startGateway(['--host', '127.0.0.1', '--port', '0']);
    let third;
    try {
      assert.equal((await within(first.first, 20000, 'the first gateway')).type, 'listening');
      const second = startGateway(['--host', '127.0.0.1', '--port', '0'], first.data);
      const { code, stderr } = await within(second.exited, 20000, 'the second gateway to exit');
      assert.equal(code, 1);
      assert.match(stderr, new RegExp(`in use by another scansync gateway \\(pid ${first.child.pid}\\)`), stderr);
      // SIGKILLed, the first leaves its lock file behind: it must not block.
      first.child.kill('SIGKILL');
      await first.exited;
      third = startGateway(['--host', '127.0.0.1', '--port', '0'], first.data);
      assert.equal((await within(third.first, 20000, 'a gateway after the holder died')).type, 'listening');
    } finally {
      if (third) await third.stop();
      await first.stop();
    }
  });
});
