import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClient } from '../../../src/client/fake.js';
import { EventRecorder } from '../../../src/client/events.js';
import { R } from '../../../src/client/types.js';

test('events carry reason, message, involvedObject and source; repeats are aggregated', async () => {
  const c = new FakeClient();
  const rec = new EventRecorder(c, 'statefulset-controller');
  const set = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '3' } };
  rec.event(set, 'Normal', 'SuccessfulCreate', 'create Pod web-0 in StatefulSet web successful');
  rec.event(set, 'Normal', 'SuccessfulDelete', 'delete Pod web-1 in StatefulSet web successful');
  rec.event(set, 'Normal', 'SuccessfulDelete', 'delete Pod web-1 in StatefulSet web successful');
  await rec.flush();
  const evs = (await c.list(R.events, 'default')).items as unknown as Record<string, any>[];
  assert.equal(evs.length, 2);
  const created = evs.find((e) => e.reason === 'SuccessfulCreate')!;
  assert.equal(created.type, 'Normal');
  assert.equal(created.message, 'create Pod web-0 in StatefulSet web successful');
  assert.deepEqual(created.involvedObject, { apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: 'default', name: 'web', uid: 'u1', resourceVersion: '3' });
  assert.deepEqual(created.source, { component: 'statefulset-controller' });
  assert.match(created.metadata.name, /^web\.[0-9a-f]+$/);
  const del = evs.find((e) => e.reason === 'SuccessfulDelete')!;
  assert.equal(del.count, 2);
  assert.ok(del.lastTimestamp >= del.firstTimestamp);
});

test('recording never throws when the API fails', async () => {
  const c = new FakeClient();
  const { errors } = await import('../../../src/machinery/errors.js');
  c.failNext.set('create events', errors.internal('down'));
  const rec = new EventRecorder(c, 'x');
  rec.event({ metadata: { name: 'a', namespace: 'default' } }, 'Warning', 'R', 'm');
  await rec.flush();
  assert.equal((await c.list(R.events, 'default')).items.length, 0);
});
