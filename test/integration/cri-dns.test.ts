// Cluster DNS from inside real containers: startCluster with the default components and the node
// agent on the CRI runtime (a private containerd, pods on a CNI bridge our code creates). A busybox
// pod's /etc/resolv.conf names the kube-dns ClusterIP 10.96.0.10; its `nslookup` of a StatefulSet
// pod's stable name and of `kubernetes.default` must get the right answers from Ordinal's DNS,
// which listens on 127.0.0.1 (the node redirects kube-dns traffic from its bridge there). As root a
// machine that cannot run containerd FAILS; non-root runs skip.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { startCluster, type Cluster } from '../../src/cli/cluster.js';
import { defaultComponents } from '../../src/cli/components.js';
import { nodeAgentComponent } from '../../src/cli/agent.js';
import { findKubectl } from '../../src/cli/kubectl.js';
import { CriRuntime } from '../../src/node/runtime/cri.js';
import { containerdUnavailable } from '../../src/node/runtime/containerd.js';
import * as packet from 'dns-packet';
import { eventually as eventually_ } from '../eventually.js';

const why = containerdUnavailable();
const isRoot = process.getuid?.() === 0;
const skip = why && !isRoot ? `containerd cannot run here: ${why}` : false;
const KUBECTL = findKubectl();
// Names outside the cluster zone are not forwarded anywhere from this test (loopback only).
process.env.ORDINAL_DNS_UPSTREAMS = '';

const BRIDGE = `orddns${process.pid % 10000}`;
let dir: string;
let cluster: Cluster | undefined;
let rt: CriRuntime | undefined;
const logs: string[] = [];

function kubectl(args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(KUBECTL!, ['--kubeconfig', cluster!.kubeconfigPath, ...args], { env: { ...process.env, HOME: dir }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.on('error', reject);
    p.on('close', (code) => { clearTimeout(t); resolve({ code, stdout, stderr }); });
    p.stdin.end(input ?? '');
  });
}

const eventually = <T>(what: string, f: () => Promise<T | undefined | null | false>, ms = 60000): Promise<T> =>
  eventually_(what, f, { timeoutMs: ms, everyMs: 200, context: () => logs.slice(-30).join('\n') });

const isReady = (p: Pod | undefined) => p?.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

const MANIFEST = `apiVersion: v1
kind: Service
metadata:
  name: nginx
spec:
  clusterIP: None
  selector:
    app: nginx
  ports:
  - name: web
    port: 80
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: nginx
  replicas: 1
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: nginx
        image: busybox
        imagePullPolicy: IfNotPresent
        command: ["sh", "-c", "mkdir -p /www && exec httpd -f -p 80 -h /www"]
        ports:
        - containerPort: 80
          name: web
        readinessProbe:
          exec:
            command: ["pidof", "httpd"]
          periodSeconds: 1
`;

/** The `Address:` lines of a busybox nslookup answer (after the server's own lines). */
function answerAddresses(out: string): string[] {
  const after = out.split(/\n\s*\n/).slice(1).join('\n');
  return [...after.matchAll(/^Address:\s*(\S+)/gm)].map((m) => m[1]!);
}

function natChainExists(chain: string): boolean {
  return spawnSync('iptables', ['-w', '5', '-t', 'nat', '-S', chain], { stdio: 'ignore' }).status === 0;
}

before(async () => {
  if (skip) return;
  if (why) assert.fail(`running as root but containerd cannot run: ${why} (bin/ordinal-test installs containerd, runc, containernetworking-plugins, busybox-static, iptables)`);
  assert.ok(KUBECTL, 'kubectl not found');
  dir = mkdtempSync(join(tmpdir(), 'ordinal-cri-dns-'));
  const agent = nodeAgentComponent({
    nodeName: 'cri-dns-node', nodeIP: '127.0.0.1', syncMs: 200, leaseRenewMs: 1000, statusUpdateMs: 2000,
    get runtime() { return rt; },
  });
  rt = new CriRuntime({
    dataDir: join(dir, 'node'), podCIDR: () => agent.agent!.podCIDR,
    // A bridge of its own so that a concurrent run of the suite cannot collide with ours.
    bridgeName: BRIDGE, cgroupRoot: `ordinal-dns-${process.pid}`, log: (m) => logs.push(m),
  });
  cluster = await startCluster({
    dataDir: join(dir, 'cluster'), listen: '127.0.0.1:0', dns: '127.0.0.1:0',
    components: [...defaultComponents({ agent: false }), agent],
    log: (m) => logs.push(m),
  });
});

after(async () => {
  if (skip) return;
  try {
    await cluster?.stop();
  } finally {
    await rt?.destroy();
    if (dir) try { rmSync(dir, { recursive: true, force: true }); } catch (e) { console.log(`leaving ${dir}: ${(e as Error).message}`); }
  }
}, { timeout: 120_000 });

