// API semantics over HTTPS against an in-process cluster (memory store): discovery, auth, CRUD,
// conflicts, no-op updates, status/scale subresources, dry-run, strict validation, paging, tables,
// watch (incl. 410), graceful deletion and finalizers, and bad input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from './apiserver-helpers.js';

let c: TestCluster;
before(async () => { c = await startTestCluster(); });
after(async () => { await c?.stop(); });

const W = '/apis/test.ordinal.dev/v1/namespaces/default/widgets';
const widget = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'test.ordinal.dev/v1', kind: 'Widget', metadata: { name }, spec: { replicas: 1, ...extra } });

test('health endpoints answer without a token; everything else needs one', async () => {
  for (const p of ['/healthz', '/livez', '/readyz']) {
    const r = await c.req('GET', p, undefined, {}, { token: null });
    assert.equal(r.status, 200, p);
    assert.equal(r.text, 'ok');
  }
  const noTok = await c.req('GET', '/api/v1/namespaces', undefined, {}, { token: null });
  assert.equal(noTok.status, 401);
  assert.equal(noTok.json.kind, 'Status');
  assert.equal(noTok.json.reason, 'Unauthorized');
  const bad = await c.req('GET', '/version', undefined, {}, { token: 'wrong' });
  assert.equal(bad.status, 401);
  const v = await c.req('GET', '/version');
  assert.equal(v.status, 200);
  assert.equal(v.json.major, '1');
  assert.equal(v.json.minor, '32');
});

