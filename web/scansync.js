// scansync in the browser: the portable C++ client core (state machine,
// backoff, outbound queue, heartbeat, catch-up), compiled to WebAssembly,
// driven over the page's WebSocket and timers.
//
//   import { createScanSync } from './scansync.js';
//   const c = createScanSync({ url: 'https://gw.example', getToken: () => jwt });
//   c.on('scan:created', (scan) => …);
//   c.emit('scan:create', scan, (err, ack) => …);
//
// The module instantiates its wasm with a top-level await, so createScanSync
// is synchronous. The wasm is a standalone reactor (src/web/): this file is
// its whole loader; the C++ side asks for the actions below through its
// imports (open/send/close a transport, arm/cancel the one timer, the clock,
// the token) and reports status, events and acks.
//
// Invariants:
// - Inputs reach the core only from event-loop tasks (socket callbacks,
//   timers) or from the user's calls, never from inside an import: a socket
//   that fails synchronously is reported in a microtask.
// - A transport the core closed reports nothing more (its callbacks are
//   detached), as the driver's contract asks.
// - Status comes only from the core. The adapter never looks at the socket's
//   readyState, so a link that went silent shows "reconnecting" when the
//   core's heartbeat deadline passes, however open the socket claims to be.
// - A user callback (handler, ack, getToken) that throws does not unwind
//   through the wasm (that would skip the C++ destructors and leave the
//   core mid-input): the error is reported with reportError() (or thrown
//   from a fresh task where there is none) and the client carries on.
// - After close() no handler runs and no socket or timer of this client is
//   left; the C++ client is freed once no call into it is on the stack.

const STATUS = ['connecting', 'connected', 'reconnecting', 'disconnected'];
const REASON = [null, 'user', 'offline', 'background', 'unauthorized', 'gave_up', 'server'];
// scansync::client::errc, by value.
const ACK_ERROR = [null, 'ack_timeout', 'dropped', 'not_connected', 'closed', 'bad_arguments',
  'connection_lost', 'too_large'];

const clients = new Map();  // wasm handle -> Client
const encoder = new TextEncoder();
const decoder = new TextDecoder();

let wasm;  // the instance's exports
let view = new Uint8Array(0);
// memory.grow detaches the old buffer: a new one means a new view.
const bytes = () => (view.buffer === wasm.memory.buffer ? view : (view = new Uint8Array(wasm.memory.buffer)));
// Short ASCII texts (event names) are built directly: TextDecoder's fixed
// cost per call is larger than the loop.
function text(ptr, len) {
  const b = bytes();
  if (len <= 32) {
    let s = '';
    for (let i = ptr; i < ptr + len; i++) {
      if (b[i] > 0x7f) return decoder.decode(b.subarray(ptr, ptr + len));
      s += String.fromCharCode(b[i]);
    }
    return s;
  }
  return decoder.decode(b.subarray(ptr, ptr + len));
}
// The text frame the core is reading (innermost), so an argument that the
// core reports as a view into it is sliced from the JS string instead of
// decoded from memory. Only when the frame is ASCII: then byte offsets are
// string offsets.
let input = null;  // {text, ptr, len} or null
const client = (handle) => clients.get(handle);

// Calls a user callback; what it throws is reported outside the wasm's stack.
function userCall(fn, ...args) {
  try {
    return fn(...args);
  } catch (e) {
    if (typeof globalThis.reportError === 'function') globalThis.reportError(e);
    else setTimeout(() => { throw e; });
    return undefined;
  }
}

// Writes `s` as UTF-8 at ptr (room for max bytes), returns the bytes written.
// An ASCII string is copied by a loop: encodeInto first makes the engine's
// own copy of the string (a binding's string conversion), which costs more
// than the loop for a frame's few hundred characters.
function writeText(s, ptr, max) {
  const b = bytes();
  const n = s.length;
  if (n <= 4096) {
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) break;
      b[ptr + i] = c;
    }
    if (i === n) return n;
  }
  return encoder.encodeInto(s, b.subarray(ptr, ptr + max)).written;
}

// Runs `f(ptr, len)` with `s` as UTF-8 in wasm memory (freed afterwards).
// Each call has its own block: a handler that calls back in while the core
// still reads an earlier input's text must not overwrite it.
function withText(s, f) {
  const max = s.length * 3 + 1;
  const ptr = wasm.ss_alloc(max);
  const outer = input;
  try {
    const written = writeText(s, ptr, max);
    input = written === s.length ? { text: s, ptr, len: written } : null;
    return f(ptr, written);
  } finally {
    input = outer;
    wasm.ss_free(ptr);
  }
}

