import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Node } from 'kubernetes-types/core/v1.js';
import { schedule, fitErrorMessage } from '../../../src/scheduler/predicates.js';

const node = (name: string, over: { labels?: Record<string, string>; taints?: Node['spec'] extends infer S ? S extends { taints?: infer T } ? T : never : never; cpu?: string; unschedulable?: boolean } = {}): Node => ({
  metadata: { name, labels: { 'kubernetes.io/hostname': name, ...over.labels } },
  spec: { taints: over.taints, unschedulable: over.unschedulable },
  status: { allocatable: { cpu: over.cpu ?? '2', memory: '4Gi', pods: '110' } },
});
const pod = (name: string, spec: Partial<NonNullable<Pod['spec']>> = {}, nodeName?: string): Pod => ({
  metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'c', image: 'i', ...(spec.containers?.[0] ?? {}) }], ...spec, ...(nodeName ? { nodeName } : {}) },
  status: { phase: 'Running' },
});

test('picks a fitting node and spreads by load', () => {
  const r = schedule({ pod: pod('p'), nodes: [node('a'), node('b')], assigned: [pod('x', {}, 'a')] });
  assert.deepEqual(r, { node: 'b' });
});

test('node selector, affinity, taints and tolerations', () => {
  const nodes = [node('a', { labels: { disk: 'ssd' } }), node('b', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] })];
  assert.deepEqual(schedule({ pod: pod('p', { nodeSelector: { disk: 'ssd' } }), nodes, assigned: [] }), { node: 'a' });
  const hdd = schedule({ pod: pod('p', { nodeSelector: { disk: 'hdd' } }), nodes, assigned: [] });
  assert.ok('unschedulable' in hdd);
  assert.equal(hdd.unschedulable, "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {dedicated: db}. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.");
  const tolerant = pod('p', { nodeSelector: {}, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }], affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['b'] }] }] } } } });
  assert.deepEqual(schedule({ pod: tolerant, nodes, assigned: [] }), { node: 'b' });
});

test('the seed message for a single not-ready node', () => {
  const r = schedule({ pod: pod('web-0'), nodes: [node('n1', { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] })], assigned: [] });
  assert.ok('unschedulable' in r);
  assert.equal(r.unschedulable, '0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.');
});

test('resources and host ports', () => {
  const big = pod('big', { containers: [{ name: 'c', image: 'i', resources: { requests: { cpu: '1500m' } } }] });
  const r = schedule({ pod: big, nodes: [node('a', { cpu: '2' })], assigned: [pod('x', { containers: [{ name: 'c', image: 'i', resources: { requests: { cpu: '1' } } }] }, 'a')] });
  assert.ok('unschedulable' in r && r.unschedulable.startsWith('0/1 nodes are available: 1 Insufficient cpu.'));
  const hp = (n: string) => pod(n, { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80, hostPort: 8080 }] }] });
  const r2 = schedule({ pod: hp('p2'), nodes: [node('a')], assigned: [{ ...hp('p1'), spec: { ...hp('p1').spec!, nodeName: 'a' } }] });
  assert.ok('unschedulable' in r2 && r2.unschedulable.includes("1 node(s) didn't have free ports for the requested pod ports"));
  // Terminal pods don't hold resources.
  const done = { ...pod('x', { containers: [{ name: 'c', image: 'i', resources: { requests: { cpu: '1' } } }] }, 'a'), status: { phase: 'Succeeded' } };
  assert.deepEqual(schedule({ pod: big, nodes: [node('a')], assigned: [done] }), { node: 'a' });
});

test('unschedulable nodes, volume reasons, and no nodes at all', () => {
  const r = schedule({ pod: pod('p'), nodes: [node('a', { unschedulable: true })], assigned: [] });
  assert.ok('unschedulable' in r && r.unschedulable.includes('1 node(s) were unschedulable'));
  const v = schedule({ pod: pod('p'), nodes: [node('a')], assigned: [], volumes: { podLevel: 'pod has unbound immediate PersistentVolumeClaims' } });
  assert.ok('unschedulable' in v);
  assert.equal(v.unschedulable, '0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.');
  const vn = schedule({ pod: pod('p'), nodes: [node('a'), node('b')], assigned: [], volumes: { nodeReason: (n) => (n.metadata?.name === 'a' ? "node(s) had volume node affinity conflict" : undefined) } });
  assert.deepEqual(vn, { node: 'b' });
  assert.equal(fitErrorMessage(0, {}), 'no nodes available to schedule pods');
});
