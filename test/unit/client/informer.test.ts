import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClient } from '../../../src/client/fake.js';
import { Informer } from '../../../src/client/informer.js';
import { R } from '../../../src/client/types.js';
import type { KubeObject } from '../../../src/machinery/object.js';

const pod = (name: string, labels: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels } });
const until = async (f: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
};

test('lists, syncs, then follows the watch with add/update/delete handlers', async () => {
  const c = new FakeClient();
  await c.create(R.pods, 'default', pod('a'));
  const inf = new Informer(c, R.pods);
  const seen: string[] = [];
  inf.addHandlers({
    add: (o) => seen.push(`add ${o.metadata.name}`),
    update: (o, n) => seen.push(`update ${n.metadata.name} ${o.metadata.resourceVersion}->${n.metadata.resourceVersion}`),
    delete: (o) => seen.push(`delete ${o.metadata.name}`),
  });
  assert.equal(inf.hasSynced(), false);
  inf.start();
  await inf.waitForSync();
  assert.equal(inf.hasSynced(), true);
  assert.deepEqual(seen, ['add a']);
  await until(() => c.watchCount() === 1);
  const b = await c.create(R.pods, 'default', pod('b'));
  await c.update(R.pods, 'default', { ...b, metadata: { ...b.metadata, labels: { x: 'y' } } });
  await c.delete(R.pods, 'default', 'a');
  await until(() => seen.length === 4);
  assert.equal(seen[1], 'add b');
  assert.match(seen[2]!, /^update b \d+->\d+$/);
  assert.equal(seen[3], 'delete a');
  assert.equal(inf.get('default', 'a'), undefined);
  assert.deepEqual(inf.get('default', 'b')?.metadata.labels, { x: 'y' });
  assert.deepEqual(inf.list('default').map((o) => o.metadata.name), ['b']);
  assert.deepEqual(inf.list('other'), []);
  inf.stop();
});

test('relists after 410 Expired and reports what changed meanwhile', async () => {
  const c = new FakeClient();
  await c.create(R.pods, 'default', pod('a'));
  await c.create(R.pods, 'default', pod('b'));
  const inf = new Informer(c, R.pods, { minBackoffMs: 1 });
  const seen: string[] = [];
  inf.addHandlers({ add: (o) => seen.push(`add ${o.metadata.name}`), delete: (o) => seen.push(`delete ${o.metadata.name}`), update: (_o, n) => seen.push(`update ${n.metadata.name}`) });
  inf.start();
  await inf.waitForSync();
  await until(() => c.watchCount() === 1);
  c.closeWatches();
  // Changes while nobody watches: only a relist can see them.
  await c.delete(R.pods, 'default', 'a');
  await c.create(R.pods, 'default', pod('c'));
  await until(() => c.watchCount() === 1);
  await until(() => seen.includes('delete a') && seen.includes('add c'));
  assert.deepEqual(inf.list().map((o) => o.metadata.name).sort(), ['b', 'c']);
  const before = seen.length;
  c.expireWatches();
  await until(() => c.watchCount() === 1);
  await c.create(R.pods, 'default', pod('d'));
  await until(() => seen.includes('add d'));
  // The relist after 410 found nothing new, so it emitted no spurious events for b and c.
  assert.deepEqual(seen.slice(before), ['add d']);
  inf.stop();
});

test('retries the list with backoff while the server fails', async () => {
  const c = new FakeClient();
  const { errors } = await import('../../../src/machinery/errors.js');
  c.failNext.set('list pods', errors.serviceUnavailable('down'));
  let errs = 0;
  const inf = new Informer(c, R.pods, { minBackoffMs: 1, onError: () => errs++ });
  inf.start();
  await inf.waitForSync();
  assert.equal(errs, 1);
  inf.stop();
});

test('label selector restricts the cache', async () => {
  const c = new FakeClient();
  await c.create(R.pods, 'default', pod('a', { app: 'web' }));
  await c.create(R.pods, 'default', pod('b', { app: 'db' }));
  const inf = new Informer(c, R.pods, { labelSelector: 'app=web' });
  inf.start();
  await inf.waitForSync();
  assert.deepEqual(inf.list().map((o) => o.metadata.name), ['a']);
  inf.stop();
});
