// Deployment (apps/v1, +status, +scale). Upstream: apps/v1 SetDefaults_Deployment,
// pkg/apis/apps/validation ValidateDeployment{,Update,StatusUpdate}, pkg/registry/apps/deployment
// strategy (selector immutable in apps/v1; generation also bumps on annotation changes, because the
// controller copies annotations to ReplicaSets), printers.go printDeployment.
import type { KindDefinition } from '../kind.js';
import type { Deployment } from '../types/workloads.js';
import { field, type FieldError } from '../../machinery/errors.js';
import { nameIsDNSSubdomain, regexError, validateImmutableField } from '../../machinery/validation.js';
import { meta, semanticEqual, standardPrepare, validateMeta } from '../strategy.js';
import { age, ageColumn, nameColumn } from '../printers.js';
import { defaultedPrepare } from '../validation/apps.js';
import { defaultPodTemplateSpec } from '../defaults/podspec.js';
import { normalizeNulls } from '../defaults/podspec.js';
import { validatePodTemplateSpec } from '../validation/podspec.js';
import {
  containersColumn, imagesColumn, selectorColumn, templateContainersImages, validateCollisionCount, validateNonnegative,
  validateReplicaCounters, validateTemplateMatchesSelector, validateWorkloadSelector,
} from '../validation/apps.js';
import { formatLabelSelector, goLabelSelector, goValue } from '../validation/selector.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { Requirement } from '../validation/selector.js';

function defaults(d: Deployment): void {
  normalizeNulls(d);
  const spec = ((d as any).spec ??= {}) as any;
  if (spec.replicas === undefined || spec.replicas === null) spec.replicas = 1;
  const st = (spec.strategy ??= {});
  if (!st.type) st.type = 'RollingUpdate';
  if (st.type === 'RollingUpdate') {
    const ru = (st.rollingUpdate ??= {});
    if (ru.maxUnavailable === undefined || ru.maxUnavailable === null) ru.maxUnavailable = '25%';
    if (ru.maxSurge === undefined || ru.maxSurge === null) ru.maxSurge = '25%';
  }
  if (spec.revisionHistoryLimit === undefined || spec.revisionHistoryLimit === null) spec.revisionHistoryLimit = 10;
  if (spec.progressDeadlineSeconds === undefined || spec.progressDeadlineSeconds === null) spec.progressDeadlineSeconds = 600;
  spec.template ??= {};
  defaultPodTemplateSpec(spec.template);
}

/** %#v of an intstr.IntOrString value (Type 0 = Int, 1 = String). */
export function goIntOrString(v: number | string): string {
  return typeof v === 'number'
    ? `intstr.IntOrString{Type:0, IntVal:${v}, StrVal:""}`
    : `intstr.IntOrString{Type:1, IntVal:0, StrVal:${JSON.stringify(v)}}`;
}

const percentRe = /^[0-9]+%$/;

function validateIntOrPercent(v: number | string, path: string): FieldError[] {
  if (typeof v === 'string') {
    return percentRe.test(v) ? [] : [field.invalid(path, goValue(goIntOrString(v)), regexError("a valid percent string must be a numeric string followed by an ending '%'", '[0-9]+%', '1%', '93%'))];
  }
  return validateNonnegative(v, path);
}

function intOrPercentValue(v: number | string | undefined): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && percentRe.test(v)) return Number(v.slice(0, -1));
  return 0;
}

/** The ReplicaSet-style template checks (shared with ReplicaSet): selector match + full pod template validation. */
export function validateTemplateForReplicaSet(reqs: Requirement[] | null, t: PodTemplateSpec | undefined, path: string, kind: string): FieldError[] {
  const out: FieldError[] = [];
  if (!t) return [field.required(path, '')];
  out.push(...validateTemplateMatchesSelector(reqs, t, path));
  out.push(...validatePodTemplateSpec(t, path));
  const rp = t.spec?.restartPolicy ?? '';
  if (rp !== 'Always') out.push(field.notSupported(`${path}.spec.restartPolicy`, rp, ['Always']));
  if (t.spec?.activeDeadlineSeconds !== undefined && t.spec?.activeDeadlineSeconds !== null) {
    out.push(field.forbidden(`${path}.spec.activeDeadlineSeconds`, `activeDeadlineSeconds in ${kind} is not Supported`));
  }
  return out;
}

