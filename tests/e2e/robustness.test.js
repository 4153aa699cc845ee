'use strict';
// Hostile input: malformed Engine.IO/Socket.IO frames over a raw WebSocket,
// frames over maxPayload, garbage HTTP over raw TCP, huge headers. After each
// case the gateway is still running, a long-lived observer socket is still
// connected, and a fresh well-behaved client connects and gets scans.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const net = require('node:net');
const h = require('./lib/harness');
const { RawEio } = require('./lib/raw_eio');

const MAX_PAYLOAD = 100000;
let server;
let observer;       // joined socket of OBSERVER, must survive the whole file
let observed;       // its scan:created recorder
const OBSERVER = `observer-${crypto.randomBytes(4).toString('hex')}`;

before(async () => {
  server = await h.startServer({ args: ['--max-payload', String(MAX_PAYLOAD)] });
  observer = await h.connectJoined(server.url, h.mintToken(server.secret, { sub: OBSERVER }));
  observed = h.recorder(observer, 'scan:created');
});
after(async () => {
  observer.disconnect();
  const r = await server.stop();
  assert.equal(r.code, 0, `exit after SIGTERM: ${JSON.stringify(r)}\n${server.stderr()}`);
});

// The gateway is up, the observer still connected, and a new client of the
// observer's user creates a scan that both receive.
async function assertServing(what) {
  assert.ok(server.running(), `gateway died after ${what}:\n${server.stderr()}`);
  assert.ok(observer.connected, `observer lost its connection after ${what}`);
  const s = await h.connectJoined(server.url, h.mintToken(server.secret, { sub: OBSERVER }));
  try {
    const mine = h.recorder(s, 'scan:created');
    const seen = observed.items.length;
    const ack = await h.emitAck(s, 'scan:create', h.newScan());
    assert.equal(ack.ok, true, `create after ${what}: ${JSON.stringify(ack)}`);
    await mine.waitFor(1);
    const items = await observed.waitFor(seen + 1);
    assert.deepEqual(items[items.length - 1], ack.scan);
  } finally { s.disconnect(); }
}

const token = (sub = `raw-${crypto.randomBytes(4).toString('hex')}`) => h.mintToken(server.secret, { sub });

describe('malformed frames over a raw WebSocket, after CONNECT', () => {
  const deep = '42' + '['.repeat(40000) + ']'.repeat(40000);
  const deepObj = '42["scan:create",' + '{"a":'.repeat(20000) + '1' + '}'.repeat(20000) + ']';
  const cases = [
    ['empty frame', ''],
    ['unknown Engine.IO type', '9hello'],
    ['Engine.IO message with no Socket.IO packet', '4'],
    ['unknown Socket.IO type', '49'],
    ['letters as Socket.IO type', '4garbage'],
    ['truncated JSON', '42["scan:create",{"id":'],
    ['event data not an array', '42{"scan:create":1}'],
    ['event name not a string', '42[1,2,3]'],
    ['empty event array', '42[]'],
    ['ack id overflow', '4299999999999999999999999["sync:since",{}]'],
    ['negative ack id', '42-1["sync:since",{}]'],
    ['binary event with a missing attachment', '451-["scan:create",{"_placeholder":true,"num":0}]'],
    ['attachment count overflow', '4599999999999999999-["x"]'],
    ['ACK for an id never sent', '43777["ok"]'],
    ['CONNECT again', `40${JSON.stringify({ token: 'garbage' })}`],
    ['DISCONNECT of another namespace', '41/admin,'],
    ['event for an unknown namespace', '42/admin,["scan:create",{}]'],
    ['NUL bytes', '42["scan:create\u0000",{"id":"\u0000"}]'],
    ['lone surrogate escapes', '42["scan:create",{"id":"\\ud800","code":"\\udfff"}]'],
    ['bad escape', '42["scan:create",{"id":"\\x41"}]'],
    ['numbers out of range', '421["sync:since",{"seq":1e999,"limit":-1e999}]'],
    ['wrong types in sync:since', '421["sync:since",{"seq":"0","limit":[1]}]'],
    ['scan:create with no payload', '421["scan:create"]'],
    ['room:join with a non-object', '421["room:join","user:someone-else"]'],
    ['unknown event with ack', '421["nope",{}]'],
    ['deeply nested arrays (40000 levels)', deep],
    ['deeply nested objects (20000 levels)', deepObj],
    ['client PING', '2'],
    ['PONG without PING', '3'],
    ['UPGRADE on an already-WebSocket transport', '5'],
    ['NOOP', '6'],
    ['CLOSE then more', '1'],
    ['binary frame', Buffer.from([0x04, 0xff, 0x00, 0x42, 0x5b])],
  ];
  for (const [what, frame] of cases) {
    it(what, async () => {
      const raw = await RawEio.open(server.port);
      try {
        const c = await raw.connect(token());
        assert.ok(c.frame && c.frame.startsWith('40'), `CONNECT answer ${JSON.stringify(c)}`);
        raw.send(frame);
        await raw.fence();  // answered, or the server closed this connection
      } finally { raw.terminate(); }
      await assertServing(what);
    });
  }

  it('invalid UTF-8 in a text frame', async () => {
    const raw = await RawEio.open(server.port);
    try {
      await raw.connect(token());
      // ws validates outgoing text only when asked; send the bytes as a text frame.
      raw.ws.send(Buffer.from([0x34, 0x32, 0x5b, 0x22, 0xc3, 0x28, 0x22, 0x5d]), { binary: false });
      await raw.fence();
    } finally { raw.terminate(); }
    await assertServing('invalid UTF-8');
  });

  it('a flood of 2000 small malformed frames on one connection', async () => {
    const raw = await RawEio.open(server.port);
    try {
      await raw.connect(token());
      for (let i = 0; i < 2000; i++) raw.send(i % 2 ? '42[' : `4${i}`);
      await raw.fence();
    } finally { raw.terminate(); }
    await assertServing('flood');
  });
});

