// Admission step for Services: allocates a ClusterIP (from the ServiceIPAllocator, durable in the
// store) for IP-bearing Services created without one, reserves an explicitly requested IP, and
// releases the IP when the Service is deleted or stops needing it (type ExternalName).
import type { KubeObject } from '../machinery/object.js';
import { errors, field } from '../machinery/errors.js';
import type { Store } from '../storage/store.js';
import { ServiceIPAllocator, AllocationError } from './service-ips.js';

type Svc = KubeObject & { spec?: { type?: string; clusterIP?: string; clusterIPs?: string[] } };

const isIP = (s: string | undefined) => !!s && /^\d+\.\d+\.\d+\.\d+$/.test(s);
const needsIP = (s: Svc) => (s.spec?.type ?? 'ClusterIP') !== 'ExternalName';

export class ServiceAdmission {
  readonly allocator: ServiceIPAllocator;

  constructor(store: Store, cidr = '10.96.0.0/12') {
    this.allocator = new ServiceIPAllocator(store, cidr);
  }

  /** Called after validation, before the write. Fills spec.clusterIP(s). */
  async admit(svc: Svc, old: Svc | undefined, dryRun: boolean): Promise<void> {
    const spec = (svc.spec ??= {});
    if (!needsIP(svc)) return;
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

  /** After a successful write: free an IP the Service no longer holds. */
  async afterWrite(svc: Svc | undefined, old: Svc | undefined): Promise<void> {
    const oldIP = old?.spec?.clusterIP;
    if (!isIP(oldIP)) return;
    if (svc && svc.spec?.clusterIP === oldIP && needsIP(svc)) return;
    await this.allocator.release(oldIP!).catch(() => {});
  }

  /** After a failed write: give back an IP this request allocated. */
  async rollback(svc: Svc, old: Svc | undefined): Promise<void> {
    const ip = svc.spec?.clusterIP;
    if (isIP(ip) && ip !== old?.spec?.clusterIP) await this.allocator.release(ip!).catch(() => {});
  }
}