// The JSON text at [ptr, ptr + len): a slice of the input frame when it lies
// inside it, else decoded.
function json(ptr, len) {
  const i = input;
  if (i && ptr >= i.ptr && ptr + len <= i.ptr + i.len) return i.text.slice(ptr - i.ptr, ptr - i.ptr + len);
  return text(ptr, len);
}

const imports = {
  env: {
    ss_now: () => performance.now(),
    ss_open: (h, tid, q, n) => client(h)?.openTransport(tid, text(q, n)),
    ss_send: (h, tid, p, n) => client(h)?.send(tid, text(p, n)),
    ss_close: (h, tid, abort) => client(h)?.closeTransport(tid, abort),
    ss_arm_timer: (h, deadline) => client(h)?.armTimer(deadline),
    ss_cancel_timer: (h) => client(h)?.cancelTimer(),
    // Returns a NUL-terminated copy in wasm memory that the caller frees.
    ss_token: (h) => {
      const s = client(h)?.token() ?? '';
      const ptr = wasm.ss_alloc(s.length * 3 + 1);
      const { written } = encoder.encodeInto(s, bytes().subarray(ptr, ptr + s.length * 3));
      bytes()[ptr + written] = 0;
      return ptr;
    },
    ss_status: (h, status, attempt, delay, reason) => client(h)?.statusChanged(status, attempt, delay, reason),
    ss_event: (h, np, nn, ap, an) => client(h)?.event(text(np, nn), text(ap, an)),
    ss_event_arg: (h, np, nn, ap, an) => client(h)?.dispatch(text(np, nn), [JSON.parse(json(ap, an))]),
    ss_ack: (h, id, code, ap, an) => client(h)?.ack(id, code, text(ap, an)),
    emscripten_notify_memory_growth: () => {},  // bytes() makes a fresh view each time
  },
  // What the C++ library links in: the core's default clock (unused, the
  // driver passes ss_now) and abort's exit.
  wasi_snapshot_preview1: {
    clock_time_get: (id, precision, out) => {
      new DataView(wasm.memory.buffer).setBigUint64(out, BigInt(Math.round(performance.now() * 1e6)), true);
      return 0;
    },
    proc_exit: (code) => { throw new Error(`scansync: the wasm exited (${code})`); },
  },
};

async function instantiate() {
  const url = new URL('./scansync.wasm', import.meta.url);
  if (url.protocol === 'file:') {  // Node: fetch() cannot read file URLs
    const fs = await import('node:' + 'fs/promises');
    return WebAssembly.instantiate(await fs.readFile(url), imports);
  }
  const response = fetch(url);
  if (WebAssembly.instantiateStreaming) {
    try {
      return await WebAssembly.instantiateStreaming(response, imports);
    } catch (e) {  // served without application/wasm: compile from the bytes
      if (!(e instanceof TypeError)) throw e;
    }
  }
  return WebAssembly.instantiate(await (await response).arrayBuffer(), imports);
}
wasm = (await instantiate()).instance.exports;
wasm._initialize?.();

// ws(s)://host:port/<path>/?<the core's query>&<the URL's own query>, from
// an http(s) or ws(s) gateway URL. The path defaults to /socket.io/.
function socketUrl(base, query) {
  const u = new URL(base);
  const scheme = { 'http:': 'ws:', 'https:': 'wss:', 'ws:': 'ws:', 'wss:': 'wss:' }[u.protocol];
  if (!scheme) throw new Error(`scansync: unsupported URL scheme ${u.protocol}`);
  let path = u.pathname && u.pathname !== '/' ? u.pathname : '/socket.io/';
  if (!path.endsWith('/')) path += '/';
  const own = u.search.length > 1 ? '&' + u.search.slice(1) : '';
  return `${scheme}//${u.host}${path}?${query}${own}`;
}

