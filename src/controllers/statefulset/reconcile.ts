// The StatefulSet controller's decisions, as a pure function of what it observes:
//   reconcile({set, pods, pvcs, revisions, now, features}) → {actions, status, conditions, …}
// It follows shared/spec/statefulset.md §1–§5 (upstream's stateful_set_control.go behaviour).
//
// Actions carry a `batch` number. The controller runs batches in order, the actions of one batch
// concurrently, and stops at the first batch with an error (actions marked `finally` — history
// truncation — run regardless). That reproduces upstream's control flow without effects here:
// OrderedReady yields one mutating pod action per batch and stops after it ("EXIT"); Parallel
// yields upstream's slow-start batches (1, 2, 4, … capped at 500) that stop at the first error.
import type {
  ControllerRevision, OwnerRef, PersistentVolumeClaim, Pod, PodTemplate, StatefulSet, StatefulSetCondition, StatefulSetStatus, Volume,
} from './types.js';
import { HASH_LABEL, newRevision, revisionsEqual, setControllerRef, sortRevisions, templateOf } from './revision.js';
import { selectorPredicate, type LabelPredicate } from './selector.js';

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
export const REVISION_LABEL = 'controller-revision-hash';
export const RECOVER_ANNOTATION = 'ordinal.dev/recover-stuck-rollout';
/** Ordinal's own condition type: which ordinal blocks progress, and why. */
export const WAITING_CONDITION = 'Waiting';
/** A wait is also reported as a `Waiting` event once it has lasted this long. */
export const WAITING_EVENT_AFTER_MS = 10_000;

export interface Features {
  /** MaxUnavailableStatefulSet: off by default, as upstream ships it (1.35.4+/1.36). */
  maxUnavailableStatefulSet?: boolean;
  /** Promote currentRevision for OnDelete too (upstream 1.37, PR #136833). Default true. */
  onDeletePromotesCurrentRevision?: boolean;
}

export interface ReconcileInput {
  set: StatefulSet;
  /** Pods in the set's namespace (the controller claims, adopts and releases among them). */
  pods: Pod[];
  /**
   * Claims in the set's namespace, or a lookup of one by name there (a controller's indexed cache:
   * a sync then reads only the claims of the ordinals it looks at, not all of them).
   */
  pvcs: PersistentVolumeClaim[] | ((name: string) => PersistentVolumeClaim | undefined);
  /** ControllerRevisions in the set's namespace. */
  revisions: ControllerRevision[];
  now: Date;
  features?: Features;
}

interface Base {
  batch: number;
  /** Runs even when an earlier batch failed (history truncation). */
  finally?: boolean;
}

export type ActionBody =
    | { kind: 'adoptPod' | 'releasePod'; pod: Pod; ownerReferences: OwnerRef[] }
    | { kind: 'adoptRevision'; revision: ControllerRevision; ownerReferences: OwnerRef[] }
    | { kind: 'createRevision'; revision: ControllerRevision }
    /** Case B of §4.3: an equal older revision gets the next number (rollback reuse). */
    | { kind: 'updateRevision'; revision: ControllerRevision }
    | { kind: 'deleteRevision'; revision: ControllerRevision }
    /** Create the missing claims (with their retention owner refs), then the pod, then fix existing claims' refs. */
    | { kind: 'createPod'; pod: Pod; claims: PersistentVolumeClaim[]; claimUpdates: PersistentVolumeClaim[] }
    /**
     * Fix an existing pod: create missing claims, PUT the claims whose owner refs must change, then
     * PUT the pod if its identity/storage changed (`pod` set). Events only if the pod PUT was tried.
     */
    | { kind: 'updatePod'; podName: string; pod?: Pod; claims: PersistentVolumeClaim[]; claimUpdates: PersistentVolumeClaim[] }
    | { kind: 'deletePod'; pod: Pod; why: 'finished' | 'condemned' | 'update' | 'recover'; ignoreNotFound?: boolean };

export type Action = Base & ActionBody;

