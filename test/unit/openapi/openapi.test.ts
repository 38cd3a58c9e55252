// The generated definitions, the accessors (patch schema, unknown fields) and the v2/v3 documents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KindDefinition } from '../../../src/api/kind.js';
import { allDefinitions, definition, deref, patchSchemaFor, typeError, unknownFields } from '../../../src/api/openapi/index.js';
import { openapiV2, openapiV3Doc, openapiV3Index, openapiProvider } from '../../../src/apiserver/openapi.js';
import { strategyOf } from '../../../src/machinery/patch/schema.js';

const kind = (k: Partial<KindDefinition> & Pick<KindDefinition, 'group' | 'version' | 'kind' | 'plural' | 'namespaced' | 'openapiName'>): KindDefinition =>
  ({ listKind: `${k.kind}List`, singular: k.kind.toLowerCase(), tableColumns: [], tableRow: () => [], ...k }) as KindDefinition;

// A fixed kind set (the registry fills in while other parts land; these tests must not depend on it).
const kinds: KindDefinition[] = [
  kind({ group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false, openapiName: 'io.k8s.api.core.v1.Namespace', subresources: { status: true } }),
  kind({ group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true, openapiName: 'io.k8s.api.core.v1.Service', subresources: { status: true } }),
  kind({ group: 'apps', version: 'v1', kind: 'StatefulSet', plural: 'statefulsets', namespaced: true, openapiName: 'io.k8s.api.apps.v1.StatefulSet',
    subresources: { status: true, scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'status.selector' } } }),
  kind({ group: 'events.k8s.io', version: 'v1', kind: 'Event', plural: 'events', namespaced: true, openapiName: 'io.k8s.api.events.v1.Event' }),
];

/** Every $ref in `doc` under `prefix` names an entry of `table`. */
function assertRefsResolve(doc: unknown, prefix: string, table: Record<string, unknown>): number {
  let n = 0;
  const walk = (v: unknown): void => {
    if (!v || typeof v !== 'object') return;
    if (Array.isArray(v)) return v.forEach(walk);
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref') {
        n++;
        assert.ok(typeof x === 'string' && x.startsWith(prefix), `ref ${String(x)} has prefix ${prefix}`);
        assert.ok(Object.hasOwn(table, (x as string).slice(prefix.length)), `ref ${String(x)} resolves`);
      } else walk(x);
    }
  };
  walk(doc);
  return n;
}

