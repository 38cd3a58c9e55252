import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Backoff, goDuration } from '../../../src/node/backoff.js';
import { ProbeManager, ProbeState, runProbe, type ProbeKind } from '../../../src/node/probes.js';
import type { Runtime, ExecResult } from '../../../src/node/runtime/types.js';

test('back-off: first failure restarts at once, then 10s doubling to 5m; reset after 10 min idle', () => {
  const b = new Backoff();
  const t = 1_000_000;
  assert.equal(b.isInBackOffSince('c', t, t), false); // first crash: restart now
  assert.equal(b.next('c', t), 10_000);
  assert.equal(b.isInBackOffSince('c', t + 1000, t + 1000), true); // second crash soon after: back off
  assert.equal(b.isInBackOffSince('c', t + 1000, t + 11_000), false);
  const seq = [20_000, 40_000, 80_000, 160_000, 300_000, 300_000];
  for (const want of seq) assert.equal(b.next('c', t + 2000), want);
  assert.equal(b.remaining('c', t + 2000, t + 2000), 300_000);
  // A failure more than 2 × max after the last one starts over.
  assert.equal(b.isInBackOffSince('c', t + 2000 + 600_001, t + 2000 + 600_001), false);
  assert.equal(b.next('c', t + 2000 + 600_001), 10_000);
  assert.equal(b.isInBackOffSinceUpdate('c', t + 2000 + 600_002), true);
  b.forget('c');
  assert.equal(b.get('c'), 0);
  assert.equal(goDuration(10_000), '10s');
  assert.equal(goDuration(80_000), '1m20s');
  assert.equal(goDuration(300_000), '5m0s');
});

test('probe thresholds: readiness starts false, liveness true; flips after consecutive outcomes', () => {
  const r = new ProbeState('readiness', { successThreshold: 2, failureThreshold: 2 });
  assert.equal(r.result, false);
  assert.equal(r.observe(true), false);
  assert.equal(r.observe(true), true);
  assert.equal(r.result, true);
  assert.equal(r.observe(false), false);
  assert.equal(r.observe(true), false);
  assert.equal(r.observe(false), false);
  assert.equal(r.observe(false), true);
  assert.equal(r.result, false);
  const l = new ProbeState('liveness', {});
  assert.equal(l.result, true);
  l.observe(false); l.observe(false);
  assert.equal(l.result, true);
  assert.equal(l.observe(false), true); // failureThreshold defaults to 3
  assert.equal(l.result, false);
});

function fakeRuntime(exec: (cmd: string[]) => ExecResult, sim?: Runtime['simulatedProbe']): Runtime {
  return { name: 'cri', execSync: async (_id: string, cmd: string[]) => exec(cmd), simulatedProbe: sim } as unknown as Runtime;
}
const res = (code: number, out = '') => ({ stdout: Buffer.from(out), stderr: Buffer.alloc(0), exitCode: code });

test('exec, httpGet and tcpSocket probes run for real', async () => {
  const rt = fakeRuntime((cmd) => (cmd[1] === 'ok' ? res(0) : res(1, 'nope\n')));
  const c = { name: 'c', ports: [{ name: 'web', containerPort: 0 }] };
  assert.deepEqual(await runProbe(rt, { exec: { command: ['x', 'ok'] } }, { containerId: 'i', container: c }), { ok: true, output: '' });
  assert.deepEqual(await runProbe(rt, { exec: { command: ['x', 'bad'] } }, { containerId: 'i', container: c }), { ok: false, output: 'nope\n' });
  const srv = createServer((req, rs) => { rs.statusCode = req.url === '/healthz' ? 200 : 500; rs.end('x'); });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  try {
    c.ports[0]!.containerPort = port;
    assert.equal((await runProbe(rt, { httpGet: { path: '/healthz', port: 'web' } }, { containerId: 'i', podIP: '127.0.0.1', container: c })).ok, true);
    assert.deepEqual(await runProbe(rt, { httpGet: { path: '/bad', port } }, { containerId: 'i', podIP: '127.0.0.1', container: c }), { ok: false, output: 'HTTP probe failed with statuscode: 500' });
    assert.equal((await runProbe(rt, { tcpSocket: { port } }, { containerId: 'i', podIP: '127.0.0.1', container: c })).ok, true);
  } finally {
    await new Promise((r) => srv.close(r));
  }
  const closed = await runProbe(rt, { tcpSocket: { port } }, { containerId: 'i', podIP: '127.0.0.1', container: c });
  assert.deepEqual(closed, { ok: false, output: `dial tcp 127.0.0.1:${port}: connect: connection refused` });
  const http = await runProbe(rt, { httpGet: { port, path: '/' } }, { containerId: 'i', podIP: '127.0.0.1', container: c });
  assert.equal(http.output, `Get "http://127.0.0.1:${port}/": dial tcp 127.0.0.1:${port}: connect: connection refused`);
});

