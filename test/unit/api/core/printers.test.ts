import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accessModes, formatMap, humanDuration, since } from '../../../../src/api/printers.js';
import { isConfigMapKey, listWithMore, validateNonSpecialIP } from '../../../../src/api/kinds/core-validation.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

test('humanDuration follows apimachinery HumanDuration', () => {
  const cases: [number, string][] = [
    [-2 * s, '<invalid>'], [-500, '0s'], [0, '0s'], [119 * s, '119s'], [2 * m, '2m'], [2 * m + 5 * s, '2m5s'],
    [9 * m + 59 * s, '9m59s'], [10 * m + 30 * s, '10m'], [179 * m, '179m'], [3 * h, '3h'], [3 * h + 5 * m, '3h5m'],
    [8 * h, '8h'], [47 * h, '47h'], [2 * d, '2d'], [2 * d + 3 * h, '2d3h'], [8 * d + 3 * h, '8d'], [729 * d, '729d'],
    [730 * d, '2y'], [800 * d, '2y70d'], [8 * 365 * d, '8y'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms}ms`);
  assert.equal(since(undefined, new Date()), '<unknown>');
  assert.equal(since('2026-01-01T00:00:00Z', new Date('2026-01-01T00:01:00Z')), '60s');
});

test('formatMap and accessModes', () => {
  assert.equal(formatMap({ b: '2', a: '1' }), 'a=1,b=2');
  assert.equal(formatMap({}), '<none>');
  assert.equal(formatMap(undefined), '<none>');
  assert.equal(accessModes(['ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOnce']), 'RWO,RWX');
  assert.equal(accessModes(['ReadWriteOncePod']), 'RWOP');
  assert.equal(accessModes(undefined), '');
});

test('listWithMore', () => {
  assert.equal(listWithMore([], 0), '<unset>');
  assert.equal(listWithMore(['a', 'b'], 2), 'a,b');
  assert.equal(listWithMore(['a', 'b', 'c', 'd', 'e'], 5), 'a,b,c + 2 more...');
});

test('non-special IPs', () => {
  assert.deepEqual(validateNonSpecialIP('10.0.0.1', 'ip'), []);
  assert.deepEqual(validateNonSpecialIP('fd00::1', 'ip'), []);
  const msg = (ip: string) => validateNonSpecialIP(ip, 'ip')[0]?.detail;
  assert.equal(msg('0.0.0.0'), 'may not be unspecified (0.0.0.0)');
  assert.equal(msg('::'), 'may not be unspecified (::)');
  assert.equal(msg('127.0.0.1'), 'may not be in the loopback range (127.0.0.0/8, ::1/128)');
  assert.equal(msg('::1'), 'may not be in the loopback range (127.0.0.0/8, ::1/128)');
  assert.equal(msg('169.254.1.1'), 'may not be in the link-local range (169.254.0.0/16, fe80::/10)');
  assert.equal(msg('fe80::1'), 'may not be in the link-local range (169.254.0.0/16, fe80::/10)');
  assert.equal(msg('224.0.0.5'), 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)');
});

test('config map keys', () => {
  assert.deepEqual(isConfigMapKey('key.name'), []);
  assert.deepEqual(isConfigMapKey('KEY_NAME-1'), []);
  assert.deepEqual(isConfigMapKey('.'), ["must not be '.'"]);
  assert.deepEqual(isConfigMapKey('..'), ["must not be '..'"]);
  assert.equal(isConfigMapKey('a'.repeat(254))[0], 'must be no more than 253 characters');
});
