// The one storage contract. SQLite (default), etcd and memory implement it; a single conformance
// suite (test/storage/conformance.ts) runs against all three.
//
// Keys look like upstream's etcd keys: `/registry/<resource-prefix>/<namespace>/<name>`
// (`/registry/pods/default/web-0`, `/registry/statefulsets/default/web`, `/registry/namespaces/default`).
// Values are the object's JSON *without* metadata.resourceVersion; the API server sets
// resourceVersion from modRevision when it decodes. A revision is the store's global, strictly
// increasing counter (etcd semantics): every create/update/delete bumps it by one.

export interface KeyValue {
  key: string;
  /** Serialized object (JSON text). */
  value: string;
  createRevision: number;
  modRevision: number;
}

export interface ListOptions {
  /** Read as of this revision (0/undefined = latest). Older than the compacted revision → StoreError 'Compacted'. */
  revision?: number;
  /** Max items to return (0/undefined = all). */
  limit?: number;
  /** Return only keys strictly greater than this key (paging). */
  startAfter?: string;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the list was read at. */
  revision: number;
  /** True when more keys exist after the last item returned. */
  more: boolean;
}

export type StoreEventType = 'create' | 'update' | 'delete';

export interface StoreEvent {
  type: StoreEventType;
  key: string;
  /** New value (for delete: the last value before deletion). */
  value: string;
  /** Previous value, for update/delete. */
  prevValue?: string;
  /** The revision of this change. For delete: the deletion revision. */
  revision: number;
  createRevision: number;
}

export interface WatchHandle {
  /** Stops delivery; idempotent. */
  cancel(): void;
}

export interface WatchCallbacks {
  /** Events, in revision order, never skipping one that matches the prefix. */
  onEvents(events: StoreEvent[]): void;
  /** Fatal watch error (e.g. 'Compacted' when fromRevision fell out of history, or a lost connection). Delivery stops. */
  onError(err: StoreError): void;
  /**
   * Optional progress notification: every event with revision <= `revision` matching the prefix
   * has been delivered. Sent after `Store.requestProgress()`; used for bookmarks and consistent
   * reads from a watch cache.
   */
  onProgress?(revision: number): void;
}

export type StoreErrorCode = 'KeyExists' | 'NotFound' | 'Conflict' | 'Compacted' | 'Unavailable' | 'Closed';

export class StoreError extends Error {
  constructor(readonly code: StoreErrorCode, message: string, readonly current?: KeyValue) {
    super(message);
  }
}

export interface Store {
  readonly kind: 'sqlite' | 'etcd' | 'memory';
  /** Latest revision (0 for an empty store). */
  currentRevision(): Promise<number>;
  /** Oldest revision still readable (everything <= this was compacted away). */
  compactedRevision(): Promise<number>;
  get(key: string): Promise<KeyValue | undefined>;
  /** Keys with this prefix, in key order. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** Counts keys under a prefix (for `remainingItemCount` and metrics). */
  count(prefix: string): Promise<number>;
  /** Creates a key; StoreError 'KeyExists' if present. Resolves only once durable. */
  create(key: string, value: string): Promise<KeyValue>;
  /**
   * Compare-and-swap: writes only if the key's modRevision equals `expectedModRevision`.
   * StoreError 'NotFound' if absent, 'Conflict' (with `current`) if the revision differs.
   */
  update(key: string, value: string, expectedModRevision: number): Promise<KeyValue>;
  /**
   * Deletes a key (optionally only at `expectedModRevision`). Returns the last value with
   * modRevision set to the deletion revision. StoreError 'NotFound' / 'Conflict'.
   */
  delete(key: string, expectedModRevision?: number): Promise<KeyValue>;
  /**
   * Events for keys under `prefix` with revision > `fromRevision`, then live ones.
   * If `fromRevision` < compactedRevision, onError('Compacted') is called.
   */
  watch(prefix: string, fromRevision: number, cb: WatchCallbacks): WatchHandle;
  /** Asks for an `onProgress` notification on every open watch, soon (optional; additive). */
  requestProgress?(): void;
  /** Forget history at and below `revision` (keeps latest values). */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}
