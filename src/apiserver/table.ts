// Server-side printing: meta.k8s.io Table conversion from a kind's tableColumns/tableRow,
// with the row object as PartialObjectMetadata, the full object, or nothing (includeObject).
import type { KindDefinition } from '../api/kind.js';
import type { KubeObject } from '../machinery/object.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface Table {
  kind: 'Table';
  apiVersion: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: unknown[];
  rows: unknown[];
}

function columns(kind: KindDefinition) {
  return kind.tableColumns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description, priority: c.priority }));
}

/** Completed/Failed condition upstream attaches to rows of finished pods. */
function rowConditions(kind: KindDefinition, obj: KubeObject): unknown[] | undefined {
  if (kind.kind !== 'Pod' || kind.group !== '') return undefined;
  const phase = (obj.status as { phase?: string } | undefined)?.phase;
  if (phase === 'Succeeded') return [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
  if (phase === 'Failed') return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
  return undefined;
}

export function tableRow(kind: KindDefinition, obj: KubeObject, include: IncludeObject, now: Date) {
  let cells: unknown[];
  try {
    cells = kind.tableRow(obj, now);
  } catch {
    // A printer bug must not fail the request: show the name and blanks.
    cells = kind.tableColumns.map((c, i) => (i === 0 ? obj.metadata.name ?? '' : c.type === 'integer' ? 0 : ''));
  }
  const row: Record<string, unknown> = { cells };
  const conds = rowConditions(kind, obj);
  if (conds) row.conditions = conds;
  if (include === 'Metadata') row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
  else if (include === 'Object') row.object = obj;
  return row;
}

export function toTable(
  kind: KindDefinition,
  objs: KubeObject[],
  opts: { include: IncludeObject; tableVersion: 'v1' | 'v1beta1'; resourceVersion?: string; continue?: string; remainingItemCount?: number; noHeaders?: boolean; now?: Date },
): Table {
  const now = opts.now ?? new Date();
  const metadata: Table['metadata'] = {};
  if (opts.resourceVersion !== undefined) metadata.resourceVersion = opts.resourceVersion;
  if (opts.continue) metadata.continue = opts.continue;
  if (opts.remainingItemCount !== undefined) metadata.remainingItemCount = opts.remainingItemCount;
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${opts.tableVersion}`,
    metadata,
    columnDefinitions: opts.noHeaders ? [] : columns(kind),
    rows: objs.map((o) => tableRow(kind, o, opts.include, now)),
  };
}
