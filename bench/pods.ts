// Node benchmark (issue 4): 1,000 pods over 10 simulated nodes in one process. Pods are created at
// a fixed rate; a watch observes each one reach Running. Prints pods/s bound and started, p50/p99
// creation → Running, and the process RSS with 1,000 pods running.
// Also prints the control plane's CPU per pod during the run. The client (creates + watch, over
// HTTPS) runs in a child process, as a user's kubectl would.
// Run: npm run bench -- pods   (or node --import tsx bench/pods.ts [pods] [rate-per-second])
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { startCluster } from '../src/cli/cluster.js';
import { defaultComponents } from '../src/cli/components.js';
import { nodeAgentComponent } from '../src/cli/agent.js';
import { HttpClient } from '../src/client/http.js';
import { R } from '../src/client/types.js';

const PODS = Number(process.argv[2] ?? 1000);
const RATE = Number(process.argv[3] ?? 100);
const NODES = 10;

/** The user side (creates at a fixed rate, watches each pod reach Running) runs in a child process,
 * as kubectl would: its HTTPS and JSON work must not share the control plane's event loop. */
interface ClientResult { running: number; bound: number; seconds: number; lat: number[] }

async function clientSide(): Promise<void> {
  const client = new HttpClient({ url: process.env.BENCH_URL!, token: process.env.BENCH_TOKEN!, caPem: process.env.BENCH_CA! });
  for (;;) {
    const nodes = await client.list(R.nodes, undefined);
    if (nodes.items.length >= NODES) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const created = new Map<string, number>();
  const running = new Map<string, number>();
  const bound = new Set<string>();
  const watch = await client.watch(R.pods, 'default', { labelSelector: 'bench=pods' });
  const watching = (async () => {
    for await (const ev of watch) {
      const name = ev.object.metadata.name!;
      const st = ev.object.status as { phase?: string } | undefined;
      if ((ev.object.spec as { nodeName?: string }).nodeName) bound.add(name);
      if (st?.phase === 'Running' && !running.has(name)) running.set(name, performance.now());
      if (running.size >= PODS) break;
    }
  })();
  process.send!({ started: true });
  const t0 = performance.now();
  for (let i = 0; i < PODS; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const name = `p-${i}`;
    created.set(name, performance.now());
    void client.create(R.pods, 'default', { metadata: { name, namespace: 'default', labels: { bench: 'pods' } }, spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.9' }] } });
  }
  const deadline = Date.now() + 120_000;
  while (running.size < PODS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const seconds = (performance.now() - t0) / 1000;
  watch.stop();
  await watching.catch(() => undefined);
  const lat = [...running.entries()].map(([n, t]) => t - (created.get(n) ?? t)).sort((a, b) => a - b);
  const result: ClientResult = { running: running.size, bound: bound.size, seconds, lat };
  process.send!(result, () => process.exit(0));
}

async function main(): Promise<void> {
  console.log(`pods benchmark — ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}; ${PODS} pods at ${RATE}/s over ${NODES} sim nodes; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const dir = mkdtempSync(join(tmpdir(), 'ordinal-podbench-'));
  const agents = Array.from({ length: NODES }, (_, i) => nodeAgentComponent({ nodeName: `node-${i}`, sim: { pullDelayMs: 50, startDelayMs: 50 } }));
  const cluster = await startCluster({ dataDir: dir, listen: '127.0.0.1:0', runtime: 'sim', storage: 'sqlite', components: [...defaultComponents({ agent: false }), ...agents], log: () => {} });
  const child = fork(fileURLToPath(import.meta.url), process.argv.slice(2), {
    env: { ...process.env, BENCH_PODS_ROLE: 'client', BENCH_URL: cluster.url, BENCH_TOKEN: cluster.token, BENCH_CA: cluster.caPem },
  });
  let cpu0 = process.cpuUsage();
  const result = await new Promise<ClientResult>((resolve, reject) => {
    child.on('message', (m: ClientResult | { started: true }) => {
      if ('started' in m) cpu0 = process.cpuUsage();
      else resolve(m);
    });
    child.on('exit', (code) => reject(new Error(`bench client exited with ${code}`)));
  });
  const cpu = process.cpuUsage(cpu0);
  const { lat } = result;
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))]?.toFixed(0);
  console.log(`running: ${result.running}/${PODS} (bound ${result.bound}) in ${result.seconds.toFixed(1)} s → ${(result.running / result.seconds).toFixed(0)} pods/s bound and started`);
  console.log(`creation → Running (seen by the client's watch): p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms (target p99 ≤ 1000 ms at 100 pods/s)`);
  console.log(`control-plane process CPU from the first create to the last Running: ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms = ${((cpu.user + cpu.system) / 1000 / PODS).toFixed(1)} ms per pod (the client runs in its own process)`);
  const rss = process.memoryUsage().rss / 1024 / 1024;
  console.log(`control-plane RSS with ${result.running} pods (API server, controllers, scheduler, DNS and ${NODES} agents in one process), right after the last pod started: ${rss.toFixed(0)} MB`);
  // Steady state: the same 1,000 pods running, 10 s later (node heartbeats and probes go on).
  await new Promise((r) => setTimeout(r, 10_000));
  const steady = process.memoryUsage().rss / 1024 / 1024;
  const m = process.memoryUsage();
  console.log(`control-plane RSS with ${result.running} pods running, 10 s later: ${steady.toFixed(0)} MB (target ≤ 200 MB); V8 heap used ${(m.heapUsed / 2 ** 20).toFixed(0)} of ${(m.heapTotal / 2 ** 20).toFixed(0)} MB, external ${(m.external / 2 ** 20).toFixed(0)} MB`);
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

const run = process.env.BENCH_PODS_ROLE === 'client' ? clientSide : main;
run().catch((e) => {
  console.error(e);
  process.exit(1);
});
