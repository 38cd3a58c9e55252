import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { computePodStatus, statusEqual, type ContainerView, type PodStatusInput } from '../../../src/node/status.js';
import type { ContainerStatus } from '../../../src/node/runtime/types.js';
import { podStatusCells } from '../../../src/api/kinds/pod.js';

const now = new Date('2026-01-01T00:00:10Z');
const T0 = Date.parse('2026-01-01T00:00:00Z');

function pod(spec: Partial<NonNullable<Pod['spec']>> = {}, status: Pod['status'] = { phase: 'Pending', qosClass: 'BestEffort' }): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'web-0', namespace: 'default', uid: 'u1', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { nodeName: 'n1', containers: [{ name: 'nginx', image: 'nginx:1.27' }], ...spec },
    status,
  };
}

function rt(name: string, state: ContainerStatus['state'], extra: Partial<ContainerStatus> = {}): ContainerStatus {
  return { id: `${name}-id`, sandboxId: 's', name, attempt: 0, state, image: 'nginx', imageRef: 'sha256:abc', createdAt: T0, labels: {}, logPath: '/x', ...extra };
}

const view = (v: Partial<ContainerView>): ContainerView => ({ restartCount: 0, ready: false, started: false, ...v });

function input(p: Pod, containers: Record<string, ContainerView>, extra: Partial<PodStatusInput> = {}): PodStatusInput {
  return { pod: p, now, runtime: 'sim', hostIPs: ['192.168.1.5'], podIPs: [], sandboxReady: false, containers, initContainers: {}, ...extra };
}

const cells = (p: Pod, status: Pod['status']) => podStatusCells({ ...p, status } as Parameters<typeof podStatusCells>[0], now);

test('before the sandbox: Pending with ContainerCreating, shown as ContainerCreating 0/1', () => {
  const p = pod();
  const s = computePodStatus(input(p, {}));
  assert.equal(s.phase, 'Pending');
  assert.deepEqual(s.containerStatuses![0]!.state, { waiting: { reason: 'ContainerCreating' } });
  assert.equal(s.containerStatuses![0]!.ready, false);
  assert.equal(s.hostIP, '192.168.1.5');
  assert.equal(s.qosClass, 'BestEffort');
  assert.equal(s.startTime, '2026-01-01T00:00:10Z');
  const cond = Object.fromEntries(s.conditions!.map((c) => [c.type, c]));
  assert.equal(cond.PodScheduled!.status, 'True');
  assert.equal(cond.PodReadyToStartContainers!.status, 'False');
  assert.equal(cond.Initialized!.status, 'True');
  assert.equal(cond.Ready!.status, 'False');
  assert.equal(cond.Ready!.reason, 'ContainersNotReady');
  assert.equal(cond.Ready!.message, 'containers with unready status: [nginx]');
  assert.deepEqual(cells(p, s), { ready: '0/1', reason: 'ContainerCreating', restarts: '0' });
});

