// Strategic merge patch (application/strategic-merge-patch+json) with upstream semantics
// (k8s.io/apimachinery strategicpatch, apply side, MergeParallelList + IgnoreUnmatchedNulls):
//   - maps merge key by key; null deletes a key;
//   - lists whose field has patch strategy `merge` are merged: lists of maps by the merge key,
//     lists of scalars as a set union; other lists (and unknown fields) are replaced;
//   - directives: `$patch: replace|delete` on maps, `$patch: delete|replace` elements in merge
//     lists, `$setElementOrder/<list>`, `$retainKeys`, `$deleteFromPrimitiveList/<list>`.
// The result order of merged lists follows upstream (patch order and live order interleaved),
// because kubectl output and `kubectl apply` round-trips depend on it.
import { ApiError, errors } from '../errors.js';
import { clone, setOwn } from '../object.js';
import { strategyOf, type PatchSchemaNode } from './schema.js';
import { patchApplyError } from './json-patch.js';

type JsonMap = Record<string, unknown>;

const directiveMarker = '$patch';
const retainKeysDirective = '$retainKeys';
const setElementOrderPrefix = '$setElementOrder';
const deleteFromPrimitiveListPrefix = '$deleteFromPrimitiveList';

// Upstream mergepatch error texts.
const ErrBadPatchFormatForPrimitiveList = 'invalid patch format of primitive list';
const ErrBadPatchFormatForRetainKeys = 'invalid patch format of retainKeys';
const ErrBadPatchFormatForSetElementOrderList = 'invalid patch format of setElementOrder list';
const ErrNoListOfLists = 'lists of lists are not supported';

const isObj = (v: unknown): v is JsonMap => typeof v === 'object' && v !== null && !Array.isArray(v);

function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'ptr';
  if (Array.isArray(v)) return 'slice';
  if (typeof v === 'object') return 'map';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  return typeof v;
}
// JSON unmarshal in Go gives float64 for every number; mirror that in the type comparison.
const jsonType = (v: unknown) => (typeof v === 'number' ? 'number' : kindOf(v));

const badArgType = (expected: string, actual: unknown) => new SmpError(`expected a ${expected}, but received a ${kindOf(actual)}`);
const noMergeKey = (m: unknown, key: string) => new SmpError(`map: ${goMap(m)} does not contain declared merge key: ${key}`);

