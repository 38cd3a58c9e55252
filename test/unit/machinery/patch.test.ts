import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyJsonPatch, applyMergePatch, applyStrategicMergePatch, schemaFromPlain, parsePatchBody, applyPatch, parsePointer,
  type PlainPatchSchema,
} from '../../../src/machinery/patch/index.js';
import { ApiError } from '../../../src/machinery/errors.js';

// ---- helpers --------------------------------------------------------------------------------

function apiErr(fn: () => unknown, code: number, text: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ApiError, `expected ApiError, got ${String(e)}`);
    assert.equal(e.status.code, code);
    const all = [e.status.message ?? '', ...(e.status.details?.causes ?? []).map((c) => c.message ?? '')].join(' | ');
    assert.match(all, text);
    return true;
  });
}

// A slice of the apps/v1 + core/v1 patch metadata (as the OpenAPI extensions give it).
const container: PlainPatchSchema = {
  properties: {
    ports: { patchStrategy: 'merge', patchMergeKey: 'containerPort', items: {} },
    env: { patchStrategy: 'merge', patchMergeKey: 'name', items: {} },
    volumeMounts: { patchStrategy: 'merge', patchMergeKey: 'mountPath', items: {} },
    args: { items: {} },
    command: { items: {} },
    resources: { properties: { limits: { additionalProperties: {} }, requests: { additionalProperties: {} } } },
  },
};
const objectMeta: PlainPatchSchema = {
  properties: {
    labels: { additionalProperties: {} },
    annotations: { additionalProperties: {} },
    finalizers: { patchStrategy: 'merge', items: {} },
    ownerReferences: { patchStrategy: 'merge', patchMergeKey: 'uid', items: {} },
  },
};
const podSpec: PlainPatchSchema = {
  properties: {
    containers: { patchStrategy: 'merge', patchMergeKey: 'name', items: container },
    initContainers: { patchStrategy: 'merge', patchMergeKey: 'name', items: container },
    volumes: {
      patchStrategy: 'merge,retainKeys',
      patchMergeKey: 'name',
      items: { properties: { configMap: { properties: { items: { items: {} } } }, emptyDir: {} } },
    },
    tolerations: { items: {} },
  },
};
const template: PlainPatchSchema = { properties: { metadata: objectMeta, spec: podSpec } };
const stsSchema = schemaFromPlain({
  properties: {
    metadata: objectMeta,
    spec: {
      properties: {
        template,
        selector: { properties: { matchLabels: { additionalProperties: {} } } },
        updateStrategy: { properties: { rollingUpdate: {} } },
        volumeClaimTemplates: { items: {} },
      },
    },
    status: { properties: { conditions: { patchStrategy: 'merge', patchMergeKey: 'type', items: {} } } },
  },
});
const deploySchema = schemaFromPlain({
  properties: {
    metadata: objectMeta,
    spec: { properties: { template, strategy: { patchStrategy: 'retainKeys', properties: { rollingUpdate: {} } } } },
  },
});
const serviceSchema = schemaFromPlain({
  properties: {
    metadata: objectMeta,
    spec: { properties: { ports: { patchStrategy: 'merge', patchMergeKey: 'port', items: {} }, externalIPs: { items: {} }, selector: { additionalProperties: {} } } },
  },
});

function sts(containers: unknown[], extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'nginx', tier: 'web' } },
    spec: {
      replicas: 2,
      serviceName: 'nginx',
      selector: { matchLabels: { app: 'nginx' } },
      template: { metadata: { labels: { app: 'nginx' } }, spec: { containers, ...extra } },
    },
  };
}
const nginx = { name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80, name: 'web' }], volumeMounts: [{ name: 'www', mountPath: '/usr/share/nginx/html' }] };
const containersOf = (o: any) => o.spec.template.spec.containers;

// ---- strategic merge patch --------------------------------------------------------------------

