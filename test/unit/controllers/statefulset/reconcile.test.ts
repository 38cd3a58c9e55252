import { test } from 'node:test';
import assert from 'node:assert/strict';
import { World, webSet, uid } from './world.js';
import { reconcile, podEvent, claimEvent, WAITING_CONDITION, RECOVER_ANNOTATION } from '../../../../src/controllers/statefulset/reconcile.js';
import { hashRevisionData, canonicalJSON, newRevision } from '../../../../src/controllers/statefulset/revision.js';

const VECTOR = '{"spec":{"template":{"$patch":"replace","metadata":{"annotations":{"test":"value"},"creationTimestamp":null,"labels":{"app":"foo"}},"spec":{"containers":[{"image":"test","imagePullPolicy":"Always","name":"test","resources":{},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}],"dnsPolicy":"ClusterFirst","restartPolicy":"Always","schedulerName":"default-scheduler","securityContext":{},"terminationGracePeriodSeconds":30}}}}';

test('revision hash: the upstream compatibility vector gives c77f6d978 / test-c77f6d978', () => {
  assert.equal(hashRevisionData(VECTOR, 0), 'c77f6d978');
  // Our serialisation of the same template produces exactly those bytes (sorted keys, $patch first).
  const tmpl = JSON.parse(VECTOR).spec.template;
  delete tmpl.$patch;
  const set = webSet({ template: tmpl }, 'test');
  const rev = newRevision(set, 1, 0);
  assert.equal(canonicalJSON(rev.data), VECTOR);
  assert.equal(rev.metadata.name, 'test-c77f6d978');
  assert.equal(rev.metadata.labels!['controller.kubernetes.io/hash'], 'c77f6d978');
  assert.deepEqual(rev.metadata.labels!.app, 'foo');
  assert.notEqual(newRevision(set, 1, 1).metadata.name, 'test-c77f6d978');
});

