// Drops fields a kind's schema does not declare, as upstream's decoder does (an unknown field is
// never stored, whatever fieldValidation says; Strict/Warn only decide whether the client hears of it).
import type { Schema } from '../api/kind.js';
import { definition, deref } from '../api/openapi/index.js';

function freeForm(s: Schema): boolean {
  if (s['x-kubernetes-preserve-unknown-fields']) return true;
  return s.type === 'object' && !s.properties && s.additionalProperties === undefined;
}

function walk(field: Schema, value: unknown, depth: number): void {
  if (value === null || value === undefined || typeof value !== 'object' || depth > 100) return;
  const s = deref(field);
  if (!s || freeForm(s)) return;
  if (Array.isArray(value)) {
    if (s.type === 'array' && s.items) for (const v of value) walk(s.items, v, depth + 1);
    return;
  }
  const obj = value as Record<string, unknown>;
  if (s.properties) {
    for (const k of Object.keys(obj)) {
      const p = Object.hasOwn(s.properties, k) ? s.properties[k] : undefined;
      if (p) walk(p, obj[k], depth + 1);
      else if (!(depth === 0 && (k === 'apiVersion' || k === 'kind'))) delete obj[k];
    }
  } else if (s.additionalProperties && typeof s.additionalProperties === 'object') {
    for (const v of Object.values(obj)) walk(s.additionalProperties, v, depth + 1);
  }
}

/** Removes, in place, every field of `obj` unknown to the schema `openapiName` (no-op without a schema). */
export function pruneUnknownFields(openapiName: string, obj: unknown): void {
  const d = definition(openapiName);
  if (d) walk(d, obj, 0);
}

// ---- type checking (what Go's json decoder refuses) ----------------------------------------------

function jsonTypeOf(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v === 'boolean' ? 'bool' : typeof v; // string | number
}

function goTypeOf(field: Schema): string {
  if (field.$ref) return field.$ref.split('.').pop()!;
  const s = deref(field);
  if (!s) return 'interface {}';
  if (field.allOf?.length === 1 && field.allOf[0]!.$ref) return field.allOf[0]!.$ref.split('.').pop()!;
  switch (s.type) {
    case 'string': return 'string';
    case 'integer': return s.format === 'int64' ? 'int64' : 'int32';
    case 'number': return 'float64';
    case 'boolean': return 'bool';
    case 'array': return `[]${s.items ? goTypeOf(s.items) : 'interface {}'}`;
    case 'object':
      if (s.additionalProperties && typeof s.additionalProperties === 'object') return `map[string]${goTypeOf(s.additionalProperties)}`;
      return 'struct';
  }
  return 'interface {}';
}

/** Accepts `value` for the (dereferenced) schema `s`? */
function typeOk(s: Schema & { oneOf?: Schema[] }, value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (s.oneOf?.length) return s.oneOf.some((o) => typeOk(o, value));
  if (s['x-kubernetes-int-or-string']) return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));
  switch (s.type) {
    case 'object': return typeof value === 'object' && !Array.isArray(value);
    case 'array': return Array.isArray(value);
    case 'string': return typeof value === 'string';
    case 'integer': return typeof value === 'number' && Number.isInteger(value);
    case 'number': return typeof value === 'number';
    case 'boolean': return typeof value === 'boolean';
    default:
      if (s.properties) return typeof value === 'object' && !Array.isArray(value);
      return true;
  }
}