export interface EventSpec {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface ReconcileResult {
  actions: Action[];
  /** The status to write (replaces the whole status, as upstream). */
  status: StatefulSetStatus;
  /** Ordinal's "why is it waiting" condition(s) (also inside status.conditions). */
  conditions: StatefulSetCondition[];
  /** Whether status differs meaningfully from the stored one (upstream's "inconsistent" + our condition). */
  statusChanged: boolean;
  /** Events decided without an API call (e.g. ConflictingController, claim being deleted). */
  events: EventSpec[];
  /** Errors found without an API call: the sync must be retried with backoff. */
  errors: string[];
  /** After a successful sync, look again after this long (minReadySeconds). */
  requeueAfterMs?: number;
  /** Set when the set cannot be synced at all (e.g. invalid selector): do nothing, don't retry. */
  skip?: string;
}

// ---------- identity ----------

const ORDINAL_RE = /^(.*)-([0-9]+)$/;
const parsed = new Map<string, { parent: string; ordinal: number }>();
export function parseOrdinal(name: string | undefined): { parent: string; ordinal: number } {
  const key = name ?? '';
  const hit = parsed.get(key);
  if (hit) return hit;
  const m = ORDINAL_RE.exec(key);
  const n = m ? Number(m[2]) : NaN;
  const out = m ? { parent: m[1]!, ordinal: Number.isSafeInteger(n) && n <= 2147483647 ? n : -1 } : { parent: '', ordinal: -1 };
  // Names recur on every sync; a bounded memo keeps parsing off the hot path.
  if (parsed.size > 100_000) parsed.clear();
  parsed.set(key, out);
  return out;
}
export const podName = (set: StatefulSet, ordinal: number) => `${set.metadata.name}-${ordinal}`;
export const claimName = (template: PersistentVolumeClaim, set: StatefulSet, ordinal: number) => `${template.metadata.name}-${set.metadata.name}-${ordinal}`;
const isMemberOf = (set: StatefulSet, pod: Pod) => parseOrdinal(pod.metadata.name).parent === set.metadata.name;
function controllerOf(o: { metadata: { ownerReferences?: OwnerRef[] } }): OwnerRef | undefined {
  const refs = o.metadata.ownerReferences;
  if (refs) for (let i = 0; i < refs.length; i++) if (refs[i]!.controller) return refs[i];
  return undefined;
}

// ---------- pod predicates (§4.4) ----------

/**
 * A pod that does not exist yet, standing in its slot (name + revision label). Its own class, so
 * telling it from a created pod is a cheap prototype check on every predicate: a sync of a large
 * set makes one per missing ordinal (a WeakSet of them was most of a bring-up sync's time).
 */
class StandIn implements Pod {
  constructor(readonly metadata: Pod['metadata'], readonly template: PodTemplate, readonly ordinal: number) {}
}
const isCreated = (p: Pod) => !(p instanceof StandIn);
const phase = (p: Pod) => p.status?.phase ?? '';
const isTerminating = (p: Pod) => !!p.metadata.deletionTimestamp;
const isFinished = (p: Pod) => phase(p) === 'Failed' || phase(p) === 'Succeeded';
/** A created pod without a phase has not been looked at by anyone yet: it is Pending. */
const isPending = (p: Pod) => isCreated(p) && (phase(p) === 'Pending' || phase(p) === '');
function readyCondition(p: Pod) {
  const cs = p.status?.conditions;
  if (cs) for (let i = 0; i < cs.length; i++) if (cs[i]!.type === 'Ready') return cs[i];
  return undefined;
}
const isReady = (p: Pod) => readyCondition(p)?.status === 'True';
const isRunningAndReady = (p: Pod) => phase(p) === 'Running' && isReady(p);
function isAvailable(p: Pod, minReady: number, now: Date): boolean {
  if (!isReady(p)) return false;
  if (minReady <= 0) return true;
  const t = readyCondition(p)?.lastTransitionTime;
  return !!t && Date.parse(t) + minReady * 1000 < now.getTime();
}
const revisionOf = (p: Pod) => p.metadata.labels?.[REVISION_LABEL] ?? '';

/** Human words for why a pod holds others up: "is not Ready (readiness probe failed)". */
export function whyNotReady(p: Pod, minReady: number, now: Date): string {
  if (!isCreated(p)) return 'not created yet';
  if (isTerminating(p)) return 'is terminating';
  if (phase(p) === 'Failed' || phase(p) === 'Succeeded') return `has ${phase(p) === 'Failed' ? 'failed' : 'succeeded'} and is being replaced`;
  const waiting = p.status?.containerStatuses?.map((c) => c.state?.waiting?.reason).find((r) => r);
  const term = p.status?.containerStatuses?.map((c) => c.state?.terminated?.reason).find((r) => r);
  if (isPending(p)) {
    const sched = p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    const detail = waiting ?? sched?.reason ?? (p.spec?.['nodeName'] ? undefined : 'not scheduled');
    return `is Pending${detail ? ` (${detail})` : ''}`;
  }
  if (!isReady(p)) {
    let detail = waiting ?? term;
    if (!detail) {
      const probed = new Set((p.spec?.containers ?? []).filter((c) => c.readinessProbe).map((c) => c.name));
      const unready = (p.status?.containerStatuses ?? []).filter((c) => !c.ready && c.state?.running);
      if (unready.some((c) => probed.has(c.name))) detail = 'readiness probe failed';
      else detail = readyCondition(p)?.reason;
    }
    return `is not Ready${detail ? ` (${detail})` : ''}`;
  }
  if (phase(p) !== 'Running') return `is ${phase(p) || 'not Running'}`;
  return `is not available (Ready for less than minReadySeconds=${minReady}s)`;
}

// ---------- claims and retention (§3) ----------

function retention(set: StatefulSet) {
  const p = set.spec.persistentVolumeClaimRetentionPolicy ?? {};
  return { whenDeleted: p.whenDeleted === 'Delete' ? 'Delete' : 'Retain', whenScaled: p.whenScaled === 'Delete' ? 'Delete' : 'Retain' };
}

const podRef = (pod: Pod): OwnerRef => ({ apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name!, uid: pod.metadata.uid!, controller: true, blockOwnerDeletion: true });
const refKey = (r: OwnerRef) => `${r.apiVersion}|${r.kind}|${r.name}|${r.uid}|${!!r.controller}|${!!r.blockOwnerDeletion}`;
const sameRefs = (a: OwnerRef[], b: OwnerRef[]) => a.length === b.length && a.map(refKey).sort().join('\n') === b.map(refKey).sort().join('\n');
const isSetRefTo = (r: OwnerRef, set: StatefulSet) => r.apiVersion.startsWith('apps/') && r.kind === 'StatefulSet' && r.name === set.metadata.name;
const isPodRefTo = (r: OwnerRef, name: string) => r.apiVersion === 'v1' && r.kind === 'Pod' && r.name === name;

/**
 * The owner references a claim of `pod` should carry under the retention policy (§3.3 matrix and
 * safety rules). Returns `refs` only when they must change; `conflict` when a foreign controller
 * makes the policy inapplicable (ConflictingController).
 */
export function claimOwnerRefs(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod, condemned: boolean): { refs?: OwnerRef[]; conflict: boolean } {
  const refs = claim.metadata.ownerReferences ?? [];
  const name = pod.metadata.name!;
  // Stale references (a previous incarnation of the set or pod): leave the claim to the GC.
  if (refs.some((r) => isSetRefTo(r, set) && r.uid !== set.metadata.uid)) return { conflict: false };
  if (pod.metadata.uid && refs.some((r) => isPodRefTo(r, name) && r.uid !== pod.metadata.uid)) return { conflict: false };
  const { whenDeleted, whenScaled } = retention(set);
  const retainAll = whenDeleted === 'Retain' && whenScaled === 'Retain';
  const foreign = refs.some((r) => r.controller && !isSetRefTo(r, set) && !isPodRefTo(r, name));
  const conflict = foreign && !retainAll;
  const want: OwnerRef[] = [];
  if (!conflict) {
    if (condemned && whenScaled === 'Delete') {
      if (pod.metadata.uid) want.push(podRef(pod));
    } else if (whenDeleted === 'Delete') want.push(setControllerRef(set));
  }
  if (!refs.length && !want.length) return { conflict }; // the common Retain/Retain case
  const next = refs.filter((r) => !isSetRefTo(r, set) && !isPodRefTo(r, name)).concat(want);
  return sameRefs(refs, next) ? { conflict } : { refs: next, conflict };
}

function newClaim(template: PersistentVolumeClaim, set: StatefulSet, ordinal: number): PersistentVolumeClaim {
  const labels = { ...(template.metadata.labels ?? {}), ...(set.spec.selector?.matchLabels ?? {}) };
  const meta: PersistentVolumeClaim['metadata'] = { name: claimName(template, set, ordinal), namespace: set.metadata.namespace, labels };
  if (template.metadata.annotations) meta.annotations = { ...template.metadata.annotations };
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta, spec: jsonCopy(template.spec ?? {}) };
}

