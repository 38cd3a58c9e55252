// DNS benchmark: Ordinal's DNS vs a C authoritative server (NSD) serving the same zone of 1,000
// services and 5,000 pods, both driven by dnsperf in the same run. Also: memory per 1,000 records,
// and p99 latency from an endpoint change to the new answer (index update → UDP answer).
// Run: node --import tsx --expose-gc bench/dns.ts [seconds]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
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

/** Runs dnsperf without blocking our event loop (our server lives in this process). */
async function dnsperf(port: number, queryFile: string): Promise<number> {
  const child = spawn('dnsperf', ['-s', '127.0.0.1', '-p', String(port), '-d', queryFile, '-l', String(SECONDS), '-c', '4', '-q', '200']);
  const r = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (r.stdout += d));
  child.stderr.on('data', (d) => (r.stderr += d));
  await new Promise((res) => child.on('exit', res));
  const m = /Queries per second:\s+([\d.]+)/.exec(r.stdout);
  const lost = /Queries lost:\s+(\d+)/.exec(r.stdout)?.[1];
  if (!m) throw new Error(`dnsperf failed: ${r.stdout}${r.stderr}`);
  console.log(`    (lost ${lost ?? '?'})`);
  return Number(m[1]);
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
async function podReadyToAnswer(samples = 60): Promise<{ p50: number; p99: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'ordinal-dnsbench-cluster-'));
  const cluster = await startCluster({ dataDir: dir, listen: '127.0.0.1:0', runtime: 'sim', storage: 'memory', components: [endpointsComponent], log: () => {} });
  const client = new HttpClient({ url: cluster.url, token: cluster.token, caPem: cluster.caPem });
  const server = new DnsServer({ host: '127.0.0.1', port: 0, upstreams: [] });
  await server.start();
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
  console.log(`DNS benchmark — ${machine}`);
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

  if (!need('dnsperf', 'dnsperf')) {
    console.log('dnsperf not available: skipping the throughput comparison');
  } else {
    console.log(`ordinal DNS (1 Node.js thread), ${SECONDS}s:`);
    const ours = await dnsperf(server.address.port, queryFile);
    console.log(`  ${ours.toFixed(0)} queries/s`);
    if (need('nsd', 'nsd')) {
      const port = 20000 + Math.floor(Math.random() * 20000);
      writeFileSync(join(dir, 'cluster.local.zone'), zoneText);
      writeFileSync(join(dir, 'nsd.conf'), `server:\n  ip-address: 127.0.0.1@${port}\n  server-count: 1\n  username: ""\n  zonesdir: "${dir}"\n  pidfile: "${dir}/nsd.pid"\n  database: ""\n  zonelistfile: "${dir}/zone.list"\n  xfrdfile: "${dir}/xfrd.state"\n  xfrdir: "${dir}"\n  logfile: "${dir}/nsd.log"\n  verbosity: 0\nremote-control:\n  control-enable: no\nzone:\n  name: cluster.local\n  zonefile: cluster.local.zone\n`);
      const nsd = spawn('nsd', ['-d', '-c', join(dir, 'nsd.conf')], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, 1500));
      console.log(`NSD ${spawnSync('nsd', ['-v'], { encoding: 'utf8' }).stderr.split('\n')[0]} (1 server process), ${SECONDS}s:`);
      try {
        const theirs = await dnsperf(port, queryFile);
        console.log(`  ${theirs.toFixed(0)} queries/s`);
        console.log(`ratio ordinal/NSD: ${(ours / theirs).toFixed(2)}`);
      } finally {
        nsd.kill('SIGTERM');
      }
    } else {
      console.log('nsd not available: no peer ratio');
    }
  }
  const lat = await changeToAnswerLatency(server);
  console.log(`endpoint change → new answer (index update to UDP answer): p50 ${lat.p50.toFixed(2)} ms, p99 ${lat.p99.toFixed(2)} ms`);
  const full = await podReadyToAnswer();
  console.log(`pod Ready → DNS answer (API write → endpoints controller → EndpointSlice → DNS informer): p50 ${full.p50.toFixed(1)} ms, p99 ${full.p99.toFixed(1)} ms (target p99 ≤ 100 ms)`);
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
