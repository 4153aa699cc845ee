// The scan cache rules, run against both query clients the binding drives:
// the real @tanstack/query-core QueryClient (pinned in interop/) and the
// built-in QueryCache. The server side is a FakeHistory behind a fake
// ScanSync client and a fake fetch.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bindScanQueries, SCANS_KEY } from './scan-queries.js';
import { QueryCache } from './query-cache.js';
import { FakeClient, FakeHistory, FakeRest } from './testing/fake-scansync.js';
import { importInterop } from './testing/interop.js';

const { QueryClient, QueryObserver } = await importInterop('@tanstack/query-core', 'build/modern/index.js');

const IMPLEMENTATIONS = {
  '@tanstack/query-core QueryClient': () => {
    const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    return {
      qc,
      observe: (options) => new QueryObserver(qc, options).subscribe(() => {}),
      close: () => qc.clear(),
    };
  },
  'built-in QueryCache': () => {
    const qc = new QueryCache();
    return { qc, observe: (options) => qc.observe(options, () => {}), close: () => qc.clear() };
  },
};

// Turns of the event loop until `pred()` holds; fails after `ms`.
async function until(pred, what, ms = 2000) {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}
// Lets every pending callback run (the binding's timers are 0 ms).
const settle = async () => { for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0)); };

function setup(make, { scans = 0 } = {}) {
  const history = new FakeHistory();
  for (let i = 0; i < scans; i++) history.create();
  const client = new FakeClient(history);
  const rest = new FakeRest(history);
  const impl = make();
  const binding = bindScanQueries({
    client, queryClient: impl.qc, getToken: () => 'good-token', apiBase: 'http://gateway.test', fetch: rest.fetch,
  });
  const h = {
    history, client, rest, impl, binding,
    data: () => impl.qc.getQueryData(SCANS_KEY),
    ids: () => h.data().scans.map((s) => s.id),
    observeList: () => impl.observe(binding.queryOptions()),
    async loaded() {
      h.unsubscribe = h.observeList();
      await until(() => h.data() !== undefined, 'list loaded');
    },
    close() { binding.dispose(); h.unsubscribe?.(); impl.close(); },
  };
  return h;
}

