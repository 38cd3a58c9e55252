import { test } from 'node:test';
import assert from 'node:assert/strict';
import { definition as deploy } from '../../../../src/api/kinds/deployment.js';
import { definition as rs } from '../../../../src/api/kinds/replicaset.js';
import { definition as cr } from '../../../../src/api/kinds/controllerrevision.js';
import { selectorMatches, selectorString, formatLabelSelector } from '../../../../src/api/validation/selector.js';
import type { ControllerRevision, Deployment, ReplicaSet } from '../../../../src/api/types/workloads.js';
import { create, message, texts, update, NOW } from './helpers.js';

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }, { name: 'log', image: 'busybox' }] } };
const dep = (): Deployment => ({ metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, template: structuredClone(template) } });
const rset = (): ReplicaSet => ({ metadata: { name: 'web-abc' }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: structuredClone(template) } });

test('deployment defaults', () => {
  const { obj, errs } = create(deploy, dep());
  assert.deepEqual(errs, []);
  const s = obj.spec as any;
  assert.equal(s.replicas, 1);
  assert.deepEqual(s.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(s.revisionHistoryLimit, 10);
  assert.equal(s.progressDeadlineSeconds, 600);
  assert.equal(s.template.spec.restartPolicy, 'Always');
  assert.equal(s.template.spec.containers[1].imagePullPolicy, 'Always');
  assert.deepEqual(obj.status, {});
  assert.equal(obj.metadata.generation, 1);
  const r = create(deploy, { ...dep(), spec: { ...dep().spec!, strategy: { type: 'Recreate' } } });
  assert.deepEqual(r.obj.spec!.strategy, { type: 'Recreate' });
});

test('deployment validation messages', () => {
  let d = dep();
  d.spec!.template.metadata!.labels = { app: 'nope' };
  assert.equal(message(deploy, 'web', create(deploy, d).errs),
    'Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"nope"}: `selector` does not match template `labels`');
  d = dep();
  d.spec!.replicas = -2;
  d.spec!.template.spec!.containers[0]!.image = '';
  d.spec!.template.spec!.restartPolicy = 'Never';
  assert.deepEqual(texts(create(deploy, d).errs), [
    'spec.replicas: Invalid value: -2: must be greater than or equal to 0',
    'spec.template.spec.containers[0].image: Required value',
    'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
  ]);
  d = dep();
  d.spec!.strategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '0%' } };
  assert.deepEqual(texts(create(deploy, d).errs), ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0']);
  d = dep();
  d.spec!.strategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '120%', maxSurge: 'x' } };
  assert.deepEqual(texts(create(deploy, d).errs), [
    "spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"x\"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
    'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"120%"}: must not be greater than 100%',
  ]);
  d = dep();
  d.spec!.minReadySeconds = 700;
  assert.deepEqual(texts(create(deploy, d).errs), ['spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds']);
});