test('generated definitions: StatefulSet shape as upstream', () => {
  const sts = definition('io.k8s.api.apps.v1.StatefulSet')!;
  assert.deepEqual(sts['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'StatefulSet', version: 'v1' }]);
  assert.match(sts.description!, /StatefulSet represents a set of pods with consistent identities/);
  const spec = deref(sts.properties!.spec)!;
  assert.deepEqual(spec.required, ['selector', 'template']);
  const replicas = spec.properties!.replicas!;
  assert.equal(replicas.type, 'integer');
  assert.equal(replicas.format, 'int32');
  assert.match(replicas.description!, /replicas is the desired number of replicas/);
  assert.deepEqual(spec.properties!.podManagementPolicy!.enum, ['OrderedReady', 'Parallel']);
  // volumeClaimTemplates is inlined in the .d.ts but is a reference upstream
  assert.equal(spec.properties!.volumeClaimTemplates!.items!.$ref, '#/components/schemas/io.k8s.api.core.v1.PersistentVolumeClaim');
  const meta = definition('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta')!;
  assert.equal(meta.properties!.generation!.format, 'int64');
  assert.equal(deref(meta.properties!.creationTimestamp)!.format, 'date-time');
  assert.equal(definition('io.k8s.apimachinery.pkg.util.intstr.IntOrString')!.format, 'int-or-string');
  assert.equal(definition('io.k8s.api.core.v1.Secret')!.properties!.data!.additionalProperties && (definition('io.k8s.api.core.v1.Secret')!.properties!.data!.additionalProperties as { format?: string }).format, 'byte');
  assert.equal(definition('io.k8s.api.core.v1.PodSpec')!.properties!.terminationGracePeriodSeconds!.format, 'int64');
  // apiVersion and kind of a kind are never required
  for (const [name, d] of Object.entries(allDefinitions())) {
    if (d['x-kubernetes-group-version-kind']) assert.ok(!d.required?.includes('apiVersion') && !d.required?.includes('kind'), name);
  }
});

test('definitions: every $ref resolves', () => {
  const n = assertRefsResolve(allDefinitions(), '#/components/schemas/', allDefinitions());
  assert.ok(n > 300, `${n} refs`);
});

test('patchSchemaFor: upstream merge keys and strategies', () => {
  const sts = patchSchemaFor('io.k8s.api.apps.v1.StatefulSet')!;
  const pod = sts.property('spec')!.property('template')!.property('spec')!;
  const containers = pod.property('containers')!;
  assert.equal(containers.patchStrategy, 'merge');
  assert.equal(containers.patchMergeKey, 'name');
  const c = containers.items()!;
  assert.equal(c.property('ports')!.patchMergeKey, 'containerPort');
  assert.equal(c.property('env')!.patchMergeKey, 'name');
  assert.equal(c.property('volumeMounts')!.patchMergeKey, 'mountPath');
  assert.deepEqual(strategyOf(pod.property('volumes')), { merge: true, replace: false, retainKeys: true });
  assert.equal(pod.property('tolerations')!.patchStrategy, undefined);
  const meta = sts.property('metadata')!;
  assert.equal(meta.property('ownerReferences')!.patchMergeKey, 'uid');
  assert.equal(meta.property('finalizers')!.patchStrategy, 'merge');
  assert.ok(meta.property('labels')!.additionalProperties(), 'map values have a node');
  assert.equal(sts.property('status')!.property('conditions')!.patchMergeKey, 'type');
  assert.equal(sts.property('nope'), undefined);
  const svc = patchSchemaFor('io.k8s.api.core.v1.Service')!;
  assert.equal(svc.property('spec')!.property('ports')!.patchMergeKey, 'port');
  const dep = patchSchemaFor('io.k8s.api.apps.v1.Deployment')!;
  assert.equal(dep.property('spec')!.property('strategy')!.patchStrategy, 'retainKeys');
  assert.equal(patchSchemaFor('io.k8s.api.nope.v1.X'), undefined);
});

test('unknownFields: upstream paths, known TypeMeta, free-form fields', () => {
  const obj = {
    apiVersion: 'apps/v1', kind: 'StatefulSet',
    metadata: { name: 'web', labels: { a: 'b' }, managedFields: [{ fieldsV1: { 'f:spec': {} } }], bogus: 1 },
    spec: {
      foo: 1, replicas: 2, selector: { matchLabels: { app: 'x' } },
      template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i', bar: true, ports: [{ containerPort: 80, x: 1 }] }] } },
      volumeClaimTemplates: [{ metadata: { name: 'd' }, spec: { resources: { requests: { storage: '1Gi' } }, zzz: 1 } }],
    },
  };
  assert.deepEqual(unknownFields('io.k8s.api.apps.v1.StatefulSet', obj), [
    'metadata.bogus',
    'spec.foo',
    'spec.template.spec.containers[0].bar',
    'spec.template.spec.containers[0].ports[0].x',
    'spec.volumeClaimTemplates[0].spec.zzz',
  ]);
  assert.deepEqual(unknownFields('io.k8s.api.core.v1.ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'b' } }), []);
  // ControllerRevision.data is a RawExtension: anything goes below it
  assert.deepEqual(unknownFields('io.k8s.api.apps.v1.ControllerRevision', { metadata: {}, revision: 1, data: { spec: { anything: 1 } } }), []);
});

test('v3 index and per-group documents', () => {
  const index = openapiV3Index(kinds) as { paths: Record<string, { serverRelativeURL: string }> };
  assert.deepEqual(Object.keys(index.paths), ['api/v1', 'apis/apps/v1', 'apis/events.k8s.io/v1']);
  assert.match(index.paths['apis/apps/v1']!.serverRelativeURL, /^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}$/);
  assert.equal(openapiV3Index(kinds).paths && JSON.stringify(openapiV3Index(kinds)), JSON.stringify(index), 'hash is stable');

  const doc = openapiV3Doc(kinds, 'apis/apps/v1') as any;
  assert.equal(doc.openapi, '3.0.0');
  const schemas = doc.components.schemas;
  assert.ok(schemas['io.k8s.api.apps.v1.StatefulSet']);
  assert.ok(schemas['io.k8s.api.core.v1.PodSpec'], 'reachable definitions are included');
  assert.ok(schemas['io.k8s.api.autoscaling.v1.Scale'], 'scale subresource schema included');
  assert.equal(schemas['io.k8s.api.core.v1.Namespace'], undefined, 'unreachable definitions are not');
  assertRefsResolve(doc, '#/components/schemas/', schemas);
  // what kubectl's fieldValidation probe reads: the PATCH operation's GVK and parameters
  const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/statefulsets/{name}'].patch;
  assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: 'apps', version: 'v1', kind: 'StatefulSet' });
  assert.equal(patch['x-kubernetes-action'], 'patch');
  assert.ok(patch.parameters.some((p: { name: string }) => p.name === 'fieldValidation'));
  assert.ok(patch.requestBody.content['application/strategic-merge-patch+json']);
  assert.ok(doc.paths['/apis/apps/v1/namespaces/{namespace}/statefulsets/{name}/scale'].put);
  assert.ok(doc.paths['/apis/apps/v1/statefulsets'].get, 'list across namespaces');
  const core = openapiV3Doc(kinds, 'api/v1') as any;
  assert.ok(core.paths['/api/v1/namespaces/{name}'].patch, 'cluster-scoped path');
  assert.ok(core.paths['/api/v1/namespaces/{namespace}/services/{name}/status'].patch);
  assert.equal(openapiV3Doc(kinds, 'apis/nope/v1'), undefined);
});

test('v2 document: swagger 2.0, refs under #/definitions, no v3-only constructs', () => {
  const doc = openapiV2(kinds) as any;
  const text = JSON.stringify(doc);
  const parsed = JSON.parse(text);
  assert.equal(parsed.swagger, '2.0');
  assert.ok(!text.includes('#/components/'), 'no v3 refs');
  assert.ok(!text.includes('"allOf"') && !text.includes('"oneOf"'), 'no allOf/oneOf');
  assertRefsResolve(parsed, '#/definitions/', parsed.definitions);
  assert.deepEqual(parsed.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].type, 'string');
  assert.equal(parsed.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].format, 'int-or-string');
  const spec = parsed.definitions['io.k8s.api.apps.v1.StatefulSetSpec'];
  assert.equal(spec.properties.replicas.format, 'int32');
  assert.equal(spec.properties.template.$ref, '#/definitions/io.k8s.api.core.v1.PodTemplateSpec');
  assert.match(spec.properties.template.description, /template is the object/);
  const containers = parsed.definitions['io.k8s.api.core.v1.PodSpec'].properties.containers;
  assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
  const post = parsed.paths['/api/v1/namespaces/{namespace}/services'].post;
  assert.equal(post.parameters[0].in, 'body');
  assert.equal(post.parameters[0].schema.$ref, '#/definitions/io.k8s.api.core.v1.Service');
  assert.deepEqual(post['x-kubernetes-group-version-kind'], { group: '', version: 'v1', kind: 'Service' });
});