/** Approximates Go's %v of a map[string]interface{} for error texts. */
function goMap(v: unknown): string {
  if (isObj(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goMap(v[k])}`).join(' ')}]`;
  if (Array.isArray(v)) return `[${v.map(goMap).join(' ')}]`;
  if (v === null || v === undefined) return '<nil>';
  return String(v);
}

class SmpError extends Error {
  constructor(message: string, readonly code: 400 | 422 = 400) {
    super(message);
  }
}

/**
 * Apply a strategic merge patch to `original` (neither input is modified). `schema` describes the
 * top-level object; undefined ⇒ every list is replaced, as a JSON merge patch would.
 * Throws ApiError (400 BadRequest, or 422 for the cases upstream answers 422).
 */
export function applyStrategicMergePatch(original: unknown, patch: unknown, schema?: PatchSchemaNode): JsonMap {
  if (!isObj(patch)) {
    throw errors.badRequest(`json: cannot unmarshal ${Array.isArray(patch) ? 'array' : typeof patch === 'string' ? 'string' : patch === null ? 'null' : typeof patch} into Go value of type map[string]interface {}`);
  }
  const o = isObj(original) ? clone(original) : {};
  try {
    return mergeMap(o, clone(patch), mapValueSchema(schema));
  } catch (e) {
    if (e instanceof SmpError) throw e.code === 422 ? patchApplyError(e.message) : errors.badRequest(e.message);
    if (e instanceof ApiError) throw e;
    throw errors.badRequest(String((e as Error)?.message ?? e));
  }
}

function handleDirectiveInMergeMap(directive: unknown, patch: JsonMap): JsonMap {
  if (directive === 'replace') {
    delete patch[directiveMarker];
    return stripDirectives(patch) as JsonMap;
  }
  if (directive === 'delete') return {};
  throw new SmpError(`unknown patch type: ${String(directive)} in map: ${goMap(patch)}`);
}

function mergeMap(original: JsonMap | undefined, patch: JsonMap, schema: PatchSchemaNode | undefined): JsonMap {
  if (Object.hasOwn(patch, directiveMarker)) return handleDirectiveInMergeMap(patch[directiveMarker], patch);
  const out = original ?? {};

  applyRetainKeys(out, patch);
  mergeSetElementOrder(out, patch, schema);

  // Deletion lists run after the plain keys so a key and its delete list compose deterministically.
  const keys = Object.keys(patch);
  const ordered = [...keys.filter((k) => !k.startsWith(deleteFromPrimitiveListPrefix)), ...keys.filter((k) => k.startsWith(deleteFromPrimitiveListPrefix))];
  for (const rawKey of ordered) {
    const patchV = patch[rawKey];
    let k = rawKey;
    let isDeleteList = false;
    if (rawKey.startsWith(deleteFromPrimitiveListPrefix)) {
      k = extractKey(rawKey, deleteFromPrimitiveListPrefix, ErrBadPatchFormatForPrimitiveList);
      isDeleteList = true;
      if (!Array.isArray(patchV)) throw new SmpError(ErrBadPatchFormatForPrimitiveList);
    }

    if (patchV === null) {
      delete out[k];
      continue; // IgnoreUnmatchedNulls
    }

    if (!Object.hasOwn(out, k) || out[k] === undefined || jsonType(out[k]) !== jsonType(patchV)) {
      if (!isDeleteList) {
        const v = stripDirectives(discardNulls(patchV));
        if (v === DROP) delete out[k];
        else setOwn(out, k, v);
      }
      continue;
    }

    const sub = schema?.property(k);
    const strat = strategyOf(sub);
    if (isObj(patchV)) {
      setOwn(out, k, strat.replace ? stripDirectives(patchV) : mergeMap(out[k] as JsonMap, patchV, mapValueSchema(sub)));
    } else if (Array.isArray(patchV)) {
      setOwn(out, k, mergeSliceHandler(out[k] as unknown[], patchV, sub, isDeleteList));
    } else {
      setOwn(out, k, patchV);
    }
  }
  return out;
}

/**
 * The schema used inside a map-valued field: an object's own properties, or for free-form maps
 * (labels, annotations, data) the additionalProperties node. The PatchSchemaNode of a field
 * describes both, so descend by property and fall back to additionalProperties lazily.
 */
function mapValueSchema(node: PatchSchemaNode | undefined): PatchSchemaNode | undefined {
  if (!node) return undefined;
  return {
    patchStrategy: node.patchStrategy,
    patchMergeKey: node.patchMergeKey,
    property: (name) => node.property(name) ?? node.additionalProperties(),
    items: () => node.items(),
    additionalProperties: () => node.additionalProperties(),
  };
}

function mergeSliceHandler(original: unknown[], patch: unknown[], node: PatchSchemaNode | undefined, isDeleteList: boolean): unknown[] {
  const strat = strategyOf(node);
  if (strat.merge) return mergeSlice(original, patch, node?.patchMergeKey ?? '', mapValueSchema(node?.items()), isDeleteList);
  // A deletion list on a field we cannot merge still means "remove these values".
  if (isDeleteList) return deleteFromSlice(original, patch);
  return stripDirectives(patch) as unknown[];
}

function sliceElementKind(...lists: unknown[][]): string | undefined {
  let prev: string | undefined;
  for (const l of lists) {
    for (const v of l) {
      const t = jsonType(v);
      if (prev === undefined) {
        prev = t;
        if (t === 'slice') throw new SmpError(ErrNoListOfLists, 422);
      } else if (prev !== t) {
        throw new SmpError(`list element types are not identical: ${lists.map(goMap).join(' ')}`);
      }
    }
  }
  return prev;
}

function mergeSlice(original: unknown[], patch: unknown[], mergeKey: string, itemSchema: PatchSchemaNode | undefined, isDeleteList: boolean): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = sliceElementKind(original, patch);
  if (kind !== 'map') {
    if (isDeleteList) return deleteFromSlice(original, patch);
    const merged = dedupe([...original, ...patch]);
    const [patchItems, serverOnly] = partition(merged, patch, '', false);
    return normalizeElementOrder(patchItems, serverOnly, patch, original, '', false);
  }
  if (!mergeKey) throw new SmpError('cannot merge lists without merge key for type map');
  const s = new AliasedSlice(original);
  const plain = mergeSliceWithSpecialElements(s, patch, mergeKey);
  // The live order used below is the list right after the deletions (upstream's `original`).
  const live = s.view();
  mergeSliceWithoutSpecialElements(s, plain, mergeKey, itemSchema);
  const merged = s.view();
  const [patchItems, serverOnly] = partition(merged, plain, mergeKey, true);
  return normalizeElementOrder(patchItems, serverOnly, plain, live, mergeKey, true);
}

