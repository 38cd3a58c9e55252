// Secret (core/v1). Upstream: SetDefaults_Secret, the v1 conversion (stringData merged into data;
// data decoded as base64 — a bad value fails decoding with 400 BadRequest, not validation),
// ValidateSecret / ValidateSecretUpdate, printSecret, field selector `type`.
import type { KindDefinition } from '../kind.js';
import type { Secret } from '../types/core.js';
import { errors, field, type FieldError } from '../../machinery/errors.js';
import { deepEqual, nameIsDNSSubdomain, validateImmutableField } from '../../machinery/validation.js';
import { standardPrepare, validateMeta } from '../strategy.js';
import { age, ageColumn, nameColumn } from '../printers.js';
import { base64ErrorOffset, isConfigMapKey } from './core-validation.js';

export { base64ErrorOffset };
import { immutableMsg, MaxDataSize } from './configmap.js';

export const SecretTypes = {
  Opaque: 'Opaque',
  ServiceAccountToken: 'kubernetes.io/service-account-token',
  Dockercfg: 'kubernetes.io/dockercfg',
  DockerConfigJSON: 'kubernetes.io/dockerconfigjson',
  BasicAuth: 'kubernetes.io/basic-auth',
  SSHAuth: 'kubernetes.io/ssh-auth',
  TLS: 'kubernetes.io/tls',
  BootstrapToken: 'bootstrap.kubernetes.io/token',
} as const;
export const ServiceAccountNameKey = 'kubernetes.io/service-account.name';

function decodedLength(v: string): number {
  return Buffer.from(v, 'base64').length;
}

function validateSecret(s: Secret): FieldError[] {
  const errs: FieldError[] = [];
  const data = s.data ?? {};
  let total = 0;
  for (const [key, value] of Object.entries(data)) {
    for (const m of isConfigMapKey(key)) errs.push(field.invalid(`data[${key}]`, key, m));
    total += decodedLength(String(value ?? ''));
  }
  if (total > MaxDataSize) errs.push(field.tooLong('data', '', MaxDataSize));
  const has = (k: string) => Object.prototype.hasOwnProperty.call(data, k);
  const jsonKey = (k: string) => {
    if (!has(k)) return errs.push(field.required(`data[${k}]`));
    try {
      const v = JSON.parse(Buffer.from(String(data[k] ?? ''), 'base64').toString('utf8'));
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('json: cannot unmarshal into Go value of type map[string]interface {}');
    } catch (e) {
      errs.push(field.invalid(`data[${k}]`, '<secret contents redacted>', (e as Error).message));
    }
    return 0;
  };
  switch (s.type) {
    case SecretTypes.ServiceAccountToken:
      if (!s.metadata.annotations?.[ServiceAccountNameKey]) errs.push(field.required(`metadata.annotations[${ServiceAccountNameKey}]`));
      break;
    case SecretTypes.Dockercfg:
      jsonKey('.dockercfg');
      break;
    case SecretTypes.DockerConfigJSON:
      jsonKey('.dockerconfigjson');
      break;
    case SecretTypes.BasicAuth:
      if (!has('username') && !has('password')) errs.push(field.required('data[username]'), field.required('data[password]'));
      break;
    case SecretTypes.SSHAuth:
      if (!decodedLength(String(data['ssh-privatekey'] ?? ''))) errs.push(field.required('data[ssh-privatekey]'));
      break;
    case SecretTypes.TLS:
      if (!has('tls.crt')) errs.push(field.required('data[tls.crt]'));
      if (!has('tls.key')) errs.push(field.required('data[tls.key]'));
      break;
  }
  return errs;
}

export const definition: KindDefinition<Secret> = {
  group: '', version: 'v1', kind: 'Secret', listKind: 'SecretList',
  plural: 'secrets', singular: 'secret',
  namespaced: true,
  openapiName: 'io.k8s.api.core.v1.Secret',
  /** Throws 400 BadRequest (as upstream's decoder) for data that is not base64. */
  defaults(s) {
    for (const [key, value] of Object.entries(s.data ?? {})) {
      const off = base64ErrorOffset(String(value ?? ''));
      if (off >= 0) throw errors.badRequest(`Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte ${off}`);
      // canonical form: what Go re-encodes after decoding (newlines dropped)
      if (typeof value === 'string' && /[\r\n]/.test(value)) s.data![key] = value.replace(/[\r\n]/g, '');
    }
    // v1 conversion: stringData is write-only, merged over data
    if (s.stringData) {
      s.data = { ...(s.data ?? {}) };
      for (const [k, v] of Object.entries(s.stringData)) s.data[k] = Buffer.from(String(v ?? ''), 'utf8').toString('base64');
      delete s.stringData;
    }
    if (!s.type) s.type = SecretTypes.Opaque;
  },
  prepare: standardPrepare({}),
  validate(s, old) {
    const errs = validateMeta(s, old, { namespaced: true, nameValidator: nameIsDNSSubdomain });
    if (old) {
      errs.push(...validateImmutableField(s.type, old.type, 'type'));
      if (old.immutable === true) {
        if (s.immutable !== true) errs.push(field.forbidden('immutable', immutableMsg));
        if (!deepEqual(s.data ?? {}, old.data ?? {})) errs.push(field.forbidden('data', immutableMsg));
      }
    }
    errs.push(...validateSecret(s));
    return errs;
  },
  tableColumns: [
    nameColumn,
    { name: 'Type', type: 'string', priority: 0, description: 'Used to facilitate programmatic handling of secret data.' },
    { name: 'Data', type: 'string', priority: 0, description: 'Data contains the secret data.' },
    ageColumn,
  ],
  tableRow: (s, now) => [s.metadata.name, s.type ?? '', Object.keys(s.data ?? {}).length, age(s, now)],
  fieldSelectors: { type: (s) => s.type ?? '' },
};