test('provider builds each document once', () => {
  const p = openapiProvider(kinds);
  assert.equal(p.v3Doc('apis/apps/v1'), p.v3Doc('apis/apps/v1'));
  assert.equal(p.v2(), p.v2());
  assert.equal(p.v3Doc('apis/x/v1'), undefined);
});

test('every registry kind has its definition (and its list) in the generated definitions', async () => {
  const { kinds: registry } = await import('../../../src/api/registry.js');
  assert.ok(registry.length > 0);
  for (const k of registry) {
    const d = definition(k.openapiName);
    assert.ok(d, `${k.kind}: no definition ${k.openapiName} (add it to ROOTS in scripts/openapi-facts.ts and regenerate)`);
    assert.deepEqual(d['x-kubernetes-group-version-kind'], [{ group: k.group, kind: k.kind, version: k.version }], `${k.openapiName} GVK`);
    assert.ok(definition(k.openapiName.replace(/\.[^.]+$/, `.${k.listKind}`)), `${k.listKind} definition`);
  }
});

test('v2 protobuf (gnostic) document: decodes back with paths, GVK and patch metadata as vendor extensions', async () => {
  const protobuf = (await import('protobufjs')).default;
  const { OPENAPI_V2_PROTO } = await import('../../../src/apiserver/proto/openapiv2.proto.js');
  const { openapiV2Protobuf } = await import('../../../src/apiserver/openapi.js');
  const Document = protobuf.parse(OPENAPI_V2_PROTO, { keepCase: true }).root.lookupType('openapi.v2.Document');
  const bytes = openapiV2Protobuf(kinds);
  const doc = Document.toObject(Document.decode(bytes), { defaults: false }) as any;
  assert.equal(doc.swagger, '2.0');
  const named = (list: { name: string; value: any }[], name: string) => list.find((x) => x.name === name)?.value;
  const item = named(doc.paths.path, '/apis/apps/v1/namespaces/{namespace}/statefulsets/{name}');
  const gvk = named(item.patch.vendor_extension, 'x-kubernetes-group-version-kind');
  assert.equal(gvk.yaml, 'group: apps\nversion: v1\nkind: StatefulSet\n');
  const params = item.patch.parameters.map((p: any) => p.parameter.non_body_parameter?.query_parameter_sub_schema?.name ?? p.parameter.body_parameter?.name);
  assert.ok(params.includes('fieldValidation') && params.includes('body'));
  const podSpec = named(doc.definitions.additional_properties, 'io.k8s.api.core.v1.PodSpec');
  const containers = named(podSpec.properties.additional_properties, 'containers');
  assert.equal(named(containers.vendor_extension, 'x-kubernetes-patch-merge-key').yaml, 'name\n');
  assert.equal(containers.items.schema[0]._ref, '#/definitions/io.k8s.api.core.v1.Container');
  const spec = named(doc.definitions.additional_properties, 'io.k8s.api.apps.v1.StatefulSetSpec');
  assert.deepEqual(named(spec.properties.additional_properties, 'replicas').type.value, ['integer']);
  assert.deepEqual(spec.required, ['selector', 'template']);
});

