// The StatefulSet controller's effects: informers on statefulsets, pods, claims and
// controllerrevisions; a work queue keyed by namespace/name; each sync reads the caches, asks the
// pure reconcile() what to do, and applies its actions through the Client. Errors and conflicts
// requeue with per-key exponential backoff. Nothing is remembered between syncs except what the
// API holds (level-triggered), so a restart at any point converges to the same result.
import { performance } from 'node:perf_hooks';
import { isApiError } from '../../machinery/errors.js';
import type { KubeObject } from '../../machinery/object.js';
import type { Client, ResourceRef } from '../../client/types.js';
import { R } from '../../client/types.js';
import { cacheKey } from '../../client/informer.js';
import { sharedOrOwn, type SharedInformer, type SharedInformers } from '../../client/shared-informers.js';
import { WorkQueue } from '../../client/workqueue.js';
import { EventRecorder, type Recorder } from '../../client/events.js';
import { reconcile, podEvent, claimEvent, type Action, type Features, type EventSpec } from './reconcile.js';
import { revisionsEqual } from './revision.js';
import { selectorPredicate } from './selector.js';
import type { StatefulSet, Pod, PersistentVolumeClaim, ControllerRevision, OwnerRef } from './types.js';

export interface StatefulSetControllerOptions {
  workers?: number;
  /**
   * The process's shared informers (as `ordinal up` hands every controller): the controller then
   * keeps no caches or watches of its own. Without, it runs four informers of its own.
   */
  informers?: SharedInformers;
  features?: Features;
  recorder?: Recorder;
  now?: () => Date;
  log?: (msg: string) => void;
}

