import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../../src/storage/memory.js';
import { NodePortAllocator } from '../../../src/apiserver/service-nodeports.js';
import { ServiceAdmission } from '../../../src/apiserver/service-alloc.js';
import { ApiError } from '../../../src/machinery/errors.js';

test('node ports: random in range, requested ones checked, released, shared through the store', async () => {
  const store = new MemoryStore();
  const a = new NodePortAllocator(store);
  const p = await a.allocate({ namespace: 'default', name: 'web' });
  assert.ok(p >= 30000 && p <= 32767);
  await assert.rejects(new NodePortAllocator(store).allocate({ namespace: 'default', name: 'other' }, p), /provided port is already allocated/);
  await assert.rejects(a.allocate({ namespace: 'default', name: 'x' }, 80), /provided port is not in the valid range. The range of valid ports is 30000-32767/);
  await a.release(p);
  assert.equal(await a.allocate({ namespace: 'default', name: 'other' }, p), p);
});

test('Service admission gives every NodePort port a node port and frees them on delete', async () => {
  const adm = new ServiceAdmission(new MemoryStore());
  const svc = { metadata: { name: 'web', namespace: 'default' }, spec: { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP' }, { port: 443, protocol: 'TCP', nodePort: 30443 }] } };
  await adm.admit(svc, undefined, false);
  assert.ok(svc.spec.ports[0]!.nodePort! >= 30000);
  assert.equal(svc.spec.ports[1]!.nodePort, 30443);
  assert.ok((svc.spec as { clusterIP?: string }).clusterIP, 'and a ClusterIP');
  const clash = { metadata: { name: 'clash', namespace: 'default' }, spec: { type: 'NodePort', ports: [{ port: 81, protocol: 'TCP', nodePort: 30443 }] } };
  await assert.rejects(adm.admit(clash, undefined, false), (e: unknown) => e instanceof ApiError && e.message === 'Service "clash" is invalid: spec.ports[0].nodePort: Invalid value: 30443: provided port is already allocated');
  await adm.afterWrite(undefined, svc);
  await adm.admit(clash, undefined, false);
  assert.equal(clash.spec.ports[0]!.nodePort, 30443);
});
