// Generic write strategies (upstream's PrepareForCreate / PrepareForUpdate), shared by the kinds.
//
// Upstream rules these helpers encode (pkg/registry/*/strategy.go, apiserver rest.BeforeUpdate):
//  - create: a client may not set status → it is cleared (or replaced by a kind-specific initial
//    status, e.g. Namespace phase Active); kinds that track generation start at 1.
//  - update of the main resource: status is ignored (the old status is kept); clients cannot set
//    metadata.generation (the old value is kept); it is bumped by one when the spec changed.
//  - update of the status subresource: everything outside status and metadata is ignored (the old
//    spec is kept), so generation never moves on a status write.
// "Spec" here means every top-level field except apiVersion, kind, metadata and status, so that kinds
// whose payload is not under `spec` (none of the generation-tracking ones today) still work.
import type { KubeObject } from '../machinery/object.js';
import type { KindDefinition, WriteContext } from './kind.js';
import type { FieldError } from '../machinery/errors.js';
import { validateObjectMeta, validateObjectMetaUpdate, type ObjectMetaOptions } from '../machinery/validation.js';

const NON_SPEC = new Set(['apiVersion', 'kind', 'metadata', 'status']);

export interface StrategyOptions<T extends KubeObject = KubeObject> {
  /** The kind has a status that clients do not write through the main resource (the +status kinds). */
  status?: boolean;
  /** Status to set on create instead of clearing it (e.g. `{ phase: 'Active' }`). Called with the new object. */
  initialStatus?: (obj: T, ctx: WriteContext) => Record<string, unknown> | undefined;
  /** The kind tracks metadata.generation (workloads): 1 on create, +1 on each spec change. */
  generation?: boolean;
  /** Kind-specific work after the generic part (same arguments as KindDefinition.prepare). */
  extra?: (obj: T, old: T | undefined, ctx: WriteContext) => void;
}

/**
 * Semantic equality of two JSON values as upstream's apiequality.Semantic.DeepEqual sees decoded
 * objects: an absent field, null, an empty list and an empty map are all the same thing.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (isEmpty(a) && isEmpty(b)) return true;
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    return a.every((v, i) => semanticEqual(v, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) if (!semanticEqual(ao[k], bo[k])) return false;
  return true;
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v as object).length === 0;
  return false;
}

/** True when anything outside apiVersion/kind/metadata/status differs between the two objects. */
export function specChanged(obj: KubeObject, old: KubeObject): boolean {
  const keys = new Set([...Object.keys(obj), ...Object.keys(old)]);
  for (const k of keys) {
    if (NON_SPEC.has(k)) continue;
    if (!semanticEqual(obj[k], old[k])) return true;
  }
  return false;
}

// keepOldSpec and keepOldStatus share old's values rather than copy them: `old` is the API
// server's own decode of the stored object for this one request, and neither object is changed
// after prepare, so nothing can reach one through the other.

/** Replace every non-metadata, non-status top-level field of `obj` with old's. */
export function keepOldSpec(obj: KubeObject, old: KubeObject): void {
  for (const k of Object.keys(obj)) if (!NON_SPEC.has(k)) delete obj[k];
  for (const k of Object.keys(old)) if (!NON_SPEC.has(k)) obj[k] = old[k];
}

/** Replace obj.status with old's, or remove it when old had none. */
export function keepOldStatus(obj: KubeObject, old: KubeObject): void {
  if (old.status === undefined) delete obj.status;
  else obj.status = old.status;
}

/** kubernetes-types marks metadata fields readonly; the server is the one place that writes them. */
export type MutableMeta = { -readonly [K in keyof KubeObject['metadata']]: KubeObject['metadata'][K] };
export function meta(obj: KubeObject): MutableMeta {
  return obj.metadata as MutableMeta;
}

function setGeneration(obj: KubeObject, value: number | undefined): void {
  if (value === undefined) delete meta(obj).generation;
  else meta(obj).generation = value;
}

export function prepareCreate<T extends KubeObject>(obj: T, ctx: WriteContext, opts: StrategyOptions<T> = {}): void {
  if (opts.status) {
    const initial = opts.initialStatus?.(obj, ctx);
    if (initial === undefined) delete (obj as KubeObject).status;
    else (obj as KubeObject).status = initial;
  }
  // Upstream kinds without generation tracking never carry one; a client cannot inject it.
  setGeneration(obj, opts.generation ? 1 : undefined);
}

export function prepareUpdate<T extends KubeObject>(obj: T, old: T, opts: StrategyOptions<T> = {}): void {
  if (opts.status) keepOldStatus(obj, old);
  // rest.BeforeUpdate: requests cannot update generation.
  setGeneration(obj, old.metadata.generation);
  if (opts.generation && specChanged(obj, old)) {
    meta(obj).generation = (old.metadata.generation ?? 0) + 1;
  }
}

export function prepareStatusUpdate<T extends KubeObject>(obj: T, old: T, _opts: StrategyOptions<T> = {}): void {
  keepOldSpec(obj, old);
  setGeneration(obj, old.metadata.generation);
}

/** A KindDefinition.prepare implementing the three cases above, plus the kind's `extra` hook. */
export function standardPrepare<T extends KubeObject>(opts: StrategyOptions<T> = {}): NonNullable<KindDefinition<T>['prepare']> {
  return (obj, old, ctx) => {
    if (ctx.operation === 'create' || old === undefined) prepareCreate(obj, ctx, opts);
    else if (ctx.operation === 'status') prepareStatusUpdate(obj, old, opts);
    else prepareUpdate(obj, old, opts);
    opts.extra?.(obj, old, ctx);
  };
}

// ---- metadata validation shared by the kinds ----------------------------------------------------

/**
 * upstream's per-kind ValidateObjectMeta (create) / ValidateObjectMetaUpdate + ValidateObjectMeta
 * (update), with the kind's name rule. Kinds call this first in their validate().
 */
export function validateMeta(
  obj: KubeObject,
  old: KubeObject | undefined,
  opts: ObjectMetaOptions,
): FieldError[] {
  if (!old) return validateObjectMeta(obj.metadata, opts);
  return [
    ...validateObjectMetaUpdate(obj.metadata, old.metadata),
    ...validateObjectMeta(obj.metadata, opts).filter((e) => !e.field.startsWith('metadata.labels') && !e.field.startsWith('metadata.annotations') && !e.field.startsWith('metadata.ownerReferences')),
  ];
}
