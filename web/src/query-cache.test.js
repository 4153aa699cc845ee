// The built-in QueryCache on its own: keys, setQueryData, invalidation with
// refetch of active queries only, subscribers, superseded fetches, GC on
// an injected clock.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { QueryCache } from './query-cache.js';

// Timers under the test's control: advance(ms) runs what falls due.
function fakeTimers() {
  let now = 0;
  let nextId = 1;
  const timers = new Map();
  return {
    setTimeout(fn, ms) { const id = nextId++; timers.set(id, { fn, at: now + ms }); return id; },
    clearTimeout(id) { timers.delete(id); },
    advance(ms) {
      now += ms;
      for (const [id, t] of [...timers]) if (t.at <= now) { timers.delete(id); t.fn(); }
    },
    pending: () => timers.size,
  };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('QueryCache', () => {
  it('setQueryData takes a value or an updater; undefined changes nothing', () => {
    const c = new QueryCache({ timers: fakeTimers() });
    c.setQueryData(['scans'], { n: 1 });
    c.setQueryData(['scans'], (old) => ({ n: old.n + 1 }));
    c.setQueryData(['scans'], () => undefined);
    assert.deepEqual(c.getQueryData(['scans']), { n: 2 });
    assert.equal(c.getQueryState(['scans']).status, 'success');
    assert.equal(c.getQueryData(['other']), undefined);
  });

  it('observers fetch on first use and hear every change', async () => {
    const c = new QueryCache({ timers: fakeTimers() });
    const seen = [];
    const off = c.observe({ queryKey: ['scans'], queryFn: async () => 'fetched' }, (s) => seen.push(s.data));
    await tick();
    c.setQueryData(['scans'], 'pushed');
    off();
    c.setQueryData(['scans'], 'unheard');
    assert.deepEqual(seen, [undefined, undefined, 'fetched', 'pushed']);
  });

  it('invalidation matches by key prefix and refetches only active queries', async () => {
    const c = new QueryCache({ timers: fakeTimers() });
    const calls = { list: 0, detail: 0, other: 0 };
    const off = c.observe({ queryKey: ['scans'], queryFn: async () => ++calls.list }, () => {});
    await c.fetchQuery({ queryKey: ['scans', 'a'], queryFn: async () => ++calls.detail });  // inactive
    c.observe({ queryKey: ['users'], queryFn: async () => ++calls.other }, () => {});
    await tick();
    await c.invalidateQueries({ queryKey: ['scans'] });
    assert.deepEqual(calls, { list: 2, detail: 1, other: 1 });
    assert.equal(c.getQueryState(['scans', 'a']).isInvalidated, true);
    // The inactive one refetches when next observed.
    c.observe({ queryKey: ['scans', 'a'] }, () => {});
    await tick();
    assert.equal(calls.detail, 2);
    await c.invalidateQueries({ queryKey: ['scans'], predicate: (q) => q.queryKey.length > 1 });
    assert.deepEqual(calls, { list: 2, detail: 3, other: 1 });
    off();
  });

  it('a fetch started during another supersedes it', async () => {
    const c = new QueryCache({ timers: fakeTimers() });
    const resolvers = [];
    const queryFn = () => new Promise((r) => resolvers.push(r));
    c.observe({ queryKey: ['scans'], queryFn }, () => {});
    await tick();
    const second = c.invalidateQueries({ queryKey: ['scans'] });
    await tick();
    assert.equal(resolvers.length, 2);
    resolvers[1]('new');
    resolvers[0]('old');
    await second;
    await tick();
    assert.equal(c.getQueryData(['scans']), 'new');
    assert.equal(c.getQueryState(['scans']).fetchStatus, 'idle');
  });

  it('a failed fetch keeps the error in the state', async () => {
    const c = new QueryCache({ timers: fakeTimers() });
    c.observe({ queryKey: ['scans'], queryFn: async () => { throw new Error('401'); } }, () => {});
    await tick();
    await tick();
    assert.equal(c.getQueryState(['scans']).status, 'error');
    assert.equal(c.getQueryState(['scans']).error.message, '401');
  });

  it('unused queries are removed gcTime after their last observer left', async () => {
    const timers = fakeTimers();
    const c = new QueryCache({ gcTime: 1000, timers });
    const off = c.observe({ queryKey: ['scans'], queryFn: async () => 1 }, () => {});
    c.setQueryData(['orphan'], 'x');
    await tick();
    timers.advance(999);
    assert.deepEqual(c.keys(), [['scans'], ['orphan']]);
    timers.advance(1);
    assert.deepEqual(c.keys(), [['scans']], 'the orphan went, the observed one stays');
    off();
    timers.advance(500);
    const again = c.observe({ queryKey: ['scans'] }, () => {});  // back in use: GC cancelled
    timers.advance(5000);
    assert.deepEqual(c.keys(), [['scans']]);
    again();
    timers.advance(1000);
    assert.deepEqual(c.keys(), []);
    assert.equal(timers.pending(), 0);
  });

  it('removeQueries drops matching queries and their observers', () => {
    const c = new QueryCache({ timers: fakeTimers() });
    c.setQueryData(['scans'], 1);
    c.setQueryData(['scans', 'a'], 2);
    c.setQueryData(['users'], 3);
    c.removeQueries({ queryKey: ['scans'] });
    assert.deepEqual(c.keys(), [['users']]);
  });
});
