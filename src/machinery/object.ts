// Generic object shapes shared by every layer. Kind-specific types live in src/api.
import type { ObjectMeta, ListMeta, OwnerReference } from 'kubernetes-types/meta/v1.js';

export type { ObjectMeta, ListMeta, OwnerReference };

/** Any Kubernetes object as it travels through the system (JSON-shaped). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface KubeList<T extends KubeObject = KubeObject> {
  apiVersion: string;
  kind: string;
  metadata: ListMeta;
  items: T[];
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T = KubeObject> {
  type: WatchEventType;
  object: T;
}

/** Deep copy of a JSON value (objects here are always plain JSON). */
export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/**
 * Set an own property, also for the key "__proto__" (which JSON bodies may carry): plain
 * assignment would change the object's prototype instead of storing a field.
 */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** Read an own property (undefined when absent; never the prototype). */
export function getOwn(obj: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}
