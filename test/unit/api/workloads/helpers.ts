// Drive a KindDefinition the way the API server does: defaults → prepare → validate.
import type { KindDefinition, WriteContext } from '../../../../src/api/kind.js';
import { errors, fieldErrorText, type FieldError } from '../../../../src/machinery/errors.js';
import { clone, type KubeObject } from '../../../../src/machinery/object.js';

export const NOW = new Date('2026-01-01T00:00:00Z');
export const ctx = (operation: WriteContext['operation']): WriteContext => ({ operation, now: NOW });

export function create<T extends KubeObject>(kind: KindDefinition<T>, input: T): { obj: T; errs: FieldError[] } {
  const obj = clone(input);
  obj.metadata.namespace ??= 'default';
  kind.defaults?.(obj);
  kind.prepare?.(obj, undefined, ctx('create'));
  const errs = kind.validate?.(obj, undefined, ctx('create')) ?? [];
  (obj.metadata as any).uid ??= 'uid-1';
  (obj.metadata as any).resourceVersion ??= '1';
  (obj.metadata as any).creationTimestamp ??= NOW.toISOString();
  return { obj, errs };
}

export function update<T extends KubeObject>(kind: KindDefinition<T>, old: T, mutate: (o: T) => void, op: 'update' | 'status' = 'update'): { obj: T; errs: FieldError[] } {
  const obj = clone(old);
  mutate(obj);
  kind.defaults?.(obj);
  kind.prepare?.(obj, old, ctx(op));
  const errs = kind.validate?.(obj, old, ctx(op)) ?? [];
  return { obj, errs };
}

/** The message kubectl prints for these errors. */
export function message(kind: KindDefinition<any>, name: string, errs: FieldError[]): string {
  return errors.invalid(kind.group, kind.kind, name, errs).message;
}

export const texts = (errs: FieldError[]) => errs.map((e) => fieldErrorText(e, true));
