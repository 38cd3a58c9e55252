// The node agent with the simulated runtime over the real API server: API + scheduler + endpoints
// controller + two in-process agents (two nodes). Pods go Pending → ContainerCreating → Running,
// logs land in the CRI log file, crash loops back off, readiness follows the sim annotation,
// deletion is graceful, the scheduler spreads pods, and a stopped agent's node goes Unknown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import https from 'node:https';
import type { Pod, Node } from 'kubernetes-types/core/v1.js';
import { startCluster, type Cluster } from '../../src/cli/cluster.js';
import { endpointsComponent, schedulerComponent } from '../../src/cli/components.js';
import { nodeAgentComponent } from '../../src/cli/agent.js';
import { HttpClient } from '../../src/client/http.js';
import { R } from '../../src/client/types.js';
import type { KubeObject } from '../../src/machinery/object.js';
import { podStatusCells } from '../../src/api/kinds/pod.js';
import { NodeAgent } from '../../src/node/agent.js';
import { SimRuntime } from '../../src/node/runtime/sim.js';
import { startNodeLifecycleController, type NodeLifecycleController } from '../../src/controllers/nodelifecycle/controller.js';
import { eventually as eventually_ } from '../eventually.js';

let dir: string;
let cluster: Cluster;
let client: HttpClient;
let lifecycle: NodeLifecycleController;
/** agentB's component (started by its test): stopping it releases the shared informers it took. */
let agentBHandle: { stop(): Promise<void> | void } | undefined;
const agentA = nodeAgentComponent({ nodeName: 'node-a', nodeIP: '127.0.0.1', syncMs: 200, crashBackoffMs: { initial: 400, max: 1600 }, probeSecondMs: 100, leaseRenewMs: 200, statusUpdateMs: 500 });
const agentB = nodeAgentComponent({ nodeName: 'node-b', nodeIP: '127.0.0.1', syncMs: 200, crashBackoffMs: { initial: 400, max: 1600 }, probeSecondMs: 100, leaseRenewMs: 200, statusUpdateMs: 500 });

const as = <T>(o: unknown) => o as T;

const eventually = <T>(what: string, f: () => Promise<T | undefined | null | false>, ms = 10000): Promise<T> =>
  eventually_(what, f, { timeoutMs: ms, everyMs: 50 });

const getPod = async (name: string) => as<Pod>(await client.get(R.pods, 'default', name));
const cells = (p: Pod) => podStatusCells(p as Parameters<typeof podStatusCells>[0], new Date());


