'use strict';
// A raw Engine.IO v4 WebSocket peer (the `ws` package, no socket.io-client):
// sends whatever bytes a test wants, answers pings, and lets the test wait
// for a given frame or for the server to close the connection.
const WebSocket = require('ws');
const { withDeadline, DEFAULT_DEADLINE_MS } = require('./harness');

class RawEio {
  constructor(ws, { answerPings = true } = {}) {
    this.ws = ws;
    this.pings = 0;
    this.frames = [];
    this.waiters = [];
    this.closeInfo = null;
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        for (const w of this.waiters) w.resolve({ closed: true, ...this.closeInfo });
        this.waiters = [];
        resolve(this.closeInfo);
      });
    });
    ws.on('error', () => {});  // a refused or reset connection ends in 'close'
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? data : data.toString('utf8');
      if (text === '2') {
        this.pings++;
        if (answerPings) this.send('3');
        return;
      }
      this.frames.push(text);
      this.waiters = this.waiters.filter((w) => {
        if (typeof text === 'string' && w.pred(text)) { w.resolve({ frame: text }); return false; }
        return true;
      });
    });
  }

  // Opens /socket.io/?EIO=4&transport=websocket and waits for the OPEN packet.
  // o.answerPings (default true): answer the server's PINGs with PONGs.
  static async open(port, query = '', o = {}) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket${query}`, { maxPayload: 64 << 20 });
    const raw = new RawEio(ws, o);
    const r = await raw.next((f) => f.startsWith('0'));
    if (r.closed) throw new Error(`closed before OPEN: ${JSON.stringify(r)}`);
    raw.handshake = JSON.parse(r.frame.slice(1));
    return raw;
  }

  send(data) {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data);
  }

  // Resolves {frame} for the first (past or future) frame matching pred, or
  // {closed:true, code, reason} once the server has closed the connection.
  next(pred, ms = DEFAULT_DEADLINE_MS) {
    const seen = this.frames.find((f) => typeof f === 'string' && pred(f));
    if (seen !== undefined) return Promise.resolve({ frame: seen });
    if (this.closeInfo) return Promise.resolve({ closed: true, ...this.closeInfo });
    return withDeadline(new Promise((resolve) => this.waiters.push({ pred, resolve })), ms, 'a frame or close from the server');
  }

  // CONNECT with the token; resolves with the server's answer (40…/44…) or close.
  connect(token) {
    this.send(`40${JSON.stringify({ token })}`);
    return this.next((f) => f.startsWith('40') || f.startsWith('44'));
  }

  // Fence: an acked sync:since after whatever the test sent. Frames are
  // handled in order, so once it is answered (or the connection is closed)
  // the server has dealt with everything sent before it.
  fence() {
    this.ackId = (this.ackId || 1000) + 1;
    const id = this.ackId;
    this.send(`42${id}["sync:since",{"seq":0,"limit":1}]`);
    return this.next((f) => f.startsWith(`43${id}[`));
  }

  terminate() { this.ws.terminate(); }
}

module.exports = { RawEio };
