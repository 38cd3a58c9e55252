import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isDNS1123Label, isDNS1123Subdomain, isDNS1035Label, isQualifiedName, isValidLabelValue, isCIdentifier,
  isEnvVarName, isRelaxedEnvVarName, isValidPortNum, isValidPortName, isValidIP, isValidIPv4Address, isValidIPv6Address,
  validateObjectMeta, validateObjectMetaUpdate, validateAnnotations, nameIsDNSLabel, nameIsDNSSubdomain, deepEqual,
} from '../../../src/machinery/validation.js';
import { errors, fieldErrorText } from '../../../src/machinery/errors.js';

const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

test('DNS-1123 label', () => {
  for (const ok of ['a', 'ab', 'a-b', '0', 'a'.repeat(63), '123-abc']) assert.deepEqual(isDNS1123Label(ok), [], ok);
  for (const bad of ['', 'A', '-a', 'a-', 'a.b', 'a_b', 'web_0']) assert.deepEqual(isDNS1123Label(bad), [LABEL_MSG], bad);
  assert.deepEqual(isDNS1123Label('a'.repeat(64)), ['must be no more than 63 characters']);
});

test('DNS-1123 subdomain', () => {
  for (const ok of ['a', 'a.b', 'example.com', 'a-b.c-d', 'a'.repeat(253)]) assert.deepEqual(isDNS1123Subdomain(ok), [], ok);
  for (const bad of ['', 'A.b', 'a..b', '.a', 'a.', 'Bad_Name']) assert.deepEqual(isDNS1123Subdomain(bad), [SUBDOMAIN_MSG], bad);
  assert.deepEqual(isDNS1123Subdomain('a'.repeat(254)), ['must be no more than 253 characters']);
});

test('DNS-1035 label', () => {
  assert.deepEqual(isDNS1035Label('nginx'), []);
  assert.deepEqual(isDNS1035Label('1abc'), [
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
  ]);
});

test('qualified names', () => {
  for (const ok of ['app', 'App', 'a.b_c-d', 'example.com/name', 'kubernetes.io/cluster-service', 'k8s.io/A', 'a'.repeat(63)]) {
    assert.deepEqual(isQualifiedName(ok), [], ok);
  }
  const nameMsg = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
  assert.deepEqual(isQualifiedName(''), ['name part must be non-empty', nameMsg]);
  assert.deepEqual(isQualifiedName('-a'), [nameMsg]);
  assert.deepEqual(isQualifiedName('/a'), ['prefix part must be non-empty']);
  assert.deepEqual(isQualifiedName('Example.com/a'), ['prefix part ' + SUBDOMAIN_MSG]);
  assert.deepEqual(isQualifiedName('a'.repeat(64)), ['name part must be no more than 63 characters']);
  assert.match(isQualifiedName('a/b/c')[0]!, /^a qualified name must consist of .* with an optional DNS subdomain prefix and '\/' \(e\.g\. 'example\.com\/MyName'\)$/);
});

test('label values', () => {
  for (const ok of ['', 'v', 'MyValue', 'my_value', '12345', 'a.b-c']) assert.deepEqual(isValidLabelValue(ok), [], ok);
  const msg = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
  assert.deepEqual(isValidLabelValue('-x'), [msg]);
  assert.deepEqual(isValidLabelValue('a b'), [msg]);
  assert.deepEqual(isValidLabelValue('a'.repeat(64)), ['must be no more than 63 characters']);
});

