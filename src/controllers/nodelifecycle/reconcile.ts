// Node lifecycle decisions (upstream nodelifecycle controller + taint-based eviction), pure:
// a node whose heartbeat (Lease renewals, Ready heartbeats) the controller has not seen change for
// the grace period gets its conditions set to Unknown; Ready≠True taints the node (unreachable /
// not-ready, NoSchedule and NoExecute); pods on a NoExecute-tainted node are evicted once their
// matching tolerations run out (immediately if a taint is not tolerated at all).
import type { Node, NodeCondition, Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';

export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const UNKNOWN_REASON = 'NodeStatusUnknown';
export const UNKNOWN_MESSAGE = 'Kubelet stopped posting node status.';

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The conditions to write when the node's heartbeat is older than the grace period (else undefined). */
export function staleConditions(node: Node, lastObservedMs: number, nowMs: number, gracePeriodMs: number): NodeCondition[] | undefined {
  if (nowMs - lastObservedMs <= gracePeriodMs) return undefined;
  const conds = node.status?.conditions ?? [];
  const types = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];
  if (types.every((t) => conds.find((c) => c.type === t)?.status === 'Unknown')) return undefined;
  const out = conds.filter((c) => !types.includes(c.type));
  for (const t of types) {
    const prev = conds.find((c) => c.type === t);
    if (prev?.status === 'Unknown') { out.push(prev); continue; }
    out.push({
      type: t, status: 'Unknown', reason: UNKNOWN_REASON, message: UNKNOWN_MESSAGE,
      lastHeartbeatTime: prev?.lastHeartbeatTime ?? rfc3339(lastObservedMs),
      lastTransitionTime: rfc3339(nowMs),
    });
  }
  return out;
}

/** The node's taints as the Ready condition wants them (other taints kept; timeAdded kept). */
export function desiredTaints(node: Node, nowMs: number): Taint[] {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  const mine = new Set([TAINT_UNREACHABLE, TAINT_NOT_READY]);
  const existing = node.spec?.taints ?? [];
  const out = existing.filter((t) => !mine.has(t.key));
  const key = ready === 'Unknown' ? TAINT_UNREACHABLE : ready === 'False' || ready === undefined ? TAINT_NOT_READY : undefined;
  if (key) {
    for (const effect of ['NoSchedule', 'NoExecute'] as const) {
      const prev = existing.find((t) => t.key === key && t.effect === effect);
      out.push(prev ?? { key, effect, ...(effect === 'NoExecute' ? { timeAdded: rfc3339(nowMs) } : {}) });
    }
  }
  return out;
}

export function taintsEqual(a: Taint[] | undefined, b: Taint[] | undefined): boolean {
  const k = (ts: Taint[] | undefined) => (ts ?? []).map((t) => `${t.key}=${t.value ?? ''}:${t.effect}`).sort().join(',');
  return k(a) === k(b);
}

export function tolerates(tol: Toleration, taint: Taint): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  if (!tol.key) return tol.operator === 'Exists';
  if (tol.key !== taint.key) return false;
  if (tol.operator === 'Exists') return true;
  return (tol.value ?? '') === (taint.value ?? '');
}

/**
 * When the pod must be evicted from its node (ms since epoch), or undefined for never: the
 * earliest taint.timeAdded + the smallest tolerationSeconds among the tolerations in use; now
 * when some NoExecute taint is not tolerated.
 */
export function evictionTime(pod: Pod, taints: Taint[], nowMs: number): number | undefined {
  const noExec = taints.filter((t) => t.effect === 'NoExecute');
  if (noExec.length === 0) return undefined;
  const tols = pod.spec?.tolerations ?? [];
  let at: number | undefined;
  for (const t of noExec) {
    const matching = tols.filter((x) => tolerates(x, t));
    if (matching.length === 0) return nowMs;
    const secs = matching.map((x) => x.tolerationSeconds).filter((s): s is number => s !== undefined && s !== null);
    if (secs.length === 0) continue; // tolerated forever
    const added = t.timeAdded ? Date.parse(t.timeAdded) : nowMs;
    const when = added + Math.max(0, Math.min(...secs)) * 1000;
    at = at === undefined ? when : Math.min(at, when);
  }
  return at;
}

/** The pod's Ready condition forced False (upstream MarkPodsNotReady), or undefined if already. */
export function markNotReady(pod: Pod, nowMs: number): Pod['status'] | undefined {
  const conds = pod.status?.conditions ?? [];
  const ready = conds.find((c) => c.type === 'Ready');
  if (!ready || ready.status === 'False') return undefined;
  return { ...pod.status, conditions: conds.map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: rfc3339(nowMs) } : c)) };
}

/** The DisruptionTarget condition the taint manager adds before deleting a pod. */
export function disruptionCondition(nowMs: number) {
  return {
    type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager',
    message: 'Taint manager: deleting due to NoExecute taint', lastProbeTime: null, lastTransitionTime: rfc3339(nowMs),
  };
}