/**
 * Upstream edits merge lists in place with Go slice operations (`append(s[:i], s[i+1:]...)` to
 * delete, `append(s, v)` to add). When a `$setElementOrder` list is processed, the *caller's*
 * view of the live list therefore sees those writes (deleted slots shifted, new items written
 * into the freed tail), and that view decides where server-only items land. This class
 * reproduces those semantics on the caller's array (capacity = length, as after conversion).
 */
class AliasedSlice {
  private arr: unknown[];
  private len: number;
  private aliased = true;
  constructor(private readonly backing: unknown[]) {
    this.arr = backing;
    this.len = backing.length;
  }
  view(): unknown[] {
    return this.arr.slice(0, this.len);
  }
  find(key: string, value: unknown): number {
    return findByKey(this.view(), key, value);
  }
  get(i: number): unknown {
    return this.arr[i];
  }
  set(i: number, v: unknown): void {
    this.arr[i] = v;
  }
  /** append(s[:i], s[i+1:]...): shift left in place, the last slot keeps a stale copy. */
  deleteAt(i: number): void {
    this.arr.copyWithin(i, i + 1, this.len);
    this.len--;
  }
  /** append(s, v): writes into the caller's array while capacity allows, else reallocates. */
  append(v: unknown): void {
    if (this.aliased && this.len < this.backing.length) {
      this.arr[this.len++] = v;
      return;
    }
    if (this.aliased) {
      this.arr = this.arr.slice(0, this.len);
      this.aliased = false;
    }
    this.arr.push(v);
    this.len++;
  }
  replaceAll(items: unknown[]): void {
    this.arr = items;
    this.len = items.length;
    this.aliased = false;
  }
}

/** Applies `$patch: delete|replace` elements to `s`; returns the remaining plain patch items. */
function mergeSliceWithSpecialElements(s: AliasedSlice, patch: unknown[], mergeKey: string): unknown[] {
  const plain: unknown[] = [];
  let replace = false;
  for (const v of patch) {
    const m = v as JsonMap;
    if (!Object.hasOwn(m, directiveMarker)) {
      plain.push(v);
      continue;
    }
    switch (m[directiveMarker]) {
      case 'delete':
        if (!Object.hasOwn(m, mergeKey)) throw noMergeKey(m, mergeKey);
        for (let i = s.find(mergeKey, m[mergeKey]); i >= 0; i = s.find(mergeKey, m[mergeKey])) s.deleteAt(i);
        break;
      case 'replace':
        replace = true;
        break;
      case 'merge':
        throw new SmpError('merging lists cannot yet be specified in the patch');
      default:
        throw new SmpError(`unknown patch type: ${String(m[directiveMarker])} in map: ${goMap(m)}`);
    }
  }
  if (replace) {
    s.replaceAll(stripDirectives(plain) as unknown[]);
    return [];
  }
  return plain;
}

function mergeSliceWithoutSpecialElements(s: AliasedSlice, patch: unknown[], mergeKey: string, itemSchema: PatchSchemaNode | undefined): void {
  for (const v of patch) {
    const m = v as JsonMap;
    if (!Object.hasOwn(m, mergeKey)) throw noMergeKey(m, mergeKey);
    const i = s.find(mergeKey, m[mergeKey]);
    if (i >= 0) s.set(i, mergeMap(s.get(i) as JsonMap, m, itemSchema));
    else {
      const item = stripDirectives(discardNulls(m));
      if (item !== DROP) s.append(item);
    }
  }
}

