import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Service, Endpoints } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { reconcileEndpoints, type EndpointsAction } from '../../../../src/controllers/endpoints/reconcile.js';

const svc = (over: Partial<NonNullable<Service['spec']>> = {}): Service => ({
  metadata: { name: 'nginx', namespace: 'default', uid: 'svc-uid', labels: { app: 'nginx' } },
  spec: { clusterIP: 'None', selector: { app: 'nginx' }, ports: [{ name: 'web', port: 80, targetPort: 'web', protocol: 'TCP' }], ...over },
});

const pod = (name: string, ip: string | undefined, ready: boolean, extra: { terminating?: boolean; phase?: string; portName?: string } = {}): Pod => ({
  metadata: { name, namespace: 'default', uid: `${name}-uid`, labels: { app: 'nginx' }, ...(extra.terminating ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  spec: { hostname: name, subdomain: 'nginx', nodeName: 'node1', containers: [{ name: 'nginx', image: 'nginx', ports: [{ name: extra.portName ?? 'web', containerPort: 8080, protocol: 'TCP' }] }] },
  status: { phase: extra.phase ?? 'Running', ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}), conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

const of = <T extends EndpointsAction['type']>(actions: EndpointsAction[], type: T) => actions.filter((a) => a.type === type) as Extract<EndpointsAction, { type: T }>[];

test('StatefulSet pods behind a headless service: ready and not-ready addresses, hostnames, resolved named port', () => {
  const actions = reconcileEndpoints({ service: svc(), pods: [pod('web-0', '10.244.0.5', true), pod('web-1', '10.244.0.6', false), pod('web-2', undefined, false)], endpoints: undefined, slices: [] });
  const [ep] = of(actions, 'createEndpoints');
  assert.ok(ep);
  assert.deepEqual(ep.object.subsets, [{
    addresses: [{ ip: '10.244.0.5', hostname: 'web-0', nodeName: 'node1', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-0', uid: 'web-0-uid' } }],
    notReadyAddresses: [{ ip: '10.244.0.6', hostname: 'web-1', nodeName: 'node1', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: 'web-1-uid' } }],
    ports: [{ name: 'web', port: 8080, protocol: 'TCP' }],
  }]);
  assert.deepEqual(ep.object.metadata?.labels, { app: 'nginx', 'service.kubernetes.io/headless': '' });
  const [slice] = of(actions, 'createSlice');
  assert.ok(slice);
  assert.equal(slice.object.metadata?.generateName, 'nginx-');
  assert.equal(slice.object.addressType, 'IPv4');
  assert.deepEqual(slice.object.metadata?.labels, { app: 'nginx', 'service.kubernetes.io/headless': '', 'kubernetes.io/service-name': 'nginx', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
  assert.deepEqual(slice.object.metadata?.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'nginx', uid: 'svc-uid', controller: true, blockOwnerDeletion: true }]);
  assert.deepEqual(slice.object.endpoints.map((e) => [e.addresses[0], e.hostname, e.conditions]), [
    ['10.244.0.5', 'web-0', { ready: true, serving: true, terminating: false }],
    ['10.244.0.6', 'web-1', { ready: false, serving: false, terminating: false }],
  ]);
  assert.deepEqual(slice.object.ports, [{ name: 'web', port: 8080, protocol: 'TCP' }]);
});

test('endpoint conditions for terminating pods, and publishNotReadyAddresses', () => {
  const pods = [pod('a', '10.0.0.1', true, { terminating: true }), pod('b', '10.0.0.2', false, { terminating: true }), pod('c', '10.0.0.3', true, { phase: 'Succeeded' })];
  const plain = reconcileEndpoints({ service: svc(), pods, endpoints: undefined, slices: [] });
  assert.deepEqual(of(plain, 'createSlice')[0]!.object.endpoints.map((e) => e.conditions), [
    { ready: false, serving: true, terminating: true },
    { ready: false, serving: false, terminating: true },
  ]);
  assert.equal(of(plain, 'createEndpoints')[0]!.object.subsets, undefined, 'Endpoints drops terminating pods');
  const publish = reconcileEndpoints({ service: svc({ publishNotReadyAddresses: true }), pods, endpoints: undefined, slices: [] });
  assert.deepEqual(of(publish, 'createSlice')[0]!.object.endpoints.map((e) => e.conditions!.ready), [true, true]);
  assert.equal(of(publish, 'createEndpoints')[0]!.object.subsets![0]!.addresses!.length, 2);
});

test('hostname only when subdomain names the service; pods without the named port', () => {
  const other = pod('x', '10.0.0.9', true);
  other.spec!.subdomain = 'other';
  const noPort = pod('y', '10.0.0.10', true, { portName: 'metrics' });
  const actions = reconcileEndpoints({ service: svc(), pods: [other, noPort], endpoints: undefined, slices: [] });
  const ep = of(actions, 'createEndpoints')[0]!.object;
  assert.deepEqual(ep.subsets![0]!.addresses!.map((a) => [a.ip, a.hostname]), [['10.0.0.9', undefined]]);
  const slices = of(actions, 'createSlice').map((a) => a.object);
  assert.equal(slices.length, 2, 'grouped by resolved port list');
  assert.deepEqual(slices.map((s) => [s.ports, s.endpoints.map((e) => e.addresses[0])]).sort(), [
    [[], ['10.0.0.10']],
    [[{ name: 'web', port: 8080, protocol: 'TCP' }], ['10.0.0.9']],
  ].sort());
});

test('no pods: empty Endpoints and one placeholder slice; unchanged state: no writes', () => {
  const first = reconcileEndpoints({ service: svc(), pods: [], endpoints: undefined, slices: [] });
  const ep = of(first, 'createEndpoints')[0]!.object;
  assert.equal(ep.subsets, undefined);
  const placeholder = of(first, 'createSlice')[0]!.object;
  assert.deepEqual([placeholder.endpoints, placeholder.ports], [[], []]);
  const existingEp: Endpoints = { ...ep, metadata: { ...ep.metadata, resourceVersion: '5' } };
  const existingSlice: EndpointSlice = { ...placeholder, metadata: { ...placeholder.metadata, name: 'nginx-abcde', resourceVersion: '6' } };
  assert.deepEqual(reconcileEndpoints({ service: svc(), pods: [], endpoints: existingEp, slices: [existingSlice] }), []);
  // A pod becomes ready: the existing slice is updated in place, not replaced.
  const next = reconcileEndpoints({ service: svc(), pods: [pod('web-0', '10.244.0.5', true)], endpoints: existingEp, slices: [existingSlice] });
  assert.deepEqual(next.map((a) => a.type).sort(), ['updateEndpoints', 'updateSlice']);
  assert.equal(of(next, 'updateSlice')[0]!.object.metadata?.name, 'nginx-abcde');
});

test('over 100 endpoints are split across slices', () => {
  const pods = Array.from({ length: 250 }, (_, i) => pod(`p${i}`, `10.1.${i >> 8}.${i & 255}`, true));
  const slices = of(reconcileEndpoints({ service: svc(), pods, endpoints: undefined, slices: [] }), 'createSlice');
  assert.deepEqual(slices.map((s) => s.object.endpoints.length), [100, 100, 50]);
});

test('service deleted or turned ExternalName: our objects go, selector-less user Endpoints stay', () => {
  const mine: EndpointSlice = { metadata: { name: 'nginx-a', namespace: 'default', labels: { 'kubernetes.io/service-name': 'nginx', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } }, addressType: 'IPv4', endpoints: [] };
  const user: EndpointSlice = { metadata: { name: 'nginx-user', namespace: 'default', labels: { 'kubernetes.io/service-name': 'nginx' } }, addressType: 'IPv4', endpoints: [] };
  const eps: Endpoints = { metadata: { name: 'nginx', namespace: 'default' } };
  assert.deepEqual(reconcileEndpoints({ service: undefined, pods: [], endpoints: eps, slices: [mine, user] }), [{ type: 'deleteEndpoints', name: 'nginx' }, { type: 'deleteSlice', name: 'nginx-a' }]);
  assert.deepEqual(reconcileEndpoints({ service: svc({ selector: undefined }), pods: [], endpoints: eps, slices: [user] }), []);
  assert.deepEqual(reconcileEndpoints({ service: svc({ type: 'ExternalName', externalName: 'x.example' }), pods: [], endpoints: eps, slices: [mine] }).map((a) => a.type), ['deleteEndpoints', 'deleteSlice']);
});
