// HttpClient against a small local HTTP server (plain HTTP on 127.0.0.1:0; the TLS path is the
// same code with node:https and is exercised by the integration tests).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpClient, resourcePath } from '../../../src/client/http.js';
import { R } from '../../../src/client/types.js';
import { ApiError } from '../../../src/machinery/errors.js';

interface Seen { method: string; url: string; auth?: string; type?: string; body: string }
const seen: Seen[] = [];
let server: http.Server;
let client: HttpClient;
let hold: http.ServerResponse | undefined;

before(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, type: req.headers['content-type'], body });
      const url = new URL(req.url!, 'http://x');
      if (url.searchParams.get('watch') === 'true') {
        if (url.searchParams.get('resourceVersion') === 'hang') {
          hold = res; // never answers: close() must still end it
          return;
        }
        res.writeHead(200, { 'Content-Type': 'application/json' });
        // One event split across chunks, two in one chunk, then a 410 ERROR.
        res.write('{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"5"}}}\n{"type":"MODI');
        setTimeout(() => {
          res.write('FIED","object":{"metadata":{"name":"a","resourceVersion":"6"}}}\n{"type":"DELETED","object":{"metadata":{"name":"a","resourceVersion":"7"}}}\n');
          res.end('{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (7)","reason":"Expired","code":410}}\n');
        }, 10);
        return;
      }
      if (url.pathname.endsWith('/missing')) {
        res.writeHead(404, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "missing" not found', reason: 'NotFound', details: { name: 'missing', kind: 'pods' }, code: 404 }));
        return;
      }
      if (url.pathname.endsWith('/plain')) {
        res.writeHead(502);
        res.end('bad gateway');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(body || JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '9' }, items: [] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  client = new HttpClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 'secret' });
});

after(async () => {
  client.close();
  hold?.destroy();
  await new Promise((r) => server.close(r));
});

test('paths follow the API layout', () => {
  assert.equal(resourcePath(R.pods, 'default', 'web-0'), '/api/v1/namespaces/default/pods/web-0');
  assert.equal(resourcePath(R.statefulsets, 'ns', 'web', 'status'), '/apis/apps/v1/namespaces/ns/statefulsets/web/status');
  assert.equal(resourcePath(R.nodes, undefined), '/api/v1/nodes');
});

test('requests carry the bearer token, JSON bodies, patch content types and query options', async () => {
  seen.length = 0;
  const list = await client.list(R.pods, 'default', { labelSelector: 'app=web', limit: 5 });
  assert.equal(list.metadata.resourceVersion, '9');
  await client.create(R.pods, 'default', { metadata: { name: 'p' } }, { dryRun: true });
  await client.patch(R.statefulsets, 'default', 'web', 'strategic', { spec: { replicas: 2 } }, { subresource: 'scale' });
  await client.delete(R.pods, 'default', 'p', { preconditions: { uid: 'u1' }, gracePeriodSeconds: 0 });
  assert.deepEqual(seen.map((s) => `${s.method} ${s.url}`), [
    'GET /api/v1/namespaces/default/pods?labelSelector=app%3Dweb&limit=5',
    'POST /api/v1/namespaces/default/pods?dryRun=All',
    'PATCH /apis/apps/v1/namespaces/default/statefulsets/web/scale',
    'DELETE /api/v1/namespaces/default/pods/p',
  ]);
  assert.ok(seen.every((s) => s.auth === 'Bearer secret'));
  assert.equal(seen[2]!.type, 'application/strategic-merge-patch+json');
  assert.deepEqual(JSON.parse(seen[3]!.body), { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0, preconditions: { uid: 'u1' } });
});

test('errors become ApiError with the server Status (or a synthesised one)', async () => {
  await assert.rejects(client.get(R.pods, 'default', 'missing'), (e: unknown) => e instanceof ApiError && e.code === 404 && e.reason === 'NotFound' && e.message === 'pods "missing" not found');
  await assert.rejects(client.get(R.pods, 'default', 'plain'), (e: unknown) => e instanceof ApiError && e.code === 502 && e.message === 'bad gateway');
});

test('watch yields events across chunk boundaries, the ERROR Status, then ends', async () => {
  const w = await client.watch(R.pods, 'default', { resourceVersion: '4', allowWatchBookmarks: true });
  const got: string[] = [];
  for await (const e of w) got.push(`${e.type} ${e.object.metadata.resourceVersion ?? (e.object as unknown as { code: number }).code}`);
  assert.deepEqual(got, ['ADDED 5', 'MODIFIED 6', 'DELETED 7', 'ERROR 410']);
  assert.match(seen[seen.length - 1]!.url, /watch=true&resourceVersion=4&allowWatchBookmarks=true/);
});

test('close() ends a watch whose headers never came', async () => {
  const p = client.watch(R.pods, 'default', { resourceVersion: 'hang' });
  await new Promise((r) => setTimeout(r, 30));
  client.close();
  await assert.rejects(p, (e: unknown) => e instanceof ApiError && e.code === 503);
});
