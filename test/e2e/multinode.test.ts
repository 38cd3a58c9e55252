// Several nodes as separate processes: `bin/ordinal up --no-agent` plus two `bin/ordinal agent`
// processes (sim runtime) joining over HTTPS on 127.0.0.1, driven with the real kubectl. Checks
// that both nodes are Ready, the scheduler spreads a StatefulSet over them, kubectl logs / exec /
// port-forward reach pods on either agent (API server → agent streaming server), and that after
// `kill -9` of one agent its node goes NotReady, its pods are evicted and — once the node is
// marked out of service — replaced on the surviving node, except a pod whose claim is bound to a
// volume on the dead node: it stays Pending with upstream's scheduler message.
// The node lifecycle controller's grace period is shortened for the test through
// ORDINAL_NODE_MONITOR_GRACE_PERIOD (upstream default 40 s stays the default).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import net from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { startCluster, ORDINAL, ROOT, tableRows, kubectlVersioned, type Cluster, type RunResult } from './harness.js';
import { generateTlsSync } from '../../src/apiserver/cert-der.js';
import { eventually as eventually_ } from '../eventually.js';

process.env.ORDINAL_NODE_MONITOR_GRACE_PERIOD = '3s';
process.env.ORDINAL_NODE_MONITOR_PERIOD = '250ms';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let c: Cluster;

interface AgentProc { name: string; proc: ChildProcess; out: () => string; exited: Promise<void> }
const agents = new Map<string, AgentProc>();

/** The join token `up` generated (a bootstrap token, kept in <data dir>/join-token and printed). */
const joinToken = () => readFileSync(join(c.dataDir, 'join-token'), 'utf8').trim();

