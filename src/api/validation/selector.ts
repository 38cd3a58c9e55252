// Label selectors as the workload kinds need them: upstream's LabelSelectorAsSelector (conversion
// that can fail), matching against a label set, the canonical string form (`app=web,tier in (a,b)`,
// used by tables and the scale subresource), strict selector validation, and the Go %#v texts that
// upstream prints as the bad value of selector/label errors.
import { field, GoValue, type FieldError } from '../../machinery/errors.js';
import { isQualifiedName, isValidLabelValue, validateLabels } from '../../machinery/validation.js';
import type { LabelSelector, LabelSelectorRequirement } from 'kubernetes-types/meta/v1.js';

export type Requirement = { key: string; op: '=' | 'in' | 'notin' | 'exists' | '!'; values: string[] };

/**
 * upstream metav1.LabelSelectorAsSelector: nil → null ("Nothing": matches nothing, not empty);
 * `{}` → [] ("Everything"); an invalid operator or In/NotIn without values → an error string.
 */
export function selectorRequirements(sel: LabelSelector | undefined | null): Requirement[] | null | { error: string } {
  if (sel === undefined || sel === null) return null;
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) reqs.push({ key: k, op: '=', values: [v] });
  for (const e of sel.matchExpressions ?? []) {
    const values = [...(e.values ?? [])];
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) return { error: 'for \'in\', \'notin\' operators, values set can\'t be empty' };
        reqs.push({ key: e.key, op: e.operator === 'In' ? 'in' : 'notin', values: values.sort() });
        break;
      case 'Exists':
        reqs.push({ key: e.key, op: 'exists', values: [] });
        break;
      case 'DoesNotExist':
        reqs.push({ key: e.key, op: '!', values: [] });
        break;
      default:
        return { error: `${JSON.stringify(e.operator)} is not a valid label selector operator` };
    }
  }
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs;
}

/** Does `sel` (already converted) select `labels`? null (nil selector) selects nothing. */
export function requirementsMatch(reqs: Requirement[] | null, labels: Record<string, string> | undefined | null): boolean {
  if (reqs === null) return false;
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case '=': return has && l[r.key] === r.values[0];
      case 'in': return has && r.values.includes(l[r.key]!);
      case 'notin': return !has || !r.values.includes(l[r.key]!);
      case 'exists': return has;
      case '!': return !has;
    }
  });
}

export function selectorMatches(sel: LabelSelector | undefined | null, labels: Record<string, string> | undefined | null): boolean {
  const reqs = selectorRequirements(sel);
  if (reqs !== null && !Array.isArray(reqs)) return false;
  return requirementsMatch(reqs, labels);
}

/** labels.Selector.String(): requirements sorted by key, comma-joined. */
export function selectorString(sel: LabelSelector | undefined | null): string {
  const reqs = selectorRequirements(sel);
  if (reqs === null || !Array.isArray(reqs)) return '';
  return reqs
    .map((r) => {
      switch (r.op) {
        case '=': return `${r.key}=${r.values[0]}`;
        case 'in': return `${r.key} in (${r.values.join(',')})`;
        case 'notin': return `${r.key} notin (${r.values.join(',')})`;
        case 'exists': return r.key;
        case '!': return `!${r.key}`;
      }
    })
    .join(',');
}

/** metav1.FormatLabelSelector, as printed in the wide SELECTOR column: `<none>` when empty. */
export function formatLabelSelector(sel: LabelSelector | undefined | null): string {
  const reqs = selectorRequirements(sel);
  if (reqs !== null && !Array.isArray(reqs)) return '<error>';
  const s = selectorString(sel);
  return s === '' ? '<none>' : s;
}

/** upstream ValidateLabelSelector with AllowInvalidLabelValueInSelector=false (the apps kinds). */
export function validateLabelSelector(sel: LabelSelector | undefined | null, path: string): FieldError[] {
  const out: FieldError[] = [];
  if (!sel) return out;
  out.push(...validateLabels(sel.matchLabels, `${path}.matchLabels`));
  (sel.matchExpressions ?? []).forEach((e, i) => out.push(...validateRequirement(e, `${path}.matchExpressions[${i}]`)));
  return out;
}

function validateRequirement(r: LabelSelectorRequirement, path: string): FieldError[] {
  const out: FieldError[] = [];
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) out.push(field.required(`${path}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) out.push(field.forbidden(`${path}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    default:
      out.push(field.invalid(`${path}.operator`, r.operator, 'not a valid selector operator'));
  }
  for (const m of isQualifiedName(r.key ?? '')) out.push(field.invalid(`${path}.key`, r.key, m));
  values.forEach((v, i) => {
    for (const m of isValidLabelValue(v)) out.push(field.invalid(`${path}.values[${i}]`, v, m));
  });
  return out;
}

// ---- Go %#v texts --------------------------------------------------------------------------------

const q = (s: string) => JSON.stringify(s);

/** %#v of a map[string]string (Go prints maps with sorted keys). */
export function goStringMap(m: Record<string, string> | undefined | null): string {
  if (!m) return 'map[string]string(nil)';
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${q(k)}:${q(m[k]!)}`).join(', ')}}`;
}

export function goStringSlice(v: string[] | undefined | null): string {
  return v ? `[]string{${v.map(q).join(', ')}}` : '[]string(nil)';
}

/** %#v of a (dereferenced) metav1.LabelSelector. */
export function goLabelSelector(sel: LabelSelector): string {
  const exprs = sel.matchExpressions
    ? `[]v1.LabelSelectorRequirement{${sel.matchExpressions
        .map((e) => `v1.LabelSelectorRequirement{Key:${q(e.key ?? '')}, Operator:${q(e.operator ?? '')}, Values:${goStringSlice(e.values)}}`)
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${goStringMap(sel.matchLabels)}, MatchExpressions:${exprs}}`;
}

export const goValue = (text: string) => new GoValue(text);
