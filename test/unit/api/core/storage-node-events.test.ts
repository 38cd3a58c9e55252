import { test } from 'node:test';
import assert from 'node:assert/strict';
import { definition as pvc } from '../../../../src/api/kinds/persistentvolumeclaim.js';
import { definition as pv } from '../../../../src/api/kinds/persistentvolume.js';
import { definition as sc } from '../../../../src/api/kinds/storageclass.js';
import { definition as node } from '../../../../src/api/kinds/node.js';
import { definition as event } from '../../../../src/api/kinds/event.js';
import { definition as eventV1, fromCore, toCore } from '../../../../src/api/kinds/events-v1.js';
import { definition as lease } from '../../../../src/api/kinds/lease.js';
import { isApiError } from '../../../../src/machinery/errors.js';
import { admit, invalid, ok, row, now } from './helpers.js';

const md = (name: string) => ({ name, namespace: 'default' });

// ---- PersistentVolumeClaim ----

const claim = { metadata: md('data-web-0'), spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'standard' } };

test('pvc: defaults, initial status and table', () => {
  const o = ok(pvc, { ...claim, status: { phase: 'Bound' } });
  assert.equal(o.spec?.volumeMode, 'Filesystem');
  assert.deepEqual(o.status, { phase: 'Pending' });
  assert.deepEqual(row(pvc, o), {
    NAME: 'data-web-0', STATUS: 'Pending', VOLUME: '', CAPACITY: '', 'ACCESS MODES': '', STORAGECLASS: 'standard',
    VOLUMEATTRIBUTESCLASS: '<unset>', AGE: '5m', VOLUMEMODE: 'Filesystem',
  });
  // bound: the binder sets volumeName once, status via /status
  const bound = ok(pvc, { ...o, spec: { ...o.spec, volumeName: 'pv-1' } }, o);
  const st = ok(pvc, { ...bound, status: { phase: 'Bound', accessModes: ['ReadWriteOnce', 'ReadOnlyMany'], capacity: { storage: '2Gi' } } }, bound, 'status');
  assert.deepEqual(row(pvc, st), {
    NAME: 'data-web-0', STATUS: 'Bound', VOLUME: 'pv-1', CAPACITY: '2Gi', 'ACCESS MODES': 'RWO,ROX', STORAGECLASS: 'standard',
    VOLUMEATTRIBUTESCLASS: '<unset>', AGE: '5m', VOLUMEMODE: 'Filesystem',
  });
});

test('pvc: required fields and upstream messages', () => {
  assert.equal(
    invalid(pvc, { metadata: md('c'), spec: { resources: { requests: { storage: '1Gi' } } } }),
    'PersistentVolumeClaim "c" is invalid: spec.accessModes: Required value: at least 1 access mode is required',
  );
  assert.equal(invalid(pvc, { metadata: md('c'), spec: { accessModes: ['ReadWriteOnce'] } }), 'PersistentVolumeClaim "c" is invalid: spec.resources[storage]: Required value');
  assert.match(
    invalid(pvc, { metadata: md('c'), spec: { accessModes: ['Sometimes'], resources: { requests: { storage: '1Gi' } } } }),
    /spec.accessModes: Unsupported value: "Sometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"/,
  );
  assert.match(invalid(pvc, { metadata: md('c'), spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '0' } } } }), /spec.resources\[storage\]: Invalid value: "0": must be greater than zero/);
  assert.throws(() => admit(pvc, { metadata: md('c'), spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: 'lots' } } } }), (e: unknown) => isApiError(e, 'BadRequest'));
});

test('pvc: spec is immutable except storage requests on bound claims', () => {
  const o = ok(pvc, claim);
  assert.equal(
    invalid(pvc, { ...o, spec: { ...o.spec, accessModes: ['ReadWriteMany'] } }, o),
    'PersistentVolumeClaim "data-web-0" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
  );
  // resize of an unbound claim is refused too
  assert.match(invalid(pvc, { ...o, spec: { ...o.spec, resources: { requests: { storage: '2Gi' } } } }, o), /spec: Forbidden: spec is immutable/);
  const bound = ok(pvc, { ...o, spec: { ...o.spec, volumeName: 'pv-1' } }, o);
  const b2 = ok(pvc, { ...bound, status: { phase: 'Bound' } }, bound, 'status');
  const grown = ok(pvc, { ...b2, spec: { ...b2.spec, resources: { requests: { storage: '2Gi' } } } }, b2);
  assert.equal(grown.spec?.resources?.requests?.storage, '2Gi');
  assert.match(
    invalid(pvc, { ...b2, spec: { ...b2.spec, resources: { requests: { storage: '512Mi' } } } }, b2),
    /spec.resources.requests.storage: Forbidden: field can not be less than previous value/,
  );
  assert.match(invalid(pvc, { ...b2, spec: { ...b2.spec, volumeName: 'pv-2' } }, b2), /spec: Forbidden/);
});

