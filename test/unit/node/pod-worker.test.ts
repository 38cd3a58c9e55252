// The pod worker state machine against the in-memory FakeClient and the sim runtime (fast timings):
// init containers in order, restart policies, back-off, graceful termination, status history.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { FakeClient } from '../../../src/client/fake.js';
import { R } from '../../../src/client/types.js';
import { MemoryRecorder } from '../../../src/client/events.js';
import type { KubeObject } from '../../../src/machinery/object.js';
import { NodeAgent } from '../../../src/node/agent.js';
import { SimRuntime } from '../../../src/node/runtime/sim.js';
import { podStatusCells } from '../../../src/api/kinds/pod.js';
import { eventually as eventually_ } from '../../eventually.js';

let dir: string;
let client: FakeClient;
let agent: NodeAgent;
let runtime: SimRuntime;
const recorder = new MemoryRecorder();
const history = new Map<string, string[]>();

const as = <T>(o: unknown) => o as T;
const cells = (p: Pod) => podStatusCells(p as Parameters<typeof podStatusCells>[0], new Date());

const eventually = <T>(what: string, f: () => Promise<T | undefined | null | false>, ms = 5000): Promise<T> =>
  eventually_(what, f, { timeoutMs: ms, everyMs: 20, context: () => `history ${JSON.stringify(Object.fromEntries(history))}` });

const getPod = async (name: string) => as<Pod>(await client.get(R.pods, 'default', name));
const create = (name: string, spec: Partial<NonNullable<Pod['spec']>>, annotations?: Record<string, string>) =>
  client.create(R.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', annotations }, spec: { nodeName: 'n1', containers: [], ...spec }, status: { phase: 'Pending', qosClass: 'BestEffort' } } as unknown as KubeObject);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ordinal-podworker-'));
  client = new FakeClient();
  await client.create(R.namespaces, undefined, { metadata: { name: 'default' } } as KubeObject);
  runtime = new SimRuntime({ podCIDR: '10.244.0.0/24', pullDelayMs: 5, startDelayMs: 5 });
  agent = new NodeAgent({ client, nodeName: 'n1', nodeIP: '192.0.2.10', dataDir: dir, runtime, recorder, syncMs: 50, crashBackoffMs: { initial: 200, max: 400 }, hostResolvConf: '' });
  await agent.start();
  // Every status the agent writes, as the STATUS column shows it.
  const w = await client.watch(R.pods, 'default');
  void (async () => {
    for await (const ev of w) {
      const p = as<Pod>(ev.object);
      const h = history.get(p.metadata!.name!) ?? [];
      const row = `${cells(p).ready} ${cells(p).reason}`;
      if (h[h.length - 1] !== row) h.push(row);
      history.set(p.metadata!.name!, h);
    }
  })();
});

after(async () => {
  await agent.stop();
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
});

test('node registration on the fake API: labels, podCIDR, Ready', async () => {
  const n = await client.get(R.nodes, undefined, 'n1') as KubeObject & { spec: { podCIDR: string }; status: { conditions: { type: string; status: string }[] } };
  assert.equal(n.spec.podCIDR, '10.244.0.0/24');
  assert.equal(n.metadata.labels?.['kubernetes.io/hostname'], 'n1');
  assert.equal(n.status.conditions.find((c) => c.type === 'Ready')?.status, 'True');
});

test('init containers run one at a time, in order, before the main container', async () => {
  await create('inits', {
    initContainers: [{ name: 'first', image: 'busybox', command: ['sh', '-c', 'sleep 0.2; echo one'] }, { name: 'second', image: 'busybox', command: ['sh', '-c', 'echo two'] }],
    containers: [{ name: 'main', image: 'nginx' }],
  });
  const p = await eventually('Running', async () => { const p = await getPod('inits'); return p.status?.phase === 'Running' && cells(p).ready === '1/1' ? p : undefined; });
  const [a, b] = p.status!.initContainerStatuses!;
  assert.equal(a!.state?.terminated?.exitCode, 0);
  assert.equal(b!.state?.terminated?.exitCode, 0);
  assert.ok(Date.parse(b!.state!.terminated!.startedAt as string) >= Date.parse(a!.state!.terminated!.finishedAt as string) - 1000);
  const h = history.get('inits')!;
  assert.ok(h.includes('0/1 Init:0/2'), h.join(' → '));
  assert.equal(h[h.length - 1], '1/1 Running');
  assert.ok(h.indexOf('0/1 Init:0/2') < h.indexOf('1/1 Running'));
  const order = recorder.events.filter((e) => e.object === 'default/inits' && e.reason === 'Started').map((e) => e.message);
  assert.deepEqual(order, ['Started container first', 'Started container second', 'Started container main']);
});

test('restartPolicy OnFailure: exit 1 restarts with back-off, exit 0 completes', async () => {
  await create('onfail', { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'exit 1'] }] });
  const looping = await eventually('restarts', async () => { const p = await getPod('onfail'); return (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2 ? p : undefined; });
  assert.equal(looping.status?.phase, 'Running');
  assert.ok(recorder.events.some((e) => e.object === 'default/onfail' && e.reason === 'BackOff'));
  await create('onfail-ok', { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'echo ok'] }] });
  const ok = await eventually('Succeeded', async () => { const p = await getPod('onfail-ok'); return p.status?.phase === 'Succeeded' ? p : undefined; });
  assert.equal(ok.status!.containerStatuses![0]!.restartCount, 0);
  assert.equal(history.get('onfail-ok')!.at(-1), '0/1 Completed');
});

