import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalQuantity, parseQuantity } from '../../../../src/api/validation/quantity.js';

test('canonical quantities as upstream serializes them', () => {
  const cases: [unknown, string][] = [
    ['1000m', '1'], ['100m', '100m'], ['0.5', '500m'], ['1.5', '1500m'], [1, '1'], [0.25, '250m'],
    ['2000', '2k'], ['1500', '1500'], ['1024Mi', '1Gi'], ['1.5Gi', '1536Mi'], ['512Mi', '512Mi'], ['1000Mi', '1000Mi'],
    ['128974848', '128974848'], ['1G', '1G'], ['0', '0'], ['1Ki', '1Ki'], ['0.1m', '100u'],
  ];
  for (const [input, want] of cases) assert.equal(canonicalQuantity(input), want, `canonical(${JSON.stringify(input)})`);
  assert.equal(canonicalQuantity('1e3'), '1e3');
  assert.equal(canonicalQuantity('abc'), 'abc');
});

test('parseQuantity', () => {
  assert.equal(parseQuantity('500m'), 0.5);
  assert.equal(parseQuantity('1Gi'), 2 ** 30);
  assert.equal(parseQuantity('2k'), 2000);
  assert.equal(parseQuantity('1e3'), 1000);
  assert.equal(parseQuantity(3), 3);
  assert.equal(parseQuantity('1.2.3'), undefined);
  assert.equal(parseQuantity('Gi'), undefined);
});
