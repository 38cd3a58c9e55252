// ReplicaSet decisions — pure: the set and the pods of its namespace in; adoptions, releases,
// creations, deletions and the new status out. Upstream semantics: only active pods count,
// deletions prefer the least useful pods (unscheduled < pending < not ready < newest …).
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { labelSelectorAsSelector } from '../../machinery/labels.js';

export type RsAction =
  | { type: 'createPod'; pod: Pod }
  | { type: 'deletePod'; name: string; uid?: string }
  | { type: 'adoptPod'; name: string; ownerReferences: NonNullable<Pod['metadata']>['ownerReferences']; resourceVersion?: string }
  | { type: 'releasePod'; name: string; ownerReferences: NonNullable<Pod['metadata']>['ownerReferences']; resourceVersion?: string };

export interface RsResult {
  actions: RsAction[];
  status: NonNullable<ReplicaSet['status']>;
  events: { type: 'Normal' | 'Warning'; reason: string; message: string }[];
}

const BURST = 500; // upstream's per-sync cap on creations/deletions

export const isActive = (p: Pod) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed' && !p.metadata?.deletionTimestamp;

export function podReadySince(p: Pod): number | undefined {
  const c = (p.status?.conditions ?? []).find((x) => x.type === 'Ready');
  if (c?.status !== 'True') return undefined;
  return c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : 0;
}

export function isAvailable(p: Pod, minReadySeconds: number, now: Date): boolean {
  const since = podReadySince(p);
  if (since === undefined) return false;
  return minReadySeconds <= 0 || since + minReadySeconds * 1000 <= now.getTime();
}

function controllerOf(p: Pod) {
  return (p.metadata?.ownerReferences ?? []).find((r) => r.controller);
}

export function ownerRefTo(rs: ReplicaSet) {
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata!.name!, uid: rs.metadata!.uid!, controller: true, blockOwnerDeletion: true };
}

/** Upstream's ActivePods ordering: the first pods are the first to delete. */
export function deletionRank(a: Pod, b: Pod): number {
  const sched = (p: Pod) => (p.spec?.nodeName ? 1 : 0);
  if (sched(a) !== sched(b)) return sched(a) - sched(b);
  const phase = (p: Pod) => ({ Pending: 0, Unknown: 1, Running: 2 } as Record<string, number>)[p.status?.phase ?? 'Pending'] ?? 0;
  if (phase(a) !== phase(b)) return phase(a) - phase(b);
  const ready = (p: Pod) => (podReadySince(p) !== undefined ? 1 : 0);
  if (ready(a) !== ready(b)) return ready(a) - ready(b);
  const ra = podReadySince(a), rb = podReadySince(b);
  if (ra !== undefined && rb !== undefined && ra !== rb) return rb - ra; // ready more recently first
  const restarts = (p: Pod) => (p.status?.containerStatuses ?? []).reduce((n, c) => Math.max(n, c.restartCount ?? 0), 0);
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  const created = (p: Pod) => Date.parse(p.metadata?.creationTimestamp ?? '') || 0;
  return created(b) - created(a); // newer first
}

export function reconcileReplicaSet(rs: ReplicaSet, nsPods: Pod[], now: Date): RsResult {
  const uid = rs.metadata!.uid!;
  const sel = labelSelectorAsSelector(rs.spec?.selector as never);
  const actions: RsAction[] = [];
  const events: RsResult['events'] = [];
  const owned: Pod[] = [];
  const deleting = !!rs.metadata?.deletionTimestamp;
  for (const p of nsPods) {
    const ctl = controllerOf(p);
    const matches = sel.matches(p.metadata?.labels);
    if (ctl?.uid === uid) {
      if (matches) owned.push(p);
      else actions.push({ type: 'releasePod', name: p.metadata!.name!, ownerReferences: (p.metadata?.ownerReferences ?? []).filter((r) => r.uid !== uid), resourceVersion: p.metadata?.resourceVersion });
    } else if (!ctl && matches && !deleting && !p.metadata?.deletionTimestamp) {
      actions.push({ type: 'adoptPod', name: p.metadata!.name!, ownerReferences: [...(p.metadata?.ownerReferences ?? []), ownerRefTo(rs)], resourceVersion: p.metadata?.resourceVersion });
      owned.push(p);
    }
  }
  const active = owned.filter(isActive);
  const want = rs.spec?.replicas ?? 1;
  if (!deleting) {
    if (active.length < want) {
      const n = Math.min(want - active.length, BURST);
      const tpl = rs.spec?.template ?? {};
      for (let i = 0; i < n; i++) {
        actions.push({
          type: 'createPod',
          pod: {
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { generateName: `${rs.metadata!.name}-`, namespace: rs.metadata!.namespace, labels: { ...(tpl.metadata?.labels ?? {}) }, annotations: tpl.metadata?.annotations ? { ...tpl.metadata.annotations } : undefined, ownerReferences: [ownerRefTo(rs)] },
            spec: JSON.parse(JSON.stringify(tpl.spec ?? { containers: [] })),
          },
        });
      }
    } else if (active.length > want) {
      const victims = [...active].sort(deletionRank).slice(0, Math.min(active.length - want, BURST));
      for (const v of victims) actions.push({ type: 'deletePod', name: v.metadata!.name!, uid: v.metadata?.uid });
    }
  }
  const minReady = rs.spec?.minReadySeconds ?? 0;
  const tplLabels = rs.spec?.template?.metadata?.labels ?? {};
  const status: NonNullable<ReplicaSet['status']> = {
    replicas: active.length,
    fullyLabeledReplicas: active.filter((p) => Object.entries(tplLabels).every(([k, v]) => p.metadata?.labels?.[k] === v)).length,
    readyReplicas: active.filter((p) => podReadySince(p) !== undefined).length,
    availableReplicas: active.filter((p) => isAvailable(p, minReady, now)).length,
    observedGeneration: rs.metadata?.generation,
  };
  if (rs.status?.conditions?.length) status.conditions = rs.status.conditions;
  return { actions, status, events };
}
