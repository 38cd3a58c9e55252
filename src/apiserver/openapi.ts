// OpenAPI documents derived from the kind registry and the generated definitions
// (src/api/openapi): /openapi/v2 (swagger 2.0 JSON), the /openapi/v3 index and one /openapi/v3/<gv>
// document per group-version. They carry what kubectl needs: per-kind paths whose operations
// declare the `fieldValidation` parameter and the group-version-kind (write-time validation probe),
// full schemas with descriptions (`kubectl explain`), and the strategic-merge metadata
// (client-side apply).
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type protobufModule from 'protobufjs';
import type { stringify as yamlStringify } from 'yaml';
import type { KindDefinition, Schema } from '../api/kind.js';
import { allDefinitions, definition, refName, type Definition } from '../api/openapi/index.js';
import { VERSION } from '../version.js';
import { OPENAPI_V2_PROTO } from './proto/openapiv2.proto.js';

// protobufjs loads on first use (a protobuf body / the gnostic v2 document), not at server start:
// most clients never need it and it costs start time and resident memory.
let protobufLib: typeof protobufModule | undefined;
const pb = (): typeof protobufModule => (protobufLib ??= createRequire(import.meta.url)('protobufjs') as typeof protobufModule);

type Json = Record<string, unknown>;
type Kinds = readonly KindDefinition<any>[];

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const STATUS = `${META}.Status`;
const DELETE_OPTIONS = `${META}.DeleteOptions`;
const PATCH = `${META}.Patch`;
const SCALE = 'io.k8s.api.autoscaling.v1.Scale';
const PATCH_MEDIA_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];

/** 'api/v1' or 'apis/apps/v1' (the key of the v3 index, without the leading slash). */
export function gvPathOf(k: Pick<KindDefinition, 'group' | 'version'>): string {
  return k.group ? `apis/${k.group}/${k.version}` : `api/${k.version}`;
}

// ---- operations (one neutral description, rendered as v2 or v3) --------------------------------------

interface Param { name: string; in: 'path' | 'query'; description: string; type: 'string' | 'integer' | 'boolean'; required?: boolean }
interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  action: string; // x-kubernetes-action
  operationId: string;
  description: string;
  gvk: { group: string; version: string; kind: string };
  params: Param[];
  body?: string; // definition name of the request body
  response: string; // definition name of the 200 response
  created?: boolean; // 201/202 also possible
}

