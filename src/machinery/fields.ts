// Field selectors as upstream k8s.io/apimachinery/pkg/fields: `a=b`, `a==b`, `a!=b`, comma = AND,
// `\` escapes `\`, `,` and `=` in values. Matching is against a getter so each kind decides which
// field labels it supports; the server rejects others with fieldLabelNotSupported().
import { errors, type ApiError } from './errors.js';

export interface FieldTerm {
  field: string;
  operator: '=' | '!=';
  value: string;
}

export type FieldGetter = (fieldLabel: string) => string | undefined;

export class FieldSelector {
  constructor(readonly terms: readonly FieldTerm[]) {}

  empty(): boolean {
    return this.terms.length === 0;
  }

  /** Field labels the selector uses (to reject unsupported ones). */
  fields(): string[] {
    return [...new Set(this.terms.map((t) => t.field))];
  }

  /** A missing field compares as the empty string, as upstream's fields.Set does. */
  matches(get: FieldGetter): boolean {
    return this.terms.every((t) => ((get(t.field) ?? '') === t.value) === (t.operator === '='));
  }

  /** The value the field must equal, if the selector pins it (used to narrow lists). */
  requiresExactMatch(fieldLabel: string): string | undefined {
    return this.terms.find((t) => t.field === fieldLabel && t.operator === '=')?.value;
  }

  toString(): string {
    return this.terms.map((t) => `${t.field}${t.operator}${escapeValue(t.value)}`).join(',');
  }
}

/** Escape `\`, `,` and `=` in a value (upstream fields.EscapeValue). */
export function escapeValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => '\\' + c);
}

/** Upstream fields.UnescapeValue, with its error texts. */
export function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c === '\\' || c === ',' || c === '=') out += c;
      else throw errors.badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      inSlash = false;
      continue;
    }
    if (c === '\\') inSlash = true;
    // Go prints the rune with %v, i.e. its code point number.
    else if (c === ',' || c === '=') throw errors.badRequest(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    else out += c;
  }
  if (inSlash) throw errors.badRequest('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** Split on commas not preceded by an escaping backslash. */
function splitTerms(s: string): string[] {
  if (s === '') return [];
  const out: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (escaped) escaped = false;
    else if (c === '\\') escaped = true;
    else if (c === ',') {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

const termOperators = ['!=', '==', '='] as const;

function splitTerm(term: string): [string, string, string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of termOperators) if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
  }
  return undefined;
}

/** Parse `?fieldSelector=`. '' selects everything. Bad input → 400 BadRequest (upstream text). */
export function parseFieldSelector(selector: string): FieldSelector {
  const parts = splitTerms(selector).sort();
  const terms: FieldTerm[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const t = splitTerm(part);
    if (!t) throw errors.badRequest(`invalid selector: '${selector}'; can't understand '${part}'`);
    const [lhs, op, rhs] = t;
    terms.push({ field: lhs, operator: op === '!=' ? '!=' : '=', value: unescapeValue(rhs) });
  }
  return new FieldSelector(terms);
}

/** Selector requiring each field to equal the value (upstream fields.SelectorFromSet / OneTermEqualSelector). */
export function fieldSelectorFromSet(set: Record<string, string>): FieldSelector {
  return new FieldSelector(Object.keys(set).sort().map((k) => ({ field: k, operator: '=' as const, value: set[k]! })));
}

/** The 400 upstream answers for a field label the kind does not support. */
export function fieldLabelNotSupported(label: string): ApiError {
  return errors.badRequest(`field label not supported: ${label}`);
}

/** Throws fieldLabelNotSupported for the first label not in `supported`. */
export function checkFieldLabels(sel: FieldSelector, supported: Iterable<string>): void {
  const ok = new Set(supported);
  for (const f of sel.fields()) if (!ok.has(f)) throw fieldLabelNotSupported(f);
}
