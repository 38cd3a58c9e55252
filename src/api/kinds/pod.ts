// Pod (core/v1, +status, +binding/eviction/log/exec/attach/portforward/proxy). Upstream:
// core/v1 SetDefaults_Pod/PodSpec (src/api/defaults/podspec.ts), the create-time admission
// defaults (ServiceAccount, Priority, DefaultTolerationSeconds), pkg/registry/core/pod/strategy.go
// (status Pending + QoS class on create, graceful deletion, field selectors), ValidatePod{Create,
// Update} (src/api/validation/podspec.ts) and printers.go printPod (the STATUS/READY/RESTARTS logic).
import type { KindDefinition, WriteContext } from '../kind.js';
import type { Pod } from '../types/workloads.js';
import { field, type FieldError } from '../../machinery/errors.js';
import { isDNS1123Subdomain, nameIsDNSSubdomain } from '../../machinery/validation.js';
import { semanticEqual, standardPrepare, validateMeta } from '../strategy.js';
import { age, ageColumn, humanDuration, nameColumn } from '../printers.js';
import { admitPodCreate, defaultPod, normalizeNulls } from '../defaults/podspec.js';
import { podQOSClass, validatePodSpec, validatePodSpecUpdate } from '../validation/podspec.js';
import type { ContainerStatus, PodSpec } from 'kubernetes-types/core/v1.js';

function initialStatus(pod: Pod): Record<string, unknown> {
  const status: Record<string, unknown> = { phase: 'Pending', qosClass: podQOSClass(pod.spec) };
  // applySchedulingGatedCondition
  if ((pod.spec?.schedulingGates?.length ?? 0) > 0) {
    status.conditions = [{
      type: 'PodScheduled', status: 'False', reason: 'SchedulingGated',
      message: 'Scheduling is blocked due to non-empty scheduling gates', lastProbeTime: null, lastTransitionTime: null,
    }];
  }
  return status;
}

function validateCreate(pod: Pod): FieldError[] {
  const out = validatePodSpec(pod.spec, 'spec', true);
  // Ephemeral containers are only added later, through the ephemeralcontainers subresource.
  if (pod.spec?.ephemeralContainers?.length) out.push(field.forbidden('spec.ephemeralContainers', 'cannot be set on create'));
  if (pod.spec?.nodeName && (pod.spec.schedulingGates?.length ?? 0) > 0) {
    out.push(field.forbidden('spec.nodeName', 'cannot be set until all schedulingGates have been cleared'));
  }
  return out;
}

function validateStatusUpdate(pod: Pod, old: Pod): FieldError[] {
  const out: FieldError[] = [];
  const s = pod.status ?? {};
  // A node name is a DNS subdomain.
  if (s.nominatedNodeName) for (const m of isDNS1123Subdomain(s.nominatedNodeName)) out.push(field.invalid('status.nominatedNodeName', s.nominatedNodeName, m));
  if (old.status?.qosClass && s.qosClass !== old.status.qosClass) {
    out.push(field.invalid('status.qosClass', s.qosClass ?? '', 'field is immutable'));
  }
  return out;
}

/**
 * Graceful deletion (upstream podStrategy.CheckGracefulDeletion): the requested period, else the
 * pod's terminationGracePeriodSeconds; 0 for a pod never scheduled or already terminal; a
 * negative period becomes 1.
 */
export function podGracePeriod(pod: Pod, requested: number | undefined): number {
  let period = requested ?? pod.spec?.terminationGracePeriodSeconds ?? 0;
  if (!pod.spec?.nodeName) period = 0;
  const phase = pod.status?.phase;
  if (phase === 'Failed' || phase === 'Succeeded') period = 0;
  if (period < 0) period = 1;
  return period;
}

// ---- table ----------------------------------------------------------------------------------------

const isRestartable = (spec: PodSpec | undefined, name: string) =>
  (spec?.initContainers ?? []).some((c) => c.name === name && c.restartPolicy === 'Always');

