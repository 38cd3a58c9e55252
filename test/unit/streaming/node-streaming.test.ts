// Pure parts of streaming to a node agent in another process: where a Node's streaming server is
// (and why it can't be used), the kubelet-style paths the API server forwards to, and the agent's
// check of the API server's client certificate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1.js';
import { nodeEndpoint, KUBELET_CERT_ANNOTATION } from '../../../src/apiserver/streaming/node-proxy.js';
import { parseKubeletPath } from '../../../src/apiserver/streaming/kubelet-server.js';
import { parseDuration } from '../../../src/cli/agent-streams.js';

const FP = 'AB:'.repeat(31) + 'CD';
const node = (over: { addresses?: { type: string; address: string }[]; port?: number; fp?: string }): Node => ({
  metadata: { name: 'n1', annotations: over.fp ? { [KUBELET_CERT_ANNOTATION]: over.fp } : {} },
  status: { addresses: over.addresses ?? [{ type: 'Hostname', address: 'n1' }, { type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: over.port ?? 0 } } },
});

test('nodeEndpoint: InternalIP, kubelet port and the published certificate fingerprint', () => {
  assert.deepEqual(nodeEndpoint(node({ port: 41000, fp: FP })), { nodeName: 'n1', host: '127.0.0.1', port: 41000, certSha256: FP });
  assert.equal(nodeEndpoint(node({ port: 0, fp: FP })), 'node "n1" has no kubelet endpoint port');
  assert.match(nodeEndpoint(node({ port: 10250 })) as string, /does not publish its streaming certificate/);
  assert.equal(nodeEndpoint(node({ addresses: [{ type: 'Hostname', address: 'n1' }], port: 10250, fp: FP })), 'node "n1" has no InternalIP address');
});

test('kubelet paths: containerLogs, exec/attach with or without uid, portForward; anything else is not ours', () => {
  assert.deepEqual(parseKubeletPath('/containerLogs/default/web-0/nginx'), { kind: 'containerLogs', ref: { namespace: 'default', name: 'web-0' }, container: 'nginx' });
  assert.deepEqual(parseKubeletPath('/exec/default/web-0/u-1/nginx'), { kind: 'exec', ref: { namespace: 'default', name: 'web-0', uid: 'u-1' }, container: 'nginx' });
  assert.deepEqual(parseKubeletPath('/attach/default/web-0/nginx'), { kind: 'attach', ref: { namespace: 'default', name: 'web-0', uid: undefined }, container: 'nginx' });
  assert.deepEqual(parseKubeletPath('/portForward/ns/p/u'), { kind: 'portForward', ref: { namespace: 'ns', name: 'p', uid: 'u' } });
  assert.deepEqual(parseKubeletPath('/portForward/ns/p'), { kind: 'portForward', ref: { namespace: 'ns', name: 'p', uid: undefined } });
  for (const bad of ['/', '/exec/ns', '/exec/ns/p', '/containerLogs/ns/p', '/containerLogs/ns/p/c/x', '/run/ns/p/c', '/exec//p/c', '/exec/ns/p/%E0%A4%A/c']) {
    assert.equal(parseKubeletPath(bad), undefined, bad);
  }
});

test('durations for --node-status-update-frequency and ORDINAL_NODE_MONITOR_*', () => {
  assert.equal(parseDuration('10s'), 10_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('2m'), 120_000);
  assert.throws(() => parseDuration('10'), /invalid duration "10"/);
});
