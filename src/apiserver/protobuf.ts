// Decoding of Kubernetes protobuf request bodies (Content-Type application/vnd.kubernetes.protobuf).
// kubectl 1.32's typed-client writes (`create namespace|configmap|secret|service|deployment|
// serviceaccount|token`, `auth can-i [--list]`, `auth whoami`, drain's evictions) arrive this way and a 415 is not retried
// as JSON, so we turn them into the JSON object kubectl would otherwise have sent.
//
// Wire layout: the 4-byte magic "k8s\0", then runtime.Unknown {1: TypeMeta{1 apiVersion, 2 kind},
// 2: raw (the object's own protobuf message), 3: contentEncoding, 4: contentType}.
import { createRequire } from 'node:module';
import type protobufModule from 'protobufjs';
import { errors } from '../machinery/errors.js';
import type { KubeObject } from '../machinery/object.js';
import { K8S_PROTO, META_PROTO, UTIL_PROTO, RESOURCE_PROTO, CORE_PROTO, APPS_PROTO, AUTH_PROTO, AUTHN_PROTO, POLICY_PROTO } from './proto/k8s.proto.js';

// protobufjs loads on first use (a protobuf body / the gnostic v2 document), not at server start:
// most clients never need it and it costs start time and resident memory.
let protobufLib: typeof protobufModule | undefined;
const pb = (): typeof protobufModule => (protobufLib ??= createRequire(import.meta.url)('protobufjs') as typeof protobufModule);

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

const SOURCES = [K8S_PROTO, META_PROTO, UTIL_PROTO, RESOURCE_PROTO, CORE_PROTO, APPS_PROTO, AUTH_PROTO, AUTHN_PROTO, POLICY_PROTO];

/** apiVersion/kind → fully-qualified message name. */
const KINDS: Record<string, string> = {
  'v1/Namespace': 'k8s.io.api.core.v1.Namespace',
  'v1/ConfigMap': 'k8s.io.api.core.v1.ConfigMap',
  'v1/Secret': 'k8s.io.api.core.v1.Secret',
  'v1/Service': 'k8s.io.api.core.v1.Service',
  'v1/ServiceAccount': 'k8s.io.api.core.v1.ServiceAccount',
  'apps/v1/Deployment': 'k8s.io.api.apps.v1.Deployment',
  'authorization.k8s.io/v1/SelfSubjectAccessReview': 'k8s.io.api.authorization.v1.SelfSubjectAccessReview',
  'authorization.k8s.io/v1/SelfSubjectRulesReview': 'k8s.io.api.authorization.v1.SelfSubjectRulesReview',
  'authentication.k8s.io/v1/TokenRequest': 'k8s.io.api.authentication.v1.TokenRequest',
  'authentication.k8s.io/v1/SelfSubjectReview': 'k8s.io.api.authentication.v1.SelfSubjectReview',
  'policy/v1/Eviction': 'k8s.io.api.policy.v1.Eviction',
};

const TIME = 'k8s.io.apimachinery.pkg.apis.meta.v1.Time';
const INT_OR_STRING = 'k8s.io.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'k8s.io.apimachinery.pkg.api.resource.Quantity';

interface Schema {
  root: protobufModule.Root;
  unknown: protobufModule.Type;
  /** `<message full name>.<field>` of Go pointer fields and no-omitempty fields: zero values kept. */
  keepZero: Set<string>;
}

let schema: Schema | undefined;