function startAgent(name: string): AgentProc {
  const proc = spawn(ORDINAL, [
    'agent', '--server', c.server, '--token-file', join(c.dataDir, 'join-token'), '--ca-file', join(c.dataDir, 'pki', 'ca.crt'),
    '--name', name, '--runtime', 'sim', '--node-ip', '127.0.0.1', '--port', '0',
    '--data-dir', join(c.tmp, `agent-${name}`), '--node-status-update-frequency', '1s',
  ], { cwd: ROOT, env: { ...process.env, ORDINAL_HOME: c.dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));
  const a = { name, proc, out: () => out, exited };
  agents.set(name, a);
  return a;
}

function diag(): string {
  return [...agents.values()].map((a) => `--- agent ${a.name} ---\n${a.out().slice(-3000)}`).join('\n') + '\n' + c.logs();
}

function ok(r: RunResult): string {
  assert.equal(r.code, 0, `${r.all}\n${diag()}`);
  return r.stdout;
}

const until = <T>(what: string, f: () => Promise<T | undefined | null | false>, ms = 30000): Promise<T> =>
  eventually_(what, f, { timeoutMs: ms, everyMs: 200, context: () => diag() });

const kc = (...args: string[]) => c.kubectl(args);
const json = async (...args: string[]) => JSON.parse(ok(await kc(...args, '-o', 'json')));

interface PodInfo { name: string; uid: string; node?: string; phase?: string; deleting: boolean; scheduledMsg?: string }
async function pods(selector: string): Promise<PodInfo[]> {
  const list = await json('get', 'pods', '-l', selector);
  return list.items.map((p: any) => ({
    name: p.metadata.name, uid: p.metadata.uid, node: p.spec.nodeName, phase: p.status?.phase, deleting: !!p.metadata.deletionTimestamp,
    scheduledMsg: (p.status?.conditions ?? []).find((x: any) => x.type === 'PodScheduled' && x.status === 'False')?.message,
  }));
}

/** A StatefulSet of sim pods; tolerating the unreachable/not-ready taints for 1 s (upstream's default is 300 s). */
function setYaml(name: string, replicas: number, claims: boolean): string {
  return `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: ${name}
spec:
  serviceName: ${name}
  replicas: ${replicas}
  podManagementPolicy: Parallel
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      terminationGracePeriodSeconds: 1
      tolerations:
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 1}
      - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 1}
      containers:
      - name: app
        image: registry.k8s.io/busybox:1.36
        command: ["sh", "-c", "echo started $HOSTNAME; sleep 100000"]
        ports:
        - containerPort: 80
${claims ? `        volumeMounts:
        - {name: data, mountPath: /data}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
` : ''}`;
}

before(async () => {
  c = await startCluster({ args: ['--no-agent', '--storage', 'memory'] });
  startAgent('node-a');
  startAgent('node-b');
});

after(async () => {
  for (const a of agents.values()) {
    if (a.proc.exitCode === null && a.proc.signalCode === null) a.proc.kill('SIGKILL');
    await a.exited;
  }
  await c?.cleanup();
});

test('`up` prints and stores a join token (bootstrap token Secret in kube-system)', async () => {
  const token = joinToken();
  assert.match(token, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
  assert.ok(c.logs().includes(`join a node: bin/ordinal agent --server ${c.server} --token ${token} `), c.logs());
  const id = token.split('.')[0]!;
  const secret = await json('get', 'secret', '-n', 'kube-system', `bootstrap-token-${id}`);
  assert.equal(secret.type, 'bootstrap.kubernetes.io/token');
  const field = (k: string) => Buffer.from(secret.data[k], 'base64').toString();
  assert.equal(field('token-id'), id);
  assert.equal(field('token-secret'), token.split('.')[1]);
  assert.equal(field('usage-bootstrap-authentication'), 'true');
  // The token is a credential of its own (system:bootstrap:<id>), not the admin's.
  const kcJoin = c.kubeconfigWithToken(token);
  const who = await c.kubectl(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], { kubeconfig: kcJoin });
  assert.equal(ok(who), `system:bootstrap:${id}`);
  assert.equal((await c.kubectl(['get', 'nodes'], { kubeconfig: c.kubeconfigWithToken('abcdef.0123456789abcdef') })).code, 1);
});

test('two `ordinal agent` processes join over HTTPS with it: both nodes Ready, each with its own streaming port', async () => {
  const rows = await until('both nodes Ready', async () => {
    const r = tableRows(ok(await kc('get', 'nodes')));
    const ready = r.slice(1).filter((x) => x[1] === 'Ready').map((x) => x[0]).sort();
    return ready.join(',') === 'node-a,node-b' ? r : undefined;
  });
  assert.deepEqual(rows[0]!.slice(0, 5), ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
  const nodes = (await json('get', 'nodes')).items;
  const ports = nodes.map((n: any) => n.status.daemonEndpoints.kubeletEndpoint.Port);
  assert.equal(new Set(ports).size, 2, `distinct streaming ports: ${ports}`);
  for (const n of nodes) {
    assert.deepEqual(n.status.addresses.find((a: any) => a.type === 'InternalIP'), { type: 'InternalIP', address: '127.0.0.1' });
    assert.match(n.metadata.annotations['node.ordinal.dev/kubelet-serving-cert-sha256'], /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  }
});

test('the scheduler spreads a StatefulSet over both nodes', async () => {
  ok(await c.kubectl(['apply', '-f', '-'], { input: setYaml('spread', 2, false) }));
  const ps = await until('spread-0/1 Running on two nodes', async () => {
    const p = await pods('app=spread');
    return p.length === 2 && p.every((x) => x.phase === 'Running') ? p : undefined;
  });
  assert.deepEqual(ps.map((p) => p.node).sort(), ['node-a', 'node-b']);
  // kubectl's wide table shows the node of each pod.
  const wide = tableRows(ok(await kc('get', 'pods', '-l', 'app=spread', '-o', 'wide')));
  const nodeCol = wide[0]!.indexOf('NODE');
  assert.deepEqual(wide.slice(1).map((r) => r[nodeCol]).sort(), ['node-a', 'node-b']);
});

test('kubectl logs, exec and port-forward reach pods on both remote agents', async () => {
  const ps = await pods('app=spread');
  for (const p of ps) {
    const logs = await until(`logs of ${p.name}`, async () => {
      const r = await kc('logs', p.name);
      return r.code === 0 && r.stdout.includes('started') ? r.stdout : undefined;
    });
    assert.equal(logs, `started ${p.name}\n`, `${p.name} on ${p.node}`);
    assert.equal(ok(await kc('exec', p.name, '--', 'hostname')), `${p.name}\n`);
    // stdin through the agent (the sim shell reads commands from it) and an exit code back.
    const r = await c.kubectl(['exec', '-i', p.name, '--', 'sh'], { input: `echo hello ${p.node}\ncat /etc/hostname\nexit 3\n` });
    assert.equal(r.stdout, `hello ${p.node}\n${p.name}\n`, r.all);
    assert.equal(r.code, 3, r.all);
    assert.match(r.stderr, /command terminated with exit code 3/);
    // Container validation still happens at the API server.
    const bad = await kc('exec', p.name, '-c', 'nope', '--', 'hostname');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, new RegExp(`container nope is not valid for pod ${p.name}`));
  }
  // logs -f: the stream stays open through the API server while the container runs.
  const follow = c.kubectlStream(['logs', '-f', ps[0]!.name]);
  try {
    await follow.waitFor(/started /, 15_000);
    await sleep(300);
    assert.equal(follow.proc.exitCode, null, 'kubectl logs -f is still following');
  } finally {
    await follow.stop();
  }
  // kubectl 1.29 speaks SPDY only (no WebSocket): the proxy passes that upgrade through too.
  const old = kubectlVersioned(29);
  if (existsSync(old)) {
    const r = await c.kubectl(['exec', '-i', ps[0]!.name, '--', 'sh'], { bin: old, input: 'echo over spdy\nexit 0\n' });
    assert.equal(r.stdout, 'over spdy\n', r.all);
    assert.equal(r.code, 0, r.all);
  }
  // run -i --rm: attach to a fresh pod's shell on whichever agent it lands, then it is deleted.
  const run = await c.kubectl(['run', '-i', '--rm', 'runner', '--image=busybox', '--restart=Never', '--', 'sh'], { input: 'echo hi from run\nexit 0\n', timeoutMs: 40_000 });
  assert.equal(run.code, 0, run.all);
  assert.match(run.stdout, /hi from run\n/);
  // port-forward: the sim's ports are echo servers.
  const target = ps.find((p) => p.node === 'node-b')!;
  const pf = c.kubectlStream(['port-forward', '--address', '127.0.0.1', `pod/${target.name}`, ':80']);
  try {
    const out = await pf.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) -> 80/, 15_000);
    const port = Number(/Forwarding from 127\.0\.0\.1:(\d+) -> 80/.exec(out)![1]);
    for (const msg of ['through the API server to node-b\n', 'x'.repeat(200_000)]) assert.equal(await echo(port, msg), msg);
  } finally {
    await pf.stop();
  }
});

