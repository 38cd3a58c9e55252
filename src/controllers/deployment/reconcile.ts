// Deployment decisions — pure: the deployment, its ReplicaSets and pods in; ReplicaSet writes,
// status and events out. Upstream semantics: pod-template-hash ReplicaSets with revision
// annotations, RollingUpdate bounded by maxSurge/maxUnavailable, Recreate, pause, history limit,
// Available/Progressing conditions and the progress deadline.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Deployment, ReplicaSet, DeploymentCondition } from 'kubernetes-types/apps/v1.js';
import { labelSelectorAsSelector } from '../../machinery/labels.js';
import { resolveFenceposts } from '../../machinery/intstr.js';
import { canonicalJSON, safeEncode } from '../statefulset/revision.js';

export const HASH_LABEL = 'pod-template-hash';
export const REVISION = 'deployment.kubernetes.io/revision';
export const DESIRED = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';

export type DeployAction =
  | { type: 'createReplicaSet'; rs: ReplicaSet }
  | { type: 'updateReplicaSet'; rs: ReplicaSet }
  | { type: 'deleteReplicaSet'; name: string; uid?: string };

export interface DeployResult {
  actions: DeployAction[];
  status: NonNullable<Deployment['status']>;
  events: { type: 'Normal' | 'Warning'; reason: string; message: string }[];
  /** Re-check after this many ms (minReadySeconds, progress deadline). */
  requeueAfterMs?: number;
}

/** fnv32a over the template's canonical JSON (+ collision count), in upstream's safe alphabet. */
export function podTemplateHash(template: unknown, collisionCount?: number): string {
  let h = 2166136261;
  const feed = (bytes: Uint8Array) => {
    for (const b of bytes) {
      h ^= b;
      h = Math.imul(h, 16777619) >>> 0;
    }
  };
  feed(Buffer.from(canonicalJSON(template), 'utf8'));
  if (collisionCount !== undefined && collisionCount !== null) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(collisionCount >>> 0);
    feed(b);
  }
  return safeEncode(String(h >>> 0));
}

const revisionOf = (rs: ReplicaSet) => Number(rs.metadata?.annotations?.[REVISION] ?? 0) || 0;
const specReplicas = (rs: ReplicaSet) => rs.spec?.replicas ?? 0;

/** The template without the pod-template-hash label, for equality with the deployment's. */
function templateKey(t: unknown): string {
  const c = JSON.parse(JSON.stringify(t ?? {}));
  if (c?.metadata?.labels) {
    delete c.metadata.labels[HASH_LABEL];
    if (Object.keys(c.metadata.labels).length === 0) delete c.metadata.labels;
  }
  return canonicalJSON(c);
}

function podAvailable(p: Pod, minReady: number, now: Date): boolean {
  const c = (p.status?.conditions ?? []).find((x) => x.type === 'Ready');
  if (c?.status !== 'True') return false;
  return minReady <= 0 || Date.parse(c.lastTransitionTime ?? '') + minReady * 1000 <= now.getTime();
}

function cond(type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string, now: string, prev?: DeploymentCondition): DeploymentCondition {
  const same = prev && prev.status === status;
  return { type, status, lastUpdateTime: prev && prev.status === status && prev.reason === reason && prev.message === message ? prev.lastUpdateTime : now, lastTransitionTime: same ? prev.lastTransitionTime : now, reason, message };
}

