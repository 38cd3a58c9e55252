// Cell formatting shared by the kinds' tableRow functions (upstream pkg/printers and
// apimachinery's duration.HumanDuration), so every kind prints AGE and labels identically.
import type { KubeObject } from '../machinery/object.js';

import { humanDuration, translateTimestampSince } from '../machinery/duration.js';

export { humanDuration };

/** upstream translateTimestampSince: `<unknown>` for a missing time. */
export function since(ts: string | undefined | null, now: Date): string {
  return translateTimestampSince(ts, now);
}

/** The AGE cell of any object. */
export function age(obj: KubeObject, now: Date): string {
  return since(obj.metadata.creationTimestamp as string | undefined, now);
}

/** `k=v,k2=v2` sorted by key, `<none>` when empty (labels.FormatLabels / selector maps). */
export function formatMap(m: Record<string, string> | undefined | null): string {
  const keys = Object.keys(m ?? {}).sort();
  if (!keys.length) return '<none>';
  return keys.map((k) => `${k}=${m![k]}`).join(',');
}

/** Access modes as kubectl abbreviates them (RWO,ROX,RWX,RWOP), in the object's order. */
export function accessModes(modes: readonly string[] | undefined): string {
  const short: Record<string, string> = {
    ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP',
  };
  // upstream GetAccessModesAsString: fixed order, each mode at most once
  const set = new Set(modes ?? []);
  return ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'].filter((m) => set.has(m)).map((m) => short[m]).join(',');
}

/** The standard NAME column. */
export const nameColumn = {
  name: 'Name', type: 'string', format: 'name', priority: 0,
  description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
} as const;

/** The standard AGE column. */
export const ageColumn = {
  name: 'Age', type: 'string', priority: 0,
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
} as const;
