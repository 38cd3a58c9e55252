import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClient } from '../../../../src/client/fake.js';
import { R } from '../../../../src/client/types.js';
import { startEndpointsController } from '../../../../src/controllers/endpoints/controller.js';

const waitFor = async <T>(f: () => Promise<T | undefined>, ms = 3000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

test('slices and endpoints follow pod readiness through the client', async () => {
  const c = new FakeClient();
  await c.create(R.nodes, undefined, { metadata: { name: 'node1' } });
  await c.create(R.services, 'default', { metadata: { name: 'nginx', namespace: 'default', uid: 'u1' }, spec: { clusterIP: 'None', selector: { app: 'nginx' }, ports: [{ name: 'web', port: 80 }] } });
  const ctl = startEndpointsController(c);
  await ctl.synced;
  const placeholder = await waitFor(async () => (await c.list(R.endpointslices, 'default')).items[0]);
  assert.deepEqual(placeholder.endpoints, []);
  await c.create(R.pods, 'default', {
    metadata: { name: 'web-0', namespace: 'default', uid: 'p0', labels: { app: 'nginx' } },
    spec: { hostname: 'web-0', subdomain: 'nginx', nodeName: 'node1', containers: [{ name: 'n', image: 'n' }] },
    status: { phase: 'Running', podIP: '10.244.0.5', podIPs: [{ ip: '10.244.0.5' }], conditions: [{ type: 'Ready', status: 'True' }] },
  });
  const slice = await waitFor(async () => {
    const s = (await c.list(R.endpointslices, 'default')).items;
    return s.length === 1 && (s[0]!.endpoints as unknown[]).length === 1 ? s[0] : undefined;
  });
  assert.deepEqual((slice.endpoints as { hostname?: string; addresses: string[] }[]).map((e) => [e.hostname, e.addresses[0]]), [['web-0', '10.244.0.5']]);
  const ep = await waitFor(async () => (await c.get(R.endpoints, 'default', 'nginx').catch(() => undefined)));
  assert.equal((ep.subsets as { addresses: { ip: string }[] }[])[0]!.addresses[0]!.ip, '10.244.0.5');
  await c.delete(R.services, 'default', 'nginx');
  await waitFor(async () => ((await c.list(R.endpointslices, 'default')).items.length === 0 ? true : undefined));
  ctl.stop();
});
