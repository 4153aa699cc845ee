// A small query cache with TanStack Query's semantics, for pages without a
// framework. The methods the scan adapter uses (getQueryData, setQueryData,
// invalidateQueries, removeQueries, getQueryState) have the names and
// argument shapes of @tanstack/query-core's QueryClient, so one adapter
// (scan-queries.js) drives either.
//
// - Keys are arrays; filters match by prefix (["scans"] matches
//   ["scans", "abc"]), elements compared by their JSON.
// - A query is active while it has observers (observe()); invalidation marks
//   matching queries stale and refetches the active ones at once, the others
//   when next observed.
// - A fetch started while another runs supersedes it: the older result is
//   dropped (its AbortSignal fires), as TanStack's cancelRefetch does.
// - A query without observers is removed gcTime ms after it became unused
//   (default 5 minutes); timers are injectable so tests control time.

const DEFAULT_GC_MS = 5 * 60 * 1000;

const hashKey = (key) => JSON.stringify(key);

function matchesKey(queryKey, filterKey) {
  if (!filterKey) return true;
  if (filterKey.length > queryKey.length) return false;
  return filterKey.every((part, i) => hashKey(part) === hashKey(queryKey[i]));
}

export class QueryCache {
  constructor({ gcTime = DEFAULT_GC_MS, timers = globalThis } = {}) {
    this.gcTime = gcTime;
    this.timers = timers;
    this.queries = new Map();  // hash -> query record
  }

  // The record for `queryKey`, created empty when missing.
  #query(queryKey) {
    const hash = hashKey(queryKey);
    let q = this.queries.get(hash);
    if (!q) {
      q = {
        queryKey, hash, queryFn: null, observers: new Set(), gcTimer: null, fetch: null, generation: 0,
        state: { data: undefined, error: null, status: 'pending', fetchStatus: 'idle', isInvalidated: false, dataUpdatedAt: 0 },
      };
      this.queries.set(hash, q);
      this.#scheduleGc(q);
    }
    return q;
  }

  #find(filters = {}) {
    const out = [];
    for (const q of this.queries.values()) {
      if (!matchesKey(q.queryKey, filters.queryKey)) continue;
      if (filters.exact && q.hash !== hashKey(filters.queryKey)) continue;
      if (filters.predicate && !filters.predicate({ queryKey: q.queryKey, state: q.state })) continue;
      out.push(q);
    }
    return out;
  }

  #setState(q, patch) {
    q.state = { ...q.state, ...patch };
    for (const listener of [...q.observers]) listener(q.state);
  }

  #scheduleGc(q) {
    if (q.gcTimer) this.timers.clearTimeout(q.gcTimer);
    q.gcTimer = null;
    if (q.observers.size > 0 || !Number.isFinite(this.gcTime)) return;
    q.gcTimer = this.timers.setTimeout(() => {
      q.gcTimer = null;
      if (q.observers.size === 0 && q.fetch === null) this.queries.delete(q.hash);
      else if (q.observers.size === 0) this.#scheduleGc(q);
    }, this.gcTime);
  }

  getQueryData(queryKey) {
    return this.queries.get(hashKey(queryKey))?.state.data;
  }

  getQueryState(queryKey) {
    return this.queries.get(hashKey(queryKey))?.state;
  }

  // updater: a value, or (old) => new; returning undefined changes nothing.
  setQueryData(queryKey, updater) {
    const q = this.#query(queryKey);
    const data = typeof updater === 'function' ? updater(q.state.data) : updater;
    if (data === undefined) return q.state.data;
    this.#setState(q, { data, status: 'success', error: null, isInvalidated: false, dataUpdatedAt: Date.now() });
    return data;
  }

  // Runs the query's function now (superseding a fetch in flight); resolves
  // with the data, or rejects with the error (also kept in the state).
  fetchQuery({ queryKey, queryFn }) {
    const q = this.#query(queryKey);
    if (queryFn) q.queryFn = queryFn;
    return this.#run(q);
  }

  #run(q) {
    if (!q.queryFn) return Promise.resolve(q.state.data);
    if (q.fetch) q.fetch.controller.abort();
    const generation = ++q.generation;
    const controller = new AbortController();
    this.#setState(q, { fetchStatus: 'fetching' });
    const promise = Promise.resolve()
      .then(() => q.queryFn({ queryKey: q.queryKey, signal: controller.signal }))
      .then((data) => {
        if (generation !== q.generation) return q.fetch ? q.fetch.promise : q.state.data;
        q.fetch = null;
        this.#setState(q, { data, status: 'success', error: null, fetchStatus: 'idle', isInvalidated: false, dataUpdatedAt: Date.now() });
        this.#scheduleGc(q);
        return data;
      }, (error) => {
        if (generation !== q.generation) return q.fetch ? q.fetch.promise : q.state.data;
        q.fetch = null;
        this.#setState(q, { error, status: q.state.data === undefined ? 'error' : q.state.status, fetchStatus: 'idle' });
        this.#scheduleGc(q);
        throw error;
      });
    q.fetch = { promise, controller };
    return promise;
  }

  // Makes the query active: listener(state) on every change. Fetches when
  // there is no data yet or the data was invalidated. Returns unsubscribe.
  observe({ queryKey, queryFn }, listener) {
    const q = this.#query(queryKey);
    if (queryFn) q.queryFn = queryFn;
    q.observers.add(listener);
    this.#scheduleGc(q);
    if ((q.state.data === undefined || q.state.isInvalidated) && q.fetch === null) this.#run(q).catch(() => {});
    listener(q.state);
    return () => {
      if (!q.observers.delete(listener)) return;
      this.#scheduleGc(q);
    };
  }

  // Marks matching queries stale; refetches those with observers. Resolves
  // once those refetches settle (errors are in their state).
  invalidateQueries(filters = {}) {
    const runs = [];
    for (const q of this.#find(filters)) {
      this.#setState(q, { isInvalidated: true });
      if (q.observers.size > 0 && filters.refetchType !== 'none') runs.push(this.#run(q).catch(() => {}));
    }
    return Promise.all(runs).then(() => {});
  }

  removeQueries(filters = {}) {
    for (const q of this.#find(filters)) {
      if (q.fetch) q.fetch.controller.abort();
      if (q.gcTimer) this.timers.clearTimeout(q.gcTimer);
      q.generation++;
      q.observers.clear();
      this.queries.delete(q.hash);
    }
  }

  // Every query's key (for tests and debugging).
  keys() {
    return [...this.queries.values()].map((q) => q.queryKey);
  }

  clear() {
    this.removeQueries();
  }
}
