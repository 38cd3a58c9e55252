// StatefulSet controller benchmark (`npm run bench statefulset`, not a test). One process runs
// the API server (SQLite in a temp dir), the controller, and a stand-in kubelet that marks every
// new pod Running+Ready through /status at once ("instant readiness"). Prints:
//   - time for a 100-replica OrderedReady set to become all Ready, and per pod step (a first set
//     right after start-up, then a second one), with the CPU split by thread;
//   - the same for Parallel;
//   - process CPU and RSS once 1,000 pods (Parallel) are Ready.
// Target (issue 3): <= 10 ms of control-plane time per pod step. The figure is the whole process's
// CPU, so it includes the stand-in kubelet's status writes and is an upper bound for the controller.
// BENCH_STS_CLIENT=inprocess (default) gives the controller and the kubelet the in-process client,
// as `ordinal up` runs its controller manager and node agent; =https sends both over HTTPS (the
// figure then also holds both sides of TLS and HTTP). As under `ordinal up`, the controller and
// the kubelet read pods from one set of shared informers (in-process; over HTTPS each keeps its
// own, as separate processes would). Completion is observed through a watch of its own (an
// outside observer, as `kubectl get -w` would be), so the measurement does not poll the server.
import os from 'node:os';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startCluster } from '../src/cli/up.js';
import { HttpClient } from '../src/client/http.js';
import { R } from '../src/client/types.js';
import { Informer } from '../src/client/informer.js';
import { SharedInformers } from '../src/client/shared-informers.js';
import { StatefulSetController } from '../src/controllers/statefulset/controller.js';
import type { KubeObject } from '../src/machinery/object.js';

/**
 * CPU time (ms) per OS thread of this process, from /proc (Linux; empty elsewhere). Used to say
 * where the whole-process figure goes: the main thread (API server, controller, kubelet stand-in),
 * the SQLite writer thread, and node's V8 background threads (TurboFan compiles, GC helpers).
 */
function threadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  try {
    const tick = 10; // USER_HZ is 100 on Linux
    for (const t of readdirSync('/proc/self/task')) {
      const st = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      out.set(t, (Number(f[11]) + Number(f[12])) * tick);
    }
  } catch {
    /* not Linux */
  }
  return out;
}
// node's own threads (V8 platform workers and the like) exist before the cluster starts
const startupThreads = new Set(threadCpu().keys());

const SMALL = Number(process.env.BENCH_STS_REPLICAS ?? 100);
const LARGE = Number(process.env.BENCH_STS_PODS ?? 1000);
const dir = mkdtempSync(join(tmpdir(), 'ordinal-bench-sts-'));
const cluster = await startCluster({ dataDir: dir, listen: '127.0.0.1:0', runtime: 'sim', storage: 'sqlite', components: [], log: () => undefined });
const https = new HttpClient({ url: cluster.url, token: cluster.token, caPem: cluster.caPem });
const MODE = process.env.BENCH_STS_CLIENT === 'https' ? 'https' : 'inprocess';
const client = MODE === 'https' ? https : cluster.inProcessClient();
// Count the controller's API calls by verb (its own client, separate from the stand-in kubelet's).
const calls: Record<string, number> = {};
const ctlClient = new Proxy(client, {
  get(t, k, r) {
    const v = Reflect.get(t, k, r);
    if (typeof v !== 'function') return v;
    return (...a: unknown[]) => {
      const res = (a[0] as { resource?: string })?.resource;
      const key = `${String(k)} ${res ?? ''}`;
      calls[key] = (calls[key] ?? 0) + 1;
      return v.apply(t, a);
    };
  },
});
const shared = MODE === 'inprocess' ? new SharedInformers(ctlClient) : undefined;
const controller = new StatefulSetController(ctlClient, { informers: shared });
await controller.start();

// The stand-in kubelet: every pod it sees without Ready=True gets Running+Ready.
const kubelet = shared ? shared.informer(R.pods) : new Informer(client, R.pods);
const pending = new Set<string>();
const markReady = async (p: KubeObject) => {
  const st = p.status as { conditions?: { type: string; status: string }[] } | undefined;
  if (p.metadata.deletionTimestamp || st?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return;
  const key = `${p.metadata.namespace}/${p.metadata.name}`;
  if (pending.has(key)) return;
  pending.add(key);
  try {
    const now = new Date().toISOString();
    await client.patch(R.pods, p.metadata.namespace, p.metadata.name!, 'merge', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] } }, { subresource: 'status' });
  } catch {
    /* the pod went away */
  } finally {
    pending.delete(key);
  }
};
kubelet.addHandlers({ add: (p) => void markReady(p), update: (_o, p) => void markReady(p) });
kubelet.start();
await kubelet.waitForSync();

