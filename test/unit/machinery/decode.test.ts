import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBody, decodeJson, decodeYaml, mediaTypeOf } from '../../../src/machinery/decode.js';
import { ApiError } from '../../../src/machinery/errors.js';

function fails(fn: () => unknown, code: number, text: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ApiError, `not an ApiError: ${String(e)}`);
    assert.equal(e.status.code, code);
    assert.match(e.message, text);
    return true;
  });
}

test('JSON bodies by content type (with parameters, default when absent)', () => {
  const body = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"a":"1"}}';
  const want = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: '1' } };
  assert.deepEqual(decodeBody(body, 'application/json'), want);
  assert.deepEqual(decodeBody(Buffer.from(body), 'application/json; charset=utf-8'), want);
  assert.deepEqual(decodeBody(body, undefined), want);
  assert.deepEqual(decodeBody('\ufeff' + body, 'Application/JSON'), want);
  assert.equal(mediaTypeOf('application/yaml; charset=utf-8'), 'application/yaml');
});

test('malformed JSON is 400 with a clear message (upstream shape when the kind is known)', () => {
  fails(() => decodeBody('{"a":', 'application/json'), 400, /^error decoding request body: json parse error: /);
  fails(() => decodeBody('', 'application/json'), 400, /unexpected end of JSON input/);
  fails(() => decodeBody('[1,2]', 'application/json'), 400, /expected an object, got array/);
  fails(() => decodeBody('"str"', 'application/json'), 400, /expected an object, got string/);
  fails(() => decodeBody('null', 'application/json'), 400, /expected an object, got null/);
  fails(
    () => decodeBody('{"kind":"Pod", "metadata": {"name": "averylongnamethatgoesonandon"}', 'application/json', { kind: 'Pod' }),
    400,
    /^the object provided is unrecognized \(Pod: \{"kind":"Pod", "metadata": \{"n \.\.\.\): json parse error/,
  );
  fails(() => decodeBody('xyz', 'application/json', { kind: 'Pod' }), 400, /^the object provided is unrecognized \(Pod: 78797a\)/);
  assert.deepEqual(decodeJson('[1]', { allowNonObject: true }), [1]);
});

test('YAML bodies use YAML 1.1 scalars like sigs.k8s.io/yaml', () => {
  const y = [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: x',
    '  labels: {a: b}',
    'spec:',
    '  yes1: yes',
    '  no1: off',
    '  y: Y',
    '  oct: 0777',
    '  under: 1_000',
    '  hex: 0x1F',
    '  float: 1.5',
    '  date: 2001-12-14',
    '  port: 22:22',
    '  nul: ~',
    '  quoted: "yes"',
    '  list: [1, two]',
    '  1: numeric key',
  ].join('\n');
  assert.deepEqual(decodeBody(y, 'application/yaml'), {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'x', labels: { a: 'b' } },
    spec: {
      yes1: true, no1: false, true: true, // the key `y` is a YAML 1.1 boolean, as upstream
      oct: 511, under: 1000, hex: 31, float: 1.5, date: '2001-12-14', port: '22:22', nul: null,
      quoted: 'yes', list: [1, 'two'], '1': 'numeric key',
    },
  });
  assert.deepEqual(decodeBody('a: 1\n', 'application/x-yaml'), { a: 1 });
  // JSON is YAML
  assert.deepEqual(decodeBody('{"a": [1, {"b": null}]}', 'application/yaml'), { a: [1, { b: null }] });
  // merge keys
  assert.deepEqual(decodeYaml('base: &b {x: 1}\nobj:\n  <<: *b\n  z: 2\n'), { base: { x: 1 }, obj: { x: 1, z: 2 } });
  // a single document with explicit markers is fine
  assert.deepEqual(decodeYaml('---\na: 1\n...\n'), { a: 1 });
  assert.deepEqual(decodeYaml('---\na: 1\n---\n'), { a: 1 });
});

test('bad YAML is 400; multi-document rejected; duplicate keys rejected; .inf rejected', () => {
  fails(() => decodeBody('a: 1\n---\nb: 2\n', 'application/yaml'), 400, /multiple documents are not allowed/);
  fails(() => decodeBody('a: [1, 2\n', 'application/yaml'), 400, /^error decoding request body: yaml: /);
  fails(() => decodeBody('a: 1\na: 2\n', 'application/yaml'), 400, /Map keys must be unique/);
  fails(() => decodeBody('', 'application/yaml'), 400, /empty document/);
  fails(() => decodeBody('- a\n- b\n', 'application/yaml'), 400, /expected an object, got array/);
  fails(() => decodeBody('a: .inf\n', 'application/yaml'), 400, /unsupported value: Infinity/);
  fails(() => decodeBody('\tbad: [', 'application/yaml'), 400, /yaml: /);
  // alias bomb is refused rather than expanded
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]', 'e: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]'].join('\n');
  fails(() => decodeBody(bomb, 'application/yaml'), 400, /yaml: /);
});

test('unknown media types are 415 with the upstream message; protobuf needs a decoder', () => {
  fails(() => decodeBody('x', 'text/plain'), 415, /^the body of the request was in an unknown format - accepted media types include: application\/json, application\/yaml, application\/vnd.kubernetes.protobuf$/);
  fails(() => decodeBody(new Uint8Array([0x6b, 0x38, 0x73, 0]), 'application/vnd.kubernetes.protobuf'), 415, /unknown format/);
  assert.deepEqual(decodeBody(new Uint8Array([1]), 'application/vnd.kubernetes.protobuf', { protobuf: () => ({ kind: 'Namespace' }) }), { kind: 'Namespace' });
  fails(() => decodeBody(new Uint8Array([1]), 'application/vnd.kubernetes.protobuf', { protobuf: () => { throw new Error('boom'); } }), 400, /boom/);
});

test('random garbage never throws anything but ApiError', () => {
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const alphabet = '{}[]:,"\'-&*!|>#%@`\n\t ab1.\\';
  for (let i = 0; i < 300; i++) {
    const s = Array.from({ length: Math.floor(rnd() * 40) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
    for (const ct of ['application/json', 'application/yaml']) {
      try {
        decodeBody(s, ct);
      } catch (e) {
        assert.ok(e instanceof ApiError, `${ct} ${JSON.stringify(s)} threw ${String(e)}`);
        assert.equal(e.status.code, 400);
      }
    }
  }
});

test('"__proto__" keys in JSON and YAML bodies stay plain fields', () => {
  for (const [body, ct] of [['{"a":{"__proto__":{"x":1}}}', 'application/json'], ['a:\n  __proto__:\n    x: 1\n', 'application/yaml']] as const) {
    const v = decodeBody(body, ct) as any;
    assert.equal(Object.getPrototypeOf(v.a), Object.prototype, ct);
    assert.equal(({} as any).x, undefined);
  }
});
