// SqliteStore: the embedded default backend, on better-sqlite3 in WAL mode.
//
// Layout (kine-like, split in two tables so the hot paths stay simple):
//   kv   – the latest value of every live key (get, list at latest, count);
//   log  – one row per revision (create/update/delete with the previous value and its revision),
//          which is what list-at-revision and watch-from-revision read, and what compaction prunes;
//   meta – the current and the compacted revision (the log may be empty after compaction).
//
// Durability: synchronous=FULL, so COMMIT returns only after the WAL is fsynced. To afford an
// fsync per transaction at thousands of writes per second, writes are group-committed: every
// write that arrives before the next turn of the event loop joins one IMMEDIATE transaction, and
// all their promises settle after that COMMIT. Watchers in this process are fed after COMMIT.
import Database from 'better-sqlite3';
import type { KeyValue, ListOptions, ListResult, Store, StoreEvent, WatchCallbacks, WatchHandle } from './store.js';
import { StoreError } from './store.js';
import { WatcherSet } from './watchers.js';
import { compactedError } from './memory.js';

export { startCompactor } from './compactor.js';
export type { Compactor, CompactorOptions } from './compactor.js';

const T_CREATE = 0, T_UPDATE = 1, T_DELETE = 2;
const TYPES = ['create', 'update', 'delete'] as const;
/** Rows deleted per compaction step, so one compaction never blocks the event loop for long. */
const COMPACT_CHUNK = 5000;

type Op =
  | { op: 'create'; key: string; value: string; resolve: (kv: KeyValue) => void; reject: (e: unknown) => void }
  | { op: 'update'; key: string; value: string; expected: number; resolve: (kv: KeyValue) => void; reject: (e: unknown) => void }
  | { op: 'delete'; key: string; expected?: number; resolve: (kv: KeyValue) => void; reject: (e: unknown) => void };

interface KvRow { name: string; value: string; create_rev: number; mod_rev: number }
interface LogRow { rev: number; name: string; type: number; value: string; prev_value: string | null; create_rev: number; prev_rev: number }

export interface SqliteStoreOptions {
  /** Path of the database file (created if missing). */
  path: string;
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private revision: number;
  private compacted: number;
  private queue: Op[] = [];
  private flushScheduled = false;
  /** Transactions committed by this instance (group-commit observability). */
  private commits = 0;
  private closed = false;
  private compacting: Promise<void> = Promise.resolve();
  private readonly watchers = new WatcherSet();
  private readonly st: ReturnType<SqliteStore['prepare']>;

