// The in-process client and the HTTPS client give the same answers (same handler underneath):
// CRUD, patch, status, errors as ApiError, list/watch with selectors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from './apiserver-helpers.js';
import { HttpClient } from '../../src/client/http.js';
import { R, type Client } from '../../src/client/types.js';
import { ApiError } from '../../src/machinery/errors.js';

let c: TestCluster;
let http: HttpClient;
let inproc: ReturnType<TestCluster['cluster']['inProcessClient']>;
before(async () => {
  c = await startTestCluster();
  http = new HttpClient({ url: c.cluster.url, token: c.cluster.token, caPem: c.cluster.caPem });
  inproc = c.cluster.inProcessClient();
});
after(async () => {
  http?.close();
  inproc?.close();
  await c?.stop();
});

async function exercise(client: Client, tag: string): Promise<string[]> {
  const seen: string[] = [];
  const list0 = await client.list(R.configmaps, 'default', { labelSelector: `t=${tag}` });
  const w = await client.watch(R.configmaps, 'default', { labelSelector: `t=${tag}`, resourceVersion: list0.metadata.resourceVersion });
  const it = w[Symbol.asyncIterator]();
  const obj: any = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${tag}`, labels: { t: tag } }, data: { a: '1' } };
  const created = await client.create(R.configmaps, 'default', obj);
  assert.equal(obj.metadata.uid, undefined, 'caller object not mutated');
  assert.equal(created.metadata.name, `cm-${tag}`);
  const got = await client.get(R.configmaps, 'default', `cm-${tag}`);
  assert.equal(got.metadata.uid, created.metadata.uid);
  const patched = await client.patch(R.configmaps, 'default', `cm-${tag}`, 'merge', { data: { a: '2' } });
  assert.equal((patched as any).data.a, '2');
  const updated = await client.update(R.configmaps, 'default', { ...patched, data: { a: '3' } } as any);
  assert.equal((updated as any).data.a, '3');
  await assert.rejects(client.update(R.configmaps, 'default', { ...patched, data: { a: '4' } } as any), (e: unknown) => e instanceof ApiError && e.code === 409);
  await assert.rejects(client.get(R.configmaps, 'default', 'nope'), (e: unknown) => e instanceof ApiError && e.code === 404 && e.message === 'configmaps "nope" not found');
  await client.delete(R.configmaps, 'default', `cm-${tag}`);
  for (let i = 0; i < 4; i++) {
    const r = await it.next();
    seen.push(`${r.value.type} ${(r.value.object as any).data?.a}`);
  }
  w.stop();
  const end = await it.next();
  assert.equal(end.done, true);
  return seen;
}

test('HttpClient and InProcessClient behave the same', async () => {
  const a = await exercise(http, 'http');
  const b = await exercise(inproc, 'inproc');
  assert.deepEqual(a, ['ADDED 1', 'MODIFIED 2', 'MODIFIED 3', 'DELETED 3']);
  assert.deepEqual(b, a);
});
