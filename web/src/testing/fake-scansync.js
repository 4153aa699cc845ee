// Test doubles for the cache tests: a user's history on a server (seqs,
// epoch, the list and `sync:since` replies as the contract shapes them), a
// client with the WASM module's on/off/emit API wired to it, and a fetch
// that answers the REST list and `?since=`, each reply holdable so a test
// can land a push while a fetch is in flight.

export class FakeHistory {
  constructor(epoch = 'epoch-1') {
    this.epoch = epoch;
    this.latestSeq = 0;
    this.scans = new Map();  // id -> scan (live)
    this.changes = [];       // {op, seq, scan | id}, latest change per id kept in seq order
    this.counter = 0;
  }
  create(code = `CODE-${++this.counter}`) {
    const scan = {
      id: `00000000-0000-4000-8000-${String(++this.counter).padStart(12, '0')}`,
      userId: 'alice', code, format: 'qr', deviceId: 'dev', createdAt: new Date().toISOString(), seq: ++this.latestSeq,
    };
    this.scans.set(scan.id, scan);
    this.changes.push({ op: 'created', seq: scan.seq, scan });
    return scan;
  }
  delete(id) {
    const seq = ++this.latestSeq;
    this.scans.delete(id);
    this.changes = this.changes.filter((c) => (c.scan?.id ?? c.id) !== id);
    const event = { id, userId: 'alice', seq, deletedAt: new Date().toISOString() };
    this.changes.push({ op: 'deleted', seq, id, deletedAt: event.deletedAt });
    return event;
  }
  // A new history (a restored backup): seqs start again.
  reset(epoch) {
    Object.assign(this, new FakeHistory(epoch));
  }
  list() {
    const scans = [...this.scans.values()].sort((a, b) => b.seq - a.seq);
    return { scans, latestSeq: this.latestSeq, epoch: this.epoch, nextCursor: null };
  }
  since(seq, limit) {
    if (seq > this.latestSeq) return { ok: false, error: 'cursor_expired' };
    const after = this.changes.filter((c) => c.seq > seq);
    const page = after.slice(0, limit).map((c) => (c.op === 'created'
      ? { op: 'created', scan: c.scan } : { op: 'deleted', id: c.id, seq: c.seq, deletedAt: c.deletedAt }));
    return { ok: true, changes: page, latestSeq: this.latestSeq, hasMore: after.length > limit, epoch: this.epoch };
  }
}

// The ScanSync client API over a FakeHistory. `push(event, arg)` delivers a
// server event to the handlers; `sync:since` emits are answered from the
// history unless `failSync` is set (then the ack reports an error).
export class FakeClient {
  constructor(history) {
    this.history = history;
    this.handlers = new Map();  // id -> {event, fn}
    this.nextId = 1;
    this.emits = [];
    this.failSync = false;
    this.closed = false;
  }
  on(event, fn) {
    const id = this.nextId++;
    this.handlers.set(id, { event, fn });
    return id;
  }
  off(id) { this.handlers.delete(id); }
  handlerCount() { return this.handlers.size; }
  push(event, ...args) {
    for (const { event: e, fn } of [...this.handlers.values()]) if (e === event || e === '*') fn(...args);
  }
  emit(event, ...args) {
    const ack = typeof args[args.length - 1] === 'function' ? args.pop() : null;
    this.emits.push({ event, args });
    if (event === 'sync:since' && ack) {
      const { seq, limit } = args[0];
      queueMicrotask(() => (this.failSync ? ack(new Error('connection_lost')) : ack(null, this.history.since(seq, limit))));
    }
  }
  close() { this.closed = true; }
}

// fetch() for `GET /api/scans` over a FakeHistory. Records each request;
// with `hold = true` a list reply is computed when the request arrives (as
// the server would) but delivered only on `release()`.
export class FakeRest {
  constructor(history, token = 'good-token') {
    this.history = history;
    this.token = token;
    this.requests = [];
    this.hold = false;
    this.held = [];
    this.fetch = this.fetch.bind(this);
  }
  async fetch(url, init = {}) {
    const u = new URL(url, 'http://gateway.test');
    const auth = init.headers?.authorization;
    this.requests.push({ path: u.pathname + u.search, auth });
    const reply = (status, body) => ({ ok: status < 300, status, json: async () => body });
    if (auth !== `Bearer ${this.token}`) return reply(401, { error: { code: 'token_invalid', message: 'bad token' } });
    const since = u.searchParams.get('since');
    if (since !== null) {
      const r = this.history.since(Number(since), Number(u.searchParams.get('limit') || 100));
      return r.ok ? reply(200, r) : reply(410, { error: { code: r.error, message: r.error } });
    }
    const body = structuredClone(this.history.list());
    if (!this.hold) return reply(200, body);
    return new Promise((resolve) => this.held.push(() => resolve(reply(200, body))));
  }
  listRequests() { return this.requests.filter((r) => !r.path.includes('since=')); }
  release() {
    const held = this.held;
    this.held = [];
    for (const r of held) r();
  }
}
