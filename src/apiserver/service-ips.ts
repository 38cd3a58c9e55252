// ClusterIP allocation. Every allocated IP is a key in the store (/registry/serviceips/<ip>) whose
// value names the owning Service, so allocation is durable state: it survives restarts and two
// servers on one etcd never hand out the same IP (create-if-absent is atomic in every Store).
// A repair pass frees keys whose Service is gone (a crash between allocate and create).
import type { Store } from '../storage/store.js';
import { StoreError } from '../storage/store.js';

const PREFIX = '/registry/serviceips/';

export class AllocationError extends Error {}

interface Owner { namespace: string; name: string }

export function parseCIDR(cidr: string): { base: number; bits: number; size: number } {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr.trim());
  if (!m) throw new Error(`invalid service CIDR ${JSON.stringify(cidr)} (IPv4 CIDR expected, e.g. 10.96.0.0/12)`);
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits < 12 || bits > 30) throw new Error(`invalid service CIDR ${cidr}: the mask must be between /12 and /30`);
  const ip = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  const size = 2 ** (32 - bits);
  return { base: (ip & ~(size - 1)) >>> 0, bits, size };
}

/** The n-th address of a service range (1 = the \`kubernetes\` Service, 10 = kube-dns, as kubeadm). */
export function serviceIP(cidr: string, n: number): string {
  const r = parseCIDR(cidr);
  if (n <= 0 || n >= r.size - 1) throw new Error(`service CIDR ${cidr} has no address number ${n}`);
  return toIP(r.base + n);
}

const toIP = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
function fromIP(ip: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;
}

export class ServiceIPAllocator {
  private readonly range: { base: number; bits: number; size: number };
  /** Size of the lower (static) band, as upstream's ServiceIPStaticSubrange. */
  private readonly offset: number;

  constructor(private readonly store: Store, readonly cidr = '10.96.0.0/12') {
    this.range = parseCIDR(cidr);
    const size = this.range.size;
    this.offset = size <= 16 ? 0 : Math.min(Math.max(16, Math.floor(size / 16)), 256);
  }

  /** The n-th address of the range (1 = the `kubernetes` Service, 10 = kube-dns). */
  nth(n: number): string {
    return toIP(this.range.base + n);
  }

  contains(ip: string): boolean {
    const n = fromIP(ip);
    return n !== undefined && n > this.range.base && n < this.range.base + this.range.size - 1;
  }

  /** Allocates `requested`, or a free address (upper band first). Throws AllocationError with upstream's text. */
  async allocate(owner: Owner, requested?: string): Promise<string> {
    const value = JSON.stringify(owner);
    if (requested) {
      if (!this.contains(requested)) {
        throw new AllocationError(`failed to allocate IP ${requested}: the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${this.cidr}`);
      }
      try {
        await this.store.create(PREFIX + requested, value);
        return requested;
      } catch (e) {
        if (e instanceof StoreError && e.code === 'KeyExists') {
          const cur = await this.store.get(PREFIX + requested);
          if (cur?.value === value) return requested; // ours already (a retried create)
          throw new AllocationError(`failed to allocate IP ${requested}: provided IP is already allocated`);
        }
        throw e;
      }
    }
    const last = this.range.size - 2; // highest usable index
    const bands: [number, number][] = this.offset > 0 && this.offset < last ? [[this.offset + 1, last], [1, this.offset]] : [[1, last]];
    for (const [lo, hi] of bands) {
      const span = hi - lo + 1;
      const start = Math.floor(Math.random() * span);
      // Random start, then a linear probe: finds a free address whenever the band has one.
      for (let i = 0; i < span; i++) {
        const ip = toIP(this.range.base + lo + ((start + i) % span));
        try {
          await this.store.create(PREFIX + ip, value);
          return ip;
        } catch (e) {
          if (!(e instanceof StoreError && e.code === 'KeyExists')) throw e;
        }
        if (i > 4096 && span > 65536) break; // a nearly full huge band: fall through to the next one
      }
    }
    throw new AllocationError(`failed to allocate a serviceIP: range is full`);
  }

  async release(ip: string): Promise<void> {
    try {
      await this.store.delete(PREFIX + ip);
    } catch (e) {
      if (!(e instanceof StoreError && e.code === 'NotFound')) throw e;
    }
  }

  /** Frees allocations whose owner no longer holds the IP. `owners` maps ip → "ns/name" of live Services. */
  async repair(liveOwners: Map<string, string>): Promise<number> {
    let freed = 0;
    const all = await this.store.list(PREFIX);
    for (const kv of all.items) {
      const ip = kv.key.slice(PREFIX.length);
      let owner: Owner | undefined;
      try {
        owner = JSON.parse(kv.value) as Owner;
      } catch {
        owner = undefined;
      }
      if (!owner || liveOwners.get(ip) !== `${owner.namespace}/${owner.name}`) {
        try {
          await this.store.delete(kv.key, kv.modRevision);
          freed++;
        } catch {
          /* changed meanwhile: leave it for the next pass */
        }
      }
    }
    return freed;
  }
}