const asKube = <T>(o: T) => o as unknown as KubeObject;
const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class StatefulSetController {
  readonly sets: SharedInformer<KubeObject>;
  readonly pods: SharedInformer<KubeObject>;
  readonly pvcs: SharedInformer<KubeObject>;
  readonly revisions: SharedInformer<KubeObject>;
  readonly queue = new WorkQueue();
  private readonly recorder: Recorder;
  private readonly now: () => Date;
  private readonly log: (msg: string) => void;
  private stopped = false;
  /** Removes the handlers wire() registered. */
  private readonly unsubscribe: (() => void)[] = [];
  private workers: Promise<void>[] = [];
  /** Number of syncs run, and the time spent in the pure reconcile (for tests and benchmarks). */
  syncs = 0;
  reconcileMs = 0;
  /**
   * resourceVersion our last status write returned, per set UID. The informer may not have seen
   * our own write yet; writing with its older version would only earn a Conflict and a retry.
   */
  private readonly written = new Map<string, string>();
  /** The last Waiting event message per set UID (to say each lasting wait once). */
  private readonly lastWaiting = new Map<string, string>();

  constructor(private readonly client: Client, private readonly opts: StatefulSetControllerOptions = {}) {
    this.log = opts.log ?? (() => undefined);
    const onError = (e: unknown) => this.log(`informer: ${errText(e)}`);
    // A shared informer's stop() is a no-op (its factory owns it); our own are stopped in stop().
    const informer = (r: ResourceRef) => sharedOrOwn(opts.informers, client, r, { onError });
    this.sets = informer(R.statefulsets);
    this.pods = informer(R.pods);
    this.pvcs = informer(R.persistentvolumeclaims);
    this.revisions = informer(R.controllerrevisions);
    this.recorder = opts.recorder ?? new EventRecorder(client, 'statefulset-controller');
    this.now = opts.now ?? (() => new Date());
    this.wire();
  }

  private enqueue(o: { metadata: { namespace?: string; name?: string } }): void {
    this.queue.add(cacheKey(o as KubeObject));
  }

  /** Sets in the pod's namespace whose selector matches it (for orphans). */
  private setsMatching(pod: Pod): StatefulSet[] {
    return (this.sets.list(pod.metadata.namespace) as unknown as StatefulSet[]).filter((s) => {
      const p = selectorPredicate(s.spec.selector);
      return typeof p !== 'string' && p(pod.metadata.labels);
    });
  }

  /** The set a controller reference points at, if it is in the cache with that UID. */
  private resolveOwner(ns: string | undefined, ref: OwnerRef | undefined): StatefulSet | undefined {
    if (!ref || ref.kind !== 'StatefulSet') return undefined;
    const s = this.sets.get(ns, ref.name) as unknown as StatefulSet | undefined;
    return s && s.metadata.uid === ref.uid ? s : undefined;
  }

  private wire(): void {
    this.unsubscribe.push(this.sets.addHandlers({ add: (s) => this.enqueue(s), update: (_o, s) => this.enqueue(s), delete: (s) => this.enqueue(s) }));
    const ctl = (p: Pod) => p.metadata.ownerReferences?.find((r) => r.controller);
    const onPodDelete = (p: Pod) => {
      const s = this.resolveOwner(p.metadata.namespace, ctl(p));
      if (s) this.enqueue(s);
    };
    this.unsubscribe.push(this.pods.addHandlers({
      add: (o) => {
        const p = o as unknown as Pod;
        if (p.metadata.deletionTimestamp) return onPodDelete(p);
        const ref = ctl(p);
        if (ref) {
          const s = this.resolveOwner(p.metadata.namespace, ref);
          if (s) this.enqueue(s);
          return;
        }
        for (const s of this.setsMatching(p)) this.enqueue(s);
      },
      update: (oo, no) => {
        const old = oo as unknown as Pod;
        const cur = no as unknown as Pod;
        if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
        const oldRef = ctl(old);
        const curRef = ctl(cur);
        const refChanged = oldRef !== curRef && (!oldRef || !curRef || oldRef.uid !== curRef.uid || oldRef.name !== curRef.name || oldRef.kind !== curRef.kind || oldRef.apiVersion !== curRef.apiVersion);
        if (refChanged && oldRef) {
          const s = this.resolveOwner(old.metadata.namespace, oldRef);
          if (s) this.enqueue(s);
        }
        if (curRef) {
          const s = this.resolveOwner(cur.metadata.namespace, curRef);
          if (!s) return;
          this.enqueue(s);
          const ready = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
          const minReady = s.spec.minReadySeconds ?? 0;
          if (!ready(old) && ready(cur) && minReady > 0) this.queue.addAfter(cacheKey(asKube(s)), minReady * 1000 + 1000);
          return;
        }
        if (refChanged || JSON.stringify(old.metadata.labels) !== JSON.stringify(cur.metadata.labels)) {
          for (const s of this.setsMatching(cur)) this.enqueue(s);
        }
      },
      delete: (o) => onPodDelete(o as unknown as Pod),
    }));
    // Not in upstream: a claim deleted under a Pending pod is recreated without waiting for a
    // pod event (upstream relies on the pod changing later).
    this.unsubscribe.push(this.pvcs.addHandlers({
      delete: (o) => {
        const name = o.metadata.name ?? '';
        for (const s of this.sets.list(o.metadata.namespace) as unknown as StatefulSet[]) {
          if ((s.spec.volumeClaimTemplates ?? []).some((t) => name.startsWith(`${t.metadata.name}-${s.metadata.name}-`))) this.enqueue(s);
        }
      },
    }));
  }

  async start(): Promise<void> {
    for (const i of [this.sets, this.pods, this.pvcs, this.revisions]) i.start();
    await Promise.all([this.sets, this.pods, this.pvcs, this.revisions].map((i) => i.waitForSync()));
    if (this.stopped) return;
    const n = this.opts.workers ?? 5;
    for (let i = 0; i < n; i++) this.workers.push(this.worker());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.shutDown();
    // Shared informers go on after us: take our handlers off them.
    for (const off of this.unsubscribe) off();
    for (const i of [this.sets, this.pods, this.pvcs, this.revisions]) i.stop();
    await Promise.allSettled(this.workers);
    if (this.recorder instanceof EventRecorder) await this.recorder.flush();
  }

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        const requeueAfter = await this.sync(key);
        this.queue.forget(key);
        if (requeueAfter !== undefined) this.queue.addAfter(key, requeueAfter);
      } catch (e) {
        if (!this.stopped) {
          // AlreadyExists/Conflict/NotFound are the ordinary noise of acting on a cache that lags
          // our own writes: retried with backoff, not worth a log line.
          if (!(e instanceof SyncError && e.expected)) this.log(`sync ${key}: ${errText(e)}`);
          this.queue.addRateLimited(key);
        }
      } finally {
        this.queue.done(key);
      }
    }
  }

  /** One sync of one set. Resolves with a requeue delay, or throws to retry with backoff. */
  async sync(key: string): Promise<number | undefined> {
    this.syncs++;
    const [ns, name] = key.includes('/') ? (key.split('/', 2) as [string, string]) : [undefined, key];
    const setObj = this.sets.get(ns, name);
    if (!setObj) return undefined; // deleted: the GC removes its pods
    // Not copied: reconcile and the writes below never mutate it (status writes send a new object),
    // and a cached object is never mutated in place.
    const set = setObj as unknown as StatefulSet;
    const t0 = performance.now();
    const result = reconcile({
      set,
      pods: this.pods.list(ns) as unknown as Pod[],
      pvcs: (name) => this.pvcs.get(ns, name) as unknown as PersistentVolumeClaim | undefined,
      revisions: this.revisions.list(ns) as unknown as ControllerRevision[],
      now: this.now(),
      features: this.opts.features,
    });
    this.reconcileMs += performance.now() - t0;
    if (result.skip) {
      this.log(`${key}: ${result.skip}`);
      return undefined;
    }
    const emit = (e: EventSpec) => this.recorder.event(asKube({ ...set, kind: 'StatefulSet', apiVersion: 'apps/v1' }), e.type, e.reason, e.message);
    for (const e of result.events) {
      if (e.reason === 'Waiting') {
        // reconcile reports a lasting wait on every sync; say it once per distinct message.
        const uid = set.metadata.uid ?? key;
        if (this.lastWaiting.get(uid) === e.message) continue;
        this.lastWaiting.set(uid, e.message);
        if (this.lastWaiting.size > 10_000) this.lastWaiting.delete(this.lastWaiting.keys().next().value!);
      }
      emit(e);
    }

    const errors: string[] = [...result.errors];
    let expected = errors.length === 0;
    let collisionBump = false;
    const ctx: ExecContext = { set, emit, adoptChecked: false, onCollision: () => (collisionBump = true) };
    const batches = [...new Set(result.actions.map((a) => a.batch))].sort((a, b) => a - b);
    let failed = errors.length > 0;
    for (const b of batches) {
      const group = result.actions.filter((a) => a.batch === b && (!failed || a.finally));
      const outcomes = await Promise.allSettled(group.map((a) => this.execute(a, ctx)));
      for (const o of outcomes) {
        if (o.status === 'rejected') {
          errors.push(errText(o.reason));
          expected &&= isApiError(o.reason, 'AlreadyExists') || isApiError(o.reason, 'Conflict') || isApiError(o.reason, 'NotFound');
          failed = true;
        }
      }
    }

    // Status: written when inconsistent (even after action errors), with retries on conflict.
    const status = { ...result.status };
    if (collisionBump) status.collisionCount = (status.collisionCount ?? 0) + 1;
    if (result.statusChanged || collisionBump) {
      try {
        await this.writeStatus(set, status);
      } catch (e) {
        errors.push(`status: ${errText(e)}`);
        expected &&= isApiError(e, 'Conflict') || isApiError(e, 'NotFound');
      }
    }
    if (errors.length) throw new SyncError(errors.join('; '), expected);
    return result.requeueAfterMs;
  }

  private async writeStatus(set: StatefulSet, status: StatefulSet['status']): Promise<void> {
    let cur: StatefulSet = set;
    const uid = set.metadata.uid ?? '';
    const mine = this.written.get(uid);
    if (mine && newerVersion(mine, set.metadata.resourceVersion)) cur = { ...set, metadata: { ...set.metadata, resourceVersion: mine } };
    for (let attempt = 0; ; attempt++) {
      try {
        const out = await this.client.updateStatus(R.statefulsets, cur.metadata.namespace, asKube({ ...cur, status }));
        if (out?.metadata?.resourceVersion) this.written.set(uid, out.metadata.resourceVersion);
        if (this.written.size > 10_000) this.written.delete(this.written.keys().next().value!);
        return;
      } catch (e) {
        if (!isApiError(e, 'Conflict') || attempt >= 4) throw e;
        await new Promise((r) => setTimeout(r, 10 * (attempt + 1)));
        cur = (await this.client.get(R.statefulsets, set.metadata.namespace, set.metadata.name!)) as unknown as StatefulSet;
        if (cur.metadata.uid !== set.metadata.uid) return;
      }
    }
  }

  /** Upstream's canAdopt: a fresh read of the set before the first adoption of a sync. */
  private async checkAdopt(ctx: ExecContext): Promise<void> {
    if (ctx.adoptChecked) return;
    const fresh = (await this.client.get(R.statefulsets, ctx.set.metadata.namespace, ctx.set.metadata.name!)) as unknown as StatefulSet;
    if (fresh.metadata.uid !== ctx.set.metadata.uid) throw new Error(`original StatefulSet ${ctx.set.metadata.namespace}/${ctx.set.metadata.name} is gone: got uid ${fresh.metadata.uid}, wanted ${ctx.set.metadata.uid}`);
    if (fresh.metadata.deletionTimestamp) throw new Error(`${ctx.set.metadata.namespace}/${ctx.set.metadata.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
    ctx.adoptChecked = true;
  }

  private async createClaims(claims: PersistentVolumeClaim[], podName: string, ctx: ExecContext): Promise<string[]> {
    const errs: string[] = [];
    for (const c of claims) {
      try {
        await this.client.create(R.persistentvolumeclaims, c.metadata.namespace, asKube(c));
        ctx.emit(claimEvent(c.metadata.name!, podName, ctx.set.metadata.name!));
      } catch (e) {
        if (isApiError(e, 'AlreadyExists')) {
          // Usually our own cache lagging behind our previous sync: the claim is there, which is
          // all the pod needs, unless it is on its way out.
          try {
            const cur = await this.client.get(R.persistentvolumeclaims, c.metadata.namespace, c.metadata.name!);
            if (!cur.metadata.deletionTimestamp) continue;
            errs.push(`pvc ${c.metadata.name} is being deleted`);
          } catch (e2) {
            errs.push(errText(e2));
          }
          continue;
        }
        ctx.emit(claimEvent(c.metadata.name!, podName, ctx.set.metadata.name!, errText(e)));
        errs.push(errText(e));
      }
    }
    return errs;
  }

  private async updateClaims(claims: PersistentVolumeClaim[]): Promise<void> {
    for (const c of claims) {
      try {
        await this.client.update(R.persistentvolumeclaims, c.metadata.namespace, asKube(c));
      } catch (e) {
        if (!isApiError(e, 'NotFound')) throw e;
      }
    }
  }

  private async execute(a: Action, ctx: ExecContext): Promise<void> {
    const setName = ctx.set.metadata.name!;
    const ns = ctx.set.metadata.namespace;
    switch (a.kind) {
      case 'adoptPod':
      case 'adoptRevision':
      case 'releasePod': {
        const r = a.kind === 'adoptRevision' ? R.controllerrevisions : R.pods;
        const obj = a.kind === 'adoptRevision' ? a.revision : a.pod;
        if (a.kind !== 'releasePod') await this.checkAdopt(ctx);
        try {
          await this.client.patch(r, ns, obj.metadata.name!, 'merge', { metadata: { ownerReferences: a.ownerReferences, uid: obj.metadata.uid } });
        } catch (e) {
          if (!(a.kind === 'releasePod' && isApiError(e, 'NotFound'))) throw e;
        }
        return;
      }
      case 'createRevision':
        try {
          await this.client.create(R.controllerrevisions, ns, asKube(a.revision));
        } catch (e) {
          if (!isApiError(e, 'AlreadyExists')) throw e;
          const existing = (await this.client.get(R.controllerrevisions, ns, a.revision.metadata.name!)) as unknown as ControllerRevision;
          if (revisionsEqual(existing.data, a.revision.data)) return; // a stale cache, not a collision
          ctx.onCollision();
          throw new Error(`hash collision on ControllerRevision ${a.revision.metadata.name}`);
        }
        return;
      case 'updateRevision': {
        for (let attempt = 0; ; attempt++) {
          const cur = (await this.client.get(R.controllerrevisions, ns, a.revision.metadata.name!)) as unknown as ControllerRevision;
          if (cur.revision === a.revision.revision) return;
          try {
            await this.client.update(R.controllerrevisions, ns, asKube({ ...cur, revision: a.revision.revision }));
            return;
          } catch (e) {
            if (!isApiError(e, 'Conflict') || attempt >= 4) throw e;
          }
        }
      }
      case 'deleteRevision':
        try {
          await this.client.delete(R.controllerrevisions, ns, a.revision.metadata.name!);
        } catch (e) {
          if (!isApiError(e, 'NotFound')) throw e;
        }
        return;
      case 'createPod': {
        const pod = a.pod.metadata.name!;
        const claimErrs = await this.createClaims(a.claims, pod, ctx);
        if (claimErrs.length) {
          const msg = `failed to create PVC: ${claimErrs.join('; ')}`;
          ctx.emit(podEvent('create', pod, setName, msg));
          throw new Error(msg);
        }
        try {
          await this.client.create(R.pods, ns, asKube(a.pod));
        } catch (e) {
          if (!isApiError(e, 'AlreadyExists')) ctx.emit(podEvent('create', pod, setName, errText(e)));
          throw e;
        }
        ctx.emit(podEvent('create', pod, setName));
        await this.updateClaims(a.claimUpdates);
        return;
      }
      case 'updatePod': {
        const claimErrs = await this.createClaims(a.claims, a.podName, ctx);
        if (claimErrs.length) throw new Error(`failed to create PVC: ${claimErrs.join('; ')}`);
        try {
          await this.updateClaims(a.claimUpdates);
          if (a.pod) await this.client.update(R.pods, ns, asKube(a.pod));
        } catch (e) {
          ctx.emit(podEvent('update', a.podName, setName, errText(e)));
          throw e;
        }
        if (a.pod) ctx.emit(podEvent('update', a.podName, setName));
        return;
      }
      case 'deletePod': {
        const pod = a.pod.metadata.name!;
        try {
          await this.client.delete(R.pods, ns, pod, a.pod.metadata.uid ? { preconditions: { uid: a.pod.metadata.uid } } : {});
          ctx.emit(podEvent('delete', pod, setName));
        } catch (e) {
          // Already gone: what we wanted. It happens when a sync acts on a cache that has not yet
          // seen our own earlier delete (a Failed pod is removed at once), so say nothing.
          if (isApiError(e, 'NotFound')) return;
          ctx.emit(podEvent('delete', pod, setName, errText(e)));
          throw e;
        }
        return;
      }
    }
  }
}

/** A failed sync; `expected` when every failure was a lagging-cache race (retried quietly). */
export class SyncError extends Error {
  constructor(message: string, readonly expected: boolean) {
    super(message);
  }
}

/** a > b for numeric resourceVersions (ours are the store's revision); false when not comparable. */
function newerVersion(a: string, b: string | undefined): boolean {
  if (!b || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return BigInt(a) > BigInt(b);
}

interface ExecContext {
  set: StatefulSet;
  emit(e: EventSpec): void;
  adoptChecked: boolean;
  onCollision(): void;
}