/** Deep copy of API data (plain JSON values): several times faster than structuredClone in V8. */
const jsonCopy = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

// ---------- building pods (§2.3) ----------

function newPod(set: StatefulSet, template: PodTemplate, revisionName: string, ordinal: number): Pod {
  const name = podName(set, ordinal);
  const tm = template.metadata ?? {};
  const spec = jsonCopy(template.spec ?? {});
  // Upstream sets ReadOnly: false, which Go's omitempty drops: real pods show only claimName.
  const claimVolumes: Volume[] = (set.spec.volumeClaimTemplates ?? []).map((t) => ({
    name: t.metadata.name!,
    persistentVolumeClaim: { claimName: claimName(t, set, ordinal) },
  }));
  const claimNames = new Set(claimVolumes.map((v) => v.name));
  const volumes = [...claimVolumes, ...(spec.volumes ?? []).filter((v) => !claimNames.has(v.name))];
  if (volumes.length) spec.volumes = volumes;
  spec.hostname = name;
  if (set.spec.serviceName) spec.subdomain = set.spec.serviceName;
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      generateName: `${set.metadata.name}-`,
      namespace: set.metadata.namespace,
      labels: { ...(tm.labels ?? {}), [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [REVISION_LABEL]: revisionName },
      ownerReferences: [setControllerRef(set)],
    },
    spec,
  };
  if (tm.annotations) pod.metadata.annotations = { ...tm.annotations };
  if (tm.finalizers) pod.metadata.finalizers = [...tm.finalizers];
  return pod;
}

function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const { parent, ordinal } = parseOrdinal(pod.metadata.name);
  return ordinal >= 0 && parent === set.metadata.name && pod.metadata.name === podName(set, ordinal) &&
    pod.metadata.namespace === set.metadata.namespace && pod.metadata.labels?.[POD_NAME_LABEL] === pod.metadata.name;
}

// The per-pod checks below run for every ordinal on every sync, mostly before V8 has optimised
// them (a bring-up is a few hundred syncs): plain indexed loops, no callbacks or iterators.
function storageMatches(set: StatefulSet, pod: Pod, ordinal: number): boolean {
  const vols = pod.spec?.volumes ?? [];
  const templates = set.spec.volumeClaimTemplates ?? [];
  for (let i = 0; i < templates.length; i++) {
    const t = templates[i]!;
    const want = claimName(t, set, ordinal);
    let found = false;
    for (let j = 0; j < vols.length && !found; j++) found = vols[j]!.name === t.metadata.name && vols[j]!.persistentVolumeClaim?.claimName === want;
    if (!found) return false;
  }
  return true;
}

// ---------- status (§4.12) ----------

interface Counts {
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  currentReplicas: number;
  updatedReplicas: number;
}

function count(slots: Pod[], condemned: Pod[], currentRev: string, updateRev: string, minReady: number, now: Date): Counts {
  const c: Counts = { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0 };
  countInto(c, slots, currentRev, updateRev, minReady, now);
  countInto(c, condemned, currentRev, updateRev, minReady, now);
  return c;
}

/** count's loop: the predicates spelled out once per pod (one Ready lookup, not three). */
function countInto(c: Counts, pods: Pod[], currentRev: string, updateRev: string, minReady: number, now: Date): void {
  for (let i = 0; i < pods.length; i++) {
    const p = pods[i]!;
    if (p instanceof StandIn) continue;
    c.replicas++;
    const ready = readyCondition(p);
    if (ready?.status === 'True' && p.status?.phase === 'Running') {
      c.readyReplicas++;
      if (minReady <= 0 || (!!ready.lastTransitionTime && Date.parse(ready.lastTransitionTime) + minReady * 1000 < now.getTime())) c.availableReplicas++;
    }
    if (!p.metadata.deletionTimestamp) {
      const rev = p.metadata.labels?.[REVISION_LABEL] ?? '';
      if (rev === currentRev) c.currentReplicas++;
      if (rev === updateRev) c.updatedReplicas++;
    }
  }
}

