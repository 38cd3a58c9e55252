// PersistentVolume decisions — pure: claims, volumes, classes and pods in; actions out.
// Covers the default class, dynamic provisioning by `ordinal.dev/local-path` (honouring
// WaitForFirstConsumer through the scheduler's selected-node annotation), static binding by size,
// access modes and class, the pvc-protection finalizer, reclaim (Delete/Retain) and expansion.
import type { PersistentVolumeClaim, PersistentVolume, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { parseQuantity } from '../../machinery/quantity.js';

export const PROVISIONER = 'ordinal.dev/local-path';
export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
export const SELECTED_NODE = 'volume.kubernetes.io/selected-node';
export const PVC_PROTECTION = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION = 'kubernetes.io/pv-protection';

export interface VolumesInput {
  pvcs: PersistentVolumeClaim[];
  pvs: PersistentVolume[];
  classes: StorageClass[];
  pods: Pod[];
  /** Where provisioned volumes live: `${volumeRoot}/${pvName}`. */
  volumeRoot: string;
}

export type VolumeAction =
  | { type: 'patchClaim'; namespace: string; name: string; patch: Record<string, unknown> }
  | { type: 'claimStatus'; namespace: string; name: string; status: Record<string, unknown> }
  | { type: 'createVolume'; object: PersistentVolume; dir?: string }
  | { type: 'patchVolume'; name: string; patch: Record<string, unknown> }
  | { type: 'volumeStatus'; name: string; status: Record<string, unknown> }
  | { type: 'deleteVolume'; name: string; dir?: string };

const size = (q: string | undefined) => (q ? parseQuantity(q).value() : 0);
const requestOf = (c: PersistentVolumeClaim) => c.spec?.resources?.requests?.storage;
const isDefault = (sc: StorageClass) => sc.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true';

/** Upstream's podUsesPVC: only scheduled, non-terminal pods hold a claim (a Pending pod does not). */
function claimInUse(c: PersistentVolumeClaim, pods: Pod[]): boolean {
  return pods.some(
    (p) => p.metadata?.namespace === c.metadata?.namespace && !!p.spec?.nodeName && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed' &&
      (p.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === c.metadata?.name),
  );
}

function accessModesCover(pv: PersistentVolume, want: string[]): boolean {
  const have = pv.spec?.accessModes ?? [];
  return want.every((m) => have.includes(m));
}

export function reconcileVolumes(input: VolumesInput): VolumeAction[] {
  const actions: VolumeAction[] = [];
  const classes = new Map(input.classes.map((c) => [c.metadata!.name!, c]));
  const defaultClass = input.classes.filter(isDefault).sort((a, b) => (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? ''))[0];
  const pvByName = new Map(input.pvs.map((v) => [v.metadata!.name!, v]));
  const claimed = new Set<string>(); // PVs taken in this pass

  for (const c of input.pvcs) {
    const ns = c.metadata!.namespace!;
    const name = c.metadata!.name!;
    const meta = c.metadata!;
    // Protection finalizer on live claims; released when deleting and no pod uses the claim.
    if (!meta.deletionTimestamp && !(meta.finalizers ?? []).includes(PVC_PROTECTION)) {
      actions.push({ type: 'patchClaim', namespace: ns, name, patch: { metadata: { finalizers: [...(meta.finalizers ?? []), PVC_PROTECTION], resourceVersion: meta.resourceVersion } } });
    }
    if (meta.deletionTimestamp) {
      if ((meta.finalizers ?? []).includes(PVC_PROTECTION) && !claimInUse(c, input.pods)) {
        const rest = (meta.finalizers ?? []).filter((f) => f !== PVC_PROTECTION);
        actions.push({ type: 'patchClaim', namespace: ns, name, patch: { metadata: { finalizers: rest.length ? rest : null, resourceVersion: meta.resourceVersion } } });
      }
      continue;
    }
    // Retroactive default class for claims created without one.
    let className = c.spec?.storageClassName;
    if (className === undefined || className === null) {
      if (!defaultClass) continue;
      className = defaultClass.metadata!.name!;
      actions.push({ type: 'patchClaim', namespace: ns, name, patch: { spec: { storageClassName: className } } });
    }
    const volName = c.spec?.volumeName;
    if (volName) {
      const pv = pvByName.get(volName);
      if (!pv) {
        if (c.status?.phase !== 'Lost') actions.push({ type: 'claimStatus', namespace: ns, name, status: { ...c.status, phase: 'Lost' } });
        continue;
      }
      claimed.add(volName);
      // Complete the binding on both sides.
      if (!pv.spec?.claimRef || pv.spec.claimRef.uid !== meta.uid) {
        if (!pv.spec?.claimRef) actions.push({ type: 'patchVolume', name: volName, patch: { spec: { claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: ns, name, uid: meta.uid, resourceVersion: meta.resourceVersion } } } });
        continue;
      }
      if (pv.status?.phase !== 'Bound') actions.push({ type: 'volumeStatus', name: volName, status: { phase: 'Bound' } });
      // Expansion: a larger request on a bound claim grows the volume (local paths have no hard size).
      const cap = pv.spec?.capacity?.storage;
      const req = requestOf(c);
      if (req && cap && size(req) > size(cap)) {
        actions.push({ type: 'patchVolume', name: volName, patch: { spec: { capacity: { storage: req } } } });
        continue;
      }
      const wantStatus = { phase: 'Bound', accessModes: pv.spec?.accessModes, capacity: { storage: cap } };
      if (c.status?.phase !== 'Bound' || c.status?.capacity?.storage !== cap || JSON.stringify(c.status?.accessModes) !== JSON.stringify(pv.spec?.accessModes)) {
        actions.push({ type: 'claimStatus', namespace: ns, name, status: { ...c.status, ...wantStatus } });
      }
      continue;
    }
    // Unbound: a PV already pre-bound to this claim, else a matching Available PV, else provision.
    const want = requestOf(c);
    const modes = c.spec?.accessModes ?? [];
    const prebound = input.pvs.find((v) => v.spec?.claimRef?.uid === meta.uid || (v.spec?.claimRef && !v.spec.claimRef.uid && v.spec.claimRef.name === name && v.spec.claimRef.namespace === ns));
    const candidate = prebound ?? input.pvs
      .filter((v) => !v.spec?.claimRef && !claimed.has(v.metadata!.name!) && (v.status?.phase ?? 'Available') === 'Available' && !v.metadata?.deletionTimestamp)
      .filter((v) => (v.spec?.storageClassName ?? '') === className && size(v.spec?.capacity?.storage) >= size(want) && accessModesCover(v, modes) && (v.spec?.volumeMode ?? 'Filesystem') === (c.spec?.volumeMode ?? 'Filesystem'))
      .sort((a, b) => size(a.spec?.capacity?.storage) - size(b.spec?.capacity?.storage))[0];
    if (candidate) {
      const pvName = candidate.metadata!.name!;
      claimed.add(pvName);
      if (!candidate.spec?.claimRef) actions.push({ type: 'patchVolume', name: pvName, patch: { spec: { claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: ns, name, uid: meta.uid, resourceVersion: meta.resourceVersion } } } });
      actions.push({ type: 'patchClaim', namespace: ns, name, patch: { metadata: { annotations: { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' } }, spec: { volumeName: pvName } } });
      continue;
    }
    const sc = classes.get(className);
    if (!sc || sc.provisioner !== PROVISIONER) {
      if (c.status?.phase !== 'Pending') actions.push({ type: 'claimStatus', namespace: ns, name, status: { phase: 'Pending' } });
      continue;
    }
    const node = meta.annotations?.[SELECTED_NODE];
    if ((sc.volumeBindingMode ?? 'Immediate') === 'WaitForFirstConsumer' && !node) continue; // waits for the scheduler
    const pvName = `pvc-${meta.uid}`;
    if (pvByName.has(pvName)) continue; // provisioned; binding follows on the next pass
    const dir = `${input.volumeRoot}/${pvName}`;
    const pv: PersistentVolume = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: pvName, annotations: { 'pv.kubernetes.io/provisioned-by': PROVISIONER }, finalizers: [PV_PROTECTION] },
      spec: {
        capacity: { storage: want ?? '1Gi' },
        accessModes: modes,
        persistentVolumeReclaimPolicy: (sc.reclaimPolicy ?? 'Delete') as 'Delete',
        storageClassName: className,
        volumeMode: c.spec?.volumeMode ?? 'Filesystem',
        hostPath: { path: dir, type: 'DirectoryOrCreate' },
        claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: ns, name, uid: meta.uid, resourceVersion: meta.resourceVersion },
        ...(node ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } } } : {}),
      },
    };
    actions.push({ type: 'createVolume', object: pv, dir });
    actions.push({ type: 'patchClaim', namespace: ns, name, patch: { metadata: { annotations: { 'volume.beta.kubernetes.io/storage-provisioner': PROVISIONER, 'volume.kubernetes.io/storage-provisioner': PROVISIONER } } } });
  }

  // Volumes whose claim is gone: Released, then reclaimed per policy.
  const claimUids = new Set(input.pvcs.filter((c) => !c.metadata?.deletionTimestamp || claimInUse(c, input.pods)).map((c) => c.metadata!.uid));
  const liveClaimUids = new Set(input.pvcs.map((c) => c.metadata!.uid));
  for (const pv of input.pvs) {
    const name = pv.metadata!.name!;
    const ref = pv.spec?.claimRef;
    if (pv.metadata?.deletionTimestamp) {
      // pv-protection: release once no claim is bound to it.
      if ((pv.metadata.finalizers ?? []).includes(PV_PROTECTION) && (!ref?.uid || !liveClaimUids.has(ref.uid))) {
        const rest = (pv.metadata.finalizers ?? []).filter((f) => f !== PV_PROTECTION);
        actions.push({ type: 'patchVolume', name, patch: { metadata: { finalizers: rest.length ? rest : null } } });
      }
      continue;
    }
    if (!ref) {
      if ((pv.status?.phase ?? '') !== 'Available' && !claimed.has(name)) actions.push({ type: 'volumeStatus', name, status: { phase: 'Available' } });
      continue;
    }
    if (!ref.uid || claimUids.has(ref.uid) || liveClaimUids.has(ref.uid)) continue;
    const policy = pv.spec?.persistentVolumeReclaimPolicy ?? 'Retain';
    if (policy === 'Delete') {
      const ours = pv.metadata?.annotations?.['pv.kubernetes.io/provisioned-by'] === PROVISIONER;
      actions.push({ type: 'deleteVolume', name, dir: ours ? pv.spec?.hostPath?.path : undefined });
    } else if (pv.status?.phase !== 'Released') {
      actions.push({ type: 'volumeStatus', name, status: { phase: 'Released' } });
    }
  }
  return actions;
}
