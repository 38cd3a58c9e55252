import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errors, field } from '../../../src/machinery/errors.js';

test('invalid error prints as upstream', () => {
  const e = errors.invalid('apps', 'StatefulSet', 'bad', [field.invalid('spec.replicas', -1, 'must be greater than or equal to 0')]);
  assert.equal(e.status.code, 422);
  assert.equal(e.status.reason, 'Invalid');
  assert.equal(e.message, 'StatefulSet.apps "bad" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
  assert.deepEqual(e.status.details?.causes, [{ reason: 'FieldValueInvalid', message: 'Invalid value: -1: must be greater than or equal to 0', field: 'spec.replicas' }]);
});

test('not found names the qualified resource', () => {
  assert.equal(errors.notFound({ group: 'apps', resource: 'statefulsets' }, 'web').message, 'statefulsets.apps "web" not found');
  assert.equal(errors.notFound({ group: '', resource: 'pods' }, 'web-0').message, 'pods "web-0" not found');
});