/** Upstream's JSON for the status: omitempty counters left out when zero. */
function renderStatus(s: {
  observedGeneration?: number; counts: Counts; currentRevision: string; updateRevision: string; collisionCount: number; conditions: StatefulSetCondition[];
}): StatefulSetStatus {
  const out: StatefulSetStatus = { replicas: s.counts.replicas, availableReplicas: s.counts.availableReplicas };
  if (s.observedGeneration) out.observedGeneration = s.observedGeneration;
  if (s.counts.readyReplicas) out.readyReplicas = s.counts.readyReplicas;
  if (s.counts.currentReplicas) out.currentReplicas = s.counts.currentReplicas;
  if (s.counts.updatedReplicas) out.updatedReplicas = s.counts.updatedReplicas;
  if (s.currentRevision) out.currentRevision = s.currentRevision;
  if (s.updateRevision) out.updateRevision = s.updateRevision;
  out.collisionCount = s.collisionCount;
  if (s.conditions.length) out.conditions = s.conditions;
  return out;
}

function statusDiffers(old: StatefulSetStatus | undefined, s: StatefulSetStatus): boolean {
  const o = old ?? ({ replicas: 0, availableReplicas: 0 } as StatefulSetStatus);
  if ((s.observedGeneration ?? 0) > (o.observedGeneration ?? 0)) return true;
  const keys = ['replicas', 'currentReplicas', 'readyReplicas', 'updatedReplicas', 'availableReplicas'] as const;
  if (keys.some((k) => (o[k] ?? 0) !== (s[k] ?? 0))) return true;
  if ((o.currentRevision ?? '') !== (s.currentRevision ?? '') || (o.updateRevision ?? '') !== (s.updateRevision ?? '')) return true;
  // Ours, not upstream's: persist collision bumps and the waiting condition.
  if ((o.collisionCount ?? 0) !== (s.collisionCount ?? 0)) return true;
  const mine = (c?: StatefulSetCondition[]) => JSON.stringify((c ?? []).filter((x) => x.type === WAITING_CONDITION).map((x) => [x.status, x.reason, x.message]));
  return mine(o.conditions) !== mine(s.conditions);
}

// ---------- the reconcile pass ----------

/** Indices 0..n-1 grouped as upstream's slow start: 1, 2, 4, … (each ≤ 500). */
function slowStartBatches(n: number): number[][] {
  const out: number[][] = [];
  let i = 0;
  let size = 1;
  while (i < n) {
    const take = Math.min(size, n - i, 500);
    out.push(Array.from({ length: take }, (_, k) => i + k));
    i += take;
    size *= 2;
  }
  return out;
}

function scaledMaxUnavailable(v: number | string | undefined, n: number): number {
  let r = 1;
  if (typeof v === 'number') r = v;
  else if (typeof v === 'string' && /^\d+%$/.test(v)) r = Math.floor((Number(v.slice(0, -1)) * n) / 100);
  else if (typeof v === 'string' && /^\d+$/.test(v)) r = Number(v);
  return Math.max(1, r);
}

