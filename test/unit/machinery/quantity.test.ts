import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuantity, canonicalQuantity, tryParseQuantity, Quantity, ErrFormatWrong, ErrSuffix } from '../../../src/machinery/quantity.js';
import { ApiError } from '../../../src/machinery/errors.js';

test('canonical form (upstream table)', () => {
  const cases: [string | number, string][] = [
    ['0', '0'], ['0n', '0'], ['0Ki', '0'], ['-0', '0'], ['00', '0'],
    ['1', '1'], ['+5', '5'], ['-1', '-1'], ['1.1', '1100m'], ['1.5', '1500m'], ['0.1', '100m'], ['.5', '500m'], ['5.', '5'],
    ['100m', '100m'], ['1000m', '1'], ['1500m', '1500m'], ['-100m', '-100m'], ['250u', '250u'], ['1000n', '1u'],
    ['1000', '1k'], ['1500', '1500'], ['12k', '12k'], ['1000000', '1M'], ['1G', '1G'], ['2T', '2T'], ['1P', '1P'], ['1E', '1E'],
    ['1Ki', '1Ki'], ['1Mi', '1Mi'], ['1Gi', '1Gi'], ['1024Mi', '1Gi'], ['1536Mi', '1536Mi'], ['1.5Gi', '1536Mi'], ['0.5Gi', '512Mi'],
    ['500Mi', '500Mi'], ['100Mi', '100Mi'], ['5Gi', '5Gi'], ['1Ei', '1Ei'], ['0.5Ki', '512'], ['1023', '1023'], ['0.1Ki', '102400m'],
    ['1e3', '1e3'], ['1E3', '1e3'], ['1e0', '1'], ['1.5e3', '1500'], ['1080e-3', '1080e-3'], ['1e-3', '1e-3'], ['1e+6', '1e6'],
    ['0.0000000001', '1n'], ['-0.0000000001', '-1n'], ['0.000000001', '1n'],
    [1, '1'], [0.5, '500m'], [2048, '2048'], [1e21, '1e21'],
  ];
  for (const [input, want] of cases) assert.equal(canonicalQuantity(input), want, String(input));
});

test('bad quantities answer upstream messages as 400', () => {
  const bad: [string, string][] = [
    ['', ErrFormatWrong], ['1.2.3', ErrFormatWrong], ['abc', ErrFormatWrong], ['1 Ki', ErrFormatWrong], ['1Kix', ErrFormatWrong], ['1Kii', ErrSuffix],
    ['1K', ErrSuffix], ['1e', ErrSuffix], ['1mm', ErrSuffix], ['1Gb', ErrFormatWrong], ['--1', ErrSuffix], ['1e3.5', ErrFormatWrong],
  ];
  for (const [input, msg] of bad) {
    assert.throws(() => parseQuantity(input), (e: unknown) => e instanceof ApiError && e.status.code === 400 && e.message === msg, input);
  }
  assert.equal(tryParseQuantity('nope'), undefined);
  assert.equal(tryParseQuantity({}), undefined);
  assert.equal(tryParseQuantity('1Gi')?.toString(), '1Gi');
});

test('compare, value, milliValue, arithmetic', () => {
  const q = (s: string) => parseQuantity(s);
  assert.equal(q('1Gi').cmp(q('1024Mi')), 0);
  assert.equal(q('1k').cmp(q('1000')), 0);
  assert.equal(q('100m').cmp(q('1')), -1);
  assert.equal(q('1G').cmp(q('1Gi')), -1);
  assert.equal(q('2').cmp(q('1999m')), 1);
  assert.equal(q('100m').value(), 1);
  assert.equal(q('1.5').value(), 2);
  assert.equal(q('-1.5').value(), -1);
  assert.equal(q('1Gi').value(), 1073741824);
  assert.equal(q('100m').milliValue(), 100);
  assert.equal(q('1').milliValue(), 1000);
  assert.equal(q('1n').milliValue(), 1);
  assert.equal(q('250m').add(q('750m')).toString(), '1');
  assert.equal(q('1Gi').sub(q('512Mi')).toString(), '512Mi');
  assert.ok(q('0m').isZero());
  assert.equal(JSON.stringify({ cpu: q('0.25') }), '{"cpu":"250m"}');
  assert.equal(Quantity.parse('3').asNumber(), 3);
});
