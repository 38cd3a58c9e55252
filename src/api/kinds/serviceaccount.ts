// ServiceAccount (core/v1). Upstream: ValidateServiceAccount (metadata only), printServiceAccount.
import type { KindDefinition } from '../kind.js';
import type { ServiceAccount } from '../types/core.js';
import { nameIsDNSSubdomain } from '../../machinery/validation.js';
import { standardPrepare, validateMeta } from '../strategy.js';
import { age, ageColumn, nameColumn } from '../printers.js';

export const definition: KindDefinition<ServiceAccount> = {
  group: '', version: 'v1', kind: 'ServiceAccount', listKind: 'ServiceAccountList',
  plural: 'serviceaccounts', singular: 'serviceaccount', shortNames: ['sa'],
  namespaced: true,
  openapiName: 'io.k8s.api.core.v1.ServiceAccount',
  prepare: standardPrepare({}),
  validate: (sa, old) => validateMeta(sa, old, { namespaced: true, nameValidator: nameIsDNSSubdomain }),
  tableColumns: [
    nameColumn,
    { name: 'Secrets', type: 'string', priority: 0, description: 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.' },
    ageColumn,
  ],
  tableRow: (sa, now) => [sa.metadata.name, (sa.secrets ?? []).length, age(sa, now)],
};