function set(name: string, replicas: number, policy: 'OrderedReady' | 'Parallel'): KubeObject {
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name },
    spec: {
      replicas, serviceName: name, podManagementPolicy: policy, selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  };
}

// The sets' status as a watch delivers it (the set's own status writes wake the waiter).
const sets = new Informer(client, R.statefulsets);
const readyWaiters = new Map<string, () => void>();
const checkReady = (o: KubeObject) => {
  const want = (o.spec as { replicas?: number }).replicas ?? 1;
  if (((o.status as { readyReplicas?: number } | undefined)?.readyReplicas ?? 0) >= want) readyWaiters.get(o.metadata.name!)?.();
};
sets.addHandlers({ add: checkReady, update: (_o, n) => checkReady(n) });
sets.start();
await sets.waitForSync();

async function run(name: string, replicas: number, policy: 'OrderedReady' | 'Parallel'): Promise<{ ms: number; cpuMs: number; threads: string }> {
  const th0 = threadCpu();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const ready = new Promise<void>((r) => readyWaiters.set(name, r));
  await client.create(R.statefulsets, 'default', set(name, replicas, policy));
  await ready;
  readyWaiters.delete(name);
  const ms = performance.now() - t0;
  const c = process.cpuUsage(cpu0);
  const by = { main: 0, cluster: 0, node: 0 };
  for (const [t, v] of threadCpu()) {
    const d = v - (th0.get(t) ?? 0);
    if (t === String(process.pid)) by.main += d;
    else if (startupThreads.has(t)) by.node += d;
    else by.cluster += d;
  }
  const per = (v: number) => (v / replicas).toFixed(1);
  const threads = th0.size ? `main thread ${per(by.main)}, threads the cluster started (SQLite writer) ${per(by.cluster)}, V8 background threads (JIT compiles, GC) ${per(by.node)}` : '';
  return { ms, cpuMs: (c.user + c.system) / 1000, threads };
}

const line = (label: string, r: { ms: number; cpuMs: number; threads: string }, n: number) => {
  console.log(`${label}: ${(r.ms / 1000).toFixed(2)} s wall, ${(r.ms / n).toFixed(2)} ms/pod step wall, ${(r.cpuMs / n).toFixed(2)} ms/pod CPU (whole process)`);
  // 10 ms clock ticks: a rough split, good to ~0.1 ms/pod at 100 pods
  if (r.threads) console.log(`  CPU by thread, ms/pod: ${r.threads}`);
};

console.log(`machine: ${os.cpus()[0]?.model ?? '?'} x${os.cpus().length}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; controller and kubelet client: ${MODE}`);
line(`OrderedReady ${SMALL} replicas`, await run('ordered', SMALL, 'OrderedReady'), SMALL);
console.log(`  controller: ${controller.syncs} syncs, pure reconcile ${(controller.reconcileMs / SMALL).toFixed(2)} ms/pod step`);
console.log(`  controller API calls: ${Object.entries(calls).filter(([k]) => !k.startsWith('list') && !k.startsWith('watch')).map(([k, v]) => `${k} ${v}`).join(', ')}`);
// The first set runs right after start-up, so its figure includes V8 compiling the hot paths
// (TurboFan, on background threads); a second set repeats the steps with more of the code compiled
// (V8 still recompiles some of it then, after deoptimisations).
line(`OrderedReady ${SMALL} replicas, second set`, await run('ordered-warm', SMALL, 'OrderedReady'), SMALL);
line(`Parallel ${SMALL} replicas`, await run('parallel', SMALL, 'Parallel'), SMALL);
const big = await run('big', LARGE, 'Parallel');
line(`Parallel ${LARGE} replicas`, big, LARGE);
const total = process.cpuUsage();
console.log(`at ${LARGE + 3 * SMALL} pods (+ as many claims): RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB, process CPU so far ${((total.user + total.system) / 1e6).toFixed(1)} s`);

kubelet.stop();
sets.stop();
await controller.stop();
shared?.stop();
https.close();
if (client !== https) (client as { close(): void }).close();
await cluster.stop();
rmSync(dir, { recursive: true, force: true });