test('typeError: wrong JSON types get the upstream decoder message, right ones pass', () => {
  const dep = (spec: unknown) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec });
  // YAML 1.1 turns `name: Y` into true; upstream answers 400 with this text
  assert.equal(typeError('io.k8s.api.apps.v1.Deployment', dep({ template: { spec: { containers: [{ name: 'a', env: [{ name: true }] }] } } })),
    'json: cannot unmarshal bool into Go struct field EnvVar.spec.template.spec.containers.env.name of type string');
  assert.equal(typeError('io.k8s.api.apps.v1.StatefulSet', dep({ replicas: 'x' })),
    'json: cannot unmarshal string into Go struct field StatefulSetSpec.spec.replicas of type int32');
  assert.equal(typeError('io.k8s.api.apps.v1.StatefulSet', dep({ replicas: 1.5 })),
    'json: cannot unmarshal number 1.5 into Go struct field StatefulSetSpec.spec.replicas of type int32');
  assert.equal(typeError('io.k8s.api.apps.v1.StatefulSet', { metadata: { labels: { a: 1 } } }),
    'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string');
  assert.equal(typeError('io.k8s.api.apps.v1.StatefulSet', { spec: [] }),
    'json: cannot unmarshal array into Go struct field StatefulSet.spec of type v1.StatefulSetSpec');
  assert.equal(typeError('io.k8s.api.core.v1.Pod', { spec: { containers: {} } }),
    'json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container');
  assert.match(typeError('io.k8s.api.apps.v1.Deployment', dep({ strategy: { rollingUpdate: { maxSurge: true } } }))!, /of type intstr\.IntOrString$/);
  // IntOrString as number or string, Quantity as number or string, nulls, unknown fields: fine
  assert.equal(typeError('io.k8s.api.apps.v1.Deployment', dep({
    replicas: 2, paused: null, foo: [1], strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } },
    template: { spec: { containers: [{ name: 'a', resources: { limits: { cpu: 1, memory: '1Gi' } } }] } },
  })), undefined);
  assert.equal(typeError('io.k8s.api.apps.v1.ControllerRevision', { data: { any: ['thing'] }, revision: 3 }), undefined);
});