test('aggregated discovery echoes the requested media type; legacy discovery otherwise', async () => {
  const AGG = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
  const api = await c.req('GET', '/api', undefined, { Accept: AGG });
  assert.equal(api.headers['content-type'], 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
  assert.equal(api.json.kind, 'APIGroupDiscoveryList');
  assert.equal(api.json.items.length, 1);
  assert.equal(api.json.items[0].metadata.name, '');
  const apis = await c.req('GET', '/apis', undefined, { Accept: AGG });
  const apps = apis.json.items.find((g: any) => g.metadata.name === 'apps');
  const sts = apps.versions[0].resources.find((r: any) => r.resource === 'statefulsets');
  assert.equal(sts.scope, 'Namespaced');
  assert.deepEqual(sts.shortNames, ['sts']);
  assert.deepEqual(sts.responseKind, { group: 'apps', version: 'v1', kind: 'StatefulSet' });
  const scale = sts.subresources.find((s: any) => s.subresource === 'scale');
  assert.deepEqual(scale.responseKind, { group: 'autoscaling', version: 'v1', kind: 'Scale' });
  // v2beta1 only (kubectl <= 1.29): must not be answered with v2
  const old = await c.req('GET', '/apis', undefined, { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json' });
  assert.equal(old.headers['content-type'], 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList');
  assert.equal(old.json.apiVersion, 'apidiscovery.k8s.io/v2beta1');
  const legacy = await c.req('GET', '/api', undefined, { Accept: 'application/json, */*' });
  assert.equal(legacy.json.kind, 'APIVersions');
  assert.deepEqual(legacy.json.versions, ['v1']);
  const groups = await c.req('GET', '/apis');
  assert.equal(groups.json.kind, 'APIGroupList');
  assert.ok(groups.json.groups.some((g: any) => g.name === 'apps' && g.preferredVersion.groupVersion === 'apps/v1'));
  const rl = await c.req('GET', '/apis/apps/v1');
  assert.equal(rl.json.kind, 'APIResourceList');
  const sub = rl.json.resources.find((r: any) => r.name === 'statefulsets/scale');
  assert.equal(sub.group, 'autoscaling');
  assert.equal(sub.kind, 'Scale');
  const core = await c.req('GET', '/api/v1');
  assert.ok(core.json.resources.some((r: any) => r.name === 'namespaces' && r.namespaced === false));
});

test('initial namespaces exist', async () => {
  const r = await c.req('GET', '/api/v1/namespaces');
  const names = r.json.items.map((n: any) => n.metadata.name).sort();
  for (const n of ['default', 'kube-node-lease', 'kube-public', 'kube-system']) assert.ok(names.includes(n), n);
  assert.equal(r.json.kind, 'NamespaceList');
  assert.match(r.json.metadata.resourceVersion, /^\d+$/);
});

test('unknown resources and groups are 404 with the upstream message', async () => {
  for (const p of ['/api/v1/foos', '/apis/nope.example.com/v1/things', '/apis/apps/v9/statefulsets', '/nope']) {
    const r = await c.req('GET', p);
    assert.equal(r.status, 404, p);
    assert.equal(r.json.reason, 'NotFound');
    assert.equal(r.json.message, 'the server could not find the requested resource');
  }
});

test('create, get, AlreadyExists, NotFound; server-set metadata', async () => {
  const r = await c.req('POST', W, widget('w1'));
  assert.equal(r.status, 201, r.text);
  const m = r.json.metadata;
  assert.match(m.uid, /^[0-9a-f-]{36}$/);
  assert.match(m.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.match(m.resourceVersion, /^\d+$/);
  assert.equal(m.generation, 1);
  assert.equal(m.namespace, 'default');
  const again = await c.req('POST', W, widget('w1'));
  assert.equal(again.status, 409);
  assert.equal(again.json.reason, 'AlreadyExists');
  assert.equal(again.json.message, 'widgets.test.ordinal.dev "w1" already exists');
  const g = await c.req('GET', `${W}/w1`);
  assert.equal(g.json.metadata.uid, m.uid);
  assert.equal(g.json.kind, 'Widget');
  const nf = await c.req('GET', `${W}/nope`);
  assert.equal(nf.status, 404);
  assert.equal(nf.json.message, 'widgets.test.ordinal.dev "nope" not found');
  assert.equal(nf.json.details.kind, 'widgets');
  const nf2 = await c.req('GET', '/api/v1/namespaces/default/services/nope');
  assert.equal(nf2.json.message, 'services "nope" not found');
});

test('generateName invents a name with a 5-character suffix', async () => {
  const r = await c.req('POST', W, { apiVersion: 'test.ordinal.dev/v1', kind: 'Widget', metadata: { generateName: 'gen-' }, spec: {} });
  assert.equal(r.status, 201);
  assert.match(r.json.metadata.name, /^gen-[a-z0-9]{5}$/);
  assert.equal(r.json.metadata.generateName, 'gen-');
});

test('create in a missing namespace is 404 namespaces "x" not found', async () => {
  const r = await c.req('POST', '/apis/test.ordinal.dev/v1/namespaces/ghost/widgets', widget('w'));
  assert.equal(r.status, 404);
  assert.equal(r.json.message, 'namespaces "ghost" not found');
});

test('validation errors are 422 Invalid with causes', async () => {
  const r = await c.req('POST', W, widget('bad', { replicas: -1 }));
  assert.equal(r.status, 422);
  assert.equal(r.json.reason, 'Invalid');
  assert.equal(r.json.message, 'Widget.test.ordinal.dev "bad" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
  assert.deepEqual(r.json.details.causes, [{ reason: 'FieldValueInvalid', message: 'Invalid value: -1: must be greater than or equal to 0', field: 'spec.replicas' }]);
  const svc = await c.req('POST', '/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'badsvc' }, spec: { ports: [{ port: 0 }] } });
  assert.equal(svc.status, 422);
  assert.match(svc.json.message, /^Service "badsvc" is invalid: /);
  assert.ok(svc.json.details.causes.some((x: any) => x.field === 'spec.ports[0].port'));
});

test('update: generation on spec change only, status ignored, RV precondition → 409, no-op keeps RV', async () => {
  const cur = (await c.req('GET', `${W}/w1`)).json;
  const rv0 = cur.metadata.resourceVersion;
  // no-op PUT
  const noop = await c.req('PUT', `${W}/w1`, cur);
  assert.equal(noop.status, 200);
  assert.equal(noop.json.metadata.resourceVersion, rv0);
  // spec change + an attempt to set status through the main resource
  const next = { ...cur, spec: { ...cur.spec, replicas: 3 }, status: { replicas: 99 } };
  const up = await c.req('PUT', `${W}/w1`, next);
  assert.equal(up.status, 200, up.text);
  assert.equal(up.json.metadata.generation, 2);
  assert.equal(up.json.status, undefined);
  assert.notEqual(up.json.metadata.resourceVersion, rv0);
  // stale RV
  const stale = await c.req('PUT', `${W}/w1`, next);
  assert.equal(stale.status, 409);
  assert.equal(stale.json.reason, 'Conflict');
  assert.equal(stale.json.message, 'Operation cannot be fulfilled on widgets.test.ordinal.dev "w1": the object has been modified; please apply your changes to the latest version and try again');
  // metadata-only change does not bump generation
  const labelled = await c.req('PATCH', `${W}/w1`, { metadata: { labels: { a: 'b' } } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(labelled.json.metadata.generation, 2);
  // name mismatch
  const mism = await c.req('PUT', `${W}/w1`, { ...up.json, metadata: { ...up.json.metadata, name: 'other' } });
  assert.equal(mism.status, 400);
  assert.match(mism.json.message, /does not match the name on the URL/);
});

test('status subresource only changes status', async () => {
  const cur = (await c.req('GET', `${W}/w1`)).json;
  const r = await c.req('PUT', `${W}/w1/status`, { ...cur, spec: { replicas: 42 }, status: { replicas: 5 } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status.replicas, 5);
  assert.equal(r.json.spec.replicas, cur.spec.replicas);
  assert.equal(r.json.metadata.generation, cur.metadata.generation);
  const p = await c.req('PATCH', `${W}/w1/status`, { status: { replicas: 6 } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(p.json.status.replicas, 6);
});

test('scale subresource: GET, merge PATCH, PUT without Content-Type, RV precondition', async () => {
  const s = await c.req('GET', `${W}/w1/scale`);
  assert.equal(s.json.kind, 'Scale');
  assert.equal(s.json.apiVersion, 'autoscaling/v1');
  assert.equal(s.json.spec.replicas, 3);
  assert.equal(s.json.status.replicas, 6);
  const p = await c.req('PATCH', `${W}/w1/scale`, { spec: { replicas: 5 } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.spec.replicas, 5);
  const parent = (await c.req('GET', `${W}/w1`)).json;
  assert.equal(parent.spec.replicas, 5);
  assert.equal(parent.metadata.generation, 3);
  // PUT without a Content-Type header (kubectl scale --current-replicas)
  const body = { ...p.json, spec: { replicas: 2 } };
  const put = await new Promise<number>((resolve) => {
    c.req('PUT', `${W}/w1/scale`, JSON.stringify(body), { 'Content-Type': '' }).then((r) => resolve(r.status));
  });
  assert.equal(put, 200);
  assert.equal((await c.req('GET', `${W}/w1`)).json.spec.replicas, 2);
  const stale = await c.req('PUT', `${W}/w1/scale`, body);
  assert.equal(stale.status, 409);
  const neg = await c.req('PATCH', `${W}/w1/scale`, { spec: { replicas: -1 } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(neg.status, 422);
});

test('patch types: merge, json, strategic; apply-patch is 415; no-op patch keeps RV', async () => {
  const svcPath = '/api/v1/namespaces/default/services';
  const created = await c.req('POST', svcPath, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'p1' }, spec: { clusterIP: 'None', selector: { app: 'x' }, ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] } });
  assert.equal(created.status, 201, created.text);
  const smp = await c.req('PATCH', `${svcPath}/p1`, { spec: { ports: [{ port: 81, name: 'bee' }] } }, { 'Content-Type': 'application/strategic-merge-patch+json' });
  assert.equal(smp.status, 200, smp.text);
  assert.deepEqual(smp.json.spec.ports.map((p: any) => `${p.name}:${p.port}`), ['a:80', 'bee:81']);
  const jp = await c.req('PATCH', `${svcPath}/p1`, [{ op: 'replace', path: '/spec/selector/app', value: 'y' }], { 'Content-Type': 'application/json-patch+json' });
  assert.equal(jp.json.spec.selector.app, 'y');
  const rv = jp.json.metadata.resourceVersion;
  const noop = await c.req('PATCH', `${svcPath}/p1`, { spec: { selector: { app: 'y' } } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(noop.json.metadata.resourceVersion, rv);
  const apply = await c.req('PATCH', `${svcPath}/p1`, 'apiVersion: v1\nkind: Service\n', { 'Content-Type': 'application/apply-patch+yaml' });
  assert.equal(apply.status, 415);
  assert.match(apply.json.message, /server-side apply/);
  const bogus = await c.req('PATCH', `${svcPath}/p1`, '{}', { 'Content-Type': 'text/plain' });
  assert.equal(bogus.status, 415);
  // RV precondition in a patch (kubectl diff)
  const pre = await c.req('PATCH', `${svcPath}/p1`, { metadata: { resourceVersion: '1' }, spec: { selector: { app: 'z' } } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(pre.status, 409);
  const missing = await c.req('PATCH', `${svcPath}/nope`, {}, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(missing.status, 404);
});

test('dryRun=All runs the whole path without persisting', async () => {
  const r = await c.req('POST', `${W}?dryRun=All`, widget('dry'));
  assert.equal(r.status, 201);
  assert.equal(r.json.metadata.name, 'dry');
  assert.equal((await c.req('GET', `${W}/dry`)).status, 404);
  const bad = await c.req('POST', `${W}?dryRun=All`, widget('dry', { replicas: -5 }));
  assert.equal(bad.status, 422);
  const before = (await c.req('GET', `${W}/w1`)).json;
  const p = await c.req('PATCH', `${W}/w1?dryRun=All`, { spec: { replicas: 9 } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(p.json.spec.replicas, 9);
  const afterObj = (await c.req('GET', `${W}/w1`)).json;
  assert.equal(afterObj.spec.replicas, before.spec.replicas);
  assert.equal(afterObj.metadata.resourceVersion, before.metadata.resourceVersion);
  const d = await c.req('DELETE', `${W}/w1`, { dryRun: ['All'] });
  assert.equal(d.status, 200);
  assert.equal((await c.req('GET', `${W}/w1`)).status, 200);
  const weird = await c.req('POST', `${W}?dryRun=Some`, widget('x'));
  assert.equal(weird.status, 400);
});

test('fieldValidation: Strict rejects unknown and duplicate fields, Warn warns, Ignore ignores', async () => {
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'fv' }, spec: { foo: 1, ports: [{ port: 80 }] } };
  const strict = await c.req('POST', '/api/v1/namespaces/default/services?fieldValidation=Strict', svc);
  assert.equal(strict.status, 400);
  assert.equal(strict.json.message, 'Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "spec.foo"');
  const dup = await c.req('POST', '/api/v1/namespaces/default/services?fieldValidation=Strict', '{"apiVersion":"v1","kind":"Service","metadata":{"name":"fv"},"spec":{"ports":[{"port":80}],"ports":[{"port":81}]}}');
  assert.equal(dup.status, 400);
  assert.match(dup.json.message, /duplicate field "spec.ports"/);
  const warn = await c.req('POST', '/api/v1/namespaces/default/services?fieldValidation=Warn', svc);
  assert.equal(warn.status, 201);
  assert.match(String(warn.headers.warning), /^299 - "unknown field \\"spec.foo\\""$/);
  assert.equal(warn.json.spec.foo, undefined);
  const bad = await c.req('POST', '/api/v1/namespaces/default/services?fieldValidation=Loose', svc);
  assert.equal(bad.status, 400);
});

test('list: label and field selectors, paging with continue, bad selectors are 400', async () => {
  for (let i = 0; i < 7; i++) {
    const r = await c.req('POST', W, { ...widget(`pg-${i}`, { color: i % 2 ? 'red' : 'blue' }), metadata: { name: `pg-${i}`, labels: { tier: i < 3 ? 'front' : 'back', idx: String(i) } } });
    assert.equal(r.status, 201, r.text);
  }
  const sel = async (q: string) => (await c.req('GET', `${W}?${q}`)).json.items.map((o: any) => o.metadata.name).sort();
  assert.deepEqual(await sel('labelSelector=tier%3Dfront'), ['pg-0', 'pg-1', 'pg-2']);
  assert.deepEqual(await sel('labelSelector=tier!%3Dfront,idx'), ['pg-3', 'pg-4', 'pg-5', 'pg-6']);
  assert.deepEqual(await sel('labelSelector=idx%20in%20(1,5)'), ['pg-1', 'pg-5']);
  assert.deepEqual(await sel('labelSelector=idx%20notin%20(1,5),tier'), ['pg-0', 'pg-2', 'pg-3', 'pg-4', 'pg-6']);
  assert.deepEqual(await sel('labelSelector=!idx&fieldSelector=metadata.name%3Dw1'), ['w1']);
  assert.deepEqual(await sel('fieldSelector=spec.color%3Dred'), ['pg-1', 'pg-3', 'pg-5']);
  assert.deepEqual(await sel('fieldSelector=spec.color!%3Dred,metadata.namespace%3Ddefault&labelSelector=idx'), ['pg-0', 'pg-2', 'pg-4', 'pg-6']);
  const badField = await c.req('GET', `${W}?fieldSelector=spec.nope%3Dx`);
  assert.equal(badField.status, 400);
  assert.equal(badField.json.message, 'field label not supported: spec.nope');
  const badLabel = await c.req('GET', `${W}?labelSelector=a%20in%20b`);
  assert.equal(badLabel.status, 400);
  // paging over the 7 labelled widgets, 3 at a time
  const seen: string[] = [];
  let cont = '';
  let pages = 0;
  let rv = '';
  do {
    const r = await c.req('GET', `${W}?labelSelector=idx&limit=3${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.items.length <= 3);
    if (!rv) rv = r.json.metadata.resourceVersion;
    assert.equal(r.json.metadata.resourceVersion, rv);
    seen.push(...r.json.items.map((o: any) => o.metadata.name));
    cont = r.json.metadata.continue ?? '';
    pages++;
  } while (cont && pages < 10);
  assert.equal(pages, 3);
  assert.deepEqual(seen, ['pg-0', 'pg-1', 'pg-2', 'pg-3', 'pg-4', 'pg-5', 'pg-6']);
  const badCont = await c.req('GET', `${W}?limit=3&continue=garbage`);
  assert.equal(badCont.status, 400);
});

test('absurd query parameters are 400, not crashes', async () => {
  for (const q of ['limit=abc', 'limit=99999999999999999999999', 'timeoutSeconds=-5', 'resourceVersion=abc', 'watch=maybe&allowWatchBookmarks=perhaps', 'includeObject=All', 'resourceVersionMatch=Sometimes']) {
    const r = await c.req('GET', `${W}?${q}`);
    assert.equal(r.status, 400, `${q}: ${r.text}`);
    assert.equal(r.json.kind, 'Status');
  }
  const big = await c.req('GET', `${W}?labelSelector=${'a'.repeat(70000)}`);
  assert.equal(big.status, 400);
});

test('bad bodies: malformed JSON/YAML, wrong kind, huge body, empty body', async () => {
  const mal = await c.req('POST', W, '{"apiVersion": ');
  assert.equal(mal.status, 400);
  assert.equal(mal.json.reason, 'BadRequest');
  const yaml = await c.req('POST', W, 'metadata: [unclosed', { 'Content-Type': 'application/yaml' });
  assert.equal(yaml.status, 400);
  const okYaml = await c.req('POST', W, 'apiVersion: test.ordinal.dev/v1\nkind: Widget\nmetadata:\n  name: from-yaml\nspec:\n  replicas: 2\n', { 'Content-Type': 'application/yaml' });
  assert.equal(okYaml.status, 201, okYaml.text);
  const wrongKind = await c.req('POST', W, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' } });
  assert.equal(wrongKind.status, 400);
  const arr = await c.req('POST', W, '[1,2,3]');
  assert.equal(arr.status, 400);
  const huge = await c.req('POST', W, JSON.stringify({ ...widget('huge'), spec: { blob: 'x'.repeat(4 * 1024 * 1024) } }));
  assert.equal(huge.status, 413);
  assert.equal(huge.json.reason, 'RequestEntityTooLarge');
  const empty = await c.req('POST', W, '');
  assert.equal(empty.status, 400);
  const weirdType = await c.req('POST', W, 'hello', { 'Content-Type': 'text/html' });
  assert.equal(weirdType.status, 415);
  const notAcc = await c.req('GET', W, undefined, { Accept: 'text/html' });
  assert.equal(notAcc.status, 406);
  // the server is still healthy
  assert.equal((await c.req('GET', '/readyz', undefined, {}, { token: null })).status, 200);
});

test('tables: list and single get, wide columns, includeObject', async () => {
  const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
  const t = await c.req('GET', `${W}?labelSelector=tier%3Dfront&limit=500`, undefined, { Accept: TABLE });
  assert.equal(t.json.kind, 'Table');
  assert.equal(t.json.apiVersion, 'meta.k8s.io/v1');
  assert.deepEqual(t.json.columnDefinitions.map((d: any) => [d.name, d.priority]), [['Name', 0], ['Replicas', 0], ['Color', 1]]);
  assert.equal(t.json.rows.length, 3);
  assert.deepEqual(t.json.rows[0].cells, ['pg-0', 1, 'blue']);
  assert.equal(t.json.rows[0].object.kind, 'PartialObjectMetadata');
  assert.equal(t.json.rows[0].object.metadata.name, 'pg-0');
  assert.match(t.json.metadata.resourceVersion, /^\d+$/);
  const one = await c.req('GET', `${W}/pg-1`, undefined, { Accept: TABLE });
  assert.equal(one.json.rows.length, 1);
  const full = await c.req('GET', `${W}/pg-1?includeObject=Object`, undefined, { Accept: TABLE });
  assert.equal(full.json.rows[0].object.kind, 'Widget');
  const none = await c.req('GET', `${W}/pg-1?includeObject=None`, undefined, { Accept: TABLE });
  assert.equal(none.json.rows[0].object, undefined);
});

test('watch: from a list RV gets only later changes; rv=0 starts with ADDED; selectors; 410 for compacted', async () => {
  const list = await c.req('GET', `${W}?labelSelector=tier%3Dback`);
  const rv = list.json.metadata.resourceVersion;
  const w = await c.watch(`${W}?labelSelector=tier%3Dback&resourceVersion=${rv}&watch=true`);
  assert.equal(w.status, 200);
  assert.equal(w.headers['content-type'], 'application/json');
  await c.req('PATCH', `${W}/pg-4`, { spec: { replicas: 7 } }, { 'Content-Type': 'application/merge-patch+json' });
  await c.req('PATCH', `${W}/pg-0`, { spec: { replicas: 7 } }, { 'Content-Type': 'application/merge-patch+json' }); // front: not seen
  await c.req('PATCH', `${W}/pg-5`, { metadata: { labels: { tier: 'front' } } }, { 'Content-Type': 'application/merge-patch+json' }); // leaves the selection
  await c.req('PATCH', `${W}/pg-1`, { metadata: { labels: { tier: 'back' } } }, { 'Content-Type': 'application/merge-patch+json' }); // enters it
  const evs = await w.waitFor(3);
  assert.deepEqual(evs.map((e) => `${e.type} ${e.object.metadata.name}`), ['MODIFIED pg-4', 'DELETED pg-5', 'ADDED pg-1']);
  w.close();
  // rv=0 / absent: synthetic ADDED first (kubectl get x -w)
  const w0 = await c.watch(`${W}?fieldSelector=metadata.name%3Dpg-6&resourceVersion=0&watch=true`);
  const first = await w0.waitFor(1);
  assert.equal(first[0].type, 'ADDED');
  assert.equal(first[0].object.metadata.name, 'pg-6');
  await c.req('DELETE', `${W}/pg-6`);
  const two = await w0.waitFor(2);
  assert.equal(two[1].type, 'DELETED');
  w0.close();
  // table watch: one-row Tables
  const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
  const lt = await c.req('GET', W, undefined, { Accept: TABLE });
  const wt = await c.watch(`${W}?resourceVersion=${lt.json.metadata.resourceVersion}&watch=true`, { Accept: TABLE });
  await c.req('PATCH', `${W}/pg-3`, { spec: { color: 'green' } }, { 'Content-Type': 'application/merge-patch+json' });
  const te = await wt.waitFor(1);
  assert.equal(te[0].object.kind, 'Table');
  assert.equal(te[0].object.rows.length, 1);
  assert.deepEqual(te[0].object.rows[0].cells, ['pg-3', 1, 'green']);
  wt.close();
  // timeoutSeconds closes the stream
  const wto = await c.watch(`${W}?watch=true&resourceVersion=${lt.json.metadata.resourceVersion}&timeoutSeconds=1`);
  await Promise.race([wto.ended, new Promise((_, rej) => setTimeout(() => rej(new Error('watch did not end')), 4000))]);
});

test('watch from a revision older than the window answers an ERROR 410 Expired event', async () => {
  const small = await startTestCluster({ watchCacheWindow: 5 });
  try {
    const P = '/api/v1/namespaces/default/configmaps';
    const first = await small.req('POST', P, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c0' } });
    const oldRv = first.json.metadata.resourceVersion;
    for (let i = 1; i < 20; i++) await small.req('POST', P, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}` } });
    const w = await small.watch(`${P}?watch=true&resourceVersion=${oldRv}`);
    const evs = await w.waitFor(1);
    assert.equal(evs[0].type, 'ERROR');
    assert.equal(evs[0].object.code, 410);
    assert.equal(evs[0].object.reason, 'Expired');
    assert.match(evs[0].object.message, /^too old resource version: /);
    await w.ended;
  } finally {
    await small.stop();
  }
});

test('finalizers and graceful deletion', async () => {
  const f = await c.req('POST', W, { ...widget('fin'), metadata: { name: 'fin', finalizers: ['example.com/hold'] } });
  assert.equal(f.status, 201);
  const d = await c.req('DELETE', `${W}/fin`, { propagationPolicy: 'Background' });
  assert.ok(d.status === 200 || d.status === 202);
  const held = (await c.req('GET', `${W}/fin`)).json;
  assert.ok(held.metadata.deletionTimestamp, 'deletionTimestamp set');
  assert.equal(held.metadata.deletionGracePeriodSeconds, 0);
  const w = await c.watch(`${W}?fieldSelector=metadata.name%3Dfin&resourceVersion=${held.metadata.resourceVersion}&watch=true`);
  // adding a finalizer while deleting is forbidden; removing the last one deletes
  const rm = await c.req('PATCH', `${W}/fin`, { metadata: { finalizers: null } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(rm.status, 200, rm.text);
  const evs = await w.waitFor(1);
  assert.equal(evs[0].type, 'DELETED');
  assert.equal((await c.req('GET', `${W}/fin`)).status, 404);
  w.close();
  // graceful: grace 30 → deletionTimestamp in the future, object stays; grace 0 then deletes
  await c.req('POST', W, widget('gr', { grace: 30 }));
  const g1 = await c.req('DELETE', `${W}/gr`, {});
  assert.ok(g1.status === 200 || g1.status === 202);
  const g = (await c.req('GET', `${W}/gr`)).json;
  assert.equal(g.metadata.deletionGracePeriodSeconds, 30);
  assert.ok(Date.parse(g.metadata.deletionTimestamp) > Date.now() + 20_000);
  const g2 = await c.req('DELETE', `${W}/gr`, { gracePeriodSeconds: 0 });
  assert.equal(g2.status, 200);
  assert.equal((await c.req('GET', `${W}/gr`)).status, 404);
  // preconditions
  const pc = await c.req('POST', W, widget('pc'));
  const bad = await c.req('DELETE', `${W}/pc`, { preconditions: { uid: 'not-the-uid' } });
  assert.equal(bad.status, 409);
  assert.match(bad.json.message, /Precondition failed: UID in precondition: not-the-uid/);
  const good = await c.req('DELETE', `${W}/pc`, { preconditions: { uid: pc.json.metadata.uid } });
  assert.equal(good.status, 200);
  const gone = await c.req('DELETE', `${W}/pc`);
  assert.equal(gone.status, 404);
});

test('deletecollection with a label selector', async () => {
  const r = await c.req('DELETE', `${W}?labelSelector=tier%3Dfront`);
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.items.length >= 2);
  const left = (await c.req('GET', `${W}?labelSelector=tier%3Dfront`)).json.items;
  assert.equal(left.length, 0);
});

test('protobuf request bodies are decoded (kubectl create namespace)', async () => {
  const { encodeForTest } = await import('./apiserver-proto.js');
  const body = encodeForTest('v1', 'Namespace', 'pbns');
  const r = await c.req('POST', '/api/v1/namespaces?fieldManager=kubectl-create&fieldValidation=Strict', body, { 'Content-Type': 'application/vnd.kubernetes.protobuf', Accept: 'application/vnd.kubernetes.protobuf,application/json' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.headers['content-type'], 'application/json');
  assert.equal(r.json.metadata.name, 'pbns');
});

test('OpenAPI v3 index and group documents with ETag', async () => {
  const idx = await c.req('GET', '/openapi/v3');
  assert.equal(idx.status, 200);
  const appsUrl = idx.json.paths['apis/apps/v1'].serverRelativeURL;
  assert.match(appsUrl, /^\/openapi\/v3\/apis\/apps\/v1\?hash=/);
  const doc = await c.req('GET', appsUrl);
  assert.equal(doc.status, 200);
  assert.ok(doc.headers.etag);
  assert.ok(Object.keys(doc.json.paths).length > 0);
  const again = await c.req('GET', appsUrl, undefined, { 'If-None-Match': String(doc.headers.etag) });
  assert.equal(again.status, 304);
  const v2pb = await c.req('GET', '/openapi/v2', undefined, { Accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' });
  assert.equal(v2pb.status, 200);
  assert.equal(v2pb.headers['content-type'], 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
  assert.ok(Number(v2pb.headers['content-length']) > 1000);
});

test('Services get a ClusterIP from the range (kubernetes = first IP); headless stays None; IP freed on delete', async () => {
  const k = await c.req('GET', '/api/v1/namespaces/default/services/kubernetes');
  assert.equal(k.status, 200);
  assert.equal(k.json.spec.clusterIP, '10.96.0.1');
  const P = '/api/v1/namespaces/default/services';
  const a = await c.req('POST', P, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ipa' }, spec: { selector: { app: 'a' }, ports: [{ port: 80 }] } });
  assert.equal(a.status, 201, a.text);
  assert.match(a.json.spec.clusterIP, /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
  assert.deepEqual(a.json.spec.clusterIPs, [a.json.spec.clusterIP]);
  const taken = await c.req('POST', P, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ipb' }, spec: { clusterIP: a.json.spec.clusterIP, ports: [{ port: 80 }] } });
  assert.equal(taken.status, 422);
  assert.match(taken.json.message, /provided IP is already allocated/);
  // an update that does not mention the IP keeps it
  const up = await c.req('PATCH', `${P}/ipa`, { spec: { selector: { app: 'b' } } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(up.json.spec.clusterIP, a.json.spec.clusterIP);
  await c.req('DELETE', `${P}/ipa`);
  const reuse = await c.req('POST', P, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ipb' }, spec: { clusterIP: a.json.spec.clusterIP, ports: [{ port: 80 }] } });
  assert.equal(reuse.status, 201, reuse.text);
  assert.equal(reuse.json.spec.clusterIP, a.json.spec.clusterIP);
});

test('deleting a namespace marks it Terminating, empties it, then removes it', async () => {
  assert.equal((await c.req('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } })).status, 201);
  const NW = '/apis/test.ordinal.dev/v1/namespaces/doomed/widgets';
  assert.equal((await c.req('POST', NW, widget('a'))).status, 201);
  assert.equal((await c.req('POST', '/api/v1/namespaces/doomed/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } })).status, 201);
  const d = await c.req('DELETE', '/api/v1/namespaces/doomed');
  assert.ok(d.status === 200 || d.status === 202, d.text);
  assert.equal(d.json.status.phase, 'Terminating');
  const blocked = await c.req('POST', NW, widget('b'));
  assert.equal(blocked.status, 403);
  assert.match(blocked.json.message, /unable to create new content in namespace doomed because it is being terminated/);
  const deadline = Date.now() + 5000;
  let status = 200;
  while (Date.now() < deadline && status !== 404) {
    await new Promise((r) => setTimeout(r, 100));
    status = (await c.req('GET', '/api/v1/namespaces/doomed')).status;
  }
  assert.equal(status, 404);
  assert.equal((await c.req('GET', `${NW}/a`)).status, 404);
  assert.equal((await c.req('GET', '/api/v1/namespaces/doomed/configmaps/cm')).status, 404);
});

test('auth reviews: can-i is allowed (no RBAC yet), whoami names the admin, listed in discovery', async () => {
  const r = await c.req('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb: 'create', resource: 'pods', namespace: 'default' } } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.status.allowed, true);
  const w = await c.req('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
  assert.equal(w.json.status.userInfo.username, 'admin');
  const get = await c.req('GET', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews');
  assert.equal(get.status, 405);
  const disc = await c.req('GET', '/apis/authorization.k8s.io/v1');
  assert.ok(disc.json.resources.some((x: any) => x.name === 'selfsubjectaccessreviews' && x.verbs.includes('create')));
});

test('wrong JSON types are 400 with the decoder message; wrong methods are 405', async () => {
  const r = await c.req('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'typed' }, data: 'not-a-map' });
  assert.equal(r.status, 400);
  assert.equal(r.json.message, 'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal string into Go struct field ConfigMap.data of type map[string]string');
  const s = await c.req('POST', '/apis/apps/v1/namespaces/default/statefulsets', { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 't' }, spec: { replicas: 'two' } });
  assert.equal(s.status, 400);
  assert.match(s.json.message, /cannot unmarshal string into Go struct field StatefulSet.spec.replicas of type int32/);
  const put = await c.req('PUT', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm' } });
  assert.equal(put.status, 405);
  assert.equal(put.json.message, 'the server does not allow this method on the requested resource');
  const post = await c.req('POST', '/api/v1/namespaces/default/configmaps/m', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm' } });
  assert.equal(post.status, 405);
});

test('pod binding sets spec.nodeName once; eviction deletes through the graceful path; log without a host is 400', async () => {
  const P = '/api/v1/namespaces/default/pods';
  const pod = await c.req('POST', P, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bindme' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  assert.equal(pod.status, 201, pod.text);
  const log = await c.req('GET', `${P}/bindme/log?container=c`);
  assert.equal(log.status, 400);
  assert.equal(log.json.message, 'pod bindme does not have a host assigned');
  const b = await c.req('POST', `${P}/bindme/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bindme' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' } });
  assert.equal(b.status, 201, b.text);
  assert.equal(b.json.status, 'Success');
  const got = (await c.req('GET', `${P}/bindme`)).json;
  assert.equal(got.spec.nodeName, 'node-1');
  assert.ok(got.status.conditions.some((x: any) => x.type === 'PodScheduled' && x.status === 'True'));
  const again = await c.req('POST', `${P}/bindme/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bindme' }, target: { kind: 'Node', name: 'node-2' } });
  assert.equal(again.status, 409);
  assert.match(again.json.message, /is already assigned to node "node-1"/);
  const ev = await c.req('POST', `${P}/bindme/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'bindme' } });
  assert.equal(ev.status, 201, ev.text);
  const after = await c.req('GET', `${P}/bindme`);
  // a scheduled pod is deleted gracefully (the node agent finishes it); otherwise it is gone
  assert.ok(after.status === 404 || after.json.metadata.deletionTimestamp, after.text);
  const force = await c.req('DELETE', `${P}/bindme`, { gracePeriodSeconds: 0 });
  assert.ok(force.status === 200 || force.status === 404, force.text);
  assert.equal((await c.req('GET', `${P}/bindme`)).status, 404);
});

test('namespace finalize subresource: emptying spec.finalizers of a terminating namespace removes it', async () => {
  const ns = await c.req('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'stuck' }, spec: { finalizers: ['kubernetes', 'example.com/hold'] } });
  assert.equal(ns.status, 201, ns.text);
  await c.req('DELETE', '/api/v1/namespaces/stuck');
  await new Promise((r) => setTimeout(r, 700));
  const still = await c.req('GET', '/api/v1/namespaces/stuck');
  assert.equal(still.status, 200, 'held by example.com/hold');
  assert.equal(still.json.status.phase, 'Terminating');
  const fin = await c.req('PUT', '/api/v1/namespaces/stuck/finalize', { ...still.json, spec: { finalizers: [] } });
  assert.equal(fin.status, 200, fin.text);
  assert.equal((await c.req('GET', '/api/v1/namespaces/stuck')).status, 404);
});

test('ServiceAccount tokens: issued by serviceaccounts/{name}/token, accepted as bearer tokens, dead with the ServiceAccount', async () => {
  const SA = '/api/v1/namespaces/default/serviceaccounts';
  assert.equal((await c.req('POST', SA, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } })).status, 201);
  const short = await c.req('POST', `${SA}/robot/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 10 } });
  assert.equal(short.status, 422);
  assert.match(short.json.message, /may not specify a duration less than 10 minutes/);
  const tr = await c.req('POST', `${SA}/robot/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
  assert.equal(tr.status, 201, tr.text);
  const token = tr.json.status.token;
  assert.ok(token.length > 20);
  assert.ok(Date.parse(tr.json.status.expirationTimestamp) > Date.now() + 3000_000);
  const who = await c.req('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }, {}, { token });
  assert.equal(who.status, 201, who.text);
  assert.equal(who.json.status.userInfo.username, 'system:serviceaccount:default:robot');
  assert.equal((await c.req('GET', '/api/v1/namespaces/default/configmaps', undefined, {}, { token: token + 'x' })).status, 401);
  const missing = await c.req('POST', `${SA}/nobody/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
  assert.equal(missing.status, 404);
});

test('verbs a kind does not serve are 405 (deletecollection on namespaces)', async () => {
  const r = await c.req('DELETE', '/api/v1/namespaces');
  assert.equal(r.status, 405);
  assert.equal((await c.req('GET', '/api/v1/namespaces/default')).status, 200);
});
