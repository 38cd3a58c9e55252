import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../../src/storage/memory.js';
import { WatchCache, type CacheWatchCallbacks } from '../../../src/storage/watch-cache.js';
import type { Store, StoreEvent, WatchCallbacks, WatchHandle } from '../../../src/storage/store.js';
import { StoreError } from '../../../src/storage/store.js';
import { ApiError } from '../../../src/machinery/errors.js';

const P = '/registry/pods/';
const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

/** Collects a cache watch. */
function watcher() {
  const events: StoreEvent[] = [];
  const bookmarks: number[] = [];
  let closed: { err?: ApiError } | undefined;
  const cb: CacheWatchCallbacks = {
    onEvents: (e) => events.push(...e),
    onBookmark: (r) => bookmarks.push(r),
    onClose: (err) => { closed = { err }; },
  };
  return { cb, events, bookmarks, closed: () => closed };
}

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await tick(2);
  }
}

describe('WatchCache', () => {
  it('primes from a list and serves paged, key-ordered lists (also per namespace)', async () => {
    const store = new MemoryStore();
    for (const k of ['default/b', 'default/a', 'kube-system/c', 'default/c']) await store.create(P + k, JSON.stringify({ k }));
    await store.create('/registry/podsx/default/z', '{}');
    const cache = new WatchCache(store, P);
    await cache.ready;
    assert.equal(cache.isReady, true);
    const all = await cache.list();
    assert.deepEqual(all.items.map((i) => i.key.slice(P.length)), ['default/a', 'default/b', 'default/c', 'kube-system/c']);
    assert.equal(all.revision, 5);
    const page1 = await cache.list({ limit: 2 });
    assert.deepEqual(page1.items.map((i) => i.key.slice(P.length)), ['default/a', 'default/b']);
    assert.equal(page1.more, true);
    assert.equal(page1.remaining, 2);
    const page2 = await cache.list({ limit: 2, startAfter: page1.items[1]!.key });
    assert.deepEqual(page2.items.map((i) => i.key.slice(P.length)), ['default/c', 'kube-system/c']);
    assert.equal(page2.more, false);
    const ns = await cache.list({ prefix: P + 'default/' });
    assert.equal(ns.items.length, 3);
    assert.equal((await cache.get(P + 'default/a'))!.value, '{"k":"default/a"}');
    await cache.close();
  });

  it('follows writes; listConsistent sees every acknowledged write', async () => {
    const store = new MemoryStore();
    const cache = new WatchCache(store, P);
    await cache.ready;
    const a = await store.create(P + 'ns/a', '{"v":1}');
    const l1 = await cache.listConsistent();
    assert.deepEqual(l1.items.map((i) => [i.key, i.modRevision]), [[P + 'ns/a', a.modRevision]]);
    const a2 = await store.update(P + 'ns/a', '{"v":2}', a.modRevision);
    await store.create('/registry/services/ns/s', '{}'); // another prefix moves the global revision
    const l2 = await cache.listConsistent();
    assert.equal(l2.items[0]!.value, '{"v":2}');
    assert.equal(l2.items[0]!.modRevision, a2.modRevision);
    assert.equal(l2.revision, await store.currentRevision(), 'progress advanced the cache revision past other prefixes');
    await store.delete(P + 'ns/a');
    assert.equal((await cache.listConsistent()).items.length, 0);
    await assert.rejects(cache.waitForRevision(1_000_000, 50), (e: unknown) => e instanceof ApiError && e.code === 504);
    await cache.close();
  });

  it('watch from a revision replays the window then streams live events, namespace-filtered', async () => {
    const store = new MemoryStore();
    const cache = new WatchCache(store, P);
    await cache.ready;
    const a = await store.create(P + 'ns1/a', '{}');
    await store.create(P + 'ns2/b', '{}');
    const w = watcher();
    cache.watch(a.modRevision - 1, w.cb, { prefix: P + 'ns1/' });
    const a2 = await store.update(P + 'ns1/a', '{"x":1}', a.modRevision);
    await store.create(P + 'ns2/c', '{}');
    const d = await store.delete(P + 'ns1/a');
    await until(() => w.events.length >= 3);
    assert.deepEqual(w.events.map((e) => [e.type, e.key, e.revision]), [
      ['create', P + 'ns1/a', a.modRevision], ['update', P + 'ns1/a', a2.modRevision], ['delete', P + 'ns1/a', d.modRevision],
    ]);
    assert.equal(w.events[2]!.prevValue, '{"x":1}');
    await cache.close();
    await until(() => !!w.closed());
    assert.equal(w.closed()!.err, undefined);
  });

  it('watch from 0 starts with the current state as creates, then live events', async () => {
    const store = new MemoryStore();
    await store.create(P + 'ns/b', '{}');
    await store.create(P + 'ns/a', '{}');
    const cache = new WatchCache(store, P);
    const w = watcher();
    cache.watch(0, w.cb); // before ready: starts once primed
    await cache.ready;
    await until(() => w.events.length >= 2);
    const c = await store.create(P + 'ns/c', '{}');
    await until(() => w.events.length >= 3);
    assert.deepEqual(w.events.map((e) => [e.type, e.key]), [['create', P + 'ns/a'], ['create', P + 'ns/b'], ['create', P + 'ns/c']]);
    assert.equal(w.events[2]!.revision, c.modRevision);
    await cache.close();
  });

  it('a revision older than the window gets 410 Expired with the upstream message', async () => {
    const store = new MemoryStore();
    const cache = new WatchCache(store, P, { windowSize: 5 });
    await cache.ready;
    let kv = await store.create(P + 'ns/hb', '{"n":0}');
    const first = kv.modRevision;
    for (let i = 1; i <= 20; i++) kv = await store.update(P + 'ns/hb', `{"n":${i}}`, kv.modRevision);
    await cache.listConsistent();
    assert.equal(cache.oldestRevision, kv.modRevision - 5);
    const w = watcher();
    cache.watch(first, w.cb);
    await until(() => !!w.closed());
    const err = w.closed()!.err!;
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, 410);
    assert.equal(err.reason, 'Expired');
    assert.equal(err.message, `too old resource version: ${first} (${kv.modRevision - 5})`);
    assert.equal(w.events.length, 0);
    // the oldest revision still in the window works and replays the last 5 events
    const ok = watcher();
    cache.watch(cache.oldestRevision, ok.cb);
    await until(() => ok.events.length >= 5);
    assert.deepEqual(ok.events.map((e) => e.revision), [16, 17, 18, 19, 20].map((n) => first + n));
    await cache.close();
  });

  it('sends bookmarks to watchers that asked, at a revision covering all delivered events', async () => {
    const store = new MemoryStore();
    const cache = new WatchCache(store, P, { bookmarkIntervalMs: 20 });
    await cache.ready;
    const wb = watcher();
    const plain = watcher();
    cache.watch(await store.currentRevision(), wb.cb, { bookmarks: true });
    cache.watch(await store.currentRevision(), plain.cb);
    const a = await store.create(P + 'ns/a', '{}');
    await store.create('/registry/nodes/n1', '{}'); // elsewhere: bookmarks should move past it
    const other = await store.currentRevision();
    await until(() => wb.bookmarks.some((r) => r >= other));
    assert.ok(wb.bookmarks.every((r) => r >= a.modRevision || wb.events.length === 0));
    assert.equal(wb.events.length, 1);
    assert.equal(plain.bookmarks.length, 0);
    await cache.close();
  });

  it('when the store watch fails it ends watchers, re-lists and continues with a fresh window', async () => {
    const inner = new MemoryStore();
    const flaky = new FlakyStore(inner);
    const logs: string[] = [];
    const cache = new WatchCache(flaky, P, { retryDelayMs: 5, log: (m) => logs.push(m) });
    await cache.ready;
    const a = await inner.create(P + 'ns/a', '{}');
    const x = await inner.create(P + 'ns/x', '{}');
    await cache.listConsistent();
    assert.equal(cache.oldestRevision, 0, 'both creates are in the window');
    const w = watcher();
    cache.watch(x.modRevision, w.cb);
    // the store watch breaks; meanwhile writes happen that the cache never sees as events
    flaky.breakWatches(new StoreError('Compacted', 'compacted'));
    const b = await inner.create(P + 'ns/b', '{}');
    await until(() => !!w.closed());
    assert.equal(w.closed()!.err, undefined, 'watchers are ended without error so they re-watch');
    await until(() => cache.isReady);
    const l = await cache.listConsistent();
    assert.deepEqual(l.items.map((i) => i.key), [P + 'ns/a', P + 'ns/b', P + 'ns/x']);
    assert.ok(cache.oldestRevision >= x.modRevision, 'fresh window starts at the re-list');
    assert.ok(logs.some((m) => m.includes('re-listing')));
    // the fresh window starts at the re-list revision: older is 410, newer streams
    const old = watcher();
    cache.watch(a.modRevision, old.cb);
    await until(() => !!old.closed());
    assert.equal(old.closed()!.err?.code, 410);
    const live = watcher();
    cache.watch(b.modRevision, live.cb);
    const c = await inner.create(P + 'ns/c', '{}');
    await until(() => live.events.length >= 1);
    assert.equal(live.events[0]!.revision, c.modRevision);
    await cache.close();
  });
});

