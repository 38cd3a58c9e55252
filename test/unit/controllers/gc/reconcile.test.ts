import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../../src/machinery/object.js';
import { decideDependent, decideOwner } from '../../../../src/controllers/gc/reconcile.js';

const obj = (name: string, uid: string, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({ metadata: { name, namespace: 'default', uid, ...extra } });
const ref = (uid: string, block = false) => ({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid, controller: true, blockOwnerDeletion: block });

test('a dependent is deleted only when all its owners are gone', () => {
  const dep = obj('web-0', 'p0', { ownerReferences: [ref('s1'), { ...ref('s2'), kind: 'ReplicaSet' }] });
  assert.deepEqual(decideDependent(dep, (r) => (r.uid === 's1' ? 'absent' : 'present')), []);
  assert.deepEqual(decideDependent(dep, () => 'absent'), [{ type: 'deleteDependent', object: dep, propagation: 'Background' }]);
  assert.deepEqual(decideDependent(obj('free', 'f'), () => 'absent'), [], 'no owners: never collected');
  assert.deepEqual(decideDependent({ ...dep, metadata: { ...dep.metadata, deletionTimestamp: 'x' } }, () => 'absent'), [], 'already deleting');
});

test('orphan: references removed from dependents, then the finalizer', () => {
  const owner = obj('web', 's1', { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['orphan'] });
  const deps = [obj('web-0', 'p0', { ownerReferences: [ref('s1')] }), obj('web-1', 'p1', { ownerReferences: [ref('s1')] })];
  assert.deepEqual(decideOwner(owner, deps).map((a) => [a.type, a.object.metadata.name]), [['removeOwnerRefs', 'web-0'], ['removeOwnerRefs', 'web-1'], ['removeFinalizer', 'web']]);
});

test('foreground: dependents deleted first; the owner waits for blocking dependents only', () => {
  const owner = obj('web', 's1', { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] });
  const blocking = obj('web-0', 'p0', { ownerReferences: [ref('s1', true)] });
  const loose = obj('web-1', 'p1', { ownerReferences: [ref('s1', false)] });
  assert.deepEqual(decideOwner(owner, [blocking, loose]).map((a) => [a.type, a.object.metadata.name, 'propagation' in a ? a.propagation : '']), [
    ['deleteDependent', 'web-0', 'Foreground'],
    ['deleteDependent', 'web-1', 'Foreground'],
  ]);
  assert.deepEqual(decideOwner(owner, [loose]).map((a) => a.type), ['deleteDependent', 'removeFinalizer']);
  assert.deepEqual(decideOwner(owner, []).map((a) => a.type), ['removeFinalizer']);
  const terminating = { ...blocking, metadata: { ...blocking.metadata, deletionTimestamp: 'x' } };
  assert.deepEqual(decideOwner(owner, [terminating]), [], 'waits while the blocking dependent terminates');
  assert.deepEqual(decideOwner(obj('live', 'l', { finalizers: ['foregroundDeletion'] }), [blocking]), [], 'not being deleted');
});
