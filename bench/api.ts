// API benchmark (`npm run bench`, not a test): `bin/ordinal up` on a fresh data dir, driven over HTTPS.
// Prints absolute figures labelled with the machine: cold start to /readyz, idle RSS, creates/s,
// gets/s, LIST of 10,000 objects, and watch-delivery latency, with 32 concurrent clients.
// Targets (issue 2): cold start < 1 s, idle RSS < 100 MB, >= 2,000 durable creates/s, p99 watch < 50 ms.
import https from 'node:https';
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { Cluster, ROOT } from '../test/e2e/harness.js';
import { HttpsConn } from './lib/https-conn.js';

const N = Number(process.env.BENCH_OBJECTS ?? 10_000);
const CLIENTS = 32;
const WATCH_EVENTS = Number(process.env.BENCH_WATCH_EVENTS ?? 300);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function machine(): string {
  let cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1].trim();
  } catch {
    /* not Linux */
  }
  return `${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.platform()} ${os.release()}, node ${process.version}`;
}

/** Other work on the machine skews every figure: print the load next to them. */
function load(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(' ');
}

function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** CPU seconds (user+system, all threads) the process has used so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // after "pid (comm) ": state is fields[0], utime fields[11], stime fields[12], in clock ticks (100/s on Linux)
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

let serverPid = 0;

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function fmt(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}

interface Phase {
  ops: number;
  seconds: number;
  lat: number[];
  /** CPU seconds the server used during the phase */
  serverCpu: number;
  /** CPU seconds this (client) process used during the phase */
  clientCpu: number;
}

/** Runs `total` operations over `clients` concurrent workers; op(i, worker) returns the HTTP status. */
async function phase(total: number, clients: number, op: (i: number, worker: number) => Promise<number>, okStatus: number): Promise<Phase> {
  let next = 0;
  const lat: number[] = [];
  const cpu0 = serverPid ? cpuSeconds(serverPid) : 0;
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, w) => {
      while (next < total) {
        const i = next++;
        const s = performance.now();
        const status = await op(i, w);
        lat.push(performance.now() - s);
        if (status !== okStatus) throw new Error(`op ${i}: HTTP ${status}`);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const serverCpu = serverPid ? cpuSeconds(serverPid) - cpu0 : NaN;
  const c = process.cpuUsage(client0);
  lat.sort((a, b) => a - b);
  return { ops: total, seconds, lat, serverCpu, clientCpu: (c.user + c.system) / 1e6 };
}

function line(label: string, p: Phase): string {
  // ops per server CPU-second: what one free core would do, less sensitive to other load on the machine
  return `${label.padEnd(28)} ${(p.ops / p.seconds).toFixed(0).padStart(7)} ops/s   p50 ${fmt(pct(p.lat, 50))} ms   p99 ${fmt(pct(p.lat, 99))} ms   (${p.ops} ops, ${CLIENTS} clients; server used ${p.serverCpu.toFixed(1)} CPU-s = ${(p.ops / p.serverCpu).toFixed(0)} ops per server CPU-second; client ${p.clientCpu.toFixed(1)} CPU-s)`;
}

/** Opens a watch and calls onEvent for each decoded event line. */
function openWatch(c: Cluster, path: string, agent: https.Agent, onEvent: (ev: any, at: number) => void): Promise<() => void> {
  const u = new URL(path, c.server);
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: u.hostname, port: u.port, path: u.pathname + u.search, method: 'GET', agent, rejectUnauthorized: false, headers: { Authorization: `Bearer ${c.token}`, Accept: 'application/json' } },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`watch: HTTP ${res.statusCode}`));
          return;
        }
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          const at = performance.now();
          buf += d;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const lineText = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (lineText.trim()) onEvent(JSON.parse(lineText), at);
          }
        });
        res.on('error', () => {});
        resolve(() => req.destroy());
      },
    );
    req.on('error', (e) => {
      if (!('destroyed' in req && req.destroyed)) reject(e);
    });
    req.end();
  });
}

