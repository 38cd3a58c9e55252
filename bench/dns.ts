// DNS benchmark: Ordinal's DNS vs a C authoritative server (NSD) serving the same zone of 1,000
// services and 5,000 pods, both driven by dnsperf in the same run. Also: memory per 1,000 records,
// and p99 latency from an endpoint change to the new answer (index update → UDP answer).
// Run: node --import tsx --expose-gc bench/dns.ts [seconds]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import dgram from 'node:dgram';
import * as packet from 'dns-packet';
import { DnsServer } from '../src/dns/server.js';
import { ClusterIndex } from '../src/dns/cluster-index.js';
import { startCluster } from '../src/cli/cluster.js';
import { endpointsComponent } from '../src/cli/components.js';
import { HttpClient } from '../src/client/http.js';
import { R } from '../src/client/types.js';
import { feedIndex } from '../src/dns/feed.js';

const SECONDS = Number(process.argv[2] ?? 8);
const SERVICES = 1000;
const HEADLESS = 200; // × 25 pods = 5,000 pods
const PODS_PER = 25;
/** UDP worker processes for the second run (ORDINAL_DNS_BENCH_WORKERS; default as `ordinal up`: cores - 1, at least 1). */
const WORKERS = Number(process.env.ORDINAL_DNS_BENCH_WORKERS ?? Math.max(1, Math.min(3, cpus().length - 1)));

function need(bin: string, pkg: string): boolean {
  if (spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0) return true;
  if (process.getuid?.() === 0) {
    console.error(`installing ${pkg}…`);
    spawnSync('sh', ['-c', `apt-get install -y -qq --no-install-recommends ${pkg} >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq --no-install-recommends ${pkg} >/dev/null)`], { stdio: 'inherit' });
  }
  return spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
}

function buildZone(index: ClusterIndex): { zoneText: string; queries: string[]; records: number } {
  const lines = ['$ORIGIN cluster.local.', '$TTL 5', '@ IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 5', '@ IN NS ns.dns.cluster.local.', 'ns.dns IN A 10.96.0.10'];
  const queries: string[] = [];
  let records = 0;
  index.upsertNamespace({ metadata: { name: 'bench' } });
  for (let i = 0; i < SERVICES - HEADLESS; i++) {
    const ip = `10.96.${(i >> 8) + 1}.${i & 255}`;
    index.upsertService({ metadata: { name: `svc-${i}`, namespace: 'bench' }, spec: { clusterIP: ip, clusterIPs: [ip], ports: [{ name: 'http', port: 80 }] } });
    lines.push(`svc-${i}.bench.svc IN A ${ip}`);
    queries.push(`svc-${i}.bench.svc.cluster.local A`);
    records++;
  }
  for (let h = 0; h < HEADLESS; h++) {
    const svc = `db-${h}`;
    index.upsertService({ metadata: { name: svc, namespace: 'bench' }, spec: { clusterIP: 'None', ports: [{ name: 'db', port: 5432 }] } });
    const endpoints = [];
    for (let p = 0; p < PODS_PER; p++) {
      const ip = `10.244.${h}.${p + 2}`;
      endpoints.push({ addresses: [ip], hostname: `${svc}-${p}`, conditions: { ready: true } });
      lines.push(`${svc}-${p}.${svc}.bench.svc IN A ${ip}`);
      queries.push(`${svc}-${p}.${svc}.bench.svc.cluster.local A`);
      records++;
    }
    index.upsertSlice({ metadata: { name: `${svc}-x`, namespace: 'bench', labels: { 'kubernetes.io/service-name': svc } }, addressType: 'IPv4', endpoints, ports: [{ name: 'db', port: 5432, protocol: 'TCP' }] });
  }
  index.markSynced();
  return { zoneText: lines.join('\n') + '\n', queries, records };
}

/** CPU seconds (user+system) a process has used so far, from /proc (0 when it is gone). */
function procCpu(pid: number | undefined): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return 0;
  }
}

interface PerfRun { qps: number; lost: string; dnsperfCpu: number; serverCpu: number }

/**
 * Runs dnsperf without blocking our event loop (our server lives in this process). dnsperf shares
 * the machine's cores with the server, so its own CPU time (bash `times`) is reported next to the
 * figure, and so is the server's (`serverPids` plus this process when `ownProcess`).
 */
