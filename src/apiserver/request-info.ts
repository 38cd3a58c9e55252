// Parses a request URL into what the API server needs to route it (upstream's RequestInfo):
// API prefix, group/version, namespace, resource, name, subresource and the verb; plus the common
// query parameters, validated so absurd values answer 400 instead of misbehaving.
import { errors } from '../machinery/errors.js';

export interface RequestInfo {
  /** True for /api/v1/... and /apis/g/v/... paths that name a resource. */
  isResourceRequest: boolean;
  /** 'api' | 'apis' | '' for non-API paths. */
  prefix: string;
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
  /** get | list | watch | create | update | patch | delete | deletecollection | (connect for streams) */
  verb: string;
  /** Path segments after /api or /apis (decoded). */
  parts: string[];
  /** True when the legacy /watch/ path prefix was used. */
  legacyWatch: boolean;
}

function decodeSeg(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw errors.badRequest(`invalid path segment ${JSON.stringify(s)}`);
  }
}

export function parseRequestInfo(method: string, pathname: string, query: URLSearchParams): RequestInfo {
  const segs = pathname.split('/').filter((s) => s !== '').map(decodeSeg);
  const info: RequestInfo = { isResourceRequest: false, prefix: '', group: '', version: '', resource: '', verb: method.toLowerCase(), parts: [], legacyWatch: false };
  if (segs[0] !== 'api' && segs[0] !== 'apis') return info;
  info.prefix = segs[0];
  let rest = segs.slice(1);
  if (info.prefix === 'api') {
    if (rest.length < 1) return info;
    info.version = rest[0]!;
    rest = rest.slice(1);
  } else {
    if (rest.length < 2) {
      if (rest.length === 1) info.group = rest[0]!;
      return info;
    }
    info.group = rest[0]!;
    info.version = rest[1]!;
    rest = rest.slice(2);
  }
  info.parts = rest;
  if (rest.length === 0) return info;
  info.isResourceRequest = true;
  if (rest[0] === 'watch') {
    info.legacyWatch = true;
    rest = rest.slice(1);
  }
  // /namespaces/{ns}/{resource}/... — but /namespaces and /namespaces/{name}[/status|finalize] are the namespace resource.
  if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== 'status' && rest[2] !== 'finalize') {
    info.namespace = rest[1];
    rest = rest.slice(2);
  }
  info.resource = rest[0] ?? '';
  info.name = rest[1];
  info.subresource = rest[2];
  if (rest.length > 3) info.subresource = rest.slice(2).join('/'); // e.g. pods/x/proxy/some/path
  const watchParam = query.get('watch');
  const isWatch = info.legacyWatch || watchParam === 'true' || watchParam === '1';
  switch (method) {
    case 'GET':
    case 'HEAD':
      info.verb = info.name === undefined ? (isWatch ? 'watch' : 'list') : (isWatch ? 'watch' : 'get');
      break;
    case 'POST': info.verb = 'create'; break;
    case 'PUT': info.verb = 'update'; break;
    case 'PATCH': info.verb = 'patch'; break;
    case 'DELETE': info.verb = info.name === undefined ? 'deletecollection' : 'delete'; break;
    default: info.verb = method.toLowerCase();
  }
  return info;
}

/** Query parameters shared by list/watch/write handlers, validated. */
export interface CommonQuery {
  labelSelector: string;
  fieldSelector: string;
  limit: number;
  continue: string;
  resourceVersion: string;
  resourceVersionMatch: string;
  timeoutSeconds?: number;
  allowWatchBookmarks: boolean;
  sendInitialEvents?: boolean;
  dryRun: boolean;
  fieldManager: string;
  fieldValidation: 'Strict' | 'Warn' | 'Ignore';
  includeObject: 'None' | 'Metadata' | 'Object';
  gracePeriodSeconds?: number;
  propagationPolicy?: string;
  orphanDependents?: boolean;
}

const MAX_SELECTOR = 64 * 1024;

