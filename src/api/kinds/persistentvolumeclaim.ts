// PersistentVolumeClaim (core/v1, +status). Upstream: SetDefaults_PersistentVolumeClaim(Spec),
// the pvc strategy (status cleared on create — Pending once defaulted — kept on update),
// ValidatePersistentVolumeClaim(Update), printPersistentVolumeClaim.
import type { KindDefinition } from '../kind.js';
import type { PersistentVolumeClaim, PersistentVolumeClaimSpec } from '../types/core.js';
import { errors, field, type FieldError } from '../../machinery/errors.js';
import { nameIsDNSSubdomain, isDNS1123Subdomain } from '../../machinery/validation.js';
import { clone } from '../../machinery/object.js';
import { semanticEqual, standardPrepare, validateMeta } from '../strategy.js';
import { accessModes, age, ageColumn, nameColumn } from '../printers.js';
import { validateLabelSelector } from '../validation/selector.js';
import { parseQuantity, quantityErrorMsg } from '../validation/quantity.js';

export const supportedAccessModes = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
export const supportedVolumeModes = ['Block', 'Filesystem'];
export const BetaStorageClassAnnotation = 'volume.beta.kubernetes.io/storage-class';

/** Quantities that do not parse fail decoding upstream (400), before validation. */
export function checkQuantities(kind: string, m: Record<string, unknown> | undefined): void {
  for (const v of Object.values(m ?? {})) {
    if (parseQuantity(v) === undefined) throw errors.badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: ${quantityErrorMsg}`);
  }
}

export function validateAccessModes(modes: readonly string[] | undefined, path: string, requiredDetail: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!modes?.length) errs.push(field.required(path, requiredDetail));
  let rwop = false;
  let other = false;
  for (const m of modes ?? []) {
    if (!supportedAccessModes.includes(m)) errs.push(field.notSupported(path, m, supportedAccessModes));
    if (m === 'ReadWriteOncePod') rwop = true;
    else if (supportedAccessModes.includes(m)) other = true;
  }
  if (rwop && other) errs.push(field.forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

export function validatePositiveQuantity(v: unknown, path: string): FieldError[] {
  const n = parseQuantity(v);
  return n !== undefined && n <= 0 ? [field.invalid(path, String(v), 'must be greater than zero')] : [];
}

function validateSpec(spec: PersistentVolumeClaimSpec | undefined): FieldError[] {
  const s = spec ?? {};
  const errs = validateAccessModes(s.accessModes, 'spec.accessModes', 'at least 1 access mode is required');
  if (s.selector) errs.push(...validateLabelSelector(s.selector, 'spec.selector'));
  const storage = s.resources?.requests?.storage;
  if (storage === undefined) errs.push(field.required('spec.resources[storage]'));
  else errs.push(...validatePositiveQuantity(storage, 'spec.resources[storage]'));
  if (s.storageClassName) for (const m of isDNS1123Subdomain(s.storageClassName)) errs.push(field.invalid('spec.storageClassName', s.storageClassName, m));
  if (s.volumeMode !== undefined && !supportedVolumeModes.includes(s.volumeMode)) errs.push(field.notSupported('spec.volumeMode', s.volumeMode, supportedVolumeModes));
  return errs;
}

function validateUpdate(pvc: PersistentVolumeClaim, old: PersistentVolumeClaim): FieldError[] {
  const errs: FieldError[] = [];
  const n = clone(pvc.spec ?? {}) as Record<string, any>;
  const o = clone(old.spec ?? {}) as Record<string, any>;
  // the binder sets volumeName once
  if (!o.volumeName) o.volumeName = n.volumeName;
  // storageClassName may be set once when it was nil (retroactive default class)
  if (o.storageClassName === undefined && !old.metadata.annotations?.[BetaStorageClassAnnotation]) o.storageClassName = n.storageClassName;
  const bound = pvc.status?.phase === 'Bound';
  if (bound) {
    // resize: only requests.storage, only for bound claims; VAC may change on bound claims
    if (n.resources?.requests) n.resources.requests.storage = o.resources?.requests?.storage;
    o.volumeAttributesClassName = n.volumeAttributesClassName;
  }
  if (!semanticEqual(n, o)) {
    errs.push(field.forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  }
  const newSize = parseQuantity(pvc.spec?.resources?.requests?.storage);
  const oldSize = parseQuantity(old.spec?.resources?.requests?.storage);
  if (newSize !== undefined && oldSize !== undefined && newSize < oldSize) {
    errs.push(field.forbidden('spec.resources.requests.storage', 'field can not be less than previous value'));
  }
  if ((pvc.spec?.volumeMode ?? undefined) !== (old.spec?.volumeMode ?? undefined)) {
    errs.push(field.invalid('volumeMode', pvc.spec?.volumeMode ?? null, 'field is immutable'));
  }
  return errs;
}

/** upstream NormalizeDataSources (AnyVolumeDataSource): dataSource and dataSourceRef mirror each other. */
export function normalizeDataSources(spec: PersistentVolumeClaimSpec | undefined): void {
  if (!spec) return;
  if (spec.dataSource && !spec.dataSourceRef) {
    const { apiGroup, kind, name } = spec.dataSource;
    spec.dataSourceRef = { ...(apiGroup !== undefined ? { apiGroup } : {}), kind, name };
  } else if (spec.dataSourceRef && !spec.dataSource && !spec.dataSourceRef.namespace) {
    const { apiGroup, kind, name } = spec.dataSourceRef;
    spec.dataSource = { ...(apiGroup !== undefined ? { apiGroup } : {}), kind, name };
  }
}

/** upstream GetPersistentVolumeClaimClass: the beta annotation wins over spec.storageClassName. */
export function claimClass(pvc: PersistentVolumeClaim): string {
  return pvc.metadata.annotations?.[BetaStorageClassAnnotation] ?? pvc.spec?.storageClassName ?? '';
}

export const definition: KindDefinition<PersistentVolumeClaim> = {
  group: '', version: 'v1', kind: 'PersistentVolumeClaim', listKind: 'PersistentVolumeClaimList',
  plural: 'persistentvolumeclaims', singular: 'persistentvolumeclaim', shortNames: ['pvc'],
  namespaced: true,
  subresources: { status: true },
  openapiName: 'io.k8s.api.core.v1.PersistentVolumeClaim',
  defaults(pvc) {
    checkQuantities('PersistentVolumeClaim', pvc.spec?.resources?.requests);
    checkQuantities('PersistentVolumeClaim', pvc.spec?.resources?.limits);
    pvc.spec ??= {};
    if (!pvc.spec.volumeMode) pvc.spec.volumeMode = 'Filesystem';
    if (pvc.status && !pvc.status.phase) pvc.status.phase = 'Pending';
  },
  // Upstream clears status on create; decoding then defaults the phase to Pending.
  prepare: standardPrepare<PersistentVolumeClaim>({
    status: true,
    initialStatus: () => ({ phase: 'Pending' }),
    extra: (pvc, old, ctx) => {
      if (ctx.operation === 'create' || !old) normalizeDataSources(pvc.spec);
    },
  }),
  validate(pvc, old, ctx) {
    const errs = validateMeta(pvc, old, { namespaced: true, nameValidator: nameIsDNSSubdomain });
    if (ctx.operation === 'status') return errs;
    errs.push(...validateSpec(pvc.spec));
    if (old) errs.push(...validateUpdate(pvc, old));
    return errs;
  },
  tableColumns: [
    nameColumn,
    { name: 'Status', type: 'string', priority: 0, description: 'Phase represents the current phase of PersistentVolumeClaim.' },
    { name: 'Volume', type: 'string', priority: 0, description: 'The binding reference to the PersistentVolume backing this claim.' },
    { name: 'Capacity', type: 'string', priority: 0, description: 'Capacity represents the actual resources of the underlying volume.' },
    { name: 'Access Modes', type: 'string', priority: 0, description: 'AccessModes contains the actual access modes the volume backing the PVC has.' },
    { name: 'StorageClass', type: 'string', priority: 0, description: 'StorageClassName of the claim.' },
    { name: 'VolumeAttributesClass', type: 'string', priority: 0, description: 'VolumeAttributesClassName of the claim.' },
    ageColumn,
    { name: 'VolumeMode', type: 'string', priority: 1, description: 'volumeMode defines what type of volume is required by the claim.' },
  ],
  tableRow(pvc, now) {
    const phase = pvc.metadata.deletionTimestamp ? 'Terminating' : (pvc.status?.phase ?? '');
    const bound = !!pvc.spec?.volumeName;
    const capacity = bound ? String(pvc.status?.capacity?.storage ?? '0') : '';
    const modes = bound ? accessModes(pvc.status?.accessModes) : '';
    return [
      pvc.metadata.name, phase, pvc.spec?.volumeName ?? '', capacity, modes, claimClass(pvc),
      pvc.spec?.volumeAttributesClassName || '<unset>', age(pvc, now), pvc.spec?.volumeMode ?? '<unset>',
    ];
  },
};
