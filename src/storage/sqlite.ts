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
// write that arrives while the previous commit is in progress (or before the next turn of the
// event loop) joins one IMMEDIATE transaction, and all their promises settle after that COMMIT.
//
// Writes (and compaction deletes) run on a second connection in a worker thread by default, so
// the fsync never blocks the event loop that serves HTTP; reads use this thread's connection
// (WAL readers see every committed transaction). Watchers in this process are fed after COMMIT.
import Database from 'better-sqlite3';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type { KeyValue, ListOptions, ListResult, Store, StoreErrorCode, StoreEvent, WatchCallbacks, WatchHandle } from './store.js';
import { StoreError } from './store.js';
import { WatcherSet } from './watchers.js';
import { compactedError } from './memory.js';

export { startCompactor } from './compactor.js';
export type { Compactor, CompactorOptions } from './compactor.js';

const T_CREATE = 0;
const TYPES = ['create', 'update', 'delete'] as const;
/** Rows deleted per compaction step, so one compaction never holds the writer for long. */
const COMPACT_CHUNK = 5000;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS kv (
    name TEXT PRIMARY KEY, value TEXT NOT NULL, create_rev INTEGER NOT NULL, mod_rev INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS log (
    rev INTEGER PRIMARY KEY, name TEXT NOT NULL, type INTEGER NOT NULL, value TEXT NOT NULL,
    prev_value TEXT, create_rev INTEGER NOT NULL, prev_rev INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;
  INSERT OR IGNORE INTO meta (k, v) VALUES ('revision', 0), ('compacted', 0);
`;

/** A write as sent to the writer (plain data: it crosses a thread boundary). */
interface WriteOp { op: 'create' | 'update' | 'delete'; key: string; value?: string; expected?: number }
/**
 * What the writer answers per op: only what the caller does not already have (it sent the key and
 * the new value), so the reply that crosses the thread boundary stays small. `prev` is the value
 * before an update or delete (a delete's event carries it as its value).
 */
type WriteOutcome = { rev: number; createRev: number; prev?: string } | { err: { code: StoreErrorCode; message: string; current?: KeyValue } };
interface BatchResult { revision: number; outcomes: WriteOutcome[] }
type WriterRequest =
  | { type: 'apply'; ops: WriteOp[] }
  | { type: 'compactChunk'; target: number; chunk: number }
  | { type: 'finishCompaction' }
  | { type: 'close' };

/**
 * The writing side. Self-contained on purpose — it references nothing outside its body, because
 * its source text is also what the worker thread runs (see startWorker).
 */
function createWriter(Db: typeof Database, path: string) {
  const db = new Db(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_size_limit = 67108864');
  const get = db.prepare('SELECT name, value, create_rev, mod_rev FROM kv WHERE name = ?');
  const insertKv = db.prepare('INSERT INTO kv (name, value, create_rev, mod_rev) VALUES (?, ?, ?, ?)');
  const updateKv = db.prepare('UPDATE kv SET value = ?, mod_rev = ? WHERE name = ?');
  const deleteKv = db.prepare('DELETE FROM kv WHERE name = ?');
  const insertLog = db.prepare('INSERT INTO log (rev, name, type, value, prev_value, create_rev, prev_rev) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const setMeta = db.prepare('UPDATE meta SET v = ? WHERE k = ?');
  const getMeta = db.prepare('SELECT v FROM meta WHERE k = ?').pluck();
  const compactChunk = db.prepare('DELETE FROM log WHERE rev IN (SELECT rev FROM log WHERE rev <= ? ORDER BY rev LIMIT ?)');
  let revision = getMeta.get('revision') as number;

  const applyAll = db.transaction((ops: WriteOp[]) => {
    const outcomes: WriteOutcome[] = [];
    let rev = revision;
    for (const o of ops) {
      const cur = get.get(o.key) as { name: string; value: string; create_rev: number; mod_rev: number } | undefined;
      const curKv = cur && { key: cur.name, value: cur.value, createRevision: cur.create_rev, modRevision: cur.mod_rev };
      if (o.op === 'create') {
        if (cur) { outcomes.push({ err: { code: 'KeyExists', message: `key exists: ${o.key}`, current: curKv } }); continue; }
        rev++;
        insertKv.run(o.key, o.value!, rev, rev);
        insertLog.run(rev, o.key, 0, o.value!, null, rev, 0);
        outcomes.push({ rev, createRev: rev });
        continue;
      }
      if (!cur) { outcomes.push({ err: { code: 'NotFound', message: `key not found: ${o.key}` } }); continue; }
      if (o.expected !== undefined && o.expected !== null && cur.mod_rev !== o.expected) {
        outcomes.push({ err: { code: 'Conflict', message: `modRevision of ${o.key} is ${cur.mod_rev}, expected ${o.expected}`, current: curKv } });
        continue;
      }
      rev++;
      if (o.op === 'update') {
        updateKv.run(o.value!, rev, o.key);
        insertLog.run(rev, o.key, 1, o.value!, cur.value, cur.create_rev, cur.mod_rev);
        outcomes.push({ rev, createRev: cur.create_rev, prev: cur.value });
      } else {
        deleteKv.run(o.key);
        insertLog.run(rev, o.key, 2, cur.value, cur.value, cur.create_rev, cur.mod_rev);
        outcomes.push({ rev, createRev: cur.create_rev, prev: cur.value });
      }
    }
    if (rev !== revision) setMeta.run(rev, 'revision');
    return { rev, outcomes };
  });

  return {
    handle(req: WriterRequest): BatchResult | number | null {
      switch (req.type) {
        case 'apply': {
          // on an exception the transaction is rolled back and nothing of the batch is durable
          const r = applyAll.immediate(req.ops);
          revision = r.rev;
          return { revision, outcomes: r.outcomes };
        }
        case 'compactChunk':
          if ((getMeta.get('compacted') as number) < req.target) setMeta.run(req.target, 'compacted');
          return compactChunk.run(req.target, req.chunk).changes;
        case 'finishCompaction':
          db.pragma('wal_checkpoint(TRUNCATE)');
          db.pragma('incremental_vacuum');
          return null;
        case 'close':
          db.close();
          return null;
      }
    },
  };
}

interface Writer {
  call(req: WriterRequest): Promise<unknown>;
  close(): Promise<void>;
}

function inlineWriter(path: string): Writer {
  const w = createWriter(Database, path);
  return {
    call: async (req) => w.handle(req),
    close: async () => { w.handle({ type: 'close' }); },
  };
}

function workerWriter(path: string): Writer {
  const require = createRequire(import.meta.url);
  // `__name` covers helpers a transpiler with keepNames (tsx) may leave in the function text
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    var __name = (f) => f;
    const Database = require(workerData.driver);
    const createWriter = (${createWriter.toString()});
    const w = createWriter(Database, workerData.path);
    parentPort.on('message', (m) => {
      try {
        const result = w.handle(m.req);
        parentPort.postMessage({ id: m.id, ok: true, result });
        if (m.req.type === 'close') process.exit(0);
      } catch (e) {
        parentPort.postMessage({ id: m.id, ok: false, error: String(e && e.message || e) });
      }
    });
    parentPort.postMessage({ id: 0, ok: true, result: 'ready' });
  `;
  const worker = new Worker(code, { eval: true, workerData: { path, driver: require.resolve('better-sqlite3') } });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  let nextId = 1;
  let failed: Error | undefined;
  let exited = false;
  let closing = false;
  // the worker keeps the process alive only while requests are outstanding (or it is closing)
  let active = 0;
  const hold = () => { if (active++ === 0) worker.ref(); };
  const release = () => { if (--active === 0 && !closing) worker.unref(); };
  worker.unref();
  const ready = new Promise<void>((resolve, reject) => pending.set(0, { resolve: () => resolve(), reject }));
  const failAll = (err: Error) => {
    failed ??= err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  worker.on('message', (m: { id: number; ok: boolean; result?: unknown; error?: string }) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);

    if (m.ok) p.resolve(m.result);
    else p.reject(new Error(m.error));
  });
  worker.on('error', (e) => failAll(e));
  worker.on('exit', (code) => { exited = true; failAll(new Error(`sqlite writer exited (${code})`)); });
  return {
    async call(req) {
      if (failed) throw failed;
      hold();
      try {
        await ready;
        if (failed) throw failed;
        const id = nextId++;
        return await new Promise((resolve, reject) => {
          pending.set(id, { resolve, reject });
          worker.postMessage({ id, req });
        });
      } finally {
        release();
      }
    },
    async close() {
      if (exited) return;
      closing = true;
      worker.ref();
      const done = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      await this.call({ type: 'close' }).catch(() => undefined);
      await done;
    },
  };
}