test('manager: liveness failure after failureThreshold is reported once; readiness follows; startup gates them', async () => {
  let healthy = true;
  const rt = fakeRuntime((cmd) => (cmd[0] === 'live' ? res(healthy ? 0 : 1, 'dead') : res(0)));
  const changes: string[] = [];
  const failures: string[] = [];
  const m = new ProbeManager(rt, {
    changed: (_p, _c, kind: ProbeKind, result) => changes.push(`${kind}=${result}`),
    failed: (_p, _c, kind, out) => failures.push(`${kind}:${out}`),
  }, { secondMs: 10 });
  const container = {
    name: 'c',
    startupProbe: { exec: { command: ['start'] }, periodSeconds: 1 },
    livenessProbe: { exec: { command: ['live'] }, periodSeconds: 1, failureThreshold: 2 },
    readinessProbe: { exec: { command: ['ready'] }, periodSeconds: 1, initialDelaySeconds: 3 },
  };
  m.add('default/p', container, 'cid', Date.now(), () => '10.0.0.1');
  await new Promise((r) => setTimeout(r, 120));
  assert.equal(m.result('cid', 'startup'), true);
  assert.equal(m.result('cid', 'readiness'), true);
  assert.equal(m.result('cid', 'liveness'), true);
  assert.deepEqual(changes.slice(0, 1), ['startup=true']);
  assert.ok(changes.includes('readiness=true'));
  healthy = false;
  await new Promise((r) => setTimeout(r, 120));
  assert.equal(m.result('cid', 'liveness'), false);
  assert.equal(changes.filter((c) => c === 'liveness=false').length, 1);
  assert.equal(failures.filter((f) => f === 'liveness:dead').length, 2, 'the worker stops after the failure that restarts the container');
  m.remove('cid');
  assert.equal(m.has('cid', 'readiness'), false);
  m.stop();
});

test('manager: the runtime may decide a probe (sim readiness annotations)', async () => {
  let ready = false;
  const rt = fakeRuntime(() => res(0), (_id, kind) => (kind === 'readiness' ? ready : undefined));
  const m = new ProbeManager(rt, { changed: () => {}, failed: () => {} }, { secondMs: 10 });
  m.add('default/p', { name: 'c', readinessProbe: { httpGet: { port: 80 }, periodSeconds: 1, failureThreshold: 1 } }, 'cid', Date.now(), () => '10.0.0.1');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(m.result('cid', 'readiness'), false);
  ready = true;
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(m.result('cid', 'readiness'), true);
  ready = false;
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(m.result('cid', 'readiness'), false);
  m.stop();
});

test('grpc probe: grpc.health.v1 Check against a loopback server (SERVING / NOT_SERVING)', async () => {
  const grpc = await import('@grpc/grpc-js');
  let status = 1;
  let asked = '';
  const server = new grpc.Server();
  const id = (b: Buffer) => b;
  server.addService({
    Check: { path: '/grpc.health.v1.Health/Check', requestStream: false, responseStream: false, requestSerialize: id, requestDeserialize: id, responseSerialize: id, responseDeserialize: id },
  } as never, {
    Check: (call: { request: Buffer }, cb: (e: null, r: Buffer) => void) => {
      asked = call.request.length > 2 ? call.request.subarray(2).toString() : '';
      cb(null, Buffer.from([0x08, status]));
    },
  } as never);
  const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  try {
    const rt = fakeRuntime(() => res(0));
    const target = { containerId: 'i', podIP: '127.0.0.1', container: { name: 'c' } };
    assert.deepEqual(await runProbe(rt, { grpc: { port, service: 'db' }, timeoutSeconds: 2 }, target), { ok: true, output: '' });
    assert.equal(asked, 'db');
    status = 2;
    assert.deepEqual(await runProbe(rt, { grpc: { port }, timeoutSeconds: 2 }, target), { ok: false, output: 'service unhealthy (responded with "NOT_SERVING")' });
  } finally {
    server.forceShutdown();
  }
});