test('T1: OrderedReady bring-up creates claim then pod, one ordinal at a time, each after the previous is Ready', () => {
  const w = new World(webSet());
  const r1 = w.sync();
  assert.deepEqual(w.log.slice(0, 3), [`create revision ${r1.status.updateRevision} 1`, 'create claim www-web-0', `create web-0 @${r1.status.updateRevision}`]);
  assert.deepEqual(w.events, [
    'SuccessfulCreate: create Claim www-web-0 Pod web-0 in StatefulSet web success',
    'SuccessfulCreate: create Pod web-0 in StatefulSet web successful',
  ]);
  assert.equal(r1.status.replicas, 0);
  assert.equal(r1.status.observedGeneration, 1);
  assert.equal(r1.status.collisionCount, 0);
  assert.equal(r1.status.currentRevision, r1.status.updateRevision);
  assert.match(r1.status.updateRevision!, /^web-[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);

  // web-0 exists but is Pending: nothing else happens, and the condition says why.
  const r2 = w.sync();
  assert.equal(r2.actions.length, 0);
  assert.equal(w.pods.has('web-1'), false);
  assert.equal(r2.status.replicas, 1);
  assert.deepEqual(r2.conditions.map((c) => [c.type, c.status, c.reason, c.message]), [[WAITING_CONDITION, 'True', 'PodPending', 'web-1 waits: web-0 is Pending (not scheduled)']]);
  assert.deepEqual(r2.events, [], 'an ordinary short wait is not an event');
  assert.equal(r2.requeueAfterMs, 10_000, 'look again when the wait has lasted 10 s');
  w.now = new Date(w.now.getTime() + 10_000);
  const r3 = w.sync();
  assert.deepEqual(r3.events, [{ type: 'Normal', reason: 'Waiting', message: 'web-1 waits: web-0 is Pending (not scheduled)' }], 'a lasting wait shows in kubectl describe');
  assert.equal(r3.statusChanged, false, 'the condition itself did not change');

  w.unready('web-0');
  w.pods.get('web-0')!.spec!.containers![0]!.readinessProbe = { httpGet: { path: '/', port: 80 } };
  w.pods.get('web-0')!.status!.containerStatuses = [{ name: 'nginx', ready: false, state: { running: {} } }];
  assert.equal(w.sync().conditions[0]!.message, 'web-1 waits: web-0 is not Ready (readiness probe failed)');
  assert.equal(w.pods.has('web-1'), false);

  w.ready('web-0');
  w.sync();
  assert.deepEqual(w.names(), ['web-0', 'web-1']);
  assert.ok(w.pvcs.has('www-web-1'));
  w.ready('web-1');
  w.sync();
  w.ready('web-2');
  w.settle();
  assert.deepEqual(w.names(), ['web-0', 'web-1', 'web-2']);
  const s = w.set.status!;
  assert.deepEqual([s.replicas, s.readyReplicas, s.availableReplicas, s.currentReplicas, s.updatedReplicas], [3, 3, 3, 3, 3]);
  assert.equal(s.currentRevision, s.updateRevision);
  assert.equal(s.conditions, undefined, 'no waiting condition once nothing waits');
  assert.deepEqual(w.log.filter((l) => l.startsWith('create web')).map((l) => l.split(' ')[1]), ['web-0', 'web-1', 'web-2']);
});

test('pods and claims are built as upstream: name, labels, owner ref, hostname/subdomain, claim volumes', () => {
  const set = webSet({ replicas: 1 });
  set.spec.template.spec!.volumes = [{ name: 'www', emptyDir: {} }, { name: 'config', configMap: { name: 'c' } }];
  set.spec.volumeClaimTemplates![0]!.metadata.labels = { app: 'other', tier: 'x' };
  const r = reconcile({ set, pods: [], pvcs: [], revisions: [], now: new Date() });
  const create = r.actions.find((a) => a.kind === 'createPod');
  assert.ok(create && create.kind === 'createPod');
  const pod = create.pod;
  assert.equal(pod.metadata.name, 'web-0');
  assert.equal(pod.metadata.generateName, 'web-');
  assert.deepEqual(pod.metadata.labels, { app: 'nginx', 'statefulset.kubernetes.io/pod-name': 'web-0', 'apps.kubernetes.io/pod-index': '0', 'controller-revision-hash': r.status.updateRevision });
  assert.deepEqual(pod.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: set.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  assert.equal(pod.spec!.hostname, 'web-0');
  assert.equal(pod.spec!.subdomain, 'nginx');
  assert.deepEqual(pod.spec!.volumes, [{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-0' } }, { name: 'config', configMap: { name: 'c' } }]);
  assert.equal(create.claims.length, 1);
  const claim = create.claims[0]!;
  assert.equal(claim.metadata.name, 'www-web-0');
  assert.deepEqual(claim.metadata.labels, { app: 'nginx', tier: 'x' }, 'selector labels win over template labels');
  assert.equal(claim.metadata.ownerReferences, undefined, 'Retain/Retain: no owner refs');
  assert.deepEqual(claim.spec, { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });
});

test('event messages are the upstream texts', () => {
  assert.deepEqual(podEvent('create', 'web-0', 'web'), { type: 'Normal', reason: 'SuccessfulCreate', message: 'create Pod web-0 in StatefulSet web successful' });
  assert.deepEqual(podEvent('delete', 'web-1', 'web', 'boom'), { type: 'Warning', reason: 'FailedDelete', message: 'delete Pod web-1 in StatefulSet web failed error: boom' });
  assert.deepEqual(claimEvent('www-web-0', 'web-0', 'web'), { type: 'Normal', reason: 'SuccessfulCreate', message: 'create Claim www-web-0 Pod web-0 in StatefulSet web success' });
  assert.equal(claimEvent('www-web-0', 'web-0', 'web', 'x').message, 'create Claim www-web-0 for Pod web-0 in StatefulSet web failed error: x');
});

test('any unhealthy pod blocks scale-up; a lower missing ordinal is still recreated', () => {
  const w = new World(webSet());
  w.converge();
  w.unready('web-1', 'CrashLoopBackOff');
  w.set.spec.replicas = 5;
  w.set.metadata.generation = 2;
  const r = w.sync();
  assert.equal(r.actions.length, 0);
  assert.deepEqual(w.names(), ['web-0', 'web-1', 'web-2']);
  assert.equal(r.conditions[0]!.message, 'web-3 waits: web-1 is not Ready (CrashLoopBackOff)');
  // Deleting the healthy web-0 recreates it although web-1 is unhealthy (no deadlock).
  w.pods.delete('web-0');
  w.sync();
  assert.ok(w.pods.has('web-0'));
  assert.equal(w.pods.has('web-3'), false);
});

test('T3: OrderedReady scale-down removes the highest ordinal first, waiting until it is gone; claims stay', () => {
  const w = new World(webSet({ replicas: 5 }));
  w.converge();
  w.graceful = true;
  w.set.spec.replicas = 3;
  w.sync();
  assert.deepEqual(w.log.slice(-1), ['delete web-4']);
  const r = w.sync(); // web-4 terminating: wait
  assert.equal(r.actions.length, 0);
  assert.equal(r.conditions[0]!.message, 'deletion of web-3 waits: web-4 is terminating');
  assert.equal(r.status.replicas, 5, 'terminating pods still count in replicas');
  assert.equal(r.status.currentReplicas, 4, 'but not in currentReplicas');
  w.finishDeletes();
  w.sync();
  assert.deepEqual(w.log.slice(-1), ['delete web-3']);
  w.finishDeletes();
  w.settle();
  assert.deepEqual(w.names(), ['web-0', 'web-1', 'web-2']);
  assert.deepEqual([...w.pvcs.keys()].sort(), ['www-web-0', 'www-web-1', 'www-web-2', 'www-web-3', 'www-web-4']);
});

test('scale-down halts on unhealthy condemned pods except the first unhealthy one', () => {
  const w = new World(webSet({ replicas: 5 }));
  w.converge();
  w.unready('web-3');
  w.unready('web-4');
  w.set.spec.replicas = 3;
  const r = w.sync();
  assert.equal(r.actions.length, 0, 'web-4 is unhealthy and not the first unhealthy (web-3)');
  assert.match(r.conditions[0]!.message!, /^deletion of web-4 waits: web-4 is not Ready/);
  w.ready('web-4');
  w.sync();
  assert.deepEqual(w.log.slice(-1), ['delete web-4']);
  w.sync();
  assert.deepEqual(w.log.slice(-1), ['delete web-3'], 'the first unhealthy pod may be deleted while unhealthy');
});

test('Parallel: creates in slow-start batches without waiting, deletes unready pods concurrently', () => {
  const w = new World(webSet({ replicas: 7, podManagementPolicy: 'Parallel' }));
  const r = w.sync();
  const creates = r.actions.filter((a) => a.kind === 'createPod');
  assert.equal(creates.length, 7);
  const batches = [...new Set(creates.map((a) => a.batch))];
  assert.deepEqual(batches.map((b) => creates.filter((a) => a.batch === b).length), [1, 2, 4]);
  assert.deepEqual(w.names(), ['web-0', 'web-1', 'web-2', 'web-3', 'web-4', 'web-5', 'web-6']);
  w.set.spec.replicas = 0;
  const r2 = w.sync();
  assert.equal(r2.actions.filter((a) => a.kind === 'deletePod').length, 7);
  assert.deepEqual(w.names(), []);
});

test('failed and succeeded pods are deleted, then recreated on a later sync', () => {
  const w = new World(webSet());
  w.converge();
  w.pods.get('web-1')!.status = { phase: 'Failed' };
  const oldUid = w.pods.get('web-1')!.metadata.uid;
  w.sync();
  assert.deepEqual(w.log.slice(-1), ['delete web-1']);
  assert.equal(w.pods.has('web-1'), false);
  w.sync();
  assert.ok(w.pods.has('web-1'));
  assert.notEqual(w.pods.get('web-1')!.metadata.uid, oldUid);
  w.ready('web-1');
  w.pods.get('web-2')!.status = { phase: 'Succeeded' };
  w.sync();
  assert.deepEqual(w.log.slice(-1), ['delete web-2']);
});

test('T2: a template change rolls pods in reverse ordinal order, one at a time, then promotes currentRevision', () => {
  const w = new World(webSet());
  w.converge();
  const h1 = w.set.status!.currentRevision!;
  w.graceful = true;
  w.set.spec.template.spec!.containers![0]!.image = 'nginx-slim:0.24';
  w.set.metadata.generation = 2;
  const r = w.sync();
  const h2 = r.status.updateRevision!;
  assert.notEqual(h2, h1);
  assert.deepEqual(w.log.slice(-2), [`create revision ${h2} 2`, 'delete web-2']);
  assert.equal(r.status.currentReplicas, 2, 'currentReplicas is decremented for the deletion');
  assert.equal(r.status.currentRevision, h1);
  const order: string[] = [];
  for (let i = 0; i < 30; i++) {
    w.finishDeletes();
    w.readyAll();
    const before = w.log.length;
    const rr = w.sync();
    for (const l of w.log.slice(before)) if (l.startsWith('delete web')) order.push(l.slice(7));
    if (!rr.actions.length && !rr.statusChanged) break;
  }
  assert.deepEqual(order, ['web-1', 'web-0']);
  assert.deepEqual(w.names().map((n) => w.rev(n)), [h2, h2, h2]);
  assert.equal(w.set.status!.currentRevision, h2);
  assert.equal(w.set.status!.currentReplicas, 3);
  assert.ok(w.revisions.has(h1), 'old revision kept as history');
});

test('T4: partition 3 → 2 → 0 (canary, restore-on-delete, phased rollout)', () => {
  const w = new World(webSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 3 } } }));
  w.converge();
  const h1 = w.set.status!.currentRevision!;
  w.set.spec.template.spec!.containers![0]!.image = 'v2';
  w.converge();
  const h2 = w.set.status!.updateRevision!;
  assert.notEqual(h1, h2);
  assert.deepEqual(w.names().map((n) => w.rev(n)), [h1, h1, h1]);
  assert.equal(w.set.status!.updatedReplicas, undefined);
  w.set.spec.updateStrategy!.rollingUpdate!.partition = 2;
  w.converge();
  assert.deepEqual(w.names().map((n) => w.rev(n)), [h1, h1, h2]);
  w.pods.delete('web-0');
  w.pods.delete('web-2');
  w.converge();
  assert.deepEqual(w.names().map((n) => w.rev(n)), [h1, h1, h2], 'deleted pods come back at their own revision');
  assert.equal(w.set.status!.currentRevision, h1);
  w.set.spec.updateStrategy!.rollingUpdate!.partition = 0;
  w.converge();
  assert.deepEqual(w.names().map((n) => w.rev(n)), [h2, h2, h2]);
  assert.equal(w.set.status!.currentRevision, h2);
});

test('OnDelete: no automatic replacement; deleted pods come back at the update revision', () => {
  const w = new World(webSet({ updateStrategy: { type: 'OnDelete' } }));
  w.converge();
  const h1 = w.set.status!.currentRevision!;
  w.set.spec.template.spec!.containers![0]!.image = 'v2';
  w.converge();
  const h2 = w.set.status!.updateRevision!;
  assert.deepEqual(w.names().map((n) => w.rev(n)), [h1, h1, h1]);
  w.pods.delete('web-1');
  w.converge();
  assert.deepEqual(w.names().map((n) => w.rev(n)), [h1, h2, h1]);
  w.pods.delete('web-0');
  w.pods.delete('web-2');
  w.converge();
  assert.equal(w.set.status!.currentRevision, h2, 'promoted once all pods are updated (1.37 behaviour)');
});

test('rollback reuses the equal earlier revision under its old name, renumbered', () => {
  const w = new World(webSet());
  w.converge();
  const h1 = w.set.status!.currentRevision!;
  w.set.spec.template.spec!.containers![0]!.image = 'v2';
  w.converge();
  const h2 = w.set.status!.currentRevision!;
  w.set.spec.template.spec!.containers![0]!.image = 'nginx-slim:0.8';
  const r = w.sync();
  assert.equal(r.status.updateRevision, h1);
  assert.equal(r.status.currentRevision, h2);
  assert.ok(w.log.includes(`renumber revision ${h1} 3`));
  assert.equal(w.revisions.get(h1)!.revision, 3);
  w.converge();
  assert.equal(w.set.status!.currentRevision, h1);
  assert.equal(w.revisions.size, 2);
});

test('revision history is truncated to revisionHistoryLimit, oldest first, keeping live revisions', () => {
  const w = new World(webSet({ revisionHistoryLimit: 1 }));
  w.converge();
  const names: string[] = [w.set.status!.currentRevision!];
  for (const img of ['v2', 'v3', 'v4']) {
    w.set.spec.template.spec!.containers![0]!.image = img;
    w.converge();
    names.push(w.set.status!.currentRevision!);
  }
  assert.deepEqual([...w.revisions.keys()].sort(), [names[2], names[3]].sort());
  assert.ok(w.log.includes(`delete revision ${names[0]}`));
});

test('hash collisions bump collisionCount and pick another name', () => {
  const set = webSet({ replicas: 0 });
  const clash = newRevision(set, 1, 0);
  clash.data = { spec: { template: { $patch: 'replace', metadata: { labels: { app: 'nginx' } }, spec: { containers: [] } } } };
  clash.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: set.metadata.uid!, controller: true }];
  const r = reconcile({ set, pods: [], pvcs: [], revisions: [clash], now: new Date() });
  assert.equal(r.status.collisionCount, 1);
  assert.notEqual(r.status.updateRevision, clash.metadata.name);
  assert.equal(r.status.updateRevision, newRevision(set, 2, 1).metadata.name);
});

