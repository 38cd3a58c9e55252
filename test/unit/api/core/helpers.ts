// Drive a KindDefinition the way the API server does: defaults → prepare → validate.
import type { KindDefinition } from '../../../../src/api/kind.js';
import type { KubeObject } from '../../../../src/machinery/object.js';
import { clone } from '../../../../src/machinery/object.js';
import { errors, type FieldError } from '../../../../src/machinery/errors.js';

export const now = new Date('2026-01-01T12:00:00Z');
export const created = '2026-01-01T11:55:00Z'; // AGE 5m

export function admit<T extends KubeObject>(def: KindDefinition<T>, input: unknown, old?: T, op?: 'create' | 'update' | 'status'): { obj: T; errs: FieldError[] } {
  const obj = clone(input) as T;
  const operation = op ?? (old ? 'update' : 'create');
  if (old && !obj.metadata.resourceVersion) (obj.metadata as { resourceVersion?: string }).resourceVersion = old.metadata.resourceVersion ?? '1';
  if (!old && !obj.metadata.creationTimestamp) (obj.metadata as { creationTimestamp?: string }).creationTimestamp = created;
  if (old) (obj.metadata as { creationTimestamp?: string }).creationTimestamp = old.metadata.creationTimestamp;
  def.defaults?.(obj);
  def.prepare?.(obj, old, { operation, now });
  const errs = def.validate?.(obj, old, { operation, now }) ?? [];
  return { obj, errs };
}

/** Admit and require success. */
export function ok<T extends KubeObject>(def: KindDefinition<T>, input: unknown, old?: T, op?: 'create' | 'update' | 'status'): T {
  const { obj, errs } = admit(def, input, old, op);
  if (errs.length) throw new Error('unexpected errors: ' + message(def, obj, errs));
  return obj;
}

/** The message kubectl would print for the errors. */
export function message(def: KindDefinition<any>, obj: KubeObject, errs: FieldError[]): string {
  return errors.invalid(def.group, def.kind, obj.metadata.name ?? '', errs).message;
}

/** Admit and return the Invalid message (asserting there were errors). */
export function invalid(def: KindDefinition<any>, input: unknown, old?: KubeObject, op?: 'create' | 'update' | 'status'): string {
  const { obj, errs } = admit(def, input, old, op);
  if (!errs.length) throw new Error('expected validation errors');
  return message(def, obj, errs);
}

export function row(def: KindDefinition<any>, obj: KubeObject): Record<string, unknown> {
  const cells = def.tableRow(obj, now);
  if (cells.length !== def.tableColumns.length) throw new Error(`cells ${cells.length} != columns ${def.tableColumns.length}`);
  return Object.fromEntries(def.tableColumns.map((c, i) => [c.name.toUpperCase(), cells[i]]));
}
