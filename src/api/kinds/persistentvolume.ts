// PersistentVolume (core/v1, cluster-scoped, +status). Upstream: SetDefaults_PersistentVolume,
// the pv strategy (status reset to Pending with lastPhaseTransitionTime on create),
// ValidatePersistentVolume(Update), printPersistentVolume.
import type { KindDefinition } from '../kind.js';
import type { PersistentVolume } from '../types/core.js';
import { field, type FieldError } from '../../machinery/errors.js';
import { isDNS1123Subdomain, nameIsDNSSubdomain } from '../../machinery/validation.js';
import { semanticEqual, standardPrepare, validateMeta } from '../strategy.js';
import { accessModes, age, ageColumn, nameColumn } from '../printers.js';
import { BetaStorageClassAnnotation, checkQuantities, supportedVolumeModes, validateAccessModes, validatePositiveQuantity } from './persistentvolumeclaim.js';

const reclaimPolicies = ['Delete', 'Recycle', 'Retain'];

/** The PersistentVolumeSource members (exactly one must be set). */
export const volumeSources = [
  'awsElasticBlockStore', 'azureDisk', 'azureFile', 'cephfs', 'cinder', 'csi', 'fc', 'flexVolume', 'flocker',
  'gcePersistentDisk', 'glusterfs', 'hostPath', 'iscsi', 'local', 'nfs', 'photonPersistentDisk', 'portworxVolume',
  'quobyte', 'rbd', 'scaleIO', 'storageos', 'vsphereVolume',
];

function validateSpec(pv: PersistentVolume): FieldError[] {
  const spec = (pv.spec ?? {}) as Record<string, any>;
  const errs = validateAccessModes(spec.accessModes, 'spec.accessModes', '');
  const cap = (spec.capacity ?? {}) as Record<string, unknown>;
  if (!Object.keys(cap).length) errs.push(field.required('spec.capacity'));
  if (!('storage' in cap) || Object.keys(cap).length > 1) errs.push(field.notSupported('spec.capacity', cap, ['storage']));
  for (const [r, q] of Object.entries(cap)) errs.push(...validatePositiveQuantity(q, `spec.capacity[${r}]`));
  if (spec.storageClassName) for (const m of isDNS1123Subdomain(spec.storageClassName)) errs.push(field.invalid('spec.storageClassName', spec.storageClassName, m));
  if (spec.volumeMode !== undefined && !supportedVolumeModes.includes(spec.volumeMode)) errs.push(field.notSupported('spec.volumeMode', spec.volumeMode, supportedVolumeModes));
  if (spec.persistentVolumeReclaimPolicy && !reclaimPolicies.includes(spec.persistentVolumeReclaimPolicy)) {
    errs.push(field.notSupported('spec.persistentVolumeReclaimPolicy', spec.persistentVolumeReclaimPolicy, reclaimPolicies));
  }
  const present = volumeSources.filter((s) => spec[s] !== undefined && spec[s] !== null);
  if (!present.length) errs.push(field.required('spec', 'must specify a volume type'));
  for (const extra of present.slice(1)) errs.push(field.forbidden(`spec.${extra}`, 'may not specify more than 1 volume type'));
  if (spec.hostPath && !spec.hostPath.path) errs.push(field.required('spec.hostPath.path'));
  if (spec.local) {
    if (!spec.local.path) errs.push(field.required('spec.local.path'));
    if (!spec.nodeAffinity) errs.push(field.required('spec.nodeAffinity', 'Local volume requires node affinity'));
  }
  if (spec.csi) {
    if (!spec.csi.driver) errs.push(field.required('spec.csi.driver'));
    if (!spec.csi.volumeHandle) errs.push(field.required('spec.csi.volumeHandle'));
  }
  return errs;
}

function sourceOf(pv: PersistentVolume): Record<string, unknown> {
  const spec = (pv.spec ?? {}) as Record<string, unknown>;
  return Object.fromEntries(volumeSources.filter((s) => spec[s] !== undefined).map((s) => [s, spec[s]]));
}

/** upstream GetPersistentVolumeClass. */
export function volumeClass(pv: PersistentVolume): string {
  return pv.metadata.annotations?.[BetaStorageClassAnnotation] ?? pv.spec?.storageClassName ?? '';
}

