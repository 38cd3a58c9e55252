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
