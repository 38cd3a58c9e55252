// HttpClient: the Client contract over HTTPS with a bearer token, as kubectl talks to the server.
// JSON bodies; non-2xx answers become ApiError carrying the server's Status; watches are read as a
// chunked stream of JSON objects (one per line) and exposed as an async iterator.
import https from 'node:https';
import http from 'node:http';
import { ApiError, type Status } from '../machinery/errors.js';
import type { KubeObject, KubeList, WatchEvent } from '../machinery/object.js';
import type { Client, ResourceRef, ListOpts, WatchOpts, WriteOpts, DeleteOpts, PatchType, WatchStream } from './types.js';

export interface HttpClientOptions {
  /** Base URL, e.g. https://127.0.0.1:6443 */
  url: string;
  token?: string;
  /** PEM of the CA that signed the server's certificate. */
  caPem?: string;
  /** Per-request timeout for non-watch requests (ms). */
  timeoutMs?: number;
  userAgent?: string;
}

const patchContentType: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

/** URL path of a collection or object. */
export function resourcePath(r: ResourceRef, namespace: string | undefined, name?: string, subresource?: string): string {
  let p = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  if (namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${r.resource}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Turn a non-2xx response body into an ApiError, synthesising a Status when the body is not one. */
function toApiError(code: number, body: string): ApiError {
  try {
    const s = JSON.parse(body) as Status;
    if (s && s.kind === 'Status') return new ApiError({ ...s, code: s.code || code });
  } catch {
    /* not JSON */
  }
  const reasons: Record<number, Status['reason']> = {
    400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed',
    409: 'Conflict', 410: 'Gone', 413: 'RequestEntityTooLarge', 415: 'UnsupportedMediaType', 422: 'Invalid',
    429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout',
  };
  return new ApiError({
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code,
    reason: reasons[code] ?? 'InternalError', message: body.trim() || `the server responded with status ${code}`,
  });
}

/** A transport failure (connection refused/reset) as an ApiError, so callers handle one error type. */
function transportError(e: Error): ApiError {
  return new ApiError({
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 503,
    reason: 'ServiceUnavailable', message: `connection to the server failed: ${e.message}`,
  });
}

export class HttpClient implements Client {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly mod: typeof https | typeof http;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(private readonly opts: HttpClientOptions) {
    this.base = new URL(opts.url);
    const secure = this.base.protocol === 'https:';
    this.mod = secure ? https : http;
    this.agent = secure
      ? new https.Agent({ keepAlive: true, ca: opts.caPem, maxSockets: 64 })
      : new http.Agent({ keepAlive: true, maxSockets: 64 });
    this.headers = { Accept: 'application/json', 'User-Agent': opts.userAgent ?? 'ordinal-client' };
    if (opts.token) this.headers.Authorization = `Bearer ${opts.token}`;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  /** Watch requests still open (or still waiting for headers), so close() can end them. */
  private readonly watches = new Set<http.ClientRequest>();

  /** Closes idle keep-alive sockets and every open or pending watch (call when done with the client). */
  close(): void {
    this.agent.destroy();
    for (const r of this.watches) r.destroy();
    this.watches.clear();
  }

  private request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<unknown> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string | number> = { ...this.headers };
    if (payload) {
      headers['Content-Type'] = contentType;
      headers['Content-Length'] = payload.length;
    }
    return new Promise((resolve, reject) => {
      const req = this.mod.request(
        { protocol: this.base.protocol, hostname: this.base.hostname, port: this.base.port, path, method, headers, agent: this.agent, timeout: this.timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => reject(transportError(e)));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const code = res.statusCode ?? 0;
            if (code < 200 || code >= 300) return reject(toApiError(code, text));
            if (!text) return resolve(undefined);
            try {
              resolve(JSON.parse(text));
            } catch (e) {
              reject(transportError(e as Error));
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('request timed out')));
      req.on('error', (e) => reject(e instanceof ApiError ? e : transportError(e)));
      if (payload) req.write(payload);
      req.end();
    });
  }

  async get<T extends KubeObject = KubeObject>(r: ResourceRef, namespace: string | undefined, name: string): Promise<T> {
    return (await this.request('GET', resourcePath(r, namespace, name))) as T;
  }

  async list<T extends KubeObject = KubeObject>(r: ResourceRef, namespace: string | undefined, opts: ListOpts = {}): Promise<KubeList<T>> {
    const q = query({ labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, limit: opts.limit, continue: opts.continue, resourceVersion: opts.resourceVersion });
    return (await this.request('GET', resourcePath(r, namespace) + q)) as KubeList<T>;
  }

  async create<T extends KubeObject = KubeObject>(r: ResourceRef, namespace: string | undefined, obj: T, opts: WriteOpts = {}): Promise<T> {
    return (await this.request('POST', resourcePath(r, namespace) + writeQuery(opts), obj)) as T;
  }

  async update<T extends KubeObject = KubeObject>(r: ResourceRef, namespace: string | undefined, obj: T, opts: WriteOpts = {}): Promise<T> {
    return (await this.request('PUT', resourcePath(r, namespace, obj.metadata.name!) + writeQuery(opts), obj)) as T;
  }

  async updateStatus<T extends KubeObject = KubeObject>(r: ResourceRef, namespace: string | undefined, obj: T, opts: WriteOpts = {}): Promise<T> {
    return (await this.request('PUT', resourcePath(r, namespace, obj.metadata.name!, 'status') + writeQuery(opts), obj)) as T;
  }

  async patch<T extends KubeObject = KubeObject>(
    r: ResourceRef, namespace: string | undefined, name: string, type: PatchType, patch: unknown, opts: WriteOpts & { subresource?: string } = {},
  ): Promise<T> {
    return (await this.request('PATCH', resourcePath(r, namespace, name, opts.subresource) + writeQuery(opts), patch, patchContentType[type])) as T;
  }

  async delete(r: ResourceRef, namespace: string | undefined, name: string, opts: DeleteOpts = {}): Promise<KubeObject> {
    const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
    if (opts.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = opts.gracePeriodSeconds;
    if (opts.propagationPolicy) body.propagationPolicy = opts.propagationPolicy;
    if (opts.preconditions) body.preconditions = opts.preconditions;
    if (opts.dryRun) body.dryRun = ['All'];
    return (await this.request('DELETE', resourcePath(r, namespace, name), body)) as KubeObject;
  }

  async createSubresource<T = unknown>(r: ResourceRef, namespace: string | undefined, name: string, subresource: string, body: unknown): Promise<T> {
    return (await this.request('POST', resourcePath(r, namespace, name, subresource), body)) as T;
  }

  /**
   * Opens a watch. Resolves once the server answered with 200 (headers flushed); a non-2xx answer
   * rejects with its ApiError. Events (including ERROR events carrying a Status, e.g. 410 Expired)
   * are yielded in order; iteration ends when the server closes the stream or stop() is called.
   */
  watch<T extends KubeObject = KubeObject>(r: ResourceRef, namespace: string | undefined, opts: WatchOpts = {}): Promise<WatchStream<T>> {
    const q = query({
      watch: 'true', labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector,
      resourceVersion: opts.resourceVersion, allowWatchBookmarks: opts.allowWatchBookmarks ? 'true' : undefined,
    });
    const path = resourcePath(r, namespace) + q;
    return new Promise((resolve, reject) => {
      // Watches hold a socket for a long time: a dedicated, non-keep-alive request (agent default).
      const req = this.mod.request(
        { protocol: this.base.protocol, hostname: this.base.hostname, port: this.base.port, path, method: 'GET', headers: this.headers, ca: this.opts.caPem, agent: false },
        (res) => {
          const code = res.statusCode ?? 0;
          if (code < 200 || code >= 300) {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => reject(toApiError(code, Buffer.concat(chunks).toString('utf8'))));
            res.on('error', (e) => reject(transportError(e)));
            return;
          }
          resolve(new ResponseWatch<T>(req, res));
        },
      );
      this.watches.add(req);
      req.on('close', () => this.watches.delete(req));
      req.on('error', (e) => reject(transportError(e)));
      req.end();
    });
  }
}

function writeQuery(opts: WriteOpts): string {
  return query({ dryRun: opts.dryRun ? 'All' : undefined, fieldManager: opts.fieldManager });
}

/** Splits the chunked body into JSON objects (newline-delimited) and queues them for the iterator. */
class ResponseWatch<T extends KubeObject> implements WatchStream<T> {
  private readonly queue: WatchEvent<T>[] = [];
  private waiter: (() => void) | undefined;
  private ended = false;
  private buf = '';

  constructor(private readonly req: http.ClientRequest, private readonly res: http.IncomingMessage) {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => this.feed(chunk));
    const finish = () => {
      this.feed('\n');
      this.ended = true;
      this.wake();
    };
    res.on('end', finish);
    res.on('close', finish);
    res.on('error', finish);
    req.on('error', finish);
  }

  private feed(chunk: string): void {
    this.buf += chunk;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (!line) continue;
      try {
        this.queue.push(JSON.parse(line) as WatchEvent<T>);
      } catch {
        // A malformed frame means the stream is unusable: end it; the informer relists.
        this.stop();
        return;
      }
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  stop(): void {
    if (this.ended) return;
    this.ended = true;
    this.req.destroy();
    this.res.destroy();
    this.wake();
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
    return {
      next: async (): Promise<IteratorResult<WatchEvent<T>>> => {
        for (;;) {
          const e = this.queue.shift();
          if (e) return { value: e, done: false };
          if (this.ended) return { value: undefined, done: true };
          await new Promise<void>((r) => (this.waiter = r));
        }
      },
      return: async (): Promise<IteratorResult<WatchEvent<T>>> => {
        this.stop();
        return { value: undefined, done: true };
      },
    };
  }
}
