import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meta, standardPrepare, semanticEqual, specChanged } from '../../../../src/api/strategy.js';
import type { KubeObject } from '../../../../src/machinery/object.js';

const now = new Date('2026-01-01T00:00:00Z');
const create = { operation: 'create' as const, now };
const update = { operation: 'update' as const, now };
const status = { operation: 'status' as const, now };

function sts(replicas: number, extra: Partial<KubeObject> = {}): KubeObject {
  return { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default' }, spec: { replicas }, ...extra };
}

test('create clears client-set status and starts generation at 1', () => {
  const prep = standardPrepare({ status: true, generation: true });
  const o = sts(3, { status: { replicas: 99 } });
  meta(o).generation = 7;
  prep(o, undefined, create);
  assert.equal(o.status, undefined);
  assert.equal(o.metadata.generation, 1);
});

test('create sets the kind-specific initial status', () => {
  const prep = standardPrepare({ status: true, initialStatus: () => ({ phase: 'Active' }) });
  const o: KubeObject = { metadata: { name: 'ns' }, status: { phase: 'Terminating' } };
  prep(o, undefined, create);
  assert.deepEqual(o.status, { phase: 'Active' });
  assert.equal(o.metadata.generation, undefined);
});

test('spec update keeps the old status and bumps generation only on spec change', () => {
  const prep = standardPrepare({ status: true, generation: true });
  const old = sts(3, { status: { replicas: 3 } });
  meta(old).generation = 4;

  const same = sts(3, { status: { replicas: 0 } });
  meta(same).labels = { a: 'b' }; // metadata change alone does not bump
  meta(same).generation = 100; // clients cannot set generation
  prep(same, old, update);
  assert.deepEqual(same.status, { replicas: 3 });
  assert.equal(same.metadata.generation, 4);
  assert.deepEqual(same.metadata.labels, { a: 'b' });

  const changed = sts(5);
  prep(changed, old, update);
  assert.equal(changed.metadata.generation, 5);
  assert.deepEqual(changed.status, { replicas: 3 });
});

test('status update keeps the old spec and generation', () => {
  const prep = standardPrepare({ status: true, generation: true });
  const old = sts(3, { status: { replicas: 1 } });
  meta(old).generation = 2;
  const o = sts(10, { status: { replicas: 3 }, extraTopLevel: 'x' });
  prep(o, old, status);
  assert.deepEqual(o.spec, { replicas: 3 });
  assert.equal(o.extraTopLevel, undefined);
  assert.deepEqual(o.status, { replicas: 3 });
  assert.equal(o.metadata.generation, 2);
});

test('kinds without status subresource keep what the client wrote', () => {
  const prep = standardPrepare({});
  const old: KubeObject = { metadata: { name: 'c' }, data: { a: '1' } };
  const o: KubeObject = { metadata: { name: 'c' }, data: { a: '2' } };
  prep(o, old, update);
  assert.deepEqual(o.data, { a: '2' });
  assert.equal(o.metadata.generation, undefined);
});

test('extra hook runs after the generic part', () => {
  const seen: unknown[] = [];
  const prep = standardPrepare({ status: true, extra: (o) => seen.push(o.status) });
  prep({ metadata: { name: 'x' }, status: { a: 1 } }, undefined, create);
  assert.deepEqual(seen, [undefined]);
});

test('semantic equality treats absent, null, [] and {} alike', () => {
  assert.ok(semanticEqual({ a: [] }, {}));
  assert.ok(semanticEqual({ a: null, b: { c: {} } }, { b: {} }));
  assert.ok(!semanticEqual({ a: [1] }, { a: [] }));
  assert.ok(!semanticEqual({ a: 0 }, {}));
  assert.ok(!specChanged(sts(1, { spec: { replicas: 1, x: [] } }), sts(1)));
  assert.ok(specChanged(sts(1, { template: {a: 1} }), sts(1)));
});
