// Dev-time generator: builds src/api/openapi/definitions.json (OpenAPI v3-flavoured schemas keyed by
// upstream definition names) from the .d.ts files of the npm package kubernetes-models, which carry
// the upstream descriptions, required fields and enums. What the .d.ts files cannot express
// (int64 vs int32, byte, date-time, strategic-merge metadata) comes from the hand-written tables in
// ./openapi-facts.ts. Only definitions reachable from the kinds we serve are emitted.
//
//   node --import tsx scripts/gen-openapi.ts           (re)write the JSON
//   node --import tsx scripts/gen-openapi.ts --check   exit 1 if the committed JSON is stale
import ts from 'typescript';
import { writeFileSync, existsSync, readFileSync } from 'node:fs';
import { join, dirname, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INT64, BYTE_MAPS, PATCH_FACTS, ROOTS, STANDARD_TYPEMETA, QUANTITY_DESCRIPTION } from './openapi-facts.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MODELS = join(root, 'node_modules/kubernetes-models');
const APIM = join(root, 'node_modules/@kubernetes-models/apimachinery');
const OUT = join(root, 'src/api/openapi/definitions.json');

type Json = Record<string, unknown>;
const REF = '#/components/schemas/';

/** Upstream definition name for a kubernetes-models .d.ts file, e.g. apps/v1/StatefulSet.d.ts → io.k8s.api.apps.v1.StatefulSet. */
function upstreamName(file: string): string | undefined {
  const norm = (p: string) => p.split(sep).join('/');
  if (file.startsWith(APIM + sep)) {
    const rel = norm(relative(APIM, file)).replace(/\.d\.ts$/, '');
    return `io.k8s.apimachinery.pkg.${rel.split('/').join('.')}`;
  }
  if (file.startsWith(MODELS + sep)) {
    const parts = norm(relative(MODELS, file)).replace(/\.d\.ts$/, '').split('/');
    if (parts.length === 2) return `io.k8s.api.core.${parts[0]}.${parts[1]}`;
    if (parts.length === 3) {
      const group = parts[0]!.replace(/\.k8s\.io$/, '').replace(/\.authorization$/, '').replace(/\.apiserver$/, '');
      return `io.k8s.api.${group}.${parts[1]}.${parts[2]}`;
    }
  }
  return undefined;
}

/** The file of an upstream definition name (inverse of upstreamName for the groups we use). */
function fileFor(name: string): string {
  if (name.startsWith('io.k8s.apimachinery.pkg.')) return join(APIM, ...name.slice('io.k8s.apimachinery.pkg.'.length).split('.')) + '.d.ts';
  const [, , , group, version, type] = name.split('.');
  const dir = group === 'core' ? '' : ['apps', 'autoscaling', 'policy', 'batch'].includes(group!) ? group! : `${group}.k8s.io`;
  return join(MODELS, dir, version!, `${type}.d.ts`);
}

const rootFiles = ROOTS.map(fileFor);
for (const f of rootFiles) if (!existsSync(f)) throw new Error(`missing ${f}`);
const program = ts.createProgram(rootFiles, { moduleResolution: ts.ModuleResolutionKind.Node10, target: ts.ScriptTarget.ES2022, noEmit: true, skipLibCheck: true });
const checker = program.getTypeChecker();

const defs: Record<string, Json> = {};
const queue: string[] = [...ROOTS];
const declCache = new Map<string, ts.InterfaceDeclaration | ts.TypeAliasDeclaration>();

function doc(node: ts.Node): string | undefined {
  const sym = (node as { name?: ts.Node }).name ? checker.getSymbolAtLocation((node as unknown as { name: ts.Node }).name) : undefined;
  if (!sym) return undefined;
  const text = ts.displayPartsToString(sym.getDocumentationComment(checker)).trim();
  return text || undefined;
}

function findDecl(name: string): ts.InterfaceDeclaration | ts.TypeAliasDeclaration {
  const cached = declCache.get(name);
  if (cached) return cached;
  const sf = program.getSourceFile(fileFor(name));
  if (!sf) throw new Error(`no source for ${name} (${fileFor(name)})`);
  const short = name.split('.').pop()!;
  let found: ts.InterfaceDeclaration | ts.TypeAliasDeclaration | undefined;
  sf.forEachChild((n) => {
    if ((ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n)) && n.name.text === `I${short}`) found = n;
  });
  if (!found) throw new Error(`no declaration I${short} in ${sf.fileName}`);
  declCache.set(name, found);
  return found;
}