function findByKey(list: unknown[], key: string, value: unknown): number {
  for (let i = 0; i < list.length; i++) {
    const x = list[i];
    if (!isObj(x)) throw new SmpError(`value for key ${i} is not a map.`);
    if (Object.hasOwn(x, key) && x[key] === value) return i;
  }
  return -1;
}

function deleteFromSlice(current: unknown[], toDelete: unknown[]): unknown[] {
  const del = new Set(toDelete);
  return current.filter((v) => !del.has(v));
}

function dedupe(list: unknown[]): unknown[] {
  const seen = new Set<unknown>();
  return list.filter((v) => (seen.has(v) ? false : (seen.add(v), true)));
}

/** Split `list` into items present in `by` (by merge key for maps) and the rest. */
function partition(list: unknown[], by: unknown[], mergeKey: string, maps: boolean): [unknown[], unknown[]] {
  const inBy: unknown[] = [];
  const rest: unknown[] = [];
  for (const v of list) {
    let found: boolean;
    if (maps) {
      if (!isObj(v)) throw badArgType('map', v);
      if (!Object.hasOwn(v, mergeKey)) throw noMergeKey(v, mergeKey);
      found = by.some((b) => isObj(b) && Object.hasOwn(b, mergeKey) && b[mergeKey] === v[mergeKey]);
    } else found = by.includes(v);
    (found ? inBy : rest).push(v);
  }
  return [inBy, rest];
}

function indexIn(list: unknown[], v: unknown, mergeKey: string, maps: boolean): number {
  const key = (x: unknown) => (maps ? (isObj(x) ? x[mergeKey] : undefined) : x);
  const target = key(v);
  return list.findIndex((x) => key(x) === target);
}

/** Stable sort of `toSort` by position in `order`; items not in `order` keep their place. */
function normalizeSliceOrder(toSort: unknown[], order: unknown[], mergeKey: string, maps: boolean): unknown[] {
  let items = toSort;
  let toDelete: unknown[] = [];
  if (maps) {
    for (const l of [toSort, order]) {
      for (const x of l) {
        if (!isObj(x)) throw badArgType('map', x);
        if (!Object.hasOwn(x, mergeKey)) throw noMergeKey(x, mergeKey);
      }
    }
    items = toSort.filter((x) => (x as JsonMap)[directiveMarker] !== 'delete');
    toDelete = toSort.filter((x) => (x as JsonMap)[directiveMarker] === 'delete');
  }
  const known = items.filter((x) => indexIn(order, x, mergeKey, maps) >= 0);
  known.sort((a, b) => indexIn(order, a, mergeKey, maps) - indexIn(order, b, mergeKey, maps));
  let ki = 0;
  const sorted = items.map((x) => (indexIn(order, x, mergeKey, maps) >= 0 ? known[ki++] : x));
  return [...sorted, ...toDelete];
}

/**
 * Upstream's order: patch items in patch order, server-only items in live order, interleaved so
 * that a server-only item goes before a patch item only when the live list had it first.
 */
function normalizeElementOrder(patch: unknown[], serverOnly: unknown[], patchOrder: unknown[], serverOrder: unknown[], mergeKey: string, maps: boolean): unknown[] {
  const right = normalizeSliceOrder(patch, patchOrder, mergeKey, maps);
  const left = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, maps);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey, maps);
      const ri = indexIn(serverOrder, right[j], mergeKey, maps);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function extractKey(key: string, prefix: string, err: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) throw new SmpError(err);
  return key.slice(slash + 1);
}

function applyRetainKeys(original: JsonMap, patch: JsonMap): void {
  if (!Object.hasOwn(patch, retainKeysDirective)) return;
  const list = patch[retainKeysDirective];
  delete patch[retainKeysDirective];
  if (!Array.isArray(list)) throw new SmpError(ErrBadPatchFormatForRetainKeys);
  const keep = new Set(list);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(deleteFromPrimitiveListPrefix) || k.startsWith(setElementOrderPrefix)) continue;
    if (!keep.has(k)) throw new SmpError(ErrBadPatchFormatForRetainKeys);
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

