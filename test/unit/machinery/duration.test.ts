import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration, shortHumanDuration, translateTimestampSince } from '../../../src/machinery/duration.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;
const y = 365 * d;

test('humanDuration (kubectl-protocol §3.5 / upstream table)', () => {
  const cases: [number, string][] = [
    [-3 * s, '<invalid>'], [-2 * s, '<invalid>'], [-1999, '0s'], [-1 * s, '0s'], [-1, '0s'], [0, '0s'], [999, '0s'],
    [1 * s, '1s'], [70 * s, '70s'], [119 * s, '119s'], [2 * m, '2m'], [2 * m + 5 * s, '2m5s'], [9 * m + 59 * s, '9m59s'],
    [10 * m, '10m'], [10 * m + 30 * s, '10m'], [179 * m, '179m'], [3 * h, '3h'], [3 * h + 30 * m, '3h30m'], [7 * h + 59 * m, '7h59m'],
    [8 * h, '8h'], [47 * h + 59 * m, '47h'], [48 * h, '2d'], [2 * d + 5 * h, '2d5h'], [7 * d + 23 * h, '7d23h'], [8 * d, '8d'],
    [364 * d, '364d'], [2 * y - d, '729d'], [2 * y, '2y'], [2 * y + 10 * d, '2y10d'], [8 * y - d, '7y364d'], [8 * y, '8y'], [20 * y + 5 * d, '20y'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms}ms`);
});

test('shortHumanDuration', () => {
  const cases: [number, string][] = [
    [-2 * s, '<invalid>'], [-1 * s, '0s'], [0, '0s'], [59 * s, '59s'], [60 * s, '1m'], [59 * m, '59m'], [h, '1h'], [23 * h, '23h'],
    [d, '1d'], [364 * d, '364d'], [y, '1y'], [3 * y + 100 * d, '3y'],
  ];
  for (const [ms, want] of cases) assert.equal(shortHumanDuration(ms), want, `${ms}ms`);
});

test('translateTimestampSince', () => {
  const now = new Date('2026-11-27T12:00:00Z');
  assert.equal(translateTimestampSince('2026-11-27T11:59:30Z', now), '30s');
  assert.equal(translateTimestampSince('2026-11-26T12:00:00Z', now), '24h');
  assert.equal(translateTimestampSince('2026-11-27T12:00:10Z', now), '<invalid>');
  assert.equal(translateTimestampSince(undefined, now), '<unknown>');
  assert.equal(translateTimestampSince('garbage', now), '<unknown>');
});