describe('malformed frames before CONNECT', () => {
  it('an event before CONNECT is not executed for the user who connects later', async () => {
    const sub = `pre-${crypto.randomBytes(4).toString('hex')}`;
    const raw = await RawEio.open(server.port);
    try {
      raw.send(`421${JSON.stringify(['scan:create', h.newScan()])}`);
      raw.send('422["room:join",{}]');
      const c = await raw.connect(token(sub));
      if (c.frame && c.frame.startsWith('40')) await raw.fence();
    } finally { raw.terminate(); }
    const s = await h.connectJoined(server.url, token(sub));
    try {
      assert.deepEqual((await h.syncAll(s, 0)).changes, [], 'a pre-CONNECT scan:create was stored');
    } finally { s.disconnect(); }
    await assertServing('event before CONNECT');
  });

  for (const [what, frame] of [
    ['CONNECT with broken JSON', '40{"token":'],
    ['CONNECT with a non-object', '40"token"'],
    ['CONNECT to an unknown namespace', `40/admin,${JSON.stringify({ token: 'x' })}`],
    ['CONNECT with a huge token', `40${JSON.stringify({ token: 'a'.repeat(MAX_PAYLOAD - 100) })}`],
  ]) {
    it(what, async () => {
      const raw = await RawEio.open(server.port);
      try {
        raw.send(frame);
        // Then a well-formed CONNECT: it is answered, or the connection was closed.
        await raw.connect(token());
      } finally { raw.terminate(); }
      await assertServing(what);
    });
  }
});

