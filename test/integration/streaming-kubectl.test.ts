// kubectl logs / exec / port-forward routed API server → node agent → simulated runtime, driven by
// the real kubectl: 1.32 (WebSocket v5 for exec, SPDY-in-WebSocket for port-forward) and 1.29
// (SPDY only). The cluster runs in-process: scheduler + one node agent (sim) + the streaming
// registry wired to the agent's runtime, exactly as the node agent component should wire it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import https from 'node:https';
import { spawn } from 'node:child_process';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { startCluster, type Cluster, type Component } from '../../src/cli/cluster.js';
import { schedulerComponent } from '../../src/cli/components.js';
import { nodeAgentComponent } from '../../src/cli/agent.js';
import { HttpClient } from '../../src/client/http.js';
import { R } from '../../src/client/types.js';
import type { KubeObject } from '../../src/machinery/object.js';
import { streamingFor } from '../../src/apiserver/streaming/handlers.js';
import { RuntimeStreamer } from '../../src/node/streaming/runtime-streamer.js';
import { run, KUBECTL, kubectlVersioned } from '../e2e/harness.js';
import { eventually as eventually_ } from '../eventually.js';

const KUBECTL_129 = kubectlVersioned(29);
const have129 = existsSync(KUBECTL_129);

let dir: string;
let cluster: Cluster;
let client: HttpClient;
const agent = nodeAgentComponent({ nodeName: 'node-s', nodeIP: '127.0.0.1', syncMs: 200, crashBackoffMs: { initial: 300, max: 600 }, probeSecondMs: 100, leaseRenewMs: 500, statusUpdateMs: 1000 });
/**
 * The wiring the agent component needs: one line registering the agent's runtime as this node's
 * streamer. The registry installs its handlers when first asked; doing that before the agent starts
 * puts them ahead of the agent's own pods/log handler, so this file tests the streaming code.
 */
const installStreaming: Component = { name: 'streaming-install', async start(ctx) { streamingFor(ctx); return { stop() {} }; } };
const streaming: Component = {
  name: 'streaming',
  async start(ctx) {
    const unregister = streamingFor(ctx).register(agent.agent!.nodeName, new RuntimeStreamer(agent.agent!.runtime));
    return { stop: unregister };
  },
};

const as = <T>(o: unknown) => o as T;

const eventually = <T>(what: string, f: () => Promise<T | undefined | null | false>, ms = 15000): Promise<T> =>
  eventually_(what, f, { timeoutMs: ms, everyMs: 50 });

const kubectl = (args: string[], opts: { input?: string; bin?: string; timeoutMs?: number } = {}) =>
  run(opts.bin ?? KUBECTL, args, { input: opts.input, timeoutMs: opts.timeoutMs ?? 30_000, env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath, HOME: dir } });

async function createPod(name: string, containers: { name: string; args?: string[]; image?: string }[], extra: { annotations?: Record<string, string>; restartPolicy?: string } = {}): Promise<void> {
  await client.create(R.pods, 'default', as<KubeObject>({
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: 'default', annotations: extra.annotations },
    spec: {
      restartPolicy: extra.restartPolicy ?? 'Always',
      terminationGracePeriodSeconds: 0,
      containers: containers.map((c) => ({ name: c.name, image: c.image ?? 'busybox', command: c.args ? ['sh', '-c'] : undefined, args: c.args })),
    },
  }));
}

const getPod = async (name: string) => as<Pod>(await client.get(R.pods, 'default', name));
const running = (name: string) => eventually(`${name} running`, async () => (await getPod(name)).status?.containerStatuses?.every((c) => c.state?.running) || undefined);

