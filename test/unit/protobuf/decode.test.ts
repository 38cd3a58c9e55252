// Protobuf request decoding. The fixtures/*.pb files are real request bodies captured from
// kubectl 1.32 (`kubectl create namespace foo`, `create configmap cm1 --from-literal=a=b
// --from-literal=c=d --from-file=bin.dat`, `create secret generic s1 --from-literal=user=admin
// --from-literal=pw=p@ss`, `create service clusterip svc1 --tcp=80:8080 --tcp=443:https`,
// `create deployment web --image=nginx:1.27 --port=80 --replicas=2`, `create serviceaccount sa1`,
// `auth can-i create pods`, `create token sa1 --duration=1h`, `auth can-i --list -n default`,
// `auth whoami`, `create service nodeport np --tcp=80:8080 --node-port=30080`) against a logging HTTPS server; the
// matching fixtures/*.json are the same commands' `--dry-run=client -o json` output, i.e. the
// JSON kubectl would have sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { decodeProtobufObject, isProtobufContentType } from '../../../src/apiserver/protobuf.js';
import { isApiError } from '../../../src/machinery/errors.js';
import * as protos from '../../../src/apiserver/proto/k8s.proto.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const pb = (name: string) => readFileSync(join(dir, `${name}.pb`));

/** The dry-run JSON minus `creationTimestamp: null` (an unset Time, which we omit). */
function expectedJson(name: string): unknown {
  return JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8'), (k, v) => (v === null && k === 'creationTimestamp' ? undefined : v));
}

for (const name of ['namespace', 'configmap', 'secret', 'service', 'service-nodeport', 'deployment', 'serviceaccount']) {
  test(`captured kubectl 1.32 ${name} body decodes to the JSON kubectl would have sent`, () => {
    assert.deepEqual(decodeProtobufObject(pb(name)), expectedJson(name));
  });
}

test('captured auth can-i body decodes to a SelfSubjectAccessReview', () => {
  assert.deepEqual(decodeProtobufObject(pb('ssar')), {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    metadata: {},
    spec: { resourceAttributes: { namespace: 'default', verb: 'create', resource: 'pods' } },
    status: { allowed: false },
  });
});

test('captured create token body keeps the pointer field expirationSeconds', () => {
  const o = decodeProtobufObject(pb('tokenrequest'));
  assert.equal(o.kind, 'TokenRequest');
  assert.deepEqual(o.spec, { expirationSeconds: 3600 });
});

test('captured auth can-i --list and auth whoami bodies decode', () => {
  assert.deepEqual(decodeProtobufObject(pb('ssrr')), {
    apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', metadata: {}, spec: { namespace: 'default' }, status: { incomplete: false },
  });
  assert.deepEqual(decodeProtobufObject(pb('selfsubjectreview')), {
    apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', metadata: {}, status: { userInfo: {} },
  });
});

// ---- synthetic bodies: exercise Time, IntOrString, Quantity, pointer zeros, int64, bytes ----

const root = new protobuf.Root();
for (const src of [protos.K8S_PROTO, protos.META_PROTO, protos.UTIL_PROTO, protos.RESOURCE_PROTO, protos.CORE_PROTO, protos.APPS_PROTO, protos.AUTH_PROTO, protos.AUTHN_PROTO, protos.POLICY_PROTO]) {
  protobuf.parse(src, root, { keepCase: true });
}
root.resolveAll();

function envelope(apiVersion: string, kind: string, typeName: string, value: Record<string, unknown>, extra: Record<string, unknown> = {}): Buffer {
  const type = root.lookupType(typeName);
  const raw = type.encode(type.fromObject(value)).finish();
  const unknown = root.lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
  const body = unknown.encode(unknown.fromObject({ typeMeta: { apiVersion, kind }, raw, ...extra })).finish();
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), body]);
}

