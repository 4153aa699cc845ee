// The scan list as a value: the REST list shape plus the watermark it
// reflects, and the pure rules that apply server changes to it. No I/O: the
// cache adapters (scan-queries.js) decide when to fetch; this file decides
// what a change does to the list.
//
// A list value is {scans, latestSeq, epoch, nextCursor}: `scans` newest first
// (by seq, descending), `latestSeq` the per-user seq the list reflects (every
// change with seq <= latestSeq is in it, none above), `epoch` the identity of
// the user's history on the server (contract: "Epoch and history resets").
// Values are never mutated: every rule returns a new value or the same one.

// A change as the socket delivers it, normalised:
//   {op: 'created', seq, scan} | {op: 'deleted', seq, id}
export function createdChange(scan) {
  return { op: 'created', seq: scan.seq, scan };
}
export function deletedChange(event) {
  return { op: 'deleted', seq: event.seq, id: event.id };
}
// A `sync:since` change ({op:'created',scan} | {op:'deleted',id,seq}).
export function syncChange(c) {
  return c.op === 'created' ? createdChange(c.scan) : deletedChange(c);
}

// The value of a `GET /api/scans` reply (or a fresh empty list).
export function listFromReply(reply) {
  const scans = Array.isArray(reply.scans) ? [...reply.scans] : [];
  scans.sort((a, b) => b.seq - a.seq);
  return {
    scans,
    latestSeq: Number.isInteger(reply.latestSeq) ? reply.latestSeq : 0,
    epoch: reply.epoch ?? null,
    nextCursor: reply.nextCursor ?? null,
  };
}

// Where a live change stands against the list's watermark:
//   'stale' — at or below it (already reflected): ignore;
//   'next'  — exactly the following seq: apply;
//   'gap'   — it skips seqs: the missing range must be fetched first.
export function classify(list, change) {
  if (!Number.isInteger(change.seq) || change.seq <= list.latestSeq) return 'stale';
  return change.seq === list.latestSeq + 1 ? 'next' : 'gap';
}

// Applies one change regardless of the watermark rules (the caller has
// classified it, or it comes from a catch-up page whose seqs may skip) and
// raises the watermark to its seq. A create of an id already listed and a
// delete of an id not listed change nothing but the watermark: that is what
// makes a change apply once.
export function applyChange(list, change) {
  let scans = list.scans;
  if (change.op === 'created') {
    if (!scans.some((s) => s.id === change.scan.id)) {
      const at = scans.findIndex((s) => s.seq < change.scan.seq);
      scans = at < 0 ? [...scans, change.scan] : [...scans.slice(0, at), change.scan, ...scans.slice(at)];
    }
  } else if (scans.some((s) => s.id === change.id)) {
    scans = scans.filter((s) => s.id !== change.id);
  }
  const latestSeq = Math.max(list.latestSeq, change.seq);
  if (scans === list.scans && latestSeq === list.latestSeq) return list;
  return { ...list, scans, latestSeq };
}

// Applies live changes in seq order while each is the next one; returns the
// new list and the changes left from the first gap on (empty when none).
export function applyLive(list, changes) {
  const sorted = [...changes].sort((a, b) => a.seq - b.seq);
  let out = list;
  for (let i = 0; i < sorted.length; i++) {
    const kind = classify(out, sorted[i]);
    if (kind === 'stale') continue;
    if (kind === 'gap') return { list: out, pending: sorted.slice(i) };
    out = applyChange(out, sorted[i]);
  }
  return { list: out, pending: [] };
}

// What a `sync:since` reply (socket ack or REST `?since=`) means for a list:
//   {reset: true}                      — cursor expired, another epoch, or a
//                                        latestSeq below ours: refetch all;
//   {list, hasMore, cursor}            — the page applied; `cursor` is the seq
//                                        to ask from next when hasMore.
// A complete reply (hasMore false) reflects everything up to its latestSeq,
// so the watermark moves there even when the last seqs were collapsed away
// (a scan created and deleted appears once, as deleted).
export function applySyncReply(list, reply) {
  if (!reply || reply.ok === false || !Array.isArray(reply.changes)) return { reset: true };
  if (reply.epoch != null && list.epoch != null && reply.epoch !== list.epoch) return { reset: true };
  if (Number.isInteger(reply.latestSeq) && reply.latestSeq < list.latestSeq) return { reset: true };
  let out = list;
  for (const c of reply.changes) out = applyChange(out, syncChange(c));
  if (!reply.hasMore && Number.isInteger(reply.latestSeq) && reply.latestSeq > out.latestSeq) {
    out = { ...out, latestSeq: reply.latestSeq };
  }
  if (out.epoch == null && reply.epoch != null) out = { ...out, epoch: reply.epoch };
  return { list: out, hasMore: reply.hasMore === true, cursor: out.latestSeq };
}