function firstTypeError(field: Schema, value: unknown, path: string, depth: number): string | undefined {
  if (value === null || value === undefined || depth > 100) return undefined;
  const s = deref(field) as (Schema & { oneOf?: Schema[] }) | undefined;
  if (!s || s['x-kubernetes-preserve-unknown-fields']) return undefined;
  if (!typeOk(s, value)) {
    const what = typeof value === 'number' && s.type === 'integer' ? `number ${value}` : jsonTypeOf(value);
    return `json: cannot unmarshal ${what} into Go struct field ${path} of type ${goTypeOf(field)}`;
  }
  if (Array.isArray(value)) {
    if (s.items) for (const v of value) { const e = firstTypeError(s.items, v, path, depth + 1); if (e) return e; }
    return undefined;
  }
  if (typeof value !== 'object') return undefined;
  const obj = value as Record<string, unknown>;
  if (s.properties) {
    for (const [k, v] of Object.entries(obj)) {
      const p = Object.hasOwn(s.properties, k) ? s.properties[k] : undefined;
      if (p) { const e = firstTypeError(p, v, `${path}.${k}`, depth + 1); if (e) return e; }
    }
  } else if (s.additionalProperties && typeof s.additionalProperties === 'object') {
    for (const v of Object.values(obj)) { const e = firstTypeError(s.additionalProperties, v, path, depth + 1); if (e) return e; }
  }
  return undefined;
}

/**
 * The first value whose JSON type the kind's schema does not allow, worded as Go's decoder does
 * (`json: cannot unmarshal string into Go struct field ConfigMap.data of type map[string]string`).
 */
export function typeError(openapiName: string, kindName: string, obj: unknown): string | undefined {
  const d = definition(openapiName);
  if (!d || !obj || typeof obj !== 'object') return undefined;
  const o = obj as Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) {
    if (k === 'apiVersion' || k === 'kind') continue;
    const p = d.properties && Object.hasOwn(d.properties, k) ? d.properties[k] : undefined;
    if (!p) continue;
    const e = firstTypeError(p, v, `${kindName}.${k}`, 1);
    if (e) return e;
  }
  return undefined;
}

// ---- all three in one pass (the hot path of every create and update) ----------------------------

/** What a decoded body holds that its schema does not allow (see inspectBody). */
export interface BodyInspection {
  /** The first value of a wrong JSON type, worded as typeError words it. */
  typeError?: string;
  /** Undeclared fields as unknownFields (api/openapi) reports them (empty unless asked for). */
  unknown: string[];
}

/**
 * typeError, then unknownFields (api/openapi) and pruneUnknownFields, in one walk over the body:
 * the first wrong JSON type ends the walk (the request fails with it); otherwise every undeclared
 * field is reported (when `collect`) with the path unknownFields gives it, and removed in place.
 * Same results as the three separate walks (test/unit/apiserver/inspect-body.test.ts).
 */
export function inspectBody(openapiName: string, kindName: string, obj: unknown, collect: boolean): BodyInspection {
  const out: BodyInspection = { unknown: [] };
  const d = definition(openapiName);
  if (!d) return out;
  if (!obj || typeof obj !== 'object' || Array.isArray(obj) || !d.properties || d.$ref || d.allOf || freeForm(d)) {
    // not the usual object body of a kind: the three walks one after another
    const te = typeError(openapiName, kindName, obj);
    if (te) return { typeError: te, unknown: [] };
    if (collect) out.unknown = unknownPaths(d, obj);
    walk(d, obj, 0);
    return out;
  }
  const o = obj as Record<string, unknown>;
  const unknown = collect ? out.unknown : undefined;
  for (const k of Object.keys(o)) {
    if (k === 'apiVersion' || k === 'kind') continue;
    const p = Object.hasOwn(d.properties, k) ? d.properties[k] : undefined;
    if (!p) { unknown?.push(k); delete o[k]; continue; }
    const e = inspect(p, o[k], kindName, '', PROP, k, 1, unknown);
    if (e) return { typeError: e, unknown: [] };
  }
  return out;
}

/**
 * How a value's paths extend its parent's: a property `.k` (both paths), an array item (`[i]` in
 * the unknown-field path only) or a map value (`[k]` likewise). Paths are built only when needed —
 * for an error, an unknown field, or a value with children — so scalar fields, most of a body,
 * cost no string work.
 */
