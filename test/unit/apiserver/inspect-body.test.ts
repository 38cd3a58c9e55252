import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspectBody, pruneUnknownFields, typeError } from '../../../src/apiserver/prune.js';
import { unknownFields } from '../../../src/api/openapi/index.js';

// inspectBody is the one-pass form of the three walks the API server ran on every body; it must
// give exactly what they give: the first type error, else the unknown field paths and the pruned object.
const samples: [string, string, unknown][] = [
  ['io.k8s.api.core.v1.ConfigMap', 'ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', labels: { x: 'y' }, annotations: { a: 'b' } }, data: { k: 'v' }, binaryData: { b: 'AA==' } }],
  ['io.k8s.api.core.v1.Pod', 'Pod', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'o', uid: 'u', controller: true }] },
    spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'A', value: 'b' }], resources: { limits: { cpu: '1', memory: 5 } } }], nodeSelector: { a: 'b' }, tolerations: [{ key: 'k', operator: 'Exists' }] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  }],
  ['io.k8s.api.apps.v1.StatefulSet', 'StatefulSet', {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 's' },
    spec: { replicas: 3, selector: { matchLabels: { app: 'a' }, matchExpressions: [{ key: 'k', operator: 'In', values: ['a'] }] }, serviceName: 's',
      template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'i', volumeMounts: [{ name: 'v', mountPath: '/d' }] }] } },
      volumeClaimTemplates: [{ metadata: { name: 'v' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: '50%' } } },
  }],
  ['io.k8s.api.core.v1.Service', 'Service', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc' }, spec: { ports: [{ port: 80, targetPort: 'http', nodePort: 30001 }], selector: { a: 'b' }, clusterIPs: ['10.0.0.1'] } }],
];

let seed = 12345;
const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
const randomValue = (): unknown => [1, 1.5, -3, 2 ** 40, 'str', true, null, [], [1, 'a'], {}, { z: 1 }, { bogus: { deeper: [1] } }][rnd(12)];

/** Every object or array node of `v`, with a way to set a child. */
function nodes(v: unknown, out: unknown[] = []): unknown[] {
  if (v && typeof v === 'object') {
    out.push(v);
    for (const x of Object.values(v as Record<string, unknown>)) nodes(x, out);
  }
  return out;
}

function mutate(obj: unknown): void {
  const all = nodes(obj);
  for (let m = rnd(4); m >= 0; m--) {
    const n = all[rnd(all.length)] as Record<string, unknown> | unknown[];
    if (Array.isArray(n)) {
      if (n.length && rnd(2)) n[rnd(n.length)] = randomValue();
      else n.push(randomValue());
    } else {
      const keys = Object.keys(n);
      if (keys.length && rnd(2)) n[keys[rnd(keys.length)]!] = randomValue();
      else n[['bogus', 'extra', 'apiVersion', 'kind', 'name', 'spec'][rnd(6)]!] = randomValue();
    }
  }
}

function separate(name: string, kind: string, obj: unknown) {
  const te = typeError(name, kind, obj);
  if (te) return { typeError: te, unknown: [], obj: undefined };
  const unknown = unknownFields(name, obj);
  pruneUnknownFields(name, obj);
  return { typeError: undefined, unknown, obj };
}

function combined(name: string, kind: string, obj: unknown) {
  const r = inspectBody(name, kind, obj, true);
  return { typeError: r.typeError, unknown: r.typeError ? [] : r.unknown, obj: r.typeError ? undefined : obj };
}

test('inspectBody gives what typeError + unknownFields + pruneUnknownFields give, on valid and mutated bodies', () => {
  let typeErrors = 0;
  let unknowns = 0;
  for (const [name, kind, sample] of samples) {
    assert.deepEqual(combined(name, kind, structuredClone(sample)), separate(name, kind, structuredClone(sample)), `${kind} as is`);
    for (let i = 0; i < 3000; i++) {
      const body = structuredClone(sample);
      mutate(body);
      const a = separate(name, kind, structuredClone(body));
      const b = combined(name, kind, structuredClone(body));
      assert.deepEqual(b, a, `${kind}: ${JSON.stringify(body)}`);
      if (a.typeError) typeErrors++;
      if (a.unknown.length) unknowns++;
    }
  }
  // the mutations reach both outcomes often
  assert.ok(typeErrors > 1000 && unknowns > 1000, `type errors ${typeErrors}, bodies with unknown fields ${unknowns}`);
});

test('inspectBody without collecting still prunes, and reports no paths', () => {
  const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', bogus: 1 }, data: { k: 'v' }, extra: true };
  const r = inspectBody('io.k8s.api.core.v1.ConfigMap', 'ConfigMap', body, false);
  assert.deepEqual(r, { unknown: [] });
  assert.deepEqual(body, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'v' } });
});

test('inspectBody reports the first wrong type as the decoder words it', () => {
  const r = inspectBody('io.k8s.api.core.v1.ConfigMap', 'ConfigMap', { metadata: { name: 'a' }, data: { k: 1 } }, true);
  assert.equal(r.typeError, 'json: cannot unmarshal number into Go struct field ConfigMap.data of type string');
});
