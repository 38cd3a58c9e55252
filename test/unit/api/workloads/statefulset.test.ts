import { test } from 'node:test';
import assert from 'node:assert/strict';
import { definition as sts } from '../../../../src/api/kinds/statefulset.js';
import type { StatefulSet } from '../../../../src/api/types/workloads.js';
import { create, message, texts, update, NOW } from './helpers.js';

const web = (): StatefulSet => ({
  apiVersion: 'apps/v1', kind: 'StatefulSet',
  metadata: { name: 'web' },
  spec: {
    serviceName: 'nginx',
    replicas: 2,
    selector: { matchLabels: { app: 'nginx' } },
    template: {
      metadata: { labels: { app: 'nginx' } },
      spec: { containers: [{ name: 'nginx', image: 'registry.k8s.io/nginx-slim:0.8', ports: [{ containerPort: 80, name: 'web' }] }] },
    },
    volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
  },
});

test('statefulset defaults as upstream', () => {
  const { obj, errs } = create(sts, web());
  assert.deepEqual(errs, []);
  const s = obj.spec as any;
  assert.equal(s.podManagementPolicy, 'OrderedReady');
  assert.deepEqual(s.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.equal(s.revisionHistoryLimit, 10);
  assert.equal(s.replicas, 2);
  assert.deepEqual(s.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
  const c = s.template.spec.containers[0];
  assert.equal(c.imagePullPolicy, 'IfNotPresent');
  assert.equal(c.terminationMessagePath, '/dev/termination-log');
  assert.equal(c.terminationMessagePolicy, 'File');
  assert.equal(c.ports[0].protocol, 'TCP');
  assert.equal(s.template.spec.restartPolicy, 'Always');
  assert.equal(s.template.spec.dnsPolicy, 'ClusterFirst');
  assert.equal(s.template.spec.schedulerName, 'default-scheduler');
  assert.equal(s.template.spec.terminationGracePeriodSeconds, 30);
  assert.deepEqual(s.template.spec.securityContext, {});
  // templates do not get the Pod-only defaults
  assert.equal(s.template.spec.enableServiceLinks, undefined);
  assert.equal(s.template.spec.tolerations, undefined);
  const claim = s.volumeClaimTemplates[0];
  assert.equal(claim.apiVersion, 'v1');
  assert.equal(claim.kind, 'PersistentVolumeClaim');
  assert.equal(claim.spec.volumeMode, 'Filesystem');
  assert.deepEqual(claim.status, { phase: 'Pending' });
  assert.equal(obj.metadata.generation, 1);
  assert.deepEqual(obj.status, { replicas: 0, availableReplicas: 0 });
});

test('replicas defaults to 1; type RollingUpdate alone keeps rollingUpdate nil', () => {
  const input = web();
  delete (input.spec as any).replicas;
  (input.spec as any).updateStrategy = { type: 'RollingUpdate' };
  const { obj } = create(sts, input);
  assert.equal(obj.spec!.replicas, 1);
  assert.deepEqual(obj.spec!.updateStrategy, { type: 'RollingUpdate' });
});

test('status from the client is dropped on create', () => {
  const input = web();
  (input as any).status = { replicas: 5, readyReplicas: 5 };
  const { obj } = create(sts, input);
  assert.deepEqual(obj.status, { replicas: 0, availableReplicas: 0 });
});

test('negative replicas: the upstream message', () => {
  const input = web();
  input.spec!.replicas = -1;
  const { errs } = create(sts, input);
  assert.equal(message(sts, 'web', errs), 'StatefulSet.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
});

test('selector must match template labels', () => {
  const input = web();
  input.spec!.template.metadata!.labels = { app: 'other' };
  const { errs } = create(sts, input);
  assert.deepEqual(texts(errs), ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`']);
});

test('missing selector: required plus mismatch, as upstream', () => {
  const input = web();
  delete (input.spec as any).selector;
  const { errs } = create(sts, input);
  assert.deepEqual(texts(errs), [
    'spec.selector: Required value',
    'spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: `selector` does not match template `labels`',
  ]);
});

test('empty selector is invalid', () => {
  const input = web();
  input.spec!.selector = {};
  const { errs } = create(sts, input);
  assert.deepEqual(texts(errs), ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for statefulset']);
});

test('template restartPolicy must be Always; other spec checks', () => {
  const input = web();
  input.spec!.template.spec!.restartPolicy = 'Never';
  (input.spec as any).ordinals = { start: -2 };
  (input.spec as any).podManagementPolicy = 'Sometimes';
  (input.spec as any).updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: -1 } };
  (input.spec as any).persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Keep' };
  const { errs } = create(sts, input);
  assert.deepEqual(texts(errs), [
    "spec.podManagementPolicy: Invalid value: \"Sometimes\": must be 'OrderedReady' or 'Parallel'",
    'spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0',
    'spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Retain", "Delete"',
    'spec.ordinals.start: Invalid value: -2: must be greater than or equal to 0',
    'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
  ]);
});

test('OnDelete with rollingUpdate and an unknown strategy type', () => {
  let input = web();
  (input.spec as any).updateStrategy = { type: 'OnDelete', rollingUpdate: { partition: 1 } };
  assert.deepEqual(texts(create(sts, input).errs), [
    "spec.updateStrategy.rollingUpdate: Invalid value: apps.RollingUpdateStatefulSetStrategy{Partition:1, MaxUnavailable:(*intstr.IntOrString)(nil)}: only allowed for updateStrategy 'RollingUpdate'",
  ]);
  input = web();
  (input.spec as any).updateStrategy = { type: 'Sideways' };
  assert.match(texts(create(sts, input).errs)[0]!, /^spec\.updateStrategy: Invalid value: apps\.StatefulSetUpdateStrategy\{Type:"Sideways".*must be 'RollingUpdate' or 'OnDelete'$/);
});

test('name must be a DNS-1123 label', () => {
  const input = web();
  input.metadata.name = 'web.example';
  const { errs } = create(sts, input);
  assert.equal(errs.length, 1);
  assert.equal(errs[0]!.field, 'metadata.name');
  assert.match(errs[0]!.detail!, /a lowercase RFC 1123 label must consist of/);
});

test('update: mutable fields allowed, generation bumps on spec change only', () => {
  const { obj: created } = create(sts, web());
  let r = update(sts, created, (o) => { o.spec!.replicas = 5; });
  assert.deepEqual(r.errs, []);
  assert.equal(r.obj.metadata.generation, 2);
  r = update(sts, r.obj, (o) => { o.metadata.labels = { a: 'b' }; });
  assert.deepEqual(r.errs, []);
  assert.equal(r.obj.metadata.generation, 2);
  r = update(sts, r.obj, (o) => {
    o.spec!.template.spec!.containers[0]!.image = 'nginx:2';
    (o.spec as any).updateStrategy = { type: 'OnDelete' };
    (o.spec as any).minReadySeconds = 3;
    (o.spec as any).ordinals = { start: 4 };
    (o.spec as any).persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Delete', whenScaled: 'Retain' };
  });
  assert.deepEqual(r.errs, []);
  assert.equal(r.obj.metadata.generation, 3);
  // client cannot set generation
  r = update(sts, r.obj, (o) => { (o.metadata as any).generation = 40; });
  assert.equal(r.obj.metadata.generation, 3);
});

test('update: immutable fields answer the upstream Forbidden message', () => {
  const { obj: created } = create(sts, web());
  const forbidden = "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";
  for (const mutate of [
    (o: StatefulSet) => { o.spec!.serviceName = 'other'; },
    (o: StatefulSet) => { (o.spec as any).podManagementPolicy = 'Parallel'; },
    (o: StatefulSet) => { o.spec!.revisionHistoryLimit = 3; },
    (o: StatefulSet) => { (o.spec as any).volumeClaimTemplates[0].spec.resources.requests.storage = '2Gi'; },
  ]) {
    const r = update(sts, created, mutate);
    assert.deepEqual(texts(r.errs), [forbidden]);
  }
  const r = update(sts, created, (o) => {
    o.spec!.selector = { matchLabels: { app: 'x' } };
    o.spec!.template.metadata!.labels = { app: 'x' };
  });
  assert.deepEqual(texts(r.errs), [forbidden]);
});

test('status isolation: spec update keeps status, status update keeps spec', () => {
  const { obj: created } = create(sts, web());
  let r = update(sts, created, (o) => { (o as any).status = { replicas: 9 }; o.spec!.replicas = 3; });
  assert.deepEqual(r.obj.status, { replicas: 0, availableReplicas: 0 });
  assert.equal(r.obj.spec!.replicas, 3);
  r = update(sts, r.obj, (o) => { (o as any).status = { replicas: 3, readyReplicas: 2, availableReplicas: 2, collisionCount: 0 }; o.spec!.replicas = 7; }, 'status');
  assert.deepEqual(r.errs, []);
  assert.equal(r.obj.spec!.replicas, 3);
  assert.equal(r.obj.status!.readyReplicas, 2);
  assert.equal(r.obj.metadata.generation, 2);
  const bad = update(sts, r.obj, (o) => { (o as any).status = { replicas: 1, readyReplicas: 2, availableReplicas: 0 }; }, 'status');
  assert.deepEqual(texts(bad.errs), ['status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas', 'status.collisionCount: Invalid value: 0: cannot be decremented']);
});

test('maxUnavailable is dropped (feature gate off at 1.32)', () => {
  const input = web();
  (input.spec as any).updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: 2 } };
  const { obj } = create(sts, input);
  assert.deepEqual(obj.spec!.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
});

test('table row and columns', () => {
  const { obj } = create(sts, web());
  (obj as any).status = { replicas: 2, readyReplicas: 1 };
  (obj.metadata as any).creationTimestamp = new Date(NOW.getTime() - 125_000).toISOString() as any;
  assert.deepEqual(sts.tableColumns.map((c) => [c.name, c.priority]), [['Name', 0], ['Ready', 0], ['Age', 0], ['Containers', 1], ['Images', 1]]);
  assert.deepEqual(sts.tableRow(obj, NOW), ['web', '1/2', '2m5s', 'nginx', 'registry.k8s.io/nginx-slim:0.8']);
  assert.deepEqual(sts.subresources?.scale, { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' });
});

test('prepare-before-defaults (the API server order): no spurious generation bump, QoS from defaulted requests', async () => {
  const { ctx } = await import('./helpers.js');
  const { definition: podKind } = await import('../../../../src/api/kinds/pod.js');
  const { obj: created } = create(sts, web());
  // A PUT of the original (undefaulted) manifest: spec unchanged once defaulted.
  const next = structuredClone(web()) as StatefulSet;
  Object.assign(next.metadata, { namespace: 'default', uid: created.metadata.uid, resourceVersion: '1', creationTimestamp: created.metadata.creationTimestamp });
  sts.prepare!(next, created, ctx('update'));
  sts.defaults!(next);
  assert.deepEqual(sts.validate!(next, created, ctx('update')), []);
  assert.equal(next.metadata.generation, 1);
  const p: any = { metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'a', image: 'a', resources: { limits: { cpu: '1', memory: '1Gi' } } }] } };
  podKind.prepare!(p, undefined, ctx('create'));
  podKind.defaults!(p);
  assert.equal(p.status.qosClass, 'Guaranteed');
});
