import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { reconcileReplicaSet } from '../../../../src/controllers/replicaset/reconcile.js';
import { reconcileDeployment, podTemplateHash, type DeployAction } from '../../../../src/controllers/deployment/reconcile.js';

const now = new Date('2026-01-01T00:10:00Z');
const tpl = (image: string) => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } });

const rs = (name: string, replicas: number): ReplicaSet => ({
  metadata: { name, namespace: 'default', uid: `${name}-uid`, generation: 1 },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: tpl('nginx:1') },
});
const pod = (name: string, over: { owner?: string; ready?: boolean; node?: string; labels?: Record<string, string>; created?: string } = {}): Pod => ({
  metadata: { name, namespace: 'default', uid: `${name}-uid`, labels: over.labels ?? { app: 'web' }, creationTimestamp: over.created ?? '2026-01-01T00:00:00Z', ownerReferences: over.owner ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'x', uid: over.owner, controller: true }] : undefined },
  spec: { containers: [], nodeName: over.node },
  status: { phase: over.node ? 'Running' : 'Pending', conditions: over.ready ? [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:01:00Z' }] : [] },
});

test('ReplicaSet: creates the missing pods from its template, owned', () => {
  const r = reconcileReplicaSet(rs('web-abc', 3), [pod('p1', { owner: 'web-abc-uid', ready: true, node: 'n' })], now);
  const creates = r.actions.filter((a) => a.type === 'createPod');
  assert.equal(creates.length, 2);
  const p = (creates[0] as Extract<typeof creates[0], { type: 'createPod' }>).pod;
  assert.equal(p.metadata?.generateName, 'web-abc-');
  assert.deepEqual(p.metadata?.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'web-abc-uid', controller: true, blockOwnerDeletion: true }]);
  assert.deepEqual(r.status, { replicas: 1, fullyLabeledReplicas: 1, readyReplicas: 1, availableReplicas: 1, observedGeneration: 1 });
});

test('ReplicaSet: scale down deletes unscheduled, then not-ready, then newest pods first', () => {
  const pods = [
    pod('ready-old', { owner: 'web-abc-uid', ready: true, node: 'n', created: '2026-01-01T00:00:00Z' }),
    pod('unscheduled', { owner: 'web-abc-uid' }),
    pod('notready', { owner: 'web-abc-uid', node: 'n' }),
    pod('ready-new', { owner: 'web-abc-uid', ready: true, node: 'n', created: '2026-01-01T00:05:00Z' }),
  ];
  const dels = (n: number) => reconcileReplicaSet(rs('web-abc', n), pods, now).actions.filter((a) => a.type === 'deletePod').map((a) => (a as { name: string }).name);
  assert.deepEqual(dels(3), ['unscheduled']);
  assert.deepEqual(dels(2), ['unscheduled', 'notready']);
  assert.deepEqual(dels(1), ['unscheduled', 'notready', 'ready-new']);
});

test('ReplicaSet: adopts matching orphans and releases pods that stopped matching', () => {
  const r = reconcileReplicaSet(rs('web-abc', 2), [pod('orphan', { ready: true, node: 'n' }), pod('changed', { owner: 'web-abc-uid', labels: { app: 'other' } }), pod('mine', { owner: 'web-abc-uid', node: 'n' })], now);
  assert.deepEqual(r.actions.map((a) => `${a.type} ${'name' in a ? a.name : ''}`), ['adoptPod orphan', 'releasePod changed']);
});

const deploy = (image: string, over: Partial<NonNullable<Deployment['spec']>> = {}, status?: Deployment['status']): Deployment => ({
  metadata: { name: 'web', namespace: 'default', uid: 'd-uid', generation: 2 },
  spec: { replicas: 4, selector: { matchLabels: { app: 'web' } }, template: tpl(image), strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } }, ...over },
  status,
});
const owned = (d: Deployment, image: string, replicas: number, available: number, revision: number): ReplicaSet => {
  const hash = podTemplateHash(tpl(image));
  return {
    metadata: { name: `web-${hash}`, namespace: 'default', uid: `rs-${image}`, generation: 1, labels: { app: 'web', 'pod-template-hash': hash }, annotations: { 'deployment.kubernetes.io/revision': String(revision) }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata!.uid!, controller: true }], creationTimestamp: `2026-01-01T00:0${revision}:00Z` },
    spec: { replicas, selector: { matchLabels: { app: 'web', 'pod-template-hash': hash } }, template: { ...tpl(image), metadata: { labels: { app: 'web', 'pod-template-hash': hash } } } },
    status: { replicas, availableReplicas: available, readyReplicas: available, observedGeneration: 1 },
  };
};
const summary = (acts: DeployAction[]) => acts.map((a) => (a.type === 'deleteReplicaSet' ? `delete ${a.name}` : `${a.type === 'createReplicaSet' ? 'create' : 'update'} ${a.rs.metadata!.name} ${a.rs.spec!.replicas} rev${a.rs.metadata!.annotations!['deployment.kubernetes.io/revision'] ?? '?'}`));

