'use strict';
// Decode-and-dispatch cost of the official socket.io-client 4.8.1 in Node.
//
//   node bench/client_dispatch_js.js FRAMES_FILE
//
// What is measured: a real io() client connects over WebSocket to an
// in-process `ws` peer that only does the Engine.IO/Socket.IO handshake.
// Then each frame of the file is handed to the client's WebSocket transport
// exactly where its `ws.onmessage` hands a received message:
// `engine.transport.onData(frame)`. From there the client's own code runs
// unchanged: Engine.IO decodePacket → engine Socket (heartbeat reset,
// "data") → Manager → socket.io-parser Decoder (JSON.parse) → nextTick →
// Socket.onpacket → the application's "scan:created" listener, which counts.
// Frames are fed in batches of 100 per macrotask, as a TCP read holding
// several WebSocket messages is delivered by ws (the nextTick queue drains
// between batches). Not measured: kernel, TLS, WebSocket framing.
//
// Prints one JSON line: {"impl":"js", events, wall_s, cpu_s, events_per_s, …}.
const fs = require('node:fs');
const { WebSocketServer } = require('ws');
const { io } = require('socket.io-client');

const BATCH = 100;

function readFrames(file) {
  const text = fs.readFileSync(file, 'utf8');
  const frames = text.split('\n');
  if (frames[frames.length - 1] === '') frames.pop();
  return frames;
}

function procStatusKb(field) {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : NaN;
}
// Resets VmHWM (peak RSS) to the current RSS (Linux ≥ 4.0).
function resetPeakRss() {
  try { fs.writeFileSync('/proc/self/clear_refs', '5'); return true; } catch { return false; }
}

async function handshakePeer() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  wss.on('connection', (ws) => {
    ws.send(`0${JSON.stringify({ sid: 'bench', upgrades: [], pingInterval: 600000, pingTimeout: 600000, maxPayload: 1e6 })}`);
    ws.on('message', (m) => {
      if (m.toString().startsWith('40')) ws.send('40{"sid":"bench-sio"}');
    });
  });
  return wss;
}

async function main() {
  const frames = readFrames(process.argv[2]);
  const wss = await handshakePeer();
  const socket = io(`http://127.0.0.1:${wss.address().port}`, { transports: ['websocket'], auth: { token: 't' }, reconnection: false });
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  let delivered = 0;
  let checksum = 0;
  socket.on('scan:created', (scan) => {
    delivered++;
    checksum += scan.seq;
  });
  const transport = socket.io.engine.transport;
  if (transport.name !== 'websocket' || typeof transport.onData !== 'function') throw new Error('unexpected transport');

  const feed = async () => {
    for (let i = 0; i < frames.length; i += BATCH) {
      const end = Math.min(i + BATCH, frames.length);
      for (let j = i; j < end; j++) transport.onData(frames[j]);
      await new Promise((r) => setImmediate(r));
    }
  };

  // Warm-up pass (JIT), then the measured passes.
  await feed();
  if (delivered !== frames.length) throw new Error(`warm-up delivered ${delivered} of ${frames.length}`);
  // Five measured passes; the median pass is reported (see the C++ side).
  const PASSES = 5;
  const passes = [];
  if (global.gc) global.gc();
  const peakReset = resetPeakRss();
  const rssBefore = procStatusKb('VmRSS');
  for (let i = 0; i < PASSES; i++) {
    delivered = 0;
    checksum = 0;
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await feed();
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    passes.push({ wall, cpu: (cpu.user + cpu.system) / 1e6 });
    if (delivered !== frames.length) throw new Error(`delivered ${delivered} of ${frames.length}`);
  }
  const peak = procStatusKb('VmHWM');
  const median = (f) => passes.map(f).sort((a, b) => a - b)[Math.floor(PASSES / 2)];
  const wall = median((p) => p.wall);
  const cpuS = median((p) => p.cpu);
  console.log(JSON.stringify({
    impl: 'js socket.io-client 4.8.1', events: delivered, checksum, passes: PASSES, wall_s: wall, cpu_s: cpuS,
    events_per_s: delivered / wall, events_per_cpu_s: delivered / cpuS,
    rss_before_kb: rssBefore, peak_rss_delta_kb: peakReset ? peak - rssBefore : null,
  }));
  socket.disconnect();
  wss.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
