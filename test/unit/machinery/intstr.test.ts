import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  getScaledValueFromIntOrPercent, parseIntOrPercent, resolveFenceposts, statefulSetMaxUnavailable, validatePositiveIntOrPercent,
  validateNotMoreThan100Percent, isValidPercent,
} from '../../../src/machinery/intstr.js';
import { fieldErrorText } from '../../../src/machinery/errors.js';

test('scaled values (upstream table)', () => {
  const cases: [number | string, number, boolean, number][] = [
    [10, 100, false, 10], [10, 100, true, 10], ['10%', 100, false, 10], ['10%', 100, true, 10],
    ['25%', 5, true, 2], ['25%', 5, false, 1], ['25%', 4, true, 1], ['25%', 3, false, 0], ['25%', 3, true, 1],
    ['100%', 7, false, 7], ['0%', 10, true, 0], ['33%', 3, true, 1], ['33%', 3, false, 0], ['50%', 1, true, 1], ['50%', 1, false, 0],
    ['150%', 10, false, 15],
  ];
  for (const [v, total, up, want] of cases) assert.equal(getScaledValueFromIntOrPercent(v, total, up), want, `${v} of ${total} up=${up}`);
});

test('bad IntOrString values', () => {
  assert.throws(() => getScaledValueFromIntOrPercent('10', 10, true), /invalid value for IntOrString: invalid type: string is not a percentage/);
  assert.throws(() => getScaledValueFromIntOrPercent('abc%', 10, true), /invalid value "abc%": strconv.Atoi: parsing "abc": invalid syntax/);
  assert.throws(() => getScaledValueFromIntOrPercent(undefined, 10, true), /nil value for IntOrString/);
  assert.throws(() => parseIntOrPercent(1.5), /neither int nor percentage/);
  assert.deepEqual(parseIntOrPercent('5%'), { value: 5, isPercent: true });
});

test('deployment fenceposts and statefulset maxUnavailable', () => {
  assert.deepEqual(resolveFenceposts('25%', '25%', 10), { surge: 3, unavailable: 2 });
  assert.deepEqual(resolveFenceposts('25%', '25%', 1), { surge: 1, unavailable: 0 });
  assert.deepEqual(resolveFenceposts(0, '10%', 3), { surge: 0, unavailable: 1 });
  assert.deepEqual(resolveFenceposts(undefined, undefined, 5), { surge: 0, unavailable: 1 });
  assert.deepEqual(resolveFenceposts(2, 1, 5), { surge: 2, unavailable: 1 });
  assert.equal(statefulSetMaxUnavailable(undefined, 5), 1);
  assert.equal(statefulSetMaxUnavailable('50%', 5), 3);
  assert.equal(statefulSetMaxUnavailable('0%', 5), 1);
  assert.equal(statefulSetMaxUnavailable(2, 5), 2);
});

test('validation messages', () => {
  assert.deepEqual(validatePositiveIntOrPercent(3, 'spec.strategy.rollingUpdate.maxSurge'), []);
  assert.deepEqual(validatePositiveIntOrPercent('25%', 'x'), []);
  assert.equal(fieldErrorText(validatePositiveIntOrPercent(-1, 'x')[0]!, true), 'x: Invalid value: -1: must be greater than or equal to 0');
  assert.equal(
    fieldErrorText(validatePositiveIntOrPercent('abc', 'x')[0]!, true),
    `x: Invalid value: "abc": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`,
  );
  assert.equal(validatePositiveIntOrPercent(true, 'x')[0]!.detail, "must be an integer or percentage (e.g '5%')");
  assert.deepEqual(validateNotMoreThan100Percent('100%', 'x'), []);
  assert.deepEqual(validateNotMoreThan100Percent(150, 'x'), []);
  assert.equal(fieldErrorText(validateNotMoreThan100Percent('101%', 'x')[0]!, true), 'x: Invalid value: "101%": must not be greater than 100%');
  assert.equal(isValidPercent('5').length, 1);
});
