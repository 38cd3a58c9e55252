// Opening a store by kind, for the CLI (`ordinal up --storage sqlite|etcd`) and tests.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Store } from './store.js';
import { MemoryStore } from './memory.js';
import { SqliteStore } from './sqlite.js';
import { EtcdStore } from './etcd.js';

export type { Store, KeyValue, ListOptions, ListResult, StoreEvent, StoreEventType, WatchCallbacks, WatchHandle, StoreErrorCode } from './store.js';
export { StoreError } from './store.js';
export { MemoryStore } from './memory.js';
export { SqliteStore } from './sqlite.js';
export { EtcdStore } from './etcd.js';
export { WatchCache } from './watch-cache.js';
export type { WatchCacheOptions, CacheListOptions, CacheListResult, CacheWatchOptions, CacheWatchCallbacks, CacheWatchHandle } from './watch-cache.js';
export { startCompactor } from './compactor.js';
export type { Compactor, CompactorOptions } from './compactor.js';

export interface OpenStoreOptions {
  kind: 'sqlite' | 'etcd' | 'memory';
  /** SQLite database file (created with its directory if missing). Required for 'sqlite'. */
  path?: string;
  /** etcd client URLs, e.g. ['http://127.0.0.1:2379']. Required for 'etcd'. */
  endpoints?: string[];
}

/**
 * Opens a store. For etcd this also checks the endpoint answers, so a wrong URL fails at start
 * rather than on the first request.
 */
export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  switch (opts.kind) {
    case 'memory':
      return new MemoryStore();
    case 'sqlite': {
      if (!opts.path) throw new Error('openStore: sqlite needs a path');
      mkdirSync(dirname(opts.path), { recursive: true });
      return new SqliteStore({ path: opts.path });
    }
    case 'etcd': {
      if (!opts.endpoints?.length) throw new Error('openStore: etcd needs endpoints');
      const store = new EtcdStore({ endpoints: opts.endpoints, timeoutMs: 5000 });
      try {
        await store.currentRevision();
      } catch (e) {
        await store.close();
        throw new Error(`cannot reach etcd at ${opts.endpoints.join(',')}: ${(e as Error).message}`);
      }
      return store;
    }
    default:
      throw new Error(`openStore: unknown kind ${String((opts as { kind: unknown }).kind)}`);
  }
}