const PROP = 0;
const ITEM = 1;
const MAP = 2;
type Seg = typeof PROP | typeof ITEM | typeof MAP;
const tpathOf = (ptpath: string, seg: Seg, key: string) => (seg === PROP ? `${ptpath}.${key}` : ptpath);
const upathOf = (pupath: string, seg: Seg, key: string) => (seg === PROP ? (pupath ? `${pupath}.${key}` : key) : `${pupath}[${key}]`);

/**
 * One value: its type as firstTypeError checks it (type path, depth as there), then its undeclared
 * fields as unknownFields reports them (unknown-field path) and pruneUnknownFields removes them.
 * The value's own paths are its parent's (`ptpath`, `pupath`) extended by `seg`/`key`.
 */
function inspect(
  field: Schema, value: unknown, ptpath: string, pupath: string, seg: Seg, key: string, depth: number, unknown: string[] | undefined,
): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (depth > 100) {
    // as deep as the separate walks go: no type check or pruning below, unknown fields still reported
    if (unknown) unknown.push(...unknownPaths(field, value, upathOf(pupath, seg, key)));
    return undefined;
  }
  const s = deref(field) as (Schema & { oneOf?: Schema[] }) | undefined;
  if (!s) return undefined;
  if (s['x-kubernetes-preserve-unknown-fields']) return undefined;
  if (!typeOk(s, value)) {
    const what = typeof value === 'number' && s.type === 'integer' ? `number ${value}` : jsonTypeOf(value);
    return `json: cannot unmarshal ${what} into Go struct field ${tpathOf(ptpath, seg, key)} of type ${goTypeOf(field)}`;
  }
  if (typeof value !== 'object' || freeForm(s)) return undefined;
  const tpath = tpathOf(ptpath, seg, key);
  const upath = upathOf(pupath, seg, key);
  if (Array.isArray(value)) {
    // unknownFields and pruning only look inside arrays their schema says are arrays
    const items = s.items;
    if (!items) return undefined;
    const inside = s.type === 'array';
    for (let i = 0; i < value.length; i++) {
      const e = inside ? inspect(items, value[i], tpath, upath, ITEM, String(i), depth + 1, unknown) : firstTypeError(items, value[i], tpath, depth + 1);
      if (e) return e;
    }
    return undefined;
  }
  const obj = value as Record<string, unknown>;
  if (s.properties) {
    for (const k of Object.keys(obj)) {
      const p = Object.hasOwn(s.properties, k) ? s.properties[k] : undefined;
      if (!p) { unknown?.push(`${upath}.${k}`); delete obj[k]; continue; }
      const e = inspect(p, obj[k], tpath, upath, PROP, k, depth + 1, unknown);
      if (e) return e;
    }
  } else if (s.additionalProperties && typeof s.additionalProperties === 'object') {
    for (const k of Object.keys(obj)) {
      const e = inspect(s.additionalProperties, obj[k], tpath, upath, MAP, k, depth + 1, unknown);
      if (e) return e;
    }
  }
  return undefined;
}

/** unknownFields' walk (collect only), for what inspectBody does not descend into. */
function unknownPaths(field: Schema, value: unknown, path = ''): string[] {
  const out: string[] = [];
  const rec = (f: Schema, v: unknown, p: string, top: boolean): void => {
    if (v === null || v === undefined) return;
    const s = deref(f);
    if (!s || freeForm(s)) return;
    if (Array.isArray(v)) {
      if (s.type !== 'array' || !s.items) return;
      v.forEach((x, i) => rec(s.items!, x, `${p}[${i}]`, false));
      return;
    }
    if (typeof v !== 'object') return;
    if (s.properties) {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        const q = Object.hasOwn(s.properties, k) ? s.properties[k] : undefined;
        const here = p ? `${p}.${k}` : k;
        if (q) rec(q, x, here, false);
        else if (!(top && (k === 'apiVersion' || k === 'kind'))) out.push(here);
      }
    } else if (s.additionalProperties && typeof s.additionalProperties === 'object') {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) rec(s.additionalProperties, x, `${p}[${k}]`, false);
    }
  };
  rec(field, value, path, path === '');
  return out;
}
