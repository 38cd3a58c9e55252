// Label selectors as upstream k8s.io/apimachinery/pkg/labels: the string grammar of
// `?labelSelector=` / `kubectl -l` (=, ==, !=, in, notin, key, !key, gt, lt; comma = AND), matching,
// canonical String(), and conversion from a metav1.LabelSelector object. Error texts are upstream's
// so a bad selector answers the same 400 BadRequest message.
import type { LabelSelector as MetaLabelSelector, LabelSelectorRequirement } from 'kubernetes-types/meta/v1.js';
import { errors, field, type FieldError } from './errors.js';
import { isQualifiedName, isValidLabelValue, validateLabels } from './validation.js';

export type Operator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  key: string;
  operator: Operator;
  /** Sorted and de-duplicated, as upstream stores them. */
  values: string[];
}

export type Labels = Record<string, string> | undefined | null;

/** A parsed selector: requirements ANDed. `nothing` matches no object at all. */
export class Selector {
  constructor(readonly requirements: readonly Requirement[], readonly nothing = false) {}

  /** True for the selector that matches everything (no requirements). */
  empty(): boolean {
    return !this.nothing && this.requirements.length === 0;
  }

  matches(labels: Labels): boolean {
    if (this.nothing) return false;
    const ls = labels ?? {};
    return this.requirements.every((r) => requirementMatches(r, ls));
  }

  /** Upstream canonical string, e.g. `app=nginx,tier in (a,b),!legacy`. */
  toString(): string {
    if (this.nothing) return '';
    return this.requirements.map(requirementString).join(',');
  }

  /** The value a key is required to equal (=, ==, or `in` with one value), if any. */
  requiresExactMatch(key: string): string | undefined {
    // Upstream looks at the first requirement on the key only.
    const r = this.requirements.find((x) => x.key === key);
    if (r && (r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) return r.values[0];
    return undefined;
  }
}

export const everything = () => new Selector([]);
export const nothing = () => new Selector([], true);

function requirementMatches(r: Requirement, ls: Record<string, string>): boolean {
  const has = Object.hasOwn(ls, r.key);
  const v = ls[r.key];
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(v!);
    case 'notin':
    case '!=':
      return !has || !r.values.includes(v!);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || r.values.length !== 1) return false;
      const a = parseInt64(v!);
      const b = parseInt64(r.values[0]!);
      if (a === undefined || b === undefined) return false;
      return r.operator === 'gt' ? a > b : a < b;
    }
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go strconv.ParseInt(s, 10, 64): optional sign, decimal digits, int64 range. */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

function requirementString(r: Requirement): string {
  let s = r.operator === '!' ? '!' + r.key : r.key;
  switch (r.operator) {
    case '=': case '==': case '!=':
      return s + r.operator + r.values[0];
    case 'gt':
      return s + '>' + r.values[0];
    case 'lt':
      return s + '<' + r.values[0];
    case 'in': case 'notin':
      s += ` ${r.operator} `;
      return s + '(' + r.values.join(',') + ')';
    default:
      return s;
  }
}

// ---- Requirement construction with upstream validation ---------------------------------------

/** Go's %#v of a []string, as upstream prints the values in field errors. */
const goStrings = (vals: string[]) => `[]string{${vals.map((v) => JSON.stringify(v)).join(', ')}}`;

class RequirementError extends Error {}

const invalidText = (path: string, value: string, detail: string) => `${path}: Invalid value: ${value}: ${detail}`;

function validateKey(key: string, path: string): string | undefined {
  const errs = isQualifiedName(key);
  return errs.length ? invalidText(path, JSON.stringify(key), errs.join('; ')) : undefined;
}