test('smp: kubectl patch changes one container image, keeps its other fields', () => {
  const orig = sts([nginx]);
  const out = applyStrategicMergePatch(orig, { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.28' }] } } } }, stsSchema);
  assert.deepEqual(containersOf(out), [{ ...nginx, image: 'nginx:1.28' }]);
  assert.equal((orig.spec.template.spec.containers[0] as any).image, 'nginx:1.27', 'input not mutated');
  assert.equal((out as any).spec.replicas, 2);
});

test('smp: kubectl set image body with $setElementOrder', () => {
  const side = { name: 'sidecar', image: 'busybox' };
  const out = applyStrategicMergePatch(
    sts([nginx, side]),
    { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }], containers: [{ image: 'nginx:1.29', name: 'nginx' }] } } } },
    stsSchema,
  );
  assert.deepEqual(containersOf(out), [{ ...nginx, image: 'nginx:1.29' }, side]);
  assert.ok(!('$setElementOrder/containers' in (out as any).spec.template.spec));
});

test('smp: $setElementOrder reorders and adds in the requested place', () => {
  const a = { name: 'a', image: 'a' };
  const b = { name: 'b', image: 'b' };
  const out = applyStrategicMergePatch(
    sts([a, b]),
    { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'c' }, { name: 'a' }], containers: [{ name: 'c', image: 'c' }] } } } },
    stsSchema,
  );
  assert.deepEqual(containersOf(out).map((c: any) => c.name), ['b', 'c', 'a']);
});

test('smp: a new merge-list element without $setElementOrder goes first (upstream order)', () => {
  const out = applyStrategicMergePatch(sts([nginx]), { spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'busybox' }] } } } }, stsSchema);
  assert.deepEqual(containersOf(out).map((c: any) => c.name), ['sidecar', 'nginx']);
});

test('smp: $patch delete removes a merge-list element (containers by name, ports by containerPort)', () => {
  const side = { name: 'sidecar', image: 'busybox' };
  const twoPorts = { ...nginx, ports: [{ containerPort: 80 }, { containerPort: 443 }] };
  const out = applyStrategicMergePatch(
    sts([twoPorts, side]),
    {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'nginx' }],
            containers: [{ name: 'nginx', ports: [{ $patch: 'delete', containerPort: 80 }] }, { $patch: 'delete', name: 'sidecar' }],
          },
        },
      },
    },
    stsSchema,
  );
  assert.deepEqual(containersOf(out), [{ ...nginx, ports: [{ containerPort: 443 }] }]);
});

test('smp: env merged by name with $setElementOrder/env, deleted entries gone', () => {
  const c = { name: 'app', image: 'x', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }, { name: 'C', value: '3' }] };
  const out = applyStrategicMergePatch(
    sts([c]),
    {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'app' }],
            containers: [{ '$setElementOrder/env': [{ name: 'C' }, { name: 'B' }], env: [{ name: 'B', value: 'two' }, { $patch: 'delete', name: 'A' }], name: 'app' }],
          },
        },
      },
    },
    stsSchema,
  );
  assert.deepEqual(containersOf(out)[0].env, [{ name: 'C', value: '3' }, { name: 'B', value: 'two' }]);
});

test('smp: volumeMounts merged by mountPath; null deletes the whole list', () => {
  const c = { name: 'app', image: 'x', volumeMounts: [{ name: 'a', mountPath: '/a' }] };
  let out = applyStrategicMergePatch(sts([c]), { spec: { template: { spec: { containers: [{ name: 'app', volumeMounts: [{ name: 'b', mountPath: '/b' }] }] } } } }, stsSchema);
  assert.deepEqual(containersOf(out)[0].volumeMounts, [{ name: 'b', mountPath: '/b' }, { name: 'a', mountPath: '/a' }]);
  out = applyStrategicMergePatch(out, { spec: { template: { spec: { containers: [{ name: 'app', volumeMounts: null }] } } } }, stsSchema);
  assert.deepEqual(containersOf(out)[0], { name: 'app', image: 'x' });
});

