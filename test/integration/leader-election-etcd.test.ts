// Two `ordinal up` processes sharing one real etcd (a private etcd-server on loopback): exactly one
// controller manager holds the Lease; a StatefulSet is reconciled once (each pod created once,
// never replaced, one SuccessfulCreate per pod); kill -9 of the leader's process hands the Lease
// to the other within the lease duration, and the new leader keeps reconciling (scale-up) without
// touching the existing pods. Also: each server's watch cache follows writes made through the
// other, and ClusterIPs/NodePorts allocated concurrently through both servers never collide.
// Lease timings are shortened with up's --leader-elect-* flags (upstream: 15s / 10s / 2s).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../e2e/harness.js';
import { startEtcd, etcdAvailable, type EtcdProcess } from '../../src/storage/etcd/launch.js';
import { eventually as eventually_ } from '../eventually.js';

const skip = etcdAvailable() ? false : 'etcd not installed (Debian etcd-server)';
const LEASE_S = 3;
const RETRY_MS = 250;
const LE_FLAGS = ['--leader-elect-lease-duration', `${LEASE_S}s`, '--leader-elect-renew-deadline', '2s', '--leader-elect-retry-period', `${RETRY_MS}ms`];

let etcd: EtcdProcess;
const servers: Cluster[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const eventually = <T>(what: string, f: () => Promise<T | undefined | null | false>, ms = 30000): Promise<T> =>
  eventually_(what, f, { timeoutMs: ms, everyMs: 50, context: () => servers.map((s) => s.logs()).join('\n') });

async function json<T = any>(c: Cluster, path: string): Promise<T> {
  const r = await c.request('GET', path);
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.body}`);
  return r.json() as T;
}

/** Identities that logged "became leader", per server. */
const leaderLines = (c: Cluster) => [...c.logs().matchAll(/controllers: (\S+) became leader/g)].map((m) => m[1]!);

async function holder(c: Cluster): Promise<string | undefined> {
  const l = await json(c, '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/ordinal-controller-manager');
  return l.spec?.holderIdentity;
}

/** Pollers still running (a failed test must not leave one spinning: after() stops them). */
const pollers: (() => Promise<void>)[] = [];

/** Polls the set's pods through `via` and records every uid seen per pod name. */
function podHistory(via: () => Cluster, selector = 'app%3Dle') {
  const uids = new Map<string, Set<string>>();
  let stop = false;
  const done = (async () => {
    while (!stop) {
      try {
        const list = await json(via(), `/api/v1/namespaces/default/pods?labelSelector=${selector}`);
        for (const p of list.items) {
          if (!uids.has(p.metadata.name)) uids.set(p.metadata.name, new Set());
          uids.get(p.metadata.name)!.add(p.metadata.uid);
        }
      } catch { /* server being killed */ }
      await sleep(50);
    }
  })();
  const stopIt = async () => { stop = true; await done; };
  pollers.push(stopIt);
  return { uids, stop: stopIt };
}

before(async () => {
  if (skip) return;
  etcd = await startEtcd();
  for (let i = 0; i < 2; i++) servers.push(new Cluster({ args: ['--storage', 'etcd', '--etcd-endpoints', etcd.endpoint, '--no-agent', ...LE_FLAGS] }));
  await Promise.all(servers.map((s) => s.start()));
});

after(async () => {
  await Promise.all(pollers.map((p) => p()));
  for (const s of servers) await s.cleanup().catch(() => {});
  await etcd?.stop();
});

test('two servers on one etcd: one leader, the set reconciled once, the other takes over after kill -9', { skip, timeout: 120_000 }, async () => {
  const [a, b] = servers as [Cluster, Cluster];

  // Exactly one leader, and the Lease names it; it stays so over many renewals.
  const first = await eventually('a leader', async () => holder(a));
  await sleep(LEASE_S * 1000);
  assert.equal(await holder(b), first, 'the holder changed while both servers run');
  const claims = [...leaderLines(a), ...leaderLines(b)];
  assert.deepEqual(claims, [first], `exactly one manager became leader: ${JSON.stringify(claims)}`);
  const leader = leaderLines(a).length ? a : b;
  const other = leader === a ? b : a;

  // Create through the server that is not leading; watch pods through both.
  let via = other;
  const history = podHistory(() => via);
  const depHistory = podHistory(() => via, 'app%3Ddep');
  const sts = {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'le', namespace: 'default' },
    spec: {
      replicas: 2, podManagementPolicy: 'Parallel', serviceName: 'le', selector: { matchLabels: { app: 'le' } },
      template: { metadata: { labels: { app: 'le' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    },
  };
  const created = await other.kubectl(['create', '-f', '-'], { input: JSON.stringify(sts) });
  assert.equal(created.code, 0, created.all);
  // A Deployment too: two ReplicaSet controllers would each create pods for the same deficit and
  // then delete the surplus (with only the StatefulSet controller elected, 40 pods came and went
  // for these 20 replicas).
  const dep = await other.kubectl(['create', 'deployment', 'dep', '--image=busybox', '--replicas=20']);
  assert.equal(dep.code, 0, dep.all);
  await eventually('le-0 and le-1 seen through both servers', async () => {
    for (const s of servers) {
      const list = await json(s, '/api/v1/namespaces/default/pods?labelSelector=app%3Dle');
      if (list.items.length !== 2) return undefined;
    }
    return true;
  });
  // No fighting: for a few lease periods nothing is replaced or added, and status settles.
  await sleep(2 * LEASE_S * 1000);
  const status = (await json(a, '/apis/apps/v1/namespaces/default/statefulsets/le')).status;
  assert.equal(status.replicas, 2);
  assert.equal(status.observedGeneration, 1);
  assert.deepEqual([...history.uids.keys()].sort(), ['le-0', 'le-1']);
  for (const [name, set] of history.uids) assert.equal(set.size, 1, `${name} was replaced: ${[...set]}`);
  const depPods = (await json(b, '/api/v1/namespaces/default/pods?labelSelector=app%3Ddep')).items;
  assert.equal(depPods.length, 20, depPods.map((p: any) => p.metadata.name).join(' '));
  await depHistory.stop();
  assert.equal(depHistory.uids.size, 20, `pods ever created for the Deployment: ${[...depHistory.uids.keys()].join(' ')}`);
  assert.equal((await json(a, '/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Ddep')).items.length, 1);
  // The scheduler has a Lease of its own, also held by exactly one server.
  const sched = await json(a, '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/ordinal-scheduler');
  assert.ok(sched.spec?.holderIdentity, 'scheduler Lease held');
  assert.equal([...a.logs().matchAll(/scheduler: \S+ became leader/g), ...b.logs().matchAll(/scheduler: \S+ became leader/g)].length, 1);
  const events = (await json(b, '/api/v1/namespaces/default/events')).items.filter((e: any) => e.involvedObject?.name === 'le' && e.reason === 'SuccessfulCreate');
  assert.equal(events.reduce((n: number, e: any) => n + (e.count ?? 1), 0), 2, JSON.stringify(events.map((e: any) => e.message)));

  // kill -9 the leader's process: the other takes the Lease within the lease duration (measured
  // from the kill; the standby's clock starts at the last renewal it saw) and reconciles.
  via = other;
  const killedAt = Date.now();
  await leader.kill9();
  const next = await eventually('the standby to take the Lease', async () => {
    const h = await holder(other);
    return h && h !== first ? h : undefined;
  }, 20_000);
  const tookMs = Date.now() - killedAt;
  console.log(`leader ${first} killed; ${next} took over after ${tookMs} ms (lease ${LEASE_S}s, retry ${RETRY_MS}ms)`);
  // (The log line follows the Lease write.)
  await eventually('the new leader to log it', async () => (leaderLines(other).length ? true : undefined), 5000);
  assert.deepEqual(leaderLines(other), [next]);
  // At most the lease duration after the last renewal it saw, plus a retry period and slack for a loaded machine.
  assert.ok(tookMs <= LEASE_S * 1000 + 2 * RETRY_MS + 2000, `took ${tookMs} ms for a ${LEASE_S}s lease`);
  const lease = await json(other, '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/ordinal-controller-manager');
  assert.equal(lease.spec.leaseTransitions, 1);

  const scaled = await other.kubectl(['scale', 'statefulset', 'le', '--replicas=3']);
  assert.equal(scaled.code, 0, scaled.all);
  await eventually('le-2 created by the new leader', async () => (history.uids.has('le-2') ? true : undefined), 20_000);
  await eventually('status.replicas 3', async () => ((await json(other, '/apis/apps/v1/namespaces/default/statefulsets/le')).status?.replicas === 3 ? true : undefined), 20_000);
  await sleep(1000);
  await history.stop();
  for (const [name, set] of history.uids) assert.equal(set.size, 1, `${name} was replaced after the takeover: ${[...set]}`);
});

test('two servers on one etcd: watch caches follow each other; ClusterIPs and NodePorts never collide', { skip, timeout: 60_000 }, async () => {
  // Uses whichever servers are still running (the first test kills one; run it alone and both are).
  const alive = servers.filter((s) => s.proc && s.proc.exitCode === null && s.proc.signalCode === null);
  if (alive.length < 2) {
    // Start a fresh second server on the same etcd.
    const c = new Cluster({ args: ['--storage', 'etcd', '--etcd-endpoints', etcd.endpoint, '--no-agent', ...LE_FLAGS] });
    servers.push(c);
    await c.start();
    alive.push(c);
  }
  const [a, b] = alive as [Cluster, Cluster];

  // A watch on a sees a ConfigMap created through b, and a GET on a finds it.
  const w = a.kubectlStream(['get', 'configmaps', '-w', '-o', 'custom-columns=NAME:.metadata.name,V:.data.v', '--no-headers']);
  try {
    await sleep(1000);
    const cm = await b.kubectl(['create', 'configmap', 'from-b', '--from-literal=v=42']);
    assert.equal(cm.code, 0, cm.all);
    await w.waitFor(/from-b\s+42/, 10_000);
  } finally {
    await w.stop();
  }
  const got = await a.kubectl(['get', 'configmap', 'from-b', '-o', 'jsonpath={.data.v}']);
  assert.equal(got.stdout, '42', got.all);
  // A resourceVersion from b's write is served by a (both read one revision sequence).
  const rvB = (await json(b, '/api/v1/namespaces/default/configmaps/from-b')).metadata.resourceVersion;
  const rvA = (await json(a, '/api/v1/namespaces/default/configmaps/from-b')).metadata.resourceVersion;
  assert.equal(rvA, rvB);

  // 20 NodePort Services created concurrently, alternating servers: all IPs and ports distinct.
  const N = 20;
  const results = await Promise.all(Array.from({ length: N }, (_, i) => (i % 2 ? a : b).request('POST', '/api/v1/namespaces/default/services', {
    apiVersion: 'v1', kind: 'Service', metadata: { name: `np-${i}` },
    spec: { type: 'NodePort', selector: { app: 'x' }, ports: [{ port: 80, targetPort: 80 }] },
  })));
  for (const r of results) assert.equal(r.status, 201, r.body);
  const svcs = (await json(a, '/api/v1/namespaces/default/services')).items.filter((s: any) => s.metadata.name.startsWith('np-'));
  assert.equal(svcs.length, N);
  const ips = new Set(svcs.map((s: any) => s.spec.clusterIP));
  const ports = new Set(svcs.map((s: any) => s.spec.ports[0].nodePort));
  assert.equal(ips.size, N, `duplicate ClusterIPs: ${svcs.map((s: any) => s.spec.clusterIP)}`);
  assert.equal(ports.size, N, `duplicate NodePorts: ${svcs.map((s: any) => s.spec.ports[0].nodePort)}`);
  // An explicitly requested IP held through one server is refused through the other.
  const taken = svcs[0].spec.clusterIP;
  const dup = await b.request('POST', '/api/v1/namespaces/default/services', {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'dup' }, spec: { clusterIP: taken, ports: [{ port: 80 }] },
  });
  assert.equal(dup.status, 422, dup.body);
  assert.match(dup.json().message, /provided IP is already allocated/);
});
