// CriRuntime against a real, private containerd (started by the test through containerd.ts):
// offline busybox import, a sandbox on our own bridge, busybox httpd answering on the pod IP,
// hostname / resolv.conf from the sandbox config, CRI-format logs, ExecSync, exec and
// port-forward over the v4 WebSocket stream server, exit codes, ErrImagePull, and cleanup.
// As root (CI installs containerd through bin/ordinal-test) a machine that cannot run containerd
// FAILS this test; only a non-root run may skip it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import { PassThrough } from 'node:stream';
import { execFileSync } from 'node:child_process';
import { CriRuntime } from '../../src/node/runtime/cri.js';
import { containerdUnavailable } from '../../src/node/runtime/containerd.js';
import { RuntimeError, type PodSandboxConfig } from '../../src/node/runtime/types.js';
import { eventually as eventually_ } from '../eventually.js';

const why = containerdUnavailable();
const isRoot = process.getuid?.() === 0;
const skip = why && !isRoot ? `containerd cannot run here: ${why}` : false;

let dir: string;
let rt: CriRuntime;
const n = 200 + (process.pid % 50);
const podCIDR = `10.244.${n}.0/24`;
const bridge = `ordt${n}`;

const eventually = <T>(what: string, f: () => Promise<T | undefined | null | false>, ms = 15000): Promise<T> =>
  eventually_(what, f, { timeoutMs: ms, everyMs: 100 });

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timed out`)));
    req.on('error', reject);
  });
}

before(() => {
  if (skip) return;
  if (why) assert.fail(`running as root but containerd cannot run: ${why} (bin/ordinal-test installs containerd, runc, containernetworking-plugins, busybox-static)`);
  dir = mkdtempSync(join(tmpdir(), 'ordinal-cri-'));
  rt = new CriRuntime({ dataDir: dir, podCIDR, bridgeName: bridge, cgroupRoot: `ordinal-test-${process.pid}` });
});

after(async () => {
  if (skip || !rt) return;
  try {
    await rt.destroy();
  } finally {
    try { rmSync(dir, { recursive: true, force: true }); } catch (e) { console.log(`leaving ${dir}: ${(e as Error).message}`); }
  }
}, { timeout: 120_000 });

test('cri runtime: a busybox pod on a private containerd', { skip, timeout: 120_000 }, async () => {
  const t0 = Date.now();
  const v = await rt.version();
  assert.equal(v.runtimeName, 'containerd');
  console.log(`containerd ${v.runtimeVersion} started and images imported in ${Date.now() - t0}ms`);
  const conds = await rt.status();
  assert.ok(conds.find((c) => c.type === 'RuntimeReady')?.status, JSON.stringify(conds));

  // Offline images: busybox is present; anything else surfaces the runtime's pull error.
  const ref = await rt.pullImage('busybox');
  assert.match(ref, /^sha256:[0-9a-f]{64}$/);
  assert.deepEqual(await rt.imageStatus('docker.io/library/busybox:latest'), { ref });
  assert.equal(await rt.imageStatus('127.0.0.1:1/nothing/here:1'), undefined);
  await assert.rejects(rt.pullImage('127.0.0.1:1/nothing/here:1'), (e: unknown) => {
    assert.ok(e instanceof RuntimeError);
    assert.equal(e.reason, 'ErrImagePull');
    assert.match(e.message, /^rpc error: code = \w+ desc = failed to pull and unpack image "127\.0\.0\.1:1\/nothing\/here:1"/);
    return true;
  });

  const uid = `uid-web-0-${process.pid}`;
  const logDirectory = join(dir, 'logs', `default_web-0_${uid}`);
  const sandbox: PodSandboxConfig = {
    metadata: { name: 'web-0', uid, namespace: 'default', attempt: 0 },
    hostname: 'web-0',
    logDirectory,
    dnsConfig: { servers: ['10.96.0.10'], searches: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], options: ['ndots:5'] },
    portMappings: [{ protocol: 'TCP', containerPort: 80 }],
    labels: { app: 'nginx', 'ordinal.dev/pod-uid': uid },
    annotations: { note: 'kept as is' },
  };
  let t = Date.now();
  const sbId = await rt.runPodSandbox(sandbox);
  const sandboxMs = Date.now() - t;
  const sb = await rt.podSandboxStatus(sbId);
  assert.ok(sb);
  assert.equal(sb.state, 'SANDBOX_READY');
  assert.match(sb.ip ?? '', new RegExp(`^10\\.244\\.${n}\\.\\d+$`));
  assert.equal(sb.labels['ordinal.dev/pod-uid'], uid);
  assert.equal(sb.annotations.note, 'kept as is');
  assert.deepEqual(sb.metadata, sandbox.metadata);
  assert.ok(Math.abs(sb.createdAt - Date.now()) < 60_000);
  assert.ok((await rt.listPodSandboxes()).some((s) => s.id === sbId && s.labels['ordinal.dev/pod-uid'] === uid));

  const www = join(dir, 'www');
  mkdirSync(www);
  writeFileSync(join(www, 'index.html'), 'hello from a real container\n');
  t = Date.now();
  const cid = await rt.createContainer(sbId, {
    metadata: { name: 'nginx', attempt: 0 },
    image: 'busybox',
    command: ['sh', '-c', 'echo hello from $(hostname); echo to stderr >&2; exec httpd -f -p 80 -h /www'],
    args: [],
    envs: [{ key: 'GREETING', value: 'hi there' }],
    mounts: [{ containerPath: '/www', hostPath: www, readonly: true }],
    labels: { 'io.kubernetes.container.name': 'nginx' },
    annotations: {},
    logPath: 'nginx/0.log',
  }, sandbox);
  await rt.startContainer(cid);
  const containerMs = Date.now() - t;
  console.log(`RunPodSandbox ${sandboxMs}ms, CreateContainer+StartContainer ${containerMs}ms`);
  const st = await rt.containerStatus(cid);
  assert.ok(st);
  assert.equal(st.state, 'CONTAINER_RUNNING');
  assert.equal(st.sandboxId, sbId);
  assert.equal(st.name, 'nginx');
  assert.match(st.imageRef, /^sha256:/);
  assert.ok(st.startedAt && st.startedAt >= st.createdAt);
  assert.equal(st.exitCode, undefined);
  assert.equal(st.logPath, join(logDirectory, 'nginx/0.log'));

  // The pod IP answers HTTP from the host (our bridge).
  // On a timeout, say what the container was doing (state, exit code, its log) and which routes
  // the host had: a refused connection alone does not tell a dead httpd from a wrong route.
  const page = await eventually_('httpd on the pod IP', async () => {
    const r = await get(`http://${sb.ip}/index.html`);
    return r.status === 200 ? r : undefined;
  }, {
    timeoutMs: 15_000,
    everyMs: 100,
    context: () => {
      let routes = '';
      try { routes = execFileSync('ip', ['route'], { encoding: 'utf8' }); } catch { /* no ip(8) */ }
      const log = existsSync(st.logPath) ? readFileSync(st.logPath, 'utf8') : '(no log file)';
      return `log:\n${log}\nroutes:\n${routes}`;
    },
  }).catch(async (e: Error) => {
    const s = await rt.containerStatus(cid).catch(() => undefined);
    throw new Error(`${e.message}\ncontainer now: ${JSON.stringify({ state: s?.state, exitCode: s?.exitCode, reason: s?.reason, message: s?.message })}`);
  });
  assert.equal(page.body, 'hello from a real container\n');

  // ExecSync: hostname, resolv.conf, env, exit codes as data.
  const h = await rt.execSync(cid, ['hostname'], 5);
  assert.equal(h.stdout.toString(), 'web-0\n');
  assert.equal(h.exitCode, 0);
  const resolv = (await rt.execSync(cid, ['cat', '/etc/resolv.conf'], 5)).stdout.toString();
  assert.match(resolv, /^nameserver 10\.96\.0\.10$/m);
  assert.match(resolv, /^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local$/m);
  assert.match(resolv, /^options ndots:5$/m);
  assert.equal((await rt.execSync(cid, ['sh', '-c', 'echo "$GREETING"'], 5)).stdout.toString(), 'hi there\n');
  const three = await rt.execSync(cid, ['sh', '-c', 'echo nope >&2; exit 3'], 5);
  assert.equal(three.exitCode, 3);
  assert.equal(three.stderr.toString(), 'nope\n');

  // Exec over the stream server (v4 channel protocol): output on both streams and the exit code.
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks: string[] = [];
  const errChunks: string[] = [];
  out.on('data', (d) => chunks.push(d.toString()));
  err.on('data', (d) => errChunks.push(d.toString()));
  const code = await rt.exec(cid, ['sh', '-c', 'echo out; echo err >&2; exit 7'], { stdout: out, stderr: err });
  assert.equal(code, 7);
  assert.equal(chunks.join(''), 'out\n');
  assert.equal(errChunks.join(''), 'err\n');
  // stdin goes in on channel 0.
  const stdin = new PassThrough();
  const out2 = new PassThrough();
  let got = '';
  out2.on('data', (d) => (got += d.toString()));
  const p = rt.exec(cid, ['head', '-n', '1'], { stdin, stdout: out2 });
  stdin.write('line through stdin\n');
  assert.equal(await p, 0);
  assert.equal(got, 'line through stdin\n');

  console.log(`exec checks done at +${Date.now() - t0}ms`);
  // Port-forward to the pod's port 80.
  const input = new PassThrough();
  const output = new PassThrough();
  let resp = '';
  output.on('data', (d) => (resp += d.toString()));
  const fwd = rt.portForward(sbId, 80, { input, output });
  input.end('GET /index.html HTTP/1.0\r\nHost: web-0\r\n\r\n');
  await fwd;
  assert.match(resp, /^HTTP\/1\.[01] 200 OK/);
  assert.match(resp, /hello from a real container/);

  console.log(`port-forward done at +${Date.now() - t0}ms`);
  // CRI log format: <RFC3339Nano> <stream> <F|P> <line>.
  const log = await eventually('log lines', async () => {
    const s = existsSync(st.logPath) ? readFileSync(st.logPath, 'utf8') : '';
    return s.includes('to stderr') && s.includes('hello from') ? s : undefined;
  });
  assert.match(log, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z stdout F hello from web-0$/m);
  assert.match(log, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z stderr F to stderr$/m);

  // A container that exits: state, exit code, reason, timestamps.
  const failing = await rt.createContainer(sbId, {
    metadata: { name: 'quitter', attempt: 0 }, image: 'busybox', command: ['sh', '-c', 'exit 42'], args: [], envs: [], mounts: [],
    labels: {}, annotations: {}, logPath: 'quitter/0.log',
  }, sandbox);
  await rt.startContainer(failing);
  const exited = await eventually('the container to exit', async () => {
    const s = await rt.containerStatus(failing);
    return s?.state === 'CONTAINER_EXITED' ? s : undefined;
  });
  assert.equal(exited.exitCode, 42);
  assert.equal(exited.reason, 'Error');
  // Both times are set. Their order is not checked: for a process that exits at once, containerd
  // stamps StartedAt with its own clock after the task started and FinishedAt with the shim's exit
  // time, so a stall in between (a loaded machine; this VM was once paused for minutes mid-test)
  // puts StartedAt after FinishedAt. The kubelet does not rely on that order either.
  assert.ok(exited.startedAt && exited.finishedAt, `startedAt ${exited.startedAt}, finishedAt ${exited.finishedAt}`);
  const listed = await rt.listContainers(sbId);
  assert.deepEqual(listed.map((c) => c.name).sort(), ['nginx', 'quitter']);

  // Stop (SIGTERM, then SIGKILL) and remove: everything goes.
  t = Date.now();
  await rt.stopContainer(cid, 2);
  const stopped = await rt.containerStatus(cid);
  assert.equal(stopped?.state, 'CONTAINER_EXITED');
  await rt.removeContainer(failing);
  assert.equal(await rt.containerStatus(failing), undefined);
  await rt.removePodSandbox(sbId);
  console.log(`stop + remove ${Date.now() - t}ms`);
  assert.equal(await rt.podSandboxStatus(sbId), undefined);
  assert.equal(await rt.containerStatus(cid), undefined);
  assert.deepEqual(await rt.listPodSandboxes(), []);
  // No veth left on our bridge.
  const links = execFileSync('ip', ['-o', 'link', 'show', 'master', bridge], { encoding: 'utf8' });
  assert.equal(links.trim(), '');
});