function rawGet(path: string): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    https.get(`${cluster.url}${path}`, { ca: cluster.caPem, headers: { Authorization: `Bearer ${cluster.token}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ordinal-streaming-'));
  cluster = await startCluster({ dataDir: dir, listen: '127.0.0.1:0', runtime: 'sim', storage: 'memory', log: () => {}, components: [installStreaming, schedulerComponent, agent, streaming] });
  client = new HttpClient({ url: cluster.url, token: cluster.token, caPem: cluster.caPem });
  await createPod('web-0', [{ name: 'nginx', args: ['echo line one; echo line two; echo line three; sleep infinity'] }]);
  await createPod('multi', [{ name: 'a', args: ['echo from a; sleep infinity'] }, { name: 'b', args: ['echo from b; sleep infinity'] }]);
  await createPod('ticker', [{ name: 't', args: ['echo tick 1; sleep 0.4; echo tick 2; sleep 0.4; echo tick 3'] }], { restartPolicy: 'Never' });
  await createPod('crash', [{ name: 'c', args: ['echo boot; exit 1'] }]);
  await running('web-0');
  await running('multi');
});

after(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('kubectl logs: whole log, --tail, --timestamps, --limit-bytes, --since, -c', async () => {
  let r = await kubectl(['logs', 'web-0']);
  assert.equal(r.code, 0, r.all);
  assert.equal(r.stdout, 'line one\nline two\nline three\n');
  r = await kubectl(['logs', 'web-0', '--tail=1']);
  assert.equal(r.stdout, 'line three\n');
  r = await kubectl(['logs', 'web-0', '--timestamps', '--tail=2']);
  assert.match(r.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z line two\n\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z line three\n$/);
  r = await kubectl(['logs', 'web-0', '--limit-bytes=7']);
  assert.equal(r.stdout, 'line on');
  r = await kubectl(['logs', 'web-0', '--since=1h']);
  assert.equal(r.stdout, 'line one\nline two\nline three\n');
  r = await kubectl(['logs', 'web-0', '--since-time=2999-01-01T00:00:00Z']);
  assert.equal(r.stdout, '');
  r = await kubectl(['logs', 'multi', '-c', 'b']);
  assert.equal(r.stdout, 'from b\n');
  r = await kubectl(['logs', 'multi']); // kubectl picks the first container itself
  assert.equal(r.stdout, 'from a\n');
  assert.match(r.stderr, /Defaulted container "a" out of: a, b/);
});

test('kubectl logs -f streams until the container ends', async () => {
  const t0 = Date.now();
  const r = await kubectl(['logs', '-f', 'ticker'], { timeoutMs: 20_000 });
  assert.equal(r.code, 0, r.all);
  assert.equal(r.stdout, 'tick 1\ntick 2\ntick 3\n');
  assert.ok(Date.now() - t0 < 15_000);
});

/** A pod stuck in ContainerCreating for a few seconds (an image pull the sim delays; short, so no timer outlives the test). */
const slowPod = (name: string) => createPod(name, [{ name: 'c', args: ['sleep infinity'], image: `busybox:${name}` }], { annotations: { 'sim.ordinal.dev/pull-delay': '4s' } });

test('log errors carry upstream texts', async () => {
  await slowPod('slow');
  await eventually('slow creating', async () => (await getPod('slow')).status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ContainerCreating' || undefined);
  let r = await kubectl(['logs', 'slow']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Error from server \(BadRequest\): container "c" in pod "slow" is waiting to start: ContainerCreating/);
  r = await kubectl(['logs', 'web-0', '--previous']);
  assert.match(r.stderr, /Error from server \(BadRequest\): previous terminated container "nginx" in pod "web-0" not found/);
  const multi = await rawGet('/api/v1/namespaces/default/pods/multi/log');
  assert.equal(multi.code, 400);
  assert.equal(JSON.parse(multi.body).message, 'a container name must be specified for pod multi, choose one of: [a b]');
  const bad = await rawGet('/api/v1/namespaces/default/pods/multi/log?container=zz');
  assert.equal(JSON.parse(bad.body).message, 'container zz is not valid for pod multi');
  const missing = await rawGet('/api/v1/namespaces/default/pods/nope/log');
  assert.equal(missing.code, 404);
});

test('kubectl logs --previous shows the crashed instance', async () => {
  await eventually('crash restarted', async () => ((await getPod('crash')).status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 || undefined);
  const r = await kubectl(['logs', 'crash', '--previous']);
  assert.equal(r.code, 0, r.all);
  assert.equal(r.stdout, 'boot\n');
  // Stop the crash loop now: a restart in flight at shutdown would write into the removed data dir.
  await client.delete(R.pods, 'default', 'crash', { gracePeriodSeconds: 0 });
  await eventually('crash gone', async () => client.get(R.pods, 'default', 'crash').then(() => undefined, () => true));
});

for (const [label, bin, skip] of [['1.32 (WebSocket v5)', KUBECTL, false], ['1.29 (SPDY)', KUBECTL_129, !have129]] as const) {
  test(`kubectl exec and run -i over ${label}: output, exit codes, stdin`, { skip: skip && 'kubectl 1.29 not installed' }, async () => {
    let r = await kubectl(['exec', 'web-0', '--', 'hostname'], { bin });
    assert.equal(r.code, 0, r.all);
    assert.equal(r.stdout, 'web-0\n');
    r = await kubectl(['exec', 'web-0', '--', 'sh', '-c', 'echo out; echo err >&2; exit 2'], { bin });
    assert.equal(r.code, 2, r.all);
    assert.equal(r.stdout, 'out\n');
    assert.match(r.stderr, /command terminated with exit code 2/);
    r = await kubectl(['exec', '-i', 'web-0', '--', 'sh'], { bin, input: 'echo hi\ncat /etc/hostname\nexit 3\n' });
    assert.equal(r.code, 3, r.all);
    assert.equal(r.stdout, 'hi\nweb-0\n');
    r = await kubectl(['exec', 'multi', '-c', 'b', '--', 'echo', 'in b'], { bin });
    assert.equal(r.stdout, 'in b\n');
    // attach (run -i) over the same transport
    const name = bin === KUBECTL ? 'run-ws' : 'run-spdy';
    r = await kubectl(['run', '-i', '--rm', name, '--image=busybox', '--restart=Never', '--', 'sh'], { bin, input: 'echo attached\nexit 0\n', timeoutMs: 40_000 });
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, /attached\n/);
    assert.match(r.stdout, new RegExp(`pod "${name}" deleted`));
  });

  test(`kubectl port-forward over ${label} reaches the pod's port (sim echo server)`, { skip: skip && 'kubectl 1.29 not installed' }, async () => {
    const port = await freePort();
    const pf = spawn(bin, ['port-forward', '--address', '127.0.0.1', 'pod/web-0', `${port}:80`], { env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath, HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    pf.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    pf.stderr.setEncoding('utf8').on('data', (d: string) => { out += d; });
    try {
      await eventually('port-forward ready', async () => out.includes(`Forwarding from 127.0.0.1:${port} -> 80`) || undefined, 15_000);
      for (const msg of ['hello through the tunnel\n', 'second connection\n']) {
        assert.equal(await echo(port, msg), msg);
      }
      // A larger payload than one SPDY window (64 KiB) must not stall.
      const big = 'x'.repeat(300_000);
      assert.equal((await echo(port, big)).length, big.length);
    } finally {
      pf.kill('SIGINT');
      await new Promise((r) => pf.once('exit', r));
    }
  });
}

test('exec into a container that is not running: kubectl reports what upstream does', async () => {
  await slowPod('slow2');
  await eventually('slow2 creating', async () => (await getPod('slow2')).status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ContainerCreating' || undefined);
  const r = await kubectl(['exec', 'slow2', '--', 'hostname']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /unable to upgrade connection: container not found \("c"\)/);
  // Over plain HTTP (no upgrade) the endpoint says what it needs.
  const plain = await rawGet('/api/v1/namespaces/default/pods/web-0/exec?command=hostname&stdout=true');
  assert.equal(plain.code, 400);
  assert.equal(JSON.parse(plain.body).message, 'Upgrade request required');
});

test('kubectl run -i --rm: attach to a fresh pod, type into its shell, then the pod is deleted', async () => {
  const r = await kubectl(['run', '-i', '--rm', 'runner', '--image=busybox', '--restart=Never', '--', 'sh'], { input: 'echo hi from run\nhostname\nexit 0\n', timeoutMs: 40_000 });
  assert.equal(r.code, 0, r.all);
  assert.match(r.stdout, /hi from run\nrunner\n/);
  assert.match(r.stdout, /pod "runner" deleted/);
  await eventually('runner gone', async () => client.get(R.pods, 'default', 'runner').then(() => undefined, () => true));
});

test('kubectl attach -i to a pod whose shell reads stdin; the session ends with the container', async () => {
  await client.create(R.pods, 'default', as<KubeObject>({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'console', namespace: 'default' },
    spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'busybox', stdin: true }] },
  }));
  await running('console');
  const r = await kubectl(['attach', '-i', 'console'], { input: 'echo attached\nexit 5\n' });
  assert.equal(r.code, 0, r.all);
  assert.match(r.stdout, /attached\n/);
  const p = await eventually('console finished', async () => { const x = await getPod('console'); return x.status?.phase === 'Failed' ? x : undefined; });
  assert.equal(p.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 5);
});