test('smp: volume switched from emptyDir to configMap with $retainKeys', () => {
  const orig = sts([nginx], { volumes: [{ name: 'v1', emptyDir: {} }, { name: 'v2', emptyDir: { medium: 'Memory' } }] });
  const out = applyStrategicMergePatch(
    orig,
    { spec: { template: { spec: { '$setElementOrder/volumes': [{ name: 'v1' }, { name: 'v2' }], volumes: [{ $retainKeys: ['configMap', 'name'], configMap: { name: 'foo' }, emptyDir: null, name: 'v1' }] } } } },
    stsSchema,
  );
  assert.deepEqual((out as any).spec.template.spec.volumes, [{ name: 'v1', configMap: { name: 'foo' } }, { name: 'v2', emptyDir: { medium: 'Memory' } }]);
});

test('smp: Deployment strategy switched to Recreate with $retainKeys', () => {
  const dep = { metadata: { name: 'd' }, spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } } };
  const out = applyStrategicMergePatch(dep, { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' } } }, deploySchema);
  assert.deepEqual((out as any).spec.strategy, { type: 'Recreate' });
  // retainKeys drops keys the patch does not mention even without null
  const out2 = applyStrategicMergePatch(dep, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }, deploySchema);
  assert.deepEqual((out2 as any).spec.strategy, { type: 'Recreate' });
  apiErr(() => applyStrategicMergePatch(dep, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', other: 1 } } }, deploySchema), 400, /^invalid patch format of retainKeys$/);
  apiErr(() => applyStrategicMergePatch(dep, { spec: { strategy: { $retainKeys: 'type' } } }, deploySchema), 400, /invalid patch format of retainKeys/);
});

test('smp: finalizers — primitive merge list union, $deleteFromPrimitiveList, $setElementOrder', () => {
  const obj = { metadata: { name: 'x', finalizers: ['example.com/a', 'example.com/b'] } };
  let out = applyStrategicMergePatch(obj, { metadata: { finalizers: ['example.com/c', 'example.com/a'] } }, stsSchema);
  assert.deepEqual((out as any).metadata.finalizers, ['example.com/c', 'example.com/a', 'example.com/b']);
  out = applyStrategicMergePatch(obj, { metadata: { '$deleteFromPrimitiveList/finalizers': ['example.com/a'] } }, stsSchema);
  assert.deepEqual((out as any).metadata.finalizers, ['example.com/b']);
  out = applyStrategicMergePatch(
    obj,
    { metadata: { '$setElementOrder/finalizers': ['example.com/b'], '$deleteFromPrimitiveList/finalizers': ['example.com/a'] } },
    stsSchema,
  );
  assert.deepEqual((out as any).metadata.finalizers, ['example.com/b']);
  out = applyStrategicMergePatch(obj, { metadata: { '$setElementOrder/finalizers': ['example.com/b', 'example.com/a'] } }, stsSchema);
  assert.deepEqual((out as any).metadata.finalizers, ['example.com/b', 'example.com/a']);
  // deleting from a missing list is a no-op
  out = applyStrategicMergePatch({ metadata: { name: 'x' } }, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }, stsSchema);
  assert.deepEqual((out as any).metadata, { name: 'x' });
});

test('smp: ownerReferences merged by uid', () => {
  const obj = { metadata: { name: 'x', ownerReferences: [{ uid: 'u-1', name: 'a', kind: 'K', apiVersion: 'v1' }, { uid: 'u-2', name: 'b', kind: 'K', apiVersion: 'v1' }] } };
  const out = applyStrategicMergePatch(obj, { metadata: { '$setElementOrder/ownerReferences': [{ uid: 'u-2' }], ownerReferences: [{ $patch: 'delete', uid: 'u-1' }] } }, stsSchema);
  assert.deepEqual((out as any).metadata.ownerReferences.map((r: any) => r.uid), ['u-2']);
});