test('restartPolicy Never: a failing init container fails the pod; main never starts', async () => {
  await create('initfail', { restartPolicy: 'Never', initContainers: [{ name: 'i', image: 'busybox', command: ['sh', '-c', 'exit 2'] }], containers: [{ name: 'main', image: 'nginx' }] });
  const p = await eventually('Failed', async () => { const p = await getPod('initfail'); return p.status?.phase === 'Failed' ? p : undefined; });
  assert.equal(cells(p).reason, 'Init:Error');
  assert.equal(p.status!.containerStatuses![0]!.state?.waiting?.reason, 'PodInitializing');
  assert.ok(!recorder.events.some((e) => e.object === 'default/initfail' && e.message === 'Started container main'));
});

test('deletionTimestamp: containers stopped, sandbox removed, pod deleted with a uid precondition', async () => {
  await create('del', { containers: [{ name: 'c', image: 'nginx' }] });
  const p = await eventually('Running', async () => { const p = await getPod('del'); return p.status?.phase === 'Running' ? p : undefined; });
  const sandboxes = (await runtime.listPodSandboxes()).filter((s) => s.labels['io.kubernetes.pod.uid'] === p.metadata!.uid);
  assert.equal(sandboxes.length, 1);
  await client.update(R.pods, 'default', { ...(p as unknown as KubeObject), metadata: { ...p.metadata, deletionTimestamp: new Date().toISOString(), deletionGracePeriodSeconds: 30 } } as KubeObject);
  await eventually('deleted', async () => client.get(R.pods, 'default', 'del').then(() => false, () => true));
  assert.ok(client.calls.includes('delete pods default/del'));
  assert.equal((await runtime.listPodSandboxes()).filter((s) => s.labels['io.kubernetes.pod.uid'] === p.metadata!.uid).length, 0);
  assert.ok(recorder.events.some((e) => e.object === 'default/del' && e.reason === 'Killing' && e.message === 'Stopping container c'));
});

test('a pod removed from the API without graceful termination is cleaned up from the runtime', async () => {
  await create('vanish', { containers: [{ name: 'c', image: 'nginx' }] });
  const p = await eventually('Running', async () => { const p = await getPod('vanish'); return p.status?.phase === 'Running' ? p : undefined; });
  await client.delete(R.pods, 'default', 'vanish');
  await eventually('sandbox gone', async () => (await runtime.listPodSandboxes()).every((s) => s.labels['io.kubernetes.pod.uid'] !== p.metadata!.uid));
});

test('activeDeadlineSeconds: the pod fails with DeadlineExceeded and its containers stop', async () => {
  await create('deadline', { activeDeadlineSeconds: 1, containers: [{ name: 'c', image: 'nginx' }] });
  const p = await eventually('DeadlineExceeded', async () => { const p = await getPod('deadline'); return p.status?.phase === 'Failed' ? p : undefined; }, 5000);
  assert.equal(p.status?.reason, 'DeadlineExceeded');
  assert.equal(p.status?.message, 'Pod was active on the node longer than the specified deadline');
  assert.ok(p.status?.containerStatuses?.[0]?.state?.terminated, 'container terminated');
});

test('a failing postStart hook kills the container (FailedPostStartHook) and it restarts', async () => {
  await create('poststart', { containers: [{ name: 'c', image: 'nginx', lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo nope; exit 3'] } } } }] });
  await eventually('restarted', async () => { const p = await getPod('poststart'); return (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 ? p : undefined; });
  const ev = recorder.events.find((e) => e.object === 'default/poststart' && e.reason === 'FailedPostStartHook');
  assert.equal(ev?.message, "PostStartHook failed: command 'sh -c echo nope; exit 3' exited with 3: nope");
});

test('a sidecar (init container with restartPolicy Always) starts first and keeps running beside the main container', async () => {
  await create('sidecar', {
    initContainers: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always' }, { name: 'setup', image: 'busybox', command: ['sh', '-c', 'echo ok'] }],
    containers: [{ name: 'app', image: 'nginx' }],
  });
  const p = await eventually('2/2 Running', async () => { const p = await getPod('sidecar'); return cells(p).ready === '2/2' && cells(p).reason === 'Running' ? p : undefined; });
  const [proxy, setup] = p.status!.initContainerStatuses!;
  assert.ok(proxy!.state?.running, 'the sidecar still runs');
  assert.equal(proxy!.started, true);
  assert.equal(setup!.state?.terminated?.exitCode, 0);
  assert.equal(p.status?.conditions?.find((c) => c.type === 'Initialized')?.status, 'True');
  const order = recorder.events.filter((e) => e.object === 'default/sidecar' && e.reason === 'Started').map((e) => e.message);
  assert.deepEqual(order, ['Started container proxy', 'Started container setup', 'Started container app']);
});
