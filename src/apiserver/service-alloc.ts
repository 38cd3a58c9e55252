// Admission step for Services: allocates a ClusterIP (from the ServiceIPAllocator, durable in the
// store) for IP-bearing Services created without one, reserves an explicitly requested IP, and
// releases the IP when the Service is deleted or stops needing it (type ExternalName).
import type { KubeObject } from '../machinery/object.js';
import { errors, field } from '../machinery/errors.js';
import type { Store } from '../storage/store.js';
import { ServiceIPAllocator, AllocationError } from './service-ips.js';
import { NodePortAllocator, NodePortError } from './service-nodeports.js';
import { needsNodePorts } from '../api/kinds/service.js';
import type { Service } from '../api/types/core.js';

type Svc = KubeObject & { spec?: { type?: string; clusterIP?: string; clusterIPs?: string[]; ports?: { port?: number; nodePort?: number; protocol?: string }[] } };

const nodePortsOf = (s: Svc | undefined): number[] => (s && needsNodePorts(s as unknown as Service) ? (s.spec?.ports ?? []).map((p) => p.nodePort).filter((n): n is number => typeof n === 'number' && n > 0) : []);

const isIP = (s: string | undefined) => !!s && /^\d+\.\d+\.\d+\.\d+$/.test(s);
const needsIP = (s: Svc) => (s.spec?.type ?? 'ClusterIP') !== 'ExternalName';

export class ServiceAdmission {
  readonly allocator: ServiceIPAllocator;
  readonly nodePorts: NodePortAllocator;

  constructor(store: Store, cidr = '10.96.0.0/12') {
    this.allocator = new ServiceIPAllocator(store, cidr);
    this.nodePorts = new NodePortAllocator(store);
  }

  /** Called after validation, before the write. Fills spec.clusterIP(s) and node ports. */
  async admit(svc: Svc, old: Svc | undefined, dryRun: boolean): Promise<void> {
    const spec = (svc.spec ??= {});
    if (!needsIP(svc)) return;
    await this.admitNodePorts(svc, old, dryRun);
    const oldIP = old?.spec?.clusterIP;
    if (old && isIP(oldIP) && spec.clusterIP === oldIP) return; // kept
    const owner = { namespace: svc.metadata.namespace ?? '', name: svc.metadata.name ?? '' };
    try {
      if (!spec.clusterIP) {
        if (dryRun) return;
        const ip = await this.allocator.allocate(owner);
        spec.clusterIP = ip;
        spec.clusterIPs = [ip];
      } else if (isIP(spec.clusterIP) && !dryRun) {
        await this.allocator.allocate(owner, spec.clusterIP);
      }
    } catch (e) {
      if (e instanceof AllocationError) {
        throw errors.invalid('', 'Service', owner.name, [field.invalid('spec.clusterIPs', spec.clusterIPs ?? [spec.clusterIP], e.message)]);
      }
      throw e;
    }
  }

  /** Allocates a node port for every port of a NodePort/LoadBalancer Service that has none. */
  private async admitNodePorts(svc: Svc, old: Svc | undefined, dryRun: boolean): Promise<void> {
    if (!needsNodePorts(svc as unknown as Service)) return;
    const owner = { namespace: svc.metadata.namespace ?? '', name: svc.metadata.name ?? '' };
    const held = new Set(nodePortsOf(old));
    const ports = svc.spec?.ports ?? [];
    for (let i = 0; i < ports.length; i++) {
      const p = ports[i]!;
      try {
        if (typeof p.nodePort === 'number' && p.nodePort > 0) {
          if (!held.has(p.nodePort) && !dryRun) await this.nodePorts.allocate(owner, p.nodePort);
          else if (!this.nodePorts.contains(p.nodePort)) await this.nodePorts.allocate(owner, p.nodePort); // range error even on dry run
        } else if (!dryRun) {
          p.nodePort = await this.nodePorts.allocate(owner);
        }
      } catch (e) {
        if (e instanceof NodePortError) {
          await this.rollback(svc, old);
          throw errors.invalid('', 'Service', owner.name, [field.invalid(`spec.ports[${i}].nodePort`, p.nodePort, e.message)]);
        }
        throw e;
      }
    }
  }

  /** After a successful write: free an IP the Service no longer holds. */
  async afterWrite(svc: Svc | undefined, old: Svc | undefined): Promise<void> {
    const keep = new Set(nodePortsOf(svc));
    for (const port of nodePortsOf(old)) if (!keep.has(port)) await this.nodePorts.release(port).catch(() => {});
    const oldIP = old?.spec?.clusterIP;
    if (!isIP(oldIP)) return;
    if (svc && svc.spec?.clusterIP === oldIP && needsIP(svc)) return;
    await this.allocator.release(oldIP!).catch(() => {});
  }

  /** After a failed write: give back an IP and node ports this request allocated. */
  async rollback(svc: Svc, old: Svc | undefined): Promise<void> {
    const held = new Set(nodePortsOf(old));
    for (const port of nodePortsOf(svc)) if (!held.has(port)) await this.nodePorts.release(port).catch(() => {});
    const ip = svc.spec?.clusterIP;
    if (isIP(ip) && ip !== old?.spec?.clusterIP) await this.allocator.release(ip!).catch(() => {});
  }
}
