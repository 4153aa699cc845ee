'use strict';
// Where options come from: `scansync gateway --config FILE`, SCANSYNC_<NAME>
// for every option of every command, the precedence command line >
// environment > config file > defaults, and `--print-config` (the merged
// result as a config file that reads back to the same values, secrets
// masked). Every bad source is a usage error naming it.
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const { spawn, spawnSync } = require('node:child_process');
const h = require('./lib/harness');
const { scansyncBin } = require('./lib/watch');

// The environment of every run: the test's own, without SCANSYNC_* options
// a developer's shell may have set, plus `env`.
function envWith(env = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) =>
    !k.startsWith('SCANSYNC_') || ['SCANSYNC_BIN', 'SCANSYNC_SANITIZED'].includes(k)));
  return { ...clean, ...env };
}

const run = (args, env) => {
  const r = spawnSync(scansyncBin(), args, { encoding: 'utf8', timeout: 20000, env: envWith(env) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

function writeConfig(text, name = 'gateway.toml') {
  const file = path.join(h.tempDir('scansync-config-'), name);
  fs.writeFileSync(file, text);
  return file;
}

// --print-config's settings: {key: {value, from}}, value as written (TOML text).
function printedSettings(stdout) {
  const settings = {};
  for (const line of stdout.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = line.match(/^([\w-]+) = (.*?)  # (.+)$/);
    assert.ok(m, `not a setting line: ${line}`);
    settings[m[1]] = { value: m[2], from: m[3] };
  }
  return settings;
}

function printConfig(args, env) {
  const r = run(['gateway', ...args, '--print-config'], env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  return { text: r.stdout, settings: printedSettings(r.stdout) };
}

// Exit 2; stderr: "scansync gateway: <message>" then the gateway's usage line.
function assertUsageError(r, message) {
  assert.equal(r.code, 2, JSON.stringify(r));
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 2, r.stderr);
  assert.match(lines[0], message);
  assert.match(lines[1], /^usage: scansync gateway \[OPTIONS\]/);
  assert.equal(r.stdout, '', 'nothing started, nothing printed');
}

describe('scansync gateway --config FILE', () => {
  it('runs the gateway with the file\'s settings', async () => {
    const dir = h.tempDir('scansync-config-run-');
    const data = path.join(dir, 'data');
    const secretFile = path.join(dir, 'secret');
    fs.writeFileSync(secretFile, 'config-test-secret\n', { mode: 0o600 });
    const file = writeConfig([
      '# a gateway behind a proxy',
      '[gateway]',
      'host = "127.0.0.1"',
      'port = 0',
      `data = '${data}'`,
      `jwt_secret_file = "${secretFile}"   # underscores work too`,
      'cors-origin = [',
      '  "https://app.example",',
      '  "https://admin.example",',
      ']',
      'max-scans-per-user = 1',
    ].join('\n'));
    const child = spawn(scansyncBin(), ['gateway', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'], env: envWith() });
    h.liveChildren.add(child);
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    try {
      const listening = await h.withDeadline(new Promise((resolve) => {
        readline.createInterface({ input: child.stdout }).once('line', (l) => resolve(JSON.parse(l)));
      }), 10000, `the listening line\n${stderr}`);
      assert.equal(listening.host, '127.0.0.1');
      assert.ok(fs.existsSync(path.join(data, 'scansync.db')), 'the data folder is the file\'s');
      const url = `http://127.0.0.1:${listening.port}`;
      const token = h.mintToken('config-test-secret', { sub: 'conf' });
      // The file's CORS origins and quota are the ones in force.
      const res = await fetch(`${url}/api/scans`, { headers: { Authorization: `Bearer ${token}`, Origin: 'https://admin.example' } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('access-control-allow-origin'), 'https://admin.example');
      assert.equal((await h.rest(url, 'POST', '/api/scans', { token, body: h.newScan() })).status, 201);
      const second = await h.rest(url, 'POST', '/api/scans', { token, body: h.newScan() });
      assert.match(second.text, /quota_exceeded/, 'max-scans-per-user = 1');
    } finally {
      child.kill('SIGTERM');
      assert.deepEqual(await h.withDeadline(exited, 10000, 'the gateway to stop'), { code: 0, signal: null }, stderr);
    }
  });

  it('precedence: command line > environment > config file > defaults', () => {
    const file = writeConfig('port = 1001\nhost = "0.0.0.0"\nmax-token-ttl = 7d\n');
    const defaults = printConfig([]);
    assert.deepEqual(defaults.settings, {}, 'nothing set: every line a commented default');
    assert.match(defaults.text, /^# port = 8080 {2}\(default\)$/m);

    const fromFile = printConfig(['--config', file]).settings;
    assert.deepEqual(fromFile.port, { value: '1001', from: `${file}:1` });
    assert.deepEqual(fromFile.host, { value: '"0.0.0.0"', from: `${file}:2` });

    const fromEnv = printConfig(['--config', file], { SCANSYNC_PORT: '1002', SCANSYNC_MAX_TOKEN_TTL: '1d' }).settings;
    assert.deepEqual(fromEnv.port, { value: '1002', from: 'SCANSYNC_PORT' });
    assert.deepEqual(fromEnv['max-token-ttl'], { value: '"1d"', from: 'SCANSYNC_MAX_TOKEN_TTL' });
    assert.deepEqual(fromEnv.host, fromFile.host, 'what the environment does not set still comes from the file');

    const fromCli = printConfig(['--config', file, '--port', '1003'], { SCANSYNC_PORT: '1002' }).settings;
    assert.deepEqual(fromCli.port, { value: '1003', from: '--port' });
  });

  it('the config file itself can come from SCANSYNC_CONFIG; the command line\'s --config wins', () => {
    const a = writeConfig('port = 1\n', 'a.toml');
    const b = writeConfig('port = 2\n', 'b.toml');
    assert.equal(printConfig([], { SCANSYNC_CONFIG: a }).settings.port.value, '1');
    assert.equal(printConfig(['--config', b], { SCANSYNC_CONFIG: a }).settings.port.value, '2');
  });

  it('flags: true/false in the file and the environment; a lower source never overrides a false from above', () => {
    const file = writeConfig('conformance = true\n');
    assert.deepEqual(printConfig(['--config', file]).settings.conformance, { value: 'true', from: `${file}:1` });
    assert.equal(printConfig(['--config', file], { SCANSYNC_CONFORMANCE: 'no' }).settings.conformance.value, 'false');
    assert.equal(printConfig(['--config', file, '--conformance=false']).settings.conformance.value, 'false');
    assert.equal(printConfig([], { SCANSYNC_CONFORMANCE: '1' }).settings.conformance.value, 'true');
  });

  it('a list from the environment: comma-separated, or an array as in the file', () => {
    const plain = printConfig([], { SCANSYNC_CORS_ORIGIN: 'https://a.example, https://b.example' }).settings;
    assert.deepEqual(plain['cors-origin'], { value: '["https://a.example", "https://b.example"]', from: 'SCANSYNC_CORS_ORIGIN' });
    const array = printConfig([], { SCANSYNC_CORS_ORIGIN: '["https://a.example", "*"]' }).settings;
    assert.equal(array['cors-origin'].value, '["https://a.example", "*"]');
  });
});

describe('scansync gateway --print-config', () => {
  it('round-trips: its output read back with --config gives the same settings', () => {
    const dir = h.tempDir('scansync-config-rt-');
    const file = writeConfig([
      `data = ${JSON.stringify(path.join(dir, 'with "quotes" and \\ backslash'))}`,
      'cors-origin = ["https://a.example", "http://b.example:8080"]',
      'iss = "issuer # not a comment"',
      'ping-interval = 1000',
      'rest-rate = 2.5',
      'durability = normal',
      'conformance = true',
    ].join('\n'));
    const first = printConfig(['--config', file, '--max-payload', '4096', '--aud', "it's"], { SCANSYNC_HOST: '::1' });
    const again = printConfig(['--config', writeConfig(first.text, 'printed.toml')]);
    const values = (s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.value]));
    assert.deepEqual(values(again.settings), values(first.settings));
    assert.equal(Object.keys(first.settings).length, 10, first.text);
    assert.equal(first.settings.data.value, JSON.stringify(path.join(dir, 'with "quotes" and \\ backslash')));
    // The defaults' lines are the same comments both times.
    const comments = (t) => t.split('\n').filter((l) => l.startsWith('# ') && l.endsWith('(default)'));
    assert.deepEqual(comments(again.text), comments(first.text));
    assert.ok(comments(first.text).length > 5);
  });

  it('masks the password of a URL and shows paths; a masked value read back is refused', () => {
    const secretFile = path.join(h.tempDir('scansync-config-mask-'), 'jwt-secret');
    const { text, settings } = printConfig(['--iss', 'https://svc:hunter2@issuer.example/realm',
      '--aud', 'https://aud.example/cb?client=web&token=abc123', '--jwt-secret-file', secretFile,
      '--api-key-file', `${secretFile}-api-keys`]);
    assert.ok(!text.includes('hunter2') && !text.includes('abc123'), text);
    assert.equal(settings.iss.value, '"https://svc:***@issuer.example/realm"');
    assert.equal(settings.aud.value, '"https://aud.example/cb?client=web&token=***"');
    // A path says where the secret is, not what it is: shown as it is.
    assert.equal(settings['jwt-secret-file'].value, JSON.stringify(secretFile));
    assert.equal(settings['api-key-file'].value, JSON.stringify(`${secretFile}-api-keys`));
    const printed = writeConfig(text, 'masked.toml');
    const line = text.split('\n').filter((l) => !l.startsWith('#')).findIndex((l) => l.startsWith('iss ='));
    assert.ok(line >= 0);
    const back = run(['gateway', '--config', printed, '--print-config']);
    assertUsageError(back, new RegExp(`^scansync gateway: ${printed.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+: iss = "https://svc:\\*\\*\\*@issuer\\.example/realm": a value masked by --print-config`));
  });
});

describe('bad sources are usage errors naming the source', () => {
  const cases = [
    ['an unknown key', 'port = 1\nprot = 2\n', /:2: unknown key 'prot' \(scansync gateway has no --prot\)$/],
    ['a bad number', 'port = "eighty"\n', /:1: port = "eighty": not a non-negative whole number/],
    ['a value a check refuses', 'cors-origin = ["https://a.example", "https://b.example/"]\n',
      /:1: cors-origin = \["https:\/\/a\.example", "https:\/\/b\.example\/"\]: .*trailing \//],
    ['an out-of-range value', 'ping-interval = 0\n', /:1: ping-interval = 0: .*not in range/],
    ['a flag that is not true or false', 'conformance = sometimes\n', /:1: conformance = "sometimes": a flag takes true or false$/],
    ['a list for a single value', 'port = [1, 2]\n', /:1: port takes one value, not an array$/],
    ['a key set twice', 'port = 1\n\nport = 2\n', /:3: port is set twice \(also on line 1\)$/],
    ['a section for another command', '[watch]\nurl = "ws://x"\n', /:1: section \[watch\] is not this command's/],
    ['an unclosed string', 'host = "127.0.0.1\n', /:1: a string needs its closing " on the same line$/],
    ['a line that is no setting', 'port 8080\n', /:1: expected key = value$/],
    ['an unclosed array', 'cors-origin = ["https://a.example",\n', /:1: the array of cors-origin has no closing '\]'$/],
    ['--config itself', 'config = "other.toml"\n', /:1: config cannot be set in a config file$/],
  ];
  for (const [what, text, message] of cases) {
    it(`in the file: ${what}`, () => {
      const file = writeConfig(text);
      const r = run(['gateway', '--config', file]);
      assertUsageError(r, message);
      assert.ok(r.stderr.startsWith(`scansync gateway: ${file}:`), r.stderr);
    });
  }

  it('a file that is missing, or a folder', () => {
    const dir = h.tempDir('scansync-config-missing-');
    assertUsageError(run(['gateway', '--config', path.join(dir, 'nope.toml')]),
      /^scansync gateway: --config \S+nope\.toml: cannot read it \(No such file or directory\)$/);
    assertUsageError(run(['gateway', '--config', dir]), /^scansync gateway: --config \S+: a folder, not a file$/);
  });

  it('in the environment: the variable is named', () => {
    assertUsageError(run(['gateway'], { SCANSYNC_PORT: 'abc' }), /^scansync gateway: SCANSYNC_PORT=abc: not a non-negative whole number/);
    assertUsageError(run(['gateway'], { SCANSYNC_CORS_ORIGIN: 'https://a.example,,https://b.example' }),
      /^scansync gateway: SCANSYNC_CORS_ORIGIN \(environment\): an empty element in the list/);
    assertUsageError(run(['gateway'], { SCANSYNC_MAX_TOKEN_TTL: 'forever' }),
      /^scansync gateway: SCANSYNC_MAX_TOKEN_TTL=forever: 'forever' is not a duration/);
  });

  it('a bad value that a higher source overrides is not converted; --help still works with a bad file', () => {
    const file = writeConfig('port = "eighty"\n');
    assert.equal(printConfig(['--config', file, '--port', '1']).settings.port.value, '1');
    const help = run(['gateway', '--config', file, '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--print-config/);
  });
});

describe('SCANSYNC_* for the other commands', () => {
  it('token reads SCANSYNC_USER and SCANSYNC_DATA', () => {
    const dir = h.tempDir('scansync-config-token-');
    const r = run(['token'], { SCANSYNC_USER: 'env-user', SCANSYNC_DATA: dir, SCANSYNC_TTL: '15m' });
    assert.equal(r.code, 0, r.stderr);
    const claims = JSON.parse(Buffer.from(r.stdout.trim().split('.')[1], 'base64url'));
    assert.equal(claims.sub, 'env-user');
    assert.equal(claims.exp - claims.iat, 15 * 60);
    assert.ok(fs.existsSync(path.join(dir, 'jwt-secret')), 'the secret in SCANSYNC_DATA');
  });

  it('a nested subcommand reads it too (api-key new and SCANSYNC_API_KEY_FILE)', () => {
    const file = path.join(h.tempDir('scansync-config-keys-'), 'api-keys');
    const r = run(['api-key', 'new'], { SCANSYNC_API_KEY_FILE: file });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(fs.existsSync(file));
    assert.ok(fs.readFileSync(file, 'utf8').includes(r.stdout.trim()));
  });

  it('an environment value that conflicts with the command line is left out (SCANSYNC_DATA with --jwt-secret-file)', () => {
    const dir = h.tempDir('scansync-config-token-');
    const secretFile = path.join(dir, 'secret');
    fs.writeFileSync(secretFile, 'file-secret\n');
    const r = run(['token', '--user', 'u', '--jwt-secret-file', secretFile], { SCANSYNC_DATA: path.join(dir, 'unused') });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!fs.existsSync(path.join(dir, 'unused')));
    // Both from the environment: the usual conflict.
    const both = run(['token', '--user', 'u'], { SCANSYNC_DATA: dir, SCANSYNC_JWT_SECRET_FILE: secretFile });
    assert.equal(both.code, 2);
    assert.match(both.stderr, /^scansync token: --data excludes --jwt-secret-file\nusage: scansync token/);
  });

  it('a required option given by the environment satisfies the requirement (device --token)', () => {
    const noSub = h.mintToken('s', { sub: undefined });
    const r = run(['device', '--db', path.join(h.tempDir('scansync-config-device-'), 'd.db')], { SCANSYNC_TOKEN: noSub });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^scansync device: no --user, and the token names no sub\n/, 'past the --token requirement');
    const bad = run(['device', '--db', 'x.db', '--token', 't'], { SCANSYNC_NETWORK: 'sometimes' });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^scansync device: SCANSYNC_NETWORK=sometimes: .*sometimes not in \{manual,auto\}/);
  });
});
