// Pod status as the kubelet computes it (upstream kubelet_pods.go generateAPIPodStatus/getPhase
// and status/generate.go). Pure: the pod, what the runtime reports per container, the worker's
// own knowledge (waiting reasons, restart counts, probe results) and the clock in; a PodStatus out.
// The STATUS column of `kubectl get pods` (src/api/kinds/pod.ts) is derived from these fields.
import type { Pod, PodStatus, PodCondition, ContainerStatus as ApiContainerStatus, ContainerState as ApiContainerState, Container } from 'kubernetes-types/core/v1.js';
import type { ContainerStatus as RtContainerStatus } from './runtime/types.js';

/** What the worker knows about one container of the pod. */
export interface ContainerView {
  /** The runtime's status of the latest attempt (undefined: never created). */
  current?: RtContainerStatus;
  /** The attempt before it (becomes lastState). */
  previous?: RtContainerStatus;
  restartCount: number;
  /** Set while the worker holds the container back: CrashLoopBackOff, ErrImagePull, … */
  waiting?: { reason: string; message?: string };
  /** Readiness probe result (true when it has no readiness probe and runs). */
  ready: boolean;
  /** Startup probe passed (true when it has none and runs). */
  started: boolean;
}

export interface PodStatusInput {
  pod: Pod;
  now: Date;
  runtime: 'sim' | 'cri';
  hostIPs: string[];
  /** The sandbox's IPs ([] before it exists or for none). */
  podIPs: string[];
  sandboxReady: boolean;
  containers: Record<string, ContainerView>;
  initContainers: Record<string, ContainerView>;
  /** Admission rejected the pod (phase Failed with this reason and message). */
  rejected?: { reason: string; message: string };
}

const rfc3339 = (ms: number | Date) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function terminated(rt: RtContainerStatus, scheme: string): ApiContainerState {
  return {
    terminated: {
      exitCode: rt.exitCode ?? 0,
      reason: rt.reason ?? (rt.exitCode === 0 ? 'Completed' : 'Error'),
      ...(rt.message ? { message: rt.message } : {}),
      startedAt: (rt.startedAt ? rfc3339(rt.startedAt) : null) as unknown as string,
      finishedAt: (rt.finishedAt ? rfc3339(rt.finishedAt) : null) as unknown as string,
      containerID: `${scheme}://${rt.id}`,
    },
  };
}

function containerStatus(c: Container, v: ContainerView | undefined, scheme: string, defaultWaiting: string): ApiContainerStatus {
  const cur = v?.current;
  let state: ApiContainerState;
  let lastState: ApiContainerState = {};
  const exitedPrev = v?.previous && v.previous.state === 'CONTAINER_EXITED' ? v.previous : undefined;
  if (v?.waiting) {
    state = { waiting: { reason: v.waiting.reason, ...(v.waiting.message ? { message: v.waiting.message } : {}) } };
    // Held back after an exit: that exit is the last state.
    const last = cur?.state === 'CONTAINER_EXITED' ? cur : exitedPrev;
    if (last) lastState = terminated(last, scheme);
  } else if (!cur || cur.state === 'CONTAINER_CREATED' || cur.state === 'CONTAINER_UNKNOWN') {
    state = { waiting: { reason: defaultWaiting } };
    if (exitedPrev) lastState = terminated(exitedPrev, scheme);
  } else if (cur.state === 'CONTAINER_RUNNING') {
    state = { running: { startedAt: rfc3339(cur.startedAt ?? cur.createdAt) } };
    if (exitedPrev) lastState = terminated(exitedPrev, scheme);
  } else {
    state = terminated(cur, scheme);
    if (exitedPrev) lastState = terminated(exitedPrev, scheme);
  }
  const running = !!state.running;
  const out: ApiContainerStatus = {
    name: c.name,
    state,
    lastState,
    ready: running && (v?.ready ?? false),
    restartCount: v?.restartCount ?? 0,
    image: c.image ?? '',
    imageID: cur ? cur.imageRef : '',
    started: running && (v?.started ?? false),
  };
  if (cur) (out as { containerID?: string }).containerID = `${scheme}://${cur.id}`;
  return out;
}