const q = (name: string, type: Param['type'], description: string): Param => ({ name, in: 'query', type, description });
const P = {
  pretty: q('pretty', 'string', "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget)."),
  dryRun: q('dryRun', 'string', 'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed'),
  fieldManager: q('fieldManager', 'string', 'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.'),
  fieldValidation: q('fieldValidation', 'string', 'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.'),
  force: q('force', 'boolean', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.'),
  gracePeriodSeconds: q('gracePeriodSeconds', 'integer', 'The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately.'),
  propagationPolicy: q('propagationPolicy', 'string', "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background' and 'Foreground'."),
  list: [
    q('allowWatchBookmarks', 'boolean', 'allowWatchBookmarks requests watch events with type "BOOKMARK".'),
    q('continue', 'string', 'The continue option should be set when retrieving more results from the server.'),
    q('fieldSelector', 'string', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
    q('labelSelector', 'string', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
    q('limit', 'integer', 'limit is a maximum number of responses to return for a list call.'),
    q('resourceVersion', 'string', 'resourceVersion sets a constraint on what resource versions a request may be served from.'),
    q('resourceVersionMatch', 'string', 'resourceVersionMatch determines how resourceVersion is applied to list calls.'),
    q('sendInitialEvents', 'boolean', 'sendInitialEvents=true may be set together with watch=true.'),
    q('timeoutSeconds', 'integer', 'Timeout for the list/watch call.'),
    q('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.'),
  ],
};
const pathParam = (name: string, description: string): Param => ({ name, in: 'path', type: 'string', required: true, description });

function operationsFor(k: KindDefinition<any>): { path: string; params: Param[]; ops: Operation[] }[] {
  const gvk = { group: k.group, version: k.version, kind: k.kind };
  const prefix = `/${gvPathOf(k)}${k.namespaced ? '/namespaces/{namespace}' : ''}/${k.plural}`;
  const nsParams = k.namespaced ? [pathParam('namespace', 'object name and auth scope, such as for teams and projects')] : [];
  const nameParam = pathParam('name', `name of the ${k.kind}`);
  const verbs = new Set(k.verbs ?? ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection']);
  const listName = k.openapiName.replace(/\.[^.]+$/, `.${k.listKind}`);
  const Kind = k.kind;
  const scope = k.namespaced ? 'Namespaced' : '';
  const write = [P.dryRun, P.fieldManager, P.fieldValidation];
  const out: { path: string; params: Param[]; ops: Operation[] }[] = [];

  const coll: Operation[] = [];
  if (verbs.has('list')) coll.push({ method: 'get', action: 'list', operationId: `list${scope}${Kind}`, description: `list or watch objects of kind ${Kind}`, gvk, params: P.list, response: definition(listName) ? listName : k.openapiName });
  if (verbs.has('create')) coll.push({ method: 'post', action: 'post', operationId: `create${scope}${Kind}`, description: `create a ${Kind}`, gvk, params: write, body: k.openapiName, response: k.openapiName, created: true });
  if (verbs.has('deletecollection')) coll.push({ method: 'delete', action: 'deletecollection', operationId: `deleteCollection${scope}${Kind}`, description: `delete collection of ${Kind}`, gvk, params: [P.dryRun, P.gracePeriodSeconds, P.propagationPolicy, ...P.list], body: DELETE_OPTIONS, response: STATUS });
  if (coll.length) out.push({ path: prefix, params: [...nsParams, P.pretty], ops: coll });

  const item: Operation[] = [];
  if (verbs.has('get')) item.push({ method: 'get', action: 'get', operationId: `read${scope}${Kind}`, description: `read the specified ${Kind}`, gvk, params: [], response: k.openapiName });
  if (verbs.has('update')) item.push({ method: 'put', action: 'put', operationId: `replace${scope}${Kind}`, description: `replace the specified ${Kind}`, gvk, params: write, body: k.openapiName, response: k.openapiName, created: true });
  if (verbs.has('patch')) item.push({ method: 'patch', action: 'patch', operationId: `patch${scope}${Kind}`, description: `partially update the specified ${Kind}`, gvk, params: [...write, P.force], body: PATCH, response: k.openapiName, created: true });
  if (verbs.has('delete')) item.push({ method: 'delete', action: 'delete', operationId: `delete${scope}${Kind}`, description: `delete a ${Kind}`, gvk, params: [P.dryRun, P.gracePeriodSeconds, P.propagationPolicy], body: DELETE_OPTIONS, response: STATUS, created: true });
  if (item.length) out.push({ path: `${prefix}/{name}`, params: [nameParam, ...nsParams, P.pretty], ops: item });

  if (k.namespaced && verbs.has('list')) {
    out.push({ path: `/${gvPathOf(k)}/${k.plural}`, params: [P.pretty], ops: [{ method: 'get', action: 'list', operationId: `list${Kind}ForAllNamespaces`, description: `list or watch objects of kind ${Kind}`, gvk, params: P.list, response: definition(listName) ? listName : k.openapiName }] });
  }
  const sub = (name: string, model: string, subGvk: Operation['gvk']) => ({
    path: `${prefix}/{name}/${name}`,
    params: [nameParam, ...nsParams, P.pretty],
    ops: [
      { method: 'get', action: 'get', operationId: `read${scope}${Kind}${cap(name)}`, description: `read ${name} of the specified ${Kind}`, gvk: subGvk, params: [], response: model },
      { method: 'put', action: 'put', operationId: `replace${scope}${Kind}${cap(name)}`, description: `replace ${name} of the specified ${Kind}`, gvk: subGvk, params: write, body: model, response: model, created: true },
      { method: 'patch', action: 'patch', operationId: `patch${scope}${Kind}${cap(name)}`, description: `partially update ${name} of the specified ${Kind}`, gvk: subGvk, params: [...write, P.force], body: PATCH, response: model, created: true },
    ] as Operation[],
  });
  if (k.subresources?.status) out.push(sub('status', k.openapiName, gvk));
  if (k.subresources?.scale) out.push(sub('scale', SCALE, { group: 'autoscaling', version: 'v1', kind: 'Scale' }));
  return out;
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

// ---- schema closure and conversion -------------------------------------------------------------------

/** All definition names reachable from `roots` through $ref. */
export function reachable(roots: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const stack = [...roots];
  const visit = (s: unknown): void => {
    if (!s || typeof s !== 'object') return;
    if (Array.isArray(s)) { s.forEach(visit); return; }
    for (const [k, v] of Object.entries(s)) {
      if (k === '$ref' && typeof v === 'string') stack.push(refName(v));
      else if (k !== 'enum' && k !== 'x-kubernetes-group-version-kind') visit(v);
    }
  };
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n) || !definition(n)) continue;
    seen.add(n);
    visit(definition(n));
  }
  return seen;
}

/** A definition in swagger 2.0 form: '#/definitions/' refs, no allOf wrappers, no oneOf. */
function toV2(s: Definition | Schema): Json {
  const src = s as Json;
  if (Array.isArray(src.oneOf)) {
    // IntOrString and Quantity: swagger 2.0 has no oneOf; upstream v2 says type string.
    const out: Json = {};
    if (src.description) out.description = src.description;
    out.type = 'string';
    if (src.format) out.format = src.format;
    return out;
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(src)) {
    if (k === '$ref') out.$ref = `#/definitions/${refName(v as string)}`;
    else if (k === 'allOf' && Array.isArray(v) && v.length === 1 && (v[0] as Schema).$ref) out.$ref = `#/definitions/${refName((v[0] as Schema).$ref!)}`;
    else if (k === 'properties') out.properties = Object.fromEntries(Object.entries(v as Record<string, Schema>).map(([pk, pv]) => [pk, toV2(pv)]));
    else if ((k === 'items' || k === 'additionalProperties') && v && typeof v === 'object') out[k] = toV2(v as Schema);
    else out[k] = v;
  }
  return out;
}

function schemasFor(names: Iterable<string>, v2: boolean): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const n of [...reachable(names)].sort()) {
    const d = definition(n)!;
    out[n] = v2 ? toV2(d) : (d as Json);
  }
  return out;
}