test('status: omitempty counters, observedGeneration, write only when inconsistent', () => {
  const w = new World(webSet({ replicas: 1 }));
  const r = w.sync();
  assert.deepEqual(Object.keys(r.status).sort(), ['availableReplicas', 'collisionCount', 'currentRevision', 'observedGeneration', 'replicas', 'updateRevision']);
  assert.equal(r.statusChanged, true);
  w.ready('web-0');
  w.sync();
  const again = w.sync();
  assert.equal(again.statusChanged, false);
  assert.equal(again.actions.length, 0);
});

test('whenDeleted=Delete: claims carry a controller ref to the set; a non-controller ref is rewritten', () => {
  const w = new World(webSet({ replicas: 2, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' } }));
  w.converge();
  const setRef = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: w.set.metadata.uid, controller: true, blockOwnerDeletion: true };
  assert.deepEqual(w.pvcs.get('www-web-0')!.metadata.ownerReferences, [setRef]);
  w.pvcs.get('www-web-0')!.metadata.ownerReferences![0]!.controller = false;
  const ext = { apiVersion: 'v1', kind: 'ConfigMap', name: 'cm', uid: 'cm-uid' };
  w.pvcs.get('www-web-1')!.metadata.ownerReferences = [ext];
  w.converge();
  assert.deepEqual(w.pvcs.get('www-web-0')!.metadata.ownerReferences, [setRef]);
  assert.deepEqual(w.pvcs.get('www-web-1')!.metadata.ownerReferences, [ext, setRef]);
});

test('whenScaled=Delete: condemned pods\' claims get a pod controller ref before the pod is deleted', () => {
  const w = new World(webSet({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' } }));
  w.converge();
  w.set.spec.replicas = 2;
  const r = w.sync();
  const kinds = r.actions.map((a) => a.kind);
  assert.deepEqual(kinds, ['updatePod', 'deletePod']);
  const pod2 = r.actions[0]!.kind === 'updatePod' ? r.actions[0] : undefined;
  assert.ok(pod2);
  assert.ok(r.actions[0]!.batch < r.actions[1]!.batch);
  const refs = w.pvcs.get('www-web-2')!.metadata.ownerReferences!;
  assert.deepEqual(refs.map((x) => [x.kind, x.name, x.controller]), [['Pod', 'web-2', true]]);
  assert.equal(w.pvcs.get('www-web-0')!.metadata.ownerReferences, undefined);
});

test('stale pod ref on a claim blocks re-creation of that pod (whenScaled=Delete)', () => {
  const w = new World(webSet({ replicas: 1, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' } }));
  w.pvcs.set('www-web-0', { metadata: { name: 'www-web-0', namespace: 'default', uid: uid(), ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'web-0', uid: 'old-pod', controller: true }] } });
  const r = w.sync();
  assert.equal(r.actions.filter((a) => a.kind === 'createPod').length, 0);
  assert.equal(r.errors.length, 0);
  assert.match(r.conditions[0]!.message!, /web-0 waits: its claims still belong to the previous web-0/);
});

test('foreign controller on a claim: policy ignored with a ConflictingController event; stale set ref untouched', () => {
  const w = new World(webSet({ replicas: 2 }));
  w.converge();
  const foreign = { apiVersion: 'v1', kind: 'ConfigMap', name: 'cm', uid: 'cm', controller: true };
  const stale = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'previous-incarnation', controller: true };
  w.pvcs.get('www-web-0')!.metadata.ownerReferences = [foreign];
  w.pvcs.get('www-web-1')!.metadata.ownerReferences = [stale];
  w.set.spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Delete', whenScaled: 'Retain' };
  w.converge();
  assert.deepEqual(w.pvcs.get('www-web-0')!.metadata.ownerReferences, [foreign]);
  assert.deepEqual(w.pvcs.get('www-web-1')!.metadata.ownerReferences, [stale]);
  // With the foreign ref plus one of ours, ours is removed and the event recorded.
  w.pvcs.get('www-web-0')!.metadata.ownerReferences = [foreign, { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: w.set.metadata.uid!, controller: false }];
  w.sync();
  assert.deepEqual(w.pvcs.get('www-web-0')!.metadata.ownerReferences, [foreign]);
  assert.ok(w.events.some((e) => e === 'ConflictingController: PersistentVolumeClaim www-web-0 has a conflicting OwnerReference that acts as a manging controller, the retention policy is ignored for this claim'));
});

test('a Pending pod whose claim vanished gets the claim recreated', () => {
  const w = new World(webSet({ replicas: 1 }));
  w.sync();
  w.pvcs.delete('www-web-0');
  const r = w.sync();
  assert.ok(r.actions.some((a) => a.kind === 'updatePod' && a.claims.some((c) => c.metadata.name === 'www-web-0')));
  assert.ok(w.pvcs.has('www-web-0'));
});

test('a claim being deleted blocks pod creation with FailedCreate and an error', () => {
  const w = new World(webSet({ replicas: 1 }));
  w.pvcs.set('www-web-0', { metadata: { name: 'www-web-0', namespace: 'default', uid: uid(), deletionTimestamp: '2026-01-01T00:00:00Z' } });
  const r = w.sync();
  assert.deepEqual(r.errors, ['pvc www-web-0 is being deleted']);
  assert.ok(w.events.includes('FailedCreate: create Pod web-0 in StatefulSet web failed error: pvc www-web-0 is being deleted'));
  assert.equal(w.pods.size, 0);
});

test('ordinals.start maps the range; changing it replaces out-of-range pods', () => {
  const w = new World(webSet({ replicas: 2, ordinals: { start: 2 } }));
  w.converge();
  assert.deepEqual(w.names(), ['web-2', 'web-3']);
  assert.equal(w.pods.get('web-2')!.metadata.labels!['apps.kubernetes.io/pod-index'], '2');
  w.set.spec.ordinals = { start: 4 };
  w.converge();
  assert.deepEqual(w.names(), ['web-4', 'web-5']);
  w.set.spec.ordinals = null;
  w.converge();
  assert.deepEqual(w.names(), ['web-0', 'web-1']);
});

test('minReadySeconds: availableReplicas and OrderedReady wait for availability; requeue when due', () => {
  const w = new World(webSet({ replicas: 2, minReadySeconds: 30 }));
  w.sync();
  w.ready('web-0');
  const r = w.sync();
  assert.equal(r.status.readyReplicas, 1);
  assert.equal(r.status.availableReplicas, 0);
  assert.equal(w.pods.has('web-1'), false);
  assert.equal(r.conditions[0]!.reason, 'PodNotAvailable');
  assert.equal(r.requeueAfterMs, 10_000, 'the earlier of: wait becomes reportable (10 s), web-0 becomes available (30 s)');
  w.now = new Date(w.now.getTime() + 15_000);
  assert.equal(w.sync().requeueAfterMs, 15_001, 'then exactly when web-0 becomes available');
  w.now = new Date(w.now.getTime() - 15_000);
  w.now = new Date(w.now.getTime() + 31_000);
  const r2 = w.sync();
  assert.ok(w.pods.has('web-1'));
  assert.equal(r2.status.availableReplicas, 1);
});

test('adoption of matching orphans and release of pods that stop matching', () => {
  const w = new World(webSet({ replicas: 2 }));
  w.converge();
  w.pods.get('web-1')!.metadata.ownerReferences = [];
  w.sync();
  assert.ok(w.log.includes('adopt web-1'));
  assert.equal(w.pods.get('web-1')!.metadata.ownerReferences![0]!.uid, w.set.metadata.uid);
  w.pods.get('web-1')!.metadata.labels = {};
  const r = w.sync();
  assert.ok(w.log.includes('release web-1'));
  assert.deepEqual(w.pods.get('web-1')!.metadata.ownerReferences, []);
  assert.ok(r.actions.some((a) => a.kind === 'createPod' && a.pod.metadata.name === 'web-1'), 'then wants the slot back');
  assert.ok(w.log.includes('error AlreadyExists web-1'));
  // Pods owned by someone else are ignored; a foreign-named orphan is never adopted.
  const r2 = reconcile({ set: w.set, pods: [{ metadata: { name: 'db-0', namespace: 'default', labels: { app: 'nginx' } } }], pvcs: [], revisions: [...w.revisions.values()], now: w.now });
  assert.equal(r2.actions.filter((a) => a.kind === 'adoptPod').length, 0);
});

test('a set being deleted gets status only, no pod actions', () => {
  const w = new World(webSet());
  w.converge();
  w.set.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
  w.set.spec.replicas = 1;
  const r = w.sync();
  assert.deepEqual(r.actions.filter((a) => a.kind !== 'deleteRevision'), []);
});

test('§4.15: a broken rollout stays stuck after the revert, unless the recovery annotation is set', () => {
  const mk = () => {
    const w = new World(webSet());
    w.converge();
    w.set.spec.template.spec!.containers![0]!.image = 'broken';
    w.sync(); // deletes web-2
    w.sync(); // recreates web-2 at the bad revision
    w.unready('web-2', 'ImagePullBackOff');
    w.set.spec.template.spec!.containers![0]!.image = 'nginx-slim:0.8'; // revert
    return w;
  };
  const w = mk();
  const bad = w.rev('web-2');
  for (let i = 0; i < 3; i++) w.sync();
  assert.equal(w.rev('web-2'), bad, 'stuck, as upstream (#67250)');
  const cond = w.set.status!.conditions![0]!;
  assert.match(cond.message!, /^update of web-2 waits: web-2 is not Ready \(ImagePullBackOff\); delete it, or set annotation ordinal\.dev\/recover-stuck-rollout="true"/);

  const w2 = mk();
  w2.set.metadata.annotations = { [RECOVER_ANNOTATION]: 'true' };
  w2.sync();
  assert.deepEqual(w2.log.slice(-1), ['delete web-2']);
  w2.converge();
  assert.deepEqual(w2.names().map((n) => w2.rev(n)), Array(3).fill(w2.set.status!.updateRevision));
  assert.equal(w2.set.status!.currentRevision, w2.set.status!.updateRevision);
});

test('maxUnavailable is ignored unless the feature is on', () => {
  const mk = (on: boolean) => {
    const w = new World(webSet({ replicas: 4, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: 2 } } }));
    w.features = { maxUnavailableStatefulSet: on };
    w.converge();
    w.set.spec.template.spec!.containers![0]!.image = 'v2';
    const r = w.sync();
    return r.actions.filter((a) => a.kind === 'deletePod').map((a) => (a.kind === 'deletePod' ? a.pod.metadata.name : ''));
  };
  assert.deepEqual(mk(false), ['web-3']);
  assert.deepEqual(mk(true), ['web-3', 'web-2']);
});

test('identity is restored in place when the pod-name label is missing', () => {
  const w = new World(webSet({ replicas: 1 }));
  w.converge();
  delete w.pods.get('web-0')!.metadata.labels!['statefulset.kubernetes.io/pod-name'];
  const r = w.sync();
  const up = r.actions.find((a) => a.kind === 'updatePod');
  assert.ok(up && up.kind === 'updatePod' && up.pod);
  assert.equal(w.pods.get('web-0')!.metadata.labels!['statefulset.kubernetes.io/pod-name'], 'web-0');
});
