// LabelSelector objects (matchLabels + matchExpressions) as predicates. Kept local and tiny; the
// controller only needs matching (invalid selectors make the set un-syncable, as upstream).
import type { LabelSelector } from './types.js';

export type LabelPredicate = (labels: Record<string, string> | undefined) => boolean;

/** A predicate, or an error message when the selector cannot be converted (bad operator). */
export function selectorPredicate(sel: LabelSelector | undefined): LabelPredicate | string {
  if (!sel) return () => false; // nil selector selects nothing
  const reqs: LabelPredicate[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) reqs.push((l) => l?.[k] === v);
  for (const e of sel.matchExpressions ?? []) {
    const vals = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!vals.length) return `for 'in', 'notin' operators, values set can't be empty`;
        reqs.push((l) => l !== undefined && e.key in l && vals.includes(l[e.key]!));
        break;
      case 'NotIn':
        if (!vals.length) return `for 'in', 'notin' operators, values set can't be empty`;
        reqs.push((l) => !(l && e.key in l) || !vals.includes(l[e.key]!));
        break;
      case 'Exists':
        reqs.push((l) => l !== undefined && e.key in l);
        break;
      case 'DoesNotExist':
        reqs.push((l) => !(l && e.key in l));
        break;
      default:
        return `"${e.operator}" is not a valid label selector operator`;
    }
  }
  // An empty selector matches everything (the API server rejects it for StatefulSets anyway).
  return (l) => {
    for (let i = 0; i < reqs.length; i++) if (!reqs[i]!(l)) return false;
    return true;
  };
}

/** The selector rendered as a label-selector string (`app=nginx,tier in (a,b)`), for list calls. */
export function selectorString(sel: LabelSelector | undefined): string {
  if (!sel) return '';
  const parts = Object.entries(sel.matchLabels ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    const vals = [...(e.values ?? [])].sort().join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${vals})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${vals})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}