class Client {
  constructor(o) {
    if (!o || typeof o.url !== 'string') throw new TypeError('createScanSync: options.url is required');
    socketUrl(o.url, '');  // a bad URL fails here, not at every attempt
    this.url = o.url;
    this.getToken = o.getToken || (() => '');
    this.WebSocket = o.WebSocket || globalThis.WebSocket;
    if (typeof this.WebSocket !== 'function') throw new TypeError('createScanSync: no WebSocket (pass options.WebSocket)');
    this.sockets = new Map();  // transport id -> WebSocket
    this.handlers = [];        // {id, event, fn, active}; event null = status handler
    this.nextId = 1;
    this.acks = new Map();     // ack id -> callback
    this.nextAck = 1;
    this.timer = undefined;
    this.current = { status: 'disconnected', attempt: 0, nextDelayMs: 0, reason: null };
    this.depth = 0;            // calls into the core on the stack
    this.closed = false;
    const b = o.backoff || {};
    const num = (v, d) => (v === undefined ? d : Number(v));
    this.handle = withText(o.epoch || '', (ep) => wasm.ss_create(
      num(b.initialMs, 1000), num(b.maxMs, 30000), num(b.factor, 2), num(b.maxAttempts, 10), num(b.jitter, 0),
      num(o.queueCapacity, 50), num(o.ackTimeoutMs, 10000), num(o.connectTimeoutMs, 20000),
      o.catchUp === false ? 0 : 1, num(o.lastSeq, 0), num(o.pageLimit, 500), ep));
    clients.set(this.handle, this);
    if (o.autoConnect !== false) this.call(() => wasm.ss_connect(this.handle));
  }

  // Every input goes through here: the C++ client is freed only when no call
  // into it is on the stack (close() from inside a handler).
  call(f) {
    if (this.closed) return undefined;
    this.depth++;
    try {
      return f();
    } finally {
      if (--this.depth === 0 && this.closed) this.free();
    }
  }

  // ---- What the core asks for ----
  openTransport(tid, query) {
    let ws;
    try {
      ws = new this.WebSocket(socketUrl(this.url, query));
    } catch (e) {
      queueMicrotask(() => this.transportInput(tid, (p, n) => wasm.ss_transport_closed(this.handle, tid, p, n), String(e && e.message || e)));
      return;
    }
    ws.binaryType = 'arraybuffer';
    this.sockets.set(tid, ws);
    ws.onopen = () => this.transportInput(tid, () => wasm.ss_transport_opened(this.handle, tid));
    ws.onmessage = (m) => {
      if (typeof m.data === 'string') {
        this.transportInput(tid, (p, n) => wasm.ss_transport_text(this.handle, tid, p, n), m.data);
      } else {
        const data = new Uint8Array(m.data);
        this.call(() => {
          const ptr = wasm.ss_alloc(data.length || 1);
          try {
            bytes().set(data, ptr);
            wasm.ss_transport_binary(this.handle, tid, ptr, data.length);
          } finally {
            wasm.ss_free(ptr);
          }
        });
      }
    };
    ws.onerror = () => {};  // onclose follows with the code
    ws.onclose = (e) => {
      this.sockets.delete(tid);
      const why = `websocket closed (code ${e.code}${e.reason ? ', ' + e.reason : ''})`;
      this.transportInput(tid, (p, n) => wasm.ss_transport_closed(this.handle, tid, p, n), why);
    };
  }

  transportInput(tid, f, s) {
    if (this.closed) return;
    this.call(() => (s === undefined ? f() : withText(s, f)));
  }

  send(tid, frame) {
    try {
      this.sockets.get(tid)?.send(frame);
    } catch { /* a socket already closing: its onclose reports the end */ }
  }

  closeTransport(tid, abort) {
    const ws = this.sockets.get(tid);
    if (!ws) return;
    this.sockets.delete(tid);
    ws.onopen = ws.onmessage = ws.onclose = null;
    ws.onerror = () => {};  // a socket closed while connecting may still report an error
    try {
      if (abort && typeof ws.terminate === 'function') ws.terminate();  // the `ws` package
      else ws.close(1000);
    } catch { /* already closing */ }
  }

  // The core re-arms its heartbeat deadline with every frame it reads, each
  // time a little later. A later deadline than the pending timer's keeps
  // that timer (its fire() re-arms for what is left); only an earlier one
  // replaces it. So a stream of frames costs no setTimeout per frame.
  armTimer(deadline) {
    this.deadline = deadline;
    if (this.timer !== undefined && this.timerAt <= deadline) return;
    clearTimeout(this.timer);
    const fire = () => {
      const left = this.deadline - performance.now();
      // setTimeout rounds to whole milliseconds and may fire a little early.
      if (left > 0) { this.schedule(fire, left); return; }
      this.timer = undefined;
      this.call(() => wasm.ss_timer_fired(this.handle));
    };
    this.schedule(fire, deadline - performance.now());
  }

  schedule(fire, ms) {
    const wait = Math.max(0, Math.ceil(ms));
    this.timerAt = performance.now() + wait;
    this.timer = setTimeout(fire, wait);
  }