/** Parse the .proto subset once, on first use (keeps server start-up fast). */
function load(): Schema {
  if (schema) return schema;
  const root = new (pb().Root)();
  const keepZero = new Set<string>();
  for (const src of SOURCES) {
    pb().parse(src, root, { keepCase: true });
    // Collect the `// ptr` / `// keep` markers per message (the parser drops trailing comments).
    let pkg = '';
    let msg = '';
    for (const line of src.split('\n')) {
      const p = /^package ([\w.]+);/.exec(line);
      if (p) pkg = p[1]!;
      const m = /^message (\w+) \{/.exec(line);
      if (m) msg = m[1]!;
      const f = /^\s+(?:optional|repeated)\s+\S+\s+(\w+)\s*=\s*\d+;\s*\/\/ (ptr|keep)/.exec(line);
      if (f) keepZero.add(`${pkg}.${msg}.${f[1]}`);
    }
  }
  root.resolveAll();
  schema = { root, unknown: root.lookupType('k8s.io.apimachinery.pkg.runtime.Unknown'), keepZero };
  return schema;
}

/** True for a Content-Type header that names the Kubernetes protobuf encoding. */
export function isProtobufContentType(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === PROTOBUF_MEDIA_TYPE;
}

/** The apiVersion/kind pairs decodeProtobufObject understands. */
export function decodableKinds(): string[] {
  return Object.keys(KINDS);
}

/**
 * Decode a protobuf request body into the JSON-shaped object kubectl would have sent as JSON:
 * camelCase fields, unset fields omitted, bytes as base64, Time as RFC 3339, IntOrString as a
 * number or string, Quantity as a string. Throws ApiError BadRequest for a malformed body and
 * UnsupportedMediaType for a kind we do not decode.
 */
export function decodeProtobufObject(body: Buffer): KubeObject {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw errors.badRequest('the protobuf request body does not start with the Kubernetes magic number "k8s\\x00"');
  }
  const s = load();
  let envelope: Record<string, unknown>;
  try {
    envelope = s.unknown.decode(body.subarray(MAGIC.length)) as unknown as Record<string, unknown>;
  } catch (e) {
    throw errors.badRequest(`unable to decode the protobuf request body: ${(e as Error).message}`);
  }
  const typeMeta = (envelope.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const apiVersion = typeMeta.apiVersion ?? '';
  const kind = typeMeta.kind ?? '';
  if (!kind || !apiVersion) throw errors.badRequest('the protobuf request body does not name its apiVersion and kind');
  if (envelope.contentEncoding) {
    throw errors.unsupportedMediaType(`protobuf request bodies with content encoding "${String(envelope.contentEncoding)}" are not supported`);
  }
  const ct = envelope.contentType ? String(envelope.contentType) : '';
  if (ct && ct !== PROTOBUF_MEDIA_TYPE) throw errors.unsupportedMediaType(`protobuf envelope content type "${ct}" is not supported`);
  const typeName = KINDS[`${apiVersion}/${kind}`];
  if (!typeName) {
    throw errors.unsupportedMediaType(
      `the protobuf encoding of ${kind} in version "${apiVersion}" is not supported by this server; send the object as application/json`,
    );
  }
  const type = s.root.lookupType(typeName);
  const raw = (envelope.raw as Uint8Array | undefined) ?? new Uint8Array();
  let message: protobufModule.Message;
  try {
    message = type.decode(raw);
  } catch (e) {
    throw errors.badRequest(`unable to decode ${kind} from the protobuf request body: ${(e as Error).message}`);
  }
  const obj = toJson(type, message as unknown as Record<string, unknown>, s) as Record<string, unknown>;
  obj.metadata ??= {};
  return { apiVersion, kind, ...obj } as KubeObject;
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && 'low' in v) return Number((v as { toString(): string }).toString());
  return Number(v);
}

function isZero(v: unknown): boolean {
  if (v === '' || v === false || v === 0) return true;
  if (v && typeof v === 'object' && 'low' in v) return toNumber(v) === 0;
  if (v instanceof Uint8Array) return v.length === 0;
  return false;
}

function scalar(field: protobufModule.Field, v: unknown): unknown {
  switch (field.type) {
    case 'bytes': return Buffer.from(v as Uint8Array).toString('base64');
    case 'int64': case 'uint64': case 'sint64': case 'fixed64': case 'sfixed64': return toNumber(v);
    default: return v;
  }
}

/** The JSON form of a value of message type `type` (Time/IntOrString/Quantity special-cased). */
function messageJson(type: protobufModule.Type, m: Record<string, unknown>, s: Schema): unknown {
  switch (type.fullName.slice(1)) {
    case TIME: {
      const seconds = toNumber(m.seconds ?? 0);
      return seconds === 0 && !m.nanos ? undefined : new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    case INT_OR_STRING:
      return toNumber(m.type ?? 0) === 1 ? String(m.strVal ?? '') : toNumber(m.intVal ?? 0);
    case QUANTITY:
      return String(m.string ?? '');
    default:
      return toJson(type, m, s);
  }
}

function toJson(type: protobufModule.Type, m: Record<string, unknown>, s: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const owner = type.fullName.slice(1);
  for (const field of type.fieldsArray) {
    if (!Object.hasOwn(m, field.name)) continue;
    const v = m[field.name];
    const sub = field.resolvedType instanceof pb().Type ? field.resolvedType : undefined;
    const value = (x: unknown) => (sub ? messageJson(sub, x as Record<string, unknown>, s) : scalar(field, x));
    if (field.map) {
      const entries = Object.entries(v as Record<string, unknown>);
      if (entries.length) out[field.name] = Object.fromEntries(entries.map(([k, x]) => [k, value(x)]));
    } else if (field.repeated) {
      const arr = v as unknown[];
      if (arr.length) out[field.name] = arr.map(value);
    } else if (sub) {
      const j = value(v);
      if (j !== undefined) out[field.name] = j;
    } else if (!isZero(v) || s.keepZero.has(`${owner}.${field.name}`)) {
      out[field.name] = value(v);
    }
  }
  return out;
}
