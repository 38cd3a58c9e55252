import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClient } from '../../../src/client/fake.js';
import { SharedInformers, filteredInformer } from '../../../src/client/shared-informers.js';
import { R } from '../../../src/client/types.js';
import type { KubeObject } from '../../../src/machinery/object.js';
import { eventually } from '../../eventually.js';

const pod = (name: string, nodeName?: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: nodeName ? { nodeName } : {} });
const onNode = (n: string) => (o: KubeObject) => (o.spec as { nodeName?: string }).nodeName === n;

test('one informer per resource and selectors, whoever asks', () => {
  const shared = new SharedInformers(new FakeClient());
  shared.informer(R.pods);
  shared.informer(R.pods);
  shared.informer(R.pods, { fieldSelector: 'spec.nodeName=n1' });
  shared.informer(R.services);
  assert.equal(shared.size, 3);
  shared.stop();
});

test('a filtered view reports what a field-selected informer would: entering is add, leaving is delete', async () => {
  const c = new FakeClient();
  await c.create(R.pods, 'default', pod('early', 'n1'));
  await c.create(R.pods, 'default', pod('other', 'n2'));
  const shared = new SharedInformers(c);
  const view = filteredInformer(shared.informer(R.pods), onNode('n1'));
  const seen: string[] = [];
  view.addHandlers({
    add: (o) => seen.push(`add ${o.metadata.name}`),
    update: (_o, n) => seen.push(`update ${n.metadata.name}`),
    delete: (o) => seen.push(`delete ${o.metadata.name}`),
  });
  view.start();
  await view.waitForSync();
  assert.deepEqual(seen, ['add early']);
  assert.deepEqual(view.list().map((o) => o.metadata.name), ['early']);
  assert.equal(view.get('default', 'other'), undefined, 'another node\'s pod is not in the view');
  assert.ok(view.get('default', 'early'));
  await eventually('the shared informer watching', async () => c.watchCount() === 1, { timeoutMs: 5000 });

  // Bound to n1 later (an update in the shared cache) → add; changed while on n1 → update;
  // moved away → delete; changes elsewhere → nothing.
  const late = await c.create(R.pods, 'default', pod('late'));
  await eventually('late in the shared cache', async () => shared.informer(R.pods).get('default', 'late') !== undefined);
  const bound = await c.update(R.pods, 'default', { ...late, spec: { nodeName: 'n1' } });
  await eventually('add late', async () => seen.includes('add late'), { timeoutMs: 5000 });
  await c.update(R.pods, 'default', { ...bound, metadata: { ...bound.metadata, labels: { a: 'b' } } });
  await eventually('update late', async () => seen.includes('update late'), { timeoutMs: 5000 });
  const other = shared.informer(R.pods).get('default', 'other')!;
  await c.update(R.pods, 'default', { ...other, metadata: { ...other.metadata, labels: { a: 'b' } } });
  const cur = shared.informer(R.pods).get('default', 'early')!;
  await c.update(R.pods, 'default', { ...cur, spec: { nodeName: 'n2' } });
  await eventually('delete early', async () => seen.includes('delete early'), { timeoutMs: 5000 });
  await c.delete(R.pods, 'default', 'late');
  await eventually('delete late', async () => seen.includes('delete late'), { timeoutMs: 5000 });
  assert.deepEqual(seen, ['add early', 'add late', 'update late', 'delete early', 'delete late']);
  assert.deepEqual(view.list(), []);
  view.stop(); // a view never stops the shared informer
  assert.ok(shared.informer(R.pods).get('default', 'other'));
  shared.stop();
});

test('handlers taken off a shared informer hear nothing more; the informer and its other handlers go on', async () => {
  const c = new FakeClient();
  const shared = new SharedInformers(c);
  const inf = shared.informer(R.pods);
  const kept: string[] = [];
  const removed: string[] = [];
  inf.addHandlers({ add: (o) => kept.push(o.metadata.name!) });
  const off = filteredInformer(inf, onNode('n1')).addHandlers({ add: (o) => removed.push(o.metadata.name!) });
  inf.start();
  await inf.waitForSync();
  await eventually('the shared informer watching', async () => c.watchCount() === 1, { timeoutMs: 5000 });
  await c.create(R.pods, 'default', pod('first', 'n1'));
  await eventually('first heard by both', async () => kept.includes('first') && removed.includes('first'), { timeoutMs: 5000 });
  off();
  await c.create(R.pods, 'default', pod('second', 'n1'));
  await eventually('second heard by the kept handler', async () => kept.includes('second'), { timeoutMs: 5000 });
  assert.deepEqual(removed, ['first']);
  shared.stop();
});