for (const [name, make] of Object.entries(IMPLEMENTATIONS)) {
  describe(`scan queries over ${name}`, () => {
    it('fetches GET /api/scans with the bearer token and keeps its watermark', async () => {
      const h = setup(make, { scans: 3 });
      await h.loaded();
      assert.equal(h.rest.requests.length, 1);
      assert.match(h.rest.requests[0].path, /^\/api\/scans\?limit=\d+$/);
      assert.equal(h.rest.requests[0].auth, 'Bearer good-token');
      assert.deepEqual(h.data().scans.map((s) => s.seq), [3, 2, 1], 'newest first');
      assert.equal(h.data().latestSeq, 3);
      assert.equal(h.data().epoch, 'epoch-1');
      h.close();
    });

    it('a created push is added once, newest first, without a refetch', async () => {
      const h = setup(make, { scans: 1 });
      await h.loaded();
      const scan = h.history.create();
      h.client.push('scan:created', scan);
      h.client.push('scan:created', scan);
      assert.deepEqual(h.ids()[0], scan.id);
      assert.equal(h.ids().filter((id) => id === scan.id).length, 1);
      assert.equal(h.data().latestSeq, 2);
      await settle();
      assert.equal(h.rest.requests.length, 1, 'no refetch of the list');
      h.close();
    });

    it('a push at or below the watermark is ignored', async () => {
      const h = setup(make, { scans: 2 });
      await h.loaded();
      const before = h.data();
      // An old create replayed with a seq already reflected (its scan since deleted in this list).
      h.client.push('scan:created', { ...before.scans[0], id: 'replayed-id', seq: 2 });
      h.client.push('scan:deleted', { id: before.scans[1].id, seq: 1 });
      assert.equal(h.data(), before, 'the data is the same object');
      assert.equal(h.binding.stats.ignored, 2);
      h.close();
    });

    it('a deleted push removes the scan', async () => {
      const h = setup(make, { scans: 2 });
      await h.loaded();
      const [newest] = h.data().scans;
      h.client.push('scan:deleted', h.history.delete(newest.id));
      assert.deepEqual(h.ids(), [h.data().scans[0].id]);
      assert.ok(!h.ids().includes(newest.id));
      assert.equal(h.data().latestSeq, 3);
      h.close();
    });

    it('an applied change invalidates the other scan queries, not the list', async () => {
      const h = setup(make, { scans: 1 });
      await h.loaded();
      let detailFetches = 0;
      const unsub = h.impl.observe({ queryKey: ['scans', 'detail'], queryFn: async () => ++detailFetches, retry: false });
      // Fetched and landed: a query still on its first fetch is not refetched by TanStack.
      await until(() => h.impl.qc.getQueryState(['scans', 'detail'])?.status === 'success', 'detail fetched');
      h.client.push('scan:created', h.history.create());
      await until(() => detailFetches === 2, 'detail refetched after the change');
      assert.equal(h.rest.listRequests().length, 1);
      unsub();
      h.close();
    });

    it('a push that skips seqs fetches just the missing range over sync:since', async () => {
      const h = setup(make, { scans: 2 });
      await h.loaded();
      const missed = [h.history.create(), h.history.create()];  // seq 3, 4 never pushed
      const live = h.history.create();                          // seq 5
      h.client.push('scan:created', live);
      await until(() => h.data().latestSeq === 5, 'caught up to 5');
      assert.deepEqual(h.binding.stats.syncRequests, [{ seq: 2, limit: 2 }]);
      const sync = h.client.emits.filter((e) => e.event === 'sync:since');
      assert.deepEqual(sync.map((e) => e.args[0]), [{ seq: 2, limit: 2 }]);
      assert.deepEqual(h.ids().slice(0, 3), [live.id, missed[1].id, missed[0].id]);
      assert.equal(h.rest.listRequests().length, 1, 'no blanket refetch');
      h.close();
    });

    it('pushes that arrive during a catch-up wait for it and apply once', async () => {
      const h = setup(make, { scans: 1 });
      await h.loaded();
      h.history.create();                       // 2, missed
      const a = h.history.create();             // 3
      const b = h.history.create();             // 4
      h.client.push('scan:created', a);         // gap → catch-up from 1
      h.client.push('scan:created', b);         // held behind it
      h.client.push('scan:created', a);         // duplicate
      await until(() => h.data().latestSeq === 4, 'at 4');
      assert.equal(new Set(h.ids()).size, h.ids().length);
      assert.equal(h.ids().length, 4);
      h.close();
    });

    it('the catch-up falls back to REST ?since= when the socket cannot answer', async () => {
      const h = setup(make, { scans: 1 });
      await h.loaded();
      h.client.failSync = true;
      h.history.create();
      h.client.push('scan:created', h.history.create());
      await until(() => h.data().latestSeq === 3, 'caught up over REST');
      assert.deepEqual(h.rest.requests.slice(1).map((r) => r.path), ['/api/scans?since=1&limit=1']);
      assert.equal(h.rest.requests[1].auth, 'Bearer good-token');
      h.close();
    });

    it('a push that arrives while the list fetch is in flight is kept when it lands', async () => {
      const h = setup(make, { scans: 2 });
      h.rest.hold = true;
      h.unsubscribe = h.observeList();
      await until(() => h.rest.held.length === 1, 'list request sent');
      // The server computed the reply at seq 2; then a scan and a delete are pushed.
      const scan = h.history.create();
      h.client.push('scan:created', scan);
      const gone = h.history.list().scans[2];
      h.client.push('scan:deleted', h.history.delete(gone.id));
      h.rest.release();
      await until(() => h.data() !== undefined, 'list landed');
      await settle();
      assert.equal(h.data().latestSeq, 4);
      assert.equal(h.ids()[0], scan.id);
      assert.ok(!h.ids().includes(gone.id));
      assert.equal(h.ids().length, 2);
      h.close();
    });

    it('the same race during a refetch of a loaded list keeps the push', async () => {
      const h = setup(make, { scans: 1 });
      await h.loaded();
      h.rest.hold = true;
      const refetch = h.impl.qc.invalidateQueries({ queryKey: SCANS_KEY });
      await until(() => h.rest.held.length === 1, 'refetch sent');
      const scan = h.history.create();
      h.client.push('scan:created', scan);
      assert.equal(h.ids()[0], scan.id, 'shown at once on the old list');
      h.rest.release();
      await refetch;
      await settle();
      assert.equal(h.ids()[0], scan.id, 'still there after the refetch landed');
      assert.equal(h.data().latestSeq, 2);
      h.close();
    });

    it('every (re)connect refetches the scan queries', async () => {
      const h = setup(make, { scans: 1 });
      await h.loaded();
      h.history.create();  // made while away: never pushed
      h.client.push('connect');
      await until(() => h.data().latestSeq === 2, 'refetched');
      assert.equal(h.rest.listRequests().length, 2);
      h.client.push('connect');
      await until(() => h.rest.listRequests().length === 3, 'refetched again');
      h.close();
    });

    it('another epoch in a catch-up reply refetches everything', async () => {
      const h = setup(make, { scans: 3 });
      await h.loaded();
      h.history.reset('epoch-2');
      for (let i = 0; i < 5; i++) h.history.create();
      h.client.push('scan:created', h.history.list().scans[0]);  // seq 5 > 3 + 1: gap
      await until(() => h.data().epoch === 'epoch-2', 'refetched');
      assert.equal(h.data().latestSeq, 5);
      assert.equal(h.ids().length, 5);
      assert.equal(h.rest.listRequests().length, 2);
      h.close();
    });

    it('another epoch in a refetched list invalidates the derived queries', async () => {
      const h = setup(make, { scans: 1 });
      await h.loaded();
      let detailFetches = 0;
      const unsub = h.impl.observe({ queryKey: ['scans', 'x'], queryFn: async () => ++detailFetches, retry: false });
      await until(() => h.impl.qc.getQueryState(['scans', 'x'])?.status === 'success', 'detail fetched');
      h.history.reset('epoch-2');
      h.history.create();
      h.client.push('connect');
      await until(() => h.data().epoch === 'epoch-2', 'new epoch');
      await until(() => detailFetches >= 2, 'detail refetched');
      unsub();
      h.close();
    });

    it("the module's sync:reset (another history found by its own catch-up) refetches the list", async () => {
      const h = setup(make, { scans: 2 });
      await h.loaded();
      h.history.reset('epoch-2');
      h.history.create();
      h.client.push('sync:reset', { epoch: 'epoch-2' });
      await until(() => h.data().epoch === 'epoch-2', 'refetched');
      assert.equal(h.ids().length, 1);
      h.close();
    });

    it('cursor_expired refetches everything', async () => {
      const h = setup(make, { scans: 2 });
      await h.loaded();
      h.history.since = () => ({ ok: false, error: 'cursor_expired' });
      h.history.create();
      h.client.push('scan:created', h.history.create());
      await until(() => h.rest.listRequests().length === 2, 'refetched');
      await until(() => h.data().latestSeq === 4, 'list at 4');
      h.close();
    });

    it('dispose removes every handler; later pushes change nothing', async () => {
      const h = setup(make, { scans: 1 });
      await h.loaded();
      const before = h.data();
      h.binding.dispose();
      assert.equal(h.client.handlerCount(), 0);
      h.client.push('scan:created', h.history.create());
      h.client.push('connect');
      await settle();
      assert.equal(h.data(), before);
      assert.equal(h.rest.requests.length, 1);
      h.close();
    });

    it('a refused token fails the query with its status, without retries', async () => {
      const h = setup(make, { scans: 1 });
      h.rest.token = 'another';
      h.unsubscribe = h.observeList();
      const state = () => h.impl.qc.getQueryState(SCANS_KEY);
      await until(() => state()?.status === 'error', 'query failed');
      assert.equal(state().error.status, 401);
      assert.equal(state().error.code, 'token_invalid');
      await settle();
      assert.equal(h.rest.requests.length, 1);
      h.close();
    });
  });
}
