// Namespace (core/v1, cluster-scoped). Upstream: pkg/registry/core/namespace/strategy.go,
// SetDefaults_Namespace, ValidateNamespace. The 'finalize' subresource only writes spec.finalizers.
import type { KindDefinition } from '../kind.js';
import type { Namespace } from '../types/core.js';
import { field, type FieldError } from '../../machinery/errors.js';
import { isQualifiedName, validateNamespaceName } from '../../machinery/validation.js';
import { keepOldStatus, validateMeta } from '../strategy.js';
import { age, ageColumn, nameColumn } from '../printers.js';
import { clone } from '../../machinery/object.js';

export const FinalizerKubernetes = 'kubernetes';
export const LabelMetadataName = 'kubernetes.io/metadata.name';

/** upstream validateFinalizerName (namespace spec.finalizers / pv finalizers). */
export function validateFinalizerName(name: string, path: string): FieldError[] {
  const errs = isQualifiedName(name).map((m) => field.invalid(path, name, m));
  if (errs.length) return errs;
  if (!name.includes('/') && name !== FinalizerKubernetes) {
    return [field.invalid(path, name, 'name is neither a standard finalizer name nor is it fully qualified')];
  }
  return [];
}

/**
 * PrepareForUpdate of the `finalize` subresource: only spec.finalizers is taken from the request
 * (status is kept). The API server applies this when routing PUT .../namespaces/NAME/finalize.
 */
export function prepareFinalize(obj: Namespace, old: Namespace): void {
  keepOldStatus(obj, old);
}

export const definition: KindDefinition<Namespace> = {
  group: '', version: 'v1', kind: 'Namespace', listKind: 'NamespaceList',
  plural: 'namespaces', singular: 'namespace', shortNames: ['ns'],
  namespaced: false,
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: { status: true, other: ['finalize'] },
  openapiName: 'io.k8s.api.core.v1.Namespace',
  defaults(ns) {
    // SetDefaults_Namespace: the immutable name label (the name is final by now).
    if (ns.metadata.name) ns.metadata.labels = { ...(ns.metadata.labels ?? {}), [LabelMetadataName]: ns.metadata.name };
    if (ns.status && !ns.status.phase) ns.status.phase = 'Active';
  },
  prepare(ns, old, ctx) {
    if (!old || ctx.operation === 'create') {
      ns.status = { phase: 'Active' };
      const fin = (ns.spec?.finalizers ?? []).slice();
      if (!fin.includes(FinalizerKubernetes)) fin.push(FinalizerKubernetes);
      ns.spec = { ...(ns.spec ?? {}), finalizers: fin };
    } else if (ctx.operation === 'status') {
      if (old.spec === undefined) delete ns.spec;
      else ns.spec = clone(old.spec);
    } else {
      // spec.finalizers only changes through /finalize; status only through /status.
      const fin = old.spec?.finalizers;
      ns.spec = { ...(ns.spec ?? {}) };
      if (fin === undefined) delete ns.spec.finalizers;
      else ns.spec.finalizers = clone(fin);
      keepOldStatus(ns, old);
    }
  },
  validate(ns, old) {
    const errs = validateMeta(ns, old, { namespaced: false, nameValidator: validateNamespaceName });
    (ns.spec?.finalizers ?? []).forEach((f, i) => errs.push(...validateFinalizerName(f, `spec.finalizers[${i}]`)));
    return errs;
  },
  tableColumns: [
    nameColumn,
    { name: 'Status', type: 'string', priority: 0, description: 'The status of the namespace' },
    ageColumn,
  ],
  tableRow: (ns, now) => [ns.metadata.name, ns.status?.phase ?? '', age(ns, now)],
  fieldSelectors: { 'status.phase': (ns) => ns.status?.phase ?? '' },
};
