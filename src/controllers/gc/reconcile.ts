// Garbage collection decisions — pure. Upstream semantics for ownerReferences:
// - a dependent all of whose owners are gone is deleted (background propagation);
// - an owner being deleted with the `orphan` finalizer first has its dependents' references to it
//   removed, then loses the finalizer;
// - an owner being deleted with the `foregroundDeletion` finalizer first has its dependents deleted
//   (foreground, recursively), and loses the finalizer once no dependent with
//   blockOwnerDeletion=true remains.
import type { KubeObject, OwnerReference } from '../../machinery/object.js';

export const ORPHAN = 'orphan';
export const FOREGROUND = 'foregroundDeletion';

export type OwnerState = 'present' | 'absent';

export type GcAction =
  | { type: 'deleteDependent'; object: KubeObject; propagation: 'Background' | 'Foreground' }
  | { type: 'removeOwnerRefs'; object: KubeObject; ownerUid: string }
  | { type: 'removeFinalizer'; object: KubeObject; finalizer: string };

/** For one dependent: delete it when every owner is gone (and it is not already being deleted). */
export function decideDependent(dep: KubeObject, ownerState: (ref: OwnerReference, namespace: string | undefined) => OwnerState): GcAction[] {
  const refs = dep.metadata.ownerReferences ?? [];
  if (refs.length === 0 || dep.metadata.deletionTimestamp) return [];
  const present = refs.filter((r) => ownerState(r, dep.metadata.namespace) === 'present');
  if (present.length > 0) return [];
  return [{ type: 'deleteDependent', object: dep, propagation: 'Background' }];
}

/** For one owner under deletion, given its current dependents. */
export function decideOwner(owner: KubeObject, dependents: KubeObject[]): GcAction[] {
  const fin = owner.metadata.finalizers ?? [];
  const uid = owner.metadata.uid;
  if (!owner.metadata.deletionTimestamp || !uid) return [];
  const actions: GcAction[] = [];
  if (fin.includes(ORPHAN)) {
    for (const d of dependents) actions.push({ type: 'removeOwnerRefs', object: d, ownerUid: uid });
    actions.push({ type: 'removeFinalizer', object: owner, finalizer: ORPHAN });
    return actions;
  }
  if (fin.includes(FOREGROUND)) {
    const blocking = dependents.filter((d) => (d.metadata.ownerReferences ?? []).some((r) => r.uid === uid && r.blockOwnerDeletion));
    for (const d of dependents) {
      if (!d.metadata.deletionTimestamp) actions.push({ type: 'deleteDependent', object: d, propagation: 'Foreground' });
    }
    // Non-blocking dependents don't hold the owner; blocking ones do until they are gone.
    if (blocking.length === 0) actions.push({ type: 'removeFinalizer', object: owner, finalizer: FOREGROUND });
  }
  return actions;
}
