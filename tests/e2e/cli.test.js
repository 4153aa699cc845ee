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

// Exit 2; stderr: "scansync: <message>" then one "usage: …" line.
function assertUsageError(args, message) {
  const r = run(args);
  assert.equal(r.code, 2, JSON.stringify(r));
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 2, r.stderr);
  assert.match(lines[0], message);
  assert.match(lines[1], /^usage: scansync/);
  return lines;
}

describe('scansync usage errors', () => {
  it('no subcommand', () => {
    assertUsageError([], /^scansync: A subcommand is required$/);
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
