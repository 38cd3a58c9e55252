// Namespace deletion, as upstream's API server + namespace controller do it together: DELETE marks
// the namespace Terminating (deletionTimestamp, status.phase) while spec.finalizers still holds
// "kubernetes"; then every namespaced object in it is deleted (with each kind's normal deletion
// semantics: grace periods, finalizers), and once none is left the namespace itself is removed.
// Runs inside the API server because it is the one component with every kind's storage at hand.
import type { KindDefinition } from '../api/kind.js';
import type { KubeObject } from '../machinery/object.js';
import { ApiError } from '../machinery/errors.js';
import { StoreError, type Store } from '../storage/store.js';
import type { ObjectCodec } from './resources.js';

export interface NamespaceLifecycleDeps {
  store: Store;
  kinds: KindDefinition[];
  codec: ObjectCodec;
  /** Deletes one object with default options (the handler's deleteOne). */
  deleteObject(kind: KindDefinition, namespace: string, name: string): Promise<void>;
  log?(msg: string): void;
}

export class NamespaceLifecycle {
  private readonly running = new Map<string, Promise<void>>();
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly d: NamespaceLifecycleDeps) {}

  get nsKind(): KindDefinition | undefined {
    return this.d.kinds.find((k) => k.group === '' && k.kind === 'Namespace');
  }

  /** Marks a namespace Terminating and starts emptying it. Returns the updated namespace. */
  async beginDelete(ns: KubeObject, modRevision: number, dryRun: boolean, now: Date): Promise<KubeObject> {
    const kind = this.nsKind!;
    const next = JSON.parse(JSON.stringify(ns)) as KubeObject;
    const m = next.metadata as Record<string, unknown>;
    if (!m.deletionTimestamp) {
      m.deletionTimestamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
      m.deletionGracePeriodSeconds = 0;
    }
    next.status = { ...((next.status as object) ?? {}), phase: 'Terminating' };
    if (dryRun) return next;
    let out = ns;
    if (JSON.stringify(next) !== JSON.stringify(ns)) {
      const key = this.d.codec.key(kind, undefined, ns.metadata.name!);
      const kv = await this.d.store.update(key, this.d.codec.encode(kind, next), modRevision);
      out = this.d.codec.decode(kind, kv);
    }
    this.schedule(ns.metadata.name!);
    return out;
  }

  /** Resumes namespaces left Terminating by a previous run. */
  async resume(): Promise<void> {
    const kind = this.nsKind;
    if (!kind) return;
    const all = await this.d.store.list(this.d.codec.prefix(kind));
    for (const kv of all.items) {
      const ns = JSON.parse(kv.value) as KubeObject;
      if (ns.metadata.deletionTimestamp) this.schedule(ns.metadata.name!);
    }
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private schedule(name: string, delayMs = 0): void {
    if (this.closed || this.running.has(name)) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      const p = this.finalize(name).then(
        (done) => { this.running.delete(name); if (!done) this.schedule(name, 300); },
        (e) => { this.running.delete(name); this.d.log?.(`namespace ${name}: ${(e as Error).message}`); this.schedule(name, 2000); },
      );
      this.running.set(name, p);
    }, delayMs);
    this.timers.add(t);
  }

  /** One pass: delete what is left; remove the namespace when empty. True when finished. */
  private async finalize(name: string): Promise<boolean> {
    if (this.closed) return true;
    let remaining = 0;
    const seen = new Set<string>();
    for (const k of this.d.kinds) {
      if (!k.namespaced) continue;
      const prefix = this.d.codec.prefix(k, name);
      if (seen.has(prefix)) continue; // a kind served in two versions shares storage
      seen.add(prefix);
      const list = await this.d.store.list(prefix);
      for (const kv of list.items) {
        remaining++;
        const obj = JSON.parse(kv.value) as KubeObject;
        if (obj.metadata.deletionTimestamp) continue; // already on its way out
        try {
          await this.d.deleteObject(k, name, obj.metadata.name!);
        } catch (e) {
          if (!(e instanceof ApiError && e.code === 404)) throw e;
        }
      }
    }
    if (remaining > 0) return false;
    const kind = this.nsKind!;
    const key = this.d.codec.key(kind, undefined, name);
    const kv = await this.d.store.get(key);
    if (!kv) return true;
    const ns = JSON.parse(kv.value) as KubeObject;
    if (!ns.metadata.deletionTimestamp) return true; // recreated meanwhile
    if ((ns.metadata.finalizers?.length ?? 0) > 0) return false; // someone else's finalizer
    const specFins = ((ns.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).filter((f) => f !== 'kubernetes');
    if (specFins.length) return false; // another finalizer still has work (removed via /finalize)
    try {
      await this.d.store.delete(key, kv.modRevision);
    } catch (e) {
      if (e instanceof StoreError && (e.code === 'Conflict' || e.code === 'NotFound')) return e.code === 'NotFound';
      throw e;
    }
    return true;
  }
}