  constructor(opts: SqliteStoreOptions) {
    this.db = new Database(opts.path);
    // auto_vacuum must be chosen before the first table exists; INCREMENTAL lets compaction hand
    // freed pages back to the file system so the file shrinks after churn.
    this.db.pragma('auto_vacuum = INCREMENTAL');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    // after a checkpoint, a WAL larger than this is truncated back
    this.db.pragma('journal_size_limit = 67108864');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS kv (
        name TEXT PRIMARY KEY, value TEXT NOT NULL, create_rev INTEGER NOT NULL, mod_rev INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS log (
        rev INTEGER PRIMARY KEY, name TEXT NOT NULL, type INTEGER NOT NULL, value TEXT NOT NULL,
        prev_value TEXT, create_rev INTEGER NOT NULL, prev_rev INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS log_name_rev ON log (name, rev);
      CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;
      INSERT OR IGNORE INTO meta (k, v) VALUES ('revision', 0), ('compacted', 0);
    `);
    this.st = this.prepare();
    this.revision = this.st.getMeta.pluck().get('revision') as number;
    this.compacted = this.st.getMeta.pluck().get('compacted') as number;
  }

  private prepare() {
    const db = this.db;
    const range = 'name >= @lo AND name < @hi AND name > @after';
    return {
      getMeta: db.prepare('SELECT v FROM meta WHERE k = ?'),
      setMeta: db.prepare('UPDATE meta SET v = ? WHERE k = ?'),
      get: db.prepare<[string], KvRow>('SELECT name, value, create_rev, mod_rev FROM kv WHERE name = ?'),
      insertKv: db.prepare('INSERT INTO kv (name, value, create_rev, mod_rev) VALUES (?, ?, ?, ?)'),
      updateKv: db.prepare('UPDATE kv SET value = ?, mod_rev = ? WHERE name = ?'),
      deleteKv: db.prepare('DELETE FROM kv WHERE name = ?'),
      insertLog: db.prepare('INSERT INTO log (rev, name, type, value, prev_value, create_rev, prev_rev) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      listLatest: db.prepare<Record<string, unknown>, KvRow>(`SELECT name, value, create_rev, mod_rev FROM kv WHERE ${range} ORDER BY name LIMIT @limit`),
      // State as of @rev: a key's first change after @rev tells what it was at @rev (absent if that
      // change is a create, else its previous value and revision); unchanged keys are as in kv.
      listAt: db.prepare<Record<string, unknown>, KvRow>(`
        WITH changed AS (SELECT name, MIN(rev) AS first FROM log WHERE ${range} AND rev > @rev GROUP BY name)
        SELECT name, value, create_rev, mod_rev FROM kv WHERE ${range} AND name NOT IN (SELECT name FROM changed)
        UNION ALL
        SELECT l.name AS name, l.prev_value AS value, l.create_rev AS create_rev, l.prev_rev AS mod_rev
          FROM changed c JOIN log l ON l.rev = c.first WHERE l.type != ${T_CREATE}
        ORDER BY name LIMIT @limit`),
      count: db.prepare(`SELECT count(*) FROM kv WHERE name >= @lo AND name < @hi`),
      logSince: db.prepare<Record<string, unknown>, LogRow>(`SELECT rev, name, type, value, prev_value, create_rev, prev_rev FROM log WHERE rev > @rev AND name >= @lo AND name < @hi ORDER BY rev`),
      compactChunk: db.prepare('DELETE FROM log WHERE rev IN (SELECT rev FROM log WHERE rev <= ? ORDER BY rev LIMIT ?)'),
    };
  }

  async currentRevision(): Promise<number> { this.check(); return this.revision; }
  async compactedRevision(): Promise<number> { this.check(); return this.compacted; }

  async get(key: string): Promise<KeyValue | undefined> {
    this.check();
    const row = this.st.get.get(key);
    return row && toKv(row);
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.check();
    const rev = opts.revision || 0;
    if (rev && rev < this.compacted) throw compactedError(rev, this.compacted);
    if (rev > this.revision) throw new StoreError('Unavailable', `required revision ${rev} is a future revision (current ${this.revision})`);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : -1;
    const params = { ...bounds(prefix), after: opts.startAfter ?? '', limit: limit < 0 ? -1 : limit + 1, rev };
    const rows = rev && rev < this.revision ? this.st.listAt.all(params) : this.st.listLatest.all(params);
    const more = limit >= 0 && rows.length > limit;
    if (more) rows.length = limit;
    return { items: rows.map(toKv), revision: rev || this.revision, more };
  }

  async count(prefix: string): Promise<number> {
    this.check();
    const { lo, hi } = bounds(prefix);
    return this.st.count.pluck().get({ lo, hi }) as number;
  }

  create(key: string, value: string): Promise<KeyValue> {
    return this.enqueue((resolve, reject) => ({ op: 'create', key, value, resolve, reject }));
  }

  update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    return this.enqueue((resolve, reject) => ({ op: 'update', key, value, expected: expectedModRevision, resolve, reject }));
  }

  delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    return this.enqueue((resolve, reject) => ({ op: 'delete', key, expected: expectedModRevision, resolve, reject }));
  }

  watch(prefix: string, fromRevision: number, cb: WatchCallbacks): WatchHandle {
    if (this.closed) return WatcherSet.failLater(cb, new StoreError('Closed', 'store is closed'));
    if (fromRevision < this.compacted) return WatcherSet.failLater(cb, compactedError(fromRevision, this.compacted));
    // Reading the replay and registering happen in one synchronous step, and commits also publish
    // synchronously, so no event can fall between replay and live delivery.
    const replay = fromRevision < this.revision ? this.st.logSince.all({ rev: fromRevision, ...bounds(prefix) }).map(toEvent) : [];
    return this.watchers.add(prefix, fromRevision, cb, replay);
  }

  requestProgress(): void {
    if (!this.closed) this.watchers.progress(this.revision);
  }

  compact(revision: number): Promise<void> {
    this.check();
    const run = async () => {
      const target = Math.min(revision, this.revision);
      if (target <= this.compacted) return;
      // raise the floor first so no reader starts at a revision that is being pruned
      this.st.setMeta.run(target, 'compacted');
      this.compacted = target;
      while (!this.closed && this.st.compactChunk.run(target, COMPACT_CHUNK).changes === COMPACT_CHUNK) {
        await new Promise((r) => setImmediate(r));
      }
      if (this.closed) return;
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.db.pragma('incremental_vacuum');
    };
    this.compacting = this.compacting.then(run, run);
    return this.compacting;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // let queued writes commit and a running compaction step finish before closing
    if (this.queue.length) this.flush();
    await this.compacting.catch(() => undefined);
    this.closed = true;
    this.watchers.failAll(new StoreError('Closed', 'store is closed'));
    this.db.close();
  }

  /** Diagnostics for tests and metrics: rows in the history log and the live table, and file pages. */
  stats(): { logRows: number; kvRows: number; pageCount: number; freelistCount: number; commits: number } {
    return {
      commits: this.commits,
      logRows: this.db.prepare('SELECT count(*) FROM log').pluck().get() as number,
      kvRows: this.db.prepare('SELECT count(*) FROM kv').pluck().get() as number,
      pageCount: this.db.pragma('page_count', { simple: true }) as number,
      freelistCount: this.db.pragma('freelist_count', { simple: true }) as number,
    };
  }

  private enqueue(make: (resolve: (kv: KeyValue) => void, reject: (e: unknown) => void) => Op): Promise<KeyValue> {
    if (this.closed) return Promise.reject(new StoreError('Closed', 'store is closed'));
    return new Promise<KeyValue>((resolve, reject) => {
      this.queue.push(make(resolve, reject));
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // setImmediate (not a microtask) so writes issued from several I/O callbacks of this
        // loop turn share one transaction and one fsync
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits every queued write in one transaction, then settles them and feeds watchers. */
  private flush(): void {
    this.flushScheduled = false;
    const ops = this.queue;
    this.queue = [];
    if (!ops.length) return;
    if (this.closed) {
      for (const o of ops) o.reject(new StoreError('Closed', 'store is closed'));
      return;
    }
    const outcomes: Array<{ kv: KeyValue } | { err: StoreError }> = [];
    const events: StoreEvent[] = [];
    let rev = this.revision;
    try {
      this.db.transaction(() => {
        for (const o of ops) {
          const cur = this.st.get.get(o.key);
          if (o.op === 'create') {
            if (cur) { outcomes.push({ err: new StoreError('KeyExists', `key exists: ${o.key}`, toKv(cur)) }); continue; }
            rev++;
            this.st.insertKv.run(o.key, o.value, rev, rev);
            this.st.insertLog.run(rev, o.key, T_CREATE, o.value, null, rev, 0);
            outcomes.push({ kv: { key: o.key, value: o.value, createRevision: rev, modRevision: rev } });
            events.push({ type: 'create', key: o.key, value: o.value, revision: rev, createRevision: rev });
            continue;
          }
          if (!cur) { outcomes.push({ err: new StoreError('NotFound', `key not found: ${o.key}`) }); continue; }
          if (o.expected !== undefined && cur.mod_rev !== o.expected) {
            outcomes.push({ err: new StoreError('Conflict', `modRevision of ${o.key} is ${cur.mod_rev}, expected ${o.expected}`, toKv(cur)) });
            continue;
          }
          rev++;
          if (o.op === 'update') {
            this.st.updateKv.run(o.value, rev, o.key);
            this.st.insertLog.run(rev, o.key, T_UPDATE, o.value, cur.value, cur.create_rev, cur.mod_rev);
            outcomes.push({ kv: { key: o.key, value: o.value, createRevision: cur.create_rev, modRevision: rev } });
            events.push({ type: 'update', key: o.key, value: o.value, prevValue: cur.value, revision: rev, createRevision: cur.create_rev });
          } else {
            this.st.deleteKv.run(o.key);
            this.st.insertLog.run(rev, o.key, T_DELETE, cur.value, cur.value, cur.create_rev, cur.mod_rev);
            outcomes.push({ kv: { key: o.key, value: cur.value, createRevision: cur.create_rev, modRevision: rev } });
            events.push({ type: 'delete', key: o.key, value: cur.value, prevValue: cur.value, revision: rev, createRevision: cur.create_rev });
          }
        }
        if (rev !== this.revision) this.st.setMeta.run(rev, 'revision');
      }).immediate();
    } catch (e) {
      // the transaction rolled back: nothing of this batch is durable
      const err = new StoreError('Unavailable', `sqlite write failed: ${(e as Error).message}`);
      for (const o of ops) o.reject(err);
      return;
    }
    this.commits++;
    this.revision = rev;
    this.watchers.publish(events);
    ops.forEach((o, i) => {
      const r = outcomes[i]!;
      if ('kv' in r) o.resolve(r.kv);
      else o.reject(r.err);
    });
  }

  private check(): void {
    if (this.closed) throw new StoreError('Closed', 'store is closed');
  }
}

function toKv(r: KvRow): KeyValue {
  return { key: r.name, value: r.value, createRevision: r.create_rev, modRevision: r.mod_rev };
}

function toEvent(r: LogRow): StoreEvent {
  const e: StoreEvent = { type: TYPES[r.type]!, key: r.name, value: r.value, revision: r.rev, createRevision: r.create_rev };
  if (r.prev_value !== null) e.prevValue = r.prev_value;
  return e;
}

/** Key range [lo, hi) covering every key that starts with `prefix` (byte order). */
function bounds(prefix: string): { lo: string; hi: string } {
  if (!prefix) return { lo: '', hi: '\u{10FFFF}' };
  const last = prefix.charCodeAt(prefix.length - 1);
  return { lo: prefix, hi: prefix.slice(0, -1) + String.fromCharCode(last + 1) };
}