test('smp: labels — null deletes one key, others merge', () => {
  const out = applyStrategicMergePatch(sts([nginx]), { metadata: { labels: { tier: null, env: 'prod' } } }, stsSchema);
  assert.deepEqual((out as any).metadata.labels, { app: 'nginx', env: 'prod' });
  // unmatched null is ignored, not stored
  const out2 = applyStrategicMergePatch(sts([nginx]), { metadata: { labels: { nope: null } }, spec: { nothing: null } }, stsSchema);
  assert.deepEqual((out2 as any).metadata.labels, { app: 'nginx', tier: 'web' });
  assert.ok(!('nothing' in (out2 as any).spec));
});

test('smp: $patch replace on a map replaces it whole (rollout undo)', () => {
  const orig = sts([nginx, { name: 'side', image: 'b' }]);
  const out = applyStrategicMergePatch(
    orig,
    { spec: { template: { $patch: 'replace', metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.20' }] } } } },
    stsSchema,
  );
  assert.deepEqual((out as any).spec.template, { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.20' }] } });
  assert.equal((out as any).spec.replicas, 2);
});

test('smp: $patch delete on a map empties it; $patch replace inside a list replaces the list', () => {
  const out = applyStrategicMergePatch(sts([nginx]), { spec: { selector: { $patch: 'delete' } } }, stsSchema);
  assert.deepEqual((out as any).spec.selector, {});
  const out2 = applyStrategicMergePatch(
    sts([nginx, { name: 'b', image: 'b' }]),
    { spec: { template: { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'o' }] } } } },
    stsSchema,
  );
  assert.deepEqual(containersOf(out2), [{ name: 'only', image: 'o' }]);
  apiErr(() => applyStrategicMergePatch(sts([nginx]), { spec: { template: { $patch: 'bogus' } } }, stsSchema), 400, /^unknown patch type: bogus in map: map\[\$patch:bogus\]$/);
  apiErr(() => applyStrategicMergePatch(sts([nginx]), { spec: { template: { spec: { containers: [{ $patch: 'merge' }] } } } }, stsSchema), 400, /merging lists cannot yet be specified in the patch/);
});

test('smp: lists without merge strategy are replaced (args, tolerations, volumeClaimTemplates)', () => {
  const c = { name: 'app', image: 'x', args: ['a', 'b'] };
  const out = applyStrategicMergePatch(sts([c], { tolerations: [{ key: 'a' }] }), { spec: { template: { spec: { containers: [{ name: 'app', args: ['c'] }], tolerations: [{ key: 'b' }] } } } }, stsSchema);
  assert.deepEqual(containersOf(out)[0].args, ['c']);
  assert.deepEqual((out as any).spec.template.spec.tolerations, [{ key: 'b' }]);
});

test('smp: edit-style patch touching spec and status; status conditions merged by type', () => {
  const orig = { ...sts([nginx]), status: { replicas: 2, conditions: [{ type: 'A', status: 'True' }, { type: 'B', status: 'False' }] } };
  const out = applyStrategicMergePatch(orig, { spec: { replicas: 7 }, status: { replicas: 7, conditions: [{ type: 'B', status: 'True' }] } }, stsSchema);
  assert.equal((out as any).spec.replicas, 7);
  assert.deepEqual((out as any).status.conditions, [{ type: 'A', status: 'True' }, { type: 'B', status: 'True' }]);
});

test('smp: Service ports merged by port', () => {
  const svc = { metadata: { name: 'nginx' }, spec: { ports: [{ port: 80, name: 'web' }, { port: 81, name: 'alt' }], selector: { app: 'nginx' } } };
  const out = applyStrategicMergePatch(svc, { spec: { '$setElementOrder/ports': [{ port: 81 }], ports: [{ $patch: 'delete', port: 80 }] } }, serviceSchema);
  assert.deepEqual((out as any).spec.ports, [{ port: 81, name: 'alt' }]);
  const out2 = applyStrategicMergePatch(svc, { spec: { ports: [{ port: 80, targetPort: 8080 }] } }, serviceSchema);
  assert.deepEqual((out2 as any).spec.ports, [{ port: 80, name: 'web', targetPort: 8080 }, { port: 81, name: 'alt' }]);
});

test('smp: kubectl apply 3-way body (last-applied + container change + label removal)', () => {
  const live = sts([nginx]);
  (live.metadata as any).annotations = { 'kubectl.kubernetes.io/last-applied-configuration': '{"old":true}' };
  const patch = {
    metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"new":true}' }, labels: { tier: null } },
    spec: {
      replicas: 3,
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'nginx' }],
          containers: [{ '$setElementOrder/ports': [{ containerPort: 8080 }], image: 'nginx:1.28', name: 'nginx', ports: [{ containerPort: 8080, name: 'web' }, { $patch: 'delete', containerPort: 80 }] }],
        },
      },
    },
  };
  const out = applyStrategicMergePatch(live, patch, stsSchema) as any;
  assert.deepEqual(out.metadata.annotations, { 'kubectl.kubernetes.io/last-applied-configuration': '{"new":true}' });
  assert.deepEqual(out.metadata.labels, { app: 'nginx' });
  assert.equal(out.spec.replicas, 3);
  assert.deepEqual(out.spec.template.spec.containers, [{ ...nginx, image: 'nginx:1.28', ports: [{ containerPort: 8080, name: 'web' }] }]);
});

