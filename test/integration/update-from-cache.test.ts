// guaranteedUpdate starts from the watch cache's copy (as upstream's cacher does) and must never
// let a stale copy decide the outcome: these tests hand it a stale copy on purpose.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster } from '../../src/cli/up.js';
import type { Cluster } from '../../src/cli/cluster.js';
import type { KeyValue } from '../../src/storage/store.js';
import { R } from '../../src/client/types.js';
import { ApiError } from '../../src/machinery/errors.js';
import type { KubeObject } from '../../src/machinery/object.js';

let cluster: Cluster;
let dir: string;
let client: ReturnType<Cluster['inProcessClient']>;
/** What the watch cache's peek answers instead of the real cache, by key. */
const stale = new Map<string, KeyValue>();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ordinal-upd-cache-'));
  cluster = await startCluster({ dataDir: dir, listen: '127.0.0.1:0', runtime: 'sim', storage: 'memory', components: [], log: () => undefined });
  client = cluster.inProcessClient();
  const h = cluster.handler as unknown as { cacheFor(k: unknown): { peek(key: string): KeyValue | undefined } | undefined };
  const real = h.cacheFor.bind(h);
  h.cacheFor = (k) => {
    const c = real(k);
    if (!c) return c;
    return new Proxy(c, { get: (t, p) => (p === 'peek' ? (key: string) => stale.get(key) ?? t.peek(key) : Reflect.get(t, p, t)) });
  };
});
after(async () => {
  client.close();
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Creates a ConfigMap, then changes it; the cache will be made to answer the first version. */
async function twoVersions(name: string): Promise<{ v1: KubeObject; v2: KubeObject }> {
  const v1 = await client.create(R.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { a: '1' } }, data: { k: 'one' } });
  const key = `/registry/configmaps/default/${name}`;
  const kv = await cluster.store.get(key);
  const v2 = await client.patch(R.configmaps, 'default', name, 'merge', { metadata: { labels: { a: '2', b: '2' } }, data: { k: 'two' } });
  stale.set(key, kv!);
  return { v1, v2 };
}

test('a pinned update whose resourceVersion is the store\'s succeeds even when the cached copy is older', async () => {
  const { v2 } = await twoVersions('pinned');
  const out = await client.update(R.configmaps, 'default', { ...v2, data: { k: 'three' } });
  assert.equal((out.data as Record<string, string>).k, 'three');
  assert.notEqual(out.metadata.resourceVersion, v2.metadata.resourceVersion);
});

test('a pinned update with an old resourceVersion is a 409, whatever the cache holds', async () => {
  const { v1 } = await twoVersions('pinned-old');
  await assert.rejects(client.update(R.configmaps, 'default', { ...v1, data: { k: 'x' } }), (e: unknown) => e instanceof ApiError && e.code === 409);
});

test('a patch applies to the store\'s current object, not to a stale cached one', async () => {
  await twoVersions('patched');
  const out = await client.patch(R.configmaps, 'default', 'patched', 'merge', { metadata: { labels: { c: '3' } } });
  assert.deepEqual(out.metadata.labels, { a: '2', b: '2', c: '3' });
  assert.equal((out.data as Record<string, string>).k, 'two');
});

test('an update that only looks like a no-op against the stale copy is written', async () => {
  const { v1 } = await twoVersions('noop');
  // unpinned PUT of exactly the old content: against the stale copy it changes nothing
  const body: KubeObject = { ...v1, metadata: { ...v1.metadata, resourceVersion: undefined } };
  const out = await client.update(R.configmaps, 'default', body);
  assert.equal((out.data as Record<string, string>).k, 'one');
  assert.deepEqual(out.metadata.labels, { a: '1' });
  const stored = await client.get(R.configmaps, 'default', 'noop');
  assert.equal((stored.data as Record<string, string>).k, 'one');
});
