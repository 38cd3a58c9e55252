// Pod spec validation with upstream's paths and messages (pkg/apis/core/validation ValidatePodSpec,
// ValidatePodTemplateSpec, ValidatePodUpdate), the QoS class computation, and the Go-style diff
// that follows the pod-update Forbidden message. Not every upstream rule is here: the ones users
// hit (names, images, ports, env, volumes and mounts, policies, resources, tolerations, probes).
import { field, type FieldError } from '../../machinery/errors.js';
import {
  inclusiveRangeError, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isRelaxedEnvVarName, isValidLabelValue,
  isValidPortName, isValidPortNum, validateAnnotations, validateLabels,
} from '../../machinery/validation.js';
import type { Container, PodSpec, PodTemplateSpec, Toleration, Volume } from 'kubernetes-types/core/v1.js';
import { parseQuantity, quantityErrorMsg, quantityText } from './quantity.js';
import type { QOSClass } from '../types/workloads.js';

const MaxInt32 = 2147483647;

function dnsLabel(value: string, path: string): FieldError[] {
  return isDNS1123Label(value).map((m) => field.invalid(path, value, m));
}

// ---- volumes ------------------------------------------------------------------------------------

const sourceKeys = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile',
  'configMap', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume',
  'scaleIO', 'storageos', 'csi', 'ephemeral', 'image',
];

function validateVolumeSource(v: any, path: string): FieldError[] {
  const out: FieldError[] = [];
  const present = sourceKeys.filter((k) => v[k] !== undefined && v[k] !== null);
  if (present.length === 0) return [field.required(path, 'must specify a volume type')];
  for (const extra of present.slice(1)) out.push(field.forbidden(`${path}.${extra}`, 'may not specify more than 1 volume type'));
  const src = present[0]!;
  const s = v[src];
  const p = `${path}.${src}`;
  switch (src) {
    case 'hostPath':
      if (!s.path) out.push(field.required(`${p}.path`, ''));
      break;
    case 'secret':
      if (!s.secretName) out.push(field.required(`${p}.secretName`, ''));
      break;
    case 'configMap':
      if (!s.name) out.push(field.required(`${p}.name`, ''));
      break;
    case 'persistentVolumeClaim':
      if (!s.claimName) out.push(field.required(`${p}.claimName`, ''));
      break;
    case 'nfs':
      if (!s.server) out.push(field.required(`${p}.server`, ''));
      if (!s.path) out.push(field.required(`${p}.path`, ''));
      break;
    case 'emptyDir':
      if (s.sizeLimit !== undefined && parseQuantity(s.sizeLimit) === undefined) out.push(field.invalid(`${p}.sizeLimit`, s.sizeLimit, quantityErrorMsg));
      break;
  }
  for (const mode of ['defaultMode']) {
    const m = s?.[mode];
    if (m !== undefined && (typeof m !== 'number' || m < 0 || m > 0o777)) {
      out.push(field.invalid(`${p}.${mode}`, m, 'must be a number between 0 and 0777 (octal), both inclusive'));
    }
  }
  return out;
}

/** ValidateVolumes: returns the errors and the set of valid volume names (for mounts). */
export function validateVolumes(volumes: Volume[] | undefined, path: string): { errs: FieldError[]; names: Set<string> } {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  (volumes ?? []).forEach((vol, i) => {
    const p = `${path}[${i}]`;
    const srcErrs = validateVolumeSource(vol, p);
    if (!vol.name) errs.push(field.required(`${p}.name`, ''));
    else errs.push(...dnsLabel(vol.name, `${p}.name`));
    if (names.has(vol.name)) errs.push(field.duplicate(`${p}.name`, vol.name));
    if (srcErrs.length === 0) names.add(vol.name);
    else errs.push(...srcErrs);
  });
  return { errs, names };
}

// ---- containers ---------------------------------------------------------------------------------