const isTerminalPhase = (p: string | undefined) => p === 'Succeeded' || p === 'Failed';

/** upstream getPhase: the phase from the container states and the restart policy. */
export function podPhase(pod: Pod, init: ApiContainerStatus[], main: ApiContainerStatus[]): PodStatus['phase'] {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  const specInits = pod.spec?.initContainers ?? [];
  let pendingInit = 0;
  let failedInit = 0;
  for (const c of specInits) {
    const s = init.find((x) => x.name === c.name);
    if (c.restartPolicy === 'Always') {
      // A sidecar only has to have started.
      if (!s?.started && !s?.state?.running) pendingInit++;
      continue;
    }
    const t = s?.state?.terminated;
    if (t && t.exitCode === 0) continue;
    if (t || (s?.state?.waiting && s.lastState?.terminated && s.lastState.terminated.exitCode !== 0)) failedInit++;
    pendingInit++;
  }
  if (failedInit > 0 && policy === 'Never') return 'Failed';
  let running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const c of pod.spec?.containers ?? []) {
    const s = main.find((x) => x.name === c.name);
    if (!s) { waiting++; continue; }
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) {
        stopped++;
        if (s.lastState.terminated.exitCode === 0) succeeded++;
      } else waiting++;
    } else waiting++;
  }
  if (pendingInit > 0 && failedInit === 0 && running === 0 && stopped === 0) return 'Pending';
  if (pendingInit > 0 && policy !== 'Never') return 'Pending';
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  const total = pod.spec?.containers?.length ?? 0;
  if (stopped === total && total > 0) {
    if (policy === 'Always') return 'Running';
    if (policy === 'OnFailure') return succeeded === stopped ? 'Succeeded' : 'Running';
    return succeeded === stopped ? 'Succeeded' : 'Failed';
  }
  return 'Pending';
}

function condition(old: PodCondition[] | undefined, now: Date, type: string, status: 'True' | 'False', reason?: string, message?: string): PodCondition {
  const prev = old?.find((c) => c.type === type);
  const keep = prev && prev.status === status;
  const c: PodCondition = {
    type, status,
    lastProbeTime: null as unknown as string,
    lastTransitionTime: keep && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now),
  };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

