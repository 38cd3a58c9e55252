// Feeds the DNS index from the API: informers on Namespaces, Services and EndpointSlices (through
// the client, like any other component). The index is marked synced once all three have listed.
import type { Service, Namespace } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Client } from '../client/types.js';
import { R } from '../client/types.js';
import { SharedInformers } from '../client/shared-informers.js';
import type { ClusterIndex } from './cluster-index.js';

export interface DnsFeed {
  synced: Promise<void>;
  stop(): void;
}

export function feedIndex(client: Client, index: ClusterIndex, onError?: (e: unknown) => void, shared?: SharedInformers): DnsFeed {
  const informers = shared ?? new SharedInformers(client, { onError });
  const namespaces = informers.informer(R.namespaces);
  const services = informers.informer(R.services);
  const slices = informers.informer(R.endpointslices);
  namespaces.addHandlers({
    add: (ns) => index.upsertNamespace(ns as Namespace),
    update: (_o, ns) => index.upsertNamespace(ns as Namespace),
    delete: (ns) => index.deleteNamespace(ns.metadata.name ?? ''),
  });
  services.addHandlers({
    add: (s) => index.upsertService(s as Service),
    update: (_o, s) => index.upsertService(s as Service),
    delete: (s) => index.deleteService(s.metadata.namespace ?? 'default', s.metadata.name ?? ''),
  });
  slices.addHandlers({
    add: (s) => index.upsertSlice(s as unknown as EndpointSlice),
    update: (_o, s) => index.upsertSlice(s as unknown as EndpointSlice),
    delete: (s) => index.deleteSlice(s.metadata.namespace ?? 'default', s.metadata.name ?? ''),
  });
  const all = [namespaces, services, slices];
  for (const i of all) i.start();
  const synced = Promise.all(all.map((i) => i.waitForSync())).then(() => index.markSynced());
  return {
    synced,
    stop: () => {
      if (!shared) informers.stop();
    },
  };
}