  cancelTimer() {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  token() {
    const t = userCall(this.getToken);
    return t == null ? '' : String(t);
  }

  // ---- What the core reports ----
  statusChanged(status, attempt, delay, reason) {
    this.current = { status: STATUS[status], attempt, nextDelayMs: delay, reason: REASON[reason] ?? null };
    this.dispatch(null, [this.current]);
  }

  event(name, argsJson) {
    this.dispatch(name, JSON.parse(argsJson));
  }

  ack(id, code, argsJson) {
    const fn = this.acks.get(id);
    this.acks.delete(id);
    if (!fn || this.closed) return;
    if (code) {
      const err = new Error(`scansync: ${ACK_ERROR[code] || 'error ' + code}`);
      err.code = ACK_ERROR[code] || String(code);
      userCall(fn, err);
    } else {
      userCall(fn, null, ...JSON.parse(argsJson));
    }
  }

  // Like the core's dispatcher: the handlers subscribed when the dispatch
  // starts, those removed meanwhile skipped; "*" handlers get the name first.
  // No copy of the list: subscribe() appends (beyond `n`) and off() replaces
  // the array, marking the removed inactive.
  dispatch(name, args) {
    const handlers = this.handlers;
    for (let i = 0, n = handlers.length; i < n; i++) {
      const h = handlers[i];
      if (this.closed) return;
      if (!h.active) continue;
      if (name === null) {
        if (h.event === null) userCall(h.fn, ...args);
      } else if (h.event === name) {
        userCall(h.fn, ...args);
      } else if (h.event === '*') {
        userCall(h.fn, name, ...args);
      }
    }
  }

  subscribe(event, fn) {
    if (typeof fn !== 'function') throw new TypeError('scansync: a handler must be a function');
    if (this.closed) return 0;
    const h = { id: this.nextId++, event, fn, active: true };
    this.handlers.push(h);
    return h.id;
  }

  // ---- User calls ----
  emit(event, args) {
    if (this.closed) return;
    let ackId = 0;
    if (args.length && typeof args[args.length - 1] === 'function') {
      ackId = this.nextAck++;
      this.acks.set(ackId, args.pop());
    }
    const json = JSON.stringify(args);
    withText(String(event), (ep, en) => withText(json, (ap, an) =>
      this.call(() => wasm.ss_emit(this.handle, ep, en, ap, an, ackId))));
  }

  close() {
    if (this.closed) return;
    // Handlers first: the disconnect below fails pending acks and publishes
    // disconnected(user), and none of that may reach the user any more.
    this.handlers = [];
    this.acks.clear();
    // Ends the session politely ("41" when connected), then nothing more.
    this.call(() => wasm.ss_disconnect(this.handle));
    this.closed = true;
    for (const tid of [...this.sockets.keys()]) this.closeTransport(tid, false);
    this.cancelTimer();
    if (this.depth === 0) this.free();
  }

  free() {
    if (!clients.has(this.handle)) return;
    clients.delete(this.handle);
    wasm.ss_destroy(this.handle);
  }
}

// The public face: only these methods (the Client's internals stay private).
export function createScanSync(options) {
  const c = new Client(options);
  return {
    on: (event, handler) => c.subscribe(String(event), handler),
    off: (id) => { for (const h of c.handlers) if (h.id === id) h.active = false; c.handlers = c.handlers.filter((h) => h.active); },
    onStatus: (handler) => c.subscribe(null, handler),
    status: () => ({ ...c.current }),
    emit: (event, ...args) => c.emit(event, args),
    connect: () => c.call(() => wasm.ss_connect(c.handle)),
    disconnect: () => c.call(() => wasm.ss_disconnect(c.handle)),
    setOnline: (online) => c.call(() => wasm.ss_set_online(c.handle, online ? 1 : 0)),
    setForeground: (fg) => c.call(() => wasm.ss_set_foreground(c.handle, fg ? 1 : 0)),
    // Where the catch-up stands: resume from here with options.lastSeq/epoch.
    cursor: () => (c.closed ? null : { lastSeq: wasm.ss_last_seq(c.handle), epoch: withEpoch(c) }),
    queued: () => (c.closed ? 0 : wasm.ss_queued(c.handle)),
    dropped: () => (c.closed ? 0 : wasm.ss_dropped(c.handle)),
    close: () => c.close(),
  };
}

function withEpoch(c) {
  const ptr = wasm.ss_epoch(c.handle);
  const b = bytes();
  let end = ptr;
  while (b[end]) end++;
  return text(ptr, end - ptr);
}
