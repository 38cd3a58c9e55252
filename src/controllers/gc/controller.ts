// The garbage collector's shell: one informer per served kind, an owner→dependents index by uid,
// and a work queue of uids to examine. Decisions in ./reconcile.ts.
import type { KubeObject, OwnerReference } from '../../machinery/object.js';
import { isApiError } from '../../machinery/errors.js';
import type { KindDefinition } from '../../api/kind.js';
import type { Client, ResourceRef } from '../../client/types.js';
import { SharedInformers } from '../../client/shared-informers.js';
import { WorkQueue } from '../../client/workqueue.js';
import { runWorkers } from '../../client/worker.js';
import { decideDependent, decideOwner, type GcAction } from './reconcile.js';

interface Entry { obj: KubeObject; ref: ResourceRef; namespaced: boolean }

export interface GarbageCollector {
  synced: Promise<void>;
  stop(): void;
}

/** Kinds the collector follows: every served kind except events (which nothing owns). */
export function startGarbageCollector(client: Client, kinds: KindDefinition[], opts: { informers?: SharedInformers; log?: (m: string) => void } = {}): GarbageCollector {
  const informers = opts.informers ?? new SharedInformers(client);
  const followed = kinds.filter((k) => !k.storedAs && k.kind !== 'Event');
  const byUid = new Map<string, Entry>();
  const dependentsOf = new Map<string, Set<string>>(); // owner uid → dependent uids
  const kindOf = new Map<string, KindDefinition>(); // "apiVersion/Kind" → definition
  for (const k of followed) kindOf.set(`${k.group ? `${k.group}/${k.version}` : k.version}/${k.kind}`, k);
  const queue = new WorkQueue({ baseDelayMs: 50, maxDelayMs: 30_000 });

  const index = (obj: KubeObject, ref: ResourceRef, namespaced: boolean) => {
    const uid = obj.metadata.uid;
    if (!uid) return;
    const old = byUid.get(uid);
    for (const r of old?.obj.metadata.ownerReferences ?? []) dependentsOf.get(r.uid)?.delete(uid);
    byUid.set(uid, { obj, ref, namespaced });
    for (const r of obj.metadata.ownerReferences ?? []) {
      let s = dependentsOf.get(r.uid);
      if (!s) dependentsOf.set(r.uid, (s = new Set()));
      s.add(uid);
    }
  };
  const unindex = (obj: KubeObject) => {
    const uid = obj.metadata.uid;
    if (!uid) return;
    for (const r of obj.metadata.ownerReferences ?? []) dependentsOf.get(r.uid)?.delete(uid);
    byUid.delete(uid);
  };

  const followers = followed.map((k) => {
    const ref: ResourceRef = { group: k.group, version: k.version, resource: k.plural };
    const inf = informers.informer(ref);
    const touched = (o: KubeObject) => {
      index(o, ref, k.namespaced);
      if (o.metadata.uid) queue.add(o.metadata.uid);
      for (const r of o.metadata.ownerReferences ?? []) queue.add(r.uid);
    };
    inf.addHandlers({
      add: touched,
      update: (_o, n) => touched(n),
      delete: (o) => {
        unindex(o);
        // The owner vanished: its dependents may now be orphans.
        for (const d of dependentsOf.get(o.metadata.uid ?? '') ?? []) queue.add(d);
        for (const r of o.metadata.ownerReferences ?? []) queue.add(r.uid);
      },
    });
    return inf;
  });

  /** Present if an object with that uid is known; an owner of another kind we don't follow counts as present. */
  const ownerState = (r: OwnerReference) => {
    if (byUid.has(r.uid)) return 'present' as const;
    return kindOf.has(`${r.apiVersion}/${r.kind}`) ? ('absent' as const) : ('present' as const);
  };

  async function apply(a: GcAction): Promise<void> {
    const e = byUid.get(a.object.metadata.uid ?? '');
    if (!e) return;
    const ns = e.namespaced ? a.object.metadata.namespace : undefined;
    const name = a.object.metadata.name ?? '';
    const ignoreGone = (err: unknown) => {
      if (!isApiError(err, 'NotFound')) throw err;
    };
    switch (a.type) {
      case 'deleteDependent':
        await client.delete(e.ref, ns, name, { propagationPolicy: a.propagation, preconditions: { uid: a.object.metadata.uid } }).catch(ignoreGone);
        return;
      case 'removeOwnerRefs': {
        const refs = (a.object.metadata.ownerReferences ?? []).filter((r) => r.uid !== a.ownerUid);
        await client.patch(e.ref, ns, name, 'merge', { metadata: { ownerReferences: refs.length ? refs : null, resourceVersion: a.object.metadata.resourceVersion } }).catch(ignoreGone);
        return;
      }
      case 'removeFinalizer': {
        const fins = (a.object.metadata.finalizers ?? []).filter((f) => f !== a.finalizer);
        await client.patch(e.ref, ns, name, 'merge', { metadata: { finalizers: fins.length ? fins : null, resourceVersion: a.object.metadata.resourceVersion } }).catch(ignoreGone);
        return;
      }
    }
  }

  async function sync(uid: string): Promise<void> {
    const e = byUid.get(uid);
    if (!e) return;
    // Every dependent's update queues its owners; gather the dependents only for an owner under
    // deletion (the only case decideOwner acts on), so a StatefulSet of 1,000 pods does not cost
    // 1,000 lookups per pod status write.
    const deps = e.obj.metadata.deletionTimestamp
      ? [...(dependentsOf.get(uid) ?? [])].map((d) => byUid.get(d)?.obj).filter((o): o is KubeObject => !!o)
      : [];
    const actions = [...decideDependent(e.obj, ownerState), ...decideOwner(e.obj, deps)];
    for (const a of actions) await apply(a);
  }

  for (const i of followers) i.start();
  let workers: { stop(): void } | undefined;
  const synced = Promise.all(followers.map((i) => i.waitForSync())).then(() => {
    for (const uid of byUid.keys()) queue.add(uid);
    workers = runWorkers(queue, sync, { name: 'gc', log: opts.log });
  });
  return {
    synced,
    stop: () => {
      if (!opts.informers) informers.stop();
      workers?.stop();
      queue.shutDown();
      for (const i of followers) i.stop();
    },
  };
}