function rootsOf(ks: Kinds): string[] {
  const roots = new Set<string>([STATUS, DELETE_OPTIONS, PATCH]);
  for (const k of ks) {
    roots.add(k.openapiName);
    const list = k.openapiName.replace(/\.[^.]+$/, `.${k.listKind}`);
    if (definition(list)) roots.add(list);
    if (k.subresources?.scale) roots.add(SCALE);
  }
  return [...roots];
}

// ---- v2 ------------------------------------------------------------------------------------------------

function v2Param(p: Param): Json {
  const o: Json = { uniqueItems: true, type: p.type, description: p.description, name: p.name, in: p.in };
  if (p.required) o.required = true;
  return o;
}

/** GET /openapi/v2 (JSON): swagger 2.0 with paths for every served kind and their definitions. */
export function openapiV2(kinds: Kinds): Json {
  const paths: Record<string, Json> = {};
  for (const k of kinds) {
    for (const { path, params, ops } of operationsFor(k)) {
      const item: Json = { parameters: params.map(v2Param) };
      for (const op of ops) {
        const o: Json = {
          description: op.description,
          consumes: op.method === 'patch' ? PATCH_MEDIA_TYPES : ['*/*'],
          produces: ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'],
          schemes: ['https'],
          tags: [tagOf(k)],
          operationId: `${op.operationId}`,
          parameters: [
            ...(op.body ? [{ name: 'body', in: 'body', required: op.method !== 'delete', schema: { $ref: `#/definitions/${op.body}` } }] : []),
            ...op.params.map(v2Param),
          ],
          responses: {
            '200': { description: 'OK', schema: { $ref: `#/definitions/${op.response}` } },
            ...(op.created && op.method !== 'delete' ? { '201': { description: 'Created', schema: { $ref: `#/definitions/${op.response}` } } } : {}),
            ...(op.method === 'delete' ? { '202': { description: 'Accepted', schema: { $ref: `#/definitions/${op.response}` } } } : {}),
            '401': { description: 'Unauthorized' },
          },
          'x-kubernetes-action': op.action,
          'x-kubernetes-group-version-kind': op.gvk,
        };
        item[op.method] = o;
      }
      paths[path] = { ...(paths[path] ?? {}), ...item };
    }
  }
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: VERSION.gitVersion },
    paths,
    definitions: schemasFor(rootsOf(kinds), true),
    securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', type: 'apiKey', name: 'authorization', in: 'header' } },
    security: [{ BearerToken: [] }],
  };
}

function tagOf(k: KindDefinition<any>): string {
  const g = k.group ? k.group.replace(/\.k8s\.io$/, '').replace(/\.(\w)/g, (_, c: string) => c.toUpperCase()) : 'core';
  return `${g}_${k.version}`;
}

// ---- v3 ------------------------------------------------------------------------------------------------

function v3Param(p: Param): Json {
  const o: Json = { name: p.name, in: p.in, description: p.description, schema: { type: p.type, uniqueItems: true } };
  if (p.required) o.required = true;
  return o;
}

