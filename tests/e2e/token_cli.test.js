// `scansync token`: never a silent new secret (a created one is named, with
// its path, on stderr; an existing one is reused without a word), and
// `--check TOKEN` verifies as the gateway does: claims as one JSON line and
// exit 0, or exit 1 with "<code>: <why>" on stderr.
'use strict';
const { describe, it, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const { spawn, spawnSync } = require('node:child_process');
const { scansyncBin } = require('./lib/watch');
const { tempDir, mintToken, withDeadline, connectJoined, liveChildren } = require('./lib/harness');

const run = (args, cwd) => {
  const r = spawnSync(scansyncBin(), args, { encoding: 'utf8', timeout: 20000, cwd });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const now = () => Math.floor(Date.now() / 1000);
const claimsOf = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());

// A data folder whose jwt-secret exists: [dir, secret].
function folderWithSecret() {
  const dir = tempDir('scansync-token-');
  const r = run(['token', '--user', 'setup', '--data', dir]);
  assert.equal(r.code, 0, r.stderr);
  return [dir, fs.readFileSync(path.join(dir, 'jwt-secret'), 'utf8').trim()];
}

describe('scansync token: which secret', () => {
  it('a created secret is named on stderr with its absolute path and the --data to give the gateway', () => {
    const cwd = tempDir('scansync-token-cwd-');
    const r = run(['token', '--user', 'alice'], cwd);
    assert.equal(r.code, 0, r.stderr);
    const file = path.join(fs.realpathSync(cwd), 'scansync-data', 'jwt-secret');
    assert.ok(fs.existsSync(file));
    assert.equal((fs.statSync(file).mode & 0o777), 0o600);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.ok(lines[0].startsWith('scansync token: created a new secret '), lines[0]);
    // The path may be printed through the un-resolved tmp folder: compare by file identity.
    const printed = lines[0].match(/created a new secret (\S+);/)[1];
    assert.ok(path.isAbsolute(printed), printed);
    assert.equal(fs.statSync(printed).ino, fs.statSync(file).ino);
    assert.match(lines[0], /--data \/\S*scansync-data accepts this token$/);
    assert.match(r.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
  });

  it('an existing secret is reused silently', () => {
    const [dir] = folderWithSecret();
    const before = fs.readFileSync(path.join(dir, 'jwt-secret'), 'utf8');
    const r = run(['token', '--user', 'bob', '--data', dir]);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    assert.equal(fs.readFileSync(path.join(dir, 'jwt-secret'), 'utf8'), before);
    assert.equal(run(['token', '--check', r.stdout.trim(), '--data', dir]).code, 0);
  });

  it('--jwt-secret-file is used as given; a missing one is named, and nothing is created', () => {
    const dir = tempDir('scansync-token-');
    const file = path.join(dir, 'my-secret');
    fs.writeFileSync(file, 'file-secret\n');
    const r = run(['token', '--user', 'carol', '--jwt-secret-file', file]);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout.trim(), mintTokenLike(r.stdout.trim(), 'file-secret'));
    const missing = run(['token', '--user', 'carol', '--jwt-secret-file', path.join(dir, 'nope')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^scansync token: cannot read a secret from --jwt-secret-file \S*nope: no such file\n$/);
    assert.deepEqual(fs.readdirSync(dir), ['my-secret']);
  });

  it('--data with --jwt-secret-file is a usage error (exit 2)', () => {
    const r = run(['token', '--user', 'a', '--data', 'x', '--jwt-secret-file', 'y']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /excludes/);
  });
});

// The same claims signed with `secret`, to compare signatures byte for byte.
function mintTokenLike(token, secret) {
  const [h, p] = token.split('.');
  const sig = require('node:crypto').createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
  return `${h}.${p}.${sig}`;
}

describe('scansync token --check', () => {
  const [dir, secret] = folderWithSecret();
  const check = (token, ...extra) => run(['token', '--check', token, '--data', dir, ...extra]);
  const assertRefused = (r, reason) => {
    assert.equal(r.code, 1, JSON.stringify(r));
    assert.equal(r.stdout, '');
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], reason);
  };

  it('a valid token: its claims as one JSON line, exit 0', () => {
    const minted = run(['token', '--user', 'dave', '--ttl', '15m', '--iss', 'me', '--aud', 'app', '--data', dir]);
    const r = check(minted.stdout.trim(), '--iss', 'me', '--aud', 'app');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^\{.*\}\n$/);
    const claims = JSON.parse(r.stdout);
    assert.equal(claims.sub, 'dave');
    assert.equal(claims.iss, 'me');
    assert.equal(claims.aud, 'app');
    assert.equal(claims.exp - claims.iat, 15 * 60);
    assert.deepEqual(claims, claimsOf(minted.stdout.trim()));
  });

  it('an expired token: token_expired with exp in UTC', () => {
    const exp = now() - 120;
    const r = check(mintToken(secret, { sub: 'erin', iat: exp - 60, exp }));
    const iso = new Date(exp * 1000).toISOString().replace('.000Z', 'Z');
    assertRefused(r, new RegExp(`^scansync token: token_expired: exp ${iso} is in the past \\(now \\S+Z\\)$`));
  });

  it('a token not valid yet: token_not_yet_valid with nbf', () => {
    assertRefused(check(mintToken(secret, { sub: 'f', nbf: now() + 600 })), /token_not_yet_valid: nbf \S+Z is in the future/);
  });

  it('a token signed with another secret: token_invalid, bad signature', () => {
    assertRefused(check(mintToken('another-secret', { sub: 'mallory' })), /^scansync token: token_invalid: bad signature/);
  });

  it('garbage: token_invalid, not a JWT', () => {
    assertRefused(check('not-a-token'), /^scansync token: token_invalid: not a JWT/);
    assertRefused(check('a.b.c'), /token_invalid: not a JWT/);
  });

  it('alg none: token_invalid naming the alg', () => {
    const t = mintToken(secret, { sub: 'x' }, { alg: 'none', typ: 'JWT' });
    assertRefused(check(t), /token_invalid: alg "none" is refused \(only HS256\)/);
  });

  it('iss/aud required by --iss/--aud: a mismatch is named', () => {
    const t = mintToken(secret, { sub: 'g', iss: 'them' });
    assertRefused(check(t, '--iss', 'us'), /token_invalid: iss "them" is not the required "us"/);
    assertRefused(check(t, '--aud', 'app'), /token_invalid: aud missing, required "app"/);
  });

  it('a lifetime above the gateway\'s default 30d: token_lifetime_exceeded; --max-token-ttl 0 lifts the cap', () => {
    const t = mintToken(secret, { sub: 'h', exp: now() + 60 * 86400 });
    assertRefused(check(t), /token_lifetime_exceeded: exp - iat is 60d, above the maximum 30d/);
    assert.equal(check(t, '--max-token-ttl', '0').code, 0);
    assert.equal(check(t, '--max-token-ttl', 'soon').code, 2);
  });

  it('a folder without a secret: exit 1 naming the path, and no secret is created', () => {
    const empty = tempDir('scansync-token-');
    const r = run(['token', '--check', mintToken(secret, { sub: 'i' }), '--data', empty]);
    assertRefused(r, /^scansync token: no secret at \S+\/jwt-secret \(give --data/);
    assert.deepEqual(fs.readdirSync(empty), []);
  });

  it('--check with --user is a usage error (exit 2)', () => {
    assert.equal(run(['token', '--check', 'x', '--user', 'a']).code, 2);
  });
});

describe('scansync token with a gateway\'s own data folder', () => {
  let gateway;
  after(() => { if (gateway && gateway.exitCode === null) gateway.kill('SIGKILL'); });

  it('a token minted from the folder the gateway created passes --check and the gateway', async () => {
    const dir = tempDir('scansync-token-gw-');
    gateway = spawn(scansyncBin(), ['gateway', '--host', '127.0.0.1', '--port', '0', '--data', dir],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    liveChildren.add(gateway);
    const listening = new Promise((resolve) => {
      readline.createInterface({ input: gateway.stdout }).on('line', (l) => {
        try { const m = JSON.parse(l); if (m.type === 'listening') resolve(m.port); } catch { /* not JSON */ }
      });
    });
    const port = await withDeadline(listening, 15000, 'the gateway\'s listening line');

    const minted = run(['token', '--user', 'jules', '--data', dir]);
    assert.equal(minted.code, 0);
    assert.equal(minted.stderr, '', 'the gateway\'s secret is reused silently');
    const token = minted.stdout.trim();
    const r = run(['token', '--check', token, '--data', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).sub, 'jules');

    const socket = await connectJoined(`http://127.0.0.1:${port}`, token);
    socket.disconnect();
  });
});