test('smp: a field missing from the original takes the patch value without directives or nulls', () => {
  const out = applyStrategicMergePatch(
    { metadata: { name: 'x' }, spec: {} },
    { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'a' }], containers: [{ name: 'a', image: 'i', env: null }, { $patch: 'delete', name: 'z' }] } } } },
    stsSchema,
  ) as any;
  assert.deepEqual(out.spec.template, { spec: { containers: [{ name: 'a', image: 'i' }] } });
});

test('smp: unknown schema behaves like a JSON merge patch (lists replaced)', () => {
  const orig = { spec: { items: [{ name: 'a', v: 1 }, { name: 'b' }], m: { x: 1, y: 2 } } };
  const out = applyStrategicMergePatch(orig, { spec: { items: [{ name: 'a', v: 2 }], m: { y: null, z: 3 } } });
  assert.deepEqual(out, { spec: { items: [{ name: 'a', v: 2 }], m: { x: 1, z: 3 } } });
  // unknown CRD fields under a known schema also replace
  const out2 = applyStrategicMergePatch(sts([nginx]), { spec: { extra: [1, 2] } }, stsSchema) as any;
  assert.deepEqual(out2.spec.extra, [1, 2]);
});

test('smp: type changes replace; list-of-lists is 422; missing merge key is 400; non-object patch 400', () => {
  const out = applyStrategicMergePatch({ a: { b: 1 } }, { a: 'str' }) as any;
  assert.equal(out.a, 'str');
  apiErr(() => applyStrategicMergePatch(sts([nginx]), { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }, stsSchema), 400, /does not contain declared merge key: name/);
  apiErr(() => applyStrategicMergePatch({ metadata: { finalizers: [['a']] } }, { metadata: { finalizers: [['b']] } }, stsSchema), 422, /lists of lists are not supported/);
  apiErr(() => applyStrategicMergePatch({}, [1]), 400, /cannot unmarshal array into Go value of type map\[string\]interface \{\}/);
  apiErr(
    () => applyStrategicMergePatch(sts([nginx]), { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'a' }], containers: [{ name: 'b', image: 'x' }] } } } }, stsSchema),
    400,
    /doesn't match \$setElementOrder list/,
  );
  apiErr(() => applyStrategicMergePatch(sts([nginx]), { spec: { template: { spec: { '$setElementOrder/containers': 'x' } } } }, stsSchema), 400, /invalid patch format of setElementOrder list/);
});