test('running and ready: Running 1/1 with podIP, containerID sim://, transition times kept', () => {
  const p = pod();
  const s = computePodStatus(input(p, { nginx: view({ current: rt('nginx', 'CONTAINER_RUNNING', { startedAt: T0 + 1000 }), ready: true, started: true }) }, { podIPs: ['10.244.0.2'], sandboxReady: true }));
  assert.equal(s.phase, 'Running');
  assert.equal(s.podIP, '10.244.0.2');
  assert.deepEqual(s.podIPs, [{ ip: '10.244.0.2' }]);
  const c = s.containerStatuses![0]!;
  assert.equal(c.containerID, 'sim://nginx-id');
  assert.deepEqual(c.state, { running: { startedAt: '2026-01-01T00:00:01Z' } });
  assert.equal(c.ready, true);
  assert.equal(c.started, true);
  assert.equal(c.imageID, 'sha256:abc');
  assert.deepEqual(cells(p, s), { ready: '1/1', reason: 'Running', restarts: '0' });
  // The next computation at a later time keeps lastTransitionTime of unchanged conditions.
  const later = computePodStatus({ ...input({ ...p, status: s }, { nginx: view({ current: rt('nginx', 'CONTAINER_RUNNING', { startedAt: T0 + 1000 }), ready: true, started: true }) }, { podIPs: ['10.244.0.2'], sandboxReady: true }), now: new Date(now.getTime() + 60_000) });
  assert.ok(statusEqual(s, later));
  // Readiness lost: Ready flips with a new transition time.
  const unready = computePodStatus({ ...input({ ...p, status: s }, { nginx: view({ current: rt('nginx', 'CONTAINER_RUNNING', { startedAt: T0 + 1000 }), ready: false, started: true }) }, { podIPs: ['10.244.0.2'], sandboxReady: true }), now: new Date(now.getTime() + 60_000) });
  const ready = unready.conditions!.find((c) => c.type === 'Ready')!;
  assert.equal(ready.status, 'False');
  assert.equal(ready.lastTransitionTime, '2026-01-01T00:01:10Z');
  assert.equal(unready.conditions!.find((c) => c.type === 'PodScheduled')!.lastTransitionTime, s.conditions!.find((c) => c.type === 'PodScheduled')!.lastTransitionTime);
  assert.deepEqual(cells(p, unready), { ready: '0/1', reason: 'Running', restarts: '0' });
});

test('crash loop: waiting CrashLoopBackOff with lastState terminated, restartCount, phase Running', () => {
  const p = pod();
  const exited = rt('nginx', 'CONTAINER_EXITED', { startedAt: T0, finishedAt: T0 + 5000, exitCode: 1, reason: 'Error' });
  const s = computePodStatus(input(p, { nginx: view({ current: exited, restartCount: 2, waiting: { reason: 'CrashLoopBackOff', message: 'back-off 20s restarting failed container=nginx pod=web-0_default(u1)' } }) }, { podIPs: ['10.244.0.2'], sandboxReady: true }));
  assert.equal(s.phase, 'Running');
  const c = s.containerStatuses![0]!;
  assert.equal(c.state!.waiting!.reason, 'CrashLoopBackOff');
  assert.equal(c.lastState!.terminated!.exitCode, 1);
  assert.equal(c.lastState!.terminated!.reason, 'Error');
  assert.equal(c.lastState!.terminated!.finishedAt, '2026-01-01T00:00:05Z');
  assert.equal(c.restartCount, 2);
  assert.deepEqual(cells(p, s), { ready: '0/1', reason: 'CrashLoopBackOff', restarts: '2 (5s ago)' });
});

test('restartPolicy Never: exit 0 → Succeeded/Completed, exit 1 → Failed/Error; terminal phases stick', () => {
  const ok = computePodStatus(input(pod({ restartPolicy: 'Never' }), { nginx: view({ current: rt('nginx', 'CONTAINER_EXITED', { exitCode: 0, reason: 'Completed', startedAt: T0, finishedAt: T0 + 100 }) }) }));
  assert.equal(ok.phase, 'Succeeded');
  assert.equal(ok.conditions!.find((c) => c.type === 'Ready')!.reason, 'PodCompleted');
  assert.equal(cells(pod(), ok).reason, 'Completed');
  const bad = computePodStatus(input(pod({ restartPolicy: 'Never' }), { nginx: view({ current: rt('nginx', 'CONTAINER_EXITED', { exitCode: 1, reason: 'Error', startedAt: T0, finishedAt: T0 + 100 }) }) }));
  assert.equal(bad.phase, 'Failed');
  assert.equal(cells(pod(), bad).reason, 'Error');
  const onFailure = computePodStatus(input(pod({ restartPolicy: 'OnFailure' }), { nginx: view({ current: rt('nginx', 'CONTAINER_EXITED', { exitCode: 1, reason: 'Error' }) }) }));
  assert.equal(onFailure.phase, 'Running');
  const sticky = computePodStatus(input(pod({ restartPolicy: 'Never' }, { phase: 'Failed' }), {}));
  assert.equal(sticky.phase, 'Failed');
});

