// Label and field selectors as the API server applies them to list/watch requests.
// Field selectors are kind-specific (metadata.name, metadata.namespace, plus the kind's own labels);
// an unknown label answers upstream's `field label not supported: <label>`.
import type { KindDefinition } from '../api/kind.js';
import type { KubeObject } from '../machinery/object.js';
import { errors } from '../machinery/errors.js';

type Req = { key: string; op: 'in' | 'notin' | 'exists' | '!' | '=' | '!=' | 'gt' | 'lt'; values: string[] };

/** Parses the label selector syntax (`k=v, k==v, k!=v, k in (a,b), k notin (a), k, !k, k>1`). */
export function parseLabelSelector(s: string): Req[] {
  const out: Req[] = [];
  let i = 0;
  const n = s.length;
  const ws = () => { while (i < n && s[i] === ' ') i++; };
  const ident = (): string => {
    const st = i;
    while (i < n && /[A-Za-z0-9_.\-/]/.test(s[i]!)) i++;
    return s.slice(st, i);
  };
  const bad = (why: string) => errors.badRequest(`unable to parse requirement: ${why}`);
  while (true) {
    ws();
    if (i >= n) break;
    let neg = false;
    if (s[i] === '!') { neg = true; i++; ws(); }
    const key = ident();
    if (!key) throw bad(`found '${s[i] ?? ''}', expected: identifier`);
    ws();
    if (neg) {
      out.push({ key, op: '!', values: [] });
    } else if (i >= n || s[i] === ',') {
      out.push({ key, op: 'exists', values: [] });
    } else if (s.startsWith('==', i) || s.startsWith('!=', i) || s[i] === '=') {
      const op = s.startsWith('!=', i) ? '!=' : '=';
      i += s.startsWith('==', i) || s.startsWith('!=', i) ? 2 : 1;
      ws();
      const v = ident();
      out.push({ key, op, values: [v] });
    } else if (s[i] === '>' || s[i] === '<') {
      const op = s[i] === '>' ? 'gt' : 'lt';
      i++;
      ws();
      const v = ident();
      if (!/^-?\d+$/.test(v)) throw bad(`for 'Gt', 'Lt' operators, the value must be an integer`);
      out.push({ key, op, values: [v] });
    } else {
      const word = ident();
      if (word !== 'in' && word !== 'notin') throw bad(`found '${word || s[i]}', expected: '=', '!=', '==', 'in', notin'`);
      ws();
      if (s[i] !== '(') throw bad(`found '${s[i] ?? ''}', expected: '('`);
      i++;
      const values: string[] = [];
      while (true) {
        ws();
        values.push(ident());
        ws();
        if (s[i] === ',') { i++; continue; }
        if (s[i] === ')') { i++; break; }
        throw bad(`found '${s[i] ?? ''}', expected: ',', ')' or identifier`);
      }
      out.push({ key, op: word, values });
    }
    ws();
    if (i < n) {
      if (s[i] !== ',') throw bad(`found '${s[i]}', expected: ',' or 'end of string'`);
      i++;
    }
  }
  return out;
}

export function labelsMatch(reqs: Req[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const r of reqs) {
    const has = Object.hasOwn(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case 'exists': if (!has) return false; break;
      case '!': if (has) return false; break;
      case '=': case 'in': if (!has || !r.values.includes(v!)) return false; break;
      case '!=': case 'notin': if (has && r.values.includes(v!)) return false; break;
      case 'gt': if (!has || !(Number(v) > Number(r.values[0]))) return false; break;
      case 'lt': if (!has || !(Number(v) < Number(r.values[0]))) return false; break;
    }
  }
  return true;
}

interface FieldReq { field: string; op: '=' | '!='; value: string }

function unescapeField(v: string): string {
  return v.replace(/\\(.)/g, '$1');
}

export function parseFieldSelector(s: string): FieldReq[] {
  const out: FieldReq[] = [];
  if (!s.trim()) return out;
  // Split on unescaped commas.
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && i + 1 < s.length) { cur += s[i]! + s[i + 1]!; i++; continue; }
    if (s[i] === ',') { parts.push(cur); cur = ''; continue; }
    cur += s[i];
  }
  parts.push(cur);
  for (const p of parts) {
    const m = /^\s*([^=!\s]+)\s*(==|!=|=)\s*(.*?)\s*$/.exec(p);
    if (!m) throw errors.badRequest(`invalid selector: '${s}'; can't understand '${p}'`);
    out.push({ field: m[1]!, op: m[2] === '!=' ? '!=' : '=', value: unescapeField(m[3]!) });
  }
  return out;
}

export type Matcher = (obj: KubeObject) => boolean;

/** The matcher of no selectors: callers compare with it to skip work only a selector needs. */
export const matchAll: Matcher = () => true;

/** Compiles both selectors for a kind; throws 400 on syntax errors or unsupported field labels. */
export function compileSelectors(kind: KindDefinition, labelSelector: string, fieldSelector: string): Matcher {
  const lreqs = labelSelector ? parseLabelSelector(labelSelector) : [];
  const freqs = parseFieldSelector(fieldSelector);
  const getters: ((o: KubeObject) => string)[] = [];
  for (const r of freqs) {
    let g: ((o: KubeObject) => string) | undefined;
    if (r.field === 'metadata.name') g = (o) => o.metadata.name ?? '';
    else if (r.field === 'metadata.namespace') g = (o) => (kind.namespaced ? o.metadata.namespace ?? '' : '');
    else g = kind.fieldSelectors?.[r.field];
    if (!g) throw errors.badRequest(`field label not supported: ${r.field}`);
    getters.push(g);
  }
  if (!lreqs.length && !freqs.length) return matchAll;
  return (o) => {
    if (lreqs.length && !labelsMatch(lreqs, o.metadata.labels as Record<string, string> | undefined)) return false;
    for (let i = 0; i < freqs.length; i++) {
      let v: string;
      try { v = getters[i]!(o); } catch { v = ''; }
      const r = freqs[i]!;
      if (r.op === '=' ? v !== r.value : v === r.value) return false;
    }
    return true;
  };
}

/** The name a field selector pins (`metadata.name=x`), used to narrow single-object watches. */
export function pinnedName(fieldSelector: string): string | undefined {
  try {
    return parseFieldSelector(fieldSelector).find((r) => r.field === 'metadata.name' && r.op === '=')?.value;
  } catch {
    return undefined;
  }
}

/** Serializes a LabelSelector object the way upstream's FormatLabelSelector does (for Scale.status.selector). */
export function formatLabelSelector(sel: unknown): string {
  if (typeof sel === 'string') return sel;
  if (!sel || typeof sel !== 'object') return '';
  const s = sel as { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
  const parts: string[] = [];
  for (const k of Object.keys(s.matchLabels ?? {}).sort()) parts.push(`${k}=${s.matchLabels![k]}`);
  for (const e of s.matchExpressions ?? []) {
    const vals = [...(e.values ?? [])].sort().join(',');
    switch (e.operator) {
      case 'In': parts.push(`${e.key} in (${vals})`); break;
      case 'NotIn': parts.push(`${e.key} notin (${vals})`); break;
      case 'Exists': parts.push(e.key); break;
      case 'DoesNotExist': parts.push(`!${e.key}`); break;
    }
  }
  return parts.join(',');
}