function validatePorts(ports: Container['ports'], path: string): FieldError[] {
  const out: FieldError[] = [];
  const names = new Set<string>();
  (ports ?? []).forEach((port, i) => {
    const p = `${path}[${i}]`;
    if (port.name) {
      const msgs = isValidPortName(port.name);
      if (msgs.length) for (const m of msgs) out.push(field.invalid(`${p}.name`, port.name, m));
      else if (names.has(port.name)) out.push(field.duplicate(`${p}.name`, port.name));
      else names.add(port.name);
    }
    if (!port.containerPort) out.push(field.required(`${p}.containerPort`, ''));
    else for (const m of isValidPortNum(port.containerPort)) out.push(field.invalid(`${p}.containerPort`, port.containerPort, m));
    if (port.hostPort) for (const m of isValidPortNum(port.hostPort)) out.push(field.invalid(`${p}.hostPort`, port.hostPort, m));
    if (!port.protocol) out.push(field.required(`${p}.protocol`, ''));
    else if (!['SCTP', 'TCP', 'UDP'].includes(port.protocol)) out.push(field.notSupported(`${p}.protocol`, port.protocol, ['SCTP', 'TCP', 'UDP']));
  });
  return out;
}

function validateEnv(env: Container['env'], path: string): FieldError[] {
  const out: FieldError[] = [];
  (env ?? []).forEach((ev, i) => {
    const p = `${path}[${i}]`;
    if (!ev.name) out.push(field.required(`${p}.name`, ''));
    else for (const m of isRelaxedEnvVarName(ev.name)) out.push(field.invalid(`${p}.name`, ev.name, m));
    const vf = ev.valueFrom as any;
    if (vf) {
      const vp = `${p}.valueFrom`;
      const n = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'].filter((k) => vf[k]).length;
      if (n === 0) out.push(field.invalid(vp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
      else if (n > 1) out.push(field.invalid(vp, '', 'may not have more than one field specified at a time'));
      else if (ev.value) out.push(field.invalid(vp, '', 'may not be specified when `value` is not empty'));
      if (vf.fieldRef && !vf.fieldRef.fieldPath) out.push(field.required(`${vp}.fieldRef.fieldPath`, ''));
      if (vf.configMapKeyRef && !vf.configMapKeyRef.key) out.push(field.required(`${vp}.configMapKeyRef.key`, ''));
      if (vf.secretKeyRef && !vf.secretKeyRef.key) out.push(field.required(`${vp}.secretKeyRef.key`, ''));
      if (vf.resourceFieldRef && !vf.resourceFieldRef.resource) out.push(field.required(`${vp}.resourceFieldRef.resource`, ''));
    }
  });
  return out;
}

function validateMounts(c: Container, volumes: Set<string>, path: string): FieldError[] {
  const out: FieldError[] = [];
  const paths = new Set<string>();
  (c.volumeMounts ?? []).forEach((m, i) => {
    const p = `${path}[${i}]`;
    if (!m.name) out.push(field.required(`${p}.name`, ''));
    if (!volumes.has(m.name)) out.push(field.notFound(`${p}.name`, m.name ?? ''));
    if (!m.mountPath) out.push(field.required(`${p}.mountPath`, ''));
    if (paths.has(m.mountPath)) out.push(field.invalid(`${p}.mountPath`, m.mountPath, 'must be unique'));
    paths.add(m.mountPath);
    if (m.subPath) {
      if (m.subPath.startsWith('/')) out.push(field.invalid(`${p}.subPath`, m.subPath, 'must be a relative path'));
      if (m.subPath.split('/').includes('..')) out.push(field.invalid(`${p}.subPath`, m.subPath, "must not contain '..'"));
    }
  });
  return out;
}

const computeResources = new Set(['cpu', 'memory', 'ephemeral-storage']);

function validateResourceName(name: string, path: string): FieldError[] {
  const out = isQualifiedName(name).map((m) => field.invalid(path, name, m));
  if (out.length) return out;
  if (!name.includes('/') && !computeResources.has(name) && !name.startsWith('hugepages-')) {
    return [field.invalid(path, name, 'must be a standard resource for containers')];
  }
  return [];
}

/** ValidateResourceRequirements: quantities valid and non-negative, requests <= limits. */
export function validateResources(res: Container['resources'], path: string): FieldError[] {
  const out: FieldError[] = [];
  const limits = (res?.limits ?? {}) as Record<string, unknown>;
  const requests = (res?.requests ?? {}) as Record<string, unknown>;
  for (const [name, q] of Object.entries(limits)) {
    const p = `${path}.limits[${name}]`;
    out.push(...validateResourceName(name, p));
    const n = parseQuantity(q);
    if (n === undefined) out.push(field.invalid(p, q, quantityErrorMsg));
    else if (n < 0) out.push(field.invalid(p, quantityText(q), 'must be greater than or equal to 0'));
  }
  for (const [name, q] of Object.entries(requests)) {
    const p = `${path}.requests[${name}]`;
    out.push(...validateResourceName(name, p));
    const n = parseQuantity(q);
    if (n === undefined) {
      out.push(field.invalid(p, q, quantityErrorMsg));
      continue;
    }
    if (n < 0) out.push(field.invalid(p, quantityText(q), 'must be greater than or equal to 0'));
    if (name in limits) {
      const lim = parseQuantity(limits[name]);
      if (lim === undefined) continue;
      // upstream IsOvercommitAllowed: native (unprefixed or kubernetes.io/) resources except hugepages.
      const overcommit = (!name.includes('/') || name.includes('kubernetes.io/')) && !name.startsWith('hugepages-');
      if (!overcommit && n !== lim) {
        out.push(field.invalid(`${path}.requests`, quantityText(q), `must be equal to ${name} limit of ${quantityText(limits[name])}`));
      } else if (n > lim) {
        out.push(field.invalid(`${path}.requests`, quantityText(q), `must be less than or equal to ${name} limit of ${quantityText(limits[name])}`));
      }
    }
  }
  return out;
}

function validateProbe(probe: any, path: string, liveness: boolean): FieldError[] {
  if (!probe) return [];
  const out: FieldError[] = [];
  const handlers = ['exec', 'httpGet', 'tcpSocket', 'grpc'].filter((k) => probe[k]);
  if (handlers.length === 0) out.push(field.required(path, 'must specify a handler type'));
  else if (handlers.length > 1) out.push(field.forbidden(`${path}.${handlers[1]}`, 'may not specify more than 1 handler type'));
  for (const k of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    if (typeof probe[k] === 'number' && probe[k] < 0) out.push(field.invalid(`${path}.${k}`, probe[k], 'must be greater than or equal to 0'));
  }
  if (liveness && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
    out.push(field.invalid(`${path}.successThreshold`, probe.successThreshold, 'must be 1'));
  }
  const port = probe.httpGet?.port ?? probe.tcpSocket?.port;
  if (port !== undefined) {
    const pp = `${path}.${probe.httpGet ? 'httpGet' : 'tcpSocket'}.port`;
    if (typeof port === 'number') for (const m of isValidPortNum(port)) out.push(field.invalid(pp, port, m));
    else for (const m of isValidPortName(String(port))) out.push(field.invalid(pp, port, m));
  }
  return out;
}

function validateContainerCommon(c: Container, volumes: Set<string>, path: string): FieldError[] {
  const out: FieldError[] = [];
  if (!c.name) out.push(field.required(`${path}.name`, ''));
  else out.push(...dnsLabel(c.name, `${path}.name`));
  if (!c.image) out.push(field.required(`${path}.image`, ''));
  const tmp = c.terminationMessagePolicy;
  if (!tmp) out.push(field.required(`${path}.terminationMessagePolicy`, ''));
  else if (tmp !== 'File' && tmp !== 'FallbackToLogsOnError') out.push(field.notSupported(`${path}.terminationMessagePolicy`, tmp, ['File', 'FallbackToLogsOnError']));
  out.push(...validatePorts(c.ports, `${path}.ports`));
  out.push(...validateEnv(c.env, `${path}.env`));
  out.push(...validateMounts(c, volumes, `${path}.volumeMounts`));
  const pp = c.imagePullPolicy;
  if (!pp) out.push(field.required(`${path}.imagePullPolicy`, ''));
  else if (!['Always', 'IfNotPresent', 'Never'].includes(pp)) out.push(field.notSupported(`${path}.imagePullPolicy`, pp, ['Always', 'IfNotPresent', 'Never']));
  out.push(...validateResources(c.resources, `${path}.resources`));
  return out;
}

function validateContainers(containers: Container[] | undefined, volumes: Set<string>, path: string): FieldError[] {
  const out: FieldError[] = [];
  if (!containers || containers.length === 0) return [field.required(path, '')];
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const p = `${path}[${i}]`;
    out.push(...validateContainerCommon(c, volumes, p));
    if (names.has(c.name)) out.push(field.duplicate(`${p}.name`, c.name));
    else names.add(c.name);
    if (c.restartPolicy !== undefined) out.push(field.forbidden(`${p}.restartPolicy`, 'may not be set for non-init containers'));
    out.push(...validateProbe(c.livenessProbe, `${p}.livenessProbe`, true));
    out.push(...validateProbe(c.readinessProbe, `${p}.readinessProbe`, false));
    out.push(...validateProbe(c.startupProbe, `${p}.startupProbe`, true));
    if (c.readinessProbe && c.readinessProbe.terminationGracePeriodSeconds !== undefined) {
      out.push(field.invalid(`${p}.readinessProbe.terminationGracePeriodSeconds`, c.readinessProbe.terminationGracePeriodSeconds, 'must not be set for readinessProbes'));
    }
  });
  return out;
}