// ---- PersistentVolume ----

const vol = { metadata: { name: 'pv-1' }, spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data/pv-1' }, storageClassName: 'manual' } };

test('pv: defaults, status and table', () => {
  const o = ok(pv, vol);
  assert.equal(o.spec?.persistentVolumeReclaimPolicy, 'Retain');
  assert.equal(o.spec?.volumeMode, 'Filesystem');
  assert.equal(o.status?.phase, 'Pending');
  assert.equal(o.status?.lastPhaseTransitionTime, '2026-01-01T12:00:00Z');
  const bound = ok(pv, { ...o, spec: { ...o.spec, claimRef: { namespace: 'default', name: 'data-web-0' } } }, o);
  const st = ok(pv, { ...bound, status: { phase: 'Bound' } }, bound, 'status');
  assert.deepEqual(row(pv, st), {
    NAME: 'pv-1', CAPACITY: '10Gi', 'ACCESS MODES': 'RWO', 'RECLAIM POLICY': 'Retain', STATUS: 'Bound', CLAIM: 'default/data-web-0',
    STORAGECLASS: 'manual', VOLUMEATTRIBUTESCLASS: '<unset>', REASON: '', AGE: '5m', VOLUMEMODE: 'Filesystem',
  });
});

test('pv: validation and source immutability', () => {
  assert.equal(invalid(pv, { metadata: { name: 'p' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] } }), 'PersistentVolume "p" is invalid: spec: Required value: must specify a volume type');
  assert.match(invalid(pv, { ...vol, metadata: { name: 'p', namespace: 'default' } }), /metadata.namespace: Forbidden: not allowed on this type/);
  const o = ok(pv, vol);
  assert.match(invalid(pv, { ...o, spec: { ...o.spec, hostPath: { path: '/other' } } }, o), /spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation/);
});

// ---- StorageClass ----

test('storageclass: defaults, default-class suffix, immutability', () => {
  const o = ok(sc, { apiVersion: 'storage.k8s.io/v1', metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'ordinal.dev/hostpath' });
  assert.equal(o.reclaimPolicy, 'Delete');
  assert.equal(o.volumeBindingMode, 'Immediate');
  assert.deepEqual(row(sc, o), { NAME: 'standard (default)', PROVISIONER: 'ordinal.dev/hostpath', RECLAIMPOLICY: 'Delete', VOLUMEBINDINGMODE: 'Immediate', ALLOWVOLUMEEXPANSION: false, AGE: '5m' });
  assert.equal(invalid(sc, { metadata: { name: 'x' } }), 'StorageClass.storage.k8s.io "x" is invalid: provisioner: Required value');
  assert.match(invalid(sc, { ...o, provisioner: 'other' }, o), /provisioner: Forbidden: updates to provisioner are forbidden./);
  assert.match(invalid(sc, { ...o, parameters: { a: 'b' } }, o), /parameters: Forbidden: updates to parameters are forbidden./);
  assert.match(invalid(sc, { ...o, volumeBindingMode: 'WaitForFirstConsumer' }, o), /volumeBindingMode: Invalid value: "WaitForFirstConsumer": field is immutable/);
  ok(sc, { ...o, allowVolumeExpansion: true }, o);
});

// ---- Node ----

const n1 = {
  metadata: { name: 'node-1', labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'worker' } },
  spec: {},
  status: {
    capacity: { cpu: '4', memory: '8Gi', pods: '110' },
    conditions: [{ type: 'Ready', status: 'True' }],
    addresses: [{ type: 'InternalIP', address: '10.0.0.4' }, { type: 'Hostname', address: 'node-1' }],
    nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0', containerRuntimeVersion: 'containerd://1.7.0' },
  },
};

