// One round of the browser benchmark (bench/browser/browser_bench.js opens a
// fresh page per round and calls window.bench(kind, n, mode)). The client
// connects to this page's origin over a real WebSocket, joins (and, for the
// WASM client, catches up on an empty history), then receives n
// `scan:created` frames and counts what its handler gets. The handler reads
// the parsed scan's id, code and seq, so both clients must have built the
// object by then; seq must run 1..n in order.
//
// Two modes:
// - "wire": the server writes the n frames to the socket (bench:start).
//   Chromium's own WebSocket delivery (network service -> renderer, one
//   task per message) is in it; the "raw" kind measures that floor.
// - "replay": the n frames are fetched beforehand (/frames), then handed to
//   the client's own WebSocket object's onmessage, 100 per macrotask (as
//   one socket read delivers them), so only the client's event path from
//   `onmessage` to the handler is timed: what each library adds per event.
//
// The time is from the first event to the n-th; connection setup is not in it.
const DEADLINE_MS = 120000;
const BATCH = 100;

// Every WebSocket the page opens, with the onmessage its client installed.
const taps = [];
class TapWebSocket extends globalThis.WebSocket {
  constructor(...args) {
    super(...args);
    taps.push(this);
  }
  set onmessage(fn) { this.deliver = fn; super.onmessage = fn; }
  get onmessage() { return super.onmessage; }
}
globalThis.WebSocket = TapWebSocket;  // before either client's module loads

function counter(n) {
  let resolve;
  const done = new Promise((r) => { resolve = r; });
  const s = { count: 0, first: 0, last: 0, outOfOrder: 0, chars: 0, done };
  s.onScan = (scan) => {
    if (s.count === 0) s.first = performance.now();
    s.count++;
    if (scan.seq !== s.count) s.outOfOrder++;
    s.chars += scan.id.length + scan.code.length;
    if (s.count === n) {
      s.last = performance.now();
      resolve();
    }
  };
  return s;
}

// Each connect function subscribes s.onScan and calls ready(emit) once the
// client has joined; emit(event, payload, ack) is the client's own emit.
async function connectWasm(s, ready) {
  const { createScanSync } = await import('/web/scansync.js');
  const c = createScanSync({ url: location.origin, getToken: () => 'bench' });
  c.on('scan:created', s.onScan);
  // The core has sent room:join and sync:since from its own connect
  // handling; what the page sends goes after them, from a fresh task.
  c.on('connect', () => setTimeout(() => ready((e, p, ack) => c.emit(e, p, ack)), 0));
  return () => c.close();
}

async function connectSocketIo(s, ready) {
  const { io } = await import('/sio/socket.io.esm.min.js');
  const socket = io(location.origin, { transports: ['websocket'], auth: { token: 'bench' }, reconnection: false });
  socket.on('scan:created', s.onScan);
  socket.on('connect', () => socket.emit('room:join', {}, () => ready((e, p, ack) => socket.emit(e, p, ack))));
  return () => socket.close();
}

// The floor: the page's own WebSocket speaking just enough Engine.IO and
// Socket.IO, each frame JSON.parse'd into the same handler.
async function connectRaw(s, ready) {
  const ws = new WebSocket(`${location.origin.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  let acks = 0;
  const pending = new Map();
  ws.onmessage = ({ data }) => {
    if (data.startsWith('42')) s.onScan(JSON.parse(data.slice(2))[1]);
    else if (data === '2') ws.send('3');
    else if (data.startsWith('0')) ws.send('40');
    else if (data.startsWith('40')) {
      ready((e, p, ack) => {
        const id = ack ? ++acks : '';
        if (ack) pending.set(id, ack);
        ws.send(`42${id}${JSON.stringify([e, p])}`);
      });
    } else if (data.startsWith('43')) {
      const id = Number(/^43(\d+)/.exec(data)[1]);
      pending.get(id)?.();
    }
  };
  return () => ws.close();
}

const CONNECT = { wasm: connectWasm, sio: connectSocketIo, raw: connectRaw };

// Hands frames to deliver() BATCH per macrotask (a MessageChannel task: not
// clamped like nested setTimeouts).
function replay(deliver, frames) {
  const ch = new MessageChannel();
  let i = 0;
  ch.port1.onmessage = () => {
    const end = Math.min(frames.length, i + BATCH);
    while (i < end) deliver({ data: frames[i++] });
    if (i < frames.length) ch.port2.postMessage(0);
    else ch.port1.close();
  };
  ch.port2.postMessage(0);
}

// Fetches the replay's frames ahead of the round, so that the heap reading
// taken before the round already holds them.
let prepared = null;
window.prepare = async (n) => {
  prepared = await (await fetch(`/frames?n=${n}`)).json();  // n separate strings, as messages are
};

window.bench = async (kind, n, mode) => {
  const s = counter(n);
  if (mode === 'replay' && !prepared) await window.prepare(n);
  const frames = mode === 'replay' ? prepared : null;
  let onReady;
  const ready = new Promise((r) => { onReady = r; });
  const close = await CONNECT[kind](s, onReady);
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${kind} ${mode}: ${s.count} of ${n} events in ${DEADLINE_MS} ms`)), DEADLINE_MS);
  });
  try {
    const emit = await Promise.race([ready, late]);
    if (mode === 'replay') {
      // The server answered every earlier emit (room:join, sync:since) before this ack.
      await Promise.race([new Promise((r) => emit('bench:ready', {}, r)), late]);
      const ws = taps.find((t) => t.readyState === WebSocket.OPEN && t.deliver);
      replay((m) => ws.deliver(m), frames);
    } else {
      emit('bench:start', { n });
    }
    await Promise.race([s.done, late]);
  } finally {
    clearTimeout(timer);
    close();
  }
  return { kind, mode, n, count: s.count, ms: s.last - s.first, outOfOrder: s.outOfOrder, chars: s.chars };
};
window.benchReady = true;