test('cri dns: a real busybox pod resolves cluster names through the kube-dns ClusterIP', { skip, timeout: 240_000 }, async () => {
  const created = await kubectl(['apply', '-f', '-'], MANIFEST);
  assert.equal(created.code, 0, created.stderr);
  const web0 = await eventually('web-0 Running and Ready', async () => {
    const r = await kubectl(['get', 'pod', 'web-0', '-o', 'json']);
    const p = r.code === 0 ? (JSON.parse(r.stdout) as Pod) : undefined;
    return isReady(p) ? p : undefined;
  }, 120_000);
  const podIP = web0.status!.podIP!;
  assert.match(podIP, /^10\.244\.\d+\.\d+$/);

  // The pod's resolver configuration is the cluster's, as the kubelet writes it.
  const resolv = await kubectl(['exec', 'web-0', '--', 'cat', '/etc/resolv.conf']);
  assert.equal(resolv.code, 0, resolv.stderr);
  assert.match(resolv.stdout, /^nameserver 10\.96\.0\.10$/m);
  assert.match(resolv.stdout, /^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local/m);
  assert.match(resolv.stdout, /^options ndots:5$/m);

  // The node sends kube-dns traffic from its bridge (and only from there) to the real server.
  const chain = rt!.containerd!.dnsChain;
  const rules = spawnSync('iptables', ['-w', '5', '-t', 'nat', '-S', chain], { encoding: 'utf8' }).stdout;
  assert.match(rules, /-d 10\.96\.0\.10\/32 -p udp -m udp --dport 53 -j DNAT --to-destination 127\.0\.0\.1:\d+/);
  const jump = spawnSync('iptables', ['-w', '5', '-t', 'nat', '-S', 'PREROUTING'], { encoding: 'utf8' }).stdout;
  assert.match(jump, new RegExp(`-A PREROUTING -i ${BRIDGE} .*-j ${chain}`));

  // The StatefulSet pod's stable name, asked from inside the container (UDP).
  const fqdn = await eventually('nslookup web-0.nginx.default.svc.cluster.local in web-0', async () => {
    const r = await kubectl(['exec', 'web-0', '--', 'nslookup', 'web-0.nginx.default.svc.cluster.local']);
    return r.code === 0 && answerAddresses(r.stdout).includes(podIP) ? r.stdout : undefined;
  }, 30_000);
  assert.match(fqdn, /^Server:\s+10\.96\.0\.10$/m);
  assert.match(fqdn, /^Name:\s+web-0\.nginx\.default\.svc\.cluster\.local$/m);
  assert.deepEqual(answerAddresses(fqdn), [podIP]);

  // The API's Service by its full name, and by a dotless name through the pod's search path (busybox's
  // nslookup applies the search list only to names without a dot).
  const api = await kubectl(['exec', 'web-0', '--', 'nslookup', 'kubernetes.default.svc.cluster.local']);
  assert.equal(api.code, 0, `${api.stdout}${api.stderr}`);
  assert.deepEqual(answerAddresses(api.stdout), ['10.96.0.1']);
  // (It asks every search domain at once and exits 1 because the other two are NXDOMAIN.)
  const short = await kubectl(['exec', 'web-0', '--', 'nslookup', 'kubernetes']);
  assert.match(short.stdout, /can't find kubernetes\.svc\.cluster\.local: NXDOMAIN/);
  assert.match(short.stdout, /^Name:\s+kubernetes\.default\.svc\.cluster\.local$/m);
  assert.deepEqual(answerAddresses(short.stdout), ['10.96.0.1']);
  // busybox >= 1.29 sends a dotted name like `kubernetes.default` as is, so it leaves the cluster
  // zone (forwarded upstream; none in this test) — the same on upstream Kubernetes, which is why
  // its DNS debugging docs pin busybox:1.28 (docker-library/busybox#48, kubernetes/website#31930).
  const dotted = await kubectl(['exec', 'web-0', '--', 'nslookup', 'kubernetes.default']);
  assert.notEqual(dotted.code, 0);
  assert.match(dotted.stdout, /can't find kubernetes\.default: SERVFAIL/);

  // Over TCP too (the redirect covers 53/tcp): a length-prefixed query written with busybox nc,
  // the answer read back as hex and decoded here.
  const q = packet.streamEncode({ type: 'query', id: 4242, flags: packet.RECURSION_DESIRED, questions: [{ type: 'A', name: 'web-0.nginx.default.svc.cluster.local', class: 'IN' }] });
  const printf = [...q].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('');
  const tcp = await kubectl(['exec', 'web-0', '--', 'sh', '-c', `printf '${printf}' | nc -w 5 10.96.0.10 53 | od -An -tx1 -v`]);
  assert.equal(tcp.code, 0, tcp.stderr);
  const bytes = Buffer.from(tcp.stdout.replace(/\s+/g, ''), 'hex');
  const tcpAnswer = packet.streamDecode(bytes) as packet.DecodedPacket;
  assert.equal(tcpAnswer.id, 4242);
  assert.deepEqual((tcpAnswer.answers ?? []).map((a) => (a as { data: string }).data), [podIP]);

  // The headless Service name itself and a name that does not exist.
  const svc = await kubectl(['exec', 'web-0', '--', 'nslookup', 'nginx.default.svc.cluster.local']);
  assert.deepEqual(answerAddresses(svc.stdout), [podIP], svc.stdout);
  const missing = await kubectl(['exec', 'web-0', '--', 'nslookup', 'nope.default.svc.cluster.local']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stdout + missing.stderr, /NXDOMAIN/);
});

test('cri dns: teardown removes the redirect and the bridge', { skip, timeout: 120_000 }, async () => {
  const chain = rt!.containerd!.dnsChain;
  await cluster!.stop();
  cluster = undefined;
  await rt!.destroy();
  rt = undefined;
  assert.equal(natChainExists(chain), false, `${chain} left behind`);
  assert.equal(existsSync(`/sys/class/net/${BRIDGE}`), false, `${BRIDGE} left behind`);
  const jump = spawnSync('iptables', ['-w', '5', '-t', 'nat', '-S', 'PREROUTING'], { encoding: 'utf8' }).stdout;
  assert.doesNotMatch(jump, new RegExp(chain));
});