test('Deployment: a new deployment creates revision 1 with the hash label everywhere', () => {
  const d = deploy('nginx:1');
  const r = reconcileDeployment(d, [], [], now);
  assert.equal(r.actions.length, 1);
  const a = r.actions[0] as Extract<DeployAction, { type: 'createReplicaSet' }>;
  const hash = podTemplateHash(tpl('nginx:1'));
  assert.equal(a.rs.metadata!.name, `web-${hash}`);
  assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.equal(a.rs.spec!.replicas, 4);
  assert.deepEqual(a.rs.spec!.selector!.matchLabels, { app: 'web', 'pod-template-hash': hash });
  assert.equal(a.rs.spec!.template!.metadata!.labels!['pod-template-hash'], hash);
  assert.deepEqual(a.rs.metadata!.annotations, { 'deployment.kubernetes.io/revision': '1', 'deployment.kubernetes.io/desired-replicas': '4', 'deployment.kubernetes.io/max-replicas': '5' });
  assert.equal(r.status.conditions!.find((c) => c.type === 'Progressing')!.reason, 'NewReplicaSetCreated');
  assert.deepEqual(r.events, [{ type: 'Normal', reason: 'ScalingReplicaSet', message: `Scaled up replica set web-${hash} to 4 from 0` }]);
});

test('Deployment: rolling update stays within maxSurge and maxUnavailable', () => {
  const d = deploy('nginx:2');
  const old = owned(d, 'nginx:1', 4, 4, 1);
  const first = reconcileDeployment(d, [old], [], now);
  assert.deepEqual(summary(first.actions), [`create web-${podTemplateHash(tpl('nginx:2'))} 1 rev2`], 'surge 1 of 4');
  const fresh = owned(d, 'nginx:2', 1, 0, 2);
  const second = reconcileDeployment(d, [old, fresh], [], now);
  // 5 pods, min available 3, new one unavailable → old may drop by 1.
  assert.deepEqual(summary(second.actions), [`update ${old.metadata!.name} 3 rev1`]);
  const done = reconcileDeployment(d, [owned(d, 'nginx:1', 0, 0, 1), owned(d, 'nginx:2', 4, 4, 2)], [], now);
  assert.deepEqual(done.actions, []);
  assert.equal(done.status.conditions!.find((c) => c.type === 'Progressing')!.reason, 'NewReplicaSetAvailable');
  assert.equal(done.status.conditions!.find((c) => c.type === 'Available')!.status, 'True');
  assert.deepEqual([done.status.replicas, done.status.updatedReplicas, done.status.availableReplicas], [4, 4, 4]);
});

test('Deployment: Recreate scales the old set to zero before the new one grows', () => {
  const d = deploy('nginx:2', { strategy: { type: 'Recreate' } });
  const old = owned(d, 'nginx:1', 4, 4, 1);
  const r1 = reconcileDeployment(d, [old], [], now);
  assert.deepEqual(summary(r1.actions), [`create web-${podTemplateHash(tpl('nginx:2'))} 0 rev2`]);
  const r2 = reconcileDeployment(d, [old, owned(d, 'nginx:2', 0, 0, 2)], [], now);
  assert.deepEqual(summary(r2.actions), [`update ${old.metadata!.name} 0 rev1`], 'old pods still running: new waits');
  const r3 = reconcileDeployment(d, [{ ...owned(d, 'nginx:1', 0, 0, 1), status: { replicas: 0 } }, owned(d, 'nginx:2', 0, 0, 2)], [], now);
  assert.deepEqual(summary(r3.actions), [`update web-${podTemplateHash(tpl('nginx:2'))} 4 rev2`]);
});

test('Deployment: rollback reuses the old set as the newest revision; history limit; paused', () => {
  const d = deploy('nginx:1', { revisionHistoryLimit: 1 });
  const r = reconcileDeployment(d, [owned(d, 'nginx:1', 0, 0, 1), owned(d, 'nginx:2', 4, 4, 2)], [], now);
  assert.deepEqual(summary(r.actions), [`update ${owned(d, 'nginx:1', 0, 0, 1).metadata!.name} 1 rev3`, `update ${owned(d, 'nginx:2', 4, 4, 2).metadata!.name} 3 rev2`], 'revision bump and the first surge step in one write; old set steps down');
  const history = reconcileDeployment(deploy('nginx:4', { revisionHistoryLimit: 1 }), [owned(d, 'nginx:1', 0, 0, 1), owned(d, 'nginx:2', 0, 0, 2), owned(d, 'nginx:4', 4, 4, 3)], [], now);
  assert.deepEqual(summary(history.actions), [`delete ${owned(d, 'nginx:1', 0, 0, 1).metadata!.name}`]);
  const paused = reconcileDeployment(deploy('nginx:9', { paused: true }), [owned(d, 'nginx:1', 4, 4, 1)], [], now);
  assert.deepEqual(paused.actions, [], 'no new ReplicaSet while paused');
  assert.equal(paused.status.conditions!.find((c) => c.type === 'Progressing')!.reason, 'DeploymentPaused');
});

test('Deployment: progress deadline exceeded', () => {
  const d = deploy('nginx:2', { progressDeadlineSeconds: 60 }, { conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'x', lastUpdateTime: '2026-01-01T00:00:00Z', lastTransitionTime: '2026-01-01T00:00:00Z' }] });
  const r = reconcileDeployment(d, [owned(d, 'nginx:1', 3, 3, 1), owned(d, 'nginx:2', 2, 0, 2)], [], now);
  const p = r.status.conditions!.find((c) => c.type === 'Progressing')!;
  assert.equal(p.status, 'False');
  assert.equal(p.reason, 'ProgressDeadlineExceeded');
  assert.equal(p.message, `ReplicaSet "web-${podTemplateHash(tpl('nginx:2'))}" has timed out progressing.`);
});