const SCRIPT = '/usr/bin/script';
test('TTY sessions in a pseudo-terminal: exec -it and run -i --tty --rm', { skip: !existsSync(SCRIPT) && 'script(1) not installed' }, async () => {
  const typed = (keys: string[]) => `(sleep 2; ${keys.map((k) => `printf '${k}\\r'; sleep 0.4`).join('; ')}; sleep 2)`;
  const inPty = (cmd: string, keys: string[]) => run('/bin/sh', ['-c', `${typed(keys)} | ${SCRIPT} -qec '${KUBECTL} ${cmd}' /dev/null`], {
    timeoutMs: 40_000, env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath, HOME: dir },
  });
  let r = await inPty('exec -it web-0 -- sh', ['echo hi', 'exit 4']);
  assert.equal(r.code, 4, r.all);
  assert.match(r.stdout, /\/ # echo hi\r\nhi\r\n/);
  assert.match(r.stdout, /command terminated with exit code 4/);
  r = await inPty('run -i --tty --rm ttyrun --image=busybox --restart=Never -- sh', ['hostname', 'exit']);
  assert.equal(r.code, 0, r.all);
  assert.match(r.stdout, /If you don't see a command prompt, try pressing enter\./);
  assert.match(r.stdout, /hostname\r\nttyrun\r\n/);
  assert.match(r.stdout, /pod "ttyrun" deleted/);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });
}

/** Sends `msg` on a fresh connection, half-closes, and collects what comes back. */
function echo(port: number, msg: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.end(msg));
    let got = '';
    sock.setEncoding('utf8').on('data', (d: string) => { got += d; });
    sock.on('end', () => resolve(got));
    sock.on('error', reject);
    setTimeout(() => { sock.destroy(); reject(new Error(`no echo after 10s (got ${got.length} bytes)`)); }, 10_000).unref();
  });
}
