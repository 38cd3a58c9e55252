import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Node } from 'kubernetes-types/core/v1.js';
import { reconcilePodGc, missingNodes } from '../../../../src/controllers/podgc/reconcile.js';

const pod = (name: string, node: string, terminating = false): Pod => ({ metadata: { name, namespace: 'default', uid: `${name}-uid`, ...(terminating ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) }, spec: { nodeName: node, containers: [] } });
const node = (name: string, ready: boolean, outOfService = false): Node => ({
  metadata: { name },
  spec: outOfService ? { taints: [{ key: 'node.kubernetes.io/out-of-service', value: 'nodeshutdown', effect: 'NoExecute' }] } : {},
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'Unknown' }] },
});

test('pods on a deleted node are force-deleted only after the absence is confirmed', () => {
  const pods = [pod('web-0', 'gone'), pod('web-1', 'n1')];
  assert.deepEqual([...missingNodes(pods, [node('n1', true)])], ['gone']);
  assert.deepEqual(reconcilePodGc({ pods, nodes: [node('n1', true)], confirmedMissing: new Set() }), []);
  assert.deepEqual(reconcilePodGc({ pods, nodes: [node('n1', true)], confirmedMissing: new Set(['gone']) }).map((a) => a.name), ['web-0']);
});

test('terminating pods on a dead node stay until the node is marked out of service', () => {
  const pods = [pod('web-0', 'dead', true), pod('web-1', 'dead')];
  assert.deepEqual(reconcilePodGc({ pods, nodes: [node('dead', false)], confirmedMissing: new Set() }), [], 'upstream: Terminating until someone decides');
  const acts = reconcilePodGc({ pods, nodes: [node('dead', false, true)], confirmedMissing: new Set() });
  assert.deepEqual(acts, [{ type: 'forceDelete', namespace: 'default', name: 'web-0', uid: 'web-0-uid', reason: 'node "dead" is out of service' }]);
  assert.deepEqual(reconcilePodGc({ pods, nodes: [node('dead', true, true)], confirmedMissing: new Set() }), [], 'a Ready node is never force-cleaned');
});
