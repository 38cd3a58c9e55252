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