describe('maxPayload', () => {
  it('a WebSocket frame over maxPayload closes that connection only', async () => {
    const raw = await RawEio.open(server.port);
    try {
      assert.equal(raw.handshake.maxPayload, MAX_PAYLOAD);
      await raw.connect(token());
      raw.send(`421${JSON.stringify(['scan:create', h.newScan({ code: 'x'.repeat(MAX_PAYLOAD * 2) })])}`);
      const r = await raw.closed.then((x) => ({ closed: true, ...x }));
      assert.equal(r.closed, true);
    } finally { raw.terminate(); }
    await assertServing('oversized WebSocket frame');
  });

  it('a 16 MB frame is refused without the gateway buffering it all', async () => {
    const raw = await RawEio.open(server.port);
    try {
      raw.send(Buffer.alloc(16 << 20, 0x41));
      await raw.closed;
    } finally { raw.terminate(); }
    await assertServing('16 MB frame');
  });

  it('socket.io-client emitting over maxPayload is disconnected; others are not', async () => {
    const s = await h.connectJoined(server.url, token());
    const gone = h.waitEvent(s, 'disconnect');
    s.emit('scan:create', h.newScan({ code: 'y'.repeat(MAX_PAYLOAD * 2) }));
    await gone;
    s.disconnect();
    await assertServing('oversized emit');
  });

  it('a long-polling POST over maxPayload is refused', async () => {
    const hs = await h.rest(server.url, 'GET', '/socket.io/?EIO=4&transport=polling');
    assert.equal(hs.status, 200, hs.text);
    const sid = JSON.parse(hs.text.slice(1)).sid;
    const res = await rawHttp(`POST /socket.io/?EIO=4&transport=polling&sid=${sid} HTTP/1.1\r\nHost: x\r\n` +
      `Content-Type: text/plain\r\nContent-Length: ${MAX_PAYLOAD * 3}\r\n\r\n` + '4'.repeat(MAX_PAYLOAD * 3));
    assert.ok(res.status === undefined || res.status >= 400, `status ${res.status}`);
    await assertServing('oversized polling POST');
  });
});

// Writes `data` on a fresh TCP connection and collects the answer until the
// server closes it, or (when `closeAfterMs` passes without a close) closes it
// ourselves. Resolves {status, text}; status undefined when nothing came back.
function rawHttp(data, { closeAfterMs = 3000, endWrite = false } = {}) {
  return h.withDeadline(new Promise((resolve) => {
    const sock = net.connect(server.port, '127.0.0.1');
    const chunks = [];
    let timer;
    const finish = () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : undefined, text });
    };
    sock.on('data', (c) => {
      chunks.push(c);
      // One complete response is enough: the status line and the end of the headers.
      if (/\r\n\r\n/.test(Buffer.concat(chunks).toString('latin1'))) sock.destroy();
    });
    sock.on('error', () => {});
    sock.on('close', finish);
    sock.on('connect', () => {
      sock.write(data);
      if (endWrite) sock.end();
      // Only for inputs that leave a request unfinished: the server may
      // rightly wait for more bytes. This bounds the wait; it is not a sleep
      // standing in for an event.
      timer = setTimeout(() => sock.destroy(), closeAfterMs);
    });
  }), closeAfterMs + 2000, 'raw HTTP exchange');
}

describe('garbage HTTP over raw TCP', () => {
  const cases = [
    ['a garbage request line', 'GARBAGE\r\n\r\n'],
    ['random bytes', crypto.randomBytes(65536)],
    ['NUL bytes', Buffer.alloc(4096, 0)],
    ['HTTP/9.9', 'GET / HTTP/9.9\r\nHost: x\r\n\r\n'],
    ['a 100 KB request target', `GET /${'a'.repeat(100000)} HTTP/1.1\r\nHost: x\r\n\r\n`],
    ['a 100 KB header', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100000)}\r\n\r\n`],
    ['20000 headers', `GET /healthz HTTP/1.1\r\nHost: x\r\n${'X-A: b\r\n'.repeat(20000)}\r\n`],
    ['a 1 MB header', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(1 << 20)}\r\n\r\n`],
    ['negative Content-Length', 'POST /api/scans HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\nhello'],
    ['two Content-Lengths', 'POST /api/scans HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!'],
    ['a bad chunk size', 'POST /api/scans HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n'],
    ['a huge chunk size', 'POST /api/scans HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nhello\r\n'],
    ['header without colon', 'GET /healthz HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n'],
    ['bare LF line endings', 'GET /healthz HTTP/1.1\nHost: x\n\n'],
    ['an unfinished request', 'GET /healthz HTTP/1.1\r\nHost: x\r\n'],
    ['Content-Length larger than the body, then EOF', 'POST /api/scans HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{"id":'],
    ['Engine.IO v3 handshake', 'GET /socket.io/?EIO=3&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['unknown transport', 'GET /socket.io/?EIO=4&transport=carrier-pigeon HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['unknown sid', 'GET /socket.io/?EIO=4&transport=polling&sid=nope HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['polling POST with a malformed payload', 'POST /socket.io/?EIO=4&transport=polling&sid=nope HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\n\r\n\x1e\x1e9zz\x1eb'],
    ['WebSocket upgrade without a key', 'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n'],
    ['WebSocket upgrade with version 8', 'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n'],
    ['100 pipelined requests', 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(100)],
  ];
  for (const [what, data] of cases) {
    it(what, async () => {
      const res = await rawHttp(data, { endWrite: what.includes('EOF') });
      // ws (and RFC 6455 §4.4) may accept version 8; pipelined requests get 200s.
      if (res.status !== undefined && !/pipelined|version 8/.test(what)) {
        assert.ok(res.status >= 400 && res.status < 500, `expected a 4xx or a close, got ${res.text.slice(0, 120)}`);
      }
      await assertServing(what);
    });
  }
});

