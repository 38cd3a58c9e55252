import { test } from 'node:test';
import assert from 'node:assert/strict';
import { definition as ep } from '../../../../src/api/kinds/endpoints.js';
import { definition as eps } from '../../../../src/api/kinds/endpointslice.js';
import { definition as cm } from '../../../../src/api/kinds/configmap.js';
import { definition as secret, base64ErrorOffset } from '../../../../src/api/kinds/secret.js';
import { definition as sa } from '../../../../src/api/kinds/serviceaccount.js';
import { isApiError } from '../../../../src/machinery/errors.js';
import { admit, invalid, ok, row } from './helpers.js';

const md = (name: string) => ({ name, namespace: 'default' });

// ---- Endpoints ----

test('endpoints: table shows up to 3 ip:port then + N more', () => {
  const o = ok(ep, {
    metadata: md('web'),
    subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }, { ip: '10.0.0.4' }], ports: [{ port: 80 }] }],
  });
  assert.equal(o.subsets?.[0]?.ports?.[0]?.protocol, 'TCP');
  assert.deepEqual(row(ep, o), { NAME: 'web', ENDPOINTS: '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...', AGE: '5m' });
  assert.equal(row(ep, ok(ep, { metadata: md('none') })).ENDPOINTS, '<none>');
  assert.equal(row(ep, ok(ep, { metadata: md('h'), subsets: [{ addresses: [{ ip: '10.0.0.1' }] }] })).ENDPOINTS, '10.0.0.1');
  assert.equal(row(ep, ok(ep, { metadata: md('nr'), subsets: [{ notReadyAddresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] })).ENDPOINTS, '');
});

test('endpoints: validation', () => {
  assert.equal(
    invalid(ep, { metadata: md('web'), subsets: [{ ports: [{ port: 80 }] }] }),
    'Endpoints "web" is invalid: subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`',
  );
  assert.equal(
    invalid(ep, { metadata: md('web'), subsets: [{ addresses: [{ ip: '127.0.0.1' }] }] }),
    'Endpoints "web" is invalid: subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
  );
  assert.match(invalid(ep, { metadata: md('web'), subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }, { port: 81, name: 'b' }] }] }), /subsets\[0\].ports\[0\].name: Required value/);
});

// ---- EndpointSlice ----

const slice = {
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { ...md('web-abc'), labels: { 'kubernetes.io/service-name': 'web' } },
  addressType: 'IPv4',
  endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true } }, { addresses: ['10.0.0.2'] }, { addresses: ['10.0.0.3'] }, { addresses: ['10.0.0.4'] }],
  ports: [{ name: 'http', port: 80 }],
};

test('endpointslice: defaults, generation and table', () => {
  const o = ok(eps, slice);
  assert.deepEqual(o.ports, [{ name: 'http', port: 80, protocol: 'TCP' }]);
  assert.equal(o.metadata.generation, 1);
  assert.deepEqual(row(eps, o), { NAME: 'web-abc', ADDRESSTYPE: 'IPv4', PORTS: '80', ENDPOINTS: '10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...', AGE: '5m' });
  const empty = ok(eps, { ...slice, endpoints: [], ports: [] });
  assert.equal(row(eps, empty).PORTS, '<unset>');
  assert.equal(row(eps, empty).ENDPOINTS, '<unset>');
  const same = ok(eps, o, o);
  assert.equal(same.metadata.generation, 1);
  const moved = ok(eps, { ...o, endpoints: [{ addresses: ['10.0.0.9'] }] }, o);
  assert.equal(moved.metadata.generation, 2);
  const relabeled = ok(eps, { ...o, metadata: { ...o.metadata, labels: { x: 'y' } } }, o);
  assert.equal(relabeled.metadata.generation, 2);
});

test('endpointslice: validation and addressType immutability', () => {
  assert.equal(invalid(eps, { ...slice, addressType: undefined }), 'EndpointSlice.discovery.k8s.io "web-abc" is invalid: addressType: Required value');
  assert.match(invalid(eps, { ...slice, addressType: 'IPX' }), /addressType: Unsupported value: "IPX": supported values: "FQDN", "IPv4", "IPv6"/);
  assert.match(invalid(eps, { ...slice, endpoints: [{ addresses: [] }] }), /endpoints\[0\].addresses: Required value: must contain at least 1 address/);
  assert.match(invalid(eps, { ...slice, endpoints: [{ addresses: ['fd00::1'] }] }), /endpoints\[0\].addresses\[0\]: Invalid value: "fd00::1": must be a valid IPv4 address/);
  assert.match(invalid(eps, { ...slice, ports: [{ name: 'a', port: 1 }, { name: 'a', port: 2 }] }), /ports\[1\].name: Duplicate value: "a"/);
  const old = ok(eps, slice);
  assert.match(invalid(eps, { ...old, addressType: 'IPv6', endpoints: [] }, old), /addressType: Invalid value: "IPv6": field is immutable/);
});