test('cri runtime: tty exec, attach, and pods surviving a containerd restart', { skip, timeout: 120_000 }, async () => {
  const uid = `uid-web-1-${process.pid}`;
  const sandbox: PodSandboxConfig = {
    metadata: { name: 'web-1', uid, namespace: 'default', attempt: 0 },
    hostname: 'web-1',
    logDirectory: join(dir, 'logs', `default_web-1_${uid}`),
    dnsConfig: { servers: ['10.96.0.10'], searches: [], options: [] },
    portMappings: [],
    labels: { 'ordinal.dev/pod-uid': uid },
    annotations: {},
  };
  const sbId = await rt.runPodSandbox(sandbox);
  const mk = async (name: string, script: string) => {
    const id = await rt.createContainer(sbId, {
      metadata: { name, attempt: 0 }, image: 'busybox', command: ['sh', '-c', script], args: [], envs: [], mounts: [],
      labels: {}, annotations: {}, logPath: `${name}/0.log`,
    }, sandbox);
    await rt.startContainer(id);
    return id;
  };
  const server = await mk('server', 'trap "exit 0" TERM; while true; do sleep 1; done');

  // A TTY exec (kubectl exec -it): one output stream, a terminal inside, input echoed.
  const out = new PassThrough();
  const tin = new PassThrough();
  let got = '';
  out.on('data', (d) => (got += d.toString()));
  // (Output is read after the input: containerd 1.6 can drop a TTY's very first output when the
  // process writes before its console copier is attached.)
  const texec = rt.exec(server, ['sh', '-c', 'read line; tty; echo "got $line"'], { stdin: tin, stdout: out, tty: true });
  tin.write('typed\r');
  assert.equal(await texec, 0);
  assert.match(got, /^typed\r\n\/dev\/pts\/\d+\r\ngot typed\r\n$/);

  // Attach: the container's output streams until it exits.
  const talker = await mk('talker', 'sleep 1; echo attached-output; sleep 0.3');
  const aout = new PassThrough();
  let attached = '';
  aout.on('data', (d) => (attached += d.toString()));
  await rt.attach(talker, { stdout: aout, stderr: new PassThrough() });
  assert.equal(attached, 'attached-output\n');

  // containerd restarts (as when the node agent restarts): the pod keeps running and is still served.
  await rt.close();
  const rt2 = new CriRuntime({ dataDir: dir, podCIDR, bridgeName: bridge, cgroupRoot: `ordinal-test-${process.pid}` });
  rt = rt2;
  const sb = (await rt2.listPodSandboxes()).find((s) => s.id === sbId);
  assert.equal(sb?.state, 'SANDBOX_READY');
  assert.equal(sb?.labels['ordinal.dev/pod-uid'], uid);
  const st = await rt2.containerStatus(server);
  assert.equal(st?.state, 'CONTAINER_RUNNING');
  assert.equal(st?.sandboxId, sbId);
  assert.equal((await rt2.execSync(server, ['hostname'], 5)).stdout.toString(), 'web-1\n');
  // The TERM trap makes a graceful stop: exit 0, reason Completed.
  await rt2.stopContainer(server, 10);
  const stopped = await rt2.containerStatus(server);
  assert.equal(stopped?.exitCode, 0);
  assert.equal(stopped?.reason, 'Completed');
  await rt2.removePodSandbox(sbId);
  assert.equal(await rt2.podSandboxStatus(sbId), undefined);
});