type Op = WriteOp & { resolve: (kv: KeyValue) => void; reject: (e: unknown) => void };

interface KvRow { name: string; value: string; create_rev: number; mod_rev: number }
interface LogRow { rev: number; name: string; type: number; value: string; prev_value: string | null; create_rev: number; prev_rev: number }

export interface SqliteStoreOptions {
  /** Path of the database file (created if missing). */
  path: string;
  /**
   * Where COMMIT (and its fsync) runs: 'worker' (default) keeps it off the event loop;
   * 'inline' commits on this thread (simpler; blocks the loop for each fsync).
   */
  writer?: 'worker' | 'inline';
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly writer: Writer;
  /** Revision of the last commit this thread has processed (acknowledged writes are <= it). */
  private revision: number;
  private compacted: number;
  private queue: Op[] = [];
  private flushScheduled = false;
  private inflight: Promise<void> | undefined;
  /** Transactions committed by this instance (group-commit observability). */
  private commits = 0;
  private closed = false;
  private closing: Promise<void> | undefined;
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
    this.db.exec(SCHEMA);
    // an index of an earlier layout, not needed by the queries below (and costly per write)
    this.db.exec('DROP INDEX IF EXISTS log_name_rev');
    this.st = this.prepare();
    this.revision = this.st.getMeta.get('revision') as number;
    this.compacted = this.st.getMeta.get('compacted') as number;
    this.writer = opts.writer === 'inline' ? inlineWriter(opts.path) : workerWriter(opts.path);
  }

  private prepare() {
    const db = this.db;
    const range = 'name >= @lo AND name < @hi AND name > @after';
    return {
      getMeta: db.prepare('SELECT v FROM meta WHERE k = ?').pluck(),
      get: db.prepare<[string], KvRow>('SELECT name, value, create_rev, mod_rev FROM kv WHERE name = ?'),
      listLatest: db.prepare<Record<string, unknown>, KvRow>(`SELECT name, value, create_rev, mod_rev FROM kv WHERE ${range} ORDER BY name LIMIT @limit`),
      // State as of @rev: a key's first change after @rev tells what it was at @rev (absent if that
      // change is a create, else its previous value and revision); unchanged keys are as in kv.
      // The log is scanned by revision from @rev, which is short for the recent revisions asked for.
      listAt: db.prepare<Record<string, unknown>, KvRow>(`
        WITH changed AS (SELECT name, MIN(rev) AS first FROM log WHERE rev > @rev AND ${range} GROUP BY name)
        SELECT name, value, create_rev, mod_rev FROM kv WHERE ${range} AND name NOT IN (SELECT name FROM changed)
        UNION ALL
        SELECT l.name AS name, l.prev_value AS value, l.create_rev AS create_rev, l.prev_rev AS mod_rev
          FROM changed c JOIN log l ON l.rev = c.first WHERE l.type != ${T_CREATE}
        ORDER BY name LIMIT @limit`),
      count: db.prepare(`SELECT count(*) FROM kv WHERE name >= @lo AND name < @hi`).pluck(),
      logSince: db.prepare<Record<string, unknown>, LogRow>(`SELECT rev, name, type, value, prev_value, create_rev, prev_rev FROM log WHERE rev > @rev AND name >= @lo AND name < @hi ORDER BY rev`),
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
    const limit = opts.limit && opts.limit > 0 ? opts.limit : -1;
    const params = { ...bounds(prefix), after: opts.startAfter ?? '', limit: limit < 0 ? -1 : limit + 1, rev };
    // one read transaction: the revision and the rows come from the same snapshot (the writer
    // thread may have committed past this.revision already)
    const { current, rows } = this.db.transaction(() => {
      const current = this.st.getMeta.get('revision') as number;
      if (rev > current) return { current, rows: undefined };
      return { current, rows: rev && rev < current ? this.st.listAt.all(params) : this.st.listLatest.all(params) };
    })();
    if (!rows) throw new StoreError('Unavailable', `required revision ${rev} is a future revision (current ${current})`);
    const more = limit >= 0 && rows.length > limit;
    if (more) rows.length = limit;
    return { items: rows.map(toKv), revision: rev || current, more };
  }

  async count(prefix: string): Promise<number> {
    this.check();
    const { lo, hi } = bounds(prefix);
    return this.st.count.get({ lo, hi }) as number;
  }

  create(key: string, value: string): Promise<KeyValue> {
    return this.enqueue({ op: 'create', key, value });
  }

  update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    return this.enqueue({ op: 'update', key, value, expected: expectedModRevision });
  }

  delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    return this.enqueue({ op: 'delete', key, expected: expectedModRevision });
  }

  watch(prefix: string, fromRevision: number, cb: WatchCallbacks): WatchHandle {
    if (this.closed) return WatcherSet.failLater(cb, new StoreError('Closed', 'store is closed'));
    if (fromRevision < this.compacted) return WatcherSet.failLater(cb, compactedError(fromRevision, this.compacted));
    // Reading the replay and registering happen in one synchronous step. The replay may include
    // commits this thread has not published yet; the watcher skips them when they are published.
    const replay = this.st.logSince.all({ rev: fromRevision, ...bounds(prefix) }).map(toEvent);
    return this.watchers.add(prefix, fromRevision, cb, replay);
  }

  requestProgress(): void {
    if (!this.closed) this.watchers.progress(this.revision);
  }

  compact(revision: number): Promise<void> {
    this.check();
    const run = async () => {
      const target = Math.min(revision, this.revision);
      if (target <= this.compacted || this.closed) return;
      // raise the floor first so no reader starts at a revision that is being pruned
      this.compacted = target;
      // chunks go through the writer one by one, so writes interleave with a long compaction
      while (!this.closed && (await this.writer.call({ type: 'compactChunk', target, chunk: COMPACT_CHUNK })) === COMPACT_CHUNK);
      if (!this.closed) await this.writer.call({ type: 'finishCompaction' });
    };
    this.compacting = this.compacting.then(run, run);
    return this.compacting;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      // queued writes still commit; then no more work is accepted
      while (this.queue.length || this.inflight) {
        if (this.queue.length && !this.inflight) this.flush();
        await this.inflight;
      }
      await this.compacting.catch(() => undefined);
      this.closed = true;
      this.watchers.failAll(new StoreError('Closed', 'store is closed'));
      await this.writer.close();
      this.db.close();
    })();
    return this.closing;
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

  private enqueue(w: WriteOp): Promise<KeyValue> {
    if (this.closed || this.closing) return Promise.reject(new StoreError('Closed', 'store is closed'));
    return new Promise<KeyValue>((resolve, reject) => {
      this.queue.push({ ...w, resolve, reject });
      // while a commit is in flight, writes pile up for the next one
      if (!this.flushScheduled && !this.inflight) {
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
    if (this.inflight || !this.queue.length) return;
    const ops = this.queue;
    this.queue = [];
    const req: WriteOp[] = ops.map((o) => ({ op: o.op, key: o.key, value: o.value, expected: o.expected }));
    this.inflight = this.writer.call({ type: 'apply', ops: req }).then(
      (res) => {
        const r = res as BatchResult;
        this.commits++;
        this.revision = Math.max(this.revision, r.revision);
        const events: StoreEvent[] = [];
        const kvs: (KeyValue | undefined)[] = [];
        ops.forEach((o, i) => {
          const out = r.outcomes[i]!;
          if ('err' in out) { kvs.push(undefined); return; }
          // a delete's value is the last one stored; creates and updates store what was sent
          const value = o.op === 'delete' ? out.prev! : o.value!;
          kvs.push({ key: o.key, value, createRevision: out.createRev, modRevision: out.rev });
          const ev: StoreEvent = { type: o.op, key: o.key, value, revision: out.rev, createRevision: out.createRev };
          if (out.prev !== undefined) ev.prevValue = out.prev;
          events.push(ev);
        });
        this.watchers.publish(events);
        ops.forEach((o, i) => {
          const out = r.outcomes[i]!;
          if ('err' in out) o.reject(new StoreError(out.err.code, out.err.message, out.err.current));
          else o.resolve(kvs[i]!);
        });
      },
      (e: unknown) => {
        // the transaction rolled back: nothing of this batch is durable
        const err = new StoreError('Unavailable', `sqlite write failed: ${(e as Error).message}`);
        for (const o of ops) o.reject(err);
      },
    ).finally(() => {
      this.inflight = undefined;
      // what arrived during the commit goes out at once as the next group
      if (this.queue.length) this.flush();
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