// ---- JSON merge patch -------------------------------------------------------------------------

test('merge patch: RFC 7386 examples', () => {
  const doc = { title: 'Goodbye!', author: { givenName: 'John', familyName: 'Doe' }, tags: ['example', 'sample'], content: 'This will be unchanged' };
  const patch = { title: 'Hello!', phoneNumber: '+01-123-456-7890', author: { familyName: null }, tags: ['example'] };
  assert.deepEqual(applyMergePatch(doc, patch), {
    title: 'Hello!', author: { givenName: 'John' }, tags: ['example'], content: 'This will be unchanged', phoneNumber: '+01-123-456-7890',
  });
  assert.deepEqual(applyMergePatch({ a: 'b' }, { a: 'c' }), { a: 'c' });
  assert.deepEqual(applyMergePatch({ a: 'b' }, { b: 'c' }), { a: 'b', b: 'c' });
  assert.deepEqual(applyMergePatch({ a: 'b' }, { a: null }), {});
  assert.deepEqual(applyMergePatch({ a: [{ b: 'c' }] }, { a: [1] }), { a: [1] });
  assert.deepEqual(applyMergePatch(['a', 'b'], ['c', 'd']), ['c', 'd']);
  assert.deepEqual(applyMergePatch({ a: 'foo' }, 'bar'), 'bar');
  assert.deepEqual(applyMergePatch({ e: null }, { a: 1 }), { e: null, a: 1 });
  assert.deepEqual(applyMergePatch({}, { a: { bb: { ccc: null } } }), { a: { bb: {} } });
});

test('merge patch: kubectl label / annotate / scale bodies', () => {
  const obj = sts([nginx]);
  assert.deepEqual((applyMergePatch(obj, { metadata: { labels: { x: 'y' } } }) as any).metadata.labels, { app: 'nginx', tier: 'web', x: 'y' });
  assert.deepEqual((applyMergePatch(obj, { metadata: { labels: { tier: null } } }) as any).metadata.labels, { app: 'nginx' });
  assert.equal((applyMergePatch(obj, { spec: { replicas: 5 } }) as any).spec.replicas, 5);
  assert.equal(obj.spec.replicas, 2);
});

// ---- JSON patch -------------------------------------------------------------------------------

test('json patch: kubectl patch --type=json replace', () => {
  const out = applyJsonPatch(sts([nginx]), [{ op: 'replace', path: '/spec/replicas', value: 4 }]) as any;
  assert.equal(out.spec.replicas, 4);
});

test('json patch: add/remove/replace/move/copy/test with pointer escaping', () => {
  const doc = { metadata: { labels: { 'app.kubernetes.io/name': 'x', 'a~b': '1' } }, list: [1, 2, 3] };
  const out = applyJsonPatch(doc, [
    { op: 'add', path: '/metadata/labels/new~1key', value: 'v' },
    { op: 'remove', path: '/metadata/labels/app.kubernetes.io~1name' },
    { op: 'test', path: '/metadata/labels/a~0b', value: '1' },
    { op: 'add', path: '/list/1', value: 9 },
    { op: 'add', path: '/list/-', value: 10 },
    { op: 'remove', path: '/list/0' },
    { op: 'copy', from: '/list', path: '/copied' },
    { op: 'move', from: '/metadata/labels/a~0b', path: '/moved' },
    { op: 'test', path: '/list', value: [9, 2, 3, 10] },
  ]);
  assert.deepEqual(out, { metadata: { labels: { 'new/key': 'v' } }, list: [9, 2, 3, 10], copied: [9, 2, 3, 10], moved: '1' });
  assert.deepEqual(doc.list, [1, 2, 3], 'input not mutated');
  assert.deepEqual(parsePointer('/a~1b/c~0d/~01'), ['a/b', 'c~d', '~1']);
  assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }]), { b: 2 });
});

