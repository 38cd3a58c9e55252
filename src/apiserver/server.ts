// The HTTPS API server: authentication, routing (discovery, version, health, OpenAPI, resources),
// body limits and decoding, and writing results (JSON, Tables, chunked watch streams). Every
// failure leaves as a Status; nothing a client sends may crash or hang the process.
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { KindDefinition } from '../api/kind.js';
import { ApiError, errors, type Status } from '../machinery/errors.js';
import { VERSION } from '../version.js';
import { TokenAuthenticator, isPublicPath, type User } from './auth.js';
import { parseRequestInfo, parseCommonQuery, type RequestInfo } from './request-info.js';
import {
  parseAccept, wantsTable, wantsAggregatedDiscovery, aggregatedContentType, checkAcceptable, bodyMediaType, PATCH_TYPES,
  parseJsonBody, parseYamlBody, duplicateJsonFields, type MediaRange,
} from './negotiate.js';
import { aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions, groupsOf } from './discovery.js';
import { ResourceHandler, type ApiContext, type ApiResult, type ResourceRequest } from './resources.js';
import { minimalOpenApiV3Doc, minimalOpenApiV3Index } from './openapi-fallback.js';
import { reviewKinds, isReview, review } from './reviews.js';

/** Documents served under /openapi (supplied by src/apiserver/openapi.ts when present). */
export interface OpenApiProvider {
  v2?(): unknown;
  /** OpenAPI v2 in gnostic protobuf (kubectl <= 1.28 validates with it). */
  v2Protobuf?(): Buffer;
  v3Index(): unknown;
  /** `gvPath` is 'api/v1' or 'apis/apps/v1'; undefined when unknown. */
  v3Doc(gvPath: string): unknown | undefined;
}

/** Handler for streaming pod subresources (log, exec, attach, portforward), installed by a node agent. */
export type ConnectHandler = (info: RequestInfo, req: IncomingMessage, res: ServerResponse) => Promise<boolean> | boolean;

