'use strict';
// What every benchmark prints with: numbers and aligned tables.

// A number with thousands separators and `digits` decimals; 'n/a' for none.
const fmt = (x, digits = 0) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a'
  : Number(x).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

// The middle value (the upper one of an even count).
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// A titled table: the first column left-aligned, the others right-aligned.
function table(title, header, rows) {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => String(r[c]).length)));
  const line = (r) => r.map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join('  ');
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

module.exports = { fmt, median, table };