export function reconcileDeployment(d: Deployment, inputSets: ReplicaSet[], pods: Pod[], now: Date): DeployResult {
  const replicaSets: ReplicaSet[] = JSON.parse(JSON.stringify(inputSets)); // scale() updates sizes as it goes
  const actions: DeployAction[] = [];
  const events: DeployResult['events'] = [];
  const name = d.metadata!.name!;
  const ns = d.metadata!.namespace!;
  const uid = d.metadata!.uid!;
  const replicas = d.spec?.replicas ?? 1;
  const minReady = d.spec?.minReadySeconds ?? 0;
  const nowS = now.toISOString().replace(/\.\d+Z$/, 'Z');
  const owned = replicaSets.filter((rs) => (rs.metadata?.ownerReferences ?? []).some((r) => r.controller && r.uid === uid) && !rs.metadata?.deletionTimestamp);
  const tplKey = templateKey(d.spec?.template);
  let newRS = owned.filter((rs) => templateKey(rs.spec?.template) === tplKey).sort((a, b) => (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? ''))[0];
  const olds = owned.filter((rs) => rs !== newRS);
  const maxRevision = Math.max(0, ...owned.map(revisionOf));
  // Updates to one ReplicaSet in this pass are merged into a single write.
  const pending = new Map<string, ReplicaSet>();
  const scale = (rs: ReplicaSet, to: number, annotate = true): ReplicaSet => {
    const from = specReplicas(rs);
    if (from !== to) events.push({ type: 'Normal', reason: 'ScalingReplicaSet', message: `Scaled ${to > from ? 'up' : 'down'} replica set ${rs.metadata!.name} to ${to} from ${from}` });
    const base = pending.get(rs.metadata!.name!) ?? rs;
    const next: ReplicaSet = { ...base, metadata: { ...base.metadata, annotations: { ...base.metadata?.annotations } }, spec: { ...base.spec!, replicas: to } };
    if (annotate) {
      next.metadata!.annotations![DESIRED] = String(replicas);
      next.metadata!.annotations![MAX_REPLICAS] = String(replicas + surge);
    }
    rs.spec = next.spec; // later arithmetic sees the new size
    pending.set(rs.metadata!.name!, next);
    return next;
  };
  const strategy = d.spec?.strategy?.type ?? 'RollingUpdate';
  const { surge, unavailable } = strategy === 'RollingUpdate'
    ? resolveFenceposts(d.spec?.strategy?.rollingUpdate?.maxSurge ?? '25%', d.spec?.strategy?.rollingUpdate?.maxUnavailable ?? '25%', replicas)
    : { surge: 0, unavailable: 0 };

  const podsOf = (rs: ReplicaSet) => {
    const hash = rs.metadata?.labels?.[HASH_LABEL];
    return pods.filter((p) => p.metadata?.labels?.[HASH_LABEL] === hash && (p.metadata?.ownerReferences ?? []).some((r) => r.uid === rs.metadata?.uid));
  };
  const availableOf = (rs: ReplicaSet) => rs.status?.availableReplicas ?? 0;

  // Ensure the new ReplicaSet exists (or bump an old-but-equal one to the newest revision).
  if (!d.spec?.paused || newRS) {
    if (!newRS) {
      const collision = d.status?.collisionCount ?? 0;
      const hash = podTemplateHash(d.spec?.template, collision || undefined);
      const tpl = JSON.parse(JSON.stringify(d.spec?.template ?? {}));
      tpl.metadata = { ...(tpl.metadata ?? {}), labels: { ...(tpl.metadata?.labels ?? {}), [HASH_LABEL]: hash } };
      const sel = JSON.parse(JSON.stringify(d.spec?.selector ?? {}));
      sel.matchLabels = { ...(sel.matchLabels ?? {}), [HASH_LABEL]: hash };
      const initial = strategy === 'Recreate' ? 0 : Math.max(0, Math.min(replicas, replicas + surge - owned.reduce((n, rs) => n + specReplicas(rs), 0)));
      newRS = {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `${name}-${hash}`,
          namespace: ns,
          labels: { ...(d.spec?.template?.metadata?.labels ?? {}), [HASH_LABEL]: hash },
          annotations: { [REVISION]: String(maxRevision + 1), [DESIRED]: String(replicas), [MAX_REPLICAS]: String(replicas + surge) },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid, controller: true, blockOwnerDeletion: true }],
        },
        spec: { replicas: initial, minReadySeconds: minReady, selector: sel, template: tpl },
      };
      actions.push({ type: 'createReplicaSet', rs: newRS });
      if (initial > 0) events.push({ type: 'Normal', reason: 'ScalingReplicaSet', message: `Scaled up replica set ${newRS.metadata!.name} to ${initial} from 0` });
    } else if (revisionOf(newRS) < maxRevision || revisionOf(newRS) === 0) {
      // Rolled back to an existing template: it becomes the newest revision.
      const ann = { ...newRS.metadata?.annotations, [REVISION]: String(maxRevision + (revisionOf(newRS) === maxRevision ? 0 : 1)) };
      newRS.metadata = { ...newRS.metadata, annotations: ann };
      pending.set(newRS.metadata.name!, { ...newRS });
    }
  }

  const created = actions.some((a) => a.type === 'createReplicaSet');
  if (!d.spec?.paused && newRS && !created) {
    if (strategy === 'Recreate') {
      for (const rs of olds) if (specReplicas(rs) > 0) scale(rs, 0);
      const oldPodsRunning = olds.some((rs) => (rs.status?.replicas ?? 0) > 0 || podsOf(rs).some((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed'));
      if (!oldPodsRunning && specReplicas(newRS) !== replicas) scale(newRS, replicas);
    } else {
      // Scale up the new set within maxSurge.
      const total = owned.reduce((n, rs) => n + specReplicas(rs), 0);
      if (specReplicas(newRS) < replicas) {
        const room = replicas + surge - total;
        if (room > 0) scale(newRS, Math.min(replicas, specReplicas(newRS) + room));
      } else if (specReplicas(newRS) > replicas) scale(newRS, replicas);
      // Scale down old sets within maxUnavailable: first their unavailable pods, then more.
      const minAvailable = replicas - unavailable;
      const allPods = owned.reduce((n, rs) => n + specReplicas(rs), 0);
      const newUnavailable = specReplicas(newRS) - availableOf(newRS);
      let budget = allPods - minAvailable - newUnavailable;
      for (const rs of [...olds].sort((a, b) => revisionOf(a) - revisionOf(b))) {
        if (budget <= 0) break;
        const unhealthy = specReplicas(rs) - availableOf(rs);
        const cut = Math.min(Math.max(0, unhealthy), budget, specReplicas(rs));
        if (cut > 0) {
          scale(rs, specReplicas(rs) - cut);
          budget -= cut;
        }
      }
      const availableTotal = owned.reduce((n, rs) => n + Math.min(availableOf(rs), specReplicas(rs)), 0);
      let more = availableTotal - minAvailable;
      for (const rs of [...olds].sort((a, b) => revisionOf(a) - revisionOf(b))) {
        if (more <= 0) break;
        const cut = Math.min(specReplicas(rs), more);
        if (cut > 0) {
          scale(rs, specReplicas(rs) - cut);
          more -= cut;
        }
      }
    }
  } else if (d.spec?.paused && newRS && !created) {
    // Paused: only scaling follows spec.replicas (proportionally is upstream; the new set takes it here).
    const total = owned.reduce((n, rs) => n + specReplicas(rs), 0);
    if (total !== replicas) scale(newRS, Math.max(0, specReplicas(newRS) + replicas - total));
  }

  for (const rs of pending.values()) actions.push({ type: 'updateReplicaSet', rs });

  // History: keep revisionHistoryLimit old sets with zero replicas.
  const limit = d.spec?.revisionHistoryLimit ?? 10;
  const idle = olds.filter((rs) => specReplicas(rs) === 0 && (rs.status?.replicas ?? 0) === 0).sort((a, b) => revisionOf(a) - revisionOf(b));
  for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) actions.push({ type: 'deleteReplicaSet', name: rs.metadata!.name!, uid: rs.metadata?.uid });

  // Status from the sets (as last observed).
  const all = newRS ? [...olds, newRS] : olds;
  const statusReplicas = all.reduce((n, rs) => n + (rs.status?.replicas ?? 0), 0);
  const updated = newRS && !created ? newRS.status?.replicas ?? 0 : 0;
  const ready = all.reduce((n, rs) => n + (rs.status?.readyReplicas ?? 0), 0);
  const available = all.reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);
  const prev = d.status?.conditions ?? [];
  const prevOf = (t: string) => prev.find((c) => c.type === t);
  const conditions: DeploymentCondition[] = [];
  const minAvail = replicas - (strategy === 'RollingUpdate' ? unavailable : 0);
  conditions.push(available >= minAvail
    ? cond('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', nowS, prevOf('Available'))
    : cond('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.', nowS, prevOf('Available')));
  const rsName = newRS?.metadata?.name ?? '';
  const complete = !!newRS && updated === replicas && statusReplicas === replicas && available >= replicas && (newRS.status?.observedGeneration ?? 0) >= (newRS.metadata?.generation ?? 0);
  const deadline = d.spec?.progressDeadlineSeconds ?? 600;
  const prevProgress = prevOf('Progressing');
  let requeueAfterMs: number | undefined;
  if (d.spec?.paused) {
    conditions.push(cond('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused', nowS, prevProgress));
  } else if (created) {
    conditions.push(cond('Progressing', 'True', 'NewReplicaSetCreated', `Created new replica set "${rsName}"`, nowS, prevProgress));
  } else if (complete) {
    conditions.push(cond('Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${rsName}" has successfully progressed.`, nowS, prevProgress));
  } else {
    const progressed = actions.some((a) => a.type === 'updateReplicaSet') || (prevProgress && prevProgress.reason === 'NewReplicaSetCreated');
    const last = prevProgress?.lastUpdateTime ? Date.parse(prevProgress.lastUpdateTime) : now.getTime();
    if (!progressed && prevProgress?.status !== 'False' && now.getTime() - last > deadline * 1000) {
      conditions.push(cond('Progressing', 'False', 'ProgressDeadlineExceeded', `ReplicaSet "${rsName}" has timed out progressing.`, nowS, prevProgress));
    } else if (prevProgress?.reason === 'ProgressDeadlineExceeded' && !progressed) {
      conditions.push(prevProgress);
    } else {
      const c = cond('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${rsName}" is progressing.`, nowS, prevProgress);
      if (progressed) c.lastUpdateTime = nowS;
      conditions.push(c);
      requeueAfterMs = Math.max(1000, deadline * 1000 - (now.getTime() - Date.parse(c.lastUpdateTime ?? nowS)) + 100);
    }
  }
  // Order as upstream prints them: Available, then Progressing.
  const status: NonNullable<Deployment['status']> = {
    observedGeneration: d.metadata?.generation,
    replicas: statusReplicas,
    updatedReplicas: updated,
    readyReplicas: ready,
    availableReplicas: available,
    ...(replicas - available > 0 ? { unavailableReplicas: replicas - available } : {}),
    conditions,
    ...(d.status?.collisionCount ? { collisionCount: d.status.collisionCount } : {}),
  };
  if (status.replicas === 0) delete (status as { replicas?: number }).replicas;
  if (!status.updatedReplicas) delete (status as { updatedReplicas?: number }).updatedReplicas;
  if (!status.readyReplicas) delete (status as { readyReplicas?: number }).readyReplicas;
  if (!status.availableReplicas) delete (status as { availableReplicas?: number }).availableReplicas;
  if (minReady > 0 && !complete) requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, minReady * 1000);
  return { actions, status, events, requeueAfterMs };
}

/** Orphaned ReplicaSets that match the deployment's selector and can be adopted. */
export function adoptable(d: Deployment, replicaSets: ReplicaSet[]): ReplicaSet[] {
  const sel = labelSelectorAsSelector(d.spec?.selector as never);
  return replicaSets.filter((rs) => !(rs.metadata?.ownerReferences ?? []).some((r) => r.controller) && sel.matches(rs.metadata?.labels) && !rs.metadata?.deletionTimestamp);
}
