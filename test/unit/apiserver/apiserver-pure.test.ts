// Pure parts of the API server: request parsing, query validation, content negotiation,
// selectors, discovery documents and tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestInfo, parseCommonQuery } from '../../../src/apiserver/request-info.js';
import { parseAccept, wantsTable, wantsAggregatedDiscovery, duplicateJsonFields, checkAcceptable } from '../../../src/apiserver/negotiate.js';
import { parseLabelSelector, labelsMatch, compileSelectors, formatLabelSelector } from '../../../src/apiserver/selectors.js';
import { aggregatedDiscovery, apiResourceList, apiGroupList } from '../../../src/apiserver/discovery.js';
import { toTable } from '../../../src/apiserver/table.js';
import { ApiError } from '../../../src/machinery/errors.js';
import type { KindDefinition } from '../../../src/api/kind.js';

const q = (s = '') => new URLSearchParams(s);

test('request info: core, groups, namespaces, subresources, verbs', () => {
  const a = parseRequestInfo('GET', '/api/v1/namespaces/default/pods/web-0/log', q());
  assert.deepEqual([a.group, a.version, a.namespace, a.resource, a.name, a.subresource, a.verb], ['', 'v1', 'default', 'pods', 'web-0', 'log', 'get']);
  const b = parseRequestInfo('GET', '/apis/apps/v1/namespaces/default/statefulsets', q('watch=true'));
  assert.deepEqual([b.group, b.resource, b.verb], ['apps', 'statefulsets', 'watch']);
  const ns = parseRequestInfo('PUT', '/api/v1/namespaces/foo/finalize', q());
  assert.deepEqual([ns.namespace, ns.resource, ns.name, ns.subresource, ns.verb], [undefined, 'namespaces', 'foo', 'finalize', 'update']);
  const nsGet = parseRequestInfo('GET', '/api/v1/namespaces/foo', q());
  assert.deepEqual([nsGet.resource, nsGet.name, nsGet.verb], ['namespaces', 'foo', 'get']);
  assert.equal(parseRequestInfo('DELETE', '/api/v1/namespaces/x/pods', q()).verb, 'deletecollection');
  assert.equal(parseRequestInfo('GET', '/api/v1/pods', q()).verb, 'list');
  const lw = parseRequestInfo('GET', '/api/v1/watch/namespaces/default/pods', q());
  assert.equal(lw.verb, 'watch');
  assert.equal(lw.resource, 'pods');
  assert.equal(parseRequestInfo('GET', '/apis/apps', q()).isResourceRequest, false);
  assert.throws(() => parseRequestInfo('GET', '/api/v1/namespaces/%E0%A4%A/pods', q()), ApiError);
});

test('query validation rejects absurd values with 400', () => {
  const ok = parseCommonQuery(q('limit=500&timeoutSeconds=300&allowWatchBookmarks=true&dryRun=All&fieldValidation=Strict&resourceVersion=12'));
  assert.equal(ok.limit, 500);
  assert.equal(ok.timeoutSeconds, 300);
  assert.equal(ok.allowWatchBookmarks, true);
  assert.equal(ok.dryRun, true);
  assert.equal(ok.fieldValidation, 'Strict');
  assert.equal(parseCommonQuery(q()).fieldValidation, 'Warn');
  assert.equal(parseCommonQuery(q('limit=-3')).limit, 0);
  for (const bad of ['limit=x', 'timeoutSeconds=-1', 'dryRun=Yes', 'fieldValidation=Loud', 'resourceVersion=-1', 'includeObject=Yes', 'propagationPolicy=Now', 'gracePeriodSeconds=1.5']) {
    assert.throws(() => parseCommonQuery(q(bad)), (e: unknown) => e instanceof ApiError && e.code === 400, bad);
  }
});

test('content negotiation: tables, aggregated discovery (exact version), 406', () => {
  const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
  assert.equal(wantsTable(parseAccept(TABLE)), 'v1');
  assert.equal(wantsTable(parseAccept('application/json')), undefined);
  assert.equal(wantsTable(parseAccept('application/json, application/json;as=Table;v=v1;g=meta.k8s.io')), undefined, 'first preference wins');
  const AGG = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
  assert.equal(wantsAggregatedDiscovery(parseAccept(AGG)), 'v2');
  assert.equal(wantsAggregatedDiscovery(parseAccept('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json')), 'v2beta1');
  assert.equal(wantsAggregatedDiscovery(parseAccept('application/json, */*')), undefined);
  assert.doesNotThrow(() => checkAcceptable(parseAccept('application/vnd.kubernetes.protobuf,application/json')));
  assert.throws(() => checkAcceptable(parseAccept('text/html')), (e: unknown) => e instanceof ApiError && e.code === 406);
});

