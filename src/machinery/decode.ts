// Request body decoding by Content-Type (JSON, YAML) for create/update bodies and options.
// YAML follows sigs.k8s.io/yaml (go-yaml v2, YAML 1.1 scalars: yes/no/on/off booleans, 0777
// octal, underscores in numbers; timestamps and 12:30 "sexagesimal" values stay strings).
// Every failure is an ApiError: 415 for an unknown media type, 400 for malformed input.
import { isScalar, parseAllDocuments, type Tags } from 'yaml';
import { ApiError, errors } from './errors.js';
import { setOwn } from './object.js';

export const JSON_MEDIA = 'application/json';
export const YAML_MEDIA = 'application/yaml';
export const PROTOBUF_MEDIA = 'application/vnd.kubernetes.protobuf';

/** Media types a body may be sent in, as upstream lists them in the 415 message. */
export const supportedBodyMediaTypes = [JSON_MEDIA, YAML_MEDIA, PROTOBUF_MEDIA];

const yamlAliases = new Set(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml']);

/** The bare, lower-cased media type of a Content-Type header ('' when absent). */
export function mediaTypeOf(contentType: string | undefined | null): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

export interface DecodeOptions {
  /** The kind the body must decode into; used in upstream-style messages. */
  kind?: string;
  /** Decoder for protobuf bodies (the API server supplies one); without it protobuf is 415. */
  protobuf?: (body: Uint8Array) => unknown;
  /** Accept any JSON value, not only an object (default false). */
  allowNonObject?: boolean;
}

/** The upstream 415 message. */
export function unsupportedBody(): ApiError {
  return errors.unsupportedMediaType(
    `the body of the request was in an unknown format - accepted media types include: ${supportedBodyMediaTypes.join(', ')}`,
  );
}

/** upstream summarizeData: the first 30 bytes, as text for JSON objects, else hex. */
function summarize(body: Uint8Array): string {
  const max = 30;
  if (body.length === 0) return '<empty>';
  if (body[0] === 0x7b) {
    const s = Buffer.from(body.subarray(0, max)).toString('utf8');
    return body.length > max ? `${s} ...` : s;
  }
  const h = Buffer.from(body.subarray(0, max)).toString('hex');
  return body.length > max ? `${h} ...` : h;
}

function fail(body: Uint8Array, detail: string, opts: DecodeOptions): ApiError {
  if (opts.kind) return errors.badRequest(`the object provided is unrecognized (${opts.kind}: ${summarize(body)}): ${detail}`);
  return errors.badRequest(`error decoding request body: ${detail}`);
}

const toBytes = (body: Uint8Array | string) => (typeof body === 'string' ? Buffer.from(body, 'utf8') : body);

function stripBom(s: string): string {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Decode JSON text; errors are 400. */
export function decodeJson(body: Uint8Array | string, opts: DecodeOptions = {}): unknown {
  const bytes = toBytes(body);
  const text = stripBom(Buffer.from(bytes).toString('utf8'));
  if (text.trim() === '') throw fail(bytes, 'unexpected end of JSON input', opts);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw fail(bytes, `json parse error: ${(e as Error).message}`, opts);
  }
  return checkShape(v, bytes, opts);
}

// YAML 1.1 tags as go-yaml v2 resolves them: no timestamps, no base-60 numbers.
const yaml11Tags = (tags: Tags): Tags =>
  tags.filter((t) => {
    const tag = typeof t === 'object' && t !== null && 'tag' in t ? (t as { tag: string; format?: string }) : undefined;
    if (!tag) return true;
    return tag.tag !== 'tag:yaml.org,2002:timestamp' && tag.format !== 'TIME';
  });

/** Decode a single YAML document; several documents are rejected. Errors are 400. */
export function decodeYaml(body: Uint8Array | string, opts: DecodeOptions = {}): unknown {
  const bytes = toBytes(body);
  const text = stripBom(Buffer.from(bytes).toString('utf8'));
  let docs;
  try {
    docs = parseAllDocuments(text, { version: '1.1', merge: true, uniqueKeys: true, customTags: yaml11Tags, prettyErrors: false });
  } catch (e) {
    throw fail(bytes, `yaml: ${(e as Error).message}`, opts);
  }
  // An empty stream is an empty array.
  const list = Array.isArray(docs) ? docs : [];
  for (const d of list) {
    const err = d.errors[0];
    if (err) throw fail(bytes, `yaml: ${err.message.split('\n')[0]}`, opts);
  }
  // Empty documents (a trailing `---`, or a bare `~`) are skipped, as kubectl does.
  const nonEmpty = list.filter((d) => d.contents !== null && !(isScalar(d.contents) && d.contents.value === null));
  if (nonEmpty.length > 1) throw fail(bytes, 'yaml: multiple documents are not allowed for a single object', opts);
  if (nonEmpty.length === 0) throw fail(bytes, 'yaml: empty document', opts);
  let v: unknown;
  try {
    v = nonEmpty[0]!.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw fail(bytes, `yaml: ${(e as Error).message}`, opts);
  }
  v = toJsonValue(v, bytes, opts);
  return checkShape(v, bytes, opts);
}

/** YAML → JSON data model: keys become strings, non-finite numbers and odd types are rejected. */
function toJsonValue(v: unknown, bytes: Uint8Array, opts: DecodeOptions): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw fail(bytes, `json: unsupported value: ${v}`, opts);
    return v;
  }
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map((x) => toJsonValue(x, bytes, opts));
  if (v instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of v) setOwn(out, String(k), toJsonValue(x, bytes, opts));
    return out;
  }
  if (v instanceof Set) return [...v].map((x) => toJsonValue(x, bytes, opts));
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) setOwn(out, k, toJsonValue(x, bytes, opts));
    return out;
  }
  throw fail(bytes, `unsupported value of type ${typeof v}`, opts);
}

function checkShape(v: unknown, bytes: Uint8Array, opts: DecodeOptions): unknown {
  if (opts.allowNonObject || isPlainObject(v)) return v;
  throw fail(bytes, `expected an object, got ${typeName(v)}`, opts);
}

/**
 * Decode a request body by its Content-Type header. An absent Content-Type means JSON, as
 * upstream defaults to its first serializer. Never throws anything but ApiError.
 */
export function decodeBody(body: Uint8Array | string, contentType: string | undefined | null, opts: DecodeOptions = {}): unknown {
  try {
    const mt = mediaTypeOf(contentType);
    if (mt === '' || mt === JSON_MEDIA) return decodeJson(body, opts);
    if (yamlAliases.has(mt)) return decodeYaml(body, opts);
    if (mt === PROTOBUF_MEDIA && opts.protobuf) {
      const v = opts.protobuf(toBytes(body));
      return checkShape(v, toBytes(body), opts);
    }
    throw unsupportedBody();
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw errors.badRequest(`error decoding request body: ${(e as Error)?.message ?? String(e)}`);
  }
}