/** upstream labels.NewRequirement: validates key, operator/values arity and label values. */
export function newRequirement(key: string, operator: Operator, values: string[]): Requirement {
  const errs: string[] = [];
  const k = validateKey(key, 'key');
  if (k) errs.push(k);
  switch (operator) {
    case 'in': case 'notin':
      if (values.length === 0) errs.push(invalidText('values', goStrings(values), "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=': case '==': case '!=':
      if (values.length !== 1) errs.push(invalidText('values', goStrings(values), 'exact-match compatibility requires one single value'));
      break;
    case 'exists': case '!':
      if (values.length !== 0) errs.push(invalidText('values', goStrings(values), 'values set must be empty for exists and does not exist'));
      break;
    case 'gt': case 'lt':
      if (values.length !== 1) errs.push(invalidText('values', goStrings(values), "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) errs.push(invalidText(`values[${i}]`, JSON.stringify(v), "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
    default:
      errs.push(`operator: Unsupported value: ${JSON.stringify(operator)}: supported values: "in", "notin", "=", "==", "!=", "exists", "!", "gt", "lt"`);
  }
  values.forEach((v, i) => {
    const ve = isValidLabelValue(v);
    if (ve.length) errs.push(invalidText(`values[${i}][${key}]`, JSON.stringify(v), ve.join('; ')));
  });
  if (errs.length === 1) throw new RequirementError(errs[0]);
  if (errs.length > 1) throw new RequirementError(`[${errs.join(', ')}]`);
  return { key, operator, values: [...new Set(values)].sort() };
}

const byKey = (a: Requirement, b: Requirement) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

// ---- lexer ----------------------------------------------------------------------------------

type Tok = 'id' | 'eos' | ',' | '(' | ')' | '=' | '==' | '!=' | '!' | '>' | '<' | 'in' | 'notin' | 'error';
interface Item { tok: Tok; lit: string }

const specials = ['!', '!=', '(', ')', ',', '=', '==', '>', '<'];
const isWhitespace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isSpecial = (c: string) => '=!(),><'.includes(c);

function lex(s: string): Item[] {
  const out: Item[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && isWhitespace(s[i]!)) i++;
    if (i >= s.length) {
      out.push({ tok: 'eos', lit: '' });
      return out;
    }
    const c = s[i]!;
    if (isSpecial(c)) {
      // Longest special symbol starting here.
      let lit = c;
      i++;
      while (i < s.length && isSpecial(s[i]!) && specials.some((sp) => sp.startsWith(lit + s[i]))) lit += s[i++];
      out.push({ tok: specials.includes(lit) ? (lit as Tok) : 'error', lit });
      continue;
    }
    let j = i;
    while (j < s.length && !isWhitespace(s[j]!) && !isSpecial(s[j]!)) j++;
    const lit = s.slice(i, j);
    i = j;
    out.push({ tok: lit === 'in' ? 'in' : lit === 'notin' ? 'notin' : 'id', lit });
  }
}

// ---- parser ---------------------------------------------------------------------------------

class Parser {
  private pos = 0;
  constructor(private readonly items: Item[]) {}

  /** In value context, the keywords `in`/`notin` are plain identifiers. */
  private look(values: boolean): Item {
    const it = this.items[this.pos]!;
    return values && (it.tok === 'in' || it.tok === 'notin') ? { tok: 'id', lit: it.lit } : it;
  }
  private next(values: boolean): Item {
    const it = this.look(values);
    if (this.pos < this.items.length - 1) this.pos++;
    return it;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const t = this.look(true);
      if (t.tok === 'id' || t.tok === '!') {
        let r: Requirement;
        try {
          r = this.requirement();
        } catch (e) {
          throw new RequirementError(`unable to parse requirement: ${(e as Error).message}`);
        }
        reqs.push(r);
        const n = this.next(true);
        if (n.tok === 'eos') return reqs;
        if (n.tok === ',') {
          const n2 = this.look(true);
          if (n2.tok !== 'id' && n2.tok !== '!') throw new RequirementError(`found '${n2.lit}', expected: identifier after ','`);
          continue;
        }
        throw new RequirementError(`found '${n.lit}', expected: ',' or 'end of string'`);
      }
      if (t.tok === 'eos') return reqs;
      throw new RequirementError(`found '${t.lit}', expected: !, identifier, or 'end of string'`);
    }
  }

  private requirement(): Requirement {
    let op: Operator | undefined;
    let t = this.next(true);
    if (t.tok === '!') {
      op = '!';
      t = this.next(true);
    }
    if (t.tok !== 'id') throw new RequirementError(`found '${t.lit}', expected: identifier`);
    const key = t.lit;
    const ke = validateKey(key, '<nil>');
    if (ke) throw new RequirementError(ke);
    const after = this.look(true).tok;
    if (after === 'eos' || after === ',') {
      if (op !== '!') op = 'exists';
    }
    if (op === 'exists' || op === '!') return newRequirement(key, op, []);

    const o = this.next(false);
    let operator: Operator;
    switch (o.tok) {
      case 'in': operator = 'in'; break;
      case 'notin': operator = 'notin'; break;
      case '=': operator = '='; break;
      case '==': operator = '=='; break;
      case '!=': operator = '!='; break;
      case '>': operator = 'gt'; break;
      case '<': operator = 'lt'; break;
      default:
        throw new RequirementError(`found '${o.lit}', expected: in, notin, =, ==, !=, gt, lt`);
    }
    const values = operator === 'in' || operator === 'notin' ? this.setValues() : this.exactValue();
    return newRequirement(key, operator, values);
  }

  private setValues(): string[] {
    const t = this.next(true);
    if (t.tok !== '(') throw new RequirementError(`found '${t.lit}' expected: '('`);
    const la = this.look(true);
    if (la.tok === 'id' || la.tok === ',') {
      const s = this.identifiersList();
      const close = this.next(true);
      if (close.tok !== ')') throw new RequirementError(`found '${la.lit}', expected: ')'`);
      return s;
    }
    if (la.tok === ')') {
      this.next(true);
      return [''];
    }
    throw new RequirementError(`found '${la.lit}', expected: ',', ')' or identifier`);
  }

  private identifiersList(): string[] {
    const s = new Set<string>();
    for (;;) {
      const t = this.next(true);
      if (t.tok === 'id') {
        s.add(t.lit);
        const n = this.look(true);
        if (n.tok === ',') continue;
        if (n.tok === ')') return [...s];
        throw new RequirementError(`found '${n.lit}', expected: ',' or ')'`);
      } else if (t.tok === ',') {
        if (s.size === 0) s.add('');
        const n = this.look(true);
        if (n.tok === ')') {
          s.add('');
          return [...s];
        }
        if (n.tok === ',') {
          this.next(true);
          s.add('');
        }
      } else {
        throw new RequirementError(`found '${t.lit}', expected: ',', or identifier`);
      }
    }
  }

  private exactValue(): string[] {
    const la = this.look(true);
    if (la.tok === 'eos' || la.tok === ',') return [''];
    const t = this.next(true);
    if (t.tok === 'id') return [t.lit];
    throw new RequirementError(`found '${t.lit}', expected: identifier`);
  }
}

/**
 * Parse a label selector string (`?labelSelector=`). '' selects everything.
 * Throws a 400 BadRequest ApiError with upstream's message on bad input.
 */
export function parseSelector(selector: string): Selector {
  try {
    const reqs = new Parser(lex(selector)).parse();
    return new Selector(reqs.sort(byKey));
  } catch (e) {
    if (e instanceof RequirementError) throw errors.badRequest(e.message);
    throw e;
  }
}

/** Selector requiring key=value for every entry (upstream SelectorFromSet). */
export function selectorFromSet(set: Labels): Selector {
  return new Selector(Object.entries(set ?? {}).map(([k, v]) => ({ key: k, operator: '=' as Operator, values: [v] })).sort(byKey));
}

/**
 * upstream metav1.LabelSelectorAsSelector: null/undefined matches nothing, an empty selector
 * matches everything. Throws 400 BadRequest on invalid content.
 */
export function labelSelectorAsSelector(ls: MetaLabelSelector | null | undefined): Selector {
  if (ls === null || ls === undefined) return nothing();
  const ml = ls.matchLabels ?? {};
  const me = ls.matchExpressions ?? [];
  if (Object.keys(ml).length + me.length === 0) return everything();
  try {
    const reqs: Requirement[] = [];
    for (const [k, v] of Object.entries(ml)) reqs.push(newRequirement(k, '=', [v]));
    for (const e of me) {
      const op = ({ In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' } as Record<string, Operator>)[e.operator];
      if (!op) throw new RequirementError(`${JSON.stringify(e.operator)} is not a valid label selector operator`);
      reqs.push(newRequirement(e.key, op, [...(e.values ?? [])]));
    }
    return new Selector(reqs.sort(byKey));
  } catch (e) {
    if (e instanceof RequirementError) throw errors.badRequest(e.message);
    throw e;
  }
}

/** upstream metav1.FormatLabelSelector (kubectl describe): "<none>" when empty, "<error>" if invalid. */
export function formatLabelSelector(ls: MetaLabelSelector | null | undefined): string {
  try {
    return labelSelectorAsSelector(ls).toString() || '<none>';
  } catch {
    return '<error>';
  }
}

/** upstream metav1validation.ValidateLabelSelector (spec.selector of workloads). */
export function validateLabelSelector(ls: MetaLabelSelector | null | undefined, path: string, opts: { allowInvalidLabelValueInSelector?: boolean } = {}): FieldError[] {
  if (!ls) return [];
  const out = validateLabels(ls.matchLabels, `${path}.matchLabels`);
  (ls.matchExpressions ?? []).forEach((e, i) => out.push(...validateRequirement(e, `${path}.matchExpressions[${i}]`, opts)));
  return out;
}

function validateRequirement(sr: LabelSelectorRequirement, path: string, opts: { allowInvalidLabelValueInSelector?: boolean }): FieldError[] {
  const out: FieldError[] = [];
  const vals = sr.values ?? [];
  switch (sr.operator) {
    case 'In': case 'NotIn':
      if (vals.length === 0) out.push(field.required(`${path}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists': case 'DoesNotExist':
      if (vals.length > 0) out.push(field.forbidden(`${path}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    default:
      out.push(field.invalid(`${path}.operator`, sr.operator, 'not a valid selector operator'));
  }
  for (const m of isQualifiedName(sr.key ?? '')) out.push(field.invalid(`${path}.key`, sr.key, m));
  if (!opts.allowInvalidLabelValueInSelector) {
    vals.forEach((v, i) => {
      for (const m of isValidLabelValue(v)) out.push(field.invalid(`${path}.values[${i}]`, v, m));
    });
  }
  return out;
}
