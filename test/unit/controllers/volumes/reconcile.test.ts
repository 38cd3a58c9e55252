import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolumeClaim, PersistentVolume, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { reconcileVolumes, type VolumeAction } from '../../../../src/controllers/volumes/reconcile.js';

const localPath: StorageClass = { metadata: { name: 'local-path', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'ordinal.dev/local-path', volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Delete' };
const manual: StorageClass = { metadata: { name: 'manual' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'Immediate' };
const claim = (name: string, over: Partial<NonNullable<PersistentVolumeClaim['spec']>> = {}, meta: Partial<NonNullable<PersistentVolumeClaim['metadata']>> = {}): PersistentVolumeClaim => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}`, finalizers: ['kubernetes.io/pvc-protection'], resourceVersion: '1', ...meta },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'local-path', ...over },
  status: { phase: 'Pending' },
});
const run = (pvcs: PersistentVolumeClaim[], pvs: PersistentVolume[] = [], pods: Pod[] = []) => reconcileVolumes({ pvcs, pvs, classes: [localPath, manual], pods, volumeRoot: '/data/volumes' });
const types = (a: VolumeAction[]) => a.map((x) => x.type);

test('WaitForFirstConsumer: nothing until the scheduler picks a node, then a PV pinned to it', () => {
  assert.deepEqual(run([claim('www-web-0')]), []);
  const acts = run([claim('www-web-0', {}, { annotations: { 'volume.kubernetes.io/selected-node': 'node-1' } })]);
  assert.deepEqual(types(acts), ['createVolume', 'patchClaim']);
  const create = acts[0] as Extract<VolumeAction, { type: 'createVolume' }>;
  assert.equal(create.object.metadata?.name, 'pvc-uid-www-web-0');
  assert.equal(create.dir, '/data/volumes/pvc-uid-www-web-0');
  assert.deepEqual(create.object.spec?.claimRef, { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: 'default', name: 'www-web-0', uid: 'uid-www-web-0', resourceVersion: '1' });
  assert.deepEqual(create.object.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions, [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-1'] }]);
  assert.equal(create.object.spec?.persistentVolumeReclaimPolicy, 'Delete');
  // Next pass: the pre-bound PV is taken by the claim, then both sides become Bound.
  const pv = create.object;
  const bind = run([claim('www-web-0', {}, { annotations: { 'volume.kubernetes.io/selected-node': 'node-1' } })], [pv]);
  assert.deepEqual(bind.map((a) => (a.type === 'patchClaim' ? a.patch : a.type)), [{ metadata: { annotations: { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' } }, spec: { volumeName: 'pvc-uid-www-web-0' } }]);
  const bound = run([claim('www-web-0', { volumeName: pv.metadata!.name })], [pv]);
  assert.deepEqual(bound, [
    { type: 'volumeStatus', name: 'pvc-uid-www-web-0', status: { phase: 'Bound' } },
    { type: 'claimStatus', namespace: 'default', name: 'www-web-0', status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } } },
  ]);
  const steady = run([{ ...claim('www-web-0', { volumeName: pv.metadata!.name }), status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } } }], [{ ...pv, status: { phase: 'Bound' } }]);
  assert.deepEqual(steady, []);
});

test('static PVs bind by class, size and access modes (smallest that fits)', () => {
  const pv = (name: string, storage: string, modes = ['ReadWriteOnce']): PersistentVolume => ({ metadata: { name }, spec: { capacity: { storage }, accessModes: modes as never, storageClassName: 'manual', hostPath: { path: `/x/${name}` } }, status: { phase: 'Available' } });
  const acts = run([claim('data', { storageClassName: 'manual', resources: { requests: { storage: '2Gi' } } })], [pv('small', '1Gi'), pv('huge', '10Gi'), pv('fit', '5Gi'), pv('rox', '3Gi', ['ReadOnlyMany'])]);
  assert.deepEqual(acts.map((a) => [a.type, 'name' in a ? a.name : '']), [['patchVolume', 'fit'], ['patchClaim', 'data']]);
  const none = run([claim('data', { storageClassName: 'manual', resources: { requests: { storage: '20Gi' } } }, {})], [pv('fit', '5Gi')]);
  assert.deepEqual(none, [], 'already Pending: nothing to do');
});

test('default class is assigned to claims without one; protection finalizer added and released', () => {
  const noClass = claim('c', { storageClassName: undefined }, { finalizers: [] });
  assert.deepEqual(run([noClass]).map((a) => (a.type === 'patchClaim' ? a.patch : a.type)), [
    { metadata: { finalizers: ['kubernetes.io/pvc-protection'], resourceVersion: '1' } },
    { spec: { storageClassName: 'local-path' } },
  ]);
  const deleting = claim('www-web-0', { volumeName: 'pv1' }, { deletionTimestamp: '2026-01-01T00:00:00Z' });
  const user: Pod = { metadata: { name: 'web-0', namespace: 'default' }, spec: { nodeName: 'n1', containers: [], volumes: [{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-0' } }] }, status: { phase: 'Running' } };
  assert.deepEqual(run([deleting], [], [user]), [], 'in use: kept');
  const unscheduled: Pod = { ...user, spec: { ...user.spec!, nodeName: undefined }, status: { phase: 'Pending' } };
  assert.equal(run([deleting], [], [unscheduled]).length, 1, 'a pod not yet scheduled does not hold the claim (upstream podUsesPVC)');
  assert.deepEqual(run([deleting], [], []), [{ type: 'patchClaim', namespace: 'default', name: 'www-web-0', patch: { metadata: { finalizers: null, resourceVersion: '1' } } }]);
});

test('reclaim: Delete removes the PV and its directory, Retain marks it Released', () => {
  const provisioned: PersistentVolume = { metadata: { name: 'pvc-1', annotations: { 'pv.kubernetes.io/provisioned-by': 'ordinal.dev/local-path' } }, spec: { persistentVolumeReclaimPolicy: 'Delete', hostPath: { path: '/data/volumes/pvc-1' }, claimRef: { name: 'gone', namespace: 'default', uid: 'gone-uid' } }, status: { phase: 'Bound' } };
  assert.deepEqual(run([], [provisioned]), [{ type: 'deleteVolume', name: 'pvc-1', dir: '/data/volumes/pvc-1' }]);
  const retained = { ...provisioned, spec: { ...provisioned.spec, persistentVolumeReclaimPolicy: 'Retain' as const } };
  assert.deepEqual(run([], [retained]), [{ type: 'volumeStatus', name: 'pvc-1', status: { phase: 'Released' } }]);
});

test('expansion of a bound claim grows the volume, then the claim status', () => {
  const pv: PersistentVolume = { metadata: { name: 'pv1' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], claimRef: { name: 'c', namespace: 'default', uid: 'uid-c' } }, status: { phase: 'Bound' } };
  const c = { ...claim('c', { volumeName: 'pv1', resources: { requests: { storage: '2Gi' } } }), status: { phase: 'Bound' as const, capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce' as const] } };
  assert.deepEqual(run([c], [pv]), [{ type: 'patchVolume', name: 'pv1', patch: { spec: { capacity: { storage: '2Gi' } } } }]);
  const grown = { ...pv, spec: { ...pv.spec, capacity: { storage: '2Gi' } } };
  assert.deepEqual(run([c], [grown]), [{ type: 'claimStatus', namespace: 'default', name: 'c', status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '2Gi' } } }]);
});
