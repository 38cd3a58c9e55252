// NodePort allocation, stored like ClusterIPs: one key per port (/registry/servicenodeports/<port>)
// naming its Service, so allocations survive restarts and are safe with two servers on one etcd.
import type { Store } from '../storage/store.js';
import { StoreError } from '../storage/store.js';

const PREFIX = '/registry/servicenodeports/';

export class NodePortError extends Error {}

interface Owner { namespace: string; name: string }

export class NodePortAllocator {
  constructor(private readonly store: Store, readonly base = 30000, readonly size = 2768) {}

  get range(): string {
    return `${this.base}-${this.base + this.size - 1}`;
  }

  contains(port: number): boolean {
    return Number.isInteger(port) && port >= this.base && port < this.base + this.size;
  }

  async allocate(owner: Owner, requested?: number): Promise<number> {
    const value = JSON.stringify(owner);
    if (requested !== undefined) {
      if (!this.contains(requested)) throw new NodePortError(`provided port is not in the valid range. The range of valid ports is ${this.range}`);
      try {
        await this.store.create(PREFIX + requested, value);
        return requested;
      } catch (e) {
        if (e instanceof StoreError && e.code === 'KeyExists') {
          if ((await this.store.get(PREFIX + requested))?.value === value) return requested;
          throw new NodePortError('provided port is already allocated');
        }
        throw e;
      }
    }
    const start = Math.floor(Math.random() * this.size);
    for (let i = 0; i < this.size; i++) {
      const port = this.base + ((start + i) % this.size);
      try {
        await this.store.create(PREFIX + port, value);
        return port;
      } catch (e) {
        if (!(e instanceof StoreError && e.code === 'KeyExists')) throw e;
      }
    }
    throw new NodePortError('range is full');
  }

  async release(port: number): Promise<void> {
    await this.store.delete(PREFIX + port).catch((e) => {
      if (!(e instanceof StoreError && e.code === 'NotFound')) throw e;
    });
  }
}