/** Handler for HTTP upgrades (WebSocket / SPDY exec, attach, portforward); true when it took the socket. */
export type UpgradeHandler = (info: RequestInfo, req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => Promise<boolean> | boolean;

const CONNECT_SUBRESOURCES = ['log', 'exec', 'attach', 'portforward', 'proxy'];

export interface ApiServerOptions {
  ctx: ApiContext;
  tls: { certPem: string; keyPem: string };
  auth: TokenAuthenticator;
  /** Ready = storage open and caches primed. */
  ready(): boolean;
  maxBodyBytes?: number;
  openapi?: OpenApiProvider;
  decodeProtobuf?(body: Buffer): unknown;
  log?(msg: string): void;
  /** Extra handlers tried for pod log/exec/attach/portforward before the default error. */
  connect?: ConnectHandler[];
  /** Handlers tried for upgrade requests (exec/attach/portforward) before the default error. */
  upgrade?: UpgradeHandler[];
}

const DEFAULT_MAX_BODY = 3 * 1024 * 1024; // upstream's 3 MiB request limit
/** A request body must arrive within this time (watches have no body, so no overall request timeout). */
const BODY_TIMEOUT_MS = 60_000;
/**
 * Body reads in progress and their deadlines, checked by one shared timer: a timer per request
 * costs more than reading a typical small body. A deadline may fire up to a second late.
 */
const bodyReads = new Set<{ until: number; expire(): void }>();
let bodySweep: NodeJS.Timeout | undefined;
function trackBodyRead(r: { until: number; expire(): void }): void {
  bodyReads.add(r);
  if (bodySweep) return;
  bodySweep = setInterval(() => {
    const now = Date.now();
    for (const b of bodyReads) if (b.until <= now) { bodyReads.delete(b); b.expire(); }
    if (!bodyReads.size) { clearInterval(bodySweep); bodySweep = undefined; }
  }, 1000);
  bodySweep.unref();
}
/** ORDINAL_LOG_REQUESTS=1 logs one line per request (method, URL, code, duration). */
const LOG_REQUESTS = !!process.env.ORDINAL_LOG_REQUESTS;

/** The parts of a request target the server reads (a WHATWG URL, or the same two fields). */
interface Target {
  pathname: string;
  searchParams: URLSearchParams;
}

/** Characters that WHATWG URL parsing keeps as they are in a path or query (nothing to normalize). */
const PLAIN_TARGET = /^\/(?!\/)[A-Za-z0-9\-._~!$&'()*+,;=:@/%?]*$/;

/**
 * Splits a request target. The common case (plain characters, no dot segments) is split by hand —
 * `new URL` costs more than the rest of routing; anything a URL parser would rewrite (dot
 * segments, `//`, `\`, spaces, non-ASCII, fragments) goes through `new URL` as before.
 */
export function parseTarget(raw: string): Target {
  if (PLAIN_TARGET.test(raw)) {
    const q = raw.indexOf('?');
    const pathname = q < 0 ? raw : raw.slice(0, q);
    const query = q < 0 ? '' : raw.slice(q + 1);
    // (URLSearchParams would drop a second leading '?', which URL keeps as part of the first name)
    if (!/\/\.|%2e/i.test(pathname) && query[0] !== '?') return { pathname, searchParams: new URLSearchParams(query) };
  }
  return new URL(raw, 'https://localhost');
}

interface Parsed {
  url: Target;
  accept: readonly MediaRange[];
  user?: User;
}

export class ApiServer {
  readonly server: https.Server;
  readonly handler: ResourceHandler;
  private readonly kinds: KindDefinition[];
  /** What discovery lists: the stored kinds plus the virtual review resources. */
  private readonly discoveryKinds: KindDefinition[];
  private readonly openapiCache = new Map<string, { body: string; etag: string }>();
  private readonly sockets = new Set<import('node:stream').Duplex>();
  private readonly watches = new Set<() => void>();

  constructor(private readonly opts: ApiServerOptions) {
    this.kinds = opts.ctx.kinds;
    this.discoveryKinds = [...this.kinds, ...reviewKinds.filter((r) => !this.kinds.some((k) => k.group === r.group && k.plural === r.plural))];
    this.handler = new ResourceHandler(opts.ctx);
    this.server = https.createServer({ cert: opts.tls.certPem, key: opts.tls.keyPem, keepAliveTimeout: 30_000 }, (req, res) => {
      if (LOG_REQUESTS) {
        const t0 = performance.now();
        res.on('finish', () => this.log(`${req.method} ${req.url} ${res.statusCode} ${(performance.now() - t0).toFixed(1)}ms`));
      }
      this.serve(req, res).catch((e) => this.fail(res, e));
    });
    this.server.requestTimeout = 0; // watches are long-lived
    this.server.headersTimeout = 60_000;
    this.server.on('connection', (s) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
    this.server.on('upgrade', (req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => {
      socket.on('error', () => {});
      this.serveUpgrade(req, socket, head).catch((e) => this.failSocket(socket, e));
    });
    this.server.on('tlsClientError', () => { /* bad handshakes are the client's problem */ });
    this.server.on('clientError', (_e, sock) => { try { sock.end('HTTP/1.1 400 Bad Request\r\n\r\n'); } catch { /* gone */ } });
  }

  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  async close(): Promise<void> {
    for (const stop of [...this.watches]) stop();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections?.();
      setTimeout(() => { for (const s of this.sockets) s.destroy(); }, 200).unref();
    });
  }

  private log(msg: string): void {
    this.opts.log?.(msg);
  }

  private send(res: ServerResponse, code: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
    if (res.headersSent) { res.end(); return; }
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', ...headers, 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private fail(res: ServerResponse, e: unknown): void {
    let status: Status;
    if (e instanceof ApiError) status = e.status;
    else {
      this.log(`internal error: ${(e as Error)?.stack ?? String(e)}`);
      status = errors.internal((e as Error)?.message ?? String(e)).status;
    }
    if (status.code >= 500) this.log(`${status.code} ${status.message}`);
    try {
      this.send(res, status.code, status);
    } catch { /* connection gone */ }
  }

  /** Writes a Status as a plain HTTP response on a socket that asked for an upgrade. */
  private failSocket(socket: import('node:stream').Duplex, e: unknown): void {
    const status: Status = e instanceof ApiError ? e.status : errors.internal((e as Error)?.message ?? String(e)).status;
    const body = JSON.stringify(status);
    const reason = status.reason || 'Error';
    try {
      socket.end(`HTTP/1.1 ${status.code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    } catch { /* gone */ }
  }

  private async serveUpgrade(req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://localhost');
    if (!(await this.opts.auth.authenticateAsync(req.headers.authorization))) throw errors.unauthorized();
    const info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
    if (!info.isResourceRequest) throw errors.badRequest('upgrade is only supported on pod exec, attach and portforward');
    const kind = this.findKind(info);
    const sub = info.subresource?.split('/')[0];
    if (!sub || !CONNECT_SUBRESOURCES.includes(sub)) throw errors.badRequest(`upgrade is not supported on ${info.resource}${info.subresource ? '/' + info.subresource : ''}`);
    for (const h of this.opts.upgrade ?? []) if (await h(info, req, socket, head)) return;
    // No node agent took it: answer what the subresource answers without one (e.g. no host assigned).
    await this.handler.handle({ info: { ...info, verb: 'get' }, kind, query: parseCommonQuery(new URLSearchParams()) });
    throw errors.badRequest(`${sub} is not supported yet`);
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = parseTarget(req.url ?? '/');
    const path = url.pathname;
    if (isPublicPath(path)) return this.health(path, url, res);
    const user = await this.opts.auth.authenticateAsync(req.headers.authorization);
    if (!user) {
      req.resume();
      throw errors.unauthorized();
    }
    const accept = parseAccept(req.headers.accept);
    const p: Parsed = { url, accept, user };
    if (path === '/version' || path === '/version/') { req.resume(); return this.send(res, 200, versionInfo()); }
    if (path === '/api' || path === '/api/') return this.discoveryRoot(req, res, p, 'api');
    if (path === '/apis' || path === '/apis/') return this.discoveryRoot(req, res, p, 'apis');
    if (path.startsWith('/openapi/')) { req.resume(); return this.openapi(req, res, p); }
    const info = parseRequestInfo(req.method ?? 'GET', path, url.searchParams);
    if (!info.prefix) { req.resume(); throw errors.noResource(); }
    if (!info.isResourceRequest) { req.resume(); return this.groupDiscovery(res, info); }
    return this.resource(req, res, p, info);
  }

  private health(path: string, url: Target, res: ServerResponse): void {
    if (path.startsWith('/readyz') && !this.opts.ready()) {
      const verbose = url.searchParams.has('verbose');
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      res.end(verbose ? '[-]storage-ready failed: not ready\nreadyz check failed\n' : 'readyz check failed\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
    res.end('ok');
  }

  private discoveryRoot(req: IncomingMessage, res: ServerResponse, p: Parsed, which: 'api' | 'apis'): void {
    req.resume();
    const agg = wantsAggregatedDiscovery(p.accept);
    if (agg) {
      return this.send(res, 200, aggregatedDiscovery(this.discoveryKinds, which, agg), { 'Content-Type': aggregatedContentType(agg), Vary: 'Accept' });
    }
    checkAcceptable(p.accept);
    if (which === 'api') return this.send(res, 200, apiVersions(req.headers.host ?? '127.0.0.1'), { Vary: 'Accept' });
    return this.send(res, 200, apiGroupList(this.discoveryKinds), { Vary: 'Accept' });
  }

  private groupDiscovery(res: ServerResponse, info: RequestInfo): void {
    const groups = groupsOf(this.discoveryKinds);
    if (info.prefix === 'api') {
      if (!info.version) return this.send(res, 200, apiVersions('127.0.0.1'));
      if (!groups.some((g) => g.name === '' && g.versions.includes(info.version))) throw errors.noResource();
      return this.send(res, 200, apiResourceList(this.discoveryKinds, '', info.version));
    }
    const g = groups.find((x) => x.name === info.group && x.name !== '');
    if (!g) throw errors.noResource();
    if (!info.version) return this.send(res, 200, apiGroup(g));
    if (!g.versions.includes(info.version)) throw errors.noResource();
    return this.send(res, 200, apiResourceList(this.discoveryKinds, info.group, info.version));
  }

  // ---- OpenAPI ----

  private openapi(req: IncomingMessage, res: ServerResponse, p: Parsed): void {
    const path = p.url.pathname.replace(/\/$/, '');
    let key: string;
    let doc: unknown;
    const provider = this.opts.openapi;
    if (path === '/openapi/v2') {
      // kubectl asks for the gnostic protobuf form (1.27/1.28 validate with it; newer ones only
      // look up patch metadata there and tolerate 404).
      const pb = p.accept.find((m) => m.type === 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' || m.type === 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
      const json = p.accept.some((m) => (m.type === 'application/json' && !m.params.as) || m.type === '*/*');
      if (pb && provider?.v2Protobuf && (!json || p.accept.indexOf(pb) === 0)) {
        let cached = this.openapiCache.get('v2pb');
        if (!cached) {
          const buf = provider.v2Protobuf();
          cached = { body: buf.toString('latin1'), etag: `"${createHash('sha512').update(buf).digest('hex').slice(0, 64).toUpperCase()}"` };
          this.openapiCache.set('v2pb', cached);
        }
        if (req.headers['if-none-match'] === cached.etag) { res.writeHead(304, { ETag: cached.etag }); res.end(); return; }
        const body = Buffer.from(cached.body, 'latin1');
        // Upstream answers with the '.v1.0' spelling: Go's mime parser rejects the '@' one.
        res.writeHead(200, { 'Content-Type': 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', ETag: cached.etag, Vary: 'Accept', 'Cache-Control': 'no-cache, private', 'Content-Length': body.length });
        res.end(body);
        return;
      }
      if (!json || !provider?.v2) throw errors.noResource();
      key = 'v2';
      doc = provider.v2();
    } else if (path === '/openapi/v3') {
      key = 'v3';
      doc = provider ? provider.v3Index() : minimalOpenApiV3Index(this.kinds);
    } else if (path.startsWith('/openapi/v3/')) {
      const gv = path.slice('/openapi/v3/'.length);
      key = `v3/${gv}`;
      doc = provider ? provider.v3Doc(gv) : minimalOpenApiV3Doc(this.kinds, gv);
      if (doc === undefined) throw errors.noResource();
    } else throw errors.noResource();
    let cached = this.openapiCache.get(key);
    if (!cached) {
      const body = JSON.stringify(doc);
      cached = { body, etag: `"${createHash('sha512').update(body).digest('hex').slice(0, 64).toUpperCase()}"` };
      this.openapiCache.set(key, cached);
    }
    const hashed = p.url.searchParams.has('hash');
    const headers: Record<string, string> = {
      ETag: cached.etag,
      Vary: 'Accept',
      'Cache-Control': hashed ? 'public, immutable' : 'no-cache, private',
    };
    if (hashed) headers.Expires = new Date(Date.now() + 365 * 86400_000).toUTCString();
    if (req.headers['if-none-match'] === cached.etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    this.send(res, 200, cached.body, headers);
  }

  // ---- resources ----

  private findKind(info: RequestInfo): KindDefinition {
    const k = this.kinds.find((x) => x.group === info.group && x.version === info.version && x.plural === info.resource);
    if (!k) throw errors.noResource();
    return k;
  }

  private readBody(req: IncomingMessage): Promise<Buffer> {
    const max = this.opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > max) {
      req.resume();
      return Promise.reject(errors.tooLarge(`Request entity too large: limit is ${max}`));
    }
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let failed = false;
      req.on('data', (c: Buffer) => {
        if (failed) return;
        size += c.length;
        if (size > max) {
          failed = true;
          reject(errors.tooLarge(`Request entity too large: limit is ${max}`));
          return;
        }
        chunks.push(c);
      });
      const deadline = {
        until: Date.now() + BODY_TIMEOUT_MS,
        expire: () => {
          if (failed) return;
          failed = true;
          reject(errors.timeout('timed out reading the request body'));
        },
      };
      trackBodyRead(deadline);
      req.on('end', () => { bodyReads.delete(deadline); if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)); });
      req.on('close', () => bodyReads.delete(deadline));
      req.on('error', (e) => { if (!failed) { failed = true; reject(errors.badRequest(`error reading request body: ${e.message}`)); } });
    });
  }

  private async decodeBody(buf: Buffer, contentType: string | undefined, isPatch: boolean): Promise<{ body: unknown; text?: string; patchType?: string }> {
    const mt = bodyMediaType(contentType);
    if (isPatch) {
      const pt = PATCH_TYPES[mt];
      if (!pt) {
        throw errors.unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json, application/apply-patch+cbor`);
      }
      if (pt === 'apply') return { body: buf.length ? await parseYamlBody(buf.toString('utf8')) : {}, patchType: pt };
      const text = buf.toString('utf8');
      return { body: parseJsonBody(text), text, patchType: pt };
    }
    if (buf.length === 0) return { body: undefined };
    if (mt === 'application/json' || mt === '*/*') {
      const text = buf.toString('utf8');
      return { body: parseJsonBody(text), text };
    }
    if (mt === 'application/yaml' || mt === 'application/x-yaml' || mt === 'text/yaml') return { body: await parseYamlBody(buf.toString('utf8')) };
    if (mt === 'application/vnd.kubernetes.protobuf') {
      if (!this.opts.decodeProtobuf) throw errors.unsupportedMediaType('the body of the request was in an unknown format - accepted media types include: application/json, application/yaml');
      try {
        return { body: this.opts.decodeProtobuf(buf) };
      } catch (e) {
        if (e instanceof ApiError) throw e;
        throw errors.badRequest(`error decoding protobuf request body: ${(e as Error).message}`);
      }
    }
    throw errors.unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`);
  }

  private async resource(req: IncomingMessage, res: ServerResponse, p: Parsed, info: RequestInfo): Promise<void> {
    const method = req.method ?? 'GET';
    if (!['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) { req.resume(); throw errors.methodNotAllowed(); }
    if (isReview(info.group, info.version, info.resource) && !this.kinds.some((k) => k.group === info.group && k.plural === info.resource)) {
      if (method !== 'POST' || info.name !== undefined) { req.resume(); throw errors.methodNotAllowed(); }
      parseCommonQuery(p.url.searchParams);
      const d = await this.decodeBody(await this.readBody(req), req.headers['content-type'], false);
      const r = review(info.group, info.resource, d.body, p.user!);
      return this.send(res, r.code, r.body);
    }
    // Group/version must exist before the resource (404 either way, as upstream).
    const kind = this.findKind(info);
    const sub = info.subresource?.split('/')[0];
    if (sub && CONNECT_SUBRESOURCES.includes(sub) && info.name !== undefined) {
      for (const h of this.opts.connect ?? []) if (await h(info, req, res)) return;
      // No node agent serves it yet: the handler answers with the reason (bodies are not read).
      req.resume();
      const result = await this.handler.handle({ info, kind, query: parseCommonQuery(p.url.searchParams) });
      return this.write(req, res, result);
    }
    const query = parseCommonQuery(p.url.searchParams);
    checkAcceptable(p.accept);
    let body: unknown;
    let text: string | undefined;
    let patchType: string | undefined;
    if (method === 'POST' || method === 'PUT' || method === 'PATCH' || method === 'DELETE') {
      const buf = await this.readBody(req);
      const d = await this.decodeBody(buf, req.headers['content-type'], method === 'PATCH');
      body = d.body;
      text = d.text;
      patchType = d.patchType;
    } else req.resume();
    const table = wantsTable(p.accept);
    const rr: ResourceRequest = {
      info, kind, query, body, bodyText: text, patchType,
      table: table && !info.subresource ? table : undefined,
      duplicates: text && query.fieldValidation !== 'Ignore' && method !== 'PATCH' ? duplicateJsonFields(text) : undefined,
    };
    if ((method === 'POST' || method === 'PUT') && body === undefined) throw errors.badRequest('the body of the request was empty');
    const result = await this.handler.handle(rr);
    this.write(req, res, result);
  }

  private write(req: IncomingMessage, res: ServerResponse, result: ApiResult): void {
    if (result.type === 'json') {
      const headers: Record<string, string | string[]> = {};
      if (result.warnings?.length) headers.Warning = result.warnings.map((w) => `299 - ${JSON.stringify(w)}`);
      return this.send(res, result.code, result.body, headers);
    }
    // Watch: headers flushed at once (kubectl's informers wait for them), one JSON event per line.
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    let done = false;
    let stop: () => void = () => {};
    const finish = () => {
      if (done) return;
      done = true;
      this.watches.delete(stopAll);
      stop();
      res.end();
    };
    const stopAll = () => finish();
    this.watches.add(stopAll);
    stop = result.start({
      send: (ev) => { if (!done) res.write(JSON.stringify(ev) + '\n'); },
      sendJson: (line) => { if (!done) res.write(line + '\n'); },
      end: () => finish(),
    });
    // Not req 'close': an IncomingMessage closes once its (empty) body is consumed. The response
    // closes when the client goes away.
    res.on('close', finish);
  }
}

export function versionInfo() {
  return {
    major: VERSION.major, minor: VERSION.minor, gitVersion: VERSION.gitVersion, gitCommit: VERSION.gitCommit,
    gitTreeState: VERSION.gitTreeState, buildDate: VERSION.buildDate, goVersion: VERSION.goVersion,
    compiler: VERSION.compiler, platform: VERSION.platform,
  };
}