export function reconcile(input: ReconcileInput): ReconcileResult {
  const { set, now } = input;
  const features = input.features ?? {};
  const ns = set.metadata.namespace;
  const events: EventSpec[] = [];
  const errors: string[] = [];
  const actions: Action[] = [];
  let batch = 0;
  const push = (a: Action) => actions.push(a);

  const selects = selectorPredicate(set.spec.selector);
  if (typeof selects === 'string') {
    return { actions, status: set.status ?? { replicas: 0, availableReplicas: 0 }, conditions: [], statusChanged: false, events, errors, skip: `invalid selector: ${selects}` };
  }
  const deleting = !!set.metadata.deletionTimestamp;
  const uid = set.metadata.uid;

  // --- claim ControllerRevisions (adopt orphans matching the selector) ---
  let revisions: ControllerRevision[] = [];
  for (const r of input.revisions) {
    if (r.metadata.namespace !== ns) continue;
    const c = controllerOf(r);
    if (c && c.uid === uid) revisions.push(r);
    else if (!c && selects(r.metadata.labels) && !deleting) {
      const refs = [...(r.metadata.ownerReferences ?? []), setControllerRef(set)];
      push({ kind: 'adoptRevision', revision: r, ownerReferences: refs, batch });
      revisions.push({ ...r, metadata: { ...r.metadata, ownerReferences: refs } });
    }
  }
  revisions = sortRevisions(revisions);

  // --- claim pods (§2.6) ---
  const pods = claimPods(set, input.pods, selects, deleting, (a) => push({ ...a, batch }));
  if (actions.length) batch++;

  // --- revisions (§4.3) ---
  let collision = set.status?.collisionCount ?? 0;
  const nextNumber = revisions.length ? revisions[revisions.length - 1]!.revision + 1 : 1;
  let updateRev: ControllerRevision;
  let candidate = newRevision(set, nextNumber, collision);
  const equals = revisions.filter((r) => revisionsEqual(r.data, candidate.data));
  const newest = revisions[revisions.length - 1];
  if (equals.length && newest && newest === equals[equals.length - 1]) {
    updateRev = newest; // Case A: no change
  } else if (equals.length) {
    // Case B: back to a template seen before: renumber the old revision; its name (and the pods
    // labelled with it) become current again.
    const old = equals[equals.length - 1]!;
    updateRev = { ...old, revision: nextNumber };
    push({ kind: 'updateRevision', revision: updateRev, batch: batch++ });
  } else {
    // Case C: a new template. Names already taken by different data are hash collisions.
    while (revisions.some((r) => r.metadata.name === candidate.metadata.name)) {
      collision++;
      candidate = newRevision(set, nextNumber, collision);
    }
    updateRev = candidate;
    push({ kind: 'createRevision', revision: updateRev, batch: batch++ });
  }
  const currentRev = revisions.find((r) => r.metadata.name === set.status?.currentRevision) ?? updateRev;
  const currentName = currentRev.metadata.name!;
  const updateName = updateRev.metadata.name!;
  const currentTemplate = currentRev === updateRev ? set.spec.template : templateOf(currentRev);
  const updateTemplate = set.spec.template;

  const N = set.spec.replicas ?? 1;
  const start = set.spec.ordinals?.start ?? 0;
  const minReady = set.spec.minReadySeconds ?? 0;
  const monotonic = set.spec.podManagementPolicy !== 'Parallel';
  const strategy = set.spec.updateStrategy?.type ?? 'RollingUpdate';
  const rollingUpdate = set.spec.updateStrategy?.rollingUpdate ?? undefined;
  const policy = retention(set);
  const templates = set.spec.volumeClaimTemplates ?? [];
  let claimNamed: (name: string) => PersistentVolumeClaim | undefined;
  if (typeof input.pvcs === 'function') {
    const lookup = input.pvcs;
    claimNamed = (name) => {
      const c = lookup(name);
      return c && c.metadata.namespace === ns ? c : undefined;
    };
  } else {
    const claimIndex = new Map<string, PersistentVolumeClaim>();
    for (const c of input.pvcs) if (c.metadata.namespace === ns) claimIndex.set(c.metadata.name!, c);
    claimNamed = (name) => claimIndex.get(name);
  }
  const recover = set.metadata.annotations?.[RECOVER_ANNOTATION] === 'true';

  // Waiting condition: undefined = nothing waits; 'keep' = progress was made, leave it as it was.
  let waiting: { reason: string; message: string } | 'keep' | undefined;

  // --- slots and condemned pods (§4.5) ---
  // Ordinals below this one get the current revision when missing (§2.3 newVersionedPod).
  const currentBelow = strategy === 'RollingUpdate' && !rollingUpdate
    ? start + (set.status?.currentReplicas ?? 0)
    : rollingUpdate ? start + (rollingUpdate.partition ?? 0) : start;
  const { slots, condemned } = slotsOf(set, pods, N, start, currentBelow, { template: currentTemplate, name: currentName }, { template: updateTemplate, name: updateName });
  const build = (p: StandIn) => newPod(set, p.template, revisionOf(p), p.ordinal);
  condemned.sort((a, b) => parseOrdinal(b.metadata.name).ordinal - parseOrdinal(a.metadata.name).ordinal);
  const unavailable = (p: Pod) => !isCreated(p) || isTerminating(p) || !isAvailable(p, minReady, now);
  const firstUnhealthy =
    slots.find(unavailable) ?? [...condemned].reverse().find(unavailable);

  // counted once the pass is over (finish, or before the update routines)
  let counts: Counts;

  const claimsFor = (_pod: Pod, ordinal: number) => templates.map((t) => {
    const name = claimName(t, set, ordinal);
    return { template: t, name, existing: claimNamed(name) };
  });

  const retainAll = policy.whenDeleted === 'Retain' && policy.whenScaled === 'Retain';
  /** Claim ref fixes for one pod; records ConflictingController events. */
  const claimUpdatesFor = (pod: Pod, ordinal: number, isCondemned: boolean): PersistentVolumeClaim[] => {
    const out: PersistentVolumeClaim[] = [];
    for (const t of templates) {
      const existing = claimNamed(claimName(t, set, ordinal));
      // Retain/Retain wants no references: a claim without any needs nothing (every in-range
      // healthy pod's claims, on every sync).
      if (!existing || (retainAll && !existing.metadata.ownerReferences?.length)) continue;
      const c = { name: existing.metadata.name!, existing };
      const { refs, conflict } = claimOwnerRefs(c.existing, set, pod, isCondemned);
      if (!refs) continue;
      if (conflict) {
        events.push({ type: 'Warning', reason: 'ConflictingController', message: `PersistentVolumeClaim ${c.name} has a conflicting OwnerReference that acts as a manging controller, the retention policy is ignored for this claim` });
      }
      out.push({ ...c.existing, metadata: { ...c.existing.metadata, ownerReferences: refs } });
    }
    return out;
  };

  const missingClaims = (pod: Pod, ordinal: number): PersistentVolumeClaim[] =>
    claimsFor(pod, ordinal).filter((c) => !c.existing).map((c) => {
      const claim = newClaim(c.template, set, ordinal);
      // Created with the owner refs the policy wants for an in-range pod (upstream patches them
      // right after creation; the end state is the same).
      const { refs } = claimOwnerRefs(claim, set, pod, false);
      if (refs?.length) claim.metadata.ownerReferences = refs;
      return claim;
    });

  const describe = (p: Pod) => `${p.metadata.name} ${whyNotReady(p, minReady, now)}`;
  const reasonFor = (p: Pod) =>
    isTerminating(p) ? 'PodTerminating' : isFinished(p) ? 'PodFailed' : isPending(p) ? 'PodPending' : !isReady(p) ? 'PodNotReady' : 'PodNotAvailable';

  type Step = { actions: ActionBody[]; exit: boolean; error?: string };

  // §4.6 processReplica
  const processReplica = (i: number): Step => {
    const pod = slots[i]!;
    const ordinal = start + i;
    const steps: ActionBody[] = [];
    if (isCreated(pod) && isFinished(pod)) {
      if (!isTerminating(pod)) steps.push({ kind: 'deletePod', pod, why: 'finished' });
      return { actions: steps, exit: true };
    }
    if (!isCreated(pod)) {
      const claims = claimsFor(pod, ordinal);
      if (policy.whenScaled === 'Delete' && claims.some((c) => c.existing?.metadata.ownerReferences?.some((r) => isPodRefTo(r, pod.metadata.name!)))) {
        waiting = { reason: 'StaleClaim', message: `${pod.metadata.name} waits: its claims still belong to the previous ${pod.metadata.name}` };
        return { actions: [], exit: true };
      }
      const deletingClaim = claims.find((c) => c.existing?.metadata.deletionTimestamp);
      if (deletingClaim) {
        const err = `pvc ${deletingClaim.name} is being deleted`;
        events.push({ type: 'Warning', reason: 'FailedCreate', message: `create Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${err}` });
        waiting = { reason: 'ClaimTerminating', message: `${pod.metadata.name} waits: claim ${deletingClaim.name} is being deleted` };
        return { actions: [], exit: true, error: err };
      }
      steps.push({ kind: 'createPod', pod: build(pod as StandIn), claims: missingClaims(pod, ordinal), claimUpdates: claimUpdatesFor(pod, ordinal, false) });
      if (monotonic) {
        waiting = 'keep';
        return { actions: steps, exit: true };
      }
      return { actions: steps, exit: false }; // burst: a fresh local pod needs nothing more
    }
    if (isPending(pod)) {
      const claims = missingClaims(pod, ordinal);
      if (claims.length) steps.push({ kind: 'updatePod', podName: pod.metadata.name!, claims, claimUpdates: [] });
    }
    if (monotonic && (isTerminating(pod) || !isRunningAndReady(pod) || !isAvailable(pod, minReady, now))) {
      // #67250 opt-in: a pod stuck at a revision other than the update revision is replaced
      // instead of being waited for, so reverting a broken template recovers by itself.
      const partition = rollingUpdate?.partition ?? 0;
      if (recover && strategy === 'RollingUpdate' && !isTerminating(pod) && revisionOf(pod) !== updateName && i >= partition) {
        steps.push({ kind: 'deletePod', pod, why: 'recover' });
        waiting = 'keep';
        return { actions: steps, exit: true };
      }
      const next = slots.slice(i + 1).find((p) => !isCreated(p));
      let what: string;
      if (next) what = `${next.metadata.name} waits`;
      else if (condemned.length) what = `deletion of ${condemned[0]!.metadata.name} waits`;
      else {
        const stale = strategy === 'RollingUpdate' ? [...slots].reverse().find((p, k) => N - 1 - k >= (rollingUpdate?.partition ?? 0) && revisionOf(p) !== updateName) : undefined;
        what = stale ? `update of ${stale.metadata.name} waits` : '';
      }
      if (what) {
        let message = `${what}: ${describe(pod)}`;
        if (what.startsWith('update of') && revisionOf(pod) !== updateName && !recover && !isTerminating(pod)) {
          message += `; delete it, or set annotation ${RECOVER_ANNOTATION}="true" on the StatefulSet to have it replaced`;
        }
        waiting = { reason: reasonFor(pod), message };
      }
      return { actions: steps, exit: true };
    }
    // §2.7 identity and storage
    const idOk = identityMatches(set, pod);
    const stOk = storageMatches(set, pod, ordinal);
    const claimUpdates = claimUpdatesFor(pod, ordinal, false);
    if (idOk && stOk && !claimUpdates.length) return { actions: steps, exit: false };
    let updated: Pod | undefined;
    if (!idOk || !stOk) {
      updated = structuredClone(pod);
      updated.metadata.name = podName(set, ordinal);
      updated.metadata.namespace = set.metadata.namespace;
      updated.metadata.labels = { ...(updated.metadata.labels ?? {}), [POD_NAME_LABEL]: updated.metadata.name, [POD_INDEX_LABEL]: String(ordinal) };
      if (!stOk) {
        const vols = new Map((updated.spec?.volumes ?? []).map((v) => [v.name, v]));
        for (const t of templates) vols.set(t.metadata.name!, { name: t.metadata.name!, persistentVolumeClaim: { claimName: claimName(t, set, ordinal) } });
        updated.spec = { ...(updated.spec ?? {}), volumes: [...vols.values()] };
      }
    }
    steps.push({ kind: 'updatePod', podName: pod.metadata.name!, pod: updated, claims: stOk ? [] : missingClaims(pod, ordinal), claimUpdates });
    return { actions: steps, exit: false };
  };

  // §4.7 processCondemned
  const processCondemned = (i: number): Step => {
    const pod = condemned[i]!;
    if (isTerminating(pod)) {
      if (monotonic) waiting = { reason: 'PodTerminating', message: `${i + 1 < condemned.length ? `deletion of ${condemned[i + 1]!.metadata.name} waits` : 'scale-down waits'}: ${pod.metadata.name} is terminating` };
      return { actions: [], exit: monotonic };
    }
    if (monotonic && pod !== firstUnhealthy && (!isRunningAndReady(pod) || !isAvailable(pod, minReady, now))) {
      const blocker = firstUnhealthy && firstUnhealthy !== pod ? firstUnhealthy : pod;
      waiting = { reason: reasonFor(pod), message: `deletion of ${pod.metadata.name} waits: ${describe(pod)}${blocker !== pod ? `, and ${describe(blocker)}` : ''}` };
      return { actions: [], exit: true };
    }
    waiting = 'keep';
    return { actions: [{ kind: 'deletePod', pod, why: 'condemned' }], exit: true };
  };

  // §4.5 runForAll over a list, turning steps into batches.
  const runForAll = (n: number, fn: (i: number) => Step): boolean => {
    if (monotonic) {
      for (let i = 0; i < n; i++) {
        const s = fn(i);
        for (let j = 0; j < s.actions.length; j++) push({ ...s.actions[j]!, batch: batch++ } as Action);
        if (s.error) {
          errors.push(s.error);
          return true;
        }
        if (s.exit) return true;
      }
      return false;
    }
    for (const group of slowStartBatches(n)) {
      let failed = false;
      for (const i of group) {
        const s = fn(i);
        // Several actions for one slot must run in order: give them consecutive sub-batches
        // only when there is more than one (rare: pending claims + identity fix).
        s.actions.forEach((a, k) => push({ ...a, batch: batch + k } as Action));
        if (s.error) {
          errors.push(s.error);
          failed = true;
        }
      }
      batch = Math.max(batch, ...actions.map((a) => a.batch + 1));
      if (failed) return true;
    }
    return false;
  };

  let status: StatefulSetStatus;
  const finish = (): ReconcileResult => {
    counts = count(slots, condemned, currentName, updateName, minReady, now);
    return finalize();
  };
  let currentReplicasAdjust = 0;

  const finalize = (): ReconcileResult => {
    const c = { ...counts, currentReplicas: counts.currentReplicas + currentReplicasAdjust };
    let currentRevision = currentName;
    const promote = strategy === 'RollingUpdate' || (features.onDeletePromotesCurrentRevision ?? true);
    if (promote && c.updatedReplicas === N && c.readyReplicas === N && c.replicas === N) {
      c.currentReplicas = c.updatedReplicas;
      currentRevision = updateName;
    }
    const old = set.status?.conditions?.find((x) => x.type === WAITING_CONDITION);
    let waitingWake: number | undefined;
    let conditions: StatefulSetCondition[] = [];
    if (waiting === 'keep') conditions = old ? [old] : [];
    else if (waiting) {
      const same = old && old.status === 'True' && old.reason === waiting.reason && old.message === waiting.message;
      conditions = [same ? old! : { type: WAITING_CONDITION, status: 'True', lastTransitionTime: now.toISOString(), reason: waiting.reason, message: waiting.message }];
      // `kubectl describe sts` prints events, not conditions: say it there too, but only once a
      // wait has lasted WAITING_EVENT_AFTER_MS, so an ordinary bring-up stays quiet. The caller
      // de-duplicates repeats; we ask to be woken when the wait becomes reportable.
      const since = same && old!.lastTransitionTime ? Date.parse(old!.lastTransitionTime) : now.getTime();
      const waited = now.getTime() - since;
      if (waited >= WAITING_EVENT_AFTER_MS) events.push({ type: 'Normal', reason: 'Waiting', message: waiting.message });
      else waitingWake = WAITING_EVENT_AFTER_MS - waited;
    }
    status = renderStatus({ observedGeneration: set.metadata.generation, counts: c, currentRevision, updateRevision: updateName, collisionCount: collision, conditions });

    // §4.13 history truncation (runs whatever happened above).
    const limit = set.spec.revisionHistoryLimit ?? 10;
    // (history is a subset of the revisions: with no more of them than the limit, nothing to do)
    const live = limit >= 0 && revisions.length > limit ? new Set([currentName, updateName, currentRevision, ...pods.map(revisionOf)]) : undefined;
    const history = live ? revisions.filter((r) => !live.has(r.metadata.name!) && r.metadata.name !== updateName) : [];
    if (limit >= 0 && history.length > limit) {
      for (const r of history.slice(0, history.length - limit)) push({ kind: 'deleteRevision', revision: r, batch: batch++, finally: true });
    }

    let requeueAfterMs: number | undefined = waitingWake;
    if (minReady > 0 && c.availableReplicas !== N) {
      // Wake when the next Ready pod becomes available (upstream: after minReadySeconds).
      const due = pods
        .filter((p) => isRunningAndReady(p) && !isAvailable(p, minReady, now))
        .map((p) => Date.parse(readyCondition(p)?.lastTransitionTime ?? '') + minReady * 1000 - now.getTime() + 1);
      const avail = due.length && due.every(Number.isFinite) ? Math.max(1, Math.min(...due)) : minReady * 1000;
      requeueAfterMs = requeueAfterMs === undefined ? avail : Math.min(requeueAfterMs, avail);
    }
    return { actions, status, conditions, statusChanged: statusDiffers(set.status, status), events, errors, requeueAfterMs };
  };

  if (deleting) return finish();

  // A settled replica (Running, Ready and available, not terminating, identity and storage in
  // place, its claims' references as the policy wants them) needs nothing: processReplica would
  // return no actions and no wait for it. Checking that in this small function first keeps the
  // big one for the one or two pods per sync that need it (instead of every healthy ordinal on
  // every sync, which also made V8 compile all of processReplica early in a bring-up).
  const nothing: Step = { actions: [], exit: false };
  const settled = (i: number): boolean => {
    const pod = slots[i]!;
    if (pod instanceof StandIn || pod.status?.phase !== 'Running' || pod.metadata.deletionTimestamp) return false;
    const ready = readyCondition(pod);
    if (ready?.status !== 'True') return false;
    if (minReady > 0 && !isAvailable(pod, minReady, now)) return false;
    const ordinal = start + i;
    if (!identityMatches(set, pod) || !storageMatches(set, pod, ordinal)) return false;
    for (let j = 0; j < templates.length; j++) {
      const existing = claimNamed(claimName(templates[j]!, set, ordinal));
      if (!existing || (retainAll && !existing.metadata.ownerReferences?.length)) continue;
      if (claimOwnerRefs(existing, set, pod, false).refs) return false;
    }
    return true;
  };
  if (runForAll(N, (i) => (settled(i) ? nothing : processReplica(i)))) return finish();
  // Phase 2: retention refs of condemned pods' claims before any of them is deleted.
  const fixCondemnedClaims = (i: number): Step => {
    const pod = condemned[i]!;
    const updates = claimUpdatesFor(pod, parseOrdinal(pod.metadata.name).ordinal, true);
    return { actions: updates.length ? [{ kind: 'updatePod', podName: pod.metadata.name!, claims: [], claimUpdates: updates }] : [], exit: false };
  };
  if (runForAll(condemned.length, fixCondemnedClaims)) return finish();
  if (runForAll(condemned.length, processCondemned)) return finish();

  counts = count(slots, condemned, currentName, updateName, minReady, now);
  if (strategy !== 'RollingUpdate') return finalize();

  const updateMin = rollingUpdate ? (rollingUpdate.partition ?? 0) : 0;
  if (features.maxUnavailableStatefulSet) {
    // §4.9 (1.35 routine)
    const maxU = scaledMaxUnavailable(rollingUpdate?.maxUnavailable, N);
    const unavailableCount = slots.filter(unavailable).length;
    if (unavailableCount > maxU) {
      const blocker = slots.find(unavailable)!;
      waiting = { reason: reasonFor(blocker), message: `update waits: ${unavailableCount} pods unavailable, maxUnavailable is ${maxU}; ${describe(blocker)}` };
      return finalize();
    }
    let toDelete = maxU - unavailableCount;
    for (let idx = N - 1; idx >= updateMin && toDelete > 0; idx--) {
      const p = slots[idx]!;
      if (revisionOf(p) !== updateName && !isTerminating(p)) {
        if (isCreated(p)) push({ kind: 'deletePod', pod: p, why: 'update', ignoreNotFound: true, batch });
        toDelete--;
        currentReplicasAdjust--;
      }
    }
    if (actions.some((a) => a.batch === batch)) batch++;
    return finalize();
  }
  // §4.8 legacy routine: one pod at a time from the top, waiting for each to be available.
  for (let idx = N - 1; idx >= updateMin; idx--) {
    const p = slots[idx]!;
    if (revisionOf(p) !== updateName && !isTerminating(p)) {
      if (isCreated(p)) push({ kind: 'deletePod', pod: p, why: 'update', ignoreNotFound: true, batch: batch++ });
      currentReplicasAdjust--;
      waiting = 'keep';
      return finalize();
    }
    if (unavailable(p)) {
      const next = [...slots.slice(updateMin, idx)].reverse().find((q) => revisionOf(q) !== updateName);
      if (next) waiting = { reason: reasonFor(p), message: `update of ${next.metadata.name} waits: ${describe(p)}` };
      return finalize();
    }
  }
  return finalize();
}