test('node: create keeps status (kubelet registration), table, field selector', () => {
  const o = ok(node, n1);
  assert.deepEqual(o.status?.allocatable, { cpu: '4', memory: '8Gi', pods: '110' });
  assert.deepEqual(row(node, o), {
    NAME: 'node-1', STATUS: 'Ready', ROLES: 'control-plane,worker', AGE: '5m', VERSION: 'v1.32.0',
    'INTERNAL-IP': '10.0.0.4', 'EXTERNAL-IP': '<none>', 'OS-IMAGE': 'Debian GNU/Linux 12 (bookworm)', 'KERNEL-VERSION': '6.1.0', 'CONTAINER-RUNTIME': 'containerd://1.7.0',
  });
  const cordoned = ok(node, { ...o, spec: { unschedulable: true }, status: { conditions: [] } }, o);
  assert.deepEqual(cordoned.status?.conditions, [{ type: 'Ready', status: 'True' }]); // status kept on spec update
  assert.equal(row(node, cordoned).STATUS, 'Ready,SchedulingDisabled');
  assert.equal(node.fieldSelectors!['spec.unschedulable']!(cordoned), 'true');
  assert.equal(node.fieldSelectors!['spec.unschedulable']!(o), 'false');
  const notReady = ok(node, { ...o, spec: { unschedulable: true }, status: { ...o.status, conditions: [{ type: 'Ready', status: 'Unknown' }] } }, o, 'status');
  assert.equal(notReady.spec?.unschedulable, undefined); // spec kept on status update
  assert.equal(row(node, notReady).STATUS, 'NotReady');
  assert.equal(row(node, ok(node, { metadata: { name: 'bare' } })).STATUS, 'Unknown');
  assert.equal(row(node, ok(node, { metadata: { name: 'bare' } })).ROLES, '<none>');
});

test('node: podCIDR and taint validation', () => {
  const o = ok(node, { ...n1, spec: { podCIDRs: ['10.244.0.0/24'] } });
  assert.match(invalid(node, { ...o, spec: { podCIDRs: ['10.244.1.0/24'] } }, o), /spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid/);
  assert.match(invalid(node, { ...n1, spec: { taints: [{ key: 'a', effect: 'Sometimes' }] } }), /spec.taints\[0\].effect: Unsupported value: "Sometimes": supported values: "NoExecute", "NoSchedule", "PreferNoSchedule"/);
});

// ---- Events ----

const coreEvent = {
  apiVersion: 'v1', kind: 'Event',
  metadata: { name: 'web-0.17a', namespace: 'default' },
  involvedObject: { kind: 'Pod', namespace: 'default', name: 'web-0', uid: 'u1', apiVersion: 'v1', fieldPath: 'spec.containers{nginx}' },
  reason: 'Pulled', message: 'Container image "nginx" already present on machine ', type: 'Normal',
  source: { component: 'kubelet', host: 'node-1' },
  firstTimestamp: '2026-01-01T11:00:00Z', lastTimestamp: '2026-01-01T11:58:00Z', count: 3,
};

test('event (core/v1): table and field selectors', () => {
  const o = ok(event, coreEvent);
  assert.deepEqual(row(event, o), {
    'LAST SEEN': '2m', TYPE: 'Normal', REASON: 'Pulled', OBJECT: 'pod/web-0', SUBOBJECT: 'spec.containers{nginx}', SOURCE: 'kubelet, node-1',
    MESSAGE: 'Container image "nginx" already present on machine', 'FIRST SEEN': '60m', COUNT: 3, NAME: 'web-0.17a',
  });
  const fs = event.fieldSelectors!;
  assert.equal(fs['involvedObject.name']!(o), 'web-0');
  assert.equal(fs['involvedObject.kind']!(o), 'Pod');
  assert.equal(fs['involvedObject.uid']!(o), 'u1');
  assert.equal(fs['involvedObject.fieldPath']!(o), 'spec.containers{nginx}');
  assert.equal(fs['source']!(o), 'kubelet');
  assert.equal(fs['type']!(o), 'Normal');
  assert.equal(fs['reason']!(o), 'Pulled');
  assert.match(invalid(event, { ...coreEvent, involvedObject: { ...coreEvent.involvedObject, namespace: 'other' } }), /involvedObject.namespace: Invalid value: "other": does not match event.namespace/);
});

const newEvent = {
  apiVersion: 'events.k8s.io/v1', kind: 'Event',
  metadata: { name: 'web-0.17b', namespace: 'default' },
  eventTime: '2026-01-01T11:59:00.000000Z',
  series: { count: 4, lastObservedTime: '2026-01-01T11:59:30.000000Z' },
  reportingController: 'ordinal.dev/statefulset-controller', reportingInstance: 'ordinal-1',
  action: 'Create', reason: 'SuccessfulCreate', regarding: { kind: 'StatefulSet', namespace: 'default', name: 'web' },
  note: 'create Pod web-0 in StatefulSet web successful', type: 'Normal',
  deprecatedCount: 0,
};