test('the agent streaming server accepts only the API server certificate', async () => {
  const pod = (await pods('app=spread')).find((p) => p.node === 'node-a')!;
  const node = await json('get', 'node', 'node-a');
  const port = node.status.daemonEndpoints.kubeletEndpoint.Port;
  const get = (cert?: { certPem: string; keyPem: string }) => new Promise<{ status: number; body: string }>((resolve, reject) => {
    https.get({
      host: '127.0.0.1', port, path: `/containerLogs/default/${pod.name}/app`, rejectUnauthorized: false, agent: false,
      cert: cert?.certPem, key: cert?.keyPem, headers: { Authorization: `Bearer ${c.token}` },
    }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
  // No client certificate (a bearer token, even the admin's, is not a credential here).
  assert.equal((await get()).status, 401);
  // A certificate of another CA.
  assert.equal((await get(generateTlsSync(['127.0.0.1']))).status, 401);
  // The API server's own certificate and key.
  const apiserver = { certPem: readFileSync(join(c.dataDir, 'pki', 'apiserver.crt'), 'utf8'), keyPem: readFileSync(join(c.dataDir, 'pki', 'apiserver.key'), 'utf8') };
  assert.deepEqual(await get(apiserver), { status: 200, body: `started ${pod.name}\n` });

  // The other way round: the API server talks only to the certificate the Node publishes.
  const key = 'node.ordinal.dev/kubelet-serving-cert-sha256';
  const real = node.metadata.annotations[key];
  ok(await kc('annotate', '--overwrite', 'node', 'node-a', `${key}=${'00:'.repeat(31)}00`));
  try {
    const r = await kc('logs', pod.name);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /the certificate of node "node-a" does not match its published fingerprint/, r.all);
  } finally {
    ok(await kc('annotate', '--overwrite', 'node', 'node-a', `${key}=${real}`));
  }
  assert.equal(ok(await kc('logs', pod.name)), `started ${pod.name}\n`);
});

test('kill -9 of an agent: NotReady, pods evicted and replaced on the other node; a pod whose volume is on the dead node stays Pending', async () => {
  ok(await c.kubectl(['apply', '-f', '-'], { input: setYaml('data', 2, true) }));
  const dataPods = await until('data-0/1 Running on two nodes', async () => {
    const p = await pods('app=data');
    return p.length === 2 && p.every((x) => x.phase === 'Running') && new Set(p.map((x) => x.node)).size === 2 ? p : undefined;
  }, 60_000);
  const victimSpread = (await pods('app=spread')).find((p) => p.node === 'node-a')!;
  const victimData = dataPods.find((p) => p.node === 'node-a')!;
  assert.ok(victimSpread && victimData);

  const a = agents.get('node-a')!;
  a.proc.kill('SIGKILL');
  await a.exited;

  await until('node-a NotReady', async () => {
    const r = tableRows(ok(await kc('get', 'node', 'node-a')));
    return r[1]?.[1] === 'NotReady' || undefined;
  });
  const node = await json('get', 'node', 'node-a');
  const ready = node.status.conditions.find((x: any) => x.type === 'Ready');
  assert.equal(ready.status, 'Unknown');
  assert.equal(ready.reason, 'NodeStatusUnknown');
  assert.equal(ready.message, 'Kubelet stopped posting node status.');
  // Streams to the dead node fail the way upstream's do (the API server cannot dial the kubelet).
  const logs = await kc('logs', victimSpread.name);
  assert.notEqual(logs.code, 0);
  assert.match(logs.stderr, /^Error from server: Get "https:\/\/127\.0\.0\.1:\d+\/containerLogs\/default\/spread-\d\/app": dial tcp 127\.0\.0\.1:\d+: connect: connection refused/, logs.all);
  const exec = await kc('exec', victimSpread.name, '--', 'hostname');
  assert.notEqual(exec.code, 0);
  assert.match(exec.stderr, /error dialing backend: dial tcp 127\.0\.0\.1:\d+: connect: connection refused/, exec.all);
  const taints = (node.spec.taints ?? []).map((t: any) => `${t.key}:${t.effect}`).sort();
  assert.deepEqual(taints, ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);

  // Evicted once the 1 s toleration ran out; with no kubelet to confirm, the pod stays Terminating.
  await until(`${victimSpread.name} evicted`, async () => (await pods('app=spread')).find((p) => p.name === victimSpread.name)?.deleting || undefined);
  await sleep(1500);
  const stuck = (await pods('app=spread')).find((p) => p.name === victimSpread.name)!;
  assert.equal(stuck.uid, victimSpread.uid, 'a StatefulSet pod on an unreachable node is not replaced on its own (at most one pod per identity)');

  // Non-graceful node shutdown, as upstream: the operator marks the node out of service.
  ok(await kc('taint', 'nodes', 'node-a', 'node.kubernetes.io/out-of-service=nodeshutdown:NoExecute'));
  const replaced = await until(`${victimSpread.name} replaced on node-b`, async () => {
    const p = (await pods('app=spread')).find((x) => x.name === victimSpread.name);
    return p && p.uid !== victimSpread.uid && p.node === 'node-b' && p.phase === 'Running' ? p : undefined;
  });
  assert.equal(replaced.node, 'node-b');
  // The replacement on the surviving node streams too.
  assert.equal(ok(await kc('exec', replaced.name, '--', 'hostname')), `${replaced.name}\n`);

  // The claimed pod: its PV is a local volume with node affinity for node-a; the new pod keeps the
  // claim and cannot run anywhere (upstream: Pending with a volume node affinity conflict).
  const pending = await until(`${victimData.name} recreated and unschedulable`, async () => {
    const p = (await pods('app=data')).find((x) => x.name === victimData.name);
    return p && p.uid !== victimData.uid && p.scheduledMsg ? p : undefined;
  });
  assert.equal(pending.phase, 'Pending');
  assert.equal(pending.node, undefined);
  assert.match(pending.scheduledMsg!, /^0\/2 nodes are available: /);
  assert.match(pending.scheduledMsg!, /1 node\(s\) had volume node affinity conflict/);
  assert.match(pending.scheduledMsg!, /1 node\(s\) had untolerated taint \{node\.kubernetes\.io\/(unreachable|out-of-service): /);
  assert.match(pending.scheduledMsg!, /preemption: 0\/2 nodes are available: 2 Preemption is not helpful for scheduling\.$/);
  const pvcName = `data-${victimData.name}`;
  const pvc = await json('get', 'pvc', pvcName);
  assert.equal(pvc.status.phase, 'Bound');
  const pv = await json('get', 'pv', pvc.spec.volumeName);
  const terms = pv.spec.nodeAffinity.required.nodeSelectorTerms;
  assert.deepEqual(terms[0].matchExpressions[0].values, ['node-a']);
  // The pod on the surviving node was untouched.
  const survivor = (await pods('app=data')).find((x) => x.node === 'node-b')!;
  assert.equal(survivor.phase, 'Running');
});

function echo(port: number, msg: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      got += d;
      if (got.length >= msg.length) { s.end(); resolve(got); }
    });
    s.on('error', reject);
    s.write(msg);
  });
}