async function dnsperf(port: number, queryFile: string, serverPids: number[], ownProcess: boolean): Promise<PerfRun> {
  const args = ['-s', '127.0.0.1', '-p', String(port), '-d', queryFile, '-l', String(SECONDS), '-c', '4', '-q', '200'];
  const child = spawn('bash', ['-c', 'dnsperf "$@"; times', 'dnsperf', ...args]);
  const r = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (r.stdout += d));
  child.stderr.on('data', (d) => (r.stderr += d));
  const cpu0 = process.cpuUsage();
  const pids0 = serverPids.map(procCpu);
  await new Promise((res) => child.on('exit', res));
  const own = ownProcess ? (() => { const u = process.cpuUsage(cpu0); return (u.user + u.system) / 1e6; })() : 0;
  const serverCpu = own + serverPids.reduce((a, pid, i) => a + procCpu(pid) - pids0[i]!, 0);
  const m = /Queries per second:\s+([\d.]+)/.exec(r.stdout);
  const lost = /Queries lost:\s+(\d+)/.exec(r.stdout)?.[1] ?? '?';
  if (!m) throw new Error(`dnsperf failed: ${r.stdout}${r.stderr}`);
  // `times` prints the shell's and then its children's user/system time: "0m1.234s 0m0.567s".
  const secs = (t: string) => { const x = /(\d+)m([\d.]+)s/.exec(t); return x ? Number(x[1]) * 60 + Number(x[2]) : 0; };
  const childLine = r.stdout.trim().split('\n').pop() ?? '';
  const dnsperfCpu = childLine.split(/\s+/).reduce((a, t) => a + secs(t), 0);
  return { qps: Number(m[1]), lost, dnsperfCpu, serverCpu };
}

function perfLine(r: PerfRun): string {
  const pct = (s: number) => `${((s / SECONDS) * 100).toFixed(0)}% of a core`;
  return `  ${r.qps.toFixed(0)} queries/s (lost ${r.lost}); server CPU ${pct(r.serverCpu)}, dnsperf CPU ${pct(r.dnsperfCpu)}`;
}

async function changeToAnswerLatency(server: DnsServer, samples = 200): Promise<{ p50: number; p99: number }> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const lat: number[] = [];
  for (let i = 0; i < samples; i++) {
    const ip = `10.250.${i >> 8}.${(i & 255) || 1}`;
    const t0 = process.hrtime.bigint();
    server.index.upsertSlice({ metadata: { name: 'db-0-x', namespace: 'bench', labels: { 'kubernetes.io/service-name': 'db-0' } }, addressType: 'IPv4', endpoints: [{ addresses: [ip], hostname: 'db-0-0', conditions: { ready: true } }], ports: [{ name: 'db', port: 5432, protocol: 'TCP' }] });
    // Poll until the new IP is answered.
    for (;;) {
      const q = packet.encode({ type: 'query', id: i, questions: [{ type: 'A', name: 'db-0-0.db-0.bench.svc.cluster.local' }] });
      const ans = await new Promise<string | undefined>((resolve) => {
        const onMsg = (m: Buffer) => {
          sock.off('message', onMsg);
          const p = packet.decode(m);
          resolve((p.answers?.[0] as { data?: string } | undefined)?.data);
        };
        sock.on('message', onMsg);
        sock.send(q, server.address.port, '127.0.0.1');
      });
      if (ans === ip) break;
    }
    lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  sock.close();
  lat.sort((a, b) => a - b);
  return { p50: lat[Math.floor(lat.length * 0.5)]!, p99: lat[Math.floor(lat.length * 0.99)]! };
}

/**
 * The whole path: a pod's Ready condition written to the API → endpoints controller → EndpointSlice
 * → DNS informer → answer. p50/p99 over `samples` pods.
 */
async function podReadyToAnswer(workers: number, samples = 60): Promise<{ p50: number; p99: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'ordinal-dnsbench-cluster-'));
  const cluster = await startCluster({ dataDir: dir, listen: '127.0.0.1:0', runtime: 'sim', storage: 'memory', components: [endpointsComponent], log: () => {} });
  const client = new HttpClient({ url: cluster.url, token: cluster.token, caPem: cluster.caPem });
  const server = new DnsServer({ host: '127.0.0.1', port: 0, upstreams: [], udpWorkers: workers });
  await server.start();
  await server.workersReady;
  const feed = feedIndex(client, server.index);
  await feed.synced;
  await client.create(R.services, 'default', { metadata: { name: 'db', namespace: 'default' }, spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ name: 'pg', port: 5432 }] } });
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const ask = (name: string) => new Promise<string | undefined>((resolve) => {
    const onMsg = (m: Buffer) => {
      sock.off('message', onMsg);
      resolve((packet.decode(m).answers?.[0] as { data?: string } | undefined)?.data);
    };
    sock.on('message', onMsg);
    sock.send(packet.encode({ type: 'query', id: 1, questions: [{ type: 'A', name }] }), server.address.port, '127.0.0.1');
  });
  const lat: number[] = [];
  for (let i = 0; i < samples; i++) {
    const name = `db-${i}`;
    const pod = await client.create(R.pods, 'default', { metadata: { name, namespace: 'default', labels: { app: 'db' } }, spec: { hostname: name, subdomain: 'db', containers: [{ name: 'pg', image: 'postgres' }] } });
    const ip = `10.244.${i >> 8}.${(i & 255) + 2}`;
    const t0 = process.hrtime.bigint();
    await client.updateStatus(R.pods, 'default', { ...pod, status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: 'True' }] } });
    while ((await ask(`${name}.db.default.svc.cluster.local`)) !== ip) await new Promise((r) => setTimeout(r, 1));
    lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  sock.close();
  feed.stop();
  await server.stop();
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
  lat.sort((a, b) => a - b);
  return { p50: lat[Math.floor(lat.length * 0.5)]!, p99: lat[Math.min(lat.length - 1, Math.floor(lat.length * 0.99))]! };
}

