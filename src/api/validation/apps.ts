// Checks shared by the apps/v1 workload kinds (upstream pkg/apis/apps/validation): selector
// required/non-empty/valid, template labels matched by the selector, the template's restartPolicy,
// status counters; plus the wide-column cells (CONTAINERS, IMAGES) the three printers share.
import { field, type FieldError } from '../../machinery/errors.js';
import type { WriteContext } from '../kind.js';
import { normalizeNulls } from '../defaults/podspec.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import {
  goLabelSelector, goStringMap, goValue, requirementsMatch, selectorRequirements, validateLabelSelector, type Requirement,
} from './selector.js';

/**
 * spec.selector checks (required, strict validation, non-empty) and the conversion. Returns the
 * errors and the converted selector (undefined when conversion failed; null for a nil selector,
 * which, as upstream's labels.Nothing(), matches no template labels).
 */
export function validateWorkloadSelector(
  sel: LabelSelector | undefined,
  path: string,
  kindWord: 'statefulset' | 'deployment',
  convertErrDetail: string,
): { errs: FieldError[]; reqs: Requirement[] | null | undefined } {
  const errs: FieldError[] = [];
  if (!sel) errs.push(field.required(path, ''));
  else {
    errs.push(...validateLabelSelector(sel, path));
    if (Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions?.length ?? 0) === 0) {
      errs.push(field.invalid(path, goValue(goLabelSelector(sel)), `empty selector is invalid for ${kindWord}`));
    }
  }
  const conv = selectorRequirements(sel);
  if (conv !== null && !Array.isArray(conv)) {
    errs.push(field.invalid(path, goValue(goLabelSelector(sel!)), convertErrDetail));
    return { errs, reqs: undefined };
  }
  return { errs, reqs: conv };
}

/** `selector` does not match template `labels` (skipped for an empty selector, as upstream). */
export function validateTemplateMatchesSelector(reqs: Requirement[] | null, t: PodTemplateSpec | undefined, path: string): FieldError[] {
  const empty = reqs !== null && reqs.length === 0;
  if (empty) return [];
  const labels = t?.metadata?.labels;
  if (requirementsMatch(reqs, labels)) return [];
  return [field.invalid(`${path}.metadata.labels`, goValue(goStringMap(labels)), '`selector` does not match template `labels`')];
}

export function validateNonnegative(v: number | undefined | null, path: string): FieldError[] {
  return typeof v === 'number' && v < 0 ? [field.invalid(path, v, 'must be greater than or equal to 0')] : [];
}

/** The status counters: each >= 0, and each listed one <= status.replicas. */
export function validateReplicaCounters(
  status: Record<string, unknown> | undefined,
  counters: string[],
  boundedByReplicas: string[],
): FieldError[] {
  const s = status ?? {};
  const out: FieldError[] = [];
  for (const c of counters) out.push(...validateNonnegative(s[c] as number | undefined, `status.${c}`));
  const replicas = (s.replicas as number | undefined) ?? 0;
  for (const c of boundedByReplicas) {
    const v = (s[c] as number | undefined) ?? 0;
    if (v > replicas) out.push(field.invalid(`status.${c}`, v, 'cannot be greater than status.replicas'));
  }
  return out;
}

/** IsDecremented(collisionCount): may not go down once set. */
export function validateCollisionCount(next: number | undefined, prev: number | undefined): FieldError[] {
  if (prev === undefined || prev === null) return [];
  if (next === undefined || next === null || next < prev) return [field.invalid('status.collisionCount', next ?? 0, 'cannot be decremented')];
  return [];
}

/**
 * Upstream defaults while decoding, before PrepareForCreate/Update; the generation bump compares
 * defaulted specs. Defaulting is idempotent, so run it first whatever order the server uses
 * (not on /status writes, whose spec is replaced by the stored one).
 */
export function defaultedPrepare<T>(defaults: (obj: T) => void, prepare: (obj: T, old: T | undefined, ctx: WriteContext) => void) {
  return (obj: T, old: T | undefined, ctx: WriteContext) => {
    normalizeNulls(obj);
    if (ctx.operation !== 'status') defaults(obj);
    prepare(obj, old, ctx);
  };
}

/** The CONTAINERS and IMAGES wide cells: names and images of the template's containers, comma-joined. */
export function templateContainersImages(t: PodTemplateSpec | undefined): [string, string] {
  const cs = t?.spec?.containers ?? [];
  return [cs.map((c) => c.name).join(','), cs.map((c) => c.image ?? '').join(',')];
}

export const containersColumn = {
  name: 'Containers', type: 'string', priority: 1, description: 'Names of each container in the template.',
} as const;
export const imagesColumn = {
  name: 'Images', type: 'string', priority: 1, description: 'Images referenced by each container in the template.',
} as const;
export const selectorColumn = {
  name: 'Selector', type: 'string', priority: 1, description: 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.',
} as const;