test('identifiers, env names, ports, IPs', () => {
  assert.deepEqual(isCIdentifier('MY_VAR1'), []);
  assert.equal(isCIdentifier('1X').length, 1);
  assert.match(isCIdentifier('a-b')[0]!, /^a valid C identifier must start with alphabetic character or '_'/);
  assert.deepEqual(isEnvVarName('my.env-name'), []);
  assert.equal(isEnvVarName('1abc').length, 1);
  assert.deepEqual(isEnvVarName('..x'), ["must not start with '..'"]);
  assert.deepEqual(isRelaxedEnvVarName('1 weird:name'), []);
  assert.equal(isRelaxedEnvVarName('A=B').length, 1);
  assert.deepEqual(isValidPortNum(80), []);
  assert.deepEqual(isValidPortNum(0), ['must be between 1 and 65535, inclusive']);
  assert.deepEqual(isValidPortNum(65536), ['must be between 1 and 65535, inclusive']);
  assert.deepEqual(isValidPortName('http'), []);
  assert.deepEqual(isValidPortName('web-80'), []);
  assert.deepEqual(isValidPortName('123'), ['must contain at least one letter (a-z)']);
  assert.deepEqual(isValidPortName('a--b'), ['must not contain consecutive hyphens']);
  assert.deepEqual(isValidPortName('-ab'), ['must not begin or end with a hyphen']);
  assert.deepEqual(isValidPortName('Http'), ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)']);
  assert.deepEqual(isValidPortName('abcdefghijklmnop'), ['must be no more than 15 characters']);
  assert.deepEqual(isValidIP('10.9.8.7'), []);
  assert.deepEqual(isValidIP('2001:db8::ffff'), []);
  assert.deepEqual(isValidIP('10.9.8'), ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']);
  assert.deepEqual(isValidIPv4Address('::1'), ['must be a valid IPv4 address']);
  assert.deepEqual(isValidIPv6Address('::1'), []);
});

test('generateName masks a trailing dash', () => {
  assert.deepEqual(nameIsDNSSubdomain('web-', true), []);
  assert.equal(nameIsDNSSubdomain('web-', false).length, 1);
  assert.deepEqual(nameIsDNSLabel('x-', true), []);
});

test('validateObjectMeta: required name, namespace rules', () => {
  const errs = validateObjectMeta({}, { namespaced: true });
  assert.deepEqual(errs.map((e) => fieldErrorText(e, true)), ['metadata.name: Required value: name or generateName is required', 'metadata.namespace: Required value']);
  assert.deepEqual(validateObjectMeta({ name: 'web', namespace: 'default' }, { namespaced: true }), []);
  const cluster = validateObjectMeta({ name: 'n1', namespace: 'default' }, { namespaced: false });
  assert.deepEqual(cluster.map((e) => fieldErrorText(e, true)), ['metadata.namespace: Forbidden: not allowed on this type']);
  const bad = validateObjectMeta({ name: 'Bad_Name', namespace: 'Default' }, { namespaced: true });
  assert.deepEqual(bad.map((e) => e.field), ['metadata.name', 'metadata.namespace']);
  assert.equal(bad[0]!.value, 'Bad_Name');
  // kubectl prints this as the whole message
  const e = errors.invalid('', 'ConfigMap', 'Bad_Name', [bad[0]!]);
  assert.equal(e.message, `ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": ${SUBDOMAIN_MSG}`);
  // label-named kinds
  assert.equal(validateObjectMeta({ name: 'a.b' }, { namespaced: false, nameValidator: nameIsDNSLabel }).length, 1);
});

test('validateObjectMeta: labels, annotations, ownerReferences, finalizers', () => {
  const errs = validateObjectMeta(
    {
      name: 'x',
      namespace: 'ns',
      labels: { 'bad key!': 'ok', good: '-bad' },
      annotations: { 'Example.COM/Key': 'fine', 'a/b/c': 'x' },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u1', controller: true },
        { apiVersion: 'apps', kind: '', name: '', uid: '', controller: true } as never,
      ],
      finalizers: ['orphan', 'foregroundDeletion', 'bad/x/y'],
      generation: -1,
    },
    { namespaced: true },
  );
  const fields = errs.map((e) => e.field);
  assert.deepEqual(fields, [
    'metadata.generation',
    'metadata.labels',
    'metadata.labels',
    'metadata.annotations',
    'metadata.ownerReferences.kind',
    'metadata.ownerReferences.name',
    'metadata.ownerReferences.uid',
    'metadata.ownerReferences',
    'metadata.finalizers',
    'metadata.finalizers',
  ]);
  assert.equal(errs[0]!.detail, 'must be greater than or equal to 0');
  assert.equal(errs[1]!.value, 'bad key!');
  assert.equal(errs[2]!.value, '-bad');
  assert.equal(errs[7]!.detail, 'Only one reference can have Controller set to true. Found "true" in references for StatefulSet/web and /');
  assert.equal(errs[9]!.detail, 'finalizer orphan and foregroundDeletion cannot be both set');
  // apiVersion without a version part
  const v = validateObjectMeta({ name: 'x', ownerReferences: [{ apiVersion: '', kind: 'K', name: 'n', uid: 'u' }] }, { namespaced: false });
  assert.deepEqual(v.map((e) => fieldErrorText(e, true)), ['metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty']);
  const v2 = validateObjectMeta({ name: 'x', ownerReferences: [{ apiVersion: 'a/b/c', kind: 'K', name: 'n', uid: 'u' }, { apiVersion: 'apps/', kind: 'K', name: 'n', uid: 'u' }] }, { namespaced: false });
  assert.deepEqual(v2.map((e) => e.value), ['a/b/c', 'apps/']);
});

