// StorageClass (storage.k8s.io/v1, cluster-scoped). Upstream: SetDefaults_StorageClass,
// ValidateStorageClass(Update), printStorageClass (the `(default)` name suffix).
import type { KindDefinition } from '../kind.js';
import type { StorageClass } from '../types/core.js';
import { field, type FieldError } from '../../machinery/errors.js';
import { deepEqual, isQualifiedName, nameIsDNSSubdomain, validateImmutableField } from '../../machinery/validation.js';
import { standardPrepare, validateMeta } from '../strategy.js';
import { age, ageColumn, nameColumn } from '../printers.js';

export const IsDefaultStorageClassAnnotation = 'storageclass.kubernetes.io/is-default-class';
export const BetaIsDefaultStorageClassAnnotation = 'storageclass.beta.kubernetes.io/is-default-class';
const maxParameters = 512;
const maxParameterSize = 256 * 1024;

export function isDefaultClass(sc: StorageClass): boolean {
  const a = sc.metadata.annotations ?? {};
  return a[IsDefaultStorageClassAnnotation] === 'true' || a[BetaIsDefaultStorageClassAnnotation] === 'true';
}

function validateStorageClass(sc: StorageClass): FieldError[] {
  const errs: FieldError[] = [];
  if (!sc.provisioner) errs.push(field.required('provisioner'));
  else for (const m of isQualifiedName(sc.provisioner.toLowerCase())) errs.push(field.invalid('provisioner', sc.provisioner.toLowerCase(), m));
  const params = sc.parameters ?? {};
  if (Object.keys(params).length > maxParameters) {
    errs.push({ type: 'FieldValueTooLong', field: 'parameters', value: 'Provisioner Parameters exceeded max allowed', detail: `may not be more than ${maxParameters} bytes` });
  } else {
    let total = 0;
    for (const [k, v] of Object.entries(params)) {
      if (!k) errs.push(field.invalid('parameters', k, 'field can not be empty.'));
      total += k.length + String(v).length;
    }
    if (total > maxParameterSize) errs.push(field.tooLong('parameters', '', maxParameterSize));
  }
  if (sc.reclaimPolicy && !['Delete', 'Retain'].includes(sc.reclaimPolicy)) errs.push(field.notSupported('reclaimPolicy', sc.reclaimPolicy, ['Delete', 'Retain']));
  if (!sc.volumeBindingMode) errs.push(field.required('volumeBindingMode'));
  else if (!['Immediate', 'WaitForFirstConsumer'].includes(sc.volumeBindingMode)) {
    errs.push(field.notSupported('volumeBindingMode', sc.volumeBindingMode, ['Immediate', 'WaitForFirstConsumer']));
  }
  return errs;
}

export const definition: KindDefinition<StorageClass> = {
  group: 'storage.k8s.io', version: 'v1', kind: 'StorageClass', listKind: 'StorageClassList',
  plural: 'storageclasses', singular: 'storageclass', shortNames: ['sc'],
  namespaced: false,
  openapiName: 'io.k8s.api.storage.v1.StorageClass',
  defaults(sc) {
    if (!sc.reclaimPolicy) sc.reclaimPolicy = 'Delete';
    if (!sc.volumeBindingMode) sc.volumeBindingMode = 'Immediate';
  },
  prepare: standardPrepare({}),
  validate(sc, old) {
    const errs = validateMeta(sc, old, { namespaced: false, nameValidator: nameIsDNSSubdomain });
    if (old) {
      if (!deepEqual(sc.parameters ?? {}, old.parameters ?? {})) errs.push(field.forbidden('parameters', 'updates to parameters are forbidden.'));
      if (sc.provisioner !== old.provisioner) errs.push(field.forbidden('provisioner', 'updates to provisioner are forbidden.'));
      if (sc.reclaimPolicy !== old.reclaimPolicy) errs.push(field.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
      errs.push(...validateImmutableField(sc.volumeBindingMode, old.volumeBindingMode, 'volumeBindingMode'));
    }
    errs.push(...validateStorageClass(sc));
    return errs;
  },
  tableColumns: [
    nameColumn,
    { name: 'Provisioner', type: 'string', priority: 0, description: 'provisioner indicates the type of the provisioner.' },
    { name: 'ReclaimPolicy', type: 'string', priority: 0, description: 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.' },
    { name: 'VolumeBindingMode', type: 'string', priority: 0, description: 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.' },
    { name: 'AllowVolumeExpansion', type: 'string', priority: 0, description: 'allowVolumeExpansion shows whether the storage class allow volume expand.' },
    ageColumn,
  ],
  tableRow: (sc, now) => [
    isDefaultClass(sc) ? `${sc.metadata.name} (default)` : sc.metadata.name,
    sc.provisioner ?? '', sc.reclaimPolicy ?? 'Delete', sc.volumeBindingMode ?? 'Immediate', sc.allowVolumeExpansion ?? false, age(sc, now),
  ],
};
