// Re-submitting the manifest an object was created from must change nothing (the API server then
// keeps the resourceVersion, as upstream does for a no-op `kubectl apply`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KindDefinition } from '../../../../src/api/kind.js';
import { kinds } from '../../../../src/api/registry.js';
import { ok } from './helpers.js';

const md = (name: string) => ({ name, namespace: 'default' });

const manifests: Record<string, unknown> = {
  '/Namespace': { metadata: { name: 'team-a' } },
  '/Service': { metadata: md('nginx'), spec: { ports: [{ port: 80, name: 'web' }], clusterIP: 'None', selector: { app: 'nginx' } } },
  '/Endpoints': { metadata: md('nginx'), subsets: [{ addresses: [{ ip: '10.1.0.5' }], ports: [{ port: 80, name: 'web' }] }] },
  'discovery.k8s.io/EndpointSlice': { metadata: md('nginx-x'), addressType: 'IPv4', endpoints: [{ addresses: ['10.1.0.5'] }], ports: [{ name: 'web', port: 80 }] },
  '/ConfigMap': { metadata: md('cfg'), data: { a: '1' } },
  '/Secret': { metadata: md('s'), stringData: { pw: 'x' } },
  '/ServiceAccount': { metadata: md('sa') },
  '/PersistentVolumeClaim': { metadata: md('c'), spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
  '/PersistentVolume': { metadata: { name: 'pv' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/d' } } },
  'storage.k8s.io/StorageClass': { metadata: { name: 'standard' }, provisioner: 'ordinal.dev/hostpath' },
  '/Node': { metadata: { name: 'node-1' }, status: { capacity: { cpu: '2' } } },
  '/Event': { metadata: md('e'), involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' }, reason: 'R', message: 'm', type: 'Normal', count: 1 },
  'events.k8s.io/Event': {
    metadata: md('e2'), eventTime: '2026-01-01T11:00:00.000000Z', reportingController: 'x.dev/c', reportingInstance: 'i',
    action: 'A', reason: 'R', regarding: { kind: 'Pod', name: 'p', namespace: 'default' }, note: 'n', type: 'Normal',
  },
  'coordination.k8s.io/Lease': { metadata: md('l'), spec: { holderIdentity: 'h', leaseDurationSeconds: 10 } },
};

test('every non-workload kind is registered', () => {
  for (const key of Object.keys(manifests)) {
    const [group, kind] = key.split('/');
    assert.ok(kinds.some((k) => k.group === group && k.kind === kind), `${key} registered`);
  }
});

for (const [key, manifest] of Object.entries(manifests)) {
  test(`${key}: re-applying the creating manifest is a no-op`, () => {
    const [group, kindName] = key.split('/');
    const def = kinds.find((k) => k.group === group && k.kind === kindName) as KindDefinition;
    const stored = ok(def, manifest);
    (stored.metadata as { resourceVersion?: string }).resourceVersion = '7';
    const again = ok(def, manifest, stored);
    assert.deepEqual(again, stored);
    // and the table row has one cell per column
    assert.equal(def.tableRow(stored, new Date()).length, def.tableColumns.length);
  });
}

test('the seed headless Service gets upstream defaults', () => {
  const def = kinds.find((k) => k.group === '' && k.kind === 'Service')!;
  const svc = ok(def, manifests['/Service']);
  assert.deepEqual(svc.spec, {
    ports: [{ port: 80, name: 'web', protocol: 'TCP', targetPort: 80 }],
    clusterIP: 'None', clusterIPs: ['None'], selector: { app: 'nginx' },
    sessionAffinity: 'None', type: 'ClusterIP', internalTrafficPolicy: 'Cluster',
    ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'],
  });
});
