// `bin/ordinal up` without --runtime on a machine that can run containerd (root; bin/ordinal-test
// installs containerd, runc, containernetworking-plugins, busybox-static) uses real containers:
// no fallback notice, the Node reports containerd://…, and a busybox pod (the offline image built
// from /bin/busybox and imported into the private containerd — nothing is pulled) reaches Running
// and its log is the container's real output. As root, a machine that cannot run containerd
// FAILS; elsewhere the test is skipped (the fallback itself is unit-tested in test/unit/cli).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { Cluster } from './harness.js';
import { chooseRuntime, probeRuntime } from '../../src/cli/runtime-choice.js';
import { CriRuntime } from '../../src/node/runtime/cri.js';
import { eventually as eventually_ } from '../eventually.js';

const choice = chooseRuntime(undefined, probeRuntime());
const isRoot = process.getuid?.() === 0;
const skip = choice.runtime !== 'cri' && !isRoot ? `no real containers here: ${choice.notice}` : false;
const NODE = hostname().toLowerCase();
// A bridge and cgroup parent of this test's own (another cluster may run on this machine).
const BRIDGE = `ordd${process.pid % 10000}`;
const CGROUP_ROOT = `ordinal-e2e-default-${process.pid}`;

let c: Cluster;
let podCIDR = '';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const eventually = <T>(what: string, f: () => Promise<T | undefined | null | false>, ms = 90000): Promise<T> =>
  eventually_(what, f, { timeoutMs: ms, everyMs: 250, context: () => c.logs() });

async function getJson<T>(args: string[]): Promise<T | undefined> {
  const r = await c.kubectl([...args, '-o', 'json']);
  return r.code === 0 ? (JSON.parse(r.stdout) as T) : undefined;
}

before(async () => {
  if (skip) return;
  assert.equal(choice.runtime, 'cri', `running as root but the cri runtime cannot run here: ${choice.notice}`);
  c = new Cluster({ defaultRuntime: true, env: { ORDINAL_CRI_BRIDGE: BRIDGE, ORDINAL_CRI_CGROUP_ROOT: CGROUP_ROOT } });
  await c.start();
});

after(async () => {
  if (skip || !c) return;
  try {
    await c.stop(20_000);
  } finally {
    // `up` stops its containerd but (as a kubelet restart) leaves pods running: tear down whatever
    // is left through the same private containerd, then remove the bridge and cgroups.
    if (podCIDR) {
      const rt = new CriRuntime({ dataDir: join(c.dataDir, 'agent', NODE), podCIDR, bridgeName: BRIDGE, cgroupRoot: CGROUP_ROOT });
      try {
        await rt.ready();
      } catch (e) {
        console.log(`cleanup: containerd did not restart: ${(e as Error).message}`);
      }
      await rt.destroy().catch((e) => console.log(`cleanup: ${(e as Error).message}`));
    }
    await c.cleanup();
  }
}, { timeout: 120_000 });

test('up without --runtime runs real containers (cri) here, and a busybox pod reaches Running', { skip, timeout: 240_000 }, async () => {
  assert.doesNotMatch(c.logs(), /notice:/, 'no fallback notice on a machine that can run containerd');

  const node = await eventually('the node to register with a pod CIDR', async () => {
    const n = await getJson<Node>(['get', 'node', NODE]);
    return n?.spec?.podCIDR ? n : undefined;
  });
  podCIDR = node.spec!.podCIDR!;
  assert.match(node.status?.nodeInfo?.containerRuntimeVersion ?? '', /^containerd:\/\/1\.\d+/, `${JSON.stringify(node.status?.nodeInfo)}\n${c.logs()}`);
  assert.match(c.logs(), /runtime cri/);

  const pod = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'real', namespace: 'default' },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'echo "hello from $(uname -s) pid $$$$"; exec sleep 3600'] }],
    },
  };
  const created = await c.kubectl(['create', '-f', '-'], { input: JSON.stringify(pod) });
  assert.equal(created.code, 0, created.all);
  assert.match(created.stdout, /^pod\/real created$/m);

  const running = await eventually('pod real Running', async () => {
    const p = await getJson<Pod>(['get', 'pod', 'real']);
    return p?.status?.phase === 'Running' ? p : undefined;
  });
  assert.equal(running.spec?.nodeName, NODE);
  assert.match(running.status?.containerStatuses?.[0]?.containerID ?? '', /^containerd:\/\/[0-9a-f]{64}$/);
  assert.match(running.status?.containerStatuses?.[0]?.imageID ?? '', /sha256:[0-9a-f]{64}/);
  // A pod IP from the node's CIDR (on this test's bridge), and the real container's output.
  const prefix = podCIDR.split('.').slice(0, 3).join('.');
  assert.ok(running.status?.podIP?.startsWith(`${prefix}.`), `pod IP ${running.status?.podIP} not in ${podCIDR}`);
  const logs = await eventually('the container log', async () => {
    const r = await c.kubectl(['logs', 'real']);
    return r.code === 0 && r.stdout.includes('hello') ? r.stdout : undefined;
  }, 30_000);
  // PID 1 of its own PID namespace: a real container, not a simulated shell. ($$$$ is `$$` after
  // the kubelet's $(VAR) expansion, where `$$` escapes `$`.)
  assert.match(logs, /^hello from Linux pid 1$/m);

  const del = await c.kubectl(['delete', 'pod', 'real', '--wait=false']);
  assert.equal(del.code, 0, del.all);
  await eventually('pod real gone', async () => {
    const r = await c.kubectl(['get', 'pod', 'real']);
    return r.code !== 0 && /NotFound/.test(r.stderr) ? true : undefined;
  }, 60_000);
});