async function main(): Promise<void> {
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`;
  console.log(`DNS benchmark — ${machine}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const server = new DnsServer({ host: '127.0.0.1', port: 0, upstreams: [] });
  const { zoneText, queries, records } = buildZone(server.index);
  gc?.();
  const after = process.memoryUsage().heapUsed;
  await server.start();
  const dir = mkdtempSync(join(tmpdir(), 'ordinal-dnsbench-'));
  const queryFile = join(dir, 'queries.txt');
  // Shuffled query mix over every name in the zone.
  const mix = Array.from({ length: 20_000 }, () => queries[Math.floor(Math.random() * queries.length)]!);
  writeFileSync(queryFile, mix.join('\n') + '\n');
  console.log(`zone: ${SERVICES} services, ${HEADLESS * PODS_PER} pods, ${records} A records`);
  console.log(`index memory: ${(((after - before) / records) * 1000 / 1024).toFixed(1)} KiB per 1,000 records${gc ? '' : ' (run with --expose-gc for a stable figure)'}`);

  let workersServer: DnsServer | undefined;
  if (!need('dnsperf', 'dnsperf')) {
    console.log('dnsperf not available: skipping the throughput comparison');
  } else {
    console.log(`ordinal DNS, main thread only (udpWorkers 0), ${SECONDS}s:`);
    const ours0 = await dnsperf(server.address.port, queryFile, [], true);
    console.log(perfLine(ours0));
    // The same zone served with UDP worker processes sharing the socket (what `ordinal up` runs).
    workersServer = new DnsServer({ host: '127.0.0.1', port: 0, upstreams: [], udpWorkers: WORKERS });
    buildZone(workersServer.index);
    await workersServer.start();
    await workersServer.workersReady;
    const pids = workersServer.workerPids();
    console.log(`ordinal DNS, main thread + ${pids.length} UDP worker process(es) (udpWorkers ${WORKERS}), ${SECONDS}s:`);
    const oursW = await dnsperf(workersServer.address.port, queryFile, pids, true);
    const ws = await workersServer.workerStats();
    console.log(perfLine(oursW) + `; ${ws.answered} answered by workers`);
    if (need('nsd', 'nsd')) {
      const port = 20000 + Math.floor(Math.random() * 20000);
      writeFileSync(join(dir, 'cluster.local.zone'), zoneText);
      writeFileSync(join(dir, 'nsd.conf'), `server:\n  ip-address: 127.0.0.1@${port}\n  server-count: 1\n  username: ""\n  zonesdir: "${dir}"\n  pidfile: "${dir}/nsd.pid"\n  database: ""\n  zonelistfile: "${dir}/zone.list"\n  xfrdfile: "${dir}/xfrd.state"\n  xfrdir: "${dir}"\n  logfile: "${dir}/nsd.log"\n  verbosity: 0\nremote-control:\n  control-enable: no\nzone:\n  name: cluster.local\n  zonefile: cluster.local.zone\n`);
      const nsd = spawn('nsd', ['-d', '-c', join(dir, 'nsd.conf')], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, 1500));
      // nsd -d forks its main process, which forks the server: count every descendant.
      const nsdPids = [nsd.pid!, ...descendants(nsd.pid!)];
      console.log(`NSD ${spawnSync('nsd', ['-v'], { encoding: 'utf8' }).stderr.split('\n')[0]} (server-count 1), ${SECONDS}s:`);
      try {
        const theirs = await dnsperf(port, queryFile, nsdPids, false);
        console.log(perfLine(theirs));
        console.log(`ratio ordinal/NSD (same run): main thread only ${(ours0.qps / theirs.qps).toFixed(2)}, with ${WORKERS} worker(s) ${(oursW.qps / theirs.qps).toFixed(2)}`);
      } finally {
        nsd.kill('SIGTERM');
      }
    } else {
      console.log('nsd not available: no peer ratio');
    }
  }
  const lat = await changeToAnswerLatency(server);
  console.log(`endpoint change → new answer (index update to UDP answer, main thread only): p50 ${lat.p50.toFixed(2)} ms, p99 ${lat.p99.toFixed(2)} ms`);
  if (workersServer) {
    const latW = await changeToAnswerLatency(workersServer);
    console.log(`endpoint change → new answer (with ${WORKERS} UDP worker(s)): p50 ${latW.p50.toFixed(2)} ms, p99 ${latW.p99.toFixed(2)} ms`);
    await workersServer.stop();
  }
  for (const w of [0, WORKERS]) {
    const full = await podReadyToAnswer(w);
    console.log(`pod Ready → DNS answer (API write → endpoints controller → EndpointSlice → DNS informer, ${w} UDP worker(s)): p50 ${full.p50.toFixed(1)} ms, p99 ${full.p99.toFixed(1)} ms (target p99 ≤ 100 ms)`);
  }
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

/** Every descendant of a process (from /proc). */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      parent.set(Number(d), Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]));
    } catch { /* gone */ }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [c, pp] of parent) if (pp === p) { out.push(c); walk(c); }
  };
  walk(pid);
  return out;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