// ---- ConfigMap ----

test('configmap: keys, immutability and table', () => {
  const o = ok(cm, { metadata: md('cfg'), data: { 'a.conf': 'x', B_KEY: 'y' }, binaryData: { bin: 'AAE=' } });
  assert.deepEqual(row(cm, o), { NAME: 'cfg', DATA: 3, AGE: '5m' });
  assert.equal(
    invalid(cm, { metadata: md('cfg'), data: { 'bad key': 'x' } }),
    `ConfigMap "cfg" is invalid: data[bad key]: Invalid value: "bad key": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
  );
  assert.match(invalid(cm, { metadata: md('cfg'), data: { '..x': '' } }), /data\[..x\]: Invalid value: "..x": must not start with '..'/);
  assert.match(invalid(cm, { metadata: md('cfg'), data: { k: '' }, binaryData: { k: '' } }), /binaryData\[k\]: Invalid value: "k": duplicate of key present in data/);
  const imm = ok(cm, { metadata: md('cfg'), data: { a: '1' }, immutable: true });
  assert.equal(
    invalid(cm, { ...imm, data: { a: '2' } }, imm),
    'ConfigMap "cfg" is invalid: data: Forbidden: field is immutable when `immutable` is set',
  );
  assert.match(invalid(cm, { ...imm, immutable: false }, imm), /immutable: Forbidden: field is immutable when `immutable` is set/);
  ok(cm, { ...imm, metadata: { ...imm.metadata, labels: { a: 'b' } } }, imm);
});

// ---- Secret ----

test('secret: defaults, stringData, base64 decoding errors', () => {
  const o = ok(secret, { metadata: md('s'), data: { a: 'aGk=' }, stringData: { b: 'hello' } });
  assert.equal(o.type, 'Opaque');
  assert.deepEqual(o.data, { a: 'aGk=', b: 'aGVsbG8=' });
  assert.equal(o.stringData, undefined);
  assert.deepEqual(row(secret, o), { NAME: 's', TYPE: 'Opaque', DATA: 2, AGE: '5m' });
  assert.equal(secret.fieldSelectors!.type!(o), 'Opaque');
  assert.throws(
    () => admit(secret, { metadata: md('s'), data: { a: 'not base64!' } }),
    (e: unknown) => isApiError(e, 'BadRequest') && e.message === 'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3',
  );
  assert.equal(base64ErrorOffset('aGk='), -1);
  assert.equal(base64ErrorOffset('abc'), 0);
  assert.equal(base64ErrorOffset('abcde'), 4);
  assert.equal(base64ErrorOffset('ab=c'), 3);
  assert.equal(base64ErrorOffset('aGVs\nbG8='), -1);
});

test('secret: type rules and immutability', () => {
  assert.equal(
    invalid(secret, { metadata: md('t'), type: 'kubernetes.io/tls', data: {} }),
    'Secret "t" is invalid: [data[tls.crt]: Required value, data[tls.key]: Required value]',
  );
  assert.equal(
    invalid(secret, { metadata: md('t'), type: 'kubernetes.io/service-account-token' }),
    'Secret "t" is invalid: metadata.annotations[kubernetes.io/service-account.name]: Required value',
  );
  const old = ok(secret, { metadata: md('s'), data: { a: 'aGk=' } });
  assert.equal(invalid(secret, { ...old, type: 'kubernetes.io/basic-auth', data: { username: '' } }, old), 'Secret "s" is invalid: type: Invalid value: "kubernetes.io/basic-auth": field is immutable');
  const imm = ok(secret, { metadata: md('s'), data: { a: 'aGk=' }, immutable: true });
  assert.match(invalid(secret, { ...imm, data: { a: 'aGV5' } }, imm), /data: Forbidden: field is immutable when `immutable` is set/);
});

// ---- ServiceAccount ----

test('serviceaccount: table and name validation', () => {
  const o = ok(sa, { metadata: md('builder'), secrets: [{ name: 'tok' }] });
  assert.deepEqual(row(sa, o), { NAME: 'builder', SECRETS: 1, AGE: '5m' });
  assert.match(invalid(sa, { metadata: md('Bad') }), /metadata.name: Invalid value: "Bad": a lowercase RFC 1123 subdomain/);
});

test('configmap: binaryData must be base64', () => {
  assert.throws(
    () => admit(cm, { metadata: md('cfg'), binaryData: { b: '!!!!' } }),
    (e: unknown) => isApiError(e, 'BadRequest') && e.message === 'ConfigMap in version "v1" cannot be handled as a ConfigMap: illegal base64 data at input byte 0',
  );
});
