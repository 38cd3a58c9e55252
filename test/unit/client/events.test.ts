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

test('a 30-pod burst about one set leaves 9 events, one combined event counting 16, and nothing more (upstream correlation)', async () => {
  const c = new FakeClient();
  const rec = new EventRecorder(c, 'statefulset-controller');
  const set = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default', uid: 'u1' } };
  for (let i = 0; i < 30; i++) rec.event(set, 'Normal', 'SuccessfulCreate', `create Pod web-${i} in StatefulSet web successful`);
  await rec.flush();
  const evs = (await c.list(R.events, 'default')).items as unknown as Record<string, any>[];
  assert.equal(evs.length, 10);
  const combined = evs.filter((e) => e.message.startsWith('(combined from similar events): '));
  assert.equal(combined.length, 1);
  assert.equal(combined[0]!.count, 16);
  assert.equal(combined[0]!.message, '(combined from similar events): create Pod web-24 in StatefulSet web successful');
  assert.deepEqual(evs.filter((e) => e.count === 1 && !e.message.startsWith('(')).map((e) => e.message).sort(), Array.from({ length: 9 }, (_, i) => `create Pod web-${i} in StatefulSet web successful`).sort());
});

test('a repeat whose Event was deleted is created again with its count', async () => {
  const c = new FakeClient();
  const rec = new EventRecorder(c, 'kubelet', 'node-a');
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', uid: 'u' } };
  rec.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
  await rec.flush();
  const [first] = (await c.list(R.events, 'default')).items;
  await c.delete(R.events, 'default', first!.metadata.name!);
  rec.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
  await rec.flush();
  const evs = (await c.list(R.events, 'default')).items as unknown as Record<string, any>[];
  assert.equal(evs.length, 1);
  assert.equal(evs[0]!.count, 2);
  assert.deepEqual(evs[0]!.source, { component: 'kubelet', host: 'node-a' });
});