test('init containers: Init:0/1 while the first runs, PodInitializing for main, then Initialized', () => {
  const p = pod({ initContainers: [{ name: 'init', image: 'busybox' }] });
  const s = computePodStatus({ ...input(p, {}), initContainers: { init: view({ current: rt('init', 'CONTAINER_RUNNING', { startedAt: T0 }) }) }, sandboxReady: true, podIPs: ['10.244.0.3'] });
  assert.equal(s.phase, 'Pending');
  assert.equal(s.containerStatuses![0]!.state!.waiting!.reason, 'PodInitializing');
  const init = s.conditions!.find((c) => c.type === 'Initialized')!;
  assert.equal(init.status, 'False');
  assert.equal(init.message, 'containers with incomplete status: [init]');
  assert.deepEqual(cells(p, s), { ready: '0/1', reason: 'Init:0/1', restarts: '0' });
  const done = computePodStatus({ ...input(p, {}), initContainers: { init: view({ current: rt('init', 'CONTAINER_EXITED', { exitCode: 0, reason: 'Completed', startedAt: T0, finishedAt: T0 + 50 }) }) }, sandboxReady: true, podIPs: ['10.244.0.3'] });
  assert.equal(done.conditions!.find((c) => c.type === 'Initialized')!.status, 'True');
  assert.equal(done.containerStatuses![0]!.state!.waiting!.reason, 'ContainerCreating');
  assert.equal(cells(p, done).reason, 'ContainerCreating');
  const crashing = computePodStatus({ ...input(p, {}), initContainers: { init: view({ current: rt('init', 'CONTAINER_EXITED', { exitCode: 1, reason: 'Error' }), restartCount: 1, waiting: { reason: 'CrashLoopBackOff' } }) } });
  assert.equal(cells(p, crashing).reason, 'Init:CrashLoopBackOff');
  const never = computePodStatus({ ...input(pod({ restartPolicy: 'Never', initContainers: [{ name: 'init', image: 'busybox' }] }), {}), initContainers: { init: view({ current: rt('init', 'CONTAINER_EXITED', { exitCode: 2, reason: 'Error' }) }) } });
  assert.equal(never.phase, 'Failed');
  assert.equal(cells(p, never).reason, 'Init:Error');
});

test('image pull failure and config errors are waiting reasons; admission rejection fails the pod', () => {
  const p = pod();
  const s = computePodStatus(input(p, { nginx: view({ waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "nginx:1.27"' } }) }));
  assert.equal(s.phase, 'Pending');
  assert.equal(cells(p, s).reason, 'ImagePullBackOff');
  const cfg = computePodStatus(input(p, { nginx: view({ waiting: { reason: 'CreateContainerConfigError', message: 'configmap "x" not found' } }) }));
  assert.deepEqual(cfg.containerStatuses![0]!.state, { waiting: { reason: 'CreateContainerConfigError', message: 'configmap "x" not found' } });
  const rej = computePodStatus(input(p, {}, { rejected: { reason: 'NodePorts', message: "Pod was rejected: Node didn't have enough resource: ports" } }));
  assert.equal(rej.phase, 'Failed');
  assert.equal(rej.reason, 'NodePorts');
  assert.equal(cells(p, rej).reason, 'NodePorts');
});

test('a deleting pod shows Terminating', () => {
  const p = pod();
  const s = computePodStatus(input(p, { nginx: view({ current: rt('nginx', 'CONTAINER_RUNNING', { startedAt: T0 }), ready: true, started: true }) }, { podIPs: ['10.244.0.2'], sandboxReady: true }));
  assert.equal(podStatusCells({ ...p, metadata: { ...p.metadata, deletionTimestamp: '2026-01-01T00:00:09Z' }, status: s } as Parameters<typeof podStatusCells>[0], now).reason, 'Terminating');
});
