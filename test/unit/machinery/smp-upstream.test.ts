// Upstream strategic-merge-patch behaviour, case by case (fixtures/smp-upstream-*.yaml hold the
// documents from apimachinery's strategicpatch tests). Order of merged lists is compared exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { applyStrategicMergePatch, schemaFromPlain, type PlainPatchSchema } from '../../../src/machinery/patch/index.js';
import { ApiError } from '../../../src/machinery/errors.js';

// The test type of upstream's suite ("mergeItem"), with its patch strategies.
const mergeItem: PlainPatchSchema = {};
const retainKeysMergeItem: PlainPatchSchema = {
  properties: {
    simpleMap: { additionalProperties: {} },
    mergingIntList: { patchStrategy: 'merge', items: {} },
    mergingList: { patchStrategy: 'merge', patchMergeKey: 'name', items: mergeItem },
    nonMergingList: { items: mergeItem },
  },
};
mergeItem.properties = {
  mergingList: { patchStrategy: 'merge', patchMergeKey: 'name', items: mergeItem },
  nonMergingList: { items: mergeItem },
  mergingIntList: { patchStrategy: 'merge', items: {} },
  nonMergingIntList: { items: {} },
  mergeItemPtr: { patchStrategy: 'merge', patchMergeKey: 'name', items: mergeItem },
  simpleMap: { additionalProperties: {} },
  replacingItem: { patchStrategy: 'replace' },
  retainKeysMap: { patchStrategy: 'retainKeys', ...retainKeysMergeItem },
  retainKeysMergingList: { patchStrategy: 'merge,retainKeys', patchMergeKey: 'name', items: mergeItem },
};
const schema = schemaFromPlain(mergeItem);

interface Case {
  description: string;
  original?: Record<string, unknown>;
  twoWay?: Record<string, unknown>;
  modified?: Record<string, unknown>;
  twoWayResult?: Record<string, unknown>;
  current?: Record<string, unknown>;
  threeWay?: Record<string, unknown>;
  result?: Record<string, unknown>;
  expectedError?: string;
}

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const cases: Case[] = readdirSync(dir)
  .filter((f) => f.startsWith('smp-upstream-') && f.endsWith('.yaml'))
  .sort()
  .flatMap((f) => parse(readFileSync(join(dir, f), 'utf8')) as Case[]);

test('fixtures loaded', () => {
  assert.ok(cases.length >= 40, `only ${cases.length} cases`);
});

for (const c of cases) {
  test(`smp upstream: ${c.description}`, () => {
    if (c.twoWay) {
      if (c.expectedError) {
        assert.throws(
          () => applyStrategicMergePatch(c.original ?? {}, c.twoWay, schema),
          (e: unknown) => e instanceof ApiError && [e.message, ...(e.status.details?.causes ?? []).map((x) => x.message)].join(' ').includes(c.expectedError!),
        );
        return;
      }
      const want = c.twoWayResult ?? c.modified;
      assert.deepEqual(applyStrategicMergePatch(c.original ?? {}, c.twoWay, schema), want, 'two-way');
    }
    if (c.threeWay && c.result) {
      assert.deepEqual(applyStrategicMergePatch(c.current ?? {}, c.threeWay, schema), c.result, 'three-way');
    }
  });
}
