// EtcdStore: the Store interface over etcd v3 (tested against Debian's etcd-server 3.4), with a
// small client of our own on @grpc/grpc-js. Revisions are etcd's revisions; keys are stored as
// given (`/registry/...`, as upstream's API server does).
//   create = Txn(if create_revision(key) == 0 then put else get)
//   update = Txn(if create_revision > 0 and mod_revision == expected then put else get)
//   delete = Txn(if create_revision > 0 [and mod_revision == expected] then delete else get)
// Watches share one bidirectional Watch stream, multiplexed by client-chosen watch ids.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import type { KeyValue, ListOptions, ListResult, Store, StoreEvent, WatchCallbacks, WatchHandle } from './store.js';
import { StoreError } from './store.js';
import { ETCD_PROTO } from './etcd/proto.js';

export interface EtcdStoreOptions {
  /** Client URLs (`http://127.0.0.1:2379`). Several IP endpoints fail over in order; with host names only the first is used. */
  endpoints: string[];
  /** Per-request deadline (default 10 s). */
  timeoutMs?: number;
}

interface PbKv { key: Buffer; create_revision: number; mod_revision: number; version: number; value: Buffer }
interface PbHeader { revision: number }
interface PbRange { header: PbHeader; kvs: PbKv[]; more: boolean; count: number }
interface PbResponseOp { response_range?: PbRange; response_put?: { header: PbHeader; prev_kv?: PbKv | null }; response_delete_range?: { header: PbHeader; deleted: number; prev_kvs: PbKv[] } }
interface PbTxn { header: PbHeader; succeeded: boolean; responses: PbResponseOp[] }
interface PbEvent { type: 'PUT' | 'DELETE'; kv: PbKv; prev_kv?: PbKv | null }
interface PbWatchResponse { header: PbHeader; watch_id: number; created: boolean; canceled: boolean; compact_revision: number; cancel_reason: string; events: PbEvent[] }

type Unary<Req, Res> = (req: Req, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: Res) => void) => void;
interface KvClient extends grpc.Client {
  Range: Unary<object, PbRange>;
  Txn: Unary<object, PbTxn>;
  Compact: Unary<object, { header: PbHeader }>;
}
interface WatchClient extends grpc.Client {
  Watch(): grpc.ClientDuplexStream<object, PbWatchResponse>;
}

let pkgCache: grpc.GrpcObject | undefined;
function etcdPackage(): grpc.GrpcObject {
  if (!pkgCache) {
    const root = protobuf.parse(ETCD_PROTO, { keepCase: true }).root;
    const def = protoLoader.fromJSON(root.toJSON(), { keepCase: true, longs: Number, enums: String, bytes: Buffer, defaults: true, oneofs: true });
    pkgCache = grpc.loadPackageDefinition(def);
  }
  return pkgCache;
}

interface ActiveWatch { prefix: string; cb: WatchCallbacks; lastRevision: number; done: boolean }

export class EtcdStore implements Store {
  readonly kind = 'etcd' as const;
  private readonly kv: KvClient;
  private readonly watchClient: WatchClient;
  private readonly timeoutMs: number;
  private stream: grpc.ClientDuplexStream<object, PbWatchResponse> | undefined;
  private readonly watches = new Map<number, ActiveWatch>();
  private nextWatchId = 1;
  private compacted = 0;
  private closed = false;