/** The status the kubelet would write for this pod now. */
export function computePodStatus(input: PodStatusInput): PodStatus {
  const { pod, now } = input;
  const old = pod.status ?? {};
  const scheme = input.runtime === 'sim' ? 'sim' : 'containerd';
  const specInits = pod.spec?.initContainers ?? [];
  const specMain = pod.spec?.containers ?? [];

  const initStatuses = specInits.map((c) => containerStatus(c, input.initContainers[c.name], scheme, 'PodInitializing'));
  const initDone = specInits.every((c, i) => {
    const s = initStatuses[i]!;
    return c.restartPolicy === 'Always' ? s.started === true : s.state?.terminated?.exitCode === 0;
  });
  // Main containers wait in PodInitializing until the init containers are done.
  const mainStatuses = specMain.map((c) => containerStatus(c, input.containers[c.name], scheme, initDone ? 'ContainerCreating' : 'PodInitializing'));

  let phase: PodStatus['phase'];
  let reason: string | undefined;
  let message: string | undefined;
  if (input.rejected) {
    phase = 'Failed';
    reason = input.rejected.reason;
    message = input.rejected.message;
  } else if (isTerminalPhase(old.phase)) {
    phase = old.phase; // terminal phases never go back
    reason = old.reason;
    message = old.message;
  } else {
    phase = podPhase(pod, initStatuses, mainStatuses);
  }

  const byName = <T extends { name: string }>(xs: T[]) => [...xs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const conds: PodCondition[] = [];
  const oc = old.conditions;
  // A pod rejected at admission never ran: no container statuses or kubelet conditions; one
  // failed later (DeadlineExceeded) keeps them.
  const ran = Object.keys(input.containers).length + Object.keys(input.initContainers).length > 0;
  if (!input.rejected || ran) {
    conds.push(condition(oc, now, 'PodReadyToStartContainers', input.sandboxReady ? 'True' : 'False'));
    const incompleteInit = specInits.filter((c, i) => {
      const s = initStatuses[i]!;
      return c.restartPolicy === 'Always' ? !s.started : s.state?.terminated?.exitCode !== 0;
    }).map((c) => c.name);
    if (phase === 'Succeeded') conds.push(condition(oc, now, 'Initialized', 'True', 'PodCompleted'));
    else if (incompleteInit.length === 0) conds.push(condition(oc, now, 'Initialized', 'True'));
    else conds.push(condition(oc, now, 'Initialized', 'False', 'ContainersNotInitialized', `containers with incomplete status: [${incompleteInit.join(' ')}]`));
    const unready = specMain.filter((_c, i) => !mainStatuses[i]!.ready).map((c) => c.name);
    const sidecarsUnready = specInits.filter((c, i) => c.restartPolicy === 'Always' && !initStatuses[i]!.ready).map((c) => c.name);
    const allUnready = [...sidecarsUnready, ...unready];
    let crReason: string | undefined;
    let crMessage: string | undefined;
    if (phase === 'Succeeded' || phase === 'Failed') crReason = 'PodCompleted';
    else if (incompleteInit.length > 0) { crReason = 'ContainersNotInitialized'; crMessage = `containers with incomplete status: [${incompleteInit.join(' ')}]`; }
    else if (allUnready.length > 0) { crReason = 'ContainersNotReady'; crMessage = `containers with unready status: [${allUnready.join(' ')}]`; }
    const containersReady = !crReason;
    conds.push(condition(oc, now, 'ContainersReady', containersReady ? 'True' : 'False', crReason, crMessage));
    // Ready also needs the readiness gates (conditions others set on the pod).
    const gates = (pod.spec?.readinessGates ?? []).map((g) => g.conditionType);
    const missingGates = gates.filter((g) => !(oc ?? []).some((c) => c.type === g && c.status === 'True'));
    if (containersReady && missingGates.length > 0) {
      conds.push(condition(oc, now, 'Ready', 'False', 'ReadinessGatesNotReady', `corresponding condition of pod readiness gate "${missingGates[0]}" does not exist.`));
    } else conds.push(condition(oc, now, 'Ready', containersReady ? 'True' : 'False', crReason, crMessage));
  }
  // Conditions owned by others (PodScheduled from the scheduler, DisruptionTarget, readiness gates) stay.
  const mine = new Set(conds.map((c) => c.type));
  const others = (oc ?? []).filter((c) => !mine.has(c.type));
  if (!others.some((c) => c.type === 'PodScheduled')) others.unshift(condition(oc, now, 'PodScheduled', 'True'));
  const conditions = [...others, ...conds];

  const status: PodStatus = {
    phase,
    conditions,
    hostIP: input.hostIPs[0],
    hostIPs: input.hostIPs.map((ip) => ({ ip })),
    startTime: old.startTime ?? rfc3339(now),
  };
  if (reason) status.reason = reason;
  if (message) status.message = message;
  if (input.podIPs.length) {
    status.podIP = input.podIPs[0];
    status.podIPs = input.podIPs.map((ip) => ({ ip }));
  } else if (old.podIP && isTerminalPhase(phase)) {
    status.podIP = old.podIP;
    status.podIPs = old.podIPs;
  }
  if (!input.rejected || ran) {
    if (specInits.length) status.initContainerStatuses = initStatuses;
    status.containerStatuses = byName(mainStatuses);
  }
  if (old.qosClass) status.qosClass = old.qosClass;
  if (old.nominatedNodeName) status.nominatedNodeName = old.nominatedNodeName;
  return status;
}

/** Status equality ignoring nothing: the worker writes only when this says they differ. */
export function statusEqual(a: PodStatus | undefined, b: PodStatus | undefined): boolean {
  return sameValue(a, b);
}

/**
 * Deep equality where an absent field, `undefined` and `null` are the same (the server drops
 * nulls such as lastProbeTime when it stores a status) and key order does not matter. Runs on
 * every pod sync, so it walks both values once instead of serialising them.
 */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || a === undefined) return b === null || b === undefined;
  if (b === null || b === undefined || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const k in x) if (!sameValue(x[k], y[k])) return false;
  for (const k in y) if (!(k in x) && y[k] !== undefined && y[k] !== null) return false;
  return true;
}
