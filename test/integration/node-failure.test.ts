// A node dies: its agent stops, the node goes Unknown, its pods are evicted (Terminating, as
// upstream — the kubelet is not there to confirm), and once the node is marked out of service
// the StatefulSet pod is replaced on the surviving node. Short timings throughout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type Cluster } from '../../src/cli/cluster.js';
import { defaultComponents } from '../../src/cli/components.js';
import { nodeAgentComponent, nodeLifecycleComponent } from '../../src/cli/agent.js';
import { HttpClient } from '../../src/client/http.js';
import { R } from '../../src/client/types.js';
import { eventually as eventually_ } from '../eventually.js';

let dir: string;
let cluster: Cluster;
let client: HttpClient;
const agents = ['node-a', 'node-b'].map((n) => nodeAgentComponent({ nodeName: n, leaseRenewMs: 300, statusUpdateMs: 300 }));

const eventually = <T>(what: string, f: () => Promise<T | undefined | null | false>, ms = 30000): Promise<T> =>
  eventually_(what, f, { timeoutMs: ms, everyMs: 100 });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ordinal-nodefail-'));
  const comps = defaultComponents({ agent: false, omit: ['node-lifecycle-controller'] });
  cluster = await startCluster({ dataDir: dir, listen: '127.0.0.1:0', runtime: 'sim', storage: 'memory', log: () => {}, components: [...comps, nodeLifecycleComponent({ gracePeriodMs: 2000, monitorPeriodMs: 200 }), ...agents] });
  client = new HttpClient({ url: cluster.url, token: cluster.token, caPem: cluster.caPem });
});

after(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

type PodLike = { metadata: { name?: string; uid?: string; deletionTimestamp?: string }; spec?: { nodeName?: string }; status?: { phase?: string } };

test('pods of a dead node are evicted, and replaced elsewhere once the node is out of service', async () => {
  await client.create(R.statefulsets, 'default', {
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: 2,
      serviceName: 'web',
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.9' }],
          tolerations: [
            { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 },
            { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 },
          ],
        },
      },
    },
  });
  const running = await eventually('both pods Running on two nodes', async () => {
    const pods = (await client.list(R.pods, 'default', { labelSelector: 'app=web' })).items as unknown as PodLike[];
    const ok = pods.length === 2 && pods.every((p) => p.status?.phase === 'Running');
    return ok && new Set(pods.map((p) => p.spec?.nodeName)).size === 2 ? pods : undefined;
  });
  const victim = running.find((p) => p.spec?.nodeName === 'node-a')!;
  await agents[0]!.agent!.stop();

  // The condition and the taint are two writes (status, then spec), as upstream's monitor and
  // tainting passes make them: wait for both.
  const node = await eventually('node-a Unknown and tainted unreachable:NoExecute', async () => {
    const n = await client.get(R.nodes, undefined, 'node-a');
    const ready = ((n.status as { conditions?: { type: string; status: string; reason?: string }[] }).conditions ?? []).find((c) => c.type === 'Ready');
    const taints = ((n.spec as { taints?: { key: string; effect: string }[] }).taints ?? []).map((t) => `${t.key}:${t.effect}`);
    return ready?.status === 'Unknown' && taints.includes('node.kubernetes.io/unreachable:NoExecute') ? { n, ready, taints } : undefined;
  });
  assert.equal(node.ready.reason, 'NodeStatusUnknown');
  assert.ok(!node.taints.includes('node.kubernetes.io/not-ready:NoExecute'), `unreachable replaces not-ready: ${node.taints.join(',')}`);

  // Evicted after the 1 s toleration: Terminating, and it stays so (no kubelet to confirm).
  await eventually(`${victim.metadata.name} evicted`, async () => {
    const p = (await client.get(R.pods, 'default', victim.metadata.name!)) as unknown as PodLike;
    return p.metadata.deletionTimestamp ? true : undefined;
  });
  await new Promise((r) => setTimeout(r, 1500));
  const still = (await client.get(R.pods, 'default', victim.metadata.name!)) as unknown as PodLike;
  assert.equal(still.metadata.uid, victim.metadata.uid, 'a StatefulSet pod on an unreachable node is not replaced on its own');

  // Non-graceful node shutdown: the operator marks the node out of service.
  await client.patch(R.nodes, undefined, 'node-a', 'merge', { spec: { taints: [...((node.n.spec as { taints?: unknown[] }).taints ?? []), { key: 'node.kubernetes.io/out-of-service', value: 'nodeshutdown', effect: 'NoExecute' }] } });
  const replaced = await eventually(`${victim.metadata.name} replaced on node-b`, async () => {
    const p = (await client.get(R.pods, 'default', victim.metadata.name!)) as unknown as PodLike;
    return p.metadata.uid !== victim.metadata.uid && p.spec?.nodeName === 'node-b' && p.status?.phase === 'Running' ? p : undefined;
  });
  assert.equal(replaced.spec?.nodeName, 'node-b');
});