describe('long-polling abuse', () => {
  async function pollingSession() {
    const hs = await h.rest(server.url, 'GET', '/socket.io/?EIO=4&transport=polling');
    assert.equal(hs.status, 200, hs.text);
    const sid = JSON.parse(hs.text.slice(1)).sid;
    const post = (body) => h.rest(server.url, 'POST', `/socket.io/?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`,
      { body, headers: { 'content-type': 'text/plain;charset=UTF-8' } });
    const get = () => h.rest(server.url, 'GET', `/socket.io/?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`);
    return { sid, post, get };
  }

  for (const [what, body] of [
    ['garbage packets', '\x1e\x1e9zz\x1e'],
    ['a bad base64 binary packet', 'b%%%notbase64'],
    ['an unknown Socket.IO packet after CONNECT', null],
    ['an empty body', ''],
  ]) {
    it(`POST with ${what}`, async () => {
      const p = await pollingSession();
      if (body === null) {
        assert.equal((await p.post(`40${JSON.stringify({ token: token() })}`)).status, 200);
        await p.post('49garbage\x1e42[');
      } else {
        const res = await p.post(body);
        assert.ok(res.status === 200 || (res.status >= 400 && res.status < 500), `status ${res.status}`);
      }
      await assertServing(`polling POST with ${what}`);
    });
  }

  it('two concurrent long-poll GETs on one session do not take the gateway down', async () => {
    const p = await pollingSession();
    assert.equal((await p.post(`40${JSON.stringify({ token: token() })}`)).status, 200);
    const first = await p.get();  // the CONNECT answer
    assert.equal(first.status, 200);
    assert.match(first.text, /^40/);
    // The next GET waits for data; a second one at the same time is an error for Engine.IO.
    const [a, b] = await Promise.allSettled([p.get(), p.get()]);
    const statuses = [a, b].map((r) => (r.status === 'fulfilled' ? r.value.status : 'error'));
    assert.ok(statuses.some((st) => st === 400 || st === 'error' || st === 200), JSON.stringify(statuses));
    await assertServing('concurrent polls');
  });

  it('a WebSocket upgrade naming an unknown sid is refused', async () => {
    const ws = new (require('ws'))(`ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket&sid=does-not-exist`);
    const outcome = await h.withDeadline(new Promise((resolve) => {
      ws.on('open', () => resolve('open'));
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode));
      ws.on('error', () => resolve('error'));
    }), h.DEFAULT_DEADLINE_MS, 'upgrade outcome');
    ws.terminate();
    assert.notEqual(outcome, 'open');
    await assertServing('upgrade with unknown sid');
  });
});

describe('connection churn', () => {
  it('200 WebSocket connections dropped right after OPEN or mid-handshake', async () => {
    const pending = [];
    for (let i = 0; i < 200; i++) {
      if (i % 2) {
        pending.push(RawEio.open(server.port).then((raw) => raw.terminate(), () => {}));
      } else {
        pending.push(rawHttp('GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n' +
          'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'));
      }
    }
    await Promise.all(pending);
    await assertServing('churn');
  });
});