test('json patch: failures are 422 with upstream-like causes; malformed is 400', () => {
  const doc = { spec: { replicas: 2, list: [1] } };
  apiErr(() => applyJsonPatch(doc, [{ op: 'test', path: '/spec/replicas', value: 3 }]), 422, /testing value \/spec\/replicas failed: test failed/);
  apiErr(() => applyJsonPatch(doc, [{ op: 'remove', path: '/spec/nope' }]), 422, /Unable to remove nonexistent key: nope: missing value/);
  apiErr(() => applyJsonPatch(doc, [{ op: 'replace', path: '/spec/nope', value: 1 }]), 422, /replace operation does not apply: doc is missing key: \/spec\/nope: missing value/);
  apiErr(() => applyJsonPatch(doc, [{ op: 'add', path: '/nope/deeper', value: 1 }]), 422, /add operation does not apply: doc is missing path: "\/nope\/deeper": missing value/);
  apiErr(() => applyJsonPatch(doc, [{ op: 'add', path: '/spec/list/5', value: 1 }]), 422, /invalid index referenced/);
  apiErr(() => applyJsonPatch(doc, [{ op: 'replace', path: '/spec/list/x', value: 1 }]), 422, /invalid index referenced/);
  apiErr(() => applyJsonPatch(doc, [{ op: 'remove', path: '/spec/list/-2' }]), 422, /Unable to access invalid index: -2: invalid index referenced/);
  assert.deepEqual(applyJsonPatch({ l: [1, 2, 3] }, [{ op: 'remove', path: '/l/-1' }, { op: 'replace', path: '/l/01', value: 9 }]), { l: [1, 9] });
  apiErr(() => applyJsonPatch(doc, [{ op: 'frob', path: '/a' }]), 422, /Unexpected kind: frob: unknown object type/);
  apiErr(() => applyJsonPatch(doc, { op: 'add' }), 400, /cannot unmarshal object/);
  assert.deepEqual(applyJsonPatch({}, [{ op: 'add', path: '/a' }]), { a: null });
  apiErr(() => applyJsonPatch(doc, [{ op: 'remove' }]), 422, /remove operation failed to decode path: missing value/);
  apiErr(() => applyJsonPatch(doc, ['x']), 400, /not an object/);
  apiErr(() => applyJsonPatch(doc, [{ op: 'move', from: '/spec', path: '/spec/x' }]), 422, /is a child of/);
  const many = Array.from({ length: 10001 }, () => ({ op: 'test', path: '', value: {} }));
  apiErr(() => applyJsonPatch(doc, many), 413, /maximum operations/);
});

test('parsePatchBody and applyPatch dispatch', () => {
  assert.deepEqual(parsePatchBody(Buffer.from('{"a":1}')), { a: 1 });
  apiErr(() => parsePatchBody('{"a":'), 400, /error decoding patch/);
  assert.deepEqual(applyPatch('merge', { a: 1 }, { b: 2 }), { a: 1, b: 2 });
  assert.deepEqual(applyPatch('json', { a: 1 }, [{ op: 'remove', path: '/a' }]), {});
  assert.deepEqual(applyPatch('strategic', { a: [1] }, { a: [2] }), { a: [2] });
});