const RESPONSE_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
const content = (name: string, types = RESPONSE_TYPES) => Object.fromEntries(types.map((t) => [t, { schema: { $ref: `#/components/schemas/${name}` } }]));

/** GET /openapi/v3/<gvPath> (e.g. 'apis/apps/v1'); undefined when no served kind is in it. */
export function openapiV3Doc(kinds: Kinds, groupVersionPath: string): Json | undefined {
  const gvPath = groupVersionPath.replace(/^\/+|\/+$/g, '');
  const ks = kinds.filter((k) => gvPathOf(k) === gvPath);
  if (!ks.length) return undefined;
  const paths: Record<string, Json> = {};
  for (const k of ks) {
    for (const { path, params, ops } of operationsFor(k)) {
      const item: Json = { parameters: params.map(v3Param) };
      for (const op of ops) {
        const o: Json = {
          tags: [tagOf(k)],
          description: op.description,
          operationId: op.operationId,
          parameters: op.params.map(v3Param),
          responses: {
            '200': { description: 'OK', content: content(op.response) },
            ...(op.created && op.method !== 'delete' ? { '201': { description: 'Created', content: content(op.response) } } : {}),
            ...(op.method === 'delete' ? { '202': { description: 'Accepted', content: content(op.response) } } : {}),
            '401': { description: 'Unauthorized' },
          },
          'x-kubernetes-action': op.action,
          'x-kubernetes-group-version-kind': op.gvk,
        };
        if (op.body) {
          const types = op.method === 'patch' ? PATCH_MEDIA_TYPES : op.method === 'delete' ? ['*/*'] : ['*/*'];
          o.requestBody = { content: content(op.body, types), ...(op.method === 'delete' ? {} : { required: true }) };
        }
        item[op.method] = o;
      }
      paths[path] = { ...(paths[path] ?? {}), ...item };
    }
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: VERSION.gitVersion },
    paths,
    components: {
      schemas: schemasFor(rootsOf(ks), false),
      securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } },
    },
  };
}

const hashCache = new WeakMap<Kinds, Map<string, string>>();

/** Content hash of a v3 document, as used in the index's `?hash=` (upstream: SHA-512, upper-case hex). */
export function openapiV3Hash(kinds: Kinds, gvPath: string): string | undefined {
  let m = hashCache.get(kinds);
  if (!m) hashCache.set(kinds, (m = new Map()));
  let h = m.get(gvPath);
  if (h === undefined) {
    const doc = openapiV3Doc(kinds, gvPath);
    if (!doc) return undefined;
    h = createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase();
    m.set(gvPath, h);
  }
  return h;
}