test('annotation total size limit is 256 KiB', () => {
  assert.deepEqual(validateAnnotations({ a: 'x'.repeat(256 * 1024 - 1) }, 'metadata.annotations'), []);
  const errs = validateAnnotations({ a: 'x'.repeat(256 * 1024) }, 'metadata.annotations');
  assert.deepEqual(errs.map((e) => fieldErrorText(e, true)), ['metadata.annotations: Too long: may not be more than 262144 bytes']);
});

test('validateObjectMetaUpdate: immutable fields', () => {
  const old = { name: 'web', namespace: 'default', uid: 'u1', creationTimestamp: '2026-01-01T00:00:00Z', resourceVersion: '5', generation: 2 };
  assert.deepEqual(validateObjectMetaUpdate({ ...old, labels: { a: 'b' } }, old), []);
  const errs = validateObjectMetaUpdate({ ...old, name: 'web2', uid: 'u2', creationTimestamp: '2027-01-01T00:00:00Z', generation: 1 }, old);
  assert.deepEqual(errs.map((e) => fieldErrorText(e, true)), [
    'metadata.generation: Invalid value: 1: must not be decremented',
    'metadata.name: Invalid value: "web2": field is immutable',
    'metadata.uid: Invalid value: "u2": field is immutable',
    'metadata.creationTimestamp: Invalid value: "2027-01-01T00:00:00Z": field is immutable',
  ]);
  const noRv = validateObjectMetaUpdate({ ...old, resourceVersion: '' }, old);
  assert.deepEqual(noRv.map((e) => fieldErrorText(e, true)), ['metadata.resourceVersion: Invalid value: "": must be specified for an update']);
  assert.deepEqual(validateObjectMetaUpdate({ ...old, resourceVersion: '' }, old, 'metadata', { requireResourceVersion: false }), []);
});

test('validateObjectMetaUpdate: no new finalizers while deleting', () => {
  const old = { name: 'p', resourceVersion: '1', deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['a/x'] };
  assert.deepEqual(validateObjectMetaUpdate({ ...old, finalizers: [] }, old), []);
  const errs = validateObjectMetaUpdate({ ...old, finalizers: ['a/x', 'b/y'] }, old);
  assert.equal(fieldErrorText(errs[0]!, true), 'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"b/y"}');
});

test('deepEqual treats missing and undefined alike', () => {
  assert.ok(deepEqual({ a: 1, b: undefined }, { a: 1 }));
  assert.ok(!deepEqual([1, 2], [2, 1]));
  assert.ok(deepEqual({ x: [{ y: null }] }, { x: [{ y: null }] }));
});
