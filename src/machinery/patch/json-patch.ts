// RFC 6902 JSON Patch (application/json-patch+json), with RFC 6901 JSON pointers.
// Errors follow upstream's apiserver: a malformed patch document is 400 BadRequest; a patch that
// does not apply to the object is 422 with the generic "the server rejected our request" message
// and the detailed reason as a cause (what evanphx/json-patch reports upstream).
import { ApiError, errors, type Status } from '../errors.js';
import { clone, setOwn } from '../object.js';
import { deepEqual } from '../validation.js';

/** Upstream caps JSON patch operations at 10,000 (maxJSONPatchOperations). */
export const MaxJsonPatchOperations = 10000;

type Json = unknown;
interface Op { op: string; path?: unknown; from?: unknown; value?: unknown; [k: string]: unknown }

/** The 422 upstream answers when a well-formed JSON patch cannot be applied. */
export function patchApplyError(detail: string): ApiError {
  const s: Status = {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
    message: 'the server rejected our request due to an error in our request',
    reason: 'Invalid', code: 422,
    details: { causes: [{ reason: 'UnexpectedServerResponse', message: detail }] },
  };
  return new ApiError(s);
}

/** Parse an RFC 6901 pointer into unescaped reference tokens ('' → []). */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw patchApplyError(`JSON pointer must be empty or start with a "/": ${JSON.stringify(pointer)}`);
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

// Indices as evanphx/json-patch v4 reads them (strconv.Atoi; negative counts from the end).
function arrayIndex(token: string, len: number, forInsert: boolean): number {
  if (!/^[+-]?[0-9]+$/.test(token)) throw patchApplyError(`Unable to access invalid index: ${token}: invalid index referenced`);
  let i = Number(token);
  if (i < 0) {
    if (i < -len) throw patchApplyError(`Unable to access invalid index: ${i}: invalid index referenced`);
    i += len;
  }
  if (i > len || (!forInsert && i === len)) throw patchApplyError(`Unable to access invalid index: ${i}: invalid index referenced`);
  return i;
}

/** Walk to the parent container of the pointer's last token. */
function parentOf(doc: Json, tokens: string[], opName: string, path: string): Json {
  let cur = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(t, cur.length, false)];
    else if (isObj(cur) && Object.hasOwn(cur, t)) cur = cur[t];
    else throw patchApplyError(`${opName} operation does not apply: doc is missing path: ${JSON.stringify(path)}: missing value`);
  }
  if (!Array.isArray(cur) && !isObj(cur)) {
    throw patchApplyError(`${opName} operation does not apply: doc is missing path: ${JSON.stringify(path)}: missing value`);
  }
  return cur;
}

function getAt(doc: Json, path: string, opName: string): Json {
  let cur = doc;
  for (const t of parsePointer(path)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(t, cur.length, false)];
    else if (isObj(cur) && Object.hasOwn(cur, t)) cur = cur[t];
    else throw patchApplyError(`${opName} operation does not apply: doc is missing path: ${JSON.stringify(path)}: missing value`);
  }
  return cur;
}

function add(doc: Json, path: string, value: Json): Json {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return value;
  const parent = parentOf(doc, tokens, 'add', path);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    if (last === '-') parent.push(value);
    else parent.splice(arrayIndex(last, parent.length, true), 0, value);
  } else setOwn(parent as Record<string, unknown>, last, value);
  return doc;
}

function remove(doc: Json, path: string): Json {
  const tokens = parsePointer(path);
  if (tokens.length === 0) throw patchApplyError('remove operation does not apply: cannot remove the whole document');
  const parent = parentOf(doc, tokens, 'remove', path);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent.length, false), 1);
  else {
    const o = parent as Record<string, unknown>;
    if (!Object.hasOwn(o, last)) throw patchApplyError(`Unable to remove nonexistent key: ${last}: missing value`);
    delete o[last];
  }
  return doc;
}

function replace(doc: Json, path: string, value: Json): Json {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return value;
  const parent = parentOf(doc, tokens, 'replace', path);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) parent[arrayIndex(last, parent.length, false)] = value;
  else {
    const o = parent as Record<string, unknown>;
    if (!Object.hasOwn(o, last)) throw patchApplyError(`replace operation does not apply: doc is missing key: ${path}: missing value`);
    setOwn(o, last, value);
  }
  return doc;
}

function requireString(op: Op, key: 'path' | 'from'): string {
  const v = op[key];
  if (typeof v !== 'string') throw patchApplyError(`${op.op} operation failed to decode ${key}: missing value`);
  return v;
}

/** Validate the shape of a decoded JSON patch document (400 on anything malformed). */
export function decodeJsonPatch(patch: unknown): Op[] {
  if (!Array.isArray(patch)) throw errors.badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  if (patch.length > MaxJsonPatchOperations) {
    throw errors.tooLarge(`The allowed maximum operations in a JSON patch is ${MaxJsonPatchOperations}, got ${patch.length}`);
  }
  patch.forEach((op, i) => {
    if (!isObj(op)) throw errors.badRequest(`json patch operation ${i} is not an object`);
    if (typeof op.op !== 'string') throw errors.badRequest(`json patch operation ${i} is missing "op"`);
  });
  return patch as Op[];
}

/** Apply an RFC 6902 patch. The input document is not modified. */
export function applyJsonPatch(doc: unknown, patch: unknown): unknown {
  const ops = decodeJsonPatch(patch);
  let out: Json = clone(doc);
  ops.forEach((op) => {
    switch (op.op) {
      case 'add':
        // A missing value is null, as upstream's json-patch library reads it.
        out = add(out, requireString(op, 'path'), clone(op.value ?? null));
        break;
      case 'remove':
        out = remove(out, requireString(op, 'path'));
        break;
      case 'replace':
        out = replace(out, requireString(op, 'path'), clone(op.value ?? null));
        break;
      case 'move': {
        const from = requireString(op, 'from');
        const path = requireString(op, 'path');
        if (path !== from && path.startsWith(from + '/')) throw patchApplyError(`move operation does not apply: ${path} is a child of ${from}`);
        const v = getAt(out, from, 'move');
        out = remove(out, from);
        out = add(out, path, v);
        break;
      }
      case 'copy': {
        const v = getAt(out, requireString(op, 'from'), 'copy');
        out = add(out, requireString(op, 'path'), clone(v));
        break;
      }
      case 'test': {
        const path = requireString(op, 'path');
        // A missing member compares as null (upstream's library does the same); a missing parent fails.
        let cur: Json = null;
        const tokens = parsePointer(path);
        if (tokens.length === 0) cur = out;
        else {
          let parent: Json;
          try {
            parent = parentOf(out, tokens, 'test', path);
          } catch {
            throw patchApplyError(`test operation does not apply: is missing path: ${path}: missing value`);
          }
          const last = tokens[tokens.length - 1]!;
          if (Array.isArray(parent)) {
            try {
              cur = parent[arrayIndex(last, parent.length, false)];
            } catch {
              cur = null;
            }
          } else cur = Object.hasOwn(parent as object, last) ? (parent as Record<string, unknown>)[last] : null;
        }
        if (!deepEqual(cur ?? null, op.value ?? null)) throw patchApplyError(`testing value ${path} failed: test failed`);
        break;
      }
      default:
        throw patchApplyError(`Unexpected kind: ${op.op}: unknown object type`);
    }
  });
  return out;
}