/**
 * The pod in each slot (ordinals start … start+N-1), a StandIn for each missing one, and the
 * condemned pods (ordinals out of range). A cheap stand-in (name + revision) per missing ordinal:
 * the full pod is built only if this sync creates it, so a large set's bring-up does not rebuild
 * every missing pod on every sync. (Loops over the set's size live in small functions like this
 * one rather than in reconcile's body: V8 then optimises the small ones, instead of compiling
 * all of reconcile with its closures early in a process's life — tens of ms of JIT per set.)
 */
function slotsOf(
  set: StatefulSet, pods: Pod[], N: number, start: number, currentBelow: number,
  current: { template: PodTemplate; name: string }, update: { template: PodTemplate; name: string },
): { slots: Pod[]; condemned: Pod[] } {
  const slots: Pod[] = new Array(N);
  const condemned: Pod[] = [];
  for (let i = 0; i < pods.length; i++) {
    const p = pods[i]!;
    const o = parseOrdinal(p.metadata.name).ordinal;
    if (o >= start && o < start + N) slots[o - start] = p;
    else if (o >= 0) condemned.push(p);
  }
  for (let i = 0; i < N; i++) {
    if (slots[i]) continue;
    const o = start + i;
    const r = o < currentBelow ? current : update;
    slots[i] = new StandIn({ name: podName(set, o), namespace: set.metadata.namespace, labels: { [REVISION_LABEL]: r.name } }, r.template, o);
  }
  return { slots, condemned };
}

