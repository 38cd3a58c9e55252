// Store benchmark: SQLite vs a real etcd started in the same run (both on this machine).
//   node --import tsx bench/store.ts [objects=10000]
// Measures durable creates/s with 32 in flight, gets/s with 32 in flight, and the time to list
// 10,000 objects under one prefix; prints absolute figures, the machine, and SQLite/etcd ratios.
import os from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../src/storage/store.js';
import { SqliteStore } from '../src/storage/sqlite.js';
import { EtcdStore } from '../src/storage/etcd.js';
import { startEtcd, etcdAvailable } from '../src/storage/etcd/launch.js';

const N = Number(process.argv[2] ?? 10_000);
const CONCURRENCY = 32;
const GETS = 20_000;
const LIST_REPS = 5;

interface Result { createsPerSec: number; getsPerSec: number; listMs: number; listItems: number }

/** Runs `total` operations with `CONCURRENCY` in flight; returns ops/s. */
async function pool(total: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < total) await op(next++);
  }));
  return total / ((performance.now() - t0) / 1000);
}

function podJson(i: number): string {
  // roughly the size of a small stored Pod (~1 KB)
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: `pod-${i}`, namespace: 'bench', uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, labels: { app: 'bench', idx: String(i % 100) }, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '10m', memory: '16Mi' } } }], nodeName: 'node-1', restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst' },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }], podIP: '10.0.0.1', hostIP: '127.0.0.1' },
  });
}

async function run(store: Store): Promise<Result> {
  const prefix = '/registry/pods/bench/';
  const key = (i: number) => `${prefix}pod-${String(i).padStart(6, '0')}`;
  const createsPerSec = await pool(N, (i) => store.create(key(i), podJson(i)));
  const getsPerSec = await pool(GETS, async (i) => {
    const kv = await store.get(key((i * 7919) % N));
    if (!kv) throw new Error('missing key');
  });
  let best = Infinity;
  let listItems = 0;
  for (let r = 0; r < LIST_REPS; r++) {
    const t0 = performance.now();
    const l = await store.list(prefix);
    best = Math.min(best, performance.now() - t0);
    listItems = l.items.length;
  }
  return { createsPerSec, getsPerSec, listMs: best, listItems };
}

function print(name: string, r: Result): void {
  console.log(`${name.padEnd(8)} creates/s ${r.createsPerSec.toFixed(0).padStart(7)}   gets/s ${r.getsPerSec.toFixed(0).padStart(7)}   list ${r.listItems} objects ${r.listMs.toFixed(1).padStart(7)} ms (best of ${LIST_REPS})`);
}

const cpus = os.cpus();
console.log(`machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.platform()} ${os.release()}, node ${process.version}`);
console.log(`workload: ${N} creates (~1 KB pods, ${CONCURRENCY} in flight, durable), ${GETS} gets (${CONCURRENCY} in flight), list of all ${N}`);

const dir = mkdtempSync(join(os.tmpdir(), 'ordinal-bench-'));
try {
  const sqlite = new SqliteStore({ path: join(dir, 'state.db') });
  const rs = await run(sqlite);
  await sqlite.close();
  print('sqlite', rs);

  if (!etcdAvailable()) {
    console.log('etcd: not installed (/usr/bin/etcd); skipping the comparison');
  } else {
    const etcd = await startEtcd({ dataDir: join(dir, 'etcd') });
    try {
      const store = new EtcdStore({ endpoints: [etcd.endpoint] });
      const re = await run(store);
      await store.close();
      print('etcd', re);
      const ratio = (a: number, b: number) => (a / b).toFixed(2);
      console.log(`sqlite/etcd: creates ${ratio(rs.createsPerSec, re.createsPerSec)}x, gets ${ratio(rs.getsPerSec, re.getsPerSec)}x, list ${ratio(re.listMs, rs.listMs)}x faster`);
    } finally {
      await etcd.stop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