test('cri runtime: a hostNetwork pod shares the node\'s network and hostname', { skip, timeout: 60_000 }, async () => {
  const uid = `uid-hostnet-${process.pid}`;
  const sandbox: PodSandboxConfig = {
    metadata: { name: 'hostnet', uid, namespace: 'default', attempt: 0 },
    hostname: 'hostnet', // dropped by the runtime: runc cannot set it without a private UTS namespace
    logDirectory: join(dir, 'logs', `default_hostnet_${uid}`),
    dnsConfig: { servers: ['10.96.0.10'], searches: [], options: [] },
    portMappings: [],
    labels: {},
    annotations: {},
    hostNetwork: true,
  };
  const sbId = await rt.runPodSandbox(sandbox);
  const sb = await rt.podSandboxStatus(sbId);
  assert.equal(sb?.state, 'SANDBOX_READY');
  assert.equal(sb?.ip, undefined);
  const id = await rt.createContainer(sbId, {
    metadata: { name: 'c', attempt: 0 }, image: 'busybox', command: ['sleep', '3600'], args: [], envs: [], mounts: [],
    labels: {}, annotations: {}, logPath: 'c/0.log',
  }, sandbox);
  await rt.startContainer(id);
  const hn = (await rt.execSync(id, ['hostname'], 5)).stdout.toString().trim();
  assert.equal(hn, (await import('node:os')).hostname());
  // The node's interfaces are visible (our bridge among them).
  assert.match((await rt.execSync(id, ['ip', 'link'], 5)).stdout.toString(), new RegExp(`: ${bridge}:`));
  await rt.removePodSandbox(sbId);
  assert.equal(await rt.podSandboxStatus(sbId), undefined);
});

test('cri runtime: a pod CIDR that another interface already routes is refused, naming the interface', { skip, timeout: 30_000 }, async () => {
  // what a bridge left behind by a killed node looks like: same range, another device
  const cidr = `10.250.${n}.0/24`; // a range no other test uses
  const stale = `ordx${n}`;
  const dir2 = mkdtempSync(join(tmpdir(), 'ordinal-cri-cidr-'));
  execFileSync('ip', ['link', 'add', 'name', stale, 'type', 'bridge']);
  try {
    execFileSync('ip', ['addr', 'add', `10.250.${n}.1/24`, 'dev', stale]);
    execFileSync('ip', ['link', 'set', stale, 'up']);
    const rt2 = new CriRuntime({ dataDir: dir2, podCIDR: cidr, bridgeName: `ordy${n}`, cgroupRoot: `ordinal-test-${process.pid}-2` });
    await assert.rejects(rt2.ready(), (e: Error) => e.message.includes(`pod CIDR ${cidr} is already routed to ${stale}`) && e.message.includes(`ip link del ${stale}`));
    await rt2.destroy();
  } finally {
    execFileSync('ip', ['link', 'del', stale]);
    rmSync(dir2, { recursive: true, force: true });
  }
});
