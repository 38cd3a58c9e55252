// The Store conformance suite against a real etcd (Debian etcd-server 3.4) that this test starts on
// loopback with random ports and a temp data dir, and stops afterwards; plus etcd-specific checks
// (endpoint failover, a WatchCache following etcd, etcd going away).
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { EtcdStore } from '../../src/storage/etcd.js';
import { WatchCache } from '../../src/storage/watch-cache.js';
import type { StoreError } from '../../src/storage/store.js';
import { startEtcd, etcdAvailable, type EtcdProcess } from '../../src/storage/etcd/launch.js';
import { storeConformance } from '../unit/storage/conformance.js';

if (!etcdAvailable()) {
  describe('Store conformance: etcd', () => { it('needs /usr/bin/etcd (Debian etcd-server)', { skip: 'etcd not installed' }, () => undefined); });
} else {
  const etcd: EtcdProcess = await startEtcd();
  after(() => etcd.stop());

  storeConformance('etcd', { open: async () => new EtcdStore({ endpoints: [etcd.endpoint] }) });

  describe('EtcdStore specifics', () => {
    it('fails over to the next endpoint when the first does not answer', async () => {
      const dead = await new Promise<number>((resolve) => {
        const srv = createServer().listen(0, '127.0.0.1', () => { const p = (srv.address() as { port: number }).port; srv.close(() => resolve(p)); });
      });
      const store = new EtcdStore({ endpoints: [`http://127.0.0.1:${dead}`, etcd.endpoint] });
      try {
        const kv = await store.create(`/registry/failover/${Date.now()}`, '{"ok":true}');
        assert.equal((await store.get(kv.key))!.value, '{"ok":true}');
      } finally {
        await store.close();
      }
    });

    // Only the default ('store') mode: with etcd 3.4.23 a requested progress notification can
    // overtake events (etcd#15220), so 'progress' mode is racy there (seen failing once in ~10 runs).
    for (const mode of ['store'] as const) it(`a WatchCache follows etcd and serves consistent lists (${mode})`, async () => {
      const store = new EtcdStore({ endpoints: [etcd.endpoint] });
      const p = `/registry/wc${mode}${Date.now()}/`;
      await store.create(p + 'ns/a', '{"v":1}');
      const cache = new WatchCache(store, p, { consistentReads: mode });
      try {
        await cache.ready;
        assert.deepEqual((await cache.list()).items.map((i) => i.key), [p + 'ns/a']);
        const b = await store.create(p + 'ns/b', '{}');
        await store.create(`/registry/elsewhere${Date.now()}/x`, '{}'); // moves the revision outside the prefix
        const l = await cache.listConsistent({}, 5000);
        assert.deepEqual(l.items.map((i) => i.key), [p + 'ns/a', p + 'ns/b']);
        assert.ok(l.revision >= b.modRevision);
        assert.equal(l.revision, await store.currentRevision(), 'the list revision is the store revision, past the other prefix');
        const events: string[] = [];
        const done = new Promise<void>((resolve) => cache.watch(b.modRevision, {
          onEvents: (e) => { events.push(...e.map((x) => `${x.type} ${x.key.slice(p.length)}`)); if (events.length >= 2) resolve(); },
          onClose: () => undefined,
        }));
        const a = (await store.get(p + 'ns/a'))!;
        await store.update(p + 'ns/a', '{"v":2}', a.modRevision);
        await store.delete(p + 'ns/b');
        await done;
        assert.deepEqual(events, ['update ns/a', 'delete ns/b']);
      } finally {
        await cache.close();
        await store.close();
      }
    });

    it('a stopped etcd fails open watches with Unavailable and requests with Unavailable', async () => {
      const own = await startEtcd();
      const store = new EtcdStore({ endpoints: [own.endpoint], timeoutMs: 2000 });
      try {
        await store.create('/registry/x/a', '{}');
        const err = new Promise<StoreError>((resolve) => store.watch('/registry/x/', 0, { onEvents: () => undefined, onError: resolve }));
        await new Promise((r) => setTimeout(r, 100));
        await own.stop();
        assert.equal((await err).code, 'Unavailable');
        await assert.rejects(store.get('/registry/x/a'), (e: StoreError) => e.code === 'Unavailable');
      } finally {
        await store.close();
        await own.stop();
      }
    });
  });
}

