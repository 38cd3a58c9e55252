// ControllerRevisions for a StatefulSet (spec §1.6, §4.3): the revision payload is
// {"spec":{"template":{"$patch":"replace", …template}}} serialised with every object's keys in
// lexicographic order (as upstream's decode-to-map/re-encode produces); the name is
// `<set>-<hash>` where hash = FNV-1 32 over the payload bytes and the collision count's decimal
// text, rendered in decimal and mapped onto upstream's "safe" alphabet.
import type { ControllerRevision, PodTemplate, StatefulSet, OwnerRef } from './types.js';

/** JSON with object keys sorted at every level (Go's map encoding order for ASCII keys). */
export function canonicalJSON(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJSON(x))).join(',')}]`;
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJSON(obj[k])}`).join(',')}}`;
}

/** FNV-1 (not 1a), 32 bit: multiply, then xor, per byte. */
export function fnv1_32(bytes: Uint8Array, h = 2166136261): number {
  for (const b of bytes) {
    h = Math.imul(h, 16777619) >>> 0;
    h = (h ^ b) >>> 0;
  }
  return h;
}

const SAFE = 'bcdfghjklmnpqrstvwxz2456789';
/** upstream rand.SafeEncodeString: maps each character onto a vowel-free alphabet. */
export function safeEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE[s.charCodeAt(i) % SAFE.length];
  return out;
}

/** Hash of revision data bytes plus the collision count (always fed, even 0). */
export function hashRevisionData(data: string, collisionCount?: number): string {
  let h = fnv1_32(Buffer.from(data, 'utf8'));
  if (collisionCount !== undefined) h = fnv1_32(Buffer.from(String(collisionCount), 'ascii'), h);
  return safeEncode(String(h));
}

/** The revision payload for a set's current template (as stored, i.e. already defaulted). */
export function revisionData(set: StatefulSet): string {
  return canonicalJSON({ spec: { template: { $patch: 'replace', ...(set.spec.template as Record<string, unknown>) } } });
}

/**
 * normalisedData of revision payload objects already seen: every sync compares the live template's
 * payload with each stored revision's, and both are the same objects from one sync to the next
 * (informer cache entries; a candidate is seeded by newRevision with the text it was parsed from).
 * Payload objects are never mutated once built or received, so the memo never goes stale.
 */
const normalised = new WeakMap<object, string>();

/** Revision data normalised for comparison: a parsed object or raw bytes, re-canonicalised. */
function normalisedData(data: unknown): string {
  if (data === null || typeof data !== 'object') return normalise(data);
  let n = normalised.get(data);
  if (n === undefined) normalised.set(data, (n = normalise(data)));
  return n;
}

function normalise(data: unknown): string {
  let v = data;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return v as string;
    }
  }
  // Semantic comparison (StatefulSetSemanticRevisionComparison): ignore the serializer-only
  // `"creationTimestamp": null` in the template metadata (#134773).
  const t = (v as { spec?: { template?: { metadata?: Record<string, unknown> } } })?.spec?.template?.metadata;
  if (t && t.creationTimestamp === null) {
    v = JSON.parse(JSON.stringify(v));
    delete (v as { spec: { template: { metadata: Record<string, unknown> } } }).spec.template.metadata.creationTimestamp;
  }
  return canonicalJSON(v);
}

export function revisionsEqual(a: unknown, b: unknown): boolean {
  return normalisedData(a) === normalisedData(b);
}

/** The pod template recorded in a revision. */
export function templateOf(rev: ControllerRevision): PodTemplate {
  let d = rev.data;
  if (typeof d === 'string') d = JSON.parse(d);
  const t = { ...((d as { spec?: { template?: Record<string, unknown> } })?.spec?.template ?? {}) };
  delete t.$patch;
  return t as PodTemplate;
}

export const HASH_LABEL = 'controller.kubernetes.io/hash';

export function setControllerRef(set: StatefulSet): OwnerRef {
  return { apiVersion: 'apps/v1', kind: 'StatefulSet', name: set.metadata.name!, uid: set.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

/**
 * Revision payloads by the template's plain JSON text. Every sync builds the candidate revision,
 * and the template rarely changes: JSON.stringify of it is a fraction of the canonical encoding,
 * the parse and the hash it saves. Bounded (a few entries per set and template in use).
 */
const payloads = new Map<string, { data: string; parsed: object; hashes: Map<number, string> }>();
function payloadOf(set: StatefulSet): { data: string; parsed: object; hashes: Map<number, string> } {
  const key = JSON.stringify(set.spec.template) ?? '';
  let p = payloads.get(key);
  if (p) return p;
  const data = revisionData(set);
  const parsed = JSON.parse(data) as object;
  // `data` is already canonical; it is also the normalised form unless the template metadata has
  // the serializer-only `creationTimestamp: null` that normalisation drops.
  if (set.spec.template.metadata?.creationTimestamp !== null) normalised.set(parsed, data);
  p = { data, parsed, hashes: new Map() };
  if (payloads.size >= 256) payloads.delete(payloads.keys().next().value!);
  payloads.set(key, p);
  return p;
}

/** Builds (locally) the revision for the set's live template at the given number and collision count. */
export function newRevision(set: StatefulSet, revision: number, collisionCount: number): ControllerRevision {
  const { data, parsed, hashes } = payloadOf(set);
  let hash = hashes.get(collisionCount);
  if (hash === undefined) hashes.set(collisionCount, (hash = hashRevisionData(data, collisionCount)));
  const base = set.metadata.name!.length > 223 ? set.metadata.name!.slice(0, 223) : set.metadata.name!;
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: `${base}-${hash}`,
      namespace: set.metadata.namespace,
      labels: { ...(set.spec.template.metadata?.labels ?? {}), [HASH_LABEL]: hash },
      ...(set.metadata.annotations ? { annotations: { ...set.metadata.annotations } } : {}),
      ownerReferences: [setControllerRef(set)],
    },
    data: parsed,
    revision,
  };
}

/** Sort order of upstream's history: revision, then creationTimestamp, then name. */
export function sortRevisions(revs: ControllerRevision[]): ControllerRevision[] {
  return [...revs].sort(
    (a, b) =>
      a.revision - b.revision ||
      String(a.metadata.creationTimestamp ?? '').localeCompare(String(b.metadata.creationTimestamp ?? '')) ||
      String(a.metadata.name).localeCompare(String(b.metadata.name)),
  );
}