function intParam(q: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw errors.badRequest(`invalid value for ${name}: ${JSON.stringify(v.slice(0, 100))}: must be an integer`);
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw errors.badRequest(`invalid value for ${name}: ${v.slice(0, 100)}: must be between ${min} and ${max}`);
  return n;
}

function boolParam(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw errors.badRequest(`invalid value for ${name}: ${JSON.stringify(v.slice(0, 100))}: must be a boolean`);
}

export function parseCommonQuery(q: URLSearchParams): CommonQuery {
  const labelSelector = q.get('labelSelector') ?? '';
  const fieldSelector = q.get('fieldSelector') ?? '';
  if (labelSelector.length > MAX_SELECTOR || fieldSelector.length > MAX_SELECTOR) throw errors.badRequest('selector too long');
  // Upstream treats limit as int64; anything non-positive means "no limit".
  const limit = intParam(q, 'limit', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER) ?? 0;
  const resourceVersion = q.get('resourceVersion') ?? '';
  if (resourceVersion !== '' && !/^\d{1,19}$/.test(resourceVersion)) {
    throw errors.badRequest(`invalid resource version: ${JSON.stringify(resourceVersion.slice(0, 100))}`);
  }
  const resourceVersionMatch = q.get('resourceVersionMatch') ?? '';
  if (!['', 'NotOlderThan', 'Exact'].includes(resourceVersionMatch)) {
    throw errors.badRequest(`resourceVersionMatch: Unsupported value: ${JSON.stringify(resourceVersionMatch.slice(0, 100))}: supported values: "Exact", "NotOlderThan"`);
  }
  const timeoutSeconds = intParam(q, 'timeoutSeconds', 0, 365 * 86400);
  const dryRuns = q.getAll('dryRun');
  for (const d of dryRuns) {
    if (d !== 'All') throw errors.badRequest(`dryRun: Unsupported value: ${JSON.stringify(d.slice(0, 100))}: supported values: "All"`);
  }
  const fv = q.get('fieldValidation') ?? '';
  let fieldValidation: CommonQuery['fieldValidation'] = 'Warn';
  if (fv !== '') {
    const norm = fv.toLowerCase();
    if (norm === 'strict') fieldValidation = 'Strict';
    else if (norm === 'warn') fieldValidation = 'Warn';
    else if (norm === 'ignore') fieldValidation = 'Ignore';
    else throw errors.badRequest(`fieldValidation: Unsupported value: ${JSON.stringify(fv.slice(0, 100))}: supported values: "Ignore", "Strict", "Warn"`);
  }
  const io = q.get('includeObject') ?? '';
  if (!['', 'None', 'Metadata', 'Object'].includes(io)) {
    throw errors.badRequest(`includeObject: Unsupported value: ${JSON.stringify(io.slice(0, 100))}: supported values: "Metadata", "None", "Object"`);
  }
  const fieldManager = q.get('fieldManager') ?? '';
  if (fieldManager.length > 128) throw errors.badRequest('fieldManager: Too long: may not be more than 128 bytes');
  const pp = q.get('propagationPolicy') ?? undefined;
  if (pp !== undefined && !['Orphan', 'Background', 'Foreground'].includes(pp)) {
    throw errors.badRequest(`propagationPolicy: Unsupported value: ${JSON.stringify(pp.slice(0, 100))}: supported values: "Foreground", "Background", "Orphan"`);
  }
  return {
    labelSelector,
    fieldSelector,
    limit: limit > 0 ? limit : 0,
    continue: q.get('continue') ?? '',
    resourceVersion,
    resourceVersionMatch,
    timeoutSeconds,
    allowWatchBookmarks: boolParam(q, 'allowWatchBookmarks') ?? false,
    sendInitialEvents: boolParam(q, 'sendInitialEvents'),
    dryRun: dryRuns.length > 0,
    fieldManager,
    fieldValidation,
    includeObject: (io || 'Metadata') as CommonQuery['includeObject'],
    gracePeriodSeconds: intParam(q, 'gracePeriodSeconds', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    propagationPolicy: pp,
    orphanDependents: boolParam(q, 'orphanDependents'),
  };
}