function later(a: string | undefined, b: string | undefined): string | undefined {
  if (!b) return a;
  if (!a) return b;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

const hasCondition = (pod: Pod, type: string) => (pod.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');

/** upstream printPod: [ready "r/t", status reason, restarts text]. */
export function podStatusCells(pod: Pod, now: Date): { ready: string; reason: string; restarts: string } {
  const spec = pod.spec;
  const status = pod.status ?? {};
  let restarts = 0;
  let restartableInitRestarts = 0;
  let total = spec?.containers?.length ?? 0;
  let ready = 0;
  let lastRestart: string | undefined;
  let lastRestartableInitRestart: string | undefined;
  const phase = status.phase ?? '';
  let reason: string = status.reason || phase;
  for (const c of status.conditions ?? []) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }
  for (const c of spec?.initContainers ?? []) if (c.restartPolicy === 'Always') total++;

  let initializing = false;
  const inits: ContainerStatus[] = status.initContainerStatuses ?? [];
  for (let i = 0; i < inits.length; i++) {
    const c = inits[i]!;
    restarts += c.restartCount ?? 0;
    const lastTerm = c.lastState?.terminated?.finishedAt as string | undefined;
    lastRestart = later(lastRestart, lastTerm);
    const sidecar = isRestartable(spec, c.name);
    if (sidecar) {
      restartableInitRestarts += c.restartCount ?? 0;
      lastRestartableInitRestart = later(lastRestartableInitRestart, lastTerm);
    }
    const term = c.state?.terminated;
    const wait = c.state?.waiting;
    if (term && term.exitCode === 0) continue;
    if (sidecar && c.started) {
      if (c.ready) ready++;
      continue;
    }
    if (term) {
      if (!term.reason) reason = term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode}`;
      else reason = `Init:${term.reason}`;
    } else if (wait && wait.reason && wait.reason !== 'PodInitializing') {
      reason = `Init:${wait.reason}`;
    } else {
      reason = `Init:${i}/${spec?.initContainers?.length ?? 0}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || hasCondition(pod, 'Initialized')) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const cs: ContainerStatus[] = status.containerStatuses ?? [];
    for (let i = cs.length - 1; i >= 0; i--) {
      const c = cs[i]!;
      restarts += c.restartCount ?? 0;
      lastRestart = later(lastRestart, c.lastState?.terminated?.finishedAt as string | undefined);
      const wait = c.state?.waiting;
      const term = c.state?.terminated;
      if (wait && wait.reason) reason = wait.reason;
      else if (term && term.reason) reason = term.reason;
      else if (term && !term.reason) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode}`;
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    // A pod whose last container completed but another still runs is still Running (or NotReady).
    if (reason === 'Completed' && hasRunning) reason = hasCondition(pod, 'Ready') ? 'Running' : 'NotReady';
  }

  if (pod.metadata.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && phase !== 'Failed' && phase !== 'Succeeded') reason = 'Terminating';

  let restartsText = String(restarts);
  if (restarts !== 0 && lastRestart) restartsText = `${restarts} (${humanDuration(now.getTime() - Date.parse(lastRestart))} ago)`;
  return { ready: `${ready}/${total}`, reason, restarts: restartsText };
}

function readinessGates(pod: Pod): string {
  const gates = pod.spec?.readinessGates ?? [];
  if (gates.length === 0) return '<none>';
  let trueCount = 0;
  for (const g of gates) {
    const c = (pod.status?.conditions ?? []).find((x) => x.type === g.conditionType);
    if (c?.status === 'True') trueCount++;
  }
  return `${trueCount}/${gates.length}`;
}

/** status.podIPs[0] as upstream reads it; status.podIP when a writer set only that (kubelets set both). */
export function firstPodIP(pod: Pod): string {
  return pod.status?.podIPs?.[0]?.ip || pod.status?.podIP || '';
}

export function podTableRow(pod: Pod, now: Date): unknown[] {
  const { ready, reason, restarts } = podStatusCells(pod, now);
  const ip = firstPodIP(pod) || '<none>';
  return [
    pod.metadata.name, ready, reason, restarts, age(pod, now),
    ip, pod.spec?.nodeName || '<none>', pod.status?.nominatedNodeName || '<none>', readinessGates(pod),
  ];
}

const preparePod = standardPrepare<Pod>({ status: true, initialStatus: (pod) => initialStatus(pod) });

export const definition: KindDefinition<Pod> = {
  group: '', version: 'v1', kind: 'Pod', listKind: 'PodList',
  plural: 'pods', singular: 'pod', shortNames: ['po'], categories: ['all'],
  namespaced: true,
  subresources: { status: true, other: ['binding', 'eviction', 'log', 'exec', 'attach', 'portforward', 'proxy'] },
  openapiName: 'io.k8s.api.core.v1.Pod',
  defaults: defaultPod,
  prepare(pod: Pod, old: Pod | undefined, ctx: WriteContext) {
    // Upstream defaults while decoding, before admission and PrepareForCreate (the QoS class needs
    // requests defaulted from limits); defaulting is idempotent, so apply it here whatever order
    // the server calls defaults/prepare in.
    normalizeNulls(pod);
    if (ctx.operation !== 'status') defaultPod(pod);
    // Admission (ServiceAccount, Priority, DefaultTolerationSeconds) runs before PrepareForCreate.
    if (!old || ctx.operation === 'create') admitPodCreate(pod);
    preparePod(pod, old, ctx);
    if (old && ctx.operation === 'status') {
      // podStatusStrategy: /status may not touch owner references (old kubelets corrupted them),
      // and the QoS class is fixed at creation (a status writer that omits it keeps it).
      if (old.metadata.ownerReferences) (pod.metadata as any).ownerReferences = old.metadata.ownerReferences;
      else delete (pod.metadata as any).ownerReferences;
      if (old.status?.qosClass && pod.status && !pod.status.qosClass) (pod.status as any).qosClass = old.status.qosClass;
    }
  },
  validate(pod, old, ctx) {
    const meta = validateMeta(pod, old, { namespaced: true, nameValidator: nameIsDNSSubdomain });
    if (!old || ctx.operation === 'create') return [...meta, ...validateCreate(pod)];
    if (ctx.operation === 'status') return [...meta, ...validateStatusUpdate(pod, old)];
    return [...meta, ...validatePodSpec(pod.spec, 'spec', true), ...validatePodSpecUpdate(pod.spec ?? ({} as PodSpec), old.spec ?? ({} as PodSpec), semanticEqual)];
  },
  tableColumns: [
    nameColumn,
    { name: 'Ready', type: 'string', priority: 0, description: 'The aggregate readiness state of this pod for accepting traffic.' },
    { name: 'Status', type: 'string', priority: 0, description: 'The aggregate status of the containers in this pod.' },
    { name: 'Restarts', type: 'string', priority: 0, description: 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.' },
    ageColumn,
    { name: 'IP', type: 'string', priority: 1, description: 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.' },
    { name: 'Node', type: 'string', priority: 1, description: 'NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename' },
    { name: 'Nominated Node', type: 'string', priority: 1, description: 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.' },
    { name: 'Readiness Gates', type: 'string', priority: 1, description: 'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates' },
  ],
  tableRow: podTableRow,
  fieldSelectors: {
    'spec.nodeName': (p) => p.spec?.nodeName ?? '',
    'spec.restartPolicy': (p) => p.spec?.restartPolicy ?? '',
    'spec.schedulerName': (p) => p.spec?.schedulerName ?? '',
    'spec.serviceAccountName': (p) => p.spec?.serviceAccountName ?? '',
    'spec.hostNetwork': (p) => String(p.spec?.hostNetwork === true),
    'status.phase': (p) => p.status?.phase ?? '',
    'status.podIP': (p) => firstPodIP(p),
    'status.nominatedNodeName': (p) => p.status?.nominatedNodeName ?? '',
  },
  gracefulDeletion: podGracePeriod,
};