test('duplicate JSON fields are found with their paths', () => {
  assert.deepEqual(duplicateJsonFields('{"a":1,"b":{"c":1,"c":2},"a":3}'), ['b.c', 'a']);
  assert.deepEqual(duplicateJsonFields('{"spec":{"containers":[{"name":"x","name":"y"}]}}'), ['spec.containers[0].name']);
  assert.deepEqual(duplicateJsonFields('{"s":"a\\"b","t":[1,2,{"u":"}"}]}'), []);
});

test('label selectors: every operator, and syntax errors', () => {
  const m = (sel: string, labels: Record<string, string>) => labelsMatch(parseLabelSelector(sel), labels);
  assert.equal(m('app=nginx', { app: 'nginx' }), true);
  assert.equal(m('app==nginx', { app: 'web' }), false);
  assert.equal(m('app!=nginx', {}), true);
  assert.equal(m('tier in (a, b)', { tier: 'b' }), true);
  assert.equal(m('tier notin (a,b)', { tier: 'c' }), true);
  assert.equal(m('tier', {}), false);
  assert.equal(m('!tier', {}), true);
  assert.equal(m('app=nginx,!canary', { app: 'nginx', canary: 'x' }), false);
  assert.equal(m('n>3', { n: '4' }), true);
  assert.equal(m('', { a: 'b' }), true);
  for (const bad of ['a in b', 'a in (b', '=x', 'a=b,,']) assert.throws(() => parseLabelSelector(bad), ApiError, bad);
  assert.equal(formatLabelSelector({ matchLabels: { b: '2', a: '1' }, matchExpressions: [{ key: 'c', operator: 'In', values: ['y', 'x'] }, { key: 'd', operator: 'DoesNotExist' }] }), 'a=1,b=2,c in (x,y),!d');
});

const kind: KindDefinition = {
  group: 'apps', version: 'v1', kind: 'Thing', listKind: 'ThingList', plural: 'things', singular: 'thing', namespaced: true,
  shortNames: ['th'], categories: ['all'], openapiName: 'x',
  subresources: { status: true, scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas' } },
  tableColumns: [{ name: 'Name', type: 'string', format: 'name', description: '', priority: 0 }, { name: 'Wide', type: 'string', description: '', priority: 1 }],
  tableRow: (o) => [o.metadata.name, 'w'],
  fieldSelectors: { 'spec.x': (o: any) => o.spec?.x ?? '' },
};

test('field selectors: name, namespace, kind fields, unsupported labels', () => {
  const obj = { metadata: { name: 'a', namespace: 'ns', labels: { l: '1' } }, spec: { x: 'y' } };
  assert.equal(compileSelectors(kind, 'l=1', 'metadata.name=a,metadata.namespace=ns,spec.x=y')(obj), true);
  assert.equal(compileSelectors(kind, '', 'spec.x!=y')(obj), false);
  assert.throws(() => compileSelectors(kind, '', 'spec.nope=1'), (e: unknown) => e instanceof ApiError && e.message === 'field label not supported: spec.nope');
});

test('discovery documents: aggregated v2 shape, legacy lists with subresources', () => {
  const agg = aggregatedDiscovery([kind], 'apis', 'v2');
  assert.equal(agg.apiVersion, 'apidiscovery.k8s.io/v2');
  const r = agg.items[0]!.versions[0]!.resources[0] as any;
  assert.equal(r.scope, 'Namespaced');
  assert.equal(r.singularResource, 'thing');
  assert.deepEqual(r.subresources.map((s: any) => s.subresource), ['scale', 'status']);
  assert.deepEqual(r.subresources[0].responseKind, { group: 'autoscaling', version: 'v1', kind: 'Scale' });
  assert.equal(aggregatedDiscovery([kind], 'api', 'v2').items.length, 0);
  const legacy = apiResourceList([kind], 'apps', 'v1');
  assert.deepEqual(legacy.resources.map((x: any) => x.name), ['things', 'things/scale', 'things/status']);
  assert.equal((legacy.resources[1] as any).group, 'autoscaling');
  assert.equal(apiGroupList([kind]).groups[0]!.preferredVersion!.groupVersion, 'apps/v1');
});

test('tables: cells per column, PartialObjectMetadata rows, no headers for later watch events', () => {
  const objs = [{ metadata: { name: 'a', namespace: 'n', labels: { x: 'y' } } }];
  const t = toTable(kind, objs, { include: 'Metadata', tableVersion: 'v1', resourceVersion: '7' });
  assert.equal(t.rows.length, 1);
  assert.deepEqual((t.rows[0] as any).cells, ['a', 'w']);
  assert.equal((t.rows[0] as any).object.kind, 'PartialObjectMetadata');
  assert.equal(t.metadata.resourceVersion, '7');
  assert.equal(t.columnDefinitions.length, 2);
  const nh = toTable(kind, objs, { include: 'None', tableVersion: 'v1', noHeaders: true });
  assert.equal(nh.columnDefinitions.length, 0);
  assert.equal((nh.rows[0] as any).object, undefined);
});
