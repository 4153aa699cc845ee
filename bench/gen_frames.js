'use strict';
// Writes the event stream both client benchmarks decode: N Engine.IO MESSAGE
// frames `42["scan:created",{…scan…}]`, one per line, deterministic in i.
//   node bench/gen_frames.js N FILE
const fs = require('node:fs');

const FORMATS = ['qr', 'ean13', 'code128', 'datamatrix', 'qr', 'qr', 'pdf417', 'ean8'];
const hex = (n, width) => (n >>> 0).toString(16).padStart(width, '0').slice(-width);

function scan(i) {
  const h = Math.imul(i + 1, 2654435761) >>> 0;
  const format = FORMATS[i % FORMATS.length];
  const code = format === 'qr'
    ? `https://shop.example.com/p/${hex(h, 8)}?ref=scan&lot=${i % 977}`
    : format.startsWith('ean') ? String(4006381333931 + i).slice(0, format === 'ean8' ? 8 : 13) : `LOT-${hex(h ^ i, 8)}-${i}`;
  return {
    id: `${hex(h, 8)}-${hex(i, 4)}-4${hex(h >>> 4, 3)}-8${hex(i >>> 4, 3)}-${hex(h, 8)}${hex(i, 4)}`,
    userId: 'alice',
    code,
    format,
    deviceId: `pixel-8-${hex(i % 5, 4)}`,
    createdAt: new Date(Date.UTC(2024, 4, 1, 12, 0, 0) + i * 37).toISOString(),
    seq: i + 1,
  };
}

const frame = (i) => `42${JSON.stringify(['scan:created', scan(i)])}`;

if (require.main === module) {
  const [n, file] = [Number(process.argv[2]), process.argv[3]];
  if (!Number.isInteger(n) || n <= 0 || !file) {
    console.error('usage: node gen_frames.js N FILE');
    process.exit(2);
  }
  const fd = fs.openSync(file, 'w');
  let buf = [];
  for (let i = 0; i < n; i++) {
    buf.push(frame(i));
    if (buf.length === 10000 || i === n - 1) {
      fs.writeSync(fd, buf.join('\n') + '\n');
      buf = [];
    }
  }
  fs.closeSync(fd);
}
module.exports = { frame, scan };
