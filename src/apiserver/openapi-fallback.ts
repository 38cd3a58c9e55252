// The smallest OpenAPI v3 that lets kubectl write (kubectl-protocol.md §1.6): a root index and,
// per group-version, one PATCH path per kind declaring the `fieldValidation` parameter. Served only
// when the full documents (src/apiserver/openapi.ts) are not wired in.
import { createHash } from 'node:crypto';
import type { KindDefinition } from '../api/kind.js';

const gvPath = (k: KindDefinition) => (k.group ? `apis/${k.group}/${k.version}` : `api/${k.version}`);

export function minimalOpenApiV3Index(kinds: KindDefinition[]) {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const p of new Set(kinds.map(gvPath))) {
    const hash = createHash('sha256').update(JSON.stringify(minimalOpenApiV3Doc(kinds, p))).digest('hex').slice(0, 32).toUpperCase();
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hash}` };
  }
  return { paths };
}

export function minimalOpenApiV3Doc(kinds: KindDefinition[], path: string) {
  const ks = kinds.filter((k) => gvPath(k) === path);
  if (!ks.length) return undefined;
  const paths: Record<string, unknown> = {};
  for (const k of ks) {
    const base = `/${gvPath(k)}${k.namespaced ? '/namespaces/{namespace}' : ''}/${k.plural}/{name}`;
    paths[base] = {
      patch: {
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: k.group, version: k.version, kind: k.kind },
        parameters: [
          { name: 'dryRun', in: 'query', schema: { type: 'string', uniqueItems: true } },
          { name: 'fieldManager', in: 'query', schema: { type: 'string', uniqueItems: true } },
          { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } },
        ],
      },
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, components: { schemas: {} } };
}
