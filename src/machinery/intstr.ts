// IntOrString (k8s.io/apimachinery/pkg/util/intstr) helpers: maxSurge / maxUnavailable /
// PodDisruptionBudget values that are either an absolute count or a percentage of a total.
import { field, type FieldError } from './errors.js';
import { regexError } from './validation.js';

export type IntOrString = number | string;

export interface IntOrPercent {
  value: number;
  isPercent: boolean;
}

export class IntOrStringError extends Error {}

/** upstream getIntOrPercentValueSafely: integers as is, strings must be "<int>%". */
export function parseIntOrPercent(v: IntOrString): IntOrPercent {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new IntOrStringError('invalid value for IntOrString: invalid type: neither int nor percentage');
    return { value: v, isPercent: false };
  }
  if (typeof v !== 'string') throw new IntOrStringError('invalid value for IntOrString: invalid type: neither int nor percentage');
  if (!v.endsWith('%')) throw new IntOrStringError('invalid value for IntOrString: invalid type: string is not a percentage');
  const s = v.slice(0, -1);
  if (!/^[+-]?[0-9]+$/.test(s)) {
    throw new IntOrStringError(`invalid value for IntOrString: invalid value ${JSON.stringify(v)}: strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  }
  return { value: Number(s), isPercent: true };
}

/**
 * upstream GetScaledValueFromIntOrPercent: a percentage of `total`, rounded up or down
 * (Deployments round maxSurge up and maxUnavailable down; StatefulSet maxUnavailable rounds up).
 */
export function getScaledValueFromIntOrPercent(v: IntOrString | undefined | null, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) throw new IntOrStringError('nil value for IntOrString');
  const { value, isPercent } = parseIntOrPercent(v);
  if (!isPercent) return value;
  // Same float arithmetic as upstream (value * total / 100), then ceil/floor.
  const x = (value * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

export const valueOrDefault = (v: IntOrString | undefined | null, d: IntOrString): IntOrString => (v === undefined || v === null ? d : v);

/**
 * Deployment rolling-update fenceposts (upstream deploymentutil.ResolveFenceposts): surge rounds
 * up, unavailable rounds down, and both resolving to zero means unavailable = 1.
 */
export function resolveFenceposts(maxSurge: IntOrString | undefined | null, maxUnavailable: IntOrString | undefined | null, desired: number): { surge: number; unavailable: number } {
  const surge = getScaledValueFromIntOrPercent(valueOrDefault(maxSurge, 0), desired, true);
  let unavailable = getScaledValueFromIntOrPercent(valueOrDefault(maxUnavailable, 0), desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** StatefulSet rollingUpdate.maxUnavailable (default 1, rounded up, at least 1). */
export function statefulSetMaxUnavailable(maxUnavailable: IntOrString | undefined | null, replicas: number): number {
  const n = getScaledValueFromIntOrPercent(valueOrDefault(maxUnavailable, 1), replicas, true);
  return n < 1 ? 1 : n;
}

const percentFmt = '[0-9]+%';
const percentErrMsg = "a valid percent string must be a numeric string followed by an ending '%'";

export function isValidPercent(s: string): string[] {
  return /^[0-9]+%$/.test(s) ? [] : [regexError(percentErrMsg, percentFmt, '1%', '93%')];
}

/** upstream ValidatePositiveIntOrPercent (non-negative int, or a valid percent string). */
export function validatePositiveIntOrPercent(v: unknown, path: string): FieldError[] {
  if (typeof v === 'string') return isValidPercent(v).map((m) => field.invalid(path, v, m));
  if (typeof v === 'number' && Number.isInteger(v)) return v < 0 ? [field.invalid(path, v, 'must be greater than or equal to 0')] : [];
  return [field.invalid(path, v, "must be an integer or percentage (e.g '5%')")];
}

/** upstream IsNotMoreThan100Percent. */
export function validateNotMoreThan100Percent(v: unknown, path: string): FieldError[] {
  if (typeof v !== 'string' || !/^[0-9]+%$/.test(v)) return [];
  return Number(v.slice(0, -1)) > 100 ? [field.invalid(path, v, 'must not be greater than 100%')] : [];
}
