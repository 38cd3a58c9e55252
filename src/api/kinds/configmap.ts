// ConfigMap (core/v1). Upstream: ValidateConfigMap / ValidateConfigMapUpdate, printConfigMap.
import type { KindDefinition } from '../kind.js';
import type { ConfigMap } from '../types/core.js';
import { errors, field, type FieldError } from '../../machinery/errors.js';
import { deepEqual, nameIsDNSSubdomain } from '../../machinery/validation.js';
import { standardPrepare, validateMeta } from '../strategy.js';
import { age, ageColumn, nameColumn } from '../printers.js';
import { base64ErrorOffset, isConfigMapKey } from './core-validation.js';

/** core.MaxSecretSize, shared by ConfigMaps and Secrets. */
export const MaxDataSize = 1024 * 1024;
export const immutableMsg = 'field is immutable when `immutable` is set';

function validateConfigMap(cm: ConfigMap): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  for (const [key, value] of Object.entries(cm.data ?? {})) {
    for (const m of isConfigMapKey(key)) errs.push(field.invalid(`data[${key}]`, key, m));
    total += Buffer.byteLength(String(value ?? ''));
  }
  for (const [key, value] of Object.entries(cm.binaryData ?? {})) {
    for (const m of isConfigMapKey(key)) errs.push(field.invalid(`binaryData[${key}]`, key, m));
    if (cm.data && key in cm.data) errs.push(field.invalid(`binaryData[${key}]`, key, 'duplicate of key present in data'));
    total += Buffer.from(String(value ?? ''), 'base64').length;
  }
  if (total > MaxDataSize) errs.push(field.tooLong('', '', MaxDataSize));
  return errs;
}

export const definition: KindDefinition<ConfigMap> = {
  group: '', version: 'v1', kind: 'ConfigMap', listKind: 'ConfigMapList',
  plural: 'configmaps', singular: 'configmap', shortNames: ['cm'],
  namespaced: true,
  openapiName: 'io.k8s.api.core.v1.ConfigMap',
  /** binaryData is []byte: text that is not base64 fails decoding (400), as upstream. */
  defaults(cm) {
    for (const value of Object.values(cm.binaryData ?? {})) {
      const off = base64ErrorOffset(String(value ?? ''));
      if (off >= 0) throw errors.badRequest(`ConfigMap in version "v1" cannot be handled as a ConfigMap: illegal base64 data at input byte ${off}`);
    }
  },
  prepare: standardPrepare({}),
  validate(cm, old) {
    const errs = validateMeta(cm, old, { namespaced: true, nameValidator: nameIsDNSSubdomain });
    if (old?.immutable === true) {
      if (cm.immutable !== true) errs.push(field.forbidden('immutable', immutableMsg));
      if (!deepEqual(cm.data ?? {}, old.data ?? {})) errs.push(field.forbidden('data', immutableMsg));
      if (!deepEqual(cm.binaryData ?? {}, old.binaryData ?? {})) errs.push(field.forbidden('binaryData', immutableMsg));
    }
    errs.push(...validateConfigMap(cm));
    return errs;
  },
  tableColumns: [
    nameColumn,
    { name: 'Data', type: 'string', priority: 0, description: 'Data contains the configuration data.' },
    ageColumn,
  ],
  tableRow: (cm, now) => [cm.metadata.name, Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length, age(cm, now)],
};