function refTo(name: string): Json {
  if (!defs[name] && !queue.includes(name)) queue.push(name);
  return { $ref: REF + name };
}

/** Names of the kinds (interfaces with a literal `kind`) by their property-name signature, to undo inlining. */
function inlineKindMatch(lit: ts.TypeLiteralNode): string | undefined {
  const names = lit.members.map((m) => (m.name && ts.isStringLiteral(m.name) ? m.name.text : m.name?.getText())).filter(Boolean).sort().join(',');
  if (!names.includes('apiVersion') || !names.includes('kind')) return undefined;
  // The inlined kind is the one whose `spec` type matches; look it up by the spec's referenced name.
  for (const m of lit.members) {
    if (ts.isPropertySignature(m) && m.name.getText().replace(/"/g, '') === 'spec' && m.type && ts.isTypeReferenceNode(m.type)) {
      const specName = resolveRef(m.type);
      if (specName?.endsWith('Spec')) return specName.slice(0, -'Spec'.length);
    }
  }
  return undefined;
}

function resolveRef(node: ts.TypeReferenceNode): string | undefined {
  let sym = checker.getSymbolAtLocation(node.typeName);
  if (!sym) return undefined;
  if (sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
  const decl = sym.declarations?.[0];
  if (!decl) return undefined;
  return upstreamName(decl.getSourceFile().fileName);
}

function typeSchema(node: ts.TypeNode, where: string): Json {
  switch (node.kind) {
    case ts.SyntaxKind.StringKeyword: return { type: 'string' };
    case ts.SyntaxKind.BooleanKeyword: return { type: 'boolean' };
    case ts.SyntaxKind.NumberKeyword: return { type: 'integer', format: INT64.has(where) ? 'int64' : 'int32' };
    case ts.SyntaxKind.AnyKeyword: case ts.SyntaxKind.UnknownKeyword: case ts.SyntaxKind.ObjectKeyword: return { type: 'object' };
  }
  if (ts.isParenthesizedTypeNode(node)) return typeSchema(node.type, where);
  if (ts.isLiteralTypeNode(node)) return ts.isStringLiteral(node.literal) ? { type: 'string' } : { type: 'integer' };
  if (ts.isUnionTypeNode(node)) {
    const lits = node.types.filter(ts.isLiteralTypeNode).map((t) => t.literal).filter(ts.isStringLiteral).map((l) => l.text);
    if (lits.length === node.types.length) return { type: 'string', enum: lits };
    throw new Error(`unsupported union at ${where}: ${node.getText()}`);
  }
  if (ts.isArrayTypeNode(node)) return { type: 'array', items: typeSchema(node.elementType, where) };
  if (ts.isTypeReferenceNode(node)) {
    if (node.typeName.getText() === 'Array' && node.typeArguments?.length === 1) {
      return { type: 'array', items: typeSchema(node.typeArguments[0]!, where) };
    }
    const name = resolveRef(node);
    if (!name) throw new Error(`unresolved reference ${node.getText()} at ${where}`);
    return refTo(name);
  }
  if (ts.isTypeLiteralNode(node)) {
    const index = node.members.find(ts.isIndexSignatureDeclaration);
    if (index) {
      const value = typeSchema(index.type, where);
      if (BYTE_MAPS.has(where)) value.format = 'byte';
      return { type: 'object', additionalProperties: value };
    }
    const kind = inlineKindMatch(node);
    if (kind) return refTo(kind);
    return objectSchema(node.members, where.replace(/\.[^.]*$/, ''), undefined);
  }
  throw new Error(`unsupported type at ${where}: ${ts.SyntaxKind[node.kind]} ${node.getText()}`);
}

function propName(m: ts.TypeElement): string {
  return m.name && ts.isStringLiteral(m.name) ? m.name.text : m.name!.getText();
}

function objectSchema(members: ts.NodeArray<ts.TypeElement>, defName: string, description: string | undefined): Json {
  const properties: Record<string, Json> = {};
  const required: string[] = [];
  let gvk: { group: string; version: string; kind: string } | undefined;
  const literal = (m: ts.PropertySignature) => (m.type && ts.isLiteralTypeNode(m.type) && ts.isStringLiteral(m.type.literal) ? m.type.literal.text : undefined);
  let apiVersion: string | undefined;
  for (const m of members) {
    if (!ts.isPropertySignature(m) || !m.type) continue;
    const name = propName(m);
    const where = `${defName}.${name}`;
    if ((name === 'apiVersion' || name === 'kind') && literal(m)) {
      // TypeMeta: upstream declares both as optional strings with the standard descriptions.
      if (name === 'apiVersion') apiVersion = literal(m);
      else gvk = { group: '', version: '', kind: literal(m)! };
      properties[name] = { description: STANDARD_TYPEMETA[name], type: 'string' };
      continue;
    }
    let s = typeSchema(m.type, where);
    const d = doc(m);
    if (s.$ref) {
      // Upstream v3 wraps a described reference in allOf.
      s = d ? { allOf: [s], description: d } : s;
    } else if (d) {
      s = { description: d, ...s };
    }
    if (name === 'apiVersion' || name === 'kind') s.description ??= STANDARD_TYPEMETA[name];
    const facts = PATCH_FACTS[where];
    if (facts) Object.assign(s, facts);
    properties[name] = s;
    if (!m.questionToken) required.push(name);
  }
  const out: Json = {};
  if (description) out.description = description;
  out.type = 'object';
  if (Object.keys(properties).length) out.properties = properties;
  if (required.length) out.required = required;
  if (gvk && apiVersion) {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    out['x-kubernetes-group-version-kind'] = [{ group: group!, kind: gvk.kind, version: version! }];
  }
  return out;
}

function definition(name: string): Json {
  const decl = findDecl(name);
  const description = name === 'io.k8s.apimachinery.pkg.api.resource.Quantity' ? QUANTITY_DESCRIPTION : doc(decl);
  if (ts.isInterfaceDeclaration(decl)) {
    const s = objectSchema(decl.members, name, description);
    // Schemas without any declared fields (RawExtension, FieldsV1) hold arbitrary JSON upstream.
    return s;
  }
  const short = name.split('.').pop();
  const base: Json = description ? { description } : {};
  if (short === 'Time' || short === 'MicroTime') return { ...base, type: 'string', format: 'date-time' };
  if (short === 'IntOrString') return { ...base, format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }] };
  if (short === 'Quantity') return { ...base, oneOf: [{ type: 'string' }, { type: 'number' }] };
  return { ...base, ...typeSchema(decl.type, name) };
}