export const definition: KindDefinition<PersistentVolume> = {
  group: '', version: 'v1', kind: 'PersistentVolume', listKind: 'PersistentVolumeList',
  plural: 'persistentvolumes', singular: 'persistentvolume', shortNames: ['pv'],
  namespaced: false,
  subresources: { status: true },
  openapiName: 'io.k8s.api.core.v1.PersistentVolume',
  defaults(pv) {
    checkQuantities('PersistentVolume', pv.spec?.capacity);
    pv.spec ??= {};
    if (!pv.spec.persistentVolumeReclaimPolicy) pv.spec.persistentVolumeReclaimPolicy = 'Retain';
    if (!pv.spec.volumeMode) pv.spec.volumeMode = 'Filesystem';
    if (pv.status && !pv.status.phase) pv.status.phase = 'Pending';
  },
  prepare: standardPrepare<PersistentVolume>({
    status: true,
    initialStatus: (_pv, ctx) => ({ phase: 'Pending', lastPhaseTransitionTime: ctx.now.toISOString().replace(/\.\d+Z$/, 'Z') }),
    extra: (pv, old, ctx) => {
      // PersistentVolumeLastPhaseTransitionTime: a status write that changes the phase stamps it
      if (ctx.operation === 'status' && old && pv.status?.phase !== old.status?.phase) {
        pv.status = { ...(pv.status ?? {}), lastPhaseTransitionTime: ctx.now.toISOString().replace(/\.\d+Z$/, 'Z') };
      }
    },
  }),
  validate(pv, old, ctx) {
    const errs = validateMeta(pv, old, { namespaced: false, nameValidator: nameIsDNSSubdomain });
    if (ctx.operation === 'status') return errs;
    errs.push(...validateSpec(pv));
    if (old) {
      if (!semanticEqual(sourceOf(pv), sourceOf(old))) {
        errs.push(field.forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
      }
      if ((pv.spec?.volumeMode ?? undefined) !== (old.spec?.volumeMode ?? undefined)) {
        errs.push(field.invalid('volumeMode', pv.spec?.volumeMode ?? null, 'field is immutable'));
      }
      if (old.spec?.nodeAffinity && !semanticEqual(pv.spec?.nodeAffinity, old.spec.nodeAffinity)) {
        errs.push(field.invalid('nodeAffinity', pv.spec?.nodeAffinity ?? null, 'field is immutable'));
      }
    }
    return errs;
  },
  tableColumns: [
    nameColumn,
    { name: 'Capacity', type: 'string', priority: 0, description: 'capacity is the description of the persistent volume\'s resources and capacity.' },
    { name: 'Access Modes', type: 'string', priority: 0, description: 'accessModes contains all ways the volume can be mounted.' },
    { name: 'Reclaim Policy', type: 'string', priority: 0, description: 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.' },
    { name: 'Status', type: 'string', priority: 0, description: 'phase indicates if a volume is available, bound to a claim, or released by a claim.' },
    { name: 'Claim', type: 'string', priority: 0, description: 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.' },
    { name: 'StorageClass', type: 'string', priority: 0, description: 'storageClassName is the name of StorageClass to which this persistent volume belongs.' },
    { name: 'VolumeAttributesClass', type: 'string', priority: 0, description: 'Name of VolumeAttributesClass to which this persistent volume belongs.' },
    { name: 'Reason', type: 'string', priority: 0, description: 'reason is a brief CamelCase string that describes any failure.' },
    ageColumn,
    { name: 'VolumeMode', type: 'string', priority: 1, description: 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.' },
  ],
  tableRow(pv, now) {
    const ref = pv.spec?.claimRef;
    const claim = ref ? `${ref.namespace ?? ''}/${ref.name ?? ''}` : '';
    const phase = pv.metadata.deletionTimestamp ? 'Terminating' : (pv.status?.phase ?? '');
    return [
      pv.metadata.name, String(pv.spec?.capacity?.storage ?? '0'), accessModes(pv.spec?.accessModes),
      pv.spec?.persistentVolumeReclaimPolicy ?? '', phase, claim, volumeClass(pv),
      pv.spec?.volumeAttributesClassName || '<unset>', pv.status?.reason ?? '', age(pv, now), pv.spec?.volumeMode ?? '<unset>',
    ];
  },
};
