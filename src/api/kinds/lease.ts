// Lease (coordination.k8s.io/v1). Upstream: ValidateLease(Spec), printLease.
import type { KindDefinition } from '../kind.js';
import type { Lease } from '../types/core.js';
import { field, type FieldError } from '../../machinery/errors.js';
import { nameIsDNSSubdomain } from '../../machinery/validation.js';
import { standardPrepare, validateMeta } from '../strategy.js';
import { age, ageColumn, nameColumn } from '../printers.js';

function validateSpec(lease: Lease): FieldError[] {
  const errs: FieldError[] = [];
  const s = lease.spec ?? {};
  if (s.leaseDurationSeconds !== undefined && s.leaseDurationSeconds !== null && s.leaseDurationSeconds <= 0) {
    errs.push(field.invalid('spec.leaseDurationSeconds', s.leaseDurationSeconds, 'must be greater than 0'));
  }
  if (s.leaseTransitions !== undefined && s.leaseTransitions !== null && s.leaseTransitions < 0) {
    errs.push(field.invalid('spec.leaseTransitions', s.leaseTransitions, 'must be greater than or equal to 0'));
  }
  return errs;
}

export const definition: KindDefinition<Lease> = {
  group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', listKind: 'LeaseList',
  plural: 'leases', singular: 'lease',
  namespaced: true,
  openapiName: 'io.k8s.api.coordination.v1.Lease',
  prepare: standardPrepare({}),
  validate(lease, old) {
    return [...validateMeta(lease, old, { namespaced: true, nameValidator: nameIsDNSSubdomain }), ...validateSpec(lease)];
  },
  tableColumns: [
    nameColumn,
    { name: 'Holder', type: 'string', priority: 0, description: 'holderIdentity contains the identity of the holder of a current lease.' },
    ageColumn,
  ],
  tableRow: (lease, now) => [lease.metadata.name, lease.spec?.holderIdentity ?? '', age(lease, now)],
};
