// RFC 7386 JSON Merge Patch (application/merge-patch+json): objects merge recursively, null
// deletes a key, anything else (lists included) replaces. Used by `kubectl label/annotate/scale`,
// `patch --type=merge` and client-side apply of CRDs.
import { clone, getOwn, setOwn } from '../object.js';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Apply a merge patch. Inputs are not modified. A non-object patch replaces the document. */
export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return clone(patch);
  const out: Record<string, unknown> = isObj(doc) ? clone(doc) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else setOwn(out, k, applyMergePatch(getOwn(out, k), v));
  }
  return out;
}