describe('WatchCache with a progress notification that overtakes events (etcd#15220)', () => {
  it('still applies and delivers the late events', async () => {
    const inner = new MemoryStore();
    const flaky = new FlakyStore(inner);
    const cache = new WatchCache(flaky, P, { bookmarkIntervalMs: 10 });
    await cache.ready;
    const w = watcher();
    cache.watch(await inner.currentRevision(), w.cb, { bookmarks: true });
    const now = await inner.currentRevision();
    flaky.earlyProgress(now + 2); // claims revisions up to now+2 were delivered...
    await tick(30);
    const a = await inner.create(P + 'ns/a', '{}'); // ...but these arrive afterwards
    const b = await inner.create(P + 'ns/b', '{}');
    assert.equal(b.modRevision, now + 2);
    await until(() => w.events.length >= 2);
    assert.deepEqual(w.events.map((e) => e.revision), [a.modRevision, b.modRevision]);
    assert.deepEqual((await cache.list()).items.map((i) => i.key), [P + 'ns/a', P + 'ns/b']);
    // bookmarks never go backwards
    const bm = w.bookmarks;
    assert.deepEqual(bm, [...bm].sort((x, y) => x - y));
    assert.equal(new Set(bm).size, bm.length);
    await cache.close();
  });
});

/** A Store whose watches can be made to fail, or get a premature progress notification, on demand. */
class FlakyStore implements Store {
  readonly kind = 'memory' as const;
  private cbs = new Set<{ cb: WatchCallbacks; h: WatchHandle }>();
  constructor(private readonly s: MemoryStore) {}
  earlyProgress(rev: number) {
    for (const x of this.cbs) x.cb.onProgress?.(rev);
  }
  breakWatches(err: StoreError) {
    for (const x of [...this.cbs]) { x.h.cancel(); this.cbs.delete(x); x.cb.onError(err); }
  }
  currentRevision() { return this.s.currentRevision(); }
  compactedRevision() { return this.s.compactedRevision(); }
  get(k: string) { return this.s.get(k); }
  list(p: string, o?: Parameters<Store['list']>[1]) { return this.s.list(p, o); }
  count(p: string) { return this.s.count(p); }
  create(k: string, v: string) { return this.s.create(k, v); }
  update(k: string, v: string, r: number) { return this.s.update(k, v, r); }
  delete(k: string, r?: number) { return this.s.delete(k, r); }
  requestProgress() { this.s.requestProgress(); }
  watch(p: string, from: number, cb: WatchCallbacks): WatchHandle {
    const x = { cb, h: this.s.watch(p, from, cb) };
    this.cbs.add(x);
    return { cancel: () => { this.cbs.delete(x); x.h.cancel(); } };
  }
  compact(r: number) { return this.s.compact(r); }
  close() { return this.s.close(); }
}
