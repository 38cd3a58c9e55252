// Event (core/v1): the stored form of both Event versions. Upstream: legacyValidateEvent (the
// core/v1 API keeps the lenient legacy rules), printEvent, the event field selectors.
// (Upstream stores events with a one-hour TTL; expiry is the API server's/store's concern.)
import type { KindDefinition, TableColumn } from '../kind.js';
import type { Event } from '../types/core.js';
import { field, type FieldError } from '../../machinery/errors.js';
import { isDNS1123Subdomain, isQualifiedName, nameIsPathSegment } from '../../machinery/validation.js';
import { standardPrepare, validateMeta } from '../strategy.js';
import { since } from '../printers.js';

export const ReportingInstanceLengthLimit = 128;
export const ActionLengthLimit = 128;
export const ReasonLengthLimit = 128;
export const NoteLengthLimit = 1024;

/**
 * upstream legacyValidateEvent. `controllerField` names the reporting-controller field as the
 * request's API version spells it (reportingComponent in core/v1, reportingController in events.k8s.io).
 */
export function legacyValidateEvent(ev: Event, controllerField: string): FieldError[] {
  const errs: FieldError[] = [];
  const ns = ev.metadata.namespace ?? '';
  const involvedNs = ev.involvedObject?.namespace ?? '';
  if (!ev.eventTime) {
    if (!involvedNs) {
      if (ns !== '' && ns !== 'default') errs.push(field.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    } else if (ns !== involvedNs) {
      errs.push(field.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    }
  } else {
    if (!involvedNs && ns !== 'default' && ns !== 'kube-system') errs.push(field.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    const rc = ev.reportingComponent ?? '';
    if (!rc) errs.push(field.required(controllerField));
    for (const m of isQualifiedName(rc)) errs.push(field.invalid(controllerField, rc, m));
    const ri = ev.reportingInstance ?? '';
    if (!ri) errs.push(field.required('reportingInstance'));
    if (ri.length > ReportingInstanceLengthLimit) errs.push(field.invalid('reportingInstance', '', `can have at most ${ReportingInstanceLengthLimit} characters`));
    const action = ev.action ?? '';
    if (!action) errs.push(field.required('action'));
    if (action.length > ActionLengthLimit) errs.push(field.invalid('action', '', `can have at most ${ActionLengthLimit} characters`));
    const reason = ev.reason ?? '';
    if (!reason) errs.push(field.required('reason'));
    if (reason.length > ReasonLengthLimit) errs.push(field.invalid('reason', '', `can have at most ${ReasonLengthLimit} characters`));
    if ((ev.message ?? '').length > NoteLengthLimit) errs.push(field.invalid('message', '', `can have at most ${NoteLengthLimit} characters`));
  }
  for (const m of isDNS1123Subdomain(ns)) errs.push(field.invalid('namespace', ns, m));
  return errs;
}

/** printEvent's Source cell: `component, host`, falling back to reportingController/Instance. */
export function eventSource(ev: Event): string {
  const component = ev.source?.component || ev.reportingComponent || '';
  const instance = ev.source?.host || ev.reportingInstance || '';
  return instance ? `${component}, ${instance}` : component;
}

export const eventColumns: TableColumn[] = [
  { name: 'Last Seen', type: 'string', priority: 0, description: 'The time at which the most recent occurrence of this event was recorded.' },
  { name: 'Type', type: 'string', priority: 0, description: 'Type of this event (Normal, Warning), new types could be added in the future.' },
  { name: 'Reason', type: 'string', priority: 0, description: 'This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.' },
  { name: 'Object', type: 'string', priority: 0, description: 'The object that this event is about.' },
  { name: 'Subobject', type: 'string', priority: 1, description: 'The subobject (fieldPath) of the object that this event is about.' },
  { name: 'Source', type: 'string', priority: 1, description: 'The component reporting this event. Should be a short machine understandable string.' },
  { name: 'Message', type: 'string', priority: 0, description: 'A human-readable description of the status of this operation.' },
  { name: 'First Seen', type: 'string', priority: 1, description: 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)' },
  { name: 'Count', type: 'string', priority: 1, description: 'The number of times this event has occurred.' },
  { name: 'Name', type: 'string', priority: 1, description: 'Name must be unique within a namespace.' },
];

export function eventRow(ev: Event, now: Date): unknown[] {
  const first = ev.firstTimestamp ? since(ev.firstTimestamp, now) : since(ev.eventTime, now);
  let last = ev.lastTimestamp ? since(ev.lastTimestamp, now) : first;
  let count = ev.count ?? 0;
  if (ev.series) {
    last = since(ev.series.lastObservedTime, now);
    count = ev.series.count ?? 0;
  } else if (count === 0) {
    count = 1; // singleton events have no count in the new API
  }
  const io = ev.involvedObject ?? {};
  const kind = (io.kind ?? '').toLowerCase();
  const target = io.name ? `${kind}/${io.name}` : kind;
  return [last, ev.type ?? '', ev.reason ?? '', target, io.fieldPath ?? '', eventSource(ev), (ev.message ?? '').trim(), first, count, ev.metadata.name];
}

export const eventFieldSelectors: Record<string, (ev: Event) => string> = {
  'involvedObject.kind': (ev) => ev.involvedObject?.kind ?? '',
  'involvedObject.namespace': (ev) => ev.involvedObject?.namespace ?? '',
  'involvedObject.name': (ev) => ev.involvedObject?.name ?? '',
  'involvedObject.uid': (ev) => ev.involvedObject?.uid ?? '',
  'involvedObject.apiVersion': (ev) => ev.involvedObject?.apiVersion ?? '',
  'involvedObject.resourceVersion': (ev) => ev.involvedObject?.resourceVersion ?? '',
  'involvedObject.fieldPath': (ev) => ev.involvedObject?.fieldPath ?? '',
  reason: (ev) => ev.reason ?? '',
  reportingComponent: (ev) => ev.reportingComponent ?? '',
  source: (ev) => ev.source?.component || ev.reportingComponent || '',
  type: (ev) => ev.type ?? '',
};

export const definition: KindDefinition<Event> = {
  group: '', version: 'v1', kind: 'Event', listKind: 'EventList',
  plural: 'events', singular: 'event', shortNames: ['ev'],
  namespaced: true,
  openapiName: 'io.k8s.api.core.v1.Event',
  prepare: standardPrepare({}),
  validate(ev, old) {
    // core/v1 keeps the legacy rules; names only need to be valid path segments (generic check)
    const errs = validateMeta(ev, old, { namespaced: true, nameValidator: nameIsPathSegment });
    errs.push(...legacyValidateEvent(ev, 'reportingComponent'));
    return errs;
  },
  tableColumns: eventColumns,
  tableRow: eventRow,
  fieldSelectors: eventFieldSelectors,
};
