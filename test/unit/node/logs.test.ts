import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCriLog, renderLog, parseLogQuery } from '../../../src/node/logs.js';

const text = [
  '2026-11-27T10:00:00.000000000Z stdout F one',
  '2026-11-27T10:00:01.000000000Z stderr P par',
  '2026-11-27T10:00:01.000000000Z stderr F tial',
  '2026-11-27T10:00:02.000000000Z stdout F three',
  '2026-11-27T10:00:03.000000000Z stdout F',
  '2026-11-27T10:00:04.000000000Z stdout F unfin',
].join('\n');

test('CRI log lines parse back into output; partial lines join; an unfinished last line waits', () => {
  const { lines, rest } = parseCriLog(text);
  assert.deepEqual(lines.map((l) => l.content), ['one', 'partial', 'three', '']);
  assert.equal(rest, '2026-11-27T10:00:04.000000000Z stdout F unfin');
  assert.equal(renderLog(lines, {}), 'one\npartial\nthree\n\n');
  assert.equal(renderLog(lines, { tailLines: 2 }), 'three\n\n');
  assert.equal(renderLog(lines, { tailLines: 0 }), '');
  assert.equal(renderLog(lines, { sinceMs: Date.parse('2026-11-27T10:00:01Z'), timestamps: true }), '2026-11-27T10:00:01.000000000Z partial\n2026-11-27T10:00:02.000000000Z three\n2026-11-27T10:00:03.000000000Z \n');
  assert.equal(renderLog(lines, { limitBytes: 6 }), 'one\npa');
});

test('log query parameters as kubectl sends them', () => {
  const q = parseLogQuery(new URLSearchParams('container=nginx&previous=true&sinceSeconds=300&tailLines=10&timestamps=true&follow=true'), 1_000_000);
  assert.deepEqual(q, { container: 'nginx', follow: true, previous: true, timestamps: true, tailLines: 10, limitBytes: undefined, sinceMs: 700_000 });
  assert.equal(parseLogQuery(new URLSearchParams('sinceTime=2024-01-01T00%3A00%3A00Z')).sinceMs, Date.parse('2024-01-01T00:00:00Z'));
});
