'use strict';
// Engine.IO heartbeat and timeouts: the handshake announces the configured
// values, live clients survive many ping cycles, a peer that stops answering
// or never CONNECTs is closed. Short intervals keep the suite fast; every
// wait is on an event with a deadline.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const h = require('./lib/harness');
const { RawEio } = require('./lib/raw_eio');

const PING_INTERVAL = 300;
const PING_TIMEOUT = 1000;  // generous: a loaded CI machine must not miss a pong
const CONNECT_TIMEOUT = 500;
let fast;      // short heartbeat
let defaults;  // no flags
before(async () => {
  fast = await h.startServer({ args: ['--ping-interval', String(PING_INTERVAL), '--ping-timeout', String(PING_TIMEOUT),
    '--connect-timeout', String(CONNECT_TIMEOUT)] });
  defaults = await h.startServer();
});
after(async () => {
  for (const s of [fast, defaults]) assert.equal((await s.stop()).code, 0);
});

const token = (srv) => h.mintToken(srv.secret, { sub: `hb-${crypto.randomBytes(4).toString('hex')}` });

describe('handshake', () => {
  it('announces the contract defaults: 25000 / 20000 ms, maxPayload 1000000, upgrade to websocket from polling', async () => {
    const res = await h.rest(defaults.url, 'GET', '/socket.io/?EIO=4&transport=polling');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text[0], '0');
    const hs = JSON.parse(res.text.slice(1));
    assert.equal(typeof hs.sid, 'string');
    assert.ok(hs.sid.length >= 8, `sid ${hs.sid}`);
    assert.deepEqual({ ...hs, sid: undefined }, { sid: undefined, upgrades: ['websocket'], pingInterval: 25000, pingTimeout: 20000, maxPayload: 1000000 });
    const raw = await RawEio.open(defaults.port);
    try {
      assert.deepEqual(raw.handshake.upgrades, []);
      assert.equal(raw.handshake.pingInterval, 25000);
      assert.notEqual(raw.handshake.sid, hs.sid);
    } finally { raw.terminate(); }
  });

  it('announces the configured interval and timeout', async () => {
    const raw = await RawEio.open(fast.port);
    try {
      assert.equal(raw.handshake.pingInterval, PING_INTERVAL);
      assert.equal(raw.handshake.pingTimeout, PING_TIMEOUT);
    } finally { raw.terminate(); }
  });
});

describe('heartbeat', () => {
  for (const [mode, transports] of Object.entries(h.TRANSPORTS)) {
    it(`the official client stays connected through 6 ping cycles (${mode})`, async () => {
      const s = await h.connectJoined(fast.url, token(fast), { transports });
      try {
        let pings = 0;
        const enough = new Promise((resolve) => s.io.engine.on('ping', () => { if (++pings === 6) resolve(); }));
        const dropped = h.waitEvent(s, 'disconnect', 60000).then(([why]) => { throw new Error(`disconnected: ${why}`); });
        dropped.catch(() => {});
        await h.withDeadline(Promise.race([enough, dropped]), 6 * PING_INTERVAL + 4000, '6 pings');
        assert.ok(s.connected);
        const ack = await h.emitAck(s, 'scan:create', h.newScan());
        assert.equal(ack.ok, true);
      } finally { s.disconnect(); }
    });
  }

  it('a peer that stops answering PINGs is closed after pingInterval + pingTimeout', async () => {
    const raw = await RawEio.open(fast.port, '', { answerPings: false });
    const t0 = Date.now();
    try {
      assert.ok((await raw.connect(token(fast))).frame.startsWith('40'));
      const closed = await h.withDeadline(raw.closed, PING_INTERVAL + PING_TIMEOUT + 4000, 'server to close a silent peer');
      const elapsed = Date.now() - t0;
      assert.ok(raw.pings >= 1, 'closed before any PING was sent');
      assert.ok(elapsed >= PING_INTERVAL, `closed after ${elapsed} ms (${JSON.stringify(closed)})`);
    } finally { raw.terminate(); }
  });

  it('a peer that answers PINGs but never CONNECTs is closed after the connect timeout', async () => {
    const raw = await RawEio.open(fast.port);
    const t0 = Date.now();
    try {
      await h.withDeadline(raw.closed, CONNECT_TIMEOUT + 4000, 'server to close a peer without CONNECT');
      const elapsed = Date.now() - t0;
      assert.ok(elapsed >= CONNECT_TIMEOUT - 100, `closed after ${elapsed} ms`);
    } finally { raw.terminate(); }
  });

  it('a CONNECTed peer that keeps answering stays open across several cycles', async () => {
    const raw = await RawEio.open(fast.port);
    try {
      assert.ok((await raw.connect(token(fast))).frame.startsWith('40'));
      await h.withDeadline(new Promise((resolve, reject) => {
        raw.ws.on('message', () => { if (raw.pings >= 4) resolve(); });
        raw.closed.then((c) => reject(new Error(`closed: ${JSON.stringify(c)}`)));
      }), 4 * PING_INTERVAL + 4000, '4 pings');
      assert.ok((await raw.fence()).frame, 'still answering');
    } finally { raw.terminate(); }
  });
});