function validateInitContainers(inits: Container[] | undefined, regular: Container[] | undefined, volumes: Set<string>, path: string): FieldError[] {
  const out: FieldError[] = [];
  const names = new Set((regular ?? []).map((c) => c.name));
  (inits ?? []).forEach((c, i) => {
    const p = `${path}[${i}]`;
    out.push(...validateContainerCommon(c, volumes, p));
    if (names.has(c.name)) out.push(field.duplicate(`${p}.name`, c.name));
    else names.add(c.name);
    const sidecar = c.restartPolicy === 'Always';
    if (c.restartPolicy !== undefined && !sidecar) out.push(field.notSupported(`${p}.restartPolicy`, c.restartPolicy, ['Always']));
    if (!sidecar) {
      for (const k of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
        if (c[k]) out.push(field.forbidden(`${p}.${k}`, 'may not be set for init containers without restartPolicy=Always'));
      }
    } else {
      out.push(...validateProbe(c.livenessProbe, `${p}.livenessProbe`, true));
      out.push(...validateProbe(c.readinessProbe, `${p}.readinessProbe`, false));
      out.push(...validateProbe(c.startupProbe, `${p}.startupProbe`, true));
    }
  });
  return out;
}

// ---- tolerations --------------------------------------------------------------------------------

export function validateTolerations(tols: Toleration[] | undefined, path: string): FieldError[] {
  const out: FieldError[] = [];
  (tols ?? []).forEach((t, i) => {
    const p = `${path}[${i}]`;
    if (t.key) for (const m of isQualifiedName(t.key)) out.push(field.invalid(`${p}.key`, t.key, m));
    if (!t.key && t.operator !== 'Exists') {
      out.push(field.invalid(`${p}.operator`, t.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && t.effect !== 'NoExecute') {
      out.push(field.invalid(`${p}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    switch (t.operator ?? '') {
      case '':
      case 'Equal':
        for (const m of isValidLabelValue(t.value ?? '')) out.push(field.invalid(`${p}.operator`, t.value ?? '', m));
        break;
      case 'Exists':
        if (t.value) out.push(field.invalid(`${p}.operator`, t.value, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        out.push(field.notSupported(`${p}.operator`, t.operator, ['Equal', 'Exists']));
    }
    if (t.effect && !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(t.effect)) {
      out.push(field.notSupported(`${p}.effect`, t.effect, ['NoSchedule', 'PreferNoSchedule', 'NoExecute']));
    }
  });
  return out;
}

// ---- pod spec -----------------------------------------------------------------------------------

/**
 * upstream ValidatePodSpec (the subset listed at the top of this file), errors in upstream order.
 * `isPod` is upstream's PodValidationOptions.ResourceIsPod (stricter hostNetwork port rule).
 */
export function validatePodSpec(spec: PodSpec | undefined, path: string, isPod = false): FieldError[] {
  const s = (spec ?? {}) as PodSpec;
  const out: FieldError[] = [];
  const { errs, names } = validateVolumes(s.volumes, `${path}.volumes`);
  out.push(...errs);
  out.push(...validateContainers(s.containers as Container[] | undefined, names, `${path}.containers`));
  out.push(...validateInitContainers(s.initContainers, s.containers, names, `${path}.initContainers`));
  if (s.hostNetwork) {
    (s.containers ?? []).forEach((c, i) => (c.ports ?? []).forEach((port, j) => {
      const hp = port.hostPort ?? 0;
      if ((isPod || hp !== 0) && hp !== port.containerPort) {
        out.push(field.invalid(`${path}.containers[${i}].ports[${j}].hostPort`, hp, 'must match `containerPort` when `hostNetwork` is true'));
      }
    }));
  }
  switch (s.restartPolicy ?? '') {
    case 'Always': case 'OnFailure': case 'Never': break;
    case '': out.push(field.required(`${path}.restartPolicy`, '')); break;
    default: out.push(field.notSupported(`${path}.restartPolicy`, s.restartPolicy, ['Always', 'OnFailure', 'Never']));
  }
  switch (s.dnsPolicy ?? '') {
    case 'ClusterFirstWithHostNet': case 'ClusterFirst': case 'Default': case 'None': break;
    case '': out.push(field.required(`${path}.dnsPolicy`, '')); break;
    default: out.push(field.notSupported(`${path}.dnsPolicy`, s.dnsPolicy, ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None']));
  }
  out.push(...validateLabels(s.nodeSelector, `${path}.nodeSelector`));
  (s.imagePullSecrets ?? []).forEach((ref, i) => {
    if (Object.keys(ref).some((k) => k !== 'name')) out.push(field.invalid(`${path}.imagePullSecrets[${i}]`, ref, 'only name may be set'));
  });
  if (s.dnsPolicy === 'None') {
    if (!s.dnsConfig) out.push(field.required(`${path}.dnsConfig`, 'must provide `dnsConfig` when `dnsPolicy` is None'));
    else if (!s.dnsConfig.nameservers?.length) out.push(field.required(`${path}.dnsConfig.nameservers`, 'must provide at least one DNS nameserver when `dnsPolicy` is None'));
  }
  if (s.dnsConfig?.nameservers && s.dnsConfig.nameservers.length > 3) {
    out.push(field.invalid(`${path}.dnsConfig.nameservers`, s.dnsConfig.nameservers, 'must not have more than 3 nameservers'));
  }
  if (s.serviceAccountName) for (const m of isDNS1123Subdomain(s.serviceAccountName)) out.push(field.invalid(`${path}.serviceAccountName`, s.serviceAccountName, m));
  if (s.nodeName) for (const m of isDNS1123Subdomain(s.nodeName)) out.push(field.invalid(`${path}.nodeName`, s.nodeName, m));
  if (s.activeDeadlineSeconds !== undefined && s.activeDeadlineSeconds !== null) {
    const v = s.activeDeadlineSeconds;
    if (v < 1 || v > MaxInt32) out.push(field.invalid(`${path}.activeDeadlineSeconds`, v, inclusiveRangeError(1, MaxInt32)));
  }
  if (s.hostname) out.push(...dnsLabel(s.hostname, `${path}.hostname`));
  if (s.subdomain) out.push(...dnsLabel(s.subdomain, `${path}.subdomain`));
  if (s.tolerations?.length) out.push(...validateTolerations(s.tolerations, `${path}.tolerations`));
  if (s.priorityClassName) for (const m of isDNS1123Subdomain(s.priorityClassName)) out.push(field.invalid(`${path}.priorityClassName`, s.priorityClassName, m));
  const gates = new Set<string>();
  (s.schedulingGates ?? []).forEach((g, i) => {
    for (const m of isQualifiedName(g.name ?? '')) out.push(field.invalid(`${path}.schedulingGates[${i}]`, g.name, m));
    if (gates.has(g.name)) out.push(field.duplicate(`${path}.schedulingGates[${i}]`, g.name));
    gates.add(g.name);
  });
  (s.readinessGates ?? []).forEach((g, i) => {
    for (const m of isQualifiedName(g.conditionType ?? '')) out.push(field.invalid(`${path}.readinessGates[${i}].conditionType`, g.conditionType, m));
  });
  return out;
}

/**
 * upstream ValidatePodTemplateSpec. Note the upstream quirk: template labels/annotations are
 * reported under `<path>.labels`, not `<path>.metadata.labels`.
 */
export function validatePodTemplateSpec(t: PodTemplateSpec | undefined, path: string): FieldError[] {
  const out: FieldError[] = [];
  out.push(...validateLabels(t?.metadata?.labels, `${path}.labels`));
  out.push(...validateAnnotations(t?.metadata?.annotations, `${path}.annotations`));
  out.push(...validatePodSpec(t?.spec, `${path}.spec`));
  if (t?.spec?.ephemeralContainers?.length) out.push(field.forbidden(`${path}.spec.ephemeralContainers`, 'ephemeral containers not allowed in pod template'));
  return out;
}

// ---- QoS ----------------------------------------------------------------------------------------

/** upstream qos.GetPodQOS (cpu and memory of all containers and init containers). */
export function podQOSClass(spec: PodSpec | undefined): QOSClass {
  const requests: Record<string, number> = {};
  const limits: Record<string, number> = {};
  let guaranteed = true;
  for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
    for (const [name, q] of Object.entries((c.resources?.requests ?? {}) as Record<string, unknown>)) {
      if (name !== 'cpu' && name !== 'memory') continue;
      const n = parseQuantity(q) ?? 0;
      if (n > 0) requests[name] = (requests[name] ?? 0) + n;
    }
    const found = new Set<string>();
    for (const [name, q] of Object.entries((c.resources?.limits ?? {}) as Record<string, unknown>)) {
      if (name !== 'cpu' && name !== 'memory') continue;
      const n = parseQuantity(q) ?? 0;
      if (n > 0) {
        found.add(name);
        limits[name] = (limits[name] ?? 0) + n;
      }
    }
    if (!found.has('cpu') || !found.has('memory')) guaranteed = false;
  }
  if (Object.keys(requests).length === 0 && Object.keys(limits).length === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, r] of Object.entries(requests)) {
      if (limits[name] === undefined || Math.abs(limits[name]! - r) > 1e-12 * Math.max(1, r)) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && Object.keys(requests).length === Object.keys(limits).length ? 'Guaranteed' : 'Burstable';
}

// ---- pod update -----------------------------------------------------------------------------------

export const updatablePodSpecFields = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

function validateImages(next: Container[] | undefined, prev: Container[] | undefined, path: string): { errs: FieldError[]; stop: boolean } {
  const n = next ?? [];
  const o = prev ?? [];
  if (n.length !== o.length) return { errs: [field.forbidden(path, 'pod updates may not add or remove containers')], stop: true };
  const errs: FieldError[] = [];
  n.forEach((c, i) => {
    if (!c.image) errs.push(field.required(`${path}[${i}].image`, ''));
    else if (c.image.trim() !== c.image) errs.push(field.invalid(`${path}[${i}].image`, c.image, 'must not have leading or trailing whitespace'));
  });
  return { errs, stop: false };
}

function sameToleration(a: Toleration, b: Toleration): boolean {
  return (a.key ?? '') === (b.key ?? '') && (a.operator ?? '') === (b.operator ?? '') && (a.value ?? '') === (b.value ?? '') && (a.effect ?? '') === (b.effect ?? '');
}

/**
 * The spec part of upstream ValidatePodUpdate: images, activeDeadlineSeconds rules, tolerations
 * additions, and the catch-all Forbidden (followed, as upstream, by a diff of the spec).
 * `equal` is the semantic equality used for the final comparison.
 */
export function validatePodSpecUpdate(next: PodSpec, prev: PodSpec, equal: (a: unknown, b: unknown) => boolean): FieldError[] {
  const out: FieldError[] = [];
  let r = validateImages(next.containers, prev.containers, 'spec.containers');
  out.push(...r.errs);
  if (r.stop) return out;
  r = validateImages(next.initContainers, prev.initContainers, 'spec.initContainers');
  out.push(...r.errs);
  if (r.stop) return out;
  if (next.activeDeadlineSeconds !== undefined && next.activeDeadlineSeconds !== null) {
    const v = next.activeDeadlineSeconds;
    if (v < 0 || v > MaxInt32) return [...out, field.invalid('spec.activeDeadlineSeconds', v, inclusiveRangeError(0, MaxInt32))];
    const old = prev.activeDeadlineSeconds;
    if (old !== undefined && old !== null && old < v) return [...out, field.invalid('spec.activeDeadlineSeconds', v, 'must be less than or equal to previous value')];
  } else if (prev.activeDeadlineSeconds !== undefined && prev.activeDeadlineSeconds !== null) {
    out.push(field.invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  }
  // Only additions to tolerations (tolerationSeconds of an existing one may change).
  const newTols = next.tolerations ?? [];
  if (!(prev.tolerations ?? []).every((o) => newTols.some((t) => sameToleration(o, t)))) {
    out.push(field.forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds'));
  } else {
    out.push(...validateTolerations(newTols, 'spec.tolerations'));
  }
  if (equal(next, prev)) return out;
  // Munge the updatable fields to the old values, then anything still different is forbidden.
  const munged: Record<string, unknown> = JSON.parse(JSON.stringify(next));
  const withOldImages = (cs: Container[] | undefined, old: Container[] | undefined) =>
    cs?.map((c, i) => ({ ...c, image: old?.[i]?.image }));
  munged.containers = withOldImages(next.containers, prev.containers);
  if (next.initContainers) munged.initContainers = withOldImages(next.initContainers, prev.initContainers);
  munged.activeDeadlineSeconds = prev.activeDeadlineSeconds;
  munged.schedulingGates = prev.schedulingGates;
  munged.tolerations = prev.tolerations;
  const oldGrace = prev.terminationGracePeriodSeconds;
  if (oldGrace !== undefined && oldGrace !== null && oldGrace < 0 && munged.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = oldGrace;
  }
  for (const k of Object.keys(munged)) if (munged[k] === undefined) delete munged[k];
  if (!equal(munged, prev)) {
    out.push(field.forbidden('spec', `pod updates may not change fields other than ${updatablePodSpecFields.join(',')}\n${specDiff(prev as unknown as Record<string, unknown>, munged)}`));
  }
  return out;
}

/** A short diff in the spirit of upstream's cmp.Diff(old, new) of the PodSpec: changed fields only. */
function specDiff(old: Record<string, unknown>, next: Record<string, unknown>): string {
  const keys = [...new Set([...Object.keys(old), ...Object.keys(next)])].sort();
  const goName = (k: string) => k.charAt(0).toUpperCase() + k.slice(1);
  const lines = ['  core.PodSpec{'];
  for (const k of keys) {
    const a = JSON.stringify(old[k] ?? null);
    const b = JSON.stringify(next[k] ?? null);
    if (a === b) continue;
    lines.push(`- \t${goName(k)}: ${a},`);
    lines.push(`+ \t${goName(k)}: ${b},`);
  }
  lines.push('  }');
  return lines.join('\n') + '\n';
}
