// Event (events.k8s.io/v1): served as a second version of the core/v1 Event and stored as it.
// Upstream: pkg/apis/events/v1 conversions (note↔message, regarding↔involvedObject,
// reportingController↔reportingComponent, deprecated* ↔ the legacy fields) and ValidateEventCreate /
// ValidateEventUpdate's strict rules for requests through this API (paths use the stored names,
// as upstream reports them).
import type { KindDefinition } from '../kind.js';
import type { Event, EventV1 } from '../types/core.js';
import type { KubeObject } from '../../machinery/object.js';
import { clone } from '../../machinery/object.js';
import { field, type FieldError } from '../../machinery/errors.js';
import { nameIsDNSSubdomain, validateImmutableField } from '../../machinery/validation.js';
import { semanticEqual, standardPrepare, validateMeta } from '../strategy.js';
import { eventColumns, eventRow, legacyValidateEvent } from './event.js';

/** events.k8s.io/v1 field → core/v1 field (fields with the same name are copied as they are). */
const renames: [string, string][] = [
  ['regarding', 'involvedObject'],
  ['note', 'message'],
  ['reportingController', 'reportingComponent'],
  ['deprecatedSource', 'source'],
  ['deprecatedFirstTimestamp', 'firstTimestamp'],
  ['deprecatedLastTimestamp', 'lastTimestamp'],
  ['deprecatedCount', 'count'],
];
const same = ['metadata', 'eventTime', 'series', 'related', 'action', 'reason', 'reportingInstance', 'type'];

export function toCore(ev: EventV1): Event {
  const out: Record<string, unknown> = { apiVersion: 'v1', kind: 'Event' };
  for (const k of same) if (ev[k] !== undefined) out[k] = clone(ev[k]);
  for (const [from, to] of renames) if (ev[from] !== undefined) out[to] = clone(ev[from]);
  // core/v1 always carries an involvedObject and source (non-pointer structs upstream)
  out.involvedObject ??= {};
  out.source ??= {};
  return out as Event;
}

export function fromCore(ev: KubeObject): EventV1 {
  const out: Record<string, unknown> = { apiVersion: 'events.k8s.io/v1', kind: 'Event' };
  for (const k of same) if (ev[k] !== undefined) out[k] = clone(ev[k]);
  for (const [to, from] of renames) {
    const v = ev[from];
    // empty legacy structs/zero counts are omitted in the new API
    if (v === undefined || v === null || v === 0) continue;
    if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0) continue;
    out[to] = clone(v);
  }
  return out as EventV1;
}

function validateSeries(ev: Event): FieldError[] {
  const errs: FieldError[] = [];
  if (ev.series) {
    if ((ev.series.count ?? 0) < 2) errs.push(field.invalid('series.count', '', 'should be at least 2'));
    if (!ev.series.lastObservedTime) errs.push(field.required('series.lastObservedTime'));
  }
  return errs;
}

function validateCreate(ev: Event): FieldError[] {
  const errs = legacyValidateEvent(ev, 'reportingController');
  errs.push(...validateMeta(ev, undefined, { namespaced: true, nameValidator: nameIsDNSSubdomain }));
  errs.push(...validateSeries(ev));
  if (!ev.eventTime) errs.push(field.required('eventTime'));
  if (ev.type !== 'Normal' && ev.type !== 'Warning') errs.push(field.invalid('type', '', `has invalid value: ${ev.type ?? ''}`));
  if (ev.firstTimestamp) errs.push(field.invalid('firstTimestamp', '', 'needs to be unset'));
  if (ev.lastTimestamp) errs.push(field.invalid('lastTimestamp', '', 'needs to be unset'));
  if (ev.count) errs.push(field.invalid('count', '', 'needs to be unset'));
  if (ev.source?.component || ev.source?.host) errs.push(field.invalid('source', '', 'needs to be unset'));
  return errs;
}

function validateUpdate(ev: Event, old: Event): FieldError[] {
  const errs = legacyValidateEvent(ev, 'reportingController');
  errs.push(...validateMeta(ev, old, { namespaced: true, nameValidator: nameIsDNSSubdomain }));
  if (!semanticEqual(ev.series, old.series)) errs.push(...validateSeries(ev));
  const immutable: [keyof Event & string, string][] = [
    ['involvedObject', 'involvedObject'], ['reason', 'reason'], ['message', 'message'], ['source', 'source'],
    ['firstTimestamp', 'firstTimestamp'], ['lastTimestamp', 'lastTimestamp'], ['count', 'count'], ['type', 'type'],
    ['eventTime', 'eventTime'], ['action', 'action'], ['related', 'related'], ['reportingComponent', 'reportingController'],
    ['reportingInstance', 'reportingInstance'],
  ];
  for (const [k, path] of immutable) {
    if (!semanticEqual(ev[k], old[k])) errs.push(...validateImmutableField(ev[k], old[k], path));
  }
  return errs;
}

const corePrepare = standardPrepare({});

export const definition: KindDefinition<EventV1> = {
  group: 'events.k8s.io', version: 'v1', kind: 'Event', listKind: 'EventList',
  plural: 'events', singular: 'event', shortNames: ['ev'],
  namespaced: true,
  openapiName: 'io.k8s.api.events.v1.Event',
  prepare: (ev, old, ctx) => corePrepare(ev, old, ctx),
  validate(ev, old) {
    const core = toCore(ev);
    return old ? validateUpdate(core, toCore(old)) : validateCreate(core);
  },
  tableColumns: eventColumns,
  tableRow: (ev, now) => eventRow(toCore(ev), now),
  fieldSelectors: {
    'regarding.kind': (ev) => ev.regarding?.kind ?? '',
    'regarding.namespace': (ev) => ev.regarding?.namespace ?? '',
    'regarding.name': (ev) => ev.regarding?.name ?? '',
    'regarding.uid': (ev) => ev.regarding?.uid ?? '',
    'regarding.apiVersion': (ev) => ev.regarding?.apiVersion ?? '',
    'regarding.resourceVersion': (ev) => ev.regarding?.resourceVersion ?? '',
    'regarding.fieldPath': (ev) => ev.regarding?.fieldPath ?? '',
    reason: (ev) => ev.reason ?? '',
    reportingController: (ev) => ev.reportingController ?? '',
    type: (ev) => ev.type ?? '',
  },
  storedAs: {
    group: '',
    version: 'v1',
    toStored: (ev) => toCore(ev),
    fromStored: (ev) => fromCore(ev),
  },
};