/** GET /openapi/v3: `{ paths: { 'api/v1': { serverRelativeURL: '/openapi/v3/api/v1?hash=…' }, … } }`. */
export function openapiV3Index(kinds: Kinds): Json {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const gv of [...new Set(kinds.map(gvPathOf))].sort()) {
    paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${openapiV3Hash(kinds, gv)}` };
  }
  return { paths };
}

// ---- v2 in gnostic protobuf (kubectl <= 1.28 asks only for this form) --------------------------------

/** Media type kubectl sends in Accept for the protobuf v2 document. */
export const OPENAPI_V2_PROTOBUF_ACCEPT = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
/** Content-Type to answer it with. */
export const OPENAPI_V2_PROTOBUF_CONTENT_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

let v2Document: protobufModule.Type | undefined;

// Plain words need no YAML quoting; everything else (and YAML 1.1 keywords) goes through the library.
const PLAIN = /^[A-Za-z][A-Za-z0-9_./-]*$/;
const YAML_WORDS = /^(y|n|yes|no|on|off|true|false|null)$/i;
// yaml loads with the first v2 protobuf document, not at server start.
let yamlStringifyFn: typeof yamlStringify | undefined;
const toYaml = (v: unknown): string => (yamlStringifyFn ??= (createRequire(import.meta.url)('yaml') as { stringify: typeof yamlStringify }).stringify)(v);
const anyOf = (v: unknown) => ({ yaml: typeof v === 'string' && PLAIN.test(v) && !YAML_WORDS.test(v) ? `${v}\n` : toYaml(v) });
const extensions = (o: Json) => Object.entries(o).filter(([k]) => k.startsWith('x-')).map(([name, v]) => ({ name, value: anyOf(v) }));

function schemaPb(s: Json): Json {
  const out: Json = {};
  if (s.$ref) out._ref = s.$ref;
  if (s.format) out.format = s.format;
  if (s.description) out.description = s.description;
  if (s.default !== undefined) out.default = anyOf(s.default);
  if (Array.isArray(s.required)) out.required = s.required;
  if (Array.isArray(s.enum)) out.enum = s.enum.map(anyOf);
  if (typeof s.additionalProperties === 'boolean') out.additional_properties = { boolean: s.additionalProperties };
  else if (s.additionalProperties) out.additional_properties = { schema: schemaPb(s.additionalProperties as Json) };
  if (s.type) out.type = { value: [s.type] };
  if (s.items) out.items = { schema: [schemaPb(s.items as Json)] };
  if (Array.isArray(s.allOf)) out.all_of = (s.allOf as Json[]).map(schemaPb);
  if (s.properties) out.properties = { additional_properties: Object.entries(s.properties as Record<string, Json>).map(([name, v]) => ({ name, value: schemaPb(v) })) };
  const ext = extensions(s);
  if (ext.length) out.vendor_extension = ext;
  return out;
}

function paramPb(p: Json): Json {
  if (p.in === 'body') {
    return { parameter: { body_parameter: { name: p.name, in: 'body', required: !!p.required, description: p.description ?? '', schema: schemaPb(p.schema as Json) } } };
  }
  const sub = { required: !!p.required, in: p.in, description: p.description ?? '', name: p.name, type: p.type ?? '', format: p.format ?? '', unique_items: !!p.uniqueItems };
  return { parameter: { non_body_parameter: p.in === 'path' ? { path_parameter_sub_schema: sub } : { query_parameter_sub_schema: sub } } };
}

function operationPb(o: Json): Json {
  const responses = Object.entries(o.responses as Record<string, Json>).map(([name, r]) => ({
    name,
    value: { response: { description: r.description ?? '', ...(r.schema ? { schema: { schema: schemaPb(r.schema as Json) } } : {}) } },
  }));
  return {
    tags: o.tags, description: o.description, operation_id: o.operationId, produces: o.produces, consumes: o.consumes, schemes: o.schemes,
    parameters: ((o.parameters as Json[] | undefined) ?? []).map(paramPb),
    responses: { response_code: responses },
    vendor_extension: extensions(o),
  };
}

/** The swagger 2.0 document as gnostic `openapi.v2.Document` protobuf bytes. */
export function openapiV2Protobuf(kinds: Kinds): Buffer {
  const doc = openapiV2(kinds);
  if (!v2Document) {
    const root = pb().parse(OPENAPI_V2_PROTO, { keepCase: true }).root;
    v2Document = root.lookupType('openapi.v2.Document');
  }
  const paths = Object.entries(doc.paths as Record<string, Json>).map(([name, item]) => {
    const v: Json = { parameters: ((item.parameters as Json[] | undefined) ?? []).map(paramPb) };
    for (const m of ['get', 'put', 'post', 'delete', 'patch']) if (item[m]) v[m] = operationPb(item[m] as Json);
    return { name, value: v };
  });
  const sec = (doc.securityDefinitions as Record<string, Json>).BearerToken!;
  const plain = {
    swagger: doc.swagger,
    info: doc.info,
    paths: { path: paths },
    definitions: { additional_properties: Object.entries(doc.definitions as Record<string, Json>).map(([name, s]) => ({ name, value: schemaPb(s) })) },
    security_definitions: { additional_properties: [{ name: 'BearerToken', value: { api_key_security: { type: sec.type, name: sec.name, in: sec.in, description: sec.description } } }] },
    security: [{ additional_properties: [{ name: 'BearerToken', value: { value: [] } }] }],
  };
  // encode() takes plain objects of the right shape; fromObject() would only copy them.
  return Buffer.from(v2Document.encode(plain).finish());
}

/** The provider object the API server takes (ApiServerOptions.openapi); documents are built once. */
export function openapiProvider(kinds: Kinds): {
  v2(): unknown; v2Protobuf(): Buffer; v3Index(): unknown; v3Doc(gvPath: string): unknown | undefined;
} {
  let v2: Json | undefined;
  let v2pb: Buffer | undefined;
  let index: Json | undefined;
  const docs = new Map<string, Json | undefined>();
  return {
    v2: () => (v2 ??= openapiV2(kinds)),
    v2Protobuf: () => (v2pb ??= openapiV2Protobuf(kinds)),
    v3Index: () => (index ??= openapiV3Index(kinds)),
    v3Doc: (gvPath) => {
      if (!docs.has(gvPath)) docs.set(gvPath, openapiV3Doc(kinds, gvPath));
      return docs.get(gvPath);
    },
  };
}

/** Exposed for tests: every definition name. */
export function definitionNames(): string[] {
  return Object.keys(allDefinitions());
}