  constructor(opts: EtcdStoreOptions) {
    const target = grpcTarget(opts.endpoints);
    const pkg = etcdPackage().etcdserverpb as grpc.GrpcObject;
    const channelOpts = { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': 8 * 1024 * 1024 };
    const KV = pkg.KV as grpc.ServiceClientConstructor;
    const Watch = pkg.Watch as grpc.ServiceClientConstructor;
    this.kv = new KV(target, grpc.credentials.createInsecure(), channelOpts) as unknown as KvClient;
    this.watchClient = new Watch(target, grpc.credentials.createInsecure(), channelOpts) as unknown as WatchClient;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  async currentRevision(): Promise<number> {
    // a count-only read of one key: cheapest request that carries the store revision
    const r = await this.call<PbRange>('Range', { key: Buffer.from('\0'), count_only: true });
    return r.header.revision;
  }

  async compactedRevision(): Promise<number> {
    // etcd has no direct read of the compacted revision; a watch from revision 1 is refused with it
    this.check();
    const probed = await new Promise<number>((resolve, reject) => {
      const id = this.nextWatchId++;
      const t = setTimeout(() => { this.watches.delete(id); reject(new StoreError('Unavailable', 'etcd: compaction probe timed out')); }, this.timeoutMs);
      this.watches.set(id, {
        prefix: '\0', lastRevision: 0, done: false,
        cb: {
          onEvents: () => undefined,
          onError: (e) => { clearTimeout(t); e.code === 'Compacted' ? resolve(this.compacted) : reject(e); },
        },
      });
      // a created (not cancelled) answer means nothing is compacted
      this.probes.set(id, () => { clearTimeout(t); this.cancelWatch(id); resolve(0); });
      this.send({ create_request: { key: Buffer.from('\0'), start_revision: 1, watch_id: id } });
    });
    return Math.max(probed, this.compacted);
  }
  private readonly probes = new Map<number, () => void>();

  async get(key: string): Promise<KeyValue | undefined> {
    const r = await this.call<PbRange>('Range', { key: Buffer.from(key) });
    return r.kvs[0] && toKv(r.kvs[0]);
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const start = opts.startAfter !== undefined && opts.startAfter >= prefix ? opts.startAfter + '\0' : prefix;
    const r = await this.call<PbRange>('Range', {
      key: Buffer.from(start), range_end: rangeEnd(prefix), limit: opts.limit && opts.limit > 0 ? opts.limit : 0, revision: opts.revision || 0,
    });
    return { items: r.kvs.map(toKv), revision: opts.revision || r.header.revision, more: r.more };
  }

  async count(prefix: string): Promise<number> {
    const r = await this.call<PbRange>('Range', { key: Buffer.from(prefix), range_end: rangeEnd(prefix), count_only: true });
    return r.count;
  }

  async create(key: string, value: string): Promise<KeyValue> {
    const k = Buffer.from(key);
    const r = await this.call<PbTxn>('Txn', {
      compare: [{ result: 'EQUAL', target: 'CREATE', key: k, create_revision: 0 }],
      success: [{ request_put: { key: k, value: Buffer.from(value) } }],
      failure: [{ request_range: { key: k } }],
    });
    if (!r.succeeded) {
      const cur = r.responses[0]?.response_range?.kvs[0];
      throw new StoreError('KeyExists', `key exists: ${key}`, cur && toKv(cur));
    }
    const rev = r.header.revision;
    return { key, value, createRevision: rev, modRevision: rev };
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    const k = Buffer.from(key);
    const r = await this.call<PbTxn>('Txn', {
      compare: [
        { result: 'GREATER', target: 'CREATE', key: k, create_revision: 0 },
        { result: 'EQUAL', target: 'MOD', key: k, mod_revision: expectedModRevision },
      ],
      success: [{ request_put: { key: k, value: Buffer.from(value), prev_kv: true } }],
      failure: [{ request_range: { key: k } }],
    });
    if (!r.succeeded) throw casFailure(key, expectedModRevision, r);
    const prev = r.responses[0]?.response_put?.prev_kv;
    const rev = r.header.revision;
    return { key, value, createRevision: prev ? prev.create_revision : rev, modRevision: rev };
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    const k = Buffer.from(key);
    const compare: object[] = [{ result: 'GREATER', target: 'CREATE', key: k, create_revision: 0 }];
    if (expectedModRevision !== undefined) compare.push({ result: 'EQUAL', target: 'MOD', key: k, mod_revision: expectedModRevision });
    const r = await this.call<PbTxn>('Txn', {
      compare,
      success: [{ request_delete_range: { key: k, prev_kv: true } }],
      failure: [{ request_range: { key: k } }],
    });
    if (!r.succeeded) throw casFailure(key, expectedModRevision ?? 0, r);
    const prev = r.responses[0]?.response_delete_range?.prev_kvs[0];
    if (!prev) throw new StoreError('NotFound', `key not found: ${key}`);
    return { ...toKv(prev), modRevision: r.header.revision };
  }

  watch(prefix: string, fromRevision: number, cb: WatchCallbacks): WatchHandle {
    if (this.closed) {
      queueMicrotask(() => cb.onError(new StoreError('Closed', 'store is closed')));
      return { cancel: () => undefined };
    }
    const id = this.nextWatchId++;
    this.watches.set(id, { prefix, cb, lastRevision: fromRevision, done: false });
    this.send({
      create_request: { key: Buffer.from(prefix), range_end: rangeEnd(prefix), start_revision: fromRevision + 1, prev_kv: true, watch_id: id },
    });
    return { cancel: () => this.cancelWatch(id) };
  }

  requestProgress(): void {
    if (!this.closed && this.watches.size) this.send({ progress_request: {} });
  }

  async compact(revision: number): Promise<void> {
    const current = await this.currentRevision();
    const target = Math.min(revision, current);
    if (target <= this.compacted) return;
    try {
      await this.call('Compact', { revision: target, physical: true });
    } catch (e) {
      // already compacted at or beyond this revision: nothing to do
      if (!(e instanceof StoreError && e.code === 'Compacted')) throw e;
    }
    this.compacted = Math.max(this.compacted, target);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = new StoreError('Closed', 'store is closed');
    for (const [id, w] of this.watches) { this.watches.delete(id); if (!w.done) { w.done = true; w.cb.onError(err); } }
    this.stream?.cancel();
    this.stream = undefined;
    this.kv.close();
    this.watchClient.close();
  }

  private check(): void {
    if (this.closed) throw new StoreError('Closed', 'store is closed');
  }

  private call<T>(method: 'Range' | 'Txn' | 'Compact', req: object): Promise<T> {
    if (this.closed) return Promise.reject(new StoreError('Closed', 'store is closed'));
    return new Promise<T>((resolve, reject) => {
      const fn = this.kv[method] as Unary<object, T>;
      fn.call(this.kv, req, new grpc.Metadata(), { deadline: Date.now() + this.timeoutMs }, (err, res) => {
        if (err) reject(mapError(err));
        else resolve(res);
      });
    });
  }

  /** Sends on the shared watch stream, opening it on first use (or after it failed). */
  private send(req: object): void {
    if (!this.stream) {
      const s = this.watchClient.Watch();
      this.stream = s;
      s.on('data', (r: PbWatchResponse) => this.onWatchResponse(r));
      const fail = (why: string) => {
        if (this.stream !== s) return;
        this.stream = undefined;
        const err = new StoreError(this.closed ? 'Closed' : 'Unavailable', `etcd watch stream ended: ${why}`);
        for (const [id, w] of this.watches) {
          this.watches.delete(id);
          this.probes.delete(id);
          if (!w.done) { w.done = true; w.cb.onError(err); }
        }
      };
      s.on('error', (e: Error) => fail(e.message));
      s.on('end', () => fail('end'));
    }
    this.stream.write(req);
  }

  private cancelWatch(id: number): void {
    const w = this.watches.get(id);
    this.probes.delete(id);
    if (!w) return;
    w.done = true;
    this.watches.delete(id);
    if (this.stream && !this.closed) this.stream.write({ cancel_request: { watch_id: id } });
  }

  private onWatchResponse(r: PbWatchResponse): void {
    const id = r.watch_id;
    if (!r.events.length && !r.created && !r.canceled) {
      // a progress notification: for one watch, or (watch_id -1) for every watch on the stream
      const targets = id === -1 ? [...this.watches.values()] : [this.watches.get(id)];
      for (const t of targets) {
        if (!t || t.done) continue;
        // lastRevision is deliberately not advanced: before etcd 3.4.25 a requested progress
        // notification can overtake events still queued for the watch (etcd#15220), and those
        // events must still be delivered
        t.cb.onProgress?.(r.header.revision);
      }
      return;
    }
    const w = this.watches.get(id);
    if (!w || w.done) return;
    if (r.canceled) {
      this.watches.delete(id);
      this.probes.delete(id);
      w.done = true;
      if (r.compact_revision > 0) {
        this.compacted = Math.max(this.compacted, r.compact_revision);
        w.cb.onError(new StoreError('Compacted', `required revision ${w.lastRevision} has been compacted (compacted revision ${r.compact_revision})`));
      } else {
        w.cb.onError(new StoreError('Unavailable', `etcd cancelled the watch: ${r.cancel_reason || 'unknown reason'}`));
      }
      return;
    }
    if (r.created) {
      const probe = this.probes.get(id);
      if (probe) { this.probes.delete(id); probe(); return; }
    }
    if (!r.events.length) return;
    const events: StoreEvent[] = [];
    for (const e of r.events) {
      const ev = toEvent(e);
      if (ev.revision <= w.lastRevision) continue;
      events.push(ev);
    }
    if (!events.length) return;
    w.lastRevision = events[events.length - 1]!.revision;
    try {
      w.cb.onEvents(events);
    } catch (err) {
      this.cancelWatch(id);
      w.cb.onError(new StoreError('Unavailable', `watch consumer failed: ${(err as Error).message}`));
    }
  }
}

function toKv(kv: PbKv): KeyValue {
  return { key: kv.key.toString('utf8'), value: kv.value.toString('utf8'), createRevision: kv.create_revision, modRevision: kv.mod_revision };
}

function toEvent(e: PbEvent): StoreEvent {
  const key = e.kv.key.toString('utf8');
  const prev = e.prev_kv ? e.prev_kv.value.toString('utf8') : undefined;
  if (e.type === 'DELETE') {
    // etcd's delete event carries only the key and the deletion revision; the value is in prev_kv
    return { type: 'delete', key, value: prev ?? '', prevValue: prev, revision: e.kv.mod_revision, createRevision: e.prev_kv?.create_revision ?? 0 };
  }
  const created = e.kv.version === 1 || e.kv.create_revision === e.kv.mod_revision;
  const ev: StoreEvent = { type: created ? 'create' : 'update', key, value: e.kv.value.toString('utf8'), revision: e.kv.mod_revision, createRevision: e.kv.create_revision };
  if (!created && prev !== undefined) ev.prevValue = prev;
  return ev;
}

function casFailure(key: string, expected: number, r: PbTxn): StoreError {
  const cur = r.responses[0]?.response_range?.kvs[0];
  if (!cur) return new StoreError('NotFound', `key not found: ${key}`);
  return new StoreError('Conflict', `modRevision of ${key} is ${cur.mod_revision}, expected ${expected}`, toKv(cur));
}

function mapError(err: grpc.ServiceError): StoreError {
  const msg = err.details || err.message;
  if (/required revision has been compacted/.test(msg)) return new StoreError('Compacted', `etcd: ${msg}`);
  if (/future revision/.test(msg)) return new StoreError('Unavailable', `etcd: ${msg}`);
  return new StoreError('Unavailable', `etcd: ${msg}`);
}

/** gRPC target for the endpoints: one host:port, or an `ipv4:`/`ipv6:` address list (pick-first failover). */
function grpcTarget(endpoints: string[]): string {
  const hosts = endpoints.map((e) => e.trim().replace(/^https?:\/\//, '').replace(/\/+$/, '')).filter(Boolean);
  if (!hosts.length) throw new Error('etcd: no endpoints');
  if (hosts.length > 1 && hosts.every((h) => /^\d+\.\d+\.\d+\.\d+:\d+$/.test(h))) return `ipv4:${hosts.join(',')}`;
  if (hosts.length > 1 && hosts.every((h) => /^\[[0-9a-fA-F:]+\]:\d+$/.test(h))) return `ipv6:${hosts.join(',')}`;
  return hosts[0]!;
}

/** range_end covering every key with this prefix: the prefix with its last byte incremented. */
function rangeEnd(prefix: string): Buffer {
  const b = Buffer.from(prefix);
  for (let i = b.length - 1; i >= 0; i--) {
    if (b[i]! < 0xff) {
      const end = Buffer.from(b.subarray(0, i + 1));
      end[i]!++;
      return end;
    }
  }
  return Buffer.from([0]); // all keys
}
