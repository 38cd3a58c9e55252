// Node benchmark (issue 4): 1,000 pods over 10 simulated nodes in one process. Pods are created at
// a fixed rate; a watch observes each one reach Running. Prints pods/s bound and started, p50/p99
// creation → Running, and the process RSS with 1,000 pods running.
// Also prints the process CPU per pod during the run (API server, controllers, scheduler, agents
// and this client together). BENCH_PODS_CLIENT=inprocess creates and watches through the
// in-process client instead of HTTPS, to see the control plane without the client's TLS and HTTP.
// Run: node --import tsx bench/pods.ts [pods] [rate-per-second]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { startCluster } from '../src/cli/cluster.js';
import { defaultComponents } from '../src/cli/components.js';
import { nodeAgentComponent } from '../src/cli/agent.js';
import { HttpClient } from '../src/client/http.js';
import { R } from '../src/client/types.js';

const PODS = Number(process.argv[2] ?? 1000);
const RATE = Number(process.argv[3] ?? 100);
const NODES = 10;

async function main(): Promise<void> {
  console.log(`pods benchmark — ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}; ${PODS} pods at ${RATE}/s over ${NODES} sim nodes`);
  const dir = mkdtempSync(join(tmpdir(), 'ordinal-podbench-'));
  const agents = Array.from({ length: NODES }, (_, i) => nodeAgentComponent({ nodeName: `node-${i}`, sim: { pullDelayMs: 50, startDelayMs: 50 } }));
  const cluster = await startCluster({ dataDir: dir, listen: '127.0.0.1:0', runtime: 'sim', storage: 'sqlite', components: [...defaultComponents({ agent: false }), ...agents], log: () => {} });
  const inProcess = process.env.BENCH_PODS_CLIENT === 'inprocess';
  const client = inProcess ? cluster.inProcessClient() : new HttpClient({ url: cluster.url, token: cluster.token, caPem: cluster.caPem });
  // Wait for all nodes.
  for (;;) {
    const nodes = await client.list(R.nodes, undefined);
    if (nodes.items.length >= NODES) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const created = new Map<string, number>();
  const running = new Map<string, number>();
  let bound = 0;
  const watch = await client.watch(R.pods, 'default', { labelSelector: 'bench=pods' });
  const watching = (async () => {
    for await (const ev of watch) {
      const name = ev.object.metadata.name!;
      const st = ev.object.status as { phase?: string } | undefined;
      if ((ev.object.spec as { nodeName?: string }).nodeName && !running.has(name) && !created.has(`b:${name}`)) {
        created.set(`b:${name}`, 1);
        bound++;
      }
      if (st?.phase === 'Running' && !running.has(name)) running.set(name, performance.now());
      if (running.size >= PODS) break;
    }
  })();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
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
  const total = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  watch.stop();
  await watching.catch(() => undefined);
  const lat = [...running.entries()].map(([n, t]) => t - (created.get(n) ?? t)).sort((a, b) => a - b);
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))]?.toFixed(0);
  console.log(`running: ${running.size}/${PODS} (bound ${bound}) in ${total.toFixed(1)} s → ${(running.size / total).toFixed(0)} pods/s bound and started`);
  console.log(`creation → Running: p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms (target p99 ≤ 1000 ms at 100 pods/s)`);
  console.log(`process CPU from the first create to the last Running: ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms = ${((cpu.user + cpu.system) / 1000 / PODS).toFixed(1)} ms per pod (client: ${inProcess ? 'in-process' : 'HTTPS'})`);
  const rss = process.memoryUsage().rss / 1024 / 1024;
  console.log(`process RSS with ${running.size} pods (API server, controllers, scheduler, DNS and ${NODES} agents in one process): ${rss.toFixed(0)} MB (target ≤ 200 MB control plane)`);
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
