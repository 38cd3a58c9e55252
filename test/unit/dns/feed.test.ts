import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClient } from '../../../src/client/fake.js';
import { R } from '../../../src/client/types.js';
import { ClusterIndex } from '../../../src/dns/cluster-index.js';
import { Resolver } from '../../../src/dns/resolve.js';
import { feedIndex } from '../../../src/dns/feed.js';

const waitFor = async (cond: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

test('the index follows services and endpoint slices through informers', async () => {
  const c = new FakeClient();
  await c.create(R.namespaces, undefined, { metadata: { name: 'default' } });
  await c.create(R.services, 'default', { metadata: { name: 'nginx', namespace: 'default' }, spec: { clusterIP: 'None', ports: [{ name: 'web', port: 80 }] } });
  const index = new ClusterIndex();
  const r = new Resolver(index, { zone: 'cluster.local', ttl: 5, nsAddresses: [] });
  assert.equal(r.resolve('nginx.default.svc.cluster.local', 'A').rcode, 'SERVFAIL', 'not synced yet: misses are SERVFAIL');
  const feed = feedIndex(c, index);
  await feed.synced;
  assert.equal(r.resolve('web-0.nginx.default.svc.cluster.local', 'A').rcode, 'NXDOMAIN');
  await c.create(R.endpointslices, 'default', {
    metadata: { name: 'nginx-x', namespace: 'default', labels: { 'kubernetes.io/service-name': 'nginx' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.244.0.5'], hostname: 'web-0', conditions: { ready: true } }],
    ports: [{ name: 'web', port: 80, protocol: 'TCP' }],
  });
  await waitFor(() => r.resolve('web-0.nginx.default.svc.cluster.local', 'A').answers.length === 1);
  // The pod is recreated with a new IP: the name follows it.
  await c.patch(R.endpointslices, 'default', 'nginx-x', 'merge', { endpoints: [{ addresses: ['10.244.0.9'], hostname: 'web-0', conditions: { ready: true } }] });
  await waitFor(() => (r.resolve('web-0.nginx.default.svc.cluster.local', 'A').answers[0] as { data?: string } | undefined)?.data === '10.244.0.9');
  await c.delete(R.services, 'default', 'nginx');
  await waitFor(() => r.resolve('web-0.nginx.default.svc.cluster.local', 'A').rcode === 'NXDOMAIN');
  feed.stop();
});
