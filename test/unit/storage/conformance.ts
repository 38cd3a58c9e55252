// The one Store conformance suite. Each backend's *.test.ts calls storeConformance with a factory.
// Every test works under its own key prefix and asserts only on revisions relative to what it
// observed, so one store instance (e.g. one etcd process) can serve the whole suite.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Store, StoreEvent, WatchHandle } from '../../../src/storage/store.js';
import { StoreError } from '../../../src/storage/store.js';

export interface ConformanceTarget {
  /** Opens a store (called once for the suite). */
  open(): Promise<Store>;
  /** Optional extra teardown after the store is closed (stop a server, remove a temp dir). */
  teardown?(): Promise<void>;
}

let seq = 0;
const uniq = () => `/registry/c${process.pid}x${Date.now().toString(36)}x${seq++}`;

async function rejects(p: Promise<unknown>, code: string): Promise<StoreError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof StoreError, `expected StoreError, got ${String(e)}`);
    assert.equal(e.code, code);
    return e;
  }
  assert.fail(`expected StoreError ${code}, but it resolved`);
}

/** Collects watch events until `done(events)` or the timeout. */
function collect(store: Store, prefix: string, from: number, done: (evs: StoreEvent[]) => boolean, timeoutMs = 5000) {
  const events: StoreEvent[] = [];
  let handle: WatchHandle | undefined;
  const promise = new Promise<StoreEvent[]>((resolve, reject) => {
    const t = setTimeout(() => { handle?.cancel(); reject(new Error(`watch timeout; got ${JSON.stringify(events.map((e) => [e.type, e.key, e.revision]))}`)); }, timeoutMs);
    handle = store.watch(prefix, from, {
      onEvents(evs) {
        events.push(...evs);
        if (done(events)) { clearTimeout(t); handle?.cancel(); resolve(events); }
      },
      onError(err) { clearTimeout(t); reject(err); },
    });
  });
  return { promise, events, cancel: () => handle?.cancel() };
}