/** `$setElementOrder/<list>`: merge that list now and impose the requested order. */
function mergeSetElementOrder(original: JsonMap, patch: JsonMap, schema: PatchSchemaNode | undefined): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(setElementOrderPrefix)) continue;
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) throw new SmpError(ErrBadPatchFormatForSetElementOrderList);
    const field = extractKey(key, setElementOrderPrefix, ErrBadPatchFormatForSetElementOrderList);
    const foundOriginal = Object.hasOwn(original, field) && original[field] !== null && original[field] !== undefined;
    const foundPatch = Object.hasOwn(patch, field) && patch[field] !== null;
    const origList = foundOriginal ? original[field] : [];
    const patchList = foundPatch ? patch[field] : [];
    if (!Array.isArray(origList)) throw badArgType('slice', origList);
    if (!Array.isArray(patchList)) throw badArgType('slice', patchList);
    const sub = schema?.property(field);
    const mergeKey = strategyOf(sub).merge ? (sub?.patchMergeKey ?? '') : '';
    validatePatchWithSetOrderList(patchList, order, mergeKey);

    let merged: unknown[];
    if (foundOriginal && foundPatch) merged = mergeSliceHandler(origList, patchList, sub, false);
    else if (foundPatch) merged = stripDirectives(patchList) as unknown[];
    else if (foundOriginal) merged = origList;
    else continue;

    const kind = sliceElementKind(origList, patchList);
    const maps = kind === 'map' && mergeKey !== '';
    const [patchItems, serverOnly] = partition(merged, order, mergeKey, maps);
    setOwn(original, field, normalizeElementOrder(patchItems, serverOnly, order, origList, mergeKey, maps));
    delete patch[field];
  }
}

/** The patch list (deletions aside) must be a subsequence of the $setElementOrder list. */
function validatePatchWithSetOrderList(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey ? patchList.filter((x) => !(isObj(x) && x[directiveMarker] === 'delete')) : patchList;
  const keyOf = (x: unknown) => {
    if (!mergeKey) return x;
    if (!isObj(x)) throw badArgType('map', x);
    if (!Object.hasOwn(x, mergeKey)) throw noMergeKey(x, mergeKey);
    return x[mergeKey];
  };
  let pi = 0;
  let oi = 0;
  while (pi < nonDelete.length && oi < order.length) {
    const p = nonDelete[pi];
    if (isObj(p) && Object.hasOwn(p, directiveMarker)) {
      pi++;
      continue;
    }
    if (keyOf(p) === keyOf(order[oi])) pi++;
    oi++;
  }
  if (pi < nonDelete.length && oi >= order.length) {
    throw new SmpError(`The order in patch list:\n${goMap(patchList)}\n doesn't match ${setElementOrderPrefix} list:\n${goMap(order)}\n`);
  }
}

const DROP = Symbol('drop');

/** Upstream removeDirectives: a map carrying `$patch` is dropped; other directive keys removed. */
function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const x of v) {
      const s = stripDirectives(x);
      if (s !== DROP) out.push(s);
    }
    return out;
  }
  if (isObj(v)) {
    if (Object.hasOwn(v, directiveMarker)) return DROP;
    for (const k of Object.keys(v)) {
      if (k === retainKeysDirective || k.startsWith(setElementOrderPrefix + '/') || k.startsWith(deleteFromPrimitiveListPrefix + '/')) {
        delete v[k];
        continue;
      }
      const s = stripDirectives(v[k]);
      if (s === DROP) delete v[k];
      else v[k] = s;
    }
    return v;
  }
  return v;
}

/** Upstream discardNullValuesFromPatch: nulls in a value taken whole are dropped. */
function discardNulls(v: unknown): unknown {
  if (Array.isArray(v)) {
    for (const x of v) discardNulls(x);
  } else if (isObj(v)) {
    for (const k of Object.keys(v)) {
      if (v[k] === null) delete v[k];
      else discardNulls(v[k]);
    }
  }
  return v;
}
