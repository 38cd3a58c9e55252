import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import { staleConditions, desiredTaints, taintsEqual, evictionTime, markNotReady, tolerates, TAINT_UNREACHABLE, TAINT_NOT_READY } from '../../../src/controllers/nodelifecycle/reconcile.js';

const T = Date.parse('2026-01-01T00:00:00Z');
const node = (ready: string, taints: Taint[] | undefined = undefined): Node => ({
  metadata: { name: 'n1' },
  spec: { taints },
  status: { conditions: ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'].map((type) => ({ type, status: type === 'Ready' ? ready : 'False', lastHeartbeatTime: '2026-01-01T00:00:00Z', lastTransitionTime: '2025-12-31T00:00:00Z' })) },
});

test('heartbeat older than the grace period: every condition Unknown with the upstream reason and message', () => {
  assert.equal(staleConditions(node('True'), T, T + 40_000, 40_000), undefined);
  const c = staleConditions(node('True'), T, T + 40_001, 40_000)!;
  const ready = c.find((x) => x.type === 'Ready')!;
  assert.equal(ready.status, 'Unknown');
  assert.equal(ready.reason, 'NodeStatusUnknown');
  assert.equal(ready.message, 'Kubelet stopped posting node status.');
  assert.equal(ready.lastHeartbeatTime, '2026-01-01T00:00:00Z');
  assert.equal(ready.lastTransitionTime, '2026-01-01T00:00:40Z');
  assert.ok(c.every((x) => x.status === 'Unknown'));
  const already = node('Unknown');
  already.status!.conditions!.forEach((x) => { x.status = 'Unknown'; });
  assert.equal(staleConditions(already, T, T + 100_000, 40_000), undefined, 'written once');
});

test('taints follow Ready: Unknown → unreachable, False → not-ready, True → none; others and timeAdded kept', () => {
  const u = desiredTaints(node('Unknown', [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]), T);
  assert.deepEqual(u, [
    { key: 'dedicated', value: 'db', effect: 'NoSchedule' },
    { key: TAINT_UNREACHABLE, effect: 'NoSchedule' },
    { key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: '2026-01-01T00:00:00Z' },
  ]);
  const again = desiredTaints(node('Unknown', u), T + 5000);
  assert.equal(again.find((t) => t.effect === 'NoExecute')!.timeAdded, '2026-01-01T00:00:00Z');
  assert.ok(taintsEqual(again, u));
  assert.deepEqual(desiredTaints(node('False'), T).map((t) => `${t.key}:${t.effect}`), [`${TAINT_NOT_READY}:NoSchedule`, `${TAINT_NOT_READY}:NoExecute`]);
  assert.deepEqual(desiredTaints(node('True', u), T), [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]);
});

test('eviction time: the smallest tolerationSeconds after timeAdded; untolerated now; no seconds never', () => {
  const taints = [{ key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: '2026-01-01T00:00:00Z' }];
  const pod = (tolerations: NonNullable<Pod['spec']>['tolerations']): Pod => ({ metadata: { name: 'p' }, spec: { containers: [], tolerations } });
  // What admission adds by default: 300 s.
  assert.equal(evictionTime(pod([{ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]), taints, T + 1), T + 300_000);
  assert.equal(evictionTime(pod([{ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }, { operator: 'Exists', tolerationSeconds: 5 }]), taints, T), T + 5000);
  assert.equal(evictionTime(pod([]), taints, T + 7), T + 7);
  assert.equal(evictionTime(pod([{ operator: 'Exists' }]), taints, T), undefined);
  assert.equal(evictionTime(pod([]), [{ key: 'x', effect: 'NoSchedule' }], T), undefined);
  assert.equal(tolerates({ key: 'k', operator: 'Equal', value: 'v', effect: 'NoExecute' }, { key: 'k', value: 'v', effect: 'NoExecute' }), true);
  assert.equal(tolerates({ key: 'k', operator: 'Equal', value: 'w' }, { key: 'k', value: 'v', effect: 'NoExecute' }), false);
  assert.equal(tolerates({ key: 'k', operator: 'Exists', effect: 'NoSchedule' }, { key: 'k', effect: 'NoExecute' }), false);
});

test('pods on a not-ready node are marked Ready=False once', () => {
  const p: Pod = { metadata: { name: 'p' }, status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }] } };
  const st = markNotReady(p, T)!;
  assert.equal(st.conditions!.find((c) => c.type === 'Ready')!.status, 'False');
  assert.equal(st.conditions!.find((c) => c.type === 'PodScheduled')!.status, 'True');
  assert.equal(markNotReady({ ...p, status: st }, T), undefined);
});

test('pod CIDRs: first free block of the cluster CIDR, any mask size, no overlap', async () => {
  const { choosePodCIDR } = await import('../../../src/node/agent.js');
  assert.equal(choosePodCIDR([]), '10.244.0.0/24');
  assert.equal(choosePodCIDR(['10.244.0.0/24', '10.244.2.0/24']), '10.244.1.0/24');
  assert.equal(choosePodCIDR(['10.244.0.0/24'], '10.244.0.0/16', 22), '10.244.4.0/22');
  assert.equal(choosePodCIDR(['10.244.4.0/22'], '10.244.0.0/16', 24), '10.244.0.0/24');
  assert.equal(choosePodCIDR(['10.244.0.0/22', '10.244.4.0/24']), '10.244.5.0/24');
});