test('deployment update: selector immutable, generation on spec and annotation changes', () => {
  const { obj } = create(deploy, dep());
  let r = update(deploy, obj, (o) => { o.spec!.selector = { matchLabels: { app: 'web', v: '2' } }; o.spec!.template.metadata!.labels = { app: 'web', v: '2' }; });
  assert.deepEqual(texts(r.errs), ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "v":"2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable']);
  r = update(deploy, obj, (o) => { o.spec!.replicas = 4; });
  assert.equal(r.obj.metadata.generation, 2);
  r = update(deploy, r.obj, (o) => { o.metadata.annotations = { 'kubernetes.io/change-cause': 'x' }; });
  assert.equal(r.obj.metadata.generation, 3);
  r = update(deploy, r.obj, (o) => { o.metadata.labels = { a: 'b' }; });
  assert.equal(r.obj.metadata.generation, 3);
  r = update(deploy, r.obj, (o) => { (o as any).status = { replicas: 4, readyReplicas: 5, availableReplicas: 1 }; }, 'status');
  assert.deepEqual(texts(r.errs), ['status.readyReplicas: Invalid value: 5: cannot be greater than status.replicas']);
});

test('deployment table', () => {
  const { obj } = create(deploy, dep());
  (obj as any).status = { readyReplicas: 1, updatedReplicas: 1, availableReplicas: 1 };
  (obj.metadata as any).creationTimestamp = new Date(NOW.getTime() - 3 * 3600_000).toISOString() as any;
  assert.deepEqual(deploy.tableColumns.map((c) => c.name), ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers', 'Images', 'Selector']);
  assert.deepEqual(deploy.tableRow(obj, NOW), ['web', '1/1', 1, 1, '3h', 'web,log', 'nginx:1.27,busybox', 'app=web']);
});

test('replicaset defaults, validation, table, field selector', () => {
  const { obj, errs } = create(rs, rset());
  assert.deepEqual(errs, []);
  assert.deepEqual(obj.status, { replicas: 0 });
  const noReplicas = rset();
  delete (noReplicas.spec as any).replicas;
  assert.equal(create(rs, noReplicas).obj.spec!.replicas, 1);
  const bad = rset();
  bad.spec!.selector = {};
  assert.deepEqual(texts(create(rs, bad).errs), ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment']);
  (obj as any).status = { replicas: 3, readyReplicas: 2 };
  assert.deepEqual(rs.tableColumns.map((c) => c.name), ['Name', 'Desired', 'Current', 'Ready', 'Age', 'Containers', 'Images', 'Selector']);
  assert.deepEqual(rs.tableRow(obj, NOW), ['web-abc', 3, 3, 2, '0s', 'web,log', 'nginx:1.27,busybox', 'app=web']);
  assert.equal(rs.fieldSelectors!['status.replicas']!(obj), '3');
  const r = update(rs, obj, (o) => { o.spec!.replicas = 0; });
  assert.deepEqual(r.errs, []);
  assert.equal(r.obj.metadata.generation, 2);
});

test('controllerrevision: data required and immutable, revision may change, table', () => {
  const rev = (): ControllerRevision => ({
    metadata: { name: 'web-7b9c', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u', controller: true }] },
    data: { spec: { template: { $patch: 'replace' } } }, revision: 1,
  });
  const { obj, errs } = create(cr, rev());
  assert.deepEqual(errs, []);
  const noData = rev();
  delete (noData as any).data;
  noData.revision = -1;
  assert.deepEqual(texts(create(cr, noData).errs), ['data: Required value: data is mandatory', 'revision: Invalid value: -1: must be greater than or equal to 0']);
  assert.deepEqual(update(cr, obj, (o) => { o.revision = 3; }).errs, []);
  const changed = update(cr, obj, (o) => { o.data = { spec: {} }; });
  assert.equal(changed.errs.length, 1);
  assert.equal(changed.errs[0]!.field, 'data');
  assert.match(texts(changed.errs)[0]!, /: field is immutable$/);
  assert.deepEqual(cr.tableRow(obj, NOW), ['web-7b9c', 'statefulset.apps/web', 1, '0s']);
  assert.deepEqual(cr.tableRow({ ...obj, metadata: { name: 'x' } }, NOW).slice(1, 2), ['<none>']);
});

test('selector helpers', () => {
  const sel = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }, { key: 'old', operator: 'DoesNotExist' }] };
  assert.equal(selectorString(sel), 'app=web,!old,tier in (a,b)');
  assert.equal(selectorMatches(sel, { app: 'web', tier: 'a' }), true);
  assert.equal(selectorMatches(sel, { app: 'web', tier: 'a', old: '1' }), false);
  assert.equal(selectorMatches(null, { app: 'web' }), false);
  assert.equal(selectorMatches({}, { app: 'web' }), true);
  assert.equal(formatLabelSelector({}), '<none>');
});

test('pod template rules inside a Deployment', () => {
  const d = dep();
  (d.spec!.template.spec as any).ephemeralContainers = [{ name: 'dbg', image: 'busybox' }];
  d.spec!.template.metadata!.labels = { app: 'web', 'bad key': 'x' } as any;
  d.spec!.selector = { matchLabels: { app: 'web' } };
  const t = texts(create(deploy, d).errs);
  assert.equal(t.length, 2);
  assert.match(t[0]!, /^spec\.template\.labels: Invalid value: "bad key": name part must consist of alphanumeric characters/);
  assert.equal(t[1], 'spec.template.spec.ephemeralContainers: Forbidden: ephemeral containers not allowed in pod template');
});
