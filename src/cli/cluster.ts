// startCluster: the whole cluster in-process — storage, the HTTPS API server, the initial
// namespaces, the kubeconfig, and whatever components (controllers, scheduler, node agent, DNS)
// are registered. `ordinal up` and the integration tests both use it.
import { mkdirSync, writeFileSync, chmodSync, openSync, closeSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { KindDefinition } from '../api/kind.js';
import { kinds as registryKinds } from '../api/registry.js';
import type { Store } from '../storage/store.js';
import { MemoryStore } from '../storage/memory.js';
import { SqliteStore } from '../storage/sqlite.js';
import { startCompactor, type Compactor } from '../storage/compactor.js';
import { ApiServer, type OpenApiProvider, type ConnectHandler, type UpgradeHandler } from '../apiserver/server.js';
import { ResourceHandler, type ApiContext } from '../apiserver/resources.js';
import { loadOrCreateTls } from '../apiserver/certs.js';
import { loadOrCreateToken, TokenAuthenticator } from '../apiserver/auth.js';
import { decodeProtobufObject } from '../apiserver/protobuf.js';
import { ServiceAdmission } from '../apiserver/service-alloc.js';
import { ServiceAccountTokens } from '../apiserver/tokens.js';
import { BOOTSTRAP_TOKEN_RE, lookupBootstrapToken, ensureJoinToken } from '../apiserver/bootstrap-tokens.js';
import { openapiProvider } from '../apiserver/openapi.js';
import { parseCommonQuery, type RequestInfo } from '../apiserver/request-info.js';
import { ApiError } from '../machinery/errors.js';
import { kubeconfigPath } from './paths.js';
import { InProcessClient } from './inprocess-client.js';
import type { Client } from '../client/types.js';

export interface ClusterOptions {
  dataDir: string;
  /** HOST:PORT for the API (default 127.0.0.1:6443; port 0 picks a free one). */
  listen?: string;
  /** HOST:PORT for cluster DNS (used by the DNS component). */
  dns?: string;
  runtime?: 'cri' | 'sim';
  /** Extra processes answering cluster DNS over UDP from cached answers (src/dns/udp-workers.ts); default 0. */
  dnsWorkers?: number;
  /** TTL of cluster DNS answers in seconds (default 5, as CoreDNS's kubernetes plugin). */
  dnsTtl?: number;
  storage?: 'sqlite' | 'etcd' | 'memory';
  etcdEndpoints?: string[];
  /** Kinds to serve (default: the registry). */
  kinds?: KindDefinition[];
  /** Components to start after the API is ready (default: `components` below). */
  components?: Component[];
  /** See ApiContext.garbageCollector (default: true when a component declares it runs a GC). */
  garbageCollector?: boolean;
  openapi?: OpenApiProvider;
  maxBodyBytes?: number;
  /** Service ClusterIP range (default 10.96.0.0/12). */
  serviceCIDR?: string;
  /** Events each watch cache keeps for watch-from-revision (default 1000). */
  watchCacheWindow?: number;
  log?: (msg: string) => void;
  /** Called once the API answers /readyz, before the components start. */
  onApiReady?: (info: { url: string; kubeconfigPath: string; storage: string }) => void;
}

/** What a component gets: the API in-process and over HTTPS, and where things live. */
export interface ClusterContext {
  opts: ClusterOptions;
  url: string;
  token: string;
  caPem: string;
  kubeconfigPath: string;
  dataDir: string;
  kinds: KindDefinition[];
  /** The API's request handler, for an in-process client (no sockets). */
  handler: ResourceHandler;
  apiServer: ApiServer;
  log(msg: string): void;
  /** Registers a handler for pod log (and other plain-HTTP connect requests) — the node agent. */
  addConnectHandler(h: ConnectHandler): void;
  /** Registers a handler for upgrade requests: exec/attach/portforward over WebSocket or SPDY. */
  addUpgradeHandler(h: UpgradeHandler): void;
  /** A Client that calls the API handler directly (no TLS/HTTP/JSON text); same semantics as HttpClient. */
  inProcessClient(): Client & { close(): void };
  /** The API server's serving certificate and key (also its client identity towards node agents' streaming servers). */
  servingTls?: { certPem: string; keyPem: string };
}

export interface Component {
  name: string;
  /** True for a garbage collector that honours the orphan/foregroundDeletion finalizers. */
  garbageCollector?: boolean;
  start(ctx: ClusterContext): Promise<{ stop(): Promise<void> | void }>;
}

/** Components `ordinal up` starts; later issues push controllers, scheduler, node agent, DNS here. */
export const components: Component[] = [];

export interface Cluster {
  url: string;
  token: string;
  caPem: string;
  kubeconfigPath: string;
  host: string;
  port: number;
  store: Store;
  handler: ResourceHandler;
  /** A new in-process Client (close() it when done). */
  inProcessClient(): InProcessClient;
  stop(): Promise<void>;
  /** The join token for `ordinal agent --token` (a bootstrap token; also in <data dir>/join-token). */
  joinToken?: string;
}

export function parseHostPort(s: string, defPort: number): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(s.trim());
  if (!m) throw new Error(`invalid HOST:PORT ${JSON.stringify(s)}`);
  const port = m[2] !== undefined ? Number(m[2]) : defPort;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port in ${JSON.stringify(s)}`);
  return { host: m[1] || '127.0.0.1', port };
}

async function openStore(opts: ClusterOptions): Promise<Store> {
  switch (opts.storage ?? 'sqlite') {
    case 'memory': return new MemoryStore();
    case 'sqlite': return new SqliteStore({ path: join(opts.dataDir, 'ordinal.db') });
    case 'etcd': {
      const { EtcdStore } = await import('../storage/etcd.js');
      const endpoints = opts.etcdEndpoints?.length ? opts.etcdEndpoints : ['http://127.0.0.1:2379'];
      return new EtcdStore({ endpoints });
    }
    default: throw new Error(`unknown storage ${String(opts.storage)}`);
  }
}

export function kubeconfigYaml(server: string, caPem: string, token: string): string {
  const ca = Buffer.from(caPem).toString('base64');
  return `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: ${ca}
    server: ${server}
  name: ordinal
contexts:
- context:
    cluster: ordinal
    namespace: default
    user: admin
  name: ordinal
current-context: ordinal
preferences: {}
users:
- name: admin
  user:
    token: ${token}
`;
}

const INITIAL_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

async function createIfMissing(handler: ResourceHandler, kind: KindDefinition, namespace: string | undefined, body: Record<string, unknown>): Promise<void> {
  const info: RequestInfo = {
    isResourceRequest: true, prefix: kind.group ? 'apis' : 'api', group: kind.group, version: kind.version, namespace,
    resource: kind.plural, verb: 'create', parts: [], legacyWatch: false,
  };
  try {
    await handler.handle({ info, kind, query: parseCommonQuery(new URLSearchParams()), body });
  } catch (e) {
    if (!(e instanceof ApiError && e.reason === 'AlreadyExists')) throw e;
  }
}

/**
 * Creates what every cluster has, through the normal create path (defaults, validation): the four
 * namespaces and the `kubernetes` Service (first IP of the service range, port 443 → the API port).
 */
async function ensureInitialObjects(handler: ResourceHandler, kinds: KindDefinition[], apiPort: number, services?: ServiceAdmission): Promise<void> {
  const ns = kinds.find((k) => k.group === '' && k.kind === 'Namespace');
  if (ns) for (const name of INITIAL_NAMESPACES) await createIfMissing(handler, ns, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  const svc = kinds.find((k) => k.group === '' && k.kind === 'Service');
  if (svc && services) {
    await createIfMissing(handler, svc, 'default', {
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { type: 'ClusterIP', clusterIP: services.allocator.nth(1), ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: apiPort }], sessionAffinity: 'None' },
    });
  }
}

/**
 * One cluster process per data dir: two servers on one SQLite file would each keep their own
 * revision counter. A lock file holds the owner's pid; a stale one (dead pid) is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  const file = join(dataDir, 'ordinal.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => { try { if (readFileSync(file, 'utf8') === String(process.pid)) unlinkSync(file); } catch { /* gone */ } };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(file, 'utf8').trim());
      let alive = false;
      if (Number.isInteger(pid) && pid > 0) {
        try { process.kill(pid, 0); alive = true; } catch (err) { alive = (err as NodeJS.ErrnoException).code === 'EPERM'; }
      }
      if (alive) throw new Error(`another ordinal (pid ${pid}) is running on data dir ${dataDir}`);
      try { unlinkSync(file); } catch { /* raced */ }
    }
  }
  throw new Error(`could not lock data dir ${dataDir}`);
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`${new Date().toISOString()} ${m}\n`));
  const kinds = opts.kinds ?? registryKinds;
  const comps = opts.components ?? components;
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const { host, port } = parseHostPort(opts.listen ?? '127.0.0.1:6443', 6443);
  const unlock = lockDataDir(opts.dataDir);
  let tls, token, store: Store;
  try {
    // Certificates (generated on a fresh data dir) and the store (the SQLite writer thread starts)
    // are independent: prepare both at once.
    token = loadOrCreateToken(opts.dataDir);
    const tlsP = loadOrCreateTls(opts.dataDir, [host]);
    const storeP = Promise.resolve().then(() => openStore(opts));
    const [t, s] = await Promise.allSettled([tlsP, storeP]);
    if (t.status === 'rejected') {
      if (s.status === 'fulfilled') await s.value.close().catch(() => {});
      throw t.reason;
    }
    if (s.status === 'rejected') throw s.reason;
    tls = t.value;
    store = s.value;
  } catch (e) {
    unlock();
    throw e;
  }
  let compactor: Compactor | undefined;
  if (store.kind !== 'memory') compactor = startCompactor(store, { onError: (e) => log(`compaction failed: ${(e as Error).message}`) });
  let ready = false;
  let joinToken: string | undefined;
  const services = new ServiceAdmission(store, opts.serviceCIDR);
  const saKind = kinds.find((k) => k.group === '' && k.kind === 'ServiceAccount');
  const tokens = new ServiceAccountTokens(store, (ns, name) => (saKind ? api.handler.codec.key(saKind, ns, name) : `/registry/serviceaccounts/${ns}/${name}`));
  const auth = new TokenAuthenticator(token);
  // Join tokens (bootstrap tokens backed by kube-system Secrets) for `ordinal agent`; else ServiceAccount tokens.
  const secretKind = kinds.find((k) => k.group === '' && k.kind === 'Secret');
  const getSecret = async (name: string) => {
    if (!secretKind) return undefined;
    try {
      return (await api.handler.getObject(secretKind, 'kube-system', name)).obj as { type?: string; data?: Record<string, string> };
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return undefined;
      throw e;
    }
  };
  auth.setLookup((t) => (BOOTSTRAP_TOKEN_RE.test(t) ? lookupBootstrapToken(t, getSecret) : tokens.lookup(t)));
  const ctx: ApiContext = {
    store,
    kinds,
    now: () => new Date(),
    garbageCollector: opts.garbageCollector ?? comps.some((c) => c.garbageCollector),
    hooks: {},
    services,
    tokens,
    watchCacheWindow: opts.watchCacheWindow,
    log,
  };
  const connect: ConnectHandler[] = [];
  const upgrade: UpgradeHandler[] = [];
  const api: ApiServer = new ApiServer({
    ctx,
    tls,
    auth,
    ready: (): boolean => ready && api.handler.cachesReady,
    maxBodyBytes: opts.maxBodyBytes,
    openapi: opts.openapi ?? openapiProvider(kinds),
    decodeProtobuf: decodeProtobufObject,
    log,
    connect,
    upgrade,
  });
  let addr;
  try {
    addr = await api.listen(host, port);
  } catch (e) {
    compactor?.stop();
    await api.handler.close();
    await store.close();
    unlock();
    throw e;
  }
  const urlHost = addr.address === '0.0.0.0' || addr.address === '::' ? '127.0.0.1' : addr.address.includes(':') ? `[${addr.address}]` : addr.address;
  const url = `https://${urlHost}:${addr.port}`;
  const kcPath = kubeconfigPath(opts.dataDir);
  const started: { name: string; stop(): Promise<void> | void }[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= (async () => {
    ready = false;
    for (const c of started.reverse()) {
      try { await c.stop(); } catch (e) { log(`stopping ${c.name}: ${(e as Error).message}`); }
    }
    await api.close();
    await api.handler.close();
    compactor?.stop();
    await store.close();
    unlock();
  })());
  try {
    await api.handler.primeCaches();
    await ensureInitialObjects(api.handler, kinds, addr.port, services);
    if (secretKind) {
      const jt = await ensureJoinToken(opts.dataDir, async (name) => !!(await getSecret(name)), (s) => createIfMissing(api.handler, secretKind, 'kube-system', s));
      joinToken = jt.token;
      log(`join a node: bin/ordinal agent --server ${url} --token ${jt.token} --ca-file ${join(opts.dataDir, 'pki', 'ca.crt')} --name NODE (token also in ${jt.file})`);
    }
    writeFileSync(kcPath, kubeconfigYaml(url, tls.caPem, token), { mode: 0o600 });
    chmodSync(kcPath, 0o600);
    ready = true;
    const cctx: ClusterContext = {
      opts, url, token, caPem: tls.caPem, kubeconfigPath: kcPath, dataDir: opts.dataDir, kinds, handler: api.handler, apiServer: api, log,
      addConnectHandler: (h) => connect.push(h),
      addUpgradeHandler: (h) => upgrade.push(h),
      inProcessClient: () => new InProcessClient(api.handler, kinds),
      servingTls: { certPem: tls.certPem, keyPem: tls.keyPem },
    };
    opts.onApiReady?.({ url, kubeconfigPath: kcPath, storage: store.kind });
    for (const c of comps) {
      const t = Date.now();
      const h = await c.start(cctx);
      started.push({ name: c.name, stop: () => h.stop() });
      if (Date.now() - t > 500) log(`${c.name} took ${Date.now() - t} ms to start`);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    url, token, caPem: tls.caPem, kubeconfigPath: kcPath, host: addr.address, port: addr.port, store, handler: api.handler, stop, joinToken,
    inProcessClient: () => new InProcessClient(api.handler, kinds),
  };
}
