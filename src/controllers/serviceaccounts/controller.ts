// Per-namespace defaults every cluster has: the `default` ServiceAccount (upstream's
// serviceaccount controller) and the `kube-root-ca.crt` ConfigMap with the cluster CA (upstream's
// root-ca-cert-publisher). Recreated when deleted, as upstream does.
import type { KubeObject } from '../../machinery/object.js';
import { isApiError } from '../../machinery/errors.js';
import type { Client } from '../../client/types.js';
import { R } from '../../client/types.js';
import { SharedInformers } from '../../client/shared-informers.js';
import { WorkQueue } from '../../client/workqueue.js';

/** What a namespace should contain that it lacks — pure. */
export function missingDefaults(namespace: KubeObject, hasServiceAccount: boolean, hasRootCA: boolean, caPem: string | undefined): KubeObject[] {
  if (namespace.metadata.deletionTimestamp || (namespace.status as { phase?: string } | undefined)?.phase === 'Terminating') return [];
  const ns = namespace.metadata.name!;
  const out: KubeObject[] = [];
  if (!hasServiceAccount) out.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } });
  if (!hasRootCA && caPem) out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: ns, annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' } }, data: { 'ca.crt': caPem } });
  return out;
}

export function startServiceAccountController(client: Client, opts: { informers?: SharedInformers; caPem?: string; log?: (m: string) => void } = {}): { synced: Promise<void>; stop(): void } {
  const informers = opts.informers ?? new SharedInformers(client);
  const namespaces = informers.informer(R.namespaces);
  const accounts = informers.informer(R.serviceaccounts, { fieldSelector: 'metadata.name=default' });
  const configmaps = informers.informer(R.configmaps, { fieldSelector: 'metadata.name=kube-root-ca.crt' });
  const queue = new WorkQueue();
  namespaces.addHandlers({ add: (n) => queue.add(n.metadata.name!), update: (_o, n) => queue.add(n.metadata.name!) });
  accounts.addHandlers({ delete: (s) => queue.add(s.metadata.namespace!) });
  configmaps.addHandlers({ delete: (c) => queue.add(c.metadata.namespace!) });
  let stopped = false;
  async function worker(): Promise<void> {
    for (;;) {
      const ns = await queue.get();
      if (ns === undefined || stopped) return;
      try {
        const n = namespaces.get(undefined, ns);
        if (n) {
          for (const obj of missingDefaults(n, !!accounts.get(ns, 'default'), !!configmaps.get(ns, 'kube-root-ca.crt'), opts.caPem)) {
            await client.create(obj.kind === 'ServiceAccount' ? R.serviceaccounts : R.configmaps, ns, obj).catch((e) => {
              // AlreadyExists: a stale cache; Forbidden/NotFound: the namespace is going away.
              if (!isApiError(e, 'AlreadyExists') && !isApiError(e, 'Forbidden') && !isApiError(e, 'NotFound')) throw e;
            });
          }
        }
        queue.forget(ns);
      } catch (e) {
        opts.log?.(`serviceaccounts ${ns}: ${(e as Error).message}`);
        queue.addRateLimited(ns);
      } finally {
        queue.done(ns);
      }
    }
  }
  const all = [namespaces, accounts, configmaps];
  for (const i of all) i.start();
  const synced = Promise.all(all.map((i) => i.waitForSync())).then(() => void worker());
  return { synced, stop: () => { if (!opts.informers) informers.stop(); stopped = true; queue.shutDown(); for (const i of all) i.stop(); } };
}
