// Shared helpers for the API server integration tests: an in-process cluster (memory store by
// default) on a free loopback port, and a tiny HTTPS client that trusts its CA.
import https from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type Cluster, type ClusterOptions } from '../../src/cli/cluster.js';
import type { KindDefinition } from '../../src/api/kind.js';
import { standardPrepare } from '../../src/api/strategy.js';
import { field } from '../../src/machinery/errors.js';
import { kinds as registryKinds } from '../../src/api/registry.js';

export interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

export interface TestCluster {
  cluster: Cluster;
  dataDir: string;
  req(method: string, path: string, body?: unknown, headers?: Record<string, string>, opts?: { token?: string | null }): Promise<Res>;
  /** Opens a watch; collects parsed events. */
  watch(path: string, headers?: Record<string, string>): Promise<{ events: any[]; status: number; headers: Record<string, any>; waitFor(n: number, ms?: number): Promise<any[]>; ended: Promise<void>; close(): void }>;
  stop(): Promise<void>;
}

/** A kind defined by the tests so generic semantics (status, scale, graceful deletion) are tested independently of the real kinds. */
export const widgetKind: KindDefinition = {
  group: 'test.ordinal.dev', version: 'v1', kind: 'Widget', listKind: 'WidgetList', plural: 'widgets', singular: 'widget',
  shortNames: ['wd'], categories: ['all'], namespaced: true,
  subresources: { status: true, scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' } },
  openapiName: 'dev.ordinal.test.v1.Widget',
  defaults(o: any) { o.spec ??= {}; o.spec.replicas ??= 1; },
  prepare: standardPrepare({ status: true, generation: true }),
  validate(o: any) {
    const errs = [];
    if (!o.metadata.name) errs.push(field.required('metadata.name', 'name or generateName is required'));
    if (typeof o.spec?.replicas === 'number' && o.spec.replicas < 0) errs.push(field.invalid('spec.replicas', o.spec.replicas, 'must be greater than or equal to 0'));
    return errs;
  },
  tableColumns: [
    { name: 'Name', type: 'string', format: 'name', description: 'name', priority: 0 },
    { name: 'Replicas', type: 'integer', description: 'replicas', priority: 0 },
    { name: 'Color', type: 'string', description: 'color', priority: 1 },
  ],
  tableRow: (o: any) => [o.metadata.name, o.spec?.replicas ?? 0, o.spec?.color ?? '<none>'],
  fieldSelectors: { 'spec.color': (o: any) => o.spec?.color ?? '' },
  gracefulDeletion: (o: any, requested) => requested ?? o.spec?.grace ?? 0,
};

export async function startTestCluster(opts: Partial<ClusterOptions> = {}): Promise<TestCluster> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'ordinal-api-'));
  const cluster = await startCluster({
    dataDir, listen: '127.0.0.1:0', runtime: 'sim', storage: 'memory', components: [], log: () => {},
    kinds: [...registryKinds, widgetKind], ...opts,
  });
  const agent = new https.Agent({ ca: cluster.caPem, keepAlive: true });
  const base = new URL(cluster.url);
  const req: TestCluster['req'] = (method, path, body, headers = {}, o = {}) => new Promise((resolve, reject) => {
    const h: Record<string, string> = { Accept: 'application/json', ...headers };
    const token = o.token === undefined ? cluster.token : o.token;
    if (token) h.Authorization = `Bearer ${token}`;
    let data: Buffer | undefined;
    if (body !== undefined) {
      data = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
      if (!('Content-Type' in h)) h['Content-Type'] = 'application/json';
      h['Content-Length'] = String(data.length);
    }
    const r = https.request({ host: base.hostname, port: base.port, path, method, headers: h, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: any;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    r.on('error', reject);
    if (data) r.write(data);
    r.end();
  });
  const watch: TestCluster['watch'] = (path, headers = {}) => new Promise((resolve, reject) => {
    const events: any[] = [];
    let buf = '';
    const waiters: { n: number; resolve: (e: any[]) => void }[] = [];
    let endResolve!: () => void;
    const ended = new Promise<void>((r) => (endResolve = r));
    const r = https.request({ host: base.hostname, port: base.port, path, method: 'GET', headers: { Accept: 'application/json', Authorization: `Bearer ${cluster.token}`, ...headers }, agent: new https.Agent({ ca: cluster.caPem }) }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        buf += c;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line.trim()) events.push(JSON.parse(line));
        }
        for (const w of [...waiters]) if (events.length >= w.n) { waiters.splice(waiters.indexOf(w), 1); w.resolve(events.slice()); }
      });
      res.on('end', () => endResolve());
      res.on('close', () => endResolve());
      resolve({
        events, status: res.statusCode ?? 0, headers: res.headers, ended,
        waitFor: (n, ms = 3000) => new Promise((res2, rej2) => {
          if (events.length >= n) return res2(events.slice());
          const t = setTimeout(() => rej2(new Error(`timed out waiting for ${n} events; got ${JSON.stringify(events)}`)), ms);
          waiters.push({ n, resolve: (e) => { clearTimeout(t); res2(e); } });
        }),
        close: () => r.destroy(),
      });
    });
    r.on('error', (e) => { endResolve(); if ((e as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(e); });
    r.end();
  });
  return {
    cluster, dataDir, req, watch,
    stop: async () => {
      agent.destroy();
      await cluster.stop();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