async function main(): Promise<void> {
  console.log(`machine: ${machine()}`);
  console.log(`load average at start: ${load()}`);
  const c = new Cluster({ args: ['--storage', 'sqlite'] });
  const results: Record<string, number> = {};
  try {
    // Cold start: spawn of `bin/ordinal up` on an empty data dir (CA + certs generated) to /readyz 200.
    await c.start();
    results.coldStartMs = c.startMs;
    const inProcess = /ready in (\d+) ms/.exec(c.logs())?.[1];
    console.log(`cold start (fresh data dir)   ${c.startMs} ms to /readyz   (target < 1000 ms)${inProcess ? `; the server's own log says ready in ${inProcess} ms` : ''}`);
    await c.stop();
    await c.start();
    results.restartMs = c.startMs;
    console.log(`start (existing data dir)     ${c.startMs} ms to /readyz`);
    // The same without the bin/ordinal launcher's install/build freshness check (`find src -newer …`).
    {
      const direct = new Cluster({ args: ['--storage', 'sqlite'], command: [process.execPath, ...readFileSync(join(ROOT, 'bin/node-flags'), 'utf8').trim().split(/\s+/), join(ROOT, 'dist/ordinal.mjs')] });
      try {
        await direct.start();
        results.coldStartNodeMs = direct.startMs;
        console.log(`cold start, node dist/ordinal.mjs directly: ${direct.startMs} ms to /readyz`);
      } finally {
        await direct.stop();
        await direct.cleanup();
      }
    }
    await sleep(2000);
    const pid = c.proc!.pid!;
    serverPid = pid;
    results.idleRssMiB = rssMiB(pid);
    console.log(`idle RSS                      ${results.idleRssMiB.toFixed(1)} MiB   (target < 100 MB)`);
    {
      const cpu0 = cpuSeconds(pid);
      await sleep(5000);
      results.idleCpuPercent = ((cpuSeconds(pid) - cpu0) / 5) * 100;
      console.log(`idle CPU                      ${results.idleCpuPercent.toFixed(1)} % of one core (5 s, empty cluster)`);
    }

    const agent = new https.Agent({ keepAlive: true, maxSockets: CLIENTS, rejectUnauthorized: false });
    const cm = (i: number) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `bench-${i}`, labels: { bench: 'api' } }, data: { index: String(i), payload: 'x'.repeat(200) } });
    // Creates and gets: 32 clients, each its own keep-alive HTTPS connection doing one request at a
    // time and reading the whole response (bench/lib/https-conn.ts: a lean client, so the load
    // generator does not take the CPU the server needs on a small machine). Every response is
    // decoded and checked: a 201 with the object and its resourceVersion.
    const u = new URL(c.server);
    const conns = Array.from({ length: CLIENTS }, () => new HttpsConn(u.hostname, Number(u.port), { Accept: 'application/json', Authorization: `Bearer ${c.token}` }));
    const create = async (w: number, body: object, path = '/api/v1/namespaces/default/configmaps'): Promise<number> => {
      const r = await conns[w]!.request('POST', path, JSON.stringify(body));
      if (r.status === 201 && !JSON.parse(r.body).metadata?.resourceVersion) throw new Error(`create answered 201 without a resourceVersion: ${r.body.slice(0, 200)}`);
      return r.status;
    };
    // warm-up (TLS handshakes, JIT), not counted
    await phase(200, CLIENTS, (i, w) => create(w, { ...cm(i), metadata: { name: `warm-${i}` } }), 201);

    const creates = await phase(N, CLIENTS, (i, w) => create(w, cm(i)), 201);
    results.createsPerSec = creates.ops / creates.seconds;
    results.createsPerServerCpuSec = creates.ops / creates.serverCpu;
    results.createP99Ms = pct(creates.lat, 99);
    console.log(line('create (durable)', creates) + '   (target >= 2000/s)');

    const gets = await phase(N, CLIENTS, async (_i, w) => {
      const r = await conns[w]!.request('GET', `/api/v1/namespaces/default/configmaps/bench-${Math.floor(Math.random() * N)}`);
      if (r.status === 200) JSON.parse(r.body);
      return r.status;
    }, 200);
    for (const conn of conns) conn.close();
    results.getsPerSec = gets.ops / gets.seconds;
    results.getsPerServerCpuSec = gets.ops / gets.serverCpu;
    console.log(line('get', gets));

    const listLat: number[] = [];
    let items = 0;
    let bytes = 0;
    for (let rep = 0; rep < 5; rep++) {
      const s = performance.now();
      const r = await c.request('GET', '/api/v1/namespaces/default/configmaps?labelSelector=bench%3Dapi', undefined, { agent, timeoutMs: 120_000 });
      listLat.push(performance.now() - s);
      if (r.status !== 200) throw new Error(`list: HTTP ${r.status}`);
      items = r.json().items.length;
      bytes = r.body.length;
    }
    listLat.sort((a, b) => a - b);
    results.list10kMs = pct(listLat, 50);
    console.log(`list ${items} objects (one page)  median ${fmt(pct(listLat, 50))} ms, ${(bytes / 2 ** 20).toFixed(1)} MiB`);
    {
      const s = performance.now();
      let cont = '';
      let pages = 0;
      let count = 0;
      do {
        const r = await c.request('GET', `/api/v1/namespaces/default/configmaps?labelSelector=bench%3Dapi&limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`, undefined, { agent });
        if (r.status !== 200) throw new Error(`paged list: HTTP ${r.status} ${r.body.slice(0, 200)}`);
        const l = r.json();
        count += l.items.length;
        cont = l.metadata.continue ?? '';
        pages++;
      } while (cont && pages < 1000);
      results.list10kPagedMs = performance.now() - s;
      console.log(`list ${count} objects (limit=500)  ${fmt(results.list10kPagedMs)} ms over ${pages} pages`);
    }
    const concList = await phase(CLIENTS * 2, CLIENTS, async () => (await c.request('GET', '/api/v1/namespaces/default/configmaps?labelSelector=bench%3Dapi&limit=500', undefined, { agent })).status, 200);
    console.log(line('list limit=500 (first page)', concList));

    // Watch delivery: 32 watchers from the current revision; one writer creates objects stamped with
    // their send time; latency = event arrival at a watcher - start of the create request.
    const listRv = (await c.request('GET', '/api/v1/namespaces/default/configmaps?limit=1', undefined, { agent })).json().metadata.resourceVersion;
    const watchAgent = new https.Agent({ keepAlive: false, maxSockets: CLIENTS + 4, rejectUnauthorized: false });
    const sentAt = new Map<string, number>();
    const wlat: number[] = [];
    let received = 0;
    const closers = await Promise.all(
      Array.from({ length: CLIENTS }, () =>
        openWatch(c, `/api/v1/namespaces/default/configmaps?watch=true&labelSelector=bench%3Dwatch&resourceVersion=${listRv}`, watchAgent, (ev, at) => {
          if (ev.type !== 'ADDED') return;
          const t = sentAt.get(ev.object.metadata.name);
          if (t !== undefined) {
            wlat.push(at - t);
            received++;
          }
        }),
      ),
    );
    const writer = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
    for (let i = 0; i < WATCH_EVENTS; i++) {
      const name = `watch-${i}`;
      sentAt.set(name, performance.now());
      const r = await c.request('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { bench: 'watch' } }, data: { i: String(i) } }, { agent: writer });
      if (r.status !== 201) throw new Error(`watch writer: HTTP ${r.status}`);
      await sleep(5);
    }
    const deadline = Date.now() + 10_000;
    while (received < WATCH_EVENTS * CLIENTS && Date.now() < deadline) await sleep(20);
    for (const close of closers) close();
    wlat.sort((a, b) => a - b);
    results.watchP50Ms = pct(wlat, 50);
    results.watchP99Ms = pct(wlat, 99);
    console.log(
      `watch delivery                p50 ${fmt(results.watchP50Ms)} ms   p99 ${fmt(results.watchP99Ms)} ms   (${received}/${WATCH_EVENTS * CLIENTS} events, ${CLIENTS} watchers; from create request start)   (target p99 < 50 ms)`,
    );
    results.loadedRssMiB = rssMiB(pid);
    console.log(`RSS after the run             ${results.loadedRssMiB.toFixed(1)} MiB (${N + 200 + WATCH_EVENTS} objects stored)`);
    agent.destroy();
    writer.destroy();
    watchAgent.destroy();
    console.log(`load average at end: ${load()}`);
    console.log(`json: ${JSON.stringify({ machine: machine(), loadavg: os.loadavg()[0], ...Object.fromEntries(Object.entries(results).map(([k, v]) => [k, Math.round(v * 100) / 100])) })}`);
  } finally {
    await c.stop().catch(() => {});
    await c.cleanup();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