test('events.k8s.io/v1: conversion round-trip and stored shape', () => {
  const stored = toCore(newEvent as never);
  assert.equal(stored.apiVersion, 'v1');
  assert.equal(stored.message, newEvent.note);
  assert.deepEqual(stored.involvedObject, newEvent.regarding);
  assert.equal(stored.reportingComponent, newEvent.reportingController);
  assert.deepEqual(stored.series, newEvent.series);
  assert.equal(stored.eventTime, newEvent.eventTime);
  const back = fromCore(stored);
  const { deprecatedCount: _zero, ...expected } = newEvent;
  assert.deepEqual(back, expected);
  // legacy fields come back under their deprecated names
  const legacy = fromCore(coreEvent);
  assert.equal(legacy.deprecatedCount, 3);
  assert.deepEqual(legacy.deprecatedSource, { component: 'kubelet', host: 'node-1' });
  assert.equal(legacy.deprecatedFirstTimestamp, coreEvent.firstTimestamp);
  assert.equal(legacy.note, coreEvent.message);
  assert.deepEqual(toCore(legacy), coreEvent);
  assert.deepEqual(eventV1.storedAs?.toStored(newEvent as never), stored);
});

test('events.k8s.io/v1: strict validation and table', () => {
  const o = ok(eventV1, newEvent);
  const r = row(eventV1, o);
  assert.equal(r['LAST SEEN'], '30s');
  assert.equal(r['FIRST SEEN'], '60s');
  assert.equal(r.COUNT, 4);
  assert.equal(r.OBJECT, 'statefulset/web');
  assert.equal(r.SOURCE, 'ordinal.dev/statefulset-controller, ordinal-1');
  assert.equal(eventV1.fieldSelectors!['regarding.name']!(o), 'web');
  assert.equal(invalid(eventV1, { ...newEvent, eventTime: undefined, series: undefined }).includes('eventTime: Required value'), true);
  assert.match(invalid(eventV1, { ...newEvent, type: 'Odd' }), /type: Invalid value: "": has invalid value: Odd/);
  assert.match(invalid(eventV1, { ...newEvent, action: '' }), /action: Required value/);
  assert.match(invalid(eventV1, { ...newEvent, series: { count: 1, lastObservedTime: newEvent.eventTime } }), /series.count: Invalid value: "": should be at least 2/);
  assert.match(invalid(eventV1, { ...newEvent, reportingController: '' }), /reportingController: Required value/);
  assert.match(invalid(eventV1, { ...o, note: 'changed' }, o), /message: Invalid value: "changed": field is immutable/);
  assert.match(invalid(eventV1, { ...newEvent, deprecatedCount: 2 }), /count: Invalid value: "": needs to be unset/);
  void now;
});

// ---- Lease ----

test('lease: table and validation', () => {
  const o = ok(lease, { apiVersion: 'coordination.k8s.io/v1', metadata: { name: 'node-1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40 } });
  assert.deepEqual(row(lease, o), { NAME: 'node-1', HOLDER: 'node-1', AGE: '5m' });
  assert.equal(
    invalid(lease, { metadata: { name: 'l', namespace: 'default' }, spec: { leaseDurationSeconds: 0 } }),
    'Lease.coordination.k8s.io "l" is invalid: spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
  );
});

test('node: podCIDR and podCIDRs are kept in step', () => {
  assert.deepEqual(ok(node, { metadata: { name: 'a' }, spec: { podCIDR: '10.244.1.0/24' } }).spec?.podCIDRs, ['10.244.1.0/24']);
  assert.equal(ok(node, { metadata: { name: 'a' }, spec: { podCIDRs: ['10.244.2.0/24'] } }).spec?.podCIDR, '10.244.2.0/24');
});

test('pvc: dataSource and dataSourceRef mirror each other on create', () => {
  const o = ok(pvc, { ...claim, spec: { ...claim.spec, dataSource: { kind: 'PersistentVolumeClaim', name: 'src' } } });
  assert.deepEqual(o.spec?.dataSourceRef, { kind: 'PersistentVolumeClaim', name: 'src' });
  const r = ok(pvc, { ...claim, spec: { ...claim.spec, dataSourceRef: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'snap' } } });
  assert.deepEqual(r.spec?.dataSource, { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'snap' });
});