export function storeConformance(name: string, target: ConformanceTarget): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store;
    before(async () => { store = await target.open(); });
    after(async () => {
      await store?.close();
      await target.teardown?.();
    });

    it('create returns revisions and refuses an existing key (KeyExists)', async () => {
      const p = uniq();
      const before = await store.currentRevision();
      const kv = await store.create(`${p}/a`, '{"n":1}');
      assert.equal(kv.key, `${p}/a`);
      assert.equal(kv.value, '{"n":1}');
      assert.ok(kv.modRevision > before);
      assert.equal(kv.createRevision, kv.modRevision);
      const err = await rejects(store.create(`${p}/a`, '{"n":2}'), 'KeyExists');
      assert.ok(err instanceof StoreError);
      assert.equal((await store.get(`${p}/a`))!.value, '{"n":1}');
    });

    it('get returns the stored value or undefined', async () => {
      const p = uniq();
      assert.equal(await store.get(`${p}/missing`), undefined);
      const kv = await store.create(`${p}/x`, '{"x":true}');
      assert.deepEqual(await store.get(`${p}/x`), kv);
    });

    it('update is compare-and-swap: Conflict carries the current value, NotFound when absent', async () => {
      const p = uniq();
      const v1 = await store.create(`${p}/k`, '{"v":1}');
      const v2 = await store.update(`${p}/k`, '{"v":2}', v1.modRevision);
      assert.ok(v2.modRevision > v1.modRevision);
      assert.equal(v2.createRevision, v1.createRevision);
      assert.equal(v2.value, '{"v":2}');
      const err = await rejects(store.update(`${p}/k`, '{"v":3}', v1.modRevision), 'Conflict');
      assert.ok(err.current, 'Conflict carries current');
      assert.equal(err.current.value, '{"v":2}');
      assert.equal(err.current.modRevision, v2.modRevision);
      assert.equal(err.current.createRevision, v1.createRevision);
      assert.equal((await store.get(`${p}/k`))!.value, '{"v":2}');
      await rejects(store.update(`${p}/nope`, '{}', 1), 'NotFound');
    });

    it('delete returns the last value at the deletion revision; honours expected revision', async () => {
      const p = uniq();
      const a = await store.create(`${p}/a`, '{"a":1}');
      const d = await store.delete(`${p}/a`);
      assert.equal(d.value, '{"a":1}');
      assert.equal(d.createRevision, a.createRevision);
      assert.ok(d.modRevision > a.modRevision);
      assert.equal(await store.get(`${p}/a`), undefined);
      await rejects(store.delete(`${p}/a`), 'NotFound');

      const b = await store.create(`${p}/b`, '{"b":1}');
      const b2 = await store.update(`${p}/b`, '{"b":2}', b.modRevision);
      const err = await rejects(store.delete(`${p}/b`, b.modRevision), 'Conflict');
      assert.equal(err.current?.modRevision, b2.modRevision);
      assert.ok(await store.get(`${p}/b`));
      const db = await store.delete(`${p}/b`, b2.modRevision);
      assert.equal(db.value, '{"b":2}');
      assert.equal(await store.get(`${p}/b`), undefined);
      // a deleted key can be created again, with a fresh createRevision
      const again = await store.create(`${p}/b`, '{"b":3}');
      assert.ok(again.createRevision > db.modRevision);
    });

    it('list is prefix-isolated and key-ordered', async () => {
      const p = uniq();
      await store.create(`${p}/pods/ns/b`, '{}');
      await store.create(`${p}/pods/ns/a`, '{}');
      await store.create(`${p}/pods/other/c`, '{}');
      await store.create(`${p}/podsx/ns/z`, '{}');
      await store.create(`${p}/pod`, '{}');
      const all = await store.list(`${p}/pods/`);
      assert.deepEqual(all.items.map((i) => i.key), [`${p}/pods/ns/a`, `${p}/pods/ns/b`, `${p}/pods/other/c`]);
      assert.equal(all.more, false);
      assert.equal(all.revision, await store.currentRevision());
      const ns = await store.list(`${p}/pods/ns/`);
      assert.deepEqual(ns.items.map((i) => i.key), [`${p}/pods/ns/a`, `${p}/pods/ns/b`]);
      assert.equal((await store.list(`${p}/nothing/`)).items.length, 0);
    });

    it('list pages with limit/startAfter/more at a fixed revision', async () => {
      const p = uniq();
      const keys: string[] = [];
      for (let i = 0; i < 25; i++) keys.push(`${p}/items/k${String(i).padStart(3, '0')}`);
      await Promise.all(keys.map((k) => store.create(k, JSON.stringify({ k }))));
      const first = await store.list(`${p}/items/`, { limit: 10 });
      assert.equal(first.items.length, 10);
      assert.equal(first.more, true);
      // a write after the first page must not show up in later pages read at the same revision
      await store.create(`${p}/items/k999`, '{}');
      const seen = [...first.items];
      let page = first;
      while (page.more) {
        page = await store.list(`${p}/items/`, { limit: 10, startAfter: page.items.at(-1)!.key, revision: first.revision });
        assert.equal(page.revision, first.revision);
        seen.push(...page.items);
      }
      assert.deepEqual(seen.map((i) => i.key), keys);
      assert.equal(page.items.length, 5);
      const rest = await store.list(`${p}/items/`, { startAfter: keys[24] });
      assert.deepEqual(rest.items.map((i) => i.key), [`${p}/items/k999`]);
      const exact = await store.list(`${p}/items/`, { limit: 26 });
      assert.equal(exact.more, false);
    });

    it('list at an older revision sees the state as of that revision', async () => {
      const p = uniq();
      const a1 = await store.create(`${p}/a`, '{"a":1}');
      const a2 = await store.update(`${p}/a`, '{"a":2}', a1.modRevision);
      const b1 = await store.create(`${p}/b`, '{"b":1}');
      const da = await store.delete(`${p}/a`);
      const at = async (rev: number) => (await store.list(`${p}/`, { revision: rev })).items.map((i) => [i.key.slice(p.length), i.value, i.modRevision]);
      assert.deepEqual(await at(a1.modRevision), [['/a', '{"a":1}', a1.modRevision]]);
      assert.deepEqual(await at(a2.modRevision), [['/a', '{"a":2}', a2.modRevision]]);
      assert.deepEqual(await at(b1.modRevision), [['/a', '{"a":2}', a2.modRevision], ['/b', '{"b":1}', b1.modRevision]]);
      assert.deepEqual(await at(da.modRevision), [['/b', '{"b":1}', b1.modRevision]]);
      assert.equal((await store.list(`${p}/`, { revision: a1.modRevision })).revision, a1.modRevision);
      assert.deepEqual(await at(a1.modRevision - 1), []);
    });

    it('watch replays from a revision, then goes live, in order, prefix-filtered, with delete prevValue', async () => {
      const p = uniq();
      const a = await store.create(`${p}/w/a`, '{"a":1}');
      await store.create(`${p}/wx/noise`, '{}');
      const from = a.modRevision - 1;
      const w = collect(store, `${p}/w/`, from, (evs) => evs.some((e) => e.type === 'delete' && e.key === `${p}/w/b`));
      // live writes, some outside the prefix
      const a2 = await store.update(`${p}/w/a`, '{"a":2}', a.modRevision);
      await store.create(`${p}/wx/noise2`, '{}');
      const b = await store.create(`${p}/w/b`, '{"b":1}');
      const db = await store.delete(`${p}/w/b`);
      const evs = await w.promise;
      assert.deepEqual(evs.map((e) => [e.type, e.key.slice(p.length), e.revision]), [
        ['create', '/w/a', a.modRevision],
        ['update', '/w/a', a2.modRevision],
        ['create', '/w/b', b.modRevision],
        ['delete', '/w/b', db.modRevision],
      ]);
      assert.equal(evs[0]!.value, '{"a":1}');
      assert.equal(evs[0]!.createRevision, a.createRevision);
      assert.equal(evs[1]!.value, '{"a":2}');
      assert.equal(evs[1]!.prevValue, '{"a":1}');
      assert.equal(evs[3]!.prevValue, '{"b":1}');
      assert.equal(evs[3]!.value, '{"b":1}');
      assert.equal(evs[3]!.createRevision, b.createRevision);
    });

    it('watch from the current revision delivers only later events; cancel stops delivery', async () => {
      const p = uniq();
      await store.create(`${p}/old`, '{}');
      const now = await store.currentRevision();
      const got: StoreEvent[] = [];
      let resolveFirst!: () => void;
      const first = new Promise<void>((r) => (resolveFirst = r));
      const h = store.watch(`${p}/`, now, { onEvents: (e) => { got.push(...e); resolveFirst(); }, onError: (e) => assert.fail(e) });
      const n = await store.create(`${p}/new`, '{}');
      await first;
      h.cancel();
      h.cancel(); // idempotent
      await store.create(`${p}/after-cancel`, '{}');
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(got.map((e) => [e.key.slice(p.length), e.revision]), [['/new', n.modRevision]]);
    });

    it('many watchers on overlapping prefixes each get every matching event in order', async () => {
      const p = uniq();
      const from = await store.currentRevision();
      const keys = Array.from({ length: 30 }, (_, i) => `${p}/${i % 2 ? 'odd' : 'even'}/k${i}`);
      const all = collect(store, `${p}/`, from, (e) => e.length >= 30);
      const odd = collect(store, `${p}/odd/`, from, (e) => e.length >= 15);
      await Promise.all(keys.map((k) => store.create(k, '{}')));
      const [ea, eo] = await Promise.all([all.promise, odd.promise]);
      const revs = ea.map((e) => e.revision);
      assert.deepEqual(revs, [...revs].sort((x, y) => x - y));
      assert.equal(new Set(revs).size, 30);
      assert.ok(eo.every((e) => e.key.startsWith(`${p}/odd/`)));
      assert.equal(eo.length, 15);
    });

    it('compaction: list and watch below the compacted revision fail with Compacted', async () => {
      const p = uniq();
      const a = await store.create(`${p}/a`, '{"v":1}');
      const a2 = await store.update(`${p}/a`, '{"v":2}', a.modRevision);
      const a3 = await store.update(`${p}/a`, '{"v":3}', a2.modRevision);
      await store.compact(a3.modRevision);
      assert.ok((await store.compactedRevision()) >= a3.modRevision);
      // latest values survive compaction
      assert.equal((await store.get(`${p}/a`))!.value, '{"v":3}');
      assert.equal((await store.list(`${p}/`)).items[0]!.modRevision, a3.modRevision);
      await rejects(store.list(`${p}/`, { revision: a.modRevision }), 'Compacted');
      const err = await new Promise<StoreError>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no onError')), 5000);
        store.watch(`${p}/`, a.modRevision, {
          onEvents: () => reject(new Error('events from a compacted revision')),
          onError: (e) => { clearTimeout(t); resolve(e); },
        });
      });
      assert.equal(err.code, 'Compacted');
      // watching from the compacted revision itself still works
      const w = collect(store, `${p}/`, a3.modRevision, (e) => e.length >= 1);
      const a4 = await store.update(`${p}/a`, '{"v":4}', a3.modRevision);
      const evs = await w.promise;
      assert.deepEqual(evs.map((e) => [e.type, e.revision, e.prevValue]), [['update', a4.modRevision, '{"v":3}']]);
    });

    it('requestProgress: onProgress reports a revision covering every delivered event', async () => {
      assert.ok(store.requestProgress, 'store implements requestProgress');
      const p = uniq();
      const from = await store.currentRevision();
      const seen: number[] = [];
      let last = 0;
      const got = new Promise<number>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no progress')), 5000);
        const h = store.watch(`${p}/`, from, {
          onEvents: (e) => { seen.push(...e.map((x) => x.revision)); },
          onError: reject,
          onProgress: (rev) => { if (rev >= last && last) { clearTimeout(t); h.cancel(); resolve(rev); } },
        });
      });
      for (let i = 0; i < 3; i++) last = (await store.create(`${p}/k${i}`, '{}')).modRevision;
      // wait until the watch saw the writes (etcd delivers asynchronously), then ask for progress
      for (let i = 0; i < 100 && seen.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
      store.requestProgress!();
      const rev = await got;
      assert.ok(rev >= last);
      assert.equal(seen.length, 3);
    });

    it('count counts keys under a prefix', async () => {
      const p = uniq();
      assert.equal(await store.count(`${p}/c/`), 0);
      await Promise.all([1, 2, 3, 4].map((i) => store.create(`${p}/c/${i}`, '{}')));
      await store.create(`${p}/cx/1`, '{}');
      assert.equal(await store.count(`${p}/c/`), 4);
      await store.delete(`${p}/c/1`);
      assert.equal(await store.count(`${p}/c/`), 3);
    });

    it('revisions increase by one per write and currentRevision follows', async () => {
      const p = uniq();
      const r0 = await store.currentRevision();
      const a = await store.create(`${p}/a`, '{}');
      assert.equal(a.modRevision, r0 + 1);
      assert.equal(await store.currentRevision(), a.modRevision);
      const b = await store.update(`${p}/a`, '{"x":1}', a.modRevision);
      assert.equal(b.modRevision, a.modRevision + 1);
      const c = await store.delete(`${p}/a`);
      assert.equal(c.modRevision, b.modRevision + 1);
      assert.equal(await store.currentRevision(), c.modRevision);
      // failed writes do not bump the revision
      await rejects(store.delete(`${p}/a`), 'NotFound');
      assert.equal(await store.currentRevision(), c.modRevision);
    });

    it('parallel creates get distinct revisions and all land', async () => {
      const p = uniq();
      const n = 200;
      const kvs = await Promise.all(Array.from({ length: n }, (_, i) => store.create(`${p}/par/${i}`, JSON.stringify({ i }))));
      assert.equal(new Set(kvs.map((k) => k.modRevision)).size, n);
      assert.equal(await store.count(`${p}/par/`), n);
      // parallel CAS on one key: exactly one wins
      const base = await store.create(`${p}/cas`, '{"v":0}');
      const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => store.update(`${p}/cas`, `{"v":${i + 1}}`, base.modRevision)));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as StoreError).code, 'Conflict');
      // parallel creates of the same key: exactly one wins
      const dup = await Promise.allSettled(Array.from({ length: 5 }, () => store.create(`${p}/dup`, '{}')));
      assert.equal(dup.filter((r) => r.status === 'fulfilled').length, 1);
    });
  });
}