while (queue.length) {
  const name = queue.shift()!;
  if (defs[name]) continue;
  defs[name] = definition(name);
}

// Check every fact in the tables landed somewhere (a typo would silently drop upstream metadata).
for (const where of Object.keys(PATCH_FACTS)) {
  const i = where.lastIndexOf('.');
  const def = defs[where.slice(0, i)] as { properties?: Record<string, unknown> } | undefined;
  if (!def?.properties?.[where.slice(i + 1)]) throw new Error(`patch fact for unknown field ${where}`);
}
for (const where of [...INT64, ...BYTE_MAPS]) {
  const i = where.lastIndexOf('.');
  const def = defs[where.slice(0, i)] as { properties?: Record<string, unknown> } | undefined;
  if (!def?.properties?.[where.slice(i + 1)]) throw new Error(`format fact for unknown field ${where}`);
}

const sorted: Record<string, Json> = {};
for (const k of Object.keys(defs).sort()) sorted[k] = defs[k]!;
const text = JSON.stringify(sorted) + '\n';
if (process.argv.includes('--check')) {
  const current = existsSync(OUT) ? readFileSync(OUT, 'utf8') : '';
  if (current !== text) {
    console.error(`${relative(root, OUT)} is stale: run node --import tsx scripts/gen-openapi.ts`);
    process.exit(1);
  }
  console.log(`${relative(root, OUT)} is up to date`);
  process.exit(0);
}
writeFileSync(OUT, text);
console.log(`wrote ${Object.keys(sorted).length} definitions to ${relative(root, OUT)} (${JSON.stringify(sorted).length} bytes)`);
