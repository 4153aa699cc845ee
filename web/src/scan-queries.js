// Keeps the ["scans"] query of a query client in step with a ScanSync client
// (the WASM core's ES module, or anything with its on/off/emit API). Works
// with @tanstack/query-core's QueryClient and with the built-in QueryCache
// (query-cache.js): it uses only getQueryData, setQueryData and
// invalidateQueries.
//
// The list's data is the REST list shape with its watermark (scan-list.js):
// - a push at or below the watermark is ignored, the next seq is applied
//   with setQueryData (once: by id and seq);
// - a push that skips seqs fetches just the missing range (`sync:since` over
//   the socket with an ack, REST `?since=` when the socket cannot answer)
//   and holds later pushes until it lands;
// - pushes that arrive while the list fetch is in flight are recorded and
//   applied on top of the fetched list when it lands, if above its
//   watermark (TanStack alone overwrites them: TanStack/query#3579). That is
//   sound because the server commits a change before it broadcasts it: a
//   push received before the request went out is in the reply;
// - another epoch, a cursor_expired, or a latestSeq that went back refetches
//   every scan query; so does every (re)connect, for anything missed away.
// Other queries under ["scans", …] (details, filtered views) cannot be
// patched from a change and are invalidated after each applied change.
import { applyLive, applySyncReply, classify, createdChange, deletedChange, listFromReply } from './scan-list.js';

export const SCANS_KEY = ['scans'];
const MAX_CATCH_UP_ROUNDS = 20;
const MAX_PAGE = 1000;

export function bindScanQueries({ client, queryClient, getToken, apiBase = '', fetch = globalThis.fetch.bind(globalThis), limit = 1000 }) {
  const inflight = new Set();  // buffers of the list fetches in flight
  let pending = [];            // live changes held behind a gap
  let catchingUp = false;
  let disposed = false;
  const stats = { listFetches: 0, listInFlight: 0, applied: 0, ignored: 0, catchUps: 0, refetches: 0, syncRequests: [] };

  const authHeaders = async () => ({ authorization: `Bearer ${await getToken()}` });
  async function getJson(path, signal) {
    const res = await fetch(`${apiBase}${path}`, { headers: await authHeaders(), signal });
    const body = await res.json().catch(() => null);
    if (!res.ok) {
      const err = new Error(`GET ${path}: ${res.status} ${body?.error?.code ?? ''}`.trim());
      err.status = res.status;
      err.code = body?.error?.code;
      throw err;
    }
    return body;
  }

  const list = () => queryClient.getQueryData(SCANS_KEY);
  const setList = (value) => queryClient.setQueryData(SCANS_KEY, value);
  const invalidateDerived = () =>
    queryClient.invalidateQueries({ queryKey: SCANS_KEY, predicate: (q) => q.queryKey.length > SCANS_KEY.length });
  function refetchAll() {
    if (disposed) return Promise.resolve();
    stats.refetches++;
    pending = [];
    return queryClient.invalidateQueries({ queryKey: SCANS_KEY });
  }

  async function queryFn({ signal } = {}) {
    const buffer = [];
    inflight.add(buffer);
    stats.listFetches++;
    stats.listInFlight = inflight.size;
    let reply;
    try {
      reply = await getJson(`/api/scans?limit=${limit}`, signal);
    } finally {
      inflight.delete(buffer);
      stats.listInFlight = inflight.size;
    }
    const before = list();
    const { list: merged, pending: gapped } = applyLive(listFromReply(reply), buffer);
    if (before && before.epoch != null && merged.epoch != null && before.epoch !== merged.epoch) {
      // The list itself is this reply; everything derived from the old history goes.
      setTimeout(invalidateDerived, 0);
    }
    if (gapped.length) {
      pending.push(...gapped);
      // A macrotask later: both clients store a queryFn's result within
      // the microtasks that follow it, and the catch-up must start from it.
      setTimeout(catchUp, 0);
    }
    return merged;
  }

  function syncSince(seq, count) {
    stats.syncRequests.push({ seq, limit: count });
    const viaRest = () => getJson(`/api/scans?since=${seq}&limit=${count}`);
    return new Promise((resolve) => {
      client.emit('sync:since', { seq, limit: count }, (err, reply) => resolve(err ? null : reply));
    }).then((reply) => reply ?? viaRest());
  }

  async function catchUp() {
    if (catchingUp || disposed) return;
    catchingUp = true;
    stats.catchUps++;
    try {
      for (let round = 0; round < MAX_CATCH_UP_ROUNDS && !disposed; round++) {
        const current = list();
        // A fetch in flight reflects every push received so far (see top).
        if (!current || inflight.size > 0) { pending = []; return; }
        const live = applyLive(current, pending);
        pending = live.pending;
        if (live.list !== current) { setList(live.list); stats.applied++; invalidateDerived(); }
        if (pending.length === 0) return;
        const from = live.list.latestSeq;
        const missing = Math.min(Math.max(pending[0].seq - from - 1, 1), MAX_PAGE);
        const reply = await syncSince(from, missing);
        if (disposed) return;
        if (list() !== live.list) continue;  // a fetch landed meanwhile: start from its list
        const res = applySyncReply(live.list, reply);
        if (res.reset) { refetchAll(); return; }
        if (res.list !== live.list) { setList(res.list); invalidateDerived(); }
      }
      if (pending.length && !disposed) refetchAll();
    } catch {
      if (!disposed) refetchAll();
    } finally {
      catchingUp = false;
    }
  }

  function onChange(change) {
    if (disposed) return;
    for (const buffer of inflight) buffer.push(change);
    if (catchingUp) { pending.push(change); return; }
    const current = list();
    if (!current) return;  // no list yet: its fetch will carry this change
    const kind = classify(current, change);
    if (kind === 'stale') { stats.ignored++; return; }
    if (kind === 'gap') {
      pending.push(change);
      if (inflight.size === 0) catchUp();
      return;
    }
    setList(applyLive(current, [change]).list);
    stats.applied++;
    invalidateDerived();
  }

  const ids = [
    client.on('scan:created', (scan) => onChange(createdChange(scan))),
    client.on('scan:deleted', (event) => onChange(deletedChange(event))),
    client.on('connect', () => { refetchAll(); }),
    // The module's own catch-up found another history on the server.
    client.on('sync:reset', () => { refetchAll(); }),
  ];

  return {
    queryKey: SCANS_KEY,
    queryFn,
    // Options for useQuery / QueryObserver / QueryCache.observe. The socket
    // keeps the list fresh, so it never goes stale by time; an auth failure
    // is not retried (the status shows it), anything else once, after 500 ms.
    queryOptions() {
      return {
        queryKey: SCANS_KEY,
        queryFn,
        staleTime: Infinity,
        refetchOnWindowFocus: false,
        retry: (count, err) => err?.status !== 401 && count < 1,
        retryDelay: 500,
      };
    },
    stats,
    // Removes every handler this binding registered; later events do nothing.
    dispose() {
      disposed = true;
      pending = [];
      for (const id of ids) client.off(id);
    },
  };
}