test('Time, IntOrString, Quantity, int64 and pointer zero values convert like JSON', () => {
  const body = envelope('apps/v1', 'Deployment', 'k8s.io.api.apps.v1.Deployment', {
    metadata: {
      name: 'd', namespace: 'ns', generation: 7, resourceVersion: '',
      creationTimestamp: { seconds: 1795774962, nanos: 0 },
      deletionGracePeriodSeconds: 0,
      ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'o', uid: 'u1', controller: false }],
    },
    spec: {
      replicas: 0,
      minReadySeconds: 0,
      paused: false,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: { type: 1, strVal: '25%' }, maxSurge: { type: 0, intVal: 2 } } },
      template: {
        spec: {
          terminationGracePeriodSeconds: 30,
          containers: [{ name: 'c', image: 'i', env: [{ name: 'A', value: '' }], resources: { limits: { cpu: { string: '500m' } }, requests: { memory: { string: '1Gi' } } } }],
        },
      },
    },
  });
  const o = decodeProtobufObject(body) as any;
  assert.deepEqual(o.metadata, {
    name: 'd', namespace: 'ns', generation: 7, creationTimestamp: '2026-11-27T10:22:42Z', deletionGracePeriodSeconds: 0,
    ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'o', uid: 'u1', controller: false }],
  });
  assert.equal(o.spec.replicas, 0, 'replicas is a pointer: an explicit 0 is kept');
  assert.equal('minReadySeconds' in o.spec, false, 'non-pointer zero is dropped');
  assert.equal('paused' in o.spec, false);
  assert.deepEqual(o.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 2 } });
  const c = o.spec.template.spec.containers[0];
  assert.deepEqual(c, { name: 'c', image: 'i', env: [{ name: 'A' }], resources: { limits: { cpu: '500m' }, requests: { memory: '1Gi' } } });
  assert.equal(o.spec.template.spec.terminationGracePeriodSeconds, 30);
});

test('Secret data is base64 and immutable=false (a pointer) is kept', () => {
  const body = envelope('v1', 'Secret', 'k8s.io.api.core.v1.Secret', {
    metadata: { name: 's' }, data: { k: Buffer.from([0, 1, 2, 255]) }, stringData: { a: 'b' }, type: 'Opaque', immutable: false,
  });
  assert.deepEqual(decodeProtobufObject(body), {
    apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { k: 'AAEC/w==' }, stringData: { a: 'b' }, type: 'Opaque', immutable: false,
  });
});

test('Eviction carries its DeleteOptions', () => {
  const body = envelope('policy/v1', 'Eviction', 'k8s.io.api.policy.v1.Eviction', {
    metadata: { name: 'p', namespace: 'default' }, deleteOptions: { gracePeriodSeconds: 0, dryRun: ['All'] },
  });
  assert.deepEqual(decodeProtobufObject(body), {
    apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'p', namespace: 'default' }, deleteOptions: { gracePeriodSeconds: 0, dryRun: ['All'] },
  });
});

test('errors: bad magic and garbage are BadRequest, unknown kinds are UnsupportedMediaType', () => {
  assert.throws(() => decodeProtobufObject(Buffer.from('{"kind":"Namespace"}')), (e) => isApiError(e, 'BadRequest') && /magic/.test(e.message));
  assert.throws(() => decodeProtobufObject(Buffer.concat([Buffer.from('k8s\0', 'latin1'), Buffer.from([0x0a, 0xff, 0xff, 0xff])])), (e) => isApiError(e, 'BadRequest'));
  const job = envelope('batch/v1', 'Job', 'k8s.io.api.core.v1.Namespace', { metadata: { name: 'j' } });
  assert.throws(() => decodeProtobufObject(job), (e) => isApiError(e, 'UnsupportedMediaType') && e.code === 415 && /Job/.test(e.message));
  const gz = envelope('v1', 'Namespace', 'k8s.io.api.core.v1.Namespace', { metadata: { name: 'n' } }, { contentEncoding: 'gzip' });
  assert.throws(() => decodeProtobufObject(gz), (e) => isApiError(e, 'UnsupportedMediaType'));
  // a truncated real body
  assert.throws(() => decodeProtobufObject(pb('deployment').subarray(0, 60)), (e) => isApiError(e, 'BadRequest'));
});

test('isProtobufContentType', () => {
  assert.equal(isProtobufContentType('application/vnd.kubernetes.protobuf'), true);
  assert.equal(isProtobufContentType('application/vnd.kubernetes.protobuf; charset=utf-8'), true);
  assert.equal(isProtobufContentType('application/json'), false);
  assert.equal(isProtobufContentType(undefined), false);
});
