// The controller shell against the in-memory FakeClient: informers, queue, action execution,
// events and status writes, without a server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClient } from '../../../../src/client/fake.js';
import { R } from '../../../../src/client/types.js';
import { MemoryRecorder } from '../../../../src/client/events.js';
import { StatefulSetController } from '../../../../src/controllers/statefulset/controller.js';
import { startControllers } from '../../../../src/controllers/manager.js';
import type { KubeObject } from '../../../../src/machinery/object.js';
import { webSet } from './world.js';

const until = async (what: string, f: () => boolean | Promise<boolean>, ms = 5000) => {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

async function markReady(c: FakeClient, name: string) {
  const p = await c.get(R.pods, 'default', name);
  await c.updateStatus(R.pods, 'default', { ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date().toISOString() }] } });
}
const podNames = async (c: FakeClient) => (await c.list(R.pods, 'default')).items.map((p) => p.metadata.name).sort();

test('controller: ordered bring-up, claims, events, status, scale-down and recreate through the Client', async () => {
  const c = new FakeClient();
  const rec = new MemoryRecorder();
  const ctl = new StatefulSetController(c, { recorder: rec, workers: 2 });
  await ctl.start();
  const s = webSet({ replicas: 2 });
  const { uid: _u, ...meta } = s.metadata;
  await c.create(R.statefulsets, 'default', { ...s, metadata: meta } as unknown as KubeObject);
  await until('web-0', async () => (await podNames(c)).includes('web-0'));
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(await podNames(c), ['web-0'], 'web-1 must wait for web-0');
  await markReady(c, 'web-0');
  await until('web-1', async () => (await podNames(c)).includes('web-1'));
  await markReady(c, 'web-1');
  await until('status 2 ready', async () => ((await c.get(R.statefulsets, 'default', 'web')).status as { readyReplicas?: number })?.readyReplicas === 2);
  const pvcs = (await c.list(R.persistentvolumeclaims, 'default')).items.map((p) => p.metadata.name).sort();
  assert.deepEqual(pvcs, ['www-web-0', 'www-web-1']);
  assert.deepEqual(rec.events.filter((e) => e.reason !== 'Waiting').map((e) => e.message), [
    'create Claim www-web-0 Pod web-0 in StatefulSet web success',
    'create Pod web-0 in StatefulSet web successful',
    'create Claim www-web-1 Pod web-1 in StatefulSet web success',
    'create Pod web-1 in StatefulSet web successful',
  ]);
  const revs = (await c.list(R.controllerrevisions, 'default')).items;
  assert.equal(revs.length, 1);
  const st = (await c.get(R.statefulsets, 'default', 'web')).status as Record<string, unknown>;
  assert.equal(st.currentRevision, revs[0]!.metadata.name);

  // delete web-0 → recreated with the same name and claim
  const oldUid = (await c.get(R.pods, 'default', 'web-0')).metadata.uid;
  await c.delete(R.pods, 'default', 'web-0');
  await until('web-0 back', async () => (await podNames(c)).includes('web-0'));
  const again = await c.get<KubeObject & { spec: { volumes: { persistentVolumeClaim?: { claimName: string } }[] } }>(R.pods, 'default', 'web-0');
  assert.notEqual(again.metadata.uid, oldUid);
  assert.equal(again.spec.volumes[0]!.persistentVolumeClaim!.claimName, 'www-web-0');
  await markReady(c, 'web-0');

  // scale down: web-1 goes
  await c.patch(R.statefulsets, 'default', 'web', 'merge', { spec: { replicas: 1 } });
  await until('web-1 gone', async () => !(await podNames(c)).includes('web-1'));
  assert.deepEqual(await podNames(c), ['web-0']);
  await ctl.stop();
});

test('controller: sync errors requeue with backoff and then succeed', async () => {
  const c = new FakeClient();
  const { errors } = await import('../../../../src/machinery/errors.js');
  c.failNext.set('create pods', errors.internal('etcd hiccup'));
  const rec = new MemoryRecorder();
  const ctl = new StatefulSetController(c, { recorder: rec });
  await ctl.start();
  const s = webSet({ replicas: 1 });
  await c.create(R.statefulsets, 'default', { ...s, metadata: { name: 'web', namespace: 'default' } } as unknown as KubeObject);
  await until('web-0', async () => (await podNames(c)).includes('web-0'));
  assert.ok(rec.events.some((e) => e.reason === 'FailedCreate' && e.message.startsWith('create Pod web-0 in StatefulSet web failed error: Internal error occurred: etcd hiccup')));
  assert.equal(c.calls.filter((x) => x === 'create pods default/web-0').length, 1);
  await ctl.stop();
});

test('manager with leader election: only one of two managers runs the controller; the other takes over', async () => {
  const c = new FakeClient();
  const quiet = () => undefined;
  const m1 = startControllers(c, { leaderElection: { identity: 'a', renewMs: 20, leaseDurationSeconds: 1 }, log: quiet });
  await m1.ready;
  const m2 = startControllers(c, { leaderElection: { identity: 'b', renewMs: 20, leaseDurationSeconds: 1 }, log: quiet });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(m1.isLeader(), true);
  assert.equal(m2.isLeader(), false);
  const lease = await c.get(R.leases, 'kube-system', 'ordinal-controller-manager');
  assert.equal((lease.spec as { holderIdentity: string }).holderIdentity, 'a');
  await m1.stop();
  await m2.ready;
  assert.equal(m2.isLeader(), true);
  const s = webSet({ replicas: 1 });
  await c.create(R.statefulsets, 'default', { ...s, metadata: { name: 'web', namespace: 'default' } } as unknown as KubeObject);
  await until('web-0 by the new leader', async () => (await podNames(c)).includes('web-0'));
  await m2.stop();
});

test('controller: deleting a Failed pod that is already gone is not a FailedDelete, and it is still replaced', async () => {
  const c = new FakeClient();
  const { errors } = await import('../../../../src/machinery/errors.js');
  const rec = new MemoryRecorder();
  const ctl = new StatefulSetController(c, { recorder: rec });
  await ctl.start();
  const s = webSet({ replicas: 1 });
  await c.create(R.statefulsets, 'default', { ...s, metadata: { name: 'web', namespace: 'default' } } as unknown as KubeObject);
  await until('web-0', async () => (await podNames(c)).includes('web-0'));
  const first = await c.get(R.pods, 'default', 'web-0');
  // The first delete answers NotFound, as when a sync acts on a cache that missed our own delete.
  c.failNext.set('delete pods', errors.notFound({ group: '', resource: 'pods' }, 'web-0'));
  await c.updateStatus(R.pods, 'default', { ...first, status: { phase: 'Failed', reason: 'NodePorts' } });
  await until('the delete attempted', () => !c.failNext.has('delete pods'));
  // A NotFound means the pod is gone: make it so, as the server would have.
  await c.delete(R.pods, 'default', 'web-0');
  await until('web-0 replaced', async () => {
    const p = await c.get(R.pods, 'default', 'web-0').catch(() => undefined);
    return !!p && p.metadata.uid !== first.metadata.uid;
  });
  assert.deepEqual(rec.events.filter((e) => e.reason === 'FailedDelete'), []);
  await ctl.stop();
});
