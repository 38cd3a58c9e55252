// ControllerRevision (apps/v1). Upstream: ValidateControllerRevision{,Update} (data required and
// immutable; revision >= 0 and may change), printControllerRevision (CONTROLLER is
// `<kind>.<group>/<name>` lower-cased from the controller owner reference).
import type { KindDefinition } from '../kind.js';
import type { ControllerRevision } from '../types/workloads.js';
import { field, GoValue, type FieldError } from '../../machinery/errors.js';
import { FieldImmutableErrorMsg, nameIsDNSSubdomain } from '../../machinery/validation.js';
import { semanticEqual, standardPrepare, validateMeta } from '../strategy.js';
import { age, ageColumn, nameColumn } from '../printers.js';
import { validateNonnegative } from '../validation/apps.js';

function validateRevision(cr: ControllerRevision): FieldError[] {
  const out: FieldError[] = [];
  if (cr.data === undefined || cr.data === null) out.push(field.required('data', 'data is mandatory'));
  out.push(...validateNonnegative(cr.revision, 'revision'));
  return out;
}

/** `statefulset.apps/web` for the controlling owner, `<none>` without one. */
export function controllerName(cr: ControllerRevision): string {
  const ref = (cr.metadata.ownerReferences ?? []).find((r) => r.controller === true);
  if (!ref) return '<none>';
  const apiVersion = ref.apiVersion ?? '';
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return `${(group ? `${ref.kind}.${group}` : ref.kind).toLowerCase()}/${ref.name}`;
}

export const definition: KindDefinition<ControllerRevision> = {
  group: 'apps', version: 'v1', kind: 'ControllerRevision', listKind: 'ControllerRevisionList',
  plural: 'controllerrevisions', singular: 'controllerrevision',
  namespaced: true,
  openapiName: 'io.k8s.api.apps.v1.ControllerRevision',
  prepare: standardPrepare<ControllerRevision>({}),
  validate(cr, old) {
    const errs = [...validateMeta(cr, old, { namespaced: true, nameValidator: nameIsDNSSubdomain }), ...validateRevision(cr)];
    if (old && !semanticEqual(cr.data, old.data)) {
      // upstream prints the runtime.RawExtension with %#v; the raw JSON is the useful part of it.
      errs.push(field.invalid('data', new GoValue(`runtime.RawExtension{Raw:${JSON.stringify(JSON.stringify(cr.data ?? null))}}`), FieldImmutableErrorMsg));
    }
    return errs;
  },
  tableColumns: [
    nameColumn,
    { name: 'Controller', type: 'string', priority: 0, description: 'Controller of the object' },
    { name: 'Revision', type: 'integer', priority: 0, description: 'Revision indicates the revision of the state represented by Data.' },
    ageColumn,
  ],
  tableRow: (cr, now) => [cr.metadata.name, controllerName(cr), cr.revision ?? 0, age(cr, now)],
};