/** Claim pods (§2.6): keep owned+matching, release owned+non-matching, adopt matching orphans. */
function claimPods(set: StatefulSet, all: Pod[], selects: LabelPredicate, deleting: boolean, emit: (a: ActionBody) => void): Pod[] {
  const out: Pod[] = [];
  const uid = set.metadata.uid;
  for (let i = 0; i < all.length; i++) {
    const p = all[i]!;
    if (p.metadata.namespace !== set.metadata.namespace) continue;
    const c = controllerOf(p);
    const matches = selects(p.metadata.labels) && isMemberOf(set, p);
    if (c) {
      if (c.uid !== uid) continue;
      if (matches) out.push(p);
      else if (!deleting) emit({ kind: 'releasePod', pod: p, ownerReferences: (p.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid) });
      continue;
    }
    if (!matches || deleting || isTerminating(p)) continue;
    const refs = [...(p.metadata.ownerReferences ?? []), setControllerRef(set)];
    emit({ kind: 'adoptPod', pod: p, ownerReferences: refs });
    out.push({ ...p, metadata: { ...p.metadata, ownerReferences: refs } });
  }
  return out;
}

/** Event for an action's outcome (§5). `err` is the error text when it failed. */
export function podEvent(verb: 'create' | 'update' | 'delete', pod: string, set: string, err?: string): EventSpec {
  const Verb = verb[0]!.toUpperCase() + verb.slice(1);
  return err === undefined
    ? { type: 'Normal', reason: `Successful${Verb}`, message: `${verb} Pod ${pod} in StatefulSet ${set} successful` }
    : { type: 'Warning', reason: `Failed${Verb}`, message: `${verb} Pod ${pod} in StatefulSet ${set} failed error: ${err}` };
}

export function claimEvent(claim: string, pod: string, set: string, err?: string): EventSpec {
  return err === undefined
    ? { type: 'Normal', reason: 'SuccessfulCreate', message: `create Claim ${claim} Pod ${pod} in StatefulSet ${set} success` }
    : { type: 'Warning', reason: 'FailedCreate', message: `create Claim ${claim} for Pod ${pod} in StatefulSet ${set} failed error: ${err}` };
}

export { HASH_LABEL };