export function validateSpec(d: Deployment): FieldError[] {
  const spec = (d.spec ?? {}) as any;
  const out: FieldError[] = [];
  out.push(...validateNonnegative(spec.replicas, 'spec.replicas'));
  const sel = validateWorkloadSelector(spec.selector, 'spec.selector', 'deployment', 'invalid label selector');
  out.push(...sel.errs);
  if (sel.reqs !== undefined) out.push(...validateTemplateForReplicaSet(sel.reqs, spec.template, 'spec.template', 'ReplicaSet'));
  const st = spec.strategy ?? {};
  switch (st.type) {
    case 'Recreate':
      if (st.rollingUpdate) out.push(field.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
      break;
    case 'RollingUpdate': {
      const ru = st.rollingUpdate;
      if (!ru) {
        out.push(field.required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil'));
        break;
      }
      const p = 'spec.strategy.rollingUpdate';
      out.push(...validateIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`));
      out.push(...validateIntOrPercent(ru.maxSurge, `${p}.maxSurge`));
      if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
        out.push(field.invalid(`${p}.maxUnavailable`, goValue(goIntOrString(ru.maxUnavailable)), 'may not be 0 when `maxSurge` is 0'));
      }
      if (typeof ru.maxUnavailable === 'string' && percentRe.test(ru.maxUnavailable) && intOrPercentValue(ru.maxUnavailable) > 100) {
        out.push(field.invalid(`${p}.maxUnavailable`, goValue(goIntOrString(ru.maxUnavailable)), 'must not be greater than 100%'));
      }
      break;
    }
    default:
      out.push(field.notSupported('spec.strategy', goValue(`apps.DeploymentStrategy{Type:${JSON.stringify(st.type ?? '')}, RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}`), ['Recreate', 'RollingUpdate']));
  }
  out.push(...validateNonnegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  out.push(...validateNonnegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  if (spec.progressDeadlineSeconds !== undefined && spec.progressDeadlineSeconds !== null) {
    out.push(...validateNonnegative(spec.progressDeadlineSeconds, 'spec.progressDeadlineSeconds'));
    if (spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
      out.push(field.invalid('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  return out;
}

/** apps/v1 forbids changing the selector (extensions/v1beta1 allowed it). */
export function validateSelectorImmutable(next: any, prev: any): FieldError[] {
  const errs = validateImmutableField(next ?? null, prev ?? null, 'spec.selector');
  return errs.map((e) => ({ ...e, value: next ? goValue(goLabelSelector(next)) : null }));
}

function validateStatus(d: Deployment, old: Deployment): FieldError[] {
  const s = (d.status ?? {}) as any;
  const out = validateReplicaCounters(s, ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'collisionCount'],
    ['updatedReplicas', 'readyReplicas', 'availableReplicas']);
  if ((s.availableReplicas ?? 0) > (s.readyReplicas ?? 0)) {
    out.push(field.invalid('status.availableReplicas', s.availableReplicas, 'cannot be greater than readyReplicas'));
  }
  out.push(...validateCollisionCount(s.collisionCount, (old.status as any)?.collisionCount));
  return out;
}

export const definition: KindDefinition<Deployment> = {
  group: 'apps', version: 'v1', kind: 'Deployment', listKind: 'DeploymentList',
  plural: 'deployments', singular: 'deployment', shortNames: ['deploy'], categories: ['all'],
  namespaced: true,
  subresources: {
    status: true,
    scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' },
  },
  openapiName: 'io.k8s.api.apps.v1.Deployment',
  defaults,
  prepare: defaultedPrepare<Deployment>(defaults, standardPrepare<Deployment>({
    status: true,
    generation: true,
    initialStatus: () => ({}),
    extra: (d, old, ctx) => {
      // Annotation changes bump the generation too (they are copied to the ReplicaSets).
      if (old && ctx.operation === 'update' && d.metadata.generation === old.metadata.generation &&
          !semanticEqual(d.metadata.annotations, old.metadata.annotations)) {
        meta(d).generation = (old.metadata.generation ?? 0) + 1;
      }
    },
  })),
  validate(d, old, ctx) {
    const metaErrs = validateMeta(d, old, { namespaced: true, nameValidator: nameIsDNSSubdomain });
    if (!old || ctx.operation === 'create') return [...metaErrs, ...validateSpec(d)];
    if (ctx.operation === 'status') return [...metaErrs, ...validateStatus(d, old)];
    return [...metaErrs, ...validateSpec(d), ...validateSelectorImmutable(d.spec?.selector, old.spec?.selector)];
  },
  tableColumns: [
    nameColumn,
    { name: 'Ready', type: 'string', priority: 0, description: 'Number of the pod with ready state' },
    { name: 'Up-to-date', type: 'string', priority: 0, description: 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.' },
    { name: 'Available', type: 'string', priority: 0, description: 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.' },
    ageColumn,
    containersColumn,
    imagesColumn,
    selectorColumn,
  ],
  tableRow(d, now) {
    const [containers, images] = templateContainersImages(d.spec?.template);
    const s = d.status ?? {};
    return [
      d.metadata.name, `${s.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`, s.updatedReplicas ?? 0, s.availableReplicas ?? 0,
      age(d, now), containers, images, formatLabelSelector(d.spec?.selector),
    ];
  },
};
