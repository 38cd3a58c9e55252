// Odd but well-typed input (nulls anywhere, empty lists/maps/strings, zero and negative numbers, null
// list elements) must never make a kind's hooks throw: the API server would answer 500 instead of a
// validation error. Wrong JSON types are answered 400 by the server's decoder check before the kind runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { definition as pod } from '../../../../src/api/kinds/pod.js';
import { definition as sts } from '../../../../src/api/kinds/statefulset.js';
import { definition as deploy } from '../../../../src/api/kinds/deployment.js';
import { definition as rs } from '../../../../src/api/kinds/replicaset.js';
import { definition as cr } from '../../../../src/api/kinds/controllerrevision.js';
import type { KindDefinition } from '../../../../src/api/kind.js';
import { ctx, NOW } from './helpers.js';

/** Values of the same JSON type as `v` (plus null), as the decoder would let through. */
function junkFor(v: unknown): unknown[] {
  if (Array.isArray(v)) return [null, [], [null], [{}]];
  if (v && typeof v === 'object') return [null, {}, { a: null }];
  if (typeof v === 'string') return [null, '', ' ', 'Ünïcode/../x'];
  if (typeof v === 'number') return [null, 0, -1, 2 ** 31 - 1];
  if (typeof v === 'boolean') return [null, false];
  return [null];
}

function getPath(obj: any, path: string[]): unknown {
  return path.reduce((o, k) => (o == null ? undefined : o[k]), obj);
}

function paths(obj: unknown, prefix: string[] = [], out: string[][] = []): string[][] {
  out.push(prefix);
  if (obj && typeof obj === 'object') {
    for (const [k, v] of Object.entries(obj)) paths(v, [...prefix, k], out);
  }
  return out;
}

function setPath(obj: any, path: string[], value: unknown): any {
  if (path.length === 0) return value;
  const copy = structuredClone(obj);
  let cur = copy;
  for (const k of path.slice(0, -1)) cur = cur[k];
  cur[path[path.length - 1]!] = value;
  return copy;
}

const template = {
  metadata: { labels: { app: 'a' } },
  spec: {
    containers: [{
      name: 'c', image: 'i', ports: [{ containerPort: 80, name: 'http' }], env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'x' } } }],
      resources: { limits: { cpu: '1' }, requests: { cpu: '1' } }, volumeMounts: [{ name: 'v', mountPath: '/v' }],
      readinessProbe: { httpGet: { port: 80 } },
    }],
    initContainers: [{ name: 'i', image: 'i' }],
    volumes: [{ name: 'v', configMap: { name: 'cm' } }],
    tolerations: [{ key: 'k', operator: 'Exists' }],
  },
};

const samples: [KindDefinition<any>, any][] = [
  [pod, { metadata: { name: 'p', namespace: 'd' }, spec: template.spec, status: { phase: 'Running', containerStatuses: [{ name: 'c', state: { waiting: { reason: 'X' } } }] } }],
  [sts, { metadata: { name: 's', namespace: 'd' }, spec: { selector: { matchLabels: { app: 'a' }, matchExpressions: [{ key: 'k', operator: 'In', values: ['v'] }] }, template, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } }, volumeClaimTemplates: [{ metadata: { name: 'w' }, spec: {} }] } }],
  [deploy, { metadata: { name: 'd', namespace: 'd' }, spec: { selector: { matchLabels: { app: 'a' } }, template, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '10%' } } } }],
  [rs, { metadata: { name: 'r', namespace: 'd' }, spec: { selector: { matchLabels: { app: 'a' } }, template } }],
  [cr, { metadata: { name: 'c', namespace: 'd', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 's', uid: 'u', controller: true }] }, data: { a: 1 }, revision: 1 }],
];

for (const [kind, sample] of samples) {
  test(`${kind.kind}: hooks survive nulls and odd values at every path`, () => {
    let cases = 0;
    for (const p of paths(sample)) {
      if (p.length === 0 || p[0] === 'metadata') continue; // metadata shape is checked before the kind runs
      for (const v of junkFor(getPath(sample, p))) {
        const obj = setPath(sample, p, v);
        const old = structuredClone(sample);
        kind.defaults?.(old);
        cases++;
        try {
          kind.prepare?.(obj, undefined, ctx('create'));
          kind.defaults?.(obj);
          kind.validate?.(obj, undefined, ctx('create'));
          kind.tableRow(obj, NOW);
          for (const f of Object.values(kind.fieldSelectors ?? {})) f(obj);
          kind.gracefulDeletion?.(obj, undefined);
          const upd = setPath(old, p, v);
          kind.prepare?.(upd, old, ctx('update'));
          kind.defaults?.(upd);
          kind.validate?.(upd, old, ctx('update'));
          const st = setPath(old, p, v);
          kind.prepare?.(st, old, ctx('status'));
          kind.validate?.(st, old, ctx('status'));
        } catch (e) {
          assert.fail(`${kind.kind} threw with ${p.join('.')} = ${JSON.stringify(v)}: ${(e as Error).stack}`);
        }
      }
    }
    assert.ok(cases >= 10, `only ${cases} cases`);
  });
}
