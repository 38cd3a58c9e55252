import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFieldSelector, escapeValue, unescapeValue, fieldSelectorFromSet, checkFieldLabels } from '../../../src/machinery/fields.js';
import { ApiError } from '../../../src/machinery/errors.js';

function badRequest(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => e instanceof ApiError && e.status.code === 400 && e.message === message);
}

const pod: Record<string, string> = {
  'metadata.name': 'web-0', 'metadata.namespace': 'default', 'spec.nodeName': 'node-1', 'status.phase': 'Running',
};
const get = (f: string) => pod[f];

test('parse and match (kubectl-generated selectors)', () => {
  const cases: [string, boolean][] = [
    ['', true],
    ['metadata.name=web-0', true],
    ['metadata.name==web-0', true],
    ['metadata.name!=web-0', false],
    ['metadata.name=web-1', false],
    ['spec.nodeName=node-1,status.phase=Running', true],
    ['status.phase!=Succeeded,status.phase!=Failed', true],
    ['spec.nodeName=', false],
    ['spec.schedulerName=', true], // missing compares as ''
    ['spec.schedulerName!=', false],
    ['metadata.namespace=default,metadata.name=web-0', true],
  ];
  for (const [s, want] of cases) assert.equal(parseFieldSelector(s).matches(get), want, s);
});

test('event selectors from kubectl describe', () => {
  const ev: Record<string, string> = {
    'involvedObject.name': 'web-0', 'involvedObject.namespace': 'default', 'involvedObject.uid': 'u-1', 'involvedObject.kind': 'Pod',
  };
  const sel = parseFieldSelector('involvedObject.name=web-0,involvedObject.namespace=default,involvedObject.uid=u-1');
  assert.ok(sel.matches((f) => ev[f]));
  assert.deepEqual(sel.fields().sort(), ['involvedObject.name', 'involvedObject.namespace', 'involvedObject.uid']);
  assert.equal(sel.requiresExactMatch('involvedObject.uid'), 'u-1');
  assert.equal(sel.requiresExactMatch('metadata.name'), undefined);
});

test('String() is canonical: sorted terms, == shown as =, values escaped', () => {
  assert.equal(parseFieldSelector('b==2,a!=1').toString(), 'a!=1,b=2');
  assert.equal(parseFieldSelector('a=x\\,y\\=z\\\\').toString(), 'a=x\\,y\\=z\\\\');
  assert.equal(parseFieldSelector('a=x\\,y').terms[0]!.value, 'x,y');
  assert.equal(parseFieldSelector('a=x\\,y,b=c').terms.length, 2);
});

test('escaping round trip and errors', () => {
  for (const v of ['', 'plain', 'a,b', 'a=b', 'a\\b', ',=\\']) assert.equal(unescapeValue(escapeValue(v)), v);
  badRequest(() => unescapeValue('a\\b'), 'invalid field selector: invalid escape sequence: \\b');
  badRequest(() => unescapeValue('a\\'), 'invalid field selector: invalid escape sequence: \\');
  badRequest(() => parseFieldSelector('a=b=c'), 'invalid field selector: unescaped character in value: 61');
  badRequest(() => parseFieldSelector('metadata.name'), "invalid selector: 'metadata.name'; can't understand 'metadata.name'");
  badRequest(() => parseFieldSelector('a=b,c'), "invalid selector: 'a=b,c'; can't understand 'c'");
});

test('fromSet and label support checks', () => {
  const s = fieldSelectorFromSet({ 'metadata.name': 'web-0' });
  assert.equal(s.toString(), 'metadata.name=web-0');
  assert.ok(s.matches(get));
  checkFieldLabels(parseFieldSelector('metadata.name=a,spec.nodeName=b'), ['metadata.name', 'metadata.namespace', 'spec.nodeName']);
  badRequest(() => checkFieldLabels(parseFieldSelector('metadata.name=a,spec.foo=b'), ['metadata.name']), 'field label not supported: spec.foo');
  assert.ok(parseFieldSelector(',').empty());
});