test('json patch: RFC 6902 appendix A examples', () => {
  const ok: [unknown, unknown[], unknown][] = [
    [{ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }], { baz: 'qux', foo: 'bar' }],
    [{ foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }], { foo: ['bar', 'qux', 'baz'] }],
    [{ baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }], { foo: 'bar' }],
    [{ foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }], { foo: ['bar', 'baz'] }],
    [{ baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }], { baz: 'boo', foo: 'bar' }],
    [
      { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
      { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    ],
    [{ foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }], { foo: ['all', 'cows', 'eat', 'grass'] }],
    [{ baz: 'qux', foo: ['a', 2, 'c'] }, [{ op: 'test', path: '/baz', value: 'qux' }, { op: 'test', path: '/foo/1', value: 2 }], { baz: 'qux', foo: ['a', 2, 'c'] }],
    [{ foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }], { foo: 'bar', child: { grandchild: {} } }],
    [{ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }], { foo: 'bar', baz: 'qux' }],
    [{ '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: 10 }], { '/': 9, '~1': 10 }],
    [{ foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }], { foo: ['bar', ['abc', 'def']] }],
  ];
  for (const [doc, patch, want] of ok) assert.deepEqual(applyJsonPatch(doc, patch), want, JSON.stringify(patch));
  apiErr(() => applyJsonPatch({ baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }]), 422, /test failed/);
  apiErr(() => applyJsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }]), 422, /missing path/);
  apiErr(() => applyJsonPatch({ '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: '10' }]), 422, /test failed/);
});

test('json patch: test op on missing members', () => {
  assert.deepEqual(applyJsonPatch({ a: {} }, [{ op: 'test', path: '/a/missing', value: null }]), { a: {} });
  apiErr(() => applyJsonPatch({ a: {} }, [{ op: 'test', path: '/a/missing', value: 1 }]), 422, /testing value \/a\/missing failed: test failed/);
  apiErr(() => applyJsonPatch({}, [{ op: 'test', path: '/x/y', value: 1 }]), 422, /test operation does not apply: is missing path: \/x\/y: missing value/);
  assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'test', path: '', value: { a: 1 } }]), { a: 1 });
});

test('random documents and patches never throw anything but ApiError', () => {
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const keys = ['containers', 'name', 'image', 'env', 'ports', 'containerPort', '$patch', '$retainKeys', '$setElementOrder/containers',
    '$deleteFromPrimitiveList/finalizers', 'finalizers', 'metadata', 'spec', 'template', 'volumes', 'x'];
  const scalars: unknown[] = [null, 1, 'a', true, 'delete', 'replace', 'merge', 80];
  const gen = (d: number): unknown => {
    const r = rnd();
    if (d > 3 || r < 0.3) return scalars[Math.floor(rnd() * scalars.length)];
    if (r < 0.6) return Array.from({ length: Math.floor(rnd() * 3) }, () => gen(d + 1));
    const o: Record<string, unknown> = {};
    for (let i = 0; i < 1 + Math.floor(rnd() * 3); i++) o[keys[Math.floor(rnd() * keys.length)]!] = gen(d + 1);
    return o;
  };
  for (let i = 0; i < 2000; i++) {
    const doc = gen(0);
    const p = gen(0);
    for (const f of [() => applyStrategicMergePatch(doc, p, stsSchema), () => applyStrategicMergePatch(doc, p), () => applyJsonPatch(doc, p), () => applyMergePatch(doc, p)]) {
      try {
        f();
      } catch (e) {
        assert.ok(e instanceof ApiError, `${JSON.stringify(doc)} + ${JSON.stringify(p)} threw ${String(e)}`);
      }
    }
  }
});

test('"__proto__" keys are stored as fields, never touch prototypes', () => {
  const p = JSON.parse('{"metadata":{"__proto__":{"polluted":true},"labels":{"__proto__":"x"}}}');
  const smp = applyStrategicMergePatch({ metadata: { name: 'a' } }, p, stsSchema) as any;
  const mp = applyMergePatch({ metadata: { name: 'a' } }, p) as any;
  const jp = applyJsonPatch({ metadata: {} }, [{ op: 'add', path: '/metadata/__proto__', value: { polluted: true } }]) as any;
  for (const out of [smp, mp, jp]) {
    assert.equal(Object.getPrototypeOf(out.metadata), Object.prototype);
    assert.deepEqual(Object.hasOwn(out.metadata, '__proto__'), true);
    assert.ok(JSON.stringify(out).includes('"__proto__":{"polluted":true}'));
  }
  assert.equal(({} as any).polluted, undefined);
});
