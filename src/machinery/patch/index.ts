// Patch entry points for the API server: one function per PATCH Content-Type.
import { errors } from '../errors.js';
import { applyJsonPatch } from './json-patch.js';
import { applyMergePatch } from './merge-patch.js';
import { applyStrategicMergePatch } from './strategic.js';
import type { PatchSchemaNode } from './schema.js';

export { applyJsonPatch, decodeJsonPatch, parsePointer, patchApplyError, MaxJsonPatchOperations } from './json-patch.js';
export { applyMergePatch } from './merge-patch.js';
export { applyStrategicMergePatch } from './strategic.js';
export { schemaFromPlain, strategyOf, type PatchSchemaNode, type PlainPatchSchema } from './schema.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export const patchContentTypes: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

/** Decode a PATCH body as JSON; malformed input is 400 BadRequest. */
export function parsePatchBody(body: string | Uint8Array): unknown {
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw errors.badRequest(`error decoding patch: ${(e as Error).message}`);
  }
}

/**
 * Apply a decoded patch of the given type to a JSON object. Server-side apply is not handled
 * here (the API server answers 415 for it until it exists).
 */
export function applyPatch(type: Exclude<PatchType, 'apply'>, original: unknown, patch: unknown, schema?: PatchSchemaNode): unknown {
  switch (type) {
    case 'json':
      return applyJsonPatch(original, patch);
    case 'merge':
      return applyMergePatch(original, patch);
    case 'strategic':
      return applyStrategicMergePatch(original, patch, schema);
  }
}