/** GET a pod's log through the API server (as kubectl does). */
function podLog(name: string, query = ''): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(`${cluster.url}/api/v1/namespaces/default/pods/${name}/log${query ? `?${query}` : ''}`, { ca: cluster.caPem, headers: { Authorization: `Bearer ${cluster.token}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ordinal-node-sim-'));
  cluster = await startCluster({
    dataDir: dir, listen: '127.0.0.1:0', runtime: 'sim', storage: 'memory', log: () => {},
    components: [endpointsComponent, schedulerComponent, agentA],
  });
  client = new HttpClient({ url: cluster.url, token: cluster.token, caPem: cluster.caPem });
});

after(async () => {
  lifecycle?.stop();
  await agentBHandle?.stop();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the node registers with labels, capacity, pod CIDR, Ready condition and a Lease', async () => {
  const node = as<Node>(await client.get(R.nodes, undefined, 'node-a'));
  assert.equal(node.metadata?.labels?.['kubernetes.io/hostname'], 'node-a');
  assert.equal(node.metadata?.labels?.['kubernetes.io/os'], 'linux');
  assert.ok(node.metadata?.labels?.['kubernetes.io/arch']);
  assert.equal(node.spec?.podCIDR, '10.244.0.0/24');
  assert.equal(node.status?.capacity?.pods, '110');
  assert.equal(node.status?.nodeInfo?.kubeletVersion, 'v1.32.0');
  assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  assert.deepEqual(node.status?.addresses, [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: 'node-a' }]);
  const lease = await client.get(R.leases, 'kube-node-lease', 'node-a') as KubeObject & { spec: { holderIdentity: string; renewTime: string } };
  assert.equal(lease.spec.holderIdentity, 'node-a');
  assert.match(lease.spec.renewTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
});

test('a pod goes Pending → ContainerCreating → Running 1/1, with podIP, and its echo lands in the log file', async () => {
  const seen: string[] = [];
  const w = await client.watch(R.pods, 'default', { fieldSelector: 'metadata.name=web-0' });
  const watching = (async () => {
    for await (const ev of w) {
      const p = as<Pod>(ev.object);
      const c = cells(p);
      const row = `${c.ready} ${c.reason}`;
      if (seen[seen.length - 1] !== row) seen.push(row);
      if (c.reason === 'Running' && c.ready === '1/1') break;
    }
  })();
  const t0 = Date.now();
  await client.create(R.pods, 'default', {
    metadata: { name: 'web-0', namespace: 'default', labels: { app: 'nginx' } },
    spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', command: ['sh', '-c', 'echo hello; echo from $(HOSTNAME); sleep 3600'], ports: [{ name: 'web', containerPort: 80 }] }] },
  } as KubeObject);
  await Promise.race([watching, new Promise((_r, rej) => setTimeout(() => rej(new Error(`no Running within 5s; saw ${seen.join(' → ')}`)), 5000))]);
  w.stop();
  const took = Date.now() - t0;
  assert.deepEqual(seen, ['0/1 Pending', '0/1 ContainerCreating', '1/1 Running']);
  assert.ok(took < 3000, `Running after ${took} ms`);
  const pod = await getPod('web-0');
  assert.equal(pod.spec?.nodeName, 'node-a');
  assert.equal(pod.status?.phase, 'Running');
  assert.match(pod.status?.podIP ?? '', /^10\.244\.0\.\d+$/);
  assert.equal(pod.status?.hostIP, '127.0.0.1');
  const cs = pod.status!.containerStatuses![0]!;
  assert.match(cs.containerID ?? '', /^sim:\/\/[0-9a-f]{64}$/);
  assert.equal(cs.ready, true);
  assert.equal(cs.started, true);
  for (const t of ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready', 'PodReadyToStartContainers']) {
    assert.equal(pod.status?.conditions?.find((c) => c.type === t)?.status, 'True', t);
  }
  const logFile = join(dir, 'agent', 'node-a', 'logs', 'pods', `default_web-0_${pod.metadata!.uid}`, 'nginx', '0.log');
  const log = await eventually('log file', async () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : undefined));
  assert.match(log, /^\d{4}-\d\d-\d\dT[\d:.]+Z stdout F hello\n/);
  assert.match(log, /stdout F from web-0\n/);
  const events = (await client.list(R.events, 'default')).items.filter((e) => as<{ involvedObject: { name: string } }>(e).involvedObject.name === 'web-0').map((e) => as<{ reason: string }>(e).reason);
  for (const r of ['Scheduled', 'Pulling', 'Pulled', 'Created', 'Started'].filter((r) => r !== 'Scheduled' || events.includes('Scheduled'))) assert.ok(events.includes(r), `event ${r} in ${events.join(',')}`);
});

test('pod logs through the API: plain, timestamps, tail; errors as upstream', async () => {
  const all = await podLog('web-0', 'container=nginx');
  assert.equal(all.code, 200);
  assert.equal(all.body, 'hello\nfrom web-0\n');
  const ts = await podLog('web-0', 'timestamps=true&tailLines=1');
  assert.match(ts.body, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z from web-0\n$/);
  const bad = await podLog('web-0', 'container=nope');
  assert.equal(bad.code, 400);
  assert.equal(JSON.parse(bad.body).message, 'container nope is not valid for pod web-0');
  const prev = await podLog('web-0', 'previous=true');
  assert.equal(prev.code, 400);
  assert.equal(JSON.parse(prev.body).message, 'previous terminated container "nginx" in pod "web-0" not found');
});

test('logs follow=true streams new lines and ends when the container exits', async () => {
  await client.create(R.pods, 'default', {
    metadata: { name: 'talker', namespace: 'default' },
    spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'echo first; sleep 1; echo second; sleep 0.5'] }] },
  } as KubeObject);
  await eventually('talker running', async () => (await getPod('talker')).status?.containerStatuses?.[0]?.state?.running);
  const t0 = Date.now();
  const r = await podLog('talker', 'follow=true');
  assert.equal(r.code, 200);
  assert.equal(r.body, 'first\nsecond\n');
  assert.ok(Date.now() - t0 >= 500, 'the stream stayed open until the container ended');
  await client.delete(R.pods, 'default', 'talker', { gracePeriodSeconds: 0 });
});

test('readiness follows the sim annotation; endpoints follow readiness', async () => {
  await client.create(R.services, 'default', { metadata: { name: 'nginx', namespace: 'default' }, spec: { selector: { app: 'nginx' }, ports: [{ name: 'web', port: 80 }] } } as KubeObject);
  const ready = async (want: boolean) => eventually(`web-0 ready=${want}`, async () => {
    const p = await getPod('web-0');
    return p.status?.conditions?.find((c) => c.type === 'Ready')?.status === (want ? 'True' : 'False') ? p : undefined;
  });
  await ready(true);
  await client.patch(R.pods, 'default', 'web-0', 'merge', { metadata: { annotations: { 'sim.ordinal.dev/readiness': 'false' } } });
  const unready = await ready(false);
  assert.equal(cells(unready).ready, '0/1');
  assert.equal(unready.status?.phase, 'Running');
  await eventually('endpoint not ready', async () => {
    const ep = await client.get(R.endpoints, 'default', 'nginx') as KubeObject & { subsets?: { addresses?: unknown[]; notReadyAddresses?: unknown[] }[] };
    return (ep.subsets?.[0]?.notReadyAddresses?.length ?? 0) === 1 && !ep.subsets?.[0]?.addresses?.length;
  });
  await client.patch(R.pods, 'default', 'web-0', 'merge', { metadata: { annotations: { 'sim.ordinal.dev/readiness': null } } });
  await ready(true);
});

test('a container that keeps exiting crash-loops: restartCount grows, CrashLoopBackOff with lastState', async () => {
  await client.create(R.pods, 'default', {
    metadata: { name: 'crasher', namespace: 'default', annotations: { 'sim.ordinal.dev/exit-after': '100ms', 'sim.ordinal.dev/exit-code': '3' } },
    spec: { containers: [{ name: 'app', image: 'busybox:1.36' }] },
  } as KubeObject);
  const looping = await eventually('CrashLoopBackOff with restarts ≥ 2', async () => {
    const p = await getPod('crasher');
    const cs = p.status?.containerStatuses?.[0];
    return cs?.state?.waiting?.reason === 'CrashLoopBackOff' && (cs.restartCount ?? 0) >= 2 ? p : undefined;
  }, 15_000);
  const cs = looping.status!.containerStatuses![0]!;
  assert.equal(cs.lastState?.terminated?.exitCode, 3);
  assert.equal(cs.lastState?.terminated?.reason, 'Error');
  assert.match(cs.state!.waiting!.message!, /^back-off \d+s restarting failed container=app pod=crasher_default\(/);
  assert.equal(cells(looping).reason, 'CrashLoopBackOff');
  assert.equal(looping.status?.phase, 'Running');
  const events = (await client.list(R.events, 'default')).items.filter((e) => as<{ involvedObject: { name: string } }>(e).involvedObject.name === 'crasher');
  assert.ok(events.some((e) => as<{ reason: string; message: string }>(e).reason === 'BackOff' && /Back-off restarting failed container app in pod crasher_default/.test(as<{ message: string }>(e).message)));
  await client.delete(R.pods, 'default', 'crasher', { gracePeriodSeconds: 0 });
});

test('restartPolicy Never: a command that exits 0 completes the pod (Succeeded, Completed)', async () => {
  await client.create(R.pods, 'default', {
    metadata: { name: 'job', namespace: 'default' },
    spec: { restartPolicy: 'Never', initContainers: [{ name: 'init', image: 'busybox', command: ['sh', '-c', 'echo init'] }], containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'echo done; exit 0'] }] },
  } as KubeObject);
  const done = await eventually('Succeeded', async () => {
    const p = await getPod('job');
    return p.status?.phase === 'Succeeded' ? p : undefined;
  });
  assert.equal(cells(done).reason, 'Completed');
  assert.equal(done.status?.initContainerStatuses?.[0]?.state?.terminated?.exitCode, 0);
});

test('a missing ConfigMap key is CreateContainerConfigError with the upstream message', async () => {
  await client.create(R.pods, 'default', {
    metadata: { name: 'cfg', namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'busybox', env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'settings', key: 'a' } } }] }] },
  } as KubeObject);
  const p = await eventually('CreateContainerConfigError', async () => {
    const p = await getPod('cfg');
    return p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError' ? p : undefined;
  });
  assert.equal(p.status!.containerStatuses![0]!.state!.waiting!.message, 'configmap "settings" not found');
  assert.equal(cells(p).reason, 'CreateContainerConfigError');
  await client.create(R.configmaps, 'default', { metadata: { name: 'settings', namespace: 'default' }, data: { a: '1' } } as KubeObject);
  await eventually('running once the ConfigMap exists', async () => (await getPod('cfg')).status?.phase === 'Running');
  await client.delete(R.pods, 'default', 'cfg', { gracePeriodSeconds: 0 });
});

test('liveness failure kills and restarts the container with the upstream events', async () => {
  await client.create(R.pods, 'default', {
    metadata: { name: 'sick', namespace: 'default', annotations: { 'sim.ordinal.dev/liveness': 'false' } },
    spec: { containers: [{ name: 'app', image: 'busybox:1.36', livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1, failureThreshold: 2 } }] },
  } as KubeObject);
  const p = await eventually('restarted by liveness', async () => {
    const p = await getPod('sick');
    return (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 ? p : undefined;
  });
  assert.ok(p.status!.containerStatuses![0]!.lastState?.terminated, 'the killed attempt is the last state');
  const events = (await client.list(R.events, 'default')).items.filter((e) => as<{ involvedObject: { name: string } }>(e).involvedObject.name === 'sick').map((e) => as<{ reason: string; message: string }>(e));
  assert.ok(events.some((e) => e.reason === 'Unhealthy' && /^Liveness probe failed: Get "http:\/\/10\.244\.0\.\d+:8080\/healthz": dial tcp .*connection refused$/.test(e.message)), JSON.stringify(events));
  assert.ok(events.some((e) => e.reason === 'Killing' && e.message === 'Container app failed liveness probe, will be restarted'));
  await client.delete(R.pods, 'default', 'sick', { gracePeriodSeconds: 0 });
});

test('a pull failure is ErrImagePull then ImagePullBackOff', async () => {
  await client.create(R.pods, 'default', { metadata: { name: 'badimg', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'registry.example/doesnotexist:1' }] } } as KubeObject);
  const seen = new Set<string>();
  await eventually('ImagePullBackOff', async () => {
    const p = await getPod('badimg');
    const r = p.status?.containerStatuses?.[0]?.state?.waiting?.reason;
    if (r) seen.add(r);
    return r === 'ImagePullBackOff' ? p : undefined;
  });
  const events = (await client.list(R.events, 'default')).items.filter((e) => as<{ involvedObject: { name: string } }>(e).involvedObject.name === 'badimg').map((e) => as<{ reason: string; message: string }>(e));
  assert.ok(events.some((e) => e.reason === 'Failed' && e.message.startsWith('Failed to pull image "registry.example/doesnotexist:1": ')));
  assert.ok(events.some((e) => e.reason === 'BackOff' && e.message === 'Back-off pulling image "registry.example/doesnotexist:1"'));
  await client.delete(R.pods, 'default', 'badimg', { gracePeriodSeconds: 0 });
});

test('a hostPort already taken on the node: the pod is rejected (Failed, NodePorts)', async () => {
  const mk = (name: string) => ({ metadata: { name, namespace: 'default' }, spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'busybox', ports: [{ containerPort: 80, hostPort: 8081 }] }] } } as KubeObject);
  await client.create(R.pods, 'default', mk('hp-1'));
  await eventually('hp-1 running', async () => (await getPod('hp-1')).status?.phase === 'Running');
  await client.create(R.pods, 'default', mk('hp-2'));
  const p = await eventually('hp-2 rejected', async () => {
    const p = await getPod('hp-2');
    return p.status?.phase === 'Failed' ? p : undefined;
  });
  assert.equal(p.status?.reason, 'NodePorts');
  assert.equal(p.status?.message, 'Pod was rejected: Predicate NodePorts failed');
  assert.equal(cells(p).reason, 'NodePorts');
  await client.delete(R.pods, 'default', 'hp-1', { gracePeriodSeconds: 0 });
  await client.delete(R.pods, 'default', 'hp-2', { gracePeriodSeconds: 0 });
});

test('deleting a pod terminates it gracefully and the agent finishes the deletion', async () => {
  const before = await getPod('web-0');
  await client.delete(R.pods, 'default', 'web-0');
  const w = await client.watch(R.pods, 'default', { fieldSelector: 'metadata.name=web-0', resourceVersion: before.metadata!.resourceVersion });
  let sawTerminating = false;
  let deleted = false;
  const t = setTimeout(() => w.stop(), 5000);
  for await (const ev of w) {
    if (ev.type === 'DELETED') { deleted = true; break; }
    if (cells(as<Pod>(ev.object)).reason === 'Terminating') sawTerminating = true;
  }
  clearTimeout(t);
  assert.ok(sawTerminating, 'Terminating shown');
  assert.ok(deleted, 'the pod is gone within the grace period (the sim honours SIGTERM)');
  await eventually('pod directory removed', async () => !existsSync(join(dir, 'agent', 'node-a', 'pods', before.metadata!.uid!)));
});

test('a restarted agent adopts the sandboxes of live pods and removes the rest', async () => {
  const runtime = new SimRuntime({ podCIDR: '10.244.9.0/24' });
  const mk = () => new NodeAgent({ client, nodeName: 'node-r', nodeIP: '127.0.0.1', dataDir: join(dir, 'agent-r'), runtime, syncMs: 200, labels: { role: 'restart' } });
  let agent = mk();
  await agent.start();
  for (const name of ['keep', 'gone']) {
    await client.create(R.pods, 'default', { metadata: { name, namespace: 'default' }, spec: { nodeName: 'node-r', containers: [{ name: 'c', image: 'busybox' }] } } as KubeObject);
  }
  const running = async (name: string) => eventually(`${name} running`, async () => {
    const p = await getPod(name);
    return p.status?.containerStatuses?.[0]?.state?.running ? p : undefined;
  });
  const keep = await running('keep');
  await running('gone');
  await agent.stop();
  // While the agent is down, one pod is force-deleted.
  await client.delete(R.pods, 'default', 'gone', { gracePeriodSeconds: 0 });
  assert.equal((await runtime.listPodSandboxes()).length, 2);
  agent = mk();
  await agent.start();
  const sandboxes = await runtime.listPodSandboxes();
  assert.deepEqual(sandboxes.map((s) => s.labels['io.kubernetes.pod.name']), ['keep']);
  await new Promise((r) => setTimeout(r, 500));
  const after = await getPod('keep');
  assert.equal(after.status!.containerStatuses![0]!.containerID, keep.status!.containerStatuses![0]!.containerID, 'same container, not restarted');
  assert.equal(after.status!.containerStatuses![0]!.restartCount, 0);
  assert.equal(after.status!.podIP, keep.status!.podIP);
  await client.delete(R.pods, 'default', 'keep');
  await eventually('keep deleted', async () => client.get(R.pods, 'default', 'keep').then(() => undefined, () => true));
  assert.equal((await runtime.listPodSandboxes()).length, 0);
  await agent.stop();
  await client.delete(R.nodes, undefined, 'node-r');
});

test('a second node gets pods spread by the scheduler; a stopped agent goes NotReady/Unknown', async () => {
  agentBHandle = await agentB.start({ ...(cluster as unknown as object), url: cluster.url, token: cluster.token, caPem: cluster.caPem, dataDir: dir, log: () => {}, opts: { dataDir: dir }, addConnectHandler: () => {} } as never);
  const b = agentB.agent as NodeAgent;
  const nodeB = as<Node>(await client.get(R.nodes, undefined, 'node-b'));
  assert.equal(nodeB.spec?.podCIDR, '10.244.1.0/24', 'pod CIDRs do not collide');
  for (let i = 0; i < 4; i++) {
    await client.create(R.pods, 'default', { metadata: { name: `spread-${i}`, namespace: 'default', labels: { app: 'spread' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } as KubeObject);
  }
  const pods = await eventually('4 Running', async () => {
    const list = (await client.list(R.pods, 'default', { labelSelector: 'app=spread' })).items.map((p) => as<Pod>(p));
    return list.every((p) => p.status?.phase === 'Running') && list.length === 4 ? list : undefined;
  });
  const nodes = new Set(pods.map((p) => p.spec?.nodeName));
  assert.deepEqual([...nodes].sort(), ['node-a', 'node-b']);
  for (const p of pods.filter((p) => p.spec?.nodeName === 'node-b')) assert.match(p.status!.podIP!, /^10\.244\.1\./);

  await client.create(R.pods, 'default', {
    metadata: { name: 'short-tolerance', namespace: 'default' },
    spec: { nodeName: 'node-b', tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 }], containers: [{ name: 'c', image: 'busybox' }] },
  } as KubeObject);
  await eventually('short-tolerance running', async () => (await getPod('short-tolerance')).status?.phase === 'Running');

  lifecycle = startNodeLifecycleController(client, { gracePeriodMs: 1500, monitorPeriodMs: 200, log: () => {} });
  await b.stop();
  const unknown = await eventually('node-b Ready=Unknown and tainted', async () => {
    const n = as<Node>(await client.get(R.nodes, undefined, 'node-b'));
    const c = n.status?.conditions?.find((c) => c.type === 'Ready');
    return c?.status === 'Unknown' && n.spec?.taints?.length ? n : undefined;
  }, 10_000);
  const ready = unknown.status!.conditions!.find((c) => c.type === 'Ready')!;
  assert.equal(ready.reason, 'NodeStatusUnknown');
  assert.equal(ready.message, 'Kubelet stopped posting node status.');
  assert.ok(unknown.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute' && t.timeAdded));
  assert.ok(unknown.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoSchedule'));
  const a = as<Node>(await client.get(R.nodes, undefined, 'node-a'));
  assert.equal(a.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True', 'the live node stays Ready');
  // Pods there are NotReady; the one with a 1 s toleration is evicted, the 300 s ones stay.
  const evicted = await eventually('short-tolerance evicted', async () => {
    const p = await getPod('short-tolerance');
    return p.metadata?.deletionTimestamp ? p : undefined;
  }, 10_000);
  const dt = evicted.status?.conditions?.find((c) => c.type === 'DisruptionTarget');
  assert.equal(dt?.status, 'True');
  assert.equal(dt?.reason, 'DeletionByTaintManager');
  assert.equal(evicted.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
  assert.equal(cells(evicted).reason, 'Terminating');
  for (const p of pods.filter((p) => p.spec?.nodeName === 'node-b')) {
    const cur = await getPod(p.metadata!.name!);
    assert.equal(cur.metadata?.deletionTimestamp, undefined, 'default 300 s toleration not yet over');
    assert.equal(cur.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
  }
});
